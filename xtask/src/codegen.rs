//! `cargo xtask codegen [--check]`: generate the protocol crate from the pinned `.proto` files.
//!
//! Outputs, all under `crates/livekit-server-proto/src/generated/`:
//! - `<package>.rs`: prost message types (well-known types included, so the crate needs no
//!   `prost-types`);
//! - `<package>.serde.rs`: protojson serde impls from pbjson-build, compiled behind the crate's
//!   `serde` feature (unknown fields and unknown enum names are ignored, like Go's
//!   `protojson.UnmarshalOptions{DiscardUnknown: true}` as used by the server), then
//!   post-processed (below);
//! - `services.rs`: one table of every public Twirp service and method, joined with the
//!   per-RPC policy of `proto/rpc-policy.txt` (idempotency class and grants);
//! - `token_paged.rs`: the `TokenPaged` impl of every token-paged list request (see
//!   `paging.rs`).
//!
//! With `--check` nothing is written and any difference is an error (CI runs this, and so does
//! the `codegen_is_fresh` test).
//!
//! # Protojson post-processing
//!
//! pbjson-build's output is rewritten as text before formatting, so that the generated code
//! calls hand-written helpers of the proto crate (`src/pbjson_support.rs`) where pbjson's own
//! behaviour is slow or differs from Go's protojson:
//!
//! 1. numbers are read by `crate::pbjson_support::NumberDeserialize` instead of
//!    `pbjson::private::NumberDeserialize` (same accepted inputs, one typed visitor instead of
//!    an untagged enum that formats and discards a `serde_json` error for every integer written
//!    as a JSON number: −30 % on decoding a webhook);
//! 2. maps are read through `crate::pbjson_support::UniqueKeys`, which rejects a duplicate key
//!    (`{"a":"1","a":"2"}`) as Go does, where a `BTreeMap` keeps the last value;
//! 3. in each message visitor, every field that may read `null` (messages, `optional` scalars
//!    and enums, oneof members) gets a `seen__` flag, so that a field given again after `null`
//!    (`"room":null,"room":{…}`) is a duplicate, as in Go;
//! 4. enum fields are written through `crate::pbjson_support::enum_or_number`, which writes a
//!    number with no variant as a JSON number (as Go does) instead of failing with "Invalid
//!    variant N".
//!
//! Each pass matches pbjson-build's exact text and fails when it finds a shape only in part,
//! and the result may use nothing else from `pbjson::private` than `BytesDeserialize` and
//! `base64`, so a pbjson-build upgrade that changes its output breaks codegen loudly instead of
//! dropping a rule. pbjson-build's unprocessed output is left in `target/xtask/codegen/` to
//! diff against.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use prost::Message as _;
use prost_types::{FileDescriptorProto, FileDescriptorSet};

use crate::clients;
use crate::paging;
use crate::sync::{self, Pin};
use crate::util;

/// Whether to write the generated files or only compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Write,
    Check,
}

/// Where the generated files of the protocol crate live.
pub(crate) const GENERATED_DIR: &str = "crates/livekit-server-proto/src/generated";

/// Proto files that only carry annotations (field options for log redaction); they are
/// compiled for resolution but generate nothing.
const ANNOTATION_FILES: &[&str] = &["logger/options.proto", "google/protobuf/descriptor.proto"];

/// Well-known types whose protojson form is special; the proto crate implements their serde by
/// hand (`src/wkt_json.rs`), so pbjson-build must not generate them.
const HAND_WRITTEN_JSON: &[&str] = &[".google.protobuf"];

pub(crate) fn run(root: &Path, mode: Mode) -> Result<(), String> {
    // Root-relative path -> contents.
    let files = generate(root)?;
    let mut stale = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root.join(GENERATED_DIR)) {
        for entry in entries.flatten() {
            let name = format!("{GENERATED_DIR}/{}", entry.file_name().to_string_lossy());
            if name.ends_with(".rs") && !files.contains_key(&name) {
                stale.push(name);
            }
        }
    }
    match mode {
        Mode::Write => {
            for name in &stale {
                std::fs::remove_file(root.join(name))
                    .map_err(|error| format!("cannot remove stale {name}: {error}"))?;
            }
            for (name, contents) in &files {
                let path = root.join(name);
                if util::read(&path).ok().as_deref() != Some(contents.as_str()) {
                    util::write(&path, contents)?;
                    util::note(&format!("wrote {name}"));
                }
            }
            Ok(())
        }
        Mode::Check => {
            let mut drift: Vec<String> = stale.iter().map(|n| format!("{n} (stale)")).collect();
            for (name, contents) in &files {
                if util::read(&root.join(name)).ok().as_deref() != Some(contents.as_str()) {
                    drift.push(name.clone());
                }
            }
            if drift.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "generated code is out of date: {}; run `cargo xtask codegen`",
                    drift.join(", ")
                ))
            }
        }
    }
}

