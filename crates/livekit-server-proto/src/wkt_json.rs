//! Protojson for the well-known types whose JSON form is special (`Empty` is generated like
//! any message). The rules follow Go's `protojson`:
//!
//! | type | JSON form |
//! |---|---|
//! | `Timestamp` | RFC 3339 in UTC with `Z` and 0, 3, 6 or 9 fractional digits (`chrono`'s `AutoSi`, Go's rule); read with `chrono`'s RFC 3339 parser, then Go's limits: `T` and `Z` in capitals, at most nine fractional digits, no leap second, years 0001–9999 |
//! | `Duration` | decimal seconds with an `s` suffix (`"1.5s"`, `"-0.000001s"`), up to nine fractional digits, range ±315 576 000 000 s; seconds and nanos must not have opposite signs |
//! | `Struct` | a JSON object (keys written sorted, as Go does; a duplicate key is an error) |
//! | `Value` | the JSON value itself; `NaN`/infinite numbers and a `Value` with no kind cannot be written |
//! | `ListValue` | a JSON array |
//!
//! `Any` is generated like a message, its `type_url` named `@type`: Go writes the packed
//! message's own JSON members next to `@type`, which needs a type registry; this crate has
//! none, so it writes the packed bytes as `"value"` in base64.
//!
//! Numbers in `Value`: integral numbers of 64-bit integer range are written without a fraction
//! (`1`, not `1.0`), digit for digit as Go writes them. Serde offers no raw number output, and
//! an integer beyond `i64`/`u64` is not a number every serializer takes
//! (`serde_json::to_value` refuses one), so these forms differ textually (not in value) from
//! Go: integral numbers below `i64::MIN` or above `u64::MAX` (`1e+20` for Go's
//! `100000000000000000000`; from 1e21 on Go uses the exponent form too, `1e+21`), non-integral magnitudes below 1e-5 (`1.5e-6` for Go's
//! `0.0000015`), and negative zero (`-0.0` for Go's `-0`).

use std::fmt;

use chrono::{DateTime, SecondsFormat};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serializer};
use serde::{Deserialize, Serialize};

use crate::google::protobuf::{
    Duration, ListValue, NullValue, Struct, Timestamp, Value, value::Kind,
};

/// `0001-01-01T00:00:00Z` and `9999-12-31T23:59:59Z`.
const TIMESTAMP_SECONDS: std::ops::RangeInclusive<i64> = -62_135_596_800..=253_402_300_799;
/// About 10 000 years, the limit of `google.protobuf.Duration`.
const MAX_DURATION_SECONDS: i64 = 315_576_000_000;
const NANOS_PER_SECOND: i32 = 1_000_000_000;

/// A string value read by `parse` (the well-known types written as strings).
fn read_str<'de, D: Deserializer<'de>, T>(
    d: D,
    expecting: &'static str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    // The error quotes at most 64 characters of the input.
    let quoted = text
        .char_indices()
        .nth(64)
        .map_or(&*text, |(end, _)| &text[..end]);
    parse(&text).ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(quoted), &expecting))
}

// ---------------------------------------------------------------------------------------------
// Timestamp.

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let time = u32::try_from(self.nanos)
            .ok()
            .filter(|n| *n < 1_000_000_000 && TIMESTAMP_SECONDS.contains(&self.seconds))
            .and_then(|nanos| DateTime::from_timestamp(self.seconds, nanos))
            .ok_or_else(|| {
                ser::Error::custom(format_args!(
                    "google.protobuf.Timestamp out of range: {self:?}"
                ))
            })?;
        serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

