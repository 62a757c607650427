//! Run-time helpers that the generated protojson code calls instead of parts of pbjson, so
//! that it reads and writes exactly as Go's protojson (with `DiscardUnknown`) does.
//!
//! `cargo xtask codegen` post-processes pbjson-build's output (see `xtask/src/codegen.rs`) so
//! that it uses the items below:
//!
//! - [`NumberDeserialize`] replaces `pbjson::private::NumberDeserialize` for every numeric
//!   field and map value: Go's rules (any JSON number or numeric string whose value fits,
//!   `"NaN"`/`"Infinity"` for floats; not `"+5"`, `"05"`, `" 5"`), read with one typed visitor
//!   where pbjson's `#[serde(untagged)]` enum built and threw away a formatted error for every
//!   integer written as a JSON number (about 15 % of a webhook receive). [`MapKey`] reads
//!   numeric map keys, which Go reads with `strconv` instead.
//! - [`UniqueKeys`] reads every map field: a key given twice is an error, as in Go's protojson
//!   (`duplicate map key`), where a plain `BTreeMap` would keep the last value. Keys are
//!   compared after parsing, as Go does: `"1"` and `"01"` are the same `int32` key.
//! - [`EnumValue`] and [`EnumList`] read enum fields through [`ProtoEnum`] (implemented by
//!   codegen for every enum): an unknown name leaves the field unset or drops the list element,
//!   an unknown number is kept. pbjson substituted the default variant for both.
//! - [`enum_or_number`] serializes every enum field: a number that names no variant of the
//!   enum (a message decoded from protobuf sent by a newer server) is written as a JSON
//!   number, as Go does, where pbjson failed with "Invalid variant N".
//! - [`ProtoFloat`] writes `float` and `double` fields: `NaN` and the infinities as Go's
//!   strings, where `serde_json` wrote `null`.
//!
//! The field rules (`null` leaves a field unset; a field seen twice, also after `null`, and a
//! second member of a oneof are errors) are in the generated visitors themselves: a `seen__`
//! flag per field.

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

/// Integers below this magnitude are exact in an `f64`, so a JSON number such as `1e2` or
/// `5.0`, which the JSON reader hands over as an `f64`, can be read as an integer without doubt.
const EXACT_IN_F64: f64 = 9_007_199_254_740_992.0; // 2^53

/// A protojson number: the proto scalar types that the generated code reads through
/// [`NumberDeserialize`].
pub(crate) trait ProtoNumber: Sized + FromStr {
    /// What an error says was expected.
    const EXPECTING: &'static str;
    /// From a JSON integer that fits in `u64`; `None` when out of range.
    fn from_u64(v: u64) -> Option<Self>;
    /// From a negative JSON integer; `None` when out of range.
    fn from_i64(v: i64) -> Option<Self>;
    /// From a JSON number with a fraction or an exponent (or an integer beyond 64 bits).
    fn from_f64(v: f64) -> Option<Self>;
    /// From a string holding a JSON number (or, for floats, `NaN`, `Infinity`, `-Infinity`).
    fn from_json_str(s: &str) -> Option<Self>;
}

macro_rules! integer {
    ($($t:ty => $name:literal),* $(,)?) => {$(
        impl ProtoNumber for $t {
            const EXPECTING: &'static str =
                concat!($name, " (a JSON number or a string of one, with an integer value)");
            fn from_u64(v: u64) -> Option<Self> {
                Self::try_from(v).ok()
            }
            fn from_i64(v: i64) -> Option<Self> {
                Self::try_from(v).ok()
            }
            // `1.0`, `1e2`, `-0`: Go takes any JSON number whose value is an integer in range.
            // Beyond 2^53 the `f64` may no longer be the number written, so such a number is
            // refused rather than read as a neighbour (Go reads the digits exactly).
            #[allow(clippy::cast_possible_truncation, clippy::float_cmp)]
            fn from_f64(v: f64) -> Option<Self> {
                if v.trunc() != v || v.abs() >= EXACT_IN_F64 {
                    return None;
                }
                Self::try_from(v as i64).ok()
            }
            fn from_json_str(s: &str) -> Option<Self> {
                JsonNumber::parse(s)?.integer().and_then(|v| Self::try_from(v).ok())
            }
        }
    )*};
}

