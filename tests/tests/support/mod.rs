//! What the integration test files share on the SDK side: clients and tokens for the shared
//! server, the rooms and listings several files set up, and assertions on typed errors. (The
//! SDK-free helpers live in the `livekit_server_tests` library.)

// Each test binary uses a part of this module.
#![allow(dead_code)]

// `pub` items: bench/load's library includes the same file and re-exports them.
#[allow(unreachable_pub)]
pub(crate) mod load_mix;

use std::fmt::Debug;
use std::time::{Duration, Instant};

use futures_util::{Stream, TryStreamExt as _};
use livekit_server_auth::{AccessToken, VideoGrants};
use livekit_server_http::{Client, Error, TwirpCode};
use livekit_server_room::{RoomClient, proto};
use livekit_server_tests::TestEnv;

/// How long a participant gets to connect, publish, or see an event.
pub(crate) const JOIN: Duration = Duration::from_secs(30);

/// A client of the shared server, signing with the environment's key.
pub(crate) fn client(env: &TestEnv) -> Client {
    Client::new(&env.url, &env.api_key, &env.api_secret).expect("a client for LIVEKIT_URL")
}

/// A join token minted by our `AccessToken` (the SDK under test).
pub(crate) fn join_token(env: &TestEnv, identity: &str, room: &str) -> String {
    AccessToken::new(&env.api_key, &env.api_secret)
        .expect("credentials")
        .with_identity(identity)
        .with_name(identity)
        .with_grants(VideoGrants::join(room))
        .to_jwt()
        .expect("a join token")
}

/// Creates the room `name` (`empty_timeout` 0: the server's default).
pub(crate) async fn create_room(rooms: &RoomClient, name: &str, empty_timeout: u32) -> proto::Room {
    rooms
        .create_room(proto::CreateRoomRequest {
            name: name.to_owned(),
            empty_timeout,
            ..Default::default()
        })
        .await
        .expect("CreateRoom")
}

/// `ListRooms` narrowed to the room `name`: the room, or nothing.
pub(crate) async fn rooms_named(rooms: &RoomClient, name: &str) -> Vec<proto::Room> {
    rooms
        .list_rooms(proto::ListRoomsRequest {
            names: vec![name.to_owned()],
        })
        .await
        .expect("ListRooms")
        .rooms
}

/// Reads a listing stream to its end; the ID of each item, in the order they came.
pub(crate) async fn stream_ids<T>(
    stream: impl Stream<Item = Result<T, Error>>,
    id: impl FnMut(T) -> String,
) -> Vec<String> {
    stream
        .map_ok(id)
        .try_collect()
        .await
        .expect("every page of the listing")
}

/// The error of a call that must fail.
#[track_caller]
pub(crate) fn expect_err<T: Debug>(result: Result<T, Error>) -> Error {
    match result {
        Ok(value) => panic!("expected an error, the call succeeded: {value:?}"),
        Err(error) => error,
    }
}

/// Asserts that `error` is the server's Twirp error (not an intermediary's) with this code,
/// HTTP status and message.
#[track_caller]
pub(crate) fn assert_twirp(error: &Error, code: TwirpCode, status: u16, message: &str) {
    let twirp = error
        .twirp()
        .unwrap_or_else(|| panic!("not an answer from the server: {error:?}"));
    assert_eq!(
        (
            twirp.code(),
            error.status().map(|s| s.as_u16()),
            twirp.message()
        ),
        (code, Some(status), message),
        "{error:?}"
    );
    assert!(twirp.is_twirp(), "not a Twirp body: {error:?}");
}

/// The error of a call that must fail with the server's Twirp error of this code, HTTP status
/// and message ([`expect_err`], then [`assert_twirp`]).
#[track_caller]
pub(crate) fn expect_twirp<T: Debug>(
    result: Result<T, Error>,
    code: TwirpCode,
    status: u16,
    message: &str,
) -> Error {
    let error = expect_err(result);
    assert_twirp(&error, code, status, message);
    error
}

/// `GetParticipant` (by `RoomParticipantIdentity::new`) until `check` holds: the server stores
/// what its RTC side learns (tracks, mutes) a moment after the participant's own events.
/// Fails after 10 s naming `what`.
pub(crate) async fn participant_until(
    rooms: &RoomClient,
    room: &str,
    who: &str,
    what: &str,
    check: impl Fn(&proto::ParticipantInfo) -> bool,
) -> proto::ParticipantInfo {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info = rooms
            .get_participant(proto::RoomParticipantIdentity::new(room, who))
            .await
            .unwrap();
        if check(&info) {
            return info;
        }
        assert!(Instant::now() < deadline, "{what}: never seen in {info:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `PerformRpc` of the participant's `echo` method (by `PerformRpcRequest::new`) once the server
/// can reach it: a participant that has just connected opens its data channel a moment later,
/// and until then the server answers `internal` "data channel is not available" (asserted,
/// and tried again for 15 s).
pub(crate) async fn echo_when_reachable(
    rooms: &RoomClient,
    room: &str,
    who: &str,
    payload: &str,
) -> proto::PerformRpcResponse {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let request = proto::PerformRpcRequest {
            response_timeout_ms: 10_000,
            ..proto::PerformRpcRequest::new(room, who, "echo", payload)
        };
        match rooms.perform_rpc(request).await {
            Ok(response) => return response,
            Err(error) => {
                assert_twirp(
                    &error,
                    TwirpCode::Internal,
                    500,
                    "twirp error unknown: data channel is not available",
                );
                assert!(Instant::now() < deadline, "never reachable: {error:?}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}
