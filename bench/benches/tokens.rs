//! Ours, the physical floor and the official crate (`livekit-api` 0.10.0, token feature) in one
//! criterion run: minting and verifying the same participant token.
//!
//! Claim set and floors: `crates/livekit-server-auth/benches/support/mod.rs`, included here by
//! path, so that this comparison and the crate's own benchmark measure the same thing.
//!
//! "build + sign" builds the token from the claim values every time (what an app server does
//! per request); "reused builder" signs claims built once (what a service client does per call;
//! the official crate's `to_jwt(self)` consumes its builder, so it is cloned first).
//!
//! Run from `bench/`: `cargo bench --bench tokens`.

#![allow(missing_docs, clippy::unwrap_used)]

#[path = "../../crates/livekit-server-auth/benches/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use livekit_api::access_token as official;
use livekit_server_auth::{ApiSecret, TokenSigner, TokenVerifier};
use support::{KEY, SECRET, TTL, floor_mint, floor_verify, participant_token};

/// The official crate's builder with the same claim set.
fn theirs() -> official::AccessToken {
    official::AccessToken::with_api_key(KEY, SECRET)
        .with_identity("participant-identity")
        .with_name("Participant Name")
        .with_grants(official::VideoGrants {
            room_join: true,
            room: "my-room".into(),
            ..Default::default()
        })
        .with_attributes([("mykey", "myvalue")])
        .with_ttl(TTL)
}

fn tokens(c: &mut Criterion) {
    let signer = TokenSigner::new(KEY, &ApiSecret::new(SECRET).unwrap()).unwrap();
    let prebuilt = participant_token(&signer);
    let now = SystemTime::now();
    let token = prebuilt.to_jwt_at(now).unwrap();
    let payload = URL_SAFE_NO_PAD
        .decode(token.split('.').nth(1).unwrap())
        .unwrap();
    let verifier = TokenVerifier::from_signer(signer.clone());
    let their_builder = theirs();
    let their_verifier = official::TokenVerifier::with_api_key(KEY, SECRET);

    // Every contender handles the same token the same way.
    assert_eq!(floor_mint(SECRET.as_bytes(), &payload), token);
    assert_eq!(floor_verify(SECRET.as_bytes(), &token), payload);
    let ours_claims = verifier.verify_at(&token, now).unwrap();
    let their_claims = their_verifier.verify(&token).unwrap();
    assert_eq!(their_claims.sub, ours_claims.sub);
    let their_token = their_builder.clone().to_jwt().unwrap();
    assert_eq!(
        verifier.verify(&their_token).unwrap().name,
        "Participant Name"
    );

    let mut mint = c.benchmark_group("mint");
    mint.bench_function("ours (build + sign)", |b| {
        b.iter(|| {
            participant_token(black_box(&signer))
                .to_jwt_at(black_box(now))
                .unwrap()
        });
    });
    mint.bench_function("ours (reused builder)", |b| {
        b.iter(|| black_box(&prebuilt).to_jwt_at(black_box(now)).unwrap());
    });
    mint.bench_function("floor", |b| {
        b.iter(|| floor_mint(black_box(SECRET.as_bytes()), black_box(&payload)));
    });
    mint.bench_function("official livekit-api 0.10.0 (build + sign)", |b| {
        b.iter(|| theirs().to_jwt().unwrap());
    });
    mint.bench_function("official livekit-api 0.10.0 (reused builder)", |b| {
        b.iter(|| black_box(&their_builder).clone().to_jwt().unwrap());
    });
    mint.finish();

    let mut verify = c.benchmark_group("verify");
    verify.bench_function("ours", |b| {
        b.iter(|| {
            verifier
                .verify_at(black_box(&token), black_box(now))
                .unwrap()
        });
    });
    verify.bench_function("floor", |b| {
        b.iter(|| floor_verify(black_box(SECRET.as_bytes()), black_box(&token)));
    });
    verify.bench_function("official livekit-api 0.10.0", |b| {
        b.iter(|| their_verifier.verify(black_box(&token)).unwrap());
    });
    verify.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = tokens
}
criterion_main!(benches);