/// Produces every generated file (name → contents) without touching the crate.
pub(crate) fn generate(root: &Path) -> Result<BTreeMap<String, String>, String> {
    let pin = Pin::read(root)?;
    let protobufs = sync::sync(root)?;
    let listed = read_file_list(root)?;
    let fds = compile(&protobufs, &listed)?;
    check_closure(&fds, &listed)?;

    let scratch = root.join("target/xtask/codegen");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)
            .map_err(|error| format!("cannot clear {}: {error}", scratch.display()))?;
    }
    std::fs::create_dir_all(&scratch)
        .map_err(|error| format!("cannot create {}: {error}", scratch.display()))?;

    let header = header(&pin);
    let mut files = BTreeMap::new();

    // Message types.
    let mut for_prost = fds.clone();
    for_prost
        .file
        .retain(|f| !ANNOTATION_FILES.contains(&f.name()));
    prost_build::Config::new()
        .out_dir(&scratch)
        .compile_well_known_types()
        // Ordered maps: protojson writes map keys sorted, as Go does, and output is stable.
        .btree_map(["."])
        // A webhook event carries one or two of its six sub-messages; inline, the event is
        // 3.3 KiB, copied at every step of decoding and whenever it is moved.
        .boxed(".livekit.WebhookEvent.room")
        .boxed(".livekit.WebhookEvent.participant")
        .boxed(".livekit.WebhookEvent.track")
        .boxed(".livekit.WebhookEvent.egress_info")
        .boxed(".livekit.WebhookEvent.ingress_info")
        .boxed(".livekit.WebhookEvent.job")
        .compile_fds(for_prost)
        .map_err(|error| format!("prost-build failed: {error}"))?;
    for entry in std::fs::read_dir(&scratch).map_err(|e| format!("cannot list scratch: {e}"))? {
        let path = entry
            .map_err(|e| format!("cannot list scratch: {e}"))?
            .path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let body = util::read(&path)?;
        if name == "_.rs" || body.trim().is_empty() {
            continue;
        }
        files.insert(name, body);
    }

    // Protojson.
    let floats = float_fields(&fds);
    let mut pbjson = pbjson_build::Builder::new();
    pbjson
        .register_descriptors(&fds.encode_to_vec())
        .map_err(|error| format!("pbjson-build cannot read the descriptors: {error}"))?
        .ignore_unknown_fields()
        .ignore_unknown_enum_variants()
        .btree_map(["."])
        .exclude(HAND_WRITTEN_JSON.iter().copied());
    let written = pbjson
        .generate(&[".livekit"], |_| Ok(Vec::new()))
        .map_err(|error| format!("pbjson-build failed: {error}"))?;
    for (package, bytes) in written {
        let body = String::from_utf8(bytes).map_err(|_| "pbjson-build wrote invalid UTF-8")?;
        // pbjson-build's own output stays in the scratch folder, to diff against.
        util::write(&scratch.join(format!("{package}.serde.pbjson.rs")), &body)?;
        let package_floats: Vec<&FloatField> = floats
            .iter()
            .filter(|field| field.package == package.to_string())
            .collect();
        let body = post_process_protojson(&body, &package_floats)
            .map_err(|error| format!("post-processing {package}.serde.rs: {error}"))?;
        files.insert(format!("{package}.serde.rs"), body);
    }

    // Service table.
    let policy = read_policy(root)?;
    files.insert(
        "services.rs".to_owned(),
        services_table(&fds, &policy, &pin)?,
    );

    // How token-paged list requests move from page to page.
    files.insert(
        "token_paged.rs".to_owned(),
        paging::token_paged_impls(&fds, &services(&fds))?,
    );

    // Per-service client crates.
    for (path, code) in clients::generate(&services(&fds), &policy)? {
        files.insert(path, code);
    }

    let mut out = BTreeMap::new();
    out.insert(
        "docs/rpcs.md".to_owned(),
        clients::rpc_table(&services(&fds), &policy),
    );
    for (name, contents) in files {
        let formatted = format!("{header}{}", format(&name, &contents)?);
        let path = if name.contains('/') {
            name
        } else {
            format!("{GENERATED_DIR}/{name}")
        };
        out.insert(path, formatted);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Post-processing of pbjson-build's output (see the module docs). Each pass rewrites one exact
// shape of pbjson-build 0.9's text and fails if it finds that shape only in part, so that a
// pbjson-build upgrade that changes its output breaks `cargo xtask codegen` instead of
// silently dropping a fix.

/// The `pbjson` items the post-processed code may still use (everything else it called is
/// replaced by `crate::pbjson_support`).
const PBJSON_ITEMS_KEPT: &[&str] = &[
    "pbjson::private::BytesDeserialize<",
    "pbjson::private::base64::encode(",
];

/// Applies every protojson pass to one package's pbjson-build output.
fn post_process_protojson(code: &str, floats: &[&FloatField]) -> Result<String, String> {
    let code = go_floats(code, floats)?;
    let code = faster_numbers(&code)?;
    let code = unique_map_keys(&code)?;
    let code = enum_numbers_as_numbers(&code)?;
    let code = go_field_rules(&code)?;
    let code = proto_enum_impls(&code)?;
    if code.contains("std::collections::HashMap") {
        // pbjson-build writes maps whose values are int64, bytes or enums through a HashMap,
        // whose key order is not sorted (Go's is): such a map needs a pass of its own.
        return Err("pbjson-build wrote a HashMap; protojson map keys would not be sorted".into());
    }
    let mut rest = code.as_str();
    while let Some(at) = rest.find("pbjson::") {
        rest = &rest[at..];
        if !PBJSON_ITEMS_KEPT.iter().any(|kept| rest.starts_with(kept)) {
            let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
            return Err(format!(
                "unexpected use of pbjson left after post-processing: `{}`",
                &rest[..end]
            ));
        }
        rest = &rest["pbjson::".len()..];
    }
    Ok(code)
}

/// A `float` or `double` field, found in the descriptors: the passes cannot tell it from the
/// text, where it is written like any other field.
#[derive(Debug)]
struct FloatField {
    /// The protobuf package of the message's file (`livekit`, `livekit.agent`).
    package: String,
    /// The message as pbjson-build names it in `impl serde::Serialize for …` (`Room`,
    /// `room::Inner`).
    message: String,
    /// The field's JSON name and its Rust name.
    json: String,
    rust: String,
    kind: FloatKind,
}

#[derive(Debug, PartialEq)]
enum FloatKind {
    /// A plain field, written unless it is `0` (`-0` is written, as Go does).
    Plain,
    /// A proto3 `optional` field or a oneof member: written as `v` of `Some(v)`.
    Optional,
    /// Repeated: written as a list of such values.
    Repeated,
    /// A map's value: not in the pinned protocol, refused until a pass handles it.
    Map,
}

/// Every `float` and `double` field of every message.
fn float_fields(fds: &FileDescriptorSet) -> Vec<FloatField> {
    use prost_types::DescriptorProto;
    use prost_types::field_descriptor_proto::{Label, Type};
    fn walk(package: &str, message: &DescriptorProto, module: &str, out: &mut Vec<FloatField>) {
        let path = format!("{module}{}", prost_type_name(message.name()));
        for field in &message.field {
            if !matches!(field.r#type(), Type::Float | Type::Double) {
                continue;
            }
            let kind = if field.label() == Label::Repeated {
                FloatKind::Repeated
            } else if field.oneof_index.is_some() {
                FloatKind::Optional
            } else {
                FloatKind::Plain
            };
            out.push(FloatField {
                package: package.to_owned(),
                message: path.clone(),
                json: field.json_name().to_owned(),
                rust: field.name().to_owned(),
                kind,
            });
        }
        for nested in &message.nested_type {
            if nested.options.as_ref().is_some_and(|o| o.map_entry()) {
                // A map<…, float>: its value field is read through the map field.
                if nested
                    .field
                    .iter()
                    .any(|f| matches!(f.r#type(), Type::Float | Type::Double))
                {
                    out.push(FloatField {
                        package: package.to_owned(),
                        message: path.clone(),
                        json: nested.name().to_owned(),
                        rust: String::new(),
                        kind: FloatKind::Map,
                    });
                }
                continue;
            }
            let module = format!("{module}{}::", split_words(message.name()));
            walk(package, nested, &module, out);
        }
    }
    let mut out = Vec::new();
    for file in &fds.file {
        for message in &file.message_type {
            walk(file.package(), message, "", &mut out);
        }
    }
    out
}

/// Every `float` and `double` field is written as Go writes it: `NaN`, `Infinity` and
/// `-Infinity` as those strings (`serde_json` wrote `null`, which reads back as `0`), and a
/// negative zero is written (pbjson-build's `!= 0.` test skipped it). In the `Serialize` impl
/// of the field's message:
///
/// ```text
/// if self.level != 0. {                                  if self.level.to_bits() != 0 {
///     struct_ser.serialize_field("level", &self.level)?;    struct_ser.serialize_field("level",
/// }                                                              &crate::pbjson_support::ProtoFloat(self.level))?;
///                                                        }
/// ```
///
/// `serialize_field("delay", v)` becomes `serialize_field("delay", &…ProtoFloat(*v))` for an
/// `optional` field or a oneof member, and `&self.values` becomes `&…ProtoFloat(&self.values)`
/// for a repeated one. Each rewrite must match exactly where expected.
fn go_floats(code: &str, floats: &[&FloatField]) -> Result<String, String> {
    const FLOAT: &str = "crate::pbjson_support::ProtoFloat";
    let mut out = code.to_owned();
    for field in floats {
        let name = format!("{}.{}", field.message, field.json);
        let head = format!("impl serde::Serialize for {} {{\n", field.message);
        let start = out
            .find(&head)
            .ok_or_else(|| format!("no Serialize impl for the float field {name}"))?;
        let end = out[start + head.len()..]
            .find("\nimpl")
            .map_or(out.len(), |at| start + head.len() + at);
        let block = &out[start..end];
        let rewrites: Vec<(String, String, usize)> = match field.kind {
            FloatKind::Plain => vec![
                (
                    format!("if self.{} != 0. {{", field.rust),
                    format!("if self.{}.to_bits() != 0 {{", field.rust),
                    2,
                ),
                (
                    format!(
                        "serialize_field(\"{}\", &self.{})?;",
                        field.json, field.rust
                    ),
                    format!(
                        "serialize_field(\"{}\", &{FLOAT}(self.{}))?;",
                        field.json, field.rust
                    ),
                    1,
                ),
            ],
            FloatKind::Optional => vec![(
                format!("serialize_field(\"{}\", v)?;", field.json),
                format!("serialize_field(\"{}\", &{FLOAT}(*v))?;", field.json),
                1,
            )],
            FloatKind::Repeated => vec![(
                format!(
                    "serialize_field(\"{}\", &self.{})?;",
                    field.json, field.rust
                ),
                format!(
                    "serialize_field(\"{}\", &{FLOAT}(&self.{}))?;",
                    field.json, field.rust
                ),
                1,
            )],
            FloatKind::Map => {
                return Err(format!(
                    "{name} is a map of floats: add a pass that writes its NaN and infinities"
                ));
            }
        };
        let mut block = block.to_owned();
        for (from, to, count) in rewrites {
            let found = block.matches(&from).count();
            if found != count {
                return Err(format!(
                    "float field {name}: `{from}` found {found} times, not {count}"
                ));
            }
            block = block.replace(&from, &to);
        }
        out.replace_range(start..end, &block);
    }
    Ok(out)
}

/// Every number is read by `crate::pbjson_support::NumberDeserialize` (one typed visitor)
/// instead of pbjson's, an untagged enum that builds and throws away a `serde_json` error for
/// every integer written as a JSON number.
fn faster_numbers(code: &str) -> Result<String, String> {
    const FROM: &str = "::pbjson::private::NumberDeserialize<";
    const TO: &str = "crate::pbjson_support::NumberDeserialize<";
    if code.matches("NumberDeserialize").count() != code.matches(FROM).count() {
        return Err(format!(
            "NumberDeserialize is used other than as `{FROM}…>`"
        ));
    }
    Ok(code.replace(FROM, TO))
}

/// Every map field is read through `crate::pbjson_support::UniqueKeys`, which rejects a key
/// given twice, as Go does: `map_.next_value::<std::collections::BTreeMap<K, V>>()?` becomes
/// `map_.next_value::<crate::pbjson_support::UniqueKeys<K, V>>()?.0` (the same `BTreeMap`). A
/// numeric key type `NumberDeserialize<T>` becomes `crate::pbjson_support::MapKey<T>`.
fn unique_map_keys(code: &str) -> Result<String, String> {
    const FROM: &str = "map_.next_value::<std::collections::BTreeMap<";
    const TO: &str = "map_.next_value::<crate::pbjson_support::UniqueKeys<";
    const TAIL: &str = ">>()?";
    const NUMBER: &str = "crate::pbjson_support::NumberDeserialize<";
    const MAP_KEY: &str = "crate::pbjson_support::MapKey<";
    let mut out = String::with_capacity(code.len() + 1024);
    let mut rest = code;
    while let Some(at) = rest.find(FROM) {
        out.push_str(&rest[..at]);
        let args = &rest[at + FROM.len()..];
        let end = closing_angle(args).ok_or("unbalanced `BTreeMap<` in a map field")?;
        if !args[end..].starts_with(TAIL) {
            return Err(format!("a map field is not read as `{FROM}…{TAIL}`"));
        }
        out.push_str(TO);
        // A numeric key is read as Go reads map keys (`strconv`), not as a numeric value.
        let types = &args[..end];
        match types.strip_prefix(NUMBER) {
            Some(key) => {
                out.push_str(MAP_KEY);
                out.push_str(key);
            }
            None => out.push_str(types),
        }
        out.push_str(TAIL);
        out.push_str(".0");
        rest = &args[end + TAIL.len()..];
    }
    out.push_str(rest);
    if out.contains("BTreeMap") {
        return Err("a map field is read as a BTreeMap other than through `next_value`".into());
    }
    Ok(out)
}

/// Every enum field is written through `crate::pbjson_support::enum_or_number`, which writes a
/// number that names no variant as a JSON number (as Go does) instead of failing:
/// `T::try_from(x).map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", x)))`
/// becomes `crate::pbjson_support::enum_or_number::<T, S::Error>(x)` (`S` is the serializer
/// parameter of every generated `serialize`).
fn enum_numbers_as_numbers(code: &str) -> Result<String, String> {
    const MARKER: &str = ".map_err(|_| serde::ser::Error::custom(format!(\"Invalid variant {}\", ";
    const CALL: &str = "::try_from(";
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find(MARKER) {
        let before = &rest[..at];
        let head = before.trim_end();
        let call = head
            .rfind(CALL)
            .filter(|&call| head.ends_with(')') && !head[call..].contains('\n'))
            .ok_or("`Invalid variant` without `T::try_from(x)` before it")?;
        let value = &head[call + CALL.len()..head.len() - 1];
        let start = head[..call]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |i| i + 1);
        let ty = &head[start..call];
        let after = &rest[at + MARKER.len()..];
        let tail = format!("{value})))");
        if ty.is_empty() || value.is_empty() || !after.starts_with(&tail) {
            return Err(format!(
                "unexpected enum conversion `{ty}::try_from({value})`"
            ));
        }
        out.push_str(&head[..start]);
        let _ = write!(
            out,
            "crate::pbjson_support::enum_or_number::<{ty}, S::Error>({value})"
        );
        rest = &after[tail.len()..];
    }
    out.push_str(rest);
    if out.contains("Invalid variant") {
        return Err("an enum conversion was left as pbjson wrote it".into());
    }
    Ok(out)
}

/// Every field arm of every message visitor follows Go's protojson (with `DiscardUnknown`):
///
/// - a field is seen as soon as its name is read, so a name given twice is a duplicate even
///   when the first value was `null` (`"room":null,"room":{…}`): one `seen__` flag per arm
///   replaces pbjson's check of the field's variable;
/// - `null` leaves any field unset (its default), where pbjson failed for scalars, strings,
///   enums, repeated fields and maps (it already took `null` for messages and `optional`s);
/// - an enum is read through `crate::pbjson_support::EnumValue` (an unknown name leaves the
///   field unset, an unknown number is kept) or `EnumList` (an unknown name drops the element),
///   where pbjson turned both into the enum's default value, a different, valid-looking value;
/// - a oneof member with a value when another member of the oneof has one is an error, but a
///   member given as `null` is skipped (pbjson failed on `{"a": {…}, "b": null}`).
///
/// ```text
/// GeneratedField::Name => {                      GeneratedField::Name => {
///     if name__.is_some() {                          if seen__[0] {
///         return Err(…duplicate_field("name"));          return Err(…duplicate_field("name"));
///     }                                              }
///     name__ = Some(map_.next_value()?);             seen__[0] = true;
/// }                                                  name__ = map_.next_value()?;
///                                                }
/// ```
///
/// with `let mut seen__ = [false; N];` before the visitor's `while let` loop.
fn go_field_rules(code: &str) -> Result<String, String> {
    const LOOP: &str = "while let Some(k) = map_.next_key()? {";
    const DUPLICATE: &str = "return Err(serde::de::Error::duplicate_field(";

    /// One field arm as pbjson-build writes it: lines `at..=end`, its variable and value.
    struct Arm {
        at: usize,
        end: usize,
        visitor: usize,
        variable: String,
        field: String,
        value: String,
    }
    let lines: Vec<&str> = code.lines().collect();
    let mut arms = Vec::new();
    let mut visitor = 0usize;
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim();
        if trimmed == LOOP {
            visitor += 1;
        }
        let variable = lines
            .get(i + 1)
            .and_then(|next| next.trim().strip_prefix("if "))
            .and_then(|next| next.strip_suffix(".is_some() {"));
        let (true, Some(variable)) = (
            trimmed.starts_with("GeneratedField::") && trimmed.ends_with("=> {"),
            variable,
        ) else {
            i += 1;
            continue;
        };
        let line = lines[i];
        let indent = &line[..line.len() - line.trim_start().len()];
        let close = format!("{indent}}}");
        let end = (i + 1..lines.len())
            .find(|&j| lines[j] == close)
            .ok_or_else(|| format!("unterminated arm `{trimmed}`"))?;
        let field = lines[i + 2]
            .trim()
            .strip_prefix(DUPLICATE)
            .and_then(|rest| rest.strip_suffix("));"))
            .filter(|_| end > i + 4 && lines[i + 3].trim() == "}")
            .ok_or_else(|| format!("unexpected arm `{trimmed}`"))?;
        let value = lines[i + 4..end].join(" ");
        let value = value
            .trim()
            .strip_prefix(&format!("{variable} = "))
            .and_then(|value| value.strip_suffix(';'))
            .ok_or_else(|| format!("unexpected arm `{trimmed}`"))?;
        if visitor == 0 {
            return Err(format!("arm `{trimmed}` outside a visitor loop"));
        }
        arms.push(Arm {
            at: i,
            end,
            visitor,
            variable: variable.to_owned(),
            field: field.to_owned(),
            value: canonical(value),
        });
        i = end + 1;
    }
    if arms.len() != code.matches(DUPLICATE).count() {
        return Err(format!(
            "{} field arms found, but {} duplicate-field checks",
            arms.len(),
            code.matches(DUPLICATE).count()
        ));
    }
    // A variable set by more than one arm of a visitor is a oneof's.
    let mut setters: BTreeMap<(usize, &str), usize> = BTreeMap::new();
    for arm in &arms {
        *setters.entry((arm.visitor, &arm.variable)).or_default() += 1;
    }
    // One flag per arm, then one per oneof: whether a member of it has had a value.
    let mut flags: BTreeMap<usize, usize> = BTreeMap::new();
    for arm in &arms {
        *flags.entry(arm.visitor).or_default() += 1;
    }
    let mut oneof_flags: BTreeMap<(usize, &str), usize> = BTreeMap::new();
    for (&(visitor, variable), &count) in &setters {
        if count > 1 {
            let next = flags.entry(visitor).or_default();
            oneof_flags.insert((visitor, variable), *next);
            *next += 1;
        }
    }

    let mut out: Vec<String> = Vec::with_capacity(lines.len() + 4 * arms.len());
    let mut next_arm = arms.iter().peekable();
    let (mut visitor, mut flag) = (0usize, 0usize);
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim() == LOOP {
            visitor += 1;
            flag = 0;
            if let Some(count) = flags.get(&visitor) {
                let indent = &line[..line.len() - line.trim_start().len()];
                out.push(format!("{indent}let mut seen__ = [false; {count}];"));
            }
        }
        let Some(arm) = next_arm.next_if(|arm| arm.at == i) else {
            out.push(line.to_owned());
            i += 1;
            continue;
        };
        let indent = &line[..line.len() - line.trim_start().len()];
        let value =
            go_value(&arm.value).map_err(|error| format!("arm for {}: {error}", arm.field))?;
        let variable = &arm.variable;
        let field = &arm.field;
        out.push(line.to_owned());
        out.push(format!("{indent}    if seen__[{flag}] {{"));
        out.push(format!("{indent}        {DUPLICATE}{field}));"));
        out.push(format!("{indent}    }}"));
        out.push(format!("{indent}    seen__[{flag}] = true;"));
        if let Some(&set) = oneof_flags.get(&(arm.visitor, variable.as_str())) {
            // A member given as `null` is skipped; any other value sets the oneof, even an
            // enum name this version does not know (which then leaves the member unset).
            let oneof = variable.trim_end_matches('_');
            let (test, assign) = match value.split_once(ENUM_MEMBER) {
                Some((reader, variant)) => {
                    out.push(format!("{indent}    let value = {reader};"));
                    (
                        "!value.null".to_owned(),
                        format!("value.number.map({variant})"),
                    )
                }
                None => {
                    out.push(format!("{indent}    let value = {value};"));
                    ("value.is_some()".to_owned(), "value".to_owned())
                }
            };
            out.push(format!("{indent}    if {test} {{"));
            out.push(format!("{indent}        if seen__[{set}] {{"));
            out.push(format!(
                "{indent}            return Err(serde::de::Error::custom(concat!(\"oneof `{oneof}` is already set (field \", {field:?}, \")\")));"
            ));
            out.push(format!("{indent}        }}"));
            out.push(format!("{indent}        seen__[{set}] = true;"));
            out.push(format!("{indent}        {variable} = {assign};"));
            out.push(format!("{indent}    }}"));
        } else {
            out.push(format!("{indent}    {variable} = {value};"));
        }
        out.push(format!("{indent}}}"));
        flag += 1;
        i = arm.end + 1;
    }
    let mut joined = out.join("\n");
    joined.push('\n');
    Ok(joined)
}

