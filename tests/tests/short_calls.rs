//! The short forms of requests against the real server: a room name or an id where it is the
//! request's only field (generated conversions), and the constructors of `livekit_server_proto`
//! for the calls backends make most, through the async clients and the blocking one. Each
//! call's answer (and what a real participant sees of it) shows the request carried what the
//! short form promises.

#![allow(clippy::unwrap_used)]

mod support;

use livekit_server_agent_dispatch::AgentDispatchClient;
use livekit_server_egress::EgressClient;
use livekit_server_http::TwirpCode;
use livekit_server_room::{RoomClient, proto};
use livekit_server_sip::SipClient;
use livekit_server_tests::{Participant, TestEnv, unique_name};
use support::{
    JOIN, assert_twirp, echo_when_reachable, expect_twirp, join_token, participant_until,
    rooms_named,
};

/// The server's answer for a room it does not have.
const NO_ROOM: &str = "twirp error unknown: requested room does not exist";

fn rooms(env: &TestEnv) -> RoomClient {
    RoomClient::from_client(support::client(env))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_calls_in_their_short_forms() {
    let env = TestEnv::from_env();
    let rooms = rooms(&env);
    let name = unique_name("short-room");

    // CreateRoom by name (a `&String`): the server's defaults for the rest.
    let created = rooms.create_room(&name).await.unwrap();
    assert_eq!(created.name, name);
    assert!(created.sid.starts_with("RM_"), "{created:?}");
    assert!(created.metadata.is_empty(), "{created:?}");
    let named = rooms
        .list_rooms(proto::ListRoomsRequest::named([&name]))
        .await
        .unwrap()
        .rooms;
    assert_eq!(
        named.iter().map(|r| r.sid.as_str()).collect::<Vec<_>>(),
        [created.sid.as_str()]
    );
    // ListParticipants by name (a `&str`).
    let empty = rooms.list_participants(name.as_str()).await.unwrap();
    assert!(empty.participants.is_empty(), "{empty:?}");

    // A real participant publishing its tone.
    let mut alice = Participant::join(&env, &join_token(&env, "alice", &name));
    alice.wait_for("connected", JOIN);
    let published = alice.wait_for("track_published", JOIN);
    let track_sid = published.str("sid").unwrap().to_owned();
    assert!(track_sid.starts_with("TR_"), "{published:?}");

    let listed = rooms.list_participants(&name).await.unwrap().participants;
    assert_eq!(
        listed
            .iter()
            .map(|p| p.identity.as_str())
            .collect::<Vec<_>>(),
        ["alice"]
    );
    let info = participant_until(&rooms, &name, "alice", "alice's track", |info| {
        info.tracks.iter().any(|t| t.sid == track_sid)
    })
    .await;
    assert_eq!(info.sid, listed[0].sid);

    // UpdateRoomMetadata::new: the room and alice see it.
    let updated = rooms
        .update_room_metadata(proto::UpdateRoomMetadataRequest::new(&name, "short"))
        .await
        .unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.metadata.as_str()),
        (name.as_str(), "short")
    );
    let changed = alice.wait_for("room_metadata_changed", JOIN);
    assert_eq!(changed.str("new"), Some("short"), "{changed:?}");

    // UpdateParticipant::new with metadata, name and attributes.
    let updated = rooms
        .update_participant(
            proto::UpdateParticipantRequest::new(&name, "alice")
                .with_metadata("{\"role\":\"host\"}")
                .with_name("Alice")
                .with_attributes([("desk", "7")]),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            updated.identity.as_str(),
            updated.metadata.as_str(),
            updated.name.as_str()
        ),
        ("alice", "{\"role\":\"host\"}", "Alice")
    );
    assert_eq!(
        updated.attributes.get("desk").map(String::as_str),
        Some("7")
    );
    let changed = alice.wait_for("participant_metadata_changed", JOIN);
    assert_eq!(
        changed.str("new"),
        Some("{\"role\":\"host\"}"),
        "{changed:?}"
    );

    // MutePublishedTrack::new on alice's real track.
    let muted = rooms
        .mute_published_track(proto::MuteRoomTrackRequest::new(
            &name, "alice", &track_sid, true,
        ))
        .await
        .unwrap()
        .track
        .unwrap();
    assert_eq!(
        (muted.sid.as_str(), muted.muted),
        (track_sid.as_str(), true)
    );
    participant_until(&rooms, &name, "alice", "the muted track", |info| {
        info.tracks.iter().any(|t| t.sid == track_sid && t.muted)
    })
    .await;

    // SendData::new to alice only, with a topic (PerformRpc::new first: her data channel is
    // open once she answers).
    assert_eq!(
        echo_when_reachable(&rooms, &name, "alice", "ready")
            .await
            .payload,
        "ready"
    );
    rooms
        .send_data(
            proto::SendDataRequest::new(&name, "hello", proto::data_packet::Kind::Reliable)
                .with_destination_identities(["alice"])
                .with_topic("short"),
        )
        .await
        .unwrap();
    let data = alice.wait_for("data_received", JOIN);
    assert_eq!(
        (data.str("payload"), data.str("topic")),
        (Some("hello"), Some("short")),
        "{data:?}"
    );

    // RemoveParticipant by RoomParticipantIdentity::new.
    rooms
        .remove_participant(proto::RoomParticipantIdentity::new(&name, "alice"))
        .await
        .unwrap();
    let gone = alice.wait_for("disconnected", JOIN);
    assert_eq!(gone.str("reason"), Some("PARTICIPANT_REMOVED"), "{gone:?}");
    alice.wait_exit(JOIN);

    // DeleteRoom by name (a `String`); then the short forms reach the server's not-found.
    rooms.delete_room(name.clone()).await.unwrap();
    assert!(rooms_named(&rooms, &name).await.is_empty());
    expect_twirp(
        rooms
            .update_room_metadata(proto::UpdateRoomMetadataRequest::new(&name, "x"))
            .await,
        TwirpCode::NotFound,
        404,
        NO_ROOM,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn egress_sip_and_dispatch_short_forms_reach_the_server() {
    let env = TestEnv::from_env();
    let client = support::client(&env);
    let egress = EgressClient::from_client(client.clone());
    let missing = unique_name("short-none");

    // To a file: the server reads the room from the request and refuses a missing one, once.
    let no_room = (TwirpCode::NotFound, 404, NO_ROOM);
    for result in [
        egress
            .start_room_composite_egress(proto::RoomCompositeEgressRequest::to_file(
                &missing, "out.mp4",
            ))
            .await,
        egress
            .start_participant_egress(proto::ParticipantEgressRequest::to_file(
                &missing, "alice", "out.mp4",
            ))
            .await,
        egress
            .start_track_egress(proto::TrackEgressRequest::to_file(
                &missing,
                "TR_doesnotexist",
                "tracks/",
            ))
            .await,
    ] {
        let error = expect_twirp(result, no_room.0, no_room.1, no_room.2);
        assert_eq!(error.attempts(), 1, "{error:?}");
    }
    let active = egress
        .list_egress(proto::ListEgressRequest::for_room(&missing).active_only())
        .await
        .unwrap();
    assert!(active.items.is_empty(), "{active:?}");
    // An egress id as the whole request.
    for result in [
        egress.stop_egress("EG_doesnotexist").await,
        egress
            .update_layout(proto::UpdateLayoutRequest::new(
                "EG_doesnotexist",
                "speaker",
            ))
            .await,
    ] {
        expect_twirp(
            result,
            TwirpCode::NotFound,
            404,
            "twirp error unknown: egress does not exist",
        );
    }

    // A call through a trunk that does not exist is refused before any worker is asked.
    let sip = SipClient::from_client(client.clone());
    expect_twirp(
        sip.create_sip_participant(proto::CreateSipParticipantRequest::new(
            "ST_doesnotexist",
            "+15550100",
            &missing,
            "caller",
        ))
        .await,
        TwirpCode::NotFound,
        404,
        "requested sip trunk does not exist",
    );

    // Agent dispatch: created with metadata, listed by room name, deleted.
    let dispatch = AgentDispatchClient::from_client(client);
    let room = unique_name("short-dispatch");
    let created = dispatch
        .create_dispatch(
            proto::CreateAgentDispatchRequest::new(&room, "short-agent").with_metadata("{\"n\":1}"),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            created.room.as_str(),
            created.agent_name.as_str(),
            created.metadata.as_str()
        ),
        (room.as_str(), "short-agent", "{\"n\":1}")
    );
    let listed = dispatch
        .list_dispatch(&room)
        .await
        .unwrap()
        .agent_dispatches;
    assert!(listed.iter().any(|d| d.id == created.id), "{listed:?}");
    dispatch
        .delete_dispatch(proto::DeleteAgentDispatchRequest::new(&created.id, &room))
        .await
        .unwrap();
    let listed = dispatch.list_dispatch(room.as_str()).await.unwrap();
    assert!(
        listed.agent_dispatches.iter().all(|d| d.id != created.id),
        "{listed:?}"
    );
    rooms(&env).delete_room(&room).await.unwrap();
}

