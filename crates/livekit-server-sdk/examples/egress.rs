//! Egress: record a room to the egress service's storage in one line, to S3 with the full
//! request (room composite), export one track as it was published, stream a track pair to RTMP
//! (track composite), then list and stop.
//!
//! `cargo run -p livekit-server-sdk --example egress [ROOM]` (ROOM: `my-room` when not given;
//! it must exist). Starting needs an egress worker connected to the server (through its Redis):
//! without one, the server answers the first start with `unavailable` after about 20 s, which
//! the example reports before listing what runs in the room.

#![allow(clippy::print_stdout)] // an example prints what it did

use std::time::Duration;

use livekit_server_sdk::LiveKitApi;
use livekit_server_sdk::egress::{CallOptions, EgressClient, Error};
use livekit_server_sdk::http::TwirpCode;
use livekit_server_sdk::proto::{self, encoded_file_output};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let room = std::env::args().nth(1).unwrap_or_else(|| "my-room".into());
    let api = LiveKitApi::from_env()?;
    // A start waits until a worker takes the job, and the server waits for one up to about
    // 20 s: longer than the client's 10 s default per call. (A start is never retried.)
    let egress = api.egress().with_call_options(
        CallOptions::new()
            .timeout(Duration::from_secs(60))
            .total_timeout(Duration::from_secs(60)),
    );

    let mut started = Vec::new();
    match start(&egress, &room, &mut started).await {
        Ok(()) => {}
        // No egress worker took the job (none is connected to the server's Redis).
        Err(error) if error.twirp_code() == Some(TwirpCode::Unavailable) => {
            println!("no egress worker took the request: {error}");
        }
        Err(error) => return Err(error.into()),
    }

    let active = egress
        .list_egress(proto::ListEgressRequest::for_room(&room).active_only())
        .await?;
    println!("{} active egress(es) in {room}", active.items.len());

    for id in started {
        egress.stop_egress(&id).await?;
        println!("stopped {id}");
    }
    Ok(())
}

/// Starts the four egresses of the example in `room`, adding the ID of each to `started`.
async fn start(egress: &EgressClient, room: &str, started: &mut Vec<String>) -> Result<(), Error> {
    // The short forms: a room to one file, a track as published, where the egress service is
    // configured to upload.
    let simple = egress
        .start_room_composite_egress(proto::RoomCompositeEgressRequest::to_file(
            room,
            "recordings/{room_name}-{time}.mp4",
        ))
        .await?;
    started.push(simple.egress_id);
    let track = egress
        .start_track_egress(proto::TrackEgressRequest::to_file(
            room, "TR_audio", "tracks/",
        ))
        .await?;
    started.push(track.egress_id);

    // The full request: any layout, output and upload the protocol offers.
    let recording = egress
        .start_room_composite_egress(proto::RoomCompositeEgressRequest {
            room_name: room.into(),
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
    started.push(recording.egress_id);

    let stream = egress
        .start_track_composite_egress(proto::TrackCompositeEgressRequest {
            room_name: room.into(),
            audio_track_id: "TR_audio".into(),
            video_track_id: "TR_video".into(),
            stream_outputs: vec![proto::StreamOutput {
                protocol: proto::StreamProtocol::Rtmp.into(),
                urls: vec!["rtmp://live.example.com/app/stream-key".into()],
            }],
            ..Default::default()
        })
        .await?;
    started.push(stream.egress_id);
    Ok(())
}
