//! The floor of the app-server throughput benchmark: hyper (HTTP/1.1, keep-alive) on a Tokio
//! multi-thread runtime, as `livekit-app-server` runs, answering every request with one fixed
//! `{"token": …}` body: no routing, no JSON parsed, no token minted, no log line. No server on
//! this stack can serve `POST /token` faster; the ratio of any contender to it says how much
//! of its cost is its own work and how much is the HTTP stack and the kernel's.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, body::Incoming, header};
use hyper_util::rt::TokioIo;

/// The length of a token for the benchmark's claims, so that the answer is as long as a real one.
const BODY: &str = concat!(
    r#"{"token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."#,
    "eyJpc3MiOiJBUEliZW5jaEFwcFNlcnZlciIsInN1YiI6ImJlbmNoLXBhcnRpY2lwYW50IiwibmJmIjoxNzAw",
    "MDAwMDAwLCJleHAiOjE3MDAwMjE2MDAsIm5hbWUiOiJiZW5jaC1wYXJ0aWNpcGFudCIsInZpZGVvIjp7InJv",
    "b21Kb2luIjp0cnVlLCJyb29tIjoiYmVuY2gtcm9vbSJ9fQ.",
    r#"f1tigv8GTa8ddmNl99ZsDDC1o4ARgNiUNckkFjjEmJs"}"#
);

async fn answer(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::from_static(BODY.as_bytes())));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        "application/json".parse().expect("header"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        "*".parse().expect("header"),
    );
    Ok(response)
}

#[tokio::main]
async fn main() {
    let port = std::env::var("SERVER_PORT").unwrap_or_else(|_| "6080".into());
    let addr = format!("127.0.0.1:{port}");
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|error| panic!("cannot listen on {addr}: {error}"));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(answer))
                .await;
        });
    }
}