/// An arm's value with its white space made canonical: runs folded to one space, none inside
/// brackets or around `.`, `?`, `,` and `;`, and no trailing comma before `)`.
fn canonical(value: &str) -> String {
    let folded = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(folded.len());
    let chars: Vec<char> = folded.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let before = out.chars().last().unwrap_or(' ');
            let after = chars.get(i + 1).copied().unwrap_or(' ');
            if "(<.".contains(before) || ")>.?,;".contains(after) {
                continue;
            }
        }
        if c == ')' && out.ends_with(',') {
            out.pop();
        }
        out.push(c);
    }
    out
}

/// The expression, of type `Option<T>`, that reads one field's value by Go's rules (see
/// [`go_field_rules`]), from the value pbjson-build reads it with (made [`canonical`]).
fn go_value(value: &str) -> Result<String, String> {
    const ENUM_VALUE: &str = "crate::pbjson_support::EnumValue";
    let enum_value = |ty: &str| format!("map_.next_value::<{ENUM_VALUE}<{ty}>>()?");
    const ENUM_LIST: &str = "crate::pbjson_support::EnumList";
    const OPTION: &str = "::std::option::Option";
    let unexpected = || format!("unexpected value `{value}`");
    // Plain scalars, strings, enums, repeated fields and maps: `Some(…)`, never `null`.
    if let Some(inner) = value
        .strip_prefix("Some(")
        .and_then(|inner| inner.strip_suffix(')'))
    {
        if inner == "map_.next_value()?" {
            return Ok(inner.to_owned());
        }
        let (ty, suffix) = turbofish(inner).ok_or_else(unexpected)?;
        return Ok(match suffix {
            " as i32" => format!("{}.number", enum_value(ty)),
            ".into_iter().map(|x| x as i32).collect()" => {
                let element = ty
                    .strip_prefix("Vec<")
                    .and_then(|ty| ty.strip_suffix('>'))
                    .ok_or_else(unexpected)?;
                format!("map_.next_value::<{OPTION}<{ENUM_LIST}<{element}>>>()?.map(|x| x.0)")
            }
            _ if suffix.contains(" as ") => return Err(unexpected()),
            _ => format!("map_.next_value::<{OPTION}<{ty}>>()?.map(|x| x{suffix})"),
        });
    }
    // Messages, `optional` fields and oneof members read `null` as `None` already; only their
    // enums change reader.
    if !value.contains(" as ") {
        return value
            .starts_with("map_.next_value")
            .then(|| value.to_owned())
            .ok_or_else(unexpected);
    }
    let (ty, suffix) = turbofish(value).ok_or_else(unexpected)?;
    let inner = ty
        .strip_prefix(&format!("{OPTION}<"))
        .and_then(|ty| ty.strip_suffix('>'))
        .ok_or_else(unexpected)?;
    if suffix == ".map(|x| x as i32)" {
        return Ok(format!("{}.number", enum_value(inner)));
    }
    let variant = suffix
        .strip_prefix(".map(|x| ")
        .and_then(|rest| rest.strip_suffix("(x as i32))"))
        .filter(|variant| !variant.contains(['(', ' ']))
        .ok_or_else(unexpected)?;
    Ok(format!("{}{ENUM_MEMBER}{variant}", enum_value(inner)))
}

