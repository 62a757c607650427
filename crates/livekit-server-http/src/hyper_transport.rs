//! The default transport: hyper-util's pooled client over rustls (ring), HTTP/1.1, and HTTP/2
//! on request.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Incoming};
use hyper_rustls::HttpsConnector;
use hyper_timeout::TimeoutConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::ClientConfig;

use crate::error::Error;
use crate::transport::{Transport, TransportError, TransportLimits};

/// Default time to establish a connection: half the default attempt timeout, so that a
/// connection that cannot be made ends as a connect error (the request never left: retried
/// even for non-idempotent RPCs) rather than as the attempt timing out with its outcome
/// unknown.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const _: () = assert!(
    DEFAULT_CONNECT_TIMEOUT.as_millis() < crate::client::DEFAULT_TIMEOUT.as_millis(),
    "a connect must be able to fail before the attempt's timer fires"
);

/// The default [`Transport`]: a pooled hyper client with rustls.
///
/// * TLS through rustls with the *ring* provider, set on the connector's own configuration
///   (no process-wide default is installed or needed); TLS 1.2 and 1.3.
/// * One hyper-util pooled client for `https://` and `http://`, HTTP/1.1 with keep-alive by
///   default; over TLS, [`http2`](HyperTransportBuilder::http2) offers ALPN `h2` first
///   (HTTP/2 where the server offers it, HTTP/1.1 otherwise). Plain `http://` (a self-hosted
///   server, the loopback) is always HTTP/1.1.
/// * Redirects are never followed (a 3xx is returned to the client, which reports it).
/// * Bodies are read with a cap; a body cut short (reset, `Content-Length` not reached)
///   is an error, never a short body.
///
/// Cheap to clone: clones share the connection pool.
///
/// ```
/// use std::time::Duration;
/// use livekit_server_http::HyperTransport;
///
/// let transport = HyperTransport::builder()
///     .connect_timeout(Duration::from_secs(3))
///     .pool_max_idle_per_host(16)
///     .build()?;
/// # Ok::<(), livekit_server_http::Error>(())
/// ```
#[derive(Clone)]
pub struct HyperTransport {
    client: HyperClient<TimeoutConnector<HttpsConnector<HttpConnector>>, Full<Bytes>>,
    tls: Arc<ClientConfig>,
}

impl HyperTransport {
    /// A transport with the default settings (see [`HyperTransportBuilder`]).
    ///
    /// # Errors
    ///
    /// If no root certificates could be loaded (only with the `native-roots` feature and
    /// without `webpki-roots`).
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// A builder to configure the TLS roots, connect timeout and pool.
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::default()
    }

    /// The TLS configuration in use (read-only; for diagnostics and tests).
    pub fn tls_config(&self) -> &ClientConfig {
        &self.tls
    }
}

/// Short, because rustls's `ClientConfig` debugs every cipher suite, key exchange group and
/// signature scheme (kilobytes per client, ten times over in a facade's `LiveKitApi`).
impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alpn: Vec<_> = self
            .tls
            .alpn_protocols
            .iter()
            .map(|p| String::from_utf8_lossy(p))
            .collect();
        f.debug_struct("HyperTransport")
            .field("alpn", &alpn)
            .finish_non_exhaustive()
    }
}

/// Where the trusted root certificates come from.
#[derive(Clone, Debug)]
enum Roots {
    /// The feature default: webpki roots if enabled, else the OS roots if enabled, else none.
    Default,
    #[cfg(feature = "webpki-roots")]
    Webpki,
    #[cfg(feature = "native-roots")]
    Native,
    /// A root store assembled by the caller (from `add_root_certificate`).
    Custom(rustls::RootCertStore),
    /// A complete configuration from the caller.
    Config(Arc<ClientConfig>),
}

/// Builds a [`HyperTransport`].
#[derive(Clone, Debug)]
pub struct HyperTransportBuilder {
    connect_timeout: Duration,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
    https_only: bool,
    http2: bool,
    roots: Roots,
    extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        HyperTransportBuilder {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            pool_idle_timeout: Some(Duration::from_secs(90)),
            pool_max_idle_per_host: usize::MAX,
            https_only: false,
            http2: false,
            roots: Roots::Default,
            extra_roots: Vec::new(),
        }
    }
}

