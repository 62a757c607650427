//! The checks on token JSON that deserializing [`Claims`](crate::Claims) does not make:
//! `serde_json` skips the members a type does not know without looking into them, so
//! duplicates, deep nesting and lone surrogate escapes there would pass. [`scan`] walks the
//! whole text once with `serde_json`'s own parser (which checks every string and number) and
//! adds the two rules of this crate: no object with the same member twice, no nesting deeper
//! than [`MAX_DEPTH`]. It also hands back a few top-level members the verifier needs before
//! (or besides) the typed claims. Hand-written because serde has no hook for the members a
//! derive ignores; it only counts depth and compares member names.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeSeed, Error, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::error::Category;

use crate::TokenError;

/// The deepest nesting of arrays and objects accepted; the top-level object is at depth 1.
pub(crate) const MAX_DEPTH: usize = 64;

/// Checks that `text` is one JSON object that breaks no rule above, and returns the values of
/// its top-level members named in `names` (`None` for an absent one).
///
/// # Errors
///
/// [`TokenError::DuplicateMember`] for a member repeated in any object, or
/// [`TokenError::MalformedClaims`] for anything else (not an object, a syntax error, a lone
/// surrogate escape, trailing bytes, nesting deeper than [`MAX_DEPTH`]).
pub(crate) fn scan<const N: usize>(
    text: &str,
    names: &[&str; N],
) -> Result<[Option<Value>; N], TokenError> {
    let error = Cell::new(None);
    let top = Top {
        strict: Strict {
            depth: 0,
            error: &error,
        },
        names,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    (&mut de)
        .deserialize_map(top)
        .and_then(|found| de.end().map(|()| found))
        .map_err(|e| match error.take() {
            Some(error) => error,
            // The only data error left is the type of the top-level value.
            None if e.classify() == Category::Data => {
                TokenError::MalformedClaims("the JSON is not an object".into())
            }
            None => TokenError::MalformedClaims(e.to_string()),
        })
}

/// Walks any value at `depth` (the number of arrays and objects around it); the error of a
/// broken rule is left in `error`, as a serde error cannot carry it.
#[derive(Clone, Copy)]
struct Strict<'e> {
    depth: usize,
    error: &'e Cell<Option<TokenError>>,
}

impl Strict<'_> {
    fn fail<E: Error>(self, error: TokenError) -> E {
        let text = E::custom(&error);
        self.error.set(Some(error));
        text
    }

    /// The walker for the values inside a container at this depth.
    fn nested<E: Error>(self) -> Result<Self, E> {
        if self.depth >= MAX_DEPTH {
            return Err(self.fail(TokenError::MalformedClaims(format!(
                "the JSON is nested deeper than {MAX_DEPTH}"
            ))));
        }
        Ok(Strict {
            depth: self.depth + 1,
            ..self
        })
    }

    /// Reads the members of an object: `take` reads the values it wants (and says so), the
    /// others are walked; then the names are checked for duplicates.
    fn members<'de, A: MapAccess<'de>>(
        self,
        mut map: A,
        mut take: impl FnMut(&str, &mut A) -> Result<bool, A::Error>,
    ) -> Result<(), A::Error> {
        let inner = self.nested()?;
        let mut names: Vec<Cow<'de, str>> = Vec::with_capacity(8);
        while let Some(Name(name)) = map.next_key()? {
            if !take(&name, &mut map)? {
                map.next_value_seed(inner)?;
            }
            names.push(name);
        }
        names.sort_unstable();
        match names.windows(2).find(|pair| pair[0] == pair[1]) {
            Some(pair) => Err(self.fail(TokenError::DuplicateMember(pair[0].to_string()))),
            None => Ok(()),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.nested()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.members(map, |_, _| Ok(false))
    }
}

/// The top-level object, keeping the values of `names`.
struct Top<'e, 'n, const N: usize> {
    strict: Strict<'e>,
    names: &'n [&'n str; N],
}

impl<'de, const N: usize> Visitor<'de> for Top<'_, '_, N> {
    type Value = [Option<Value>; N];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut found = std::array::from_fn(|_| None);
        self.strict.members(map, |name, map| {
            match self.names.iter().position(|wanted| *wanted == name) {
                Some(i) => {
                    found[i] = Some(map.next_value()?);
                    Ok(true)
                }
                None => Ok(false),
            }
        })?;
        Ok(found)
    }
}

/// A member name, borrowed from the text unless it has escapes.
struct Name<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(v)))
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<(), TokenError> {
        scan(text, &[]).map(|[]| ())
    }

    #[test]
    fn keeps_the_named_members() {
        let [iss, exp, nbf] =
            scan(r#"{"exp":1.5,"x":[{}],"iss":"k"}"#, &["iss", "exp", "nbf"]).unwrap();
        assert_eq!(iss, Some(Value::from("k")));
        assert_eq!(exp, Some(Value::from(1.5)));
        assert_eq!(nbf, None);
    }

    #[test]
    fn duplicates_at_every_depth() {
        for (json, name) in [
            (r#"{"exp":1,"exp":2}"#, "exp"),
            (r#"{"u":{"v":1,"v":2}}"#, "v"),
            (r#"{"u":[1,{"w":{},"w":[]}]}"#, "w"),
            (r#"{"a\u0062":1,"ab":2}"#, "ab"),
        ] {
            assert_eq!(
                check(json),
                Err(TokenError::DuplicateMember(name.into())),
                "{json}"
            );
        }
        assert_eq!(
            scan(r#"{"iss":"a","iss":"b"}"#, &["iss"]).err(),
            Some(TokenError::DuplicateMember("iss".into()))
        );
    }

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
    }

    #[test]
    fn malformed_text() {
        for json in [
            "[]",
            "\"x\"",
            "{} {}",
            "{",
            "\u{feff}{}",
            r#"{"x":{"y":"\udc00"}}"#,
            r#"{"\ud800":1}"#,
            r#"{"x":01}"#,
        ] {
            assert!(
                matches!(check(json), Err(TokenError::MalformedClaims(_))),
                "{json}"
            );
        }
        assert_eq!(check(" {\"a\":[null,true,-1,1e300,\"\\u00e9\"]} "), Ok(()));
    }
}
