//! Every RPC of `RoomService` against the real server, on real rooms with real participants
//! (Python RTC clients publishing a tone): what the server answers, and what the participants
//! see of it.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::time::{Duration, Instant};

use livekit_server_http::{Error, TwirpCode};
use livekit_server_room::{RoomClient, proto};
use livekit_server_tests::{Participant, TestEnv, unique_name};
use support::{
    JOIN, echo_when_reachable, expect_twirp, join_token, participant_until, rooms_named,
};

/// The server's answer for a room it does not have.
const NO_ROOM: &str = "twirp error unknown: requested room does not exist";

fn rooms(env: &TestEnv) -> RoomClient {
    RoomClient::from_client(support::client(env))
}

fn identity(room: &str, identity: &str) -> proto::RoomParticipantIdentity {
    proto::RoomParticipantIdentity::new(room, identity)
}

/// Asserts a call about a participant who is not in the room gets the server's not_found.
#[track_caller]
fn assert_no_participant<T: Debug>(result: Result<T, Error>) {
    expect_twirp(
        result,
        TwirpCode::NotFound,
        404,
        "twirp error unknown: participant does not exist",
    );
}

/// Asserts a call that the open-source server routes to a room that does not implement it
/// gets `unknown` "not implemented", after one attempt.
#[track_caller]
fn assert_not_implemented<T: Debug>(result: Result<T, Error>) {
    let error = expect_twirp(
        result,
        TwirpCode::Unknown,
        500,
        "twirp error unknown: not implemented",
    );
    assert_eq!(error.attempts(), 1);
}

/// The audio frames `participant` received so far on `track`.
fn frames_of(participant: &mut Participant, track: &str) -> u64 {
    participant
        .audio_frames(JOIN)
        .get(track)
        .copied()
        .unwrap_or_default()
}

/// Waits until `participant` receives audio frames on `track` (the count grows); returns the
/// count.
async fn frames_grow(participant: &mut Participant, track: &str, timeout: Duration) -> u64 {
    let deadline = Instant::now() + timeout;
    let start = frames_of(participant, track);
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = frames_of(participant, track);
        if now > start {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "no audio frames on {track} within {timeout:?} (still {now})"
        );
    }
}

/// Waits until `participant` stops receiving audio frames on `track`: the count stays the same
/// over two seconds in a row, read each second (the unsubscribe takes time to reach the
/// client, and its frame counter may still be catching up on frames already received).
/// Returns the count.
async fn frames_stop(participant: &mut Participant, track: &str, timeout: Duration) -> u64 {
    let deadline = Instant::now() + timeout;
    let mut last = frames_of(participant, track);
    let mut flat_seconds = 0;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = frames_of(participant, track);
        flat_seconds = if now == last { flat_seconds + 1 } else { 0 };
        if flat_seconds == 2 {
            return now;
        }
        last = now;
        assert!(
            Instant::now() < deadline,
            "audio frames on {track} still grow after {timeout:?} (now {now})"
        );
    }
}

