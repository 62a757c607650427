//! The protojson rules, written once: what `cargo xtask codegen` emits for each message
//! (`src/generated/*.serde.rs`, from `xtask/src/protojson.rs`) is a list of fields, each with
//! its JSON name, its proto name and a [`Codec`]; every rule lives here.
//!
//! Go's `protojson` (with `DiscardUnknown`, as the LiveKit server reads) is the reference:
//!
//! - names: written in lowerCamelCase, read in that form or as the proto name;
//! - a field at its default value is not written; an `optional` field or a oneof member that is
//!   set is written whatever its value;
//! - numbers ([`ProtoNumber`]): 64-bit integers written as strings; `float`/`double` write
//!   `NaN`, `Infinity` and `-Infinity` as those strings; any number is read from a JSON number
//!   or a string holding one, by its value (`5`, `5.0`, `"5e0"`), never `"+5"`, `"05"`, `" 5"`;
//! - `bytes` as standard base64 written, standard or URL-safe (padding optional) read;
//! - enums by name; an enum number with no name is written as a number and kept when read; a
//!   name this version does not know leaves the field unset (a list drops the element);
//! - `null` leaves a field unset; it is an error inside a list or as a map value;
//! - a field given twice (also after `null`), a map key given twice (after parsing it) and a
//!   second member of a oneof (unless the earlier one was `null`) are errors;
//! - unknown fields are skipped; map keys are written sorted (the maps are `BTreeMap`s).
//!
//! Every failure is a typed serde error; nothing here panics on any input.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use serde::de::{
    self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Unexpected, Visitor,
};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// How a field's value is written and read: one per kind of field.
pub(crate) trait Codec {
    /// The Rust type that holds the value.
    type T;
    /// Whether a plain (not `optional`, not oneof) field holding `v` is left out when writing.
    fn skip(v: &Self::T) -> bool;
    fn write<S: Serializer>(v: &Self::T, s: S) -> Result<S::Ok, S::Error>;
    /// Reads a value that is not `null`; `None` for a value that leaves the field unset (an
    /// enum name this version does not know).
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self::T>, D::Error>;
}

/// A value written through its codec.
struct Write<'a, C: Codec>(&'a C::T);

impl<C: Codec> Serialize for Write<'_, C> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        C::write(self.0, s)
    }
}

/// Writes a plain field unless it holds its default.
pub(crate) fn field<C: Codec, M: SerializeMap>(
    m: &mut M,
    name: &str,
    v: &C::T,
) -> Result<(), M::Error> {
    if C::skip(v) {
        Ok(())
    } else {
        m.serialize_entry(name, &Write::<C>(v))
    }
}

/// Writes a set `optional` field or oneof member, whatever its value.
pub(crate) fn entry<C: Codec, M: SerializeMap>(
    m: &mut M,
    name: &str,
    v: &C::T,
) -> Result<(), M::Error> {
    m.serialize_entry(name, &Write::<C>(v))
}

// ---------------------------------------------------------------------------------------------
// Messages.

/// A message, as `cargo xtask codegen` describes it.
pub(crate) trait Message: Default {
    /// The full protobuf name, for errors.
    const NAME: &'static str;
    /// The JSON name of each field, by index.
    const FIELDS: &'static [&'static str];
    /// The index of the field named `key` (its JSON name or its proto name).
    fn field(key: &str) -> Option<usize>;
    /// Reads field `index`'s value into `self`; `seen` marks the oneofs already set.
    fn read<'de, A: MapAccess<'de>>(
        &mut self,
        index: usize,
        map: &mut A,
        seen: &mut Seen,
    ) -> Result<(), A::Error>;
}

/// Fields (and then oneofs) already seen in a message object: codegen checks that a message
/// has at most 256 of them.
#[derive(Default)]
pub(crate) struct Seen([u64; 4]);

impl Seen {
    /// Marks `slot`; `true` if it was marked already.
    fn mark(&mut self, slot: usize) -> bool {
        let (word, bit) = (slot / 64, 1u64 << (slot % 64));
        let was = self.0[word] & bit != 0;
        self.0[word] |= bit;
        was
    }
}

