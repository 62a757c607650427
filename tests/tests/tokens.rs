//! Tokens against the real server: a participant joins with a token our `AccessToken` mints,
//! the server refuses join tokens that are wrongly signed, expired or lack `roomJoin`, and our
//! API client surfaces the server's two kinds of authentication failure as typed errors: the
//! plain-text 401 of its auth middleware for a bad signature, and the Twirp
//! `unauthenticated` "permissions denied" for a valid token without the RPC's grant.

#![allow(clippy::unwrap_used)]

mod support;

use std::process::ExitStatus;
use std::time::{Duration, SystemTime};

use livekit_server_auth::{AccessToken, ParticipantKind, TrackSource, VideoGrants};
use livekit_server_http::TwirpCode;
use livekit_server_room::{RoomClient, proto};
use livekit_server_tests::{JoinOptions, Participant, TestEnv, unique_name};
use support::{JOIN, expect_err, expect_twirp, join_token};

/// The exit status `participant.py` uses after `connect_failed`.
const CONNECT_FAILED: i32 = 2;

fn room_client(env: &TestEnv) -> RoomClient {
    RoomClient::from_client(support::client(env))
}

/// Joins with `token`, which the server must refuse: returns the `connect_failed` message.
fn refused_join(env: &TestEnv, token: &str) -> String {
    let mut participant = Participant::join(env, token);
    let failed = participant.wait_for("connect_failed", JOIN);
    let status: ExitStatus = participant.wait_exit(JOIN);
    assert_eq!(status.code(), Some(CONNECT_FAILED), "{failed:?}");
    assert!(
        !participant.events().iter().any(|e| e.kind() == "connected"),
        "{:?}",
        participant.events()
    );
    failed.str("message").unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_joins_with_a_token_we_mint() {
    let env = TestEnv::from_env();
    let room = unique_name("tok-join");
    let alice = Participant::join(&env, &join_token(&env, "alice", &room));
    let connected = alice.wait_for("connected", JOIN);
    assert_eq!(connected.str("room"), Some(room.as_str()));
    assert_eq!(connected.str("identity"), Some("alice"));
    let sid = connected.str("sid").unwrap().to_owned();
    assert!(sid.starts_with("PA_"), "{connected:?}");

    // The server knows her by the identity and name of our token.
    let info = room_client(&env)
        .get_participant(proto::RoomParticipantIdentity {
            room: room.clone(),
            identity: "alice".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (
            info.sid.as_str(),
            info.identity.as_str(),
            info.name.as_str()
        ),
        (sid.as_str(), "alice", "alice")
    );
}

/// What the server made of a participant's grants: `canPublish`, `canPublishData`,
/// `canSubscribe`, `canUpdateMetadata`, `hidden`.
fn permissions(info: &proto::ParticipantInfo) -> (bool, bool, bool, bool, bool) {
    let p = info
        .permission
        .as_ref()
        .expect("a participant has permissions");
    (
        p.can_publish,
        p.can_publish_data,
        p.can_subscribe,
        p.can_update_metadata,
        p.hidden,
    )
}

/// The server reads every claim of our tokens as the other SDKs define them: the permissions
/// with their defaults and inheritance (an unset `canPublishData` follows `canPublish`), the
/// publish sources, `hidden`, `canUpdateOwnMetadata`, `kind`, `metadata` and `attributes`;
/// and the room that a token with `roomConfig` creates takes that configuration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_applies_every_claim_of_our_tokens() {
    let env = TestEnv::from_env();
    let rooms = room_client(&env);
    let room = unique_name("tok-claims");
    let token = || AccessToken::new(&env.api_key, &env.api_secret).unwrap();
    let listener = token()
        .with_identity("listener")
        .with_name("Listener")
        .with_metadata(r#"{"seat":3}"#)
        .with_attributes([("team", "blue")])
        .with_grants(VideoGrants {
            can_publish: Some(false),
            can_subscribe: Some(false),
            can_update_own_metadata: Some(true),
            hidden: true,
            ..VideoGrants::join(&room)
        })
        .with_room_config(proto::RoomConfiguration {
            metadata: "from-the-token".into(),
            empty_timeout: 123,
            max_participants: 7,
            ..Default::default()
        })
        .to_jwt()
        .unwrap();
    let speaker = token()
        .with_identity("speaker")
        .with_kind(ParticipantKind::Agent)
        .with_grants(VideoGrants {
            can_publish: Some(true),
            can_publish_data: Some(false),
            can_publish_sources: vec![TrackSource::Microphone],
            ..VideoGrants::join(&room)
        })
        .to_jwt()
        .unwrap();
    let quiet = JoinOptions {
        audio: false,
        ..JoinOptions::default()
    };
    // The listener first: its join creates the room, with its token's configuration.
    let listener_peer = Participant::join_with(&env, &listener, &quiet);
    listener_peer.wait_for("connected", JOIN);
    let speaker_peer = Participant::join_with(&env, &speaker, &quiet);
    speaker_peer.wait_for("connected", JOIN);

    let get = |identity: &str| {
        rooms.get_participant(proto::RoomParticipantIdentity {
            room: room.clone(),
            identity: identity.into(),
            ..Default::default()
        })
    };
    let info = get("listener").await.unwrap();
    assert_eq!(
        permissions(&info),
        (false, false, false, true, true),
        "{info:?}"
    );
    assert_eq!(info.metadata, r#"{"seat":3}"#);
    assert_eq!(
        info.attributes.get("team").map(String::as_str),
        Some("blue")
    );
    assert_eq!(info.kind, proto::participant_info::Kind::Standard as i32);

    let info = get("speaker").await.unwrap();
    assert_eq!(
        permissions(&info),
        (true, false, true, false, false),
        "{info:?}"
    );
    assert_eq!(
        info.permission.as_ref().unwrap().can_publish_sources,
        vec![proto::TrackSource::Microphone as i32]
    );
    assert_eq!(info.kind, proto::participant_info::Kind::Agent as i32);

    let listed = rooms
        .list_rooms(proto::ListRoomsRequest {
            names: vec![room.clone()],
        })
        .await
        .unwrap()
        .rooms;
    let [created] = listed.as_slice() else {
        panic!("{listed:?}")
    };
    assert_eq!(
        (
            created.metadata.as_str(),
            created.empty_timeout,
            created.max_participants
        ),
        ("from-the-token", 123, 7),
        "{created:?}"
    );
}

#[test]
fn a_token_signed_with_the_wrong_secret_is_refused() {
    let env = TestEnv::from_env();
    let room = unique_name("tok-secret");
    let token = AccessToken::new(&env.api_key, "not-the-secret-of-this-key-0123456789")
        .unwrap()
        .with_identity("mallory")
        .with_grants(VideoGrants::join(&room))
        .to_jwt()
        .unwrap();
    let message = refused_join(&env, &token);
    // The server's answer to the WebSocket upgrade, as the client reports it.
    assert!(message.contains("401 Unauthorized"), "{message}");
    assert!(message.contains("signature is invalid"), "{message}");
}

#[test]
fn an_expired_token_is_refused() {
    let env = TestEnv::from_env();
    let room = unique_name("tok-expired");
    // Valid for ten minutes, two hours ago: far outside the server's 60 s leeway.
    let token = AccessToken::new(&env.api_key, &env.api_secret)
        .unwrap()
        .with_identity("late")
        .with_grants(VideoGrants::join(&room))
        .with_ttl(Duration::from_secs(600))
        .to_jwt_at(SystemTime::now() - Duration::from_secs(2 * 3600))
        .unwrap();
    let message = refused_join(&env, &token);
    assert!(message.contains("401 Unauthorized"), "{message}");
    assert!(message.contains("token is expired"), "{message}");
}

#[test]
fn a_token_without_room_join_is_refused() {
    let env = TestEnv::from_env();
    let room = unique_name("tok-nojoin");
    // Correctly signed, names the room, but does not grant joining it.
    let token = AccessToken::new(&env.api_key, &env.api_secret)
        .unwrap()
        .with_identity("viewer")
        .with_grants(VideoGrants {
            room: room.clone(),
            room_list: true,
            ..VideoGrants::default()
        })
        .to_jwt()
        .unwrap();
    let message = refused_join(&env, &token);
    assert!(
        message.ends_with("401 Unauthorized - permissions denied"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_gets_the_servers_plain_text_401_as_a_typed_error() {
    let env = TestEnv::from_env();
    let rooms = RoomClient::new(
        &env.url,
        &env.api_key,
        "not-the-secret-of-this-key-0123456789",
    )
    .unwrap();
    let error = expect_err(rooms.list_rooms(proto::ListRoomsRequest::default()).await);
    assert_eq!(
        error.twirp_code(),
        Some(TwirpCode::Unauthenticated),
        "{error:?}"
    );
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    let twirp = error.twirp().unwrap();
    // Not a Twirp body: LiveKit's auth middleware answers `text/plain` before Twirp runs.
    assert!(twirp.is_from_intermediary(), "{error:?}");
    assert_eq!(
        twirp.content_type(),
        Some("text/plain; charset=utf-8"),
        "{error:?}"
    );
    // The server's text, with the token it echoes redacted by our client.
    assert_eq!(
        twirp.body_snippet().map(str::trim),
        Some(
            "invalid token: [redacted token], error: token signature is invalid: signature is invalid"
        )
    );
    let shown = format!("{error:?} {error}");
    assert!(!shown.contains("eyJ"), "a token in the error: {shown}");
    assert!(
        !shown.contains("not-the-secret"),
        "the secret in the error: {shown}"
    );
    assert!(!error.is_retryable());
    assert_eq!(error.attempts(), 1, "a 401 is never retried");
    assert!(error.request_id().is_some_and(|id| id.len() == 36));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_the_rpcs_grant_gets_twirp_permissions_denied() {
    let env = TestEnv::from_env();
    let room = unique_name("tok-grant");
    // Valid and correctly signed, but it only lets a participant join: no `roomList`.
    let token = join_token(&env, "bob", &room);
    let rooms = RoomClient::with_token(&env.url, &token).unwrap();
    let error = expect_twirp(
        rooms.list_rooms(proto::ListRoomsRequest::default()).await,
        TwirpCode::Unauthenticated,
        401,
        "permissions denied",
    );
    assert!(!error.twirp().unwrap().is_from_intermediary());
    assert_eq!(error.attempts(), 1);

    // The same holds for a room-admin RPC: `roomJoin` for the room is not `roomAdmin`.
    expect_twirp(
        rooms
            .list_participants(proto::ListParticipantsRequest { room })
            .await,
        TwirpCode::Unauthenticated,
        401,
        "permissions denied",
    );

    // A token that does carry `roomList` is accepted by the same client constructor.
    let lister = AccessToken::new(&env.api_key, &env.api_secret)
        .unwrap()
        .with_grants(VideoGrants {
            room_list: true,
            ..VideoGrants::default()
        })
        .to_jwt()
        .unwrap();
    RoomClient::with_token(&env.url, &lister)
        .unwrap()
        .list_rooms(proto::ListRoomsRequest::default())
        .await
        .unwrap();
}
