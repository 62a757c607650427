//! [`serve`]: the accept loop, body reading with limits, and graceful shutdown.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use hyper::body::{Body as _, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use livekit_server_auth::TokenError;
use socket2::{Domain, Protocol, SockRef, Socket, Type};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_io_timeout::TimeoutStream;

use crate::{App, BodyError, Config};

/// How long a client may take to send the request headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client may take to send a request body.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a connection may go without the client sending a byte (while the server waits
/// for one) or taking one (while the server writes): a client that connects and says
/// nothing, stops mid-handshake or never reads its answers is closed after this.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// The most HTTP/2 streams a client may have open on one connection (hyper's default: 200).
const MAX_STREAMS: u32 = 32;
/// The most a client may send of a request head (HTTP/1; hyper's default is about 400 KB):
/// a longer one is answered `431`.
const MAX_HEAD_BYTES: usize = 32 * 1024;
/// Connections kept at once when the open-file limit cannot be read; see
/// [`max_connections`].
const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// How long to wait before accepting again after the listener failed (too many open files).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// The listen backlog (that of `std` and `tokio`).
const BACKLOG: i32 = 1024;

/// Binds the listeners for `addr`. For the unspecified IPv6 address `::` (the default
/// `SERVER_HOST`) that is one dual-stack socket serving IPv6 and IPv4; on a system without
/// dual-stack sockets, two listeners (`[::]` and `0.0.0.0`, same port); on one without IPv6,
/// `0.0.0.0` alone. Any other address gets one listener. Must be called within a `tokio`
/// runtime.
///
/// # Errors
///
/// The error of the socket calls (the port is in use, the address is not local, ...).
pub fn bind(addr: SocketAddr) -> io::Result<Vec<TcpListener>> {
    let unspecified_v6 = matches!(addr.ip(), IpAddr::V6(ip) if ip.is_unspecified());
    if !unspecified_v6 {
        return Ok(vec![listen(new_socket(addr)?, addr)?]);
    }
    let v4 = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), addr.port());
    let Ok(socket) = new_socket(addr) else {
        // No IPv6 on this system.
        return Ok(vec![listen(new_socket(v4)?, v4)?]);
    };
    if socket.set_only_v6(false).is_err() {
        // No dual-stack sockets: one listener per family, on the same port.
        socket.set_only_v6(true)?;
        let v6 = listen(socket, addr)?;
        let v4 = SocketAddr::new(v4.ip(), v6.local_addr()?.port());
        return Ok(vec![v6, listen(new_socket(v4)?, v4)?]);
    }
    match listen(socket, addr) {
        Ok(dual) => Ok(vec![dual]),
        // IPv6 is disabled on this system (the kernel has it, no interface does).
        Err(error) if error.kind() == io::ErrorKind::AddrNotAvailable => {
            Ok(vec![listen(new_socket(v4)?, v4)?])
        }
        Err(error) => Err(error),
    }
}

fn new_socket(addr: SocketAddr) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // As `std` and `tokio` do on Unix: a restarted server can bind while old connections
    // are in TIME_WAIT.
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    Ok(socket)
}

fn listen(socket: Socket, addr: SocketAddr) -> io::Result<TcpListener> {
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    socket.set_nonblocking(true)?;
    TcpListener::from_std(socket.into())
}

/// What a listener serves, for the start-up log.
fn serves(listener: &TcpListener, local: SocketAddr) -> &'static str {
    match local {
        SocketAddr::V4(_) => "IPv4",
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => match SockRef::from(listener).only_v6() {
            Ok(false) => "IPv6 and IPv4 (dual-stack)",
            _ => "IPv6",
        },
        SocketAddr::V6(_) => "IPv6",
    }
}

/// Why the server could not run.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The configuration's credentials cannot mint or verify tokens (an empty API key).
    Credentials(TokenError),
    /// A listener has no local address, or there is no listener.
    Listener(std::io::Error),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Credentials(_) => f.write_str("the API credentials are not usable"),
            ServeError::Listener(_) => f.write_str("a listener is not usable"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Credentials(error) => Some(error),
            ServeError::Listener(error) => Some(error),
        }
    }
}

/// Serves the application of `config` on `listener` until `shutdown` completes.
///
/// Then it stops accepting, lets in-flight requests finish (HTTP/1 connections are closed
/// after their current response, HTTP/2 ones get a GOAWAY) for at most
/// [`Config::shutdown_grace`], drops whatever is still running, and returns.
///
/// # Errors
///
/// [`ServeError`] if the server cannot start; once it runs, failures of single connections
/// are logged, never returned.
pub async fn serve(
    listener: TcpListener,
    config: &Config,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let app = App::new(config).map_err(ServeError::Credentials)?;
    serve_app(listener, Arc::new(app), config.shutdown_grace, shutdown).await
}

/// [`serve`] with an [`App`] built by the caller (for example with
/// [`App::on_webhook`]) and the shutdown grace period given.
///
/// # Errors
///
/// [`ServeError::Listener`] if the listener has no local address.
pub async fn serve_app(
    listener: TcpListener,
    app: Arc<App>,
    shutdown_grace: Duration,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    serve_listeners(vec![listener], app, shutdown_grace, shutdown).await
}

