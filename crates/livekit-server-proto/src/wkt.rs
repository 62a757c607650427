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