/// An RFC 3339 timestamp as Go's protojson reads it (see the module docs).
fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let fraction = text.get(19..).unwrap_or_default();
    let digits = fraction
        .strip_prefix('.')
        .map_or(0, |f| f.bytes().take_while(u8::is_ascii_digit).count());
    if text.get(10..11) != Some("T") || text.contains('z') || digits > 9 {
        return None;
    }
    let time = DateTime::parse_from_rfc3339(text).ok()?;
    let nanos = i32::try_from(time.timestamp_subsec_nanos())
        .ok()
        .filter(|n| *n < NANOS_PER_SECOND)?;
    Some(Timestamp {
        seconds: time.timestamp(),
        nanos,
    })
    .filter(|t| TIMESTAMP_SECONDS.contains(&t.seconds))
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_str(
            deserializer,
            "an RFC 3339 timestamp in years 0001-9999",
            parse_timestamp,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Duration (no crate has protobuf's `"1.5s"` form).

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Duration { seconds, nanos } = *self;
        if seconds.unsigned_abs() > MAX_DURATION_SECONDS.unsigned_abs()
            || nanos.unsigned_abs() >= NANOS_PER_SECOND.unsigned_abs()
            || (seconds > 0 && nanos < 0)
            || (seconds < 0 && nanos > 0)
        {
            return Err(ser::Error::custom(format_args!(
                "google.protobuf.Duration out of range: {self:?}"
            )));
        }
        let sign = if seconds < 0 || nanos < 0 { "-" } else { "" };
        let (seconds, nanos) = (seconds.unsigned_abs(), nanos.unsigned_abs());
        // Go's rule: 0, 3, 6 or 9 fractional digits, the fewest that are exact.
        let fraction = match nanos {
            0 => String::new(),
            n if n % 1_000_000 == 0 => format!(".{:03}", n / 1_000_000),
            n if n % 1_000 == 0 => format!(".{:06}", n / 1_000),
            n => format!(".{n:09}"),
        };
        serializer.collect_str(&format_args!("{sign}{seconds}{fraction}s"))
    }
}

/// `[+-]` integer part (no leading zeros) and/or `.` and up to nine digits, then `s`: Go's
/// grammar (`1s`, `0.1s`, `1.s`, `.1s`, `+1s`, `-.1s` are all valid).
fn parse_duration(text: &str) -> Option<Duration> {
    let body = text.strip_suffix('s')?;
    let (negative, body) = match body.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, body.strip_prefix('+').unwrap_or(body)),
    };
    let (integer, fraction) = body.split_once('.').unwrap_or((body, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(integer)
        || !all_digits(fraction)
        || fraction.len() > 9
        || (integer.is_empty() && !body.contains('.'))
        || (integer.len() > 1 && integer.starts_with('0'))
    {
        return None;
    }
    let seconds: i64 = if integer.is_empty() {
        0
    } else {
        integer.parse().ok()?
    };
    let nanos: i32 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().ok()?
    };
    let (seconds, nanos) = if negative {
        (-seconds, -nanos)
    } else {
        (seconds, nanos)
    };
    (seconds.unsigned_abs() <= MAX_DURATION_SECONDS.unsigned_abs())
        .then_some(Duration { seconds, nanos })
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_str(
            deserializer,
            "a duration such as \"1.5s\" within ±315576000000s",
            parse_duration,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Struct, Value, ListValue.

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.kind {
            None => Err(ser::Error::custom(
                "google.protobuf.Value: none of the oneof fields is set",
            )),
            Some(Kind::NullValue(_)) => serializer.serialize_unit(),
            Some(Kind::NumberValue(v)) if !v.is_finite() => Err(ser::Error::custom(format_args!(
                "google.protobuf.Value: invalid number {v} (JSON has no NaN or infinity)"
            ))),
            // An integral number is written as an integer (`1`, not `1.0`, as Go writes it),
            // through `i64`/`u64` where it fits, which every serializer takes
            // (`serde_json::to_value` refuses an `i128` beyond them); beyond them, and for
            // `-0`, as the `f64` (the same value, in exponent form).
            Some(Kind::NumberValue(v))
                if v.fract() == 0.0 && !(*v == 0.0 && v.is_sign_negative()) =>
            {
                // The bounds are powers of two, exact as `f64`; within them `as` is exact too.
                const TWO_63: f64 = 9_223_372_036_854_775_808.0;
                if (-TWO_63..TWO_63).contains(v) {
                    serializer.serialize_i64(*v as i64)
                } else if (0.0..2.0 * TWO_63).contains(v) {
                    serializer.serialize_u64(*v as u64)
                } else {
                    serializer.serialize_f64(*v)
                }
            }
            Some(Kind::NumberValue(v)) => serializer.serialize_f64(*v),
            Some(Kind::StringValue(v)) => serializer.serialize_str(v),
            Some(Kind::BoolValue(v)) => serializer.serialize_bool(*v),
            Some(Kind::StructValue(v)) => v.serialize(serializer),
            Some(Kind::ListValue(v)) => v.serialize(serializer),
        }
    }
}

