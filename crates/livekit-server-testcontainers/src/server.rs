//! [`LiveKitServer`]: the image and its options; [`LiveKitContainer`]: a running server.

use std::borrow::Cow;
use std::fmt;
use std::net::{Ipv4Addr, TcpListener, UdpSocket};

use testcontainers::core::{ContainerPort, Host, WaitFor};
use testcontainers::runners::AsyncRunner as _;
use testcontainers::{ContainerAsync, ContainerRequest, Image, ImageExt as _};

use crate::config::{self, Settings};
use crate::owned::Owned;
use crate::redis::RedisContainer;
use crate::{
    DEV_API_KEY, DEV_API_SECRET, Error, ErrorKind, LABEL, LIVEKIT_SERVER_IMAGE,
    LIVEKIT_SERVER_VERSION,
};

/// The ports of a server inside its container (the image's defaults), used on a bridge
/// network where Docker maps them to free host ports.
const HTTP_PORT: u16 = 7880;
const RTC_TCP_PORT: u16 = 7881;
const RTC_UDP_PORT: u16 = 7882;

/// What the server logs once its HTTP and RTC listeners are bound (`pkg/service/server.go`):
/// connections made from then on are queued and served.
const READY_LINE: &str = "starting LiveKit server";

/// The host ports of a server on the host network: HTTP (API and signalling), RTC over TCP,
/// and RTC over UDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    /// HTTP: the API and the WebSocket signalling.
    pub http: u16,
    /// ICE over TCP.
    pub rtc_tcp: u16,
    /// ICE over UDP (a single port, muxed).
    pub rtc_udp: u16,
}

impl Ports {
    /// Three distinct loopback ports that are free now (each for both TCP and UDP). Another
    /// process can still take one before the server binds it; the start then fails with the
    /// server's bind error.
    ///
    /// On Linux they are drawn from below the kernel's ephemeral range
    /// (`net.ipv4.ip_local_port_range`), which outgoing connections take their source ports
    /// from: a port from that range could, while its server is stopped, be picked as the
    /// source port of a connection to it, which then connects to itself instead of being
    /// refused.
    ///
    /// # Errors
    ///
    /// When the operating system gives no such port.
    pub fn free() -> Result<Ports, Error> {
        let mut held = Vec::new();
        Ok(Ports {
            http: free_port(&mut held)?,
            rtc_tcp: free_port(&mut held)?,
            rtc_udp: free_port(&mut held)?,
        })
    }
}

/// A loopback port free now for both TCP and UDP (below the ephemeral range where the system
/// says what that is), kept bound in `held` so that the next call picks another.
pub(crate) fn free_port(held: &mut Vec<(TcpListener, UdpSocket)>) -> Result<u16, Error> {
    let range = below_ephemeral_range();
    for _ in 0..20 {
        let port = range.clone().map_or(0, random_port);
        let tcp = match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
            Ok(tcp) => tcp,
            Err(_) if port != 0 => continue,
            Err(error) => {
                return Err(
                    Error::new(ErrorKind::Ports, "cannot bind a loopback port").with_source(error)
                );
            }
        };
        let port = tcp
            .local_addr()
            .map_err(|error| Error::new(ErrorKind::Ports, "no local address").with_source(error))?
            .port();
        if let Ok(udp) = UdpSocket::bind((Ipv4Addr::LOCALHOST, port)) {
            held.push((tcp, udp));
            return Ok(port);
        }
    }
    Err(Error::new(
        ErrorKind::Ports,
        "found no loopback port free for both TCP and UDP",
    ))
}

/// Whether `host:port` names this host's loopback (`127.x.x.x`, `localhost`, `[::1]`): a
/// container on a bridge network reaches its own there, not the host's.
fn on_loopback(address: &str) -> bool {
    let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
    host.starts_with("127.") || host.eq_ignore_ascii_case("localhost") || host == "[::1]"
}

/// The 10,000 ports below the ephemeral range, where the system says what that range is
/// (Linux); `None` elsewhere.
fn below_ephemeral_range() -> Option<std::ops::Range<u16>> {
    let low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()?
        .split_whitespace()
        .next()?
        .parse::<u16>()
        .ok()
        .filter(|&low| low > 2048)?;
    Some(low.saturating_sub(10_000).max(1024)..low)
}

