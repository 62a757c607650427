//! A LiveKit server in a container for your integration tests: a [`testcontainers`] module.
//!
//! ```no_run
//! # async fn demo() -> Result<(), livekit_server_testcontainers::Error> {
//! use livekit_server_testcontainers::LiveKitServer;
//!
//! let lk = LiveKitServer::default().start().await?;
//! println!("{} {} {}", lk.url(), lk.api_key(), lk.api_secret());
//! // The container is removed when `lk` is dropped (also when the test panics).
//! # Ok(()) }
//! ```
//!
//! [`LiveKitServer`] is the image and its configuration: the official
//! `livekit/livekit-server` image at [`LIVEKIT_SERVER_VERSION`] (the server release this SDK's
//! protocol is pinned to), the development key pair [`DEV_API_KEY`]/[`DEV_API_SECRET`], a
//! single node keeping its state in memory. Builder methods change the image (a mirror, or a
//! locally built one), the keys, the webhook URLs, add a Redis (for a [`Redis`] container, or
//! any address), extra configuration YAML, and put the server on the host's network (needed
//! for media: WebRTC clients must reach the RTC ports the server announces).
//! [`LiveKitServer::start`] returns once the server has bound its ports; the resulting
//! [`LiveKitContainer`] gives the URL and credentials, and, with the `sdk` feature, a ready
//! `LiveKitApi`.
//!
//! Options that cannot work are refused before anything starts ([`ErrorKind::Config`]). A
//! start that does not complete (it failed, or its future was dropped) removes the container
//! it made. A server that exits before it is ready fails the start with the last lines it
//! wrote that say why; each [`ErrorKind`] says what to do (skip a test on
//! [`ErrorKind::Engine`], say).
//!
//! The configuration reaches the server through its `LIVEKIT_CONFIG` variable, so any image
//! whose entry point is the `livekit-server` binary works.
//!
//! It never depends on an HTTP stack of its own: the Docker engine is driven by
//! `testcontainers` (bollard, over the engine's socket).
//!
//! # Leftovers
//!
//! A handle that is never dropped leaves its container: one kept in a `static` (Rust drops no
//! `static`), one of a process that was killed. Every container carries [`PROCESS_LABEL`],
//! naming the process, so that those of processes that are gone can be removed without
//! touching those of runs still going (the crate's README has the command). Names are global
//! to the engine: a network or container name used by two processes at once collides (a
//! network name is then ambiguous), so make names unique per process.
//!
//! # Features
//!
//! - `sdk`: `LiveKitContainer::api`, a `livekit_server_sdk::LiveKitApi` for the server.
//! - `blocking`: the `blocking` module, for tests without an async runtime.
//! - `watchdog`: containers are also removed when the process gets SIGINT/SIGTERM/SIGQUIT
//!   (testcontainers' watchdog; its thread panics when a container it knows of was already
//!   removed, by `docker rm` or by the clean-up of a start that did not complete, and then
//!   those signals no longer end the process).
//! - `docker-tls`: reach a Docker engine over TLS (`DOCKER_HOST=tcp://…`, `DOCKER_TLS_VERIFY`).
//!
//! None is on by default.

mod config;
mod error;
mod owned;
mod redis;
mod server;

#[cfg(feature = "blocking")]
pub mod blocking;

pub use error::{Error, ErrorKind};
pub use owned::process_label_value;
pub use redis::{Redis, RedisContainer};
pub use server::{LiveKitContainer, LiveKitServer, Ports};
pub use testcontainers;

/// The LiveKit server release the default image is tagged with: the release this SDK's
/// protocol version is checked against.
pub const LIVEKIT_SERVER_VERSION: &str = "v1.13.5";

/// The default image name of the server.
pub const LIVEKIT_SERVER_IMAGE: &str = "livekit/livekit-server";

/// The API key of the server's development mode (`livekit-server --dev`), the default.
pub const DEV_API_KEY: &str = "devkey";

/// The secret of [`DEV_API_KEY`].
pub const DEV_API_SECRET: &str = "secret";

/// The default Redis image name.
pub const REDIS_IMAGE: &str = "redis";

/// The default Redis image tag.
pub const REDIS_TAG: &str = "7.0";

/// The label every container started by this crate carries (its value: the crate version).
pub const LABEL: &str = "io.github.livekit-server-rs.testcontainers";

/// The label naming the process that started a container, so that the leftovers of a process
/// that is gone (killed before it could drop its handles) can be removed without touching
/// those of processes still running. Its value is [`process_label_value`]: `<pid>-<start>`
/// on Linux, where `<start>` is the process's start time (field 22 of `/proc/<pid>/stat`), so
/// that a reused pid does not pass for the process; the pid alone elsewhere.
pub const PROCESS_LABEL: &str = "io.github.livekit-server-rs.testcontainers.process";
