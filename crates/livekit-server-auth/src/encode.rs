//! Writing minted claims as compact JSON straight into a byte buffer: the same bytes as
//! `serde_json::to_vec(&claims)` with the `serde` feature (checked by tests), without serde.
//!
//! The writer reads a [`Fields`] view (borrowed values), so that [`Claims`] and the fields
//! of an [`AccessToken`](crate::AccessToken) builder are written by the same code without
//! being copied into each other.

use std::collections::BTreeMap;

use crate::grants::FlagGrants;
use crate::json::find_special;
use crate::{
    AgentGrants, Claims, InferenceGrants, KindDetail, ObservabilityGrants, ParticipantKind,
    SipGrants, TokenError, VideoGrants,
};

/// The attributes to write, in key order and without duplicate keys.
#[derive(Clone, Copy)]
pub(crate) enum Attributes<'a> {
    /// The map of a [`Claims`].
    Map(&'a BTreeMap<String, String>),
    /// Pairs sorted by key, each key once (the builder's storage).
    Sorted(&'a [(String, String)]),
}

/// Borrowed values of every claim, as written into a token.
#[derive(Clone, Copy)]
pub(crate) struct Fields<'a> {
    pub(crate) iss: &'a str,
    pub(crate) sub: &'a str,
    pub(crate) nbf: Option<u64>,
    pub(crate) exp: u64,
    pub(crate) name: &'a str,
    pub(crate) kind: Option<&'a ParticipantKind>,
    pub(crate) kind_details: &'a [KindDetail],
    pub(crate) video: Option<&'a VideoGrants>,
    pub(crate) sip: Option<&'a SipGrants>,
    pub(crate) agent: Option<&'a AgentGrants>,
    pub(crate) inference: Option<&'a InferenceGrants>,
    pub(crate) observability: Option<&'a ObservabilityGrants>,
    #[cfg(feature = "room-config")]
    pub(crate) room_config: Option<&'a livekit_server_proto::RoomConfiguration>,
    pub(crate) room_preset: &'a str,
    pub(crate) metadata: &'a str,
    pub(crate) attributes: Attributes<'a>,
    pub(crate) sha256: &'a str,
}

impl<'a> Fields<'a> {
    /// The fields of `claims`.
    pub(crate) fn of(claims: &'a Claims) -> Fields<'a> {
        Fields {
            iss: &claims.iss,
            sub: &claims.sub,
            nbf: claims.nbf,
            exp: claims.exp,
            name: &claims.name,
            kind: claims.kind.as_ref(),
            kind_details: &claims.kind_details,
            video: claims.video.as_ref(),
            sip: claims.sip.as_ref(),
            agent: claims.agent.as_ref(),
            inference: claims.inference.as_ref(),
            observability: claims.observability.as_ref(),
            #[cfg(feature = "room-config")]
            room_config: claims.room_config.as_ref(),
            room_preset: &claims.room_preset,
            metadata: &claims.metadata,
            attributes: Attributes::Map(&claims.attributes),
            sha256: &claims.sha256,
        }
    }

    /// The length of the JSON text if no string needs an escape (a text with escapes is
    /// longer). A `roomConfig` is serialized to be counted.
    ///
    /// # Errors
    ///
    /// As [`claims`].
    #[inline]
    pub(crate) fn json_len(&self) -> Result<usize, TokenError> {
        let mut len = Length(0);
        claims(&mut len, self)?;
        Ok(len.0)
    }
}

/// Where the JSON text goes: a buffer, or a count of its bytes.
pub(crate) trait Sink {
    fn push(&mut self, byte: u8);
    fn put(&mut self, bytes: &[u8]);
    /// `s` as a JSON string.
    fn string(&mut self, s: &str);
    /// A decimal integer.
    fn integer(&mut self, n: u64);
    /// The `roomConfig` claim as protojson.
    #[cfg(feature = "room-config")]
    fn room_config(
        &mut self,
        config: &livekit_server_proto::RoomConfiguration,
    ) -> Result<(), TokenError>;
}

impl Sink for Vec<u8> {
    #[inline]
    fn push(&mut self, byte: u8) {
        Vec::push(self, byte);
    }

    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    #[inline]
    fn string(&mut self, s: &str) {
        string(self, s);
    }

    #[inline]
    fn integer(&mut self, n: u64) {
        integer(self, n);
    }

    #[cfg(feature = "room-config")]
    fn room_config(
        &mut self,
        config: &livekit_server_proto::RoomConfiguration,
    ) -> Result<(), TokenError> {
        serde_json::to_writer(self, config).map_err(|e| TokenError::Encoding(e.to_string()))
    }
}

/// Counts the bytes of a JSON text whose strings need no escapes.
pub(crate) struct Length(pub(crate) usize);

impl Sink for Length {
    #[inline]
    fn push(&mut self, _: u8) {
        self.0 += 1;
    }

    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }

    #[inline]
    fn string(&mut self, s: &str) {
        self.0 += s.len() + 2;
    }

    #[inline]
    fn integer(&mut self, n: u64) {
        self.0 += n.checked_ilog10().unwrap_or(0) as usize + 1;
    }

