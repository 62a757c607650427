//! [`LiveKitServer`]: the image and its options; [`LiveKitContainer`]: a running server.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::io::ErrorKind as IoErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, TcpListener, UdpSocket};
use std::sync::Mutex;

use testcontainers::core::{ContainerPort, Host, WaitFor};
use testcontainers::runners::AsyncRunner as _;
use testcontainers::{ContainerAsync, ContainerRequest, Image, ImageExt as _};

use crate::config::{self, Settings};
use crate::owned::{self, Owned, StartGuard};
use crate::redis::RedisContainer;
use crate::{
    DEV_API_KEY, DEV_API_SECRET, Error, ErrorKind, LIVEKIT_SERVER_IMAGE, LIVEKIT_SERVER_VERSION,
};

/// The ports of a server inside its container (the image's defaults), used on a bridge
/// network where Docker maps them to free host ports.
const HTTP_PORT: u16 = 7880;
const RTC_TCP_PORT: u16 = 7881;
const RTC_UDP_PORT: u16 = 7882;

/// What the server logs once its HTTP and RTC listeners are bound (`pkg/service/server.go`):
/// connections made from then on are queued and served.
const READY_LINE: &str = "starting LiveKit server";

/// How many times a start on ports from [`Ports::free`] is made in all when a port is taken.
pub(crate) const PORT_ATTEMPTS: usize = 4;

/// The ports this process picked free lately (the latest 3,000): none is picked again while
/// it is here, and a start on three of them may pick others.
static PICKED: Mutex<VecDeque<u16>> = Mutex::new(VecDeque::new());

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
    /// Three distinct ports that are free now, for TCP and UDP, on every interface (the
    /// server binds its RTC TCP port on every interface), and that this process has not
    /// picked lately (two tests of one process do not get the same). Another process can
    /// still take one before the server binds it: [`LiveKitServer::start`] then starts it
    /// again on other free ports (see [`LiveKitServer::with_host_network`]).
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

    /// Whether [`Ports::free`] picked these.
    fn picked(self) -> bool {
        [self.http, self.rtc_tcp, self.rtc_udp]
            .into_iter()
            .all(picked)
    }
}

/// Whether this process picked `port` free lately ([`free_port`]).
pub(crate) fn picked(port: u16) -> bool {
    PICKED.lock().is_ok_and(|picked| picked.contains(&port))
}

/// `start` of `value`, and after a start that found a port taken, of the value on other free
/// ports that `fresh` gives (when its ports were picked free): [`PORT_ATTEMPTS`] in all.
pub(crate) async fn start_on_free_ports<V: Clone, T>(
    mut value: V,
    start: impl AsyncFn(V) -> Result<T, Error>,
    fresh: impl Fn(&V, &Error) -> Option<V>,
) -> Result<T, Error> {
    for _ in 1..PORT_ATTEMPTS {
        match start(value.clone()).await {
            Err(error) => value = fresh(&value, &error).ok_or(error)?,
            started => return started,
        }
    }
    start(value).await
}

/// A port free now for TCP and UDP on every interface (below the ephemeral range where the
/// system says what that is) and not picked lately by this process, kept bound in `held` so
/// that the next call picks another.
pub(crate) fn free_port(held: &mut Vec<(TcpListener, UdpSocket)>) -> Result<u16, Error> {
    let range = below_ephemeral_range();
    let mut picked = PICKED
        .lock()
        .map_err(|_| Error::new(ErrorKind::Ports, "a thread picking ports panicked"))?;
    for _ in 0..20 {
        let port = range.clone().map_or(0, random_port);
        if port != 0 && picked.contains(&port) {
            continue;
        }
        match hold(port) {
            Ok((tcp, udp)) => {
                let port = tcp.local_addr().map_or(port, |address| address.port());
                held.push((tcp, udp));
                if picked.len() >= 3000 {
                    picked.pop_front();
                }
                picked.push_back(port);
                return Ok(port);
            }
            Err(_) if port != 0 => {}
            Err(error) => {
                return Err(Error::new(ErrorKind::Ports, "cannot bind a port").with_source(error));
            }
        }
    }
    Err(Error::new(
        ErrorKind::Ports,
        "found no port free for both TCP and UDP",
    ))
}

