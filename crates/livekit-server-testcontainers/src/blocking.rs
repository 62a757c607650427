//! The same containers for code without an async runtime (the `blocking` feature): handles
//! that wrap testcontainers' synchronous [`Container`].
//!
//! Unlike testcontainers' own synchronous handles, these may also be used, and dropped, on a
//! thread that drives an async runtime (a `#[tokio::test]` calling a synchronous helper, a
//! test that panics with a handle alive): each operation runs on a short-lived thread of its
//! own, outside the runtime, so testcontainers' internal runtime never nests in the caller's.
//!
//! ```no_run
//! use livekit_server_testcontainers::LiveKitServer;
//! use livekit_server_testcontainers::blocking::LiveKitContainer;
//!
//! let lk = LiveKitContainer::start(LiveKitServer::default())?;
//! println!("{}", lk.url());
//! # Ok::<(), livekit_server_testcontainers::Error>(())
//! ```

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use testcontainers::runners::SyncRunner as _;
use testcontainers::{Container, ContainerRequest};

use crate::owned::StartGuard;
use crate::server::start_on_free_ports;
use crate::{Error, ErrorKind, LiveKitServer, Redis};

/// A running LiveKit server, driven synchronously. Dropping it removes the container.
#[derive(Debug)]
pub struct LiveKitContainer {
    /// `Some` until dropped.
    container: Option<Container<LiveKitServer>>,
    url: String,
}

impl LiveKitContainer {
    /// Starts `server` and returns once it has bound its ports.
    ///
    /// # Errors
    ///
    /// As [`LiveKitServer::start`].
    pub fn start(server: LiveKitServer) -> Result<LiveKitContainer, Error> {
        let start =
            async |server: LiveKitServer| LiveKitContainer::start_request(server.into_request());
        complete(start_on_free_ports(
            server,
            start,
            LiveKitServer::on_fresh_ports,
        ))
    }

    /// Starts a request made from [`LiveKitServer::into_request`] (with your own
    /// [`ImageExt`](testcontainers::ImageExt) options) and returns once the server has bound
    /// its ports; on the request's ports only (no new ports when one is taken).
    ///
    /// # Errors
    ///
    /// As [`LiveKitServer::start`].
    pub fn start_request(
        request: ContainerRequest<LiveKitServer>,
    ) -> Result<LiveKitContainer, Error> {
        request.image().check()?;
        let container = start_removing_on_failure(request)
            .map_err(|error| Error::container("cannot start the LiveKit server", error))?;
        LiveKitContainer::from_container(container)
    }

    /// Wraps a container started from [`LiveKitServer::into_request`].
    ///
    /// # Errors
    ///
    /// When the engine does not say which host port the HTTP port is published on.
    pub fn from_container(container: Container<LiveKitServer>) -> Result<LiveKitContainer, Error> {
        let url = match container.image().host_ports() {
            Some(ports) => format!("http://127.0.0.1:{}", ports.http),
            None => {
                let (host, port) = off_runtime(|| {
                    let host = container
                        .get_host()
                        .map_err(|error| Error::container("no host for the container", error))?;
                    let port = container.get_host_port_ipv4(7880).map_err(|error| {
                        Error::container("the HTTP port is not published", error)
                    })?;
                    Ok::<_, Error>((host, port))
                })?;
                format!("http://{host}:{port}")
            }
        };
        Ok(LiveKitContainer {
            container: Some(container),
            url,
        })
    }

    /// The server's HTTP URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The API key the server accepts.
    #[must_use]
    pub fn api_key(&self) -> &str {
        self.inner().image().api_key()
    }

    /// Its secret.
    #[must_use]
    pub fn api_secret(&self) -> &str {
        self.inner().image().api_secret()
    }

    fn inner(&self) -> &Container<LiveKitServer> {
        self.container
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only by drop"))
    }

    /// The testcontainers handle. Its methods block on testcontainers' runtime: call them
    /// outside an async runtime (or use the methods of this handle, which may be called
    /// anywhere).
    #[must_use]
    pub fn container(&self) -> &Container<LiveKitServer> {
        self.inner()
    }

    /// Stops the server: SIGTERM, then SIGKILL after `timeout_seconds` (`Some(0)`: at once, as
    /// a crash). The container stays, to be started again.
    ///
    /// # Errors
    ///
    /// When the engine refuses.
    pub fn stop(&self, timeout_seconds: Option<i32>) -> Result<(), Error> {
        let container = self.inner();
        off_runtime(|| container.stop_with_timeout(timeout_seconds))
            .map_err(|error| Error::container("cannot stop the container", error))
    }

    /// Starts the stopped server again, with the same configuration. On the host network it
    /// listens on the same ports and [`url`](Self::url) still reaches it; on a bridge network
    /// the engine may publish it on other host ports, which `url` does not follow. It returns
    /// once the engine has started the process, not once the server is ready (poll its health
    /// check, `GET /`).
    ///
    /// # Errors
    ///
    /// When the engine refuses.
    pub fn restart(&self) -> Result<(), Error> {
        let container = self.inner();
        off_runtime(|| container.start())
            .map_err(|error| Error::container("cannot start the container", error))
    }

    /// Whether the container is running (a paused one is).
    ///
    /// # Errors
    ///
    /// When the engine cannot be asked.
    pub fn is_running(&self) -> Result<bool, Error> {
        let container = self.inner();
        off_runtime(|| container.is_running())
            .map_err(|error| Error::container("cannot inspect the container", error))
    }