impl HyperTransportBuilder {
    /// The time to establish a connection (default 5 s): resolving the host, the TCP
    /// connection and, over `https://`, the TLS handshake, together. A failure to connect in
    /// time (a server that accepts TCP but never answers the handshake too) is a connect
    /// error: the request never left, so it is retried even for non-idempotent RPCs. Keep it
    /// below the attempt timeout ([`CallOptions::timeout`](crate::CallOptions::timeout),
    /// default 10 s): a connection still pending when the attempt's timer fires ends the
    /// attempt as a timeout whose outcome is unknown (the client cannot tell how far it got).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long an idle pooled connection is kept (default 90 s; `None`: no limit).
    #[must_use]
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// The most idle connections kept per host (default: no limit).
    #[must_use]
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// Refuse plain `http://` URLs (default: allowed, for local development servers).
    #[must_use]
    pub fn https_only(mut self, https_only: bool) -> Self {
        self.https_only = https_only;
        self
    }

    /// Offer HTTP/2 over TLS (ALPN `h2` before `http/1.1`; default: HTTP/1.1 only).
    ///
    /// HTTP/2 multiplexes concurrent calls on one connection: for many calls in flight at
    /// once (64 in `docs/performance.md`) it costs a quarter of the client CPU per call of
    /// HTTP/1.1 and makes several times as many calls per second. One call at a time, its
    /// extra connection task and framing cost about half as much CPU again per call, so
    /// the default is HTTP/1.1, which is what a backend making its calls one by one runs.
    #[must_use]
    pub fn http2(mut self, enabled: bool) -> Self {
        self.http2 = enabled;
        self
    }

    /// Trust the Mozilla roots bundled by `webpki-roots` (the default with that feature).
    #[cfg(feature = "webpki-roots")]
    #[must_use]
    pub fn webpki_roots(mut self) -> Self {
        self.roots = Roots::Webpki;
        self
    }

    /// Trust the operating system's roots, loaded when the transport is built.
    #[cfg(feature = "native-roots")]
    #[must_use]
    pub fn native_roots(mut self) -> Self {
        self.roots = Roots::Native;
        self
    }

    /// Trust only the certificates given with
    /// [`add_root_certificate`](Self::add_root_certificate) (for a private CA).
    #[must_use]
    pub fn no_default_roots(mut self) -> Self {
        self.roots = Roots::Custom(rustls::RootCertStore::empty());
        self
    }

    /// Also trust this DER-encoded root certificate (on top of the chosen roots).
    #[must_use]
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_roots
            .push(rustls::pki_types::CertificateDer::from(der.into()));
        self
    }

    /// Use this rustls configuration as is (client certificates, custom verifiers, another
    /// crypto provider). Its ALPN list is replaced by this builder's (`http/1.1`, or `h2` and
    /// `http/1.1` with [`http2`](Self::http2)); root choices made
    /// on this builder are ignored. This ties your code to the `rustls` version this crate
    /// uses.
    #[must_use]
    pub fn tls_config(mut self, config: Arc<ClientConfig>) -> Self {
        self.roots = Roots::Config(config);
        self
    }

    /// Builds the transport. Needs no runtime; sending needs a Tokio runtime.
    ///
    /// # Errors
    ///
    /// If a root certificate given with `add_root_certificate` is invalid, if the
    /// operating system's roots are chosen and none could be loaded, or if no root would be
    /// trusted at all without [`no_default_roots`](Self::no_default_roots) asking for that
    /// (built with neither the `webpki-roots` nor the `native-roots` feature and no root
    /// added): every `https://` call would fail its handshake.
    pub fn build(self) -> Result<HyperTransport, Error> {
        let mut tls = match self.roots {
            Roots::Config(config) => (*config).clone(),
            roots => {
                let chosen = matches!(roots, Roots::Custom(_));
                let mut store = root_store(roots)?;
                for der in self.extra_roots {
                    store
                        .add(der)
                        .map_err(|e| Error::config_source("invalid root certificate", e))?;
                }
                require_roots(&store, chosen)?;
                ClientConfig::builder_with_provider(ring_provider())
                    .with_safe_default_protocol_versions()
                    .map_err(|e| Error::config_source("TLS configuration", e))?
                    .with_root_certificates(store)
                    .with_no_client_auth()
            }
        };
        tls.alpn_protocols = if self.http2 {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        let tls = Arc::new(tls);

        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(self.connect_timeout));
        let mut https = HttpsConnector::from((http, tls.clone()));
        if self.https_only {
            https.enforce_https();
        }
        // The TCP connector's own timeout (above) is per address tried; this one bounds the
        // whole connect, TLS handshake included.
        let mut connector = TimeoutConnector::new(https);
        connector.set_connect_timeout(Some(self.connect_timeout));

        let mut builder = HyperClient::builder(TokioExecutor::new());
        builder
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host);
        let client = builder.build(connector);
        Ok(HyperTransport { client, tls })
    }
}

