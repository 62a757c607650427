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
//! Numbers in `Value`: integral numbers below 1e21 are written without a fraction (`1`, not
//! `1.0`), digit for digit as Go writes them. Serde offers no raw number output, so two forms
//! differ textually (not in value) from Go: magnitudes of 1e21 and above (`1e21` for Go's
//! `1e+21`), non-integral magnitudes below 1e-5 (`1.5e-6` for Go's `0.0000015`), and negative
//! zero (`-0.0` for Go's `-0`).

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
    parse(&text).ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(&text), &expecting))
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
        if seconds.abs() > MAX_DURATION_SECONDS
            || nanos.abs() >= NANOS_PER_SECOND
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
        || (integer.is_empty() && fraction.is_empty())
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
    (seconds.abs() <= MAX_DURATION_SECONDS).then_some(Duration { seconds, nanos })
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
            // `Display` for f64 gives the shortest digits that round-trip, padded with zeros
            // and never in exponent form: exactly Go's `strconv.FormatFloat(v, 'f', -1, 64)`.
            Some(Kind::NumberValue(v))
                if v.fract() == 0.0 && v.abs() < 1e21 && !(*v == 0.0 && v.is_sign_negative()) =>
            {
                match v.to_string().parse::<i128>() {
                    Ok(int) => serializer.serialize_i128(int),
                    Err(_) => serializer.serialize_f64(*v),
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
        let mut entries: Vec<(&String, &Value)> = self.fields.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        serializer.collect_map(entries)
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
