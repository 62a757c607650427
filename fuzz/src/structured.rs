//! The input of `token_verify_structured`: a token described by an `arbitrary` structure
//! (JOSE header members, claims, segment mutations, signature), encoded and signed here with
//! the fixture secret, and the verdict its construction implies.
//!
//! The MAC is computed over the signing input *after* the header and claims segments are
//! mutated, so a mutation is the only thing wrong with the token. Every part of the structure
//! says what it breaks (a [`Fault`], with the errors the verifier may report for it); a token
//! without faults must be accepted with the claims written, a token with exactly one fault must
//! be refused with one of that fault's errors, and a token with several must be refused.
//! Inputs of all zero bytes (and the empty input) describe a valid token: every enum's first
//! variant is the valid choice.

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use livekit_server_auth::{Segment, TokenError, TrackSource, VideoGrants};

use crate::{KEY, LEEWAY, MAX_CLAIMS_DEPTH, NOW, SECRET, jwt};

/// The latest NumericDate the verifier accepts (documented: `i64::MAX - 62_135_596_800`).
const LATEST_DATE: i128 = i64::MAX as i128 - 62_135_596_800;
/// The verifier's default maximum token length.
const MAX_TOKEN_LEN: usize = 64 * 1024;
/// The other key of the key-provider fixture (its secret is not the fixture secret).
const OTHER_KEY: &str = "APIotherKey0000";
/// A secret of no fixture key (not the key provider's other secret either: a token signed
/// with that one and naming its key is valid for the provider, not for the single key).
const OTHER_SECRET: &str = "not-a-fixture-secret-0000000000000";

/// A token, as `arbitrary` reads it from the fuzzer's bytes.
#[derive(Debug, Arbitrary)]
pub(crate) struct TokenSpec {
    header: HeaderSpec,
    claims: ClaimsSpec,
    signature: SignatureSpec,
    /// Applied in order: those of the header and claims segments before the MAC is computed,
    /// those of the signature segment after.
    mutations: Vec<Mutation>,
    /// Text after the signature: `.` (`false`) or `.e30` (`true`), a fourth segment.
    extra_segment: Option<bool>,
}

#[derive(Debug, Arbitrary)]
enum HeaderSpec {
    /// `{"alg":"HS256","typ":"JWT"}`, what the SDKs write.
    Standard,
    /// An object of these members in this order, with this whitespace around every token.
    Object {
        members: Vec<HeaderMember>,
        space: Space,
    },
    /// Anything but one JSON object.
    NotObject(NotObject),
}

#[derive(Debug, Arbitrary)]
enum HeaderMember {
    Alg(Alg),
    Typ,
    Kid(String),
    Crit(Leaf),
    /// Any other member (or `alg`/`crit` again, if the name says so).
    Other(Name, Leaf),
}

#[derive(Debug, Arbitrary)]
enum Alg {
    Hs256,
    /// `"HS\u0032\u00356"`: `HS256` once the escapes are decoded.
    Hs256Escaped,
    Named(AlgName),
    Value(Leaf),
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum AlgName {
    Hs384,
    Hs512,
    Rs256,
    Es256,
    None,
    NoneTitle,
    NoneUpper,
    Lower,
    Mixed,
    TrailingSpace,
    LeadingSpace,
    Nul,
    Empty,
    Short,
    Long,
}

impl AlgName {
    fn as_str(self) -> &'static str {
        match self {
            AlgName::Hs384 => "HS384",
            AlgName::Hs512 => "HS512",
            AlgName::Rs256 => "RS256",
            AlgName::Es256 => "ES256",
            AlgName::None => "none",
            AlgName::NoneTitle => "None",
            AlgName::NoneUpper => "NONE",
            AlgName::Lower => "hs256",
            AlgName::Mixed => "Hs256",
            AlgName::TrailingSpace => "HS256 ",
            AlgName::LeadingSpace => " HS256",
            AlgName::Nul => "HS256\0",
            AlgName::Empty => "",
            AlgName::Short => "HS25",
            AlgName::Long => "HS2566",
        }
    }
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum NotObject {
    Array,
    String,
    Null,
    Number,
    /// An empty header segment.
    Empty,
    Trailing,
    Truncated,
    TwoObjects,
    ByteOrderMark,
    InvalidUtf8,
}

/// A member name: well-known ones, case variants of known ones, or anything.
#[derive(Debug, Arbitrary)]
enum Name {
    Typ,
    Kid,
    Jti,
    Iat,
    Aud,
    Cty,
    Jku,
    Empty,
    AlgUpper,
    ExpTitle,
    RoomAdminLower,
    Any(String),
}

impl Name {
    fn text(&self) -> &str {
        match self {
            Name::Typ => "typ",
            Name::Kid => "kid",
            Name::Jti => "jti",
            Name::Iat => "iat",
            Name::Aud => "aud",
            Name::Cty => "cty",
            Name::Jku => "jku",
            Name::Empty => "",
            Name::AlgUpper => "ALG",
            Name::ExpTitle => "Exp",
            Name::RoomAdminLower => "roomadmin",
            Name::Any(name) => name,
        }
    }

