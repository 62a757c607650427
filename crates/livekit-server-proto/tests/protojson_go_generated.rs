//! Generated differential test of the protojson decoder against Go's: thousands of documents
//! of real message types, built from a seed, mutated, and decoded by both (see `protojson_go`
//! for the oracle and the hand-written cases).
//!
//! The generator reads the message schema from the committed generated code (the prost structs
//! for field kinds and nesting, the serde impls for JSON and proto field names, the enums'
//! `as_str_name` for enum value names), writes a valid document of a seed type, and then
//! applies mutations: fields dropped, repeated, renamed (JSON name, proto name, other case,
//! escaped) or set to `null`; values of another JSON type; numbers, enums, bytes, timestamps
//! and durations in odd forms; unknown fields at any depth; two members of a oneof; duplicate
//! map keys; truncated objects and truncated documents. Both decoders must accept or reject
//! each document alike and re-encode it to the same JSON value.
//!
//! The seed is fixed, so a run is reproducible; `LIVEKIT_PROTOJSON_SEED` chooses another one
//! and `LIVEKIT_PROTOJSON_CASES` the number of documents; `LIVEKIT_PROTOJSON_SHOW=n` prints
//! the first `n` documents with both answers (run with `--nocapture`). A disagreement is shrunk
//! (parts of the document removed while it still disagrees the same way) before it is
//! reported.
#![allow(clippy::unwrap_used, clippy::print_stderr)] // Test code (clippy.toml).

mod support;

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use support::{Answer, Case, agree, go, ours, show};

/// The seed used when `LIVEKIT_PROTOJSON_SEED` is not set.
const DEFAULT_SEED: u64 = 0x1ce_b00da;
/// Documents per run when `LIVEKIT_PROTOJSON_CASES` is not set.
const DEFAULT_CASES: usize = 20_000;
/// Disagreements reported in full.
const REPORTED: usize = 20;

/// The message types documents are generated for: `(protobuf name, Rust path, weight)`.
const SEEDS: &[(&str, &str, usize)] = &[
    ("livekit.WebhookEvent", "livekit::WebhookEvent", 6),
    ("livekit.Room", "livekit::Room", 2),
    ("livekit.ParticipantInfo", "livekit::ParticipantInfo", 2),
    ("livekit.TrackInfo", "livekit::TrackInfo", 2),
    ("livekit.EgressInfo", "livekit::EgressInfo", 3),
    ("livekit.IngressInfo", "livekit::IngressInfo", 2),
    (
        "livekit.SIPDispatchRuleInfo",
        "livekit::SipDispatchRuleInfo",
        2,
    ),
    ("livekit.CreateRoomRequest", "livekit::CreateRoomRequest", 2),
    ("livekit.RoomConfiguration", "livekit::RoomConfiguration", 2),
    // Two more for the well-known types: `Duration` fields, `Timestamp` fields.
    (
        "livekit.CreateSIPParticipantRequest",
        "livekit::CreateSipParticipantRequest",
        1,
    ),
    ("livekit.RTPDrift", "livekit::RtpDrift", 1),
];

// =============================================================================================
// The schema, read from the generated code.

const LIVEKIT_RS: &str = include_str!("../src/generated/livekit.rs");
const AGENT_RS: &str = include_str!("../src/generated/livekit.agent.rs");
const LIVEKIT_SERDE_RS: &str = include_str!("../src/generated/livekit.serde.rs");
const AGENT_SERDE_RS: &str = include_str!("../src/generated/livekit.agent.serde.rs");

#[derive(Clone, Copy, Debug, PartialEq)]
enum Scalar {
    Str,
    Bytes,
    Bool,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Wkt {
    Timestamp,
    Duration,
    Struct,
    Value,
    ListValue,
    Empty,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Base {
    Scalar(Scalar),
    Enum(usize),
    Msg(usize),
    Wkt(Wkt),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    One,
    List,
    Map(Scalar),
}

/// What a JSON value stands for: a single value, a list or a map of `base`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Ty {
    base: Base,
    shape: Shape,
}

#[derive(Debug)]
struct Field {
    json: String,
    proto: String,
    ty: Ty,
    /// The oneof group (an index within the message) the field is a member of.
    oneof: Option<usize>,
}

#[derive(Debug)]
struct Msg {
    fields: Vec<Field>,
    oneofs: usize,
}

#[derive(Debug)]
struct Enum {
    values: Vec<(String, i32)>,
}

/// The messages and enums reachable from the seed types.
#[derive(Debug, Default)]
struct Schema {
    msgs: Vec<Msg>,
    enums: Vec<Enum>,
    msg_ids: HashMap<String, usize>,
    enum_ids: HashMap<String, usize>,
}

/// A Rust token, as far as the generated code needs.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Punct(char),
}

fn tokenize(src: &str) -> Vec<Tok> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'"' {
            let start = i + 1;
            i += 1;
            while b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            out.push(Tok::Str(src[start..i].to_owned()));
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            if b[i..].starts_with(b"r#") {
                i += 2; // A raw identifier: `r#type` is the field `type`.
            }
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let word = src[start..i].to_owned();
            out.push(if c.is_ascii_digit() {
                Tok::Num(word)
            } else {
                Tok::Ident(word)
            });
        } else {
            out.push(Tok::Punct(char::from(c)));
            i += 1;
        }
    }
    out
}

/// A struct field or an enum variant: its name, its `#[prost(…)]` attribute, its type (a
/// field's, or a oneof variant's payload) and its value (an enumeration variant's number).
#[derive(Debug)]
struct Member {
    name: String,
    prost: Vec<Tok>,
    ty: Vec<Tok>,
    value: Vec<Tok>,
}

#[derive(Debug)]
enum Def {
    Message(Vec<Member>),
    Oneof(Vec<Member>),
    Enum(Vec<Member>),
}

/// Everything read from the generated code, by absolute Rust path (`livekit::room::Foo`).
#[derive(Debug, Default)]
struct Source {
    defs: HashMap<String, Def>,
    /// Enum path → Rust variant → protobuf value name.
    enum_names: HashMap<String, HashMap<String, String>>,
    /// Message path → field name without underscores, lowercased → (JSON name, proto name).
    field_names: HashMap<String, HashMap<String, (String, String)>>,
}