/// `port` (0: one the system picks) bound for TCP and UDP on every interface, where the server
/// binds it: `[::]`, which also takes it on IPv4 (the system's default `bindv6only = 0`), as
/// the server's RTC TCP listener does; `0.0.0.0` where the host has no IPv6.
fn hold(port: u16) -> std::io::Result<(TcpListener, UdpSocket)> {
    let tcp = match TcpListener::bind((Ipv6Addr::UNSPECIFIED, port)) {
        Err(error) if error.kind() != IoErrorKind::AddrInUse => {
            TcpListener::bind((Ipv4Addr::UNSPECIFIED, port))?
        }
        tcp => tcp?,
    };
    let udp = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, tcp.local_addr()?.port()))?;
    Ok((tcp, udp))
}

/// Whether `host[:port]` names this host's loopback (`127.x.x.x`, `localhost`, `[::1]`): a
/// container on a bridge network reaches its own there, not the host's.
fn on_loopback(address: &str) -> bool {
    let host = match address.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => address,
    };
    host.starts_with("127.") || host.eq_ignore_ascii_case("localhost") || host == "[::1]"
}

/// The `host[:port]` of a URL.
fn url_authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
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
    let span = u64::from(range.end - range.start);
    range.start + u16::try_from(random() % span).unwrap_or(0)
}

