//! Protojson for the well-known types (written by hand: their JSON form is special).
//!
//! pbjson-build is told not to generate these impls (see `xtask/src/codegen.rs`); every other
//! message of the crate serializes its well-known-type fields through the impls below. The
//! rules follow Go's `google.golang.org/protobuf/encoding/protojson`, which is what the
//! LiveKit server writes and reads:
//!
//! | type | JSON form |
//! |---|---|
//! | `Timestamp` | RFC 3339 string, written in UTC with `Z` and 0, 3, 6 or 9 fractional digits; read as Go's `time.Parse(time.RFC3339Nano, …)` reads it (a one- or two-digit hour, `Z` or a `±hh:mm` offset up to `±24:60`, a fraction after `.` of 1–9 digits or after `,` of any length, cut to 9); range `0001-01-01T00:00:00Z` ..= `9999-12-31T23:59:59.999999999Z` |
//! | `Duration` | decimal seconds with an `s` suffix (`"1.5s"`, `"-0.000001s"`), same digit rules, range ±315 576 000 000 s; seconds and nanos must not have opposite signs |
//! | `Empty` | `{}` (members of an object read as `Empty` are ignored) |
//! | `Struct` | a JSON object (keys written in sorted order, as Go does; a duplicate key is an error) |
//! | `Value` | the JSON value itself; `NaN`/infinite numbers and a `Value` with no kind cannot be written |
//! | `ListValue` | a JSON array |
//! | `NullValue` | `null` (reading also takes `"NULL_VALUE"` and numbers) |
//! | `Any` | `{"@type": url, "value": base64}`, see below |
//!
//! `Any`: Go writes the packed message's own JSON members next to `@type`, which needs a type
//! registry; this crate has none, so it writes the packed bytes instead: `{"@type": url}` plus
//! `"value"` (standard base64, omitted when empty), and `{}` for an empty `Any`. Reading keeps
//! `@type` (a non-empty string) and `value` (a string in standard or URL-safe base64, padding
//! optional, like protojson `bytes`), ignores every other member, and reads an object without
//! `@type` as an empty `Any` (what Go does with `DiscardUnknown`). A `value` that is not a
//! base64 string (Go's form for a packed well-known type) is an error, never a guess.
//!
//! Numbers in `Value`: integral numbers below 1e21 are written without a fraction (`1`, not
//! `1.0`), digit for digit as Go writes them. Serde offers no raw number output, so two forms
//! differ textually (not in value) from Go: magnitudes of 1e21 and above (`1e21` for Go's
//! `1e+21`), non-integral magnitudes below 1e-5 (`1.5e-6` for Go's `0.0000015`), and negative
//! zero (`-0.0` for Go's `-0`).
//!
//! Every failure is a serde error; nothing here panics on any input.

use std::fmt;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::google::protobuf::{
    Any, Duration, Empty, ListValue, NullValue, Struct, Timestamp, Value, value::Kind,
};

/// `0001-01-01T00:00:00Z`.
const MIN_TIMESTAMP_SECONDS: i64 = -62_135_596_800;
/// `9999-12-31T23:59:59Z`.
const MAX_TIMESTAMP_SECONDS: i64 = 253_402_300_799;
/// About 10 000 years, the limit of `google.protobuf.Duration`.
const MAX_DURATION_SECONDS: i64 = 315_576_000_000;
const NANOS_PER_SECOND: i32 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;
/// Longest piece of an input quoted back in an error message.
const QUOTE_MAX: usize = 64;

// ---------------------------------------------------------------------------------------------
// Civil calendar (proleptic Gregorian), days counted from 1970-01-01.

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a valid civil date. Years are shifted to start in March so that
/// the leap day is the last day of the shifted year; 400-year eras repeat exactly.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400; // 0..=399
    let shifted_month = (month + 9) % 12; // March = 0 .. February = 11
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1; // 0..=365
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719 468 days separate 0000-03-01 (day 0 of era 0) from 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

/// Inverse of [`days_from_civil`]: `(year, month, day)`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097; // 0..=146 096
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

// ---------------------------------------------------------------------------------------------
// Shared helpers.

/// Appends `.ddd`, `.dddddd` or `.ddddddddd` (the shortest of the three that is exact), or
/// nothing for zero: the rule Go's protojson uses for timestamps and durations.
fn push_fraction(out: &mut String, nanos: u32) {
    use fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = if nanos == 0 {
        Ok(())
    } else if nanos.is_multiple_of(1_000_000) {
        write!(out, ".{:03}", nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        write!(out, ".{:06}", nanos / 1_000)
    } else {
        write!(out, ".{nanos:09}")
    };
}

/// Parses a non-empty run of ASCII digits (at most 18, so no overflow).
fn parse_digits(digits: &[u8]) -> Option<i64> {
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    digits.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// Parses up to nine fractional digits as nanoseconds (`"5"` → 500 000 000).
fn parse_fraction(digits: &[u8]) -> Option<i32> {
    if digits.len() > 9 {
        return None;
    }
    let mut nanos = 0i32;
    for i in 0..9 {
        let digit = match digits.get(i) {
            Some(c) if c.is_ascii_digit() => i32::from(c - b'0'),
            Some(_) => return None,
            None => 0,
        };
        nanos = nanos * 10 + digit;
    }
    Some(nanos)
}

/// The input quoted for an error message, cut to a bounded length.
pub(crate) struct Quoted<'a>(pub(crate) &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        if s.len() <= QUOTE_MAX {
            write!(f, "{s:?}")
        } else {
            let mut end = QUOTE_MAX;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            write!(f, "{:?}…", &s[..end])
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Timestamp.

/// Formats a timestamp as Go's protojson does, or says why it cannot be written.
fn format_timestamp(seconds: i64, nanos: i32) -> Result<String, String> {
    if !(MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&seconds) {
        return Err(format!(
            "google.protobuf.Timestamp: seconds out of range {seconds}"
        ));
    }
    if !(0..NANOS_PER_SECOND).contains(&nanos) {
        return Err(format!(
            "google.protobuf.Timestamp: nanos out of range {nanos}"
        ));
    }
    let (year, month, day) = civil_from_days(seconds.div_euclid(SECONDS_PER_DAY));
    let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let mut out = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        second_of_day / 3_600,
        second_of_day / 60 % 60,
        second_of_day % 60
    );
    push_fraction(&mut out, nanos.unsigned_abs());
    out.push('Z');
    Ok(out)
}

/// Reads a timestamp's text from left to right, one field at a time.
struct TimestampScanner<'a>(&'a [u8]);

impl TimestampScanner<'_> {
    /// Takes `min..=max` ASCII digits, as many as there are up to `max`.
    fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let len = self
            .0
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if len < min {
            return None;
        }
        let (digits, rest) = self.0.split_at(len);
        self.0 = rest;
        parse_digits(digits)
    }

    /// Takes a number of exactly `len` digits within `min..=max`.
    fn field(&mut self, len: usize, min: i64, max: i64) -> Option<i64> {
        self.digits(len, len).filter(|v| (min..=max).contains(v))
    }

    /// Takes one expected byte.
    fn byte(&mut self, expected: u8) -> Option<()> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        (first == expected).then_some(())
    }
}

/// A timestamp's fields as written, before the calendar and range checks.
struct TimestampFields {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    nanos: i32,
    /// More than nine digits after a `.`, which protojson refuses once `time.Parse` took them.
    long_fraction: bool,
    offset_seconds: i64,
}