struct Parser<'a> {
    toks: &'a [Tok],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn is_punct(&self, c: char) -> bool {
        self.peek() == Some(&Tok::Punct(c))
    }

    fn ident(&mut self) -> String {
        match self.peek() {
            Some(Tok::Ident(name)) => {
                let name = name.clone();
                self.pos += 1;
                name
            }
            other => panic!("expected an identifier, found {other:?}"),
        }
    }

    fn expect(&mut self, c: char) {
        assert!(self.is_punct(c), "expected {c:?}, found {:?}", self.peek());
        self.pos += 1;
    }

    /// At an opening bracket: the tokens up to its closing one, which is consumed.
    fn group(&mut self) -> Vec<Tok> {
        let start = self.pos + 1;
        let mut depth = 0;
        loop {
            match &self.toks[self.pos] {
                Tok::Punct('(' | '[' | '{') => depth += 1,
                Tok::Punct(')' | ']' | '}') => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return self.toks[start..self.pos - 1].to_vec();
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    /// Skips an item that is of no interest (`use`, `const`, `fn`, …).
    fn skip_item(&mut self) {
        while let Some(tok) = self.peek() {
            match tok {
                Tok::Punct(';') => {
                    self.pos += 1;
                    return;
                }
                Tok::Punct('{') => {
                    self.group();
                    return;
                }
                Tok::Punct('(' | '[') => {
                    self.group();
                }
                Tok::Punct('}') => return,
                _ => self.pos += 1,
            }
        }
    }

    /// The items of a module, up to its closing brace (not consumed).
    fn items(&mut self, module: &str, source: &mut Source) {
        let mut attrs: Vec<Vec<Tok>> = Vec::new();
        while let Some(tok) = self.peek() {
            let word = match tok {
                Tok::Punct('}') => return,
                Tok::Punct('#') => {
                    self.pos += 1;
                    attrs.push(self.group());
                    continue;
                }
                Tok::Ident(word) => word.clone(),
                _ => {
                    self.skip_item();
                    attrs.clear();
                    continue;
                }
            };
            self.pos += 1;
            match word.as_str() {
                "pub" => {
                    if self.is_punct('(') {
                        self.group();
                    }
                    continue;
                }
                "mod" => {
                    let path = format!("{module}::{}", self.ident());
                    self.expect('{');
                    self.items(&path, source);
                    self.expect('}');
                }
                "struct" => {
                    let path = format!("{module}::{}", self.ident());
                    let members = if self.is_punct('{') {
                        self.members()
                    } else {
                        self.skip_item();
                        Vec::new()
                    };
                    source.defs.insert(path, Def::Message(members));
                }
                "enum" => {
                    let path = format!("{module}::{}", self.ident());
                    let oneof = attrs
                        .iter()
                        .any(|attr| attr.contains(&Tok::Ident("Oneof".to_owned())));
                    let members = self.members();
                    let def = if oneof {
                        Def::Oneof(members)
                    } else {
                        Def::Enum(members)
                    };
                    source.defs.insert(path, def);
                }
                "impl" => {
                    let mut name = String::new();
                    while !self.is_punct('{') {
                        if let Some(Tok::Ident(word)) = self.peek() {
                            name.clone_from(word);
                        }
                        self.pos += 1;
                    }
                    // `Self::Active => "ACTIVE"` in `as_str_name`.
                    let body = self.group();
                    let names = source
                        .enum_names
                        .entry(format!("{module}::{name}"))
                        .or_default();
                    for (i, tok) in body.iter().enumerate() {
                        if *tok != Tok::Ident("Self".to_owned()) {
                            continue;
                        }
                        let rest = &body[i + 1..];
                        if let [
                            Tok::Punct(':'),
                            Tok::Punct(':'),
                            Tok::Ident(variant),
                            Tok::Punct('='),
                            Tok::Punct('>'),
                            after @ ..,
                        ] = rest
                        {
                            let after = match after {
                                [Tok::Punct('{'), after @ ..] => after,
                                after => after,
                            };
                            if let Some(Tok::Str(proto)) = after.first() {
                                names
                                    .entry(variant.clone())
                                    .or_insert_with(|| proto.clone());
                            }
                        }
                    }
                }
                _ => self.skip_item(),
            }
            attrs.clear();
        }
    }

    /// At the opening brace of a struct or an enum: its fields or variants.
    fn members(&mut self) -> Vec<Member> {
        let body = self.group();
        let mut p = Parser {
            toks: &body,
            pos: 0,
        };
        let mut out = Vec::new();
        let mut prost = Vec::new();
        while let Some(tok) = p.peek() {
            match tok {
                Tok::Punct('#') => {
                    p.pos += 1;
                    let attr = p.group();
                    if attr.first() == Some(&Tok::Ident("prost".to_owned())) {
                        prost = attr;
                    }
                }
                Tok::Ident(word) if word == "pub" => {
                    p.pos += 1;
                    if p.is_punct('(') {
                        p.group();
                    }
                }
                Tok::Ident(name) => {
                    let name = name.clone();
                    p.pos += 1;
                    let mut ty = Vec::new();
                    let mut value = Vec::new();
                    if p.is_punct('(') {
                        ty = p.group();
                    } else if p.is_punct(':') || p.is_punct('=') {
                        let is_field = p.is_punct(':');
                        p.pos += 1;
                        let mut angle = 0;
                        let mut tokens = Vec::new();
                        while let Some(tok) = p.peek() {
                            match tok {
                                Tok::Punct('<') => angle += 1,
                                Tok::Punct('>') => angle -= 1,
                                Tok::Punct(',') if angle == 0 => break,
                                _ => {}
                            }
                            tokens.push(tok.clone());
                            p.pos += 1;
                        }
                        if is_field {
                            ty = tokens;
                        } else {
                            value = tokens;
                        }
                    }
                    if p.is_punct(',') {
                        p.pos += 1;
                    }
                    out.push(Member {
                        name,
                        prost: std::mem::take(&mut prost),
                        ty,
                        value,
                    });
                }
                _ => p.pos += 1,
            }
        }
        out
    }
}

/// The parts of a `#[prost(…)]` attribute that matter here.
#[derive(Debug, Default)]
struct Prost {
    kind: String,
    repeated: bool,
    enumeration: String,
    map: Option<String>,
    oneof: Option<String>,
}

fn prost(attr: &[Tok]) -> Prost {
    let mut out = Prost::default();
    let inner = match attr {
        [Tok::Ident(_), Tok::Punct('('), inner @ .., Tok::Punct(')')] => inner,
        _ => panic!("not a prost attribute: {attr:?}"),
    };
    for item in inner.split(|tok| *tok == Tok::Punct(',')) {
        match item {
            [Tok::Ident(flag)] if flag == "repeated" => out.repeated = true,
            [Tok::Ident(flag)] if flag == "optional" || flag == "boxed" || flag == "packed" => {}
            [Tok::Ident(kind)] => out.kind.clone_from(kind),
            [Tok::Ident(key), Tok::Punct('='), Tok::Str(value)] => match key.as_str() {
                "tag" | "tags" => {}
                "enumeration" => {
                    out.kind.clone_from(key);
                    out.enumeration.clone_from(value);
                }
                "btree_map" | "hash_map" | "map" => out.map = Some(value.clone()),
                "oneof" => out.oneof = Some(value.clone()),
                _ => out.kind.clone_from(key), // `bytes = "vec"`
            },
            _ => panic!("unexpected prost attribute item {item:?}"),
        }
    }
    out
}

/// `rel` (`super::Foo`, `room::Bar`) seen from `module`, as an absolute path.
fn resolve(module: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = module.split("::").collect();
    for segment in rel.split("::") {
        match segment {
            "super" => {
                parts.pop();
            }
            "self" => {}
            segment => parts.push(segment),
        }
    }
    parts.join("::")
}

fn parent(path: &str) -> &str {
    path.rsplit_once("::").map_or("", |(parent, _)| parent)
}

/// A field or variant name with no underscores, lowercased: `creation_time`, `CreationTime`
/// and serde's `GeneratedField::CreationTime` all become `creationtime`.
fn normalized(name: &str) -> String {
    name.chars()
        .filter(|&c| c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The JSON and proto names of every field, from the key match of each generated
/// `protojson::Message` impl: `"emptyTimeout" | "empty_timeout" => Some(2)`. Fields are keyed
/// by their normalized proto name, which is also the normalized Rust name prost gives them.
fn read_field_names(src: &str, source: &mut Source) {
    let src = src.split_whitespace().collect::<Vec<_>>().join(" ");
    for chunk in src
        .split("impl crate::protojson::Message for crate::")
        .skip(1)
    {
        let path = format!("livekit::{}", &chunk[..chunk.find(' ').unwrap()]);
        let arms = chunk.split_once("match key {").unwrap().1;
        let arms = arms.split_once("_ => None").unwrap().0;
        let names = source.field_names.entry(path).or_default();
        for arm in arms.split("),") {
            let Some((keys, _)) = arm.split_once("=>") else {
                continue;
            };
            let keys: Vec<String> = keys
                .split('|')
                .map(|key| key.trim().trim_matches('"').to_owned())
                .collect();
            let (json, proto) = (keys[0].clone(), keys.last().unwrap().clone());
            names.insert(normalized(&proto), (json, proto));
        }
    }
}

fn scalar(kind: &str) -> Scalar {
    match kind {
        "string" => Scalar::Str,
        "bytes" => Scalar::Bytes,
        "bool" => Scalar::Bool,
        "int32" | "sint32" | "sfixed32" => Scalar::I32,
        "uint32" | "fixed32" => Scalar::U32,
        "int64" | "sint64" | "sfixed64" => Scalar::I64,
        "uint64" | "fixed64" => Scalar::U64,
        "float" => Scalar::F32,
        "double" => Scalar::F64,
        other => panic!("unknown scalar kind {other}"),
    }
}

impl Schema {
    fn read() -> (Schema, Vec<(&'static str, usize, usize)>) {
        let mut source = Source::default();
        for (src, module) in [(LIVEKIT_RS, "livekit"), (AGENT_RS, "livekit::agent")] {
            let toks = tokenize(src);
            let mut parser = Parser {
                toks: &toks,
                pos: 0,
            };
            parser.items(module, &mut source);
            assert_eq!(parser.pos, toks.len(), "{module}: stopped early");
        }
        read_field_names(LIVEKIT_SERDE_RS, &mut source);
        read_field_names(AGENT_SERDE_RS, &mut source);
        let mut schema = Schema::default();
        let seeds = SEEDS
            .iter()
            .map(|&(name, path, weight)| (name, schema.message(&source, path), weight))
            .collect();
        (schema, seeds)
    }

    fn message(&mut self, source: &Source, path: &str) -> usize {
        if let Some(&id) = self.msg_ids.get(path) {
            return id;
        }
        let id = self.msgs.len();
        self.msg_ids.insert(path.to_owned(), id);
        self.msgs.push(Msg {
            fields: Vec::new(),
            oneofs: 0,
        });
        let Some(Def::Message(members)) = source.defs.get(path) else {
            panic!("no message {path} in the generated code");
        };
        let module = parent(path);
        let names = source.field_names.get(path);
        let name_of = |rust: &str| -> (String, String) {
            names
                .and_then(|names| names.get(&normalized(rust)))
                .cloned()
                .unwrap_or_else(|| panic!("{path}.{rust}: no JSON name in the serde impls"))
        };
        let mut fields = Vec::new();
        let mut oneofs = 0;
        for member in members {
            let attr = prost(&member.prost);
            if let Some(oneof) = &attr.oneof {
                let oneof_path = resolve(module, oneof);
                let Some(Def::Oneof(variants)) = source.defs.get(&oneof_path) else {
                    panic!("no oneof {oneof_path} in the generated code");
                };
                for variant in variants {
                    let (json, proto) = name_of(&variant.name);
                    let attr = prost(&variant.prost);
                    let ty = self.ty(source, parent(&oneof_path), &attr, &variant.ty);
                    fields.push(Field {
                        json,
                        proto,
                        ty,
                        oneof: Some(oneofs),
                    });
                }
                oneofs += 1;
            } else {
                let (json, proto) = name_of(&member.name);
                let ty = self.ty(source, module, &attr, &member.ty);
                fields.push(Field {
                    json,
                    proto,
                    ty,
                    oneof: None,
                });
            }
        }
        self.msgs[id] = Msg { fields, oneofs };
        id
    }

    fn enumeration(&mut self, source: &Source, path: &str) -> usize {
        if let Some(&id) = self.enum_ids.get(path) {
            return id;
        }
        let Some(Def::Enum(members)) = source.defs.get(path) else {
            panic!("no enum {path} in the generated code");
        };
        let names = &source.enum_names[path];
        let values = members
            .iter()
            .map(|member| {
                let number: String = member
                    .value
                    .iter()
                    .map(|tok| match tok {
                        Tok::Num(digits) => digits.clone(),
                        Tok::Punct('-') => "-".to_owned(),
                        other => panic!("{path}: unexpected {other:?}"),
                    })
                    .collect();
                (names[&member.name].clone(), number.parse().unwrap())
            })
            .collect();
        let id = self.enums.len();
        self.enums.push(Enum { values });
        self.enum_ids.insert(path.to_owned(), id);
        id
    }

    /// The message a field's Rust type names (the innermost path that is not a wrapper).
    fn named(&mut self, source: &Source, module: &str, ty: &[Tok]) -> Base {
        const WRAPPERS: &[&str] = &["Option", "Box", "Vec", "BTreeMap", "HashMap", "String"];
        let mut paths = Vec::new();
        let mut current = String::new();
        for tok in ty {
            match tok {
                Tok::Ident(word) => current.push_str(word),
                Tok::Punct(':') => current.push(':'),
                _ if !current.is_empty() => paths.push(std::mem::take(&mut current)),
                _ => {}
            }
        }
        if !current.is_empty() {
            paths.push(current);
        }
        let path = paths
            .iter()
            .rev()
            .find(|path| {
                let last = path.rsplit("::").next().unwrap();
                !WRAPPERS.contains(&last) && last.starts_with(|c: char| c.is_ascii_uppercase())
            })
            .unwrap_or_else(|| panic!("no message type in {ty:?}"));
        let full = resolve(module, path);
        match full.strip_prefix("google::protobuf::") {
            Some("Timestamp") => Base::Wkt(Wkt::Timestamp),
            Some("Duration") => Base::Wkt(Wkt::Duration),
            Some("Struct") => Base::Wkt(Wkt::Struct),
            Some("Value") => Base::Wkt(Wkt::Value),
            Some("ListValue") => Base::Wkt(Wkt::ListValue),
            Some("Empty") => Base::Wkt(Wkt::Empty),
            Some(other) => panic!("google.protobuf.{other} is not generated for"),
            None => Base::Msg(self.message(source, &full)),
        }
    }

    fn ty(&mut self, source: &Source, module: &str, attr: &Prost, rust: &[Tok]) -> Ty {
        if let Some(map) = &attr.map {
            let (key, value) = map.split_once(',').unwrap();
            let value = value.trim();
            let base = if value == "message" {
                self.named(source, module, rust)
            } else if let Some(name) = value
                .strip_prefix("enumeration(")
                .and_then(|rest| rest.strip_suffix(')'))
            {
                Base::Enum(self.enumeration(source, &resolve(module, name)))
            } else {
                Base::Scalar(scalar(value))
            };
            return Ty {
                base,
                shape: Shape::Map(scalar(key.trim())),
            };
        }
        let base = match attr.kind.as_str() {
            "message" => self.named(source, module, rust),
            "enumeration" => {
                Base::Enum(self.enumeration(source, &resolve(module, &attr.enumeration)))
            }
            kind => Base::Scalar(scalar(kind)),
        };
        let shape = if attr.repeated {
            Shape::List
        } else {
            Shape::One
        };
        Ty { base, shape }
    }
}

// =============================================================================================
// Documents: a JSON tree that keeps what `serde_json::Value` would lose (the text of numbers,
// duplicate keys, escapes, invalid JSON), each node with the type it stands for.

#[derive(Clone, Debug)]
struct Node {
    /// What the node stands for in the message; `None` for unknown fields' values.
    ty: Option<Ty>,
    j: J,
}

#[derive(Clone, Debug)]
enum J {
    /// The exact text of a scalar (`1e0`, `"a\u0062"`, `null`; not necessarily valid JSON).
    Lit(String),
    Arr(Vec<Node>),
    /// Members in order; each key is the exact text of a JSON string.
    Obj(Vec<(String, Node)>),
}

fn lit(text: impl Into<String>) -> Node {
    Node {
        ty: None,
        j: J::Lit(text.into()),
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn render(node: &Node, out: &mut String) {
    match &node.j {
        J::Lit(text) => out.push_str(text),
        J::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render(item, out);
            }
            out.push(']');
        }
        J::Obj(members) => {
            out.push('{');
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(key);
                out.push(':');
                render(value, out);
            }
            out.push('}');
        }
    }
}

/// A generated document: its type and tree, and where the text is cut (a truncated document).
#[derive(Clone, Debug)]
struct Doc {
    type_name: &'static str,
    root: Node,
    cut: Option<usize>,
}

impl Doc {
    fn text(&self) -> String {
        let mut text = String::new();
        render(&self.root, &mut text);
        if let Some(cut) = self.cut {
            let mut at = cut.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.truncate(at);
        }
        text
    }

    fn case(&self) -> Case {
        Case {
            type_name: self.type_name,
            json: self.text(),
        }
    }
}

/// The paths (indices of members and items) of every node with a type.
fn typed_paths(node: &Node, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    if node.ty.is_some() {
        out.push(path.clone());
    }
    let children: Vec<&Node> = match &node.j {
        J::Lit(_) => Vec::new(),
        J::Arr(items) => items.iter().collect(),
        J::Obj(members) => members.iter().map(|(_, value)| value).collect(),
    };
    for (i, child) in children.into_iter().enumerate() {
        path.push(i);
        typed_paths(child, path, out);
        path.pop();
    }
}

fn node_at<'a>(node: &'a mut Node, path: &[usize]) -> &'a mut Node {
    match path.split_first() {
        None => node,
        Some((&i, rest)) => match &mut node.j {
            J::Arr(items) => node_at(&mut items[i], rest),
            J::Obj(members) => node_at(&mut members[i].1, rest),
            J::Lit(_) => unreachable!("a path through a scalar"),
        },
    }
}

// =============================================================================================
// The generator.

/// SplitMix64: small, seeded, and the same on every platform.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn word(&mut self, words: &[&'static str]) -> &'static str {
        words[self.below(words.len())]
    }
}