/// Joins `identity` to `room` with our token; returns the participant once its audio track is
/// published, with the track's SID.
fn join_publishing(env: &TestEnv, room: &str, who: &str) -> (Participant, String) {
    let participant = Participant::join(env, &join_token(env, who, room));
    participant.wait_for("connected", JOIN);
    let track = participant.wait_for("track_published", JOIN);
    let sid = track.str("sid").unwrap().to_owned();
    assert!(sid.starts_with("TR_"), "{track:?}");
    (participant, sid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_are_created_listed_and_deleted() {
    let env = TestEnv::from_env();
    let rooms = rooms(&env);
    let name = unique_name("room-crud");
    let created = rooms
        .create_room(proto::CreateRoomRequest {
            name: name.clone(),
            metadata: "created by the Rust SDK".into(),
            empty_timeout: 120,
            max_participants: 7,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.name, name);
    assert!(created.sid.starts_with("RM_"), "{created:?}");
    assert_eq!(
        (
            created.metadata.as_str(),
            created.empty_timeout,
            created.max_participants
        ),
        ("created by the Rust SDK", 120, 7)
    );

    // CreateRoom is idempotent by effect: the same name gives the same room.
    let again = rooms
        .create_room(proto::CreateRoomRequest {
            name: name.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(again.sid, created.sid);

    let listed = rooms_named(&rooms, &name).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].sid, created.sid);
    assert_eq!(listed[0].metadata, "created by the Rust SDK");
    let all = rooms
        .list_rooms(proto::ListRoomsRequest::default())
        .await
        .unwrap();
    assert!(all.rooms.iter().any(|r| r.sid == created.sid), "{all:?}");

    rooms
        .delete_room(proto::DeleteRoomRequest { room: name.clone() })
        .await
        .unwrap();
    let listed = rooms_named(&rooms, &name).await;
    assert!(listed.is_empty(), "{listed:?}");

    // A second delete: the server's typed not_found, answered once (not retried).
    let error = expect_twirp(
        rooms
            .delete_room(proto::DeleteRoomRequest { room: name })
            .await,
        TwirpCode::NotFound,
        404,
        NO_ROOM,
    );
    assert_eq!(error.attempts(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn participants_are_listed_fetched_updated_and_removed() {
    let env = TestEnv::from_env();
    let rooms = rooms(&env);
    let room = unique_name("room-parts");
    let (mut alice, track) = join_publishing(&env, &room, "alice");

    let listed = rooms
        .list_participants(proto::ListParticipantsRequest { room: room.clone() })
        .await
        .unwrap();
    assert_eq!(listed.participants.len(), 1, "{listed:?}");
    assert_eq!(listed.participants[0].identity, "alice");

    let info = participant_until(&rooms, &room, "alice", "the published track", |info| {
        info.tracks.iter().any(|t| t.sid == track)
    })
    .await;
    assert_eq!(info.identity, "alice");
    assert_eq!(info.state, proto::participant_info::State::Active as i32);
    let published = info.tracks.iter().find(|t| t.sid == track).unwrap();
    assert_eq!(
        (published.r#type, published.name.as_str(), published.muted),
        (proto::TrackType::Audio as i32, "tone", false)
    );

    let updated = rooms
        .update_participant(proto::UpdateParticipantRequest {
            room: room.clone(),
            identity: "alice".into(),
            metadata: "{\"role\":\"host\"}".into(),
            name: "Alice A.".into(),
            attributes: BTreeMap::from([("team".to_owned(), "blue".to_owned())]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (updated.metadata.as_str(), updated.name.as_str()),
        ("{\"role\":\"host\"}", "Alice A.")
    );
    assert_eq!(
        updated.attributes.get("team").map(String::as_str),
        Some("blue")
    );
    // The participant hears about it from the server.
    let changed = alice.wait_for("participant_metadata_changed", JOIN);
    assert_eq!(
        (changed.str("identity"), changed.str("new")),
        (Some("alice"), Some("{\"role\":\"host\"}"))
    );
    let renamed = alice.wait_for("participant_name_changed", JOIN);
    assert_eq!(renamed.str("new"), Some("Alice A."));
    let attributes = alice.wait_for("participant_attributes_changed", JOIN);
    assert_eq!(attributes.0["changed"]["team"], "blue");
    let fetched = rooms
        .get_participant(identity(&room, "alice"))
        .await
        .unwrap();
    assert_eq!(fetched.metadata, "{\"role\":\"host\"}");

    rooms
        .remove_participant(identity(&room, "alice"))
        .await
        .unwrap();
    let gone = alice.wait_for("disconnected", JOIN);
    assert_eq!(gone.str("reason"), Some("PARTICIPANT_REMOVED"), "{gone:?}");
    alice.wait_exit(JOIN);

    assert_no_participant(rooms.get_participant(identity(&room, "alice")).await);
    assert_no_participant(rooms.remove_participant(identity(&room, "alice")).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_updated_and_tracks_muted_by_the_server() {
    let env = TestEnv::from_env();
    let rooms = rooms(&env);
    let room = unique_name("room-tracks");
    let (alice, alice_track) = join_publishing(&env, &room, "alice");
    let mut bob = Participant::join(&env, &join_token(&env, "bob", &room));
    bob.wait_for("connected", JOIN);
    bob.wait_for_match("alice's track subscribed", JOIN, |e| {
        e.kind() == "track_subscribed" && e.str("sid") == Some(alice_track.as_str())
    });
    let alice_sid = rooms
        .get_participant(identity(&room, "alice"))
        .await
        .unwrap()
        .sid;

    // UpdateSubscriptions: unsubscribe bob from alice's track, then subscribe him again. The
    // client reports no event for a subscription the server removes, so bob's received audio
    // frames tell: they grow while subscribed and stop while not.
    let flowing = frames_grow(&mut bob, &alice_track, Duration::from_secs(15)).await;
    assert!(flowing > 0);
    rooms
        .update_subscriptions(proto::UpdateSubscriptionsRequest {
            room: room.clone(),
            identity: "bob".into(),
            track_sids: vec![alice_track.clone()],
            subscribe: false,
            ..Default::default()
        })
        .await
        .unwrap();
    // Audio still flowing to bob after the server unsubscribed him fails here.
    let stopped = frames_stop(&mut bob, &alice_track, Duration::from_secs(20)).await;
    rooms
        .update_subscriptions(proto::UpdateSubscriptionsRequest {
            room: room.clone(),
            identity: "bob".into(),
            participant_tracks: vec![proto::ParticipantTracks {
                participant_sid: alice_sid.clone(),
                track_sids: vec![alice_track.clone()],
            }],
            subscribe: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let resumed = frames_grow(&mut bob, &alice_track, Duration::from_secs(15)).await;
    assert!(resumed > stopped, "{resumed} <= {stopped}");

    // MutePublishedTrack: the track SID comes from alice's own event.
    let mute = |track_sid: &str, muted: bool| proto::MuteRoomTrackRequest {
        room: room.clone(),
        identity: "alice".into(),
        track_sid: track_sid.to_owned(),
        muted,
    };
    let muted = rooms
        .mute_published_track(mute(&alice_track, true))
        .await
        .unwrap();
    let track = muted.track.unwrap();
    assert_eq!(
        (track.sid.as_str(), track.muted),
        (alice_track.as_str(), true)
    );
    bob.wait_for_match("alice's track muted", JOIN, |e| {
        e.kind() == "track_muted" && e.str("sid") == Some(alice_track.as_str())
    });
    participant_until(&rooms, &room, "alice", "the muted track", |info| {
        info.tracks.iter().any(|t| t.sid == alice_track && t.muted)
    })
    .await;
    // Unmuting from the server is off unless the server enables it (`room.enable_remote_unmute`).
    expect_twirp(
        rooms.mute_published_track(mute(&alice_track, false)).await,
        TwirpCode::FailedPrecondition,
        412,
        "twirp error unknown: remote unmute not enabled",
    );
    // A track the participant does not have: the server answers OK, with no track.
    let none = rooms
        .mute_published_track(mute("TR_doesnotexist", true))
        .await
        .unwrap();
    assert_eq!(none, proto::MuteRoomTrackResponse { track: None });

    drop(alice);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_sent_by_the_server_arrives_with_its_topic() {
    let env = TestEnv::from_env();
    let rooms = rooms(&env);
    let room = unique_name("room-data");
    let alice = Participant::join(&env, &join_token(&env, "alice", &room));
    alice.wait_for("connected", JOIN);
    // SendData answers OK even when a participant's data channel is not open yet (the packet
    // is then dropped): make sure it is.
    echo_when_reachable(&rooms, &room, "alice", "ready").await;

    let sent = rooms
        .send_data(proto::SendDataRequest {
            room: room.clone(),
            data: b"hello from the server".to_vec(),
            kind: proto::data_packet::Kind::Reliable as i32,
            destination_identities: vec!["alice".into()],
            topic: Some("news".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(sent, proto::SendDataResponse::default());
    let data = alice.wait_for("data_received", JOIN);
    assert_eq!(data.str("payload"), Some("hello from the server"));
    assert_eq!(data.str("topic"), Some("news"));
    assert!(data.0["from"].is_null(), "not from a participant: {data:?}");

    // A nonce the caller sets is sent as is; the server takes exactly 16 bytes.
    let error = expect_twirp(
        rooms
            .send_data(proto::SendDataRequest {
                room: room.clone(),
                data: b"x".to_vec(),
                nonce: vec![1, 2, 3],
                ..Default::default()
            })
            .await,
        TwirpCode::InvalidArgument,
        400,
        "nonce should be 16-bytes or not present, got: 3 bytes",
    );
    assert_eq!(error.attempts(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_metadata_updates_reach_listings_and_participants() {
    let env = TestEnv::from_env();
    let rooms = rooms(&env);
    let room = unique_name("room-meta");
    let alice = Participant::join(&env, &join_token(&env, "alice", &room));
    alice.wait_for("connected", JOIN);

    let updated = rooms
        .update_room_metadata(proto::UpdateRoomMetadataRequest {
            room: room.clone(),
            metadata: "{\"topic\":\"weekly sync\"}".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.metadata.as_str()),
        (room.as_str(), "{\"topic\":\"weekly sync\"}")
    );
    let changed = alice.wait_for("room_metadata_changed", JOIN);
    assert_eq!(changed.str("new"), Some("{\"topic\":\"weekly sync\"}"));
    let listed = rooms_named(&rooms, &room).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].metadata, "{\"topic\":\"weekly sync\"}");

    expect_twirp(
        rooms
            .update_room_metadata(proto::UpdateRoomMetadataRequest {
                room: unique_name("room-meta-none"),
                metadata: "x".into(),
            })
            .await,
        TwirpCode::NotFound,
        404,
        NO_ROOM,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn perform_rpc_round_trips_through_a_registered_method() {
    let env = TestEnv::from_env();
    let rooms = rooms(&env);
    let room = unique_name("room-rpc");
    let alice = Participant::join(&env, &join_token(&env, "alice", &room));
    alice.wait_for("connected", JOIN);

    let payload = "{\"question\":\"ping\",\"n\":42,\"text\":\"héllo ✓\"}";
    let response = echo_when_reachable(&rooms, &room, "alice", payload).await;
    assert_eq!(response.payload, payload);
    let called = alice.wait_for("rpc_called", JOIN);
    assert_eq!(
        (called.str("method"), called.str("payload")),
        (Some("echo"), Some(payload))
    );

    // A method the participant did not register: the RPC error travels back as a Twirp error
    // (the participant's RPC error 1400, as the server maps it).
    let error = expect_twirp(
        rooms
            .perform_rpc(proto::PerformRpcRequest {
                room: room.clone(),
                destination_identity: "alice".into(),
                method: "not-registered".into(),
                payload: "x".into(),
                response_timeout_ms: 5_000,
            })
            .await,
        TwirpCode::InvalidArgument,
        400,
        "twirp error unknown: RpcError 1400: Method not supported at destination",
    );
    assert_eq!(error.attempts(), 1, "PerformRpc is never replayed");
}

/// The SIP helpers go through `PerformRpc` to the participant's `lk.sip.*` methods (answered
/// here by the test participant's stand-in for a SIP participant): the headers come back
/// filtered as asked, and a hang-up carries its headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sip_helpers_reach_the_participants_methods_through_the_server() {
    let env = TestEnv::from_env();
    let rooms = rooms(&env);
    let room = unique_name("room-sip-rpc");
    let alice = Participant::join(&env, &join_token(&env, "alice", &room));
    alice.wait_for("connected", JOIN);
    echo_when_reachable(&rooms, &room, "alice", "ready").await;

    let all = rooms
        .sip_get_remote_headers(&room, "alice", &[], &[])
        .await
        .unwrap();
    assert_eq!(
        all,
        HashMap::from([
            ("X-Call-Id".to_owned(), "call-42".to_owned()),
            (
                "P-Asserted-Identity".to_owned(),
                "<sip:alice@example.com>".to_owned()
            ),
        ])
    );
    let only = rooms
        .sip_get_remote_headers(&room, "alice", &["X-Call-Id"], &[])
        .await
        .unwrap();
    assert_eq!(
        only,
        HashMap::from([("X-Call-Id".to_owned(), "call-42".to_owned())])
    );
    let without = rooms
        .sip_get_remote_headers(&room, "alice", &[], &["X-Call-Id"])
        .await
        .unwrap();
    assert_eq!(without.keys().collect::<Vec<_>>(), ["P-Asserted-Identity"]);

    let bye = HashMap::from([("X-Reason".to_owned(), "done".to_owned())]);
    rooms.sip_end_call(&room, "alice", &bye).await.unwrap();
    let called = alice.wait_for_match("the EndCall request", JOIN, |e| {
        e.kind() == "rpc_called" && e.str("method") == Some("lk.sip.EndCall")
    });
    let payload: serde_json::Value = serde_json::from_str(called.str("payload").unwrap()).unwrap();
    assert_eq!(
        payload,
        serde_json::json!({"headers": {"X-Reason": "done"}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_and_move_participant_get_the_servers_answer() {
    let env = TestEnv::from_env();
    let rooms = rooms(&env);
    let room = unique_name("room-fwd");
    let destination = unique_name("room-fwd-dest");
    let alice = Participant::join(&env, &join_token(&env, "alice", &room));
    alice.wait_for("connected", JOIN);
    support::create_room(&rooms, &destination, 0).await;

    // The open-source server routes both to the participant's room, which does not implement
    // them.
    let moving = |to: &str| proto::MoveParticipantRequest {
        room: room.clone(),
        identity: "alice".into(),
        destination_room: to.to_owned(),
    };
    let forwarding = proto::ForwardParticipantRequest {
        room: room.clone(),
        identity: "alice".into(),
        destination_room: destination.clone(),
    };
    assert_not_implemented(rooms.forward_participant(forwarding).await);
    assert_not_implemented(rooms.move_participant(moving(&destination)).await);

    // The same room as source and destination is refused before routing. (Twirp's
    // `invalid_argument` helper: the message ends with a space, the argument is in the
    // metadata.)
    let error = expect_twirp(
        rooms.move_participant(moving(&room)).await,
        TwirpCode::InvalidArgument,
        400,
        "destination room cannot be the same as source room ",
    );
    assert_eq!(
        error.twirp().unwrap().meta_value("argument"),
        Some("destination room cannot be the same as source room")
    );

    // Alice is still where she was.
    let info = rooms
        .get_participant(identity(&room, "alice"))
        .await
        .unwrap();
    assert_eq!(info.identity, "alice");
    rooms
        .delete_room(proto::DeleteRoomRequest { room: destination })
        .await
        .unwrap();
}