/// Splits the text as Go's `time.Parse(time.RFC3339Nano, s)` does: a four-digit year, two-digit
/// month, day, minute and second, a one- or two-digit hour, `T` and `Z` in capitals, no leap
/// second; a fraction after `.` or `,` of any length (digits past the ninth ignored); `Z` or a
/// `±hh:mm` offset of at most 24 hours and 60 minutes.
fn scan_timestamp(s: &str) -> Option<TimestampFields> {
    let mut scan = TimestampScanner(s.as_bytes());
    let year = scan.field(4, 0, 9_999)?;
    scan.byte(b'-')?;
    let month = scan.field(2, 1, 12)?;
    scan.byte(b'-')?;
    let day = scan.field(2, 1, 31)?;
    scan.byte(b'T')?;
    let hour = scan.digits(1, 2).filter(|h| *h <= 23)?;
    scan.byte(b':')?;
    let minute = scan.field(2, 0, 59)?;
    scan.byte(b':')?;
    let second = scan.field(2, 0, 59)?;

    let mut nanos = 0;
    let mut long_fraction = false;
    if let [separator @ (b'.' | b','), after @ ..] = scan.0
        && after.first().is_some_and(u8::is_ascii_digit)
    {
        let len = after.iter().take_while(|c| c.is_ascii_digit()).count();
        nanos = parse_fraction(&after[..len.min(9)])?;
        long_fraction = *separator == b'.' && len > 9;
        scan.0 = &after[len..];
    }

    let offset_seconds = match scan.0 {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] if rest.len() == 5 => {
            let mut offset = TimestampScanner(rest);
            let hours = offset.field(2, 0, 24)?;
            offset.byte(b':')?;
            let minutes = offset.field(2, 0, 60)?;
            let seconds = hours * 3_600 + minutes * 60;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    (day <= days_in_month(year, month)).then_some(TimestampFields {
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        long_fraction,
        offset_seconds,
    })
}

/// Parses a timestamp exactly as Go's protojson does: [`scan_timestamp`]'s grammar, then the
/// range `0001-01-01T00:00:00Z` ..= `9999-12-31T23:59:59.999999999Z`, then at most nine digits
/// after a `.` (Go checks only `.`: a longer fraction after `,` is cut to nine digits).
fn parse_timestamp(s: &str) -> Result<Timestamp, String> {
    let invalid = || format!("invalid google.protobuf.Timestamp value {}", Quoted(s));
    let fields = scan_timestamp(s).ok_or_else(invalid)?;
    let seconds = days_from_civil(fields.year, fields.month, fields.day) * SECONDS_PER_DAY
        + fields.hour * 3_600
        + fields.minute * 60
        + fields.second
        - fields.offset_seconds;
    if !(MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&seconds) {
        return Err(format!(
            "google.protobuf.Timestamp value out of range: {}",
            Quoted(s)
        ));
    }
    if fields.long_fraction {
        return Err(invalid());
    }
    Ok(Timestamp {
        seconds,
        nanos: fields.nanos,
    })
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = format_timestamp(self.seconds, self.nanos).map_err(ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;
        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp string (google.protobuf.Timestamp)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                parse_timestamp(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(TimestampVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Duration.

/// Formats a duration as Go's protojson does, or says why it cannot be written.
fn format_duration(seconds: i64, nanos: i32) -> Result<String, String> {
    if !(-MAX_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(&seconds) {
        return Err(format!(
            "google.protobuf.Duration: seconds out of range {seconds}"
        ));
    }
    if nanos <= -NANOS_PER_SECOND || nanos >= NANOS_PER_SECOND {
        return Err(format!(
            "google.protobuf.Duration: nanos out of range {nanos}"
        ));
    }
    if (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0) {
        return Err("google.protobuf.Duration: signs of seconds and nanos do not match".into());
    }
    let mut out = String::new();
    if seconds < 0 || nanos < 0 {
        out.push('-');
    }
    out.push_str(&seconds.unsigned_abs().to_string());
    push_fraction(&mut out, nanos.unsigned_abs());
    out.push('s');
    Ok(out)
}

/// Parses `[+-]` integer part (no leading zeros) and/or `.` up to nine digits, then `s`: the
/// grammar of Go's protojson (`1s`, `0.1s`, `1.s`, `.1s`, `+1s`, `-.1s` are all valid).
fn parse_duration(s: &str) -> Result<Duration, String> {
    let invalid = || format!("invalid google.protobuf.Duration value {}", Quoted(s));
    let Some(body) = s.as_bytes().strip_suffix(b"s").filter(|_| s.len() >= 2) else {
        return Err(invalid());
    };
    let (negative, body) = match body {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, body),
    };
    let int_len = body.iter().take_while(|c| c.is_ascii_digit()).count();
    let (int_part, rest) = body.split_at(int_len);
    if (int_len == 0 && rest.first() != Some(&b'.')) || (int_len > 1 && int_part[0] == b'0') {
        return Err(invalid());
    }
    let nanos = match rest {
        [] => 0,
        [b'.', fraction @ ..] => parse_fraction(fraction).ok_or_else(invalid)?,
        _ => return Err(invalid()),
    };
    let seconds = if int_part.is_empty() {
        0
    } else {
        parse_digits(int_part).ok_or_else(invalid)?
    };
    if seconds > MAX_DURATION_SECONDS {
        return Err(format!(
            "google.protobuf.Duration value out of range: {}",
            Quoted(s)
        ));
    }
    Ok(if negative {
        Duration {
            seconds: -seconds,
            nanos: -nanos,
        }
    } else {
        Duration { seconds, nanos }
    })
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = format_duration(self.seconds, self.nanos).map_err(ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration string such as \"1.5s\" (google.protobuf.Duration)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                parse_duration(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(DurationVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Empty.

impl Serialize for Empty {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_map(Some(0))?.end()
    }
}

impl<'de> Deserialize<'de> for Empty {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EmptyVisitor;
        impl<'de> Visitor<'de> for EmptyVisitor {
            type Value = Empty;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object (google.protobuf.Empty)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Empty, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Empty {})
            }
        }
        deserializer.deserialize_map(EmptyVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Struct, Value, ListValue, NullValue.

/// Writes a `Value` number as Go does where serde allows it (see the module docs).
fn serialize_number<S: Serializer>(v: f64, serializer: S) -> Result<S::Ok, S::Error> {
    if !v.is_finite() {
        return Err(ser::Error::custom(format!(
            "google.protobuf.Value: invalid number value {v} (JSON has no NaN or infinity)"
        )));
    }
    if v.fract() == 0.0 && v.abs() < 1e21 && !(v == 0.0 && v.is_sign_negative()) {
        // `Display` for f64 gives the shortest digits that round-trip, padded with zeros and
        // never in exponent form: exactly Go's `strconv.FormatFloat(v, 'f', -1, 64)`.
        if let Ok(int) = v.to_string().parse::<i128>() {
            return match i64::try_from(int) {
                Ok(small) => serializer.serialize_i64(small),
                Err(_) => serializer.serialize_i128(int),
            };
        }
    }
    serializer.serialize_f64(v)
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.kind {
            None => Err(ser::Error::custom(
                "google.protobuf.Value: none of the oneof fields is set",
            )),
            Some(Kind::NullValue(_)) => serializer.serialize_unit(),
            Some(Kind::NumberValue(v)) => serialize_number(*v, serializer),
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
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for (key, value) in entries {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl Serialize for ListValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.values.len()))?;
        for value in &self.values {
            seq.serialize_element(value)?;
        }
        seq.end()
    }
}

impl Serialize for NullValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

fn struct_from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Struct, A::Error> {
    // Written against the map API shared by HashMap and BTreeMap, so that the choice of map
    // type in codegen does not matter here.
    let mut out = Struct::default();
    while let Some(key) = map.next_key::<String>()? {
        if out.fields.contains_key(&key) {
            return Err(de::Error::custom(format!(
                "duplicate key {} in google.protobuf.Struct",
                Quoted(&key)
            )));
        }
        let value = map.next_value::<Value>()?;
        out.fields.insert(key, value);
    }
    Ok(out)
}

fn list_from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<ListValue, A::Error> {
    let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
    while let Some(value) = seq.next_element::<Value>()? {
        values.push(value);
    }
    Ok(ListValue { values })
}

fn number(v: f64) -> Value {
    Value {
        kind: Some(Kind::NumberValue(v)),
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value (google.protobuf.Value)")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value {
            kind: Some(Kind::NullValue(NullValue::NullValue as i32)),
        })
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value {
            kind: Some(Kind::BoolValue(v)),
        })
    }
    // Integers become doubles with round-to-nearest, as when Go parses the number text.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(number(v as f64))
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value {
            kind: Some(Kind::StringValue(v.to_owned())),
        })
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value {
            kind: Some(Kind::StringValue(v)),
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        Ok(Value {
            kind: Some(Kind::ListValue(list_from_seq(seq)?)),
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        Ok(Value {
            kind: Some(Kind::StructValue(struct_from_map(map)?)),
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

impl<'de> Deserialize<'de> for Struct {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StructVisitor;
        impl<'de> Visitor<'de> for StructVisitor {
            type Value = Struct;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object (google.protobuf.Struct)")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Struct, A::Error> {
                struct_from_map(map)
            }
        }
        deserializer.deserialize_map(StructVisitor)
    }
}

impl<'de> Deserialize<'de> for ListValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = ListValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON array (google.protobuf.ListValue)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ListValue, A::Error> {
                list_from_seq(seq)
            }
        }
        deserializer.deserialize_seq(ListVisitor)
    }
}

impl<'de> Deserialize<'de> for NullValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `null`, its name, or a number; like every enum of the crate, an unknown name or
        // number reads as the default, which is the only value.
        struct NullVisitor;
        impl<'de> Visitor<'de> for NullVisitor {
            type Value = NullValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("null (google.protobuf.NullValue)")
            }
            fn visit_unit<E: de::Error>(self) -> Result<NullValue, E> {
                Ok(NullValue::NullValue)
            }
            fn visit_none<E: de::Error>(self) -> Result<NullValue, E> {
                Ok(NullValue::NullValue)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NullValue, D::Error> {
                NullValue::deserialize(d)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<NullValue, E> {
                Ok(NullValue::NullValue)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NullValue, E> {
                i32::try_from(v)
                    .map(|_| NullValue::NullValue)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NullValue, E> {
                i32::try_from(v)
                    .map(|_| NullValue::NullValue)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
        }
        deserializer.deserialize_any(NullVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Any.

impl Serialize for Any {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.type_url.is_empty() {
            if !self.value.is_empty() {
                return Err(ser::Error::custom(
                    "google.protobuf.Any: type_url is not set",
                ));
            }
            return serializer.serialize_map(Some(0))?.end();
        }
        let len = if self.value.is_empty() { 1 } else { 2 };
        let mut map = serializer.serialize_map(Some(len))?;
        map.serialize_entry("@type", &self.type_url)?;
        if !self.value.is_empty() {
            map.serialize_entry("value", &STANDARD.encode(&self.value))?;
        }
        map.end()
    }
}

/// Base64 as protojson reads `bytes`: the URL-safe alphabet if the text has `-` or `_`, the
/// standard one otherwise; padding optional.
fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    const STD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
    const URL: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);
    if text.contains(['-', '_']) {
        URL.decode(text)
    } else {
        STD.decode(text)
    }
}

/// The `value` member of an `Any`: a base64 string.
struct AnyBytes(Vec<u8>);

impl<'de> Deserialize<'de> for AnyBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BytesVisitor;
        impl Visitor<'_> for BytesVisitor {
            type Value = AnyBytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string (google.protobuf.Any value)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AnyBytes, E> {
                decode_base64(v).map(AnyBytes).map_err(|error| {
                    E::custom(format!(
                        "invalid base64 in google.protobuf.Any value: {error}"
                    ))
                })
            }
        }
        deserializer.deserialize_str(BytesVisitor)
    }
}

/// A member name of an `Any` object.
enum AnyKey {
    Type,
    Value,
    Other,
}

impl<'de> Deserialize<'de> for AnyKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = AnyKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AnyKey, E> {
                Ok(match v {
                    "@type" => AnyKey::Type,
                    "value" => AnyKey::Value,
                    _ => AnyKey::Other,
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for Any {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AnyVisitor;
        impl<'de> Visitor<'de> for AnyVisitor {
            type Value = Any;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object with \"@type\" (google.protobuf.Any)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Any, A::Error> {
                let mut type_url: Option<String> = None;
                let mut value: Option<Vec<u8>> = None;
                while let Some(key) = map.next_key::<AnyKey>()? {
                    match key {
                        AnyKey::Type if type_url.is_some() => {
                            return Err(de::Error::duplicate_field("@type"));
                        }
                        AnyKey::Type => type_url = Some(map.next_value()?),
                        AnyKey::Value if value.is_some() => {
                            return Err(de::Error::duplicate_field("value"));
                        }
                        AnyKey::Value => value = Some(map.next_value::<AnyBytes>()?.0),
                        AnyKey::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                match type_url {
                    // Go with DiscardUnknown reads an object without @type as an empty Any.
                    None => Ok(Any::default()),
                    Some(url) if url.is_empty() => {
                        Err(de::Error::custom("google.protobuf.Any: empty \"@type\""))
                    }
                    Some(type_url) => Ok(Any {
                        type_url,
                        value: value.unwrap_or_default(),
                    }),
                }
            }
        }
        deserializer.deserialize_map(AnyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

    // --- calendar -----------------------------------------------------------------------------

    #[test]
    fn civil_conversions_agree_with_a_day_by_day_walk() {
        let (mut year, mut month, mut day) = (0i64, 1i64, 1i64);
        let mut days = days_from_civil(0, 1, 1);
        assert_eq!(days, -719_528);
        while year <= 9_999 {
            assert_eq!(
                days_from_civil(year, month, day),
                days,
                "{year}-{month}-{day}"
            );
            assert_eq!(civil_from_days(days), (year, month, day));
            days += 1;
            day += 1;
            if day > days_in_month(year, month) {
                day = 1;
                month += 1;
                if month > 12 {
                    month = 1;
                    year += 1;
                }
            }
        }
    }

    #[test]
    fn known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(
            days_from_civil(1, 1, 1) * SECONDS_PER_DAY,
            MIN_TIMESTAMP_SECONDS
        );
        assert_eq!(
            days_from_civil(9_999, 12, 31) * SECONDS_PER_DAY + SECONDS_PER_DAY - 1,
            MAX_TIMESTAMP_SECONDS
        );
        assert!(is_leap_year(2000) && is_leap_year(2024) && !is_leap_year(1900));
    }

    // --- Timestamp ----------------------------------------------------------------------------

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
    fn timestamp_reads_offsets_and_any_fraction_length() {
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
            assert_eq!(parse_timestamp(text), Ok(expected), "{text}");
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
            assert!(parse_timestamp(text).is_err(), "accepted {text:?}");
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
            let error = parse_timestamp(text).unwrap_err();
            assert!(error.contains("out of range"), "{text}: {error}");
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

    /// What Go's protojson (google.golang.org/protobuf v1.36) made of each text, as its
    /// differential-test oracle printed it: the instant re-encoded in UTC, or the kind of error.
    #[derive(Clone, Copy, Debug)]
    enum Go {
        Reads(&'static str),
        Invalid,
        OutOfRange,
    }

    #[test]
    fn timestamp_reads_exactly_what_go_reads() {
        use Go::{Invalid, OutOfRange, Reads};
        let grid = [
            // The reference form.
            ("2024-01-02T03:04:05Z", Reads("2024-01-02T03:04:05Z")),
            // Each field with 0 to 5 digits: only the hour may have one digit.
            ("-01-02T03:04:05Z", Invalid),
            ("4-01-02T03:04:05Z", Invalid),
            ("9-01-02T03:04:05Z", Invalid),
            ("24-01-02T03:04:05Z", Invalid),
            ("99-01-02T03:04:05Z", Invalid),
            ("024-01-02T03:04:05Z", Invalid),
            ("999-01-02T03:04:05Z", Invalid),
            ("9999-01-02T03:04:05Z", Reads("9999-01-02T03:04:05Z")),
            ("02024-01-02T03:04:05Z", Invalid),
            ("99999-01-02T03:04:05Z", Invalid),
            ("2024--02T03:04:05Z", Invalid),
            ("2024-1-02T03:04:05Z", Invalid),
            ("2024-11-02T03:04:05Z", Reads("2024-11-02T03:04:05Z")),
            ("2024-001-02T03:04:05Z", Invalid),
            ("2024-111-02T03:04:05Z", Invalid),
            ("2024-0001-02T03:04:05Z", Invalid),
            ("2024-1111-02T03:04:05Z", Invalid),
            ("2024-00001-02T03:04:05Z", Invalid),
            ("2024-11111-02T03:04:05Z", Invalid),
            ("2024-01-T03:04:05Z", Invalid),
            ("2024-01-2T03:04:05Z", Invalid),
            ("2024-01-1T03:04:05Z", Invalid),
            ("2024-01-22T03:04:05Z", Reads("2024-01-22T03:04:05Z")),
            ("2024-01-11T03:04:05Z", Reads("2024-01-11T03:04:05Z")),
            ("2024-01-002T03:04:05Z", Invalid),
            ("2024-01-222T03:04:05Z", Invalid),
            ("2024-01-111T03:04:05Z", Invalid),
            ("2024-01-0002T03:04:05Z", Invalid),
            ("2024-01-2222T03:04:05Z", Invalid),
            ("2024-01-1111T03:04:05Z", Invalid),
            ("2024-01-00002T03:04:05Z", Invalid),
            ("2024-01-22222T03:04:05Z", Invalid),
            ("2024-01-11111T03:04:05Z", Invalid),
            ("2024-01-02T:04:05Z", Invalid),
            ("2024-01-02T3:04:05Z", Reads("2024-01-02T03:04:05Z")),
            ("2024-01-02T1:04:05Z", Reads("2024-01-02T01:04:05Z")),
            ("2024-01-02T33:04:05Z", Invalid),
            ("2024-01-02T11:04:05Z", Reads("2024-01-02T11:04:05Z")),
            ("2024-01-02T003:04:05Z", Invalid),
            ("2024-01-02T333:04:05Z", Invalid),
            ("2024-01-02T111:04:05Z", Invalid),
            ("2024-01-02T0003:04:05Z", Invalid),
            ("2024-01-02T3333:04:05Z", Invalid),
            ("2024-01-02T1111:04:05Z", Invalid),
            ("2024-01-02T00003:04:05Z", Invalid),
            ("2024-01-02T33333:04:05Z", Invalid),
            ("2024-01-02T11111:04:05Z", Invalid),
            ("2024-01-02T03::05Z", Invalid),
            ("2024-01-02T03:4:05Z", Invalid),
            ("2024-01-02T03:1:05Z", Invalid),
            ("2024-01-02T03:44:05Z", Reads("2024-01-02T03:44:05Z")),
            ("2024-01-02T03:11:05Z", Reads("2024-01-02T03:11:05Z")),
            ("2024-01-02T03:004:05Z", Invalid),
            ("2024-01-02T03:444:05Z", Invalid),
            ("2024-01-02T03:111:05Z", Invalid),
            ("2024-01-02T03:0004:05Z", Invalid),
            ("2024-01-02T03:4444:05Z", Invalid),
            ("2024-01-02T03:1111:05Z", Invalid),
            ("2024-01-02T03:00004:05Z", Invalid),
            ("2024-01-02T03:44444:05Z", Invalid),
            ("2024-01-02T03:11111:05Z", Invalid),
            ("2024-01-02T03:04:Z", Invalid),
            ("2024-01-02T03:04:5Z", Invalid),
            ("2024-01-02T03:04:1Z", Invalid),
            ("2024-01-02T03:04:55Z", Reads("2024-01-02T03:04:55Z")),
            ("2024-01-02T03:04:11Z", Reads("2024-01-02T03:04:11Z")),
            ("2024-01-02T03:04:005Z", Invalid),
            ("2024-01-02T03:04:555Z", Invalid),
            ("2024-01-02T03:04:111Z", Invalid),
            ("2024-01-02T03:04:0005Z", Invalid),
            ("2024-01-02T03:04:5555Z", Invalid),
            ("2024-01-02T03:04:1111Z", Invalid),
            ("2024-01-02T03:04:00005Z", Invalid),
            ("2024-01-02T03:04:55555Z", Invalid),
            ("2024-01-02T03:04:11111Z", Invalid),
            // One-digit hours at both ends of the range.
            ("2024-01-02T9:04:05Z", Reads("2024-01-02T09:04:05Z")),
            ("2024-01-02T0:04:05Z", Reads("2024-01-02T00:04:05Z")),
            // Separators: only `-`, `T`, `:` as written; `Z` in capitals only.
            ("2024-01-02t03:04:05Z", Invalid),
            ("2024-01-02 03:04:05Z", Invalid),
            ("2024-01-02_03:04:05Z", Invalid),
            ("2024-01-0203:04:05Z", Invalid),
            ("2024-01-02TT03:04:05Z", Invalid),
            ("2024/01/02T03:04:05Z", Invalid),
            ("20240102T03:04:05Z", Invalid),
            ("2024-01-02T03.04.05Z", Invalid),
            ("2024-01-02T030405Z", Invalid),
            ("2024-01-02T03:04:05z", Invalid),
            ("2024-01-02T03:04:05", Invalid),
            ("2024-01-02T03:04:05ZZ", Invalid),
            ("2024-01-02T03:04:05UTC", Invalid),
            ("2024-01-02T03:04:05GMT", Invalid),
            ("2024-01-02T03:04:05 Z", Invalid),
            ("2024-01-02T03:04:05Z ", Invalid),
            // Offsets: hours up to 24 and minutes up to 60 (Go's range test is `>`), two digits each.
            ("2024-01-02T03:04:05+00:00", Reads("2024-01-02T03:04:05Z")),
            ("2024-01-02T03:04:05+00:01", Reads("2024-01-02T03:03:05Z")),
            ("2024-01-02T03:04:05+00:30", Reads("2024-01-02T02:34:05Z")),
            ("2024-01-02T03:04:05+00:59", Reads("2024-01-02T02:05:05Z")),
            ("2024-01-02T03:04:05+00:60", Reads("2024-01-02T02:04:05Z")),
            ("2024-01-02T03:04:05+00:61", Invalid),
            ("2024-01-02T03:04:05+00:99", Invalid),
            ("2024-01-02T03:04:05+01:00", Reads("2024-01-02T02:04:05Z")),
            ("2024-01-02T03:04:05+01:01", Reads("2024-01-02T02:03:05Z")),
            ("2024-01-02T03:04:05+01:30", Reads("2024-01-02T01:34:05Z")),
            ("2024-01-02T03:04:05+01:59", Reads("2024-01-02T01:05:05Z")),
            ("2024-01-02T03:04:05+01:60", Reads("2024-01-02T01:04:05Z")),
            ("2024-01-02T03:04:05+01:61", Invalid),
            ("2024-01-02T03:04:05+01:99", Invalid),
            ("2024-01-02T03:04:05+09:00", Reads("2024-01-01T18:04:05Z")),
            ("2024-01-02T03:04:05+09:01", Reads("2024-01-01T18:03:05Z")),
            ("2024-01-02T03:04:05+09:30", Reads("2024-01-01T17:34:05Z")),
            ("2024-01-02T03:04:05+09:59", Reads("2024-01-01T17:05:05Z")),
            ("2024-01-02T03:04:05+09:60", Reads("2024-01-01T17:04:05Z")),
            ("2024-01-02T03:04:05+09:61", Invalid),
            ("2024-01-02T03:04:05+09:99", Invalid),
            ("2024-01-02T03:04:05+12:00", Reads("2024-01-01T15:04:05Z")),
            ("2024-01-02T03:04:05+12:01", Reads("2024-01-01T15:03:05Z")),
            ("2024-01-02T03:04:05+12:30", Reads("2024-01-01T14:34:05Z")),
            ("2024-01-02T03:04:05+12:59", Reads("2024-01-01T14:05:05Z")),
            ("2024-01-02T03:04:05+12:60", Reads("2024-01-01T14:04:05Z")),
            ("2024-01-02T03:04:05+12:61", Invalid),
            ("2024-01-02T03:04:05+12:99", Invalid),
            ("2024-01-02T03:04:05+14:00", Reads("2024-01-01T13:04:05Z")),
            ("2024-01-02T03:04:05+14:01", Reads("2024-01-01T13:03:05Z")),
            ("2024-01-02T03:04:05+14:30", Reads("2024-01-01T12:34:05Z")),
            ("2024-01-02T03:04:05+14:59", Reads("2024-01-01T12:05:05Z")),
            ("2024-01-02T03:04:05+14:60", Reads("2024-01-01T12:04:05Z")),
            ("2024-01-02T03:04:05+14:61", Invalid),
            ("2024-01-02T03:04:05+14:99", Invalid),
            ("2024-01-02T03:04:05+23:00", Reads("2024-01-01T04:04:05Z")),
            ("2024-01-02T03:04:05+23:01", Reads("2024-01-01T04:03:05Z")),
            ("2024-01-02T03:04:05+23:30", Reads("2024-01-01T03:34:05Z")),
            ("2024-01-02T03:04:05+23:59", Reads("2024-01-01T03:05:05Z")),
            ("2024-01-02T03:04:05+23:60", Reads("2024-01-01T03:04:05Z")),
            ("2024-01-02T03:04:05+23:61", Invalid),
            ("2024-01-02T03:04:05+23:99", Invalid),
            ("2024-01-02T03:04:05+24:00", Reads("2024-01-01T03:04:05Z")),
            ("2024-01-02T03:04:05+24:01", Reads("2024-01-01T03:03:05Z")),
            ("2024-01-02T03:04:05+24:30", Reads("2024-01-01T02:34:05Z")),
            ("2024-01-02T03:04:05+24:59", Reads("2024-01-01T02:05:05Z")),
            ("2024-01-02T03:04:05+24:60", Reads("2024-01-01T02:04:05Z")),
            ("2024-01-02T03:04:05+24:61", Invalid),
            ("2024-01-02T03:04:05+24:99", Invalid),
            ("2024-01-02T03:04:05+25:00", Invalid),
            ("2024-01-02T03:04:05+25:01", Invalid),
            ("2024-01-02T03:04:05+25:30", Invalid),
            ("2024-01-02T03:04:05+25:59", Invalid),
            ("2024-01-02T03:04:05+25:60", Invalid),
            ("2024-01-02T03:04:05+25:61", Invalid),
            ("2024-01-02T03:04:05+25:99", Invalid),
            ("2024-01-02T03:04:05+99:00", Invalid),
            ("2024-01-02T03:04:05+99:01", Invalid),
            ("2024-01-02T03:04:05+99:30", Invalid),
            ("2024-01-02T03:04:05+99:59", Invalid),
            ("2024-01-02T03:04:05+99:60", Invalid),
            ("2024-01-02T03:04:05+99:61", Invalid),
            ("2024-01-02T03:04:05+99:99", Invalid),
            ("2024-01-02T03:04:05-00:00", Reads("2024-01-02T03:04:05Z")),
            ("2024-01-02T03:04:05-00:01", Reads("2024-01-02T03:05:05Z")),
            ("2024-01-02T03:04:05-00:30", Reads("2024-01-02T03:34:05Z")),
            ("2024-01-02T03:04:05-00:59", Reads("2024-01-02T04:03:05Z")),
            ("2024-01-02T03:04:05-00:60", Reads("2024-01-02T04:04:05Z")),
            ("2024-01-02T03:04:05-00:61", Invalid),
            ("2024-01-02T03:04:05-00:99", Invalid),
            ("2024-01-02T03:04:05-01:00", Reads("2024-01-02T04:04:05Z")),
            ("2024-01-02T03:04:05-01:01", Reads("2024-01-02T04:05:05Z")),
            ("2024-01-02T03:04:05-01:30", Reads("2024-01-02T04:34:05Z")),
            ("2024-01-02T03:04:05-01:59", Reads("2024-01-02T05:03:05Z")),
            ("2024-01-02T03:04:05-01:60", Reads("2024-01-02T05:04:05Z")),
            ("2024-01-02T03:04:05-01:61", Invalid),
            ("2024-01-02T03:04:05-01:99", Invalid),
            ("2024-01-02T03:04:05-09:00", Reads("2024-01-02T12:04:05Z")),
            ("2024-01-02T03:04:05-09:01", Reads("2024-01-02T12:05:05Z")),
            ("2024-01-02T03:04:05-09:30", Reads("2024-01-02T12:34:05Z")),
            ("2024-01-02T03:04:05-09:59", Reads("2024-01-02T13:03:05Z")),
            ("2024-01-02T03:04:05-09:60", Reads("2024-01-02T13:04:05Z")),
            ("2024-01-02T03:04:05-09:61", Invalid),
            ("2024-01-02T03:04:05-09:99", Invalid),
            ("2024-01-02T03:04:05-12:00", Reads("2024-01-02T15:04:05Z")),
            ("2024-01-02T03:04:05-12:01", Reads("2024-01-02T15:05:05Z")),
            ("2024-01-02T03:04:05-12:30", Reads("2024-01-02T15:34:05Z")),
            ("2024-01-02T03:04:05-12:59", Reads("2024-01-02T16:03:05Z")),
            ("2024-01-02T03:04:05-12:60", Reads("2024-01-02T16:04:05Z")),
            ("2024-01-02T03:04:05-12:61", Invalid),
            ("2024-01-02T03:04:05-12:99", Invalid),
            ("2024-01-02T03:04:05-14:00", Reads("2024-01-02T17:04:05Z")),
            ("2024-01-02T03:04:05-14:01", Reads("2024-01-02T17:05:05Z")),
            ("2024-01-02T03:04:05-14:30", Reads("2024-01-02T17:34:05Z")),
            ("2024-01-02T03:04:05-14:59", Reads("2024-01-02T18:03:05Z")),
            ("2024-01-02T03:04:05-14:60", Reads("2024-01-02T18:04:05Z")),
            ("2024-01-02T03:04:05-14:61", Invalid),
            ("2024-01-02T03:04:05-14:99", Invalid),
            ("2024-01-02T03:04:05-23:00", Reads("2024-01-03T02:04:05Z")),
            ("2024-01-02T03:04:05-23:01", Reads("2024-01-03T02:05:05Z")),
            ("2024-01-02T03:04:05-23:30", Reads("2024-01-03T02:34:05Z")),
            ("2024-01-02T03:04:05-23:59", Reads("2024-01-03T03:03:05Z")),
            ("2024-01-02T03:04:05-23:60", Reads("2024-01-03T03:04:05Z")),
            ("2024-01-02T03:04:05-23:61", Invalid),
            ("2024-01-02T03:04:05-23:99", Invalid),
            ("2024-01-02T03:04:05-24:00", Reads("2024-01-03T03:04:05Z")),
            ("2024-01-02T03:04:05-24:01", Reads("2024-01-03T03:05:05Z")),
            ("2024-01-02T03:04:05-24:30", Reads("2024-01-03T03:34:05Z")),
            ("2024-01-02T03:04:05-24:59", Reads("2024-01-03T04:03:05Z")),
            ("2024-01-02T03:04:05-24:60", Reads("2024-01-03T04:04:05Z")),
            ("2024-01-02T03:04:05-24:61", Invalid),
            ("2024-01-02T03:04:05-24:99", Invalid),
            ("2024-01-02T03:04:05-25:00", Invalid),
            ("2024-01-02T03:04:05-25:01", Invalid),
            ("2024-01-02T03:04:05-25:30", Invalid),
            ("2024-01-02T03:04:05-25:59", Invalid),
            ("2024-01-02T03:04:05-25:60", Invalid),
            ("2024-01-02T03:04:05-25:61", Invalid),
            ("2024-01-02T03:04:05-25:99", Invalid),
            ("2024-01-02T03:04:05-99:00", Invalid),
            ("2024-01-02T03:04:05-99:01", Invalid),
            ("2024-01-02T03:04:05-99:30", Invalid),
            ("2024-01-02T03:04:05-99:59", Invalid),
            ("2024-01-02T03:04:05-99:60", Invalid),
            ("2024-01-02T03:04:05-99:61", Invalid),
            ("2024-01-02T03:04:05-99:99", Invalid),
            ("2024-01-02T03:04:05+1:00", Invalid),
            ("2024-01-02T03:04:05+01:0", Invalid),
            ("2024-01-02T03:04:05+01", Invalid),
            ("2024-01-02T03:04:05+0100", Invalid),
            ("2024-01-02T03:04:05+01:00:00", Invalid),
            ("2024-01-02T03:04:05+001:00", Invalid),
            ("2024-01-02T03:04:05+01:000", Invalid),
            ("2024-01-02T03:04:0501:00", Invalid),
            ("2024-01-02T03:04:05+-1:00", Invalid),
            ("2024-01-02T03:04:05+01;00", Invalid),
            ("2024-01-02T03:04:05+ 1:00", Invalid),
            ("2024-01-02T03:04:05+01:00Z", Invalid),
            ("2024-01-02T03:04:05Z+01:00", Invalid),
            ("2024-01-02T03:04:05−01:00", Invalid),
            ("2024-01-02T03:04:05+24:00:00", Invalid),
            ("2024-01-02T03:04:05+1:0", Invalid),
            // Fractions after `.` (at most 9 digits) or `,` (any length, cut to 9, never rounded).
            ("2024-01-02T03:04:05.Z", Invalid),
            ("2024-01-02T03:04:05.1Z", Reads("2024-01-02T03:04:05.100Z")),
            ("2024-01-02T03:04:05.9Z", Reads("2024-01-02T03:04:05.900Z")),
            ("2024-01-02T03:04:05.12Z", Reads("2024-01-02T03:04:05.120Z")),
            ("2024-01-02T03:04:05.99Z", Reads("2024-01-02T03:04:05.990Z")),
            (
                "2024-01-02T03:04:05.123Z",
                Reads("2024-01-02T03:04:05.123Z"),
            ),
            (
                "2024-01-02T03:04:05.999Z",
                Reads("2024-01-02T03:04:05.999Z"),
            ),
            (
                "2024-01-02T03:04:05.1234Z",
                Reads("2024-01-02T03:04:05.123400Z"),
            ),
            (
                "2024-01-02T03:04:05.9999Z",
                Reads("2024-01-02T03:04:05.999900Z"),
            ),
            (
                "2024-01-02T03:04:05.12345Z",
                Reads("2024-01-02T03:04:05.123450Z"),
            ),
            (
                "2024-01-02T03:04:05.99999Z",
                Reads("2024-01-02T03:04:05.999990Z"),
            ),
            (
                "2024-01-02T03:04:05.123456Z",
                Reads("2024-01-02T03:04:05.123456Z"),
            ),
            (
                "2024-01-02T03:04:05.999999Z",
                Reads("2024-01-02T03:04:05.999999Z"),
            ),
            (
                "2024-01-02T03:04:05.1234567Z",
                Reads("2024-01-02T03:04:05.123456700Z"),
            ),
            (
                "2024-01-02T03:04:05.9999999Z",
                Reads("2024-01-02T03:04:05.999999900Z"),
            ),
            (
                "2024-01-02T03:04:05.12345678Z",
                Reads("2024-01-02T03:04:05.123456780Z"),
            ),
            (
                "2024-01-02T03:04:05.99999999Z",
                Reads("2024-01-02T03:04:05.999999990Z"),
            ),
            (
                "2024-01-02T03:04:05.123456789Z",
                Reads("2024-01-02T03:04:05.123456789Z"),
            ),
            (
                "2024-01-02T03:04:05.999999999Z",
                Reads("2024-01-02T03:04:05.999999999Z"),
            ),
            ("2024-01-02T03:04:05.1234567890Z", Invalid),
            ("2024-01-02T03:04:05.9999999999Z", Invalid),
            ("2024-01-02T03:04:05.12345678901Z", Invalid),
            ("2024-01-02T03:04:05.99999999999Z", Invalid),
            ("2024-01-02T03:04:05.123456789012Z", Invalid),
            ("2024-01-02T03:04:05.999999999999Z", Invalid),
            (
                "2024-01-02T03:04:05.111111111111111111111111111111Z",
                Invalid,
            ),
            (
                "2024-01-02T03:04:05.5+01:00",
                Reads("2024-01-02T02:04:05.500Z"),
            ),
            ("2024-01-02T03:04:05.1234567891+01:00", Invalid),
            ("2024-01-02T03:04:05.1234567891-01:00", Invalid),
            ("2024-01-02T03:04:05,Z", Invalid),
            ("2024-01-02T03:04:05,1Z", Reads("2024-01-02T03:04:05.100Z")),
            ("2024-01-02T03:04:05,9Z", Reads("2024-01-02T03:04:05.900Z")),
            ("2024-01-02T03:04:05,12Z", Reads("2024-01-02T03:04:05.120Z")),
            ("2024-01-02T03:04:05,99Z", Reads("2024-01-02T03:04:05.990Z")),
            (
                "2024-01-02T03:04:05,123Z",
                Reads("2024-01-02T03:04:05.123Z"),
            ),
            (
                "2024-01-02T03:04:05,999Z",
                Reads("2024-01-02T03:04:05.999Z"),
            ),
            (
                "2024-01-02T03:04:05,1234Z",
                Reads("2024-01-02T03:04:05.123400Z"),
            ),
            (
                "2024-01-02T03:04:05,9999Z",
                Reads("2024-01-02T03:04:05.999900Z"),
            ),
            (
                "2024-01-02T03:04:05,12345Z",
                Reads("2024-01-02T03:04:05.123450Z"),
            ),
            (
                "2024-01-02T03:04:05,99999Z",
                Reads("2024-01-02T03:04:05.999990Z"),
            ),
            (
                "2024-01-02T03:04:05,123456Z",
                Reads("2024-01-02T03:04:05.123456Z"),
            ),
            (
                "2024-01-02T03:04:05,999999Z",
                Reads("2024-01-02T03:04:05.999999Z"),
            ),
            (
                "2024-01-02T03:04:05,1234567Z",
                Reads("2024-01-02T03:04:05.123456700Z"),
            ),
            (
                "2024-01-02T03:04:05,9999999Z",
                Reads("2024-01-02T03:04:05.999999900Z"),
            ),
            (
                "2024-01-02T03:04:05,12345678Z",
                Reads("2024-01-02T03:04:05.123456780Z"),
            ),
            (
                "2024-01-02T03:04:05,99999999Z",
                Reads("2024-01-02T03:04:05.999999990Z"),
            ),
            (
                "2024-01-02T03:04:05,123456789Z",
                Reads("2024-01-02T03:04:05.123456789Z"),
            ),
            (
                "2024-01-02T03:04:05,999999999Z",
                Reads("2024-01-02T03:04:05.999999999Z"),
            ),
            (
                "2024-01-02T03:04:05,1234567890Z",
                Reads("2024-01-02T03:04:05.123456789Z"),
            ),
            (
                "2024-01-02T03:04:05,9999999999Z",
                Reads("2024-01-02T03:04:05.999999999Z"),
            ),
            (
                "2024-01-02T03:04:05,12345678901Z",
                Reads("2024-01-02T03:04:05.123456789Z"),
            ),
            (
                "2024-01-02T03:04:05,99999999999Z",
                Reads("2024-01-02T03:04:05.999999999Z"),
            ),
            (
                "2024-01-02T03:04:05,123456789012Z",
                Reads("2024-01-02T03:04:05.123456789Z"),
            ),
            (
                "2024-01-02T03:04:05,999999999999Z",
                Reads("2024-01-02T03:04:05.999999999Z"),
            ),
            (
                "2024-01-02T03:04:05,111111111111111111111111111111Z",
                Reads("2024-01-02T03:04:05.111111111Z"),
            ),
            (
                "2024-01-02T03:04:05,5+01:00",
                Reads("2024-01-02T02:04:05.500Z"),
            ),
            (
                "2024-01-02T03:04:05,1234567891+01:00",
                Reads("2024-01-02T02:04:05.123456789Z"),
            ),
            (
                "2024-01-02T03:04:05,1234567891-01:00",
                Reads("2024-01-02T04:04:05.123456789Z"),
            ),
            ("2024-01-02T03:04:05.5,5Z", Invalid),
            ("2024-01-02T03:04:05.5.5Z", Invalid),
            ("2024-01-02T03:04:05..5Z", Invalid),
            ("2024-01-02T03:04:05.-5Z", Invalid),
            ("2024-01-02T03:04:05.+5Z", Invalid),
            ("2024-01-02T03:04:05. 5Z", Invalid),
            (
                "2024-01-02T03:04:05,5+24:60",
                Reads("2024-01-01T02:04:05.500Z"),
            ),
            // Clock and calendar: no leap second or hour 24; days checked against the month.
            ("2024-01-02T03:04:60Z", Invalid),
            ("2024-01-02T03:04:61Z", Invalid),
            ("2024-01-02T03:04:99Z", Invalid),
            ("2024-01-02T23:59:60Z", Invalid),
            ("2024-01-02T03:60:05Z", Invalid),
            ("2024-01-02T24:04:05Z", Invalid),
            ("2024-01-02T24:00:00Z", Invalid),
            ("2024-01-02T25:04:05Z", Invalid),
            ("2024-04-31T03:04:05Z", Invalid),
            ("2024-04-30T03:04:05Z", Reads("2024-04-30T03:04:05Z")),
            ("2023-02-29T03:04:05Z", Invalid),
            ("2024-02-29T03:04:05Z", Reads("2024-02-29T03:04:05Z")),
            ("1900-02-29T03:04:05Z", Invalid),
            ("2000-02-29T03:04:05Z", Reads("2000-02-29T03:04:05Z")),
            ("2024-02-30T03:04:05Z", Invalid),
            ("2024-01-31T03:04:05Z", Reads("2024-01-31T03:04:05Z")),
            ("2024-01-32T03:04:05Z", Invalid),
            ("2024-12-31T03:04:05Z", Reads("2024-12-31T03:04:05Z")),
            ("2024-00-01T03:04:05Z", Invalid),
            ("2024-13-01T03:04:05Z", Invalid),
            ("2024-01-00T03:04:05Z", Invalid),
            ("2024-06-31T03:04:05Z", Invalid),
            ("2024-09-31T03:04:05Z", Invalid),
            ("2024-11-31T03:04:05Z", Invalid),
            ("0000-02-29T03:04:05Z", OutOfRange),
            ("0004-02-29T03:04:05Z", Reads("0004-02-29T03:04:05Z")),
            ("0100-02-29T03:04:05Z", Invalid),
            ("0400-02-29T03:04:05Z", Reads("0400-02-29T03:04:05Z")),
            // Years: four digits, no sign; the range is checked on the instant, after the offset.
            ("0000-01-02T03:04:05Z", OutOfRange),
            ("0000-01-01T00:00:00Z", OutOfRange),
            ("0000-12-31T23:59:59.999999999Z", OutOfRange),
            ("0001-01-02T03:04:05Z", Reads("0001-01-02T03:04:05Z")),
            ("0001-01-01T00:00:00Z", Reads("0001-01-01T00:00:00Z")),
            (
                "0001-12-31T23:59:59.999999999Z",
                Reads("0001-12-31T23:59:59.999999999Z"),
            ),
            ("9999-01-01T00:00:00Z", Reads("9999-01-01T00:00:00Z")),
            (
                "9999-12-31T23:59:59.999999999Z",
                Reads("9999-12-31T23:59:59.999999999Z"),
            ),
            ("10000-01-02T03:04:05Z", Invalid),
            ("10000-01-01T00:00:00Z", Invalid),
            ("10000-12-31T23:59:59.999999999Z", Invalid),
            ("00000-01-02T03:04:05Z", Invalid),
            ("00000-01-01T00:00:00Z", Invalid),
            ("00000-12-31T23:59:59.999999999Z", Invalid),
            ("+2024-01-02T03:04:05Z", Invalid),
            ("+2024-01-01T00:00:00Z", Invalid),
            ("+2024-12-31T23:59:59.999999999Z", Invalid),
            ("-2024-01-02T03:04:05Z", Invalid),
            ("-2024-01-01T00:00:00Z", Invalid),
            ("-2024-12-31T23:59:59.999999999Z", Invalid),
            (" 2024-01-02T03:04:05Z", Invalid),
            (" 2024-01-01T00:00:00Z", Invalid),
            (" 2024-12-31T23:59:59.999999999Z", Invalid),
            ("0000-12-31T23:59:59Z", OutOfRange),
            ("0000-12-31T23:00:00-01:00", Reads("0001-01-01T00:00:00Z")),
            ("0000-12-31T00:00:00-24:00", Reads("0001-01-01T00:00:00Z")),
            ("0000-12-31T00:00:00-24:60", Reads("0001-01-01T01:00:00Z")),
            ("0000-12-30T23:00:00-24:60", Reads("0001-01-01T00:00:00Z")),
            ("0000-12-30T23:00:01-24:60", Reads("0001-01-01T00:00:01Z")),
            ("0001-01-01T00:00:00+00:01", OutOfRange),
            ("0001-01-01T00:59:59.999999999+01:00", OutOfRange),
            ("0001-01-01T01:00:00+01:00", Reads("0001-01-01T00:00:00Z")),
            ("9999-12-31T23:59:59-00:01", OutOfRange),
            (
                "9999-12-31T23:59:59.999999999-00:00",
                Reads("9999-12-31T23:59:59.999999999Z"),
            ),
            ("9999-12-31T00:00:00-24:00", OutOfRange),
            ("9999-12-30T23:00:00-24:60", OutOfRange),
            (
                "9999-12-30T22:59:59.999999999-24:60",
                Reads("9999-12-31T23:59:59.999999999Z"),
            ),
            ("9999-12-31T23:59:59+24:60", Reads("9999-12-30T22:59:59Z")),
            (
                "0001-01-01T00:00:00,5+00:00",
                Reads("0001-01-01T00:00:00.500Z"),
            ),
            // Whitespace, empty and partial text, non-ASCII digits, combinations.
            ("", Invalid),
            (" ", Invalid),
            ("Z", Invalid),
            ("T", Invalid),
            ("2024-01-02T03:04:05Z\n", Invalid),
            ("\t2024-01-02T03:04:05Z", Invalid),
            ("2024-01-02\u{a0}03:04:05Z", Invalid),
            ("2024-01-02", Invalid),
            ("2024-01-02T03:04Z", Invalid),
            ("2024-01-02T03Z", Invalid),
            ("2024-01-02T03:04:05.", Invalid),
            ("2024-01-02T3:4:5Z", Invalid),
            ("2024-01-02T3:04:5Z", Invalid),
            ("2024-1-2T3:04:05Z", Invalid),
            ("2024-01-02T3:04:05.5+1:00", Invalid),
            (
                "2024-01-02T3:04:05,5-24:60",
                Reads("2024-01-03T04:04:05.500Z"),
            ),
            ("2024-01-02T0:00:00Z", Reads("2024-01-02T00:00:00Z")),
            (
                "2024-01-02T9:59:59.999999999Z",
                Reads("2024-01-02T09:59:59.999999999Z"),
            ),
            (
                "2024-01-02T03:04:05.000000000Z",
                Reads("2024-01-02T03:04:05Z"),
            ),
            (
                "2024-01-02T03:04:05,000000000000Z",
                Reads("2024-01-02T03:04:05Z"),
            ),
            ("٢٠٢٤-01-02T03:04:05Z", Invalid),
            ("2024-01-02T03:04:0٥Z", Invalid),
            ("2024-01-02T03:04:05.٥Z", Invalid),
            ("2024-01-02T03:04:05+0١:00", Invalid),
        ];
        for (text, go) in grid {
            let ours = parse_timestamp(text);
            let json = serde_json::to_string(text).unwrap();
            assert_eq!(
                from_json::<Timestamp>(&json).is_ok(),
                ours.is_ok(),
                "{text:?}"
            );
            match (go, ours) {
                (Reads(utc), Ok(value)) => {
                    assert_eq!(to_json(&value), format!("\"{utc}\""), "{text:?}")
                }
                (Invalid, Err(error)) => {
                    assert!(error.starts_with("invalid "), "{text:?}: {error}")
                }
                (OutOfRange, Err(error)) => {
                    assert!(error.contains("out of range"), "{text:?}: {error}")
                }
                (go, ours) => panic!("{text:?}: Go {go:?}, ours {ours:?}"),
            }
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

    // --- Duration -----------------------------------------------------------------------------

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
            assert_eq!(parse_duration(text), Ok(expected), "{text}");
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
            assert!(parse_duration(text).is_err(), "accepted {text:?}");
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

    // --- Empty --------------------------------------------------------------------------------

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

    // --- Struct / Value / ListValue / NullValue -----------------------------------------------

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
        let cases: [(f64, &str); 12] = [
            (1.0, "1"),
            (-1.0, "-1"),
            (0.0, "0"),
            (0.5, "0.5"),
            (1.5, "1.5"),
            (1e20, "100000000000000000000"),
            (1.234_567_890_123_456_8e20, "123456789012345680000"),
            (9_007_199_254_740_993.0, "9007199254740992"),
            (-9.3e18, "-9300000000000000000"),
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
    fn null_value() {
        assert_eq!(to_json(&NullValue::NullValue), "null");
        for json in ["null", "\"NULL_VALUE\"", "0", "\"FUTURE\"", "7"] {
            assert_eq!(
                from_json::<NullValue>(json).unwrap(),
                NullValue::NullValue,
                "{json}"
            );
        }
        for json in ["{}", "[]", "true", "4294967296"] {
            assert!(from_json::<NullValue>(json).is_err(), "{json}");
        }
    }

    // --- Any ----------------------------------------------------------------------------------

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
    fn any_edge_cases() {
        assert_eq!(to_json(&Any::default()), "{}");
        assert_eq!(from_json::<Any>("{}").unwrap(), Any::default());
        let only_type = Any {
            type_url: "t/x".into(),
            value: Vec::new(),
        };
        assert_eq!(to_json(&only_type), r#"{"@type":"t/x"}"#);
        assert_eq!(from_json::<Any>(r#"{"@type":"t/x"}"#).unwrap(), only_type);
        // Go's inline members of the packed message are ignored.
        let inline = r#"{"@type":"t/x","code":"SIP_STATUS_BUSY_HERE","status":"busy"}"#;
        assert_eq!(from_json::<Any>(inline).unwrap(), only_type);
        // No @type: read as empty, like Go with DiscardUnknown.
        assert_eq!(from_json::<Any>(r#"{"other":1}"#).unwrap(), Any::default());
        // A value without a type cannot be written.
        assert!(
            serde_json::to_string(&Any {
                type_url: String::new(),
                value: vec![1]
            })
            .is_err()
        );
    }

    #[test]
    fn any_rejects_malformed_members() {
        for json in [
            r#"{"@type":"t/x","value":"!!!"}"#,
            r#"{"@type":"t/x","value":{"a":1}}"#,
            r#"{"@type":"t/x","value":1}"#,
            r#"{"@type":"t/x","value":null}"#,
            r#"{"@type":1}"#,
            r#"{"@type":null}"#,
            r#"{"@type":""}"#,
            r#"{"@type":"t/x","@type":"t/y"}"#,
            r#"{"@type":"t/x","value":"AA==","value":"AA=="}"#,
            "[]",
            "\"t/x\"",
            "null",
        ] {
            assert!(from_json::<Any>(json).is_err(), "{json}");
        }
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
}