integer!(i32 => "an int32", i64 => "an int64", u32 => "a uint32", u64 => "a uint64");

macro_rules! float {
    ($($t:ty => $name:literal),* $(,)?) => {$(
        impl ProtoNumber for $t {
            const EXPECTING: &'static str = concat!(
                $name,
                " (a JSON number in range, or a string of one, \"NaN\", \"Infinity\" or \"-Infinity\")"
            );
            #[allow(clippy::cast_precision_loss)]
            fn from_u64(v: u64) -> Option<Self> {
                Some(v as $t)
            }
            #[allow(clippy::cast_precision_loss)]
            fn from_i64(v: i64) -> Option<Self> {
                Some(v as $t)
            }
            // Beyond the type's range (a `float` past `f32::MAX` after rounding) is an error,
            // as in Go, not infinity.
            #[allow(clippy::cast_possible_truncation, clippy::unnecessary_cast)]
            fn from_f64(v: f64) -> Option<Self> {
                Some(v as $t).filter(|f| f.is_finite() || !v.is_finite())
            }
            fn from_json_str(s: &str) -> Option<Self> {
                match s {
                    "NaN" => Some(<$t>::NAN),
                    "Infinity" => Some(<$t>::INFINITY),
                    "-Infinity" => Some(<$t>::NEG_INFINITY),
                    // Overflow (`"1e400"`) is an error, as in Go; underflow reads as zero.
                    _ => {
                        JsonNumber::parse(s)?;
                        s.parse::<$t>().ok().filter(|v| v.is_finite())
                    }
                }
            }
        }
    )*};
}

float!(f32 => "a float", f64 => "a double");

/// The parts of a string that is exactly one JSON number (RFC 8259: `-?(0|[1-9][0-9]*)`, then
/// an optional `.` and digits, then an optional exponent): what Go's protojson requires of a
/// number written as a string. No sign `+`, no leading zero, no space, no `.5` or `5.`.
struct JsonNumber<'a> {
    negative: bool,
    /// The digits before and after the point, in order, without the point.
    integer: &'a str,
    fraction: &'a str,
    exponent: i64,
}

impl<'a> JsonNumber<'a> {
    fn parse(s: &'a str) -> Option<JsonNumber<'a>> {
        fn digits(s: &str) -> usize {
            s.bytes().take_while(u8::is_ascii_digit).count()
        }
        let (negative, rest) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let n = digits(rest);
        if n == 0 || (n > 1 && rest.starts_with('0')) {
            return None;
        }
        let (integer, mut rest) = rest.split_at(n);
        let mut fraction = "";
        if let Some(after) = rest.strip_prefix('.') {
            let n = digits(after);
            if n == 0 {
                return None;
            }
            (fraction, rest) = after.split_at(n);
        }
        let mut exponent = 0i64;
        if let Some(after) = rest.strip_prefix(['e', 'E']) {
            let (sign, after) = match after.as_bytes().first() {
                Some(b'-') => (-1, &after[1..]),
                Some(b'+') => (1, &after[1..]),
                _ => (1, after),
            };
            let n = digits(after);
            if n == 0 {
                return None;
            }
            // Saturate: an exponent past any range only matters as "huge" or "tiny".
            let magnitude = after[..n]
                .parse::<i64>()
                .unwrap_or(i64::MAX / 2)
                .min(1 << 40);
            exponent = sign * magnitude;
            rest = &after[n..];
        }
        rest.is_empty().then_some(JsonNumber {
            negative,
            integer,
            fraction,
            exponent,
        })
    }

    /// The number's value when it is an integer that fits in an `i128` (any 64-bit value does),
    /// computed from the digits exactly, as Go does: `"1.0"`, `"1e2"`, `"100e-2"` are integers,
    /// `"1.5"` and `"1e-1"` are not.
    fn integer(&self) -> Option<i128> {
        let all = || self.integer.bytes().chain(self.fraction.bytes());
        // Significant digits, and the power of ten that scales them.
        let leading = all().take_while(|&b| b == b'0').count();
        let total = self.integer.len() + self.fraction.len();
        if leading == total {
            return Some(0);
        }
        let trailing = all().rev().take_while(|&b| b == b'0').count();
        let significant = all().skip(leading).take(total - leading - trailing);
        let scale = self.exponent - i64::try_from(self.fraction.len()).ok()?
            + i64::try_from(trailing).ok()?;
        let count = total - leading - trailing;
        // u64::MAX has 20 digits: anything longer is out of every range.
        if scale < 0 || i64::try_from(count).ok()? + scale > 20 {
            return None;
        }
        let mut value: i128 = 0;
        for digit in significant {
            value = value * 10 + i128::from(digit - b'0');
        }
        for _ in 0..scale {
            value *= 10;
        }
        Some(if self.negative { -value } else { value })
    }
}

/// A number read from a JSON number or a string, the way Go's protojson reads one.
///
/// Accepted, for the integer types: a JSON number whose value is an integer in range
/// (`5`, `5.0`, `5e0`, `-0`), or a string holding such a JSON number (`"5"`, `"5.0"`, `"1e2"`);
/// not `"+5"`, `"05"`, `" 5"`, `"0x5"`. A JSON number with a fraction or an exponent is read
/// through an `f64`, so beyond 2^53 only the plain integer form is accepted (Go reads the
/// digits; reading the `f64` could give a neighbouring integer). For `float` and `double`: any
/// JSON number in range (a `float` beyond `f32::MAX` is an error, not infinity), or a string
/// holding one, or `"NaN"`, `"Infinity"`, `"-Infinity"`. Everything else is a typed serde
/// error (`invalid type: …` or `invalid value: …, expected an int32 …`).
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
        T::from_f64(v).ok_or_else(|| E::invalid_value(Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::from_json_str(v).ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
    }
}

/// A `float` or `double` field's value as Go's protojson writes it: `NaN`, `Infinity` and
/// `-Infinity` as strings (JSON has no such numbers; `serde_json` would write `null`), any
/// other value as a JSON number.
pub(crate) struct ProtoFloat<T>(pub(crate) T);

macro_rules! proto_float {
    ($($t:ty => $write:ident),*) => {$(
        impl Serialize for ProtoFloat<$t> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let v = self.0;
                if v.is_nan() {
                    serializer.serialize_str("NaN")
                } else if v.is_infinite() {
                    serializer.serialize_str(if v > 0.0 { "Infinity" } else { "-Infinity" })
                } else {
                    serializer.$write(v)
                }
            }
        }
    )*};
}