/// An empty root store is an error unless the caller chose it (`no_default_roots`, for plain
/// `http://` only or roots added later through `tls_config`).
fn require_roots(store: &rustls::RootCertStore, chosen: bool) -> Result<(), Error> {
    if store.is_empty() && !chosen {
        return Err(Error::config(
            "no TLS root certificates to trust: enable the `webpki-roots` or `native-roots` \
             feature, add one with `add_root_certificate`, or call `no_default_roots()` to \
             make only plain http:// calls",
        ));
    }
    Ok(())
}

fn root_store(roots: Roots) -> Result<rustls::RootCertStore, Error> {
    match roots {
        Roots::Custom(store) => Ok(store),
        #[cfg(feature = "webpki-roots")]
        Roots::Default | Roots::Webpki => Ok(webpki_store()),
        #[cfg(all(feature = "native-roots", not(feature = "webpki-roots")))]
        Roots::Default => native_store(),
        #[cfg(not(any(feature = "webpki-roots", feature = "native-roots")))]
        Roots::Default => Ok(rustls::RootCertStore::empty()),
        #[cfg(feature = "native-roots")]
        Roots::Native => native_store(),
        // Handled by the caller.
        Roots::Config(_) => Ok(rustls::RootCertStore::empty()),
    }
}

#[cfg(feature = "webpki-roots")]
fn webpki_store() -> rustls::RootCertStore {
    rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

#[cfg(feature = "native-roots")]
fn native_store() -> Result<rustls::RootCertStore, Error> {
    let loaded = rustls_native_certs::load_native_certs();
    let mut store = rustls::RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(loaded.certs);
    if added == 0 {
        return Err(Error::config(
            "no usable root certificates found in the operating system",
        ));
    }
    Ok(store)
}

#[async_trait::async_trait]
impl Transport for HyperTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
        limits: &TransportLimits,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let response = self
            .client
            .request(request.map(Full::new))
            .await
            .map_err(classify_request_error)?;
        let (parts, body) = response.into_parts();
        let body = read_body(&parts, body, limits).await?;
        Ok(http::Response::from_parts(parts, body))
    }
}

/// Reads the whole body: a message (`200` protobuf) up to [`TransportLimits::max_body_bytes`]
/// (more is an error, found from `Content-Length` before reading when the server sent one),
/// anything else cut at [`TransportLimits::max_error_body_bytes`] (only a snippet is kept).
async fn read_body(
    parts: &http::response::Parts,
    mut body: Incoming,
    limits: &TransportLimits,
) -> Result<Bytes, TransportError> {
    let is_message = livekit_server_twirp::expects_message(parts.status, &parts.headers);
    let cap = if is_message {
        limits.max_body_bytes()
    } else {
        limits.max_error_body_bytes()
    };
    if is_message && body.size_hint().lower() > cap as u64 {
        return Err(TransportError::body_too_large(cap));
    }
    let mut out = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(classify_body_error)?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if out.len() + data.len() > cap {
            if is_message {
                return Err(TransportError::body_too_large(cap));
            }
            out.extend_from_slice(&data[..cap - out.len()]);
            break;
        }
        out.extend_from_slice(&data);
    }
    Ok(out.freeze())
}

