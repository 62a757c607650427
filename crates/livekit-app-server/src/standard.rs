//! `POST /livekit/token`: LiveKit's standard token endpoint, the one the client SDKs'
//! `TokenSource.endpoint(url)` calls. The request is the protocol's `TokenSourceRequest` in
//! JSON (snake_case members, all optional), the answer `201 {"server_url", "participant_token"}`.
//!
//! What a browser may ask for is decided by a [`TokenPolicy`]; who may ask at all by an
//! optional shared [`BearerSecret`] and an authorization hook ([`AuthRefusal`]).

use std::collections::BTreeMap;
use std::fmt;

use http::StatusCode;
use http::header::{self, HeaderMap};
use livekit_server_proto::RoomConfiguration;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq as _;

/// The path of the standard token endpoint.
pub const STANDARD_TOKEN_PATH: &str = "/livekit/token";
/// The default `LIVEKIT_URL`: the `livekit-server --dev` server on this machine.
pub const DEFAULT_LIVEKIT_URL: &str = "ws://localhost:7880";

/// A member of the standard token request (`TokenSourceRequest`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Member {
    /// `room_name`: the room to join.
    RoomName,
    /// `participant_identity`: the participant's identity.
    ParticipantIdentity,
    /// `participant_name`: the participant's display name.
    ParticipantName,
    /// `participant_metadata`: the participant's metadata.
    ParticipantMetadata,
    /// `participant_attributes`: the participant's attributes (string to string).
    ParticipantAttributes,
    /// `room_config`: honoured for agent dispatch (`agents`) only.
    RoomConfig,
}

impl Member {
    /// Every member, in the order of the protocol.
    pub const ALL: [Member; 6] = [
        Member::RoomName,
        Member::ParticipantIdentity,
        Member::ParticipantName,
        Member::ParticipantMetadata,
        Member::ParticipantAttributes,
        Member::RoomConfig,
    ];

    /// The JSON name the client SDKs send (the protocol's field name).
    pub fn name(self) -> &'static str {
        match self {
            Member::RoomName => "room_name",
            Member::ParticipantIdentity => "participant_identity",
            Member::ParticipantName => "participant_name",
            Member::ParticipantMetadata => "participant_metadata",
            Member::ParticipantAttributes => "participant_attributes",
            Member::RoomConfig => "room_config",
        }
    }

    /// The protojson (lowerCamelCase) name, also accepted, as every protojson parser does.
    fn json_name(self) -> &'static str {
        match self {
            Member::RoomName => "roomName",
            Member::ParticipantIdentity => "participantIdentity",
            Member::ParticipantName => "participantName",
            Member::ParticipantMetadata => "participantMetadata",
            Member::ParticipantAttributes => "participantAttributes",
            Member::RoomConfig => "roomConfig",
        }
    }

    /// The member of a snake_case name.
    pub fn from_name(name: &str) -> Option<Member> {
        Member::ALL.into_iter().find(|member| member.name() == name)
    }
}

/// What a browser may ask the standard endpoint for (`TOKEN_CLIENT_MEMBERS`,
/// `TOKEN_ROOM_PREFIX`).
///
/// A request carrying a member that is not honoured is refused with `403` naming it (never
/// silently ignored). Absent members get defaults: a generated identity, and a generated room
/// named `<room_prefix><random>` (`room-<random>` without a prefix).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenPolicy {
    /// The members honoured. Default: all but `room_config`.
    pub honoured: Vec<Member>,
    /// When not empty, a requested `room_name` must start with it, and generated rooms do.
    pub room_prefix: String,
}

impl Default for TokenPolicy {
    fn default() -> TokenPolicy {
        TokenPolicy {
            honoured: Member::ALL
                .into_iter()
                .filter(|member| *member != Member::RoomConfig)
                .collect(),
            room_prefix: String::new(),
        }
    }
}

impl TokenPolicy {
    /// Whether requests may carry `member`.
    pub fn honours(&self, member: Member) -> bool {
        self.honoured.contains(&member)
    }
}

/// A shared secret the standard endpoint requires as `Authorization: Bearer <secret>`
/// (`TOKEN_ENDPOINT_SECRET`). Its `Debug` form is redacted; it is compared in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerSecret(String);

