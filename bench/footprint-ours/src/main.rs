//! Mints one token with `livekit-server-auth` and prints it (footprint measurement).

use livekit_server_auth::{AccessToken, VideoGrants};

fn main() -> Result<(), livekit_server_auth::TokenError> {
    let jwt = AccessToken::new("devkey", "secret")?
        .with_identity("alice")
        .with_grants(VideoGrants::join("my-room"))
        .to_jwt()?;
    println!("{jwt}");
    Ok(())
}
