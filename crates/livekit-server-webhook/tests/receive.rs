//! Receiver behaviour beyond the shared vectors: the cases of RELIABILITY §2.2 kept aside from
//! `webhooks.json`, the order of the checks, key lookup by `iss`, and the signer's output.

// Helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};
use livekit_server_auth::{
    AccessToken, ApiSecret, StaticKeyProvider, TokenError, TokenSigner, TokenVerifier, VideoGrants,
};
use livekit_server_proto::{Room, WebhookEvent};
use livekit_server_webhook::{
    CONTENT_TYPE, EventKind, SignedWebhook, WebhookError, WebhookReceiver, WebhookSigner,
};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

const KEY: &str = "APIwebhookTest01";
const SECRET: &str = "webhook-test-secret-0123456789abcdef";

fn t(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

const NOW: u64 = 1_700_000_000;

fn receiver() -> WebhookReceiver {
    WebhookReceiver::with_credentials(KEY, SECRET).unwrap()
}

fn signer() -> WebhookSigner {
    WebhookSigner::new(KEY, SECRET).unwrap()
}

fn sign(body: &[u8]) -> SignedWebhook {
    signer().sign_body_at(body.to_vec(), t(NOW)).unwrap()
}

/// A token with the given `sha256` claim (any JSON string), minted by the auth crate.
fn token_with_sha256(sha256: &str) -> String {
    AccessToken::new(KEY, SECRET)
        .unwrap()
        .with_sha256(sha256)
        .with_ttl(Duration::from_secs(300))
        .to_jwt_at(t(NOW))
        .unwrap()
}

fn b64_sha256(body: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(body))
}

fn room_started() -> WebhookEvent {
    WebhookEvent {
        event: "room_started".into(),
        room: Some(Box::new(Room {
            sid: "RM_abc".into(),
            name: "standup".into(),
            empty_timeout: 300,
            creation_time: 1_700_000_000,
            ..Default::default()
        })),
        id: "EV_room_started_1".into(),
        created_at: 1_700_000_000,
        ..Default::default()
    }
}

/// Decodes the payload of a compact token (test helper; no verification).
fn payload(token: &str) -> Value {
    let segment = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

// ---- W1, signer output ----------------------------------------------------------------------

#[test]
fn signed_event_round_trips() {
    let event = room_started();
    let signed = signer().sign_at(&event, t(NOW)).unwrap();
    let webhook = receiver()
        .receive_at(&signed.body, &signed.authorization, t(NOW))
        .unwrap();
    assert_eq!(webhook.kind(), &EventKind::RoomStarted);
    assert_eq!(webhook.event(), &event);
    assert_eq!(webhook.id(), "EV_room_started_1");
    assert_eq!(webhook.created_at(), 1_700_000_000);
    assert_eq!(webhook.room.as_ref().unwrap().name, "standup");
}

#[test]
fn signer_writes_what_the_server_writes() {
    let signed = signer().sign_at(&room_started(), t(NOW)).unwrap();
    assert_eq!(signed.content_type, CONTENT_TYPE);
    assert_eq!(CONTENT_TYPE, "application/webhook+json");
    // protojson: lowerCamelCase, int64 as strings, unset fields left out.
    let body: Value = serde_json::from_slice(&signed.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "event": "room_started",
            "room": {
                "sid": "RM_abc",
                "name": "standup",
                "emptyTimeout": 300,
                "creationTime": "1700000000"
            },
            "id": "EV_room_started_1",
            "createdAt": "1700000000"
        })
    );
    // Compact: the bytes are serde_json's compact form.
    assert!(!signed.body.contains(&b'\n'));
    assert!(!signed.authorization.starts_with("Bearer"));

    let header = signed.authorization.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "HS256");

    let claims = payload(&signed.authorization);
    assert_eq!(claims["iss"], KEY);
    assert_eq!(claims["nbf"], NOW);
    assert_eq!(claims["exp"], NOW + 300);
    assert_eq!(claims["sha256"], b64_sha256(&signed.body));
    for grant in [
        "video",
        "sip",
        "agent",
        "inference",
        "observability",
        "sub",
        "name",
    ] {
        assert!(claims.get(grant).is_none(), "{grant} in {claims}");
    }
}

