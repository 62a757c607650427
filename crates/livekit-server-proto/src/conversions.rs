//! Short constructors for the requests backends send most (hand-written): the fields a call
//! cannot do without as arguments, every other field at its protocol default.
//!
//! Each service client method takes `impl Into<Request>`, so these and the full request
//! message are interchangeable:
//!
//! ```
//! use livekit_server_proto::{CreateRoomRequest, MuteRoomTrackRequest};
//!
//! let short = MuteRoomTrackRequest::new("demo", "alice", "TR_1", true);
//! let full = MuteRoomTrackRequest {
//!     room: "demo".into(),
//!     identity: "alice".into(),
//!     track_sid: "TR_1".into(),
//!     muted: true,
//! };
//! assert_eq!(short, full);
//!
//! // Any other field through struct update syntax.
//! let room = CreateRoomRequest { empty_timeout: 300, ..CreateRoomRequest::new("demo") };
//! assert_eq!((room.name.as_str(), room.empty_timeout), ("demo", 300));
//! ```
//!
//! Which requests have one: the calls of the other server SDKs' examples and guides (Node's
//! `RoomServiceClient.mutePublishedTrack(room, identity, trackSid, muted)`,
//! `EgressClient.startTrackEgress(room, output, trackSid)`, Go's `lksdk` samples). The argument
//! order is the protocol's field order. A request whose only field is a string (a room name,
//! an id: `ListParticipantsRequest`, `DeleteRoomRequest`, `StopEgressRequest`, …) converts from
//! `&str` and `String` by a generated impl (`cargo xtask codegen`, `generated/from_string.rs`);
//! the conversions from a string below are those of requests with a single *required*
//! field among optional ones (`CreateRoomRequest`'s name, `ListAgentDispatchRequest`'s room).

use std::collections::BTreeMap;

use crate::{
    CreateAgentDispatchRequest, CreateRoomRequest, CreateSipParticipantRequest,
    DeleteAgentDispatchRequest, DirectFileOutput, EncodedFileOutput, ForwardParticipantRequest,
    ListAgentDispatchRequest, ListEgressRequest, ListRoomsRequest, MoveParticipantRequest,
    MuteRoomTrackRequest, ParticipantEgressRequest, ParticipantPermission, PerformRpcRequest,
    RoomCompositeEgressRequest, RoomParticipantIdentity, SendDataRequest, TrackEgressRequest,
    UpdateLayoutRequest, UpdateParticipantRequest, UpdateRoomMetadataRequest,
    UpdateSubscriptionsRequest, data_packet, track_egress_request,
};

/// `From<&str>`, `From<&String>` and `From<String>` setting one field, every other at its
/// default.
macro_rules! from_string {
    ($request:ty, $field:ident, $doc:literal) => {
        #[doc = $doc]
        impl From<&str> for $request {
            fn from(value: &str) -> Self {
                Self::from(value.to_owned())
            }
        }

        #[doc = $doc]
        impl From<&String> for $request {
            fn from(value: &String) -> Self {
                Self::from(value.clone())
            }
        }

        #[doc = $doc]
        impl From<String> for $request {
            fn from(value: String) -> Self {
                Self {
                    $field: value,
                    ..Default::default()
                }
            }
        }
    };
}

fn strings(values: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    values.into_iter().map(Into::into).collect()
}

// ---- RoomService -------------------------------------------------------------------------

impl CreateRoomRequest {
    /// A room named `name` with the server's defaults for everything else (`create_room`
    /// returns the existing room if there is one).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Default::default()
        }
    }
}

from_string!(
    CreateRoomRequest,
    name,
    "A room of this name with the server's defaults for everything else (the name is the \
     request's only required field)."
);

impl ListRoomsRequest {
    /// Every active room.
    pub fn all() -> Self {
        Self::default()
    }

    /// The active rooms among `names`.
    pub fn named(names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            names: strings(names),
        }
    }
}

impl RoomParticipantIdentity {
    /// The participant `identity` of room `room` (for `get_participant` and
    /// `remove_participant`).
    pub fn new(room: impl Into<String>, identity: impl Into<String>) -> Self {
        Self {
            room: room.into(),
            identity: identity.into(),
            ..Default::default()
        }
    }
}

