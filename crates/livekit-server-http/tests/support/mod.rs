//! In-process test servers on 127.0.0.1:0, each on its own thread and runtime: an HTTP/1.1
//! server driven by a closure, and raw TCP servers for behaviour hyper would not produce
//! (truncated bodies, resets, silence); and the calls the tests make ([`rooms`]).

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

pub mod rooms;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn bearer(&self) -> &str {
        self.header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .expect("bearer token")
    }

    pub fn request_id(&self) -> &str {
        self.header("x-livekit-request-id").expect("request id")
    }

    pub fn timeout_ms(&self) -> u64 {
        self.header("x-twirp-timeout-ms")
            .expect("timeout header")
            .parse()
            .expect("number")
    }
}

/// What the HTTP server answers.
pub enum Reply {
    /// A complete response.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Bytes,
    },
    /// Never answer (the handler waits forever).
    Stall,
    /// Send the status and headers, then stall in the middle of the body.
    StallBody {
        status: u16,
        headers: Vec<(String, String)>,
        first: Bytes,
    },
}

impl Reply {
    pub fn new(status: u16, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
        Reply::Full {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.into(),
        }
    }

    pub fn protobuf(body: impl Into<Bytes>) -> Reply {
        Reply::new(200, &[("content-type", "application/protobuf")], body)
    }

    pub fn twirp(status: u16, code: &str, msg: &str) -> Reply {
        let body = format!(r#"{{"code":"{code}","msg":"{msg}"}}"#);
        Reply::new(status, &[("content-type", "application/json")], body)
    }
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// A running server; dropped at the end of the test, which stops it.
pub struct Server {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    accepted: Arc<std::sync::atomic::AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// An HTTP/1.1 server; `handler` gets each request and its 0-based index.
    pub fn http(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Server {
        let handler: Arc<Handler> = Arc::new(handler);
        Server::start(move |listener, seen, accepted| async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let handler = handler.clone();
                let seen = seen.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: http::Request<Incoming>| {
                        let handler = handler.clone();
                        let seen = seen.clone();
                        async move { Ok::<_, Infallible>(respond(request, &*handler, &seen).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        })
    }

    /// A raw TCP server: `handler` gets each accepted connection and its index.
    pub fn raw<F, Fut>(handler: F) -> Server
    where
        F: Fn(TcpStream, usize, Arc<Mutex<Vec<Seen>>>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let handler = Arc::new(handler);
        Server::start(move |listener, seen, accepted| async move {
            let mut index = 0;
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(handler(stream, index, seen.clone()));
                index += 1;
            }
        })
    }

    fn start<F, Fut>(serve: F) -> Server
    where
        F: FnOnce(TcpListener, Arc<Mutex<Vec<Seen>>>, Arc<std::sync::atomic::AtomicUsize>) -> Fut
            + Send
            + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let accepted_for_thread = accepted.clone();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown, shutdown_rx) = oneshot::channel::<()>();
        let seen_for_thread = seen.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            runtime.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                addr_tx
                    .send(listener.local_addr().expect("addr"))
                    .expect("send addr");
                tokio::select! {
                    () = serve(listener, seen_for_thread, accepted_for_thread) => {}
                    _ = shutdown_rx => {}
                }
            });
        });
        let addr = addr_rx.recv().expect("server started");
        Server {
            addr,
            seen,
            accepted,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn respond(
    request: http::Request<Incoming>,
    handler: &Handler,
    seen: &Mutex<Vec<Seen>>,
) -> http::Response<http_body_util::combinators::BoxBody<Bytes, Infallible>> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let request = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        headers: parts.headers,
        body,
    };
    let index = {
        let mut seen = seen.lock().unwrap();
        seen.push(request.clone());
        seen.len() - 1
    };
    match handler(&request, index) {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut response = http::Response::new(Full::new(body).boxed());
            *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
            for (k, v) in headers {
                response.headers_mut().append(
                    http::HeaderName::try_from(k).unwrap(),
                    http::HeaderValue::try_from(v).unwrap(),
                );
            }
            response
        }
        Reply::Stall => std::future::pending().await,
        Reply::StallBody {
            status,
            headers,
            first,
        } => {
            let stream = futures_stream(first);
            let mut response = http::Response::new(stream);
            *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
            for (k, v) in headers {
                response.headers_mut().append(
                    http::HeaderName::try_from(k).unwrap(),
                    http::HeaderValue::try_from(v).unwrap(),
                );
            }
            response
        }
    }
}

/// A body that yields `first` and then never ends.
fn futures_stream(first: Bytes) -> http_body_util::combinators::BoxBody<Bytes, Infallible> {
    StallingBody { first: Some(first) }.boxed()
}

struct StallingBody {
    first: Option<Bytes>,
}

impl hyper::body::Body for StallingBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        match self.first.take() {
            Some(first) => std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(first)))),
            // Never woken: the body stalls forever.
            None => std::task::Poll::Pending,
        }
    }
}

/// Reads one HTTP/1.1 request (headers and a `Content-Length` body) from a raw connection.
pub async fn read_request(stream: &mut TcpStream) -> Seen {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "client closed before sending a request");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = http::HeaderMap::new();
    for line in lines.filter(|l| !l.is_empty()) {
        if let Some((k, v)) = line.split_once(':') {
            headers.append(
                http::HeaderName::try_from(k.trim()).unwrap(),
                http::HeaderValue::try_from(v.trim()).unwrap(),
            );
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).await.expect("read body");
        assert!(n > 0, "client closed mid-body");
        buf.extend_from_slice(&chunk[..n]);
    }
    Seen {
        method,
        path,
        headers,
        body: Bytes::copy_from_slice(&buf[header_end..header_end + length]),
    }
}

/// Reads one request from a raw connection and records it, as the HTTP server does.
pub async fn record_request(stream: &mut TcpStream, seen: &Mutex<Vec<Seen>>) {
    let request = read_request(stream).await;
    seen.lock().unwrap().push(request);
}

/// The head of a `200 OK` protobuf response announcing `content_length` body bytes.
pub fn protobuf_head(content_length: usize) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/protobuf\r\ncontent-length: {content_length}\r\n\r\n"
    )
}

/// Writes raw bytes.
pub async fn write_all(stream: &mut TcpStream, bytes: &[u8]) {
    stream.write_all(bytes).await.expect("write");
    stream.flush().await.expect("flush");
}

/// Closes the connection with a TCP reset instead of an orderly shutdown.
pub fn reset(stream: TcpStream) {
    #[allow(deprecated)]
    stream.set_linger(Some(Duration::ZERO)).expect("linger");
    drop(stream);
}

/// An address on which nothing listens (bound, then released).
pub fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    addr
}
