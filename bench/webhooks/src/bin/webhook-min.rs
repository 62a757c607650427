//! Minimum-of-batches timing of each receiver, for a machine too busy for criterion's means
//! to be stable (other processes only ever add time, so the fastest batch is the closest to
//! an idle machine): `webhook-min [batches] [filter]` prints the best ns per call of each
//! case; with `filter`, only of the case named so or, if none is, of those whose name contains
//! it (handy under `perf record`).

use std::hint::black_box;
use std::time::Instant;

use bench_webhooks::{KEY, SECRET, checksum_claim, floor, request};
use hmac::{Hmac, Mac};
use livekit_server_webhook::WebhookReceiver;
use sha2::Sha256;

fn main() {
    let batches: u32 = std::env::args()
        .nth(1)
        .map_or(2000, |n| n.parse().expect("a number"));
    let filter = std::env::args().nth(2).unwrap_or_default();
    let request = request();
    let body = request.body.as_slice();
    let body_str = std::str::from_utf8(body).expect("UTF-8");
    let auth = request.authorization.as_str();
    let claim = checksum_claim(auth);
    let key = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    let ours = WebhookReceiver::with_credentials(KEY, SECRET).expect("credentials");
    let official = livekit_api::webhooks::WebhookReceiver::new(
        livekit_api::access_token::TokenVerifier::with_api_key(KEY, SECRET),
    );
    let now = std::time::SystemTime::now();
    let cases: [(&str, &dyn Fn()); 9] = [
        ("ours", &|| {
            drop(black_box(
                ours.receive(black_box(body), black_box(auth)).expect("ok"),
            ))
        }),
        ("official livekit-api 0.10.0", &|| {
            drop(black_box(
                official
                    .receive(black_box(body_str), black_box(auth))
                    .expect("ok"),
            ))
        }),
        ("floor (HMAC keyed per call)", &|| {
            assert!(floor(
                None,
                SECRET.as_bytes(),
                black_box(body),
                black_box(auth),
                &claim
            ))
        }),
        ("floor (precomputed HMAC key)", &|| {
            assert!(floor(
                Some(&key),
                b"",
                black_box(body),
                black_box(auth),
                &claim
            ))
        }),
        ("ours verify only", &|| {
            ours.verify_at(black_box(body), black_box(auth), now)
                .expect("ok")
        }),
        ("protojson decode (from_slice)", &|| {
            drop(black_box(
                serde_json::from_slice::<livekit_server_proto::WebhookEvent>(black_box(body))
                    .expect("ok"),
            ))
        }),
        ("protojson decode (as receiver)", &|| {
            let text = std::str::from_utf8(black_box(body)).expect("UTF-8");
            drop(black_box(
                serde_json::from_str::<livekit_server_proto::WebhookEvent>(text).expect("ok"),
            ))
        }),
        ("JSON parse only (IgnoredAny)", &|| {
            let text = std::str::from_utf8(black_box(body)).expect("UTF-8");
            serde_json::from_str::<serde::de::IgnoredAny>(text).expect("ok");
        }),
        ("minimal owned decode (derive)", &|| {
            let text = std::str::from_utf8(black_box(body)).expect("UTF-8");
            drop(black_box(
                serde_json::from_str::<bench_webhooks::MinimalEvent<'_>>(text).expect("ok"),
            ))
        }),
    ];
    let exact = cases.iter().any(|(name, _)| *name == filter);
    let selected = |name: &str| {
        if exact {
            name == filter
        } else {
            name.contains(filter.as_str())
        }
    };
    const PER_BATCH: u32 = 200;
    let mut best = [f64::MAX; 9];
    // Interleave the cases so that a busy period hurts all of them alike.
    for _ in 0..batches {
        for (i, (name, run)) in cases.iter().enumerate() {
            if !selected(name) {
                continue;
            }
            let start = Instant::now();
            for _ in 0..PER_BATCH {
                run();
            }
            let ns = start.elapsed().as_nanos() as f64 / f64::from(PER_BATCH);
            best[i] = best[i].min(ns);
        }
    }
    for ((name, _), ns) in cases.iter().zip(best) {
        if !selected(name) {
            continue;
        }
        println!("{name:32} {ns:8.0} ns");
    }
}