/// Reads a message object (what every generated `Deserialize` impl calls).
pub(crate) fn message<'de, M: Message, D: Deserializer<'de>>(d: D) -> Result<M, D::Error> {
    struct MessageVisitor<M>(PhantomData<M>);
    impl<'de, M: Message> Visitor<'de> for MessageVisitor<M> {
        type Value = M;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a JSON object ({})", M::NAME)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<M, A::Error> {
            let mut message = M::default();
            let mut seen = Seen::default();
            while let Some(index) = map.next_key_seed(Key::<M>(PhantomData))? {
                match index {
                    Some(i) if seen.mark(i) => {
                        return Err(de::Error::duplicate_field(M::FIELDS[i]));
                    }
                    Some(i) => message.read(i, &mut map, &mut seen)?,
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(message)
        }
    }
    d.deserialize_map(MessageVisitor(PhantomData))
}

/// A member name, read as the index of the field it names (`None` for an unknown field).
struct Key<M>(PhantomData<M>);

impl<'de, M: Message> DeserializeSeed<'de> for Key<M> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<M: Message> Visitor<'_> for Key<M> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(M::field(v))
    }
}

/// A field's value: `None` for `null`, else what the codec read.
struct Nullable<C>(PhantomData<C>);

impl<'de, C: Codec> DeserializeSeed<'de> for Nullable<C> {
    type Value = Option<Option<C::T>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, C: Codec> Visitor<'de> for Nullable<C> {
    type Value = Option<Option<C::T>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        C::read(d).map(Some)
    }
}

/// Reads a plain field: `null` and an unknown enum name leave it unset.
pub(crate) fn set<'de, C: Codec, A: MapAccess<'de>>(
    map: &mut A,
    field: &mut C::T,
) -> Result<(), A::Error> {
    if let Some(Some(v)) = map.next_value_seed(Nullable::<C>(PhantomData))? {
        *field = v;
    }
    Ok(())
}

/// Reads a oneof member: any value but `null` sets the oneof (slot `slot` of `seen`), even one
/// that leaves the member unset; the value, if any, is returned.
pub(crate) fn oneof<'de, C: Codec, A: MapAccess<'de>>(
    map: &mut A,
    seen: &mut Seen,
    slot: usize,
    oneof: &str,
) -> Result<Option<C::T>, A::Error> {
    match map.next_value_seed(Nullable::<C>(PhantomData))? {
        Some(_) if seen.mark(slot) => Err(de::Error::custom(format_args!(
            "oneof {oneof} is already set"
        ))),
        read => Ok(read.flatten()),
    }
}

// ---------------------------------------------------------------------------------------------
// Codecs.

/// A value serde reads and writes as protojson does: `string`, `bool`, a message (or a
/// well-known type, whose impls are in `wkt_json.rs`).
pub(crate) struct Plain<T>(PhantomData<T>);

impl<T: Serialize + for<'de> Deserialize<'de> + Default + PartialEq> Codec for Plain<T> {
    type T = T;
    fn skip(v: &T) -> bool {
        *v == T::default()
    }
    fn write<S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
        T::deserialize(d).map(Some)
    }
}

/// An `optional` field or a message field: written when set.
pub(crate) struct Opt<C>(PhantomData<C>);

impl<C: Codec> Codec for Opt<C> {
    type T = Option<C::T>;
    fn skip(v: &Option<C::T>) -> bool {
        v.is_none()
    }
    fn write<S: Serializer>(v: &Option<C::T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => C::write(v, s),
            None => s.serialize_none(),
        }
    }
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<C::T>>, D::Error> {
        C::read(d).map(|v| v.map(Some))
    }
}

/// `bytes`: standard base64 written; read in the URL-safe alphabet if the text has `-` or `_`,
/// the standard one otherwise, padding optional.
pub(crate) struct Bytes;

