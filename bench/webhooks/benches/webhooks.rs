//! Criterion benchmark: receiving one `room_started` webhook (verify the token, check the
//! body's SHA-256, decode the event) with `livekit-server-webhook`, with the official
//! `livekit-api` 0.10.0 crate, and the floor (see `src/lib.rs`), in the same run.
//!
//! Run from `bench/`: `cargo bench -p bench-webhooks`. Results: docs/performance.md.

#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use bench_webhooks::{KEY, SECRET, checksum_claim, floor, request};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use livekit_server_webhook::WebhookReceiver;
use sha2::Sha256;

fn webhooks(c: &mut Criterion) {
    let request = request();
    let body = request.body.as_slice();
    let body_str = std::str::from_utf8(body).expect("protojson is UTF-8");
    let auth = request.authorization.as_str();
    let claim = checksum_claim(auth);
    let key = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");

    let ours = WebhookReceiver::with_credentials(KEY, SECRET).expect("credentials");
    let official = livekit_api::webhooks::WebhookReceiver::new(
        livekit_api::access_token::TokenVerifier::with_api_key(KEY, SECRET),
    );
    ours.receive(body, auth).expect("ours accepts");
    official.receive(body_str, auth).expect("official accepts");
    assert!(floor(None, SECRET.as_bytes(), body, auth, &claim));

    let mut group = c.benchmark_group("webhook_receive");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("ours", |b| {
        b.iter(|| {
            ours.receive(black_box(body), black_box(auth))
                .expect("accepted")
        });
    });
    group.bench_function("official livekit-api 0.10.0", |b| {
        b.iter(|| {
            official
                .receive(black_box(body_str), black_box(auth))
                .expect("accepted")
        });
    });
    group.bench_function("floor (HMAC keyed per call)", |b| {
        b.iter(|| {
            floor(
                None,
                black_box(SECRET.as_bytes()),
                black_box(body),
                black_box(auth),
                &claim,
            )
        });
    });
    group.bench_function("floor (precomputed HMAC key)", |b| {
        b.iter(|| floor(Some(&key), b"", black_box(body), black_box(auth), &claim));
    });
    group.finish();

    // Where our time goes: verification alone, and decoding alone.
    let now = std::time::SystemTime::now();
    let mut parts = c.benchmark_group("webhook_receive_parts");
    parts.bench_function("ours verify only", |b| {
        b.iter(|| {
            ours.verify_at(black_box(body), black_box(auth), now)
                .expect("verified")
        });
    });
    parts.bench_function(
        "protojson decode only (as the receiver: from_utf8 + from_str)",
        |b| {
            b.iter(|| {
                let text = std::str::from_utf8(black_box(body)).expect("UTF-8");
                serde_json::from_str::<livekit_server_proto::WebhookEvent>(text).expect("decoded")
            });
        },
    );
    parts.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = webhooks
}
criterion_main!(benches);
