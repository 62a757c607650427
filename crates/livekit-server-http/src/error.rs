//! [`Error`], the one error type of every call: opaque, one pointer wide, with predicates.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use http::StatusCode;
use livekit_server_twirp::{TwirpCode, TwirpError};

use crate::Rpc;
use crate::regions::RegionError;
use crate::transport::TransportError;

type BoxError = Box<dyn StdError + Send + Sync>;

/// Whether the server may have acted on a request it answered with `e`: a code that says so
/// (`deadline_exceeded`), a `200 OK` that could not be read, a gateway's 502.
pub(crate) fn twirp_outcome_unknown(e: &TwirpError) -> bool {
    e.is_outcome_unknown()
        || matches!(
            e.http_status(),
            Some(StatusCode::OK | StatusCode::BAD_GATEWAY)
        )
}

/// Whether a Twirp error is the server giving up on the deadline that the attempt carried
/// (`X-Twirp-Timeout-Ms`): a Twirp body (not an intermediary's page) with the code `canceled`
/// (the request's context ended: the client is still connected, so it was the deadline) or
/// `deadline_exceeded`. The client treats it exactly as its own timer firing first.
pub(crate) fn is_server_timeout(error: &TwirpError) -> bool {
    error.kind() == livekit_server_twirp::TwirpErrorKind::Twirp
        && matches!(
            error.code(),
            TwirpCode::Canceled | TwirpCode::DeadlineExceeded
        )
}

/// Why a call (or building a client) failed.
///
/// Ask it what happened rather than matching on it:
///
/// | question | method |
/// |---|---|
/// | the server (or a proxy in front of it) answered with an error | [`twirp`](Self::twirp), [`twirp_code`](Self::twirp_code), [`status`](Self::status) |
/// | no usable response arrived | [`is_transport`](Self::is_transport), [`is_connect`](Self::is_connect), [`is_timeout`](Self::is_timeout) |
/// | may I simply call again? | [`is_retryable`](Self::is_retryable), [`retry_after`](Self::retry_after) |
/// | did the server perhaps act on it? | [`outcome_unknown`](Self::outcome_unknown) |
/// | which call was it (for logs and server-side lookup) | [`request_id`](Self::request_id), [`attempts`](Self::attempts) |
///
/// `Display` is one line that never contains a token, a secret or a header; error bodies
/// from the server are kept as a short, redacted snippet inside [`TwirpError`].
#[derive(Debug)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: Kind,
    rpc: Option<(&'static str, &'static str)>,
    request_id: Option<Box<str>>,
    /// The base URL the call went to (no credentials: the client refuses user info).
    url: Option<Box<str>>,
    attempts: u32,
    /// An earlier attempt of the call may have been acted on (see `outcome_unknown`).
    unknown_earlier: bool,
}

#[derive(Debug)]
enum Kind {
    /// Building the client or the request failed (bad URL, empty key, bad header).
    Config {
        what: &'static str,
        source: Option<BoxError>,
    },
    /// The per-call token could not be signed.
    Token(BoxError),
    /// No complete response: connect failure, reset, truncated body, body too large.
    Transport(TransportError),
    /// The attempt (or the whole call) ran out of time: the client's timer fired first
    /// (`answer: None`), or the server gave up on the deadline the request carried and said
    /// so (`canceled` or `deadline_exceeded`), whose answer is kept.
    Timeout {
        budget: Duration,
        sent: bool,
        answer: Option<TwirpError>,
    },
    /// The server or an intermediary answered with something other than a Twirp success,
    /// or a success did not decode.
    Twirp(TwirpError),
    /// A client-side helper built on a call failed on its own (for example a participant's
    /// RPC answered with a payload the helper could not read).
    Local(Box<str>),
    /// The call failed over between regions and failed in each (never empty; the last
    /// region's error answers the predicates).
    Regions(Box<[RegionError]>),
}

