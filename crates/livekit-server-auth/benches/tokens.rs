//! Criterion benchmarks: minting and verifying a participant token, against the physical
//! floor (bare HMAC-SHA256 and base64url over the same bytes).
//!
//! Claim set: identity, name, `roomJoin` + `room`, attributes `{mykey: myvalue}`, ttl 1 h.
//!
//! The floor does only what any HS256 implementation must do, and nothing LiveKit-specific:
//! - mint floor: key a fresh `Hmac<Sha256>` from the secret (as a naive implementation does
//!   per token), base64url-encode the header JSON and the claims JSON (both given as
//!   ready-made bytes: no JSON is written), MAC `header.payload`, base64url-encode the tag,
//!   and assemble the token in one preallocated `String`;
//! - verify floor: split the token at its dots, key a fresh `Hmac<Sha256>`, MAC the signing
//!   input, base64url-decode the signature and compare it in constant time
//!   (`verify_slice`), and base64url-decode the payload (no JSON is parsed, no claim checked).
//!
//! A second verify group, `verify (JSON metadata)`, adds `metadata` holding a small JSON
//! document (`{"role":"host","seat":3}`), as apps commonly do: its quotes are escaped in the
//! token, so those strings go through the strict reader's escape decoding.
//!
//! Run: `cargo bench -p livekit-server-auth --bench tokens`. The comparison with the official
//! crate lives in the separate `bench/` workspace (see docs/performance.md).

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use livekit_server_auth::{AccessToken, ApiSecret, TokenSigner, TokenVerifier, VideoGrants};
use sha2::Sha256;

const KEY: &str = "APIbenchKey123";
const SECRET: &str = "bench-secret-0123456789abcdefghijklmnopqrstuv";
const HEADER: &[u8] = br#"{"alg":"HS256","typ":"JWT"}"#;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn builder(signer: &TokenSigner) -> AccessToken {
    signer
        .access_token()
        .with_identity("participant-identity")
        .with_name("Participant Name")
        .with_grants(VideoGrants::join("my-room"))
        .with_attributes([("mykey", "myvalue")])
        .with_ttl(Duration::from_secs(3600))
}

fn floor_mint(secret: &[u8], payload: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    let mut token = String::with_capacity(
        HEADER.len().div_ceil(3) * 4 + payload.len().div_ceil(3) * 4 + 2 + 43,
    );
    URL_SAFE_NO_PAD.encode_string(HEADER, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut token);
    mac.update(token.as_bytes());
    let tag = mac.finalize().into_bytes();
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(tag, &mut token);
    token
}

fn floor_verify(secret: &[u8], token: &str) -> Vec<u8> {
    let dot = token.rfind('.').unwrap();
    let (input, sig) = (&token[..dot], &token[dot + 1..]);
    let payload = &input[input.find('.').unwrap() + 1..];
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(input.as_bytes());
    let mut tag = [0u8; 32];
    URL_SAFE_NO_PAD.decode_slice(sig, &mut tag).unwrap();
    mac.verify_slice(&tag).unwrap();
    URL_SAFE_NO_PAD.decode(payload).unwrap()
}

fn tokens(c: &mut Criterion) {
    let signer = TokenSigner::new(KEY, &ApiSecret::new(SECRET).unwrap()).unwrap();
    let prebuilt = builder(&signer);
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
            builder(black_box(&signer))
                .to_jwt_at(black_box(now()))
                .unwrap()
        });
    });
    mint.bench_function("floor", |b| {
        b.iter(|| floor_mint(black_box(SECRET.as_bytes()), black_box(&payload)));
    });
    mint.finish();

    let with_metadata = builder(&signer)
        .with_metadata(r#"{"role":"host","seat":3}"#)
        .to_jwt_at(now())
        .unwrap();
    assert!(verifier.verify_at(&with_metadata, at).is_ok());
    floor_verify(SECRET.as_bytes(), &with_metadata);

    let mut verify = c.benchmark_group("verify");
    verify.bench_function("ours", |b| {
        b.iter(|| {
            verifier
                .verify_at(black_box(&token), black_box(at))
                .unwrap()
        });
    });
    verify.bench_function("floor", |b| {
        b.iter(|| floor_verify(black_box(SECRET.as_bytes()), black_box(&token)));
    });
    verify.finish();

    let mut verify = c.benchmark_group("verify (JSON metadata)");
    verify.bench_function("ours", |b| {
        b.iter(|| {
            verifier
                .verify_at(black_box(&with_metadata), black_box(at))
                .unwrap()
        });
    });
    verify.bench_function("floor", |b| {
        b.iter(|| floor_verify(black_box(SECRET.as_bytes()), black_box(&with_metadata)));
    });
    verify.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = tokens
}
criterion_main!(benches);
