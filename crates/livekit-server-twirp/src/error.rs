//! `TwirpError`: every failure this crate reports, with the code, status and context kept.

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::TwirpCode;
use crate::details::ErrorDetails;

/// Meta key Go's Twirp client sets on errors built from a non-Twirp response.
pub(crate) const META_FROM_INTERMEDIARY: &str = "http_error_from_intermediary";
/// Meta key holding the HTTP status of a non-Twirp response.
pub(crate) const META_STATUS_CODE: &str = "status_code";
/// Meta key holding the `Location` of a non-Twirp redirect.
pub(crate) const META_LOCATION: &str = "location";
/// Meta key LiveKit uses for a base64 `google.rpc.Status` with typed details.
pub(crate) const META_ERROR_DETAILS: &str = "error_details";
/// Meta key of the SIP status code of a failed SIP call.
pub(crate) const META_SIP_STATUS_CODE: &str = "sip_status_code";
/// Meta key of the SIP status text of a failed SIP call.
pub(crate) const META_SIP_STATUS: &str = "sip_status";

/// What kind of failure a [`TwirpError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TwirpErrorKind {
    /// The server answered with a Twirp error body (JSON with a string `code`).
    Twirp,
    /// The response was not a Twirp error (a proxy's HTML page, LiveKit's plain-text 401, an
    /// empty 504, a redirect, malformed JSON…); the code is derived from the HTTP status as
    /// Go's Twirp client does.
    Intermediary,
    /// A `200 OK` whose content type is not protobuf (a captive portal, a JSON body); the body
    /// was not decoded.
    UnexpectedContentType,
    /// A `200 OK` protobuf body that does not decode as the expected message.
    Decode,
    /// The request could not be built: an unusable server URL, name or header value.
    InvalidRequest,
}

/// The error of a Twirp call as seen by the codec: a Twirp error from the server, a non-Twirp
/// response, an undecodable success, or a request that could not be built.
///
/// Opaque and one pointer wide; inspect it through its accessors. `Display` is one concise
/// line with the code, the HTTP status and the message. Messages and body snippets are
/// truncated to [`SNIPPET_MAX_BYTES`](crate::SNIPPET_MAX_BYTES); meta values are kept whole
/// (`error_details` is a base64 message that truncation would break), bounded by the
/// [`ERROR_BODY_READ_LIMIT`](crate::ERROR_BODY_READ_LIMIT) on the whole body. All of them,
/// and the message of [`ErrorDetails`], have bearer tokens
/// (`eyJ….….…`) replaced by `[redacted token]`, because servers have echoed tokens in error
/// bodies.
#[derive(Clone)]
pub struct TwirpError(Box<Inner>);

#[derive(Debug, Clone)]
struct Inner {
    kind: TwirpErrorKind,
    code: TwirpCode,
    /// The wire string as received (may be outside the spec), or the derived code's string.
    raw_code: String,
    message: String,
    meta: BTreeMap<String, String>,
    http_status: Option<StatusCode>,
    retry_after: Option<Duration>,
    body_snippet: Option<String>,
    content_type: Option<String>,
    details: Option<ErrorDetails>,
    source: Option<prost::DecodeError>,
}

impl TwirpError {
    fn from_inner(inner: Inner) -> TwirpError {
        TwirpError(Box::new(inner))
    }

    fn base(kind: TwirpErrorKind, code: TwirpCode, message: String) -> Inner {
        Inner {
            kind,
            code,
            raw_code: code.as_str().to_owned(),
            message,
            meta: BTreeMap::new(),
            http_status: None,
            retry_after: None,
            body_snippet: None,
            content_type: None,
            details: None,
            source: None,
        }
    }

    pub(crate) fn invalid_request(message: &str) -> TwirpError {
        Self::from_inner(Self::base(
            TwirpErrorKind::InvalidRequest,
            TwirpCode::Internal,
            message.to_owned(),
        ))
    }

