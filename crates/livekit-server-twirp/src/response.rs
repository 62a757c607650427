//! Response classification: `(status, headers, body)` → the decoded message or a `TwirpError`.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use http::header::{LOCATION, RETRY_AFTER};
use http::{HeaderMap, StatusCode};
use prost::Message;

use crate::TwirpError;
use crate::text::{self, ERROR_BODY_READ_LIMIT, SNIPPET_MAX_BYTES};

/// The longest `Retry-After` this crate reports; longer (or absurd) values are capped.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3_600);

/// Whether a response carries a message to decode (`200 OK` with a protobuf content type),
/// as opposed to an error. The transport can use it to pick its body-read limit before
/// reading: a large limit for messages, [`ERROR_BODY_READ_LIMIT`] for everything else.
#[must_use]
pub fn expects_message(status: StatusCode, headers: &HeaderMap) -> bool {
    status == StatusCode::OK && text::is_protobuf(text::media_type(headers).as_deref())
}

/// Classifies a complete response and decodes the message of a success; see
/// [`decode_response_at`], which this calls with the current time (for an HTTP-date
/// `Retry-After`).
///
/// # Errors
///
/// As [`decode_response_at`].
pub fn decode_response<M: Message + Default>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<M, TwirpError> {
    // The one read of the clock in this crate.
    let now = SystemTime::now();
    decode_response_at(status, headers, body, now)
}

/// Classifies a complete response and decodes the message of a success.
///
/// - `200 OK` with media type `application/protobuf` or `application/x-protobuf` (case and
///   parameters ignored): the body decoded as `M` (empty body = default message; unknown
///   fields ignored).
/// - `200 OK` with any other or no content type: an
///   [`UnexpectedContentType`](crate::TwirpErrorKind::UnexpectedContentType) error with a body
///   snippet; the body is never fed to the protobuf decoder.
/// - Any other status with media type `application/json` and a body that is a JSON object with
///   a non-empty string `code`, a string `msg` (or none) and optionally `meta` (string values
///   kept, others ignored): a [`Twirp`](crate::TwirpErrorKind::Twirp) error with that code
///   (an unknown code string is kept raw, with [`TwirpCode::Unknown`](crate::TwirpCode)).
///   The HTTP status is kept separately; the body's code wins when they disagree.
/// - Anything else (LiveKit's plain-text 401, a proxy's HTML 502, an empty 504, a redirect,
///   JSON `[]`/`null`/wrong member types, 204…): an
///   [`Intermediary`](crate::TwirpErrorKind::Intermediary) error whose code derives from the
///   status ([`TwirpCode::from_intermediary_status`](crate::TwirpCode::from_intermediary_status)),
///   with the body snippet, and the `Location` of a redirect in meta.
///
/// For errors, `Retry-After` (delta-seconds or HTTP-date, relative to `now`) is kept, capped at
/// [`MAX_RETRY_AFTER`]. Only the first [`ERROR_BODY_READ_LIMIT`] bytes of an error body are
/// looked at; **the transport must cap how much it reads** (this function only sees what it is
/// given) and must report a body cut short by the connection as a transport error rather than
/// pass the partial bytes here.
///
/// ```
/// use http::{HeaderMap, HeaderValue, StatusCode, header::CONTENT_TYPE};
/// use livekit_server_twirp::{decode_response, TwirpCode};
///
/// let mut headers = HeaderMap::new();
/// headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
/// let body = br#"{"code":"not_found","msg":"room not found"}"#;
/// let error = decode_response::<()>(StatusCode::NOT_FOUND, &headers, body).unwrap_err();
/// assert_eq!(error.code(), TwirpCode::NotFound);
/// assert_eq!(error.message(), "room not found");
/// ```
///
/// # Errors
///
/// A [`TwirpError`] for every response but a decodable protobuf `200 OK`.
pub fn decode_response_at<M: Message + Default>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<M, TwirpError> {
    let media_type = text::media_type(headers);
    if status == StatusCode::OK {
        if text::is_protobuf(media_type.as_deref()) {
            return M::decode(body).map_err(|source| TwirpError::decode(status, source));
        }
        return Err(TwirpError::unexpected_content_type(
            status,
            text::header_text(headers, http::header::CONTENT_TYPE),
            text::snippet(body),
        ));
    }
    Err(error_from_response(
        status,
        headers,
        body,
        media_type.as_deref(),
        now,
    ))
}

