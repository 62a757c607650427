//! The grant objects of a LiveKit token (`video`, `sip`, `agent`, `inference`,
//! `observability`) and the named values they use (track sources, participant kinds).
//!
//! JSON names and defaults follow Go's `livekit/protocol` `auth/grants.go`: every field is
//! left out when unset, the tri-state permissions are `Option<bool>`, and unknown fields are
//! ignored when decoding.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `video`: room and media permissions.
///
/// Construct with struct update syntax; new fields may be added as the protocol grows, so
/// always end with `..Default::default()`:
///
/// ```
/// use livekit_server_auth::VideoGrants;
///
/// let grants = VideoGrants { room_join: true, room: "my-room".into(), ..Default::default() };
/// assert!(grants.can_publish()); // unset means allowed, as on the server
/// assert!(grants.can_publish_data()); // unset inherits can_publish
/// assert!(!grants.can_update_own_metadata()); // unset means denied
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VideoGrants {
    /// May create and delete rooms (`roomCreate`).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub room_create: bool,
    /// May list rooms (`roomList`).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub room_list: bool,
    /// May start egress (recording and streaming) (`roomRecord`).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub room_record: bool,
    /// May administer [`room`](Self::room): participants, tracks, metadata (`roomAdmin`).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub room_admin: bool,
    /// May join [`room`](Self::room) (`roomJoin`); needs an identity.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub room_join: bool,
    /// The room the room-level permissions apply to (`room`).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub room: String,
    /// The room a participant may be forwarded or moved to (`destinationRoom`).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub destination_room: String,
    /// May publish tracks (`canPublish`); unset means allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_publish: Option<bool>,
    /// May subscribe to tracks (`canSubscribe`); unset means allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_subscribe: Option<bool>,
    /// May publish data messages (`canPublishData`); unset inherits `canPublish`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_publish_data: Option<bool>,
    /// The only sources that may be published (`canPublishSources`); empty means all.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "names")]
    pub can_publish_sources: Vec<TrackSource>,
    /// May update its own name, metadata and attributes (`canUpdateOwnMetadata`); unset
    /// means denied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_update_own_metadata: Option<bool>,
    /// May administer ingress (`ingressAdmin`).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub ingress_admin: bool,
    /// Invisible to other participants (`hidden`).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub hidden: bool,
    /// Marks the participant as a recorder (`recorder`).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub recorder: bool,
    /// May register as an agent worker (`agent`).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "null_default")]
    pub agent: bool,
    /// May subscribe to metrics (`canSubscribeMetrics`); unset means denied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_subscribe_metrics: Option<bool>,
    /// May manage agent sessions (`canManageAgentSession`); unset means denied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_manage_agent_session: Option<bool>,
}

impl VideoGrants {
    /// The grant to join `room` with the default media permissions.
    pub fn join(room: impl Into<String>) -> VideoGrants {
        VideoGrants {
            room_join: true,
            room: room.into(),
            ..Default::default()
        }
    }

    /// Effective `canPublish`: unset means `true`.
    pub fn can_publish(&self) -> bool {
        self.can_publish.unwrap_or(true)
    }

    /// Effective `canSubscribe`: unset means `true`.
    pub fn can_subscribe(&self) -> bool {
        self.can_subscribe.unwrap_or(true)
    }

    /// Effective `canPublishData`: unset inherits [`can_publish`](Self::can_publish()).
    pub fn can_publish_data(&self) -> bool {
        self.can_publish_data.unwrap_or_else(|| self.can_publish())
    }

    /// Effective `canUpdateOwnMetadata`: unset means `false`.
    pub fn can_update_own_metadata(&self) -> bool {
        self.can_update_own_metadata.unwrap_or(false)
    }

    /// Effective `canSubscribeMetrics`: unset means `false`.
    pub fn can_subscribe_metrics(&self) -> bool {
        self.can_subscribe_metrics.unwrap_or(false)
    }

    /// Effective `canManageAgentSession`: unset means `false`.
    pub fn can_manage_agent_session(&self) -> bool {
        self.can_manage_agent_session.unwrap_or(false)
    }

