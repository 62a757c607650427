//! Protojson of `WebhookEvent` against the cross-SDK webhook vectors (decode the exact body
//! bytes, then check that re-serializing gives Go-style protojson), plus the well-known types
//! inside generated messages.
#![allow(clippy::unwrap_used)] // Test helpers may unwrap, as tests do (clippy.toml).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use livekit_server_proto::google::protobuf::{self, value::Kind};
use livekit_server_proto::{ParticipantInfo, WebhookEvent, participant_info};
use serde_json::Value as Json;

/// Byte-identical copy of `shared/vectors/webhooks.json`.
const VECTORS: &str = include_str!("vectors/webhooks.json");

/// Vectors whose *body* must not decode as a `WebhookEvent` (every other body must, even where
/// the vector is rejected for its token or checksum), and why.
const BODY_REJECTS: &[(&str, &str)] = &[
    ("wh.body.empty", "an empty body is not JSON"),
    ("wh.body.not_json", "not JSON"),
    (
        "wh.body.duplicate_keys",
        "a duplicate field is an error, as in Go's protojson",
    ),
    ("wh.body.invalid_utf8", "JSON must be UTF-8"),
];

struct Vector {
    id: String,
    body: Vec<u8>,
}

fn vectors() -> Vec<Vector> {
    let file: Json = serde_json::from_str(VECTORS).unwrap();
    let list = file["vectors"].as_array().unwrap();
    assert!(!list.is_empty());
    list.iter()
        .map(|v| Vector {
            id: v["id"].as_str().unwrap().to_owned(),
            body: STANDARD.decode(v["body_b64"].as_str().unwrap()).unwrap(),
        })
        .collect()
}

fn decode(body: &[u8]) -> Result<WebhookEvent, serde_json::Error> {
    serde_json::from_slice(body)
}

fn vector(id: &str) -> Vec<u8> {
    vectors()
        .into_iter()
        .find(|v| v.id == id)
        .unwrap_or_else(|| panic!("no vector {id}"))
        .body
}

#[test]
fn every_vector_body_decodes_or_fails_as_expected() {
    let all = vectors();
    for (id, _) in BODY_REJECTS {
        assert!(
            all.iter().any(|v| v.id == *id),
            "{id} is no longer in the vectors"
        );
    }
    let mut decoded = 0;
    for v in &all {
        match BODY_REJECTS.iter().find(|(id, _)| *id == v.id) {
            Some((_, why)) => {
                let result = decode(&v.body);
                assert!(result.is_err(), "{} decoded but must not: {why}", v.id);
            }
            None => {
                decode(&v.body).unwrap_or_else(|e| panic!("{} does not decode: {e}", v.id));
                decoded += 1;
            }
        }
    }
    assert!(decoded >= 10, "only {decoded} bodies decoded");
}

#[test]
fn reference_body_fields() {
    let event = decode(&vector("wh.valid.node_test_body")).unwrap();
    assert_eq!(event.event, "room_started");
    let room = event.room.unwrap();
    assert_eq!(room.sid, "RM_TkVjUvAqgzKz");
    assert_eq!(room.name, "mytestroom");
    assert_eq!(room.empty_timeout, 300);
    // int64 given as a JSON string.
    assert_eq!(room.creation_time, 1_628_545_903);
    assert_eq!(room.enabled_codecs.len(), 2);
    assert_eq!(room.enabled_codecs[1].mime, "video/VP8");
}

#[test]
fn unicode_and_int64_strings() {
    let event = decode(&vector("wh.valid.joined_unicode")).unwrap();
    let participant = event.participant.unwrap();
    assert_eq!(participant.name, "Alice \u{1F600}");
    assert_eq!(participant.joined_at, 1_700_000_000);
    assert_eq!(participant.state, participant_info::State::Active as i32);
    assert_eq!(event.created_at, 1_700_000_000);
}

#[test]
fn unknown_enum_name_reads_as_default() {
    let event = decode(&vector("wh.body.unknown_enum")).unwrap();
    assert_eq!(event.event, "participant_joined");
    let participant = event.participant.unwrap();
    assert_eq!(participant.identity, "a");
    assert_eq!(participant.state, participant_info::State::default() as i32);
}