impl BearerSecret {
    /// The secret, or `None` if it is empty or not usable in a header (outside visible
    /// ASCII).
    pub fn new(secret: impl Into<String>) -> Option<BearerSecret> {
        let secret = secret.into();
        let usable = !secret.is_empty() && secret.bytes().all(|b| b.is_ascii_graphic());
        usable.then_some(BearerSecret(secret))
    }

    /// Whether `headers` carry `Authorization: Bearer <this secret>`.
    fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return false;
        };
        // `Bearer`, one or more spaces, the secret (RFC 9110's `auth-scheme 1*SP token68`).
        let Some((scheme, token)) = value.as_bytes().split_at_checked(6) else {
            return false;
        };
        let spaces = token.iter().take_while(|&&b| b == b' ').count();
        scheme.eq_ignore_ascii_case(b"bearer")
            && spaces > 0
            && bool::from(token[spaces..].ct_eq(self.0.as_bytes()))
    }
}

impl fmt::Debug for BearerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerSecret(<redacted>)")
    }
}

/// The answer of an authorization hook that refuses a token request: `401` or `403` with a
/// message for the client (`{"errorMessage": ...}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthRefusal {
    status: StatusCode,
    message: String,
}

impl AuthRefusal {
    /// `401 Unauthorized`: the request does not say who sends it (it also gets
    /// `WWW-Authenticate: Bearer`).
    pub fn unauthorized(message: impl Into<String>) -> AuthRefusal {
        AuthRefusal {
            status: StatusCode::UNAUTHORIZED,
            message: message.into(),
        }
    }

    /// `403 Forbidden`: the sender is known and may not have a token.
    pub fn forbidden(message: impl Into<String>) -> AuthRefusal {
        AuthRefusal {
            status: StatusCode::FORBIDDEN,
            message: message.into(),
        }
    }

    /// The status answered.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message answered.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A hook that sees the request headers and may refuse the request.
pub(crate) type AuthHook = Box<dyn Fn(&HeaderMap) -> Result<(), AuthRefusal> + Send + Sync>;

/// Checks the bearer secret, then the hook.
pub(crate) fn authorize(
    secret: Option<&BearerSecret>,
    hook: Option<&AuthHook>,
    headers: &HeaderMap,
) -> Result<(), AuthRefusal> {
    if let Some(secret) = secret
        && !secret.admits(headers)
    {
        return Err(AuthRefusal::unauthorized(
            "a valid Authorization: Bearer header is required",
        ));
    }
    match hook {
        Some(hook) => hook(headers),
        None => Ok(()),
    }
}

/// A validated `ws://` or `wss://` URL of the LiveKit server (`LIVEKIT_URL`), answered as
/// `server_url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LivekitUrl(String);

impl LivekitUrl {
    /// Checks that `url` is `ws://` or `wss://` with a host, no user information, query or
    /// fragment; the error says what is wrong.
    ///
    /// # Errors
    ///
    /// A message for the first problem found.
    pub fn parse(url: &str) -> Result<LivekitUrl, String> {
        let url = url.trim();
        let uri: http::Uri = url
            .parse()
            .map_err(|_| format!("{url:?} is not a URL; expected e.g. {DEFAULT_LIVEKIT_URL}"))?;
        let scheme_ok = uri
            .scheme_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("ws") || s.eq_ignore_ascii_case("wss"));
        if !scheme_ok {
            return Err(format!(
                "{url:?} must start with ws:// or wss:// (e.g. {DEFAULT_LIVEKIT_URL})"
            ));
        }
        let authority = uri.authority().map(http::uri::Authority::as_str);
        match authority {
            None | Some("") => return Err(format!("{url:?} has no host")),
            Some(authority) if authority.contains('@') => {
                return Err(format!("{url:?} must not carry user information"));
            }
            Some(authority) if !crate::config::valid_authority(authority) => {
                return Err(format!(
                    "{url:?} has an invalid host or port (a port is 1 to 65535)"
                ));
            }
            Some(_) => {}
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(format!("{url:?} has no host"));
        }
        if uri.query().is_some() || url.contains('#') {
            return Err(format!("{url:?} must not have a query or a fragment"));
        }
        Ok(LivekitUrl(url.to_owned()))
    }

