//! The server's own webhooks, verified with our `WebhookReceiver`.
//!
//! A real participant joins, publishes and leaves; the server posts `room_started`,
//! `participant_joined`, `track_published`, `participant_left` and `room_finished` to the test
//! receiver (`LIVEKIT_TEST_WEBHOOK_PORT`), and each must verify with the run's key and secret
//! and decode to the event it names. The receiver port is single, so every webhook assertion
//! of the suite is in this one test.
//!
//! With `LIVEKIT_TEST_UPDATE_FIXTURES=1` the test also writes what it received (body bytes and
//! headers as sent, and the run's throw-away key) to `tests/fixtures/webhooks/`. The committed
//! fixtures are checked by [`committed_fixtures_verify_at_the_time_they_were_signed`], which
//! needs no server: it verifies each one at the time its token was signed (`nbf`), since the
//! tokens themselves expire five minutes after that.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use livekit_server_auth::TokenError;
use livekit_server_tests::{Participant, TestEnv, WebhookReceiver, WebhookRequest, unique_name};
use livekit_server_webhook::{EventKind, Webhook, WebhookError, WebhookReceiver as Verifier};
use serde_json::{Value, json};
use support::{JOIN, join_token};

/// How long a webhook may take to arrive (`room_finished` comes after the departure timeout).
const WEBHOOK: Duration = Duration::from_secs(30);

/// The events recorded as fixtures, in the order the server sends them.
const EVENTS: [&str; 5] = [
    "room_started",
    "participant_joined",
    "track_published",
    "participant_left",
    "room_finished",
];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/webhooks")
}

/// Verifies a received webhook with our receiver and checks it is the `event` about `room`.
#[track_caller]
fn verify(verifier: &Verifier, request: &WebhookRequest, event: &str, room: &str) -> Webhook {
    let authorization = request
        .header("Authorization")
        .unwrap_or_else(|| panic!("{event}: no Authorization header"));
    let webhook = verifier
        .receive(&request.body, authorization)
        .unwrap_or_else(|error| panic!("{event} does not verify: {error:?}"));
    assert_eq!(webhook.kind(), &EventKind::from_name(event));
    assert!(webhook.kind().is_known(), "{event}");
    let decoded = webhook.event();
    assert_eq!(decoded.event, event);
    assert_eq!(
        decoded.room.as_ref().map(|r| r.name.as_str()),
        Some(room),
        "{event}"
    );
    assert!(!webhook.id().is_empty(), "{event}: no id");
    assert!(webhook.created_at() > 0, "{event}: no created_at");
    webhook
}

/// The identity of the participant a webhook is about.
fn participant_identity(webhook: &Webhook) -> Option<&str> {
    webhook
        .event()
        .participant
        .as_ref()
        .map(|p| p.identity.as_str())
}

