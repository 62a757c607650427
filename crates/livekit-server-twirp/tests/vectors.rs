//! Every row of `shared/vectors/twirp_responses.json` (raw `RoomService/ListRooms` responses
//! captured from a mock server) through the response classifier, checked against the row's
//! `expected_kind`.
//!
//! The rows are replayed as the transport would hand them over: status, headers and the whole
//! body. Rows about the transport itself (`expected_kind: transport-error`, such as a body cut
//! short of its `Content-Length`) cannot be reproduced without a connection; they belong to the
//! HTTP crate's tests and are listed in [`TRANSPORT_ROWS`], which this test keeps in sync with
//! the file.
#![allow(clippy::unwrap_used)] // Test helpers may unwrap, as tests do (clippy.toml).

mod support;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use livekit_server_twirp::{
    SNIPPET_MAX_BYTES, TwirpCode, TwirpError, TwirpErrorKind, decode_response_at,
};
use serde_json::Value as Json;
use support::{ListRoomsResponse, now};

/// Byte-identical copy of `shared/vectors/twirp_responses.json`.
const VECTORS: &str = include_str!("vectors/twirp_responses.json");

/// Rows checked by the HTTP crate, with a real connection.
const TRANSPORT_ROWS: &[&str] = &["tw.truncated_content_length"];

struct Row {
    id: String,
    expected_kind: String,
    /// `None` for transport rows (`special`).
    response: Option<(StatusCode, HeaderMap, Vec<u8>)>,
}

/// Builds a body from a `body_procedure` such as `b'E' * 5242880`.
fn procedure_body(procedure: &str, len: usize) -> Vec<u8> {
    let (byte, count) = procedure
        .strip_prefix("b'")
        .and_then(|rest| rest.split_once("' * "))
        .unwrap_or_else(|| panic!("unknown body procedure {procedure}"));
    assert_eq!(byte.len(), 1, "{procedure}");
    let count: usize = count.parse().unwrap();
    assert_eq!(count, len);
    vec![byte.as_bytes()[0]; count]
}

fn rows() -> Vec<Row> {
    let file: Json = serde_json::from_str(VECTORS).unwrap();
    let rows = file["vectors"].as_array().unwrap();
    assert!(!rows.is_empty());
    rows.iter()
        .map(|row| {
            let id = row["id"].as_str().unwrap().to_owned();
            let expected_kind = row["expected_kind"].as_str().unwrap().to_owned();
            // Our client sends protobuf: replay what the server answered to a protobuf request.
            let response = &row["response"]["application/protobuf"];
            let response = (!response.is_null()).then(|| {
                let status = StatusCode::from_u16(
                    u16::try_from(response["status"].as_u64().unwrap()).unwrap(),
                )
                .unwrap();
                let mut headers = HeaderMap::new();
                for (name, value) in response["headers"].as_object().unwrap() {
                    headers.append(
                        HeaderName::from_bytes(name.as_bytes()).unwrap(),
                        HeaderValue::from_str(value.as_str().unwrap()).unwrap(),
                    );
                }
                let len = usize::try_from(response["body_len"].as_u64().unwrap()).unwrap();
                let body = match response["body_b64"].as_str() {
                    Some(b64) => STANDARD.decode(b64).unwrap(),
                    None => procedure_body(response["body_procedure"].as_str().unwrap(), len),
                };
                assert_eq!(body.len(), len, "{id}");
                (status, headers, body)
            });
            Row {
                id,
                expected_kind,
                response,
            }
        })
        .collect()
}

/// `twirp-error:CODE` or `twirp-error:CODE(flag, flag, raw=X)`.
struct ExpectedTwirp {
    code: String,
    intermediary: bool,
    truncated: bool,
    raw: Option<String>,
}

fn parse_twirp_kind(kind: &str) -> Option<ExpectedTwirp> {
    let rest = kind.strip_prefix("twirp-error:")?;
    let (code, flags) = match rest.split_once('(') {
        Some((code, flags)) => (code, flags.strip_suffix(')').expect("unclosed flags")),
        None => (rest, ""),
    };
    let mut expected = ExpectedTwirp {
        code: code.to_owned(),
        intermediary: false,
        truncated: false,
        raw: None,
    };
    for flag in flags.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        match flag {
            "intermediary" => expected.intermediary = true,
            "truncated" => expected.truncated = true,
            _ => match flag.strip_prefix("raw=") {
                Some(raw) => expected.raw = Some(raw.to_owned()),
                None => panic!("unknown flag {flag:?} in {kind}"),
            },
        }
    }
    Some(expected)
}

