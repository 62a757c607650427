//! [`Redis`]: a Redis for a [`LiveKitServer`](crate::LiveKitServer) to keep its state in.

use std::borrow::Cow;

use testcontainers::core::{ContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner as _;
use testcontainers::{ContainerAsync, ContainerRequest, Image, ImageExt as _};

use crate::owned::Owned;
use crate::{Error, LABEL, REDIS_IMAGE, REDIS_TAG};

const PORT: u16 = 6379;

/// A Redis image ([`REDIS_IMAGE`]:[`REDIS_TAG`] by default), without persistence.
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
    /// [`Ports::free`](crate::Ports::free) chooses them).
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub fn with_host_network_on_a_free_port(self) -> Result<Self, Error> {
        let port = crate::server::free_port(&mut Vec::new())?;
        Ok(self.with_host_network(port))
    }

    /// On a user-defined Docker network, under the container name `name`: a
    /// [`LiveKitServer::with_redis`](crate::LiveKitServer::with_redis) joins that network and
    /// reaches it as `name:6379`.
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

    /// The container request (with the network, the name and the [`LABEL`]).
    pub fn into_request(self) -> ContainerRequest<Redis> {
        let network = match (self.host_port, &self.network) {
            (Some(_), _) => Some("host".to_owned()),
            (None, network) => network.clone(),
        };
        let name = self.name.clone();
        let mut request = self.with_label(LABEL, env!("CARGO_PKG_VERSION"));
        if let Some(network) = network {
            request = request.with_network(network);
        }
        if let Some(name) = name {
            request = request.with_container_name(name);
        }
        request
    }

    /// Starts Redis and returns once it accepts connections.
    ///
    /// # Errors
    ///
    /// As [`LiveKitServer::start`](crate::LiveKitServer::start).
    pub async fn start(self) -> Result<RedisContainer, Error> {
        let container = self
            .into_request()
            .start()
            .await
            .map_err(|error| Error::container("cannot start Redis", error))?;
        RedisContainer::from_container(container).await
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

    /// `host:port` for a container: the host network's address, or the container's name on its
    /// network.
    #[must_use]
    pub fn address_for_containers(&self) -> String {
        let image = self.container.get().image();
        match (&image.name, image.host_port) {
            (Some(name), None) => format!("{name}:{PORT}"),
            _ => self.address.clone(),
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
