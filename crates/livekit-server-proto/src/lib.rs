//! LiveKit protocol types for server SDKs: every message of the pinned LiveKit protocol
//! release as [`prost`] structs, their protojson form behind the `serde` feature, and a table
//! of every public Twirp service ([`services`]).
//!
//! This crate must never depend on another crate of the workspace, an async runtime, or an
//! HTTP stack; with default features it depends on `prost` alone.
//!
//! # Features
//!
//! - `serde` (off by default): `Serialize`/`Deserialize` for every message and enum, matching
//!   Go's protojson, which is what the LiveKit server writes and reads (webhook bodies,
//!   `roomConfig` in tokens): lowerCamelCase names (proto names accepted), 64-bit integers as
//!   strings, enums as names, `NaN`/`Infinity` as strings. Decoding is Go's
//!   `protojson.Unmarshal` with `DiscardUnknown`, checked case by case against it (the
//!   `protojson_go` test runs the same inputs through Go):
//!   - unknown fields are ignored, and so are unknown enum names (the field stays unset, a list
//!     element is dropped), so a newer server never breaks an older receiver; an enum number
//!     with no variant is kept, and written back as a number;
//!   - `null` leaves any field unset; a field given twice (also after `null`), a duplicate map
//!     key, and two members of one oneof are errors (a member with an unknown enum name
//!     counts, one given as `null` does not);
//!   - a number may be written as a JSON number or a string holding one, with any form whose
//!     value fits the type (`5`, `5.0`, `5e0`, `"5"`, `"1e2"`), but not `"+5"`, `"05"` or
//!     `" 5"`; a `float` beyond its range is an error.
//!
//!   The differences from Go, all on input no encoder writes (Go and protobuf-es write 64-bit
//!   integers as strings, and only valid strings):
//!   - an integer written as a JSON number with a fraction or an exponent is read through an
//!     `f64` (that is what the JSON reader hands over): at 2^53 or more it is refused, where
//!     Go reads its digits (`9.007199254740993e15`), and a non-integer that rounds to an
//!     integer is read as that integer, where Go refuses it (`1e-400`,
//!     `1.00000000000000001`);
//!   - a `float` written as a JSON number whose `f64` lies exactly halfway between two `f32`
//!     values is refused, where Go rounds the digits once, to `f32`: digits a little past the
//!     halfway point read as the value on their side (`1.0000000596046447753906250001`,
//!     `1.0000000596046448`), digits exactly on it as the even one (`16777217.0`), and from
//!     the `f64` the three cannot be told apart; written as a string, or as an integer
//!     (`16777217`), it is read as Go does;
//!   - a lone surrogate escape (`"\ud83d"`) inside the value of an unknown field is skipped
//!     unchecked, where Go refuses the document (in a known field both refuse it);
//!   - a `Timestamp` is read by `chrono`'s RFC 3339 parser, so three forms that Go's
//!     `time.Parse` also takes are refused: a one-digit hour (`T3:04:05Z`), an offset of 24
//!     hours or more or with 60 minutes (`+24:00`, `+00:60`), and a fraction after a comma
//!     (`05,5Z`);
//!   - an `Any` is read as a message with the members `@type` and `value`: one with a `value`
//!     but no (or an empty) `@type` keeps its bytes, and is written back without `@type`, where
//!     Go refuses it.
//!
//!   Floats are read exactly (the workspace enables `serde_json`'s `float_roundtrip`; enable
//!   it too if you decode these types with your own `serde_json`, or `5.6e-28` may read one
//!   unit in the last place off).
//!
//!   The well-known types have their special protojson forms: `Timestamp` as an RFC 3339
//!   string in UTC (`"2023-11-14T22:13:20.500Z"`, offsets accepted when reading, years
//!   0001–9999), `Duration` as `"1.5s"`, `Empty` as `{}`, `Struct`/`Value`/`ListValue` as
//!   plain JSON. With no type registry, `Any` is written `{"@type": url, "value": base64}`;
//!   reading keeps `@type` and a base64 `value` and ignores other members.
//!
//! # Secrets in `Debug`
//!
//! Every message prints with `Debug` as prost derives it, except that a field holding a
//! credential prints `<redacted>` when set (and its empty value, `""` or `None`, when not, so
//! that whether it is set stays visible), also inside another message: storage keys and
//! secrets of egress uploads (`S3Upload`, `GcpUpload`, `AzureBlobUpload`, `AliOssUpload`,
//! `ProxyConfig`), SIP trunk passwords, an ingress's stream key, WhatsApp API keys, cloud
//! agent secrets, webhook signing keys, TURN credentials, and access tokens handed out in
//! messages. A URL that carries one (an egress stream URL ends with the platform's stream key;
//! a presigned URL's query is its signature) prints its scheme and host only. The list is one
//! table in the workspace's `xtask/src/redact.rs`, a superset of the fields the protocol marks
//! secret; codegen fails on a newly marked field that it lacks. The binary and protojson
//! encodings are unchanged: a request carries its secrets to the server.
//!
//! ```
//! use livekit_server_proto::{CreateSipInboundTrunkRequest, SipInboundTrunkInfo};
//!
//! let trunk = SipInboundTrunkInfo {
//!     name: "office".into(),
//!     auth_username: "pbx".into(),
//!     auth_password: "hunter2".into(),
//!     ..Default::default()
//! };
//! let text = format!("{:?}", CreateSipInboundTrunkRequest { trunk: Some(trunk) });
//! assert!(text.contains(r#"name: "office""#) && text.contains("auth_password: <redacted>"));
//! assert!(!text.contains("hunter2"));
//! ```
//!
//! # Layout
//!
//! The `livekit` package is at the crate root (`livekit_server_proto::Room`), its
//! `livekit.agent` sub-package in [`agent`], and the well-known types the protocol uses in
//! [`google::protobuf`]. The code is generated by `cargo xtask codegen` from the release named
//! by [`services::PROTOCOL_VERSION`] and committed under a private module.
//!
//! # Short requests
//!
//! The service clients take `impl Into<Request>`, and the requests backends send most have
//! short forms: a request whose only field is a string (a room name or an id) converts from
//! `&str`, `&String` and `String` (generated, so `list_participants("demo")`,
//! `delete_room("demo")`, `stop_egress("EG_…")`), and a dozen multi-field requests have
//! constructors taking the fields the call needs, everything else at its default:
//! [`CreateRoomRequest::new`] (or `"demo".into()`), [`RoomParticipantIdentity::new`],
//! [`MuteRoomTrackRequest::new`], [`UpdateParticipantRequest::new`] with `with_metadata`,
//! `with_permission`, `with_name`, `with_attributes`, [`UpdateSubscriptionsRequest::new`],
//! [`SendDataRequest::new`], [`UpdateRoomMetadataRequest::new`],
//! [`ForwardParticipantRequest::new`], [`MoveParticipantRequest::new`],
//! [`PerformRpcRequest::new`], [`RoomCompositeEgressRequest::to_file`],
//! [`ParticipantEgressRequest::to_file`], [`TrackEgressRequest::to_file`],
//! [`ListEgressRequest::for_room`], [`UpdateLayoutRequest::new`],
//! [`CreateSipParticipantRequest::new`], [`CreateAgentDispatchRequest::new`],
//! [`DeleteAgentDispatchRequest::new`], and `ListAgentDispatchRequest` from its room.
//! Any other field goes through struct update syntax:
//!
//! ```
//! use livekit_server_proto::{CreateRoomRequest, ListParticipantsRequest};
//!
//! let list: ListParticipantsRequest = "demo".into();
//! assert_eq!(list.room, "demo");
//! let create = CreateRoomRequest { max_participants: 10, ..CreateRoomRequest::new("demo") };
//! assert_eq!((create.name.as_str(), create.max_participants), ("demo", 10));
//! ```
//!
//! Beside the generated types, a little pure logic that every client needs: [`TokenPaged`]
//! (implemented by codegen for every list request paginated by `page_token`) moves such a
//! request to its next page, and the well-known types convert to and from `std::time`
//! ([`google::protobuf::Duration::pin_positive`] fills in a defaulted duration field).
//!
//! ```
//! use livekit_server_proto::{services, CreateRoomRequest};
//! use prost::Message;
//!
//! let request = CreateRoomRequest { name: "demo".into(), empty_timeout: 300, ..Default::default() };
//! let bytes = request.encode_to_vec();
//! assert_eq!(CreateRoomRequest::decode(bytes.as_slice()).unwrap(), request);
//!
//! let create = services::room_service::CREATE_ROOM;
//! assert_eq!(create.path, "/twirp/livekit.RoomService/CreateRoom");
//! assert_eq!(create.input, "livekit.CreateRoomRequest");
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

