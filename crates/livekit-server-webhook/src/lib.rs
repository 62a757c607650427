//! Verify and decode the webhooks a LiveKit server sends, from the raw request bytes, and sign
//! webhooks exactly like the server does for tests.
//!
//! This crate does no I/O and must never depend on an async runtime or an HTTP stack (tokio,
//! hyper; `http` only behind the `axum` feature): it takes the body bytes and the `Authorization` header value from whatever
//! web framework you use. It builds on `livekit-server-auth` (tokens) and
//! `livekit-server-proto` (the `WebhookEvent` message and its protojson form).
//!
//! # Receiving webhooks
//!
//! The server `POST`s each event to your endpoint with
//! `Content-Type: application/webhook+json` and `Authorization: <token>` (a bare token, no
//! `Bearer ` prefix). The token is signed with your API secret and carries a `sha256` claim:
//! the checksum of the exact body bytes. [`WebhookReceiver::receive`] checks both and decodes
//! the event; see [`WebhookReceiver`] for every check and its order.
//!
//! - **Pass the raw body bytes.** Read the body as bytes and hand them over untouched. Never
//!   let a framework parse the JSON and serialize it again (a "JSON body" extractor, a body
//!   parser middleware, a `String` round trip through a JSON value): the bytes change, the
//!   checksum no longer matches and every webhook fails with
//!   [`ChecksumMismatch`](WebhookError::ChecksumMismatch). This is the most common webhook
//!   failure in the field. The server's custom content type exists so that frameworks leave
//!   the body alone; do not register a JSON parser for it.
//! - **Answer fast, 2xx on success.** Acknowledge first and do slow work afterwards (queue
//!   it): the server waits for your answer and retries on errors and timeouts.
//! - **Answer 4xx on a verification failure** ([`WebhookError::http_status`]), never 5xx: a
//!   forged or damaged request does not get better by being retried.
//! - **Deduplicate on [`Webhook::id`].** Delivery is at-least-once (retries may repeat an
//!   event) and unordered (several workers send concurrently; events are dropped under
//!   back-pressure). Order by [`Webhook::created_at`], not by arrival.
//! - Unknown fields and event names are not errors: [`EventKind::Unknown`] carries names added
//!   by newer servers.
//! - The `Content-Type` is not checked (proxies rewrite it), and one `Bearer ` prefix is
//!   accepted although the server never sends one.
//!
//! ```
//! use livekit_server_proto::{Room, WebhookEvent};
//! use livekit_server_webhook::{EventKind, WebhookReceiver, WebhookSigner};
//!
//! const KEY: &str = "APIexample";
//! const SECRET: &str = "example-secret-example-secret-000";
//!
//! // What the server would send (in tests, `WebhookSigner` plays the server).
//! let event = WebhookEvent {
//!     event: "room_started".into(),
//!     room: Some(Box::new(Room { name: "standup".into(), ..Default::default() })),
//!     id: "EV_3xAmPle".into(),
//!     created_at: 1_700_000_000,
//!     ..Default::default()
//! };
//! let request = WebhookSigner::new(KEY, SECRET)?.sign(&event)?;
//!
//! // Your endpoint: the raw body bytes and the `Authorization` header value.
//! let receiver = WebhookReceiver::with_credentials(KEY, SECRET)?;
//! match receiver.receive(&request.body, &request.authorization) {
//!     Ok(webhook) => {
//!         // Remember `webhook.id()` to skip repeats, answer 200, then act.
//!         match webhook.kind() {
//!             EventKind::RoomStarted => {
//!                 let room = webhook.room.as_ref().map(|room| room.name.as_str());
//!                 assert_eq!(room, Some("standup"));
//!             }
//!             EventKind::ParticipantJoined => { /* webhook.participant */ }
//!             _ => {}
//!         }
//!     }
//!     Err(err) => {
//!         // Answer err.http_status() (4xx) and do not act on the request.
//!         panic!("refused: {err} ({})", err.http_status());
//!     }
//! }
//!
//! // A body changed on the way is refused before it is parsed.
//! let reformatted = b"{ \"event\": \"room_started\" }";
//! let err = receiver.receive(reformatted, &request.authorization).unwrap_err();
//! assert_eq!(err.http_status(), 401);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Testing webhook endpoints
//!
//! [`WebhookSigner`] produces exactly what the server sends (body, `Authorization`,
//! `Content-Type`), from a [`WebhookEvent`] or from arbitrary body bytes. The webhook
//! receivers of the official Python (`livekit-api`) and Node (`livekit-server-sdk`) SDKs
//! accept its output, and [`WebhookReceiver`] accepts webhooks signed with theirs; both
//! directions are tested in CI.
//!
//! # Features
//!
//! - `axum` (off by default): [`Webhook`] is an axum extractor, with the receiver taken from
//!   the router's state and `WebhookRejection` answering refused requests (401/400/413 and
//!   a JSON error). It brings in `axum-core`, `http` and `http-body-util` only; without it
//!   this crate has no HTTP types at all.
//!
//! [`WebhookEvent`]: livekit_server_proto::WebhookEvent

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "axum")]
mod axum;
mod error;
mod event;
mod receiver;
mod signer;

use std::time::SystemTime;

#[cfg(feature = "axum")]
pub use crate::axum::WebhookRejection;
pub use error::WebhookError;
pub use event::{EventKind, Webhook};
pub use receiver::{VerifiedAuthorization, WebhookReceiver};
pub use signer::{SignedWebhook, WebhookSigner};

/// The token crate webhooks are verified with (`TokenVerifier`, `KeyProvider`, `TokenError`).
pub use livekit_server_auth as auth;
/// The protocol types ([`WebhookEvent`](proto::WebhookEvent) and what it carries).
pub use livekit_server_proto as proto;

/// The `Content-Type` the LiveKit server sends webhooks with.
pub const CONTENT_TYPE: &str = "application/webhook+json";

/// The system clock: the one place in this crate that reads it. Everything else takes `now`.
fn now() -> SystemTime {
    // CLOCK: the only call of `SystemTime::now` in this crate.
    SystemTime::now()
}