proto_float!(f32 => serialize_f32, f64 => serialize_f64);

/// A repeated `float` or `double` field: a list of [`ProtoFloat`]s.
impl<T: Copy> Serialize for ProtoFloat<&Vec<T>>
where
    ProtoFloat<T>: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|&v| ProtoFloat(v)))
    }
}

/// A numeric map key (`map<int32, …>`): JSON keys are strings, and Go reads them with
/// `strconv`, which takes what Rust's `str::parse` takes (`"7"`, `"+7"`, `"007"`; not `"1e2"`
/// or `" 7"`), unlike a numeric value.
#[derive(Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct MapKey<T>(pub(crate) T);

impl<T: fmt::Display> fmt::Display for MapKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de, T: ProtoNumber> Deserialize<'de> for MapKey<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_str(MapKeyVisitor(PhantomData))
            .map(MapKey)
    }
}

struct MapKeyVisitor<T>(PhantomData<T>);

impl<T: ProtoNumber> Visitor<'_> for MapKeyVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map key holding ")?;
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse()
            .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
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

/// An enum type of the protocol: its variants by protojson name (prost's `from_str_name`).
/// `cargo xtask codegen` implements it for every enum.
pub(crate) trait ProtoEnum {
    /// The number of the variant named `name`, if there is one.
    fn number_of(name: &str) -> Option<i32>;
    /// The names of the variants, for error messages.
    const NAMES: &'static [&'static str];
}

/// A singular or `optional` enum field, read as Go's protojson reads it with `DiscardUnknown`:
/// a variant name gives its number; a name this version does not know (a newer server's) or
/// `null` leaves the field unset (`None`); a JSON number whose value is an integer in the
/// `int32` range is kept as it is, known or not (and written back as a number); anything else
/// is a typed error.
pub(crate) struct EnumValue<T> {
    /// The number to store; `None` leaves the field unset.
    pub(crate) number: Option<i32>,
    /// Whether the value was `null`: a oneof member given as `null` does not set its oneof,
    /// one with an unknown name does (as in Go).
    pub(crate) null: bool,
    kind: PhantomData<fn() -> T>,
}

