//! Known-answer tests: every row of `tests/vectors/webhooks.json` (a byte-identical copy of the
//! shared cross-SDK vectors), body bytes and `Authorization` value as recorded, at the
//! vector's clock.

// Helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use livekit_server_auth::TokenError;
use livekit_server_proto::{ParticipantInfo, participant_info};
use livekit_server_webhook::{EventKind, Webhook, WebhookError, WebhookReceiver};
use serde_json::Value;

const VECTORS: &str = include_str!("vectors/webhooks.json");

/// What a vector must produce.
#[derive(Debug)]
enum Want {
    Accept(fn(&Webhook)),
    Reject(fn(&WebhookError) -> bool),
}

fn want(id: &str) -> Want {
    use WebhookError as E;
    match id {
        "wh.valid.node_test_body" => Want::Accept(|w| {
            assert_eq!(w.kind(), &EventKind::RoomStarted);
            let room = w.room.as_ref().expect("room");
            assert_eq!(room.sid, "RM_TkVjUvAqgzKz");
            assert_eq!(room.name, "mytestroom");
            assert_eq!(room.empty_timeout, 300);
            assert_eq!(room.creation_time, 1_628_545_903);
            assert_eq!(
                room.turn_password,
                "ICkSr2rEeslkN6e9bXL4Ji5zzMD5Z7zzr6ulOaxMj6N"
            );
            let mimes: Vec<_> = room
                .enabled_codecs
                .iter()
                .map(|c| c.mime.as_str())
                .collect();
            assert_eq!(mimes, ["audio/opus", "video/VP8"]);
            assert_eq!(w.id(), "");
            assert_eq!(w.created_at(), 0);
        }),
        "wh.valid.joined_unicode" => Want::Accept(|w| {
            assert_eq!(w.kind(), &EventKind::ParticipantJoined);
            assert_eq!(w.room.as_ref().map(|r| r.name.as_str()), Some("my-room"));
            let p = w.participant.as_ref().expect("participant");
            assert_eq!(p.sid, "PA_xyz");
            assert_eq!(p.identity, "alice");
            assert_eq!(p.name, "Alice \u{1F600}");
            assert_eq!(p.state(), participant_info::State::Active);
            assert_eq!(p.joined_at, 1_700_000_000);
            assert_eq!(w.id(), "EV_123");
            assert_eq!(w.created_at(), 1_700_000_000);
        }),
        "wh.body.unknown_enum" => Want::Accept(|w| {
            assert_eq!(w.kind(), &EventKind::ParticipantJoined);
            let p = w.participant.as_ref().expect("participant");
            assert_eq!(p.identity, "a");
            // An unknown enum name decodes to the default value, as in Go's protojson.
            assert_eq!(p.state, 0);
            assert_eq!(w.id(), "EV_2");
        }),
        "wh.body.numeric_forms" => Want::Accept(|w| {
            let p: &ParticipantInfo = w.participant.as_ref().expect("participant");
            assert_eq!(p.state(), participant_info::State::Active);
            assert_eq!(p.joined_at, 1_700_000_000);
            assert_eq!(w.created_at(), 1_700_000_000);
            assert_eq!(w.id(), "EV_3");
        }),
        "wh.body.reserialized" | "wh.body.recompacted" | "wh.body.trailing_newline" => {
            Want::Reject(|e| *e == E::ChecksumMismatch)
        }
        "wh.hdr.empty" => Want::Reject(|e| *e == E::MissingAuthorization),
        "wh.sha.missing" | "wh.sha.empty" => Want::Reject(|e| *e == E::MissingChecksum),
        "wh.sha.hex" | "wh.sha.garbage" => Want::Reject(|e| *e == E::InvalidChecksumEncoding),
        "wh.sha.number" => {
            Want::Reject(|e| *e == E::Token(TokenError::InvalidClaimType { claim: "sha256" }))
        }
        "wh.tok.wrong_key" => Want::Reject(|e| *e == E::Token(TokenError::BadSignature)),
        "wh.tok.alg_none" => {
            Want::Reject(|e| *e == E::Token(TokenError::UnsupportedAlgorithm("none".into())))
        }
        "wh.tok.no_exp" => Want::Reject(|e| *e == E::Token(TokenError::MissingClaim("exp"))),
        "wh.body.empty"
        | "wh.body.not_json"
        | "wh.body.duplicate_keys"
        | "wh.body.invalid_utf8" => Want::Reject(|e| matches!(e, E::InvalidBody(_))),
        other => panic!("vector {other} has no expectation in tests/vectors.rs: add one"),
    }
}