#[test]
#[allow(deprecated)] // num_dropped
fn numbers_for_int64_and_enums() {
    let event = decode(&vector("wh.body.numeric_forms")).unwrap();
    let participant = event.participant.as_ref().unwrap();
    assert_eq!(participant.state, participant_info::State::Active as i32);
    assert_eq!(participant.joined_at, 1_700_000_000);
    assert_eq!(event.created_at, 1_700_000_000);
    assert_eq!(event.num_dropped, 0);
    // Written back the way Go's protojson writes it: int64 as strings, enums as names,
    // zero values left out, fields in declaration order.
    assert_eq!(
        serde_json::to_string(&event).unwrap(),
        r#"{"event":"participant_joined","participant":{"identity":"a","state":"ACTIVE","joinedAt":"1700000000"},"id":"EV_3","createdAt":"1700000000"}"#
    );
}

#[test]
#[allow(deprecated)] // num_dropped
fn unknown_fields_are_ignored_at_every_level() {
    let body = br#"{"event":"room_started","future":{"a":[1,2,{"b":null}]},"room":{"name":"r","version":{"unixMicro":"1","ticks":2},"newField":true},"participant":{"identity":"x","kind":"SOME_FUTURE_KIND","kindDetails":["FUTURE_DETAIL"]},"numDropped":"3"}"#;
    let event = decode(body).unwrap();
    assert_eq!(event.room.as_ref().unwrap().name, "r");
    assert_eq!(event.participant.as_ref().unwrap().kind, 0);
    assert_eq!(event.num_dropped, 3);
    // `{}` is a valid (empty) event; callers must handle it.
    assert_eq!(decode(b"{}").unwrap(), WebhookEvent::default());
    assert_eq!(
        serde_json::to_string(&WebhookEvent::default()).unwrap(),
        "{}"
    );
    // Nulls for messages leave them unset.
    assert_eq!(decode(br#"{"room":null,"event":"e"}"#).unwrap().room, None);
}

#[test]
fn malformed_bodies_are_errors() {
    for body in [
        &b""[..],
        b"[]",
        b"null",
        b"\"event\"",
        b"\xef\xbb\xbf{}",
        br#"{"event":"a","event":"b"}"#,
        br#"{"event":"a","room":{"name":"x","name":"y"}}"#,
        br#"{"createdAt":"12x"}"#,
        br#"{"createdAt":1.5}"#,
        br#"{"event":1}"#,
        br#"{"room":[]}"#,
        br#"{"event":"\ud800"}"#,
        b"{\"event\":\"\xff\"}",
        br#"{"event":"a"} x"#,
    ] {
        assert!(
            decode(body).is_err(),
            "decoded {:?}",
            String::from_utf8_lossy(body)
        );
    }
    // The snake_case spelling of a field and its JSON name are the same field.
    assert!(decode(br#"{"createdAt":"1","created_at":"2"}"#).is_err());
}

/// Every object key is lowerCamelCase, int64 are strings, enums are names, and no zero value
/// is written.
fn assert_go_style(json: &Json, path: &str) {
    match json {
        Json::Object(map) => {
            for (key, value) in map {
                assert!(!key.contains('_'), "{path}.{key} is not lowerCamelCase");
                assert!(
                    key.chars().next().is_some_and(|c| c.is_ascii_lowercase()),
                    "{path}.{key}"
                );
                assert_go_style(value, &format!("{path}.{key}"));
            }
        }
        Json::Array(items) => {
            assert!(!items.is_empty(), "{path}: empty repeated field written");
            for (i, item) in items.iter().enumerate() {
                assert_go_style(item, &format!("{path}[{i}]"));
            }
        }
        Json::String(s) => assert!(!s.is_empty() && s != "0", "{path}: default written"),
        Json::Number(n) => assert!(n.as_f64() != Some(0.0), "{path}: zero written"),
        Json::Bool(b) => assert!(*b, "{path}: false written"),
        Json::Null => panic!("{path}: null written"),
    }
}

#[test]
fn reserialized_vectors_are_go_style_and_round_trip() {
    for v in vectors() {
        if BODY_REJECTS.iter().any(|(id, _)| *id == v.id) {
            continue;
        }
        let event = decode(&v.body).unwrap();
        let written = serde_json::to_string(&event).unwrap();
        let json: Json = serde_json::from_str(&written).unwrap();
        assert_go_style(&json, &v.id);
        assert_eq!(decode(written.as_bytes()).unwrap(), event, "{}", v.id);
        if let Some(created_at) = json.get("createdAt") {
            assert!(created_at.is_string(), "{}: int64 must be a string", v.id);
        }
        if let Some(state) = json.pointer("/participant/state") {
            assert!(state.is_string(), "{}: enums must be names", v.id);
        }
    }
    let event = decode(&vector("wh.valid.node_test_body")).unwrap();
    assert_eq!(
        serde_json::to_string(&event).unwrap(),
        r#"{"event":"room_started","room":{"sid":"RM_TkVjUvAqgzKz","name":"mytestroom","emptyTimeout":300,"creationTime":"1628545903","turnPassword":"ICkSr2rEeslkN6e9bXL4Ji5zzMD5Z7zzr6ulOaxMj6N","enabledCodecs":[{"mime":"audio/opus"},{"mime":"video/VP8"}]}}"#
    );
}

#[test]
fn unknown_enum_numbers_are_kept_and_unknown_names_left_unset() {
    // A newer server's enum number survives a round trip, as in Go.
    let participant: ParticipantInfo = serde_json::from_str(r#"{"state":99}"#).unwrap();
    assert_eq!(participant.state, 99);
    assert_eq!(
        serde_json::to_string(&participant).unwrap(),
        r#"{"state":99}"#
    );
    // A name this version does not know leaves the field at its default.
    let participant: ParticipantInfo =
        serde_json::from_str(r#"{"state":"SOME_FUTURE_STATE","identity":"a"}"#).unwrap();
    assert_eq!(participant.state, 0);
    assert_eq!(participant.identity, "a");
}

#[test]
fn well_known_types_inside_generated_messages() {
    // Timestamp.
    let secret: livekit_server_proto::AgentSecret = serde_json::from_str(
        r#"{"name":"k","createdAt":"2023-11-14T23:13:20.5+01:00","updatedAt":null}"#,
    )
    .unwrap();
    assert_eq!(
        secret.created_at,
        Some(protobuf::Timestamp {
            seconds: 1_700_000_000,
            nanos: 500_000_000
        })
    );
    assert_eq!(secret.updated_at, None);
    assert_eq!(
        serde_json::to_string(&secret).unwrap(),
        r#"{"name":"k","createdAt":"2023-11-14T22:13:20.500Z"}"#
    );
    let bad = serde_json::from_str::<livekit_server_proto::AgentSecret>(
        r#"{"createdAt":"10000-01-01T00:00:00Z"}"#,
    );
    assert!(bad.is_err());

    // Duration.
    let request = livekit_server_proto::CreateSipParticipantRequest {
        sip_trunk_id: "ST_1".into(),
        ringing_timeout: Some(protobuf::Duration {
            seconds: 30,
            nanos: 0,
        }),
        ..Default::default()
    };
    let written = serde_json::to_string(&request).unwrap();
    assert!(written.contains(r#""ringingTimeout":"30s""#), "{written}");
    let back: livekit_server_proto::CreateSipParticipantRequest =
        serde_json::from_str(&written).unwrap();
    assert_eq!(back, request);

    // Struct.
    let message: livekit_server_proto::agent::DebugMessage =
        serde_json::from_str(r#"{"payload":{"b":[1,"x"],"a":{"n":null}}}"#).unwrap();
    let payload = message.payload.as_ref().unwrap();
    assert!(matches!(payload.fields["b"].kind, Some(Kind::ListValue(_))));
    assert_eq!(
        serde_json::to_string(&message).unwrap(),
        r#"{"payload":{"a":{"n":null},"b":[1,"x"]}}"#
    );

    // Any.
    let info: livekit_server_proto::SipCallInfo = serde_json::from_str(
        r#"{"callId":"c","callContext":[{"@type":"type.googleapis.com/x.Y","value":"AQI="},{}]}"#,
    )
    .unwrap();
    assert_eq!(info.call_context.len(), 2);
    assert_eq!(info.call_context[0].type_url, "type.googleapis.com/x.Y");
    assert_eq!(info.call_context[0].value, vec![1, 2]);
    assert_eq!(info.call_context[1], protobuf::Any::default());
}
