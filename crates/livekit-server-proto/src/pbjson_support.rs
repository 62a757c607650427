//! Run-time helpers that the generated protojson code calls instead of parts of pbjson.
//!
//! `cargo xtask codegen` post-processes pbjson-build's output (see `xtask/src/codegen.rs`) so
//! that it uses the items below:
//!
//! - [`NumberDeserialize`] replaces `pbjson::private::NumberDeserialize` for every numeric
//!   field, map key and map value. It accepts exactly what pbjson's type accepts (a JSON
//!   number, or a string that Rust's `str::parse` takes), but reads it with one typed visitor:
//!   pbjson's version is an `#[serde(untagged)]` enum that buffers the value and tries the
//!   string form first, so every integer written as a JSON number built and threw away a
//!   formatted `serde_json` error (about 15 % of a webhook receive).
//! - [`UniqueKeys`] reads every map field: a key given twice is an error, as in Go's protojson
//!   (`duplicate map key`), where a plain `BTreeMap` would keep the last value. Keys are
//!   compared after parsing, as Go does: `"1"` and `"01"` are the same `int32` key.
//! - [`enum_or_number`] serializes every enum field: a number that names no variant of the
//!   enum (a message decoded from protobuf sent by a newer server) is written as a JSON
//!   number, as Go does, where pbjson failed with "Invalid variant N".
//!
//! The other strictness rule, a field name repeated after `null` (`"room":null,"room":{}`),
//! is enforced in the generated code itself (a `seen__` flag per field that may read `null`).

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Unexpected, Visitor};
use serde::ser::{Serialize, Serializer};

use crate::wkt_json::Quoted;

// ---------------------------------------------------------------------------------------------
// Numbers.

/// A protojson number: the proto scalar types that pbjson reads through `NumberDeserialize`.
pub(crate) trait ProtoNumber: Sized + FromStr {
    /// What an error says was expected.
    const EXPECTING: &'static str;
    /// From a JSON integer that fits in `u64`; `None` when out of range.
    fn from_u64(v: u64) -> Option<Self>;
    /// From a negative JSON integer; `None` when out of range.
    fn from_i64(v: i64) -> Option<Self>;
    /// From a JSON number with a fraction or exponent (or an integer beyond 64 bits); `None`
    /// for the integer types, which pbjson does not read from such numbers.
    fn from_f64(v: f64) -> Option<Self>;
}

macro_rules! integer {
    ($($t:ty => $name:literal),* $(,)?) => {$(
        impl ProtoNumber for $t {
            const EXPECTING: &'static str = concat!($name, " (a JSON integer or a string of one)");
            fn from_u64(v: u64) -> Option<Self> {
                Self::try_from(v).ok()
            }
            fn from_i64(v: i64) -> Option<Self> {
                Self::try_from(v).ok()
            }
            fn from_f64(_: f64) -> Option<Self> {
                None
            }
        }
    )*};
}

integer!(i32 => "an int32", i64 => "an int64", u32 => "a uint32", u64 => "a uint64");

macro_rules! float {
    ($($t:ty => $expecting:literal),* $(,)?) => {$(
        impl ProtoNumber for $t {
            const EXPECTING: &'static str = $expecting;
            // The conversions of serde's own float visitors (which pbjson ends up in).
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
            fn from_u64(v: u64) -> Option<Self> {
                Some(v as $t)
            }
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
            fn from_i64(v: i64) -> Option<Self> {
                Some(v as $t)
            }
            #[allow(clippy::cast_possible_truncation)]
            fn from_f64(v: f64) -> Option<Self> {
                Some(v as $t)
            }
        }
    )*};
}

float!(f32 => "a float (a JSON number or a string of one)", f64 => "a double (a JSON number or a string of one)");

/// A number read from a JSON number or a numeric string, the way pbjson's
/// `NumberDeserialize` reads it, in one pass.
///
/// Accepted, for the integer types: a JSON integer in range (not `1.0`, `1e2` or `-0`, which
/// JSON parsers hand over as floats), or a string that `str::parse` takes (`"42"`, `"-7"`,
/// `"+7"`, `"007"`). For `float` and `double`: any JSON number (`as`-converted, so a `float`
/// too large becomes infinite), or a string that `str::parse` takes (`"1.5"`, `"1e3"`,
/// `"NaN"`, `"inf"`, `"Infinity"`, `"-infinity"`). Everything else is a typed serde error
/// (`invalid type: …` or `invalid value: …, expected an int32 …`).
#[derive(Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct NumberDeserialize<T>(pub(crate) T);

impl<T: fmt::Display> fmt::Display for NumberDeserialize<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de, T: ProtoNumber> Deserialize<'de> for NumberDeserialize<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(NumberVisitor(PhantomData))
            .map(NumberDeserialize)
    }
}

struct NumberVisitor<T>(PhantomData<T>);