    /// Whether `source` may be published: publishing must be allowed, and a non-empty
    /// `canPublishSources` must list it (unknown names never match a known source).
    pub fn can_publish_source(&self, source: &TrackSource) -> bool {
        self.can_publish()
            && (self.can_publish_sources.is_empty() || self.can_publish_sources.contains(source))
    }
}

/// Declares a grant object whose members are all boolean flags, each written only when `true`
/// and read as `false` when absent or `null` (`sip`, `agent`, `inference`, `observability`),
/// from a table of `field = "jsonName"` flags.
macro_rules! flag_grants {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$fmeta:meta])* $field:ident = $json:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(default)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(rename = $json, skip_serializing_if = "is_false", deserialize_with = "null_default")]
                pub $field: bool,
            )+
        }
    };
}

flag_grants! {
    /// `sip`: telephony permissions.
    SipGrants {
        /// May manage SIP trunks and dispatch rules (`admin`).
        admin = "admin",
        /// May place outbound calls (`call`).
        call = "call",
    }
}

flag_grants! {
    /// `agent`: LiveKit Cloud agent permissions.
    AgentGrants {
        /// May create, deploy and delete cloud agents (`admin`).
        admin = "admin",
        /// May run agent simulations (`simulationAdmin`).
        simulation_admin = "simulationAdmin",
        /// May manage agent databases (`databaseAdmin`).
        database_admin = "databaseAdmin",
        /// May manage the agent dispatch queue (`dispatchAdmin`).
        dispatch_admin = "dispatchAdmin",
    }
}

flag_grants! {
    /// `inference`: LiveKit Cloud inference permissions.
    InferenceGrants {
        /// May use LLM, STT and TTS inference (`perform`).
        perform = "perform",
    }
}

flag_grants! {
    /// `observability`: LiveKit Cloud observability permissions.
    ObservabilityGrants {
        /// May publish observability data (`write`).
        write = "write",
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_false(value: &bool) -> bool {
    !*value
}

/// `null` decodes as the default value, as Go's `encoding/json` leaves the field untouched.
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A list of names, `null` as empty; a `null` name reads as `""`, as Go's `encoding/json`
/// reads `null` into a string (and keeps it).
pub(crate) fn names<'de, D: Deserializer<'de>, T>(d: D) -> Result<Vec<T>, D::Error>
where
    T: Deserialize<'de> + for<'a> From<&'a str>,
{
    let names: Vec<Option<T>> = null_default(d)?;
    Ok(names
        .into_iter()
        .map(|n| n.unwrap_or_else(|| T::from("")))
        .collect())
}

/// Declares an enum of lower-case wire names that keeps unknown names.
macro_rules! wire_names {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )+ }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A name this version does not know, kept as written so that it round-trips.
            Unknown(String),
        }

        impl $name {
            /// Every known value.
            pub const KNOWN: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The value for a wire name; known names match case-insensitively (like Go),
            /// others are kept in [`Unknown`](Self::Unknown).
            pub fn from_name(name: &str) -> $name {
                $( if name.eq_ignore_ascii_case($wire) { return $name::$variant; } )+
                $name::Unknown(name.to_owned())
            }

            /// The wire name (lower case for known values).
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(name) => name,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(name: &str) -> $name {
                $name::from_name(name)
            }
        }

                impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

                impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " name"))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from_name(v))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

wire_names! {
    /// A track source, as listed in `canPublishSources` (`livekit.TrackSource`, lower case).
    TrackSource {
        /// `camera`
        Camera => "camera",
        /// `microphone`
        Microphone => "microphone",
        /// `screen_share`
        ScreenShare => "screen_share",
        /// `screen_share_audio`
        ScreenShareAudio => "screen_share_audio",
    }
}

wire_names! {
    /// The `kind` claim: what sort of participant the token is for
    /// (`livekit.ParticipantInfo.Kind`, lower case). Absent means `standard`.
    ParticipantKind {
        /// `standard`: a regular participant.
        Standard => "standard",
        /// `ingress`
        Ingress => "ingress",
        /// `egress`
        Egress => "egress",
        /// `sip`
        Sip => "sip",
        /// `agent`
        Agent => "agent",
        /// `connector`
        Connector => "connector",
        /// `bridge`
        Bridge => "bridge",
    }
}

