//! Plain-HTTP (`http://`) connections: HTTP/1.1 over Tokio TCP on hyper's connection API,
//! with a small keep-alive pool.
//!
//! `https://` goes through hyper-util's pooled client (TLS, ALPN, HTTP/2). Plain HTTP — a
//! self-hosted server reached inside a cluster or on loopback — takes this shorter path: one
//! lock to take an idle connection and one to give it back, no per-request background task,
//! no speculative second connection. Each request owns its connection until its response
//! body is read; a request that is abandoned (timeout, cancellation) drops the connection,
//! which hyper then closes, so a half-used connection is never reused.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::uri::{Authority, PathAndQuery};
use http::{HeaderValue, Uri};
use http_body_util::Full;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;

use crate::transport::TransportError;

type Sender = http1::SendRequest<Full<Bytes>>;

/// Idle keep-alive connections per `host:port`.
pub(crate) struct PlainPool {
    hosts: Mutex<HashMap<Authority, Host>>,
    connect_timeout: Duration,
    idle_timeout: Option<Duration>,
    max_idle_per_host: usize,
}

/// One `host:port`: its `Host` header value and its idle connections.
struct Host {
    header: HeaderValue,
    idle: Vec<Idle>,
}

struct Idle {
    sender: Sender,
    since: Instant,
}

/// A connection taken from the pool (or new) for one request.
pub(crate) struct Lease {
    sender: Sender,
    authority: Authority,
}

impl PlainPool {
    pub(crate) fn new(
        connect_timeout: Duration,
        idle_timeout: Option<Duration>,
        max_idle_per_host: usize,
    ) -> Self {
        PlainPool {
            hosts: Mutex::default(),
            connect_timeout,
            idle_timeout,
            max_idle_per_host,
        }
    }

    /// The `Host` header for `authority`, and an idle connection to it if there is one.
    fn take(&self, authority: &Authority) -> Result<(HeaderValue, Option<Sender>), TransportError> {
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        let host = match hosts.get_mut(authority) {
            Some(host) => host,
            None => {
                let header =
                    HeaderValue::from_str(authority.as_str()).map_err(TransportError::connect)?;
                hosts.entry(authority.clone()).or_insert(Host {
                    header,
                    idle: Vec::new(),
                })
            }
        };
        while let Some(candidate) = host.idle.pop() {
            let expired = self
                .idle_timeout
                .is_some_and(|t| candidate.since.elapsed() >= t);
            if !expired && !candidate.sender.is_closed() {
                return Ok((host.header.clone(), Some(candidate.sender)));
            }
        }
        Ok((host.header.clone(), None))
    }

    /// Returns a connection whose response was read in full.
    pub(crate) fn give_back(&self, lease: Lease) {
        if lease.sender.is_closed() || self.max_idle_per_host == 0 {
            return;
        }
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(host) = hosts.get_mut(&lease.authority)
            && host.idle.len() < self.max_idle_per_host
        {
            host.idle.push(Idle {
                sender: lease.sender,
                since: Instant::now(),
            });
        }
    }

    async fn connect(&self, authority: &Authority) -> Result<Sender, TransportError> {
        let host = authority.host();
        // `[::1]` → `::1`: the brackets belong to the URI syntax, not to the address.
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let port = authority.port_u16().unwrap_or(80);
        let connecting = tokio::net::TcpStream::connect((host, port));
        let stream = match tokio::time::timeout(self.connect_timeout, connecting).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => return Err(TransportError::connect(e)),
            Err(_) => return Err(TransportError::connect("connect timed out")),
        };
        // Latency matters more than packet count for small RPCs.
        let _ = stream.set_nodelay(true);
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(TransportError::connect)?;
        // Runs until the connection closes: when every sender is dropped, or on an error.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// Sends `request` (absolute URI) and returns the response head with its body still to
    /// read, and the connection to give back once the body is read.
    pub(crate) async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<(http::Response<hyper::body::Incoming>, Lease), TransportError> {
        let (mut parts, body) = request.into_parts();
        let Some(authority) = parts.uri.authority().cloned() else {
            return Err(TransportError::connect("the request URI has no host"));
        };
        // HTTP/1.1 origin-form request line, and the host in `Host`.
        let (host, mut idle) = self.take(&authority)?;
        let path = parts.uri.path_and_query().cloned();
        parts.uri = Uri::from(path.unwrap_or_else(|| PathAndQuery::from_static("/")));
        parts.headers.entry(http::header::HOST).or_insert(host);
        let mut request = http::Request::from_parts(parts, Full::new(body));

        // A pooled connection may have been closed by the server while idle; a request that
        // provably did not go out on it is sent again on another one.
        loop {
            let (mut sender, pooled) = match idle.take() {
                Some(sender) => (sender, true),
                None => match self.take(&authority)?.1 {
                    Some(sender) => (sender, true),
                    // Connecting is rare and its future is large: keep it out of this one.
                    None => (Box::pin(self.connect(&authority)).await?, false),
                },
            };
            if sender.ready().await.is_err() {
                if pooled {
                    continue;
                }
                return Err(TransportError::connect(
                    "the new connection closed before use",
                ));
            }
            match sender.try_send_request(request).await {
                Ok(response) => return Ok((response, Lease { sender, authority })),
                Err(mut error) => match error.take_message() {
                    // Not written: safe to send on another connection.
                    Some(unsent) if pooled => request = unsent,
                    Some(_) => return Err(TransportError::connect(error.into_error())),
                    None => return Err(classify(error.into_error())),
                },
            }
        }
    }
}

/// A failure after the request may have been written: outcome unknown.
pub(crate) fn classify(error: hyper::Error) -> TransportError {
    if error.is_timeout() {
        TransportError::timeout()
    } else {
        TransportError::io(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connection_refused_is_a_connect_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let pool = PlainPool::new(Duration::from_secs(5), None, 8);
        let request = http::Request::builder()
            .uri(format!("http://{addr}/twirp/a.B/C"))
            .body(Bytes::new())
            .unwrap();
        let error = pool.send(request).await.err().unwrap();
        assert!(error.is_connect(), "{error:?}");
    }
}