#[test]
fn the_servers_webhooks_verify_with_our_receiver() {
    let env = TestEnv::from_env();
    let hooks = WebhookReceiver::shared(&env);
    let verifier = Verifier::with_credentials(&env.api_key, &env.api_secret).unwrap();
    let room = unique_name("webhooks");

    let mut alice = Participant::join(&env, &join_token(&env, "alice", &room));
    let connected = alice.wait_for("connected", JOIN);
    let alice_sid = connected.str("sid").unwrap().to_owned();
    let track_sid = alice
        .wait_for("track_published", JOIN)
        .str("sid")
        .unwrap()
        .to_owned();

    let started = hooks.wait_for_event(&room, "room_started", WEBHOOK);
    let room_sid = verify(&verifier, &started, "room_started", &room)
        .event()
        .room
        .as_ref()
        .unwrap()
        .sid
        .clone();
    assert!(room_sid.starts_with("RM_"), "{room_sid}");

    let joined = hooks.wait_for_event(&room, "participant_joined", WEBHOOK);
    let webhook = verify(&verifier, &joined, "participant_joined", &room);
    let participant = webhook.event().participant.as_ref().unwrap();
    assert_eq!(
        (participant.identity.as_str(), participant.sid.as_str()),
        ("alice", alice_sid.as_str())
    );

    let published = hooks.wait_for(WEBHOOK, |r| {
        r.event().as_deref() == Some("track_published")
            && r.room_name().as_deref() == Some(room.as_str())
            && r.json()["track"]["sid"] == track_sid.as_str()
    });
    let webhook = verify(&verifier, &published, "track_published", &room);
    let track = webhook.event().track.as_ref().unwrap();
    assert_eq!(track.sid, track_sid);
    assert_eq!(
        track.r#type,
        livekit_server_room::proto::TrackType::Audio as i32
    );
    assert_eq!(participant_identity(&webhook), Some("alice"));

    alice.leave();
    alice.wait_for("disconnected", JOIN);
    let left = hooks.wait_for_event(&room, "participant_left", WEBHOOK);
    let webhook = verify(&verifier, &left, "participant_left", &room);
    assert_eq!(participant_identity(&webhook), Some("alice"));
    let finished = hooks.wait_for_event(&room, "room_finished", WEBHOOK);
    let webhook = verify(&verifier, &finished, "room_finished", &room);
    assert_eq!(
        webhook.event().room.as_ref().map(|r| r.sid.as_str()),
        Some(room_sid.as_str())
    );

    // Every webhook about the room, not only those waited for, verifies.
    let all: Vec<WebhookRequest> = hooks
        .requests()
        .into_iter()
        .filter(|r| r.room_name().as_deref() == Some(room.as_str()))
        .collect();
    assert!(all.len() >= EVENTS.len(), "{all:?}");
    for request in &all {
        let event = request.event().unwrap();
        verify(&verifier, request, &event, &room);
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/livekit/webhook");
        assert_eq!(
            request.header("Content-Type"),
            Some("application/webhook+json")
        );
    }

    // What the receiver refuses, on a real body.
    let authorization = joined.header("Authorization").unwrap();
    let mut altered = joined.body.clone();
    let at = altered.iter().position(|b| *b == b'a').unwrap();
    altered[at] = b'b';
    assert_eq!(
        verifier.receive(&altered, authorization).unwrap_err(),
        WebhookError::ChecksumMismatch
    );
    let wrong =
        Verifier::with_credentials(&env.api_key, "another-secret-another-secret-0123").unwrap();
    assert_eq!(
        wrong.receive(&joined.body, authorization).unwrap_err(),
        WebhookError::Token(TokenError::BadSignature)
    );
    let other_key = Verifier::with_credentials("APIother", &env.api_secret).unwrap();
    assert!(
        matches!(
            other_key.receive(&joined.body, authorization),
            Err(WebhookError::Token(_))
        ),
        "a token from another key"
    );

    if std::env::var_os("LIVEKIT_TEST_UPDATE_FIXTURES").is_some_and(|v| v == "1") {
        write_fixtures(
            &env,
            &room,
            &[&started, &joined, &published, &left, &finished],
        );
    }
}

/// Writes the received webhooks as fixtures (see the file's docs).
fn write_fixtures(env: &TestEnv, room: &str, requests: &[&WebhookRequest]) {
    let dir = fixtures_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let credentials = json!({
        "comment": "A throw-away key pair of one `cargo xtask integration` run; the webhooks \
                    beside this file were signed with it by LiveKit server v1.13.5.",
        "api_key": env.api_key,
        "api_secret": env.api_secret,
        "room": room,
    });
    std::fs::write(
        dir.join("credentials.json"),
        format!("{}\n", serde_json::to_string_pretty(&credentials).unwrap()),
    )
    .unwrap();
    for (event, request) in EVENTS.iter().zip(requests) {
        assert_eq!(request.event().as_deref(), Some(*event));
        std::fs::write(dir.join(format!("{event}.body")), &request.body).unwrap();
        let headers: String = request
            .headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}\n"))
            .collect();
        std::fs::write(dir.join(format!("{event}.headers")), headers).unwrap();
    }
}

/// A fixture: the body as sent and its `Authorization` header.
fn fixture(event: &str) -> (Vec<u8>, String) {
    let dir = fixtures_dir();
    let body = std::fs::read(dir.join(format!("{event}.body")))
        .unwrap_or_else(|error| panic!("fixture {event}.body: {error}"));
    let headers = std::fs::read_to_string(dir.join(format!("{event}.headers"))).unwrap();
    let authorization = headers
        .lines()
        .filter_map(|line| line.split_once(": "))
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.to_owned())
        .unwrap_or_else(|| panic!("fixture {event}.headers has no Authorization"));
    (body, authorization)
}