fn error_from_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    media_type: Option<&str>,
    now: SystemTime,
) -> TwirpError {
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| parse_retry_after(value, now));
    let head = &body[..body.len().min(ERROR_BODY_READ_LIMIT)];
    if text::is_json(media_type)
        && let Some((code, message, meta)) = parse_twirp_body(head)
    {
        return TwirpError::twirp(status, code, message, meta, retry_after);
    }
    let snippet = text::snippet(body);
    let is_plain_text = matches!(media_type, None | Some("text/plain"));
    let message = if is_plain_text && !snippet.trim().is_empty() {
        snippet.trim().to_owned()
    } else {
        match status.canonical_reason() {
            Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
            None => format!("HTTP {}", status.as_u16()),
        }
    };
    let location = if status.is_redirection() {
        text::header_text(headers, LOCATION)
    } else {
        None
    };
    TwirpError::intermediary(
        status,
        message,
        location,
        text::header_text(headers, http::header::CONTENT_TYPE),
        snippet,
        retry_after,
    )
}

/// `(code, msg, meta)` of a Twirp error body, or `None` if the body is not one.
fn parse_twirp_body(body: &[u8]) -> Option<(String, String, BTreeMap<String, String>)> {
    let serde_json::Value::Object(mut object) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    let code = match object.remove("code")? {
        serde_json::Value::String(code) if !code.is_empty() => code,
        _ => return None,
    };
    let message = match object.remove("msg") {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(message)) => message,
        Some(_) => return None,
    };
    let mut meta = BTreeMap::new();
    if let Some(serde_json::Value::Object(entries)) = object.remove("meta") {
        for (key, value) in entries {
            if let serde_json::Value::String(value) = value {
                meta.insert(
                    text::clean(&key, SNIPPET_MAX_BYTES),
                    text::redact_tokens(&value),
                );
            }
        }
    }
    Some((
        text::clean(&code, SNIPPET_MAX_BYTES),
        text::clean(&message, SNIPPET_MAX_BYTES),
        meta,
    ))
}

