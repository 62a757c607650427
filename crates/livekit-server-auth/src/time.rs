//! Time arithmetic for NumericDates, and the one place this crate reads the clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::TokenError;

/// The current time.
///
/// CLOCK: this is the only call to `SystemTime::now` in the crate; it backs the `to_jwt()`
/// and `verify()` conveniences. Everything else takes `now` as an argument.
pub(crate) fn now() -> SystemTime {
    SystemTime::now()
}

/// Nanoseconds since the Unix epoch (negative before it); saturates.
pub(crate) fn unix_nanos(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i128::try_from(d.as_nanos()).unwrap_or(i128::MAX),
        Err(e) => i128::try_from(e.duration().as_nanos()).map_or(i128::MIN, |n| -n),
    }
}

/// Whole seconds since the Unix epoch, saturated to `0..=u64::MAX`.
pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `(nbf, exp)` for a token minted at `now` valid for `ttl`, in whole seconds (rounded down,
/// as golang-jwt's `NewNumericDate`). An `exp` beyond an `i64` of seconds is refused: the
/// server reads the dates as `int64`, and the verifier refuses them
/// ([`TokenError::DateOutOfRange`]).
pub(crate) fn validity(now: SystemTime, ttl: Duration) -> Result<(u64, u64), TokenError> {
    if ttl.is_zero() {
        return Err(TokenError::InvalidTtl);
    }
    let since = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| TokenError::InvalidTime)?;
    let until = since.checked_add(ttl).ok_or(TokenError::InvalidTtl)?;
    if i64::try_from(until.as_secs()).is_err() {
        return Err(TokenError::InvalidTtl);
    }
    Ok((since.as_secs(), until.as_secs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_rounds_down() {
        let now = UNIX_EPOCH + Duration::from_millis(1_700_000_000_900);
        assert_eq!(
            validity(now, Duration::from_millis(200)),
            Ok((1_700_000_000, 1_700_000_001))
        );
        assert_eq!(validity(now, Duration::ZERO), Err(TokenError::InvalidTtl));
        assert_eq!(validity(now, Duration::MAX), Err(TokenError::InvalidTtl));
        // The last second an `i64` holds is the latest `exp`.
        let room = i64::MAX as u64 - 1_700_000_000;
        assert_eq!(
            validity(now, Duration::from_secs(room)),
            Ok((1_700_000_000, i64::MAX as u64))
        );
        assert_eq!(
            validity(now, Duration::from_secs(room + 1)),
            Err(TokenError::InvalidTtl)
        );
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(
            validity(before, Duration::from_secs(1)),
            Err(TokenError::InvalidTime)
        );
    }

    #[test]
    fn nanos_saturate() {
        assert_eq!(unix_nanos(UNIX_EPOCH), 0);
        assert_eq!(
            unix_nanos(UNIX_EPOCH - Duration::from_secs(2)),
            -2_000_000_000
        );
        assert_eq!(unix_secs(UNIX_EPOCH - Duration::from_secs(2)), 0);
        assert!(now() > UNIX_EPOCH);
    }
}
