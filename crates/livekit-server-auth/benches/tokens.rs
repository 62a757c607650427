//! Criterion benchmarks: minting and verifying a participant token, against the physical
//! floor (bare HMAC-SHA256 and base64url over the same bytes).
//!
//! Claim set and floors: see `support/mod.rs` (shared with the comparison in `bench/`).
//!
//! A second verify group, `verify (JSON metadata)`, adds `metadata` holding a small JSON
//! document (`{"role":"host","seat":3}`), as apps commonly do: its quotes are escaped in the
//! token, so those strings take serde_json's escape decoding.
//!
//! Run: `cargo bench -p livekit-server-auth --bench tokens`. The comparison with the official
//! crate lives in the separate `bench/` workspace (see docs/performance.md).

#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use livekit_server_auth::{ApiSecret, TokenSigner, TokenVerifier};
use support::{KEY, SECRET, floor_mint, floor_verify, participant_token};

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn tokens(c: &mut Criterion) {
    let signer = TokenSigner::new(KEY, &ApiSecret::new(SECRET).unwrap()).unwrap();
    let prebuilt = participant_token(&signer);
    let token = prebuilt.to_jwt_at(now()).unwrap();
    let payload = URL_SAFE_NO_PAD
        .decode(token.split('.').nth(1).unwrap())
        .unwrap();
    let verifier = TokenVerifier::from_signer(signer.clone());
    let at = now() + Duration::from_secs(10);

    // The floor produces exactly our token from the same bytes.
    assert_eq!(floor_mint(SECRET.as_bytes(), &payload), token);
    assert_eq!(floor_verify(SECRET.as_bytes(), &token), payload);
    verifier.verify_at(&token, at).unwrap();

    let mut mint = c.benchmark_group("mint");
    mint.bench_function("ours (reused builder)", |b| {
        b.iter(|| black_box(&prebuilt).to_jwt_at(black_box(now())).unwrap());
    });
    mint.bench_function("ours (build + sign)", |b| {
        b.iter(|| {
            participant_token(black_box(&signer))
                .to_jwt_at(black_box(now()))
                .unwrap()
        });
    });
    mint.bench_function("floor", |b| {
        b.iter(|| floor_mint(black_box(SECRET.as_bytes()), black_box(&payload)));
    });
    mint.finish();

    let with_metadata = participant_token(&signer)
        .with_metadata(r#"{"role":"host","seat":3}"#)
        .to_jwt_at(now())
        .unwrap();
    assert!(verifier.verify_at(&with_metadata, at).is_ok());
    floor_verify(SECRET.as_bytes(), &with_metadata);

    for (group, token) in [
        ("verify", &token),
        ("verify (JSON metadata)", &with_metadata),
    ] {
        let mut verify = c.benchmark_group(group);
        verify.bench_function("ours", |b| {
            b.iter(|| verifier.verify_at(black_box(token), black_box(at)).unwrap());
        });
        verify.bench_function("floor", |b| {
            b.iter(|| floor_verify(black_box(SECRET.as_bytes()), black_box(token)));
        });
        verify.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = tokens
}
criterion_main!(benches);