fn classify(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<ListRoomsResponse, TwirpError> {
    decode_response_at(status, headers, body, now())
}

fn check_error_invariants(id: &str, error: &TwirpError, status: StatusCode) {
    assert_eq!(error.http_status(), Some(status), "{id}: status kept");
    if let Some(snippet) = error.body_snippet() {
        assert!(snippet.len() <= SNIPPET_MAX_BYTES, "{id}: snippet too long");
    }
    assert!(
        error.message().len() <= SNIPPET_MAX_BYTES,
        "{id}: message too long"
    );
    assert!(!error.to_string().is_empty());
    if let Some(retry_after) = error.retry_after() {
        assert!(retry_after <= livekit_server_twirp::MAX_RETRY_AFTER);
    }
}

#[test]
fn every_row_matches_its_expected_kind() {
    let rows = rows();
    let mut checked = 0;
    for row in &rows {
        let id = row.id.as_str();
        let Some((status, headers, body)) = &row.response else {
            assert_eq!(
                row.expected_kind, "transport-error",
                "{id}: only transport rows lack a response"
            );
            assert!(
                TRANSPORT_ROWS.contains(&id),
                "{id}: new transport row, add it to TRANSPORT_ROWS"
            );
            continue;
        };
        let result = classify(*status, headers, body);
        match row.expected_kind.as_str() {
            "success" => {
                let message = result.unwrap_or_else(|e| panic!("{id}: {e}"));
                assert_eq!(message.rooms.len(), 1, "{id}");
                assert_eq!(
                    (
                        message.rooms[0].sid.as_str(),
                        message.rooms[0].name.as_str()
                    ),
                    ("RM_1", "r1")
                );
            }
            "success-or-typed-decode-error" => match result {
                Ok(message) => assert_eq!(message, ListRoomsResponse::default(), "{id}"),
                Err(error) => {
                    assert!(error.is_decode(), "{id}: {error:?}");
                    check_error_invariants(id, &error, *status);
                }
            },
            "success-or-typed-error" => {
                // This crate never decodes JSON success bodies: a typed error, with status and
                // snippet, and the bytes were never given to prost.
                let error = result.expect_err(id);
                assert_eq!(error.kind(), TwirpErrorKind::UnexpectedContentType, "{id}");
                assert!(error.body_snippet().is_some_and(|s| !s.is_empty()), "{id}");
                check_error_invariants(id, &error, *status);
            }
            "typed-error" => {
                let error = result.expect_err(id);
                check_error_invariants(id, &error, *status);
                if *status == StatusCode::OK {
                    assert!(error.is_unexpected_content_type(), "{id}: {error:?}");
                    assert!(error.body_snippet().is_some_and(|s| !s.is_empty()), "{id}");
                } else {
                    assert!(error.is_from_intermediary(), "{id}: {error:?}");
                }
            }
            kind => {
                let expected =
                    parse_twirp_kind(kind).unwrap_or_else(|| panic!("{id}: unknown kind {kind}"));
                let error = result.expect_err(id);
                check_error_invariants(id, &error, *status);
                assert_eq!(error.code().as_str(), expected.code, "{id}: {error:?}");
                assert_eq!(
                    error.is_from_intermediary(),
                    expected.intermediary,
                    "{id}: {error:?}"
                );
                assert_eq!(error.is_twirp(), !expected.intermediary, "{id}");
                if let Some(raw) = &expected.raw {
                    assert_eq!(error.raw_code(), raw, "{id}");
                }
                if expected.intermediary {
                    assert_eq!(
                        error.meta_value("http_error_from_intermediary"),
                        Some("true")
                    );
                    assert_eq!(error.meta_value("status_code"), Some(status.as_str()));
                    let snippet = error
                        .body_snippet()
                        .expect("intermediary errors keep a snippet");
                    let lossy = String::from_utf8_lossy(body);
                    if expected.truncated {
                        assert_eq!(snippet.len(), SNIPPET_MAX_BYTES, "{id}");
                        assert!(body.len() > SNIPPET_MAX_BYTES);
                    } else {
                        assert_eq!(snippet, lossy, "{id}: small bodies are kept whole");
                    }
                }
            }
        }
        checked += 1;
    }
    assert_eq!(checked + TRANSPORT_ROWS.len(), rows.len());
    assert!(checked >= 19, "only {checked} rows checked");
}

fn row(id: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    rows()
        .into_iter()
        .find(|r| r.id == id)
        .and_then(|r| r.response)
        .unwrap_or_else(|| panic!("no row {id}"))
}

fn error_of(id: &str) -> TwirpError {
    let (status, headers, body) = row(id);
    classify(status, &headers, &body).expect_err(id)
}

#[test]
fn specific_rows() {
    // LiveKit's own 401 keeps its text as the message.
    let error = error_of("tw.401_livekit_plaintext");
    assert_eq!(error.code(), TwirpCode::Unauthenticated);
    assert_eq!(
        error.message(),
        "invalid authorization token: token has invalid claims: token is expired"
    );
    assert!(!error.is_retryable());

    // A missing grant is a Twirp unauthenticated error with 401, not retryable either.
    let error = error_of("tw.401_twirp_json");
    assert_eq!(
        (error.code(), error.message()),
        (TwirpCode::Unauthenticated, "permissions denied")
    );
    assert!(!error.is_retryable());

    // Retry-After is exposed, and makes 503/429 retryable.
    let error = error_of("tw.503_text_retry_after");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
    assert!(error.is_retryable());
    let error = error_of("tw.429_resource_exhausted");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(error.message(), "rate limit exceeded");
    assert!(error.is_retryable());

    // Empty 504: unavailable, retryable, empty snippet, status message.
    let error = error_of("tw.504_empty");
    assert_eq!(error.body_snippet(), Some(""));
    assert!(error.is_retryable());
    assert!(error.is_outcome_unknown());

    // meta kept verbatim, details decoded.
    let error = error_of("tw.500_internal_meta");
    assert_eq!(
        error.meta_value("error_details"),
        Some("CAUSCW5vdCBmb3VuZA==")
    );
    let details = error.error_details().unwrap();
    assert_eq!((details.code(), details.message()), (5, "not found"));

    // The body's code wins; the status is kept.
    let error = error_of("tw.404_code_status_disagree");
    assert_eq!(error.code(), TwirpCode::Internal);
    assert_eq!(error.http_status(), Some(StatusCode::NOT_FOUND));

    let error = error_of("tw.404_bad_route");
    assert_eq!(
        error.meta_value("twirp_invalid_route"),
        Some("POST /twirp/livekit.RoomService/ListRooms")
    );

    let error = error_of("tw.500_unknown_code");
    assert_eq!(
        (error.code(), error.raw_code()),
        (TwirpCode::Unknown, "teapot")
    );
    assert_eq!(error.message(), "I'm a teapot");

    // 204 is not success.
    let error = error_of("tw.204_no_content");
    assert_eq!(error.code(), TwirpCode::Unknown);
    assert_eq!(error.http_status(), Some(StatusCode::NO_CONTENT));

    // The captive portal's HTML is never decoded, and is not retryable.
    let error = error_of("tw.ok_html");
    assert_eq!(
        error.body_snippet(),
        Some("<html><body>Please log in</body></html>")
    );
    assert_eq!(error.content_type(), Some("text/html"));
    assert!(!error.is_retryable());
}

#[test]
fn rows_with_a_json_request_are_not_ours() {
    // The `application/json` variants are what a JSON client got; this crate only speaks
    // protobuf, so a JSON success is an unexpected content type there too.
    let file: Json = serde_json::from_str(VECTORS).unwrap();
    let ok = file["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "tw.ok")
        .unwrap();
    let response = &ok["response"]["application/json"];
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_str(response["headers"]["Content-Type"].as_str().unwrap()).unwrap(),
    );
    let body = STANDARD
        .decode(response["body_b64"].as_str().unwrap())
        .unwrap();
    let error = classify(StatusCode::OK, &headers, &body).unwrap_err();
    assert!(error.is_unexpected_content_type());
}
