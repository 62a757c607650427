//! Randomness from the OS: request ids (UUIDv4) and back-off jitter.

/// `N` bytes from the OS, one `getrandom` call (no pool kept in the process: a forked child
/// would share it and repeat ids). If the OS has no entropy to give, bytes that are unique
/// but not random.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    if getrandom::fill(&mut out).is_err() {
        for (o, f) in out.iter_mut().zip(fallback_bytes().iter().cycle()) {
            *o = *f;
        }
    }
    out
}

/// A random UUIDv4 in its canonical lower-case hyphenated form.
///
/// The id is an idempotency key, not a secret: uniqueness is what matters.
pub(crate) fn uuid_v4() -> String {
    format_uuid_v4(random_bytes::<16>())
}

/// Sets the version (4) and variant (RFC 9562) bits and formats `8-4-4-4-12` hex digits.
fn format_uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

fn fallback_bytes() -> [u8; 16] {
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    // `RandomState` is seeded per process (and varied per instance) by the standard library.
    let state = std::collections::hash_map::RandomState::new();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&state.hash_one((count, std::process::id())).to_le_bytes());
    bytes[8..].copy_from_slice(&state.hash_one(count ^ u64::MAX).to_le_bytes());
    bytes
}

/// A uniformly distributed value in `0..=max` (back-off jitter; the modulo bias is
/// negligible for delays).
pub(crate) fn below_or_equal(max: u64) -> u64 {
    scale(u64::from_le_bytes(random_bytes::<8>()), max)
}

/// `random` brought into `0..=max`.
fn scale(random: u64, max: u64) -> u64 {
    match max.checked_add(1) {
        Some(count) => random % count,
        None => random,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_bytes_format_as_a_version_4_uuid() {
        let bytes = [
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ];
        assert_eq!(
            format_uuid_v4(bytes),
            "00112233-4455-4677-8899-aabbccddeeff"
        );
        assert_eq!(
            format_uuid_v4([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(
            format_uuid_v4([0; 16]),
            "00000000-0000-4000-8000-000000000000"
        );
    }

    #[test]
    fn random_ids_are_well_formed_and_distinct() {
        let a = uuid_v4();
        let b = uuid_v4();
        assert_ne!(a, b);
        for id in [&a, &b] {
            assert_eq!(id.len(), 36);
            assert_eq!(&id[14..15], "4");
            assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
            assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        }
        let fallback = format_uuid_v4(fallback_bytes());
        assert_eq!(fallback.len(), 36);
        let ids: std::collections::HashSet<String> = (0..200).map(|_| uuid_v4()).collect();
        assert_eq!(ids.len(), 200);
    }

    #[test]
    fn jitter_covers_exactly_zero_to_max() {
        // Every value of `0..=max` is reached, and nothing else, whatever the random word.
        let reached: std::collections::BTreeSet<u64> = (0..=40).map(|r| scale(r, 10)).collect();
        assert_eq!(reached, (0..=10).collect());
        for random in [0, 1, 10, 11, u64::MAX / 2, u64::MAX] {
            assert!(scale(random, 10) <= 10);
            assert_eq!(scale(random, 0), 0);
            assert_eq!(scale(random, u64::MAX), random);
        }
        assert_eq!(scale(u64::MAX, 10), u64::MAX % 11);
        assert_eq!(below_or_equal(0), 0);
    }
}