    /// The URL as configured.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for LivekitUrl {
    fn default() -> LivekitUrl {
        LivekitUrl(DEFAULT_LIVEKIT_URL.to_owned())
    }
}

impl fmt::Display for LivekitUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A standard token request, checked against the policy, with its defaults applied.
#[derive(Debug, PartialEq)]
pub(crate) struct StandardRequest {
    pub(crate) room_name: String,
    pub(crate) identity: String,
    pub(crate) name: Option<String>,
    pub(crate) metadata: Option<String>,
    pub(crate) attributes: BTreeMap<String, String>,
    pub(crate) room_config: Option<RoomConfiguration>,
}

/// Why a standard request is refused: the status and the `errorMessage`.
pub(crate) type Refusal = (StatusCode, String);

/// Parses and checks a standard token request. `400` names every malformed member, `403`
/// every member the policy refuses. An empty body is an empty request.
pub(crate) fn parse_standard_request(
    json_content: bool,
    body: &[u8],
    policy: &TokenPolicy,
) -> Result<StandardRequest, Refusal> {
    let bad = |message: String| (StatusCode::BAD_REQUEST, message);
    // JSON's whitespace (`u8::is_ascii_whitespace` also counts the form feed).
    let (object, repeated) = if body
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        (Map::new(), None)
    } else {
        if !json_content {
            return Err(bad("Content-Type must be application/json".to_owned()));
        }
        match serde_json::from_slice(body) {
            Ok(Body::Object(object, repeated)) => (object, repeated),
            Ok(Body::Not(kind)) => {
                return Err(bad(format!(
                    "request body must be a JSON object, not {kind}"
                )));
            }
            Err(error) => return Err(bad(format!("request body is not valid JSON: {error}"))),
        }
    };

    let mut problems = Vec::new();
    if let Some(member) = repeated {
        problems.push(format!("{} is given twice", member.name()));
    }
    let mut present = Vec::new();
    let mut values: [Option<&Value>; 6] = [None; 6];
    for (slot, member) in values.iter_mut().zip(Member::ALL) {
        let snake = object.get(member.name()).filter(|v| asks_for_something(v));
        let camel = object
            .get(member.json_name())
            .filter(|v| asks_for_something(v));
        *slot = match (snake, camel) {
            (Some(_), Some(_)) => {
                problems.push(format!(
                    "{} is given twice (as {} and {})",
                    member.name(),
                    member.name(),
                    member.json_name()
                ));
                None
            }
            (value, None) | (None, value) => value,
        };
        if slot.is_some() {
            present.push(member);
        }
    }
    let [room, identity, name, metadata, attributes, room_config] = values;
    let room = string_member(Member::RoomName, room, true, &mut problems);
    let identity = string_member(Member::ParticipantIdentity, identity, true, &mut problems);
    let name = string_member(Member::ParticipantName, name, false, &mut problems);
    let metadata = string_member(Member::ParticipantMetadata, metadata, false, &mut problems);
    let attributes = attributes_member(attributes, &mut problems);
    let room_config_object = match room_config {
        None | Some(Value::Object(_)) => room_config.and_then(Value::as_object),
        Some(other) => {
            problems.push(format!(
                "room_config must be an object, not {}",
                crate::app::json_type(other)
            ));
            None
        }
    };
    if !problems.is_empty() {
        return Err(bad(listed(&problems)));
    }

    let refused: Vec<&str> = present
        .iter()
        .filter(|member| !policy.honours(**member))
        .map(|member| member.name())
        .collect();
    if !refused.is_empty() {
        return Err((
            StatusCode::FORBIDDEN,
            format!(
                "this server does not accept {} from clients",
                refused.join(", ")
            ),
        ));
    }
    let room_config = match room_config_object {
        Some(object) => Some(agent_dispatch(object)?),
        None => None,
    };
    let room_name = match room {
        Some(room) if !room.starts_with(&policy.room_prefix) => {
            return Err((
                StatusCode::FORBIDDEN,
                format!(
                    "room_name must start with {:?} on this server",
                    policy.room_prefix
                ),
            ));
        }
        Some(room) => room,
        None => {
            let prefix = if policy.room_prefix.is_empty() {
                "room-"
            } else {
                &policy.room_prefix
            };
            format!("{prefix}{}", random_suffix()?)
        }
    };
    let identity = match identity {
        Some(identity) => identity,
        None => format!("identity-{}", random_suffix()?),
    };
    Ok(StandardRequest {
        room_name,
        identity,
        name,
        metadata,
        attributes,
        room_config,
    })
}