/// A random number (std's hasher keys are random, and new for each `RandomState`).
pub(crate) fn random() -> u64 {
    use std::hash::BuildHasher as _;
    std::hash::RandomState::new().hash_one(0u8)
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

    /// The one API key and secret the server accepts (replacing the development pair). Both
    /// must not be empty: the start refuses them otherwise ([`ErrorKind::Config`]).
    #[must_use]
    pub fn with_keys(mut self, api_key: impl Into<String>, api_secret: impl Into<String>) -> Self {
        self.keys = vec![(api_key.into(), api_secret.into())];
        self.rendered()
    }

    /// A URL the server posts its webhooks to, signed with the API key. It must be reachable
    /// from inside the container: on the host network `http://127.0.0.1:PORT/...`; on a bridge
    /// network `http://host.docker.internal:PORT/...` (mapped to the host's gateway address,
    /// so the receiver must listen on that interface, e.g. `0.0.0.0`). A loopback URL
    /// (`127.x`, `localhost`, `[::1]`) for a server on a bridge network, which would reach the
    /// container itself, is refused at the start ([`ErrorKind::Config`]).
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
    /// per database, so that several clusters can share one Redis. A [`Redis`](crate::Redis)
    /// container has 256 databases, one for every `db`; another Redis has as many as its
    /// `databases` setting says (16 by default), and the server exits on a `db` beyond them,
    /// which fails the start with its error (`ERR DB index is out of range`). This crate does
    /// not refuse such a `db` itself: it cannot know that setting.
    #[must_use]
    pub fn with_redis_db(mut self, db: u8) -> Self {
        self.redis_db = db;
        self.rendered()
    }

    /// A [`Redis`](crate::Redis) container: its address as the server sees it
    /// ([`RedisContainer::address_for_containers`]), and its network.
    #[must_use]
    pub fn with_redis(mut self, redis: &RedisContainer) -> Self {
        self.redis = Some(redis.address_for_containers());
        if let Some(network) = redis.network() {
            self.network = Some(network.to_owned());
        }
        self.rendered()
    }

    /// YAML appended to the configuration, for every other server option (`room:`,
    /// `logging:`, `turn:`, ...); each call appends to what earlier calls gave. It must not
    /// repeat a top-level key, one of an earlier call or one the options above write (`port`,
    /// `bind_addresses`, `rtc`, `keys`, `webhook`, `redis`): the server refuses a repeated
    /// key, as it refuses unknown keys, so either fails the start (with the server's error). A
    /// logging level must stay `info` or `debug` (`logging:` `level:`, or `log_level:`): the
    /// start waits for the server's `info` line `starting LiveKit server`, so a quieter level
    /// is refused at the start ([`ErrorKind::Config`]).
    #[must_use]
    pub fn with_config_yaml(mut self, yaml: impl Into<String>) -> Self {
        let yaml = yaml.into();
        if !self.extra_config.is_empty() && !self.extra_config.ends_with('\n') {
            self.extra_config.push('\n');
        }
        self.extra_config.push_str(&yaml);
        self.rendered()
    }

    /// Runs the container on the host's network, announcing `127.0.0.1` as its media
    /// address: what WebRTC clients on this host (a browser, a client SDK) need. The server
    /// listens on `ports`: HTTP and RTC over UDP on `127.0.0.1`, RTC over TCP on every
    /// interface (livekit-server binds that port without an address, and no option of its
    /// configuration changes it), so the RTC TCP port must be free on every interface and is
    /// reachable from other hosts.
    ///
    /// When `ports` come from [`Ports::free`] and the server finds one taken as it starts (by
    /// another process, between the choice and the start), [`start`](Self::start) picks
    /// other free ports and starts again, up to 3 times: read the ports from the running
    /// server ([`LiveKitContainer::host_ports`], [`LiveKitContainer::url`]), not from the value
    /// given here. Ports chosen otherwise are kept, and a taken one fails the start with
    /// [`ErrorKind::Ports`].
    #[must_use]
    pub fn with_host_network(mut self, ports: Ports) -> Self {
        self.host_ports = Some(ports);
        self.network = None;
        self.rendered()
    }

    /// Runs the container on a user-defined Docker network (created if missing, removed with
    /// the last container of this process on it), so that it reaches other containers there by
    /// name (see [`Redis::with_network`](crate::Redis)). The network belongs to one process:
    /// names are global to the engine, and two processes starting on one name at once can
    /// each create it (the engine allows two networks of one name), after which the engine
    /// refuses the name as ambiguous; one process can also remove it under the other. Put the
    /// process id in the name.
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

    /// Whether the server can reach its Redis and its webhook receivers from the network it
    /// runs on: a server on the host network cannot also join Redis's Docker network (it would
    /// be dropped), and a server on a bridge network cannot reach a Redis or a webhook receiver
    /// at the host's loopback (`127.x`, `localhost`, `[::1]`: that is the container's own).
    /// Put both on the host network, or both on one user-defined network; a receiver on the
    /// host is `host.docker.internal` from a bridge network.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] naming the combination.
    pub fn check_network(&self) -> Result<(), Error> {
        if self.host_ports.is_none()
            && let Some(url) = self
                .webhook_urls
                .iter()
                .find(|url| on_loopback(url_authority(url)))
        {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "a server on a bridge network cannot post webhooks to {url}, its own \
                     loopback: use http://host.docker.internal:PORT/... (the receiver listening \
                     on 0.0.0.0) or the host network (`with_host_network`)"
                ),
            ));
        }
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

    /// Everything [`start`](Self::start) checks before it starts anything:
    /// [`check_network`](Self::check_network), a non-empty API key and secret, and a logging
    /// level that lets the server log its ready line (see
    /// [`with_config_yaml`](Self::with_config_yaml)).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] saying what is wrong.
    pub fn check(&self) -> Result<(), Error> {
        self.check_network()?;
        if self
            .keys
            .iter()
            .any(|(key, secret)| key.is_empty() || secret.is_empty())
        {
            return Err(Error::new(
                ErrorKind::Config,
                "the API key and secret must not be empty (the server would accept tokens \
                 signed with an empty secret)",
            ));
        }
        match config::quiet_level(&self.extra_config) {
            Some(level) => Err(Error::new(
                ErrorKind::Config,
                format!(
                    "the logging level `{level}` hides the `info` line the start waits for \
                     (`starting LiveKit server`): use `info` or `debug`"
                ),
            )),
            None => Ok(()),
        }
    }

    /// The container request: this image with its network, the [`LABEL`](crate::LABEL) and
    /// [`PROCESS_LABEL`](crate::PROCESS_LABEL), and `host.docker.internal` mapped to the host.
    /// Add your own [`ImageExt`](testcontainers::ImageExt) options (a log consumer, labels, a
    /// name) and start it with [`LiveKitContainer::start_request`].
    pub fn into_request(self) -> ContainerRequest<LiveKitServer> {
        let network = if self.host_ports.is_some() {
            Some("host".to_owned())
        } else {
            self.network.clone()
        };
        let request = owned::labelled(self).with_host("host.docker.internal", Host::HostGateway);
        match network {
            Some(network) => request.with_network(network),
            None => request,
        }
    }

    /// Starts the server and returns once it has bound its ports. A start that does not
    /// complete, because it failed or because its future was dropped (a timeout around it),
    /// removes the container it made (not a user-defined network it made); a dropped one
    /// blocks for about a second meanwhile, as the engine may still be creating it. On ports
    /// from [`Ports::free`], a port found taken makes it start again on others (see
    /// [`with_host_network`](Self::with_host_network)).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] before anything starts when an option is wrong (see
    /// [`check`](Self::check)); [`ErrorKind::Engine`] when no Docker engine answers;
    /// [`ErrorKind::Image`] when the image is missing and cannot be pulled;
    /// [`ErrorKind::Ports`] when a port is taken (and could not be replaced);
    /// [`ErrorKind::Container`] when the engine refuses the container, or the server exits
    /// before it is ready (the message has the last lines it wrote) or is not ready in time.
    pub async fn start(self) -> Result<LiveKitContainer, Error> {
        let start = async |server: LiveKitServer| {
            LiveKitContainer::start_request(server.into_request()).await
        };
        start_on_free_ports(self, start, LiveKitServer::on_fresh_ports).await
    }

    /// After a start that found a port taken: this server on other free ports, when its
    /// ports came from [`Ports::free`].
    pub(crate) fn on_fresh_ports(&self, error: &Error) -> Option<LiveKitServer> {
        if error.kind() != ErrorKind::Ports || !self.host_ports.is_some_and(Ports::picked) {
            return None;
        }
        Some(self.clone().with_host_network(Ports::free().ok()?))
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
    /// Starts a request made from [`LiveKitServer::into_request`] (with your own
    /// [`ImageExt`](testcontainers::ImageExt) options) as [`LiveKitServer::start`] does, but on
    /// the request's ports only (no new ports when one is taken).
    ///
    /// # Errors
    ///
    /// As [`LiveKitServer::start`].
    pub async fn start_request(
        request: ContainerRequest<LiveKitServer>,
    ) -> Result<LiveKitContainer, Error> {
        request.image().check()?;
        let guard = StartGuard::connect("cannot start the LiveKit server").await?;
        match guard.label(request).start().await {
            Ok(container) => {
                guard.disarm();
                LiveKitContainer::from_container(container).await
            }
            Err(error) => {
                guard.failed().await;
                Err(Error::container("cannot start the LiveKit server", error))
            }
        }
    }

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

    /// The host ports, when on the host network: those the server listens on (a start may
    /// have replaced taken ones, see [`LiveKitServer::with_host_network`]).
    #[must_use]
    pub fn host_ports(&self) -> Option<Ports> {
        self.container.get().image().host_ports
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

    /// A port in use on another interface than loopback (where the server's RTC TCP listener
    /// would collide with it) is not free.
    #[test]
    fn a_port_in_use_on_any_interface_is_not_free() {
        let Some(ip) = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
            .and_then(|socket| {
                socket
                    .connect((Ipv4Addr::new(192, 0, 2, 1), 9))
                    .map(|()| socket)
            })
            .and_then(|socket| socket.local_addr())
            .ok()
            .map(|address| address.ip())
            .filter(|ip| !ip.is_loopback())
        else {
            return eprintln!("no interface but loopback: nothing to check");
        };
        let listener = TcpListener::bind((ip, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(
            TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok(),
            "what a loopback probe saw"
        );
        assert!(hold(port).is_err(), "{ip}:{port} is in use");
        assert!(hold(0).is_ok());
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
    fn config_yaml_given_twice_is_appended() {
        let server = LiveKitServer::default()
            .with_config_yaml("room:\n  auto_create: false")
            .with_config_yaml("limit:\n  num_tracks: 5\n");
        let yaml = server.config_yaml();
        assert!(
            yaml.contains("room:\n  auto_create: false\nlimit:\n  num_tracks: 5\n"),
            "{yaml}"
        );
    }

    #[test]
    fn loopback_webhooks_are_refused_on_a_bridge_only() {
        for url in [
            "http://localhost/h",
            "https://u:p@127.0.0.1:9/h?x",
            "http://[::1]:9",
        ] {
            let server = LiveKitServer::default().with_webhook_url(url);
            assert_eq!(
                server.check_network().unwrap_err().kind(),
                ErrorKind::Config
            );
            let ports = Ports::free().expect("ports");
            assert!(
                server.with_host_network(ports).check_network().is_ok(),
                "{url}"
            );
        }
        let server = LiveKitServer::default().with_webhook_url("http://host.docker.internal:9/h");
        assert!(server.check_network().is_ok());
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
