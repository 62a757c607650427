//! Interoperability with the official SDKs, both ways: webhooks our signer makes are accepted
//! by Python `livekit-api` and Node `livekit-server-sdk` (`WebhookReceiver.receive`), and
//! webhooks signed with their `AccessToken` over their own protojson are accepted by our
//! receiver.
//!
//! The peers are the command-line programs in `tests/peers/` (one JSON command per line), run
//! by `livekit_server_testkit::Peer`. They must be installed: `cargo xtask setup` (see that
//! crate's docs for the manual steps and the Python interpreter chosen). A missing peer fails
//! the test with that advice.
//!
//! The peers read the system clock, so these tests sign and receive with it too.

// Helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use livekit_server_proto::WebhookEvent;
use livekit_server_testkit::Peer;
use livekit_server_webhook::{EventKind, WebhookError, WebhookReceiver, WebhookSigner};
use serde_json::{Value, json};

const KEY: &str = "APIwebhookPeer01";
const SECRET: &str = "webhook-peer-secret-0123456789abcdefghijkl";

/// A reference peer that has the webhook commands.
struct WebhookPeer(Peer);

impl WebhookPeer {
    fn python() -> WebhookPeer {
        WebhookPeer::new(Peer::python())
    }

    fn node() -> WebhookPeer {
        WebhookPeer::new(Peer::node())
    }

    /// An old peer without the webhook commands answers "unknown command": fail on that.
    fn new(mut peer: Peer) -> WebhookPeer {
        let probe = peer.call(&json!({"cmd": "webhook-verify"}));
        let error = probe["error"].as_str().unwrap_or_default();
        assert!(
            !error.contains("unknown command"),
            "{} peer has no webhook commands: {probe}",
            peer.name()
        );
        WebhookPeer(peer)
    }

    fn name(&self) -> &'static str {
        self.0.name()
    }

    /// Asks the peer's `WebhookReceiver` to receive a request; its decoded event, or its error.
    fn verify(&mut self, body: &[u8], authorization: &str) -> Result<Value, String> {
        let result = self.0.call(&json!({
            "cmd": "webhook-verify",
            "api_key": KEY,
            "api_secret": SECRET,
            "body_b64": STANDARD.encode(body),
            "authorization": authorization,
        }));
        if result["ok"] == json!(true) {
            Ok(result["event"].clone())
        } else {
            Err(result["error"].as_str().unwrap_or_default().to_owned())
        }
    }

    /// Asks the peer to sign `spec` (`{"event": …}` or `{"body_b64": …}`): body and header.
    fn sign(&mut self, spec: Value) -> (Vec<u8>, String) {
        let mut request = json!({"cmd": "webhook-sign", "api_key": KEY, "api_secret": SECRET});
        for (k, v) in spec.as_object().expect("spec is an object") {
            request[k] = v.clone();
        }
        let result = self.0.call(&request);
        assert_eq!(
            result["ok"],
            json!(true),
            "{} webhook-sign: {result}",
            self.name()
        );
        assert_eq!(result["content_type"], "application/webhook+json");
        let body = STANDARD
            .decode(result["body_b64"].as_str().expect("body_b64"))
            .expect("base64");
        let authorization = result["authorization"]
            .as_str()
            .expect("authorization")
            .to_owned();
        (body, authorization)
    }
}

/// Realistic events of each family, as protojson, with enums, int64s, maps, repeated and
/// nested messages and non-ASCII text.
fn events() -> Vec<Value> {
    vec![
        json!({
            "event": "room_started",
            "room": {
                "sid": "RM_TkVjUvAqgzKz", "name": "mytestroom", "emptyTimeout": 300,
                "departureTimeout": 20, "maxParticipants": 50, "creationTime": "1700000000",
                "creationTimeMs": "1700000000123", "turnPassword": "ICkSr2rEeslkN6e9bXL4Ji5zz",
                "enabledCodecs": [{"mime": "audio/opus"}, {"mime": "video/VP8"}],
                "metadata": "{\"topic\":\"standup\"}"
            },
            "id": "EV_room_started_01", "createdAt": "1700000001"
        }),
        json!({
            "event": "participant_joined",
            "room": {"sid": "RM_abc", "name": "my-room"},
            "participant": {
                "sid": "PA_xyz", "identity": "alice", "name": "Alice \u{1F600} Ünïcødé",
                "state": "ACTIVE", "joinedAt": "1700000000", "joinedAtMs": "1700000000456",
                "kind": "SIP", "attributes": {"team": "blue", "role": "host"},
                "permission": {"canSubscribe": true, "canPublish": true, "canPublishData": true,
                               "canPublishSources": ["CAMERA", "MICROPHONE"]},
                "tracks": [{"sid": "TR_a", "type": "AUDIO", "source": "MICROPHONE",
                            "name": "mic", "muted": true}]
            },
            "id": "EV_joined_02", "createdAt": "1700000002"
        }),
        json!({
            "event": "track_published",
            "room": {"sid": "RM_abc", "name": "my-room"},
            "participant": {"sid": "PA_xyz", "identity": "alice"},
            "track": {"sid": "TR_v", "type": "VIDEO", "source": "SCREEN_SHARE", "width": 1920,
                      "height": 1080, "simulcast": true, "mimeType": "video/H264"},
            "id": "EV_track_03", "createdAt": "1700000003"
        }),
        json!({
            "event": "egress_ended",
            "egressInfo": {
                "egressId": "EG_1", "roomId": "RM_abc", "roomName": "my-room",
                "status": "EGRESS_COMPLETE", "startedAt": "1700000000000000000",
                "endedAt": "1700000060000000000",
                "fileResults": [{"filename": "out.mp4", "size": "1048576",
                                 "duration": "60000000000", "location": "s3://b/out.mp4"}]
            },
            "id": "EV_egress_04", "createdAt": "1700000060"
        }),
        json!({
            "event": "ingress_started",
            "ingressInfo": {"ingressId": "IN_1", "name": "obs", "streamKey": "sk",
                            "url": "rtmp://example/live", "inputType": "RTMP_INPUT",
                            "state": {"status": "ENDPOINT_PUBLISHING", "roomId": "RM_abc"}},
            "id": "EV_ingress_05", "createdAt": "1700000005"
        }),
        json!({
            "event": "agent_job_started",
            "job": {
                "id": "AJ_1", "dispatchId": "AD_1", "type": "JT_ROOM", "agentName": "assistant",
                "room": {"sid": "RM_abc", "name": "my-room"}, "metadata": "{}",
                "attributes": {"lang": "fr"},
                "state": {"status": "JS_RUNNING", "startedAt": "1700000000000000000",
                          "participantIdentity": "agent-1"}
            },
            "id": "EV_job_06", "createdAt": "1700000006"
        }),
        json!({
            "event": "room_finished",
            "room": {"sid": "RM_abc", "name": "my-room"},
            "roomEndReason": "ROOM_END_REASON_ROOM_CLOSED",
            "id": "EV_finished_07", "createdAt": "1700000099"
        }),
    ]
}