impl Codec for Bytes {
    type T = Vec<u8>;
    fn skip(v: &Vec<u8>) -> bool {
        v.is_empty()
    }
    fn write<S: Serializer>(v: &Vec<u8>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }
    /// As Go reads it: the URL-safe alphabet when the text has `-` or `_`, padding required
    /// when the length is a multiple of 4 and refused otherwise (the length counted before
    /// `\r` and `\n`, which are skipped anywhere), trailing bits allowed.
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        const fn config(padding: DecodePaddingMode) -> GeneralPurposeConfig {
            GeneralPurposeConfig::new()
                .with_decode_padding_mode(padding)
                .with_decode_allow_trailing_bits(true)
        }
        const PADDED: GeneralPurposeConfig = config(DecodePaddingMode::RequireCanonical);
        const UNPADDED: GeneralPurposeConfig = config(DecodePaddingMode::RequireNone);
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let alphabet = if text.contains(['-', '_']) {
            &base64::alphabet::URL_SAFE
        } else {
            &base64::alphabet::STANDARD
        };
        let padding = if text.len() % 4 == 0 {
            PADDED
        } else {
            UNPADDED
        };
        let engine = GeneralPurpose::new(alphabet, padding);
        let bytes = if text.contains(['\r', '\n']) {
            engine.decode(text.replace(['\r', '\n'], ""))
        } else {
            engine.decode(text.as_bytes())
        };
        bytes
            .map(Some)
            .map_err(|e| de::Error::custom(format_args!("invalid base64: {e}")))
    }
}

/// A repeated field.
pub(crate) struct List<C>(PhantomData<C>);

impl<C: Codec> Codec for List<C> {
    type T = Vec<C::T>;
    fn skip(v: &Vec<C::T>) -> bool {
        v.is_empty()
    }
    fn write<S: Serializer>(v: &Vec<C::T>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(Write::<C>))
    }
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<C::T>>, D::Error> {
        d.deserialize_seq(List::<C>(PhantomData)).map(Some)
    }
}

impl<'de, C: Codec> Visitor<'de> for List<C> {
    type Value = Vec<C::T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<C::T>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element_seed(Value::<C>(PhantomData))? {
            out.extend(v);
        }
        Ok(out)
    }
}

/// A list element or map value: not `null`.
struct Value<C>(PhantomData<C>);

impl<'de, C: Codec> DeserializeSeed<'de> for Value<C> {
    type Value = Option<C::T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<C::T>, D::Error> {
        C::read(d)
    }
}

/// A map field with keys of type `K` (`String`, an integer or `bool`; read from a string as
/// Go's `strconv` reads it: `"+7"` and `"007"` are `7`) and values read by `V`.
pub(crate) struct Map<K, V>(PhantomData<(K, V)>);

impl<K: Ord + FromStr + fmt::Display, V: Codec> Codec for Map<K, V> {
    type T = BTreeMap<K, V::T>;
    fn skip(v: &Self::T) -> bool {
        v.is_empty()
    }
    fn write<S: Serializer>(v: &Self::T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(v.iter().map(|(k, v)| (k.to_string(), Write::<V>(v))))
    }
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self::T>, D::Error> {
        d.deserialize_map(Map::<K, V>(PhantomData)).map(Some)
    }
}

impl<'de, K: Ord + FromStr + fmt::Display, V: Codec> Visitor<'de> for Map<K, V> {
    type Value = BTreeMap<K, V::T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (a map)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(text) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let key = text.parse::<K>().map_err(|_| {
                de::Error::invalid_value(
                    Unexpected::Str(&text),
                    &"a map key of the field's key type",
                )
            })?;
            match out.entry(key) {
                Entry::Occupied(e) => {
                    return Err(de::Error::custom(format_args!(
                        "duplicate map key {:?}",
                        e.key().to_string()
                    )));
                }
                Entry::Vacant(e) => {
                    if let Some(v) = map.next_value_seed(Value::<V>(PhantomData))? {
                        e.insert(v);
                    }
                }
            }
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Enums.

/// An enum of the protocol (implemented by codegen for every enum, from prost's names).
pub(crate) trait ProtoEnum {
    /// The full protobuf name, for errors.
    const NAME: &'static str;
    fn number_of(name: &str) -> Option<i32>;
    fn name_of(number: i32) -> Option<&'static str>;
}

/// An enum field: the number of a variant, as prost stores it.
pub(crate) struct Enum<E>(PhantomData<E>);

impl<E: ProtoEnum> Codec for Enum<E> {
    type T = i32;
    fn skip(v: &i32) -> bool {
        *v == 0
    }
    fn write<S: Serializer>(v: &i32, s: S) -> Result<S::Ok, S::Error> {
        match E::name_of(*v) {
            Some(name) => s.serialize_str(name),
            None => s.serialize_i32(*v),
        }
    }
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
        d.deserialize_any(Enum::<E>(PhantomData))
    }
}