impl MuteRoomTrackRequest {
    /// Mutes (`muted: true`) or unmutes the track `track_sid` published by `identity` in
    /// `room`.
    pub fn new(
        room: impl Into<String>,
        identity: impl Into<String>,
        track_sid: impl Into<String>,
        muted: bool,
    ) -> Self {
        Self {
            room: room.into(),
            identity: identity.into(),
            track_sid: track_sid.into(),
            muted,
        }
    }
}

impl UpdateParticipantRequest {
    /// An update of the participant `identity` in `room` that changes nothing yet: add what
    /// changes with the `with_*` methods (an empty metadata or name leaves it unchanged).
    pub fn new(room: impl Into<String>, identity: impl Into<String>) -> Self {
        Self {
            room: room.into(),
            identity: identity.into(),
            ..Default::default()
        }
    }

    /// Sets the participant's metadata.
    #[must_use]
    pub fn with_metadata(mut self, metadata: impl Into<String>) -> Self {
        self.metadata = metadata.into();
        self
    }

    /// Replaces the participant's permissions.
    #[must_use]
    pub fn with_permission(mut self, permission: ParticipantPermission) -> Self {
        self.permission = Some(permission);
        self
    }

    /// Sets the participant's display name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets these attributes (others are kept; an empty value deletes a key), adding to any
    /// set before.
    #[must_use]
    pub fn with_attributes(
        mut self,
        attributes: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        self.attributes
            .extend(attributes.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }
}

impl UpdateSubscriptionsRequest {
    /// Subscribes (`subscribe: true`) or unsubscribes the participant `identity` of `room`
    /// to or from the tracks `track_sids`.
    pub fn new(
        room: impl Into<String>,
        identity: impl Into<String>,
        track_sids: impl IntoIterator<Item = impl Into<String>>,
        subscribe: bool,
    ) -> Self {
        Self {
            room: room.into(),
            identity: identity.into(),
            track_sids: strings(track_sids),
            subscribe,
            ..Default::default()
        }
    }
}

impl SendDataRequest {
    /// Sends `data` to every participant of `room`, reliably or lossily (`kind`). The client's
    /// `send_data` adds the de-duplication nonce.
    pub fn new(room: impl Into<String>, data: impl Into<Vec<u8>>, kind: data_packet::Kind) -> Self {
        Self {
            room: room.into(),
            data: data.into(),
            kind: kind.into(),
            ..Default::default()
        }
    }

    /// Sends only to the participants with these identities.
    #[must_use]
    pub fn with_destination_identities(
        mut self,
        identities: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.destination_identities = strings(identities);
        self
    }

