//! The fast path of claims decoding: one pass over claims JSON straight into [`Claims`],
//! borrowing from the text until a field must own its string, for claims as minting code
//! writes them.
//!
//! It reads compact JSON (no whitespace) itself: the object structure, member names, strings
//! without escapes, non-negative integer dates that fit in 64 bits, `true` and `false`, and
//! the members of `video` and `attributes`. Every other value (a string with escapes, `null`,
//! another number, `kindDetails`, `sip`, `agent`, `inference`, `observability`,
//! `roomConfig`, unknown members) it hands to the strict reader, positioned at the value and
//! at the right depth, which decodes or skips it exactly as when it reads the whole text
//! (the same functions of [`decode`] run).
//!
//! It never reports an error. On anything unexpected (whitespace, a duplicate member at any
//! level, a syntax error, trailing bytes, an error of the strict reader on a value) it gives
//! up, and [`parse_claims`](crate::decode::parse_claims) starts over with the strict reader,
//! which decides and reports. Every rule is thus enforced in one place, and what this path
//! accepts it decodes exactly as the strict reader does (the tests compare the two).

use std::borrow::Cow;
use std::collections::btree_map::Entry;

use crate::claims::NumericDate;
use crate::decode::{self, Found, Known, VideoField};
use crate::json::{Reader, check_unique, find_special};
use crate::{Claims, ParticipantKind, VideoGrants};

/// A position in the claims text. Methods that return `Option` return `None` to give up.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Consumes `byte`, which must come next.
    #[inline(always)]
    fn eat(&mut self, byte: u8) -> Option<()> {
        if self.peek()? == byte {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// Hands the value here to the strict reader, `depth` containers deep, and continues
    /// after it.
    fn strict<T, E>(
        &mut self,
        depth: usize,
        read: impl FnOnce(&mut Reader<'a>) -> Result<T, E>,
    ) -> Option<T> {
        let mut r = Reader::at(self.text, self.pos, depth);
        let value = read(&mut r).ok()?;
        self.pos = r.position();
        Some(value)
    }

    /// A string without escapes or control characters, borrowed; `None` (nothing consumed)
    /// for any other value.
    #[inline(always)]
    fn plain_string(&mut self) -> Option<&'a str> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.pos + 1;
        let end = find_special(self.text.as_bytes(), start);
        if self.text.as_bytes().get(end) != Some(&b'"') {
            return None;
        }
        // Both ends are next to ASCII quotes, so on char boundaries.
        let s = self.text.get(start..end)?;
        self.pos = end + 1;
        Some(s)
    }

    /// A member name (with escapes, through the strict reader) and the `:` after it.
    #[inline(always)]
    fn key(&mut self) -> Option<Cow<'a, str>> {
        let key = match self.plain_string() {
            Some(key) => Cow::Borrowed(key),
            None => self.strict(0, Reader::string)?,
        };
        self.eat(b':')?;
        Some(key)
    }

    /// A string, with escapes through the strict reader (which refuses other types).
    #[inline(always)]
    fn string(&mut self) -> Option<Cow<'a, str>> {
        match self.plain_string() {
            Some(s) => Some(Cow::Borrowed(s)),
            None => self.strict(0, Reader::string),
        }
    }

    /// Opens an object: `Some(true)` if a member follows, `Some(false)` if it is empty (and
    /// now closed).
    #[inline(always)]
    fn open(&mut self) -> Option<bool> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.pos += 1;
            Some(false)
        } else {
            Some(true)
        }
    }

    /// After a member: `Some(true)` for `,`, `Some(false)` for `}` (consumed).
    #[inline(always)]
    fn more(&mut self) -> Option<bool> {
        let next = self.peek()?;
        self.pos += 1;
        match next {
            b',' => Some(true),
            b'}' => Some(false),
            _ => None,
        }
    }

    /// `true` or `false`; `None` (nothing consumed) for any other value.
    #[inline(always)]
    fn boolean(&mut self) -> Option<bool> {
        let rest = self.text.as_bytes().get(self.pos..)?;
        if rest.starts_with(b"true") {
            self.pos += 4;
            Some(true)
        } else if rest.starts_with(b"false") {
            self.pos += 5;
            Some(false)
        } else {
            None
        }
    }

    /// A non-negative integer that fits in a `u64`, without a leading zero, followed by `,`
    /// or `}`: what the strict reader reads as [`NumericDate::Unsigned`]. `None` (nothing
    /// consumed) for any other value.
    #[inline(always)]
    fn integer(&mut self) -> Option<u64> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let mut end = start;
        let mut value = 0u64;
        while let Some(&digit) = bytes.get(end) {
            if !digit.is_ascii_digit() {
                break;
            }
            value = value
                .checked_mul(10)?
                .checked_add(u64::from(digit - b'0'))?;
            end += 1;
        }
        let canonical = end - start == 1 || (end > start && bytes[start] != b'0');
        if canonical && matches!(bytes.get(end), Some(b',' | b'}')) {
            self.pos = end;
            Some(value)
        } else {
            None
        }
    }
}

