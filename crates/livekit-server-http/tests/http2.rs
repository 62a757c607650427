//! HTTP/2 end to end: the default transport against an in-process hyper server over TLS
//! (ALPN chosen per test): the Twirp request over h2, ALPN negotiation and fallback to
//! HTTP/1.1, multiplexing, Twirp errors, reset streams, closed connections, `GOAWAY` and
//! timeouts.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Version;
use livekit_server_http::{CallOptions, Client, Error, RetryPolicy, Scope, TwirpCode};
use support::rooms::{
    CREATE_SIP_PARTICIPANT, LIST_ROOMS, ListRoomsRequest, ListRoomsResponse, rooms,
};
use support::tls::{H2, HTTP11, client_builder};
use support::{Reply, Server, Then, call, expect_timeout};

/// The per-call timeout of every call here unless a test says otherwise: a bound for a hang,
/// never a verdict (a call meant to succeed must not time out on a loaded machine).
const TIMEOUT: Duration = Duration::from_secs(20);

fn encoded(message: &impl prost::Message) -> Bytes {
    Bytes::from(message.encode_to_vec())
}

fn client(server: &Server) -> Client {
    client_builder(&server.url()).build().unwrap()
}

fn options() -> CallOptions {
    CallOptions::new().timeout(TIMEOUT)
}

/// `ListRooms` with [`options`], which must succeed.
async fn list_rooms(client: &Client) -> ListRoomsResponse {
    call(client, &LIST_ROOMS, &options()).await.unwrap()
}

/// Asserts that the server saw `requests` requests, all in `version`, on `connections`
/// connections.
fn assert_served(server: &Server, version: Version, requests: usize, connections: usize) {
    let versions: Vec<Version> = server.requests().iter().map(|r| r.version).collect();
    assert_eq!(versions, vec![version; requests]);
    assert_eq!(server.connections(), connections);
}

/// Awaits a non-idempotent call that must fail for want of a usable response, before its
/// timeout: one attempt (the request left, so it is not replayed), outcome unknown, nothing
/// decoded.
async fn expect_broken_exchange(call: impl Future<Output = Result<ListRoomsResponse, Error>>) {
    let started = Instant::now();
    let error = call.await.unwrap_err();
    assert!(
        error.is_transport() && !error.is_connect() && !error.is_timeout(),
        "{error:?}"
    );
    assert!(error.twirp().is_none() && !error.is_decode(), "{error:?}");
    assert!(error.outcome_unknown() && error.is_retryable(), "{error:?}");
    assert_eq!(error.attempts(), 1);
    assert!(started.elapsed() < TIMEOUT, "{:?}", started.elapsed());
}

#[tokio::test]
async fn an_h2_only_server_gets_the_complete_twirp_request_over_http2() {
    let server = Server::https(&[H2], |_, _| Reply::protobuf(encoded(&rooms(2))));
    let request = ListRoomsRequest {
        names: vec!["lobby".into()],
    };
    let client = client(&server);
    let options = CallOptions::new();
    let response =
        client.call::<_, ListRoomsResponse>(&LIST_ROOMS, Scope::NONE, &request, &options);
    assert_eq!(response.await.unwrap(), rooms(2));

    assert_served(&server, Version::HTTP_2, 1, 1);
    let r = &server.requests()[0];
    r.assert_twirp("/twirp/livekit.RoomService/ListRooms", &encoded(&request));
    // The default budget of one attempt (10 s) as the Twirp timeout.
    assert!(
        r.timeout_ms() <= 10_000 && r.timeout_ms() > 9_000,
        "{}",
        r.timeout_ms()
    );
    // `Authorization: Bearer <token>` with exactly the RPC's grant.
    support::room_list_claims(r.bearer());
}

/// Three calls to a server accepting `alpn` go out in `version`, complete, on one
/// connection.
async fn assert_spoken_to_in(alpn: &[&[u8]], version: Version) {
    let server = Server::https(alpn, |_, _| Reply::protobuf(encoded(&rooms(1))));
    let client = client(&server);
    for _ in 0..3 {
        assert_eq!(list_rooms(&client).await, rooms(1));
    }
    assert_served(&server, version, 3, 1);
    server.requests()[2].assert_twirp(
        "/twirp/livekit.RoomService/ListRooms",
        &encoded(&ListRoomsRequest::default()),
    );
}