    #[cfg(feature = "room-config")]
    fn room_config(
        &mut self,
        config: &livekit_server_proto::RoomConfiguration,
    ) -> Result<(), TokenError> {
        let mut count = Count(0);
        serde_json::to_writer(&mut count, config)
            .map_err(|e| TokenError::Encoding(e.to_string()))?;
        self.0 += count.0;
        Ok(())
    }
}

/// An `io::Write` that only counts.
#[cfg(feature = "room-config")]
struct Count(usize);

#[cfg(feature = "room-config")]
impl std::io::Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Appends `s` as a JSON string, escaped the way `serde_json` escapes.
#[inline]
fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.push(b'"');
    let special = find_special(bytes, 0);
    if special == bytes.len() {
        out.extend_from_slice(bytes);
    } else {
        escaped(out, bytes, special);
    }
    out.push(b'"');
}

/// Appends the rest of a string whose first byte to escape is at `first`.
#[cold]
fn escaped(out: &mut Vec<u8>, bytes: &[u8], first: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(&bytes[..first]);
    let mut run = first;
    for (i, &b) in bytes.iter().enumerate().skip(first) {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[run..i]);
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        run = i + 1;
    }
    out.extend_from_slice(&bytes[run..]);
}

/// The two digits of every number below 100.
static PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        // `i < 100`, so the casts are exact.
        #[allow(clippy::cast_possible_truncation)]
        {
            t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        }
        i += 1;
    }
    t
};

/// Writes the last `digits.len()` (even) decimal digits of `n` into `digits`; returns the
/// rest of `n`.
#[inline]
fn pairs(digits: &mut [u8], mut n: u64) -> u64 {
    for pair in digits.rchunks_exact_mut(2) {
        // `n % 100` is below 100, so the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        pair.copy_from_slice(&PAIRS[(n % 100) as usize]);
        n /= 100;
    }
    n
}

/// Appends a decimal integer.
#[inline]
fn integer(out: &mut Vec<u8>, n: u64) {
    // Ten digits: every date from 2001 to 2286 (a copy of known length, not a `memcpy` call).
    if (1_000_000_000..10_000_000_000).contains(&n) {
        let mut digits = [0u8; 10];
        pairs(&mut digits, n);
        out.extend_from_slice(&digits);
    } else {
        integer_any(out, n);
    }
}

fn integer_any(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let rest = pairs(&mut digits, n);
    debug_assert_eq!(rest, 0, "u64 has at most 20 digits");
    let first = digits.iter().position(|&d| d != b'0').unwrap_or(19);
    out.extend_from_slice(&digits[first..]);
}

/// Writes the members of one object, with commas in between.
struct Object<'a, S: Sink> {
    out: &'a mut S,
    empty: bool,
}

impl<'a, S: Sink> Object<'a, S> {
    #[inline]
    fn new(out: &'a mut S) -> Object<'a, S> {
        out.push(b'{');
        Object { out, empty: true }
    }

    /// Writes `"name":` (the name needs no escaping).
    #[inline]
    fn key(&mut self, name: &str) -> &mut S {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        self.out.push(b'"');
        self.out.put(name.as_bytes());
        self.out.put(b"\":");
        self.out
    }

    #[inline]
    fn str(&mut self, name: &str, value: &str) {
        if !value.is_empty() {
            self.key(name).string(value);
        }
    }

    #[inline]
    fn flag(&mut self, name: &str, value: bool) {
        if value {
            self.key(name).put(b"true");
        }
    }

    #[inline]
    fn tri(&mut self, name: &str, value: Option<bool>) {
        if let Some(v) = value {
            let text: &[u8] = if v { b"true" } else { b"false" };
            self.key(name).put(text);
        }
    }

    fn list<'s>(&mut self, name: &str, items: impl ExactSizeIterator<Item = &'s str>) {
        if items.len() == 0 {
            return;
        }
        let out = self.key(name);
        out.push(b'[');
        for (i, item) in items.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.string(item);
        }
        out.push(b']');
    }

    #[inline]
    fn end(self) {
        self.out.push(b'}');
    }
}

#[inline]
fn video<S: Sink>(out: &mut S, g: &VideoGrants) {
    let mut o = Object::new(out);
    o.flag("roomCreate", g.room_create);
    o.flag("roomList", g.room_list);
    o.flag("roomRecord", g.room_record);
    o.flag("roomAdmin", g.room_admin);
    o.flag("roomJoin", g.room_join);
    o.str("room", &g.room);
    o.str("destinationRoom", &g.destination_room);
    o.tri("canPublish", g.can_publish);
    o.tri("canSubscribe", g.can_subscribe);
    o.tri("canPublishData", g.can_publish_data);
    o.list(
        "canPublishSources",
        g.can_publish_sources.iter().map(|s| s.as_str()),
    );
    o.tri("canUpdateOwnMetadata", g.can_update_own_metadata);
    o.flag("ingressAdmin", g.ingress_admin);
    o.flag("hidden", g.hidden);
    o.flag("recorder", g.recorder);
    o.flag("agent", g.agent);
    o.tri("canSubscribeMetrics", g.can_subscribe_metrics);
    o.tri("canManageAgentSession", g.can_manage_agent_session);
    o.end();
}

