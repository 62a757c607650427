//! In-process test servers on 127.0.0.1:0, each on its own thread and runtime: an HTTP/1.1
//! server and an HTTPS one (HTTP/2 or HTTP/1.1, as ALPN decides; [`tls`]) driven by a
//! closure, and raw TCP servers for behaviour hyper would not produce (truncated bodies,
//! resets, silence); the calls the tests make ([`rooms`]) and the checks they share.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

pub mod rooms;
pub mod tls;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use livekit_server_http::{CallOptions, Client, Error, Rpc, Scope};
use rooms::{ListRoomsRequest, ListRoomsResponse};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot, watch};

/// The API key the test clients sign with.
pub const KEY: &str = "APIkey";
/// The API secret the test clients sign with.
pub const SECRET: &str = "secret-secret-secret-secret-1234";

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub version: http::Version,
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

    /// Asserts what every Twirp call sends: `POST path` with `body`, the protobuf content
    /// type, no `Accept`, the SDK's user agent and a UUIDv4 request id.
    pub fn assert_twirp(&self, path: &str, body: &[u8]) {
        assert_eq!(self.method, "POST");
        assert_eq!(self.path, path);
        assert_eq!(self.header("content-type"), Some("application/protobuf"));
        assert_eq!(self.header("accept"), None);
        assert_eq!(
            self.header("user-agent"),
            Some(concat!(
                "livekit-server-sdk-rust/",
                env!("CARGO_PKG_VERSION")
            ))
        );
        assert_eq!(self.body, body);
        let id = self.request_id();
        assert_eq!((id.len(), &id[14..15]), (36, "4"), "{id}");
    }
}

/// The claims of `bearer`, a token that must verify under [`KEY`]/[`SECRET`], be issued by
/// [`KEY`] and grant exactly `roomList` (what a `ListRooms` call or a region discovery for it
/// sends).
pub fn room_list_claims(bearer: &str) -> livekit_server_http::auth::Claims {
    use livekit_server_http::auth::{TokenVerifier, VideoGrants};
    let claims = TokenVerifier::new(KEY, SECRET)
        .unwrap()
        .verify(bearer)
        .unwrap();
    assert_eq!(claims.iss, KEY);
    assert_eq!(
        claims.video,
        Some(VideoGrants {
            room_list: true,
            ..Default::default()
        })
    );
    claims
}

/// `elapsed` is at least `expected` and at most `expected` plus a scheduling allowance.
pub fn assert_near(elapsed: Duration, expected: Duration) {
    assert!(
        elapsed >= expected,
        "returned early: {elapsed:?} < {expected:?}"
    );
    assert!(
        // Wide: a stalled test process must not flip the verdict, and 2 s still keeps the
        // call's own deadline apart from the 10 s default attempt timeout.
        elapsed < expected + Duration::from_secs(2),
        "returned late: {elapsed:?} for a deadline of {expected:?}"
    );
}

/// Calls `rpc` with an empty `ListRoomsRequest`.
pub async fn call(
    client: &Client,
    rpc: &Rpc,
    options: &CallOptions,
) -> Result<ListRoomsResponse, Error> {
    client
        .call(rpc, Scope::NONE, &ListRoomsRequest::default(), options)
        .await
}

/// Awaits `call`, which must fail with a timeout `expected` after it starts (give or take
/// scheduling), the request sent and its outcome unknown; returns the error.
pub async fn expect_timeout<T: std::fmt::Debug>(
    call: impl Future<Output = Result<T, Error>>,
    expected: Duration,
) -> Error {
    let started = Instant::now();
    let error = call.await.unwrap_err();
    assert_near(started.elapsed(), expected);
    assert!(
        error.is_timeout() && error.is_transport() && error.outcome_unknown(),
        "{error:?}"
    );
    error
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
    /// Send the status, the headers and `first`, then do `then` instead of ending the body.
    Partial {
        status: u16,
        headers: Vec<(String, String)>,
        first: Bytes,
        then: Then,
    },
    /// The handler fails: HTTP/2 resets the stream (`RST_STREAM`), HTTP/1.1 closes the
    /// connection without an answer.
    Fail,
    /// Answer with this reply, then shut the connection down gracefully: HTTP/2 `GOAWAY`
    /// (in-flight streams finish), HTTP/1.1 `Connection: close`.
    GoAway(Box<Reply>),
    /// Answer with the reply this future gives, once it does.
    Later(Pin<Box<dyn Future<Output = Reply> + Send>>),
}