#[tokio::test]
async fn a_server_offering_h2_and_http11_is_spoken_to_in_http2() {
    assert_spoken_to_in(&[H2, HTTP11], Version::HTTP_2).await;
}

#[tokio::test]
async fn a_server_offering_only_http11_is_spoken_to_in_http11() {
    assert_spoken_to_in(&[HTTP11], Version::HTTP_11).await;
}

#[tokio::test]
async fn concurrent_calls_are_multiplexed_on_one_http2_connection() {
    const CALLS: usize = 64;
    // Every call but the first waits until all of them are in flight: the calls only
    // complete if the server holds all 64 streams at once.
    let all_in_flight = Arc::new(tokio::sync::Barrier::new(CALLS));
    let server = Server::https(&[H2], move |_, index| {
        let reply = Reply::protobuf(encoded(&rooms(3)));
        if index == 0 {
            return reply;
        }
        let all_in_flight = all_in_flight.clone();
        Reply::later(async move {
            all_in_flight.wait().await;
            reply
        })
    });
    let client = client(&server);
    // The first call opens the connection; until ALPN has said h2, a burst would race to
    // open connections of its own.
    list_rooms(&client).await;

    let mut tasks = Vec::new();
    for _ in 0..CALLS {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            call(&client, &LIST_ROOMS, &options().no_retry()).await
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), rooms(3));
    }
    assert_served(&server, Version::HTTP_2, CALLS + 1, 1);
    let ids: HashSet<String> = server
        .requests()
        .iter()
        .map(|r| r.request_id().to_owned())
        .collect();
    assert_eq!(ids.len(), CALLS + 1, "one id per call");
}

/// What a failed call says about the server's answer, whatever the HTTP version.
fn twirp_outcome(error: &Error) -> String {
    format!(
        "{:?} {:?} {:?} retryable={} unknown={} attempts={}",
        error.twirp(),
        error.status(),
        error.twirp_code(),
        error.is_retryable(),
        error.outcome_unknown(),
        error.attempts()
    )
}

#[tokio::test]
async fn a_twirp_error_is_decoded_over_http2_exactly_as_over_http11() {
    let mut outcomes = Vec::new();
    for (alpn, version) in [(HTTP11, Version::HTTP_11), (H2, Version::HTTP_2)] {
        let server = Server::https(&[alpn], |_, _| {
            Reply::twirp(404, "not_found", "room not found")
        });
        let error = call(&client(&server), &LIST_ROOMS, &options())
            .await
            .unwrap_err();
        assert_served(&server, version, 1, 1);
        assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
        assert_eq!(error.twirp_code(), Some(TwirpCode::NotFound));
        let twirp = error.twirp().unwrap();
        assert!(twirp.is_twirp() && !twirp.is_from_intermediary());
        assert_eq!(twirp.message(), "room not found");
        assert!(!error.is_retryable() && !error.is_transport());
        assert_eq!(error.attempts(), 1);
        outcomes.push(twirp_outcome(&error));
    }
    assert_eq!(outcomes[0], outcomes[1]);
}

#[tokio::test]
async fn a_reset_stream_is_a_transport_error_and_the_connection_lives_on() {
    let server = Server::https(&[H2], |_, index| match index {
        0 | 1 => Reply::Fail,
        _ => Reply::protobuf(encoded(&rooms(1))),
    });
    let client = client_builder(&server.url())
        .retry_policy(RetryPolicy::default().with_initial_backoff(Duration::from_millis(10)))
        .build()
        .unwrap();

    expect_broken_exchange(call(&client, &CREATE_SIP_PARTICIPANT, &options())).await;
    assert_eq!(server.requests().len(), 1);

    // Read-only: retried after the reset (RetryPolicy: transport errors are retried), with
    // the same request id, on the same connection.
    assert_eq!(list_rooms(&client).await, rooms(1));
    let seen = server.requests();
    assert_eq!(seen[1].request_id(), seen[2].request_id());
    assert_served(&server, Version::HTTP_2, 3, 1);
}