/// Decodes the claims JSON `text` into `c` (empty on entry); `None` to leave the text to the
/// strict reader (`c` may then hold part of the claims).
pub(crate) fn parse_claims(text: &str, c: &mut Claims) -> Option<Found> {
    let mut r = Cursor { text, pos: 0 };
    let mut found = Found::default();
    let mut seen = 0u32;
    let mut unknown = Vec::new();
    if r.open()? {
        loop {
            let key = r.key()?;
            if let Some(known) = Known::from_key(&key) {
                let bit = 1u32 << (known as u32);
                if seen & bit != 0 {
                    return None;
                }
                seen |= bit;
                if !claim(&mut r, known, c, &mut found)? {
                    r.strict(1, |s| decode::claim(s, known, c, &mut found))?;
                }
            } else {
                r.strict(1, Reader::skip_value)?;
                unknown.push(key);
            }
            if !r.more()? {
                break;
            }
        }
    }
    if r.pos != text.len() || check_unique(&mut unknown).is_err() {
        return None;
    }
    c.exp = found.exp.map_or(0, NumericDate::secs);
    c.nbf = found.nbf.map(NumericDate::secs);
    Some(found)
}

/// Decodes the usual forms of the usual claims: `Some(true)` when done, `Some(false)` (nothing
/// consumed) for a value to hand to the strict reader, `None` to give up.
#[inline(always)]
fn claim(r: &mut Cursor<'_>, known: Known, c: &mut Claims, found: &mut Found) -> Option<bool> {
    let text = |r: &mut Cursor<'_>, field: &mut String| {
        r.plain_string().map(|s| *field = s.to_owned()).is_some()
    };
    Some(match known {
        Known::Iss => {
            let taken = text(r, &mut c.iss);
            found.iss_present = taken;
            taken
        }
        Known::Sub => text(r, &mut c.sub),
        Known::Nbf => r
            .integer()
            .map(|n| found.nbf = Some(NumericDate::Unsigned(n)))
            .is_some(),
        Known::Exp => r
            .integer()
            .map(|n| found.exp = Some(NumericDate::Unsigned(n)))
            .is_some(),
        Known::Name => text(r, &mut c.name),
        Known::Kind => r
            .plain_string()
            .map(|s| c.kind = Some(ParticipantKind::from_name(s)))
            .is_some(),
        Known::Video if r.peek() == Some(b'{') => {
            video(r, c.video.insert(VideoGrants::default()))?;
            true
        }
        Known::RoomPreset => text(r, &mut c.room_preset),
        Known::Metadata => text(r, &mut c.metadata),
        Known::Attributes if r.peek() == Some(b'{') => {
            attributes(r, c)?;
            true
        }
        Known::Sha256 => text(r, &mut c.sha256),
        _ => false,
    })
}

