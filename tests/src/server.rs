//! [`PrivateServer`]: a second LiveKit server, in a container owned by one test, which may
//! kill, restart, pause and resume it without disturbing the shared server the other tests use.

use std::thread;
use std::time::{Duration, Instant};

use livekit_server_testcontainers::blocking::LiveKitContainer;
use livekit_server_testcontainers::testcontainers::ImageExt as _;
use livekit_server_testcontainers::{LiveKitServer, Ports};

use crate::{RUN_WITH, TestEnv, http_get, unique_name};

/// How long a (re)started server gets to answer its health check.
const READY: Duration = Duration::from_secs(30);

/// The label `cargo xtask integration` removes leftovers by (its value: the xtask's pid, from
/// `LIVEKIT_TEST_RUN`).
const RUN_LABEL: &str = "io.github.livekit-server-rs.run";

/// A LiveKit server of the pinned version in a container of its own
/// (`livekit-server-testcontainers`, the image `cargo xtask setup` builds) on the host
/// network, on its own loopback ports, with its own API key, no Redis (a single node keeping
/// its state in memory; see [`start_in_cluster`](PrivateServer::start_in_cluster) for nodes
/// sharing one) and no webhooks: nothing it does reaches the shared environment.
///
/// [`stop`](PrivateServer::stop) kills it (SIGKILL, as a crash would) and
/// [`start`](PrivateServer::start) starts the same container again, on the same port;
/// [`pause`](PrivateServer::pause) freezes it (a hung server: connections are accepted,
/// nothing answers) and [`resume`](PrivateServer::resume) thaws it. The container is removed
/// when this is dropped (a failing test included); if the test process dies first, `cargo
/// xtask integration` removes it by its run label.
pub struct PrivateServer {
    container: LiveKitContainer,
    port: u16,
    /// The API key the server accepts.
    pub api_key: String,
    /// Its secret.
    pub api_secret: String,
    running: bool,
}

/// Everything but the secret.
impl std::fmt::Debug for PrivateServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateServer")
            .field("container", &self.container)
            .field("port", &self.port)
            .field("api_key", &self.api_key)
            .field("running", &self.running)
            .finish_non_exhaustive()
    }
}

impl PrivateServer {
    /// Starts the server; returns once it answers `GET /`.
    ///
    /// # Panics
    ///
    /// When no port is free, the Docker engine or the image is missing (run the tests with
    /// `cargo xtask integration`, after `cargo xtask setup`), or the server does not become
    /// ready (the message has the error).
    #[must_use]
    pub fn start_new(env: &TestEnv) -> PrivateServer {
        let secret = format!("private-secret-{}-0123456789abcdef", unique_name("p"));
        Self::configure(env, LiveKitServer::default(), secret)
    }

    /// Like [`start_new`](Self::start_new), but a node of a cluster: it keeps its state in
    /// database `db` of the environment's Redis (not the shared server's database 0) and
    /// signs with `api_secret`, so that servers started with the same `db` and secret act as
    /// one deployment (two "regions" of one project).
    ///
    /// # Panics
    ///
    /// As [`start_new`](Self::start_new).
    #[must_use]
    pub fn start_in_cluster(env: &TestEnv, db: u8, api_secret: &str) -> PrivateServer {
        let server = LiveKitServer::default()
            .with_redis_address(&env.redis)
            .with_redis_db(db);
        Self::configure(env, server, api_secret.to_owned())
    }

    fn configure(env: &TestEnv, server: LiveKitServer, api_secret: String) -> PrivateServer {
        let api_key = "APIprivate".to_owned();
        let ports = Ports::free().unwrap_or_else(|error| panic!("no free ports: {error}"));
        let run = std::env::var("LIVEKIT_TEST_RUN").unwrap_or_default();
        let container = server
            .with_keys(&api_key, &api_secret)
            .with_host_network(ports)
            .into_request()
            .with_label(RUN_LABEL, run);
        let container = LiveKitContainer::start_request(container)
            .map_err(|error| match std::error::Error::source(&error) {
                Some(source) => format!("{error}: {source}"),
                None => error.to_string(),
            })
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start a private LiveKit server container: {error}.\n\
                     It needs the Docker engine and the image that `cargo xtask setup` builds; \
                     run the tests with `{RUN_WITH}`. (Shared server: {})",
                    env.url
                )
            });
        let server = PrivateServer {
            container,
            port: ports.http,
            api_key,
            api_secret,
            running: true,
        };
        server.wait_ready();
        server
    }

    /// `http://127.0.0.1:<port>`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The HTTP port (the same across restarts).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the container is running (a paused one is).
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.container.is_running().unwrap_or(false)
    }

    /// Starts the stopped server again and waits until it answers its health check.
    ///
    /// # Panics
    ///
    /// When it is already running, cannot be started, or is not ready within 30 s.
    pub fn start(&mut self) {
        assert!(!self.running, "the private server is already running");
        self.container
            .restart()
            .unwrap_or_else(|error| panic!("cannot restart the private server: {error}"));
        self.running = true;
        self.wait_ready();
    }

    /// Kills the server (SIGKILL, as a crash) and returns once the container has stopped (its
    /// port then refuses connections).
    ///
    /// # Panics
    ///
    /// When it is not running, or the engine refuses.
    pub fn stop(&mut self) {
        assert!(self.running, "the private server is not running");
        self.container
            .stop(Some(0))
            .unwrap_or_else(|error| panic!("cannot kill the private server: {error}"));
        self.running = false;
    }

    /// Freezes every process of the server (a hung server: the kernel still accepts
    /// connections, nothing reads or answers them).
    ///
    /// # Panics
    ///
    /// When the engine refuses.
    pub fn pause(&self) {
        self.container
            .pause()
            .unwrap_or_else(|error| panic!("cannot pause the private server: {error}"));
    }

    /// Thaws a paused server and waits until it answers its health check.
    ///
    /// # Panics
    ///
    /// When the engine refuses, or it does not answer within 30 s.
    pub fn resume(&self) {
        self.container
            .unpause()
            .unwrap_or_else(|error| panic!("cannot resume the private server: {error}"));
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + READY;
        loop {
            if http_get(&format!("{}/", self.url())).is_ok_and(|r| r.status == 200) {
                return;
            }
            if Instant::now() >= deadline {
                let logs = self.container.logs().unwrap_or_default();
                panic!("the private LiveKit server was not ready within {READY:?}:\n{logs}");
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}