/// Separates, in [`go_value`]'s answer for an enum member of a oneof, the reader (an
/// `EnumValue`) from the variant that wraps its number: the arm needs both (see
/// [`go_field_rules`]).
const ENUM_MEMBER: &str = " => ";

/// Splits `map_.next_value::<T>()?rest` into `T` and `rest`.
fn turbofish(value: &str) -> Option<(&str, &str)> {
    let args = value.strip_prefix("map_.next_value::<")?;
    let end = closing_angle(args)?;
    let rest = args[end..].strip_prefix(">()?")?;
    Some((&args[..end], rest))
}

/// Where the `>` closing an already opened `<` is in `args` (type arguments, so `<` and `>`
/// pair up).
fn closing_angle(args: &str) -> Option<usize> {
    let mut depth = 1usize;
    args.char_indices().find_map(|(i, c)| {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            _ => {}
        }
        (depth == 0).then_some(i)
    })
}

/// Every enum that pbjson-build wrote a `Deserialize` for gets a
/// `crate::pbjson_support::ProtoEnum` impl, through which [`go_value`]'s readers look up
/// names: prost's `from_str_name`, and the names pbjson-build lists.
fn proto_enum_impls(code: &str) -> Result<String, String> {
    const IMPL: &str = "impl<'de> serde::Deserialize<'de> for ";
    const NAMES: &str = "const FIELDS: &[&str] = &[";
    let mut out = code.to_owned();
    let mut count = 0;
    for (at, _) in code.match_indices(IMPL) {
        let rest = &code[at + IMPL.len()..];
        let ty = rest
            .split_once(" {")
            .map(|(ty, _)| ty)
            .ok_or("unexpected impl")?;
        let body = &rest[..rest.find("\nimpl").unwrap_or(rest.len())];
        if !body.contains("deserializer.deserialize_any(GeneratedVisitor)") {
            continue; // A message.
        }
        let names = body
            .split_once(NAMES)
            .and_then(|(_, names)| names.split_once("];"))
            .map(|(names, _)| names.split_whitespace().collect::<String>())
            .ok_or_else(|| format!("enum {ty} without its list of names"))?;
        let _ = write!(
            out,
            "impl crate::pbjson_support::ProtoEnum for {ty} {{\n    \
             const NAMES: &'static [&'static str] = &[{names}];\n    \
             fn number_of(name: &str) -> Option<i32> {{\n        \
             Self::from_str_name(name).map(|known| known as i32)\n    }}\n}}\n"
        );
        count += 1;
    }
    if count == 0 && code.contains(" as i32") {
        return Err("enums are read, but no enum `Deserialize` was found".into());
    }
    Ok(out)
}