impl<T: ProtoNumber> NumberVisitor<T> {
    fn parse<E: de::Error>(&self, v: &str) -> Result<T, E> {
        v.parse()
            .map_err(|_| E::invalid_value(Unexpected::Str(v), self))
    }
}

impl<T: ProtoNumber> Visitor<'_> for NumberVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::from_u64(v).ok_or_else(|| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_i64(v).ok_or_else(|| E::invalid_value(Unexpected::Signed(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        T::from_f64(v).ok_or_else(|| E::invalid_type(Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        self.parse(v)
    }

    // pbjson's string form is a `Cow<str>`, which also takes UTF-8 bytes (never from JSON).
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<T, E> {
        match std::str::from_utf8(v) {
            Ok(s) => self.parse(s),
            Err(_) => Err(E::invalid_value(Unexpected::Bytes(v), &self)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Maps.

/// A map field read as a JSON object in which no key appears twice (after parsing the key).
///
/// `K` and `V` are what pbjson reads keys and values as (`String`, `NumberDeserialize<i32>`,
/// a message, …); the generated code takes the `BTreeMap` out (`.0`) and converts the entries
/// as it did before.
#[derive(Debug)]
pub(crate) struct UniqueKeys<K, V>(pub(crate) BTreeMap<K, V>);

impl<'de, K, V> Deserialize<'de> for UniqueKeys<K, V>
where
    K: Deserialize<'de> + Ord + fmt::Display,
    V: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(UniqueKeysVisitor(PhantomData))
    }
}

struct UniqueKeysVisitor<K, V>(PhantomData<(K, V)>);

impl<'de, K, V> Visitor<'de> for UniqueKeysVisitor<K, V>
where
    K: Deserialize<'de> + Ord + fmt::Display,
    V: Deserialize<'de>,
{
    type Value = UniqueKeys<K, V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = BTreeMap::new();
        while let Some(key) = access.next_key::<K>()? {
            match map.entry(key) {
                Entry::Occupied(entry) => {
                    return Err(de::Error::custom(format_args!(
                        "duplicate map key {}",
                        Quoted(&entry.key().to_string())
                    )));
                }
                Entry::Vacant(entry) => {
                    entry.insert(access.next_value()?);
                }
            }
        }
        Ok(UniqueKeys(map))
    }
}

// ---------------------------------------------------------------------------------------------
// Enums.

/// An enum field's number, written as the variant's name when `T` has one and as a JSON
/// number otherwise (Go's protojson does the same for an unknown number).
pub(crate) struct EnumOrNumber<T> {
    number: i32,
    kind: PhantomData<fn() -> T>,
}

/// The value written for an enum field: replaces pbjson's
/// `T::try_from(n).map_err(|_| Error::custom("Invalid variant n"))` and keeps its shape (a
/// `Result`, here always `Ok`), so the generated code around it is unchanged.
pub(crate) fn enum_or_number<T, E>(number: i32) -> Result<EnumOrNumber<T>, E> {
    Ok(EnumOrNumber {
        number,
        kind: PhantomData,
    })
}

impl<T> Serialize for EnumOrNumber<T>
where
    T: TryFrom<i32> + Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match T::try_from(self.number) {
            Ok(known) => known.serialize(serializer),
            Err(_) => serializer.serialize_i32(self.number),
        }
    }
}

impl<T> fmt::Debug for EnumOrNumber<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EnumOrNumber").field(&self.number).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_errors_are_typed() {
        let error = |input: &str| {
            serde_json::from_str::<NumberDeserialize<i32>>(input)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            error("1.5"),
            "invalid type: floating point `1.5`, expected an int32 (a JSON integer or a string \
             of one) at line 1 column 3"
        );
        assert_eq!(
            error("2147483648"),
            "invalid value: integer `2147483648`, expected an int32 (a JSON integer or a \
             string of one) at line 1 column 10"
        );
        assert_eq!(
            error(r#""x""#),
            "invalid value: string \"x\", expected an int32 (a JSON integer or a string of \
             one) at line 1 column 3"
        );
        assert_eq!(
            error("true"),
            "invalid type: boolean `true`, expected an int32 (a JSON integer or a string of \
             one) at line 1 column 4"
        );
    }

    #[test]
    fn map_keys_are_unique_after_parsing() {
        let map: UniqueKeys<String, String> = serde_json::from_str(r#"{"a":"1","b":"2"}"#).unwrap();
        assert_eq!(map.0.len(), 2);
        let error = serde_json::from_str::<UniqueKeys<String, String>>(r#"{"a":"1","a":"2"}"#)
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("duplicate map key \"a\""), "{error}");
        let error =
            serde_json::from_str::<UniqueKeys<NumberDeserialize<i32>, u32>>(r#"{"1":1,"01":2}"#)
                .unwrap_err()
                .to_string();
        assert!(error.starts_with("duplicate map key \"1\""), "{error}");
    }
}