fn classify_request_error(error: hyper_util::client::legacy::Error) -> TransportError {
    if error.is_connect() {
        return TransportError::connect(error);
    }
    if source_chain_has_timeout(&error) {
        return TransportError::timeout();
    }
    TransportError::io(error)
}

/// A failure while reading the body: the request may have been processed.
fn classify_body_error(error: hyper::Error) -> TransportError {
    if error.is_timeout() {
        TransportError::timeout()
    } else {
        TransportError::io(error)
    }
}

fn source_chain_has_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(h) = e.downcast_ref::<hyper::Error>()
            && h.is_timeout()
        {
            return true;
        }
        current = e.source();
    }
    false
}

/// rustls's *ring* provider, set on our own configuration (no process-wide default).
///
/// rustls 0.23.48 deprecates it for offering no post-quantum key exchange (its aws-lc-rs
/// provider has the hybrid `X25519MLKEM768`, which Go's TLS, and so the Go SDK, offers by
/// default). We keep *ring* for now because aws-lc-rs builds a C library (a C toolchain, and
/// CMake on some targets) into every user's build; the exchange stays classical X25519/ECDHE.
/// Switching is this one function and the `ring` features in Cargo.toml.
#[allow(deprecated)]
fn ring_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_transport_offers_http11_and_h2_on_request() {
        // Without roots, so that `--no-default-features` runs it too: ALPN does not depend on them.
        let transport = HyperTransport::builder()
            .no_default_roots()
            .build()
            .unwrap();
        let tls = transport.tls_config();
        assert_eq!(tls.alpn_protocols, vec![b"http/1.1".to_vec()]);
        let h2 = HyperTransport::builder()
            .no_default_roots()
            .http2(true)
            .build()
            .unwrap();
        assert_eq!(
            h2.tls_config().alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        // The ring provider was set on this configuration, not taken from a global default.
        assert!(!tls.crypto_provider().cipher_suites.is_empty());
        assert_eq!(
            format!("{transport:?}"),
            r#"HyperTransport { alpn: ["http/1.1"], .. }"#
        );
    }

    #[cfg(feature = "webpki-roots")]
    #[test]
    fn webpki_roots_are_the_default() {
        // Exactly the bundled Mozilla roots: not an empty store, not the OS's.
        let default = root_store(Roots::Default).unwrap();
        assert_eq!(default.roots, webpki_roots::TLS_SERVER_ROOTS.to_vec());
        let chosen = root_store(Roots::Webpki).unwrap();
        assert_eq!(chosen.roots, default.roots);
        let none = root_store(Roots::Custom(rustls::RootCertStore::empty())).unwrap();
        assert!(none.is_empty());
    }

    /// With neither root feature the default store is empty: building fails, naming the
    /// remedies, instead of a transport whose every TLS handshake fails.
    #[test]
    fn an_empty_root_store_is_refused_unless_chosen() {
        let empty = rustls::RootCertStore::empty();
        let error = require_roots(&empty, false).unwrap_err();
        assert!(error.is_config(), "{error:?}");
        assert!(error.to_string().contains("webpki-roots"), "{error}");
        assert!(require_roots(&empty, true).is_ok());
        // Chosen: plain http:// only.
        assert!(HyperTransport::builder().no_default_roots().build().is_ok());
    }

    #[test]
    fn a_custom_configuration_gets_our_alpn() {
        let config = ClientConfig::builder_with_provider(ring_provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let transport = HyperTransport::builder()
            .tls_config(Arc::new(config))
            .http2(true)
            .build()
            .unwrap();
        assert_eq!(transport.tls_config().alpn_protocols.len(), 2);
    }

    #[test]
    fn invalid_root_certificates_are_refused() {
        let err = HyperTransport::builder()
            .no_default_roots()
            .add_root_certificate(b"not a certificate".to_vec())
            .build()
            .unwrap_err();
        assert!(err.is_config(), "{err:?}");
    }
}
