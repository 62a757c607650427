//! [`Redis`]: a Redis for a [`LiveKitServer`](crate::LiveKitServer) to keep its state in.

use std::borrow::Cow;

use testcontainers::core::{ContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner as _;
use testcontainers::{ContainerAsync, ContainerRequest, Image, ImageExt as _};

use crate::owned::{self, Owned, StartGuard};
use crate::server::{picked, start_on_free_ports};
use crate::{Error, ErrorKind, REDIS_IMAGE, REDIS_TAG};

const PORT: u16 = 6379;

/// A Redis image ([`REDIS_IMAGE`]:[`REDIS_TAG`] by default), without persistence, with 256
/// databases (one for every [`LiveKitServer::with_redis_db`](crate::LiveKitServer::with_redis_db)).
#[derive(Debug, Clone)]
pub struct Redis {
    image: String,
    tag: String,
    host_port: Option<u16>,
    network: Option<String>,
    name: Option<String>,
    cmd: Vec<String>,
}

impl Default for Redis {
    fn default() -> Redis {
        Redis {
            image: REDIS_IMAGE.to_owned(),
            tag: REDIS_TAG.to_owned(),
            host_port: None,
            network: None,
            name: None,
            cmd: Vec::new(),
        }
        .rendered()
    }
}

impl Redis {
    fn rendered(mut self) -> Redis {
        let (port, bind) = match self.host_port {
            Some(port) => (port, "127.0.0.1"),
            None => (PORT, "0.0.0.0"),
        };
        self.cmd = [
            "redis-server",
            "--port",
            &port.to_string(),
            "--bind",
            bind,
            "--protected-mode",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
            "--databases",
            "256",
        ]
        .map(str::to_owned)
        .to_vec();
        self
    }

    /// Another image or tag (its `redis-server` must be on `PATH`).
    #[must_use]
    pub fn with_image(mut self, name: impl Into<String>, tag: impl Into<String>) -> Self {
        self.image = name.into();
        self.tag = tag.into();
        self
    }

    /// On the host's network, listening on `127.0.0.1:port`.
    #[must_use]
    pub fn with_host_network(mut self, port: u16) -> Self {
        self.host_port = Some(port);
        self.network = None;
        self.rendered()
    }

    /// On the host's network, on a port that is free now (chosen as
    /// [`Ports::free`](crate::Ports::free) chooses them). When another process takes it before
    /// Redis binds it, [`start`](Self::start) starts again on another free port (up to 3
    /// times): read the address from the running Redis.
    ///
    /// # Errors
    ///
    /// When no port can be bound.
    pub fn with_host_network_on_a_free_port(self) -> Result<Self, Error> {
        let port = crate::server::free_port(&mut Vec::new())?;
        Ok(self.with_host_network(port))
    }

    /// On a user-defined Docker network, under the container name `name`: a
    /// [`LiveKitServer::with_redis`](crate::LiveKitServer::with_redis) joins that network and
    /// reaches it as `name:6379`. Both names are global to the engine: make them unique to the
    /// process (see [`LiveKitServer::with_network`](crate::LiveKitServer::with_network)).
    #[must_use]
    pub fn with_network(mut self, network: impl Into<String>, name: impl Into<String>) -> Self {
        self.network = Some(network.into());
        self.name = Some(name.into());
        self.host_port = None;
        self.rendered()
    }

    /// The host port, when on the host network.
    #[must_use]
    pub fn host_port(&self) -> Option<u16> {
        self.host_port
    }

    /// The container request (with the network, the name, the [`LABEL`](crate::LABEL) and
    /// [`PROCESS_LABEL`](crate::PROCESS_LABEL)), to start with [`RedisContainer::start_request`].
    pub fn into_request(self) -> ContainerRequest<Redis> {
        let network = match (self.host_port, &self.network) {
            (Some(_), _) => Some("host".to_owned()),
            (None, network) => network.clone(),
        };
        let name = self.name.clone();
        let mut request = owned::labelled(self);
        if let Some(network) = network {
            request = request.with_network(network);
        }
        if let Some(name) = name {
            request = request.with_container_name(name);
        }
        request
    }

    /// Starts Redis and returns once it accepts connections; a start that does not complete
    /// removes its container, as [`LiveKitServer::start`](crate::LiveKitServer::start) does.
    ///
    /// # Errors
    ///
    /// As [`LiveKitServer::start`](crate::LiveKitServer::start).
    pub async fn start(self) -> Result<RedisContainer, Error> {
        let start = async |redis: Redis| RedisContainer::start_request(redis.into_request()).await;
        start_on_free_ports(self, start, Redis::on_fresh_port).await
    }

    /// After a start that found its port taken: this Redis on another free port, when its
    /// port was picked free.
    pub(crate) fn on_fresh_port(&self, error: &Error) -> Option<Redis> {
        if error.kind() != ErrorKind::Ports || !self.host_port.is_some_and(picked) {
            return None;
        }
        self.clone().with_host_network_on_a_free_port().ok()
    }
}

impl Image for Redis {
    fn name(&self) -> &str {
        &self.image
    }

    fn tag(&self) -> &str {
        &self.tag
    }

    fn ready_conditions(&self) -> Vec<WaitFor> {
        vec![WaitFor::message_on_stdout("Ready to accept connections")]
    }

    fn cmd(&self) -> impl IntoIterator<Item = impl Into<Cow<'_, str>>> {
        self.cmd.iter().map(String::as_str)
    }

    fn expose_ports(&self) -> &[ContainerPort] {
        if self.host_port.is_some() {
            &[]
        } else {
            &[ContainerPort::Tcp(PORT)]
        }
    }
}

