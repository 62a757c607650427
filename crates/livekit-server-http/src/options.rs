//! Per-call options: timeouts, deadline, request id, extra headers, attempts.

use std::fmt;
use std::time::{Duration, Instant};

use http::{HeaderName, HeaderValue};

/// Options for one call; anything left unset falls back to the client's defaults.
///
/// ```
/// use std::time::Duration;
/// use livekit_server_http::CallOptions;
///
/// let options = CallOptions::new()
///     .timeout(Duration::from_secs(2))
///     .total_timeout(Duration::from_secs(5))
///     .request_id("7f2a7c55-1f0e-4b4e-9a41-2f1f1cbb5d11");
/// assert_eq!(options.get_timeout(), Some(Duration::from_secs(2)));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    timeout: Option<Duration>,
    total_timeout: Option<Duration>,
    deadline: Option<Instant>,
    request_id: Option<String>,
    headers: Vec<(HeaderName, HeaderValue)>,
    max_attempts: Option<u32>,
    /// A floor for both timeouts, applied after the client's defaults ([`Self::at_least`]).
    minimum: Option<Duration>,
}

impl CallOptions {
    /// Options that change nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// The time one attempt may take, from sending the request to reading the whole
    /// response (connecting included). Default: the client's (10 s unless configured).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The time the whole call may take, across retries and their back-off, measured from
    /// the start of the call. Default: the client's (30 s unless configured). The remaining
    /// budget is sent to the server as `X-Twirp-Timeout-Ms` on each attempt.
    #[must_use]
    pub fn total_timeout(mut self, total: Duration) -> Self {
        self.total_timeout = Some(total);
        self
    }

    /// An absolute deadline for the whole call (for instance the deadline of the incoming
    /// request being served). Combined with [`total_timeout`](Self::total_timeout), the
    /// earlier one wins.
    #[must_use]
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The `X-Livekit-Request-Id` sent with every attempt of the call (the server uses it as
    /// an idempotency key). Default: a fresh random UUIDv4 per call. Reuse the id of a
    /// failed call when you retry it yourself.
    #[must_use]
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// An extra request header. Headers set here replace the transport's own of the same
    /// name (`Authorization` included, for auth proxies that own it), so use with care.
    #[must_use]
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The number of attempts, the first included (at least 1). Default: the client's
    /// retry policy (3). Only replayable RPCs are retried after a failure whose outcome is
    /// unknown, whatever this says.
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// Raises the per-attempt and total timeouts to at least `minimum`, whether they are set
    /// here or come from the client's defaults (a longer default is kept). For calls that
    /// legitimately take long, such as dialing a phone number (the SIP and connector clients
    /// use the ring window plus 2 s).
    #[must_use]
    pub fn at_least(mut self, minimum: Duration) -> Self {
        self.minimum = Some(self.minimum.map_or(minimum, |m| m.max(minimum)));
        self
    }

    /// One attempt only: never retry.
    #[must_use]
    pub fn no_retry(self) -> Self {
        self.max_attempts(1)
    }

    /// The per-attempt timeout, if set (raised to the [`at_least`](Self::at_least) floor).
    pub fn get_timeout(&self) -> Option<Duration> {
        floor(self.timeout, self.minimum)
    }

    /// The total timeout, if set (raised to the [`at_least`](Self::at_least) floor).
    pub fn get_total_timeout(&self) -> Option<Duration> {
        floor(self.total_timeout, self.minimum)
    }

    /// The per-attempt timeout of a call, given the client's default.
    pub(crate) fn effective_timeout(&self, default: Duration) -> Duration {
        floor(Some(self.timeout.unwrap_or(default)), self.minimum).unwrap_or(default)
    }

    /// The total timeout of a call, given the client's default.
    pub(crate) fn effective_total_timeout(&self, default: Duration) -> Duration {
        floor(Some(self.total_timeout.unwrap_or(default)), self.minimum).unwrap_or(default)
    }

    /// The absolute deadline, if set.
    pub fn get_deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The request id, if set.
    pub fn get_request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The extra headers, in the order they were added.
    pub fn get_headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.headers
    }

    /// The attempt limit, if set.
    pub fn get_max_attempts(&self) -> Option<u32> {
        self.max_attempts
    }
}

/// `value` raised to `minimum`; a lone minimum stands for the value.
fn floor(value: Option<Duration>, minimum: Option<Duration>) -> Option<Duration> {
    match (value, minimum) {
        (Some(v), Some(m)) => Some(v.max(m)),
        (v, m) => v.or(m),
    }
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may hold credentials (an auth proxy's token): print names only.
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("CallOptions")
            .field("timeout", &self.timeout)
            .field("total_timeout", &self.total_timeout)
            .field("deadline", &self.deadline)
            .field("request_id", &self.request_id)
            .field("headers", &header_names)
            .field("max_attempts", &self.max_attempts)
            .field("at_least", &self.minimum)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_only_raises_timeouts() {
        let raised = CallOptions::new().at_least(Duration::from_secs(32));
        assert_eq!(raised.get_timeout(), Some(Duration::from_secs(32)));
        assert_eq!(raised.get_total_timeout(), Some(Duration::from_secs(32)));
        let kept = CallOptions::new()
            .timeout(Duration::from_secs(60))
            .total_timeout(Duration::from_secs(90))
            .at_least(Duration::from_secs(32));
        assert_eq!(kept.get_timeout(), Some(Duration::from_secs(60)));
        assert_eq!(kept.get_total_timeout(), Some(Duration::from_secs(90)));
        // A longer client default is kept; a shorter one is raised.
        let dial = CallOptions::new().at_least(Duration::from_secs(32));
        assert_eq!(
            dial.effective_timeout(Duration::from_secs(60)),
            Duration::from_secs(60)
        );
        assert_eq!(
            dial.effective_timeout(Duration::from_secs(10)),
            Duration::from_secs(32)
        );
        assert_eq!(
            dial.effective_total_timeout(Duration::from_secs(30)),
            Duration::from_secs(32)
        );
        assert_eq!(
            CallOptions::new().effective_timeout(Duration::from_secs(10)),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn debug_prints_header_names_but_not_values() {
        let options = CallOptions::new().header(
            HeaderName::from_static("x-proxy-auth"),
            HeaderValue::from_static("very-secret-value"),
        );
        let debug = format!("{options:?}");
        assert!(debug.contains("x-proxy-auth"));
        assert!(!debug.contains("very-secret-value"));
    }

    #[test]
    fn attempts_are_at_least_one() {
        assert_eq!(
            CallOptions::new().max_attempts(0).get_max_attempts(),
            Some(1)
        );
        assert_eq!(CallOptions::new().no_retry().get_max_attempts(), Some(1));
        assert_eq!(CallOptions::new().get_max_attempts(), None);
    }
}
