//! The Twirp codec of the LiveKit server SDK: builds Twirp requests (route, headers, protobuf
//! body) and turns raw responses into a decoded message or a typed [`TwirpError`], without
//! doing any I/O.
//!
//! This crate must never depend on an async runtime, an HTTP client or server (`tokio`,
//! `hyper`, `reqwest`), or on the protocol and auth crates of the workspace: it is generic over
//! [`prost::Message`] and uses `http` for its types only. The HTTP transport
//! (`livekit-server-http`) sends what [`build_request`] builds and hands the status, headers
//! and body it received to [`decode_response`]; the service crates never see this layer.
//!
//! # What it does
//!
//! - Routes: [`BaseUrl`] normalizes a server URL (`ws(s)://` → `http(s)://`, sub-path kept, no
//!   `//`) and [`BaseUrl::uri_for`] puts a generated route (`/twirp/{package.Service}/{Method}`)
//!   under it.
//! - Requests: [`build_request`] makes the `POST` with `Content-Type: application/protobuf`,
//!   `User-Agent: livekit-server-sdk-rust/<version>` and a sensitive `Authorization: Bearer`;
//!   [`set_request_id`] and [`set_timeout`] add `X-Livekit-Request-Id` and
//!   `X-Twirp-Timeout-Ms`.
//! - Responses: [`decode_response`] accepts only `200 OK` with a protobuf media type, reads
//!   Twirp JSON errors (media type matched without case or parameters), and turns anything
//!   else (proxy pages, LiveKit's plain-text 401, redirects, malformed JSON) into an
//!   intermediary error with a status-derived [`TwirpCode`], a bounded and redacted body
//!   snippet, and the parsed `Retry-After`. It never panics, whatever the input.
//! - Errors: one opaque [`TwirpError`] with accessors for the code, raw code, message, meta,
//!   status, `Retry-After`, snippet, SIP status and decoded `meta.error_details`
//!   ([`ErrorDetails`]); [`TwirpError::is_retryable`] classifies it for idempotent calls.
//!
//! The transport must cap how much body it reads (a large cap for `200 OK` protobuf, see
//! [`expects_message`]; [`ERROR_BODY_READ_LIMIT`] for errors), must not follow redirects, and
//! must report a body cut short by the connection as its own error rather than pass the
//! partial bytes here.
//!
//! # Features
//!
//! None: the crate has no optional parts (`default = []`).
//!
//! # Example
//!
//! ```
//! use http::{HeaderMap, HeaderValue, StatusCode, header::CONTENT_TYPE};
//! use livekit_server_twirp::{build_request, decode_response, BaseUrl, TwirpCode};
//!
//! #[derive(Clone, PartialEq, prost::Message)]
//! struct ListRoomsRequest {}
//! #[derive(Clone, PartialEq, prost::Message)]
//! struct ListRoomsResponse {
//!     #[prost(message, repeated, tag = "1")]
//!     rooms: Vec<Room>,
//! }
//! #[derive(Clone, PartialEq, prost::Message)]
//! struct Room {
//!     #[prost(string, tag = "1")]
//!     sid: String,
//! }
//!
//! let base = BaseUrl::parse("wss://my-project.livekit.cloud")?;
//! let request = build_request(&base, "/twirp/livekit.RoomService/ListRooms", &ListRoomsRequest {}, "eyJhbGciOi.e30.c2ln")?;
//! assert_eq!(request.uri(), "https://my-project.livekit.cloud/twirp/livekit.RoomService/ListRooms");
//!
//! // … the transport sends `request` and reads the response …
//! let mut headers = HeaderMap::new();
//! headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
//! let error = decode_response::<ListRoomsResponse>(StatusCode::UNAUTHORIZED, &headers, b"invalid API key")
//!     .unwrap_err();
//! assert_eq!(error.code(), TwirpCode::Unauthenticated);
//! assert!(error.is_from_intermediary());
//! assert_eq!(error.message(), "invalid API key");
//! assert!(!error.is_retryable());
//! # Ok::<(), livekit_server_twirp::TwirpError>(())
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

mod code;
mod details;
mod error;
mod request;
mod response;
mod retry;
mod text;
mod url;

pub use code::TwirpCode;
pub use details::{ErrorDetail, ErrorDetails};
pub use error::{TwirpError, TwirpErrorKind};
pub use request::{SDK_USER_AGENT, build_request, set_request_id, set_timeout};
pub use response::{
    MAX_RETRY_AFTER, decode_response, decode_response_at, expects_message, parse_retry_after,
};
pub use text::{ERROR_BODY_READ_LIMIT, REDACTED_TOKEN, SNIPPET_MAX_BYTES, redact_tokens};
pub use url::BaseUrl;

/// The crate depends on `prost` 0.14 and `http` 1.x for its public types; these re-exports
/// let the transport name the exact versions.
pub use http;
pub use prost;
