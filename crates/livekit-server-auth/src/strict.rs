//! The two rules on token JSON that deserializing [`Claims`](crate::Claims) cannot enforce:
//! `serde_json` skips the members a type does not know without a depth limit and without
//! decoding their escapes, so deep nesting and lone surrogate escapes there would pass.
//! [`check`] walks the whole text with `serde_json`'s own parser (which decodes every string)
//! and counts the depth. Hand-written because serde has no hook for the members a derive
//! ignores; it only counts. It runs only when a rule can be broken at all: with no more than
//! [`MAX_DEPTH`] brackets the text cannot nest deeper, and without `\u` it has no surrogate
//! escape (what SDKs write has neither).

use std::fmt;

use serde::Deserializer;
use serde::de::{DeserializeSeed, Error, MapAccess, SeqAccess, Visitor};

use crate::TokenError;

/// The deepest nesting of arrays and objects accepted; the top-level value is at depth 1.
pub(crate) const MAX_DEPTH: usize = 64;

/// Checks that `text` (one JSON value) nests no deeper than [`MAX_DEPTH`] and has no lone
/// surrogate escape.
///
/// # Errors
///
/// [`TokenError::MalformedClaims`], with `serde_json`'s description of what is wrong.
pub(crate) fn check(text: &str) -> Result<(), TokenError> {
    // Counted in bytes per chunk, branch-free, so that the loops vectorise.
    let (mut brackets, mut backslash) = (0, false);
    for chunk in text.as_bytes().chunks(u8::MAX.into()) {
        let open = chunk
            .iter()
            .fold(0u8, |n, &b| n + u8::from(b == b'[' || b == b'{'));
        brackets += usize::from(open);
        backslash |= chunk.iter().fold(false, |any, &b| any | (b == b'\\'));
    }
    if brackets <= MAX_DEPTH && !(backslash && text.contains("\\u")) {
        return Ok(());
    }
    let mut de = serde_json::Deserializer::from_str(text);
    Strict(0)
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| TokenError::MalformedClaims(e.to_string()))
}

/// Walks any value that has this many arrays and objects around it.
#[derive(Clone, Copy)]
struct Strict(usize);

impl Strict {
    /// The walker for the values inside an array or object at this depth.
    fn nested<E: Error>(self) -> Result<Strict, E> {
        if self.0 >= MAX_DEPTH {
            return Err(E::custom(format_args!(
                "the JSON is nested deeper than {MAX_DEPTH}"
            )));
        }
        Ok(Strict(self.0 + 1))
    }
}

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// `Visitor` methods that accept a scalar of the given type (or `null`, without one).
macro_rules! accept_scalars {
    ($($method:ident($($scalar:ty)?)),*) => {
        $(fn $method<E: Error>(self $(, _: $scalar)?) -> Result<(), E> { Ok(()) })*
    };
}

impl<'de> Visitor<'de> for Strict {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    // Scalars and `null` are fine at any depth.
    accept_scalars!(visit_bool(bool), visit_i64(i64), visit_u64(u64));
    accept_scalars!(visit_f64(f64), visit_str(&str), visit_unit());

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.nested()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.nested()?;
        // A key is walked as a value: its string is decoded.
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_limit() {
        let nested = |depth: usize| {
            let inner = depth - 1;
            format!(r#"{{"x":{}{}}}"#, "[".repeat(inner), "]".repeat(inner))
        };
        assert_eq!(check(&nested(MAX_DEPTH)), Ok(()));
        assert!(matches!(
            check(&nested(MAX_DEPTH + 1)),
            Err(TokenError::MalformedClaims(_))
        ));
        // Far deeper than serde_json's own recursion limit: still an error, not a crash.
        assert!(matches!(
            check(&nested(100_000)),
            Err(TokenError::MalformedClaims(_))
        ));
        // Many brackets side by side are not deep.
        assert_eq!(check(&format!("[{}[]]", "[],".repeat(100))), Ok(()));
    }

    #[test]
    fn surrogate_escapes() {
        for json in [
            r#"{"x":{"y":"\udc00"}}"#,
            r#"{"\ud800":1}"#,
            r#"["\ud800\u0041"]"#,
        ] {
            assert!(
                matches!(check(json), Err(TokenError::MalformedClaims(_))),
                "{json}"
            );
        }
        assert_eq!(check(r#"{"x":["\ud83d\ude00","\u00e9"]}"#), Ok(()));
    }
}
