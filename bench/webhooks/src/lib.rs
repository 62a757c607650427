//! Inputs and floor of the webhook benchmark (`benches/webhooks.rs`): one `room_started`
//! request as the server sends it, and the least work any receiver must do to verify it.
//!
//! The floor does only what every webhook receiver must do, and nothing LiveKit-specific:
//! split the token at its dots, base64url-decode its payload and signature, MAC the signing
//! input with HMAC-SHA256 and compare in constant time, SHA-256 the body, base64-decode the
//! 44-character checksum (handed over ready-made: no JSON is parsed) and compare. Two
//! variants: keying a fresh `Hmac<Sha256>` from the secret per request (what a naive
//! implementation does, and the definition the tokens benchmark uses), and reusing a
//! precomputed key state (the true lower bound).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use livekit_server_proto::{Codec, Room, WebhookEvent};
use livekit_server_webhook::{SignedWebhook, WebhookSigner};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The API key of the benchmark.
pub const KEY: &str = "APIbenchKey123";
/// The API secret of the benchmark.
pub const SECRET: &str = "bench-secret-0123456789abcdefghijklmnopqrstuv";

/// A `room_started` event as the server sends it (about 550 bytes of protojson).
pub fn room_started() -> WebhookEvent {
    let codecs = [
        "audio/opus",
        "audio/red",
        "video/VP8",
        "video/H264",
        "video/VP9",
        "video/AV1",
    ];
    WebhookEvent {
        event: "room_started".into(),
        room: Some(Box::new(Room {
            sid: "RM_TkVjUvAqgzKz".into(),
            name: "weekly-standup-engineering".into(),
            empty_timeout: 300,
            departure_timeout: 20,
            max_participants: 100,
            creation_time: 1_700_000_000,
            creation_time_ms: 1_700_000_000_123,
            turn_password: "ICkSr2rEeslkN6e9bXL4Ji5zzMD5Z7zzr6ulOaxMj6N".into(),
            enabled_codecs: codecs
                .iter()
                .map(|mime| Codec {
                    mime: (*mime).into(),
                    ..Default::default()
                })
                .collect(),
            metadata: r#"{"topic":"weekly standup","owner":"alice","recording":false}"#.into(),
            ..Default::default()
        })),
        id: "EV_h4Rz0Y7kNq2bXw8c".into(),
        created_at: 1_700_000_000,
        ..Default::default()
    }
}

/// The request the server would send for [`room_started`], signed now and valid for an hour
/// (the official crate reads the system clock, so the token must stay valid for the run).
pub fn request() -> SignedWebhook {
    WebhookSigner::new(KEY, SECRET)
        .expect("credentials")
        .with_ttl(Duration::from_secs(3600))
        .sign(&room_started())
        .expect("sign")
}

/// The `sha256` claim of a request, extracted once outside the measured loop.
pub fn checksum_claim(authorization: &str) -> String {
    let payload = authorization.split('.').nth(1).expect("payload");
    let payload = URL_SAFE_NO_PAD.decode(payload).expect("base64url");
    let claims: serde_json::Value = serde_json::from_slice(&payload).expect("claims");
    claims["sha256"].as_str().expect("sha256").to_owned()
}

/// The floor with a precomputed HMAC key state (`key`), or keying one from `secret`.
pub fn floor(
    key: Option<&Hmac<Sha256>>,
    secret: &[u8],
    body: &[u8],
    token: &str,
    claim: &str,
) -> bool {
    let Some(dot) = token.rfind('.') else {
        return false;
    };
    let (input, sig) = (&token[..dot], &token[dot + 1..]);
    let Some(first) = input.find('.') else {
        return false;
    };
    let mut payload = [0u8; 512];
    if URL_SAFE_NO_PAD
        .decode_slice(&input[first + 1..], &mut payload)
        .is_err()
    {
        return false;
    }
    let mut tag = [0u8; 32];
    if URL_SAFE_NO_PAD.decode_slice(sig, &mut tag).is_err() {
        return false;
    }
    let mut mac = match key {
        Some(key) => key.clone(),
        None => Hmac::<Sha256>::new_from_slice(secret).expect("any key length"),
    };
    mac.update(input.as_bytes());
    if mac.verify_slice(&tag).is_err() {
        return false;
    }
    let digest = Sha256::digest(body);
    let mut claimed = [0u8; 35];
    match STANDARD.decode_slice(claim, &mut claimed) {
        Ok(32) => bool::from(digest.as_slice().ct_eq(&claimed[..32])),
        _ => false,
    }
}