#[tokio::test]
async fn a_stream_reset_mid_body_is_a_transport_error_not_a_partial_decode() {
    // The server sends the head and half the body, then RST_STREAM (INTERNAL_ERROR); the
    // client may see the reset before or after it has read the head: a transport error
    // either way, never a decode of the half it got.
    let body = encoded(&rooms(50));
    let server = Server::https(&[H2], move |_, _| {
        Reply::partial(body.slice(..body.len() / 2), Then::Fail)
    });
    expect_broken_exchange(call(&client(&server), &CREATE_SIP_PARTICIPANT, &options())).await;
    assert_served(&server, Version::HTTP_2, 1, 1);
}

#[tokio::test]
async fn a_connection_closed_mid_response_is_a_transport_error() {
    let body = encoded(&rooms(50));
    let server = Server::https(&[H2], move |_, index| match index {
        0 => Reply::partial(body.slice(..body.len() / 2), Then::Close),
        _ => Reply::protobuf(encoded(&rooms(1))),
    });
    let client = client(&server);
    expect_broken_exchange(call(&client, &CREATE_SIP_PARTICIPANT, &options())).await;

    // The dead connection is not reused: the next call opens another.
    assert_eq!(list_rooms(&client).await, rooms(1));
    assert_served(&server, Version::HTTP_2, 2, 2);
}

#[tokio::test]
async fn calls_after_goaway_go_out_on_a_new_connection() {
    const PER_CONNECTION: usize = 2;
    // The second request on each connection is answered, then the connection is shut down
    // gracefully: GOAWAY, the stream in flight finishes, the server closes.
    let server = Server::https(&[H2], |_, index| {
        let reply = Reply::protobuf(encoded(&rooms(index)));
        if index % PER_CONNECTION == PER_CONNECTION - 1 {
            Reply::GoAway(Box::new(reply))
        } else {
            reply
        }
    });
    let client = client(&server);
    // Not idempotent and never retried: only the transport can move these calls over.
    let options = options().no_retry();
    for index in 0..6 {
        let response = call(&client, &CREATE_SIP_PARTICIPANT, &options)
            .await
            .unwrap();
        assert_eq!(response, rooms(index));
        if index % PER_CONNECTION == PER_CONNECTION - 1 {
            server.closed(index / PER_CONNECTION + 1).await;
        }
    }
    assert_served(&server, Version::HTTP_2, 6, 6 / PER_CONNECTION);
}

#[tokio::test]
async fn a_silent_http2_server_fails_the_call_at_its_timeout_and_keeps_the_connection() {
    let server = Server::https(&[H2], |_, index| match index {
        1 => Reply::Stall,
        _ => Reply::protobuf(encoded(&rooms(2))),
    });
    let client = client(&server);
    // The connection is open first: the short timeout covers the stalled call alone.
    assert_eq!(list_rooms(&client).await, rooms(2));
    let timeout = Duration::from_millis(300);
    let silent = CallOptions::new().timeout(timeout).no_retry();
    let error = expect_timeout(call(&client, &LIST_ROOMS, &silent), timeout).await;
    assert_eq!(error.attempts(), 1);

    // Only the abandoned stream is given up: the next call reuses the connection.
    assert_eq!(list_rooms(&client).await, rooms(2));
    let stalled = &server.requests()[1];
    assert!(stalled.timeout_ms() <= 300, "{}", stalled.timeout_ms());
    assert_served(&server, Version::HTTP_2, 3, 1);
}

#[tokio::test]
async fn an_http2_body_that_stalls_midway_fails_at_the_call_timeout() {
    let server = Server::https(&[H2], |_, index| match index {
        0 => Reply::protobuf(encoded(&rooms(3))),
        _ => Reply::partial(encoded(&rooms(3)), Then::Stall),
    });
    let client = client(&server);
    // The connection is open first: the short timeout covers the stalled call alone.
    assert_eq!(list_rooms(&client).await, rooms(3));
    let timeout = Duration::from_millis(300);
    let options = CallOptions::new().timeout(timeout);
    let error = expect_timeout(call(&client, &CREATE_SIP_PARTICIPANT, &options), timeout).await;
    // Not idempotent, and the request left: not retried.
    assert_eq!(error.attempts(), 1);
    server.requests_at_least(2).await;
    assert_served(&server, Version::HTTP_2, 2, 1);
}
