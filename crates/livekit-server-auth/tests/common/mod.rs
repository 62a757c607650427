//! Helpers shared by the integration tests: vector files and hand-made (hostile) tokens.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use livekit_server_auth::{
    AccessToken, AgentGrants, InferenceGrants, ObservabilityGrants, ParticipantKind, SipGrants,
    TokenError, VideoGrants,
};
use serde_json::Value;
use sha2::Sha256;

/// Reads a vector file kept in `tests/vectors/` (byte-identical copies of `shared/vectors/`).
pub fn vectors(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap()
}

/// HMAC-SHA256 over `signing_input`, base64url.
pub fn mac(signing_input: &str, secret: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(signing_input.as_bytes());
    b64(mac.finalize().into_bytes())
}

/// A token with any header and payload bytes, correctly MAC'd with `secret`.
pub fn raw_token(header: &[u8], payload: &[u8], secret: &str) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let sig = mac(&input, secret.as_bytes());
    format!("{input}.{sig}")
}

/// The standard header.
pub const HEADER: &[u8] = br#"{"alg":"HS256","typ":"JWT"}"#;

/// The decoded payload of a compact token, as JSON.
pub fn payload_json(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&unb64(payload)).unwrap()
}

/// The decoded header of a compact token, as raw bytes.
pub fn header_bytes(token: &str) -> Vec<u8> {
    unb64(token.split('.').next().unwrap())
}

pub fn str_field<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}

/// Our builder for a token spec: the inputs of a `tokens_minted.json` vector, or a peer
/// `mint` command (grant objects with the JWT's camelCase names).
pub fn builder(spec: &Value) -> Result<AccessToken, TokenError> {
    let mut t = AccessToken::new(
        str_field(spec, "api_key").unwrap(),
        str_field(spec, "api_secret").unwrap(),
    )?;
    if let Some(ttl) = spec.get("ttl_seconds").and_then(Value::as_u64) {
        t = t.with_ttl(Duration::from_secs(ttl));
    }
    if let Some(identity) = str_field(spec, "identity") {
        t = t.with_identity(identity);
    }
    if let Some(name) = str_field(spec, "name") {
        t = t.with_name(name);
    }
    if let Some(kind) = str_field(spec, "kind") {
        t = t.with_kind(ParticipantKind::from_name(kind));
    }
    if let Some(metadata) = str_field(spec, "metadata") {
        t = t.with_metadata(metadata);
    }
    if let Some(sha) = str_field(spec, "sha256") {
        t = t.with_sha256(sha);
    }
    if let Some(preset) = str_field(spec, "room_preset") {
        t = t.with_room_preset(preset);
    }
    if let Some(attrs) = spec.get("attributes").and_then(Value::as_object) {
        t = t.with_attributes(attrs.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap())));
    }
    let grant = |name: &str| spec.get(name).cloned();
    if let Some(g) = grant("video") {
        t = t.with_grants(serde_json::from_value::<VideoGrants>(g).unwrap());
    }
    if let Some(g) = grant("sip") {
        t = t.with_sip_grants(serde_json::from_value::<SipGrants>(g).unwrap());
    }
    if let Some(g) = grant("agent") {
        t = t.with_agent_grants(serde_json::from_value::<AgentGrants>(g).unwrap());
    }
    if let Some(g) = grant("inference") {
        t = t.with_inference_grants(serde_json::from_value::<InferenceGrants>(g).unwrap());
    }
    if let Some(g) = grant("observability") {
        t = t.with_observability_grants(serde_json::from_value::<ObservabilityGrants>(g).unwrap());
    }
    #[cfg(feature = "room-config")]
    if let Some(config) = grant("room_config") {
        t = t.with_room_config(serde_json::from_value(config).unwrap());
    }
    Ok(t)
}
