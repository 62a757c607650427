//! Protojson (`serde`) impls for every message and enum of a package, emitted from the
//! descriptors: per message, its fields as `(JSON name, proto name, codec)` in a `Serialize`
//! impl and a `protojson::Message` impl; per enum, its names. Every rule is in the proto
//! crate's `src/protojson.rs`, which the generated code calls; nothing here knows JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorSet};

use crate::descriptors::{field_ident, prost_type_name, rust_type_in, split_words};

/// Well-known types whose protojson is written by hand (`src/wkt_json.rs`).
const HAND_WRITTEN: &[&str] = &[
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
    "google.protobuf.Struct",
    "google.protobuf.Value",
    "google.protobuf.ListValue",
];

/// JSON names that are not the field's own: with no type registry, an `Any` is written as
/// `{"@type": url, "value": base64}`.
const JSON_NAMES: &[(&str, &str)] = &[("google.protobuf.Any.type_url", "@type")];

/// The run-time module the generated code calls.
const PJ: &str = "crate::protojson";

/// The serde impls of every message and enum of `package`.
pub(crate) fn generate(
    fds: &FileDescriptorSet,
    package: &str,
    boxed: &[&str],
) -> Result<String, String> {
    let mut out = String::new();
    for file in fds.file.iter().filter(|f| f.package() == package) {
        for e in &file.enum_type {
            enum_impl(&mut out, &format!("{package}.{}", e.name()));
        }
        for m in &file.message_type {
            let name = format!("{package}.{}", m.name());
            message_impls(&mut out, &name, m, boxed)?;
        }
    }
    Ok(out)
}

