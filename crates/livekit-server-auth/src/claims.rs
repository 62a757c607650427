//! [`Claims`]: the registered JWT claims LiveKit uses plus the LiveKit grants, with the JSON
//! names of Go's `auth.ClaimGrants`.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::grants::{names, null_default};
use crate::time::LATEST_DATE;
use crate::{
    AgentGrants, InferenceGrants, KindDetail, ObservabilityGrants, ParticipantKind, SipGrants,
    VideoGrants,
};

/// The claims of a LiveKit access token.
///
/// Registered claims: `iss` (the API key), `sub` (the participant identity), `nbf`, `exp`.
/// LiveKit claims: the grants and the participant's name, kind, metadata and attributes.
/// Empty strings, empty collections and `None` are left out of the JSON, and `null` decodes
/// as absent, as in Go.
///
/// Tokens are minted with [`AccessToken`](crate::AccessToken) (which fills in `iss`, `nbf`
/// and `exp`) or [`TokenSigner::sign`](crate::TokenSigner::sign), and checked with
/// [`TokenVerifier`](crate::TokenVerifier). `Debug` leaves out the personal data (`name`,
/// `metadata`, `attributes`, `sha256`), like Go's log marshaller.
///
/// `Serialize` writes exactly what a minted token holds (signing uses it), and `Deserialize`
/// reads claims from any serde format (verification uses it, after checks of its own: see
/// [`TokenVerifier`](crate::TokenVerifier)).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Claims {
    /// Issuer: the API key the token is signed with.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub iss: String,
    /// Subject: the participant identity; empty for server-to-server tokens.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub sub: String,
    /// Not before, in seconds since the Unix epoch.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "numeric_date_opt"
    )]
    pub nbf: Option<u64>,
    /// Expiry, in seconds since the Unix epoch (decoded values are rounded down, dates before
    /// the epoch read as 0, and dates after `i64::MAX - 62_135_596_800`, where Go's time
    /// arithmetic overflows, are refused).
    #[serde(deserialize_with = "numeric_date")]
    pub exp: u64,
    /// Participant display name.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub name: String,
    /// Participant kind; absent means standard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ParticipantKind>,
    /// Participant kind details.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "names")]
    pub kind_details: Vec<KindDetail>,
    /// Room and media grants.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub video: Option<VideoGrants>,
    /// SIP grants.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub sip: Option<SipGrants>,
    /// Cloud agent grants.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub agent: Option<AgentGrants>,
    /// Inference grants.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub inference: Option<InferenceGrants>,
    /// Observability grants.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub observability: Option<ObservabilityGrants>,
    /// Configuration of the room if this participant creates it (protojson).
    ///
    /// Boxed: a `RoomConfiguration` is about 1.3 KB, four times the rest of the claims, and
    /// inline it would be copied with every move of the claims (a token has one rarely).
    #[cfg(feature = "room-config")]
    #[cfg_attr(docsrs, doc(cfg(feature = "room-config")))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_config: Option<Box<livekit_server_proto::RoomConfiguration>>,
    /// LiveKit Cloud room preset name.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub room_preset: String,
    /// Participant metadata.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub metadata: String,
    /// Participant attributes.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "strings"
    )]
    pub attributes: BTreeMap<String, String>,
    /// Base64 SHA-256 of a request or webhook body the token vouches for.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub sha256: String,
}

impl Claims {
    /// Claims with only `iss`, `nbf` and `exp` set.
    pub fn new(iss: impl Into<String>, nbf: u64, exp: u64) -> Claims {
        Claims {
            iss: iss.into(),
            nbf: Some(nbf),
            exp,
            ..Claims::default()
        }
    }

    /// The participant identity (`sub`), if there is one.
    pub fn identity(&self) -> Option<&str> {
        (!self.sub.is_empty()).then_some(self.sub.as_str())
    }

    /// The participant kind; an absent `kind` is [`ParticipantKind::Standard`].
    pub fn participant_kind(&self) -> ParticipantKind {
        self.kind.clone().unwrap_or(ParticipantKind::Standard)
    }
}