impl<'de, T: ProtoEnum> Deserialize<'de> for EnumValue<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let read = deserializer.deserialize_any(EnumVisitor::<T>(PhantomData))?;
        Ok(EnumValue {
            number: read.flatten(),
            null: read.is_none(),
            kind: PhantomData,
        })
    }
}

/// A repeated enum field: the elements as [`EnumValue`] reads them, except that an unknown
/// name drops the element (Go's `DiscardUnknown`) and `null` is an error.
pub(crate) struct EnumList<T>(pub(crate) Vec<i32>, PhantomData<fn() -> T>);

impl<'de, T: ProtoEnum> Deserialize<'de> for EnumList<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);
        impl<'de, T: ProtoEnum> Visitor<'de> for ListVisitor<T> {
            type Value = Vec<i32>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of enum values")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<i32>, A::Error> {
                let mut numbers = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(element) = seq.next_element::<EnumElement<T>>()? {
                    numbers.extend(element.0);
                }
                Ok(numbers)
            }
        }
        deserializer
            .deserialize_seq(ListVisitor::<T>(PhantomData))
            .map(|numbers| EnumList(numbers, PhantomData))
    }
}

/// One element of an [`EnumList`]: `None` for an unknown name; `null` is an error.
struct EnumElement<T>(Option<i32>, PhantomData<fn() -> T>);

impl<'de, T: ProtoEnum> Deserialize<'de> for EnumElement<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_any(EnumVisitor::<T>(PhantomData))? {
            Some(number) => Ok(EnumElement(number, PhantomData)),
            None => Err(de::Error::invalid_type(
                Unexpected::Unit,
                &EnumVisitor::<T>(PhantomData),
            )),
        }
    }
}

/// An enum value: `None` for `null`, `Some(None)` for a name this version does not know,
/// `Some(Some(number))` otherwise.
struct EnumVisitor<T>(PhantomData<T>);