mod conversions;
mod paging;
#[cfg(feature = "serde")]
mod protojson;
mod redact;
mod service;
mod wkt;
#[cfg(feature = "serde")]
mod wkt_json;

pub use paging::TokenPaged;
pub use prost;
pub use service::{Method, Service};
pub use wkt::NegativeDuration;

#[allow(
    missing_docs,
    unreachable_pub,
    missing_debug_implementations,
    rust_2018_idioms,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    unused_variables,
    deprecated,
    rustdoc::all
)]
mod generated {
    pub mod livekit {
        include!("generated/livekit.rs");
        #[cfg(feature = "serde")]
        include!("generated/livekit.serde.rs");

        pub mod agent {
            include!("generated/livekit.agent.rs");
            #[cfg(feature = "serde")]
            include!("generated/livekit.agent.serde.rs");
        }
    }

    pub mod google {
        pub mod protobuf {
            include!("generated/google.protobuf.rs");
            #[cfg(feature = "serde")]
            include!("generated/google.protobuf.serde.rs");
        }
    }

    pub mod services {
        include!("generated/services.rs");
    }

    /// `TokenPaged` for every request of a token-paged RPC.
    mod token_paged {
        include!("generated/token_paged.rs");
    }

    /// `From<&str>`/`From<String>` for every request whose only field is a string.
    mod from_string {
        include!("generated/from_string.rs");
    }