impl Serialize for Struct {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A `BTreeMap`: keys in sorted order, as Go writes them.
        serializer.collect_map(&self.fields)
    }
}

impl Serialize for ListValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(&self.values)
    }
}

/// Reads any JSON value as a `Value`.
struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Kind;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value (google.protobuf.Value)")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::NullValue(NullValue::NullValue as i32))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Kind, E> {
        Ok(Kind::BoolValue(v))
    }
    // Integers become doubles with round-to-nearest, as when Go parses the number text.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Kind, E> {
        Ok(Kind::NumberValue(v as f64))
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Kind, E> {
        Ok(Kind::NumberValue(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Kind, E> {
        Ok(Kind::NumberValue(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
        Ok(Kind::StringValue(v.to_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(value) = seq.next_element::<Value>()? {
            values.push(value);
        }
        Ok(Kind::ListValue(ListValue { values }))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let mut out = Struct::default();
        while let Some(key) = map.next_key::<String>()? {
            if out.fields.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key {key:?} in google.protobuf.Struct"
                )));
            }
            let value = map.next_value::<Value>()?;
            out.fields.insert(key, value);
        }
        Ok(Kind::StructValue(out))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(ValueVisitor)
            .map(|kind| Value { kind: Some(kind) })
    }
}

impl<'de> Deserialize<'de> for Struct {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_map(ValueVisitor)? {
            Kind::StructValue(v) => Ok(v),
            _ => Err(de::Error::custom(
                "expected a JSON object (google.protobuf.Struct)",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for ListValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_seq(ValueVisitor)? {
            Kind::ListValue(v) => Ok(v),
            _ => Err(de::Error::custom(
                "expected a JSON array (google.protobuf.ListValue)",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::google::protobuf::{Any, Empty};
    use serde_json::json;

    fn to_json<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).unwrap()
    }

    fn from_json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(text)
    }

    fn ts(seconds: i64, nanos: i32) -> Timestamp {
        Timestamp { seconds, nanos }
    }

    fn dur(seconds: i64, nanos: i32) -> Duration {
        Duration { seconds, nanos }
    }

    /// A small deterministic generator (xorshift64*), enough to sweep value ranges.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn range(&mut self, min: i64, max: i64) -> i64 {
            let span = u64::try_from(max - min).unwrap() + 1;
            min + i64::try_from(self.next() % span).unwrap()
        }
    }

    const MIN_TIMESTAMP_SECONDS: i64 = *TIMESTAMP_SECONDS.start();
    const MAX_TIMESTAMP_SECONDS: i64 = *TIMESTAMP_SECONDS.end();

    fn number(v: f64) -> Value {
        Value {
            kind: Some(Kind::NumberValue(v)),
        }
    }

    #[test]
    fn timestamp_known_answers() {
        let cases = [
            (ts(0, 0), "\"1970-01-01T00:00:00Z\""),
            (ts(1_700_000_000, 0), "\"2023-11-14T22:13:20Z\""),
            (
                ts(1_700_000_000, 100_000_000),
                "\"2023-11-14T22:13:20.100Z\"",
            ),
            (
                ts(1_700_000_000, 120_000),
                "\"2023-11-14T22:13:20.000120Z\"",
            ),
            (ts(1_700_000_000, 1), "\"2023-11-14T22:13:20.000000001Z\""),
            (ts(-1, 999_999_999), "\"1969-12-31T23:59:59.999999999Z\""),
            (ts(951_782_400, 0), "\"2000-02-29T00:00:00Z\""),
            (ts(MIN_TIMESTAMP_SECONDS, 0), "\"0001-01-01T00:00:00Z\""),
            (
                ts(MAX_TIMESTAMP_SECONDS, 999_999_999),
                "\"9999-12-31T23:59:59.999999999Z\"",
            ),
        ];
        for (value, text) in cases {
            assert_eq!(to_json(&value), text);
            assert_eq!(from_json::<Timestamp>(text).unwrap(), value, "{text}");
        }
    }

    #[test]
    fn timestamp_rejects_invalid_text() {
        let bad = [
            "",
            "1970-01-01",
            "1970-01-01T00:00:00",
            "1970-01-01 00:00:00Z",
            "1970-01-01t00:00:00Z",
            "1970-01-01T00:00:00z",
            "1970-1-01T00:00:00Z",
            "+1970-01-01T00:00:00Z",
            "19700-01-01T00:00:00Z",
            "1970-13-01T00:00:00Z",
            "1970-00-01T00:00:00Z",
            "1970-01-00T00:00:00Z",
            "1970-01-32T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2023-04-31T00:00:00Z",
            "1970-01-01T24:00:00Z",
            "1970-01-01T00:60:00Z",
            "1970-01-01T00:00:60Z",
            "1970-01-01T00:00:00.Z",
            "1970-01-01T00:00:00.1234567890Z",
            "1970-01-01T00:00:00+0100",
            "1970-01-01T00:00:00+1:00",
            "1970-01-01T00:00:00ZZ",
            "1970-01-01T00:00:00Z ",
            " 1970-01-01T00:00:00Z",
            "1970-01-01T00:00:00+01:00Z",
            "197a-01-01T00:00:00Z",
            "1970-01-01T00:00:0٣Z",
            "١٩٧٠-01-01T00:00:00Z",
        ];
        for text in bad {
            assert!(parse_timestamp(text).is_none(), "accepted {text:?}");
            let json = serde_json::to_string(text).unwrap();
            assert!(from_json::<Timestamp>(&json).is_err(), "accepted {json}");
        }
    }

    #[test]
    fn timestamp_range_is_enforced_both_ways() {
        for text in [
            "0000-12-31T23:59:59Z",
            "0001-01-01T00:00:00+00:01",
            "9999-12-31T23:59:59-00:01",
            "0000-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
        for value in [
            ts(MIN_TIMESTAMP_SECONDS - 1, 0),
            ts(MAX_TIMESTAMP_SECONDS + 1, 0),
            ts(i64::MIN, 0),
            ts(i64::MAX, 0),
            ts(0, -1),
            ts(0, NANOS_PER_SECOND),
            ts(0, i32::MIN),
        ] {
            assert!(serde_json::to_string(&value).is_err(), "{value:?}");
        }
    }

    #[test]
    fn timestamp_rejects_non_strings() {
        for json in [
            "0",
            "1700000000",
            "null",
            "{}",
            "[]",
            "true",
            "{\"seconds\":1}",
        ] {
            assert!(from_json::<Timestamp>(json).is_err(), "{json}");
        }
        assert_eq!(from_json::<Option<Timestamp>>("null").unwrap(), None);
    }

    #[test]
    fn timestamp_round_trips_across_the_range() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for i in 0..20_000 {
            let seconds = rng.range(MIN_TIMESTAMP_SECONDS, MAX_TIMESTAMP_SECONDS);
            let nanos = match i % 4 {
                0 => 0,
                1 => i32::try_from(rng.range(0, 999)).unwrap() * 1_000_000,
                2 => i32::try_from(rng.range(0, 999_999)).unwrap() * 1_000,
                _ => i32::try_from(rng.range(0, 999_999_999)).unwrap(),
            };
            let value = ts(seconds, nanos);
            let text = to_json(&value);
            let fraction = text.find('.').map_or(0, |dot| text.len() - dot - 3);
            assert!([0, 3, 6, 9].contains(&fraction), "{text}");
            assert_eq!(from_json::<Timestamp>(&text).unwrap(), value, "{text}");
        }
    }

    #[test]
    fn duration_known_answers() {
        let cases = [
            (dur(0, 0), "\"0s\""),
            (dur(1, 0), "\"1s\""),
            (dur(-1, 0), "\"-1s\""),
            (dur(1, 500_000_000), "\"1.500s\""),
            (dur(0, -1_000), "\"-0.000001s\""),
            (dur(0, 1), "\"0.000000001s\""),
            (dur(-3, -20_000), "\"-3.000020s\""),
            (
                dur(MAX_DURATION_SECONDS, 999_999_999),
                "\"315576000000.999999999s\"",
            ),
            (
                dur(-MAX_DURATION_SECONDS, -999_999_999),
                "\"-315576000000.999999999s\"",
            ),
        ];
        for (value, text) in cases {
            assert_eq!(to_json(&value), text);
            assert_eq!(from_json::<Duration>(text).unwrap(), value, "{text}");
        }
    }

    #[test]
    fn duration_accepts_go_grammar() {
        let cases = [
            ("1.5s", dur(1, 500_000_000)),
            ("0.1s", dur(0, 100_000_000)),
            ("1.s", dur(1, 0)),
            (".1s", dur(0, 100_000_000)),
            (".s", dur(0, 0)),
            ("+1s", dur(1, 0)),
            ("-.1s", dur(0, -100_000_000)),
            ("-0s", dur(0, 0)),
            ("-0.5s", dur(0, -500_000_000)),
            ("10.000000001s", dur(10, 1)),
            ("315576000000s", dur(MAX_DURATION_SECONDS, 0)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn duration_rejects_invalid_text() {
        let bad = [
            "",
            "s",
            "1",
            "-s",
            "+s",
            "--1s",
            "+-1s",
            "01s",
            "00s",
            "1.0000000001s",
            "1e3s",
            "1 s",
            " 1s",
            "1s ",
            "1S",
            "1ms",
            "0x1s",
            "1..0s",
            "1.-5s",
            "٣s",
            "315576000001s",
            "-315576000001s",
            "99999999999999999999s",
        ];
        for text in bad {
            assert!(parse_duration(text).is_none(), "accepted {text:?}");
        }
        for json in ["1", "1.5", "null", "{}", "[\"1s\"]"] {
            assert!(from_json::<Duration>(json).is_err(), "{json}");
        }
    }

    #[test]
    fn duration_serialize_errors() {
        for value in [
            dur(MAX_DURATION_SECONDS + 1, 0),
            dur(-MAX_DURATION_SECONDS - 1, 0),
            dur(i64::MIN, 0),
            dur(0, NANOS_PER_SECOND),
            dur(0, -NANOS_PER_SECOND),
            dur(1, -1),
            dur(-1, 1),
        ] {
            assert!(serde_json::to_string(&value).is_err(), "{value:?}");
        }
    }

    #[test]
    fn duration_round_trips() {
        let mut rng = Rng(0xD1B5_4A32_D192_ED03);
        for _ in 0..20_000 {
            let seconds = rng.range(-MAX_DURATION_SECONDS, MAX_DURATION_SECONDS);
            let magnitude = i32::try_from(rng.range(0, 999_999_999)).unwrap();
            let nanos = match seconds.signum() {
                1 => magnitude,
                -1 => -magnitude,
                _ if rng.next().is_multiple_of(2) => magnitude,
                _ => -magnitude,
            };
            let value = dur(seconds, nanos);
            let text = to_json(&value);
            assert_eq!(from_json::<Duration>(&text).unwrap(), value, "{text}");
        }
    }

    #[test]
    fn empty_is_an_object() {
        assert_eq!(to_json(&Empty {}), "{}");
        assert_eq!(from_json::<Empty>("{}").unwrap(), Empty {});
        assert_eq!(
            from_json::<Empty>("{\"future\":[1,{\"x\":null}]}").unwrap(),
            Empty {}
        );
        for json in ["[]", "null", "0", "\"\"", "{"] {
            assert!(from_json::<Empty>(json).is_err(), "{json}");
        }
    }

    #[test]
    fn struct_round_trip_with_sorted_keys() {
        let text = r#"{"z":1,"a":{"nested":[true,null,"s",1.5,-2]},"m":[],"e":{}}"#;
        let value: Struct = from_json(text).unwrap();
        assert_eq!(value.fields.len(), 4);
        let written = to_json(&value);
        assert_eq!(
            written,
            r#"{"a":{"nested":[true,null,"s",1.5,-2]},"e":{},"m":[],"z":1}"#
        );
        assert_eq!(from_json::<Struct>(&written).unwrap(), value);
    }

    #[test]
    fn value_kinds() {
        let parsed: Value = from_json("null").unwrap();
        assert_eq!(parsed.kind, Some(Kind::NullValue(0)));
        assert_eq!(to_json(&parsed), "null");
        let parsed: Value = from_json("\"text\"").unwrap();
        assert_eq!(parsed.kind, Some(Kind::StringValue("text".into())));
        let parsed: Value = from_json("false").unwrap();
        assert_eq!(parsed.kind, Some(Kind::BoolValue(false)));
        let parsed: Value = from_json("[1]").unwrap();
        assert!(matches!(parsed.kind, Some(Kind::ListValue(ref l)) if l.values.len() == 1));
        let parsed: Value = from_json("{}").unwrap();
        assert!(matches!(parsed.kind, Some(Kind::StructValue(ref s)) if s.fields.is_empty()));
    }

    #[test]
    fn value_numbers_are_written_like_go() {
        let cases: [(f64, &str); 15] = [
            (1.0, "1"),
            (-1.0, "-1"),
            (0.0, "0"),
            (0.5, "0.5"),
            (1.5, "1.5"),
            (1.8e19, "18000000000000000000"),
            (1e20, "1e+20"),
            (1.234_567_890_123_456_8e20, "1.2345678901234568e+20"),
            (1e21, "1e+21"),
            (9_007_199_254_740_993.0, "9007199254740992"),
            (-9.2e18, "-9200000000000000000"),
            (-9.3e18, "-9.3e+18"),
            (1e-7, "1e-7"),
            (1234567.891, "1234567.891"),
            (0.1, "0.1"),
        ];
        for (v, text) in cases {
            assert_eq!(to_json(&number(v)), text, "{v}");
            assert_eq!(
                text.parse::<f64>().unwrap(),
                v,
                "Go's text reads back exactly: {text}"
            );
            let back: Value = from_json(text).unwrap();
            let Some(Kind::NumberValue(back)) = back.kind else {
                panic!("{text}")
            };
            // serde_json without its `float_roundtrip` feature may read a number 1 ULP off
            // (it does for 123456789012345680000); that is the reader, not this crate.
            assert!((back - v).abs() <= v.abs() * f64::EPSILON, "{text}: {back}");
        }
        // Integers beyond 2^53 read with round-to-nearest, as Go's float parsing does.
        let big: Value = from_json("18446744073709551615").unwrap();
        assert_eq!(
            big.kind,
            Some(Kind::NumberValue(18_446_744_073_709_551_615.0))
        );
    }

    /// Every number goes into a `serde_json::Value` too (its serializer refuses an `i128`
    /// beyond `i64`/`u64`), with its value.
    #[test]
    fn value_numbers_convert_to_a_json_value() {
        for v in [1.0, -9.3e18, 1.8e19, 1e20, 9.99e20, 1e21, 0.5] {
            let json = serde_json::to_value(number(v)).unwrap();
            assert_eq!(json.as_f64(), Some(v), "{json}");
        }
        assert_eq!(
            serde_json::to_value(number(1.8e19)).unwrap().as_u64(),
            Some(18_000_000_000_000_000_000)
        );
    }

    #[test]
    fn value_write_errors() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(serde_json::to_string(&number(v)).is_err());
        }
        assert!(serde_json::to_string(&Value { kind: None }).is_err());
        let nested = Struct {
            fields: [("k".to_owned(), Value { kind: None })]
                .into_iter()
                .collect(),
        };
        assert!(serde_json::to_string(&nested).is_err());
    }

    #[test]
    fn struct_rejects_duplicates_and_non_objects() {
        assert!(from_json::<Struct>(r#"{"a":1,"a":2}"#).is_err());
        assert!(from_json::<Value>(r#"{"x":{"a":1,"a":1}}"#).is_err());
        for json in ["[]", "1", "\"{}\"", "null"] {
            assert!(from_json::<Struct>(json).is_err(), "{json}");
        }
        for json in ["{}", "1", "null"] {
            assert!(from_json::<ListValue>(json).is_err(), "{json}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(from_json::<Value>(&deep).is_err());
        let deep = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
        assert!(from_json::<Struct>(&deep).is_err());
    }

    #[test]
    fn list_value_round_trip() {
        let list: ListValue = from_json(r#"[1,"two",[3],{"four":4},null,false]"#).unwrap();
        assert_eq!(list.values.len(), 6);
        assert_eq!(to_json(&list), r#"[1,"two",[3],{"four":4},null,false]"#);
    }

    #[test]
    fn any_round_trip() {
        let any = Any {
            type_url: "type.googleapis.com/livekit.SIPStatus".into(),
            value: vec![0x08, 0x96, 0x01, 0xfb, 0xff],
        };
        let text = to_json(&any);
        assert_eq!(
            text,
            r#"{"@type":"type.googleapis.com/livekit.SIPStatus","value":"CJYB+/8="}"#
        );
        assert_eq!(from_json::<Any>(&text).unwrap(), any);
        // URL-safe alphabet and missing padding read the same bytes.
        let url_safe = r#"{"value":"CJYB-_8","@type":"type.googleapis.com/livekit.SIPStatus"}"#;
        assert_eq!(from_json::<Any>(url_safe).unwrap(), any);
    }

    #[test]
    fn serde_json_value_input_works_too() {
        // Deserializing from an in-memory serde_json::Value takes other visitor paths.
        let value = json!({"t": "1970-01-01T00:00:01Z", "d": "2s", "s": {"k": [1, "x"]}});
        let t = Timestamp::deserialize(&value["t"]).unwrap();
        assert_eq!(t, ts(1, 0));
        let d = Duration::deserialize(&value["d"]).unwrap();
        assert_eq!(d, dur(2, 0));
        let s = Struct::deserialize(&value["s"]).unwrap();
        assert_eq!(serde_json::to_value(&s).unwrap(), value["s"]);
    }

    #[test]
    fn errors_quote_bounded_input() {
        let long = format!("\"{}\"", "9".repeat(10_000));
        let error = from_json::<Timestamp>(&long).unwrap_err().to_string();
        assert!(error.len() < 300, "{error}");
        let error = from_json::<Duration>(&long).unwrap_err().to_string();
        assert!(error.len() < 300, "{error}");
    }
    #[test]
    fn timestamp_reads_offsets_and_short_fractions() {
        let cases = [
            ("1970-01-01T01:00:00+01:00", ts(0, 0)),
            ("1969-12-31T16:00:00-08:00", ts(0, 0)),
            ("1970-01-01T05:30:00.5+05:30", ts(0, 500_000_000)),
            ("1970-01-01T00:00:00.1Z", ts(0, 100_000_000)),
            ("1970-01-01T00:00:00.12345Z", ts(0, 123_450_000)),
            ("1970-01-01T00:00:00.000000000Z", ts(0, 0)),
            ("1970-01-01T00:00:00-00:00", ts(0, 0)),
            // Year 0 with a negative offset lands on 0001-01-01 UTC: valid, as in Go.
            ("0000-12-31T23:00:00-01:00", ts(MIN_TIMESTAMP_SECONDS, 0)),
            ("2024-02-29T23:59:59+23:59", ts(1_709_251_199 - 86_340, 0)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_timestamp(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn any_is_written_with_its_type_and_bytes() {
        assert_eq!(to_json(&Any::default()), "{}");
        let only_type = Any {
            type_url: "t/x".into(),
            value: Vec::new(),
        };
        assert_eq!(to_json(&only_type), r#"{"@type":"t/x"}"#);
        // Go's inline members of the packed message are ignored.
        let inline = r#"{"@type":"t/x","code":"SIP_STATUS_BUSY_HERE","status":"busy"}"#;
        assert_eq!(from_json::<Any>(inline).unwrap(), only_type);
        for json in [
            r#"{"@type":"t/x","value":"!!!"}"#,
            r#"{"@type":"t/x","value":{"a":1}}"#,
            r#"{"@type":1}"#,
            r#"{"@type":"t/x","@type":"t/y"}"#,
            "[]",
            "null",
        ] {
            assert!(from_json::<Any>(json).is_err(), "{json}");
        }
    }
}
