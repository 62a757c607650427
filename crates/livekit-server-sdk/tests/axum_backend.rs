//! `examples/axum_backend.rs` served on a real socket: its `/token` mints a token that verifies
//! with the room and identity asked for, and its `/livekit/webhook` accepts what the server
//! sends and refuses a forged webhook with a 401.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[allow(dead_code)] // its `main` is not called here: the test serves `app` itself
#[path = "../examples/axum_backend.rs"]
mod backend;

use std::net::SocketAddr;

use livekit_server_sdk::auth::TokenVerifier;
use livekit_server_sdk::proto;
use livekit_server_sdk::webhook::WebhookSigner;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const KEY: &str = "APIbackend";
const SECRET: &str = "backend-secret-backend-secret-012";

async fn serve() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = backend::app(KEY, SECRET).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

/// One HTTP/1.1 `POST` on a fresh connection; returns the status and the body.
async fn post(
    address: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head[9..12].parse().unwrap(), body.to_owned())
}

#[tokio::test]
async fn the_token_route_mints_a_join_token_for_the_room_and_identity_asked_for() {
    let address = serve().await;
    let json = [("content-type", "application/json")];
    let (status, token) = post(
        address,
        "/token",
        &json,
        br#"{"room":"demo","identity":"alice"}"#,
    )
    .await;
    assert_eq!(status, 200, "{token}");
    let claims = TokenVerifier::new(KEY, SECRET)
        .unwrap()
        .verify(&token)
        .unwrap();
    assert_eq!(claims.sub, "alice");
    let video = claims.video.unwrap();
    assert!(video.room_join);
    assert_eq!(video.room, "demo");
    // A request without the members is refused by axum's JSON extractor before any token.
    let (status, _) = post(address, "/token", &json, br#"{"room":"demo"}"#).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn the_webhook_route_accepts_the_server_s_webhooks_and_refuses_forged_ones() {
    let address = serve().await;
    let event = proto::WebhookEvent {
        event: "room_started".into(),
        id: "EV_backend".into(),
        ..Default::default()
    };
    let signed = WebhookSigner::new(KEY, SECRET)
        .unwrap()
        .sign(&event)
        .unwrap();
    let headers = [
        ("content-type", "application/webhook+json"),
        ("authorization", signed.authorization.as_str()),
    ];
    assert_eq!(
        post(address, "/livekit/webhook", &headers, &signed.body)
            .await
            .0,
        200
    );

    let forged = WebhookSigner::new(KEY, "forged-secret-forged-secret-01234")
        .unwrap()
        .sign(&event)
        .unwrap();
    let headers = [
        ("content-type", "application/webhook+json"),
        ("authorization", forged.authorization.as_str()),
    ];
    let (status, body) = post(address, "/livekit/webhook", &headers, &forged.body).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("\"error\""), "{body}");
}
