//! Interoperability with the official SDKs, both ways: tokens we mint are verified by
//! Python `livekit-api` and Node `livekit-server-sdk`, and tokens they mint are verified by us.
//!
//! The peers are the small command-line programs in `tests/peers/` (one JSON command per
//! line), run by `livekit_server_testkit::Peer`. They must be installed: `cargo xtask setup`
//! (see that crate's docs for the manual steps and the Python interpreter chosen). A missing
//! peer fails the test with that advice.

// Test helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use common::{builder, payload_json, str_field};
use livekit_server_auth::{Claims, TokenVerifier, VideoGrants};
use livekit_server_testkit::Peer;
use serde_json::{Value, json};

const KEY: &str = "APIpeerTestKey01";
const SECRET: &str = "peer-test-secret-0123456789abcdefghijklmnop";

/// Token specs (peer `mint` commands without credentials) and the peers that can mint them.
fn specs() -> Vec<(&'static str, Value, &'static [&'static str])> {
    const BOTH: &[&str] = &["python", "node"];
    let mut specs = vec![
        (
            "join",
            json!({"identity": "alice", "name": "Alice", "ttl_seconds": 3600,
                   "video": {"roomJoin": true, "room": "my-room"},
                   "attributes": {"mykey": "myvalue"}}),
            BOTH,
        ),
        (
            "permissions",
            json!({"identity": "bob", "video": {"roomJoin": true, "room": "r1",
                   "canPublish": false, "canSubscribe": true, "canPublishData": false,
                   "canPublishSources": ["camera", "microphone"], "hidden": true,
                   "canUpdateOwnMetadata": true}}),
            BOTH,
        ),
        (
            "unicode",
            json!({"identity": "user-ü-😀", "name": "Zoë \"Z\" 😀", "kind": "agent",
                   "metadata": "{\"note\":\"ünïcødé ✓ 😀 \\\"q\\\" </script> \\u0000\"}",
                   "attributes": {"lang": "日本語", "emoji": "🎉", "empty": "", "nul": "a\u{0}b"},
                   "video": {"roomJoin": true, "room": "räum-1", "agent": true}}),
            BOTH,
        ),
        (
            "server",
            json!({"ttl_seconds": 600,
                   "video": {"roomCreate": true, "roomList": true, "roomAdmin": true,
                             "room": "my-room", "destinationRoom": "other"}}),
            BOTH,
        ),
        (
            "sip",
            json!({"ttl_seconds": 600, "sip": {"admin": true, "call": true}}),
            BOTH,
        ),
        (
            "webhook",
            json!({"ttl_seconds": 300, "sha256": "CoEQz1chqJ9bnZRcORddjplkvpjmPujmLTR42DbefYI="}),
            BOTH,
        ),
        (
            "cloud",
            json!({"identity": "c", "room_preset": "preset-1",
                   "inference": {"perform": true}, "observability": {"write": true}}),
            BOTH,
        ),
        (
            "agent",
            json!({"agent": {"admin": true, "dispatchAdmin": true}}),
            &["python"],
        ),
    ];
    specs.push((
        "room-config",
        json!({"identity": "carol", "video": {"roomJoin": true, "room": "cfg-room"},
               "room_config": {"name": "cfg-room", "emptyTimeout": 30,
                               "agents": [{"agentName": "test-agent", "metadata": "m"}]}}),
        BOTH,
    ));
    specs
}

fn with_credentials(spec: &Value, key: &str, secret: &str) -> Value {
    let mut spec = spec.clone();
    spec["api_key"] = json!(key);
    spec["api_secret"] = json!(secret);
    spec
}

/// Our verified claims for a spec minted by us (the reference for what a peer's token means).
fn our_claims(spec: &Value) -> Claims {
    let jwt = builder(&with_credentials(spec, KEY, SECRET))
        .unwrap()
        .to_jwt()
        .unwrap();
    TokenVerifier::new(KEY, SECRET)
        .unwrap()
        .verify(&jwt)
        .unwrap()
}

/// Effective media permissions, as the server computes them.
fn effective(video: Option<&VideoGrants>) -> Option<[bool; 4]> {
    video.map(|v| {
        [
            v.can_publish(),
            v.can_subscribe(),
            v.can_publish_data(),
            v.can_update_own_metadata(),
        ]
    })
}

/// Tokens we mint are accepted by the peer, which decodes the claims we wrote.
fn ours_verified_by(mut peer: Peer) {
    let name = peer.name();
    let mut checked = 0;
    for (id, spec, _) in specs() {
        // (Without the `room-config` feature, the room configuration of a spec is left out.)
        for (key, secret) in [(KEY, SECRET), ("devkey", "secret")] {
            let jwt = builder(&with_credentials(&spec, key, secret))
                .unwrap()
                .to_jwt()
                .unwrap();
            let ours = payload_json(&jwt);
            let answer = peer.call(&json!({"cmd": "verify", "api_key": key,
                                           "api_secret": secret, "token": jwt}));
            assert_eq!(
                answer["ok"],
                json!(true),
                "{name} rejected our {id} token: {answer}"
            );
            assert_eq!(answer["payload"], ours, "{name}/{id}");
            let claims = &answer["claims"];
            if name == "node" {
                // Node returns the verified payload as it is.
                assert_eq!(claims, &ours, "node/{id}");
            } else {
                // Python decodes into its Claims dataclass.
                assert_eq!(
                    claims["identity"],
                    ours.get("sub").cloned().unwrap_or(json!(""))
                );
                for field in ["name", "metadata", "kind"] {
                    let want = ours.get(field).cloned().unwrap_or(json!(""));
                    assert_eq!(claims[field], want, "python/{id}/{field}");
                }
                assert_eq!(
                    claims["attributes"],
                    ours.get("attributes").cloned().unwrap_or(json!({})),
                    "python/{id}"
                );
                if let Some(video) = ours.get("video") {
                    let grants: VideoGrants = serde_json::from_value(video.clone()).unwrap();
                    let py = &claims["video"];
                    assert_eq!(py["room"], json!(grants.room), "python/{id}");
                    assert_eq!(
                        py["can_publish"],
                        json!(grants.can_publish()),
                        "python/{id}"
                    );
                    assert_eq!(
                        py["can_subscribe"],
                        json!(grants.can_subscribe()),
                        "python/{id}"
                    );
                    assert_eq!(
                        py["hidden"],
                        video.get("hidden").cloned().unwrap_or(Value::Null)
                    );
                    assert_eq!(
                        py["room_join"],
                        video.get("roomJoin").cloned().unwrap_or(Value::Null),
                        "python/{id}"
                    );
                }
                if let Some(config) = ours.get("roomConfig") {
                    assert_eq!(&claims["room_config"], config, "python/{id}");
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * specs().len());
}

/// Tokens the peer mints are accepted by us, with the same meaning as ours.
fn theirs_verified_by_us(mut peer: Peer) {
    let name = peer.name();
    let verifier = TokenVerifier::new(KEY, SECRET).unwrap();
    let dev = TokenVerifier::new("devkey", "secret").unwrap();
    let mut checked = 0;
    for (id, spec, minters) in specs() {
        let mut command = with_credentials(&spec, KEY, SECRET);
        command["cmd"] = json!("mint");
        let answer = peer.call(&command);
        if !minters.contains(&name) {
            assert_eq!(answer["ok"], json!(false), "{name} minted {id}: {answer}");
            continue;
        }
        assert_eq!(
            answer["ok"],
            json!(true),
            "{name} could not mint {id}: {answer}"
        );
        let jwt = str_field(&answer, "token").unwrap();
        let theirs = verifier
            .verify(jwt)
            .unwrap_or_else(|e| panic!("{name}/{id}: {e}"));
        let ours = our_claims(&spec);
        assert_eq!(theirs.iss, ours.iss, "{name}/{id}");
        assert_eq!(theirs.sub, ours.sub, "{name}/{id}");
        assert_eq!(theirs.name, ours.name, "{name}/{id}");
        assert_eq!(theirs.kind, ours.kind, "{name}/{id}");
        assert_eq!(theirs.metadata, ours.metadata, "{name}/{id}");
        assert_eq!(theirs.attributes, ours.attributes, "{name}/{id}");
        assert_eq!(theirs.sha256, ours.sha256, "{name}/{id}");
        assert_eq!(theirs.room_preset, ours.room_preset, "{name}/{id}");
        assert_eq!(theirs.sip, ours.sip, "{name}/{id}");
        assert_eq!(theirs.inference, ours.inference, "{name}/{id}");
        assert_eq!(theirs.observability, ours.observability, "{name}/{id}");
        assert_eq!(
            theirs.exp - theirs.nbf.unwrap(),
            ours.exp - ours.nbf.unwrap(),
            "{name}/{id}"
        );
        #[cfg(feature = "room-config")]
        assert_eq!(theirs.room_config, ours.room_config, "{name}/{id}");
        if let (Some(t), Some(o)) = (&theirs.video, &ours.video) {
            assert_eq!(
                (
                    &t.room,
                    &t.destination_room,
                    t.room_join,
                    t.room_admin,
                    t.room_create
                ),
                (
                    &o.room,
                    &o.destination_room,
                    o.room_join,
                    o.room_admin,
                    o.room_create
                ),
                "{name}/{id}"
            );
            assert_eq!(
                (t.hidden, t.agent, &t.can_publish_sources),
                (o.hidden, o.agent, &o.can_publish_sources)
            );
        }
        assert_eq!(
            effective(theirs.video.as_ref()),
            effective(ours.video.as_ref()),
            "{name}/{id}"
        );
        assert_eq!(theirs.agent, ours.agent, "{name}/{id}");

        // And with the dev server's short credentials.
        let mut command = with_credentials(&spec, "devkey", "secret");
        command["cmd"] = json!("mint");
        let answer = peer.call(&command);
        let jwt = str_field(&answer, "token").unwrap();
        assert_eq!(dev.verify(jwt).unwrap().sub, ours.sub, "{name}/{id}");
        assert!(
            verifier.verify(jwt).is_err(),
            "{name}/{id}: verified under the wrong key"
        );
        checked += 1;
    }
    assert!(
        checked >= specs().len() - 1,
        "{name}: only {checked} specs checked"
    );
}

#[test]
fn python_verifies_our_tokens() {
    ours_verified_by(Peer::python());
}

#[test]
fn node_verifies_our_tokens() {
    ours_verified_by(Peer::node());
}

#[test]
fn we_verify_python_tokens() {
    theirs_verified_by_us(Peer::python());
}

#[test]
fn we_verify_node_tokens() {
    theirs_verified_by_us(Peer::node());
}

#[test]
fn peers_answer_unknown_commands() {
    for mut peer in [Peer::python(), Peer::node()] {
        let answer = peer.call(&json!({"cmd": "webhook-sign", "id": 7}));
        assert_eq!(
            (&answer["ok"], &answer["id"]),
            (&json!(false), &json!(7)),
            "{}",
            peer.name()
        );
    }
}
