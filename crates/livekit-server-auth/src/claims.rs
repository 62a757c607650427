//! [`Claims`]: the registered JWT claims LiveKit uses plus the LiveKit grants, with the JSON
//! names of Go's `auth.ClaimGrants`.

use std::collections::BTreeMap;
use std::fmt;

#[cfg(feature = "serde")]
use serde::{Deserialize, Deserializer, Serialize};

#[cfg(feature = "serde")]
use crate::grants::null_default;
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
/// With the `serde` feature, `Serialize` writes exactly what a minted token holds, and
/// `Deserialize` reads claims from any serde format; token verification does not use it but a
/// stricter parser of its own (duplicate members, nesting depth and lone surrogates are
/// refused there).
#[derive(Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase", default))]
#[non_exhaustive]
pub struct Claims {
    /// Issuer: the API key the token is signed with.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "String::is_empty",
            deserialize_with = "null_default"
        )
    )]
    pub iss: String,
    /// Subject: the participant identity; empty for server-to-server tokens.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "String::is_empty",
            deserialize_with = "null_default"
        )
    )]
    pub sub: String,
    /// Not before, in seconds since the Unix epoch.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "Option::is_none",
            deserialize_with = "numeric_date_opt"
        )
    )]
    pub nbf: Option<u64>,
    /// Expiry, in seconds since the Unix epoch (decoded values are saturated to `u64`, and
    /// non-integer ones rounded down).
    #[cfg_attr(feature = "serde", serde(deserialize_with = "numeric_date"))]
    pub exp: u64,
    /// Participant display name.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "String::is_empty",
            deserialize_with = "null_default"
        )
    )]
    pub name: String,
    /// Participant kind; absent means standard.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub kind: Option<ParticipantKind>,
    /// Participant kind details.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "Vec::is_empty",
            deserialize_with = "null_default"
        )
    )]
    pub kind_details: Vec<KindDetail>,
    /// Room and media grants.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub video: Option<VideoGrants>,
    /// SIP grants.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub sip: Option<SipGrants>,
    /// Cloud agent grants.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub agent: Option<AgentGrants>,
    /// Inference grants.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub inference: Option<InferenceGrants>,
    /// Observability grants.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub observability: Option<ObservabilityGrants>,
    /// Configuration of the room if this participant creates it (protojson).
    #[cfg(feature = "room-config")]
    #[cfg_attr(docsrs, doc(cfg(feature = "room-config")))]
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub room_config: Option<livekit_server_proto::RoomConfiguration>,
    /// LiveKit Cloud room preset name.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "String::is_empty",
            deserialize_with = "null_default"
        )
    )]
    pub room_preset: String,
    /// Participant metadata.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "String::is_empty",
            deserialize_with = "null_default"
        )
    )]
    pub metadata: String,
    /// Participant attributes.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "BTreeMap::is_empty",
            deserialize_with = "null_default"
        )
    )]
    pub attributes: BTreeMap<String, String>,
    /// Base64 SHA-256 of a request or webhook body the token vouches for.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "String::is_empty",
            deserialize_with = "null_default"
        )
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

/// A JSON number read as a NumericDate (RFC 7519 §2), kept exact where it can be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum NumericDate {
    /// A non-negative integer.
    Unsigned(u64),
    /// A negative integer.
    Signed(i64),
    /// A fraction, an exponent, or an integer too large for 64 bits.
    Float(f64),
}

const NANOS_PER_SEC: i128 = 1_000_000_000;

impl NumericDate {
    /// Nanoseconds since the epoch; saturates instead of overflowing.
    pub(crate) fn nanos(self) -> i128 {
        match self {
            NumericDate::Unsigned(s) => i128::from(s) * NANOS_PER_SEC,
            NumericDate::Signed(s) => i128::from(s) * NANOS_PER_SEC,
            // `as` saturates (and maps NaN to 0, which JSON cannot spell anyway).
            #[allow(clippy::cast_possible_truncation)]
            NumericDate::Float(s) => (s * 1e9) as i128,
        }
    }

    /// Whole seconds, rounded down and saturated to `0..=u64::MAX`.
    pub(crate) fn secs(self) -> u64 {
        match self {
            NumericDate::Unsigned(s) => s,
            NumericDate::Signed(_) => 0,
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            NumericDate::Float(s) => s.floor() as u64,
        }
    }
}

#[cfg(feature = "serde")]
impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = NumericDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a NumericDate (JSON number)")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<NumericDate, E> {
                Ok(NumericDate::Unsigned(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<NumericDate, E> {
                Ok(match u64::try_from(v) {
                    Ok(v) => NumericDate::Unsigned(v),
                    Err(_) => NumericDate::Signed(v),
                })
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<NumericDate, E> {
                Ok(NumericDate::Float(v))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(feature = "serde")]
fn numeric_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    Ok(Option::<NumericDate>::deserialize(deserializer)?.map_or(0, NumericDate::secs))
}

#[cfg(feature = "serde")]
fn numeric_date_opt<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(Option::<NumericDate>::deserialize(deserializer)?.map(NumericDate::secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "serde")]
    #[test]
    fn minimal_json_omits_unset() {
        let claims = Claims::new("key", 10, 20);
        assert_eq!(
            serde_json::to_string(&claims).unwrap(),
            r#"{"iss":"key","nbf":10,"exp":20}"#
        );
    }

    #[cfg(feature = "serde")]
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

    #[cfg(feature = "serde")]
    #[test]
    fn serde_numeric_dates() {
        let c: Claims = serde_json::from_str(r#"{"exp":1700000000.9,"nbf":-5}"#).unwrap();
        assert_eq!((c.exp, c.nbf), (1_700_000_000, Some(0)));
        let c: Claims = serde_json::from_str(r#"{"exp":1e300,"nbf":null,"video":null}"#).unwrap();
        assert_eq!((c.exp, c.nbf, c.video), (u64::MAX, None, None));
        assert!(serde_json::from_str::<Claims>(r#"{"exp":"1"}"#).is_err());
    }

    #[test]
    fn numeric_date_saturates() {
        assert_eq!(NumericDate::Float(1e300).nanos(), i128::MAX);
        assert_eq!(NumericDate::Float(-1e300).nanos(), i128::MIN);
        assert_eq!(NumericDate::Unsigned(u64::MAX).secs(), u64::MAX);
        assert_eq!(NumericDate::Float(1.5).nanos(), 1_500_000_000);
        assert_eq!(NumericDate::Signed(-1).nanos(), -1_000_000_000);
        assert_eq!(NumericDate::Float(-0.5).secs(), 0);
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
