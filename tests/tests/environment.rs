//! The environment itself works: the server is healthy, a real client joins and publishes,
//! and the server's webhooks reach the tests. If these fail, every other integration test
//! would fail for the same reason.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use livekit_server_tests::{Participant, TestEnv, WebhookReceiver, http_get, unique_name};

const JOIN: Duration = Duration::from_secs(30);
const WEBHOOK: Duration = Duration::from_secs(15);

#[test]
fn server_answers_its_health_check() {
    let env = TestEnv::from_env();
    let response = http_get(&format!("{}/", env.url)).unwrap();
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.body.trim(), "OK");
}

#[test]
fn participant_joins_publishes_and_webhooks_arrive() {
    let env = TestEnv::from_env();
    let hooks = WebhookReceiver::shared(&env);
    let room = unique_name("env-join");
    let token = env.python_token("alice", &room);

    let mut alice = Participant::join(&env, &token);
    let connected = alice.wait_for("connected", JOIN);
    assert_eq!(connected.str("room"), Some(room.as_str()));
    assert_eq!(connected.str("identity"), Some("alice"));
    let published = alice.wait_for("track_published", JOIN);
    let track_sid = published.str("sid").unwrap().to_owned();
    assert!(track_sid.starts_with("TR_"), "{published:?}");

    let joined = hooks.wait_for_event(&room, "participant_joined", WEBHOOK);
    assert_eq!(joined.method, "POST");
    let authorization = joined.header("Authorization").unwrap_or_default();
    assert_eq!(
        authorization.split('.').count(),
        3,
        "not a JWT: {authorization:?}"
    );
    assert_eq!(
        joined.header("Content-Type"),
        Some("application/webhook+json")
    );
    assert_eq!(joined.json()["participant"]["identity"], "alice");

    let track = hooks.wait_for(WEBHOOK, |r| {
        r.event().as_deref() == Some("track_published")
            && r.room_name().as_deref() == Some(room.as_str())
            && r.json()["track"]["sid"] == track_sid.as_str()
    });
    assert!(track.header("Authorization").is_some());

    alice.leave();
    alice.wait_for("disconnected", JOIN);
    hooks.wait_for_event(&room, "participant_left", WEBHOOK);
}

#[test]
fn two_participants_exchange_data_and_rpc() {
    let env = TestEnv::from_env();
    let room = unique_name("env-pair");
    let alice = Participant::join(&env, &env.python_token("alice", &room));
    alice.wait_for("connected", JOIN);
    let mut bob = Participant::join(&env, &env.python_token("bob", &room));
    bob.wait_for("connected", JOIN);
    alice.wait_for_match("bob joining", JOIN, |e| {
        e.kind() == "participant_connected" && e.str("identity") == Some("bob")
    });
    let bob_track = bob
        .wait_for("track_published", JOIN)
        .str("sid")
        .unwrap()
        .to_owned();
    alice.wait_for_match("bob's track", JOIN, |e| {
        e.kind() == "track_subscribed" && e.str("sid") == Some(bob_track.as_str())
    });

    let id = bob.perform_rpc("alice", "echo", "ping 1");
    let called = alice.wait_for("rpc_called", JOIN);
    assert_eq!(
        (called.str("caller"), called.str("payload")),
        (Some("bob"), Some("ping 1"))
    );
    let result = bob.wait_for_match("the rpc result", JOIN, |e| e.str("id") == Some(id.as_str()));
    assert_eq!(
        (result.kind(), result.str("payload")),
        ("rpc_result", Some("ping 1"))
    );

    bob.send_data("hello alice", "greetings", &["alice"]);
    let data = alice.wait_for("data_received", JOIN);
    assert_eq!(data.str("payload"), Some("hello alice"));
    assert_eq!(data.str("topic"), Some("greetings"));
    assert_eq!(data.str("from"), Some("bob"));
}