/// The least any owned decode of the benchmark body must build: only the fields the body
/// carries, by serde's derived visitors, with exactly the heap allocations of the decoded
/// `WebhookEvent` (its 12 strings and the codec vector; the three int64 values, which
/// protojson writes as strings, are borrowed and not even parsed). No protojson rules, no
/// unknown fields, no other message fields: a lower bound for any receiver that returns an
/// owned event decoded with `serde_json`, not a usable decoder.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MinimalEvent<'a> {
    /// `event`.
    pub event: String,
    /// `room`.
    #[serde(borrow)]
    pub room: MinimalRoom<'a>,
    /// `id`.
    pub id: String,
    /// `createdAt` (protojson writes int64 as a string).
    pub created_at: &'a str,
}

/// The room of [`MinimalEvent`].
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MinimalRoom<'a> {
    /// `sid`.
    pub sid: String,
    /// `name`.
    pub name: String,
    /// `emptyTimeout`.
    pub empty_timeout: u32,
    /// `departureTimeout`.
    pub departure_timeout: u32,
    /// `maxParticipants`.
    pub max_participants: u32,
    /// `creationTime`.
    pub creation_time: &'a str,
    /// `creationTimeMs`.
    pub creation_time_ms: &'a str,
    /// `turnPassword`.
    pub turn_password: String,
    /// `enabledCodecs`.
    pub enabled_codecs: Vec<MinimalCodec>,
    /// `metadata`.
    pub metadata: String,
}

/// A codec of [`MinimalRoom`].
#[derive(serde::Deserialize)]
pub struct MinimalCodec {
    /// `mime`.
    pub mime: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use livekit_server_webhook::WebhookReceiver;

    #[test]
    fn all_three_accept_the_request_and_agree() {
        let request = request();
        assert!(
            (500..=600).contains(&request.body.len()),
            "{}",
            request.body.len()
        );
        let ours = WebhookReceiver::with_credentials(KEY, SECRET).unwrap();
        let webhook = ours.receive(&request.body, &request.authorization).unwrap();
        assert_eq!(webhook.event(), &room_started());

        let official = livekit_api::webhooks::WebhookReceiver::new(
            livekit_api::access_token::TokenVerifier::with_api_key(KEY, SECRET),
        );
        let body = std::str::from_utf8(&request.body).unwrap();
        let theirs = official.receive(body, &request.authorization).unwrap();
        assert_eq!(theirs.id, webhook.id());
        assert_eq!(theirs.room.unwrap().name, "weekly-standup-engineering");

        let minimal: MinimalEvent<'_> = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(minimal.room.creation_time_ms, "1700000000123");
        assert_eq!(minimal.room.enabled_codecs.len(), 6);
        assert_eq!(minimal.room.max_participants, 100);
        assert_eq!(minimal.id, webhook.id());
        serde_json::from_slice::<serde::de::IgnoredAny>(&request.body).unwrap();

        let claim = checksum_claim(&request.authorization);
        let key = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        assert!(floor(
            Some(&key),
            b"",
            &request.body,
            &request.authorization,
            &claim
        ));
        assert!(floor(
            None,
            SECRET.as_bytes(),
            &request.body,
            &request.authorization,
            &claim
        ));
        assert!(!floor(
            None,
            SECRET.as_bytes(),
            b"{}",
            &request.authorization,
            &claim
        ));
        assert!(!floor(
            None,
            b"other",
            &request.body,
            &request.authorization,
            &claim
        ));
    }
}