/// Deeper messages are written as `{}`.
const MAX_DEPTH: usize = 5;
/// 2^53: an integer field given a JSON number with a fraction or an exponent at least this
/// large is the documented difference from Go (see `Verdict::Known`).
const EXACT_IN_F64: f64 = 9_007_199_254_740_992.0;

/// Pieces of string contents (JSON text, escapes included) for valid strings.
const STRING_PIECES: &[&str] = &[
    "a",
    "room-1",
    "PA_x1y2z3",
    "participant_joined",
    "track_published",
    "egress_ended",
    "caf\u{e9}",
    "\u{1f600}",
    "\\u00e9",
    "\\ud83d\\ude00",
    "\\n\\t\\\"\\\\\\/",
    " ",
    "<>&'",
    "\u{2028}",
    "\\u0000",
    "0",
    "true",
    "null",
    "{}",
];

/// String literals (JSON text) that parsers may read differently, or must refuse.
const ODD_STRINGS: &[&str] = &[
    r#""""#,
    r#""\ud83d""#,
    r#""\ude00x""#,
    r#""\udc00\ud800""#,
    r#""\uD83D\uDE00""#,
    r#""\ud83d\u0041""#,
    r#""\x41""#,
    r#""\u12""#,
    r#""\U0041""#,
    "\"\u{1}\"",
    "\"a\tb\"",
    "\"\u{7f}\"",
    r#""\u0000""#,
    r#""\/""#,
    r#""a"#,
    r#"'a'"#,
    r#""é""#,
    r#""\u00e9""#,
];

/// Keys for unknown fields (a few, such as `value`, name a field of some message: then the
/// field gets a value of any type, which is a case worth having too).
const UNKNOWN_KEYS: &[&str] = &[
    "future",
    "newField",
    "new_field",
    "x",
    "",
    "__proto__",
    "@type",
    "value",
    "null",
    "1",
    "\u{e9}t\u{e9}",
    "FUTURE_FIELD",
    "\u{0}",
];

/// JSON numbers of every kind, none an integer of 2^53 or more written with a fraction or an
/// exponent (the documented difference).
const JUNK_NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "-0",
    "0.5",
    "1.5",
    "-2.5e-3",
    "1e2",
    "1E+2",
    "1.0",
    "1e400",
    "-1e400",
    "1e-400",
    "123456789012",
    "2147483648",
    "4294967296",
    "18446744073709551616",
    "-9223372036854775809",
    "9223372036854775807",
    "3.4028235e38",
    "1e39",
    "5e-324",
    "01",
    "+1",
    ".5",
    "1.",
    "0x10",
    "NaN",
    "Infinity",
];

