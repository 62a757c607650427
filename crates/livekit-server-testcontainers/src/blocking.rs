//! The same containers for code without an async runtime (the `blocking` feature): handles
//! that wrap testcontainers' synchronous [`Container`].
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

use testcontainers::Container;
use testcontainers::runners::SyncRunner as _;

use crate::{Error, ErrorKind, LiveKitServer, Redis};

/// A running LiveKit server, driven synchronously. Dropping it removes the container.
#[derive(Debug)]
pub struct LiveKitContainer {
    container: Container<LiveKitServer>,
    url: String,
}

impl LiveKitContainer {
    /// Starts `server` and returns once it has bound its ports.
    ///
    /// # Errors
    ///
    /// As [`LiveKitServer::start`].
    pub fn start(server: LiveKitServer) -> Result<LiveKitContainer, Error> {
        let container = server
            .into_request()
            .start()
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
                let host = container
                    .get_host()
                    .map_err(|error| Error::container("no host for the container", error))?;
                let port = container
                    .get_host_port_ipv4(7880)
                    .map_err(|error| Error::container("the HTTP port is not published", error))?;
                format!("http://{host}:{port}")
            }
        };
        Ok(LiveKitContainer { container, url })
    }

    /// The server's HTTP URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The API key the server accepts.
    #[must_use]
    pub fn api_key(&self) -> &str {
        self.container.image().api_key()
    }

    /// Its secret.
    #[must_use]
    pub fn api_secret(&self) -> &str {
        self.container.image().api_secret()
    }

    /// The testcontainers handle (stop, start, logs, ...).
    #[must_use]
    pub fn container(&self) -> &Container<LiveKitServer> {
        &self.container
    }

    /// Freezes every process of the container (the cgroup freezer): its sockets stay open
    /// and accept connections, nothing answers. A hung server, for fault tests.
    ///
    /// # Errors
    ///
    /// When the engine refuses.
    pub fn pause(&self) -> Result<(), Error> {
        complete(self.container.pause())
            .map_err(|error| Error::container("cannot pause the container", error))
    }

    /// Thaws a paused container.
    ///
    /// # Errors
    ///
    /// When the engine refuses.
    pub fn unpause(&self) -> Result<(), Error> {
        complete(self.container.unpause())
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

/// A running Redis, driven synchronously. Dropping it removes the container.
#[derive(Debug)]
pub struct RedisContainer {
    container: Container<Redis>,
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
        let Some(port) = redis.host_port() else {
            return Err(Error::new(
                ErrorKind::Config,
                "the blocking Redis runs on the host network only (Redis::with_host_network)",
            ));
        };
        let container = redis
            .into_request()
            .start()
            .map_err(|error| Error::container("cannot start Redis", error))?;
        Ok(RedisContainer {
            container,
            address: format!("127.0.0.1:{port}"),
        })
    }

    /// `127.0.0.1:port`, for this process and for containers on the host network.
    #[must_use]
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The testcontainers handle.
    #[must_use]
    pub fn container(&self) -> &Container<Redis> {
        &self.container
    }
}

/// Runs one of testcontainers' synchronous operations that are declared `async` although
/// they block inside (pause and unpause): the first poll completes them.
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
