//! The client against in-process servers on 127.0.0.1:0: timeouts and deadlines, retries and
//! idempotency, request ids, per-attempt tokens, redirects, body caps and broken connections.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::type_complexity)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use bytes::Bytes;
use livekit_server_http::auth::{AgentGrants, SipGrants, TokenVerifier, VideoGrants};
use livekit_server_http::{CallOptions, Client, Error, RetryPolicy, Scope, TwirpCode};
use support::rooms::{
    CREATE_AGENT, CREATE_SIP_PARTICIPANT, LIST_ROOMS, ListRoomsResponse, MOVE_PARTICIPANT,
    TRANSFER_SIP_PARTICIPANT, rooms,
};
use support::{KEY, Reply, SECRET, Server, Then, assert_near, expect_timeout};

/// A request naming a room, sent to every RPC (the server here does not decode it).
#[derive(Clone, PartialEq, prost::Message)]
struct Request {
    #[prost(string, tag = "1")]
    room: String,
}

fn encoded(message: &impl prost::Message) -> Bytes {
    Bytes::from(message.encode_to_vec())
}

fn client(url: &str) -> Client {
    Client::builder()
        .url(url)
        .credentials(KEY, SECRET)
        .build()
        .unwrap()
}

/// A client whose retries wait 5 ms, not the default 100 ms and more.
fn quick_retries(url: &str) -> Client {
    Client::builder()
        .url(url)
        .credentials(KEY, SECRET)
        .retry_policy(RetryPolicy::default().with_initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap()
}

async fn list_rooms(client: &Client, options: &CallOptions) -> Result<ListRoomsResponse, Error> {
    client
        .call(&LIST_ROOMS, Scope::NONE, &Request::default(), options)
        .await
}

async fn create_sip(client: &Client, options: &CallOptions) -> Result<ListRoomsResponse, Error> {
    client
        .call(
            &CREATE_SIP_PARTICIPANT,
            Scope::NONE,
            &Request::default(),
            options,
        )
        .await
}

#[tokio::test]
async fn a_successful_call_sends_a_complete_twirp_request() {
    let server = Server::http(|_, _| Reply::protobuf(encoded(&rooms(2))));
    // A sub-path and a trailing slash: the route keeps the one and drops the other.
    let client = client(&format!("{}/livekit/", server.url()));
    assert_eq!(client.url(), format!("{}/livekit", server.url()));
    let request = Request {
        room: "lobby".into(),
    };
    let response: ListRoomsResponse = client
        .call(&LIST_ROOMS, Scope::NONE, &request, &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(response, rooms(2));

    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    r.assert_twirp(
        "/livekit/twirp/livekit.RoomService/ListRooms",
        &encoded(&request),
    );
    // The default budget of one attempt (10 s) as the Twirp timeout.
    assert!(
        r.timeout_ms() <= 10_000 && r.timeout_ms() > 9_000,
        "{}",
        r.timeout_ms()
    );
}

#[tokio::test]
async fn connection_refused_is_a_fast_typed_connect_error() {
    let addr = support::closed_port();
    let client = client(&format!("http://{addr}"));
    let started = Instant::now();
    let error = list_rooms(&client, &CallOptions::new().no_retry())
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(
        error.is_connect() && error.is_transport() && !error.is_timeout(),
        "{error:?}"
    );
    assert!(!error.outcome_unknown() && error.is_retryable());
    assert_eq!(error.status(), None);
    assert_eq!(error.attempts(), 1);
    assert!(error.to_string().contains("could not connect"), "{error}");
}

#[tokio::test]
async fn connect_errors_are_retried_even_for_non_idempotent_rpcs() {
    let addr = support::closed_port();
    let client = Client::builder()
        .url(format!("http://{addr}"))
        .credentials(KEY, SECRET)
        .retry_policy(RetryPolicy::default().with_initial_backoff(Duration::from_millis(10)))
        .build()
        .unwrap();
    let error = create_sip(&client, &CallOptions::new()).await.unwrap_err();
    // The request never left, so replaying it cannot place a second call.
    assert!(error.is_connect());
    assert_eq!(error.attempts(), 3);
}

#[tokio::test]
async fn a_reset_mid_body_is_a_transport_error_not_a_partial_decode() {
    let server = Server::raw(|mut stream, _, seen| async move {
        support::record_request(&mut stream, &seen).await;
        let body = encoded(&rooms(50));
        support::write_all(&mut stream, support::protobuf_head(body.len()).as_bytes()).await;
        support::write_all(&mut stream, &body[..body.len() / 2]).await;
        support::reset(stream);
    });
    let error = create_sip(&client(&server.url()), &CallOptions::new())
        .await
        .unwrap_err();
    assert!(
        error.is_transport() && !error.is_connect() && !error.is_decode(),
        "{error:?}"
    );
    assert!(error.twirp().is_none());
    assert!(error.outcome_unknown());
    // Not idempotent and the request left: exactly one attempt.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_a_transport_error() {
    let server = Server::raw(|mut stream, _, seen| async move {
        support::record_request(&mut stream, &seen).await;
        let body = encoded(&rooms(1));
        let head = support::protobuf_head(body.len() + 100);
        support::write_all(&mut stream, head.as_bytes()).await;
        support::write_all(&mut stream, &body).await;
        // An orderly close after a complete-looking message: still too short.
    });
    let client = client(&server.url());
    let error = list_rooms(&client, &CallOptions::new().no_retry())
        .await
        .unwrap_err();
    assert!(
        error.is_transport() && !error.is_decode() && error.twirp().is_none(),
        "{error:?}"
    );

    // A read-only RPC retries it (and fails the same way each time).
    let options = CallOptions::new().max_attempts(2);
    let error = list_rooms(&client, &options).await.unwrap_err();
    assert!(error.is_transport());
    assert_eq!(error.attempts(), 2);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_stalled_server_fails_at_the_deadline() {
    let server = Server::http(|_, _| Reply::Stall);
    let client = client(&server.url());
    let total = Duration::from_millis(600);
    let options = CallOptions::new().total_timeout(total);
    let error = expect_timeout(list_rooms(&client, &options), total).await;
    assert!(error.is_retryable(), "{error:?}");
    // The attempt timeout (10 s) is longer than the deadline: the deadline cut it short.
    assert_eq!(error.attempts(), 1);
    assert!(server.requests_at_least(1).await[0].timeout_ms() <= 600);
}

#[tokio::test]
async fn a_stalled_read_only_call_retries_until_the_deadline_and_not_past_it() {
    let server = Server::http(|_, _| Reply::Stall);
    let client = Client::builder()
        .url(server.url())
        .credentials(KEY, SECRET)
        .retry_policy(RetryPolicy::default().with_initial_backoff(Duration::from_millis(20)))
        .build()
        .unwrap();
    let options = CallOptions::new()
        .timeout(Duration::from_secs(1))
        .total_timeout(Duration::from_millis(2500));
    let started = Instant::now();
    let error = list_rooms(&client, &options).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(error.is_timeout(), "{error:?}");
    assert!(elapsed <= Duration::from_millis(2500 + 2000), "{elapsed:?}");
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert!(error.attempts() >= 2, "{error:?}");
    // Every attempt reached the server (the last one may be recorded a moment later).
    let attempts = error.attempts() as usize;
    assert_eq!(server.requests_at_least(attempts).await.len(), attempts);
}

#[tokio::test]
async fn a_body_that_stalls_midway_fails_at_the_attempt_timeout() {
    let server = Server::http(|_, _| Reply::partial(encoded(&rooms(3)), Then::Stall));
    let client = client(&server.url());
    let timeout = Duration::from_millis(400);
    let options = CallOptions::new().timeout(timeout);
    expect_timeout(create_sip(&client, &options), timeout).await;
    assert_eq!(server.requests_at_least(1).await.len(), 1);
}

#[tokio::test]
async fn a_socket_that_accepts_and_never_answers_fails_at_the_deadline() {
    let held = Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = held.clone();
    let server = Server::raw(move |stream, _, _| {
        let keep = keep.clone();
        async move {
            // Accept, read nothing, answer nothing; keep the socket open.
            keep.lock().unwrap().push(stream);
        }
    });
    let client = client(&server.url());
    let total = Duration::from_millis(500);
    let started = Instant::now();
    let error = create_sip(&client, &CallOptions::new().total_timeout(total))
        .await
        .unwrap_err();
    assert_near(started.elapsed(), total);
    assert!(error.is_timeout(), "{error:?}");
    // The server's thread holds the socket once it has accepted it (on a loaded machine,
    // possibly after the client gave up).
    let waited = Instant::now();
    while held.lock().unwrap().is_empty() {
        assert!(waited.elapsed() < Duration::from_secs(20), "never accepted");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(held.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn unavailable_twice_then_ok_is_retried_for_a_read_only_rpc() {
    let server = Server::http(|_, index| match index {
        0 => Reply::new(
            503,
            &[("content-type", "text/plain")],
            "upstream connect error",
        ),
        1 => Reply::twirp(503, "unavailable", "draining"),
        _ => Reply::protobuf(encoded(&rooms(1))),
    });
    let client = client(&server.url());
    let response = list_rooms(&client, &CallOptions::new()).await.unwrap();
    assert_eq!(response, rooms(1));

    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    let id = seen[0].request_id();
    assert!(
        seen.iter().all(|r| r.request_id() == id),
        "one id across retries"
    );
    assert!(seen.iter().all(|r| r.body == seen[0].body));
}

#[tokio::test]
async fn unavailable_is_not_retried_for_a_non_idempotent_rpc() {
    let server = Server::http(|_, index| match index {
        0 => Reply::twirp(503, "unavailable", "draining"),
        _ => Reply::protobuf(encoded(&rooms(1))),
    });
    let client = client(&server.url());
    let error = create_sip(&client, &CallOptions::new()).await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(error.twirp_code(), Some(TwirpCode::Unavailable));
    assert_eq!(error.attempts(), 1);
    // The caller may retry it with the same id so that the server can recognise the replay.
    assert!(error.is_retryable());
    assert_eq!(error.request_id(), Some(server.requests()[0].request_id()));
}

#[tokio::test]
async fn an_earlier_attempt_that_may_have_been_acted_on_leaves_the_outcome_unknown() {
    // A gateway's 502 (the request may have reached the server), then answers that say
    // nothing of the kind: the call's outcome stays unknown.
    let server = Server::http(|_, index| match index {
        0 => Reply::new(
            502,
            &[("content-type", "text/html")],
            "<html>bad gateway</html>",
        ),
        _ => Reply::twirp(503, "unavailable", "draining"),
    });
    let client = quick_retries(&server.url());
    let error = list_rooms(&client, &CallOptions::new()).await.unwrap_err();
    assert_eq!(error.attempts(), 3);
    assert_eq!(error.twirp_code(), Some(TwirpCode::Unavailable));
    assert!(error.outcome_unknown(), "{error}");
    // Only 503s: the server said each time that it did not act.
    let server = Server::http(|_, _| Reply::twirp(503, "unavailable", "draining"));
    let client = quick_retries(&server.url());
    let error = list_rooms(&client, &CallOptions::new()).await.unwrap_err();
    assert_eq!(error.attempts(), 3);
    assert!(!error.outcome_unknown(), "{error}");
}

#[tokio::test]
async fn retries_stop_at_the_attempt_limit() {
    let server = Server::http(|_, _| Reply::twirp(503, "unavailable", "draining"));
    let client = quick_retries(&server.url());
    let error = list_rooms(&client, &CallOptions::new()).await.unwrap_err();
    assert_eq!((error.attempts(), server.requests().len()), (3, 3));
    assert!(error.to_string().contains("after 3 attempts"), "{error}");
    let error = list_rooms(&client, &CallOptions::new().max_attempts(5))
        .await
        .unwrap_err();
    assert_eq!(error.attempts(), 5);
}

#[tokio::test]
async fn the_twirp_timeout_header_carries_the_remaining_budget() {
    let server = Server::http(|_, index| match index {
        0 | 1 => Reply::twirp(503, "unavailable", "draining"),
        _ => Reply::protobuf(Bytes::new()),
    });
    let client = client(&server.url());
    let options = CallOptions::new().total_timeout(Duration::from_secs(5));
    list_rooms(&client, &options).await.unwrap();
    let budgets: Vec<u64> = server
        .requests()
        .iter()
        .map(support::Seen::timeout_ms)
        .collect();
    assert_eq!(budgets.len(), 3);
    assert!(budgets[0] <= 5_000 && budgets[0] > 4_500, "{budgets:?}");
    // Back-off is at least 50 ms, so each attempt has strictly less time left.
    assert!(
        budgets[0] > budgets[1] && budgets[1] > budgets[2],
        "{budgets:?}"
    );
}

#[tokio::test]
async fn a_caller_request_id_and_headers_are_sent_on_every_attempt() {
    let server = Server::http(|_, index| match index {
        0 => Reply::new(
            502,
            &[("content-type", "text/html")],
            "<html>bad gateway</html>",
        ),
        _ => Reply::protobuf(Bytes::new()),
    });
    let client = client(&server.url());
    let options = CallOptions::new().request_id("my-request-1").header(
        http::HeaderName::from_static("x-trace"),
        http::HeaderValue::from_static("abc"),
    );
    list_rooms(&client, &options).await.unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    for r in &seen {
        assert_eq!(r.request_id(), "my-request-1");
        assert_eq!(r.header("x-trace"), Some("abc"));
    }
}

#[tokio::test]
async fn too_many_requests_is_retried_after_retry_after() {
    let server = Server::http(|_, index| match index {
        0 => Reply::new(
            429,
            &[("content-type", "application/json"), ("retry-after", "1")],
            r#"{"code":"resource_exhausted","msg":"slow down"}"#,
        ),
        _ => Reply::protobuf(Bytes::new()),
    });
    let client = client(&server.url());
    let started = Instant::now();
    list_rooms(&client, &CallOptions::new()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 2);

    // A Retry-After that would cross the deadline is not waited for.
    let server = Server::http(|_, _| {
        Reply::new(
            429,
            &[("content-type", "application/json"), ("retry-after", "5")],
            "{}",
        )
    });
    let client = self::client(&server.url());
    let started = Instant::now();
    let options = CallOptions::new().total_timeout(Duration::from_secs(2));
    let error = list_rooms(&client, &options).await.unwrap_err();
    // Not waited for: well before the 2 s deadline the call would otherwise run into.
    assert!(
        started.elapsed() < Duration::from_millis(1800),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(error.retry_after(), Some(Duration::from_secs(5)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_redirect_is_reported_and_not_followed() {
    let server = Server::http(|_, _| {
        Reply::new(
            302,
            &[("location", "/moved"), ("content-type", "text/html")],
            "<a>moved</a>",
        )
    });
    let client = client(&server.url());
    let error = list_rooms(&client, &CallOptions::new()).await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(302));
    assert_eq!(error.redirect_location(), Some("/moved"));
    assert_eq!(error.twirp_code(), Some(TwirpCode::Internal));
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn an_oversized_body_is_capped() {
    let big = encoded(&rooms(2_000));
    assert!(big.len() > 16 * 1024);
    let with_length = big.clone();
    let server = Server::http(move |_, _| Reply::protobuf(with_length.clone()));
    let client = Client::builder()
        .url(server.url())
        .credentials(KEY, SECRET)
        .max_response_bytes(16 * 1024)
        .build()
        .unwrap();
    let error = list_rooms(&client, &CallOptions::new()).await.unwrap_err();
    assert!(
        error.is_body_too_large() && error.is_transport() && !error.is_retryable(),
        "{error:?}"
    );
    assert_eq!(
        server.requests().len(),
        1,
        "a body too large is not retried"
    );

    // Without a Content-Length (chunked), the cap applies while reading.
    let chunked = Server::raw(move |mut stream, _, seen| {
        let big = big.clone();
        async move {
            support::record_request(&mut stream, &seen).await;
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/protobuf\r\ntransfer-encoding: chunked\r\n\r\n";
            support::write_all(&mut stream, head.as_bytes()).await;
            for chunk in big.chunks(4096) {
                let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
                if tokio::io::AsyncWriteExt::write_all(&mut stream, &framed)
                    .await
                    .is_err()
                {
                    return;
                }
            }
            let _ = tokio::io::AsyncWriteExt::write_all(&mut stream, b"0\r\n\r\n").await;
        }
    });
    let client = Client::builder()
        .url(chunked.url())
        .credentials(KEY, SECRET)
        .max_response_bytes(16 * 1024)
        .build()
        .unwrap();
    let error = list_rooms(&client, &CallOptions::new()).await.unwrap_err();
    assert!(error.is_body_too_large(), "{error:?}");
}

#[tokio::test]
async fn each_attempt_carries_a_fresh_token_with_exactly_the_rpc_grants() {
    let server = Server::http(|_, index| match index {
        0 => Reply::twirp(503, "unavailable", "x"),
        _ => Reply::protobuf(Bytes::new()),
    });
    let client = client(&server.url());
    let verifier = TokenVerifier::new(KEY, SECRET).unwrap();

    // Read-only, retried once: both attempts carry a valid 10-minute `roomList` token.
    list_rooms(&client, &CallOptions::new()).await.unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    for r in &seen {
        let claims = support::room_list_claims(r.bearer());
        assert_eq!(claims.exp - claims.nbf.unwrap(), 600);
        assert_eq!((claims.sip, claims.agent), (None, None));
        assert!(claims.sub.is_empty());
    }

    // SIP transfer: `sip.call` + `roomAdmin` on the room.
    let request = Request {
        room: "call-room".into(),
    };
    let _ = client
        .call::<_, ListRoomsResponse>(
            &TRANSFER_SIP_PARTICIPANT,
            Scope::room(&request.room),
            &request,
            &CallOptions::new(),
        )
        .await
        .unwrap();
    let claims = verifier
        .verify(server.requests().last().unwrap().bearer())
        .unwrap();
    assert_eq!(
        claims.video,
        Some(VideoGrants {
            room_admin: true,
            room: "call-room".into(),
            ..Default::default()
        })
    );
    assert_eq!(
        claims.sip,
        Some(SipGrants {
            admin: false,
            call: true
        })
    );
    assert_eq!(claims.agent, None);

    // Move: `roomAdmin` with the room and the destination room.
    let scope = Scope {
        room: Some("from"),
        destination_room: Some("to"),
    };
    let _ = client
        .call::<_, ListRoomsResponse>(&MOVE_PARTICIPANT, scope, &request, &CallOptions::new())
        .await
        .unwrap();
    let claims = verifier
        .verify(server.requests().last().unwrap().bearer())
        .unwrap();
    let video = claims.video.unwrap();
    assert_eq!(
        (video.room.as_str(), video.destination_room.as_str()),
        ("from", "to")
    );
    assert!(video.room_admin && !video.room_create && !video.room_join);

    // Cloud agents: only the `agent` object.
    let _ = client
        .call::<_, ListRoomsResponse>(&CREATE_AGENT, Scope::NONE, &request, &CallOptions::new())
        .await
        .unwrap();
    let claims = verifier
        .verify(server.requests().last().unwrap().bearer())
        .unwrap();
    assert_eq!((claims.video, claims.sip), (None, None));
    assert_eq!(
        claims.agent,
        Some(AgentGrants {
            admin: true,
            ..Default::default()
        })
    );
}

#[tokio::test]
async fn the_token_lifetime_is_configurable() {
    let server = Server::http(|_, _| Reply::protobuf(Bytes::new()));
    let client = Client::builder()
        .url(server.url())
        .credentials(KEY, SECRET)
        .token_ttl(Duration::from_secs(60))
        .build()
        .unwrap();
    list_rooms(&client, &CallOptions::new()).await.unwrap();
    let verifier = TokenVerifier::new(KEY, SECRET).unwrap();
    let claims = verifier.verify(server.requests()[0].bearer()).unwrap();
    assert_eq!(claims.exp - claims.nbf.unwrap(), 60);
    let now = std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(claims.nbf.unwrap().abs_diff(now) <= 2);
}

#[tokio::test]
async fn a_pre_signed_token_is_sent_as_is() {
    let server = Server::http(|_, _| Reply::protobuf(Bytes::new()));
    let client = Client::with_token(&server.url(), "header.payload.signature").unwrap();
    let request = Request { room: "r".into() };
    let _: ListRoomsResponse = client
        .call(
            &TRANSFER_SIP_PARTICIPANT,
            Scope::room("r"),
            &request,
            &CallOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(server.requests()[0].bearer(), "header.payload.signature");
}

#[tokio::test]
async fn errors_never_show_the_token() {
    let server = Server::http(|seen, _| {
        // Old servers echoed the token in their 401 bodies.
        let body = format!("invalid token: {}, error: expired", seen.bearer());
        Reply::new(401, &[("content-type", "text/plain")], body)
    });
    let client = client(&server.url());
    let error = list_rooms(&client, &CallOptions::new()).await.unwrap_err();
    let token = server.requests()[0].bearer().to_owned();
    assert_eq!(error.twirp_code(), Some(TwirpCode::Unauthenticated));
    for text in [
        error.to_string(),
        format!("{error:?}"),
        format!("{error:#?}"),
    ] {
        assert!(!text.contains(&token), "token leaked: {text}");
        assert!(!text.contains(SECRET));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_client() {
    let counter = Arc::new(AtomicUsize::new(0));
    let count = counter.clone();
    let server = Server::http(move |_, _| {
        count.fetch_add(1, Ordering::Relaxed);
        Reply::protobuf(encoded(&rooms(3)))
    });
    let client = client(&server.url());
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            list_rooms(&client, &CallOptions::new()).await.unwrap()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), rooms(3));
    }
    assert_eq!(counter.load(Ordering::Relaxed), 64);
    let ids: std::collections::HashSet<String> = server
        .requests()
        .iter()
        .map(|r| r.request_id().to_owned())
        .collect();
    assert_eq!(ids.len(), 64, "one id per call");
}

#[tokio::test]
async fn an_absolute_deadline_in_the_past_sends_nothing() {
    let server = Server::http(|_, _| Reply::protobuf(Bytes::new()));
    let client = client(&server.url());
    let options = CallOptions::new().deadline(Instant::now());
    let error = list_rooms(&client, &options).await.unwrap_err();
    assert!(error.is_timeout() && !error.outcome_unknown(), "{error:?}");
    assert_eq!(error.attempts(), 0);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn keep_alive_connections_are_reused() {
    let server = Server::http(|_, _| Reply::protobuf(encoded(&rooms(1))));
    let client = client(&server.url());
    for _ in 0..5 {
        list_rooms(&client, &CallOptions::new()).await.unwrap();
    }
    assert_eq!(server.requests().len(), 5);
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_connection_the_server_closes_is_not_reused() {
    // `Connection: close` on every response.
    let server = Server::http(|_, _| {
        Reply::new(
            200,
            &[
                ("content-type", "application/protobuf"),
                ("connection", "close"),
            ],
            Bytes::new(),
        )
    });
    let client = client(&server.url());
    for _ in 0..4 {
        // Not idempotent: it must never be replayed, and it must not fail either.
        create_sip(&client, &CallOptions::new()).await.unwrap();
    }
    assert_eq!((server.requests().len(), server.connections()), (4, 4));

    // A server that closes the socket right after each response, without saying so. Whether
    // the client notices before reusing the connection is a race (for any HTTP/1.1 client):
    // either the request is not written and goes out on a new connection, or it is lost with
    // the connection and, for a read-only RPC, retried.
    let server = Server::raw(|mut stream, _, seen| async move {
        support::record_request(&mut stream, &seen).await;
        support::write_all(&mut stream, support::protobuf_head(0).as_bytes()).await;
    });
    let client = self::client(&server.url());
    for _ in 0..4 {
        assert_eq!(
            list_rooms(&client, &CallOptions::new()).await.unwrap(),
            rooms(0)
        );
    }
    assert!(server.requests().len() >= 4);
}

#[tokio::test]
async fn an_abandoned_request_does_not_poison_the_pool() {
    // The first request stalls past its timeout; the connection it used must not be reused
    // for the next call (which would read the stale response).
    let server = Server::http(|_, index| match index {
        0 => Reply::Stall,
        _ => Reply::protobuf(encoded(&rooms(2))),
    });
    let client = client(&server.url());
    // Long enough for the request to reach the server (and be the stalled one) on a loaded
    // machine; the stall itself has no end.
    let options = CallOptions::new()
        .timeout(Duration::from_secs(2))
        .no_retry();
    assert!(
        list_rooms(&client, &options)
            .await
            .unwrap_err()
            .is_timeout()
    );
    assert_eq!(
        list_rooms(&client, &CallOptions::new()).await.unwrap(),
        rooms(2)
    );
    assert_eq!(server.connections(), 2);
}

/// The server gives up on the deadline the request carried (`X-Twirp-Timeout-Ms`) and says so
/// (LiveKit answers `canceled`/408) a moment before the client's own timer would fire. Which
/// of the two timers wins must not change what the caller sees: a timeout whose outcome is
/// unknown, retried only for replayable RPCs, with the server's answer kept.
#[tokio::test]
async fn a_server_giving_up_on_the_propagated_deadline_is_the_call_timing_out() {
    for (code, status) in [("canceled", 408), ("deadline_exceeded", 408)] {
        // Not replayable: one attempt, reported as a timeout with unknown outcome.
        let server = Server::http(move |_, _| Reply::twirp(status, code, "request canceled"));
        let error = create_sip(&client(&server.url()), &CallOptions::new())
            .await
            .unwrap_err();
        assert_eq!(server.requests().len(), 1, "{code}");
        assert!(error.is_timeout(), "{code}: {error:?}");
        assert!(error.outcome_unknown(), "{code}: the request was sent");
        assert!(error.is_retryable(), "{code}");
        assert!(!error.is_transport(), "{code}: a complete answer came back");
        assert_eq!(error.attempts(), 1);
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(error.twirp().unwrap().message(), "request canceled");
        assert_eq!(error.twirp().unwrap().raw_code(), code);
        assert!(
            error.to_string().contains("timed out after")
                && error.to_string().contains("the server gave up"),
            "{error}"
        );

        // Replayable: retried as after the client's own timeout.
        let server = Server::http(move |_, index| match index {
            0 => Reply::twirp(status, code, "request canceled"),
            _ => Reply::protobuf(encoded(&rooms(1))),
        });
        let response = list_rooms(&client(&server.url()), &CallOptions::new())
            .await
            .unwrap();
        assert_eq!(response, rooms(1));
        assert_eq!(server.requests().len(), 2, "{code}");
    }

    // An intermediary's 408 (a proxy that timed out waiting for the request) is not the
    // server's deadline: it keeps its own classification.
    let server = Server::http(|_, _| Reply::new(408, &[("content-type", "text/html")], "<html/>"));
    let error = create_sip(&client(&server.url()), &CallOptions::new())
        .await
        .unwrap_err();
    assert!(!error.is_timeout() && !error.outcome_unknown(), "{error:?}");
}
