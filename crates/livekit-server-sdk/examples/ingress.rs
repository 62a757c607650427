//! Ingress: create a URL ingress and an RTMP ingress, list them, delete them.
//!
//! `cargo run -p livekit-server-sdk --example ingress`.

#![allow(clippy::print_stdout)] // an example prints what it did

use livekit_server_sdk::{LiveKitApi, proto};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = LiveKitApi::from_env()?;
    let ingress = api.ingress();

    let url = ingress
        .create_ingress(proto::CreateIngressRequest {
            input_type: proto::IngressInput::UrlInput.into(),
            url: "https://example.com/video.mp4".into(),
            name: "from-url".into(),
            room_name: "my-room".into(),
            participant_identity: "url-ingress".into(),
            ..Default::default()
        })
        .await?;
    let rtmp = ingress
        .create_ingress(proto::CreateIngressRequest {
            input_type: proto::IngressInput::RtmpInput.into(),
            name: "from-obs".into(),
            room_name: "my-room".into(),
            participant_identity: "obs".into(),
            ..Default::default()
        })
        .await?;
    println!("publish to {} with key {}", rtmp.url, rtmp.stream_key);

    let listed = ingress
        .list_ingress(proto::ListIngressRequest {
            room_name: "my-room".into(),
            ..Default::default()
        })
        .await?;
    println!("{} ingress(es) in my-room", listed.items.len());

    for id in [url.ingress_id, rtmp.ingress_id] {
        ingress.delete_ingress(id).await?;
    }
    Ok(())
}