const FLOAT_FORMS: &[&str] = &[
    "0",
    "-0",
    "0.0",
    "-0.0",
    "1",
    "1.5",
    "-1.5",
    "1e2",
    "1E-2",
    "1e+2",
    "0.1",
    "0.30000000000000004",
    "3.4028234663852886e38",
    "3.4028235e38",
    "3.4028236e38",
    "3.4028235677973366e38",
    "-3.4028236e38",
    "1e39",
    "1.17549435e-38",
    "1e-45",
    "1.401298464324817e-45",
    "1e-46",
    "7e-46",
    "5e-324",
    "2.4703282292062328e-324",
    "1e-400",
    "1.7976931348623157e308",
    "1.7976931348623158e308",
    "1.7976931348623159e308",
    "1e309",
    "123456789012345678901234567890",
    "9007199254740993",
    "\"NaN\"",
    "\"Infinity\"",
    "\"-Infinity\"",
    "\"+Infinity\"",
    "\"nan\"",
    "\"inf\"",
    "\"1.5\"",
    "\"-0\"",
    "\"1e2\"",
    "\"3.4028236e38\"",
    "\"1e-400\"",
    "\" 1\"",
    "\"1 \"",
    "\"\"",
    "\"0x1p3\"",
    "\"1_000\"",
    "\".5\"",
    "\"5.\"",
    "\"+1\"",
    "\"01\"",
    "\"1e400\"",
    "NaN",
    "Infinity",
];

const BOOL_FORMS: &[&str] = &[
    "true",
    "false",
    "\"true\"",
    "\"false\"",
    "1",
    "0",
    "True",
    "\"\"",
    "null",
];

const TIMESTAMP_FORMS: &[&str] = &[
    "2024-01-02T03:04:05Z",
    "2024-01-02T03:04:05.1Z",
    "2024-01-02T03:04:05.123456789Z",
    "2024-01-02T03:04:05.1234567890Z",
    "2024-01-02T03:04:05.Z",
    "2024-01-02T03:04:05,5Z",
    "2024-01-02T3:04:05Z",
    "2024-01-02T03:04:05+01:00",
    "2024-01-02T03:04:05-00:00",
    "2024-01-02T03:04:05+0100",
    "2024-01-02T03:04:05+23:59",
    "2024-01-02T03:04:05+24:00",
    "2024-01-02T03:04:05",
    "2024-01-02t03:04:05z",
    "2024-01-02 03:04:05Z",
    "2024-01-02T03:04:60Z",
    "2024-02-29T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2024-13-01T00:00:00Z",
    "2024-00-01T00:00:00Z",
    "2024-01-32T00:00:00Z",
    "2024-1-2T3:4:5Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "0000-12-31T23:59:59Z",
    "0001-01-01T00:00:00+00:01",
    "9999-12-31T23:59:59.999999999Z",
    "9999-12-31T23:59:59-00:01",
    "10000-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "1969-12-31T23:59:59.999999999Z",
    "+2024-01-02T03:04:05Z",
    " 2024-01-02T03:04:05Z",
    "2024-01-02T03:04:05Z ",
    "",
];

const DURATION_FORMS: &[&str] = &[
    "0s",
    "1s",
    "-1s",
    "1.5s",
    "-1.5s",
    "0.000000001s",
    "-0.000000001s",
    "1.0000000001s",
    "1.000s",
    "1.s",
    ".5s",
    "-.5s",
    "-0s",
    "+1s",
    "01s",
    "1e3s",
    "1",
    "1 s",
    "1S",
    "1ms",
    "s",
    "",
    "315576000000s",
    "315576000000.999999999s",
    "-315576000000.999999999s",
    "315576000001s",
    "9223372036854775808s",
    "-9223372036854775809s",
    "1.5ss",
    " 1s",
];

const ENUM_ODD_NAMES: &[&str] = &[
    "FUTURE_VALUE",
    "",
    "unknown",
    "0",
    "1",
    "-1",
    "1.0",
    "UNKNOWN",
    "DEFAULT",
];

const ENUM_ODD_NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "99",
    "-1",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "1.0",
    "1e0",
    "1.5",
    "-0",
    "1e400",
    "1e-400",
];

struct Gen<'s> {
    schema: &'s Schema,
    rng: Rng,
}

