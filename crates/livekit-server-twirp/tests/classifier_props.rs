//! Property tests of the response classifier (RELIABILITY.md §5.2 property 7): total over
//! every status, content type, `Retry-After` and body; `Ok` only for a protobuf `200 OK`;
//! bounded snippets and `Retry-After`; tokens never shown.
#![allow(clippy::unwrap_used)] // Test helpers may unwrap, as tests do (clippy.toml).

mod support;

use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode};
use livekit_server_twirp::{
    MAX_RETRY_AFTER, SNIPPET_MAX_BYTES, TwirpCode, TwirpError, TwirpErrorKind, decode_response_at,
    parse_retry_after, redact_tokens,
};
use proptest::prelude::*;
use prost::Message;
use support::{ListRoomsResponse, Room, now};

/// Bytes that make a valid header value (visible ASCII, space, tab, obs-text).
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![0x20u8..=0x7e, Just(b'\t'), 0x80u8..=0xff],
        0..48,
    )
}

fn content_type() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        Just(None),
        prop::sample::select(vec![
            "application/protobuf",
            "application/x-protobuf",
            "APPLICATION/PROTOBUF; charset=x",
            "application/json",
            "application/json; charset=utf-8",
            "Application/Json",
            "text/plain; charset=utf-8",
            "text/html",
            "",
            ";",
        ])
        .prop_map(|s| Some(s.as_bytes().to_vec())),
        header_bytes().prop_map(Some),
    ]
}

fn retry_after() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        Just(None),
        (0u64..100_000).prop_map(|n| Some(n.to_string().into_bytes())),
        "[0-9]{15,40}".prop_map(|s| Some(s.into_bytes())),
        prop::sample::select(vec![
            "Tue, 14 Nov 2023 22:14:20 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "-1",
            "1.5",
        ])
        .prop_map(|s| Some(s.as_bytes().to_vec())),
        header_bytes().prop_map(Some),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        "\\PC{0,200}".prop_map(String::into_bytes),
        (
            prop::sample::select(vec![
                "canceled",
                "unknown",
                "not_found",
                "unavailable",
                "dataloss",
                "teapot",
                "",
            ]),
            "\\PC{0,40}",
            prop::collection::btree_map("[a-z_]{1,12}", "\\PC{0,20}", 0..4),
        )
            .prop_map(|(code, msg, meta)| {
                serde_json::json!({"code": code, "msg": msg, "meta": meta})
                    .to_string()
                    .into_bytes()
            }),
        prop::sample::select(vec![
            "[]",
            "null",
            "{}",
            "{\"code\":1}",
            "{\"code\":\"internal\"",
            "\"x\""
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        (1usize..200_000).prop_map(|n| vec![b'x'; n]),
    ]
}

fn headers(content_type: Option<&[u8]>, retry_after: Option<&[u8]>) -> HeaderMap {
    let mut map = HeaderMap::new();
    if let Some(value) = content_type {
        map.insert("content-type", HeaderValue::from_bytes(value).unwrap());
    }
    if let Some(value) = retry_after {
        map.insert("retry-after", HeaderValue::from_bytes(value).unwrap());
    }
    map
}

fn media_type_is_protobuf(content_type: Option<&[u8]>) -> bool {
    content_type.is_some_and(|ct| {
        let text = String::from_utf8_lossy(ct);
        let essence = text
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        essence == "application/protobuf" || essence == "application/x-protobuf"
    })
}

