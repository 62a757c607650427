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

/// The latest NumericDate (seconds since the Unix epoch) the verifier accepts and minting
/// issues, for `exp` and `nbf`: `i64::MAX - 62_135_596_800`. Go's `time.Time` counts its
/// seconds from the year 1 (62,135,596,800 s before 1970) in an `int64`, so `time.Unix` of a
/// later date overflows; golang-jwt makes a `time.Time` of every NumericDate, and the server
/// then reads the token as expired. One second more is refused here
/// ([`TokenError::DateOutOfRange`] when verifying, [`TokenError::InvalidTtl`] when minting).
pub(crate) const LATEST_DATE: i64 = i64::MAX - 62_135_596_800;

/// `(nbf, exp)` for a token minted at `now` valid for `ttl`, in whole seconds (rounded down,
/// as golang-jwt's `NewNumericDate`): what [`AccessToken`](crate::AccessToken) and
/// [`TokenSigner::claims_at`](crate::TokenSigner::claims_at) put in a token, and how to check
/// a configured lifetime before minting with it.
///
/// # Errors
///
/// [`TokenError::InvalidTtl`] for a zero `ttl` or an `exp` after
/// `i64::MAX - 62_135_596_800` seconds (where Go's time arithmetic overflows; the verifier
/// refuses it too); [`TokenError::InvalidTime`] if `now` is before the Unix epoch.
pub fn validity(now: SystemTime, ttl: Duration) -> Result<(u64, u64), TokenError> {
    if ttl.is_zero() {
        return Err(TokenError::InvalidTtl);
    }
    let since = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| TokenError::InvalidTime)?;
    let until = since.checked_add(ttl).ok_or(TokenError::InvalidTtl)?;
    if until.as_secs() > LATEST_DATE.unsigned_abs() {
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
        // `LATEST_DATE` is the latest `exp` minted; one second more is refused.
        let latest = 9_223_371_974_719_179_007;
        assert_eq!(LATEST_DATE.unsigned_abs(), latest);
        let room = latest - 1_700_000_000;
        assert_eq!(
            validity(now, Duration::from_secs(room)),
            Ok((1_700_000_000, latest))
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
