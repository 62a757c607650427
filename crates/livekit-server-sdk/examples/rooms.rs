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
            empty_timeout: 300,
            max_participants: 20,
            ..proto::CreateRoomRequest::new("example-room")
        })
        .await?;
    println!("created {} ({})", room.name, room.sid);

    for room in rooms
        .list_rooms(proto::ListRoomsRequest::all())
        .await?
        .rooms
    {
        let participants = rooms.list_participants(&room.name).await?.participants;
        println!("{}: {} participant(s)", room.name, participants.len());
        for participant in participants {
            // Mute every published track, then say goodbye and remove the participant.
            for track in &participant.tracks {
                let mute = proto::MuteRoomTrackRequest::new(
                    &room.name,
                    &participant.identity,
                    &track.sid,
                    true,
                );
                rooms.mute_published_track(mute).await?;
            }
            let goodbye = proto::SendDataRequest::new(
                &room.name,
                "goodbye",
                proto::data_packet::Kind::Reliable,
            )
            .with_destination_identities([&participant.identity])
            .with_topic("notices");
            rooms.send_data(goodbye).await?;
            rooms
                .remove_participant(proto::RoomParticipantIdentity::new(
                    &room.name,
                    &participant.identity,
                ))
                .await?;
        }
    }

    rooms.delete_room(room.name).await?;
    Ok(())
}