impl<E: ProtoEnum> Visitor<'_> for Enum<E> {
    type Value = Option<i32>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} name or an int32", E::NAME)
    }
    fn visit_str<Er: de::Error>(self, v: &str) -> Result<Option<i32>, Er> {
        Ok(E::number_of(v))
    }
    // A number as an `int32` field's value.
    fn visit_u64<Er: de::Error>(self, v: u64) -> Result<Option<i32>, Er> {
        Num::<i32>(PhantomData).visit_u64(v).map(Some)
    }
    fn visit_i64<Er: de::Error>(self, v: i64) -> Result<Option<i32>, Er> {
        Num::<i32>(PhantomData).visit_i64(v).map(Some)
    }
    fn visit_f64<Er: de::Error>(self, v: f64) -> Result<Option<i32>, Er> {
        Num::<i32>(PhantomData).visit_f64(v).map(Some)
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers.

/// A numeric field of Rust type `T`.
pub(crate) struct Num<T>(PhantomData<T>);

impl<T: ProtoNumber> Codec for Num<T> {
    type T = T;
    fn skip(v: &T) -> bool {
        v.is_zero()
    }
    fn write<S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.write(s)
    }
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(Num::<T>(PhantomData)).map(Some)
    }
}

impl<T: ProtoNumber> Visitor<'_> for Num<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::from_int(v.into()).ok_or_else(|| E::invalid_value(Unexpected::Unsigned(v), &self))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_int(v.into()).ok_or_else(|| E::invalid_value(Unexpected::Signed(v), &self))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        T::from_f64(v).ok_or_else(|| E::invalid_value(Unexpected::Float(v), &self))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::from_json_str(v).ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
    }
}

/// Integers below this magnitude are exact in an `f64`, so a JSON number such as `1e2` or
/// `5.0`, which the JSON reader hands over as an `f64`, can be read as an integer without doubt.
const EXACT_IN_F64: f64 = 9_007_199_254_740_992.0; // 2^53

/// A protobuf scalar number type.
pub(crate) trait ProtoNumber: Sized + Copy {
    /// What an error says was expected.
    const EXPECTING: &'static str;
    fn is_zero(&self) -> bool;
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
    /// From a JSON integer; `None` when out of range.
    fn from_int(v: i128) -> Option<Self>;
    /// From a JSON number with a fraction or an exponent (or an integer beyond 64 bits).
    fn from_f64(v: f64) -> Option<Self>;
    /// From a string holding a JSON number (or, for floats, `NaN`, `Infinity`, `-Infinity`).
    fn from_json_str(s: &str) -> Option<Self>;
}

macro_rules! integer {
    ($($t:ty => $name:literal, $write:ident;)*) => {$(
        impl ProtoNumber for $t {
            const EXPECTING: &'static str =
                concat!($name, " (a JSON number or a string of one, with an integer value)");
            fn is_zero(&self) -> bool {
                *self == 0
            }
            fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                integer!(@$write self s)
            }
            fn from_int(v: i128) -> Option<Self> {
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
                JsonNumber::parse(s)?.integer().and_then(Self::from_int)
            }
        }
    )*};
    (@number $v:ident $s:ident) => { $s.serialize_i64(i64::from(*$v)) };
    (@string $v:ident $s:ident) => { $s.collect_str($v) };
}

integer! {
    i32 => "an int32", number;
    u32 => "a uint32", number;
    i64 => "an int64", string;
    u64 => "a uint64", string;
}