wire_names! {
    /// An entry of the `kindDetails` claim (`livekit.ParticipantInfo.KindDetail`, lower case).
    KindDetail {
        /// `cloud_agent`
        CloudAgent => "cloud_agent",
        /// `forwarded`
        Forwarded => "forwarded",
        /// `connector_whatsapp`
        ConnectorWhatsapp => "connector_whatsapp",
        /// `connector_twilio`
        ConnectorTwilio => "connector_twilio",
        /// `bridge_rtsp`
        BridgeRtsp => "bridge_rtsp",
        /// `simulation`
        Simulation => "simulation",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_go() {
        let g = VideoGrants::default();
        assert!(g.can_publish() && g.can_subscribe() && g.can_publish_data());
        assert!(!g.can_update_own_metadata());
        assert!(!g.can_subscribe_metrics());
        assert!(!g.can_manage_agent_session());

        let no_publish = VideoGrants {
            can_publish: Some(false),
            ..Default::default()
        };
        assert!(
            !no_publish.can_publish_data(),
            "unset canPublishData inherits canPublish"
        );
        let data_only = VideoGrants {
            can_publish: Some(false),
            can_publish_data: Some(true),
            ..Default::default()
        };
        assert!(data_only.can_publish_data());
    }

    #[test]
    fn publish_sources() {
        let g = VideoGrants {
            can_publish_sources: vec![TrackSource::Camera, TrackSource::Unknown("x".into())],
            ..Default::default()
        };
        assert!(g.can_publish_source(&TrackSource::Camera));
        assert!(!g.can_publish_source(&TrackSource::Microphone));
        assert!(VideoGrants::default().can_publish_source(&TrackSource::Microphone));
        let denied = VideoGrants {
            can_publish: Some(false),
            ..g
        };
        assert!(!denied.can_publish_source(&TrackSource::Camera));
    }

    #[test]
    fn minimal_json() {
        assert_eq!(
            serde_json::to_string(&VideoGrants::default()).unwrap(),
            "{}"
        );
        assert_eq!(serde_json::to_string(&SipGrants::default()).unwrap(), "{}");
        let g = VideoGrants {
            can_publish: Some(false),
            ..VideoGrants::join("r")
        };
        assert_eq!(
            serde_json::to_string(&g).unwrap(),
            r#"{"roomJoin":true,"room":"r","canPublish":false}"#
        );
        let a = AgentGrants {
            simulation_admin: true,
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"simulationAdmin":true}"#
        );
    }

    #[test]
    fn serde_decoding_is_lenient_where_go_is() {
        let g: VideoGrants = serde_json::from_str(
            r#"{"roomAdmin":null,"room":null,"canPublish":null,"future":1,
                "canPublishSources":["CAMERA","hologram",null]}"#,
        )
        .unwrap();
        assert_eq!(
            g,
            VideoGrants {
                can_publish_sources: vec![
                    TrackSource::Camera,
                    TrackSource::Unknown("hologram".into()),
                    TrackSource::Unknown(String::new()),
                ],
                ..Default::default()
            }
        );
        assert!(serde_json::from_str::<VideoGrants>(r#"{"roomAdmin":"true"}"#).is_err());
    }

    #[test]
    fn names_round_trip() {
        for kind in ParticipantKind::KNOWN {
            assert_eq!(&ParticipantKind::from_name(kind.as_str()), kind);
        }
        assert_eq!(ParticipantKind::from_name("AGENT"), ParticipantKind::Agent);
        assert_eq!(KindDetail::from_name("bridge_rtsp"), KindDetail::BridgeRtsp);
        let unknown = TrackSource::from("Hologram");
        assert_eq!(unknown.as_str(), "Hologram");
        assert_eq!(serde_json::to_string(&unknown).unwrap(), r#""Hologram""#);
        assert_eq!(
            TrackSource::ScreenShareAudio.to_string(),
            "screen_share_audio"
        );
    }
}