#[test]
fn signer_ttl_is_configurable_and_validated() {
    let signed = signer()
        .with_ttl(Duration::from_secs(10))
        .sign_body_at(b"{}".to_vec(), t(NOW))
        .unwrap();
    assert_eq!(payload(&signed.authorization)["exp"], NOW + 10);
    assert_eq!(WebhookSigner::DEFAULT_TTL, Duration::from_secs(300));

    let err = signer()
        .with_ttl(Duration::ZERO)
        .sign_body_at(b"{}".to_vec(), t(NOW));
    assert_eq!(
        err.unwrap_err(),
        WebhookError::Token(TokenError::InvalidTtl)
    );
    let err = signer().sign_body_at(b"{}".to_vec(), UNIX_EPOCH - Duration::from_secs(1));
    assert_eq!(
        err.unwrap_err(),
        WebhookError::Token(TokenError::InvalidTime)
    );
}

#[test]
fn signer_from_a_token_signer_shares_its_key() {
    let token_signer = TokenSigner::new(KEY, &ApiSecret::new(SECRET).unwrap()).unwrap();
    let signed = WebhookSigner::from_signer(token_signer.clone())
        .sign_body_at(b"{}".to_vec(), t(NOW))
        .unwrap();
    let claims = payload(&signed.authorization);
    assert_eq!(claims["exp"], NOW + 300);
    receiver()
        .receive_at(&signed.body, &signed.authorization, t(NOW))
        .unwrap();
    // The same signer mints access tokens, which are not webhook tokens.
    let jwt = token_signer
        .access_token()
        .with_identity("alice")
        .with_grants(VideoGrants::join("room"))
        .to_jwt_at(t(NOW))
        .unwrap();
    assert_eq!(
        receiver().receive_at(b"{}", &jwt, t(NOW)).unwrap_err(),
        WebhookError::MissingChecksum
    );
}

#[test]
fn signer_and_receiver_refuse_empty_credentials() {
    assert_eq!(
        WebhookSigner::new(KEY, "").unwrap_err(),
        TokenError::MissingCredentials
    );
    assert_eq!(
        WebhookSigner::new("", SECRET).unwrap_err(),
        TokenError::MissingCredentials
    );
    assert_eq!(
        WebhookReceiver::with_credentials(KEY, "").unwrap_err(),
        TokenError::MissingCredentials
    );
    assert_eq!(
        WebhookReceiver::with_credentials("", SECRET).unwrap_err(),
        TokenError::MissingCredentials
    );
}

#[test]
fn sign_with_system_clock_is_accepted_now() {
    let signed = signer().sign(&room_started()).unwrap();
    let webhook = receiver()
        .receive(&signed.body, &signed.authorization)
        .unwrap();
    assert_eq!(webhook.kind(), &EventKind::RoomStarted);
    let signed = signer().sign_body(b"{\"event\":\"x\"}".to_vec()).unwrap();
    let webhook = receiver()
        .receive(&signed.body, &signed.authorization)
        .unwrap();
    assert_eq!(webhook.kind(), &EventKind::Unknown("x".into()));
}

// ---- W5, W6: the header ---------------------------------------------------------------------

#[test]
fn one_bearer_prefix_is_accepted() {
    let signed = sign(b"{}");
    let r = receiver();
    for auth in [
        format!("Bearer {}", signed.authorization),
        format!("bearer {}", signed.authorization),
        format!("  Bearer   {} ", signed.authorization),
    ] {
        r.receive_at(&signed.body, &auth, t(NOW)).unwrap();
    }
    let twice = format!("Bearer Bearer {}", signed.authorization);
    assert_eq!(
        r.receive_at(&signed.body, &twice, t(NOW)).unwrap_err(),
        WebhookError::Token(TokenError::Malformed)
    );
}

