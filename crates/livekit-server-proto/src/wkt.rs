//! Conversions between the protobuf well-known types and `std::time`.

use std::time::{Duration as StdDuration, SystemTime, UNIX_EPOCH};

use crate::google::protobuf::{Duration, Timestamp};

impl From<StdDuration> for Duration {
    /// Seconds beyond `i64::MAX` saturate (protobuf durations are far smaller in practice).
    fn from(value: StdDuration) -> Self {
        Duration {
            seconds: i64::try_from(value.as_secs()).unwrap_or(i64::MAX),
            nanos: i32::try_from(value.subsec_nanos()).unwrap_or(0),
        }
    }
}

impl Duration {
    /// Makes an optional duration field hold a positive value and returns that value: an
    /// absent, zero, negative or invalid (mixed-sign) duration is replaced by `default`, a
    /// positive one is kept (normalized).
    ///
    /// For request fields to which the server applies a default when unset, such as the ring
    /// window (`ringing_timeout`) of a dialing call: once pinned, the request states the value
    /// the server will use, and the caller can size its own timeout from it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use livekit_server_proto::google::protobuf::Duration as ProtoDuration;
    ///
    /// let mut unset = None;
    /// let ring = ProtoDuration::pin_positive(&mut unset, Duration::from_secs(30));
    /// assert_eq!(ring, Duration::from_secs(30));
    /// assert_eq!(unset, Some(ProtoDuration { seconds: 30, nanos: 0 }));
    ///
    /// let mut set = Some(ProtoDuration { seconds: 45, nanos: 0 });
    /// assert_eq!(ProtoDuration::pin_positive(&mut set, Duration::from_secs(30)), Duration::from_secs(45));
    /// ```
    pub fn pin_positive(field: &mut Option<Duration>, default: StdDuration) -> StdDuration {
        let value = field
            .and_then(|d| StdDuration::try_from(d).ok())
            .filter(|d| !d.is_zero())
            .unwrap_or(default);
        *field = Some(value.into());
        value
    }
}

impl TryFrom<Duration> for StdDuration {
    type Error = NegativeDuration;

    /// Fails for negative durations, which `std::time::Duration` cannot hold.
    fn try_from(value: Duration) -> Result<Self, Self::Error> {
        let seconds = u64::try_from(value.seconds).map_err(|_| NegativeDuration)?;
        let nanos = u32::try_from(value.nanos).map_err(|_| NegativeDuration)?;
        Ok(StdDuration::new(seconds, 0).saturating_add(StdDuration::from_nanos(u64::from(nanos))))
    }
}

impl From<SystemTime> for Timestamp {
    fn from(value: SystemTime) -> Self {
        match value.duration_since(UNIX_EPOCH) {
            Ok(after) => {
                let Duration { seconds, nanos } = after.into();
                Timestamp { seconds, nanos }
            }
            Err(before) => {
                let before = before.duration();
                let mut seconds = -i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
                let mut nanos = i32::try_from(before.subsec_nanos()).unwrap_or(0);
                if nanos > 0 {
                    seconds -= 1;
                    nanos = 1_000_000_000 - nanos;
                }
                Timestamp { seconds, nanos }
            }
        }
    }
}

/// A negative protobuf `Duration` has no `std::time::Duration` equivalent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegativeDuration;

impl std::fmt::Display for NegativeDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("negative durations cannot be converted to std::time::Duration")
    }
}

impl std::error::Error for NegativeDuration {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_convert_both_ways() {
        let d: Duration = StdDuration::from_millis(32_500).into();
        assert_eq!(
            d,
            Duration {
                seconds: 32,
                nanos: 500_000_000
            }
        );
        assert_eq!(
            StdDuration::try_from(d),
            Ok(StdDuration::from_millis(32_500))
        );
        assert_eq!(
            StdDuration::try_from(Duration {
                seconds: -1,
                nanos: 0
            }),
            Err(NegativeDuration)
        );
    }

    #[test]
    fn pinning_keeps_a_positive_duration_and_replaces_anything_else() {
        let d = |seconds, nanos| Duration { seconds, nanos };
        let default = StdDuration::from_secs(30);
        // (field before, value returned, field after)
        let cases = [
            (None, default, d(30, 0)),
            (Some(d(0, 0)), default, d(30, 0)),
            (Some(d(-5, 0)), default, d(30, 0)),
            (Some(d(0, -1)), default, d(30, 0)),
            // Mixed signs are not a valid protobuf duration.
            (Some(d(5, -500)), default, d(30, 0)),
            (Some(d(0, 1)), StdDuration::from_nanos(1), d(0, 1)),
            (Some(d(45, 0)), StdDuration::from_secs(45), d(45, 0)),
            // Nanoseconds beyond a second are carried into the seconds when written back.
            (
                Some(d(44, 1_500_000_000)),
                StdDuration::from_millis(45_500),
                d(45, 500_000_000),
            ),
            // The largest protobuf duration does not overflow.
            (
                Some(d(i64::MAX, 999_999_999)),
                StdDuration::new(i64::MAX as u64, 999_999_999),
                d(i64::MAX, 999_999_999),
            ),
        ];
        for (before, returned, after) in cases {
            let mut field = before;
            assert_eq!(
                Duration::pin_positive(&mut field, default),
                returned,
                "{before:?}"
            );
            assert_eq!(field, Some(after), "{before:?}");
        }
    }

    #[test]
    fn timestamps_before_the_epoch_keep_positive_nanos() {
        let t: Timestamp = (UNIX_EPOCH - StdDuration::from_millis(1500)).into();
        assert_eq!(
            t,
            Timestamp {
                seconds: -2,
                nanos: 500_000_000
            }
        );
        let t: Timestamp = (UNIX_EPOCH + StdDuration::from_secs(1_700_000_000)).into();
        assert_eq!(
            t,
            Timestamp {
                seconds: 1_700_000_000,
                nanos: 0
            }
        );
    }
}