/// Parses a `Retry-After` value: delta-seconds (`120`) or an HTTP-date, relative to `now`.
/// The result is capped at [`MAX_RETRY_AFTER`]; a date in the past gives zero; anything else
/// (negative, fractional, garbage) gives `None`. Dates are read by the `httpdate` crate:
/// years 1970 to 9999 (an RFC 850 two-digit year as 19xx), so an earlier one is `None`.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use livekit_server_twirp::{parse_retry_after, MAX_RETRY_AFTER};
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(parse_retry_after("Tue, 14 Nov 2023 22:14:20 GMT", now), Some(Duration::from_secs(60)));
/// assert_eq!(parse_retry_after("99999999999999999999", now), Some(MAX_RETRY_AFTER));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
#[must_use]
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Delta-seconds; more digits than fit saturate (RFC 9110 §10.2.3 asks for that).
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(MAX_RETRY_AFTER),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TwirpCode, TwirpErrorKind};
    use http::HeaderValue;
    use std::time::UNIX_EPOCH;

    #[derive(Clone, PartialEq, prost::Message)]
    struct Room {
        #[prost(string, tag = "1")]
        sid: String,
        #[prost(string, tag = "2")]
        name: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct ListRoomsResponse {
        #[prost(message, repeated, tag = "1")]
        rooms: Vec<Room>,
    }

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJrZXkifQ.c2lnbmF0dXJl";

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn classify(
        status: u16,
        pairs: &[(&'static str, &str)],
        body: &[u8],
    ) -> Result<ListRoomsResponse, TwirpError> {
        decode_response_at(
            StatusCode::from_u16(status).unwrap(),
            &headers(pairs),
            body,
            now(),
        )
    }

    fn fail(status: u16, pairs: &[(&'static str, &str)], body: &[u8]) -> TwirpError {
        classify(status, pairs, body).unwrap_err()
    }

    const PROTOBUF: (&str, &str) = ("content-type", "application/protobuf");
    const JSON: (&str, &str) = ("content-type", "application/json");

    #[test]
    fn server_text_is_shown_on_one_line() {
        let plain = fail(
            502,
            &[("content-type", "text/plain")],
            b"upstream reset\nFAKE LOG LINE: level=INFO ok=1\x1b[31mred",
        );
        let twirp = fail(
            500,
            &[JSON],
            br#"{"code":"internal","msg":"a\nb\u001b[0m"}"#,
        );
        for error in [plain, twirp] {
            let text = error.to_string();
            assert!(!text.contains(|c: char| c.is_control()), "{text:?}");
        }
    }

    #[test]
    fn success_decodes() {
        let message = ListRoomsResponse {
            rooms: vec![Room {
                sid: "RM_1".into(),
                name: "r1".into(),
            }],
        };
        let body = message.encode_to_vec();
        assert_eq!(classify(200, &[PROTOBUF], &body).unwrap(), message);
        assert_eq!(
            classify(
                200,
                &[("content-type", "Application/X-Protobuf; q=1")],
                &body
            )
            .unwrap(),
            message
        );
        assert_eq!(
            classify(200, &[PROTOBUF], b"").unwrap(),
            ListRoomsResponse::default()
        );
        assert!(expects_message(StatusCode::OK, &headers(&[PROTOBUF])));
        assert!(!expects_message(StatusCode::OK, &headers(&[JSON])));
        assert!(!expects_message(StatusCode::CREATED, &headers(&[PROTOBUF])));
    }

    #[test]
    fn truncated_protobuf_is_a_decode_error_with_status() {
        let body = ListRoomsResponse {
            rooms: vec![Room {
                sid: "RM_1".into(),
                name: "r1".into(),
            }],
        }
        .encode_to_vec();
        let error = fail(200, &[PROTOBUF], &body[..body.len() - 3]);
        assert!(error.is_decode());
        assert_eq!(error.kind(), TwirpErrorKind::Decode);
        assert_eq!(error.http_status(), Some(StatusCode::OK));
        assert!(std::error::Error::source(&error).is_some());
    }

    #[test]
    fn success_with_other_content_types_is_never_decoded() {
        for ct in [
            Some("application/json"),
            Some("text/html"),
            Some("application/protobuf+x"),
            None,
        ] {
            let pairs: Vec<(&'static str, &str)> =
                ct.map(|ct| ("content-type", ct)).into_iter().collect();
            let error = fail(200, &pairs, b"{\"rooms\":[]}");
            assert!(error.is_unexpected_content_type(), "{ct:?}");
            assert_eq!(error.http_status(), Some(StatusCode::OK));
            assert_eq!(error.body_snippet(), Some("{\"rooms\":[]}"));
            assert_eq!(error.content_type(), ct);
            assert!(!error.is_retryable());
        }
    }

    #[test]
    fn twirp_json_errors() {
        let error = fail(404, &[("content-type", "application/json; charset=utf-8")],
            br#"{"code":"not_found","msg":"room not found","meta":{"a":"b","n":1,"o":{},"x":null}}"#);
        assert!(error.is_twirp());
        assert_eq!(error.code(), TwirpCode::NotFound);
        assert_eq!(error.message(), "room not found");
        assert_eq!(error.meta().len(), 1);
        assert_eq!(error.meta_value("a"), Some("b"));
        assert_eq!(error.body_snippet(), None);
        // Body code wins over the status.
        let error = fail(404, &[JSON], br#"{"code":"internal","msg":"mismatch"}"#);
        assert_eq!(error.code(), TwirpCode::Internal);
        assert_eq!(error.http_status(), Some(StatusCode::NOT_FOUND));
        // Missing msg is fine; unknown codes are kept raw.
        let error = fail(500, &[JSON], br#"{"code":"teapot"}"#);
        assert!(error.is_twirp());
        assert_eq!(
            (error.code(), error.raw_code(), error.message()),
            (TwirpCode::Unknown, "teapot", "")
        );
        // Meta that is not an object is ignored.
        let error = fail(
            400,
            &[JSON],
            br#"{"code":"malformed","msg":"bad","meta":[1]}"#,
        );
        assert_eq!(error.code(), TwirpCode::Malformed);
        assert!(error.meta().is_empty());
    }

    #[test]
    fn non_twirp_json_is_intermediary() {
        for body in [
            &br#"[]"#[..],
            b"null",
            b"\"str\"",
            b"42",
            br#"{"code":123,"msg":["a"],"meta":{"k":1}}"#,
            br#"{"code":"","msg":"x"}"#,
            br#"{"msg":"no code"}"#,
            br#"{"code":"internal","msg":1}"#,
            br#"{"code":"internal""#,
            b"\xff\xfe",
            b"",
        ] {
            let error = fail(500, &[JSON], body);
            assert!(error.is_from_intermediary(), "{body:?}");
            assert_eq!(error.code(), TwirpCode::Unknown);
            assert_eq!(error.raw_code(), "unknown");
            assert_eq!(
                error.meta_value("http_error_from_intermediary"),
                Some("true")
            );
            assert_eq!(error.meta_value("status_code"), Some("500"));
        }
        // Twirp JSON with a non-JSON content type is not trusted either.
        let error = fail(
            404,
            &[("content-type", "text/plain")],
            br#"{"code":"not_found","msg":"x"}"#,
        );
        assert!(error.is_from_intermediary());
        assert_eq!(error.code(), TwirpCode::BadRoute);
    }

    #[test]
    fn livekit_plain_text_401_keeps_the_message() {
        let text = "invalid authorization token: token has invalid claims: token is expired";
        let error = fail(
            401,
            &[("content-type", "text/plain; charset=utf-8")],
            text.as_bytes(),
        );
        assert!(error.is_from_intermediary());
        assert_eq!(error.code(), TwirpCode::Unauthenticated);
        assert_eq!(error.message(), text);
        assert_eq!(error.body_snippet(), Some(text));
        assert_eq!(
            error.to_string(),
            format!("unauthenticated from a non-Twirp HTTP 401 response: {text}")
        );
    }

    #[test]
    fn echoed_tokens_are_redacted_everywhere() {
        let body = format!("invalid token: {JWT}, error: expired");
        let error = fail(401, &[("content-type", "text/plain")], body.as_bytes());
        let json =
            format!(r#"{{"code":"unauthenticated","msg":"bad {JWT}","meta":{{"t":"{JWT}"}}}}"#);
        let twirp = fail(401, &[JSON], json.as_bytes());
        let location = format!("https://login.example.com/?token={JWT}");
        let redirect = fail(302, &[("location", &location)], b"");
        let portal = fail(200, &[("content-type", "text/html")], body.as_bytes());
        for error in [error, twirp, redirect, portal] {
            for text in [error.to_string(), format!("{error:?}")] {
                assert!(!text.contains(JWT), "{text}");
                assert!(!text.contains("c2lnbmF0dXJl"), "{text}");
            }
        }
    }

    #[test]
    fn status_derived_codes_and_meta() {
        let error = fail(302, &[("location", "/moved")], b"");
        assert_eq!(error.code(), TwirpCode::Internal);
        assert_eq!(error.location(), Some("/moved"));
        assert_eq!(error.meta_value("location"), Some("/moved"));
        for (status, code) in [
            (400, TwirpCode::Internal),
            (403, TwirpCode::PermissionDenied),
            (404, TwirpCode::BadRoute),
            (413, TwirpCode::Unknown),
            (429, TwirpCode::Unavailable),
            (502, TwirpCode::Unavailable),
            (503, TwirpCode::Unavailable),
            (504, TwirpCode::Unavailable),
            (204, TwirpCode::Unknown),
            (201, TwirpCode::Unknown),
        ] {
            let error = fail(
                status,
                &[("content-type", "text/html")],
                b"<html>bad gateway</html>",
            );
            assert_eq!(error.code(), code, "{status}");
            assert_eq!(error.http_status().map(|s| s.as_u16()), Some(status));
            assert_eq!(error.location(), None);
            // HTML is not used as the message.
            assert!(
                error.message().starts_with(&format!("HTTP {status}")),
                "{}",
                error.message()
            );
            assert_eq!(error.body_snippet(), Some("<html>bad gateway</html>"));
        }
        let empty = fail(504, &[], b"");
        assert_eq!(empty.code(), TwirpCode::Unavailable);
        assert_eq!(empty.message(), "HTTP 504 Gateway Timeout");
        assert_eq!(empty.body_snippet(), Some(""));
        assert_eq!(empty.content_type(), None);
    }

    #[test]
    fn huge_bodies_are_cut() {
        let body = vec![b'E'; 5 * 1024 * 1024];
        let error = fail(500, &[("content-type", "text/plain")], &body);
        assert_eq!(error.body_snippet().unwrap().len(), SNIPPET_MAX_BYTES);
        assert_eq!(error.message().len(), SNIPPET_MAX_BYTES);
        // A Twirp body beyond the examined prefix is not parsed (and nothing blows up).
        let mut json = br#"{"code":"internal","msg":""#.to_vec();
        json.extend(std::iter::repeat_n(b'x', ERROR_BODY_READ_LIMIT));
        json.extend_from_slice(br#""}"#);
        assert!(error_is_intermediary(500, &json));
        let long_msg = format!(r#"{{"code":"internal","msg":"{}"}}"#, "m".repeat(10_000));
        let error = fail(500, &[JSON], long_msg.as_bytes());
        assert!(error.is_twirp());
        assert_eq!(error.message().len(), SNIPPET_MAX_BYTES);
    }

    fn error_is_intermediary(status: u16, body: &[u8]) -> bool {
        fail(status, &[JSON], body).is_from_intermediary()
    }

    #[test]
    fn error_details_and_retry_after() {
        let error = fail(
            500,
            &[JSON, ("retry-after", "7")],
            br#"{"code":"internal","msg":"x","meta":{"error_details":"CAUSCW5vdCBmb3VuZA=="}}"#,
        );
        let details = error.error_details().unwrap();
        assert_eq!((details.code(), details.message()), (5, "not found"));
        assert_eq!(
            error.meta_value("error_details"),
            Some("CAUSCW5vdCBmb3VuZA==")
        );
        assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
        let error = fail(
            500,
            &[JSON],
            br#"{"code":"internal","meta":{"error_details":"!!"}}"#,
        );
        assert!(error.error_details().is_none());
    }

    #[test]
    fn retry_after_forms() {
        let now = now();
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after("3600", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("3601", now), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("18446744073709551616", now),
            Some(MAX_RETRY_AFTER)
        );
        // 1 700 000 000 is Tue, 14 Nov 2023 22:13:20 GMT.
        assert_eq!(
            parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Tuesday, 14-Nov-23 22:13:50 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Tue Nov 14 22:13:50 2023", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Tue, 14 Nov 2023 22:13:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT", now),
            Some(MAX_RETRY_AFTER)
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "+5",
            "1e3",
            "soon",
            "Tue, 32 Nov 2023 22:13:50 GMT",
            "５",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
        // A header that is not visible ASCII is ignored.
        let mut map = headers(&[JSON]);
        map.insert(RETRY_AFTER, HeaderValue::from_bytes(b"\xff1").unwrap());
        let error =
            decode_response_at::<()>(StatusCode::SERVICE_UNAVAILABLE, &map, b"", now).unwrap_err();
        assert_eq!(error.retry_after(), None);
    }

    #[test]
    fn decode_response_uses_the_clock_only_for_dates() {
        let error = decode_response::<()>(
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("retry-after", "2")]),
            b"slow down",
        )
        .unwrap_err();
        assert_eq!(error.retry_after(), Some(Duration::from_secs(2)));
        assert_eq!(error.code(), TwirpCode::Unavailable);
    }
}
