//! LiveKit server API client for `livekit.Replay`: LiveKit Cloud room replays.
//!
//! [`ReplayClient`] has one method per RPC of the service, named after the RPC in snake_case and
//! taking the full protocol request message. It must never depend on an async runtime or
//! HTTP stack in its public API: the transport is `livekit-server-http`'s.
//!
//! # Features
//!
//! - `webpki-roots` (default): TLS trusting the Mozilla roots bundled by `webpki-roots`.
//! - `native-roots`: TLS trusting the operating system's roots.

mod generated;

pub use generated::{ReplayClient, rpc};
pub use livekit_server_http::{CallOptions, Client, ClientBuilder, Error};
pub use livekit_server_proto as proto;