/// A random port of `range` (not empty).
fn random_port(range: std::ops::Range<u16>) -> u16 {
    use std::hash::BuildHasher as _;
    // std's hasher keys are random, and new for each `RandomState`.
    let random = std::hash::RandomState::new().hash_one(0u8);
    let span = u64::from(range.end - range.start);
    range.start + u16::try_from(random % span).unwrap_or(0)
}

/// A LiveKit server image and its configuration: a [`testcontainers::Image`].
///
/// [`LiveKitServer::default`] is the official image at [`LIVEKIT_SERVER_VERSION`], the
/// development keys, no Redis (a single node keeping rooms in memory), no webhooks, on
/// Docker's default bridge network (the HTTP port is published on a free host port; media
/// needs [`LiveKitServer::with_host_network`]).
#[derive(Clone)]
pub struct LiveKitServer {
    image: String,
    tag: String,
    keys: Vec<(String, String)>,
    webhook_urls: Vec<String>,
    redis: Option<String>,
    redis_db: u8,
    network: Option<String>,
    host_ports: Option<Ports>,
    extra_config: String,
    /// The configuration, rendered when an option changes (the image hands out borrows).
    config: String,
    ready: Vec<String>,
}

impl Default for LiveKitServer {
    fn default() -> LiveKitServer {
        LiveKitServer {
            image: LIVEKIT_SERVER_IMAGE.to_owned(),
            tag: LIVEKIT_SERVER_VERSION.to_owned(),
            keys: vec![(DEV_API_KEY.to_owned(), DEV_API_SECRET.to_owned())],
            webhook_urls: Vec::new(),
            redis: None,
            redis_db: 0,
            network: None,
            host_ports: None,
            extra_config: String::new(),
            config: String::new(),
            ready: vec![READY_LINE.to_owned()],
        }
        .rendered()
    }
}

impl fmt::Debug for LiveKitServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secrets stay out: only the key names.
        f.debug_struct("LiveKitServer")
            .field("image", &format_args!("{}:{}", self.image, self.tag))
            .field(
                "api_keys",
                &self.keys.iter().map(|(key, _)| key).collect::<Vec<_>>(),
            )
            .field("webhook_urls", &self.webhook_urls)
            .field("redis", &self.redis)
            .field("network", &self.network)
            .field("host_ports", &self.host_ports)
            .finish_non_exhaustive()
    }
}

impl LiveKitServer {
    fn rendered(mut self) -> LiveKitServer {
        let (http_port, rtc_tcp_port, rtc_udp_port) = match self.host_ports {
            Some(ports) => (ports.http, ports.rtc_tcp, ports.rtc_udp),
            None => (HTTP_PORT, RTC_TCP_PORT, RTC_UDP_PORT),
        };
        self.config = config::render(&Settings {
            http_port,
            rtc_tcp_port,
            rtc_udp_port,
            host_network: self.host_ports.is_some(),
            keys: &self.keys,
            webhook_urls: &self.webhook_urls,
            redis: self.redis.as_deref(),
            redis_db: self.redis_db,
            extra: &self.extra_config,
        });
        self
    }

    /// Another image or tag: a registry mirror, or an image built locally. Its entry point
    /// must be the `livekit-server` binary (it reads its configuration from `LIVEKIT_CONFIG`).
    #[must_use]
    pub fn with_image(mut self, name: impl Into<String>, tag: impl Into<String>) -> Self {
        self.image = name.into();
        self.tag = tag.into();
        self
    }

    /// The one API key and secret the server accepts (replacing the development pair).
    #[must_use]
    pub fn with_keys(mut self, api_key: impl Into<String>, api_secret: impl Into<String>) -> Self {
        self.keys = vec![(api_key.into(), api_secret.into())];
        self.rendered()
    }

