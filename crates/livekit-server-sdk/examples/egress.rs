//! Egress: record a room to the egress service's storage in one line, to S3 with the full
//! request (room composite), export one track as it was published, stream a track pair to RTMP
//! (track composite), then list and stop.
//!
//! Needs an egress worker on the server. `cargo run -p livekit-server-sdk --example egress`.

#![allow(clippy::print_stdout)] // an example prints what it did

use livekit_server_sdk::LiveKitApi;
use livekit_server_sdk::proto::{self, encoded_file_output};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = LiveKitApi::from_env()?;
    let egress = api.egress();

    // The short forms: a room to one file, a track as published, where the egress service is
    // configured to upload.
    let simple = egress
        .start_room_composite_egress(proto::RoomCompositeEgressRequest::to_file(
            "my-room",
            "recordings/{room_name}-{time}.mp4",
        ))
        .await?;
    let track = egress
        .start_track_egress(proto::TrackEgressRequest::to_file(
            "my-room", "TR_audio", "tracks/",
        ))
        .await?;

    // The full request: any layout, output and upload the protocol offers.
    let recording = egress
        .start_room_composite_egress(proto::RoomCompositeEgressRequest {
            room_name: "my-room".into(),
            layout: "speaker".into(),
            file_outputs: vec![proto::EncodedFileOutput {
                file_type: proto::EncodedFileType::Mp4.into(),
                filepath: "recordings/{room_name}-{time}.mp4".into(),
                output: Some(encoded_file_output::Output::S3(proto::S3Upload {
                    access_key: std::env::var("S3_ACCESS_KEY").unwrap_or_default(),
                    secret: std::env::var("S3_SECRET").unwrap_or_default(),
                    region: "us-east-1".into(),
                    bucket: "my-bucket".into(),
                    ..Default::default()
                })),
                ..Default::default()
            }],
            ..Default::default()
        })
        .await?;
    println!("recording {}", recording.egress_id);

    let stream = egress
        .start_track_composite_egress(proto::TrackCompositeEgressRequest {
            room_name: "my-room".into(),
            audio_track_id: "TR_audio".into(),
            video_track_id: "TR_video".into(),
            stream_outputs: vec![proto::StreamOutput {
                protocol: proto::StreamProtocol::Rtmp.into(),
                urls: vec!["rtmp://live.example.com/app/stream-key".into()],
            }],
            ..Default::default()
        })
        .await?;

    let active = egress
        .list_egress(proto::ListEgressRequest::for_room("my-room").active_only())
        .await?;
    println!("{} active egress(es)", active.items.len());

    for id in [
        simple.egress_id,
        track.egress_id,
        recording.egress_id,
        stream.egress_id,
    ] {
        egress.stop_egress(id).await?;
    }
    Ok(())
}
