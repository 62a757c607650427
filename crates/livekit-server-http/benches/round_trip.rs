//! Client-side cost of one `ListRooms` round trip against an in-process hyper server that
//! returns a fixed protobuf response, at concurrency 1 and 64.
//!
//! `cargo bench -p livekit-server-http --bench round_trip`. The comparison with the official
//! `livekit-api` crate lives in the separate `bench/` workspace (see docs/performance.md).

#![allow(missing_docs)]

#[allow(dead_code, unreachable_pub)]
#[path = "../tests/support/rooms.rs"]
mod rooms;
#[path = "support/serve.rs"]
mod serve;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use livekit_server_http::{CallOptions, Client, Scope};
use rooms::{LIST_ROOMS, ListRoomsRequest, ListRoomsResponse, rooms};

/// Starts the server on its own thread and runtime; returns its URL.
fn server() -> String {
    let body = Bytes::from(prost::Message::encode_to_vec(&rooms(3)));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        serve::serve_protobuf(body, |addr| tx.send(addr).expect("send the address"));
    });
    format!("http://{}", rx.recv().expect("server address"))
}

fn round_trip(c: &mut Criterion) {
    let url = server();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let client = Arc::new(
        Client::builder()
            .url(url)
            .credentials("APIbench", "bench-secret-bench-secret-bench-secret")
            .build()
            .expect("client"),
    );
    let options = Arc::new(CallOptions::new());
    let request = Arc::new(ListRoomsRequest::default());

    let mut group = c.benchmark_group("list_rooms");
    group.measurement_time(Duration::from_secs(5));
    for concurrency in [1usize, 64] {
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("concurrency_{concurrency}"), |b| {
            b.iter_custom(|iterations| {
                let client = client.clone();
                let options = options.clone();
                let request = request.clone();
                runtime.block_on(async move {
                    let started = Instant::now();
                    let per_task = iterations.div_ceil(concurrency as u64);
                    let mut tasks = Vec::with_capacity(concurrency);
                    for _ in 0..concurrency {
                        let client = client.clone();
                        let options = options.clone();
                        let request = request.clone();
                        tasks.push(tokio::spawn(async move {
                            for _ in 0..per_task {
                                let response: ListRoomsResponse = client
                                    .call(&LIST_ROOMS, Scope::NONE, &*request, &options)
                                    .await
                                    .expect("call");
                                assert_eq!(response.rooms.len(), 3);
                            }
                        }));
                    }
                    for task in tasks {
                        task.await.expect("task");
                    }
                    // Report the time per requested iteration.
                    started
                        .elapsed()
                        .mul_f64(iterations as f64 / (per_task * concurrency as u64) as f64)
                })
            });
        });
    }
    group.finish();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