    /// Sets the packet's topic.
    #[must_use]
    pub fn with_topic(mut self, topic: impl Into<String>) -> Self {
        self.topic = Some(topic.into());
        self
    }
}

impl UpdateRoomMetadataRequest {
    /// Sets the metadata of `room`.
    pub fn new(room: impl Into<String>, metadata: impl Into<String>) -> Self {
        Self {
            room: room.into(),
            metadata: metadata.into(),
        }
    }
}

impl ForwardParticipantRequest {
    /// Forwards the participant `identity` of `room` to `destination_room` too (it stays in
    /// `room`).
    pub fn new(
        room: impl Into<String>,
        identity: impl Into<String>,
        destination_room: impl Into<String>,
    ) -> Self {
        Self {
            room: room.into(),
            identity: identity.into(),
            destination_room: destination_room.into(),
        }
    }
}

impl MoveParticipantRequest {
    /// Moves the participant `identity` from `room` to `destination_room`.
    pub fn new(
        room: impl Into<String>,
        identity: impl Into<String>,
        destination_room: impl Into<String>,
    ) -> Self {
        Self {
            room: room.into(),
            identity: identity.into(),
            destination_room: destination_room.into(),
        }
    }
}

impl PerformRpcRequest {
    /// Calls the RPC method `method` registered by the participant `destination_identity` of
    /// `room` with `payload` (the server's default response timeout).
    pub fn new(
        room: impl Into<String>,
        destination_identity: impl Into<String>,
        method: impl Into<String>,
        payload: impl Into<String>,
    ) -> Self {
        Self {
            room: room.into(),
            destination_identity: destination_identity.into(),
            method: method.into(),
            payload: payload.into(),
            ..Default::default()
        }
    }
}

// ---- Egress ------------------------------------------------------------------------------

/// One encoded file at `filepath`, its type from the extension, stored where the egress
/// service is configured to upload.
fn encoded_file(filepath: impl Into<String>) -> EncodedFileOutput {
    EncodedFileOutput {
        filepath: filepath.into(),
        ..Default::default()
    }
}

impl RoomCompositeEgressRequest {
    /// Records `room` (the default grid layout, audio and video) into one file at `filepath`
    /// (the type follows the extension, `.mp4` or `.ogg`; `{room_name}`, `{time}` and the other
    /// egress templates are expanded), uploaded where the egress service is configured to.
    pub fn to_file(room: impl Into<String>, filepath: impl Into<String>) -> Self {
        Self {
            room_name: room.into(),
            file_outputs: vec![encoded_file(filepath)],
            ..Default::default()
        }
    }
}

impl ParticipantEgressRequest {
    /// Records the participant `identity` of `room` (its camera and microphone) into one file
    /// at `filepath`, as [`RoomCompositeEgressRequest::to_file`] does.
    pub fn to_file(
        room: impl Into<String>,
        identity: impl Into<String>,
        filepath: impl Into<String>,
    ) -> Self {
        Self {
            room_name: room.into(),
            identity: identity.into(),
            file_outputs: vec![encoded_file(filepath)],
            ..Default::default()
        }
    }
}

impl TrackEgressRequest {
    /// Exports the track `track_sid` of `room` as it was published, without transcoding,
    /// into a file at `filepath` (the extension is chosen by the codec when `filepath` ends
    /// with `/` or has none).
    pub fn to_file(
        room: impl Into<String>,
        track_sid: impl Into<String>,
        filepath: impl Into<String>,
    ) -> Self {
        Self {
            room_name: room.into(),
            track_id: track_sid.into(),
            output: Some(track_egress_request::Output::File(DirectFileOutput {
                filepath: filepath.into(),
                ..Default::default()
            })),
            ..Default::default()
        }
    }
}

impl ListEgressRequest {
    /// The egresses of `room`, active and ended (the server keeps ended ones for a while).
    pub fn for_room(room: impl Into<String>) -> Self {
        Self {
            room_name: room.into(),
            ..Default::default()
        }
    }

    /// Lists only the egresses still running.
    #[must_use]
    pub fn active_only(mut self) -> Self {
        self.active = true;
        self
    }
}

impl UpdateLayoutRequest {
    /// Switches the room composite egress `egress_id` to `layout` (`grid`, `speaker`, …).
    pub fn new(egress_id: impl Into<String>, layout: impl Into<String>) -> Self {
        Self {
            egress_id: egress_id.into(),
            layout: layout.into(),
        }
    }
}

// ---- SIP ---------------------------------------------------------------------------------

impl CreateSipParticipantRequest {
    /// Dials `call_to` (a phone number or SIP user) through the outbound trunk `trunk_id` and
    /// joins the call to `room` as the participant `identity`.
    pub fn new(
        trunk_id: impl Into<String>,
        call_to: impl Into<String>,
        room: impl Into<String>,
        identity: impl Into<String>,
    ) -> Self {
        Self {
            sip_trunk_id: trunk_id.into(),
            sip_call_to: call_to.into(),
            room_name: room.into(),
            participant_identity: identity.into(),
            ..Default::default()
        }
    }
}

// ---- AgentDispatchService ----------------------------------------------------------------

impl CreateAgentDispatchRequest {
    /// Dispatches the agent named `agent_name` to `room`.
    pub fn new(room: impl Into<String>, agent_name: impl Into<String>) -> Self {
        Self {
            room: room.into(),
            agent_name: agent_name.into(),
            ..Default::default()
        }
    }

    /// Sets the metadata the agent's job receives.
    #[must_use]
    pub fn with_metadata(mut self, metadata: impl Into<String>) -> Self {
        self.metadata = metadata.into();
        self
    }

