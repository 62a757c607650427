//! The Twirp calls the tests and the round-trip benchmark make: RPC descriptors built from
//! their service and method names, and `livekit.ListRooms*` reduced to what the tests need
//! (this crate must not depend on the proto crate). `benches/round_trip.rs` and the
//! comparison in `bench/round-trip` include this file by path.

use livekit_server_http::{Grant, Idempotency, Rpc};

/// An [`Rpc`] whose route is `/twirp/<service>/<method>`.
macro_rules! rpc {
    ($service:literal / $method:literal, $idempotency:ident, [$($grant:ident),*]) => {
        Rpc {
            service: $service,
            method: $method,
            path: concat!("/twirp/", $service, "/", $method),
            idempotency: Idempotency::$idempotency,
            grants: &[$(Grant::$grant),*],
        }
    };
}

pub const LIST_ROOMS: Rpc = rpc!("livekit.RoomService" / "ListRooms", ReadOnly, [RoomList]);
pub const MOVE_PARTICIPANT: Rpc = rpc!(
    "livekit.RoomService" / "MoveParticipant",
    NonIdempotent,
    [RoomAdmin]
);
pub const CREATE_SIP_PARTICIPANT: Rpc = rpc!(
    "livekit.SIP" / "CreateSIPParticipant",
    NonIdempotent,
    [SipCall]
);
pub const TRANSFER_SIP_PARTICIPANT: Rpc = rpc!(
    "livekit.SIP" / "TransferSIPParticipant",
    NonIdempotent,
    [SipCall, RoomAdmin]
);
pub const CREATE_AGENT: Rpc = rpc!(
    "livekit.CloudAgent" / "CreateAgent",
    NonIdempotent,
    [AgentAdmin]
);

/// `livekit.ListRoomsRequest`: the room names to list.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ListRoomsRequest {
    #[prost(string, repeated, tag = "1")]
    pub names: Vec<String>,
}

/// `livekit.Room`: its id and name.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Room {
    #[prost(string, tag = "1")]
    pub sid: String,
    #[prost(string, tag = "2")]
    pub name: String,
}

/// `livekit.ListRoomsResponse`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ListRoomsResponse {
    #[prost(message, repeated, tag = "1")]
    pub rooms: Vec<Room>,
}

/// A response listing `n` rooms, `RM_<i>` named `room-<i>`.
pub fn rooms(n: usize) -> ListRoomsResponse {
    ListRoomsResponse {
        rooms: (0..n)
            .map(|i| Room {
                sid: format!("RM_{i}"),
                name: format!("room-{i}"),
            })
            .collect(),
    }
}
