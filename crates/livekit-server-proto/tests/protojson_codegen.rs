//! The protojson rules of `src/protojson.rs`, through the messages `cargo xtask codegen`
//! generates (`xtask/src/protojson.rs`): a rule holds in every field position.
//!
//! - numbers are read by the `Num` codec in every field position (plain,
//!   `optional`, map value) alike; what it accepts is checked against Go in `protojson_go.rs`;
//! - a map key given twice is an error, as in Go's protojson;
//! - a field given again after `null` is an error, as in Go's protojson;
//! - an enum number with no variant is written as a JSON number, as Go writes it.
#![allow(clippy::unwrap_used)] // Test helpers may unwrap, as tests do (clippy.toml).

use std::fmt::Debug;

use livekit_server_proto::{
    AgentSecret, DataPacket, DataTrackFrameEncoding, MetricsRecordingHeader, Pagination,
    ParticipantInfo, Room, RtpStats, SimulationRun, UpdateWorkerStatus, UserPacket, WebhookEvent,
    data_packet, data_track_frame_encoding, participant_info,
};
use serde::de::DeserializeOwned;

#[path = "support/numbers.rs"]
mod numbers;
use numbers::NUMBERS;

/// Decodes `body` as `M` and `plain` as `P`, a message holding the same number as a plain field
/// of the same scalar type (whose reading `tests/protojson_go.rs` checks against Go's), and
/// checks that both accept or both refuse, with the same value: a number reads the same in
/// every field position.
fn same_as_plain<M, P, T>(
    body: &str,
    plain: &str,
    get: impl Fn(&M) -> T,
    get_plain: impl Fn(&P) -> T,
) where
    M: DeserializeOwned,
    P: DeserializeOwned,
    T: Debug,
{
    let expected = serde_json::from_str::<P>(plain).map(|m| get_plain(&m)).ok();
    let got = serde_json::from_str::<M>(body).map(|m| get(&m)).ok();
    // Debug forms, so that NaN equals NaN.
    assert_eq!(
        format!("{got:?}"),
        format!("{expected:?}"),
        "{body} (as {plain}) as {}",
        std::any::type_name::<T>()
    );
}