impl Error {
    fn from_kind(kind: Kind) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                rpc: None,
                request_id: None,
                url: None,
                attempts: 0,
                unknown_earlier: false,
            }),
        }
    }

    pub(crate) fn config(what: &'static str) -> Self {
        Self::from_kind(Kind::Config { what, source: None })
    }

    pub(crate) fn config_source(what: &'static str, source: impl Into<BoxError>) -> Self {
        Self::from_kind(Kind::Config {
            what,
            source: Some(source.into()),
        })
    }

    pub(crate) fn token(source: impl Into<BoxError>) -> Self {
        Self::from_kind(Kind::Token(source.into()))
    }

    pub(crate) fn transport(error: TransportError) -> Self {
        Self::from_kind(Kind::Transport(error))
    }

    pub(crate) fn timeout(budget: Duration, sent: bool) -> Self {
        Self::from_kind(Kind::Timeout {
            budget,
            sent,
            answer: None,
        })
    }

    /// The server's answer that it gave up on the attempt's propagated deadline (see
    /// [`is_server_timeout`]): the same error as the client's own timer firing first.
    pub(crate) fn server_timeout(budget: Duration, answer: TwirpError) -> Self {
        Self::from_kind(Kind::Timeout {
            budget,
            sent: true,
            answer: Some(answer),
        })
    }

    pub(crate) fn from_twirp(error: TwirpError) -> Self {
        Self::from_kind(Kind::Twirp(error))
    }

    /// A call that failed in every region of `tried` (in order; not empty).
    pub(crate) fn failed_everywhere(tried: Vec<RegionError>) -> Self {
        Self::from_kind(Kind::Regions(tried.into()))
    }

    /// What went wrong: for a call that failed over, in the last region tried.
    fn kind(&self) -> &Kind {
        match &self.inner.kind {
            Kind::Regions(tried) => tried.last().map_or(&self.inner.kind, |r| r.error.kind()),
            kind => kind,
        }
    }

    /// The regions a call failed over between, each with how it failed there, in the order
    /// tried (empty when the call did not fail over). The predicates of this error describe
    /// the last one, except [`outcome_unknown`](Self::outcome_unknown), true if it is in any.
    pub fn regions(&self) -> &[RegionError] {
        match &self.inner.kind {
            Kind::Regions(tried) => tried,
            _ => &[],
        }
    }

    /// An error raised by a helper built on top of calls (in a service crate or your own
    /// code), not by the transport or the server: for instance a participant RPC whose
    /// payload is not what the helper expects. The message must not contain secrets.
    pub fn local(message: impl Into<String>) -> Self {
        Self::from_kind(Kind::Local(message.into().into_boxed_str()))
    }

    /// Whether the error was raised by a helper on the client side ([`Error::local`]).
    pub fn is_local(&self) -> bool {
        matches!(self.kind(), Kind::Local(_))
    }

    /// Records that an attempt before the one this error reports may have been acted on.
    pub(crate) fn with_unknown_earlier(mut self, unknown: bool) -> Self {
        self.inner.unknown_earlier |= unknown;
        self
    }

    /// Attaches the call's identity.
    pub(crate) fn with_call(mut self, rpc: &Rpc, url: &str, id: &str, attempts: u32) -> Self {
        self.inner.rpc = Some((rpc.service, rpc.method));
        self.inner.url = Some(url.into());
        self.inner.request_id = Some(id.into());
        self.inner.attempts = attempts;
        self
    }

    /// Whether the client could not be built or the request could not be formed (an
    /// invalid URL, an empty API key, an invalid header value).
    pub fn is_config(&self) -> bool {
        matches!(self.kind(), Kind::Config { .. })
    }

    /// Whether signing the per-call token failed.
    pub fn is_token(&self) -> bool {
        matches!(self.kind(), Kind::Token(_))
    }

    /// Whether no complete response was received: a connect failure, a reset, a body cut
    /// short or too large, or a timeout of the client's own timer (a server that answered
    /// that it gave up on the deadline did send a complete response: see
    /// [`is_timeout`](Self::is_timeout)).
    pub fn is_transport(&self) -> bool {
        matches!(
            self.kind(),
            Kind::Transport(_) | Kind::Timeout { answer: None, .. }
        )
    }

    /// Whether the connection could not be established (refused, DNS, TLS handshake, connect
    /// timeout): the request never reached the server.
    pub fn is_connect(&self) -> bool {
        matches!(self.kind(), Kind::Transport(t) if t.is_connect())
    }

    /// Whether the call ran out of time (the attempt's timeout or the call's deadline).
    ///
    /// Every request carries its remaining time as `X-Twirp-Timeout-Ms`, so the client's timer
    /// and the server's run out together, and either may be noticed first. Both give the same
    /// error: a timeout whose outcome is unknown (the request was sent), retried only for
    /// replayable RPCs. When the server's answer came first (Twirp `canceled` or
    /// `deadline_exceeded`), [`twirp`](Self::twirp) and [`status`](Self::status) keep it.
    pub fn is_timeout(&self) -> bool {
        match self.kind() {
            Kind::Timeout { .. } => true,
            Kind::Transport(t) => t.is_timeout(),
            _ => false,
        }
    }

    /// Whether a success response body exceeded the configured maximum.
    pub fn is_body_too_large(&self) -> bool {
        matches!(self.kind(), Kind::Transport(t) if t.is_body_too_large())
    }

    /// Whether a `200 OK` protobuf response could not be decoded as the expected message
    /// (the server acted on the request; its answer is unusable).
    pub fn is_decode(&self) -> bool {
        self.twirp().is_some_and(TwirpError::is_decode)
    }

    /// The HTTP status of the response, if one was received.
    pub fn status(&self) -> Option<StatusCode> {
        self.twirp().and_then(TwirpError::http_status)
    }

    /// The Twirp error code: from the server's Twirp body, or derived from the HTTP status
    /// when an intermediary answered (see [`TwirpError`]).
    pub fn twirp_code(&self) -> Option<TwirpCode> {
        self.twirp().map(TwirpError::code)
    }

    /// What came back instead of a decodable success: the server's Twirp error (code,
    /// message, metadata), an intermediary's answer (HTTP status, redacted body snippet), a
    /// success with the wrong content type, or an undecodable success.
    pub fn twirp(&self) -> Option<&TwirpError> {
        match self.kind() {
            Kind::Twirp(e) => Some(e),
            Kind::Timeout { answer, .. } => answer.as_ref(),
            _ => None,
        }
    }

    /// How long the server asked to wait before trying again (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.twirp().and_then(TwirpError::retry_after)
    }

    /// The `Location` of a redirect response (which is never followed).
    pub fn redirect_location(&self) -> Option<&str> {
        self.twirp().and_then(TwirpError::location)
    }

    /// The `X-Livekit-Request-Id` sent with the call (the same on all its attempts).
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// How many attempts were made (0 if none was sent).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// Whether calling again may succeed: transport failures other than an oversized body,
    /// timeouts, and the responses [`TwirpError::is_retryable`] accepts (502/503/504 and
    /// `unavailable`, 429 or `resource_exhausted` with `Retry-After`, 408,
    /// `deadline_exceeded`, `aborted`).
    /// For a non-idempotent RPC, also check [`outcome_unknown`](Self::outcome_unknown) and
    /// reuse the [`request_id`](Self::request_id).
    pub fn is_retryable(&self) -> bool {
        match self.kind() {
            Kind::Transport(t) => t.is_transient(),
            Kind::Timeout { .. } => true,
            Kind::Twirp(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// Whether the server may have acted on the request although the call failed: a
    /// timeout or a connection lost after sending, a gateway error (502/504), the Twirp code
    /// `deadline_exceeded`, or a `200 OK` that could not be read. Check before replaying a
    /// non-idempotent RPC yourself (and reuse the [`request_id`](Self::request_id)). For a
    /// call retried or failed over, true if it is for any attempt, in any region tried (an
    /// idempotent RPC whose first attempt was cut off after sending, then refused: the
    /// server may have acted on the first).
    pub fn outcome_unknown(&self) -> bool {
        self.inner.unknown_earlier
            || match &self.inner.kind {
                Kind::Regions(tried) => tried.iter().any(|r| r.error.outcome_unknown()),
                Kind::Transport(t) => t.outcome_unknown(),
                Kind::Timeout { sent, .. } => *sent,
                Kind::Twirp(e) => twirp_outcome_unknown(e),
                _ => false,
            }
    }

    /// The transport failure, if that is what happened.
    pub fn transport_error(&self) -> Option<&TransportError> {
        match self.kind() {
            Kind::Transport(t) => Some(t),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((service, method)) = self.inner.rpc {
            write!(f, "{service}/{method}")?;
            // Where it went (a failover error lists every region's URL itself).
            match &self.inner.url {
                Some(url) if !matches!(self.inner.kind, Kind::Regions(_)) => {
                    write!(f, " at {url}: ")?;
                }
                _ => f.write_str(": ")?,
            }
        }
        match &self.inner.kind {
            Kind::Config { what, .. } => write!(f, "invalid configuration: {what}"),
            Kind::Token(_) => f.write_str("could not sign the request token"),
            Kind::Transport(t) => fmt::Display::fmt(t, f),
            Kind::Timeout { budget, answer, .. } => {
                // After retries, the last attempt's (the budget it had left), in whole ms.
                let last = if self.inner.attempts > 1 {
                    "the last attempt "
                } else {
                    ""
                };
                let millis = u64::try_from(budget.as_millis()).unwrap_or(u64::MAX);
                write!(
                    f,
                    "{last}timed out after {:?}",
                    Duration::from_millis(millis)
                )?;
                match answer {
                    Some(e) => write!(f, ": the server gave up, {e}"),
                    None => Ok(()),
                }
            }
            Kind::Twirp(e) => fmt::Display::fmt(e, f),
            Kind::Local(message) => f.write_str(message),
            Kind::Regions(tried) => {
                f.write_str("failed in every region tried")?;
                for (i, r) in tried.iter().enumerate() {
                    let sep = if i == 0 { ": " } else { "; " };
                    let name = r.region().map(|n| format!(" ({n})")).unwrap_or_default();
                    write!(f, "{sep}{}{name}: {}", r.url(), r.error())?;
                }
                Ok(())
            }
        }?;
        if self.inner.attempts > 1 {
            write!(f, " (after {} attempts)", self.inner.attempts)?;
        }
        Ok(())
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.inner.kind {
            Kind::Config { source, .. } => {
                source.as_deref().map(|e| e as &(dyn StdError + 'static))
            }
            Kind::Token(source) => Some(&**source),
            // Display already shows these errors' own messages: point at their causes.
            Kind::Transport(t) => t.source(),
            Kind::Twirp(e) => e.source(),
            Kind::Timeout {
                answer: Some(e), ..
            } => e.source(),
            Kind::Regions(tried) => tried.last().and_then(|r| r.error.source()),
            Kind::Timeout { answer: None, .. } | Kind::Local(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer_wide() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
        assert_eq!(
            std::mem::size_of::<Result<(), Error>>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn errors_are_send_sync_and_static() {
        fn check<T: Send + Sync + 'static + StdError>() {}
        check::<Error>();
        check::<TransportError>();
    }

    #[test]
    fn connect_errors_are_retryable_and_known_unsent() {
        let e = Error::transport(TransportError::connect("refused"));
        assert!(e.is_connect() && e.is_transport() && e.is_retryable() && !e.outcome_unknown());
        assert_eq!(e.to_string(), "could not connect");
        assert_eq!(e.source().unwrap().to_string(), "refused");
    }

    #[test]
    fn timeouts_after_sending_have_unknown_outcome() {
        let e = Error::timeout(Duration::from_millis(250), true);
        assert!(e.is_timeout() && e.is_transport() && e.outcome_unknown() && e.is_retryable());
        assert_eq!(e.status(), None);
        let rpc = crate::Rpc {
            service: "livekit.RoomService",
            method: "ListRooms",
            path: "/twirp/livekit.RoomService/ListRooms",
            idempotency: crate::Idempotency::ReadOnly,
            grants: &[],
        };
        let e = e.with_call(&rpc, "http://localhost:7880", "id-1", 3);
        assert_eq!(e.request_id(), Some("id-1"));
        assert_eq!(e.attempts(), 3);
        assert_eq!(
            e.to_string(),
            "livekit.RoomService/ListRooms at http://localhost:7880: the last attempt timed out \
             after 250ms (after 3 attempts)"
        );
        // What was left of the deadline, in whole milliseconds; one attempt says no more.
        let e = Error::timeout(Duration::from_nanos(9_754_763_346), true);
        assert_eq!(e.to_string(), "timed out after 9.754s");
    }

    fn answer(status: u16, content_type: &str, body: &str) -> TwirpError {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_str(content_type).unwrap(),
        );
        livekit_server_twirp::decode_response_at::<()>(
            StatusCode::from_u16(status).unwrap(),
            &headers,
            body.as_bytes(),
            std::time::UNIX_EPOCH,
        )
        .unwrap_err()
    }

    #[test]
    fn only_the_server_s_own_deadline_answers_are_server_timeouts() {
        let json = "application/json";
        assert!(is_server_timeout(&answer(
            408,
            json,
            r#"{"code":"canceled","msg":"m"}"#
        )));
        assert!(is_server_timeout(&answer(
            408,
            json,
            r#"{"code":"deadline_exceeded","msg":"m"}"#
        )));
        assert!(!is_server_timeout(&answer(
            503,
            json,
            r#"{"code":"unavailable","msg":"m"}"#
        )));
        // A proxy's 408 page (its code derived from the status) is not the server's word.
        let proxy = answer(408, "text/html", "<html>Request Timeout</html>");
        assert!(proxy.is_from_intermediary() && !is_server_timeout(&proxy));
    }

    #[test]
    fn a_server_timeout_is_a_timeout_that_keeps_the_server_s_answer() {
        let e = Error::server_timeout(
            Duration::from_secs(10),
            answer(
                408,
                "application/json",
                r#"{"code":"canceled","msg":"request canceled"}"#,
            ),
        );
        let client_first = Error::timeout(Duration::from_secs(10), true);
        for e in [&e, &client_first] {
            assert!(e.is_timeout() && e.outcome_unknown() && e.is_retryable());
        }
        assert!(client_first.is_transport() && !e.is_transport());
        assert_eq!(e.status(), Some(StatusCode::REQUEST_TIMEOUT));
        assert_eq!(e.twirp_code(), Some(TwirpCode::Canceled));
        assert_eq!(e.twirp().unwrap().message(), "request canceled");
        assert!(
            e.to_string()
                .starts_with("timed out after 10s: the server gave up, twirp error canceled"),
            "{e}"
        );
        assert!(format!("{e:?}").contains("request canceled"));
    }

    #[test]
    fn oversized_bodies_are_not_retryable() {
        let e = Error::transport(TransportError::body_too_large(16));
        assert!(e.is_body_too_large() && !e.is_retryable());
    }

    #[test]
    fn local_errors_keep_their_message_only() {
        let e = Error::local("unexpected payload");
        assert!(e.is_local() && !e.is_transport() && !e.is_retryable() && !e.outcome_unknown());
        assert_eq!(e.to_string(), "unexpected payload");
        assert!(e.source().is_none() && e.twirp().is_none());
    }
}
