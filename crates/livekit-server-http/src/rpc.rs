//! What the transport needs to know about one RPC: its route, retry class and token grants.

/// Whether an RPC may be sent again after a failure whose outcome is unknown.
///
/// The generated service clients assign one class per RPC (see `proto/rpc-policy.txt`); the
/// classification follows the server's behaviour, not the RPC's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Idempotency {
    /// Reads state only (`ListRooms`, `GetParticipant`, ...): always safe to replay.
    ReadOnly,
    /// Sets state; applying it twice has the effect of applying it once (`CreateRoom`,
    /// `UpdateParticipant`, ...): safe to replay.
    Idempotent,
    /// Creates something or has a side effect (`CreateSIPParticipant` dials a phone,
    /// `StartEgress` starts a recording, `SendData` delivers a message): replayed only when
    /// the failure provably happened before the request left (connection refused, DNS, TLS).
    NonIdempotent,
}

impl Idempotency {
    /// Whether a request of this class may be replayed after a failure with an unknown
    /// outcome (a timeout, a reset connection, a 503).
    pub const fn is_replayable(self) -> bool {
        matches!(self, Idempotency::ReadOnly | Idempotency::Idempotent)
    }
}

/// One permission that a per-call token carries.
///
/// The mapping to token claims is [`Grant::claim`]; room-scoped grants also take the room
/// from the call's [`Scope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Grant {
    /// `video.roomCreate`: create and delete rooms.
    RoomCreate,
    /// `video.roomList`: list rooms.
    RoomList,
    /// `video.roomRecord`: start and manage egress.
    RoomRecord,
    /// `video.roomAdmin`: manage the participants and state of the room in the scope.
    RoomAdmin,
    /// `video.ingressAdmin`: manage ingress.
    IngressAdmin,
    /// `sip.admin`: manage SIP trunks, dispatch rules and phone numbers.
    SipAdmin,
    /// `sip.call`: place and transfer SIP calls.
    SipCall,
    /// `agent.admin`: manage cloud agents.
    AgentAdmin,
    /// `agent.simulationAdmin`: manage agent simulations.
    AgentSimulationAdmin,
    /// `agent.databaseAdmin`: manage agent databases.
    AgentDatabaseAdmin,
    /// `agent.dispatchAdmin`: manage the agent dispatch queue.
    AgentDispatchAdmin,
}

impl Grant {
    /// The token claim this grant sets, as `object.field` (`"video.roomCreate"`).
    pub const fn claim(self) -> &'static str {
        match self {
            Grant::RoomCreate => "video.roomCreate",
            Grant::RoomList => "video.roomList",
            Grant::RoomRecord => "video.roomRecord",
            Grant::RoomAdmin => "video.roomAdmin",
            Grant::IngressAdmin => "video.ingressAdmin",
            Grant::SipAdmin => "sip.admin",
            Grant::SipCall => "sip.call",
            Grant::AgentAdmin => "agent.admin",
            Grant::AgentSimulationAdmin => "agent.simulationAdmin",
            Grant::AgentDatabaseAdmin => "agent.databaseAdmin",
            Grant::AgentDispatchAdmin => "agent.dispatchAdmin",
        }
    }
}

/// A Twirp RPC: route, retry class and the grants its token carries.
///
/// The generated service crates hold one `const` per RPC; the fields are public so that
/// such tables can be written as constants.
///
/// ```
/// use livekit_server_http::{Grant, Idempotency, Rpc};
///
/// const LIST_ROOMS: Rpc = Rpc {
///     service: "livekit.RoomService",
///     method: "ListRooms",
///     path: "/twirp/livekit.RoomService/ListRooms",
///     idempotency: Idempotency::ReadOnly,
///     grants: &[Grant::RoomList],
/// };
/// assert!(LIST_ROOMS.idempotency.is_replayable());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rpc {
    /// The fully qualified service (`"livekit.RoomService"`).
    pub service: &'static str,
    /// The method (`"CreateRoom"`).
    pub method: &'static str,
    /// The route below the base URL (`"/twirp/livekit.RoomService/CreateRoom"`).
    pub path: &'static str,
    /// Whether the transport may replay it.
    pub idempotency: Idempotency,
    /// Exactly the grants its per-call token carries.
    pub grants: &'static [Grant],
}

/// The rooms a call's token is scoped to.
///
/// `room` becomes the `video.room` claim and `destination_room` the `video.destinationRoom`
/// claim of the per-call token; `None` (or an empty string) leaves the claim out. Ignored
/// when the client sends a pre-signed token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Scope<'a> {
    /// The room the call acts on (`video.room`).
    pub room: Option<&'a str>,
    /// The room a participant is forwarded or moved to (`video.destinationRoom`).
    pub destination_room: Option<&'a str>,
}

impl<'a> Scope<'a> {
    /// No room scope.
    pub const NONE: Scope<'static> = Scope {
        room: None,
        destination_room: None,
    };

    /// A scope of one room.
    pub const fn room(room: &'a str) -> Self {
        Scope {
            room: Some(room),
            destination_room: None,
        }
    }

    /// `room`, with empty strings read as absent.
    pub(crate) fn room_claim(&self) -> Option<&'a str> {
        self.room.filter(|r| !r.is_empty())
    }

    /// `destination_room`, with empty strings read as absent.
    pub(crate) fn destination_claim(&self) -> Option<&'a str> {
        self.destination_room.filter(|r| !r.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_read_only_and_idempotent_are_replayable() {
        assert!(Idempotency::ReadOnly.is_replayable());
        assert!(Idempotency::Idempotent.is_replayable());
        assert!(!Idempotency::NonIdempotent.is_replayable());
    }

    #[test]
    fn empty_scope_strings_are_absent() {
        let scope = Scope {
            room: Some(""),
            destination_room: Some("b"),
        };
        assert_eq!(scope.room_claim(), None);
        assert_eq!(scope.destination_claim(), Some("b"));
        assert_eq!(Scope::room("a").room_claim(), Some("a"));
        assert_eq!(Scope::NONE, Scope::default());
    }

    #[test]
    fn claims_name_the_token_fields() {
        assert_eq!(Grant::RoomCreate.claim(), "video.roomCreate");
        assert_eq!(Grant::AgentDatabaseAdmin.claim(), "agent.databaseAdmin");
    }
}
