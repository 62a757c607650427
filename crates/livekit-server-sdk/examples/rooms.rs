//! Rooms and participants: list rooms and participants, mute a track, send data, remove a
//! participant, delete a room.
//!
//! `cargo run -p livekit-server-sdk --example rooms` with LIVEKIT_URL, LIVEKIT_API_KEY and
//! LIVEKIT_API_SECRET set (e.g. from `cargo xtask up`).

#![allow(clippy::print_stdout)] // an example prints what it did

use livekit_server_sdk::{LiveKitApi, proto};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = LiveKitApi::from_env()?;
    let rooms = api.room();

    let room = rooms
        .create_room(proto::CreateRoomRequest {
            name: "example-room".into(),
            empty_timeout: 300,
            max_participants: 20,
            ..Default::default()
        })
        .await?;
    println!("created {} ({})", room.name, room.sid);

    for room in rooms
        .list_rooms(proto::ListRoomsRequest::default())
        .await?
        .rooms
    {
        let participants = rooms
            .list_participants(proto::ListParticipantsRequest {
                room: room.name.clone(),
            })
            .await?
            .participants;
        println!("{}: {} participant(s)", room.name, participants.len());
        for participant in participants {
            // Mute every published track, then say goodbye and remove the participant.
            for track in &participant.tracks {
                rooms
                    .mute_published_track(proto::MuteRoomTrackRequest {
                        room: room.name.clone(),
                        identity: participant.identity.clone(),
                        track_sid: track.sid.clone(),
                        muted: true,
                    })
                    .await?;
            }
            rooms
                .send_data(proto::SendDataRequest {
                    room: room.name.clone(),
                    data: b"goodbye".to_vec(),
                    destination_identities: vec![participant.identity.clone()],
                    topic: Some("notices".into()),
                    ..Default::default()
                })
                .await?;
            rooms
                .remove_participant(proto::RoomParticipantIdentity {
                    room: room.name.clone(),
                    identity: participant.identity.clone(),
                    ..Default::default()
                })
                .await?;
        }
    }

    rooms
        .delete_room(proto::DeleteRoomRequest { room: room.name })
        .await?;
    Ok(())
}
