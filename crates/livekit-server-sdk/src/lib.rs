//! The LiveKit server SDK for Rust: access tokens, webhooks and every server API, for typical
//! backends.
//!
//! This facade re-exports the workspace's crates as modules, one feature each, and adds
//! [`LiveKitApi`], every service client sharing one connection pool. It holds no other logic:
//! everything lives in the crates it re-exports. It never depends on a second HTTP stack.
//!
//! # Features
//!
//! On by default: `auth`, `webhook`, every service and `webpki-roots`; take only what you
//! need:
//!
//! | feature | module | crate |
//! |---|---|---|
//! | `proto` | [`proto`] | `livekit-server-proto`: the protocol types (enabled by `room-config`, `webhook`, `api` and every service) |
//! | `auth` | [`auth`] | `livekit-server-auth`: mint and verify access tokens (pure, synchronous) |
//! | `room-config` | | `roomConfig` in tokens (pulls the protocol types into `auth`) |
//! | `webhook` | [`webhook`] | `livekit-server-webhook`: verify, decode and sign webhooks |
//! | `api` | [`http`], [`LiveKitApi`] | `livekit-server-http`: the transport (hyper + rustls) |
//! | `webpki-roots` (default) | | TLS trusting the Mozilla roots bundled by `webpki-roots` |
//! | `native-roots` | | TLS trusting the operating system's roots |
//! | `room` | [`room`] | `livekit-server-room` |
//! | `egress` | [`egress`] | `livekit-server-egress` |
//! | `ingress` | [`ingress`] | `livekit-server-ingress` |
//! | `sip` | [`sip`] | `livekit-server-sip` |
//! | `agent-dispatch` | [`agent_dispatch`] | `livekit-server-agent-dispatch` |
//! | `connector` | [`connector`] | `livekit-server-connector` |
//! | `phone-number` | [`phone_number`] | `livekit-server-phone-number` |
//! | `cloud-agent` | [`cloud_agent`] | `livekit-server-cloud-agent` |
//! | `agent-simulation` | [`agent_simulation`] | `livekit-server-agent-simulation` |
//! | `replay` | [`replay`] | `livekit-server-replay` |
//! | `blocking` | [`blocking`] | every service client, blocking (for code without a runtime) |
//! | `axum` | [`webhook`] | `webhook::Webhook` is an axum extractor (`examples/axum_backend.rs`) |
//! | `test-util` | [`test_util`] | `livekit-server-test-util`: a fake and a recording transport for your own tests |
//!
//! A token-only build has no runtime, no HTTP stack and no protocol types:
//!
//! ```toml
//! livekit-server-sdk = { version = "0.1", default-features = false, features = ["auth"] }
//! ```
//!
//! # Example
//!
//! ```no_run
//! # #[cfg(all(feature = "auth", feature = "room"))]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use livekit_server_sdk::auth::{AccessToken, VideoGrants};
//! use livekit_server_sdk::{LiveKitApi, proto};
//!
//! // A token for a front-end.
//! let token = AccessToken::new("devkey", "secret")?
//!     .with_identity("alice")
//!     .with_grants(VideoGrants { room_join: true, room: "demo".into(), ..Default::default() })
//!     .to_jwt()?;
//!
//! // The server APIs (LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET).
//! let api = LiveKitApi::from_env()?;
//! api.room().create_room("demo").await?;
//! let participants = api.room().list_participants("demo").await?.participants;
//! for p in &participants {
//!     for track in &p.tracks {
//!         let mute = proto::MuteRoomTrackRequest::new("demo", &p.identity, &track.sid, true);
//!         api.room().mute_published_track(mute).await?;
//!     }
//! }
//! # let _ = token;
//! # Ok(())
//! # }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
// The feature table above links each module, which exists only with its feature: a build
// without all of them would report those links as broken (CI documents with all features,
// where every link must resolve).
#![cfg_attr(
    not(all(
        feature = "proto",
        feature = "auth",
        feature = "webhook",
        feature = "api",
        feature = "room",
        feature = "egress",
        feature = "ingress",
        feature = "sip",
        feature = "agent-dispatch",
        feature = "connector",
        feature = "phone-number",
        feature = "cloud-agent",
        feature = "agent-simulation",
        feature = "replay",
        feature = "blocking",
    )),
    allow(rustdoc::broken_intra_doc_links)
)]

#[cfg(feature = "proto")]
pub use livekit_server_proto as proto;

#[cfg(feature = "auth")]
pub use livekit_server_auth as auth;
#[cfg(feature = "api")]
pub use livekit_server_http as http;
#[cfg(feature = "test-util")]
pub use livekit_server_test_util as test_util;
#[cfg(feature = "webhook")]
pub use livekit_server_webhook as webhook;

#[cfg(feature = "agent-dispatch")]
pub use livekit_server_agent_dispatch as agent_dispatch;
#[cfg(feature = "agent-simulation")]
pub use livekit_server_agent_simulation as agent_simulation;
#[cfg(feature = "cloud-agent")]
pub use livekit_server_cloud_agent as cloud_agent;
#[cfg(feature = "connector")]
pub use livekit_server_connector as connector;
#[cfg(feature = "egress")]
pub use livekit_server_egress as egress;
#[cfg(feature = "ingress")]
pub use livekit_server_ingress as ingress;
#[cfg(feature = "phone-number")]
pub use livekit_server_phone_number as phone_number;
#[cfg(feature = "replay")]
pub use livekit_server_replay as replay;
#[cfg(feature = "room")]
pub use livekit_server_room as room;
#[cfg(feature = "sip")]
pub use livekit_server_sip as sip;

#[cfg(feature = "api")]
mod api;
#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(feature = "api")]
pub use api::{EnvError, LiveKitApi};