    /// Sets attributes of the agent's participant.
    #[must_use]
    pub fn with_attributes(
        mut self,
        attributes: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        let attributes: BTreeMap<String, String> = attributes
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.attributes.extend(attributes);
        self
    }
}

impl DeleteAgentDispatchRequest {
    /// Deletes the dispatch `dispatch_id` of `room`.
    pub fn new(dispatch_id: impl Into<String>, room: impl Into<String>) -> Self {
        Self {
            dispatch_id: dispatch_id.into(),
            room: room.into(),
        }
    }
}

from_string!(
    ListAgentDispatchRequest,
    room,
    "Every agent dispatch of this room (the room is the request's only required field; \
     `dispatch_id` is an optional filter)."
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track_egress_request::Output;

    #[test]
    fn room_service_constructors_set_the_documented_fields() {
        let create: CreateRoomRequest = "demo".into();
        assert_eq!(create, CreateRoomRequest::new("demo"));
        assert_eq!(create.name, "demo");
        assert_eq!(create.empty_timeout, 0);
        assert_eq!(CreateRoomRequest::from(String::from("demo")), create);
        assert_eq!(CreateRoomRequest::from(&String::from("demo")), create);

        assert!(ListRoomsRequest::all().names.is_empty());
        assert_eq!(ListRoomsRequest::named(["a", "b"]).names, ["a", "b"]);

        let who = RoomParticipantIdentity::new("demo", "alice");
        assert_eq!(
            (who.room.as_str(), who.identity.as_str()),
            ("demo", "alice")
        );
        assert_eq!(who.revoke_token_ts, 0);

        let mute = MuteRoomTrackRequest::new("demo", "alice", "TR_1", true);
        assert_eq!(
            (mute.room, mute.identity, mute.track_sid, mute.muted),
            ("demo".into(), "alice".into(), "TR_1".into(), true)
        );

        let update = UpdateParticipantRequest::new("demo", "alice");
        assert_eq!(
            (update.room.as_str(), update.identity.as_str()),
            ("demo", "alice")
        );
        assert!(update.metadata.is_empty() && update.name.is_empty());
        assert!(update.permission.is_none() && update.attributes.is_empty());
        let permission = ParticipantPermission {
            can_publish: true,
            ..Default::default()
        };
        let update = update
            .with_metadata("m")
            .with_name("Alice")
            .with_permission(permission.clone())
            .with_attributes([("a", "1")])
            .with_attributes([("b", "2")]);
        assert_eq!(update.metadata, "m");
        assert_eq!(update.name, "Alice");
        assert_eq!(update.permission, Some(permission));
        assert_eq!(
            update.attributes,
            BTreeMap::from([("a".into(), "1".into()), ("b".into(), "2".into())])
        );

        let subs = UpdateSubscriptionsRequest::new("demo", "alice", ["TR_1", "TR_2"], false);
        assert_eq!(
            (subs.room.as_str(), subs.identity.as_str()),
            ("demo", "alice")
        );
        assert_eq!(subs.track_sids, ["TR_1", "TR_2"]);
        assert!(!subs.subscribe);
        assert!(subs.participant_tracks.is_empty());
        assert!(UpdateSubscriptionsRequest::new("r", "i", ["x"], true).subscribe);

        let data = SendDataRequest::new("demo", b"hi".to_vec(), data_packet::Kind::Lossy);
        assert_eq!(
            (data.room.as_str(), data.data.as_slice()),
            ("demo", &b"hi"[..])
        );
        assert_eq!(data.kind(), data_packet::Kind::Lossy);
        assert!(data.nonce.is_empty() && data.topic.is_none());
        assert!(data.destination_identities.is_empty());
        let data = data.with_destination_identities(["bob"]).with_topic("chat");
        assert_eq!(data.destination_identities, ["bob"]);
        assert_eq!(data.topic.as_deref(), Some("chat"));
        let reliable = SendDataRequest::new("demo", "text", data_packet::Kind::Reliable);
        assert_eq!(reliable.kind(), data_packet::Kind::Reliable);
        assert_eq!(reliable.data, b"text");

        let meta = UpdateRoomMetadataRequest::new("demo", "{}");
        assert_eq!((meta.room.as_str(), meta.metadata.as_str()), ("demo", "{}"));

        let forward = ForwardParticipantRequest::new("a", "alice", "b");
        assert_eq!(
            (forward.room, forward.identity, forward.destination_room),
            ("a".into(), "alice".into(), "b".into())
        );
        let moved = MoveParticipantRequest::new("a", "alice", "b");
        assert_eq!(
            (moved.room, moved.identity, moved.destination_room),
            ("a".into(), "alice".into(), "b".into())
        );

        let rpc = PerformRpcRequest::new("demo", "agent", "greet", "{}");
        assert_eq!(
            (rpc.room, rpc.destination_identity, rpc.method, rpc.payload),
            ("demo".into(), "agent".into(), "greet".into(), "{}".into())
        );
        assert_eq!(rpc.response_timeout_ms, 0);
    }

    #[test]
    fn egress_constructors_set_the_documented_fields() {
        let room = RoomCompositeEgressRequest::to_file("demo", "out/{room_name}.mp4");
        assert_eq!(room.room_name, "demo");
        assert_eq!(room.file_outputs.len(), 1);
        assert_eq!(room.file_outputs[0].filepath, "out/{room_name}.mp4");
        assert!(room.file_outputs[0].output.is_none());
        assert!(room.output.is_none() && room.stream_outputs.is_empty());
        assert!(room.layout.is_empty() && !room.audio_only);

        let person = ParticipantEgressRequest::to_file("demo", "alice", "alice.mp4");
        assert_eq!(
            (person.room_name.as_str(), person.identity.as_str()),
            ("demo", "alice")
        );
        assert_eq!(person.file_outputs.len(), 1);
        assert_eq!(person.file_outputs[0].filepath, "alice.mp4");

        let track = TrackEgressRequest::to_file("demo", "TR_1", "tracks/");
        assert_eq!(
            (track.room_name.as_str(), track.track_id.as_str()),
            ("demo", "TR_1")
        );
        match track.output {
            Some(Output::File(file)) => {
                assert_eq!(file.filepath, "tracks/");
                assert!(file.output.is_none());
            }
            other => panic!("{other:?}"),
        }

        let list = ListEgressRequest::for_room("demo");
        assert_eq!(list.room_name, "demo");
        assert!(!list.active && list.egress_id.is_empty() && list.page_token.is_none());
        assert!(list.active_only().active);

        let layout = UpdateLayoutRequest::new("EG_1", "speaker");
        assert_eq!(
            (layout.egress_id.as_str(), layout.layout.as_str()),
            ("EG_1", "speaker")
        );
    }

    #[test]
    fn sip_and_dispatch_constructors_set_the_documented_fields() {
        let call = CreateSipParticipantRequest::new("ST_1", "+15105550100", "demo", "caller");
        assert_eq!(call.sip_trunk_id, "ST_1");
        assert_eq!(call.sip_call_to, "+15105550100");
        assert_eq!(call.room_name, "demo");
        assert_eq!(call.participant_identity, "caller");
        assert!(call.ringing_timeout.is_none() && call.participant_name.is_empty());

        let dispatch = CreateAgentDispatchRequest::new("demo", "helper");
        assert_eq!(
            (dispatch.room.as_str(), dispatch.agent_name.as_str()),
            ("demo", "helper")
        );
        assert!(dispatch.metadata.is_empty() && dispatch.attributes.is_empty());
        let dispatch = dispatch.with_metadata("job").with_attributes([("k", "v")]);
        assert_eq!(dispatch.metadata, "job");
        assert_eq!(
            dispatch.attributes,
            BTreeMap::from([("k".into(), "v".into())])
        );

        let delete = DeleteAgentDispatchRequest::new("AD_1", "demo");
        assert_eq!(
            (delete.dispatch_id.as_str(), delete.room.as_str()),
            ("AD_1", "demo")
        );

        let list: ListAgentDispatchRequest = "demo".into();
        assert_eq!(list.room, "demo");
        assert!(list.dispatch_id.is_empty());
        assert_eq!(ListAgentDispatchRequest::from(String::from("demo")), list);
        assert_eq!(ListAgentDispatchRequest::from(&String::from("demo")), list);
    }

    #[test]
    fn generated_conversions_set_the_only_field() {
        use crate::{
            DeleteRoomRequest, ListParticipantsRequest, ListReplaysRequest, StopEgressRequest,
        };

        let name = String::from("demo");
        assert_eq!(ListParticipantsRequest::from("demo").room, "demo");
        assert_eq!(ListParticipantsRequest::from(&name).room, "demo");
        assert_eq!(DeleteRoomRequest::from(name.clone()).room, "demo");
        assert_eq!(StopEgressRequest::from("EG_1").egress_id, "EG_1");
        let replays = ListReplaysRequest::from("demo");
        assert_eq!(replays.room_name, "demo");
        assert!(replays.page_token.is_none());
    }
}