impl Gen<'_> {
    fn count(&mut self, depth: usize) -> usize {
        if depth > 3 {
            self.rng.below(2)
        } else {
            *self.rng.pick(&[0, 1, 1, 2, 2, 3])
        }
    }

    fn key(&mut self, field: &Field) -> String {
        quote(if self.rng.chance(0.15) {
            &field.proto
        } else {
            &field.json
        })
    }

    /// A valid message.
    fn message(&mut self, id: usize, depth: usize) -> Node {
        let schema = self.schema;
        let msg = &schema.msgs[id];
        let p = [0.5, 0.35, 0.25, 0.15, 0.1, 0.05][depth.min(5)];
        let chosen: Vec<Option<usize>> = (0..msg.oneofs)
            .map(|group| {
                let members: Vec<usize> = (0..msg.fields.len())
                    .filter(|&i| msg.fields[i].oneof == Some(group))
                    .collect();
                self.rng.chance(0.6).then(|| *self.rng.pick(&members))
            })
            .collect();
        let mut members = Vec::new();
        for (i, field) in msg.fields.iter().enumerate() {
            let include = match field.oneof {
                Some(group) => chosen[group] == Some(i),
                None => self.rng.chance(p),
            };
            if include {
                let key = self.key(field);
                members.push((key, self.value(field.ty, depth + 1)));
            }
        }
        if self.rng.chance(0.1) {
            for i in (1..members.len()).rev() {
                members.swap(i, self.rng.below(i + 1));
            }
        }
        Node {
            ty: Some(Ty {
                base: Base::Msg(id),
                shape: Shape::One,
            }),
            j: J::Obj(members),
        }
    }

    /// A valid value of a field.
    fn value(&mut self, ty: Ty, depth: usize) -> Node {
        let j = match ty.shape {
            Shape::One => return self.single(ty.base, depth),
            Shape::List => J::Arr(
                (0..self.count(depth))
                    .map(|_| self.single(ty.base, depth))
                    .collect(),
            ),
            Shape::Map(key) => {
                let mut keys = HashSet::new();
                let mut members = Vec::new();
                for _ in 0..self.count(depth) {
                    let k = self.map_key(key);
                    if keys.insert(k.clone()) {
                        members.push((quote(&k), self.single(ty.base, depth)));
                    }
                }
                J::Obj(members)
            }
        };
        Node { ty: Some(ty), j }
    }

    fn map_key(&mut self, key: Scalar) -> String {
        match key {
            Scalar::Str => self.string_contents(),
            Scalar::Bool => self.rng.word(&["true", "false"]).to_owned(),
            kind => self.int_value(kind).to_string(),
        }
    }

    fn string_contents(&mut self) -> String {
        let pieces = self.rng.below(4);
        (0..pieces)
            .map(|_| self.rng.word(STRING_PIECES))
            .collect::<String>()
    }

    /// A valid single value (an element of a list or a map, or a singular field).
    fn single(&mut self, base: Base, depth: usize) -> Node {
        let ty = Ty {
            base,
            shape: Shape::One,
        };
        let j = match base {
            Base::Msg(_) if depth > MAX_DEPTH => J::Obj(Vec::new()),
            Base::Msg(id) => return self.message(id, depth),
            Base::Enum(id) => {
                let (name, number) = self.rng.pick(&self.schema.enums[id].values).clone();
                J::Lit(if self.rng.chance(0.85) {
                    quote(&name)
                } else {
                    number.to_string()
                })
            }
            Base::Scalar(kind) => J::Lit(self.scalar(kind)),
            Base::Wkt(wkt) => return self.wkt(wkt, depth),
        };
        Node { ty: Some(ty), j }
    }

    fn scalar(&mut self, kind: Scalar) -> String {
        match kind {
            Scalar::Str => format!("\"{}\"", self.string_contents()),
            Scalar::Bytes => quote(&STANDARD.encode(self.bytes())),
            Scalar::Bool => self.rng.word(&["true", "false"]).to_owned(),
            Scalar::I32 | Scalar::U32 | Scalar::I64 | Scalar::U64 => {
                let value = self.int_value(kind).to_string();
                let quoted = matches!(kind, Scalar::I64 | Scalar::U64) && self.rng.chance(0.8)
                    || self.rng.chance(0.1);
                if quoted { quote(&value) } else { value }
            }
            Scalar::F32 | Scalar::F64 => {
                let text = match self.rng.below(4) {
                    0 => self.rng.below(1000).to_string(),
                    1 => format!("{}.{}", self.rng.below(1000), self.rng.below(1000)),
                    2 if kind == Scalar::F32 => format!("{}", self.rng.next() as f32 / 7.0),
                    2 => format!("{}", self.rng.next() as f64 / 7.0),
                    _ => format!("{}e{}", self.rng.below(100), self.rng.below(60) as i32 - 30),
                };
                if self.rng.chance(0.1) {
                    quote(&text)
                } else {
                    text
                }
            }
        }
    }

    fn bytes(&mut self) -> Vec<u8> {
        let len = self.rng.below(10);
        (0..len).map(|_| self.rng.next() as u8).collect()
    }

    fn range(kind: Scalar) -> (i128, i128) {
        match kind {
            Scalar::I32 => (i32::MIN.into(), i32::MAX.into()),
            Scalar::U32 => (0, u32::MAX.into()),
            Scalar::I64 => (i64::MIN.into(), i64::MAX.into()),
            Scalar::U64 => (0, u64::MAX.into()),
            Scalar::Bool => (0, 1),
            other => panic!("{other:?} is not an integer"),
        }
    }

    /// An integer within the range of `kind`.
    fn int_value(&mut self, kind: Scalar) -> i128 {
        let (min, max) = Self::range(kind);
        let v: i128 = match self.rng.below(5) {
            0 | 1 => {
                self.rng.below(1000) as i128
                    * if min < 0 && self.rng.chance(0.3) {
                        -1
                    } else {
                        1
                    }
            }
            2 => *self.rng.pick(&[
                min,
                max,
                0,
                1,
                i32::MAX.into(),
                u32::MAX.into(),
                1 << 53,
                (1 << 53) + 1,
                1_700_000_000_000,
                1_700_000_000_000_000_000,
            ]),
            _ => {
                let bits = self.rng.next();
                match kind {
                    Scalar::I32 => (bits as i32).into(),
                    Scalar::U32 => (bits as u32).into(),
                    Scalar::I64 => (bits as i64).into(),
                    _ => bits.into(),
                }
            }
        };
        v.clamp(min, max)
    }

    /// An integer in one of many forms, in range or just out of it.
    fn int_form(&mut self, kind: Scalar) -> String {
        let (min, max) = Self::range(kind);
        let v = match self.rng.below(4) {
            0 => *self.rng.pick(&[min - 1, max + 1, -1, 0]),
            _ => self.int_value(kind),
        };
        let plain = v.to_string();
        let number = match self.rng.below(12) {
            0 => format!("{plain}.0"),
            1 => format!("{plain}.000"),
            2 => format!("{plain}e0"),
            3 => {
                // The same value with an exponent: `1700e3` for 1700000.
                let digits = plain.trim_end_matches('0');
                let zeros = plain.len() - digits.len();
                if zeros > 0 && digits != "-" {
                    format!("{digits}e{zeros}")
                } else {
                    format!("{plain}0e-1")
                }
            }
            4 => format!("{plain}.5"),
            5 => format!("{plain}E+0"),
            6 if v == 0 => "-0".to_owned(),
            6 => format!("{}e-2", v * 100),
            7 => format!("0{plain}"),
            8 => format!("+{plain}"),
            // A fraction beyond the precision of an `f64`.
            9 => format!("{plain}.00000000000000001"),
            _ => plain,
        };
        let inexact = number.contains(['.', 'e', 'E']) && v.abs() as f64 >= EXACT_IN_F64;
        match self.rng.below(4) {
            _ if inexact => quote(&number),
            0 => quote(&number),
            1 => quote(&format!(" {number}")),
            _ => number,
        }
    }

    fn float_form(&mut self, kind: Scalar) -> String {
        if self.rng.chance(0.6) {
            self.rng.word(FLOAT_FORMS).to_owned()
        } else {
            self.scalar(kind)
        }
    }

    fn timestamp(&mut self) -> String {
        let seconds = (self.rng.next() % 4_102_444_800) as i64;
        let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
        let time = seconds.rem_euclid(86_400);
        let mut text = format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            time / 3600,
            time / 60 % 60,
            time % 60
        );
        let digits = *self.rng.pick(&[0, 0, 3, 6, 9, 1, 2, 5, 7, 8]);
        if digits > 0 {
            text.push('.');
            for _ in 0..digits {
                text.push(char::from(b'0' + self.rng.below(10) as u8));
            }
        }
        if self.rng.chance(0.8) {
            text.push('Z');
        } else {
            let _ = write!(
                text,
                "{}{:02}:{:02}",
                self.rng.word(&["+", "-"]),
                self.rng.below(24),
                self.rng.below(60)
            );
        }
        text
    }

    fn duration(&mut self) -> String {
        let seconds = match self.rng.below(3) {
            0 => self.rng.below(100) as u64,
            1 => self.rng.next() % 315_576_000_001,
            _ => self.rng.next() % 100_000,
        };
        let sign = if self.rng.chance(0.2) { "-" } else { "" };
        let digits = *self.rng.pick(&[0, 0, 3, 6, 9, 1, 4]);
        let mut fraction = String::new();
        if digits > 0 {
            fraction.push('.');
            for _ in 0..digits {
                fraction.push(char::from(b'0' + self.rng.below(10) as u8));
            }
        }
        format!("{sign}{seconds}{fraction}s")
    }

    fn wkt(&mut self, wkt: Wkt, depth: usize) -> Node {
        let j = match wkt {
            Wkt::Timestamp => J::Lit(quote(&self.timestamp())),
            Wkt::Duration => J::Lit(quote(&self.duration())),
            Wkt::Struct => J::Obj(
                (0..self.count(depth))
                    .map(|i| (quote(&format!("k{i}")), self.junk(depth + 1)))
                    .collect(),
            ),
            Wkt::Value => self.junk(depth + 1).j,
            Wkt::ListValue => J::Arr(
                (0..self.count(depth))
                    .map(|_| self.junk(depth + 1))
                    .collect(),
            ),
            Wkt::Empty => J::Obj(Vec::new()),
        };
        Node {
            ty: Some(Ty {
                base: Base::Wkt(wkt),
                shape: Shape::One,
            }),
            j,
        }
    }

    /// Any JSON value (and some that are not quite JSON).
    fn junk(&mut self, depth: usize) -> Node {
        let kinds = if depth > 3 { 4 } else { 6 };
        match self.rng.below(kinds) {
            0 => lit("null"),
            1 => lit(self.rng.word(&["true", "false"])),
            2 => lit(self.rng.word(JUNK_NUMBERS)),
            3 => lit(if self.rng.chance(0.8) {
                format!("\"{}\"", self.string_contents())
            } else {
                self.rng.word(ODD_STRINGS).to_owned()
            }),
            4 => Node {
                ty: None,
                j: J::Arr(
                    (0..self.count(depth))
                        .map(|_| self.junk(depth + 1))
                        .collect(),
                ),
            },
            _ => Node {
                ty: None,
                j: J::Obj(
                    (0..self.count(depth))
                        .map(|_| (quote(self.rng.word(UNKNOWN_KEYS)), self.junk(depth + 1)))
                        .collect(),
                ),
            },
        }
    }

    /// An odd or wrong value in place of a single value of `base`.
    fn odd_single(&mut self, base: Base) -> J {
        let text = match base {
            Base::Scalar(Scalar::Str) => self.rng.word(ODD_STRINGS).to_owned(),
            Base::Scalar(Scalar::Bytes) => {
                let bytes = self.bytes();
                let text = match self.rng.below(10) {
                    0 => STANDARD_NO_PAD.encode(&bytes),
                    1 => URL_SAFE.encode(&bytes),
                    2 => URL_SAFE_NO_PAD.encode(&bytes),
                    3 => STANDARD.encode(&bytes) + "=",
                    4 => {
                        let text = STANDARD.encode(&bytes);
                        let at = self.rng.below(text.len() + 1);
                        format!(
                            "{}{}{}",
                            &text[..at],
                            self.rng
                                .pick(&[" ", "\\n", "\\r\\n", "!", "=", "-", "_", "+", "/"]),
                            &text[at..]
                        )
                    }
                    5 => STANDARD.encode(&bytes).replace('A', "\\u0041"),
                    6 => self
                        .rng
                        .pick(&[
                            "a",
                            "ab",
                            "abc",
                            "a===",
                            "====",
                            "=",
                            "_-8",
                            "/+8=",
                            "+/8",
                            "AA==AA==",
                            "QQ=\\u003d",
                            "ÿÿ",
                        ])
                        .to_string(),
                    7 => STANDARD.encode(&bytes).to_lowercase(),
                    _ => STANDARD.encode(&bytes),
                };
                format!("\"{text}\"")
            }
            Base::Scalar(Scalar::Bool) => self.rng.word(BOOL_FORMS).to_owned(),
            Base::Scalar(kind @ (Scalar::F32 | Scalar::F64)) => self.float_form(kind),
            Base::Scalar(kind) => self.int_form(kind),
            Base::Enum(id) => {
                let (name, number) = self.rng.pick(&self.schema.enums[id].values).clone();
                match self.rng.below(7) {
                    0 => quote(self.rng.word(ENUM_ODD_NAMES)),
                    1 => quote(&name.to_lowercase()),
                    2 => quote(&format!(" {name}")),
                    3 => quote(&number.to_string()),
                    4 => format!("{number}.0"),
                    5 => quote(&format!("{name}_NEXT")),
                    _ => self.rng.word(ENUM_ODD_NUMBERS).to_owned(),
                }
            }
            Base::Msg(_) | Base::Wkt(Wkt::Struct | Wkt::Empty) => {
                return match self.rng.below(4) {
                    0 => J::Obj(Vec::new()),
                    1 => J::Obj(vec![(quote(self.rng.word(UNKNOWN_KEYS)), self.junk(2))]),
                    _ => self.junk(4).j,
                };
            }
            Base::Wkt(Wkt::Timestamp) => match self.rng.below(4) {
                0 => quote(self.rng.word(TIMESTAMP_FORMS)),
                1 => {
                    // An offset at or beyond the edges of the range.
                    let mut text = self.timestamp();
                    let zone = if text.ends_with('Z') { 1 } else { 6 };
                    text.truncate(text.len() - zone);
                    let _ = write!(
                        text,
                        "{}{:02}:{:02}",
                        self.rng.word(&["+", "-"]),
                        self.rng.pick(&[0, 1, 12, 23, 24, 25, 99]),
                        self.rng.pick(&[0, 1, 30, 59, 60, 61, 99])
                    );
                    quote(&text)
                }
                2 => {
                    // One character dropped, or the fraction's point a comma.
                    let mut text = self.timestamp();
                    if self.rng.chance(0.2) {
                        text = text.replace('.', ",");
                    } else {
                        text.remove(self.rng.below(text.len()));
                    }
                    quote(&text)
                }
                _ => self.rng.word(JUNK_NUMBERS).to_owned(),
            },
            Base::Wkt(Wkt::Duration) => match self.rng.below(3) {
                0 => quote(self.rng.word(DURATION_FORMS)),
                1 => {
                    let text = self.duration();
                    quote(&text.replacen('.', self.rng.word(&["", "..", ",", ".0000000000"]), 1))
                }
                _ => self.rng.word(JUNK_NUMBERS).to_owned(),
            },
            Base::Wkt(Wkt::Value | Wkt::ListValue) => return self.junk(1).j,
        };
        J::Lit(text)
    }

    /// Replaces a value by `null`, a value of another JSON type, or an odd one.
    fn replace_value(&mut self, node: &mut Node, ty: Ty) {
        node.j = match self.rng.below(10) {
            0 => J::Lit("null".to_owned()),
            1 | 2 => self.junk(2).j,
            _ => match ty.shape {
                Shape::One => self.odd_single(ty.base),
                Shape::List => match self.rng.below(4) {
                    0 => J::Arr(Vec::new()),
                    1 => J::Arr(vec![Node {
                        ty: Some(Ty {
                            base: ty.base,
                            shape: Shape::One,
                        }),
                        j: self.odd_single(ty.base),
                    }]),
                    2 => self.odd_single(ty.base),
                    _ => J::Obj(Vec::new()),
                },
                Shape::Map(_) => match self.rng.below(3) {
                    0 => J::Arr(Vec::new()),
                    1 => J::Obj(Vec::new()),
                    _ => J::Arr(vec![self.single(ty.base, MAX_DEPTH)]),
                },
            },
        };
    }

    /// Changes a message object: its members, not its values.
    fn mutate_object(&mut self, members: &mut Vec<(String, Node)>, id: usize) {
        let schema = self.schema;
        let msg = &schema.msgs[id];
        let field_of = |key: &str| -> Option<&Field> {
            let name: String = serde_json::from_str(key).ok()?;
            msg.fields
                .iter()
                .find(|field| field.json == name || field.proto == name)
        };
        let at = self.rng.below(members.len() + 1);
        match self.rng.below(9) {
            // An unknown field.
            0 => {
                let key = quote(self.rng.word(UNKNOWN_KEYS));
                let value = self.junk(1);
                members.insert(at, (key, value));
            }
            // A field dropped.
            1 if !members.is_empty() => {
                members.remove(at.min(members.len() - 1));
            }
            // A field given twice: the same value, another valid one, or null; under the same
            // name or its other name.
            2 if !members.is_empty() => {
                let (key, value) = members[self.rng.below(members.len())].clone();
                let field = field_of(&key);
                let key = match field {
                    Some(field) if self.rng.chance(0.5) => quote(if quote(&field.json) == key {
                        &field.proto
                    } else {
                        &field.json
                    }),
                    _ => key,
                };
                let value = match (self.rng.below(3), field) {
                    (0, Some(field)) => self.value(field.ty, 3),
                    (1, _) => lit("null"),
                    _ => value,
                };
                members.insert(at, (key, value));
            }
            // A field renamed: its other name, another case, or escaped.
            3 if !members.is_empty() => {
                let i = self.rng.below(members.len());
                let name: String = serde_json::from_str(&members[i].0).unwrap_or_default();
                let field = field_of(&members[i].0);
                members[i].0 = match (self.rng.below(5), field) {
                    (0, Some(field)) if name == field.json => quote(&field.proto),
                    (0, Some(field)) => quote(&field.json),
                    (1, _) => quote(&name.to_uppercase()),
                    (2, _) => {
                        let mut chars = name.chars();
                        let first = chars.next().map(|c| c.to_ascii_uppercase());
                        quote(&first.into_iter().chain(chars).collect::<String>())
                    }
                    (3, _) => quote(&name.replace('_', "")),
                    _ => {
                        // `"n\u0061me"`: the same name, escaped.
                        let mut text = String::from("\"");
                        for (k, c) in name.chars().enumerate() {
                            if k % 2 == 1 {
                                let _ = write!(text, "\\u{:04x}", c as u32);
                            } else {
                                text.push_str(quote(&c.to_string()).trim_matches('"'));
                            }
                        }
                        text.push('"');
                        text
                    }
                };
            }
            // A oneof member added (a second one; null; an odd value, such as an unknown
            // enum name).
            4 | 5 if msg.oneofs > 0 => {
                let group = self.rng.below(msg.oneofs);
                let candidates: Vec<&Field> = msg
                    .fields
                    .iter()
                    .filter(|field| field.oneof == Some(group))
                    .collect();
                let field = *self.rng.pick(&candidates);
                let key = self.key(field);
                let mut value = self.value(field.ty, 3);
                match self.rng.below(10) {
                    0..=2 => value = lit("null"),
                    3 | 4 => self.replace_value(&mut value, field.ty),
                    _ => {}
                }
                members.insert(at, (key, value));
            }
            // A known field set to null.
            6 if !msg.fields.is_empty() => {
                let field = self.rng.pick(&msg.fields);
                let key = self.key(field);
                members.insert(at, (key, lit("null")));
            }
            // A truncated object.
            7 => members.truncate(members.len() / 2),
            // A known field with an odd value.
            _ if !msg.fields.is_empty() => {
                let field = self.rng.pick(&msg.fields);
                let key = self.key(field);
                let mut value = self.value(field.ty, MAX_DEPTH);
                self.replace_value(&mut value, field.ty);
                members.insert(at, (key, value));
            }
            _ => {}
        }
    }

    fn mutate_list(&mut self, items: &mut Vec<Node>, base: Base) {
        let at = self.rng.below(items.len() + 1);
        let ty = Some(Ty {
            base,
            shape: Shape::One,
        });
        match self.rng.below(6) {
            0 => items.insert(at, lit("null")),
            1 => {
                let j = self.odd_single(base);
                items.insert(at, Node { ty, j });
            }
            2 if matches!(base, Base::Enum(_)) => {
                items.insert(at, lit(quote(self.rng.word(ENUM_ODD_NAMES))));
            }
            3 if !items.is_empty() => {
                let item = items[self.rng.below(items.len())].clone();
                items.insert(at, item);
            }
            4 => {
                let inner = std::mem::take(items);
                items.push(Node {
                    ty: None,
                    j: J::Arr(inner),
                });
            }
            _ => items.insert(at, self.single(base, MAX_DEPTH)),
        }
    }

    fn mutate_map(&mut self, members: &mut Vec<(String, Node)>, key: Scalar, base: Base) {
        let at = self.rng.below(members.len() + 1);
        let valid = self.single(base, MAX_DEPTH);
        match self.rng.below(5) {
            // A key given twice, as written or escaped.
            0 | 1 if !members.is_empty() => {
                let (k, v) = members[self.rng.below(members.len())].clone();
                let k = if self.rng.chance(0.5) {
                    k
                } else {
                    let name: String = serde_json::from_str(&k).unwrap_or_default();
                    name.chars()
                        .map(|c| format!("\\u{:04x}", c as u32))
                        .collect::<String>()
                };
                let k = if k.starts_with('"') {
                    k
                } else {
                    format!("\"{k}\"")
                };
                let v = if self.rng.chance(0.5) { v } else { valid };
                members.insert(at, (k, v));
            }
            // An odd key.
            2 => {
                let k = match key {
                    Scalar::Str => self
                        .rng
                        .pick(&["", "\\u0000", "\\ud83d", "a", "A"])
                        .to_string(),
                    _ => self
                        .rng
                        .pick(&[
                            "01",
                            "-0",
                            "+1",
                            "1.0",
                            " 1",
                            "abc",
                            "",
                            "2147483648",
                            "-2147483649",
                            "4294967296",
                            "true",
                            "1e2",
                        ])
                        .to_string(),
                };
                members.insert(at, (format!("\"{k}\""), valid));
            }
            // A null or odd value.
            3 => {
                let k = quote(&self.map_key(key));
                let v = if self.rng.chance(0.5) {
                    lit("null")
                } else {
                    Node {
                        ty: Some(Ty {
                            base,
                            shape: Shape::One,
                        }),
                        j: self.odd_single(base),
                    }
                };
                members.insert(at, (k, v));
            }
            _ => {
                let k = quote(&self.map_key(key));
                members.insert(at, (k, valid));
            }
        }
    }

    /// One mutation at a random node with a type.
    fn mutate(&mut self, root: &mut Node) {
        let mut paths = Vec::new();
        typed_paths(root, &mut Vec::new(), &mut paths);
        let path = self.rng.pick(&paths).clone();
        let node = node_at(root, &path);
        let ty = node.ty.unwrap();
        let structural = self.rng.chance(0.6);
        match (&mut node.j, ty.shape, ty.base) {
            (J::Obj(members), Shape::One, Base::Msg(id)) if structural => {
                self.mutate_object(members, id);
            }
            (J::Arr(items), Shape::List, base) if structural => self.mutate_list(items, base),
            (J::Obj(members), Shape::Map(key), base) if structural => {
                self.mutate_map(members, key, base);
            }
            _ => self.replace_value(node, ty),
        }
    }

    fn document(&mut self, seeds: &[(&'static str, usize, usize)]) -> Doc {
        let total: usize = seeds.iter().map(|&(_, _, weight)| weight).sum();
        let mut ticket = self.rng.below(total);
        let &(type_name, id, _) = seeds
            .iter()
            .find(|&&(_, _, weight)| {
                let found = ticket < weight;
                ticket = ticket.saturating_sub(weight);
                found
            })
            .unwrap();
        let mut root = self.message(id, 0);
        let mutations = *self.rng.pick(&[0, 0, 1, 1, 1, 1, 2, 2, 3]);
        for _ in 0..mutations {
            self.mutate(&mut root);
        }
        let cut = self.rng.chance(0.015).then(|| {
            let mut text = String::new();
            render(&root, &mut text);
            self.rng.below(text.len().max(1))
        });
        Doc {
            type_name,
            root,
            cut,
        }
    }
}

/// `(year, month, day)` of a day counted from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

// =============================================================================================
// Running, classifying, shrinking.

#[derive(Clone, Copy, Debug, PartialEq)]
enum Verdict {
    Agree,
    /// One of the documented differences (`livekit-server-proto`'s crate docs): an integer
    /// field given as a JSON number with a fraction or an exponent is read through an `f64`,
    /// so at 2^53 or more we refuse it (Go reads the digits), and a non-integer that rounds to
    /// an integer (`1e-400`, `1.00000000000000001`) is read as that integer (Go refuses it);
    /// a lone surrogate escape inside an unknown field's value is skipped unchecked (Go
    /// refuses it); and timestamps that Go's `time.Parse` takes beyond RFC 3339 (a one-digit
    /// hour, an offset of 24 hours or more or with 60 minutes or more, a fraction after `,`)
    /// are refused.
    Known,
    Differ {
        ours_ok: bool,
        go_ok: bool,
    },
}

/// Whether the text holds a JSON number (outside strings) with a fraction or an exponent
/// whose magnitude is at least 2^53.
fn has_inexact_big_number(json: &str) -> bool {
    numbers(json).any(|number| {
        number.contains(['.', 'e', 'E'])
            && number
                .parse::<f64>()
                .is_ok_and(|v| v.abs() >= EXACT_IN_F64 && v.is_finite())
    })
}

/// Whether the text holds a JSON number (outside strings) with a fraction or an exponent whose
/// value is not an integer but whose nearest `f64` is one (`1e-400`, `1.00000000000000001`).
fn has_integer_looking_fraction(json: &str) -> bool {
    numbers(json).any(|number| {
        number.contains(['.', 'e', 'E'])
            && number
                .parse::<f64>()
                .is_ok_and(|v| v.is_finite() && v.fract() == 0.0)
            && !decimal_is_integer(number)
    })
}

/// Whether a JSON number's exact decimal value is an integer.
fn decimal_is_integer(number: &str) -> bool {
    let (mantissa, exponent) = match number.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().unwrap_or(i64::MIN / 2)),
        None => (number, 0),
    };
    let (_, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if digits.bytes().all(|d| d == b'0') {
        return true;
    }
    let trailing = digits.bytes().rev().take_while(|&d| d == b'0').count();
    let scale = exponent - fraction.len() as i64 + trailing as i64;
    scale >= 0
}

