//! The seam to `livekit-server-twirp`: base URL, response classification, retryability.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};
use livekit_server_twirp::TwirpError;

use crate::error::Error;

pub(crate) use livekit_server_twirp::{CONTENT_TYPE_PROTOBUF, REQUEST_ID_HEADER, TIMEOUT_HEADER};

/// The validated base URL and its normalised text.
#[derive(Clone)]
pub(crate) struct BaseUrl {
    url: livekit_server_twirp::BaseUrl,
    text: String,
}

impl BaseUrl {
    pub(crate) fn parse(url: &str) -> Result<Self, Error> {
        let url = livekit_server_twirp::BaseUrl::parse(url)
            .map_err(|e| Error::config_source("invalid server URL", e))?;
        let text = url.to_string();
        Ok(BaseUrl { url, text })
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn uri_for(&self, path: &str) -> Result<http::Uri, Error> {
        self.url
            .uri_for(path)
            .map_err(|e| Error::config_source("invalid RPC path", e))
    }
}

/// `livekit-server-sdk-rust/<version>`, and the caller's suffix after a space.
pub(crate) fn user_agent(suffix: Option<&str>) -> Result<HeaderValue, Error> {
    let base = livekit_server_twirp::SDK_USER_AGENT;
    match suffix.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(HeaderValue::from_static(base)),
        Some(suffix) => HeaderValue::try_from(format!("{base} {suffix}")).map_err(|e| {
            Error::config_source("the user-agent suffix is not a valid header value", e)
        }),
    }
}

/// Checks a request id the way the codec does: 1 to 128 visible ASCII characters.
pub(crate) fn request_id_header(id: &str) -> Result<HeaderValue, Error> {
    if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::config(
            "the request id must be 1 to 128 visible ASCII characters",
        ));
    }
    HeaderValue::try_from(id).map_err(|e| Error::config_source("invalid request id", e))
}

/// Whether a response carries a message (200 with a protobuf content type).
pub(crate) fn expects_message(status: StatusCode, headers: &HeaderMap) -> bool {
    livekit_server_twirp::expects_message(status, headers)
}

/// A complete response whose message has not been decoded yet.
pub(crate) struct Success {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// A message to decode, or the typed error of every other response. Non-generic, so the
/// retry loop is compiled once; the generic decode happens after it.
/// `is_message` is [`expects_message`] of the response.
pub(crate) fn classify(
    response: http::Response<Bytes>,
    is_message: bool,
) -> Result<Success, TwirpError> {
    let (parts, body) = response.into_parts();
    if !is_message {
        // `()` decodes nothing: for a response that is not a message this always yields
        // the classified error.
        livekit_server_twirp::decode_response::<()>(parts.status, &parts.headers, &body)?;
    }
    Ok(Success {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

/// Decodes the message of a success (its content type was checked by [`classify`]).
pub(crate) fn decode<M: prost::Message + Default>(success: &Success) -> Result<M, TwirpError> {
    match M::decode(success.body.clone()) {
        Ok(message) => Ok(message),
        // The codec makes the typed error (it decodes the same bytes and fails the same way).
        Err(_) => livekit_server_twirp::decode_response::<M>(
            success.status,
            &success.headers,
            &success.body,
        ),
    }
}

/// Whether an idempotent call may be retried after this response: the codec's one
/// classification (`unavailable` and 502/503/504, 429 or `resource_exhausted` only with
/// `Retry-After`, 408, `deadline_exceeded`, `aborted`).
pub(crate) fn is_retryable(error: &TwirpError) -> bool {
    error.is_retryable()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(response: http::Response<Bytes>) -> Result<Success, TwirpError> {
        let is_message = expects_message(response.status(), response.headers());
        super::classify(response, is_message)
    }

    fn response(
        status: u16,
        headers: &[(&str, &str)],
        body: &'static [u8],
    ) -> http::Response<Bytes> {
        let mut builder = http::Response::builder().status(status);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(Bytes::from_static(body)).unwrap()
    }

    #[test]
    fn only_protobuf_200_is_a_success() {
        let ok = classify(response(
            200,
            &[("content-type", "application/protobuf")],
            b"\x0a\x00",
        ));
        assert!(ok.is_ok());
        let html = classify(response(200, &[("content-type", "text/html")], b"<html>"))
            .err()
            .unwrap();
        assert!(html.is_unexpected_content_type());
        let empty = classify(response(204, &[], b"")).err().unwrap();
        assert!(empty.is_from_intermediary());
    }

    #[test]
    fn retryable_statuses_and_codes() {
        let twirp = |status, headers: &[(&str, &str)], body| {
            classify(response(status, headers, body)).err().unwrap()
        };
        assert!(is_retryable(&twirp(503, &[], b"")));
        assert!(is_retryable(&twirp(
            502,
            &[("content-type", "text/html")],
            b"<html>"
        )));
        assert!(is_retryable(&twirp(504, &[], b"")));
        let json = [("content-type", "application/json")];
        assert!(is_retryable(&twirp(
            500,
            &json,
            br#"{"code":"unavailable","msg":"x"}"#
        )));
        assert!(!is_retryable(&twirp(
            500,
            &json,
            br#"{"code":"internal","msg":"x"}"#
        )));
        assert!(!is_retryable(&twirp(
            429,
            &json,
            br#"{"code":"resource_exhausted"}"#
        )));
        let with_retry_after = [("content-type", "application/json"), ("retry-after", "2")];
        assert!(is_retryable(&twirp(
            429,
            &with_retry_after,
            br#"{"code":"resource_exhausted"}"#
        )));
        assert!(!is_retryable(&twirp(
            200,
            &[("content-type", "text/html")],
            b""
        )));
        assert!(!is_retryable(&twirp(404, &[], b"")));
    }

    #[test]
    fn request_ids_follow_the_codec_rules() {
        assert!(request_id_header("abc-123").is_ok());
        assert!(request_id_header("").is_err());
        assert!(request_id_header("has space").is_err());
        assert!(request_id_header(&"x".repeat(129)).is_err());
    }

    #[test]
    fn user_agent_suffix() {
        assert_eq!(
            user_agent(None).unwrap(),
            livekit_server_twirp::SDK_USER_AGENT
        );
        let ua = user_agent(Some("my-app/1.0")).unwrap();
        assert!(ua.to_str().unwrap().ends_with(" my-app/1.0"));
        assert!(user_agent(Some("bad\nvalue")).is_err());
    }
}
