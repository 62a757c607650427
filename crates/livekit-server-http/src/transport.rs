//! The bring-your-own-HTTP-client seam: the [`Transport`] trait and its error type.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;

/// Sends one HTTP request and reads the whole response.
///
/// The [`Client`](crate::Client) builds the Twirp request (route, headers, token, body),
/// enforces timeouts and retries, and classifies the response; a transport only moves
/// bytes. [`HyperTransport`](crate::HyperTransport) is the default; implement this trait to
/// use another HTTP client (a proxy-aware one, one with custom TLS, a test double).
///
/// Contract for implementations:
/// * Never follow redirects: return the 3xx response as is.
/// * Read the whole body before returning. For a response that carries a message (`200 OK`
///   with a protobuf content type: `livekit_server_twirp::expects_message`), fail with
///   [`TransportError::body_too_large`] once the body exceeds
///   [`TransportLimits::max_body_bytes`]; any other body may be cut at
///   [`TransportLimits::max_error_body_bytes`] (only a snippet of it is kept).
/// * A body shorter than its `Content-Length`, or a connection reset mid-body, is an error,
///   never a short body.
/// * Classify failures honestly: [`TransportError::connect`] only when the request provably
///   never left (it allows replaying non-idempotent RPCs).
/// * The client wraps `send` in a timer of [`TransportLimits::timeout`]; an implementation
///   need not enforce it.
#[async_trait::async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request` and returns the response with its body read in full.
    ///
    /// # Errors
    ///
    /// A [`TransportError`] when no complete response was received.
    async fn send(
        &self,
        request: http::Request<Bytes>,
        limits: &TransportLimits,
    ) -> Result<http::Response<Bytes>, TransportError>;
}

/// Limits that apply to one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportLimits {
    timeout: Duration,
    max_body_bytes: usize,
    max_error_body_bytes: usize,
}

impl TransportLimits {
    /// Limits with the given attempt timeout and success-body cap; error bodies are capped at
    /// 64 KiB (or `max_body_bytes` if smaller).
    pub fn new(timeout: Duration, max_body_bytes: usize) -> Self {
        TransportLimits {
            timeout,
            max_body_bytes,
            max_error_body_bytes: max_body_bytes.min(livekit_server_twirp::ERROR_BODY_READ_LIMIT),
        }
    }

    /// Sets the cap for the body of a non-2xx response.
    #[must_use]
    pub fn with_max_error_body_bytes(mut self, max: usize) -> Self {
        self.max_error_body_bytes = max;
        self
    }

    /// The time this attempt may take (the client enforces it around [`Transport::send`]).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The largest message body (`200 OK` protobuf) accepted.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The length past which any other response body may be cut.
    pub fn max_error_body_bytes(&self) -> usize {
        self.max_error_body_bytes
    }
}

type BoxError = Box<dyn StdError + Send + Sync>;

/// Why a transport failed to deliver a request or receive its response.
///
/// Constructors are for [`Transport`] implementations; the predicates say what is known
/// about the request's fate.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: Option<BoxError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TransportErrorKind {
    Connect,
    Timeout,
    Io,
    BodyTooLarge(usize),
    Other,
}

impl TransportError {
    /// The connection could not be established (refused, DNS failure, TLS handshake
    /// failure, connect timeout): the request provably never left, so even a
    /// non-idempotent RPC may be sent again.
    pub fn connect(source: impl Into<BoxError>) -> Self {
        TransportError {
            kind: TransportErrorKind::Connect,
            source: Some(source.into()),
        }
    }

    /// The transport gave up waiting (its own timeout); the server may have processed the
    /// request.
    pub fn timeout() -> Self {
        TransportError {
            kind: TransportErrorKind::Timeout,
            source: None,
        }
    }

    /// An I/O failure after the request may have left (reset, broken pipe, a body shorter
    /// than its `Content-Length`): the outcome is unknown.
    pub fn io(source: impl Into<BoxError>) -> Self {
        TransportError {
            kind: TransportErrorKind::Io,
            source: Some(source.into()),
        }
    }

    /// A message body longer than `limit` bytes ([`TransportLimits::max_body_bytes`]).
    pub fn body_too_large(limit: usize) -> Self {
        TransportError {
            kind: TransportErrorKind::BodyTooLarge(limit),
            source: None,
        }
    }

    /// Any other failure; treated like [`io`](Self::io) (outcome unknown).
    pub fn other(source: impl Into<BoxError>) -> Self {
        TransportError {
            kind: TransportErrorKind::Other,
            source: Some(source.into()),
        }
    }

    /// Whether the connection could not be established (the request never left).
    pub fn is_connect(&self) -> bool {
        self.kind == TransportErrorKind::Connect
    }

    /// Whether the transport timed out.
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportErrorKind::Timeout
    }

    /// Whether a success body exceeded the configured cap.
    pub fn is_body_too_large(&self) -> bool {
        matches!(self.kind, TransportErrorKind::BodyTooLarge(_))
    }

    /// The cap that a too-large body exceeded.
    pub fn body_limit(&self) -> Option<usize> {
        match self.kind {
            TransportErrorKind::BodyTooLarge(limit) => Some(limit),
            _ => None,
        }
    }

    /// Whether the request provably never reached the server.
    pub fn request_not_sent(&self) -> bool {
        self.is_connect()
    }

    /// Whether the server may have processed the request although no response was read.
    pub fn outcome_unknown(&self) -> bool {
        !self.is_connect()
    }

    /// Whether an idempotent request may be retried after this error (a body that is too
    /// large will be too large again).
    pub(crate) fn is_transient(&self) -> bool {
        !self.is_body_too_large()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TransportErrorKind::Connect => f.write_str("could not connect"),
            TransportErrorKind::Timeout => f.write_str("transport timed out"),
            TransportErrorKind::Io => f.write_str("connection failed during the exchange"),
            TransportErrorKind::BodyTooLarge(limit) => {
                write!(f, "response body exceeds the limit of {limit} bytes")
            }
            TransportErrorKind::Other => f.write_str("transport failed"),
        }
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors_are_the_only_ones_known_unsent() {
        let connect = TransportError::connect("refused");
        assert!(connect.is_connect() && connect.request_not_sent() && !connect.outcome_unknown());
        for e in [
            TransportError::io("reset"),
            TransportError::timeout(),
            TransportError::other("x"),
            TransportError::body_too_large(10),
        ] {
            assert!(!e.request_not_sent() && e.outcome_unknown(), "{e:?}");
        }
        assert_eq!(TransportError::body_too_large(10).body_limit(), Some(10));
        assert!(!TransportError::body_too_large(10).is_transient());
    }

    #[test]
    fn display_does_not_repeat_the_source() {
        let e = TransportError::io("peer reset the stream");
        assert_eq!(e.to_string(), "connection failed during the exchange");
        assert_eq!(
            e.source().map(|s| s.to_string()).as_deref(),
            Some("peer reset the stream")
        );
    }

    #[test]
    fn limits_cap_error_bodies() {
        let limits = TransportLimits::new(Duration::from_secs(1), 1 << 20);
        assert_eq!(limits.max_error_body_bytes(), 64 * 1024);
        assert_eq!(
            TransportLimits::new(Duration::ZERO, 10).max_error_body_bytes(),
            10
        );
        assert_eq!(
            limits.with_max_error_body_bytes(5).max_error_body_bytes(),
            5
        );
    }
}
