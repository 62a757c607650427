//! The default transport: hyper-util's pooled client over rustls (ring), HTTP/1.1 and HTTP/2.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::ClientConfig;

use crate::error::Error;
use crate::plain::PlainPool;
use crate::transport::{Transport, TransportError, TransportLimits};

/// The default [`Transport`]: a pooled hyper client with rustls.
///
/// * TLS through rustls with the *ring* provider, set on the connector's own configuration
///   (no process-wide default is installed or needed); TLS 1.2 and 1.3.
/// * ALPN `h2` then `http/1.1`: HTTP/2 where the server offers it, HTTP/1.1 otherwise
///   (hyper-util's pooled client). Plain `http://` URLs use HTTP/1.1 on a leaner keep-alive
///   pool of their own (hyper's connection API over Tokio TCP).
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
    client: HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    /// `http://` requests (absent with `https_only`).
    plain: Option<Arc<PlainPool>>,
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

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport")
            .field("alpn", &alpn_names(&self.tls))
            .finish_non_exhaustive()
    }
}

fn alpn_names(config: &ClientConfig) -> Vec<String> {
    config
        .alpn_protocols
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

/// Where the trusted root certificates come from.
#[derive(Clone)]
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
#[derive(Clone)]
pub struct HyperTransportBuilder {
    connect_timeout: Duration,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
    https_only: bool,
    roots: Roots,
    extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        HyperTransportBuilder {
            connect_timeout: crate::client::DEFAULT_CONNECT_TIMEOUT,
            pool_idle_timeout: Some(Duration::from_secs(90)),
            pool_max_idle_per_host: usize::MAX,
            https_only: false,
            roots: Roots::Default,
            extra_roots: Vec::new(),
        }
    }
}

impl fmt::Debug for HyperTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let roots = match &self.roots {
            Roots::Default => "default",
            #[cfg(feature = "webpki-roots")]
            Roots::Webpki => "webpki",
            #[cfg(feature = "native-roots")]
            Roots::Native => "native",
            Roots::Custom(_) => "custom",
            Roots::Config(_) => "config",
        };
        f.debug_struct("HyperTransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("https_only", &self.https_only)
            .field("roots", &roots)
            .field("extra_roots", &self.extra_roots.len())
            .finish()
    }
}

impl HyperTransportBuilder {
    /// The time to establish a TCP connection (default 10 s). A failure to connect in time
    /// is a connect error (the request never left). The TLS handshake counts against the
    /// attempt's timeout.
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
    /// crypto provider). Its ALPN list is replaced by `h2`, `http/1.1`; root choices made
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
    /// If a root certificate given with `add_root_certificate` is invalid, or if the
    /// operating system's roots are chosen and none could be loaded.
    pub fn build(self) -> Result<HyperTransport, Error> {
        let mut tls = match self.roots {
            Roots::Config(config) => (*config).clone(),
            roots => {
                let mut store = root_store(roots)?;
                for der in self.extra_roots {
                    store
                        .add(der)
                        .map_err(|e| Error::config_source("invalid root certificate", e))?;
                }
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| Error::config_source("TLS configuration", e))?
                    .with_root_certificates(store)
                    .with_no_client_auth()
            }
        };
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let tls = Arc::new(tls);

        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(self.connect_timeout));
        let mut https = HttpsConnector::from((http, tls.clone()));
        if self.https_only {
            https.enforce_https();
        }

        let mut builder = HyperClient::builder(TokioExecutor::new());
        builder
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host);
        let client = builder.build(https);
        let plain = (!self.https_only).then(|| {
            Arc::new(PlainPool::new(
                self.connect_timeout,
                self.pool_idle_timeout,
                self.pool_max_idle_per_host,
            ))
        });
        Ok(HyperTransport { client, plain, tls })
    }
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
        self.send_direct(request, limits)
            .await
            .map(|(response, _)| response)
    }
}

impl HyperTransport {
    /// [`Transport::send`] without the boxed future (what the client calls); also says
    /// whether the response carries a message (`200` protobuf), so that the client need not
    /// look at its content type again.
    pub(crate) async fn send_direct(
        &self,
        request: http::Request<Bytes>,
        limits: &TransportLimits,
    ) -> Result<(http::Response<Bytes>, bool), TransportError> {
        if let Some(plain) = &self.plain
            && request.uri().scheme() == Some(&http::uri::Scheme::HTTP)
        {
            let (response, lease) = plain.send(request).await?;
            let (parts, body) = response.into_parts();
            let (body, is_message, complete) = read_body(&parts, body, limits).await?;
            if complete {
                plain.give_back(lease);
            }
            return Ok((http::Response::from_parts(parts, body), is_message));
        }
        let request = request.map(Full::new);
        let response = self
            .client
            .request(request)
            .await
            .map_err(classify_request_error)?;
        let (parts, body) = response.into_parts();
        let (body, is_message, _) = read_body(&parts, body, limits).await?;
        Ok((http::Response::from_parts(parts, body), is_message))
    }
}