/// The members of the `video` object.
fn video(r: &mut Cursor<'_>, g: &mut VideoGrants) -> Option<()> {
    let mut seen = 0u32;
    let mut unknown = Vec::new();
    if r.open()? {
        loop {
            let key = r.key()?;
            if let Some(field) = VideoField::from_key(&key) {
                let bit = 1u32 << (field as u32);
                if seen & bit != 0 {
                    return None;
                }
                seen |= bit;
                if !video_member(r, field, g) {
                    r.strict(2, |s| decode::video_member(s, field, g))?;
                }
            } else {
                r.strict(2, Reader::skip_value)?;
                unknown.push(key);
            }
            if !r.more()? {
                break;
            }
        }
    }
    check_unique(&mut unknown).ok()
}

/// Decodes the usual forms of the `video` members: `false` (nothing consumed) for a value to
/// hand to the strict reader.
#[inline(always)]
fn video_member(r: &mut Cursor<'_>, field: VideoField, g: &mut VideoGrants) -> bool {
    let flag = |r: &mut Cursor<'_>, flag: &mut bool| r.boolean().map(|b| *flag = b).is_some();
    let option = |r: &mut Cursor<'_>, flag: &mut Option<bool>| {
        r.boolean().map(|b| *flag = Some(b)).is_some()
    };
    let text = |r: &mut Cursor<'_>, field: &mut String| {
        r.plain_string().map(|s| *field = s.to_owned()).is_some()
    };
    match field {
        VideoField::RoomCreate => flag(r, &mut g.room_create),
        VideoField::RoomList => flag(r, &mut g.room_list),
        VideoField::RoomRecord => flag(r, &mut g.room_record),
        VideoField::RoomAdmin => flag(r, &mut g.room_admin),
        VideoField::RoomJoin => flag(r, &mut g.room_join),
        VideoField::Room => text(r, &mut g.room),
        VideoField::DestinationRoom => text(r, &mut g.destination_room),
        VideoField::CanPublish => option(r, &mut g.can_publish),
        VideoField::CanSubscribe => option(r, &mut g.can_subscribe),
        VideoField::CanPublishData => option(r, &mut g.can_publish_data),
        VideoField::CanPublishSources => false,
        VideoField::CanUpdateOwnMetadata => option(r, &mut g.can_update_own_metadata),
        VideoField::IngressAdmin => flag(r, &mut g.ingress_admin),
        VideoField::Hidden => flag(r, &mut g.hidden),
        VideoField::Recorder => flag(r, &mut g.recorder),
        VideoField::Agent => flag(r, &mut g.agent),
        VideoField::CanSubscribeMetrics => option(r, &mut g.can_subscribe_metrics),
        VideoField::CanManageAgentSession => option(r, &mut g.can_manage_agent_session),
    }
}