/// The claims of a JWT, read without verifying it (to learn when it was signed).
fn claims(token: &str) -> Value {
    let token = token.strip_prefix("Bearer ").unwrap_or(token);
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// The fixture of `event`, verified at the time it was signed (`nbf`).
fn verified_fixture(verifier: &Verifier, event: &str) -> Webhook {
    let (body, authorization) = fixture(event);
    let nbf = claims(&authorization)["nbf"].as_u64().unwrap();
    verifier
        .receive_at(&body, &authorization, at(nbf))
        .unwrap_or_else(|error| panic!("{event}: {error:?}"))
}

#[test]
fn committed_fixtures_verify_at_the_time_they_were_signed() {
    let credentials: Value =
        serde_json::from_slice(&std::fs::read(fixtures_dir().join("credentials.json")).unwrap())
            .unwrap();
    let key = credentials["api_key"].as_str().unwrap();
    let secret = credentials["api_secret"].as_str().unwrap();
    let room = credentials["room"].as_str().unwrap();
    let verifier = Verifier::with_credentials(key, secret).unwrap();
    let wrong = Verifier::with_credentials(key, "another-secret-another-secret-0123").unwrap();

    for event in EVENTS {
        let (body, authorization) = fixture(event);
        let claims = claims(&authorization);
        assert_eq!(claims["iss"], key, "{event}");
        let nbf = claims["nbf"].as_u64().unwrap();
        let exp = claims["exp"].as_u64().unwrap();
        assert!(exp > nbf, "{event}: {claims}");

        let webhook = verifier
            .receive_at(&body, &authorization, at(nbf))
            .unwrap_or_else(|error| panic!("{event}: {error:?}"));
        assert_eq!(webhook.kind().as_str(), event);
        assert_eq!(
            webhook.event().room.as_ref().map(|r| r.name.as_str()),
            Some(room),
            "{event}"
        );
        // Still valid just before it expires, with the 60 s leeway after.
        verifier
            .receive_at(&body, &authorization, at(exp + 59))
            .unwrap_or_else(|error| panic!("{event} at exp: {error:?}"));
        assert!(
            matches!(
                verifier.receive_at(&body, &authorization, at(exp + 120)),
                Err(WebhookError::Token(TokenError::Expired { .. }))
            ),
            "{event}: expired two minutes after exp"
        );
        assert!(
            matches!(
                verifier.receive_at(&body, &authorization, at(nbf - 120)),
                Err(WebhookError::Token(TokenError::NotYetValid { .. }))
            ),
            "{event}: not valid two minutes before nbf"
        );
        assert_eq!(
            wrong
                .receive_at(&body, &authorization, at(nbf))
                .unwrap_err(),
            WebhookError::Token(TokenError::BadSignature),
            "{event}"
        );
        let mut altered = body.clone();
        let last = altered.len() - 2;
        altered[last] ^= 0x01;
        assert_eq!(
            verifier
                .receive_at(&altered, &authorization, at(nbf))
                .unwrap_err(),
            WebhookError::ChecksumMismatch,
            "{event}"
        );
        // Re-serializing the JSON (as a framework might) breaks the checksum too.
        let reserialized =
            serde_json::to_vec(&serde_json::from_slice::<Value>(&body).unwrap()).unwrap();
        if reserialized != body {
            assert_eq!(
                verifier
                    .receive_at(&reserialized, &authorization, at(nbf))
                    .unwrap_err(),
                WebhookError::ChecksumMismatch,
                "{event}"
            );
        }
    }

    // What each fixture carries.
    let joined = verified_fixture(&verifier, "participant_joined");
    assert_eq!(participant_identity(&joined), Some("alice"));
    let published = verified_fixture(&verifier, "track_published");
    assert!(
        published
            .event()
            .track
            .as_ref()
            .is_some_and(|t| t.sid.starts_with("TR_")),
        "{:?}",
        published.event()
    );
}