    pub(crate) fn twirp(
        status: StatusCode,
        raw_code: String,
        message: String,
        meta: BTreeMap<String, String>,
        retry_after: Option<Duration>,
    ) -> TwirpError {
        let code = TwirpCode::from_wire(&raw_code).unwrap_or(TwirpCode::Unknown);
        let details = meta
            .get(META_ERROR_DETAILS)
            .and_then(|v| ErrorDetails::from_base64(v));
        Self::from_inner(Inner {
            raw_code,
            meta,
            http_status: Some(status),
            retry_after,
            details,
            ..Self::base(TwirpErrorKind::Twirp, code, message)
        })
    }

    pub(crate) fn intermediary(
        status: StatusCode,
        message: String,
        location: Option<String>,
        content_type: Option<String>,
        body_snippet: String,
        retry_after: Option<Duration>,
    ) -> TwirpError {
        let code = TwirpCode::from_intermediary_status(status);
        let mut meta = BTreeMap::new();
        meta.insert(META_FROM_INTERMEDIARY.to_owned(), "true".to_owned());
        meta.insert(META_STATUS_CODE.to_owned(), status.as_u16().to_string());
        if let Some(location) = location {
            meta.insert(META_LOCATION.to_owned(), location);
        }
        Self::from_inner(Inner {
            meta,
            http_status: Some(status),
            retry_after,
            body_snippet: Some(body_snippet),
            content_type,
            ..Self::base(TwirpErrorKind::Intermediary, code, message)
        })
    }

    pub(crate) fn unexpected_content_type(
        status: StatusCode,
        content_type: Option<String>,
        body_snippet: String,
    ) -> TwirpError {
        let message = match &content_type {
            Some(content_type) => format!("unexpected content type {content_type:?}"),
            None => "no content type".to_owned(),
        };
        Self::from_inner(Inner {
            http_status: Some(status),
            body_snippet: Some(body_snippet),
            content_type,
            ..Self::base(
                TwirpErrorKind::UnexpectedContentType,
                TwirpCode::Internal,
                message,
            )
        })
    }

    pub(crate) fn decode(status: StatusCode, source: prost::DecodeError) -> TwirpError {
        Self::from_inner(Inner {
            http_status: Some(status),
            source: Some(source),
            ..Self::base(
                TwirpErrorKind::Decode,
                TwirpCode::Internal,
                "the protobuf response body does not decode".to_owned(),
            )
        })
    }

    /// What kind of failure this is.
    #[must_use]
    pub fn kind(&self) -> TwirpErrorKind {
        self.0.kind
    }

    /// The Twirp code: from the error body, derived from the HTTP status for a non-Twirp
    /// response, and `internal` for an undecodable success or a request that could not be built
    /// (as Go's Twirp client reports client-side failures).
    #[must_use]
    pub fn code(&self) -> TwirpCode {
        self.0.code
    }

    /// The code string as received, even when it is outside the spec (`"teapot"` gives
    /// [`TwirpCode::Unknown`] and `raw_code() == "teapot"`); otherwise the code's wire string.
    #[must_use]
    pub fn raw_code(&self) -> &str {
        &self.0.raw_code
    }

    /// The message: the Twirp `msg`, the text of a plain-text non-Twirp response (LiveKit's
    /// 401 says why the token was refused), or a description. Truncated to 1 KiB, tokens
    /// redacted.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The Twirp `meta` map (string values only; tokens redacted). Non-Twirp responses carry
    /// `http_error_from_intermediary = "true"`, `status_code` and, for a redirect,
    /// `location`, as Go's Twirp client sets them.
    #[must_use]
    pub fn meta(&self) -> &BTreeMap<String, String> {
        &self.0.meta
    }

    /// One meta value.
    #[must_use]
    pub fn meta_value(&self, key: &str) -> Option<&str> {
        self.0.meta.get(key).map(String::as_str)
    }

    /// The HTTP status of the response; `None` when there was no response (invalid request).
    #[must_use]
    pub fn http_status(&self) -> Option<StatusCode> {
        self.0.http_status
    }