fn header(pin: &Pin) -> String {
    format!(
        "// @generated by `cargo xtask codegen` from the crates.io package {} {} (LiveKit protocol {}).\n\
         // Do not edit: change proto/ or xtask/src/codegen.rs and run the command again.\n\n",
        pin.package, pin.version, pin.protocol
    )
}

fn read_file_list(root: &Path) -> Result<Vec<String>, String> {
    let text = util::read(&root.join("proto/files.txt"))?;
    Ok(util::list_lines(&text)
        .into_iter()
        .map(str::to_owned)
        .collect())
}

fn compile(protobufs: &Path, files: &[String]) -> Result<FileDescriptorSet, String> {
    let mut compiler = protox::Compiler::new([protobufs])
        .map_err(|error| format!("protox cannot open {}: {error}", protobufs.display()))?;
    compiler.include_imports(true).include_source_info(true);
    compiler
        .open_files(files)
        .map_err(|error| format!("protox: {error}"))?;
    Ok(compiler.file_descriptor_set())
}

/// Every LiveKit file the listed roots import must be listed too, so that `proto/files.txt`
/// is the complete list of what is compiled.
fn check_closure(fds: &FileDescriptorSet, listed: &[String]) -> Result<(), String> {
    let listed: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
    let missing: Vec<&str> = fds
        .file
        .iter()
        .map(FileDescriptorProto::name)
        .filter(|name| !name.starts_with("google/protobuf/") && !listed.contains(name))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "proto/files.txt lacks files that are imported: {}",
            missing.join(", ")
        ))
    }
}

