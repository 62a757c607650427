//! Writing minted claims as compact JSON straight into a byte buffer: the same bytes as
//! `serde_json::to_vec(&claims)` with the `serde` feature (checked by tests), without serde.

use crate::{Claims, TokenError, VideoGrants};

/// Appends `s` as a JSON string, escaped the way `serde_json` escapes.
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
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
    out.push(b'"');
}

/// Appends a decimal integer.
fn integer(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        // `n % 10` is below 10, so the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        let digit = (n % 10) as u8;
        digits[i] = b'0' + digit;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Writes the members of one object, with commas in between.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Vec<u8>) -> Object<'a> {
        out.push(b'{');
        Object { out, empty: true }
    }

    /// Writes `"name":` (the name needs no escaping).
    fn key(&mut self, name: &str) -> &mut Vec<u8> {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    fn str(&mut self, name: &str, value: &str) {
        if !value.is_empty() {
            string(self.key(name), value);
        }
    }

    fn flag(&mut self, name: &str, value: bool) {
        if value {
            self.key(name).extend_from_slice(b"true");
        }
    }

    fn tri(&mut self, name: &str, value: Option<bool>) {
        if let Some(v) = value {
            let text: &[u8] = if v { b"true" } else { b"false" };
            self.key(name).extend_from_slice(text);
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
            string(out, item);
        }
        out.push(b']');
    }

    fn end(self) {
        self.out.push(b'}');
    }
}

fn video(out: &mut Vec<u8>, g: &VideoGrants) {
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

/// Appends the claims as JSON, with `nbf` and `exp` given separately (so that a builder can
/// mint without copying its claims). Field order and escaping are those of the `Serialize`
/// impl with `serde_json`.
///
/// # Errors
///
/// Only the `roomConfig` claim can fail to encode.
pub(crate) fn claims(
    out: &mut Vec<u8>,
    c: &Claims,
    nbf: Option<u64>,
    exp: u64,
) -> Result<(), TokenError> {
    let mut o = Object::new(out);
    o.str("iss", &c.iss);
    o.str("sub", &c.sub);
    if let Some(nbf) = nbf {
        integer(o.key("nbf"), nbf);
    }
    integer(o.key("exp"), exp);
    o.str("name", &c.name);
    if let Some(kind) = &c.kind {
        string(o.key("kind"), kind.as_str());
    }
    o.list("kindDetails", c.kind_details.iter().map(|d| d.as_str()));
    if let Some(g) = &c.video {
        video(o.key("video"), g);
    }
    if let Some(g) = &c.sip {
        let mut s = Object::new(o.key("sip"));
        s.flag("admin", g.admin);
        s.flag("call", g.call);
        s.end();
    }
    if let Some(g) = &c.agent {
        let mut s = Object::new(o.key("agent"));
        s.flag("admin", g.admin);
        s.flag("simulationAdmin", g.simulation_admin);
        s.flag("databaseAdmin", g.database_admin);
        s.flag("dispatchAdmin", g.dispatch_admin);
        s.end();
    }
    if let Some(g) = &c.inference {
        let mut s = Object::new(o.key("inference"));
        s.flag("perform", g.perform);
        s.end();
    }
    if let Some(g) = &c.observability {
        let mut s = Object::new(o.key("observability"));
        s.flag("write", g.write);
        s.end();
    }
    #[cfg(feature = "room-config")]
    if let Some(config) = &c.room_config {
        serde_json::to_writer(&mut *o.key("roomConfig"), config)
            .map_err(|e| TokenError::Encoding(e.to_string()))?;
    }
    o.str("roomPreset", &c.room_preset);
    o.str("metadata", &c.metadata);
    if !c.attributes.is_empty() {
        let mut a = Object {
            out: o.key("attributes"),
            empty: true,
        };
        a.out.push(b'{');
        for (k, v) in &c.attributes {
            if !a.empty {
                a.out.push(b',');
            }
            a.empty = false;
            string(a.out, k);
            a.out.push(b':');
            string(a.out, v);
        }
        a.end();
    }
    o.str("sha256", &c.sha256);
    o.end();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        AgentGrants, InferenceGrants, KindDetail, ObservabilityGrants, ParticipantKind, SipGrants,
        TrackSource,
    };

    fn ours(c: &Claims) -> String {
        let mut out = Vec::new();
        claims(&mut out, c, c.nbf, c.exp).unwrap();
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
        for n in [0, 7, 10, 1_700_000_000, u64::MAX] {
            let mut out = Vec::new();
            integer(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
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
        c.video = Some(VideoGrants {
            room_create: true,
            room_list: true,
            room_record: true,
            room_admin: true,
            room_join: true,
            room: "r".into(),
            destination_room: "d".into(),
            can_publish: Some(false),
            can_subscribe: Some(true),
            can_publish_data: Some(false),
            can_publish_sources: vec![TrackSource::Camera, TrackSource::ScreenShareAudio],
            can_update_own_metadata: Some(true),
            ingress_admin: true,
            hidden: true,
            recorder: true,
            agent: true,
            can_subscribe_metrics: Some(false),
            can_manage_agent_session: Some(true),
        });
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