/// The first bytes of the JSON text of every claims set whose `iss` is `iss`.
pub(crate) fn iss_prefix(iss: &str) -> Vec<u8> {
    let mut out = Vec::new();
    Object::new(&mut out).str("iss", iss);
    out
}

/// Appends the claims as JSON. Field order and escaping are those of the `Serialize` impl
/// of [`Claims`] with `serde_json`.
///
/// # Errors
///
/// Only the `roomConfig` claim can fail to encode.
#[inline]
pub(crate) fn claims<S: Sink>(out: &mut S, c: &Fields<'_>) -> Result<(), TokenError> {
    let mut o = Object::new(out);
    o.str("iss", c.iss);
    o.str("sub", c.sub);
    if let Some(nbf) = c.nbf {
        o.key("nbf").integer(nbf);
    }
    o.key("exp").integer(c.exp);
    o.str("name", c.name);
    if let Some(kind) = c.kind {
        o.key("kind").string(kind.as_str());
    }
    o.list("kindDetails", c.kind_details.iter().map(|d| d.as_str()));
    if let Some(g) = c.video {
        video(o.key("video"), g);
    }
    flags(&mut o, c.sip);
    flags(&mut o, c.agent);
    flags(&mut o, c.inference);
    flags(&mut o, c.observability);
    #[cfg(feature = "room-config")]
    if let Some(config) = c.room_config {
        o.key("roomConfig").room_config(config)?;
    }
    o.str("roomPreset", c.room_preset);
    o.str("metadata", c.metadata);
    match c.attributes {
        Attributes::Map(m) => attributes(&mut o, m.iter()),
        Attributes::Sorted(s) => attributes(&mut o, s.iter().map(|(k, v)| (k, v))),
    }
    o.str("sha256", c.sha256);
    o.end();
    Ok(())
}

/// Writes a grant object of flags (its `true` ones) if there is one.
#[inline]
fn flags<S: Sink, G: FlagGrants>(o: &mut Object<'_, S>, grants: Option<&G>) {
    if let Some(g) = grants {
        let mut s = Object::new(o.key(G::CLAIM));
        for flag in G::FLAGS {
            s.flag(flag.json, (flag.get)(g));
        }
        s.end();
    }
}

/// Writes the `attributes` member if there are any.
#[inline]
fn attributes<'s, S: Sink>(
    o: &mut Object<'_, S>,
    mut pairs: impl Iterator<Item = (&'s String, &'s String)>,
) {
    let Some((k, v)) = pairs.next() else {
        return;
    };
    let out = o.key("attributes");
    out.push(b'{');
    out.string(k);
    out.push(b':');
    out.string(v);
    for (k, v) in pairs {
        out.push(b',');
        out.string(k);
        out.push(b':');
        out.string(v);
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::every_video_grant;

    fn ours(c: &Claims) -> String {
        let mut out = Vec::new();
        claims(&mut out, &Fields::of(c)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escaping_matches_serde_json() {
        let all: String = (0u32..0x80).filter_map(char::from_u32).collect();
        for s in [
            "",
            "plain",
            "\"\\/",
            "é😀\u{7f}\u{2028}",
            "</script>",
            all.as_str(),
        ] {
            let mut out = Vec::new();
            string(&mut out, s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    #[test]
    fn integers() {
        let edges = (0..20).flat_map(|p| {
            let p = 10u64.pow(p);
            [p - 1, p, p + 1, p.saturating_mul(3).saturating_add(7)]
        });
        for n in [0, 7, 10, 99, 100, 1_700_000_000, u64::MAX - 1, u64::MAX]
            .into_iter()
            .chain(edges)
        {
            let mut out = Vec::new();
            integer(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
            let mut len = Length(0);
            len.integer(n);
            assert_eq!(len.0, out.len(), "{n}");
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn matches_serialize_impl() {
        let mut c = Claims::new("key", 1, 2);
        assert_eq!(ours(&c), serde_json::to_string(&c).unwrap());
        c.nbf = None;
        assert_eq!(ours(&c), serde_json::to_string(&c).unwrap());
        c.sub = "a\"b".into();
        c.name = "n\n".into();
        c.kind = Some(ParticipantKind::Unknown("x".into()));
        c.kind_details = vec![KindDetail::Forwarded, KindDetail::Simulation];
        c.video = Some(every_video_grant());
        c.sip = Some(SipGrants {
            admin: true,
            call: true,
        });
        c.agent = Some(AgentGrants {
            admin: true,
            simulation_admin: true,
            database_admin: true,
            dispatch_admin: true,
        });
        c.inference = Some(InferenceGrants { perform: false });
        c.observability = Some(ObservabilityGrants { write: true });
        c.room_preset = "p".into();
        c.metadata = "{\"m\":1}".into();
        c.attributes.insert("k\u{1}".into(), "v".into());
        c.attributes.insert("a".into(), String::new());
        c.sha256 = "s".into();
        assert_eq!(ours(&c), serde_json::to_string(&c).unwrap());
    }
}