impl<T: ProtoEnum> Visitor<'_> for EnumVisitor<T> {
    type Value = Option<Option<i32>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "one of {:?} or an int32", T::NAMES)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<Option<i32>>, E> {
        Ok(Some(T::number_of(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<Option<i32>>, E> {
        i32::try_from(v)
            .map(|n| Some(Some(n)))
            .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<Option<i32>>, E> {
        i32::try_from(v)
            .map(|n| Some(Some(n)))
            .map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<Option<i32>>, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<Option<i32>>, E> {
        <i32 as ProtoNumber>::from_f64(v)
            .map(|n| Some(Some(n)))
            .ok_or_else(|| E::invalid_value(Unexpected::Float(v), &self))
    }
}

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
        let expecting =
            "expected an int32 (a JSON number or a string of one, with an integer value)";
        assert_eq!(
            error("1.5"),
            format!("invalid value: floating point `1.5`, {expecting} at line 1 column 3")
        );
        assert_eq!(
            error("2147483648"),
            format!("invalid value: integer `2147483648`, {expecting} at line 1 column 10")
        );
        assert_eq!(
            error(r#""x""#),
            format!("invalid value: string \"x\", {expecting} at line 1 column 3")
        );
        assert_eq!(
            error("true"),
            format!("invalid type: boolean `true`, {expecting} at line 1 column 4")
        );
    }

    #[test]
    fn integers_are_read_from_the_digits_of_a_json_number() {
        let int = |s: &str| JsonNumber::parse(s).and_then(|n| n.integer());
        assert_eq!(int("0"), Some(0));
        assert_eq!(int("-0"), Some(0));
        assert_eq!(int("42"), Some(42));
        assert_eq!(int("1.0"), Some(1));
        assert_eq!(int("1e2"), Some(100));
        assert_eq!(int("1E+2"), Some(100));
        assert_eq!(int("100e-2"), Some(1));
        assert_eq!(int("0.05e2"), Some(5));
        assert_eq!(int("0e999999999999999999999"), Some(0));
        assert_eq!(
            int("18446744073709551615"),
            Some(18_446_744_073_709_551_615)
        );
        assert_eq!(
            int("-9223372036854775808.000"),
            Some(-9_223_372_036_854_775_808)
        );
        assert_eq!(int("9007199254740993"), Some(9_007_199_254_740_993));
        assert_eq!(int("1.5"), None);
        assert_eq!(int("1e-1"), None);
        assert_eq!(int("1e21"), None, "beyond every 64-bit range");
        assert_eq!(int("1e999999999999999999999"), None);
        for not_json in [
            "", "-", "+1", "01", "1.", ".5", "1e", "1e+", " 1", "1 ", "0x10", "NaN",
        ] {
            assert!(JsonNumber::parse(not_json).is_none(), "{not_json:?}");
        }
    }

    #[test]
    fn floats_are_written_as_go_writes_them() {
        let json = |v: f64| serde_json::to_string(&ProtoFloat(v)).unwrap();
        assert_eq!(json(f64::NAN), r#""NaN""#);
        assert_eq!(json(f64::INFINITY), r#""Infinity""#);
        assert_eq!(json(f64::NEG_INFINITY), r#""-Infinity""#);
        assert_eq!(json(-0.0), "-0.0");
        assert_eq!(json(1.5), "1.5");
        assert_eq!(serde_json::to_string(&ProtoFloat(0.1f32)).unwrap(), "0.1");
        let list = vec![1.0f32, f32::NAN];
        assert_eq!(
            serde_json::to_string(&ProtoFloat(&list)).unwrap(),
            r#"[1.0,"NaN"]"#
        );
        let read = |s: &str| serde_json::from_str::<NumberDeserialize<f32>>(s).map(|n| n.0);
        assert!(read(r#""NaN""#).unwrap().is_nan());
        assert!(
            read("3.4028236e38").is_err(),
            "beyond f32::MAX is an error, not infinity"
        );
        assert!(read(r#""inf""#).is_err());
    }

    struct Colour;
    impl ProtoEnum for Colour {
        const NAMES: &'static [&'static str] = &["RED", "GREEN"];
        fn number_of(name: &str) -> Option<i32> {
            Self::NAMES
                .iter()
                .position(|n| *n == name)
                .and_then(|i| i32::try_from(i).ok())
        }
    }

    #[test]
    fn enums_keep_numbers_and_skip_unknown_names() {
        let one = |s: &str| serde_json::from_str::<EnumValue<Colour>>(s).map(|v| v.number);
        assert_eq!(one(r#""GREEN""#).unwrap(), Some(1));
        assert_eq!(one(r#""PURPLE""#).unwrap(), None);
        assert_eq!(one("null").unwrap(), None);
        let null = |s: &str| serde_json::from_str::<EnumValue<Colour>>(s).map(|v| v.null);
        assert!(null("null").unwrap() && !null(r#""PURPLE""#).unwrap() && !null("1").unwrap());
        assert_eq!(one("7").unwrap(), Some(7));
        assert_eq!(one("-1").unwrap(), Some(-1));
        assert_eq!(one("1.0").unwrap(), Some(1));
        assert!(one("1.5").is_err());
        assert!(one("2147483648").is_err());
        assert!(one("true").is_err());
        let list = |s: &str| serde_json::from_str::<EnumList<Colour>>(s).map(|v| v.0);
        assert_eq!(
            list(r#"["RED", "PURPLE", 9, "GREEN"]"#).unwrap(),
            vec![0, 9, 1]
        );
        assert!(list(r#"["RED", null]"#).is_err());
        assert!(list("{}").is_err());
    }

    #[test]
    fn map_keys_are_unique_after_parsing() {
        let map: UniqueKeys<String, String> = serde_json::from_str(r#"{"a":"1","b":"2"}"#).unwrap();
        assert_eq!(map.0.len(), 2);
        let error = serde_json::from_str::<UniqueKeys<String, String>>(r#"{"a":"1","a":"2"}"#)
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("duplicate map key \"a\""), "{error}");
        let error = serde_json::from_str::<UniqueKeys<MapKey<i32>, u32>>(r#"{"1":1,"01":2}"#)
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("duplicate map key \"1\""), "{error}");
        // Keys are read as Go's strconv reads them, unlike numeric values.
        let map: UniqueKeys<MapKey<i32>, u32> = serde_json::from_str(r#"{"+7":1}"#).unwrap();
        assert_eq!(map.0.keys().next().map(|k| k.0), Some(7));
        assert!(serde_json::from_str::<UniqueKeys<MapKey<i32>, u32>>(r#"{"1e2":1}"#).is_err());
    }
}