    /// `Debug` for every message with a field that holds a credential: the field prints
    /// redacted.
    mod redacted_debug {
        include!("generated/redacted_debug.rs");
    }
}

pub use generated::livekit::*;

/// The protobuf well-known types used by the protocol (`Timestamp`, `Duration`, `Empty`,
/// `Any`, `Struct`, `Value`, `ListValue`, `NullValue`), generated with the rest so that no
/// extra crate is needed; their protojson follows the `serde` feature's rules.
pub mod google {
    /// `google.protobuf`.
    pub mod protobuf {
        pub use crate::generated::google::protobuf::*;
    }
}

/// Every public Twirp service of the protocol, with its methods and message types.
///
/// One module per service (`room_service`, `egress`, `sip`, …) holds a [`Method`] constant per
/// RPC, `METHODS` and `SERVICE`; [`SERVICES`](services::SERVICES) lists them all.
pub mod services {
    pub use crate::generated::services::*;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_route_is_well_formed() {
        let mut count = 0;
        for service in services::SERVICES {
            assert!(service.full_name.starts_with("livekit."));
            for method in service.methods {
                count += 1;
                assert_eq!(method.service, service.full_name);
                assert_eq!(
                    method.path,
                    format!("/twirp/{}/{}", service.full_name, method.name)
                );
                assert_eq!(service.method(method.name), Some(*method));
            }
        }
        assert_eq!(count, services::RPC_COUNT);
    }
}