/// Formats generated code with prettyplease (deterministic, independent of the installed
/// rustfmt), so the committed files and `--check` agree on every machine.
fn format(name: &str, code: &str) -> Result<String, String> {
    let file = syn::parse_file(code)
        .map_err(|error| format!("generated {name} does not parse: {error}"))?;
    Ok(prettyplease::unparse(&file))
}

/// One row of `proto/rpc-policy.txt`.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    /// The `Idempotency` variant.
    pub(crate) idempotency: &'static str,
    /// `Grant` variants.
    pub(crate) grants: Vec<&'static str>,
    /// The request field that names the room (`video.room`).
    pub(crate) room_field: Option<String>,
    /// The request field that names the destination room (`video.destinationRoom`).
    pub(crate) destination_field: Option<String>,
}

pub(crate) fn read_policy(root: &Path) -> Result<BTreeMap<String, Policy>, String> {
    let path = root.join("proto/rpc-policy.txt");
    let text = util::read(&path)?;
    let mut rows = BTreeMap::new();
    for line in util::list_lines(&text) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let [rpc, class, grants, room, destination] = cols.as_slice() else {
            return Err(format!(
                "{}: expected 5 columns in `{line}`",
                path.display()
            ));
        };
        let idempotency = match *class {
            "read" => "ReadOnly",
            "idempotent" => "Idempotent",
            "unsafe" => "NonIdempotent",
            other => {
                return Err(format!(
                    "{}: unknown class `{other}` for {rpc}",
                    path.display()
                ));
            }
        };
        let grants = if *grants == "-" {
            Vec::new()
        } else {
            grants
                .split(',')
                .map(grant_variant)
                .collect::<Result<Vec<_>, _>>()?
        };
        let field = |v: &str| (v != "-").then(|| v.to_owned());
        let policy = Policy {
            idempotency,
            grants,
            room_field: field(room),
            destination_field: field(destination),
        };
        if rows.insert((*rpc).to_owned(), policy).is_some() {
            return Err(format!("{}: {rpc} is listed twice", path.display()));
        }
    }
    Ok(rows)
}

fn grant_variant(name: &str) -> Result<&'static str, String> {
    Ok(match name {
        "video.roomCreate" => "RoomCreate",
        "video.roomList" => "RoomList",
        "video.roomRecord" => "RoomRecord",
        "video.roomAdmin" => "RoomAdmin",
        "video.ingressAdmin" => "IngressAdmin",
        "sip.admin" => "SipAdmin",
        "sip.call" => "SipCall",
        "agent.admin" => "AgentAdmin",
        "agent.simulationAdmin" => "AgentSimulationAdmin",
        "agent.databaseAdmin" => "AgentDatabaseAdmin",
        other => return Err(format!("unknown grant `{other}` in proto/rpc-policy.txt")),
    })
}

