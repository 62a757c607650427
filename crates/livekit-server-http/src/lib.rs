//! The network layer of the LiveKit server SDK: it sends Twirp calls to a LiveKit server over
//! HTTP(S), with timeouts, a deadline, idempotency-aware retries and a fresh short-lived token
//! per attempt.
//!
//! This is the only crate of the SDK that does network I/O. The per-service clients
//! (`livekit-server-room`, `livekit-server-sip`, …) are thin generated layers over
//! [`Client::call`]; use this crate directly to share one connection pool between them
//! ([`Client`] is cheap to clone), or to plug in your own HTTP client ([`Transport`]; the
//! `livekit-server-test-util` crate has a fake one for your tests).
//!
//! # What a call does
//!
//! * `POST {url}/twirp/{service}/{method}` with `Content-Type: application/protobuf`,
//!   `User-Agent: livekit-server-sdk-rust/<version>`, and `Authorization: Bearer <token>`
//!   where the token is made for this attempt: valid from now for 10 minutes, with exactly the
//!   RPC's [`Grant`]s (scoped to the call's [`Scope`]) and nothing else. In pre-signed token
//!   mode ([`Client::with_token`]) the given token is sent instead. The request is built and
//!   the response classified by the Twirp codec, `livekit-server-twirp`.
//! * `X-Livekit-Request-Id`: a UUIDv4 per call (or yours, [`CallOptions::request_id`]), the
//!   same on every attempt, so the server can recognise a replay.
//! * `X-Twirp-Timeout-Ms`: how long the client will wait for this attempt.
//! * Timeouts: connect 5 s (TCP and the TLS handshake), attempt 10 s (connection, request
//!   and the whole body), call 30 s across retries; a stalled server fails the call at its
//!   deadline, not later.
//! * Retries ([`RetryPolicy`]): read-only and idempotent RPCs are retried on transport
//!   errors, timeouts, 502/503/504 and `unavailable` (429 only with `Retry-After`), with
//!   jittered exponential back-off, at most 3 attempts; non-idempotent RPCs only when the
//!   request provably never left (connection refused, DNS, TLS handshake).
//! * Regions ([`RegionFailover`]): a call to a `*.livekit.cloud` host that fails for the
//!   region's sake (no answer, 502/503/504, `unavailable`) moves to the project's next region
//!   from `GET /settings/regions` (cached by `max-age`, fetched lazily at a failure), within
//!   the same retry classes: a non-idempotent RPC moves only when its request never left.
//!   [`Error::regions`] names each region a failed call tried. Self-hosted URLs never look
//!   regions up.
//! * Responses: only `200 application/protobuf` is a success; everything else becomes a
//!   typed [`Error`] that keeps the HTTP status, the Twirp code (derived from the status
//!   when a proxy answered), the message and metadata, and `Retry-After`. Redirects are
//!   never followed; bodies are read with a cap.
//! * Tracing: one `livekit_api_call` span per call (service, method, request id, attempts,
//!   status, code, duration); headers and tokens are never recorded.
//! * Pagination: [`paginate`] follows a list RPC page by page as a `Stream` of items (the
//!   service crates build their `*_all` helpers on it).
//! * Connections: [`HyperTransport`] pools them, in hyper-util's pooled client for both
//!   `https://` (rustls; HTTP/1.1, or HTTP/2 with [`HyperTransportBuilder::http2`]) and plain
//!   `http://` (a self-hosted server, the loopback: HTTP/1.1 with keep-alive).
//!
//! A Tokio runtime with the time driver enabled is required (`#[tokio::main]` has it).
//!
//! # Example
//!
//! ```no_run
//! use livekit_server_http::{CallOptions, Client, Grant, Idempotency, Rpc, Scope, TwirpCode};
//!
//! #[derive(Clone, PartialEq, prost::Message)]
//! struct ListParticipantsRequest {
//!     #[prost(string, tag = "1")]
//!     room: String,
//! }
//! #[derive(Clone, PartialEq, prost::Message)]
//! struct ListParticipantsResponse {}
//!
//! const LIST_PARTICIPANTS: Rpc = Rpc {
//!     service: "livekit.RoomService",
//!     method: "ListParticipants",
//!     path: "/twirp/livekit.RoomService/ListParticipants",
//!     idempotency: Idempotency::ReadOnly,
//!     grants: &[Grant::RoomAdmin],
//! };
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), livekit_server_http::Error> {
//! let client = Client::new("https://my-project.livekit.cloud", "APIkey", "secret")?;
//!
//! let request = ListParticipantsRequest { room: "lobby".into() };
//! let result: Result<ListParticipantsResponse, _> = client
//!     .call(&LIST_PARTICIPANTS, Scope::room(&request.room), &request, &CallOptions::new())
//!     .await;
//! match result {
//!     Ok(participants) => println!("{participants:?}"),
//!     Err(e) if e.twirp_code() == Some(TwirpCode::NotFound) => println!("no such room"),
//!     Err(e) => return Err(e),
//! }
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `webpki-roots` | yes | trust the Mozilla root certificates bundled by `webpki-roots` |
//! | `native-roots` | no | trust the operating system's root certificates (`rustls-native-certs`); chosen by default only when `webpki-roots` is off |
//!
//! TLS is always rustls with the *ring* provider, set on this crate's own configuration (no
//! process-wide default is installed). With neither root feature, only roots you add
//! ([`HyperTransportBuilder::add_root_certificate`]) are trusted, and building a transport
//! with none added is a configuration error (an `https://` call could never succeed) unless
//! [`HyperTransportBuilder::no_default_roots`] says that only plain `http://` is wanted.
//!
//! # Never depends on
//!
//! `livekit-server-proto` (requests and responses are any `prost::Message`), `reqwest` or any
//! second HTTP stack. No hyper, tokio, prost or serde error type appears in its API: errors
//! are the opaque [`Error`] and [`TransportError`].
//!
//! # Re-exports
//!
//! What the API hands out or takes, so that a user of this crate (or of the facade, where it is
//! `livekit_server_sdk::http`) can name it without depending on another crate at the same
//! version: [`TwirpError`], [`TwirpErrorKind`], [`TwirpCode`], [`ErrorDetails`] and
//! [`ErrorDetail`] (from `livekit-server-twirp`), which [`Error`] hands out; the crates
//! [`http`] (status, headers, requests of a [`Transport`]), [`bytes`], [`rustls`] (the
//! `ClientConfig` of [`HyperTransportBuilder::tls_config`]) and [`futures_core`] (the `Stream`
//! of [`Pages`]); [`macro@async_trait`] (to implement [`Transport`]); and the
//! `livekit-server-auth` crate as [`auth`] (to verify or mint tokens alongside).

mod client;
mod credentials;
mod error;
mod hyper_transport;
mod options;
mod pager;
mod random;
mod regions;
mod retry;
mod rpc;
mod transport;

pub use client::{Client, ClientBuilder};
pub use error::Error;
pub use hyper_transport::{HyperTransport, HyperTransportBuilder};
pub use livekit_server_twirp::{ErrorDetail, ErrorDetails, TwirpCode, TwirpError, TwirpErrorKind};
pub use options::CallOptions;
pub use pager::{Pages, paginate};
pub use regions::{RegionError, RegionFailover};
pub use retry::RetryPolicy;
pub use rpc::{Grant, Idempotency, Rpc, Scope};
pub use transport::{Transport, TransportError, TransportLimits};

/// The attribute [`Transport`] implementations are written with.
pub use async_trait::async_trait;
/// The token crate this client signs with (`livekit-server-auth`).
pub use livekit_server_auth as auth;
pub use {bytes, futures_core, http, rustls};