    /// The server's `Retry-After` (delta-seconds or HTTP-date), capped at
    /// [`MAX_RETRY_AFTER`](crate::MAX_RETRY_AFTER); a date in the past gives zero.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// Whether the response was not a Twirp error but came from something in front of the
    /// Twirp handler (proxy, load balancer, LiveKit's auth middleware).
    #[must_use]
    pub fn is_from_intermediary(&self) -> bool {
        self.0.kind == TwirpErrorKind::Intermediary
    }

    /// Whether this is a Twirp error sent by the server.
    #[must_use]
    pub fn is_twirp(&self) -> bool {
        self.0.kind == TwirpErrorKind::Twirp
    }

    /// Whether a `200 OK` came with a content type other than protobuf.
    #[must_use]
    pub fn is_unexpected_content_type(&self) -> bool {
        self.0.kind == TwirpErrorKind::UnexpectedContentType
    }

    /// Whether a `200 OK` protobuf body failed to decode.
    #[must_use]
    pub fn is_decode(&self) -> bool {
        self.0.kind == TwirpErrorKind::Decode
    }

    /// Whether the request could not be built (bad URL, name or header value).
    #[must_use]
    pub fn is_invalid_request(&self) -> bool {
        self.0.kind == TwirpErrorKind::InvalidRequest
    }

    /// The start of the response body (lossy UTF-8, at most 1 KiB, tokens redacted) for
    /// non-Twirp responses and unexpected content types; `None` otherwise.
    #[must_use]
    pub fn body_snippet(&self) -> Option<&str> {
        self.0.body_snippet.as_deref()
    }

    /// The response's `Content-Type` (truncated), when there was one and it matters: non-Twirp
    /// responses and unexpected content types.
    #[must_use]
    pub fn content_type(&self) -> Option<&str> {
        self.0.content_type.as_deref()
    }

    /// The redirect target of a non-Twirp 3xx response (never followed).
    #[must_use]
    pub fn location(&self) -> Option<&str> {
        if self.is_from_intermediary() {
            self.meta_value(META_LOCATION)
        } else {
            None
        }
    }

    /// The SIP status code of a failed SIP call (`meta.sip_status_code`), such as 486.
    #[must_use]
    pub fn sip_status_code(&self) -> Option<u16> {
        self.meta_value(META_SIP_STATUS_CODE)?.trim().parse().ok()
    }

    /// The SIP status text of a failed SIP call (`meta.sip_status`), such as `"Busy Here"`.
    #[must_use]
    pub fn sip_status(&self) -> Option<&str> {
        self.meta_value(META_SIP_STATUS)
    }

    /// The decoded `meta.error_details` (base64 protobuf `google.rpc.Status`), if present and
    /// well formed; the raw string stays in [`meta`](Self::meta).
    #[must_use]
    pub fn error_details(&self) -> Option<&ErrorDetails> {
        self.0.details.as_ref()
    }
}

impl fmt::Display for TwirpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.0;
        let status = inner.http_status.map(|s| s.as_u16()).unwrap_or_default();
        match inner.kind {
            TwirpErrorKind::Twirp
                if inner.code == TwirpCode::Unknown && inner.raw_code != "unknown" =>
            {
                write!(
                    f,
                    "twirp error with unknown code {:?} (HTTP {status})",
                    inner.raw_code
                )?;
            }
            TwirpErrorKind::Twirp => write!(f, "twirp error {} (HTTP {status})", inner.code)?,
            TwirpErrorKind::Intermediary => {
                write!(f, "{} from a non-Twirp HTTP {status} response", inner.code)?;
            }
            TwirpErrorKind::UnexpectedContentType => {
                return write!(
                    f,
                    "{} in an HTTP {status} response (expected protobuf)",
                    inner.message
                );
            }
            TwirpErrorKind::Decode => {
                return write!(
                    f,
                    "cannot decode the protobuf body of an HTTP {status} response"
                );
            }
            TwirpErrorKind::InvalidRequest => {
                return write!(f, "invalid Twirp request: {}", inner.message);
            }
        }
        if inner.message.is_empty() {
            Ok(())
        } else {
            write!(f, ": {}", inner.message)
        }
    }
}

