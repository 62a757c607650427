//! The server of the round-trip benchmarks: the same protobuf answer to every request, over
//! HTTP/1.1, with no bookkeeping (unlike the tests' server, which records every request).
//! Used by `round_trip.rs` here and, by path, by the comparison in `bench/round-trip`.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Listens on 127.0.0.1:0, tells `bound` the address, then answers every request with `body`
/// (`application/protobuf`) for as long as the process runs, on a current-thread runtime on
/// this thread. A connection that fails to be accepted is skipped.
pub(crate) fn serve_protobuf(body: Bytes, bound: impl FnOnce(SocketAddr)) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("server runtime");
    runtime.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        bound(listener.local_addr().expect("server address"));
        serve(listener, body).await;
    });
}

async fn serve(listener: TcpListener, body: Bytes) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let body = body.clone();
        tokio::spawn(async move {
            let service = service_fn(move |_request| {
                let body = body.clone();
                async move {
                    let mut response = http::Response::new(Full::new(body));
                    response.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static("application/protobuf"),
                    );
                    Ok::<_, Infallible>(response)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
