//! Ours, the physical floor and the official crate (`livekit-api` 0.10.0, token feature) in one
//! criterion run: minting and verifying the same participant token.
//!
//! Claim set: identity, name, `roomJoin` + `room`, attributes `{mykey: myvalue}`, ttl 1 h.
//!
//! - mint floor: key a fresh `Hmac<Sha256>` from the secret (as a naive implementation does
//!   per token), base64url-encode ready-made header and claims JSON bytes (no JSON is
//!   written), MAC `header.payload`, base64url-encode the tag, in one preallocated `String`.
//! - verify floor: split at the dots, key a fresh `Hmac<Sha256>`, MAC the signing input,
//!   base64url-decode the signature and `verify_slice` it, base64url-decode the payload (no
//!   JSON is parsed, no claim checked).
//!
//! "build + sign" builds the token from the claim values every time (what an app server does
//! per request); "reused builder" signs claims built once (what a service client does per call;
//! the official crate's `to_jwt(self)` consumes its builder, so it is cloned first).
//!
//! Run from `bench/`: `cargo bench --bench tokens`.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use livekit_api::access_token as official;
use livekit_server_auth::{AccessToken, ApiSecret, TokenSigner, TokenVerifier, VideoGrants};
use sha2::Sha256;

const KEY: &str = "APIbenchKey123";
const SECRET: &str = "bench-secret-0123456789abcdefghijklmnopqrstuv";
const HEADER: &[u8] = br#"{"alg":"HS256","typ":"JWT"}"#;
const TTL: Duration = Duration::from_secs(3600);

fn ours(signer: &TokenSigner) -> AccessToken {
    signer
        .access_token()
        .with_identity("participant-identity")
        .with_name("Participant Name")
        .with_grants(VideoGrants::join("my-room"))
        .with_attributes([("mykey", "myvalue")])
        .with_ttl(TTL)
}

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
    let prebuilt = ours(&signer);
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
        b.iter(|| ours(black_box(&signer)).to_jwt_at(black_box(now)).unwrap());
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