/// The JSON numbers of a text, outside strings.
fn numbers(json: &str) -> impl Iterator<Item = &str> {
    let b = json.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            match b[i] {
                b'"' => {
                    i += 1;
                    while i < b.len() && b[i] != b'"' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b'-' | b'0'..=b'9' => {
                    let start = i;
                    while i < b.len()
                        && matches!(b[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                    {
                        i += 1;
                    }
                    return Some(&json[start..i]);
                }
                _ => i += 1,
            }
        }
        None
    })
}

/// Whether the text holds a `\u` escape of a surrogate that is not part of a pair.
fn has_lone_surrogate(json: &str) -> bool {
    let units: Vec<Option<u16>> = json
        .split("\\u")
        .skip(1)
        .map(|rest| {
            rest.get(..4)
                .and_then(|hex| u16::from_str_radix(hex, 16).ok())
        })
        .collect();
    let mut i = 0;
    while i < units.len() {
        match units[i] {
            Some(0xD800..=0xDBFF) => {
                if !matches!(units.get(i + 1), Some(Some(0xDC00..=0xDFFF))) {
                    return true;
                }
                i += 2;
            }
            Some(0xDC00..=0xDFFF) => return true,
            _ => i += 1,
        }
    }
    false
}

/// Whether the text holds a string that is a timestamp only for Go's `time.Parse`: a one-digit
/// hour, an offset of 24 hours or more or with 60 minutes or more, or a fraction after `,`.
fn has_go_only_timestamp(json: &str) -> bool {
    json.match_indices('T').any(|(at, _)| {
        let Some(start) = at.checked_sub(10) else {
            return false;
        };
        let end = json[at..].find('"').map_or(json.len(), |n| at + n);
        let Some(text) = json.get(start..end) else {
            return false;
        };
        let b = text.as_bytes();
        if b.len() < 16 || b[4] != b'-' || b[7] != b'-' {
            return false;
        }
        let one_digit_hour = b[12] == b':';
        let offset = text.len().checked_sub(6).and_then(|at| text.get(at..));
        let odd_offset = offset.is_some_and(|o| {
            o.starts_with(['+', '-'])
                && (o
                    .get(1..3)
                    .and_then(|h| h.parse::<u32>().ok())
                    .is_some_and(|h| h >= 24)
                    || o.get(4..)
                        .and_then(|m| m.parse::<u32>().ok())
                        .is_some_and(|m| m >= 60))
        });
        one_digit_hour || odd_offset || text.contains(',')
    })
}

