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
//! The configuration reaches the server through its `LIVEKIT_CONFIG` variable, so any image
//! whose entry point is the `livekit-server` binary works.
//!
//! It never depends on an HTTP stack of its own: the Docker engine is driven by
//! `testcontainers` (bollard, over the engine's socket).
//!
//! # Features
//!
//! - `sdk`: `LiveKitContainer::api`, a `livekit_server_sdk::LiveKitApi` for the server.
//! - `blocking`: the `blocking` module, for tests without an async runtime.
//! - `watchdog`: containers are also removed when the process gets SIGINT/SIGTERM/SIGQUIT.
//! - `docker-tls`: reach a Docker engine over TLS (`DOCKER_HOST=tcp://…`, `DOCKER_TLS_VERIFY`).
//!
//! None is on by default.

mod config;
mod owned;
mod redis;
mod server;

#[cfg(feature = "blocking")]
pub mod blocking;

use std::fmt;

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

/// The label every container started by this crate carries (its value: the crate version), so
/// that leftovers of a killed test process can be found and removed.
pub const LABEL: &str = "io.github.livekit-server-rs.testcontainers";

/// Why a container could not be started or used.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What went wrong, for [`Error::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The options are inconsistent (say, a Redis on another network than the server).
    Config,
    /// No free local port could be found for the host network.
    Ports,
    /// The Docker engine refused or failed (not reachable, image missing, container exited
    /// before it was ready, ...).
    Container,
    /// The SDK client could not be built (`sdk` feature).
    Client,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    /// An error of testcontainers, with a hint that fits it: a container that started and was
    /// not ready (the server refused its configuration, or exited: its output is in the
    /// source), or anything else (the engine or the image).
    pub(crate) fn container(what: &str, source: testcontainers::TestcontainersError) -> Error {
        let hint = match source {
            testcontainers::TestcontainersError::WaitContainer(_) => {
                "the container started but did not become ready: it exited or never logged its \
                 ready line (a configuration it refused, a port in use; its output follows)"
            }
            _ => {
                "is a Docker engine running and reachable through DOCKER_HOST or \
                 /var/run/docker.sock, and is the image there or pullable?"
            }
        };
        Error::new(ErrorKind::Container, format!("{what} ({hint})")).with_source(source)
    }

    /// What went wrong.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}
