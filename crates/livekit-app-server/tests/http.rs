//! HTTP-level tests: a real server from `serve` on 127.0.0.1:0, driven by a hyper client and
//! by raw TCP for what a well-behaved client never sends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use livekit_app_server::{App, AuthRefusal, BearerSecret, Config, ServeError, serve, serve_app};
use livekit_server_auth::{ApiSecret, TokenVerifier};
use livekit_server_proto::WebhookEvent;
use livekit_server_webhook::{EventKind, WebhookSigner};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const KEY: &str = "APIhttptest";
const SECRET: &str = "http-test-secret-that-is-long-enough";
/// A bound for awaits that must complete; never a synchronisation device.
const BOUND: Duration = Duration::from_secs(20);

fn config() -> Config {
    {
        let mut config = Config::default();
        config.addr = "127.0.0.1:0".parse().unwrap();
        config.api_key = KEY.to_owned();
        config.api_secret = ApiSecret::new(SECRET).unwrap();
        config.token_ttl = Duration::from_secs(2 * 60 * 60);
        config
    }
}

/// A server on 127.0.0.1:0, stopped when `stop` is called (or dropped with the test).
struct TestServer {
    addr: std::net::SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServeError>>,
}

impl TestServer {
    async fn start(config: Config) -> TestServer {
        let listener = TcpListener::bind(config.addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve(listener, &config, async {
                let _ = rx.await;
            })
            .await
        });
        TestServer {
            addr,
            shutdown: Some(tx),
            task,
        }
    }

    async fn start_app(app: App, grace: Duration) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_app(listener, Arc::new(app), grace, async {
            let _ = rx.await;
        }));
        TestServer {
            addr,
            shutdown: Some(tx),
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Signals shutdown: `serve` stops accepting and lets the requests in flight finish.
    fn signal_shutdown(&mut self) {
        self.shutdown.take().unwrap().send(()).unwrap();
    }

    /// Waits for `serve` to return, which it must do without an error.
    async fn stopped(mut self) {
        tokio::time::timeout(BOUND, &mut self.task)
            .await
            .expect("serve returns")
            .unwrap()
            .unwrap();
    }

    /// Signals shutdown and waits for `serve` to return.
    async fn stop(mut self) {
        self.signal_shutdown();
        self.stopped().await;
    }
}

/// A response, fully read.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    fn error_message(&self) -> String {
        let json = self.json();
        assert_eq!(self.headers["content-type"], "application/json");
        json["errorMessage"]
            .as_str()
            .unwrap_or_else(|| panic!("no errorMessage: {json}"))
            .to_owned()
    }

    fn assert_cors(&self) {
        assert_eq!(
            self.headers
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap()),
            Some("*"),
            "CORS header missing on {self:?}"
        );
    }
}

/// Sends one request over a fresh HTTP/1.1 connection; the answer allows any origin.
async fn send(server: &TestServer, request: Request<Full<Bytes>>) -> Reply {
    let reply = send_any_cors(server, request).await;
    reply.assert_cors();
    reply
}