macro_rules! float {
    ($($t:ty => $name:literal, $write:ident;)*) => {$(
        impl ProtoNumber for $t {
            const EXPECTING: &'static str = concat!(
                $name,
                " (a JSON number in range, or a string of one, \"NaN\", \"Infinity\" or \"-Infinity\")"
            );
            // `-0` is written, as Go does.
            #[allow(clippy::float_cmp)]
            fn is_zero(&self) -> bool {
                *self == 0.0 && self.is_sign_positive()
            }
            fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match *self {
                    v if v.is_nan() => s.serialize_str("NaN"),
                    v if v.is_infinite() => s.serialize_str(if v > 0.0 { "Infinity" } else { "-Infinity" }),
                    v => s.$write(v),
                }
            }
            #[allow(clippy::cast_precision_loss)]
            fn from_int(v: i128) -> Option<Self> {
                Some(v as $t)
            }
            // Beyond the type's range (a `float` past `f32::MAX` after rounding) is an error,
            // as in Go, not infinity.
            #[allow(clippy::cast_possible_truncation, clippy::unnecessary_cast)]
            fn from_f64(v: f64) -> Option<Self> {
                let rounded = v as $t;
                if halfway(v, f64::from(rounded), f64::from(rounded.next_down()), f64::from(rounded.next_up())) {
                    return None;
                }
                Some(rounded).filter(|f| f.is_finite() || !v.is_finite())
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

float! {
    f32 => "a float", serialize_f32;
    f64 => "a double", serialize_f64;
}

/// Whether `v`, a JSON number as `serde_json` read it (rounded once, to an `f64`), lies exactly
/// halfway between `rounded`, the nearest value of a narrower type, and that value's
/// neighbour on `v`'s side (`below` or `above` it). Go rounds the decimal text once, to the
/// narrower type: a decimal a little above or below the halfway point reads as the value on
/// its side, one exactly on it as the even one; from the `f64` alone these cannot be told
/// apart, so such a number is refused (typed, as a value out of range) rather than possibly
/// rounded the wrong way. Written as a string, it is read from its text. Never true for `f64`
/// itself (`rounded == v`).
#[allow(clippy::float_cmp)]
fn halfway(v: f64, rounded: f64, below: f64, above: f64) -> bool {
    // Past `f32::MAX`, the value rounding would reach is 2^128, where the exponent runs out.
    let finite = |x: f64| {
        if x.is_infinite() {
            2f64.powi(128).copysign(x)
        } else {
            x
        }
    };
    if !v.is_finite() || rounded == v {
        return false;
    }
    let rounded = finite(rounded);
    let neighbour = finite(if rounded < v { above } else { below });
    (rounded + neighbour) / 2.0 == v
}

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
        let value = significant.fold(0, |v, d| v * 10 + i128::from(d - b'0'));
        let value = value * 10i128.pow(u32::try_from(scale).ok()?);
        Some(if self.negative { -value } else { value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `json` through codec `C`, the whole text.
    fn read<C: Codec>(json: &str) -> Result<Option<C::T>, String> {
        let mut d = serde_json::Deserializer::from_str(json);
        let v = C::read(&mut d).map_err(|e| e.to_string())?;
        d.end().map_err(|e| e.to_string())?;
        Ok(v)
    }

    fn write<C: Codec>(v: &C::T) -> String {
        serde_json::to_string(&Write::<C>(v)).unwrap()
    }

    #[test]
    fn number_errors_are_typed() {
        let expecting =
            "expected an int32 (a JSON number or a string of one, with an integer value)";
        assert_eq!(
            read::<Num<i32>>("1.5").unwrap_err(),
            format!("invalid value: floating point `1.5`, {expecting} at line 1 column 3")
        );
        assert_eq!(
            read::<Num<i32>>("2147483648").unwrap_err(),
            format!("invalid value: integer `2147483648`, {expecting} at line 1 column 10")
        );
        assert_eq!(
            read::<Num<i32>>(r#""x""#).unwrap_err(),
            format!("invalid value: string \"x\", {expecting} at line 1 column 3")
        );
        assert_eq!(
            read::<Num<i32>>("true").unwrap_err(),
            format!("invalid type: boolean `true`, {expecting} at line 1 column 4")
        );
        assert!(
            read::<Num<u64>>("null").is_err(),
            "null is the field's business"
        );
    }

    #[test]
    fn numbers_are_written_as_go_writes_them() {
        assert_eq!(write::<Num<i64>>(&-5), r#""-5""#);
        assert_eq!(write::<Num<u64>>(&u64::MAX), r#""18446744073709551615""#);
        assert_eq!(write::<Num<i32>>(&-5), "-5");
        assert_eq!(write::<Num<u32>>(&u32::MAX), "4294967295");
        assert_eq!(write::<Num<f64>>(&f64::NAN), r#""NaN""#);
        assert_eq!(write::<Num<f64>>(&f64::INFINITY), r#""Infinity""#);
        assert_eq!(write::<Num<f32>>(&f32::NEG_INFINITY), r#""-Infinity""#);
        assert_eq!(write::<Num<f64>>(&1.5), "1.5");
        assert_eq!(write::<Num<f32>>(&0.1), "0.1");
        // A negative zero is not the default: it is written.
        assert!(Num::<f64>::skip(&0.0) && !Num::<f64>::skip(&-0.0));
        assert_eq!(
            write::<List<Num<f32>>>(&vec![1.0, f32::NAN]),
            r#"[1.0,"NaN"]"#
        );
        assert!(read::<Num<f32>>(r#""NaN""#).unwrap().unwrap().is_nan());
        assert!(read::<Num<f32>>("3.4028236e38").is_err(), "beyond f32::MAX");
        assert!(read::<Num<f32>>(r#""inf""#).is_err());
        assert_eq!(read::<Num<i64>>(r#""1e2""#).unwrap(), Some(100));
        assert_eq!(read::<Num<u32>>("5.0").unwrap(), Some(5));
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

    struct Colour;
    impl ProtoEnum for Colour {
        const NAME: &'static str = "test.Colour";
        fn number_of(name: &str) -> Option<i32> {
            ["RED", "GREEN"]
                .iter()
                .position(|n| *n == name)
                .and_then(|i| i32::try_from(i).ok())
        }
        fn name_of(number: i32) -> Option<&'static str> {
            ["RED", "GREEN"].get(usize::try_from(number).ok()?).copied()
        }
    }

    #[test]
    fn enums_keep_numbers_and_skip_unknown_names() {
        let one = read::<Enum<Colour>>;
        assert_eq!(one(r#""GREEN""#).unwrap(), Some(1));
        assert_eq!(one(r#""PURPLE""#).unwrap(), None);
        assert_eq!(one("7").unwrap(), Some(7));
        assert_eq!(one("-1").unwrap(), Some(-1));
        assert_eq!(one("1.0").unwrap(), Some(1));
        for bad in ["1.5", "2147483648", "true", "null", "{}"] {
            assert!(one(bad).is_err(), "{bad}");
        }
        assert_eq!(write::<Enum<Colour>>(&1), r#""GREEN""#);
        assert_eq!(write::<Enum<Colour>>(&9), "9");
        let list = read::<List<Enum<Colour>>>;
        assert_eq!(
            list(r#"["RED", "PURPLE", 9, "GREEN"]"#).unwrap(),
            Some(vec![0, 9, 1])
        );
        assert!(list(r#"["RED", null]"#).is_err());
        assert!(list("{}").is_err());
    }

    #[test]
    fn map_keys_are_unique_after_parsing_and_written_sorted() {
        type Strings = Map<String, Plain<String>>;
        type Numbers = Map<i32, Num<u32>>;
        let map = read::<Strings>(r#"{"b":"2","a":"1"}"#).unwrap().unwrap();
        assert_eq!(write::<Strings>(&map), r#"{"a":"1","b":"2"}"#);
        let error = read::<Strings>(r#"{"a":"1","a":"2"}"#).unwrap_err();
        assert!(error.starts_with("duplicate map key \"a\""), "{error}");
        let error = read::<Numbers>(r#"{"1":1,"01":2}"#).unwrap_err();
        assert!(error.starts_with("duplicate map key \"1\""), "{error}");
        // Keys are read as Go's strconv reads them, unlike numeric values.
        let map = read::<Numbers>(r#"{"+7":"1","-3":2}"#).unwrap().unwrap();
        assert_eq!(map.into_iter().collect::<Vec<_>>(), [(-3, 2), (7, 1)]);
        assert!(read::<Numbers>(r#"{"1e2":1}"#).is_err());
        assert!(read::<Strings>(r#"{"a":null}"#).is_err());
        assert!(read::<Map<bool, Plain<bool>>>(r#"{"true":true,"1":false}"#).is_err());
    }

    #[test]
    fn bytes_read_both_alphabets_and_write_standard_base64() {
        for text in [r#""/+8=""#, r#""/+8""#, r#""_-8=""#, r#""_-8""#] {
            assert_eq!(
                read::<Bytes>(text).unwrap(),
                Some(vec![0xff, 0xef]),
                "{text}"
            );
        }
        assert_eq!(write::<Bytes>(&vec![0xff, 0xef]), r#""/+8=""#);
        for bad in [r#""a""#, r#""!!""#, "5", "[1]"] {
            assert!(read::<Bytes>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn seen_marks_each_slot_once() {
        let mut seen = Seen::default();
        for slot in [0, 63, 64, 255] {
            assert!(!seen.mark(slot) && seen.mark(slot), "{slot}");
        }
        assert!(!seen.mark(1));
    }
}
