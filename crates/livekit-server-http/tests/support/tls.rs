//! TLS for the in-process servers: the test CA and server certificate (`tests/tls/`), a rustls
//! server configuration accepting a chosen ALPN list, a client that trusts the test CA, and
//! the server-side handshake (`tokio-rustls`) that hyper's servers run on.

use std::io;
use std::sync::Arc;

use livekit_server_http::{ClientBuilder, HyperTransport};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpStream;

/// The ALPN identifier of HTTP/2.
pub const H2: &[u8] = b"h2";
/// The ALPN identifier of HTTP/1.1.
pub const HTTP11: &[u8] = b"http/1.1";

/// The test CA's certificate (DER), which signed `tls/server.pem`.
pub fn ca_der() -> Vec<u8> {
    CertificateDer::from_pem_slice(include_bytes!("../tls/ca.pem"))
        .unwrap()
        .to_vec()
}

/// A server configuration for `localhost` / `127.0.0.1` that accepts exactly `alpn`.
pub fn server_config(alpn: &[&[u8]]) -> Arc<rustls::ServerConfig> {
    let chain = vec![CertificateDer::from_pem_slice(include_bytes!("../tls/server.pem")).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../tls/server.key.pem")).unwrap();
    #[allow(deprecated)] // ring's provider: the SDK's own choice, see hyper_transport.rs
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// A client builder for `url` with the default transport, HTTP/2 offered, trusting only the
/// test CA.
pub fn client_builder(url: &str) -> ClientBuilder {
    let transport = HyperTransport::builder()
        .http2(true)
        .no_default_roots()
        .add_root_certificate(ca_der());
    livekit_server_http::Client::builder()
        .url(url)
        .credentials(super::KEY, super::SECRET)
        .hyper_transport(transport)
}

/// Completes a TLS handshake on `tcp` as the server; the stream, and whether ALPN chose `h2`.
pub async fn accept(
    tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
) -> io::Result<(tokio_rustls::server::TlsStream<TcpStream>, bool)> {
    let stream = tokio_rustls::TlsAcceptor::from(config).accept(tcp).await?;
    let http2 = stream.get_ref().1.alpn_protocol() == Some(H2);
    Ok((stream, http2))
}
