//! What the token benchmarks share: the credentials, the claim set and the physical floor.
//! Used by `tokens.rs` here and by the comparison with the official crate in the separate
//! `bench/` workspace (`bench/benches/tokens.rs` includes this file by path).
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

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use livekit_server_auth::{AccessToken, TokenSigner, VideoGrants};
use sha2::Sha256;

pub(crate) const KEY: &str = "APIbenchKey123";
pub(crate) const SECRET: &str = "bench-secret-0123456789abcdefghijklmnopqrstuv";
pub(crate) const TTL: Duration = Duration::from_secs(3600);
const HEADER: &[u8] = br#"{"alg":"HS256","typ":"JWT"}"#;

/// Our builder with the claim set, from the claim values (what an app server does per
/// request).
pub(crate) fn participant_token(signer: &TokenSigner) -> AccessToken {
    signer
        .access_token()
        .with_identity("participant-identity")
        .with_name("Participant Name")
        .with_grants(VideoGrants::join("my-room"))
        .with_attributes([("mykey", "myvalue")])
        .with_ttl(TTL)
}

/// The mint floor: the token for `payload` (the claims JSON) under `secret`.
pub(crate) fn floor_mint(secret: &[u8], payload: &[u8]) -> String {
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

/// The verify floor: the payload bytes of `token`, whose MAC must check under `secret`.
pub(crate) fn floor_verify(secret: &[u8], token: &str) -> Vec<u8> {
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
