//! The `axum` extractor over a real socket: an axum server on 127.0.0.1:0 receives webhooks
//! signed as the LiveKit server signs them, and refuses forged, altered, oversized and
//! undecodable ones with the right status and a JSON error.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::post;
use livekit_server_auth::{ApiSecret, HmacKey};
use livekit_server_proto::{Room, WebhookEvent};
use livekit_server_webhook::{Webhook, WebhookReceiver, WebhookSigner};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const KEY: &str = "APIaxum";
const SECRET: &str = "axum-secret-axum-secret-axum-0123";
const LIMIT: usize = 4096;

/// The application's state: the receiver is one field of it, found through `FromRef`.
#[derive(Clone)]
struct AppState {
    receiver: WebhookReceiver,
    seen: Arc<Mutex<Vec<(String, String)>>>,
    /// How many times the receiver looked a key up, i.e. verified a token.
    lookups: Arc<AtomicUsize>,
}

impl FromRef<AppState> for WebhookReceiver {
    fn from_ref(state: &AppState) -> WebhookReceiver {
        state.receiver.clone()
    }
}

async fn handler(State(state): State<AppState>, webhook: Webhook) -> &'static str {
    let room = webhook
        .room
        .as_ref()
        .map(|r| r.name.clone())
        .unwrap_or_default();
    state
        .seen
        .lock()
        .unwrap()
        .push((webhook.kind().to_string(), room));
    "ok"
}

async fn serve() -> (SocketAddr, AppState) {
    let lookups = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&lookups);
    let key = HmacKey::new(&ApiSecret::new(SECRET).unwrap());
    let provider = move |api_key: &str| {
        counted.fetch_add(1, Ordering::SeqCst);
        (api_key == KEY).then(|| key.clone())
    };
    let state = AppState {
        receiver: WebhookReceiver::with_key_provider(provider).with_max_body_len(LIMIT),
        seen: Arc::default(),
        lookups,
    };
    let app = Router::new()
        .route("/livekit/webhook", post(handler))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, state)
}

/// One HTTP/1.1 request on a fresh connection; returns the status, content type and body.
async fn post_webhook(
    address: SocketAddr,
    authorization: Option<&[u8]>,
    body: &[u8],
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let mut request = format!(
        "POST /livekit/webhook HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\
         content-type: application/webhook+json\r\ncontent-length: {}\r\n",
        body.len()
    )
    .into_bytes();
    if let Some(value) = authorization {
        request.extend_from_slice(b"authorization: ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body);
    stream.write_all(&request).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8(response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_owned)
        })
        .unwrap_or_default();
    (status, content_type, body.to_owned())
}

fn event(room: &str) -> WebhookEvent {
    WebhookEvent {
        event: "room_started".into(),
        id: format!("EV_{room}"),
        created_at: 1_700_000_000,
        room: Some(Box::new(Room {
            name: room.into(),
            ..Default::default()
        })),
        ..Default::default()
    }
}

/// The error member of a rejection's JSON body.
fn error_of(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).unwrap();
    value["error"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_signed_webhook_reaches_the_handler_verified() {
    let (address, state) = serve().await;
    let signed = WebhookSigner::new(KEY, SECRET)
        .unwrap()
        .sign(&event("standup"))
        .unwrap();
    let (status, _, body) =
        post_webhook(address, Some(signed.authorization.as_bytes()), &signed.body).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert_eq!(
        *state.seen.lock().unwrap(),
        vec![("room_started".to_owned(), "standup".to_owned())]
    );
    // Verified before the body was read, and not again after.
    assert_eq!(state.lookups.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn refused_requests_get_a_4xx_json_error_and_never_reach_the_handler() {
    let (address, state) = serve().await;
    let signer = WebhookSigner::new(KEY, SECRET).unwrap();
    let signed = signer.sign(&event("refused")).unwrap();
    let mut altered = signed.body.clone();
    altered.push(b'\n');
    let forged = WebhookSigner::new(KEY, "another-secret-another-secret-0123")
        .unwrap()
        .sign(&event("forged"))
        .unwrap();
    // Signed correctly, but not a WebhookEvent: only now is the body looked at.
    let not_an_event = signer.sign_body(b"[1, 2, 3]".to_vec()).unwrap();
    let oversized = signer.sign_body(vec![b' '; LIMIT + 1]).unwrap();

    // (case, Authorization header, body, expected status, words of the JSON error)
    type Case<'a> = (&'a str, Option<&'a [u8]>, &'a [u8], u16, &'a str);
    let cases: [Case<'_>; 6] = [
        ("no header", None, &signed.body, 401, "no Authorization"),
        (
            "not ASCII",
            Some(b"\xff\xfe"),
            &signed.body,
            401,
            "no Authorization",
        ),
        (
            "altered body",
            Some(signed.authorization.as_bytes()),
            &altered,
            401,
            "sha256",
        ),
        (
            "wrong secret",
            Some(forged.authorization.as_bytes()),
            &forged.body,
            401,
            // The cause too, for the sender's log of the failed delivery.
            "did not verify: token signature does not match",
        ),
        (
            "not an event",
            Some(not_an_event.authorization.as_bytes()),
            &not_an_event.body,
            400,
            "not a valid WebhookEvent",
        ),
        (
            "too large",
            Some(oversized.authorization.as_bytes()),
            &oversized.body,
            413,
            "maximum of 4096 bytes",
        ),
    ];
    for (case, authorization, body, expected, words) in cases {
        let (status, content_type, answer) = post_webhook(address, authorization, body).await;
        assert_eq!(status, expected, "{case}: {answer}");
        assert_eq!(content_type, "application/json", "{case}");
        let error = error_of(&answer);
        assert!(error.contains(words), "{case}: {error}");
        assert!(!answer.contains(SECRET), "{case}");
        assert!(
            !answer.contains(&signed.authorization),
            "{case}: no token in errors"
        );
    }
    assert!(state.seen.lock().unwrap().is_empty());
}