#[test]
fn the_blocking_client_takes_the_short_forms_too() {
    let env = TestEnv::from_env();
    let api =
        livekit_server_sdk::blocking::LiveKitApi::new(&env.url, &env.api_key, &env.api_secret)
            .unwrap();
    let name = unique_name("short-blocking");

    let created = api.room().create_room(name.as_str()).unwrap();
    assert_eq!(created.name, name);
    let empty = api.room().list_participants(&name).unwrap();
    assert!(empty.participants.is_empty(), "{empty:?}");
    let updated = api
        .room()
        .update_room_metadata(proto::UpdateRoomMetadataRequest::new(&name, "blocking"))
        .unwrap();
    assert_eq!(updated.metadata, "blocking");
    let listed = api
        .room()
        .list_rooms(proto::ListRoomsRequest::named([name.clone()]))
        .unwrap()
        .rooms;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].metadata, "blocking");
    api.room().delete_room(name.clone()).unwrap();
    assert!(
        api.room()
            .list_rooms(proto::ListRoomsRequest::named([name]))
            .unwrap()
            .rooms
            .is_empty()
    );
    // An id as the whole request, through another service.
    let error = api.egress().stop_egress("EG_doesnotexist").unwrap_err();
    assert_twirp(
        &error,
        TwirpCode::NotFound,
        404,
        "twirp error unknown: egress does not exist",
    );
}