/// [`send`] without the check of `Access-Control-Allow-Origin`.
async fn send_any_cors(server: &TestServer, request: Request<Full<Bytes>>) -> Reply {
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = tokio::time::timeout(BOUND, sender.send_request(request))
        .await
        .unwrap()
        .unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

fn request(method: Method, server: &TestServer, path: &str) -> http::request::Builder {
    Request::builder()
        .method(method)
        .uri(server.url(path))
        .header("host", "localhost")
}

/// Sends `method path` without a body.
async fn send_empty(server: &TestServer, method: Method, path: &str) -> Reply {
    send(
        server,
        request(method, server, path).body(Full::default()).unwrap(),
    )
    .await
}

async fn post_token(
    server: &TestServer,
    content_type: Option<&str>,
    body: impl Into<Bytes>,
) -> Reply {
    let mut builder = request(Method::POST, server, "/token");
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    send(server, builder.body(Full::new(body.into())).unwrap()).await
}

async fn post_webhook(
    server: &TestServer,
    authorization: Option<&str>,
    body: impl Into<Bytes>,
) -> Reply {
    let mut builder = request(Method::POST, server, "/livekit/webhook")
        .header("content-type", "application/webhook+json");
    if let Some(authorization) = authorization {
        builder = builder.header("authorization", authorization);
    }
    send(server, builder.body(Full::new(body.into())).unwrap()).await
}

/// Writes raw bytes, half-closes nothing, and reads the answer until the server closes.
async fn raw(server: &TestServer, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    read_answer(&mut stream).await
}

/// Reads the answer on a raw connection until the server closes it.
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(BOUND, stream.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// Starts a `POST /token` with `Expect: 100-continue` and waits for the `100 Continue`: the
/// server polls the body only inside the request, so the request is then in flight.
async fn token_request_in_flight(server: &TestServer, content_length: usize) -> TcpStream {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Expect: 100-continue\r\nContent-Length: {content_length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut continue_line = vec![0; b"HTTP/1.1 100 Continue\r\n\r\n".len()];
    tokio::time::timeout(BOUND, stream.read_exact(&mut continue_line))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(continue_line, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

// ---------------------------------------------------------------------------------------------
// POST /token

#[tokio::test]
async fn token_is_minted_for_the_room_and_participant() {
    let server = TestServer::start(config()).await;
    let before = now_secs();
    let reply = post_token(
        &server,
        Some("application/json"),
        r#"{"roomName":"daily-standup","participantName":"alice"}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(reply.headers["cache-control"], "no-store");
    let json = reply.json();
    assert_eq!(json.as_object().unwrap().len(), 1, "only the token: {json}");
    let token = json["token"].as_str().unwrap();

    let claims = TokenVerifier::new(KEY, SECRET)
        .unwrap()
        .verify(token)
        .unwrap();
    assert_eq!(claims.iss, KEY);
    assert_eq!(claims.identity(), Some("alice"));
    assert_eq!(claims.name, "alice");
    let video = claims.video.as_ref().unwrap();
    assert!(video.room_join);
    assert_eq!(video.room, "daily-standup");
    assert!(!video.room_admin && !video.room_create && !video.room_list);
    let ttl = 2 * 60 * 60;
    assert!(
        claims.exp >= before + ttl && claims.exp <= now_secs() + ttl,
        "exp {} is not now + {ttl}",
        claims.exp
    );
    assert!(
        TokenVerifier::new(KEY, "another-secret")
            .unwrap()
            .verify(token)
            .is_err()
    );
    server.stop().await;
}

#[tokio::test]
async fn token_keeps_unusual_names_exactly() {
    let server = TestServer::start(config()).await;
    let name = "Zoë \"the\" O'Brien 🎧 \\ </script> 名前\u{200d}";
    let room = "sala de reunión ✨ \"quoted\"";
    let body = json!({ "roomName": room, "participantName": name, "extra": [1, 2] });
    let reply = post_token(&server, Some("application/json"), body.to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let token = reply.json()["token"].as_str().unwrap().to_owned();
    let claims = TokenVerifier::new(KEY, SECRET)
        .unwrap()
        .verify(&token)
        .unwrap();
    assert_eq!(claims.identity(), Some(name));
    assert_eq!(claims.name, name);
    assert_eq!(claims.video.unwrap().room, room);
    server.stop().await;
}

#[tokio::test]
async fn token_content_type_parameters_and_case_are_ignored() {
    let server = TestServer::start(config()).await;
    for content_type in [
        "application/json; charset=utf-8",
        "Application/JSON",
        " application/json ;charset=UTF-8",
    ] {
        let reply = post_token(
            &server,
            Some(content_type),
            r#"{"roomName":"r","participantName":"p"}"#,
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{content_type}: {reply:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn token_bad_requests_are_400_with_a_message_naming_the_problem() {
    let server = TestServer::start(config()).await;
    let json = Some("application/json");
    let cases: &[(Option<&str>, &str, &[&str])] = &[
        (
            json,
            r#"{"participantName":"p"}"#,
            &["roomName is required"],
        ),
        (
            json,
            r#"{"roomName":"r"}"#,
            &["participantName is required"],
        ),
        (
            json,
            r#"{}"#,
            &["roomName is required", "participantName is required"],
        ),
        (
            json,
            r#"{"roomName":null,"participantName":"p"}"#,
            &["roomName is required"],
        ),
        (
            json,
            r#"{"roomName":"","participantName":"p"}"#,
            &["roomName must not be empty"],
        ),
        (
            json,
            r#"{"roomName":"r","participantName":""}"#,
            &["participantName must not be empty"],
        ),
        (
            json,
            r#"{"roomName":42,"participantName":"p"}"#,
            &["roomName must be a string", "number"],
        ),
        (
            json,
            r#"{"roomName":"r","participantName":{"n":1}}"#,
            &["participantName must be a string"],
        ),
        (
            json,
            r#"{"roomName":["r"],"participantName":true}"#,
            &[
                "roomName must be a string",
                "participantName must be a string",
            ],
        ),
        (json, r#"["r","p"]"#, &["must be a JSON object", "array"]),
        (json, r#""roomName""#, &["must be a JSON object", "string"]),
        (json, "null", &["must be a JSON object"]),
        (json, "", &["not valid JSON"]),
        (
            json,
            r#"{"roomName":"r","participantName":"p""#,
            &["not valid JSON"],
        ),
        (
            json,
            "{\"roomName\":\"r\",\"participantName\":\"p\"} trailing",
            &["not valid JSON"],
        ),
        (
            json,
            "\u{feff}{\"roomName\":\"r\",\"participantName\":\"p\"}",
            &["not valid JSON"],
        ),
        (
            None,
            r#"{"roomName":"r","participantName":"p"}"#,
            &["Content-Type must be application/json"],
        ),
        (
            Some("text/plain"),
            r#"{"roomName":"r","participantName":"p"}"#,
            &["Content-Type"],
        ),
        (
            Some("application/x-www-form-urlencoded"),
            "roomName=r&participantName=p",
            &["Content-Type"],
        ),
        (
            Some("application/jsonx"),
            r#"{"roomName":"r","participantName":"p"}"#,
            &["Content-Type"],
        ),
    ];
    for (content_type, body, expected) in cases {
        let reply = post_token(&server, *content_type, body.to_string()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{content_type:?} {body:?}: {reply:?}"
        );
        let message = reply.error_message();
        for part in *expected {
            assert!(
                message.contains(part),
                "{body:?}: {message:?} does not say {part:?}"
            );
        }
    }
    // Invalid UTF-8 inside a JSON string.
    let reply = post_token(
        &server,
        json,
        Bytes::from_static(b"{\"roomName\":\"\xff\",\"participantName\":\"p\"}"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.error_message().contains("not valid JSON"));
    server.stop().await;
}

#[tokio::test]
async fn token_oversized_bodies_are_refused_while_reading() {
    let server = TestServer::start(config()).await;
    // Exactly at the limit is read (and is not a valid request: padding inside a string).
    let padding = "x".repeat(livekit_app_server::TOKEN_BODY_LIMIT - 40);
    let at_limit = format!(r#"{{"roomName":"{padding}","participantName":"p"}}"#);
    assert!(at_limit.len() <= livekit_app_server::TOKEN_BODY_LIMIT);
    let reply = post_token(&server, Some("application/json"), at_limit).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "a body within the limit is accepted"
    );

    // A declared length over the limit is refused before any body byte is sent.
    let head = format!(
        "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        livekit_app_server::TOKEN_BODY_LIMIT + 1
    );
    let answer = raw(&server, head.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(answer.contains("larger than 65536 bytes"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("access-control-allow-origin: *"),
        "{answer}"
    );

    // A chunked body is cut off as soon as it passes the limit: the client sends chunks
    // without end and the server still answers.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Transfer-Encoding: chunked\r\n\r\n",
        )
        .await
        .unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, "a".repeat(16 * 1024));
    for _ in 0..5 {
        stream.write_all(chunk.as_bytes()).await.unwrap();
    }
    let answer = read_answer(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(answer.contains("larger than"), "{answer}");
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// POST /livekit/token

#[tokio::test]
async fn standard_token_authentication_is_checked_before_the_body_is_read() {
    let hook_calls = Arc::new(Mutex::new(0_u32));
    let calls = Arc::clone(&hook_calls);
    let app = App::new(&{
        let mut config = config();
        config.token_endpoint_secret = BearerSecret::new("front-end-shared-secret");
        config
    })
    .unwrap()
    .authorize_token_requests(move |_| {
        *calls.lock().unwrap() += 1;
        Ok::<(), AuthRefusal>(())
    });
    let server = TestServer::start_app(app, Duration::from_secs(5)).await;
    let head = |authorization: &str, content_length: usize| {
        format!(
            "POST /livekit/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             {authorization}Content-Length: {content_length}\r\n\r\n"
        )
    };

    // A body announced and never sent: the refusal comes at once, not after the body timeout
    // (30 s, past `BOUND`).
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let partial = head("", 100) + "{";
    stream.write_all(partial.as_bytes()).await.unwrap();
    let answer = read_answer(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");
    let lower = answer.to_ascii_lowercase();
    assert!(lower.contains("www-authenticate: bearer"), "{answer}");
    assert!(lower.contains("access-control-allow-origin: *"), "{answer}");
    assert!(
        answer.contains("a valid Authorization: Bearer header is required"),
        "{answer}"
    );

    // Over the size limit without the secret: 401, not 413.
    let over = livekit_app_server::TOKEN_BODY_LIMIT + 1;
    let answer = raw(&server, head("", over).as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");
    assert_eq!(
        *hook_calls.lock().unwrap(),
        0,
        "the secret is checked first"
    );

    // With the secret: the body limit applies, and the hook is asked once per request.
    let bearer = "Authorization: Bearer front-end-shared-secret\r\n";
    let answer = raw(&server, head(bearer, over).as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert_eq!(*hook_calls.lock().unwrap(), 1);
    let reply = send(
        &server,
        request(Method::POST, &server, "/livekit/token")
            .header("content-type", "application/json")
            .header("authorization", "Bearer front-end-shared-secret")
            .body(Full::new(Bytes::from_static(b"{}")))
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(*hook_calls.lock().unwrap(), 2);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// POST /livekit/webhook

fn joined_event() -> WebhookEvent {
    let mut event = WebhookEvent {
        event: "participant_joined".into(),
        id: "EV_http_test".into(),
        created_at: 1_700_000_000,
        ..Default::default()
    };
    let room = event.room.get_or_insert_default();
    room.name = "webhook-room".into();
    room.sid = "RM_1".into();
    let participant = event.participant.get_or_insert_default();
    participant.identity = "bob".into();
    participant.sid = "PA_1".into();
    event
}

#[tokio::test]
async fn webhook_signed_like_the_server_is_accepted() {
    let received = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&received);
    let app = App::new(&config())
        .unwrap()
        .on_webhook(move |webhook| seen.lock().unwrap().push(webhook.clone()));
    let server = TestServer::start_app(app, Duration::from_secs(5)).await;
    let signed = WebhookSigner::new(KEY, SECRET)
        .unwrap()
        .sign(&joined_event())
        .unwrap();
    let reply = post_webhook(&server, Some(&signed.authorization), signed.body.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert!(reply.body.is_empty());
    // `Bearer ` is accepted too.
    let bearer = format!("Bearer {}", signed.authorization);
    let reply = post_webhook(&server, Some(&bearer), signed.body.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");

    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].kind(), &EventKind::ParticipantJoined);
    assert_eq!(received[0].id(), "EV_http_test");
    assert_eq!(received[0].participant.as_ref().unwrap().identity, "bob");
    server.stop().await;
}

#[tokio::test]
async fn webhook_body_is_verified_on_its_exact_bytes() {
    let server = TestServer::start(config()).await;
    // Bytes no serializer of ours would produce (spacing, member order, an unknown field):
    // they verify because they are hashed as received.
    let body = b"{ \"unknownField\": [1, 2],\n  \"id\": \"EV_raw\", \"event\": \"room_started\",\n  \"room\": {\"name\": \"raw\"} }\n";
    let signed = WebhookSigner::new(KEY, SECRET)
        .unwrap()
        .sign_body(body.to_vec())
        .unwrap();
    let reply = post_webhook(&server, Some(&signed.authorization), signed.body.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");

    // The same event, re-serialized: refused.
    let reserialized = serde_json::to_vec(&serde_json::from_slice::<Value>(body).unwrap()).unwrap();
    let reply = post_webhook(&server, Some(&signed.authorization), reserialized).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert!(reply.error_message().contains("checksum"), "{reply:?}");
    server.stop().await;
}

#[tokio::test]
async fn webhook_refusals() {
    let server = TestServer::start(config()).await;
    let signer = WebhookSigner::new(KEY, SECRET).unwrap();
    let signed = signer.sign(&joined_event()).unwrap();

    // Tampered body: one byte changed.
    let mut tampered = signed.body.clone();
    let at = tampered.iter().position(|b| *b == b'b').unwrap();
    tampered[at] = b'c';
    let reply = post_webhook(&server, Some(&signed.authorization), tampered).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.error_message().contains("checksum"), "{reply:?}");

    // Missing and empty Authorization.
    let reply = post_webhook(&server, None, signed.body.clone()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.error_message().contains("Authorization"), "{reply:?}");
    let reply = post_webhook(&server, Some(""), signed.body.clone()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    // Signed with another secret, or another key.
    let forged = WebhookSigner::new(KEY, "not-the-secret-not-the-secret-xx")
        .unwrap()
        .sign(&joined_event())
        .unwrap();
    let reply = post_webhook(&server, Some(&forged.authorization), forged.body.clone()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.error_message().contains("signature"), "{reply:?}");
    let other_key = WebhookSigner::new("APIother", SECRET)
        .unwrap()
        .sign(&joined_event())
        .unwrap();
    let reply = post_webhook(&server, Some(&other_key.authorization), other_key.body).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    // An access token (no sha256 claim) is not a webhook token.
    let access = livekit_server_auth::AccessToken::new(KEY, SECRET)
        .unwrap()
        .with_identity("x")
        .to_jwt()
        .unwrap();
    let reply = post_webhook(&server, Some(&access), signed.body.clone()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    // Garbage of every kind: 401, and the server keeps serving.
    for garbage in [
        "garbage",
        "a.b.c",
        "Bearer",
        "Bearer    ",
        "..",
        "ey.ey.ey",
        &"A".repeat(20_000),
    ] {
        let reply = post_webhook(&server, Some(garbage), signed.body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{garbage:.20}: {reply:?}"
        );
        reply.error_message();
    }
    let reply = post_webhook(
        &server,
        Some("garbage"),
        Bytes::from_static(b"\xff\xfe\x00{"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // A non-ASCII (opaque) header value.
    let answer = raw(
        &server,
        b"POST /livekit/webhook HTTP/1.1\r\nHost: x\r\nAuthorization: \xff\xfe\r\n\
          Content-Length: 2\r\nConnection: close\r\n\r\n{}",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");

    // Verified, but not a WebhookEvent: 400.
    let not_json = signer.sign_body(b"this is not json".to_vec()).unwrap();
    let reply = post_webhook(&server, Some(&not_json.authorization), not_json.body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.error_message().contains("WebhookEvent"), "{reply:?}");
    let wrong_type = signer.sign_body(br#"{"event": 5}"#.to_vec()).unwrap();
    let reply = post_webhook(&server, Some(&wrong_type.authorization), wrong_type.body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    // Still alive.
    let reply = send_empty(&server, Method::GET, "/healthz").await;
    assert_eq!(reply.status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn webhook_oversized_bodies_are_413() {
    let server = TestServer::start(config()).await;
    let signer = WebhookSigner::new(KEY, SECRET).unwrap();
    let limit = livekit_app_server::WEBHOOK_BODY_LIMIT;
    // Signed correctly, one byte over the limit: refused on size, not checked.
    let mut big = br#"{"event":"room_started","id":"EV_big","room":{"name":"big"},"x":""#.to_vec();
    big.resize(limit, b'x');
    big.extend_from_slice(b"\"}");
    assert_eq!(big.len(), limit + 2);
    let signed = signer.sign_body(big).unwrap();
    let reply = post_webhook(&server, Some(&signed.authorization), signed.body).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.error_message().contains("larger than"), "{reply:?}");

    // A declared length over the limit, nothing sent: refused on size with a valid token,
    // and, before any body is waited for, on the token without one.
    let head = |authorization: &str| {
        format!(
            "POST /livekit/webhook HTTP/1.1\r\nHost: x\r\nAuthorization: {authorization}\r\n\
             Content-Length: {}\r\n\r\n",
            limit + 1
        )
    };
    let answer = raw(&server, head(&signed.authorization).as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    let answer = raw(&server, head("x").as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");

    // Just within the limit: read and verified.
    let mut fits =
        br#"{"event":"room_started","id":"EV_fits","room":{"name":"fits"},"x":""#.to_vec();
    fits.resize(limit - 2, b'x');
    fits.extend_from_slice(b"\"}");
    let signed = signer.sign_body(fits).unwrap();
    let reply = post_webhook(&server, Some(&signed.authorization), signed.body).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// CORS, health, unknown routes and methods

#[tokio::test]
async fn preflight_is_answered_for_the_tutorial_front_ends() {
    let server = TestServer::start(config()).await;
    for path in ["/token", "/livekit/webhook", "/healthz"] {
        let reply = send(
            &server,
            request(Method::OPTIONS, &server, path)
                .header("origin", "http://localhost:5080")
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
                .body(Full::default())
                .unwrap(),
        )
        .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{path}");
        assert!(reply.body.is_empty());
        let methods = reply.headers["access-control-allow-methods"]
            .to_str()
            .unwrap();
        for method in ["POST", "GET", "OPTIONS"] {
            assert!(methods.contains(method), "{methods}");
        }
        let headers = reply.headers["access-control-allow-headers"]
            .to_str()
            .unwrap();
        assert!(
            headers.contains("Content-Type") && headers.contains("Authorization"),
            "{headers}"
        );
        assert!(reply.headers.contains_key("access-control-max-age"));
    }
    server.stop().await;
}

/// The `Vary` values of a reply, joined.
fn vary(reply: &Reply) -> String {
    reply
        .headers
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::test]
async fn preflight_allows_the_headers_the_page_asks_for() {
    let server = TestServer::start(config()).await;
    for path in ["/token", "/livekit/token"] {
        let reply = send(
            &server,
            request(Method::OPTIONS, &server, path)
                .header("origin", "http://localhost:5173")
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "content-type,x-request-id",
                )
                .body(Full::default())
                .unwrap(),
        )
        .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        assert_eq!(
            reply.headers["access-control-allow-headers"],
            "Content-Type, Authorization, x-request-id"
        );
        assert_eq!(vary(&reply), "Access-Control-Request-Headers");
    }
    // Without the request header (or with a malformed one): the defaults.
    for asked in [None, Some("x-a, bad header")] {
        let mut builder = request(Method::OPTIONS, &server, "/token");
        if let Some(asked) = asked {
            builder = builder.header("access-control-request-headers", asked);
        }
        let reply = send(&server, builder.body(Full::default()).unwrap()).await;
        assert_eq!(
            reply.headers["access-control-allow-headers"], "Content-Type, Authorization",
            "{asked:?}"
        );
    }
    // An actual request with `*` does not vary by origin.
    let reply = send(
        &server,
        request(Method::POST, &server, "/token")
            .header("origin", "http://localhost:5173")
            .header("content-type", "application/json")
            .header("x-request-id", "42")
            .body(Full::new(Bytes::from_static(
                br#"{"roomName":"r","participantName":"p"}"#,
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.headers.contains_key("vary"), "{reply:?}");
    server.stop().await;
}

#[tokio::test]
async fn configured_origins_are_named_and_others_get_no_cors_header() {
    let mut vars = std::collections::HashMap::new();
    vars.insert(
        "CORS_ALLOWED_ORIGINS".to_owned(),
        "http://localhost:5173, https://app.example.com".to_owned(),
    );
    let config = {
        let mut config = config();
        config.cors_allowed_origins = Config::from_vars(&vars).unwrap().cors_allowed_origins;
        config
    };
    let server = TestServer::start(config).await;
    let token = |origin: &'static str| {
        request(Method::POST, &server, "/token")
            .header("origin", origin)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(
                br#"{"roomName":"r","participantName":"p"}"#,
            )))
            .unwrap()
    };
    for origin in ["http://localhost:5173", "https://app.example.com"] {
        let reply = send_any_cors(&server, token(origin)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.headers["access-control-allow-origin"], origin);
        assert_eq!(vary(&reply), "Origin");
    }
    let reply = send_any_cors(&server, token("http://evil.example")).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "answered; the browser hides it"
    );
    assert!(!reply.headers.contains_key("access-control-allow-origin"));
    assert_eq!(vary(&reply), "Origin");

    let preflight = send_any_cors(
        &server,
        request(Method::OPTIONS, &server, "/livekit/token")
            .header("origin", "https://app.example.com")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, x-request-id",
            )
            .body(Full::default())
            .unwrap(),
    )
    .await;
    assert_eq!(preflight.status, StatusCode::NO_CONTENT);
    assert_eq!(
        preflight.headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(vary(&preflight), "Origin, Access-Control-Request-Headers");

    // Answers written before the handler runs (a body over the limit) carry them too.
    let oversized = send_any_cors(
        &server,
        request(Method::POST, &server, "/token")
            .header("origin", "http://localhost:5173")
            .header("content-type", "application/json")
            .header("content-length", "70000")
            .body(Full::new(Bytes::from(vec![b' '; 70_000])))
            .unwrap(),
    )
    .await;
    assert_eq!(oversized.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        oversized.headers["access-control-allow-origin"],
        "http://localhost:5173"
    );
    server.stop().await;
}

#[tokio::test]
async fn bind_serves_ipv6_and_ipv4_on_the_unspecified_address() {
    let listeners = livekit_app_server::bind("[::]:0".parse().unwrap()).unwrap();
    assert_eq!(listeners.len(), 1, "one dual-stack socket on Linux");
    let port = listeners[0].local_addr().unwrap().port();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(livekit_app_server::serve_listeners(
        listeners,
        Arc::new(App::new(&config()).unwrap()),
        Duration::ZERO,
        async {
            let _ = rx.await;
        },
    ));
    for client in [format!("127.0.0.1:{port}"), format!("[::1]:{port}")] {
        let server = TestServer {
            addr: client.parse().unwrap(),
            shutdown: None,
            task: tokio::spawn(async { Ok(()) }),
        };
        let reply = send_empty(&server, Method::GET, "/healthz").await;
        assert_eq!(reply.status, StatusCode::OK, "{client}");
    }
    // An explicit address gets exactly that one.
    for addr in ["127.0.0.1:0", "[::1]:0"] {
        let listeners = livekit_app_server::bind(addr.parse().unwrap()).unwrap();
        assert_eq!(listeners.len(), 1);
        assert_eq!(
            listeners[0].local_addr().unwrap().ip(),
            addr.parse::<std::net::SocketAddr>().unwrap().ip()
        );
    }
    // A port in use is an error, not a fallback.
    let taken = TcpListener::bind("[::]:0").await.unwrap();
    let in_use =
        std::net::SocketAddr::new("::".parse().unwrap(), taken.local_addr().unwrap().port());
    assert!(livekit_app_server::bind(in_use).is_err());
    tx.send(()).unwrap();
    tokio::time::timeout(BOUND, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn serve_listeners_needs_one() {
    let app = Arc::new(App::new(&config()).unwrap());
    let result =
        livekit_app_server::serve_listeners(Vec::new(), app, Duration::ZERO, async {}).await;
    assert!(matches!(result, Err(ServeError::Listener(_))), "{result:?}");
}

#[tokio::test]
async fn health_unknown_routes_and_wrong_methods() {
    let server = TestServer::start(config()).await;

    let reply = send_empty(&server, Method::GET, "/healthz").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({ "status": "ok" }));
    let reply = send_empty(&server, Method::HEAD, "/healthz").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.is_empty());
    let reply = send_empty(&server, Method::GET, "/healthz/?probe=1").await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "trailing slash and query are fine"
    );

    for path in [
        "/",
        "/nope",
        "/tokens",
        "/livekit",
        "/livekit/webhook/extra",
        "//token",
    ] {
        let reply = send_empty(&server, Method::POST, path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(reply.error_message().contains("no route"), "{path}");
    }

    for (method, path, allow) in [
        (Method::GET, "/token", "POST"),
        (Method::PUT, "/token", "POST"),
        (Method::GET, "/livekit/webhook", "POST"),
        (Method::DELETE, "/livekit/webhook", "POST"),
        (Method::POST, "/healthz", "GET"),
    ] {
        let reply = send_empty(&server, method.clone(), path).await;
        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert!(reply.headers["allow"].to_str().unwrap().contains(allow));
        assert!(
            reply.error_message().contains(method.as_str()),
            "{method} {path}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn malformed_http_never_takes_the_server_down() {
    let server = TestServer::start(config()).await;
    for garbage in [
        &b"\x00\x01\x02\x03\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"POST /token HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        b"POST /token HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"POST /token HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n",
    ] {
        // Whatever the answer (400 or a closed connection), the server must survive it.
        let _ = raw(&server, garbage).await;
    }
    let reply = send_empty(&server, Method::GET, "/healthz").await;
    assert_eq!(reply.status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn http2_prior_knowledge_is_served() {
    let server = TestServer::start(config()).await;
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        TokioIo::new(stream),
    )
    .await
    .unwrap();
    tokio::spawn(connection);
    let response = sender
        .send_request(
            request(Method::POST, &server, "/token")
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from_static(
                    br#"{"roomName":"r","participantName":"h2"}"#,
                )))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    drop(sender);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Graceful shutdown

#[tokio::test]
async fn shutdown_lets_the_request_in_flight_finish() {
    let mut server = TestServer::start(config()).await;
    let body = br#"{"roomName":"in-flight","participantName":"late"}"#;
    let mut stream = token_request_in_flight(&server, body.len()).await;

    server.signal_shutdown();
    // The server stops accepting: a new connection is refused once the listener is closed.
    // (Checked after `serve` returns below; here the in-flight request holds it open.)
    assert!(
        !server.task.is_finished(),
        "serve waits for the request in flight"
    );

    stream.write_all(body).await.unwrap();
    let answer = read_answer(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("\"token\":\""), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );

    let addr = server.addr;
    server.stopped().await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}

#[tokio::test]
async fn shutdown_drops_requests_that_outlive_the_grace_period() {
    let app = App::new(&config()).unwrap();
    let grace = Duration::from_millis(300);
    let server = TestServer::start_app(app, grace).await;
    let mut stream = token_request_in_flight(&server, 100).await;

    // The body never comes; `serve` returns after the grace period anyway.
    let started = std::time::Instant::now();
    server.stop().await;
    assert!(started.elapsed() >= grace, "waited for the grace period");
    let mut rest = Vec::new();
    let read = tokio::time::timeout(BOUND, stream.read_to_end(&mut rest))
        .await
        .unwrap();
    assert!(
        read.is_err() || rest.is_empty(),
        "the connection was dropped: {rest:?}"
    );
}

#[tokio::test]
async fn shutdown_closes_idle_keep_alive_connections_at_once() {
    let server = TestServer::start(config()).await;
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    let connection = tokio::spawn(connection);
    let response = sender
        .send_request(
            request(Method::GET, &server, "/healthz")
                .body(Full::<Bytes>::default())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.into_body().collect().await.unwrap();
    // The connection is idle and kept alive; shutting down must not wait for the (default
    // 10 s) grace period because of it.
    let started = std::time::Instant::now();
    server.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    tokio::time::timeout(BOUND, connection)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

/// How long the server lets a connection go without a byte from the client (`IDLE_TIMEOUT`).
const IDLE: Duration = Duration::from_secs(30);

#[tokio::test]
async fn connections_that_say_nothing_or_stop_mid_handshake_are_closed() {
    let server = TestServer::start(config()).await;
    let start = std::time::Instant::now();
    // Connected and silent; an HTTP/2 preface, then silence; half a request line.
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let mut h2 = TcpStream::connect(server.addr).await.unwrap();
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .unwrap();
    let mut partial = TcpStream::connect(server.addr).await.unwrap();
    partial.write_all(b"GE").await.unwrap();
    // Meanwhile the server answers others.
    let reply = send_empty(&server, Method::GET, "/healthz").await;
    assert_eq!(reply.status, StatusCode::OK);
    for (name, stream) in [
        ("silent", &mut silent),
        ("h2 preface", &mut h2),
        ("partial", &mut partial),
    ] {
        // Closed by the server (whatever it wrote first: HTTP/2 settings, a 408), not kept.
        let mut sink = Vec::new();
        let closed = tokio::time::timeout(IDLE + BOUND, stream.read_to_end(&mut sink)).await;
        assert!(
            closed.is_ok(),
            "{name}: still open after {:?}",
            start.elapsed()
        );
    }
    assert!(
        start.elapsed() >= IDLE - Duration::from_secs(1),
        "closed before the idle timeout: {:?}",
        start.elapsed()
    );
    server.stop().await;
}

#[tokio::test]
async fn a_request_head_over_32_kib_is_refused() {
    let server = TestServer::start(config()).await;
    let head = |len: usize| {
        format!(
            "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: {}\r\nConnection: close\r\n\r\n",
            "a".repeat(len)
        )
    };
    let answer = raw(&server, head(16 * 1024).as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    let answer = raw(&server, head(40 * 1024).as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_never_reads_its_answers_is_closed() {
    let server = TestServer::start(config()).await;
    let start = std::time::Instant::now();
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    // Pipelined requests, answers never read: the server's writes stall once the socket
    // buffers are full, then it stops reading ours; after its write timeout it closes, and
    // with our requests unread that is a reset, which fails our pending write.
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".repeat(64);
    let written = tokio::time::timeout(IDLE + BOUND + BOUND, async {
        loop {
            if let Err(error) = stream.write_all(&request).await {
                return error;
            }
        }
    })
    .await;
    let error = written.unwrap_or_else(|_| panic!("still open after {:?}", start.elapsed()));
    assert!(
        start.elapsed() >= IDLE - Duration::from_secs(1),
        "closed before the write timeout ({:?}): {error}",
        start.elapsed()
    );
    // Meanwhile and after, others are served.
    let reply = send_empty(&server, Method::GET, "/healthz").await;
    assert_eq!(reply.status, StatusCode::OK);
    server.stop().await;
}
