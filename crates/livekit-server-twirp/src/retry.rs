//! Retry classification of a received response, for read-only and idempotent calls.

use http::StatusCode;

use crate::{TwirpCode, TwirpError, TwirpErrorKind};

impl TwirpError {
    /// Whether an automatic retry of a **read-only or idempotent** call may succeed after this
    /// error (honour [`retry_after`](Self::retry_after) when it is set, else back off).
    ///
    /// A non-idempotent call (one that places a SIP call, starts an egress, creates an
    /// ingress or a dispatch, sends data without a nonce…) must never be retried automatically
    /// once any response came back: the request reached something, and may have taken effect.
    /// Transport failures (connect, TLS, timeout) are the transport's to classify.
    ///
    /// Retryable (RELIABILITY.md §3.1 and §4.2):
    /// - code `unavailable`, from a Twirp body or from a non-Twirp 502, 503 or 504;
    /// - a non-Twirp 429 **with** `Retry-After`, and Twirp `resource_exhausted` **with**
    ///   `Retry-After` (without it, retrying a rate limit only adds load);
    /// - a non-Twirp 408 (a proxy timed out waiting for the request);
    /// - `deadline_exceeded` and `aborted` (transient by definition; they "may be returned even
    ///   if the operation has completed", which is harmless only for idempotent calls).
    ///
    /// Never retryable: every other code (`internal`, `unknown` and `dataloss` included: a
    /// deterministic server bug is not fixed by repeating the call), any 4xx but 408/429
    /// (`unauthenticated` is also how LiveKit reports a missing grant), a redirect, an
    /// unexpected content type, an undecodable body, an invalid request.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self.kind() {
            TwirpErrorKind::Intermediary => match self.http_status().map(|s| s.as_u16()) {
                Some(502..=504 | 408) => true,
                Some(429) => self.retry_after().is_some(),
                _ => false,
            },
            TwirpErrorKind::Twirp => match self.code() {
                TwirpCode::Unavailable | TwirpCode::DeadlineExceeded | TwirpCode::Aborted => true,
                TwirpCode::ResourceExhausted => self.retry_after().is_some(),
                _ => false,
            },
            _ => false,
        }
    }

    /// Whether the call's outcome is unknown: it may or may not have taken effect (the server
    /// gave up on its deadline, or a gateway timed out waiting for it). Worth telling the
    /// caller of a non-idempotent RPC, who must check before trying again.
    #[must_use]
    pub fn is_outcome_unknown(&self) -> bool {
        match self.kind() {
            TwirpErrorKind::Twirp => self.code() == TwirpCode::DeadlineExceeded,
            TwirpErrorKind::Intermediary => self.http_status() == Some(StatusCode::GATEWAY_TIMEOUT),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use http::{HeaderMap, HeaderValue, StatusCode};

    use crate::{TwirpCode, TwirpError, decode_response_at};

    fn respond(
        status: u16,
        content_type: Option<&str>,
        retry_after: Option<&str>,
        body: &str,
    ) -> TwirpError {
        let mut headers = HeaderMap::new();
        if let Some(ct) = content_type {
            headers.insert("content-type", HeaderValue::from_str(ct).unwrap());
        }
        if let Some(ra) = retry_after {
            headers.insert("retry-after", HeaderValue::from_str(ra).unwrap());
        }
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        decode_response_at::<()>(
            StatusCode::from_u16(status).unwrap(),
            &headers,
            body.as_bytes(),
            now,
        )
        .unwrap_err()
    }

    fn twirp(status: u16, code: TwirpCode, retry_after: Option<&str>) -> TwirpError {
        let body = format!(r#"{{"code":"{code}","msg":"m"}}"#);
        respond(status, Some("application/json"), retry_after, &body)
    }

    #[test]
    fn twirp_codes() {
        for code in TwirpCode::ALL {
            let error = twirp(code.http_status().as_u16(), *code, None);
            let expected = matches!(
                code,
                TwirpCode::Unavailable | TwirpCode::DeadlineExceeded | TwirpCode::Aborted
            );
            assert_eq!(error.is_retryable(), expected, "{code}");
        }
        assert!(twirp(429, TwirpCode::ResourceExhausted, Some("1")).is_retryable());
        assert!(!twirp(429, TwirpCode::ResourceExhausted, Some("garbage")).is_retryable());
        assert!(twirp(500, TwirpCode::Unavailable, None).is_retryable());
    }

    #[test]
    fn intermediary_statuses() {
        for (status, retry_after, expected) in [
            (502, None, true),
            (503, None, true),
            (504, None, true),
            (503, Some("120"), true),
            (408, None, true),
            (429, None, false),
            (429, Some("2"), true),
            (500, None, false),
            (401, None, false),
            (403, None, false),
            (404, None, false),
            (413, None, false),
            (302, Some("1"), false),
            (204, None, false),
        ] {
            let error = respond(status, Some("text/html"), retry_after, "<html/>");
            assert!(error.is_from_intermediary());
            assert_eq!(error.is_retryable(), expected, "{status} {retry_after:?}");
        }
    }

    #[test]
    fn client_side_failures_are_not_retryable() {
        assert!(!respond(200, Some("text/html"), None, "portal").is_retryable());
        assert!(!respond(200, Some("application/protobuf"), None, "\u{a}").is_retryable());
        assert!(!crate::BaseUrl::parse("ftp://x").unwrap_err().is_retryable());
    }

    #[test]
    fn outcome_unknown() {
        assert!(twirp(408, TwirpCode::DeadlineExceeded, None).is_outcome_unknown());
        assert!(respond(504, None, None, "").is_outcome_unknown());
        assert!(!respond(502, None, None, "").is_outcome_unknown());
        assert!(!twirp(503, TwirpCode::Unavailable, None).is_outcome_unknown());
    }
}