#[test]
fn numbers_read_alike_in_every_field_position() {
    // `null` leaves a plain field at its default and an `optional` one unset: not compared.
    for input in NUMBERS.iter().filter(|input| **input != "null") {
        // `optional` fields.
        same_as_plain::<UserPacket, MetricsRecordingHeader, u64>(
            &format!(r#"{{"startTime":{input}}}"#),
            &format!(r#"{{"duration":{input}}}"#),
            |m| m.start_time.unwrap(),
            |m| m.duration,
        );
        same_as_plain::<SimulationRun, Pagination, i32>(
            &format!(r#"{{"issueCount":{input}}}"#),
            &format!(r#"{{"limit":{input}}}"#),
            |m| m.issue_count.unwrap(),
            |m| m.limit,
        );
        // A map value (`map<int32, uint32>`).
        same_as_plain::<RtpStats, Room, u32>(
            &format!(r#"{{"gapHistogram":{{"1":{input}}}}}"#),
            &format!(r#"{{"emptyTimeout":{input}}}"#),
            |m| m.gap_histogram[&1],
            |m| m.empty_timeout,
        );
    }
    // Map keys and values (`map<int32, uint32>`): keys as Go's strconv reads them.
    let stats: RtpStats =
        serde_json::from_str(r#"{"gapHistogram":{"-3":"7","2":4,"+5":0}}"#).unwrap();
    assert_eq!(
        stats.gap_histogram.into_iter().collect::<Vec<_>>(),
        [(-3, 7), (2, 4), (5, 0)]
    );
    assert!(serde_json::from_str::<RtpStats>(r#"{"gapHistogram":{"1.0":1}}"#).is_err());
    assert!(serde_json::from_str::<RtpStats>(r#"{"gapHistogram":{"1":-1}}"#).is_err());
}

#[test]
fn number_errors_name_the_type() {
    let error = |body: &str| serde_json::from_str::<Room>(body).unwrap_err().to_string();
    assert!(
        error(r#"{"emptyTimeout":1.5}"#)
            .starts_with("invalid value: floating point `1.5`, expected a uint32"),
        "{}",
        error(r#"{"emptyTimeout":1.5}"#)
    );
    assert!(error(r#"{"emptyTimeout":-1}"#).starts_with("invalid value: integer `-1`"));
    assert!(error(r#"{"creationTime":"12x"}"#).starts_with(
        "invalid value: string \"12x\", expected an int64 (a JSON number or a string of one, \
         with an integer value)"
    ));
    assert!(error(r#"{"creationTime":true}"#).starts_with("invalid type: boolean `true`"));
}

#[test]
fn duplicate_map_keys_are_errors() {
    let ok: ParticipantInfo = serde_json::from_str(r#"{"attributes":{"a":"1","b":"2"}}"#).unwrap();
    assert_eq!(ok.attributes.len(), 2);

    for body in [
        r#"{"participant":{"attributes":{"a":"1","a":"2"}}}"#,
        r#"{"participant":{"attributes":{"a":"1","b":"2","a":"1"}}}"#,
        // Escapes are undone before keys are compared.
        r#"{"participant":{"attributes":{"a":"1","\u0061":"2"}}}"#,
    ] {
        let error = serde_json::from_str::<WebhookEvent>(body)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(r#"duplicate map key "a""#),
            "{body}: {error}"
        );
    }
    // Integer keys are compared as numbers, as Go does ("1" and "01" are the same key).
    let error = serde_json::from_str::<RtpStats>(r#"{"gapHistogram":{"1":1,"01":2}}"#)
        .unwrap_err()
        .to_string();
    assert!(error.starts_with(r#"duplicate map key "1""#), "{error}");
}

#[test]
fn a_field_repeated_after_null_is_an_error() {
    let rejected = |body: &str| {
        let error = serde_json::from_str::<WebhookEvent>(body).unwrap_err();
        assert!(
            error.to_string().starts_with("duplicate field"),
            "{body}: {error}"
        );
    };
    // A message field, either order, either spelling.
    rejected(r#"{"room":null,"room":{"name":"r"}}"#);
    rejected(r#"{"room":{"name":"r"},"room":null}"#);
    rejected(r#"{"room":null,"room":null}"#);
    rejected(r#"{"createdAt":"1","created_at":"2"}"#);
    rejected(r#"{"room":{"version":null,"version":{"ticks":1}}}"#);
    // null alone leaves the field unset.
    let event: WebhookEvent = serde_json::from_str(r#"{"room":null,"event":"e"}"#).unwrap();
    assert_eq!((event.room, event.event.as_str()), (None, "e"));

    // A well-known type.
    assert!(
        serde_json::from_str::<AgentSecret>(
            r#"{"createdAt":null,"createdAt":"2023-11-14T22:13:20Z"}"#
        )
        .is_err()
    );
    // `optional` scalars and enums.
    assert!(serde_json::from_str::<UserPacket>(r#"{"startTime":null,"start_time":"5"}"#).is_err());
    assert_eq!(
        serde_json::from_str::<UserPacket>(r#"{"startTime":null}"#)
            .unwrap()
            .start_time,
        None
    );
    assert!(
        serde_json::from_str::<UpdateWorkerStatus>(r#"{"status":null,"status":"WS_FULL"}"#)
            .is_err()
    );

    // Oneof members: the same member twice is a duplicate; null for one member and a value
    // for another is accepted (Go marks a oneof set only by a non-null value).
    assert!(serde_json::from_str::<DataPacket>(r#"{"user":null,"user":{}}"#).is_err());
    assert!(serde_json::from_str::<DataPacket>(r#"{"user":{},"speaker":{}}"#).is_err());
    let packet: DataPacket =
        serde_json::from_str(r#"{"user":null,"sipDtmf":{"digit":"1"}}"#).unwrap();
    assert!(matches!(packet.value, Some(data_packet::Value::SipDtmf(_))));
}

#[test]
fn unknown_enum_numbers_are_written_as_numbers() {
    let participant = ParticipantInfo {
        identity: "a".into(),
        state: 99,
        kind: participant_info::Kind::Agent as i32,
        kind_details: vec![participant_info::KindDetail::CloudAgent as i32, 1_000],
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_string(&participant).unwrap(),
        r#"{"identity":"a","state":99,"kind":"AGENT","kindDetails":["CLOUD_AGENT",1000]}"#
    );
    // And read back as the same numbers, in every enum position, as Go does.
    let json = serde_json::to_string(&participant).unwrap();
    assert_eq!(
        serde_json::from_str::<ParticipantInfo>(&json).unwrap(),
        participant
    );

    // `optional` enum and an enum inside a oneof.
    let status = UpdateWorkerStatus {
        status: Some(-5),
        ..Default::default()
    };
    assert_eq!(serde_json::to_string(&status).unwrap(), r#"{"status":-5}"#);
    assert_eq!(
        serde_json::from_str::<UpdateWorkerStatus>(r#"{"status":-5}"#).unwrap(),
        status
    );
    let encoding = DataTrackFrameEncoding {
        value: Some(data_track_frame_encoding::Value::WellKnown(77)),
    };
    assert_eq!(
        serde_json::to_string(&encoding).unwrap(),
        r#"{"wellKnown":77}"#
    );
    assert_eq!(
        serde_json::from_str::<DataTrackFrameEncoding>(r#"{"wellKnown":77}"#).unwrap(),
        encoding
    );

    // A whole event from a newer server (decoded from protobuf) is written, not refused.
    let event = WebhookEvent {
        event: "participant_joined".into(),
        participant: Some(Box::new(participant)),
        ..Default::default()
    };
    let json = serde_json::to_string(&event).unwrap();
    assert!(json.contains(r#""state":99"#), "{json}");
}

#[test]
fn an_enum_alone_reads_and_writes_its_names() {
    use participant_info::State;
    assert_eq!(
        serde_json::to_string(&State::Active).unwrap(),
        r#""ACTIVE""#
    );
    for json in [r#""ACTIVE""#, "2", "2.0"] {
        assert_eq!(
            serde_json::from_str::<State>(json).unwrap(),
            State::Active,
            "{json}"
        );
    }
    // A name this version does not know, a number without a variant, a number as a string.
    for json in [r#""FUTURE""#, "99", r#""2""#, "null", "true"] {
        let error = serde_json::from_str::<State>(json).unwrap_err().to_string();
        assert!(!error.is_empty(), "{json}");
    }
}