fn enum_impl(out: &mut String, name: &str) {
    let path = rust_type_in("crate", name);
    let _ = writeln!(
        out,
        "impl {PJ}::ProtoEnum for {path} {{ const NAME: &'static str = {name:?}; \
         fn number_of(name: &str) -> Option<i32> {{ Self::from_str_name(name).map(|v| v as i32) }} \
         fn name_of(number: i32) -> Option<&'static str> {{ Self::try_from(number).ok().map(|v| v.as_str_name()) }} }}
         impl serde::Serialize for {path} {{ fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {{ s.serialize_str(self.as_str_name()) }} }}
         impl<'de> serde::Deserialize<'de> for {path} {{ fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{
             let number = <{PJ}::Enum<Self> as {PJ}::Codec>::read(d)?.and_then(|n| Self::try_from(n).ok());
             number.ok_or_else(|| serde::de::Error::custom(concat!(\"not a \", {name:?}, \" value\"))) }} }}"
    );
}

fn message_impls(
    out: &mut String,
    name: &str,
    message: &DescriptorProto,
    boxed: &[&str],
) -> Result<(), String> {
    for e in &message.enum_type {
        enum_impl(out, &format!("{name}.{}", e.name()));
    }
    for nested in &message.nested_type {
        if !nested.options.as_ref().is_some_and(|o| o.map_entry()) {
            message_impls(out, &format!("{name}.{}", nested.name()), nested, boxed)?;
        }
    }
    if HAND_WRITTEN.contains(&name) {
        return Ok(());
    }
    let path = rust_type_in("crate", name);
    // The module prost puts the message's oneof enums in.
    let module = format!(
        "{}::{}",
        path.rsplit_once("::").map_or("", |p| p.0),
        split_words(message.name())
    );
    let slots = message.field.len() + message.oneof_decl.len();
    if slots > 256 {
        return Err(format!(
            "{name} has {slots} fields and oneofs; protojson::Seen holds 256"
        ));
    }
    let (mut write, mut keys, mut reads, mut names) =
        (String::new(), String::new(), String::new(), String::new());
    // Oneof number → (Rust field, match arms writing it).
    let mut oneofs: BTreeMap<usize, (String, String)> = BTreeMap::new();
    for (index, field) in message.field.iter().enumerate() {
        let codec = codec(field, message, boxed, &format!("{name}.{}", field.name()))?;
        let full_name = format!("{name}.{}", field.name());
        let json = JSON_NAMES
            .iter()
            .find(|(field, _)| *field == full_name)
            .map_or(field.json_name(), |(_, json)| json);
        let rust = field_ident(field.name());
        let _ = write!(names, "{json:?},");
        let _ = write!(keys, "{json:?}");
        if json != field.name() {
            let _ = write!(keys, " | {:?}", field.name());
        }
        let _ = write!(keys, " => Some({index}),");
        if let Some(oneof) = field.oneof_index.filter(|_| !field.proto3_optional()) {
            let oneof = usize::try_from(oneof).map_err(|_| "negative oneof index")?;
            let decl = &message.oneof_decl[oneof];
            let variant = format!(
                "{module}::{}::{}",
                prost_type_name(decl.name()),
                prost_type_name(field.name())
            );
            let entry = oneofs
                .entry(oneof)
                .or_insert_with(|| (field_ident(decl.name()), String::new()));
            let _ = writeln!(
                entry.1,
                "Some({variant}(v)) => {PJ}::entry::<{codec}, _>(&mut m, {json:?}, v)?,"
            );
            let slot = message.field.len() + oneof;
            let _ = writeln!(
                reads,
                "{index} => {{ if let Some(v) = {PJ}::oneof::<{codec}, A>(map, seen, {slot}, {:?})? \
                 {{ self.{} = Some({variant}(v)); }} Ok(()) }}",
                decl.name(),
                entry.0
            );
        } else {
            // An `optional` scalar or a message is an `Option`, written when set.
            let optional = field.proto3_optional()
                || (field.r#type() == Type::Message && field.label() != Label::Repeated);
            let codec = if optional {
                format!("{PJ}::Opt<{codec}>")
            } else {
                codec
            };
            let _ = writeln!(
                write,
                "{PJ}::field::<{codec}, _>(&mut m, {json:?}, &self.{rust})?;"
            );
            let _ = writeln!(
                reads,
                "{index} => {PJ}::set::<{codec}, A>(map, &mut self.{rust}),"
            );
        }
    }
    for (rust, arms) in oneofs.values() {
        let _ = writeln!(write, "match &self.{rust} {{ {arms} None => {{}} }}");
    }
    let mutable = if write.is_empty() { "" } else { "mut " };
    let _ = writeln!(
        out,
        "impl serde::Serialize for {path} {{
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {{
                use serde::ser::SerializeMap as _;
                let {mutable}m = s.serialize_map(None)?;
                {write}
                m.end()
            }}
        }}
        impl<'de> serde::Deserialize<'de> for {path} {{
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{
                {PJ}::message(d)
            }}
        }}
        impl {PJ}::Message for {path} {{
            const NAME: &'static str = {name:?};
            const FIELDS: &'static [&'static str] = &[{names}];
            fn field(key: &str) -> Option<usize> {{
                match key {{ {keys} _ => None }}
            }}
            fn read<'de, A: serde::de::MapAccess<'de>>(&mut self, index: usize, map: &mut A, seen: &mut {PJ}::Seen) -> Result<(), A::Error> {{
                match index {{ {reads} _ => Ok(()) }}
            }}
        }}"
    );
    Ok(())
}

/// The codec type of a field of `message` (its elements', for a list).
fn codec(
    field: &FieldDescriptorProto,
    message: &DescriptorProto,
    boxed: &[&str],
    full_name: &str,
) -> Result<String, String> {
    let type_name = field.type_name().trim_start_matches('.');
    let single = match (field.r#type(), rust_scalar(field.r#type())) {
        (Type::Bool | Type::String, Some(rust)) => format!("Plain<{rust}>"),
        (_, Some(rust)) => format!("Num<{rust}>"),
        (Type::Bytes, _) => "Bytes".to_owned(),
        (Type::Enum, _) => format!("Enum<{}>", rust_type_in("crate", type_name)),
        (Type::Message, _) => {
            // A map's entry type is nested in the map field's message.
            let entry = message.nested_type.iter().find(|nested| {
                nested.options.as_ref().is_some_and(|o| o.map_entry())
                    && type_name
                        .strip_suffix(nested.name())
                        .is_some_and(|p| p.ends_with('.'))
            });
            if field.label() == Label::Repeated
                && let Some(entry) = entry
            {
                let [key, value] = entry.field.as_slice() else {
                    return Err(format!("{type_name}: a map entry without two fields"));
                };
                let key = rust_scalar(key.r#type())
                    .filter(|_| !matches!(key.r#type(), Type::Float | Type::Double))
                    .ok_or_else(|| format!("{full_name}: a map key of type {:?}", key.r#type()))?;
                let value = codec(value, message, boxed, full_name)?;
                return Ok(format!("{PJ}::Map<{key}, {value}>"));
            }
            let path = rust_type_in("crate", type_name);
            if boxed.contains(&full_name) {
                format!("Plain<Box<{path}>>")
            } else {
                format!("Plain<{path}>")
            }
        }
        (other, _) => {
            return Err(format!(
                "{full_name}: fields of type {other:?} are not supported"
            ));
        }
    };
    let single = format!("{PJ}::{single}");
    Ok(if field.label() == Label::Repeated {
        format!("{PJ}::List<{single}>")
    } else {
        single
    })
}

/// The Rust type prost uses for a scalar protobuf type (`bytes` aside).
fn rust_scalar(kind: Type) -> Option<&'static str> {
    Some(match kind {
        Type::Double => "f64",
        Type::Float => "f32",
        Type::Int64 | Type::Sint64 | Type::Sfixed64 => "i64",
        Type::Uint64 | Type::Fixed64 => "u64",
        Type::Int32 | Type::Sint32 | Type::Sfixed32 => "i32",
        Type::Uint32 | Type::Fixed32 => "u32",
        Type::Bool => "bool",
        Type::String => "String",
        _ => return None,
    })
}