/// Reads a response body with the cap that fits it: the message cap (exceeding it is an
/// error) for a Twirp success, the error-body cap (the rest is dropped) otherwise. Also says
/// whether it is a message, and whether the body was read to its end (so that the connection
/// can be reused).
async fn read_body(
    parts: &http::response::Parts,
    body: Incoming,
    limits: &TransportLimits,
) -> Result<(Bytes, bool, bool), TransportError> {
    if crate::codec::expects_message(parts.status, &parts.headers) {
        let declared = declared_length(&parts.headers);
        let (body, complete) = read_capped(body, declared, limits.max_body_bytes(), false).await?;
        Ok((body, true, complete))
    } else {
        let (body, complete) = read_capped(body, None, limits.max_error_body_bytes(), true).await?;
        Ok((body, false, complete))
    }
}

fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Reads `body` up to `cap` bytes: past the cap, fail (`truncate == false`) or stop
/// reading and keep the first `cap` bytes (`truncate == true`; the connection is dropped).
/// The flag says whether the body was read to its end.
async fn read_capped(
    mut body: Incoming,
    declared: Option<u64>,
    cap: usize,
    truncate: bool,
) -> Result<(Bytes, bool), TransportError> {
    if let Some(length) = declared
        && !truncate
        && length > cap as u64
    {
        return Err(TransportError::body_too_large(cap));
    }
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(classify_body_error)?;
        let Ok(mut data) = frame.into_data() else {
            continue;
        };
        if total + data.len() > cap {
            if !truncate {
                return Err(TransportError::body_too_large(cap));
            }
            data.truncate(cap - total);
            append(&mut first, &mut rest, data);
            return Ok((join(first, rest), false));
        }
        total += data.len();
        append(&mut first, &mut rest, data);
    }
    Ok((join(first, rest), true))
}

fn join(first: Option<Bytes>, rest: Option<BytesMut>) -> Bytes {
    match (first, rest) {
        (_, Some(all)) => all.freeze(),
        (Some(only), None) => only,
        (None, None) => Bytes::new(),
    }
}

/// Keeps a single chunk without copying; copies only when a second chunk arrives.
fn append(first: &mut Option<Bytes>, rest: &mut Option<BytesMut>, data: Bytes) {
    if data.is_empty() {
        return;
    }
    match (first.take(), rest.as_mut()) {
        (_, Some(all)) => all.extend_from_slice(&data),
        (None, None) => *first = Some(data),
        (Some(previous), None) => {
            let mut all = BytesMut::with_capacity(previous.len() + data.len());
            all.extend_from_slice(&previous);
            all.extend_from_slice(&data);
            *rest = Some(all);
        }
    }
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

fn classify_body_error(error: hyper::Error) -> TransportError {
    crate::plain::classify(error)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_transport_speaks_tls_with_h2_and_http11_alpn() {
        let transport = HyperTransport::new().unwrap();
        let tls = transport.tls_config();
        assert_eq!(
            tls.alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        // The ring provider was set on this configuration, not taken from a global default.
        assert!(!tls.crypto_provider().cipher_suites.is_empty());
        assert!(format!("{transport:?}").contains("h2"));
    }

    #[cfg(feature = "webpki-roots")]
    #[test]
    fn webpki_roots_are_the_default() {
        assert!(!webpki_store().roots.is_empty());
    }

    #[test]
    fn a_custom_configuration_gets_our_alpn() {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let transport = HyperTransport::builder()
            .tls_config(Arc::new(config))
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

    #[test]
    fn chunks_are_joined_without_copying_a_single_one() {
        let (mut first, mut rest) = (None, None);
        append(&mut first, &mut rest, Bytes::from_static(b"ab"));
        assert!(rest.is_none());
        append(&mut first, &mut rest, Bytes::from_static(b"cd"));
        append(&mut first, &mut rest, Bytes::from_static(b"e"));
        assert_eq!(rest.unwrap().as_ref(), b"abcde");
    }
}