    /// The name, renamed (`x-` prefix) if it is one of `known`: an unknown member stays
    /// unknown.
    fn unknown_among(&self, known: &[&str]) -> String {
        let name = self.text();
        if known.contains(&name) {
            format!("x-{name}")
        } else {
            name.to_owned()
        }
    }
}

/// A JSON value of no particular meaning.
#[derive(Debug, Arbitrary)]
enum Leaf {
    Null,
    Bool(bool),
    Int(i32),
    Str(String),
    /// `["HS256"]`.
    Array,
    /// `{"alg":"HS256"}`.
    Object,
    /// Arrays nested `1 + n % 80` deep.
    Nested(u8),
    /// `"\udc00"`, which the verifier refuses wherever it is.
    LoneSurrogate,
}

impl Leaf {
    fn json(&self) -> String {
        match self {
            Leaf::Null => "null".into(),
            Leaf::Bool(b) => b.to_string(),
            Leaf::Int(n) => n.to_string(),
            Leaf::Str(s) => jwt::quote(s),
            Leaf::Array => r#"["HS256"]"#.into(),
            Leaf::Object => r#"{"alg":"HS256"}"#.into(),
            Leaf::Nested(n) => {
                let depth = 1 + usize::from(*n % 80);
                format!("{}{}", "[".repeat(depth), "]".repeat(depth))
            }
            Leaf::LoneSurrogate => r#""\udc00""#.into(),
        }
    }

    /// How deep arrays and objects nest in it.
    fn depth(&self) -> usize {
        match self {
            Leaf::Array | Leaf::Object => 1,
            Leaf::Nested(n) => 1 + usize::from(*n % 80),
            _ => 0,
        }
    }

    /// Whether the verifier's strict pass refuses it at `depth` (the depth of the object
    /// holding it): a lone surrogate, or nesting past the limit.
    fn strict_fault(&self, depth: usize) -> bool {
        matches!(self, Leaf::LoneSurrogate) || depth + self.depth() > MAX_CLAIMS_DEPTH
    }
}

/// Whitespace between JSON tokens.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Space {
    None,
    Blank,
    Tab,
    Newline,
    Mixed,
}

impl Space {
    fn as_str(self) -> &'static str {
        match self {
            Space::None => "",
            Space::Blank => " ",
            Space::Tab => "\t",
            Space::Newline => "\n",
            Space::Mixed => " \r\n\t",
        }
    }
}

#[derive(Debug, Arbitrary)]
struct ClaimsSpec {
    iss: Iss,
    sub: Sub,
    exp: Date,
    nbf: Date,
    video: Video,
    unknown: Vec<(Name, Leaf)>,
    /// A claim written a second time (the same text), if present.
    duplicate: Option<Known>,
    /// Rotates the members (duplicate excepted) left by this much.
    rotate: u8,
    space: Space,
}

#[derive(Debug, Arbitrary)]
enum Iss {
    Key,
    /// `"\u0041PIvect0rKey7Qz"`: the key once the escape is decoded.
    KeyEscaped,
    OtherKey,
    Lowercase,
    Empty,
    Null,
    Absent,
    Number,
    Any(String),
}

#[derive(Debug, Arbitrary)]
enum Sub {
    Absent,
    Str(String),
    Null,
    Number,
}

/// A NumericDate (`exp`, `nbf`); offsets are from [`NOW`].
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Date {
    Int(i32),
    /// `NOW + offset` and four decimals.
    Fraction(i32, u16),
    /// `NOW + offset` written `<n>e0`.
    Exponent(i32),
    Zero,
    /// Below `i64::MIN`, still within `f64`'s `-2^63`: the Unix epoch.
    NegativeHuge,
    /// The latest date the verifier accepts.
    Latest,
    AfterLatest,
    U64Overflow,
    Huge,
    NegativeFloatHuge,
    Null,
    Absent,
    Str(i32),
    Bool,
}

/// What a [`Date`] decodes to.
#[derive(Debug)]
enum DateValue {
    Absent,
    /// Whole seconds since the epoch (rounded down).
    Seconds(i128),
    OutOfRange,
    WrongType,
}

impl Date {
    fn json(self) -> Option<String> {
        let at = |offset: i32| i64::try_from(NOW).unwrap_or(i64::MAX) + i64::from(offset);
        Some(match self {
            Date::Int(offset) => at(offset).to_string(),
            Date::Fraction(offset, fraction) => {
                let value = at(offset);
                let sign = if value < 0 { "-" } else { "" };
                format!("{sign}{}.{:04}", value.unsigned_abs(), fraction % 10_000)
            }
            Date::Exponent(offset) => format!("{}e0", at(offset)),
            Date::Zero => "0".into(),
            Date::NegativeHuge => "-9223372036854775809".into(),
            Date::Latest => LATEST_DATE.to_string(),
            Date::AfterLatest => (LATEST_DATE + 1).to_string(),
            Date::U64Overflow => "18446744073709551616".into(),
            Date::Huge => "1e300".into(),
            Date::NegativeFloatHuge => "-1e300".into(),
            Date::Null => "null".into(),
            Date::Absent => return None,
            Date::Str(offset) => format!("\"{}\"", at(offset)),
            Date::Bool => "true".into(),
        })
    }