/// `CreateSIPInboundTrunk` → `create_sip_inbound_trunk`, `AgentDBService` → `agent_db_service`.
pub(crate) fn snake_case(name: &str) -> String {
    // Brand names that are one word in method names (`dial_whatsapp_call`, as the other SDKs).
    split_words(&name.replace("WhatsApp", "Whatsapp"))
}

/// The identifier prost gives a message or enum (`SIPInboundTrunkInfo` → `SipInboundTrunkInfo`).
pub(crate) fn prost_type_name(name: &str) -> String {
    split_words(name)
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Lower-case words joined by `_`, splitting before an upper-case letter that follows a
/// lower-case letter or digit, or that starts a word after an acronym.
fn split_words(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A public Twirp service as found in the descriptors.
#[derive(Debug)]
pub(crate) struct ServiceInfo {
    pub(crate) name: String,
    pub(crate) file: String,
    pub(crate) doc: String,
    pub(crate) methods: Vec<MethodInfo>,
}

/// One RPC of a service.
#[derive(Debug)]
pub(crate) struct MethodInfo {
    /// The fully qualified service name (`livekit.RoomService`).
    pub(crate) service: String,
    pub(crate) name: String,
    pub(crate) input: String,
    pub(crate) output: String,
    pub(crate) doc: String,
    pub(crate) deprecated: bool,
}

/// The public Twirp services: every service of package `livekit`, except the participant-RPC
/// registries of `roomrpc/` (called through `RoomService.PerformRpc`, not Twirp). Internal
/// psrpc services live in `rpc/`, which is not compiled.
pub(crate) fn services(fds: &FileDescriptorSet) -> Vec<ServiceInfo> {
    let mut out = Vec::new();
    for file in &fds.file {
        if file.package() != "livekit" || file.name().starts_with("roomrpc/") {
            continue;
        }
        let docs = doc_comments(file);
        for (si, service) in file.service.iter().enumerate() {
            let methods = service
                .method
                .iter()
                .enumerate()
                .map(|(mi, m)| MethodInfo {
                    service: format!("livekit.{}", service.name()),
                    name: m.name().to_owned(),
                    input: m.input_type().trim_start_matches('.').to_owned(),
                    output: m.output_type().trim_start_matches('.').to_owned(),
                    doc: docs
                        .get(&vec![6, si as i32, 2, mi as i32])
                        .cloned()
                        .unwrap_or_default(),
                    deprecated: m.options.as_ref().is_some_and(|o| o.deprecated()),
                })
                .collect();
            out.push(ServiceInfo {
                name: service.name().to_owned(),
                file: file.name().to_owned(),
                doc: docs.get(&vec![6, si as i32]).cloned().unwrap_or_default(),
                methods,
            });
        }
    }
    out
}

fn doc_comments(file: &FileDescriptorProto) -> BTreeMap<Vec<i32>, String> {
    let mut docs = BTreeMap::new();
    if let Some(info) = &file.source_code_info {
        for location in &info.location {
            let text = location.leading_comments().trim();
            if !text.is_empty() {
                docs.insert(location.path.clone(), text.to_owned());
            }
        }
    }
    docs
}

fn services_table(
    fds: &FileDescriptorSet,
    policy: &BTreeMap<String, Policy>,
    pin: &Pin,
) -> Result<String, String> {
    let services = services(fds);
    let mut seen = BTreeSet::new();
    let mut missing = Vec::new();
    let mut out = String::new();
    let _ = writeln!(out, "use crate::service::{{Method, Service}};\n");
    let _ = writeln!(
        out,
        "/// The LiveKit protocol release these types were generated from.\n\
         pub const PROTOCOL_VERSION: &str = {:?};\n\n\
         /// The crates.io package (and version) that shipped the `.proto` files.\n\
         pub const PROTOCOL_SOURCE: &str = \"{} {}\";\n",
        pin.protocol, pin.package, pin.version
    );
    let mut count = 0usize;
    for service in &services {
        let module = snake_case(&service.name);
        let _ = writeln!(
            out,
            "/// `livekit.{}`, from `{}`.",
            service.name, service.file
        );
        if !service.doc.is_empty() {
            let _ = writeln!(out, "///");
            for line in service.doc.lines() {
                let _ = writeln!(out, "/// {}", escape_doc(line.trim()));
            }
        }
        let _ = writeln!(out, "pub mod {module} {{\n    use super::*;\n");
        let mut consts = Vec::new();
        for method in &service.methods {
            count += 1;
            let key = format!("{}.{}", service.name, method.name);
            seen.insert(key.clone());
            if !policy.contains_key(&key) {
                missing.push(key);
            }
            let konst = snake_case(&method.name).to_ascii_uppercase();
            let _ = writeln!(
                out,
                "    /// `{}`: `{}` → `{}`.",
                method.name, method.input, method.output
            );
            let _ = writeln!(
                out,
                "    pub const {konst}: Method = Method {{\n        service: \"livekit.{svc}\",\n        name: {name:?},\n        \
                 path: \"/twirp/livekit.{svc}/{name}\",\n        input: {input:?},\n        output: {output:?},\n        \
                 deprecated: {deprecated},\n    }};\n",
                svc = service.name,
                name = method.name,
                input = method.input,
                output = method.output,
                deprecated = method.deprecated,
            );
            consts.push(konst);
        }
        let refs: Vec<String> = consts.iter().map(|c| format!("&{c}")).collect();
        let _ = writeln!(
            out,
            "    /// Every method of the service, in protocol order.\n    pub const METHODS: &[&Method] = &[{}];\n\n    \
             /// The service.\n    pub const SERVICE: Service = Service {{ name: {:?}, full_name: \"livekit.{}\", methods: METHODS }};\n}}\n",
            refs.join(", "),
            service.name,
            service.name
        );
    }
    let stale: Vec<&String> = policy.keys().filter(|k| !seen.contains(*k)).collect();
    if !missing.is_empty() || !stale.is_empty() {
        return Err(format!(
            "proto/rpc-policy.txt does not match the protocol: missing {missing:?}, unknown {stale:?}"
        ));
    }
    let refs: Vec<String> = services
        .iter()
        .map(|s| format!("&{}::SERVICE", snake_case(&s.name)))
        .collect();
    let _ = writeln!(
        out,
        "/// Every public Twirp service of the protocol.\npub const SERVICES: &[&Service] = &[{}];\n\n\
         /// The number of RPCs in [`SERVICES`].\npub const RPC_COUNT: usize = {count};",
        refs.join(", ")
    );
    Ok(out)
}

fn escape_doc(line: &str) -> String {
    line.replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_handles_acronyms() {
        assert_eq!(
            snake_case("CreateSIPInboundTrunk"),
            "create_sip_inbound_trunk"
        );
        assert_eq!(snake_case("AgentDBService"), "agent_db_service");
        assert_eq!(snake_case("SIP"), "sip");
        assert_eq!(snake_case("RoomService"), "room_service");
        assert_eq!(snake_case("ListSIPTrunk"), "list_sip_trunk");
        assert_eq!(snake_case("CreateAgentV2"), "create_agent_v2");
        assert_eq!(snake_case("DialWhatsAppCall"), "dial_whatsapp_call");
        assert_eq!(
            prost_type_name("SIPInboundTrunkInfo"),
            "SipInboundTrunkInfo"
        );
        assert_eq!(
            prost_type_name("DialWhatsAppCallRequest"),
            "DialWhatsAppCallRequest"
        );
    }

    /// A visitor and a serializer as pbjson-build 0.9 writes them (text, before formatting).
    const PBJSON_SAMPLE: &str = r#"
        if self.state != 0 {
            let v = participant_info::State::try_from(self.state)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.state)))?;
            struct_ser.serialize_field("state", &v)?;
        }
            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Room, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut name__ = None;
                let mut version__ = None;
                let mut gaps__ = None;
                let mut value__ = None;
                let mut state__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Name => {
                            if name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("name"));
                            }
                            name__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Version => {
                            if version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("version"));
                            }
                            version__ = map_.next_value()?;
                        }
                        GeneratedField::Gaps => {
                            if gaps__.is_some() {
                                return Err(serde::de::Error::duplicate_field("gaps"));
                            }
                            gaps__ = Some(
                                map_.next_value::<std::collections::BTreeMap<::pbjson::private::NumberDeserialize<i32>, ::pbjson::private::NumberDeserialize<u32>>>()?
                                    .into_iter().map(|(k,v)| (k.0, v.0)).collect()
                            );
                        }
                        GeneratedField::Count => {
                            if value__.is_some() {
                                return Err(serde::de::Error::duplicate_field("count"));
                            }
                            value__ = map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| room::Value::Count(x.0));
                        }
                        GeneratedField::Label => {
                            if value__.is_some() {
                                return Err(serde::de::Error::duplicate_field("label"));
                            }
                            value__ = map_.next_value::<::std::option::Option<_>>()?.map(room::Value::Label);
                        }
                        GeneratedField::State => {
                            if state__.is_some() {
                                return Err(serde::de::Error::duplicate_field("state"));
                            }
                            state__ = Some(map_.next_value::<participant_info::State>()? as i32);
                        }
                        GeneratedField::__SkipField__ => {
                            let _ = map_.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
impl<'de> serde::Deserialize<'de> for participant_info::State {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "JOINING",
            "JOINED",
        ];

        struct GeneratedVisitor;
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
"#;

    #[test]
    fn protojson_post_processing_rewrites_pbjson_output() {
        let out = post_process_protojson(PBJSON_SAMPLE, &[]).unwrap();
        assert!(!out.contains("pbjson::"), "{out}");
        assert!(out.contains(
            "let v = crate::pbjson_support::enum_or_number::<participant_info::State, \
             S::Error>(self.state)?;"
        ));
        // One flag per arm (six), then one for the oneof `value`, set before values are read.
        assert!(out.contains(
            "                let mut seen__ = [false; 7];\n                while let Some(k)"
        ));
        assert!(out.contains("if seen__[0] {"));
        assert!(!out.contains("if name__.is_some()"), "{out}");
        // `null` leaves a plain field unset; the map has a numeric key read as a map key.
        assert!(out.contains(
            "seen__[0] = true;\n                            name__ = map_.next_value()?;"
        ));
        assert!(
            out.contains(
                "gaps__ = map_.next_value::<::std::option::Option<crate::pbjson_support::UniqueKeys<\
                 crate::pbjson_support::MapKey<i32>, \
                 crate::pbjson_support::NumberDeserialize<u32>>>>()?.map(|x| x.0.into_iter()"
            ),
            "{out}"
        );
        // A oneof member sets its oneof only with a value, and only once.
        assert!(
            out.contains(
                "let value = map_.next_value::<::std::option::Option<\
                 crate::pbjson_support::NumberDeserialize<_>>>()?.map(|x| room::Value::Count(x.0));"
            ),
            "{out}"
        );
        assert!(out.contains("if value.is_some() {\n"), "{out}");
        assert!(out.contains("if seen__[6] {"), "{out}");
        assert!(out.contains("oneof `value` is already set"));
        // An enum is read by name or number, unknown names left unset.
        assert!(
            out.contains(
                "state__ = map_.next_value::<crate::pbjson_support::EnumValue<participant_info::State>>()?.number;"
            ),
            "{out}"
        );
        assert!(
            out.contains("impl crate::pbjson_support::ProtoEnum for participant_info::State {")
        );
    }

    #[test]
    fn protojson_post_processing_refuses_what_it_does_not_know() {
        let changed = [
            // An enum conversion of another shape.
            PBJSON_SAMPLE.replace("::try_from(self.state)", "::from_i32(self.state)"),
            // A map read some other way.
            PBJSON_SAMPLE.replace(">>>()?\n", ">>>()\n"),
            // An arm of another shape.
            PBJSON_SAMPLE.replace(
                "duplicate_field(\"version\")",
                "custom(\"version is there twice\")",
            ),
            // A new pbjson helper.
            PBJSON_SAMPLE.replace("Some(map_.next_value()?)", "::pbjson::private::New::x()"),
        ];
        for code in changed {
            assert!(post_process_protojson(&code, &[]).is_err(), "{code}");
        }
    }

    /// The committed generated code is what the pinned protocol produces (CI runs this too).
    #[test]
    fn codegen_is_fresh() {
        let root = util::workspace_root();
        if let Err(message) = run(&root, Mode::Check) {
            panic!("{message}");
        }
    }
}