/// Stands in for a value that `Debug` must not show.
struct Redacted(usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted, {} bytes>", self.0)
    }
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Claims");
        d.field("iss", &self.iss)
            .field("sub", &self.sub)
            .field("nbf", &self.nbf)
            .field("exp", &self.exp)
            .field("name", &Redacted(self.name.len()))
            .field("kind", &self.kind)
            .field("kind_details", &self.kind_details)
            .field("video", &self.video)
            .field("sip", &self.sip)
            .field("agent", &self.agent)
            .field("inference", &self.inference)
            .field("observability", &self.observability);
        #[cfg(feature = "room-config")]
        d.field(
            "room_config",
            &self.room_config.as_ref().map(|_| Redacted(0)),
        );
        d.field("room_preset", &self.room_preset)
            .field("metadata", &Redacted(self.metadata.len()))
            .field(
                "attributes",
                &format_args!("<{} redacted>", self.attributes.len()),
            )
            .field("sha256", &Redacted(self.sha256.len()))
            .finish()
    }
}

/// A NumericDate (RFC 7519 §2) in whole seconds, rounded down (golang-jwt truncates to the
/// second too). Dates after [`LATEST_DATE`] (where the server's time arithmetic overflows)
/// or before an `i64` of seconds are refused, never saturated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seconds(pub(crate) i64);

/// Why a NumericDate is refused.
pub(crate) const DATE_RANGE: &str = "a NumericDate out of range";

impl Seconds {
    /// As `Claims` holds it: seconds since the epoch, 0 for dates before it.
    pub(crate) fn unsigned(self) -> u64 {
        u64::try_from(self.0).unwrap_or(0)
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a NumericDate (JSON number)")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Seconds, E> {
                (v <= LATEST_DATE)
                    .then_some(Seconds(v))
                    .ok_or_else(|| E::custom(DATE_RANGE))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Seconds, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Seconds, E> {
                // 2^63 is exact as an f64; NaN fails both comparisons.
                const LIMIT: f64 = 9_223_372_036_854_775_808.0;
                if (-LIMIT..LIMIT).contains(&v) {
                    // In range, so `as` neither saturates nor wraps.
                    #[allow(clippy::cast_possible_truncation)]
                    self.visit_i64(v.floor() as i64)
                } else {
                    Err(E::custom(DATE_RANGE))
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A grant object, `null` as absent. Only a JSON object: a derive also builds a struct from an
/// array, by position, which Go's `encoding/json` refuses.
fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    struct Object<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for Object<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<T>, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map)).map(Some)
        }
    }
    d.deserialize_any(Object(PhantomData))
}

/// A map of strings, `null` as empty; a `null` value reads as `""`, as in Go. One pass: a
/// map of options converted afterwards would build the tree twice.
fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    struct Strings;
    impl<'de> Visitor<'de> for Strings {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object of strings")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, Option<String>>()? {
                out.insert(k, v.unwrap_or_default());
            }
            Ok(out)
        }
    }
    d.deserialize_any(Strings)
}

fn numeric_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    Ok(Option::<Seconds>::deserialize(deserializer)?.map_or(0, Seconds::unsigned))
}