fn check_error(error: &TwirpError, status: StatusCode) {
    assert_eq!(error.http_status(), Some(status));
    assert!(error.message().len() <= SNIPPET_MAX_BYTES);
    if let Some(snippet) = error.body_snippet() {
        assert!(snippet.len() <= SNIPPET_MAX_BYTES);
    }
    if let Some(retry_after) = error.retry_after() {
        assert!(retry_after <= MAX_RETRY_AFTER);
    }
    assert!(TwirpCode::ALL.contains(&error.code()));
    let _ = (
        error.to_string(),
        format!("{error:?}"),
        error.is_retryable(),
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn classifier_is_total(
        status in 100u16..=599,
        content_type in content_type(),
        retry_after in retry_after(),
        body in body(),
    ) {
        let status = StatusCode::from_u16(status).unwrap();
        let map = headers(content_type.as_deref(), retry_after.as_deref());
        let result = decode_response_at::<ListRoomsResponse>(status, &map, &body, now());
        let protobuf_ok = status == StatusCode::OK && media_type_is_protobuf(content_type.as_deref());
        match result {
            Ok(_) => prop_assert!(protobuf_ok, "Ok for {status} {content_type:?}"),
            Err(error) => {
                check_error(&error, status);
                match error.kind() {
                    TwirpErrorKind::Decode => prop_assert!(protobuf_ok),
                    TwirpErrorKind::UnexpectedContentType => {
                        prop_assert_eq!(status, StatusCode::OK);
                        prop_assert!(!protobuf_ok);
                        prop_assert!(error.body_snippet().is_some());
                    }
                    TwirpErrorKind::Twirp => {
                        prop_assert_ne!(status, StatusCode::OK);
                        prop_assert!(!error.raw_code().is_empty());
                        prop_assert_eq!(
                            error.code(),
                            TwirpCode::from_wire(error.raw_code()).unwrap_or(TwirpCode::Unknown)
                        );
                    }
                    TwirpErrorKind::Intermediary => {
                        prop_assert_ne!(status, StatusCode::OK);
                        prop_assert_eq!(error.code(), TwirpCode::from_intermediary_status(status));
                        prop_assert_eq!(error.meta_value("status_code"), Some(status.as_str()));
                        prop_assert!(error.body_snippet().is_some());
                    }
                    other => prop_assert!(false, "unexpected kind {other:?}"),
                }
            }
        }
    }

    #[test]
    fn retry_after_is_bounded(value in "\\PC{0,40}", seconds in any::<u64>()) {
        if let Some(delay) = parse_retry_after(&value, now()) {
            prop_assert!(delay <= MAX_RETRY_AFTER);
        }
        let delay = parse_retry_after(&seconds.to_string(), now());
        prop_assert_eq!(delay, Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER)));
    }

    #[test]
    fn success_round_trips_and_truncation_is_a_decode_error(
        rooms in prop::collection::vec(
            ("\\PC{0,20}", "\\PC{0,20}", any::<u32>(), any::<u32>(), any::<i64>()),
            0..5,
        ),
        cut in any::<prop::sample::Index>(),
    ) {
        let message = ListRoomsResponse {
            rooms: rooms
                .into_iter()
                .map(|(sid, name, empty_timeout, max_participants, creation_time)| Room {
                    sid,
                    name,
                    empty_timeout,
                    max_participants,
                    creation_time,
                })
                .collect(),
        };
        let body = message.encode_to_vec();
        let map = headers(Some(b"application/protobuf"), None);
        let decoded = decode_response_at::<ListRoomsResponse>(StatusCode::OK, &map, &body, now());
        prop_assert_eq!(decoded.unwrap(), message);
        if !body.is_empty() {
            let cut = cut.index(body.len());
            match decode_response_at::<ListRoomsResponse>(StatusCode::OK, &map, &body[..cut], now()) {
                Ok(_) => {} // a cut between rooms is a valid, shorter message
                Err(error) => prop_assert!(error.is_decode(), "{error:?}"),
            }
        }
    }

    #[test]
    fn tokens_in_bodies_never_show(
        prefix in "\\PC{0,300}",
        suffix in "\\PC{0,300}",
        header in "[A-Za-z0-9_-]{10,40}",
        payload in "[A-Za-z0-9_-]{10,80}",
        signature in "[A-Za-z0-9_-]{20,43}",
        status in prop::sample::select(vec![200u16, 302, 400, 401, 403, 500, 502]),
        json in any::<bool>(),
    ) {
        let token = format!("eyJ{header}.{payload}.{signature}");
        let body = if json {
            serde_json::json!({"code": "unauthenticated", "msg": format!("{prefix} {token} {suffix}"), "meta": {"t": token}}).to_string()
        } else {
            format!("{prefix} {token} {suffix}")
        };
        let content_type: &[u8] = if json { b"application/json" } else { b"text/plain" };
        let mut map = headers(Some(content_type), None);
        map.insert("location", HeaderValue::from_str(&format!("/login?t={token}")).unwrap());
        let status = StatusCode::from_u16(status).unwrap();
        let error = decode_response_at::<ListRoomsResponse>(status, &map, body.as_bytes(), now()).unwrap_err();
        let shown = format!("{error} {error:?} {} {:?} {:?}", error.message(), error.body_snippet(), error.meta());
        let tail = format!("{payload}.{signature}");
        let redacted = redact_tokens(&format!("{prefix} {token} {suffix}"));
        prop_assert!(!shown.contains(&token));
        prop_assert!(!shown.contains(&tail));
        prop_assert!(!redacted.contains(&token));
    }
}