fn decode(value: &Value) -> WebhookEvent {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("protojson {value}: {e}"))
}

/// Our signer's output is accepted by the peer, which decodes the same event.
fn ours_accepted_by(mut peer: WebhookPeer) {
    let signer = WebhookSigner::new(KEY, SECRET).unwrap();
    for spec in events() {
        let event = decode(&spec);
        let signed = signer.sign(&event).unwrap();
        let theirs = peer
            .verify(&signed.body, &signed.authorization)
            .unwrap_or_else(|e| panic!("{} refused our webhook {spec}: {e}", peer.name()));
        assert_eq!(decode(&theirs), event, "{}: {theirs}", peer.name());

        // The peer really checks: one changed body byte is refused.
        let mut tampered = signed.body.clone();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'1' { b'2' } else { b'1' };
        let err = peer.verify(&tampered, &signed.authorization).unwrap_err();
        assert!(!err.is_empty(), "{}", peer.name());
    }
    // Arbitrary (non-protojson-canonical) bodies signed with sign_body are accepted too.
    let body = b"{ \"event\" : \"participant_left\",\n  \"participant\": {\"identity\": \"b\"} }";
    let signed = signer.sign_body(body.to_vec()).unwrap();
    let theirs = peer.verify(&signed.body, &signed.authorization).unwrap();
    assert_eq!(theirs["event"], "participant_left", "{}", peer.name());
}

/// The peer's webhooks are accepted by our receiver with the same event.
fn theirs_accepted_by_us(mut peer: WebhookPeer) {
    let receiver = WebhookReceiver::with_credentials(KEY, SECRET).unwrap();
    for spec in events() {
        let (body, authorization) = peer.sign(json!({ "event": spec }));
        let webhook = receiver
            .receive(&body, &authorization)
            .unwrap_or_else(|e| panic!("we refused {}'s webhook {spec}: {e:?}", peer.name()));
        assert_eq!(webhook.event(), &decode(&spec), "{}", peer.name());
        assert!(webhook.kind().is_known());
        assert_eq!(webhook.kind().as_str(), spec["event"].as_str().unwrap());

        // Exact bytes: the same event re-serialized by us does not pass with their header.
        let ours = serde_json::to_vec(webhook.event()).unwrap();
        if ours != body {
            let err = receiver.receive(&ours, &authorization).unwrap_err();
            assert_eq!(err, WebhookError::ChecksumMismatch);
        }
    }
    // Bodies a future server might send: unknown fields, unknown enum names, a new event.
    let future = br#"{"event":"room_archived","room":{"name":"r","futureField":{"a":[1]}},"participant":{"state":"SOME_FUTURE_STATE"},"id":"EV_f"}"#;
    let (body, authorization) = peer.sign(json!({ "body_b64": STANDARD.encode(future) }));
    assert_eq!(body, future);
    let webhook = receiver.receive(&body, &authorization).unwrap();
    assert_eq!(webhook.kind(), &EventKind::Unknown("room_archived".into()));
    assert_eq!(webhook.room.as_ref().unwrap().name, "r");
}

#[test]
fn python_accepts_our_webhooks() {
    ours_accepted_by(WebhookPeer::python());
}

#[test]
fn node_accepts_our_webhooks() {
    ours_accepted_by(WebhookPeer::node());
}

#[test]
fn we_accept_python_webhooks() {
    theirs_accepted_by_us(WebhookPeer::python());
}

#[test]
fn we_accept_node_webhooks() {
    theirs_accepted_by_us(WebhookPeer::node());
}
