//! Create an access token for a front-end (synchronous: no runtime needed).
//!
//! `cargo run -p livekit-server-sdk --example tokens` (uses LIVEKIT_API_KEY/LIVEKIT_API_SECRET,
//! or the `livekit-server --dev` defaults).

#![allow(clippy::print_stdout)] // an example prints what it did

use std::time::Duration;

use livekit_server_sdk::auth::{AccessToken, TokenVerifier, VideoGrants};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var("LIVEKIT_API_KEY").unwrap_or_else(|_| "devkey".into());
    let secret = std::env::var("LIVEKIT_API_SECRET").unwrap_or_else(|_| "secret".into());

    let token = AccessToken::new(key.as_str(), secret.as_str())?
        .with_identity("alice")
        .with_name("Alice")
        .with_ttl(Duration::from_secs(3600))
        .with_grants(VideoGrants {
            room_join: true,
            room: "my-room".into(),
            ..Default::default()
        })
        .to_jwt()?;

    // What a server does with it.
    let claims = TokenVerifier::new(key.as_str(), secret.as_str())?.verify(&token)?;
    let video = claims.video.unwrap_or_default();
    assert!(
        video.room_join && video.can_publish_data(),
        "canPublishData follows canPublish"
    );
    println!("{token}");
    Ok(())
}