/// A running Redis. Dropping it removes the container.
#[derive(Debug)]
pub struct RedisContainer {
    container: Owned<Redis>,
    address: String,
}

impl RedisContainer {
    /// Starts a request made from [`Redis::into_request`] as [`Redis::start`] does, but on the
    /// request's port only.
    ///
    /// # Errors
    ///
    /// As [`Redis::start`].
    pub async fn start_request(request: ContainerRequest<Redis>) -> Result<RedisContainer, Error> {
        let guard = StartGuard::connect("cannot start Redis").await?;
        match guard.label(request).start().await {
            Ok(container) => {
                guard.disarm();
                RedisContainer::from_container(container).await
            }
            Err(error) => {
                guard.failed().await;
                Err(Error::container("cannot start Redis", error))
            }
        }
    }

    /// Wraps a container started from [`Redis::into_request`].
    ///
    /// # Errors
    ///
    /// When the engine does not say where the port is published.
    pub async fn from_container(container: ContainerAsync<Redis>) -> Result<RedisContainer, Error> {
        let address = match container.image().host_port {
            Some(port) => format!("127.0.0.1:{port}"),
            None => {
                let host = container
                    .get_host()
                    .await
                    .map_err(|error| Error::container("no host for the container", error))?;
                let port = container
                    .get_host_port_ipv4(PORT)
                    .await
                    .map_err(|error| Error::container("the Redis port is not published", error))?;
                format!("{host}:{port}")
            }
        };
        Ok(RedisContainer {
            container: Owned::new(container),
            address,
        })
    }

    /// `host:port` for this process.
    #[must_use]
    pub fn address(&self) -> &str {
        &self.address
    }

    /// `host:port` for a container: on the host network, the address on the host; on a
    /// user-defined network, the container's name there; otherwise (published on a host
    /// port) `host.docker.internal:<port>`, which [`LiveKitServer`](crate::LiveKitServer) maps
    /// to the engine's host.
    #[must_use]
    pub fn address_for_containers(&self) -> String {
        let image = self.container.get().image();
        match (&image.name, image.host_port) {
            (_, Some(_)) => self.address.clone(),
            (Some(name), None) => format!("{name}:{PORT}"),
            (None, None) => {
                let port = self.address.rsplit_once(':').map_or("", |(_, port)| port);
                format!("host.docker.internal:{port}")
            }
        }
    }

    /// The user-defined network it is on.
    #[must_use]
    pub fn network(&self) -> Option<&str> {
        self.container.get().image().network.as_deref()
    }

    /// The testcontainers handle.
    #[must_use]
    pub fn container(&self) -> &ContainerAsync<Redis> {
        self.container.get()
    }
}