    /// A URL the server posts its webhooks to, signed with the API key. It must be reachable
    /// from inside the container: on the host network `http://127.0.0.1:PORT/...`; on a bridge
    /// network `http://host.docker.internal:PORT/...` (mapped to the host's gateway address,
    /// so the receiver must listen on that interface, e.g. `0.0.0.0`).
    #[must_use]
    pub fn with_webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_urls.push(url.into());
        self.rendered()
    }

    /// A Redis the server keeps its state in (`host:port` as seen from the container), making it
    /// one node of a cluster that other servers on the same Redis can join.
    #[must_use]
    pub fn with_redis_address(mut self, address: impl Into<String>) -> Self {
        self.redis = Some(address.into());
        self.rendered()
    }

    /// The Redis database the server uses (default 0): servers on one Redis form one cluster
    /// per database, so that several clusters can share one Redis.
    #[must_use]
    pub fn with_redis_db(mut self, db: u8) -> Self {
        self.redis_db = db;
        self.rendered()
    }

    /// A [`Redis`](crate::Redis) container: its address as the server sees it, and its network.
    #[must_use]
    pub fn with_redis(mut self, redis: &RedisContainer) -> Self {
        self.redis = Some(redis.address_for_containers());
        if let Some(network) = redis.network() {
            self.network = Some(network.to_owned());
        }
        self.rendered()
    }

    /// YAML appended to the configuration, for every other server option (`room:`,
    /// `logging:`, `turn:`, ...). It must not repeat a top-level key that the options above
    /// write (`port`, `bind_addresses`, `rtc`, `keys`, `webhook`, `redis`): the server refuses
    /// a repeated key, as it refuses unknown keys, so either fails the start. A `logging:` block
    /// must keep `level` at `info` or `debug`: the start waits for the server's `info` line
    /// `starting LiveKit server`, and at `warn` it would time out.
    #[must_use]
    pub fn with_config_yaml(mut self, yaml: impl Into<String>) -> Self {
        self.extra_config = yaml.into();
        self.rendered()
    }

    /// Runs the container on the host's network, the server listening on `ports` of
    /// `127.0.0.1` and announcing `127.0.0.1` as its media address: what WebRTC clients on this
    /// host (a browser, a client SDK) need. See [`Ports::free`].
    #[must_use]
    pub fn with_host_network(mut self, ports: Ports) -> Self {
        self.host_ports = Some(ports);
        self.network = None;
        self.rendered()
    }

    /// Runs the container on a user-defined Docker network (created if missing), so that it
    /// reaches other containers there by name (see [`Redis::with_network`](crate::Redis)).
    #[must_use]
    pub fn with_network(mut self, network: impl Into<String>) -> Self {
        self.network = Some(network.into());
        self.host_ports = None;
        self.rendered()
    }

    /// The first API key.
    #[must_use]
    pub fn api_key(&self) -> &str {
        self.keys.first().map_or("", |(key, _)| key)
    }

    /// Its secret.
    #[must_use]
    pub fn api_secret(&self) -> &str {
        self.keys.first().map_or("", |(_, secret)| secret)
    }

    /// The configuration the server gets (it contains the secrets).
    #[must_use]
    pub fn config_yaml(&self) -> &str {
        &self.config
    }

    /// The host ports, when on the host network.
    #[must_use]
    pub fn host_ports(&self) -> Option<Ports> {
        self.host_ports
    }

    /// Whether the server can reach its Redis from the network it runs on: a server on the
    /// host network cannot also join Redis's Docker network (it would be dropped), and a
    /// server on a bridge network cannot reach a Redis at the host's loopback (one on the host
    /// network, or one published on `localhost`).
    /// Put both on the host network, or both on one user-defined network.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] naming the combination.
    pub fn check_network(&self) -> Result<(), Error> {
        match (&self.host_ports, &self.network, &self.redis) {
            (Some(_), Some(network), _) => Err(Error::new(
                ErrorKind::Config,
                format!(
                    "a server on the host network cannot join the Docker network `{network}` of \
                     its Redis: put Redis on the host network too"
                ),
            )),
            (None, _, Some(redis)) if on_loopback(redis) => Err(Error::new(
                ErrorKind::Config,
                format!(
                    "a server on a bridge network cannot reach a Redis at {redis}, the host's \
                     loopback: put both on the host network (`with_host_network`) or both on one \
                     user-defined network (`Redis::with_network`)"
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The container request: this image with its network, the [`LABEL`], and on a bridge
    /// network `host.docker.internal` mapped to the host. Add your own
    /// [`ImageExt`](testcontainers::ImageExt) options (a log consumer, labels, a name), start
    /// it, and wrap it with [`LiveKitContainer::from_container`].
    pub fn into_request(self) -> ContainerRequest<LiveKitServer> {
        let network = if self.host_ports.is_some() {
            Some("host".to_owned())
        } else {
            self.network.clone()
        };
        let host_network = self.host_ports.is_some();
        let mut request = self.with_label(LABEL, env!("CARGO_PKG_VERSION"));
        if !host_network {
            request = request.with_host("host.docker.internal", Host::HostGateway);
        }
        match network {
            Some(network) => request.with_network(network),
            None => request,
        }
    }

    /// Starts the server and returns once it has bound its ports.
    ///
    /// # Errors
    ///
    /// When the Docker engine cannot be reached, the image is missing and cannot be pulled, or
    /// the server exits before it is ready (a bad configuration: the error has its output);
    /// [`ErrorKind::Config`] before anything starts when the server could not reach its Redis
    /// (see [`check_network`](Self::check_network)).
    pub async fn start(self) -> Result<LiveKitContainer, Error> {
        self.check_network()?;
        let container = self
            .into_request()
            .start()
            .await
            .map_err(|error| Error::container("cannot start the LiveKit server", error))?;
        LiveKitContainer::from_container(container).await
    }
}

impl Image for LiveKitServer {
    fn name(&self) -> &str {
        &self.image
    }

    fn tag(&self) -> &str {
        &self.tag
    }

    fn ready_conditions(&self) -> Vec<WaitFor> {
        self.ready
            .iter()
            .map(|line| WaitFor::message_on_either_std(line.as_str()))
            .collect()
    }

    fn env_vars(
        &self,
    ) -> impl IntoIterator<Item = (impl Into<Cow<'_, str>>, impl Into<Cow<'_, str>>)> {
        [("LIVEKIT_CONFIG", self.config.as_str())]
    }

    fn expose_ports(&self) -> &[ContainerPort] {
        const BRIDGED: &[ContainerPort] = &[
            ContainerPort::Tcp(HTTP_PORT),
            ContainerPort::Tcp(RTC_TCP_PORT),
            ContainerPort::Udp(RTC_UDP_PORT),
        ];
        if self.host_ports.is_some() {
            &[]
        } else {
            BRIDGED
        }
    }
}

/// A running LiveKit server. Dropping it removes the container.
#[derive(Debug)]
pub struct LiveKitContainer {
    container: Owned<LiveKitServer>,
    url: String,
}

impl LiveKitContainer {
    /// Wraps a container started from [`LiveKitServer::into_request`].
    ///
    /// # Errors
    ///
    /// When the engine does not say which host port the HTTP port is published on.
    pub async fn from_container(
        container: ContainerAsync<LiveKitServer>,
    ) -> Result<LiveKitContainer, Error> {
        let url = match container.image().host_ports {
            Some(ports) => format!("http://127.0.0.1:{}", ports.http),
            None => {
                let host = container
                    .get_host()
                    .await
                    .map_err(|error| Error::container("no host for the container", error))?;
                let port = container
                    .get_host_port_ipv4(HTTP_PORT)
                    .await
                    .map_err(|error| Error::container("the HTTP port is not published", error))?;
                format!("http://{host}:{port}")
            }
        };
        Ok(LiveKitContainer {
            container: Owned::new(container),
            url,
        })
    }

    /// The server's HTTP URL, `http://host:port` (the API, and `ws://` signalling).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// [`LiveKitContainer::url`] as `ws://host:port`, as client SDKs take it.
    #[must_use]
    pub fn ws_url(&self) -> String {
        self.url.replacen("http://", "ws://", 1)
    }

    /// The API key the server accepts.
    #[must_use]
    pub fn api_key(&self) -> &str {
        self.container.get().image().api_key()
    }

    /// Its secret.
    #[must_use]
    pub fn api_secret(&self) -> &str {
        self.container.get().image().api_secret()
    }

    /// The testcontainers handle: stop, start, pause, logs, ...
    #[must_use]
    pub fn container(&self) -> &ContainerAsync<LiveKitServer> {
        self.container.get()
    }

    /// A `LiveKitApi` for this server with its key and secret.
    ///
    /// # Errors
    ///
    /// When the client cannot be built (it can: the URL and credentials are checked).
    #[cfg(feature = "sdk")]
    pub fn api(&self) -> Result<livekit_server_sdk::LiveKitApi, Error> {
        livekit_server_sdk::LiveKitApi::new(&self.url, self.api_key(), self.api_secret()).map_err(
            |error| Error::new(ErrorKind::Client, "cannot build the client").with_source(error),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_leaves_the_secret_out() {
        let server = LiveKitServer::default().with_keys("APIk", "very-secret-value");
        let debug = format!("{server:?}");
        assert!(debug.contains("APIk"), "{debug}");
        assert!(!debug.contains("very-secret-value"), "{debug}");
        assert!(server.config_yaml().contains("very-secret-value"));
    }

    #[test]
    fn defaults_are_the_pinned_image_and_the_dev_keys() {
        let server = LiveKitServer::default();
        assert_eq!(server.name(), "livekit/livekit-server");
        assert_eq!(server.tag(), LIVEKIT_SERVER_VERSION);
        assert_eq!(server.api_key(), "devkey");
        assert_eq!(server.api_secret(), "secret");
        assert_eq!(server.expose_ports().len(), 3);
        assert!(server.config_yaml().contains("port: 7880\n"));
    }

    #[test]
    fn a_server_that_could_not_reach_its_redis_is_refused_before_it_starts() {
        let ports = Ports::free().expect("ports");
        // On the host network, with a Redis on a user-defined network.
        let mut server = LiveKitServer::default().with_host_network(ports);
        server.redis = Some("redis-1:6379".into());
        server.network = Some("net-1".into());
        let error = server.check_network().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config);
        assert!(error.to_string().contains("net-1"), "{error}");
        // Bridged, with a Redis at the host's loopback.
        for redis in ["localhost:32768", "[::1]:6390", "127.0.0.2:6390"] {
            let server = LiveKitServer {
                redis: Some(redis.into()),
                ..LiveKitServer::default()
            };
            assert_eq!(
                server.check_network().unwrap_err().kind(),
                ErrorKind::Config,
                "{redis}"
            );
        }
        let server = LiveKitServer {
            redis: Some("127.0.0.1:6390".into()),
            ..LiveKitServer::default()
        };
        assert_eq!(
            server.check_network().unwrap_err().kind(),
            ErrorKind::Config
        );
        // Both on the host network; both on one network.
        let mut server = LiveKitServer::default().with_host_network(ports);
        server.redis = Some("127.0.0.1:6390".into());
        assert!(server.check_network().is_ok());
        let server = LiveKitServer {
            redis: Some("redis-1:6379".into()),
            network: Some("net-1".into()),
            ..LiveKitServer::default()
        };
        assert!(server.check_network().is_ok());
    }

    #[test]
    fn host_network_uses_the_given_ports_and_publishes_none() {
        let ports = Ports::free().expect("ports");
        let server = LiveKitServer::default().with_host_network(ports);
        assert!(server.expose_ports().is_empty());
        let yaml = server.config_yaml();
        assert!(yaml.contains(&format!("port: {}\n", ports.http)), "{yaml}");
        assert!(yaml.contains(&format!("udp_port: {}\n", ports.rtc_udp)));
        let mut all = [ports.http, ports.rtc_tcp, ports.rtc_udp];
        all.sort_unstable();
        assert!(all[0] != all[1] && all[1] != all[2]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn free_ports_are_below_the_ephemeral_range() {
        let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap();
        let low: u16 = range.split_whitespace().next().unwrap().parse().unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..5 {
            let ports = Ports::free().expect("ports");
            for port in [ports.http, ports.rtc_tcp, ports.rtc_udp] {
                assert!(
                    (low.saturating_sub(10_000)..low).contains(&port),
                    "{port} (range from {low})"
                );
                seen.insert(port);
            }
        }
        // Drawn at random, not the same three each time.
        assert!(seen.len() > 3, "{seen:?}");
    }

    #[test]
    fn options_reach_the_configuration() {
        let server = LiveKitServer::default()
            .with_webhook_url("http://127.0.0.1:9/h")
            .with_redis_address("10.0.0.1:6379")
            .with_config_yaml("room:\n  auto_create: false\n");
        let yaml = server.config_yaml();
        for needle in [
            "- \"http://127.0.0.1:9/h\"",
            "address: \"10.0.0.1:6379\"",
            "auto_create: false",
        ] {
            assert!(yaml.contains(needle), "{needle} missing from {yaml}");
        }
    }
}