    /// Everything the server wrote to its standard error so far (its log).
    ///
    /// # Errors
    ///
    /// When the engine cannot be asked.
    pub fn logs(&self) -> Result<String, Error> {
        let container = self.inner();
        off_runtime(|| container.stderr_to_vec())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .map_err(|error| Error::container("cannot read the logs", error))
    }

    /// Freezes every process of the container (the cgroup freezer): its sockets stay open
    /// and accept connections, nothing answers. A hung server, for fault tests.
    ///
    /// # Errors
    ///
    /// When the engine refuses.
    pub fn pause(&self) -> Result<(), Error> {
        let container = self.inner();
        off_runtime(|| complete(container.pause()))
            .map_err(|error| Error::container("cannot pause the container", error))
    }

    /// Thaws a paused container.
    ///
    /// # Errors
    ///
    /// When the engine refuses.
    pub fn unpause(&self) -> Result<(), Error> {
        let container = self.inner();
        off_runtime(|| complete(container.unpause()))
            .map_err(|error| Error::container("cannot unpause the container", error))
    }

    /// A blocking `LiveKitApi` for this server.
    ///
    /// # Errors
    ///
    /// When the client cannot be built.
    #[cfg(feature = "sdk")]
    pub fn api(&self) -> Result<livekit_server_sdk::blocking::LiveKitApi, Error> {
        livekit_server_sdk::blocking::LiveKitApi::new(&self.url, self.api_key(), self.api_secret())
            .map_err(|error| {
                Error::new(ErrorKind::Client, "cannot build the client").with_source(error)
            })
    }
}

impl Drop for LiveKitContainer {
    fn drop(&mut self) {
        if let Some(container) = self.container.take() {
            off_runtime(move || drop(container));
        }
    }
}

/// A running Redis, driven synchronously. Dropping it removes the container.
#[derive(Debug)]
pub struct RedisContainer {
    /// `Some` until dropped.
    container: Option<Container<Redis>>,
    address: String,
}

impl RedisContainer {
    /// Starts `redis` and returns once it accepts connections. Only the host network is
    /// supported here (the address is `127.0.0.1:port`).
    ///
    /// # Errors
    ///
    /// As [`Redis::start`], and [`ErrorKind::Config`] when `redis` is not on the host network.
    pub fn start(redis: Redis) -> Result<RedisContainer, Error> {
        let start = async |redis: Redis| RedisContainer::start_request(redis.into_request());
        complete(start_on_free_ports(redis, start, Redis::on_fresh_port))
    }

    /// Starts a request made from [`Redis::into_request`] (on the host network).
    ///
    /// # Errors
    ///
    /// As [`RedisContainer::start`].
    pub fn start_request(request: ContainerRequest<Redis>) -> Result<RedisContainer, Error> {
        if request.image().host_port().is_none() {
            return Err(host_network_only());
        }
        let container = start_removing_on_failure(request)
            .map_err(|error| Error::container("cannot start Redis", error))?;
        RedisContainer::from_container(container)
    }

    /// Wraps a container started from [`Redis::into_request`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] when it is not on the host network.
    pub fn from_container(container: Container<Redis>) -> Result<RedisContainer, Error> {
        let port = container
            .image()
            .host_port()
            .ok_or_else(host_network_only)?;
        Ok(RedisContainer {
            container: Some(container),
            address: format!("127.0.0.1:{port}"),
        })
    }

    /// `127.0.0.1:port`, for this process and for containers on the host network.
    #[must_use]
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The testcontainers handle (its methods block: call them outside an async runtime).
    #[must_use]
    pub fn container(&self) -> &Container<Redis> {
        self.container
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only by drop"))
    }

    /// Whether the container is running.
    ///
    /// # Errors
    ///
    /// When the engine cannot be asked.
    pub fn is_running(&self) -> Result<bool, Error> {
        let container = self.container();
        off_runtime(|| container.is_running())
            .map_err(|error| Error::container("cannot inspect the container", error))
    }
}

impl Drop for RedisContainer {
    fn drop(&mut self) {
        if let Some(container) = self.container.take() {
            off_runtime(move || drop(container));
        }
    }
}

/// Starts `request` (off any runtime); when the start fails, removes what it created.
fn start_removing_on_failure<I: testcontainers::Image>(
    request: ContainerRequest<I>,
) -> testcontainers::core::error::Result<Container<I>> {
    let guard = StartGuard::new(None);
    let request = guard.label(request);
    let started = off_runtime(move || request.start());
    match started {
        Ok(_) => guard.disarm(),
        Err(_) => guard.failed_blocking(),
    }
    started
}

/// Runs `operation` on a thread of its own, where no async runtime is entered, and waits for
/// it (a panic in it is resumed here).
fn off_runtime<T: Send>(operation: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        scope
            .spawn(operation)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn host_network_only() -> Error {
    Error::new(
        ErrorKind::Config,
        "the blocking Redis runs on the host network only (Redis::with_host_network)",
    )
}

/// Runs a future that blocks inside instead of awaiting: testcontainers' synchronous operations
/// declared `async` (pause and unpause), or [`start_on_free_ports`] over blocking starts. The
/// first poll completes them.
fn complete<T>(operation: impl Future<Output = T>) -> T {
    let mut operation = pin!(operation);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = operation.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::yield_now();
    }
}