fn verdict(json: &str, ours: &Answer, go: &Answer) -> Verdict {
    if agree(ours, go) {
        return Verdict::Agree;
    }
    if let (Err(error), Ok(_)) = (ours, go)
        && error.contains("floating point")
        && has_inexact_big_number(json)
    {
        return Verdict::Known;
    }
    if let (Ok(_), Err(_)) = (ours, go)
        && (has_integer_looking_fraction(json) || has_lone_surrogate(json))
    {
        return Verdict::Known;
    }
    if let (Err(error), Ok(_)) = (ours, go)
        && error.contains("RFC 3339 timestamp")
        && has_go_only_timestamp(json)
    {
        return Verdict::Known;
    }
    Verdict::Differ {
        ours_ok: ours.is_ok(),
        go_ok: go.is_ok(),
    }
}

/// Smaller documents: each member or item removed, each object or array reduced to one of
/// its members, largest reduction first.
fn reductions(root: &Node) -> Vec<Node> {
    fn size(node: &Node) -> usize {
        let mut text = String::new();
        render(node, &mut text);
        text.len()
    }
    let mut paths = Vec::new();
    all_paths(root, &mut Vec::new(), &mut paths);
    let mut out: Vec<(usize, Node)> = Vec::new();
    for path in paths {
        let mut probe = root.clone();
        let node = node_at(&mut probe, &path);
        let whole = size(node);
        let children: Vec<usize> = match &node.j {
            J::Lit(_) => continue,
            J::Arr(items) => items.iter().map(size).collect(),
            J::Obj(members) => members.iter().map(|(k, v)| k.len() + size(v)).collect(),
        };
        for (i, &child) in children.iter().enumerate() {
            for keep_only in [false, true] {
                if keep_only && children.len() < 2 {
                    continue;
                }
                let mut candidate = root.clone();
                let node = node_at(&mut candidate, &path);
                match &mut node.j {
                    J::Arr(items) if keep_only => *items = vec![items.swap_remove(i)],
                    J::Arr(items) => {
                        items.remove(i);
                    }
                    J::Obj(members) if keep_only => *members = vec![members.swap_remove(i)],
                    J::Obj(members) => {
                        members.remove(i);
                    }
                    J::Lit(_) => unreachable!(),
                }
                let removed = if keep_only { whole - child } else { child };
                out.push((removed, candidate));
            }
        }
    }
    out.sort_by_key(|(removed, _)| std::cmp::Reverse(*removed));
    out.truncate(400);
    out.into_iter().map(|(_, node)| node).collect()
}

fn all_paths(node: &Node, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(path.clone());
    let count = match &node.j {
        J::Lit(_) => 0,
        J::Arr(items) => items.len(),
        J::Obj(members) => members.len(),
    };
    for i in 0..count {
        path.push(i);
        let child = match &node.j {
            J::Arr(items) => &items[i],
            J::Obj(members) => &members[i].1,
            J::Lit(_) => unreachable!(),
        };
        all_paths(child, path, out);
        path.pop();
    }
}