/// How a [`Reply::Partial`] body goes on after its first chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// It stalls forever.
    Stall,
    /// It fails: HTTP/2 resets the stream, HTTP/1.1 closes the connection.
    Fail,
    /// The server closes the connection (no `GOAWAY`, no TLS `close_notify`).
    Close,
}

impl Reply {
    pub fn new(status: u16, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
        Reply::Full {
            status,
            headers: owned(headers),
            body: body.into(),
        }
    }

    pub fn protobuf(body: impl Into<Bytes>) -> Reply {
        Reply::new(200, &[("content-type", "application/protobuf")], body)
    }

    /// A `200` protobuf response whose body is `first`, then `then`.
    pub fn partial(first: impl Into<Bytes>, then: Then) -> Reply {
        Reply::Partial {
            status: 200,
            headers: owned(&[("content-type", "application/protobuf")]),
            first: first.into(),
            then,
        }
    }

    pub fn twirp(status: u16, code: &str, msg: &str) -> Reply {
        let body = format!(r#"{{"code":"{code}","msg":"{msg}"}}"#);
        Reply::new(status, &[("content-type", "application/json")], body)
    }

    /// The reply `reply` gives, once it does.
    pub fn later(reply: impl Future<Output = Reply> + Send + 'static) -> Reply {
        Reply::Later(Box::pin(reply))
    }
}

fn owned(headers: &[(&str, &str)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// What the server's thread shares with the test.
#[derive(Clone)]
struct Shared {
    seen: Arc<Mutex<Vec<Seen>>>,
    accepted: Arc<AtomicUsize>,
    /// How many connections served by hyper have ended.
    closed: Arc<watch::Sender<usize>>,
}

/// A running server; dropped at the end of the test, which stops it.
pub struct Server {
    pub addr: SocketAddr,
    tls: bool,
    shared: Shared,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// An HTTP/1.1 server; `handler` gets each request and its 0-based index.
    pub fn http(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Server {
        Server::hyper(None, handler)
    }

    /// An HTTPS server with the test certificate that accepts the ALPN protocols `alpn`
    /// and speaks HTTP/2 when `h2` is negotiated, HTTP/1.1 otherwise.
    pub fn https(
        alpn: &[&[u8]],
        handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Server::hyper(Some(tls::server_config(alpn)), handler)
    }

    fn hyper(
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let handler: Arc<Handler> = Arc::new(handler);
        let is_tls = tls.is_some();
        Server::start(is_tls, move |listener, shared| async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                shared.accepted.fetch_add(1, Ordering::SeqCst);
                let (handler, shared, tls) = (handler.clone(), shared.clone(), tls.clone());
                tokio::spawn(async move {
                    let seen = shared.seen.clone();
                    match tls {
                        None => serve_connection(stream, false, handler, seen).await,
                        Some(config) => {
                            if let Ok((stream, http2)) = tls::accept(stream, config).await {
                                serve_connection(stream, http2, handler, seen).await;
                            }
                        }
                    }
                    shared.closed.send_modify(|n| *n += 1);
                });
            }
        })
    }

    /// A raw TCP server: `handler` gets each accepted connection and its index.
    pub fn raw<F, Fut>(handler: F) -> Server
    where
        F: Fn(TcpStream, usize, Arc<Mutex<Vec<Seen>>>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler = Arc::new(handler);
        Server::start(false, move |listener, shared| async move {
            let mut index = 0;
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                shared.accepted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(handler(stream, index, shared.seen.clone()));
                index += 1;
            }
        })
    }

    fn start<F, Fut>(tls: bool, serve: F) -> Server
    where
        F: FnOnce(TcpListener, Shared) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let shared = Shared {
            seen: Arc::new(Mutex::new(Vec::new())),
            accepted: Arc::new(AtomicUsize::new(0)),
            closed: Arc::new(watch::Sender::new(0)),
        };
        let for_thread = shared.clone();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown, shutdown_rx) = oneshot::channel::<()>();
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
                    () = serve(listener, for_thread) => {}
                    _ = shutdown_rx => {}
                }
            });
        });
        let addr = addr_rx.recv().expect("server started");
        Server {
            addr,
            tls,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`, or `https://localhost:<port>` (the certificate's name).
    pub fn url(&self) -> String {
        if self.tls {
            format!("https://localhost:{}", self.addr.port())
        } else {
            format!("http://{}", self.addr)
        }
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Waits until `n` connections served by hyper have ended (closed by either side).
    pub async fn closed(&self, n: usize) {
        let mut closed = self.shared.closed.subscribe();
        closed.wait_for(|&ended| ended >= n).await.unwrap();
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The requests seen, once there are at least `n` (waiting at most 20 s). The server's
    /// thread records a request when it reads it, which on a loaded machine may come after a
    /// client that gave up on it returned: read after a client-side timeout through this.
    pub async fn requests_at_least(&self, n: usize) -> Vec<Seen> {
        let started = Instant::now();
        loop {
            let seen = self.requests();
            if seen.len() >= n {
                return seen;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the server saw {} requests, not {n}",
                seen.len()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
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

/// What a reply may do to the connection it is sent on.
#[derive(Default)]
struct Control {
    /// Shut down gracefully (HTTP/2 `GOAWAY`).
    shutdown: Notify,
    /// Close now, mid-exchange.
    close: Notify,
}

/// Serves one connection with hyper, HTTP/2 or HTTP/1.1, until it ends or a reply ends it.
async fn serve_connection<S>(
    stream: S,
    http2: bool,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<Seen>>>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let control = Arc::new(Control::default());
    let for_service = control.clone();
    let service = service_fn(move |request: http::Request<Incoming>| {
        let (handler, seen, control) = (handler.clone(), seen.clone(), for_service.clone());
        respond(request, handler, seen, control)
    });
    let io = TokioIo::new(stream);
    if http2 {
        let connection = http2::Builder::new(TokioExecutor::new()).serve_connection(io, service);
        drive(connection, control, |c| c.graceful_shutdown()).await;
    } else {
        let connection = http1::Builder::new().serve_connection(io, service);
        drive(connection, control, |c| c.graceful_shutdown()).await;
    }
}

/// Polls `connection` to its end; on [`Control::shutdown`] shuts it down gracefully, on
/// [`Control::close`] drops it (closing the socket).
async fn drive<C: Future>(
    connection: C,
    control: Arc<Control>,
    shutdown: impl FnOnce(Pin<&mut C>),
) {
    let mut connection = pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        () = control.close.notified() => return,
        () = control.shutdown.notified() => shutdown(connection.as_mut()),
    }
    tokio::select! {
        _ = connection => {}
        () = control.close.notified() => {}
    }
}

type Body = BoxBody<Bytes, io::Error>;

async fn respond(
    request: http::Request<Incoming>,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<Seen>>>,
    control: Arc<Control>,
) -> Result<http::Response<Body>, io::Error> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let request = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        version: parts.version,
        headers: parts.headers,
        body,
    };
    let index = {
        let mut seen = seen.lock().unwrap();
        seen.push(request.clone());
        seen.len() - 1
    };
    let mut reply = handler(&request, index);
    loop {
        reply = match reply {
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let body = Full::new(body).map_err(|never| match never {}).boxed();
                return Ok(response(status, headers, body));
            }
            Reply::Stall => std::future::pending().await,
            Reply::Partial {
                status,
                headers,
                first,
                then,
            } => {
                let body = PartialBody {
                    first: Some(first),
                    then,
                    control,
                };
                return Ok(response(status, headers, body.boxed()));
            }
            Reply::Fail => return Err(io::Error::other("the handler failed")),
            Reply::GoAway(reply) => {
                control.shutdown.notify_one();
                *reply
            }
            Reply::Later(reply) => reply.await,
        };
    }
}

fn response(status: u16, headers: Vec<(String, String)>, body: Body) -> http::Response<Body> {
    let mut response = http::Response::new(body);
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
    for (k, v) in headers {
        response.headers_mut().append(
            http::HeaderName::try_from(k).unwrap(),
            http::HeaderValue::try_from(v).unwrap(),
        );
    }
    response
}

/// A body that yields `first`, then goes on as `then` says.
struct PartialBody {
    first: Option<Bytes>,
    then: Then,
    control: Arc<Control>,
}

impl hyper::body::Body for PartialBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        match self.then {
            // Never woken: the body stalls forever.
            Then::Stall => Poll::Pending,
            Then::Fail => Poll::Ready(Some(Err(io::Error::other("the body failed")))),
            Then::Close => {
                self.control.close.notify_one();
                Poll::Pending
            }
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
        version: http::Version::HTTP_11,
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
