//! Rooms and participants: create a room, list the rooms, then in that room list the
//! participants, mute their tracks, send them data, remove them, and delete the room.
//!
//! `cargo run -p livekit-server-sdk --example rooms [ROOM]` (ROOM: `example-room` when not
//! given) with LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET set (e.g. from `cargo xtask
//! up`). Join the room from a client first to see the participant calls at work; only that
//! room is touched, whoever else is on the server.

#![allow(clippy::print_stdout)] // an example prints what it did

use std::time::Duration;

use livekit_server_sdk::{LiveKitApi, proto};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "example-room".into());
    let api = LiveKitApi::from_env()?;
    let rooms = api.room();

    // Creating a room that exists returns it (a client may have joined it already).
    let room = rooms
        .create_room(proto::CreateRoomRequest {
            empty_timeout: 300,
            max_participants: 20,
            ..proto::CreateRoomRequest::new(&name)
        })
        .await?;
    println!("created {} ({})", room.name, room.sid);

    let all = rooms
        .list_rooms(proto::ListRoomsRequest::all())
        .await?
        .rooms;
    println!("{} room(s) on the server", all.len());

    let participants = rooms.list_participants(&room.name).await?.participants;
    println!("{}: {} participant(s)", room.name, participants.len());
    for participant in &participants {
        // Mute every published track, then say goodbye.
        for track in &participant.tracks {
            let mute = proto::MuteRoomTrackRequest::new(
                &room.name,
                &participant.identity,
                &track.sid,
                true,
            );
            rooms.mute_published_track(mute).await?;
            println!("muted {} of {}", track.sid, participant.identity);
        }
        let goodbye =
            proto::SendDataRequest::new(&room.name, "goodbye", proto::data_packet::Kind::Reliable)
                .with_destination_identities([&participant.identity])
                .with_topic("notices");
        rooms.send_data(goodbye).await?;
        println!("said goodbye to {}", participant.identity);
    }
    if !participants.is_empty() {
        // SendData answers once the server has queued the data; removing a participant closes
        // its connection at once, dropping what has not left yet. Give the goodbyes a moment.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    for participant in &participants {
        rooms
            .remove_participant(proto::RoomParticipantIdentity::new(
                &room.name,
                &participant.identity,
            ))
            .await?;
        println!("removed {}", participant.identity);
    }

    rooms.delete_room(&room.name).await?;
    println!("deleted {}", room.name);
    Ok(())
}