/// [`serve_app`] on several listeners at once (those of [`bind`]). Each is logged at start-up
/// as `listening`, with its address and what it serves (`IPv4`, `IPv6`, or `IPv6 and IPv4
/// (dual-stack)`).
///
/// # Errors
///
/// [`ServeError::Listener`] if a listener has no local address.
pub async fn serve_listeners(
    listeners: Vec<TcpListener>,
    app: Arc<App>,
    shutdown_grace: Duration,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    if listeners.is_empty() {
        return Err(ServeError::Listener(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no listener to serve on",
        )));
    }
    for listener in &listeners {
        let local = listener.local_addr().map_err(ServeError::Listener)?;
        tracing::info!(addr = %local, serves = serves(listener, local), "listening");
    }
    if app.standard_token_endpoint_is_open() {
        tracing::warn!(
            "POST /livekit/token is OPEN: anyone who can reach this server gets a token for any \
             room its policy allows; set TOKEN_ENDPOINT_SECRET (or, in library use, \
             App::authorize_token_requests) to protect it"
        );
    }

    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(MAX_STREAMS);
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    // Below the open-file limit, so that a flood of connections waits in the listen backlog
    // instead of leaving the process without file descriptors.
    let max = max_connections();
    tracing::debug!(max_connections = max, "connection limit");
    let slots = Arc::new(Semaphore::new(max));

    tokio::pin!(shutdown);
    let mut first = 0;
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => slot,
        };
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = accept_any(&listeners, &mut first) => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Per-connection errors (reset before accept) and resource exhaustion: keep
                // serving, after a pause so a full file table does not spin the loop.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let app = Arc::clone(&app);
        let service = service_fn(move |request| {
            let app = Arc::clone(&app);
            async move { Ok::<_, Infallible>(respond(&app, request, peer).await) }
        });
        let mut stream = TimeoutStream::new(stream);
        stream.set_read_timeout(Some(IDLE_TIMEOUT));
        stream.set_write_timeout(Some(IDLE_TIMEOUT));
        let connection = builder
            .serve_connection(TokioIo::new(Box::pin(stream)), service)
            .into_owned();
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
            drop(slot);
        });
        while connections.try_join_next().is_some() {}
    }

    drop(listeners);
    let in_flight = graceful.count();
    tracing::info!(
        connections = in_flight,
        "shutting down: no longer accepting connections"
    );
    match tokio::time::timeout(shutdown_grace, graceful.shutdown()).await {
        Ok(()) => tracing::info!("shut down"),
        Err(_) => tracing::warn!(
            connections = connections.len(),
            grace = ?shutdown_grace,
            "shut down with requests still running after the grace period; they were dropped"
        ),
    }
    connections.shutdown().await;
    Ok(())
}

/// How many connections to keep at once: the process's open-file limit less 64 (the
/// listeners, standard streams and log pipe), at least 16; [`DEFAULT_MAX_CONNECTIONS`] where
/// the limit cannot be read (outside Linux, or `unlimited`).
fn max_connections() -> usize {
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            let values = limits
                .lines()
                .find_map(|l| l.strip_prefix("Max open files"))?;
            values.split_whitespace().next()?.parse::<usize>().ok()
        });
    limit.map_or(DEFAULT_MAX_CONNECTIONS, |limit| {
        limit.saturating_sub(64).max(16)
    })
}

/// The next connection on any of `listeners`, polled from `first` on, which then moves one
/// further so that a busy listener cannot starve the others.
async fn accept_any(
    listeners: &[TcpListener],
    first: &mut usize,
) -> io::Result<(TcpStream, SocketAddr)> {
    std::future::poll_fn(|cx| {
        let count = listeners.len();
        for offset in 0..count {
            let index = (*first + offset) % count;
            if let Poll::Ready(accepted) = listeners[index].poll_accept(cx) {
                *first = (index + 1) % count;
                return Poll::Ready(accepted);
            }
        }
        Poll::Pending
    })
    .await
}

/// Checks what the headers alone decide (the token route's authentication, the webhook's
/// token), reads the body within the route's limit, then lets the [`App`] answer.
async fn respond(app: &App, request: Request<Incoming>, peer: SocketAddr) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    let checked = match app.check_headers(&parts.method, path, &parts.headers) {
        Ok(checked) => checked,
        Err(refusal) => return (*refusal).map(Full::new),
    };
    let bytes = match app.body_limit(&parts.method, path) {
        None => Bytes::new(),
        Some(limit) => match read_body(body, limit).await {
            Ok(bytes) => bytes,
            Err(error) => {
                tracing::debug!(%peer, ?error, "request body not read");
                return app.body_error(&parts.headers, path, error).map(Full::new);
            }
        },
    };
    app.answer(Request::from_parts(parts, bytes), checked)
        .map(Full::new)
}

/// The whole body, refused as soon as it is known to exceed `limit` (from `Content-Length`
/// before anything is read, or while reading a chunked body).
async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
    // A `Content-Length` is the lower bound of the size hint; a chunked body's is zero.
    if body.size_hint().lower() > limit as u64 {
        return Err(BodyError::TooLarge);
    }
    match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, limit).collect()).await {
        Err(_) => Err(BodyError::TimedOut),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(BodyError::TooLarge)
        }
        Ok(Err(_)) => Err(BodyError::Failed),
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!(signal = "SIGINT", "shutdown requested"),
        () = terminate => tracing::info!(signal = "SIGTERM", "shutdown requested"),
    }
}