#[test]
fn empty_authorization_is_missing() {
    let signed = sign(b"{}");
    for auth in ["", " ", "\t", "Bearer", "Bearer  "] {
        assert_eq!(
            receiver()
                .receive_at(&signed.body, auth, t(NOW))
                .unwrap_err(),
            WebhookError::MissingAuthorization,
            "{auth:?}"
        );
    }
}

// ---- W7, W8: the checksum claim -------------------------------------------------------------

#[test]
fn access_token_without_sha256_is_missing_checksum() {
    let token = AccessToken::new(KEY, SECRET)
        .unwrap()
        .with_identity("alice")
        .with_grants(VideoGrants::join("room"))
        .to_jwt_at(t(NOW))
        .unwrap();
    assert_eq!(
        receiver().receive_at(b"{}", &token, t(NOW)).unwrap_err(),
        WebhookError::MissingChecksum
    );
}

#[test]
fn checksum_encodings_other_than_padded_standard_base64_are_refused() {
    // Bytes whose digest has '+' or '/' in standard base64, so base64url differs.
    let body = (0u32..)
        .map(|i| format!("{{\"id\":\"EV_{i}\"}}").into_bytes())
        .find(|b| {
            let s = b64_sha256(b);
            s.contains('+') || s.contains('/')
        })
        .unwrap();
    let digest = Sha256::digest(&body);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let padded_ws = format!(" {}", STANDARD.encode(digest));
    for sha in [
        URL_SAFE.encode(digest),
        STANDARD_NO_PAD.encode(digest),
        hex,
        padded_ws,
        STANDARD.encode(&digest[..16]),
        STANDARD.encode([digest.as_slice(), b"x"].concat()),
        "!!!".to_owned(),
    ] {
        let token = token_with_sha256(&sha);
        assert_eq!(
            receiver().receive_at(&body, &token, t(NOW)).unwrap_err(),
            WebhookError::InvalidChecksumEncoding,
            "{sha:?}"
        );
    }
    let good = token_with_sha256(&STANDARD.encode(digest));
    receiver().receive_at(&body, &good, t(NOW)).unwrap();
}

#[test]
fn checksum_of_another_body_is_a_mismatch() {
    let token = token_with_sha256(&b64_sha256(b"{\"event\":\"room_started\"}"));
    assert_eq!(
        receiver()
            .receive_at(b"{\"event\":\"room_finished\"}", &token, t(NOW))
            .unwrap_err(),
        WebhookError::ChecksumMismatch
    );
}

// ---- W2-W4: the exact bytes -----------------------------------------------------------------

