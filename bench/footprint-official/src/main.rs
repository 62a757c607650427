//! Mints one token with the official `livekit-api` crate and prints it (footprint measurement).

use livekit_api::access_token::{AccessToken, VideoGrants};

fn main() {
    let jwt = AccessToken::with_api_key("devkey", "secret")
        .with_identity("alice")
        .with_grants(VideoGrants {
            room_join: true,
            room: "my-room".into(),
            ..Default::default()
        })
        .to_jwt()
        .expect("mint");
    println!("{jwt}");
}
