//! The application server of the LiveKit tutorials, in Rust: `POST /token` mints an access
//! token for a front-end, `POST /livekit/token` is LiveKit's standard token endpoint (the
//! client SDKs' `TokenSource.endpoint`), `POST /livekit/webhook` verifies and logs the
//! server's webhooks.
//!
//! It is a drop-in for the application servers of the LiveKit and OpenVidu tutorials: their
//! front-ends send `{"roomName", "participantName"}` and read `{"token"}` (or
//! `{"errorMessage"}`), cross-origin, and need no change. Run it with
//! `cargo run -p livekit-app-server`; the defaults work with `livekit-server --dev`.
//! `docs/app-server.md` describes the routes, the configuration and the logs.
//!
//! The library part exists so that everything is testable without the binary:
//!
//! - [`Config`] reads the settings from a map of variables ([`Config::from_vars`]), or from
//!   the environment and `.env` ([`Config::load`]);
//! - [`App::handle`] answers one `http::Request` whose body was read whole, with no socket;
//! - [`bind`] opens the listeners of an address (both IPv6 and IPv4 for the default `::`),
//!   [`serve`] / [`serve_listeners`] run the server on them until a shutdown future completes.
//!
//! This crate is the top of the stack: it uses the token and webhook crates and one HTTP
//! stack (hyper) and must never pull in a second one (reqwest, …), nor be a dependency of a
//! library crate of the workspace.
//!
//! # Features
//!
//! This crate has no optional features.
//!
//! # Example
//!
//! ```
//! use bytes::Bytes;
//! use http::{Request, StatusCode};
//! use livekit_app_server::{App, Config};
//!
//! let app = App::new(&Config::default())?; // devkey / secret, tokens valid 6 h
//! let request = Request::post("/token")
//!     .header("Content-Type", "application/json")
//!     .body(Bytes::from_static(br#"{"roomName":"demo","participantName":"Ana"}"#))?;
//! let response = app.handle(request);
//! assert_eq!(response.status(), StatusCode::OK);
//! assert_eq!(response.headers()["access-control-allow-origin"], "*");
//! let body: serde_json::Value = serde_json::from_slice(response.body())?;
//! assert!(body["token"].as_str().is_some_and(|token| token.split('.').count() == 3));
//!
//! let request = Request::post("/token")
//!     .header("Content-Type", "application/json")
//!     .body(Bytes::from_static(br#"{"roomName":"demo"}"#))?;
//! let response = app.handle(request);
//! assert_eq!(response.status(), StatusCode::BAD_REQUEST);
//! assert_eq!(response.body().as_ref(), br#"{"errorMessage":"participantName is required"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod app;
mod config;
mod cors;
mod logging;
mod server;
mod standard;
#[cfg(test)]
mod test_support;

pub use app::{
    App, BodyError, HEALTH_PATH, TOKEN_BODY_LIMIT, TOKEN_PATH, WEBHOOK_BODY_LIMIT, WEBHOOK_PATH,
};
pub use config::{
    Config, ConfigError, DEFAULT_LOG_FILTER, DEFAULT_PORT, DEFAULT_SHUTDOWN_GRACE,
    DEFAULT_TOKEN_TTL, DEV_API_KEY, LogFormat,
};
pub use cors::AllowedOrigins;
pub use logging::{LOG_BUFFER_BYTES, LOG_BUFFER_LINES, LogGuard, init_logging};
pub use server::{ServeError, bind, serve, serve_app, serve_listeners, shutdown_signal};
pub use standard::{
    AuthRefusal, BearerSecret, DEFAULT_LIVEKIT_URL, LivekitUrl, Member, STANDARD_TOKEN_PATH,
    TokenPolicy,
};

/// The verified webhook handed to [`App::on_webhook`], and its event kind.
pub use livekit_server_webhook::{EventKind, Webhook};
