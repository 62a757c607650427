//! Strict unpadded base64url decoding (RFC 4648 §5 without padding, as RFC 7515 §2 requires)
//! into caller-provided buffers, for the verifier.
//!
//! Canonical encodings only, like the `base64` crate's `URL_SAFE_NO_PAD` engine (which the
//! tests compare it with): no padding, no `+`/`/`, no whitespace or other byte outside the
//! alphabet, no length of the form `4n + 1`, and the unused low bits of the last character
//! must be zero. It is faster than the engine because it decodes straight into a buffer of
//! the exact length with four table look-ups per group of four characters (the tables hold
//! each value already shifted to its place in the 24-bit group).

/// Set in the table entries of bytes outside the alphabet.
const INVALID: u32 = 1 << 31;

/// The value of each alphabet byte, shifted left by `shift`; [`INVALID`] for other bytes.
const fn table(shift: u32) -> [u32; 256] {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 256 {
        // `i < 256`, so the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        let value = match i as u8 {
            b'A'..=b'Z' => i - b'A' as usize,
            b'a'..=b'z' => i - b'a' as usize + 26,
            b'0'..=b'9' => i - b'0' as usize + 52,
            b'-' => 62,
            b'_' => 63,
            _ => 64,
        };
        if value < 64 {
            #[allow(clippy::cast_possible_truncation)]
            let value = value as u32;
            t[i] = value << shift;
        }
        i += 1;
    }
    t
}

static T0: [u32; 256] = table(18);
static T1: [u32; 256] = table(12);
static T2: [u32; 256] = table(6);
static T3: [u32; 256] = table(0);

/// The decoded length of `len` base64url characters, or `None` if no unpadded encoding is
/// that long (`len % 4 == 1`).
pub(crate) fn decoded_len(len: usize) -> Option<usize> {
    match len % 4 {
        1 => None,
        0 => Some(len / 4 * 3),
        rest => Some(len / 4 * 3 + rest - 1),
    }
}

/// Decodes `input` into `out`, which must be exactly [`decoded_len`]`(input.len())` bytes
/// long (`Err` otherwise). `Err(())` for any non-canonical input; `out` then holds garbage.
pub(crate) fn decode_into(input: &[u8], out: &mut [u8]) -> Result<(), ()> {
    if decoded_len(input.len()) != Some(out.len()) {
        return Err(());
    }
    let groups = input.len() / 4;
    let (body, tail) = input.split_at(groups * 4);
    let (out_body, out_tail) = out.split_at_mut(groups * 3);
    let group = |c: &[u8]| {
        T0[usize::from(c[0])]
            | T1[usize::from(c[1])]
            | T2[usize::from(c[2])]
            | T3[usize::from(c[3])]
    };
    let mut bad = 0u32;
    // Two groups at a time: one 6-byte store.
    let mut pairs = body.chunks_exact(8);
    let mut out_pairs = out_body.chunks_exact_mut(6);
    for (chars, bytes) in (&mut pairs).zip(&mut out_pairs) {
        let (high, low) = (group(&chars[..4]), group(&chars[4..]));
        bad |= high | low;
        let be = ((u64::from(high) << 24) | u64::from(low)).to_be_bytes();
        bytes.copy_from_slice(&be[2..]);
    }
    if let (chars @ [_, _, _, _], bytes @ [_, _, _]) =
        (pairs.remainder(), out_pairs.into_remainder())
    {
        let one = group(chars);
        bad |= one;
        bytes.copy_from_slice(&one.to_be_bytes()[1..]);
    }
    match (tail, out_tail) {
        ([], []) => {}
        ([a, b], [x]) => {
            let group = T0[usize::from(*a)] | T1[usize::from(*b)];
            // The low four bits of the second character are unused and must be zero.
            bad |= group | if group & 0xF000 == 0 { 0 } else { INVALID };
            *x = group.to_be_bytes()[1];
        }
        ([a, b, c], [x, y]) => {
            let group = T0[usize::from(*a)] | T1[usize::from(*b)] | T2[usize::from(*c)];
            // The low two bits of the third character are unused and must be zero.
            bad |= group | if group & 0xC0 == 0 { 0 } else { INVALID };
            let be = group.to_be_bytes();
            (*x, *y) = (be[1], be[2]);
        }
        _ => return Err(()),
    }
    if bad & INVALID == 0 { Ok(()) } else { Err(()) }
}

/// Decodes `input` into a new vector (for the rare segments not decoded into a stack buffer).
pub(crate) fn decode_vec(input: &[u8]) -> Result<Vec<u8>, ()> {
    let mut out = vec![0; decoded_len(input.len()).ok_or(())?];
    decode_into(input, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::*;

    use super::*;

    fn engine(input: &[u8]) -> Option<Vec<u8>> {
        URL_SAFE_NO_PAD.decode(input).ok()
    }

    #[test]
    fn lengths() {
        let expected = [Some(0), None, Some(1), Some(2), Some(3), None, Some(4)];
        for (len, want) in expected.into_iter().enumerate() {
            assert_eq!(decoded_len(len), want, "{len}");
        }
    }

    #[test]
    fn known_answers() {
        assert_eq!(decode_vec(b""), Ok(vec![]));
        assert_eq!(decode_vec(b"Zm9vYmFy"), Ok(b"foobar".to_vec()));
        assert_eq!(decode_vec(b"Zm9vYg"), Ok(b"foob".to_vec()));
        assert_eq!(decode_vec(b"Zm9vYmE"), Ok(b"fooba".to_vec()));
        assert_eq!(decode_vec(b"-_-_"), Ok(vec![0xfb, 0xff, 0xbf]));
        assert_eq!(decode_vec(b"AAAA"), Ok(vec![0, 0, 0]));
    }

    #[test]
    fn refuses_non_canonical() {
        for bad in [
            &b"Zm9vYg=="[..],
            b"Zm9vYg=",
            b"Zm9vY",
            b"+/+/",
            b"Zm9v Yg",
            b"Zm9v\nYg",
            b"Zm9vYh",  // unused bits set (h = 33, low four bits 0001)
            b"Zm9vYmF", // unused bits set (F = 5, low two bits 01)
            b"Zm9v.mFy",
            "Zm9vYmé".as_bytes(),
            b"\0AAA",
        ] {
            assert_eq!(
                decode_vec(bad),
                Err(()),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
            assert_eq!(engine(bad), None, "the engine agrees");
        }
        let mut short = [0u8; 2];
        assert_eq!(decode_into(b"AAAA", &mut short), Err(()));
    }

    #[test]
    fn every_byte_in_every_position() {
        for byte in 0..=255u8 {
            for at in 0..8 {
                let mut input = *b"QUJDREVG";
                input[at] = byte;
                for len in [2, 3, 4, 6, 7, 8] {
                    if at < len {
                        let input = &input[..len];
                        assert_eq!(decode_vec(input).ok(), engine(input), "{input:?}");
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn round_trips_with_the_engine(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let encoded = URL_SAFE_NO_PAD.encode(&bytes);
            prop_assert_eq!(decode_vec(encoded.as_bytes()), Ok(bytes));
        }

        #[test]
        fn agrees_with_the_engine(text in "[A-Za-z0-9_+/=. -]{0,40}") {
            prop_assert_eq!(decode_vec(text.as_bytes()).ok(), engine(text.as_bytes()));
        }
    }
}