fn numeric_date_opt<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(Option::<Seconds>::deserialize(deserializer)?.map(Seconds::unsigned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_json_omits_unset() {
        let claims = Claims::new("key", 10, 20);
        assert_eq!(
            serde_json::to_string(&claims).unwrap(),
            r#"{"iss":"key","nbf":10,"exp":20}"#
        );
    }

    #[test]
    fn full_json_uses_livekit_names() {
        let mut claims = Claims::new("key", 1, 2);
        claims.sub = "id".into();
        claims.name = "n".into();
        claims.kind = Some(ParticipantKind::Agent);
        claims.kind_details = vec![KindDetail::CloudAgent];
        claims.video = Some(VideoGrants::join("r"));
        claims.sip = Some(SipGrants {
            call: true,
            ..Default::default()
        });
        claims.agent = Some(AgentGrants {
            admin: true,
            ..Default::default()
        });
        claims.inference = Some(InferenceGrants { perform: true });
        claims.observability = Some(ObservabilityGrants { write: true });
        claims.room_preset = "p".into();
        claims.metadata = "m".into();
        claims.attributes.insert("k".into(), "v".into());
        claims.sha256 = "h".into();
        let json = serde_json::to_string(&claims).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"iss":"key","sub":"id","nbf":1,"exp":2,"name":"n","kind":"agent","#,
                r#""kindDetails":["cloud_agent"],"video":{"roomJoin":true,"room":"r"},"#,
                r#""sip":{"call":true},"agent":{"admin":true},"inference":{"perform":true},"#,
                r#""observability":{"write":true},"roomPreset":"p","metadata":"m","#,
                r#""attributes":{"k":"v"},"sha256":"h"}"#
            )
        );
        let back: Claims = serde_json::from_str(&json).unwrap();
        assert_eq!(back, claims);
    }

    #[test]
    fn serde_numeric_dates() {
        let c: Claims = serde_json::from_str(r#"{"exp":1700000000.9,"nbf":-5}"#).unwrap();
        assert_eq!((c.exp, c.nbf), (1_700_000_000, Some(0)));
        let c: Claims = serde_json::from_str(r#"{"exp":null,"nbf":null,"video":null}"#).unwrap();
        assert_eq!((c.exp, c.nbf, c.video), (0, None, None));
        let c: Claims = serde_json::from_str(r#"{"exp":9223371974719179007}"#).unwrap();
        assert_eq!(c.exp, LATEST_DATE.unsigned_abs());
        for refused in [
            r#"{"exp":"1"}"#,
            r#"{"exp":1e300}"#,
            r#"{"exp":9223371974719179008}"#,
            r#"{"nbf":9223372036854775807}"#,
            r#"{"exp":9223372036854775808}"#,
            r#"{"nbf":-9.3e18}"#,
        ] {
            assert!(
                serde_json::from_str::<Claims>(refused).is_err(),
                "{refused}"
            );
        }
    }

    #[test]
    fn serde_reads_grants_only_from_objects() {
        // A derive alone would read these arrays by position, as `roomCreate`, `roomList`, ….
        for json in [
            r#"{"video":[true,true,true,true,true,"my-room"]}"#,
            r#"{"video":[]}"#,
            r#"{"sip":[true,true]}"#,
            r#"{"agent":[true]}"#,
            r#"{"inference":[true]}"#,
            r#"{"observability":[true]}"#,
        ] {
            assert!(serde_json::from_str::<Claims>(json).is_err(), "{json}");
        }
        let c: Claims = serde_json::from_str(r#"{"sip":{"call":true},"agent":null}"#).unwrap();
        assert_eq!((c.sip.map(|s| s.call), c.agent), (Some(true), None));
    }

    #[test]
    fn serde_null_strings_read_as_empty() {
        let c: Claims = serde_json::from_str(
            r#"{"attributes":{"role":"admin","team":null},"kindDetails":["simulation",null]}"#,
        )
        .unwrap();
        assert_eq!(c.attributes["role"], "admin");
        assert_eq!(c.attributes["team"], "");
        assert_eq!(
            c.kind_details,
            [KindDetail::Simulation, KindDetail::Unknown(String::new())]
        );
        // Written back as Go writes it.
        assert!(serde_json::to_string(&c).unwrap().contains(r#""team":"""#));
        assert!(serde_json::from_str::<Claims>(r#"{"attributes":{"a":false}}"#).is_err());
    }

    #[test]
    fn seconds_round_down() {
        let secs = |json| serde_json::from_str::<Seconds>(json).map(|s| s.0).ok();
        assert_eq!(secs("-0.5"), Some(-1));
        assert_eq!(secs("1.999"), Some(1));
        assert_eq!(secs("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(secs("9.3e18"), None);
        assert_eq!(Seconds(-1).unsigned(), 0);
    }

    #[test]
    fn debug_redacts_personal_data() {
        let mut c = Claims::new("key", 1, 2);
        c.sub = "alice".into();
        c.name = "Alice Liddell".into();
        c.metadata = "{\"email\":\"alice@example.com\"}".into();
        c.attributes.insert("phone".into(), "+15550100".into());
        c.sha256 = "digestdigest".into();
        let text = format!("{c:?}");
        for hidden in [
            "Alice Liddell",
            "alice@example.com",
            "phone",
            "+15550100",
            "digestdigest",
        ] {
            assert!(!text.contains(hidden), "{hidden} leaked: {text}");
        }
        assert!(
            text.contains("alice"),
            "identity is logged, like Go: {text}"
        );
    }
}