    fn value(self) -> DateValue {
        let at = |offset: i32| i128::from(NOW) + i128::from(offset);
        match self {
            Date::Int(offset) | Date::Exponent(offset) => DateValue::Seconds(at(offset)),
            Date::Fraction(offset, fraction) => {
                let value = at(offset);
                // `-5.0001` rounds down to -6.
                let down = value < 0 && fraction % 10_000 != 0;
                DateValue::Seconds(value - i128::from(down))
            }
            Date::Zero => DateValue::Seconds(0),
            Date::NegativeHuge => DateValue::Seconds(i128::from(i64::MIN)),
            Date::Latest => DateValue::Seconds(LATEST_DATE),
            Date::AfterLatest | Date::U64Overflow | Date::Huge | Date::NegativeFloatHuge => {
                DateValue::OutOfRange
            }
            Date::Null | Date::Absent => DateValue::Absent,
            Date::Str(_) | Date::Bool => DateValue::WrongType,
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Video {
    Absent,
    Null,
    Object(Vec<VideoField>),
    WrongType(WrongVideo),
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum WrongVideo {
    String,
    Number,
    Array,
    EmptyArray,
    Bool,
}

#[derive(Debug, Arbitrary)]
enum VideoField {
    RoomJoin(bool),
    Room(String),
    RoomAdmin(bool),
    CanPublish(Option<bool>),
    CanPublishSources(Vec<Source>),
    Hidden(bool),
    Unknown(Name, Leaf),
    WrongType(GrantField),
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum GrantField {
    RoomJoin,
    Room,
    CanPublish,
    CanPublishSources,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Source {
    Camera,
    Microphone,
    ScreenShare,
    ScreenShareAudio,
    Upper,
    Unknown,
    Null,
    Empty,
}

impl Source {
    /// The JSON text and the name it reads as (`null` reads as `""`).
    fn json(self) -> (&'static str, &'static str) {
        match self {
            Source::Camera => (r#""camera""#, "camera"),
            Source::Microphone => (r#""microphone""#, "microphone"),
            Source::ScreenShare => (r#""screen_share""#, "screen_share"),
            Source::ScreenShareAudio => (r#""screen_share_audio""#, "screen_share_audio"),
            Source::Upper => (r#""CAMERA""#, "CAMERA"),
            Source::Unknown => (r#""hologram""#, "hologram"),
            Source::Null => ("null", ""),
            Source::Empty => (r#""""#, ""),
        }
    }
}

/// The JSON names of `VideoGrants`' fields.
const VIDEO_FIELDS: &[&str] = &[
    "roomCreate",
    "roomList",
    "roomRecord",
    "roomAdmin",
    "roomJoin",
    "room",
    "destinationRoom",
    "canPublish",
    "canSubscribe",
    "canPublishData",
    "canPublishSources",
    "canUpdateOwnMetadata",
    "ingressAdmin",
    "hidden",
    "recorder",
    "agent",
    "canSubscribeMetrics",
    "canManageAgentSession",
];

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Known {
    Iss,
    Sub,
    Exp,
    Nbf,
    Video,
}

impl Known {
    fn name(self) -> &'static str {
        match self {
            Known::Iss => "iss",
            Known::Sub => "sub",
            Known::Exp => "exp",
            Known::Nbf => "nbf",
            Known::Video => "video",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
enum Part {
    Header,
    Payload,
    Signature,
}

#[derive(Debug, Arbitrary)]
enum Mutation {
    /// `=` or `==` appended.
    Pad {
        part: Part,
        two: bool,
    },
    /// A `-` or `_` (the first from `at` on) replaced with `+` or `/`; `+` inserted if none.
    StandardAlphabet {
        part: Part,
        at: u16,
    },
    /// An unused bit of the last character set (when it has unused bits and the segment is
    /// still canonical; otherwise nothing).
    TrailingBits {
        part: Part,
    },
    Whitespace {
        part: Part,
        at: Place,
        ws: Ws,
    },
    /// A `.` inserted.
    ExtraDot {
        part: Part,
        at: u16,
    },
    /// The segment emptied.
    Empty {
        part: Part,
    },
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Place {
    Start,
    End,
    Inside(u16),
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Ws {
    Space,
    Tab,
    Newline,
    CarriageReturn,
    CrLf,
    NoBreakSpace,
}

impl Ws {
    fn as_str(self) -> &'static str {
        match self {
            Ws::Space => " ",
            Ws::Tab => "\t",
            Ws::Newline => "\n",
            Ws::CarriageReturn => "\r",
            Ws::CrLf => "\r\n",
            Ws::NoBreakSpace => "\u{a0}",
        }
    }
}

#[derive(Debug, Arbitrary)]
enum SignatureSpec {
    Valid,
    FlipBit(u8),
    /// The last `1 + n % 32` bytes removed.
    Truncate(u8),
    Extend(u8),
    Empty,
    OtherSecret,
    Bytes(Vec<u8>),
}

/// An error the verifier may report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Want {
    Error(TokenError),
    /// `MalformedClaims`, whatever its message.
    MalformedClaims,
}

impl Want {
    /// Whether `error` is this one.
    pub(crate) fn matches(&self, error: &TokenError) -> bool {
        match self {
            Want::Error(want) => want == error,
            Want::MalformedClaims => matches!(error, TokenError::MalformedClaims(_)),
        }
    }
}

/// Something wrong with a token, and the errors that may report it.
#[derive(Debug, Clone)]
pub(crate) struct Fault {
    pub(crate) what: String,
    pub(crate) want: Vec<Want>,
}

impl Fault {
    fn new(what: impl Into<String>, want: Vec<Want>) -> Fault {
        Fault {
            what: what.into(),
            want,
        }
    }

    fn error(what: impl Into<String>, error: TokenError) -> Fault {
        Fault::new(what, vec![Want::Error(error)])
    }
}

/// What the verifier must say.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Accepted, with these claims.
    Accept(ExpectedClaims),
    /// Refused: with exactly one fault, with one of its errors.
    Refuse(Vec<Fault>),
}

/// The claims a valid token was written with (`iss` is the fixture key).
#[derive(Debug)]
pub(crate) struct ExpectedClaims {
    pub(crate) sub: String,
    pub(crate) exp: u64,
    pub(crate) nbf: Option<u64>,
    pub(crate) video: Option<VideoGrants>,
}

/// A token made from a [`TokenSpec`], and what the verifier must say of it.
#[derive(Debug)]
pub(crate) struct Built {
    pub(crate) token: String,
    /// The base64url HMAC of the (mutated) signing input: no error may show it.
    pub(crate) mac_text: String,
    pub(crate) verdict: Verdict,
}

/// Reads a [`TokenSpec`] from fuzz input (`None` if `arbitrary` cannot: it can for any input
/// today, running out of bytes giving zeros).
pub(crate) fn read(data: &[u8]) -> Option<TokenSpec> {
    TokenSpec::arbitrary(&mut Unstructured::new(data)).ok()
}

/// A segment being mutated.
struct SegmentText {
    text: String,
    /// What made its encoding invalid since it was last emptied.
    bad: Vec<&'static str>,
    emptied: bool,
}

impl SegmentText {
    fn new(text: String) -> SegmentText {
        SegmentText {
            text,
            bad: Vec::new(),
            emptied: false,
        }
    }

    /// The char boundary at or before `at % (len + 1)`.
    fn position(&self, at: u16) -> usize {
        let mut at = usize::from(at) % (self.text.len() + 1);
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    fn apply(&mut self, mutation: &Mutation) {
        match mutation {
            Mutation::Pad { two, .. } => {
                self.text.push_str(if *two { "==" } else { "=" });
                self.bad.push("padding");
            }
            Mutation::StandardAlphabet { at, .. } => {
                let len = self.text.len();
                let start = if len == 0 { 0 } else { usize::from(*at) % len };
                let found = (0..len)
                    .map(|i| (start + i) % len)
                    .find(|&i| matches!(self.text.as_bytes()[i], b'-' | b'_'));
                match found {
                    Some(i) => {
                        let with = if self.text.as_bytes()[i] == b'-' {
                            "+"
                        } else {
                            "/"
                        };
                        self.text.replace_range(i..=i, with);
                    }
                    None => {
                        let at = self.position(*at);
                        self.text.insert(at, '+');
                    }
                }
                self.bad.push("standard alphabet");
            }
            Mutation::TrailingBits { .. } => {
                let canonical = self.bad.is_empty() && !self.text.contains('.');
                let last = self.text.bytes().last().and_then(url_safe_value);
                if let (true, Some(value), 2 | 3) = (canonical, last, self.text.len() % 4) {
                    // The lowest bit of the last character is unused when the segment's
                    // length is 2 or 3 mod 4, and zero in canonical base64url.
                    let replaced = char::from(URL_SAFE_ALPHABET[usize::from(value | 1)]);
                    self.text.pop();
                    self.text.push(replaced);
                    self.bad.push("non-canonical trailing bits");
                }
            }
            Mutation::Whitespace { at, ws, .. } => {
                let at = match at {
                    Place::Start => 0,
                    Place::End => self.text.len(),
                    Place::Inside(at) => self.position(*at),
                };
                self.text.insert_str(at, ws.as_str());
                self.bad.push("whitespace");
            }
            Mutation::ExtraDot { at, .. } => {
                let at = self.position(*at);
                self.text.insert(at, '.');
            }
            Mutation::Empty { .. } => {
                self.text.clear();
                self.bad.clear();
                self.emptied = true;
            }
        }
    }
}

const URL_SAFE_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn url_safe_value(c: u8) -> Option<u8> {
    URL_SAFE_ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|i| u8::try_from(i).ok())
}

fn part_of(mutation: &Mutation) -> Part {
    match mutation {
        Mutation::Pad { part, .. }
        | Mutation::StandardAlphabet { part, .. }
        | Mutation::TrailingBits { part }
        | Mutation::Whitespace { part, .. }
        | Mutation::ExtraDot { part, .. }
        | Mutation::Empty { part } => *part,
    }
}

/// `members` as a JSON object, `space` around every token.
fn object(members: &[(String, String)], space: Space) -> String {
    let s = space.as_str();
    let body: Vec<String> = members
        .iter()
        .map(|(name, value)| format!("{s}{}{s}:{s}{value}{s}", jwt::quote(name)))
        .collect();
    format!("{s}{{{}}}{s}", body.join(","))
}

impl HeaderSpec {
    /// The header's bytes, and its fault (`None` when it is a valid HS256 header).
    fn build(&self) -> (Vec<u8>, Option<Fault>) {
        let (members, space) = match self {
            HeaderSpec::Standard => return (jwt::HEADER_JSON.as_bytes().to_vec(), None),
            HeaderSpec::NotObject(not) => {
                let text: &[u8] = match not {
                    NotObject::Array => br#"["HS256"]"#,
                    NotObject::String => br#""HS256""#,
                    NotObject::Null => b"null",
                    NotObject::Number => b"256",
                    NotObject::Empty => b"",
                    NotObject::Trailing => br#"{"alg":"HS256"}x"#,
                    NotObject::Truncated => br#"{"alg":"HS256""#,
                    NotObject::TwoObjects => br#"{"alg":"HS256"}{}"#,
                    NotObject::ByteOrderMark => b"\xef\xbb\xbf{\"alg\":\"HS256\"}",
                    NotObject::InvalidUtf8 => b"{\"alg\":\"HS256\",\"x\":\"\xff\"}",
                };
                // An empty header segment is a structural fault, found from the text.
                let fault = Fault::error(format!("header {not:?}"), TokenError::MalformedHeader);
                return (text.to_vec(), Some(fault));
            }
            HeaderSpec::Object { members, space } => (members, *space),
        };

        // The verifier's rules, as serde's derive applies them member by member: a strict
        // pass (depth, lone surrogates) first, then `alg` (a string or null) and `crit` (any
        // value) each at most once, then `alg` must be `HS256` and `crit` absent. Where
        // several rules are broken, any of their errors will do.
        let mut written = Vec::new();
        let mut strict = false;
        let mut wrong_type = false;
        let mut duplicates = Vec::new();
        let mut alg: Option<Option<String>> = None;
        let mut crit = false;
        for member in members {
            let (name, value, leaf): (String, String, Option<&Leaf>) = match member {
                HeaderMember::Alg(Alg::Hs256) => ("alg".into(), r#""HS256""#.into(), None),
                HeaderMember::Alg(Alg::Hs256Escaped) => {
                    ("alg".into(), r#""HS\u0032\u00356""#.into(), None)
                }
                HeaderMember::Alg(Alg::Named(name)) => {
                    ("alg".into(), jwt::quote(name.as_str()), None)
                }
                HeaderMember::Alg(Alg::Value(leaf)) => ("alg".into(), leaf.json(), Some(leaf)),
                HeaderMember::Typ => ("typ".into(), r#""JWT""#.into(), None),
                HeaderMember::Kid(kid) => ("kid".into(), jwt::quote(kid), None),
                HeaderMember::Crit(leaf) => ("crit".into(), leaf.json(), Some(leaf)),
                HeaderMember::Other(name, leaf) => {
                    (name.text().to_owned(), leaf.json(), Some(leaf))
                }
            };
            if leaf.is_some_and(|leaf| leaf.strict_fault(1)) {
                strict = true;
            }
            match name.as_str() {
                "alg" => {
                    if alg.is_some() {
                        duplicates.push("alg");
                    }
                    let string = match (member, leaf) {
                        (HeaderMember::Alg(Alg::Hs256 | Alg::Hs256Escaped), _) => {
                            Some("HS256".to_owned())
                        }
                        (HeaderMember::Alg(Alg::Named(name)), _) => Some(name.as_str().to_owned()),
                        (_, Some(Leaf::Str(s))) => Some(s.clone()),
                        (_, Some(Leaf::Null)) => None,
                        _ => {
                            wrong_type = true;
                            None
                        }
                    };
                    alg.get_or_insert(string);
                }
                "crit" => {
                    if crit {
                        duplicates.push("crit");
                    }
                    crit = true;
                }
                _ => {}
            }
            written.push((name, value));
        }
        let text = object(&written, space).into_bytes();

        let mut want = Vec::new();
        if strict || wrong_type {
            want.push(Want::Error(TokenError::MalformedHeader));
        }
        for name in &duplicates {
            want.push(Want::Error(TokenError::DuplicateMember((*name).to_owned())));
        }
        if want.is_empty() {
            match alg.flatten() {
                None => want.push(Want::Error(TokenError::MalformedHeader)),
                Some(alg) if alg != "HS256" => {
                    want.push(Want::Error(TokenError::UnsupportedAlgorithm(alg)));
                }
                Some(_) if crit => want.push(Want::Error(TokenError::UnsupportedCritical)),
                Some(_) => return (text, None),
            }
        }
        let what = format!("header {}", String::from_utf8_lossy(&text));
        (text, Some(Fault::new(what, want)))
    }
}

impl ClaimsSpec {
    /// The claims' JSON, their faults, and the claims they decode to when there are none.
    fn build(&self) -> (Vec<u8>, Vec<Fault>, ExpectedClaims) {
        let mut members: Vec<(String, String)> = Vec::new();
        let mut faults = Vec::new();

        let iss = match &self.iss {
            Iss::Key => Some(jwt::quote(KEY)),
            Iss::KeyEscaped => Some(format!(r#""\u0041{}""#, &KEY[1..])),
            Iss::OtherKey => Some(jwt::quote(OTHER_KEY)),
            Iss::Lowercase => Some(jwt::quote(&KEY.to_lowercase())),
            Iss::Empty => Some(jwt::quote("")),
            Iss::Null => Some("null".into()),
            Iss::Absent => None,
            Iss::Number => Some("7".into()),
            Iss::Any(iss) => Some(jwt::quote(iss)),
        };
        let iss_error = match &self.iss {
            Iss::Key | Iss::KeyEscaped => None,
            Iss::Any(iss) if iss == KEY => None,
            Iss::Empty | Iss::Null | Iss::Absent => Some(TokenError::MissingClaim("iss")),
            Iss::Any(iss) if iss.is_empty() => Some(TokenError::MissingClaim("iss")),
            _ => Some(TokenError::IssuerMismatch),
        };
        if let Some(error) = iss_error {
            faults.push(Fault::error(format!("iss {:?}", self.iss), error));
        }
        if let Some(iss) = iss {
            members.push(("iss".into(), iss));
        }

        let sub = match &self.sub {
            Sub::Absent | Sub::Null | Sub::Number => String::new(),
            Sub::Str(sub) => sub.clone(),
        };
        match &self.sub {
            Sub::Absent => {}
            Sub::Str(sub) => members.push(("sub".into(), jwt::quote(sub))),
            Sub::Null => members.push(("sub".into(), "null".into())),
            Sub::Number => {
                members.push(("sub".into(), "42".into()));
                faults.push(Fault::error(
                    "sub is a number",
                    TokenError::InvalidClaimType { claim: "sub" },
                ));
            }
        }

        let nbf = date_claim("nbf", self.nbf, &mut members, &mut faults);
        let exp = date_claim("exp", self.exp, &mut members, &mut faults);
        let video = self.video.build(&mut members, &mut faults);

        for (name, leaf) in &self.unknown {
            let name = name.unknown_among(crate::CLAIMS);
            if leaf.strict_fault(1) {
                faults.push(Fault::new(
                    format!("unknown claim {name:?} = {leaf:?}"),
                    vec![Want::MalformedClaims],
                ));
            }
            members.push((name, leaf.json()));
        }
        if !members.is_empty() {
            let by = usize::from(self.rotate) % members.len();
            members.rotate_left(by);
        }
        if let Some(known) = self.duplicate {
            let name = known.name();
            if let Some(member) = members.iter().find(|(n, _)| n == name).cloned() {
                members.push(member);
                faults.push(Fault::error(
                    format!("{name} twice"),
                    TokenError::DuplicateMember(name.to_owned()),
                ));
            }
        }

        let seconds = |v: i128| u64::try_from(v.max(0)).unwrap_or(u64::MAX);
        let expected = ExpectedClaims {
            sub,
            exp: exp.map_or(0, seconds),
            nbf: nbf.map(seconds),
            video,
        };
        (object(&members, self.space).into_bytes(), faults, expected)
    }
}

/// Writes a date claim; returns its value in seconds (when it has one).
fn date_claim(
    claim: &'static str,
    date: Date,
    members: &mut Vec<(String, String)>,
    faults: &mut Vec<Fault>,
) -> Option<i128> {
    if let Some(json) = date.json() {
        members.push((claim.into(), json));
    }
    let now = i128::from(NOW);
    let leeway = i128::from(LEEWAY);
    let what = format!("{claim} {date:?}");
    match date.value() {
        DateValue::Absent => {
            if claim == "exp" {
                faults.push(Fault::error(what, TokenError::MissingClaim("exp")));
            }
            None
        }
        DateValue::OutOfRange => {
            faults.push(Fault::error(what, TokenError::DateOutOfRange { claim }));
            None
        }
        DateValue::WrongType => {
            faults.push(Fault::error(what, TokenError::InvalidClaimType { claim }));
            None
        }
        DateValue::Seconds(v) => {
            // Refused when `now >= exp + leeway` or `now < nbf - leeway`; a date before the
            // epoch reads as the epoch.
            let seconds = v.max(0);
            let whole = u64::try_from(seconds).unwrap_or(u64::MAX);
            if claim == "exp" && now >= seconds + leeway {
                let error = TokenError::Expired {
                    exp: whole,
                    now: NOW,
                };
                faults.push(Fault::error(what, error));
            } else if claim == "nbf" && now < seconds - leeway {
                let error = TokenError::NotYetValid {
                    nbf: whole,
                    now: NOW,
                };
                faults.push(Fault::error(what, error));
            }
            Some(v)
        }
    }
}

impl Video {
    fn build(
        &self,
        members: &mut Vec<(String, String)>,
        faults: &mut Vec<Fault>,
    ) -> Option<VideoGrants> {
        let fields = match self {
            Video::Absent => return None,
            Video::Null => {
                members.push(("video".into(), "null".into()));
                return None;
            }
            Video::WrongType(wrong) => {
                let text = match wrong {
                    WrongVideo::String => r#""admin""#,
                    WrongVideo::Number => "1",
                    WrongVideo::Array => "[true]",
                    WrongVideo::EmptyArray => "[]",
                    WrongVideo::Bool => "true",
                };
                members.push(("video".into(), text.into()));
                faults.push(Fault::error(
                    format!("video = {text}"),
                    TokenError::InvalidClaimType { claim: "video" },
                ));
                return None;
            }
            Video::Object(fields) => fields,
        };
        let mut grants = VideoGrants::default();
        // Each thing wrong is a fault of its own: a duplicate can hide a wrong type from the
        // verifier's error classification (which then says `MalformedClaims`).
        let mut written: Vec<(String, String)> = Vec::new();
        for field in fields {
            let (name, value) = match field {
                VideoField::RoomJoin(b) => {
                    grants.room_join = *b;
                    ("roomJoin".to_owned(), b.to_string())
                }
                VideoField::Room(room) => {
                    grants.room.clone_from(room);
                    ("room".to_owned(), jwt::quote(room))
                }
                VideoField::RoomAdmin(b) => {
                    grants.room_admin = *b;
                    ("roomAdmin".to_owned(), b.to_string())
                }
                VideoField::CanPublish(b) => {
                    grants.can_publish = *b;
                    let text = b.map_or_else(|| "null".to_owned(), |b| b.to_string());
                    ("canPublish".to_owned(), text)
                }
                VideoField::CanPublishSources(sources) => {
                    grants.can_publish_sources = sources
                        .iter()
                        .map(|s| TrackSource::from_name(s.json().1))
                        .collect();
                    let texts: Vec<&str> = sources.iter().map(|s| s.json().0).collect();
                    let text = format!("[{}]", texts.join(","));
                    ("canPublishSources".to_owned(), text)
                }
                VideoField::Hidden(b) => {
                    grants.hidden = *b;
                    ("hidden".to_owned(), b.to_string())
                }
                VideoField::Unknown(name, leaf) => {
                    let name = name.unknown_among(VIDEO_FIELDS);
                    // In `video`, in the claims object: two levels down.
                    if leaf.strict_fault(2) {
                        let what = format!("video.{name} = {leaf:?}");
                        faults.push(Fault::new(what, vec![Want::MalformedClaims]));
                    }
                    (name, leaf.json())
                }
                VideoField::WrongType(field) => {
                    faults.push(Fault::error(
                        format!("video.{field:?} of the wrong type"),
                        TokenError::InvalidClaimType { claim: "video" },
                    ));
                    let (name, text) = match field {
                        GrantField::RoomJoin => ("roomJoin", r#""true""#),
                        GrantField::Room => ("room", "1"),
                        GrantField::CanPublish => ("canPublish", r#""yes""#),
                        GrantField::CanPublishSources => ("canPublishSources", r#""camera""#),
                    };
                    (name.to_owned(), text.to_owned())
                }
            };
            let known = VIDEO_FIELDS.contains(&name.as_str());
            if known && written.iter().any(|(n, _)| *n == name) {
                faults.push(Fault::error(
                    format!("video.{name} twice"),
                    TokenError::DuplicateMember(name.clone()),
                ));
            }
            written.push((name, value));
        }
        let text = object(&written, Space::None);
        members.push(("video".into(), text));
        Some(grants)
    }
}

impl TokenSpec {
    /// Encodes, mutates and signs the token, and works out the verdict.
    pub(crate) fn build(&self) -> Built {
        let (header_json, header_fault) = self.header.build();
        let (claims_json, claim_faults, expected) = self.claims.build();
        let mut header = SegmentText::new(URL_SAFE_NO_PAD.encode(&header_json));
        let mut payload = SegmentText::new(URL_SAFE_NO_PAD.encode(&claims_json));
        for mutation in &self.mutations {
            match part_of(mutation) {
                Part::Header => header.apply(mutation),
                Part::Payload => payload.apply(mutation),
                Part::Signature => {}
            }
        }
        let signing_input = format!("{}.{}", header.text, payload.text);
        let mac = jwt::mac(SECRET, signing_input.as_bytes());
        let tag: Vec<u8> = match &self.signature {
            SignatureSpec::Valid => mac.to_vec(),
            SignatureSpec::FlipBit(bit) => {
                let mut tag = mac.to_vec();
                tag[usize::from(bit / 8)] ^= 1 << (bit % 8);
                tag
            }
            SignatureSpec::Truncate(n) => mac[..31 - usize::from(n % 32)].to_vec(),
            SignatureSpec::Extend(byte) => {
                let mut tag = mac.to_vec();
                tag.push(*byte);
                tag
            }
            SignatureSpec::Empty => Vec::new(),
            SignatureSpec::OtherSecret => jwt::mac(OTHER_SECRET, signing_input.as_bytes()).to_vec(),
            SignatureSpec::Bytes(bytes) => bytes.clone(),
        };
        let mut signature = SegmentText::new(URL_SAFE_NO_PAD.encode(&tag));
        for mutation in &self.mutations {
            if part_of(mutation) == Part::Signature {
                signature.apply(mutation);
            }
        }
        let mut token = format!("{signing_input}.{}", signature.text);
        match self.extra_segment {
            Some(true) => token.push_str(".e30"),
            Some(false) => token.push('.'),
            None => {}
        }

        let verdict = if token.len() > MAX_TOKEN_LEN {
            Verdict::Refuse(vec![Fault::error(
                "too long",
                TokenError::TooLarge {
                    len: token.len(),
                    max: MAX_TOKEN_LEN,
                },
            )])
        } else if token.matches('.').count() != 2
            || header.text.is_empty()
            || payload.text.is_empty()
        {
            // Not three segments, or an empty header or claims segment: refused before
            // anything is decoded, whatever else is wrong.
            Verdict::Refuse(vec![Fault::error(
                "not three non-empty segments",
                TokenError::Malformed,
            )])
        } else {
            let mut faults = Vec::new();
            for (segment, which) in [
                (&header, Segment::Header),
                (&payload, Segment::Payload),
                (&signature, Segment::Signature),
            ] {
                if !segment.bad.is_empty() {
                    faults.push(Fault::error(
                        format!("{which} segment: {}", segment.bad.join(", ")),
                        TokenError::MalformedEncoding { segment: which },
                    ));
                }
            }
            // An emptied segment's content is gone (and its text, if any, is invalid).
            if !header.emptied {
                faults.extend(header_fault);
            }
            if !payload.emptied {
                faults.extend(claim_faults);
            }
            if signature.emptied || tag != mac {
                faults.push(Fault::error(
                    format!("signature {:?}", self.signature),
                    TokenError::BadSignature,
                ));
            }
            if faults.is_empty() {
                Verdict::Accept(expected)
            } else {
                Verdict::Refuse(faults)
            }
        };
        Built {
            token,
            mac_text: URL_SAFE_NO_PAD.encode(mac),
            verdict,
        }
    }
}

/// A short name for what the input describes (a valid token; one fault and its error; …),
/// which the seed generator uses to pick inputs of different kinds.
pub(crate) fn label(data: &[u8]) -> Option<String> {
    let spec = read(data)?;
    let built = spec.build();
    Some(match &built.verdict {
        Verdict::Accept(claims) => {
            let header = match &spec.header {
                HeaderSpec::Standard => "standard",
                HeaderSpec::Object { .. } => "object",
                HeaderSpec::NotObject(_) => "not-object",
            };
            let video = if claims.video.is_some() { "-video" } else { "" };
            format!("accept-{header}{video}")
        }
        Verdict::Refuse(faults) if faults.len() == 1 => {
            let label = match faults[0].want.first() {
                Some(Want::Error(error)) => error_label(error),
                Some(Want::MalformedClaims) | None => "MalformedClaims".to_owned(),
            };
            format!("refuse-{label}")
        }
        Verdict::Refuse(faults) => format!("refuse-{}-faults", faults.len().min(3)),
    })
}

fn error_label(error: &TokenError) -> String {
    match error {
        TokenError::MalformedEncoding { segment } => format!("MalformedEncoding-{segment}"),
        TokenError::InvalidClaimType { claim } => format!("InvalidClaimType-{claim}"),
        TokenError::DateOutOfRange { claim } => format!("DateOutOfRange-{claim}"),
        TokenError::MissingClaim(claim) => format!("MissingClaim-{claim}"),
        TokenError::DuplicateMember(name) if name.len() <= 20 => {
            format!("DuplicateMember-{name}")
        }
        other => {
            let text = format!("{other:?}");
            text.split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .unwrap_or_default()
                .to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_describe_a_valid_token() {
        for data in [&[][..], &[0; 64][..]] {
            let built = read(data).unwrap().build();
            assert!(
                matches!(built.verdict, Verdict::Accept(_)),
                "{:?}",
                built.verdict
            );
        }
    }

    #[test]
    fn dates_at_the_leeway() {
        let mut members = Vec::new();
        let mut faults = Vec::new();
        date_claim("exp", Date::Int(-60), &mut members, &mut faults);
        assert_eq!(faults.len(), 1, "exp = now - leeway is expired");
        faults.clear();
        date_claim("exp", Date::Int(-59), &mut members, &mut faults);
        date_claim("nbf", Date::Int(60), &mut members, &mut faults);
        date_claim("exp", Date::Latest, &mut members, &mut faults);
        assert!(faults.is_empty(), "{faults:?}");
        date_claim("nbf", Date::Int(61), &mut members, &mut faults);
        assert_eq!(faults.len(), 1, "nbf = now + leeway + 1 is not yet valid");
    }

    #[test]
    fn fractions_round_down() {
        let date = Date::Fraction(-1_800_000_000, 1);
        assert_eq!(date.json().unwrap(), "-99999940.0001");
        assert!(matches!(date.value(), DateValue::Seconds(-99_999_941)));
        let date = Date::Fraction(0, 19_999);
        assert_eq!(date.json().unwrap(), "1700000060.9999");
        assert!(matches!(date.value(), DateValue::Seconds(1_700_000_060)));
    }
}