/// The members of the `attributes` object: strings.
fn attributes(r: &mut Cursor<'_>, c: &mut Claims) -> Option<()> {
    if !r.open()? {
        return Some(());
    }
    loop {
        let key = r.key()?;
        let value = r.string()?.into_owned();
        match c.attributes.entry(key.into_owned()) {
            Entry::Occupied(_) => return None,
            Entry::Vacant(e) => {
                e.insert(value);
            }
        }
        if !r.more()? {
            return Some(());
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::decode::parse_claims_strict;
    use crate::{AgentGrants, TokenError, TrackSource};

    /// The fast path's verdict, checked against the strict reader's: whatever the fast path
    /// accepts, the strict reader accepts with the same claims.
    fn fast(text: &str) -> Option<(Claims, Found)> {
        let mut claims = Claims::default();
        let found = parse_claims(text, &mut claims);
        let mut strict = Claims::default();
        let strict_found = parse_claims_strict(text, &mut strict);
        let found = found?;
        assert_eq!(strict_found.as_ref(), Ok(&found), "{text}");
        assert_eq!(claims, strict, "{text}");
        Some((claims, found))
    }

    fn strict(text: &str) -> Result<Claims, TokenError> {
        let mut claims = Claims::default();
        parse_claims_strict(text, &mut claims).map(|_| claims)
    }

    #[test]
    fn takes_minted_claims() {
        let text = concat!(
            r#"{"iss":"APIkey","sub":"id","nbf":1700000000,"exp":1700003600,"name":"Näme 😀","#,
            r#""kind":"agent","kindDetails":["cloud_agent","future"],"video":{"roomCreate":true,"#,
            r#""roomList":true,"roomRecord":true,"roomAdmin":true,"roomJoin":true,"room":"r","#,
            r#""destinationRoom":"d","canPublish":false,"canSubscribe":true,"#,
            r#""canPublishData":false,"canPublishSources":["camera","hologram"],"#,
            r#""canUpdateOwnMetadata":true,"ingressAdmin":true,"hidden":true,"recorder":true,"#,
            r#""agent":true,"canSubscribeMetrics":true,"canManageAgentSession":false},"#,
            r#""roomPreset":"p","metadata":"{}","attributes":{"a":"1","b":""},"sha256":"h"}"#
        );
        let (claims, found) = fast(text).expect("fast path");
        assert!(found.iss_present);
        assert_eq!(
            (claims.nbf, claims.exp),
            (Some(1_700_000_000), 1_700_003_600)
        );
        assert_eq!(claims.name, "Näme 😀");
        assert_eq!(claims.kind, Some(ParticipantKind::Agent));
        let video = claims.video.expect("video");
        assert_eq!(
            video.can_publish_sources[1],
            TrackSource::Unknown("hologram".into())
        );
        assert_eq!(video.can_manage_agent_session, Some(false));
        assert_eq!(claims.attributes.len(), 2);
        // Empty containers, and the smallest claim sets.
        assert!(fast(r#"{"video":{},"attributes":{},"kindDetails":[]}"#).is_some());
        assert!(fast("{}").is_some());
        assert!(fast(r#"{"exp":0}"#).is_some());
        assert!(fast(r#"{"exp":9999999999999999999}"#).is_some());
        assert!(fast(r#"{"exp":18446744073709551615}"#).is_some());
    }

    #[test]
    fn hands_escapes_to_the_strict_reader() {
        for text in [
            r#"{"sub":"a\"b"}"#,
            r#"{"sub":"\u00e9"}"#,
            r#"{"sub":"\ud83d\ude00","name":"x"}"#,
            r#"{"\u0069ss":"k"}"#,
            r#"{"attributes":{"k\n":"v","w":"\t"}}"#,
            r#"{"video":{"room":"a\/b","r\u006fomJoin":true}}"#,
        ] {
            assert!(fast(text).is_some(), "{text}");
        }
        assert_eq!(fast(r#"{"\u0069ss":"k"}"#).unwrap().0.iss, "k");
        assert_eq!(fast(r#"{"sub":"\ud83d\ude00"}"#).unwrap().0.sub, "😀");
        let video = fast(r#"{"video":{"r\u006fomJoin":true}}"#).unwrap().0.video;
        assert!(video.unwrap().room_join);
        for text in [
            r#"{"sub":"\ud800"}"#,
            "{\"sub\":\"a\u{1}\"}",
            r#"{"sub":"\x"}"#,
        ] {
            assert_eq!(fast(text), None, "{text}");
            assert!(matches!(strict(text), Err(TokenError::MalformedClaims(_))));
        }
        // Escaped names are still names: duplicates are found.
        for text in [
            r#"{"iss":"a","\u0069ss":"a"}"#,
            r#"{"video":{"room":"a","r\u006fom":"b"}}"#,
            r#"{"attributes":{"a":"1","\u0061":"2"}}"#,
            r#"{"x":1,"\u0078":2}"#,
        ] {
            assert_eq!(fast(text), None, "{text}");
            assert!(matches!(strict(text), Err(TokenError::DuplicateMember(_))));
        }
    }

    #[test]
    fn hands_other_values_and_claims_to_the_strict_reader() {
        for text in [
            r#"{"exp":null,"nbf":null,"sub":null,"video":null,"attributes":null}"#,
            r#"{"video":{"room":null,"canPublish":null,"hidden":null}}"#,
            r#"{"exp":1.5}"#,
            r#"{"exp":1e3}"#,
            r#"{"exp":-1}"#,
            r#"{"exp":-0}"#,
            r#"{"exp":18446744073709551616}"#,
            r#"{"exp":100000000000000000000}"#,
            r#"{"kindDetails":["cloud_agent"]}"#,
            r#"{"sip":{"call":true},"agent":{"admin":true,"x":[]},"inference":{"perform":true}}"#,
            r#"{"observability":null}"#,
            r#"{"roomConfig":{"name":"r"}}"#,
            r#"{"iat":1,"jti":"x"}"#,
            r#"{"x":{"y":[1,{"z":null}]}}"#,
            r#"{"video":{"future":true,"canPublishSources":["camera","x"]}}"#,
            r#"{"video":{"room":"r","x":{"a":{"b":{}}}}}"#,
        ] {
            assert!(fast(text).is_some(), "{text}");
        }
        let agent = fast(r#"{"agent":{"admin":true}}"#).unwrap().0;
        assert_eq!(
            agent.agent,
            Some(AgentGrants {
                admin: true,
                ..Default::default()
            })
        );
        assert_eq!(
            fast(r#"{"exp":1.5}"#).unwrap().1.exp,
            Some(NumericDate::Float(1.5))
        );
        // Whitespace around values and separators is left to the strict reader.
        for text in [
            r#"{"exp" :1}"#,
            r#"{"exp":1 }"#,
            r#"{"exp":1} "#,
            "{\n\"exp\":1\n}",
        ] {
            assert_eq!(fast(text), None, "{text}");
            assert!(strict(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn nesting_limit_is_the_strict_one() {
        use crate::json::MAX_DEPTH;
        // The claims object is level 1, `video` level 2.
        for (prefix, suffix, levels) in [("{\"x\":", "}", 1), ("{\"video\":{\"x\":", "}}", 2)] {
            for depth in [MAX_DEPTH, MAX_DEPTH + 1] {
                let inner = depth - levels;
                let text = format!("{prefix}{}{}{suffix}", "[".repeat(inner), "]".repeat(inner));
                let ok = depth <= MAX_DEPTH;
                assert_eq!(strict(&text).is_ok(), ok, "{depth}");
                assert_eq!(fast(&text).is_some(), ok, "{depth}");
            }
        }
    }

    #[test]
    fn never_accepts_what_the_strict_reader_refuses() {
        for (text, duplicate) in [
            (r#"{"exp":1,"exp":2}"#, "exp"),
            (r#"{"iss":"a","iss":"a"}"#, "iss"),
            (r#"{"video":{},"video":{}}"#, "video"),
            (r#"{"video":{"room":"a","room":"b"}}"#, "room"),
            (r#"{"video":{"hidden":true,"hidden":true}}"#, "hidden"),
            (r#"{"attributes":{"a":"1","a":"2"}}"#, "a"),
            (r#"{"attributes":{"a":"1"},"attributes":{}}"#, "attributes"),
            (r#"{"u":1,"u":2}"#, "u"),
            (r#"{"u":{"v":1,"v":2}}"#, "v"),
        ] {
            assert_eq!(fast(text), None, "{text}");
            assert_eq!(
                strict(text),
                Err(TokenError::DuplicateMember(duplicate.into()))
            );
        }
        for text in [
            "",
            "[]",
            "\u{feff}{}",
            "{",
            "{}x",
            "{} {}",
            r#"{"exp":01}"#,
            r#"{"exp":1,}"#,
            r#"{"exp":"1"}"#,
            r#"{"sub":1}"#,
            r#"{"sub":"a"]"#,
            r#"{"video":"admin"}"#,
            r#"{"video":{"roomAdmin":"true"}}"#,
            r#"{"video":{"roomAdmin":tru}}"#,
            r#"{"video":{"canPublishSources":[1]}}"#,
            r#"{"video":{"canPublishSources":["camera",]}}"#,
            r#"{"attributes":{"a":1}}"#,
            r#"{"kindDetails":"x"}"#,
            r#"{"sub":"unterminated}"#,
        ] {
            assert_eq!(fast(text), None, "{text}");
            assert!(strict(text).is_err(), "{text}");
        }
    }

    /// A JSON string: mostly plain, sometimes escaped, unicode, or not a string at all.
    fn string_value() -> impl Strategy<Value = String> {
        prop_oneof![
            30 => "[a-zA-Z0-9 _.-]{0,12}".prop_map(|s| format!("\"{s}\"")),
            8 => "[a-zé😀]{0,4}".prop_map(|s| format!("\"{s}\"")),
            1 => prop::sample::select(vec![
                r#""a\nb""#, r#""\"""#, r#""\u00e9""#, r#""\ud83d\ude00""#, r#""\ud800""#,
                r#""\/""#, "null", "1", "true", "[]", "{}", r#""x"#, "\"\u{1}\"",
            ])
            .prop_map(str::to_owned),
        ]
    }

    fn number_value() -> impl Strategy<Value = String> {
        prop_oneof![
            10 => any::<u64>().prop_map(|n| n.to_string()),
            20 => (0u64..2_000_000_000).prop_map(|n| n.to_string()),
            2 => prop::sample::select(vec![
                "0", "00", "01", "-0", "-1", "1.5", "1e3", "1E+3", "9999999999999999999",
                "10000000000000000000", "18446744073709551615", "18446744073709551616", "null", "\"1\"", "true", "-", "1.",
            ])
            .prop_map(str::to_owned),
        ]
    }

    fn bool_value() -> impl Strategy<Value = String> {
        prop_oneof![
            20 => any::<bool>().prop_map(|b| b.to_string()),
            1 => prop::sample::select(vec!["null", "1", "tru", "\"true\""]).prop_map(str::to_owned),
        ]
    }

    fn string_array() -> impl Strategy<Value = String> {
        prop_oneof![
            10 => prop::collection::vec(string_value(), 0..3).prop_map(|v| format!("[{}]", v.join(","))),
            1 => prop::sample::select(vec!["null", "[1]", "\"camera\"", "[\"a\",]"]).prop_map(str::to_owned),
        ]
    }

    /// Any JSON value, for unknown members (possibly with duplicate members inside).
    fn any_value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![string_value(), number_value(), bool_value()];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((prop::sample::select(vec!["a", "b", "c"]), inner), 0..3)
                    .prop_map(|v| {
                        let members: Vec<String> =
                            v.into_iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                        format!("{{{}}}", members.join(","))
                    }),
            ]
        })
    }

    fn video_value() -> impl Strategy<Value = String> {
        let member = prop_oneof![
            (
                prop::sample::select(vec![
                    "roomCreate",
                    "roomList",
                    "roomRecord",
                    "roomAdmin",
                    "roomJoin",
                    "canPublish",
                    "canSubscribe",
                    "canPublishData",
                    "canUpdateOwnMetadata",
                    "ingressAdmin",
                    "hidden",
                    "recorder",
                    "agent",
                    "canSubscribeMetrics",
                    "canManageAgentSession",
                ]),
                bool_value()
            ),
            (
                prop::sample::select(vec!["room", "destinationRoom"]),
                string_value()
            ),
            (Just("canPublishSources"), string_array()),
            (
                prop::sample::select(vec!["future", "r\\u006fom"]),
                any_value()
            ),
            (
                prop::sample::select(vec!["roomJoin", "canPublish", "hidden"]),
                bool_value()
            ),
            (Just("room"), string_value()),
        ]
        .prop_map(|(k, v)| format!("\"{k}\":{v}"));
        prop_oneof![
            20 => prop::collection::vec(member, 0..5).prop_map(|v| format!("{{{}}}", v.join(","))),
            1 => prop::sample::select(vec!["null", "\"admin\"", "[]"]).prop_map(str::to_owned),
        ]
    }

    fn attributes_value() -> impl Strategy<Value = String> {
        let member = (
            prop::sample::select(vec!["a", "b", "k", "é", "\\u0061"]),
            string_value(),
        )
            .prop_map(|(k, v)| format!("\"{k}\":{v}"));
        prop_oneof![
            20 => prop::collection::vec(member, 0..4).prop_map(|v| format!("{{{}}}", v.join(","))),
            1 => prop::sample::select(vec!["null", "[]", "\"a\""]).prop_map(str::to_owned),
        ]
    }

    fn member() -> impl Strategy<Value = String> {
        prop_oneof![
            12 => (prop::sample::select(vec![
                "iss", "sub", "name", "kind", "roomPreset", "metadata", "sha256", "\\u0069ss",
            ]), string_value()),
            8 => (prop::sample::select(vec!["nbf", "exp"]), number_value()),
            2 => (Just("kindDetails"), string_array()),
            6 => (Just("video"), video_value()),
            4 => (Just("attributes"), attributes_value()),
            1 => (prop::sample::select(vec!["sip", "agent", "roomConfig", "iat", "x"]), any_value()),
        ]
        .prop_map(|(k, v)| format!("\"{k}\":{v}"))
    }

    /// A claims text: members in any order (duplicates possible), now and then with
    /// whitespace, a wrong start or trailing bytes.
    fn claims_text() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(member(), 0..8),
            prop_oneof![20 => Just(","), 1 => Just(", "), 1 => Just(",\n")],
            prop_oneof![
                20 => Just(""),
                1 => prop::sample::select(vec![" ", "x", "}", "\u{feff}"]),
            ],
            prop_oneof![20 => Just(""), 1 => prop::sample::select(vec![" ", "x", "}", ","])],
        )
            .prop_map(|(members, sep, before, after)| {
                format!("{before}{{{}}}{after}", members.join(sep))
            })
    }

    /// The tokens of the other SDKs in the vectors (`tests/vectors/tokens_minted.json`) take
    /// the fast path.
    #[test]
    fn takes_the_claims_of_other_sdks() {
        use base64::Engine;
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/vectors/tokens_minted.json"
        );
        let file: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut taken = 0;
        for v in file["vectors"].as_array().unwrap() {
            let id = v["id"].as_str().unwrap();
            for (sdk, output) in v["outputs"].as_object().unwrap() {
                let Some(token) = output["token"].as_str() else {
                    continue;
                };
                let payload = token.split('.').nth(1).unwrap();
                let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(payload)
                    .unwrap();
                let text = String::from_utf8(json).unwrap();
                assert!(fast(&text).is_some(), "{id}/{sdk}: {text}");
                taken += 1;
            }
        }
        assert_eq!(taken, 16);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn agrees_with_the_strict_reader(text in claims_text()) {
            // `fast` asserts the agreement whenever the fast path accepts.
            let _ = fast(&text);
        }

        #[test]
        fn takes_what_the_encoder_writes(
            sub in "[a-zA-Z0-9 é😀_-]{0,16}",
            name in "[a-zA-Z0-9 é😀_-]{0,16}",
            room in "[a-z0-9-]{1,12}",
            attributes in prop::collection::btree_map("[a-z]{1,6}", "[a-zé ]{0,6}", 0..4),
            nbf in any::<u64>(),
            exp in any::<u64>(),
            can_publish in any::<Option<bool>>(),
        ) {
            let mut claims = Claims::new("APIkey", nbf, exp);
            claims.sub = sub;
            claims.name = name;
            claims.video = Some(VideoGrants { can_publish, ..VideoGrants::join(room) });
            claims.attributes = attributes;
            let mut json = Vec::new();
            let fields = crate::encode::Fields::of(&claims);
            crate::encode::claims(&mut json, &fields).unwrap();
            let text = String::from_utf8(json).unwrap();
            let (decoded, _) = fast(&text).expect("the fast path takes minted claims");
            prop_assert_eq!(decoded, claims);
        }
    }
}