impl fmt::Debug for TwirpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.0;
        let mut debug = f.debug_struct("TwirpError");
        debug
            .field("kind", &inner.kind)
            .field("code", &inner.code)
            .field("raw_code", &inner.raw_code)
            .field("message", &inner.message)
            .field("http_status", &inner.http_status.map(|s| s.as_u16()));
        if !inner.meta.is_empty() {
            debug.field("meta", &inner.meta);
        }
        if let Some(retry_after) = inner.retry_after {
            debug.field("retry_after", &retry_after);
        }
        if let Some(content_type) = &inner.content_type {
            debug.field("content_type", content_type);
        }
        if let Some(snippet) = &inner.body_snippet {
            debug.field("body_snippet", snippet);
        }
        if let Some(source) = &inner.source {
            debug.field("source", source);
        }
        debug.finish()
    }
}

impl StdError for TwirpError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_ref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pointer_wide_and_thread_safe() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<TwirpError>();
        assert_eq!(
            std::mem::size_of::<TwirpError>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn display_is_concise() {
        let error = TwirpError::twirp(
            StatusCode::NOT_FOUND,
            "not_found".into(),
            "room not found".into(),
            BTreeMap::new(),
            None,
        );
        assert_eq!(
            error.to_string(),
            "twirp error not_found (HTTP 404): room not found"
        );
        let error = TwirpError::twirp(
            StatusCode::INTERNAL_SERVER_ERROR,
            "teapot".into(),
            String::new(),
            BTreeMap::new(),
            None,
        );
        assert_eq!(
            error.to_string(),
            "twirp error with unknown code \"teapot\" (HTTP 500)"
        );
        assert_eq!(error.code(), TwirpCode::Unknown);
        assert_eq!(error.raw_code(), "teapot");
        let error = TwirpError::intermediary(
            StatusCode::UNAUTHORIZED,
            "invalid API key".into(),
            None,
            Some("text/plain".into()),
            "invalid API key".into(),
            None,
        );
        assert_eq!(
            error.to_string(),
            "unauthenticated from a non-Twirp HTTP 401 response: invalid API key"
        );
        let error = TwirpError::invalid_request("the server URL has no host");
        assert_eq!(
            error.to_string(),
            "invalid Twirp request: the server URL has no host"
        );
    }

    #[test]
    fn decode_error_source_is_not_repeated() {
        let source = <() as prost::Message>::decode(&[0x0a_u8][..]).unwrap_err();
        let error = TwirpError::decode(StatusCode::OK, source.clone());
        assert_eq!(
            error.to_string(),
            "cannot decode the protobuf body of an HTTP 200 response"
        );
        assert!(!error.to_string().contains(&source.to_string()));
        assert_eq!(error.source().unwrap().to_string(), source.to_string());
        assert!(error.is_decode());
        assert_eq!(error.code(), TwirpCode::Internal);
    }

    #[test]
    fn sip_meta() {
        let meta = BTreeMap::from([
            (META_SIP_STATUS_CODE.to_owned(), "486".to_owned()),
            (META_SIP_STATUS.to_owned(), "Busy Here".to_owned()),
        ]);
        let error = TwirpError::twirp(
            StatusCode::INTERNAL_SERVER_ERROR,
            "unavailable".into(),
            "call failed".into(),
            meta,
            None,
        );
        assert_eq!(error.sip_status_code(), Some(486));
        assert_eq!(error.sip_status(), Some("Busy Here"));
        assert_eq!(error.location(), None);
        let none = TwirpError::invalid_request("x");
        assert_eq!(none.sip_status_code(), None);
        assert_eq!(none.sip_status(), None);
    }
}
