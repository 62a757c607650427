//! Ingress: create an RTMP ingress and a WHIP ingress, list them, delete them.
//!
//! `cargo run -p livekit-server-sdk --example ingress [ROOM]` (ROOM: `my-room` when not given).
//! Both are push inputs: the server makes them alone, and an ingress worker takes the stream
//! when an encoder publishes to the URL printed. A URL input (`IngressInput::UrlInput` with
//! `url` set) is made the same way, but the server hands it to an ingress worker at once, so it
//! needs one connected to the server (without one the call fails with `unavailable`).

#![allow(clippy::print_stdout)] // an example prints what it did

use livekit_server_sdk::{LiveKitApi, proto};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let room = std::env::args().nth(1).unwrap_or_else(|| "my-room".into());
    let api = LiveKitApi::from_env()?;
    let ingress = api.ingress();

    let rtmp = ingress
        .create_ingress(proto::CreateIngressRequest {
            input_type: proto::IngressInput::RtmpInput.into(),
            name: "from-obs".into(),
            room_name: room.clone(),
            participant_identity: "obs".into(),
            ..Default::default()
        })
        .await?;
    let whip = ingress
        .create_ingress(proto::CreateIngressRequest {
            input_type: proto::IngressInput::WhipInput.into(),
            name: "from-browser".into(),
            room_name: room.clone(),
            participant_identity: "whip".into(),
            ..Default::default()
        })
        .await?;
    for created in [&rtmp, &whip] {
        // The URL is the server's `ingress` configuration (`rtmp_base_url`, `whip_base_url`).
        println!(
            "{}: publish to {:?} with stream key {}",
            created.ingress_id, created.url, created.stream_key
        );
    }

    let listed = ingress
        .list_ingress(proto::ListIngressRequest {
            room_name: room.clone(),
            ..Default::default()
        })
        .await?;
    println!("{} ingress(es) in {room}", listed.items.len());

    for id in [rtmp.ingress_id, whip.ingress_id] {
        ingress.delete_ingress(&id).await?;
        println!("deleted {id}");
    }
    Ok(())
}