#[test]
fn any_change_to_the_body_is_a_mismatch() {
    let signed = signer().sign_at(&room_started(), t(NOW)).unwrap();
    let r = receiver();
    let value: Value = serde_json::from_slice(&signed.body).unwrap();
    let pretty = serde_json::to_vec_pretty(&value).unwrap();
    let mut newline = signed.body.clone();
    newline.push(b'\n');
    let mut crlf = signed.body.clone();
    crlf.extend_from_slice(b"\r\n");
    let mut flipped = signed.body.clone();
    flipped[10] ^= 0x01;
    let truncated = signed.body[..signed.body.len() - 1].to_vec();
    for body in [pretty, newline, crlf, flipped, truncated, Vec::new()] {
        assert_eq!(
            r.receive_at(&body, &signed.authorization, t(NOW))
                .unwrap_err(),
            WebhookError::ChecksumMismatch,
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
}

// ---- W9-W11: the token ----------------------------------------------------------------------

#[test]
fn token_validity_window_with_60s_leeway() {
    let signed = sign(b"{}");
    let r = receiver();
    // nbf = NOW, exp = NOW + 300, leeway 60 s on both sides.
    r.receive_at(&signed.body, &signed.authorization, t(NOW - 60))
        .unwrap();
    r.receive_at(&signed.body, &signed.authorization, t(NOW + 359))
        .unwrap();
    assert!(matches!(
        r.receive_at(&signed.body, &signed.authorization, t(NOW + 360)).unwrap_err(),
        WebhookError::Token(TokenError::Expired { exp, now }) if exp == NOW + 300 && now == NOW + 360
    ));
    // W9: ten minutes old.
    assert!(matches!(
        r.receive_at(&signed.body, &signed.authorization, t(NOW + 600))
            .unwrap_err(),
        WebhookError::Token(TokenError::Expired { .. })
    ));
    assert!(matches!(
        r.receive_at(&signed.body, &signed.authorization, t(NOW - 61))
            .unwrap_err(),
        WebhookError::Token(TokenError::NotYetValid { .. })
    ));
}

#[test]
fn wrong_secret_and_wrong_key() {
    let signed = sign(b"{}");
    let other_secret = WebhookReceiver::with_credentials(KEY, "another-secret-0123456789abcdef")
        .unwrap()
        .receive_at(&signed.body, &signed.authorization, t(NOW))
        .unwrap_err();
    assert_eq!(other_secret, WebhookError::Token(TokenError::BadSignature));

    let other_key = WebhookReceiver::with_credentials("APIother", SECRET)
        .unwrap()
        .receive_at(&signed.body, &signed.authorization, t(NOW))
        .unwrap_err();
    assert!(matches!(other_key, WebhookError::Token(_)), "{other_key:?}");
}

#[test]
fn secret_is_looked_up_by_iss() {
    let keys = [
        ("APIfirst", "first-secret-0123456789abcdef0123"),
        (KEY, SECRET),
    ];
    let mut provider = StaticKeyProvider::new();
    for (key, secret) in keys {
        provider
            .insert(key, &ApiSecret::new(secret).unwrap())
            .unwrap();
    }
    let receiver = WebhookReceiver::with_key_provider(provider);
    for (key, secret) in keys {
        let signed = WebhookSigner::new(key, secret)
            .unwrap()
            .sign_body_at(b"{}".to_vec(), t(NOW))
            .unwrap();
        receiver
            .receive_at(&signed.body, &signed.authorization, t(NOW))
            .unwrap();
    }
    // W11: an `iss` the provider does not know.
    let stranger = WebhookSigner::new("APIstranger", SECRET)
        .unwrap()
        .sign_body_at(b"{}".to_vec(), t(NOW))
        .unwrap();
    assert_eq!(
        receiver
            .receive_at(&stranger.body, &stranger.authorization, t(NOW))
            .unwrap_err(),
        WebhookError::Token(TokenError::UnknownKey("APIstranger".into()))
    );
}

#[test]
fn a_custom_verifier_is_used_as_is() {
    let verifier = TokenVerifier::new(KEY, SECRET)
        .unwrap()
        .with_leeway(Duration::ZERO);
    let r = WebhookReceiver::new(verifier);
    let signed = sign(b"{}");
    r.receive_at(&signed.body, &signed.authorization, t(NOW + 299))
        .unwrap();
    assert!(matches!(
        r.receive_at(&signed.body, &signed.authorization, t(NOW + 300))
            .unwrap_err(),
        WebhookError::Token(TokenError::Expired { .. })
    ));
}

// ---- W12-W18: the body, decoded after verification ------------------------------------------

#[test]
fn unknown_fields_are_ignored_top_level_and_nested() {
    let body = br#"{"event":"room_started","room":{"name":"r","version":{"unixMicro":"1","ticks":2},"futureField":[1,{"a":null}]},"futureTop":{"x":[true,false]},"id":"EV_u"}"#;
    let signed = sign(body);
    let webhook = receiver()
        .receive_at(&signed.body, &signed.authorization, t(NOW))
        .unwrap();
    assert_eq!(webhook.kind(), &EventKind::RoomStarted);
    assert_eq!(webhook.room.as_ref().unwrap().name, "r");
    assert_eq!(webhook.id(), "EV_u");
}

#[test]
fn unknown_event_names_and_enum_values_are_kept_or_defaulted() {
    let body = br#"{"event":"room_archived","roomEndReason":"SOME_FUTURE_REASON","participant":{"kind":"FUTURE_KIND","state":"SOME_FUTURE_STATE"},"id":"EV_f"}"#;
    let signed = sign(body);
    let webhook = receiver()
        .receive_at(&signed.body, &signed.authorization, t(NOW))
        .unwrap();
    assert_eq!(webhook.kind(), &EventKind::Unknown("room_archived".into()));
    assert_eq!(webhook.room_end_reason, 0);
    let participant = webhook.participant.as_ref().unwrap();
    assert_eq!((participant.kind, participant.state), (0, 0));
}

#[test]
fn all_fourteen_event_names_decode_to_their_kind() {
    for kind in EventKind::KNOWN {
        let event = WebhookEvent {
            event: kind.as_str().into(),
            ..Default::default()
        };
        let signed = signer().sign_at(&event, t(NOW)).unwrap();
        let webhook = receiver()
            .receive_at(&signed.body, &signed.authorization, t(NOW))
            .unwrap();
        assert_eq!(webhook.kind(), &kind);
    }
}

#[test]
fn empty_object_is_an_event_without_a_name() {
    let signed = sign(b"{}");
    let webhook = receiver()
        .receive_at(&signed.body, &signed.authorization, t(NOW))
        .unwrap();
    assert_eq!(webhook.kind(), &EventKind::Unknown(String::new()));
    assert_eq!(webhook.event(), &WebhookEvent::default());
}

#[test]
fn invalid_bodies_are_typed_errors_after_verification() {
    let bodies: [&[u8]; 12] = [
        b"",
        b"   ",
        b"null",
        b"[]",
        b"\"room_started\"",
        b"{\"event\":\"a\"} trailing",
        b"\xef\xbb\xbf{}",
        b"{\"room\":{\"name\":\"a\",\"name\":\"b\"}}",
        b"{\"createdAt\":\"1\",\"created_at\":\"2\"}",
        b"{\"event\":\"\xc3\x28\"}",
        b"{\"event\":\"\\ud800\"}",
        b"{\"room\":{\"emptyTimeout\":\"many\"}}",
    ];
    for body in bodies {
        let signed = sign(body);
        let err = receiver()
            .receive_at(&signed.body, &signed.authorization, t(NOW))
            .unwrap_err();
        assert!(
            matches!(err, WebhookError::InvalidBody(_)),
            "{:?}: {err:?}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(err.http_status(), 400);
    }
}

#[test]
fn deep_nesting_never_overflows_the_stack() {
    let depth = 200_000;
    // Valid JSON in an unknown field is skipped without recursion, so it is accepted.
    let mut body = b"{\"event\":\"room_started\",\"future\":".to_vec();
    body.extend(std::iter::repeat_n(b'[', depth));
    body.extend(std::iter::repeat_n(b']', depth));
    body.push(b'}');
    let signed = sign(&body);
    let webhook = receiver()
        .receive_at(&signed.body, &signed.authorization, t(NOW))
        .unwrap();
    assert_eq!(webhook.kind(), &EventKind::RoomStarted);

    // Unbalanced arrays, or unclosed objects nested through known and unknown fields.
    let mut unclosed = b"{\"future\":".to_vec();
    unclosed.extend(std::iter::repeat_n(b'[', depth));
    let mut nested_rooms = Vec::new();
    for _ in 0..depth / 2 {
        nested_rooms.extend_from_slice(b"{\"room\":");
    }
    for body in [unclosed, nested_rooms] {
        let signed = sign(&body);
        let err = receiver()
            .receive_at(&signed.body, &signed.authorization, t(NOW))
            .unwrap_err();
        assert!(matches!(err, WebhookError::InvalidBody(_)), "{err:?}");
    }
}

// ---- W19: size ------------------------------------------------------------------------------

#[test]
fn one_megabyte_body_is_accepted_under_the_default_cap() {
    // A valid event padded with an unknown field to 1 000 000 bytes.
    let prefix = br#"{"event":"room_started","id":"EV_big","pad":""#;
    let mut body = prefix.to_vec();
    body.resize(1_000_000 - 2, b'x');
    body.extend_from_slice(b"\"}");
    assert_eq!(body.len(), 1_000_000);
    let signed = sign(&body);
    let r = receiver();
    assert_eq!(r.max_body_len(), 1024 * 1024);
    let webhook = r
        .receive_at(&signed.body, &signed.authorization, t(NOW))
        .unwrap();
    assert_eq!(webhook.id(), "EV_big");

    let small = receiver().with_max_body_len(999_999);
    assert_eq!(
        small
            .receive_at(&signed.body, &signed.authorization, t(NOW))
            .unwrap_err(),
        WebhookError::BodyTooLarge {
            len: 1_000_000,
            max: 999_999
        }
    );
}

#[test]
fn size_cap_is_checked_first_and_inclusive() {
    let r = receiver().with_max_body_len(2);
    r.receive_at(b"{}", &sign(b"{}").authorization, t(NOW))
        .unwrap();
    // Before the header: even with no authorization at all.
    let err = r.receive_at(b"{ }", "", t(NOW)).unwrap_err();
    assert_eq!(err, WebhookError::BodyTooLarge { len: 3, max: 2 });
    assert_eq!(err.http_status(), 413);
    let default = receiver();
    let big = vec![b' '; WebhookReceiver::DEFAULT_MAX_BODY_LEN + 1];
    assert_eq!(
        default.receive_at(&big, "x", t(NOW)).unwrap_err(),
        WebhookError::BodyTooLarge {
            len: big.len(),
            max: WebhookReceiver::DEFAULT_MAX_BODY_LEN
        }
    );
}

// ---- order of the checks --------------------------------------------------------------------

#[test]
fn checks_run_in_the_documented_order() {
    let r = receiver().with_max_body_len(64);
    let wrong_sha = token_with_sha256(&b64_sha256(b"other"));
    let no_sha = AccessToken::new(KEY, SECRET)
        .unwrap()
        .to_jwt_at(t(NOW))
        .unwrap();
    let bad_sig = {
        let mut token = sign(b"x").authorization;
        token.pop();
        token.push('A');
        token
    };
    let bad_encoding = token_with_sha256("abc");

    // The first failing check decides, whatever fails after it.
    let cases: [(&[u8], &str, WebhookError); 5] = [
        (
            &[b'x'; 65],
            "",
            WebhookError::BodyTooLarge { len: 65, max: 64 },
        ),
        (b"not json", "", WebhookError::MissingAuthorization),
        (
            b"not json",
            &bad_sig,
            WebhookError::Token(TokenError::BadSignature),
        ),
        (b"not json", &no_sha, WebhookError::MissingChecksum),
        (
            b"not json",
            &bad_encoding,
            WebhookError::InvalidChecksumEncoding,
        ),
    ];
    for (body, auth, want) in cases {
        assert_eq!(r.receive_at(body, auth, t(NOW)).unwrap_err(), want);
    }
    assert_eq!(
        r.receive_at(b"not json", &wrong_sha, t(NOW)).unwrap_err(),
        WebhookError::ChecksumMismatch
    );
    // verify_at does everything but decode.
    let signed = sign(b"not json");
    r.verify_at(&signed.body, &signed.authorization, t(NOW))
        .unwrap();
    assert!(matches!(
        r.receive_at(&signed.body, &signed.authorization, t(NOW))
            .unwrap_err(),
        WebhookError::InvalidBody(_)
    ));
}

// ---- secrets hygiene ------------------------------------------------------------------------

#[test]
fn debug_and_errors_never_show_the_secret_or_the_token() {
    let r = receiver();
    let s = signer();
    let signed = s.sign_at(&room_started(), t(NOW)).unwrap();
    for shown in [
        format!("{r:?}"),
        format!("{r:#?}"),
        format!("{s:?}"),
        format!("{s:#?}"),
        format!("{signed:?}"),
    ] {
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains(&signed.authorization), "{shown}");
        assert!(
            !shown.contains(signed.authorization.split('.').nth(2).unwrap()),
            "{shown}"
        );
    }
    assert!(format!("{signed:?}").contains("room_started"));

    let late = r
        .receive_at(&signed.body, &signed.authorization, t(NOW + 3600))
        .unwrap_err();
    let bearer = r
        .receive_at(b"{}", &format!("Bearer x{}", signed.authorization), t(NOW))
        .unwrap_err();
    for err in [late, bearer] {
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains(&signed.authorization), "{shown}");
    }
}