fn str_field<'a>(vector: &'a Value, name: &str) -> &'a str {
    vector[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} missing in {vector}"))
}

#[test]
fn every_webhook_vector() {
    let file: Value = serde_json::from_str(VECTORS).unwrap();
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(
        vectors.len(),
        20,
        "the vector file changed: review the expectations"
    );

    for vector in vectors {
        let id = str_field(vector, "id");
        let body = STANDARD.decode(str_field(vector, "body_b64")).unwrap();
        let authorization = str_field(vector, "auth_header");
        let now = UNIX_EPOCH + Duration::from_secs(vector["now"].as_u64().unwrap());
        let receiver = WebhookReceiver::with_credentials(
            str_field(vector, "api_key"),
            str_field(vector, "api_secret"),
        )
        .unwrap();

        let result = receiver.receive_at(&body, authorization, now);
        let expected = str_field(vector, "expected");
        match (want(id), result) {
            (Want::Accept(check), Ok(webhook)) => {
                assert_eq!(expected, "accept", "{id}");
                check(&webhook);
                // The recorded checksum is the one over these bytes.
                assert_eq!(
                    checksum(&body),
                    str_field(vector, "body_sha256_b64"),
                    "{id}"
                );
            }
            (Want::Reject(is_expected), Err(err)) => {
                assert_eq!(expected, "reject", "{id}");
                assert!(is_expected(&err), "{id}: unexpected error {err:?}");
                let shown = err.to_string();
                assert!(
                    !shown.contains(str_field(vector, "api_secret")),
                    "{id}: {shown}"
                );
                if !authorization.is_empty() {
                    assert!(!shown.contains(authorization), "{id}: {shown}");
                }
            }
            (Want::Accept(_), Err(err)) => panic!("{id}: expected accept, got {err:?}"),
            (Want::Reject(_), Ok(webhook)) => panic!("{id}: expected reject, got {webhook:?}"),
        }
    }
}

/// Checks come before parsing: with the body bytes of every rejected-for-its-body vector, a
/// clock after the token's expiry gives the token error, not the body error.
#[test]
fn body_is_parsed_only_after_verification() {
    let file: Value = serde_json::from_str(VECTORS).unwrap();
    for vector in file["vectors"].as_array().unwrap() {
        let id = str_field(vector, "id");
        if !matches!(want(id), Want::Reject(check) if check(&WebhookError::InvalidBody(String::new())))
        {
            continue;
        }
        let body = STANDARD.decode(str_field(vector, "body_b64")).unwrap();
        let receiver = WebhookReceiver::with_credentials(
            str_field(vector, "api_key"),
            str_field(vector, "api_secret"),
        )
        .unwrap();
        let late = UNIX_EPOCH + Duration::from_secs(vector["now"].as_u64().unwrap() + 3600);
        let err = receiver
            .receive_at(&body, str_field(vector, "auth_header"), late)
            .unwrap_err();
        assert!(
            matches!(err, WebhookError::Token(TokenError::Expired { .. })),
            "{id}: {err:?}"
        );
    }
}

fn checksum(body: &[u8]) -> String {
    use sha2::Digest as _;
    STANDARD.encode(sha2::Sha256::digest(body))
}