/// A request body: a JSON object, with the first member of the request given twice under the
/// same name (`serde_json`'s `Value` would keep the last one, which a proxy or firewall in
/// front may read differently, so a repeated member is refused rather than one of them
/// silently chosen; unknown members are ignored, repeated or not), or what it is instead.
enum Body {
    Object(Map<String, Value>, Option<Member>),
    Not(&'static str),
}

impl<'de> serde::Deserialize<'de> for Body {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Body, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
        struct Read;
        impl<'de> Visitor<'de> for Read {
            type Value = Body;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Body, A::Error> {
                let (mut object, mut repeated) = (Map::new(), None);
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    let known = Member::ALL
                        .into_iter()
                        .find(|m| m.name() == name || m.json_name() == name);
                    if object.insert(name, value).is_some() && repeated.is_none() {
                        repeated = known;
                    }
                }
                Ok(Body::Object(object, repeated))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Body, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Body::Not("an array"))
            }
            fn visit_unit<E>(self) -> Result<Body, E> {
                Ok(Body::Not("null"))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Body, E> {
                Ok(Body::Not("a boolean"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Body, E> {
                Ok(Body::Not("a number"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Body, E> {
                Ok(Body::Not("a number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Body, E> {
                Ok(Body::Not("a number"))
            }
            fn visit_str<E>(self, _: &str) -> Result<Body, E> {
                Ok(Body::Not("a string"))
            }
        }
        deserializer.deserialize_any(Read)
    }
}

/// The most problems an answer lists: a request with thousands of bad attribute values must
/// not get (and log) an answer many times its own size.
const LISTED_PROBLEMS: usize = 10;

/// `problems` joined by `; `, the first [`LISTED_PROBLEMS`] of them and how many more.
fn listed(problems: &[String]) -> String {
    let mut text = problems[..problems.len().min(LISTED_PROBLEMS)].join("; ");
    if problems.len() > LISTED_PROBLEMS {
        text.push_str(&format!("; and {} more", problems.len() - LISTED_PROBLEMS));
    }
    text
}

/// Whether a member asks for anything: not `null`, and not an object of nothing (`{}`, or
/// members that are all `null`, `[]` or `{}`). The Android and Swift SDKs send
/// `"room_config":{}` on every request (a configuration built with no agents, its absent
/// fields left out), which must not count as asking for a room configuration.
fn asks_for_something(value: &Value) -> bool {
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(members) => members.is_empty(),
        _ => false,
    };
    match value {
        Value::Object(members) => !members.values().all(empty),
        other => !other.is_null(),
    }
}

/// An optional string member; `required_non_empty` refuses `""`.
fn string_member(
    member: Member,
    value: Option<&Value>,
    non_empty: bool,
    problems: &mut Vec<String>,
) -> Option<String> {
    match value? {
        Value::String(s) if non_empty && s.is_empty() => {
            problems.push(format!("{} must not be empty", member.name()));
            None
        }
        Value::String(s) => Some(s.clone()),
        other => {
            problems.push(format!(
                "{} must be a string, not {}",
                member.name(),
                crate::app::json_type(other)
            ));
            None
        }
    }
}

/// `participant_attributes`: an object of strings.
fn attributes_member(
    value: Option<&Value>,
    problems: &mut Vec<String>,
) -> BTreeMap<String, String> {
    let mut attributes = BTreeMap::new();
    match value {
        None => {}
        Some(Value::Object(object)) => {
            for (key, value) in object {
                match value {
                    Value::String(s) => {
                        attributes.insert(key.clone(), s.clone());
                    }
                    other => problems.push(format!(
                        "participant_attributes.{} must be a string, not {}",
                        crate::app::shorten(key),
                        crate::app::json_type(other)
                    )),
                }
            }
        }
        Some(other) => problems.push(format!(
            "participant_attributes must be an object, not {}",
            crate::app::json_type(other)
        )),
    }
    attributes
}

/// A `room_config` that only dispatches agents (`agents`, in either spelling); any other
/// member is refused with `403` naming it.
fn agent_dispatch(object: &Map<String, Value>) -> Result<RoomConfiguration, Refusal> {
    let refused: Vec<String> = object
        .iter()
        .filter(|(key, value)| !value.is_null() && key.as_str() != "agents")
        .map(|(key, _)| format!("room_config.{}", crate::app::shorten(key)))
        .collect();
    if !refused.is_empty() {
        return Err((
            StatusCode::FORBIDDEN,
            format!(
                "room_config may only dispatch agents on this server; refused: {}",
                refused.join(", ")
            ),
        ));
    }
    serde_json::from_value(Value::Object(object.clone())).map_err(|error| {
        (
            StatusCode::BAD_REQUEST,
            format!("room_config is not a valid RoomConfiguration: {error}"),
        )
    })
}

/// 16 random hex digits for generated names.
fn random_suffix() -> Result<String, Refusal> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|_| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "no randomness available to generate a name".to_owned(),
        )
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn parse(body: &str) -> Result<StandardRequest, Refusal> {
        parse_standard_request(true, body.as_bytes(), &TokenPolicy::default())
    }

    #[test]
    fn member_names_round_trip() {
        for member in Member::ALL {
            assert_eq!(Member::from_name(member.name()), Some(member));
        }
        assert_eq!(Member::from_name("roomName"), None);
    }

    #[test]
    fn defaults_are_generated_and_distinct() {
        let a = parse("").unwrap();
        let b = parse("{}").unwrap();
        assert!(
            a.room_name.starts_with("room-") && a.room_name.len() == 21,
            "{a:?}"
        );
        assert!(a.identity.starts_with("identity-") && a.identity.len() == 25);
        assert_ne!(a.room_name, b.room_name);
        assert_ne!(a.identity, b.identity);
        assert_eq!(a.name, None);
        let prefixed = TokenPolicy {
            room_prefix: "app-".to_owned(),
            ..TokenPolicy::default()
        };
        let c = parse_standard_request(true, b"{}", &prefixed).unwrap();
        assert!(
            c.room_name.starts_with("app-") && c.room_name.len() == 20,
            "{c:?}"
        );
    }

    #[test]
    fn bearer_secret() {
        let secret = BearerSecret::new("s3cret").unwrap();
        assert_eq!(format!("{secret:?}"), "BearerSecret(<redacted>)");
        let headers = |value: &str| {
            let mut map = HeaderMap::new();
            map.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            map
        };
        assert!(secret.admits(&headers("Bearer s3cret")));
        assert!(secret.admits(&headers("bearer s3cret")));
        for bad in [
            "Bearer s3cre",
            "Bearer s3cret2",
            "Basic s3cret",
            "s3cret",
            "Bearer",
        ] {
            assert!(!secret.admits(&headers(bad)), "{bad}");
        }
        assert!(!secret.admits(&HeaderMap::new()));
        assert_eq!(BearerSecret::new(""), None);
        assert_eq!(BearerSecret::new("with space"), None);
    }

    #[test]
    fn livekit_urls() {
        for good in [
            "ws://localhost:7880",
            "wss://x.livekit.cloud",
            "WSS://[::1]:7880/",
            "ws://127.0.0.1:65535/rtc",
            "ws://my_host-1.internal:1",
        ] {
            assert_eq!(LivekitUrl::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "localhost:7880",
            "http://localhost:7880",
            "ws://",
            "ws://user:pw@host",
            "ws://host/?a=1",
            "ws://host/#x",
            "ws://bad host",
            "ws://livekit.example.com:abc",
            "ws://host:99999",
            "ws://host:0",
            "ws://host:",
            "ws://*.example.com",
            "ws://[::1",
            "ws://[not-v6]:7880",
        ] {
            assert!(LivekitUrl::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(LivekitUrl::default().as_str(), DEFAULT_LIVEKIT_URL);
    }
}
