//! The retry policy: how many attempts, how long to back off, how far to trust `Retry-After`.

use std::time::Duration;

use crate::random;

/// How failed attempts are retried.
///
/// Which failures are retried depends on the RPC's [`Idempotency`](crate::Idempotency):
/// read-only and idempotent RPCs are retried after transport errors, timeouts, and the
/// responses [`TwirpError::is_retryable`](crate::TwirpError::is_retryable) accepts (HTTP
/// 502/503/504 and the Twirp code `unavailable`; 429 only when the server sent a
/// `Retry-After`); non-idempotent RPCs only after a failure that provably happened before the
/// request left (connection refused, DNS, TLS handshake). A retry never starts past the
/// call's deadline.
///
/// The delay before retry *n* (1-based) is drawn uniformly from `[d/2, d]` with
/// `d = min(initial_backoff · 2ⁿ⁻¹, max_backoff)` ("equal jitter": spread out, yet never
/// zero), or the server's `Retry-After` if that is longer. A `Retry-After` longer than
/// [`max_retry_after`](Self::max_retry_after) is not waited for: the call fails with the
/// server's error, whose [`retry_after`](crate::Error::retry_after) tells the caller.
///
/// ```
/// use std::time::Duration;
/// use livekit_server_http::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_initial_backoff(Duration::from_millis(50));
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(RetryPolicy::never().max_attempts(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, back-off 100 ms doubling up to 2 s, `Retry-After` honoured up to 10 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// A single attempt: nothing is retried.
    pub fn never() -> Self {
        RetryPolicy::default().with_max_attempts(1)
    }

    /// Sets the number of attempts, the first included (at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the base of the exponential back-off.
    #[must_use]
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the cap of the exponential back-off.
    #[must_use]
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets the longest server-requested `Retry-After` that is waited for.
    #[must_use]
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The number of attempts, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The base of the exponential back-off.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The cap of the exponential back-off.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest `Retry-After` that is waited for.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The back-off ceiling before retry `retry` (1-based): `initial · 2^(retry-1)`, capped.
    pub(crate) fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// The jittered delay before retry `retry` (1-based), in `[ceiling/2, ceiling]`.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        let half = nanos / 2;
        Duration::from_nanos(half + random::below_or_equal(nanos - half))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_and_caps() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.ceiling(1), Duration::from_millis(100));
        assert_eq!(policy.ceiling(2), Duration::from_millis(200));
        assert_eq!(policy.ceiling(3), Duration::from_millis(400));
        assert_eq!(policy.ceiling(6), Duration::from_secs(2));
        assert_eq!(policy.ceiling(40), Duration::from_secs(2));
        assert_eq!(policy.ceiling(u32::MAX), Duration::from_secs(2));
    }

    #[test]
    fn backoff_is_within_half_and_full_ceiling() {
        let policy = RetryPolicy::default();
        for retry in 1..8 {
            for _ in 0..50 {
                let delay = policy.backoff(retry);
                let ceiling = policy.ceiling(retry);
                assert!(
                    delay >= ceiling / 2 && delay <= ceiling,
                    "{delay:?} vs {ceiling:?}"
                );
            }
        }
    }

    #[test]
    fn attempts_are_at_least_one() {
        assert_eq!(
            RetryPolicy::default().with_max_attempts(0).max_attempts(),
            1
        );
        assert_eq!(RetryPolicy::never().max_attempts(), 1);
    }
}