/// Shrinks each document while it disagrees with Go in the same way (same verdict, same
/// kind).
fn shrink(docs: &mut [(Doc, Verdict, String)]) {
    let mut active: Vec<bool> = docs.iter().map(|(doc, _, _)| doc.cut.is_none()).collect();
    for _round in 0..60 {
        let mut batch: Vec<(usize, Doc)> = Vec::new();
        for (i, (doc, _, _)) in docs.iter().enumerate() {
            if active[i] {
                for root in reductions(&doc.root) {
                    batch.push((
                        i,
                        Doc {
                            root,
                            ..doc.clone()
                        },
                    ));
                }
            }
        }
        if batch.is_empty() {
            return;
        }
        let cases: Vec<Case> = batch.iter().map(|(_, doc)| doc.case()).collect();
        let theirs = go(&cases);
        let mut improved = vec![false; docs.len()];
        for (((i, doc), case), go) in batch.into_iter().zip(&cases).zip(&theirs) {
            if improved[i] {
                continue;
            }
            let ours = ours(case);
            if verdict(&case.json, &ours, go) == docs[i].1 && class(&ours, go) == docs[i].2 {
                docs[i].0 = doc;
                improved[i] = true;
            }
        }
        active = improved;
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
        Err(_) => default,
    }
}

#[test]
fn generated_documents_decode_exactly_as_go_protojson() {
    let started = Instant::now();
    let seed: u64 = env_or("LIVEKIT_PROTOJSON_SEED", DEFAULT_SEED);
    let count: usize = env_or("LIVEKIT_PROTOJSON_CASES", DEFAULT_CASES);
    eprintln!("seed {seed} (LIVEKIT_PROTOJSON_SEED), {count} documents (LIVEKIT_PROTOJSON_CASES)");

    let (schema, seeds) = Schema::read();
    assert!(
        schema.msgs.len() > 50,
        "only {} messages reachable",
        schema.msgs.len()
    );
    let mut generator = Gen {
        schema: &schema,
        rng: Rng(seed),
    };
    let docs: Vec<Doc> = (0..count).map(|_| generator.document(&seeds)).collect();
    let cases: Vec<Case> = docs.iter().map(Doc::case).collect();
    let theirs = go(&cases);

    let show_first: usize = env_or("LIVEKIT_PROTOJSON_SHOW", 0);
    let (mut both_ok, mut both_err, mut known) = (0, 0, 0);
    let mut failures: Vec<(usize, Doc, Verdict, Answer, Answer)> = Vec::new();
    for (i, ((doc, case), go)) in docs.iter().zip(&cases).zip(theirs).enumerate() {
        let ours = ours(case);
        if i < show_first {
            eprintln!(
                "#{i} {} {}\n    ours: {}\n    Go:   {}",
                case.type_name,
                case.json,
                show(&ours),
                show(&go)
            );
        }
        match verdict(&case.json, &ours, &go) {
            Verdict::Agree if ours.is_ok() => both_ok += 1,
            Verdict::Agree => both_err += 1,
            Verdict::Known => known += 1,
            verdict => failures.push((i, doc.clone(), verdict, ours, go)),
        }
    }
    eprintln!(
        "{count} documents of {} message types: {both_ok} accepted by both, {both_err} refused \
         by both, {known} the known difference, {} disagreements ({:.1?})",
        schema.msgs.len(),
        failures.len(),
        started.elapsed()
    );
    if failures.is_empty() {
        return;
    }

    // Report every kind of disagreement before a second case of one kind.
    let total = failures.len();
    let mut classes: Vec<(String, Vec<usize>)> = Vec::new();
    for (k, (_, _, _, ours, go)) in failures.iter().enumerate() {
        let class = class(ours, go);
        match classes.iter_mut().find(|(name, _)| *name == class) {
            Some((_, members)) => members.push(k),
            None => classes.push((class, vec![k])),
        }
    }
    let mut picked: Vec<usize> = Vec::new();
    for round in 0.. {
        let before = picked.len();
        for (_, members) in &classes {
            if let Some(&k) = members.get(round)
                && picked.len() < REPORTED
            {
                picked.push(k);
            }
        }
        if picked.len() == before {
            break;
        }
    }
    picked.sort_unstable();
    let mut shrunk: Vec<(Doc, Verdict, String)> = picked
        .iter()
        .map(|&k| {
            let (_, doc, verdict, ours, go) = &failures[k];
            (doc.clone(), *verdict, class(ours, go))
        })
        .collect();
    shrink(&mut shrunk);
    let small: Vec<Case> = shrunk.iter().map(|(doc, _, _)| doc.case()).collect();
    let small_go = go(&small);
    let mut report = String::new();
    for (class, members) in &classes {
        let _ = write!(report, "\n  {} x {class}", members.len());
    }
    let mut seen = HashSet::new();
    for ((&k, case), go) in picked.iter().zip(&small).zip(&small_go) {
        if !seen.insert(case.json.clone()) {
            continue;
        }
        let (index, doc, _, _, _) = &failures[k];
        let _ = write!(
            report,
            "\n\n#{index} {} (shrunk from {} bytes)\n    input: {}\n    ours:  {}\n    Go:    {}",
            case.type_name,
            doc.text().len(),
            case.json,
            show(&ours(case)),
            show(go),
        );
    }
    panic!(
        "{total} of {count} generated documents decode differently from Go's protojson \
         (seed {seed}; LIVEKIT_PROTOJSON_SHOW=n prints the first n unshrunk). \
         Kinds:{report}"
    );
}

/// A coarse kind of disagreement (who accepts, and the gist of the other's error), so that
/// the report shows every kind before a second case of one.
fn class(ours: &Answer, go: &Answer) -> String {
    fn gist(error: &str) -> String {
        let error = error.strip_prefix("proto: ").unwrap_or(error);
        let error = error.strip_prefix("syntax error ").unwrap_or(error);
        let error = match error.find("): ") {
            Some(i) if error.starts_with("(line") => &error[i + 3..],
            _ => error,
        };
        let head = error.split(['"', '`', ':']).next().unwrap_or_default();
        head.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    }
    match (ours, go) {
        (Err(error), Ok(_)) => format!("only Go accepts; ours: {}", gist(error)),
        (Ok(_), Err(error)) => format!("only ours accepts; Go: {}", gist(error)),
        _ => "both accept, re-encode differently".to_owned(),
    }
}

#[test]
fn the_schema_is_read_from_the_generated_code() {
    let (schema, seeds) = Schema::read();
    assert_eq!(seeds.len(), SEEDS.len());
    let message = |path: &str| &schema.msgs[schema.msg_ids[path]];
    let field = |path: &str, json: &str| -> &Field {
        message(path)
            .fields
            .iter()
            .find(|field| field.json == json)
            .unwrap_or_else(|| panic!("{path} has no field {json}"))
    };
    let one = |base| Ty {
        base,
        shape: Shape::One,
    };

    let empty_timeout = field("livekit::Room", "emptyTimeout");
    assert_eq!(empty_timeout.proto, "empty_timeout");
    assert_eq!(empty_timeout.ty, one(Base::Scalar(Scalar::U32)));
    assert_eq!(
        field("livekit::Room", "creationTime").ty,
        one(Base::Scalar(Scalar::I64))
    );
    let codecs = field("livekit::Room", "enabledCodecs").ty;
    assert_eq!(codecs.shape, Shape::List);
    assert_eq!(codecs.base, Base::Msg(schema.msg_ids["livekit::Codec"]));
    let attributes = field("livekit::ParticipantInfo", "attributes").ty;
    assert_eq!(
        attributes,
        Ty {
            base: Base::Scalar(Scalar::Str),
            shape: Shape::Map(Scalar::Str)
        }
    );

    // Enums by their protobuf names, nested ones included.
    let Base::Enum(state) = field("livekit::ParticipantInfo", "state").ty.base else {
        panic!("ParticipantInfo.state is not an enum");
    };
    assert!(
        schema.enums[state]
            .values
            .contains(&("ACTIVE".to_owned(), 2))
    );
    let features = field("livekit::TrackInfo", "audioFeatures").ty;
    assert!(matches!(
        features,
        Ty {
            base: Base::Enum(_),
            shape: Shape::List
        }
    ));

    // Oneof members, with names that are not the lowerCamelCase of the Rust name.
    let rule = message("livekit::SipDispatchRule");
    assert_eq!(rule.oneofs, 1);
    assert!(rule.fields.iter().all(|field| field.oneof == Some(0)));
    let ali = field("livekit::EncodedFileOutput", "aliOSS");
    assert_eq!((ali.proto.as_str(), ali.oneof.is_some()), ("aliOSS", true));

    // Well-known types and boxed, nested messages.
    assert_eq!(
        field("livekit::RtpDrift", "startTime").ty,
        one(Base::Wkt(Wkt::Timestamp))
    );
    assert_eq!(
        field("livekit::CreateSipParticipantRequest", "ringingTimeout").ty,
        one(Base::Wkt(Wkt::Duration))
    );
    assert_eq!(
        field("livekit::WebhookEvent", "egressInfo").ty,
        one(Base::Msg(schema.msg_ids["livekit::EgressInfo"]))
    );
    assert_eq!(
        field("livekit::WebhookEvent", "job").ty,
        one(Base::Msg(schema.msg_ids["livekit::Job"]))
    );
}
