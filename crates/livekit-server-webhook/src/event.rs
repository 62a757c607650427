//! [`EventKind`], the typed `event` name, and [`Webhook`], a verified event.

use std::convert::Infallible;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use livekit_server_proto::WebhookEvent;

/// Declares [`EventKind`] and its name table from one list.
macro_rules! event_kinds {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, )*) => {
        /// What happened: the `event` field of a webhook, typed.
        ///
        /// The 14 names the LiveKit server sends are variants; any other name (a newer
        /// server's event, or `""` for a body without `event`) is kept in
        /// [`Unknown`](EventKind::Unknown), so a receiver never fails on an event it does not
        /// know yet. Matching needs a wildcard arm for the same reason.
        ///
        /// ```
        /// use livekit_server_webhook::EventKind;
        ///
        /// let kind: EventKind = "room_started".parse().unwrap();
        /// assert_eq!(kind, EventKind::RoomStarted);
        /// assert_eq!(kind.as_str(), "room_started");
        /// assert_eq!(EventKind::from("room_archived"), EventKind::Unknown("room_archived".into()));
        /// ```
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum EventKind {
            $( $(#[$doc])* $variant, )*
            /// An event name this version does not know (kept as sent; may be empty).
            Unknown(String),
        }

        impl EventKind {
            /// Every event name the server sends, in protocol order.
            pub const KNOWN: [EventKind; event_kinds!(@count $($variant)*)] =
                [$( EventKind::$variant, )*];

            /// The wire name (`room_started`, …), or the unknown name as sent.
            pub fn as_str(&self) -> &str {
                match self {
                    $( EventKind::$variant => $name, )*
                    EventKind::Unknown(name) => name,
                }
            }

            /// The kind for a wire name; names outside the protocol give
            /// [`Unknown`](EventKind::Unknown). Matching is exact (case-sensitive), as on the
            /// server.
            pub fn from_name(name: &str) -> EventKind {
                match name {
                    $( $name => EventKind::$variant, )*
                    other => EventKind::Unknown(other.to_owned()),
                }
            }
        }
    };
    (@count $($variant:ident)*) => { 0 $(+ event_kinds!(@one $variant))* };
    (@one $variant:ident) => { 1 };
}

event_kinds! {
    /// `room_started`: a room was created (`room` set).
    RoomStarted = "room_started",
    /// `room_finished`: a room closed (`room` set; `room_end_reason` says why).
    RoomFinished = "room_finished",
    /// `participant_joined`: a participant connected (`room`, `participant`).
    ParticipantJoined = "participant_joined",
    /// `participant_left`: a participant disconnected (`room`, `participant`).
    ParticipantLeft = "participant_left",
    /// `participant_connection_aborted`: a participant's connection failed before it joined
    /// (`room`, `participant`).
    ParticipantConnectionAborted = "participant_connection_aborted",
    /// `track_published`: a track was published (`room`, `participant`, `track`).
    TrackPublished = "track_published",
    /// `track_unpublished`: a track was unpublished (`room`, `participant`, `track`).
    TrackUnpublished = "track_unpublished",
    /// `egress_started`: an egress started (`egress_info`).
    EgressStarted = "egress_started",
    /// `egress_updated`: an egress changed state (`egress_info`).
    EgressUpdated = "egress_updated",
    /// `egress_ended`: an egress completed or failed (`egress_info`).
    EgressEnded = "egress_ended",
    /// `ingress_started`: an ingress started receiving media (`ingress_info`).
    IngressStarted = "ingress_started",
    /// `ingress_ended`: an ingress stopped (`ingress_info`).
    IngressEnded = "ingress_ended",
    /// `agent_job_started`: an agent job was assigned (`job`).
    AgentJobStarted = "agent_job_started",
    /// `agent_job_ended`: an agent job ended (`job`).
    AgentJobEnded = "agent_job_ended",
}

impl EventKind {
    /// Whether this is one of the names the protocol defines.
    pub fn is_known(&self) -> bool {
        !matches!(self, EventKind::Unknown(_))
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = Infallible;

    /// Never fails: names outside the protocol give [`EventKind::Unknown`].
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(EventKind::from_name(name))
    }
}

impl From<&str> for EventKind {
    fn from(name: &str) -> Self {
        EventKind::from_name(name)
    }
}

impl AsRef<str> for EventKind {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// A webhook whose signature and checksum were verified: the decoded protocol
/// [`WebhookEvent`] and its typed [`kind`](Webhook::kind).
///
/// It dereferences to the [`WebhookEvent`], so its fields are at hand (`webhook.room`,
/// `webhook.participant`, `webhook.egress_info`, …); [`into_event`](Webhook::into_event) hands
/// the message over.
///
/// ```
/// # use livekit_server_webhook::{EventKind, Webhook};
/// fn handle(webhook: &Webhook) {
///     match webhook.kind() {
///         EventKind::ParticipantJoined => {
///             let who = webhook.participant.as_ref().map(|p| p.identity.as_str());
///             let room = webhook.room.as_ref().map(|r| r.name.as_str());
///             println!("{who:?} joined {room:?}");
///         }
///         EventKind::RoomFinished => { /* … */ }
///         other => println!("ignoring {other}"),
///     }
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Webhook {
    kind: EventKind,
    event: WebhookEvent,
}

impl Webhook {
    /// Wraps a decoded event, typing its `event` name.
    pub fn new(event: WebhookEvent) -> Webhook {
        Webhook {
            kind: EventKind::from_name(&event.event),
            event,
        }
    }

    /// What happened.
    pub fn kind(&self) -> &EventKind {
        &self.kind
    }

    /// The decoded event.
    pub fn event(&self) -> &WebhookEvent {
        &self.event
    }

    /// The event's unique id (`EV_…`). Delivery is at-least-once: the server may send the
    /// same event twice (retries), so remember the ids you handled and skip repeats. Empty if
    /// the body had none.
    pub fn id(&self) -> &str {
        &self.event.id
    }

    /// When the server created the event, in whole seconds since the Unix epoch (`0` if the
    /// body had none). Delivery is unordered: order events by this value, not by arrival.
    pub fn created_at(&self) -> i64 {
        self.event.created_at
    }

    /// [`created_at`](Webhook::created_at) as a [`SystemTime`]; `None` if it is not after the
    /// Unix epoch.
    pub fn created_at_time(&self) -> Option<SystemTime> {
        let secs = u64::try_from(self.event.created_at)
            .ok()
            .filter(|s| *s > 0)?;
        UNIX_EPOCH.checked_add(Duration::from_secs(secs))
    }

    /// The decoded event, by value.
    pub fn into_event(self) -> WebhookEvent {
        self.event
    }

    /// The kind and the event, by value.
    pub fn into_parts(self) -> (EventKind, WebhookEvent) {
        (self.kind, self.event)
    }
}

impl Deref for Webhook {
    type Target = WebhookEvent;

    fn deref(&self) -> &WebhookEvent {
        &self.event
    }
}

impl AsRef<WebhookEvent> for Webhook {
    fn as_ref(&self) -> &WebhookEvent {
        &self.event
    }
}

impl From<WebhookEvent> for Webhook {
    fn from(event: WebhookEvent) -> Self {
        Webhook::new(event)
    }
}

impl From<Webhook> for WebhookEvent {
    fn from(webhook: Webhook) -> Self {
        webhook.event
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn all_fourteen_names_round_trip() {
        let names = [
            "room_started",
            "room_finished",
            "participant_joined",
            "participant_left",
            "participant_connection_aborted",
            "track_published",
            "track_unpublished",
            "egress_started",
            "egress_updated",
            "egress_ended",
            "ingress_started",
            "ingress_ended",
            "agent_job_started",
            "agent_job_ended",
        ];
        assert_eq!(EventKind::KNOWN.len(), names.len());
        for (kind, name) in EventKind::KNOWN.iter().zip(names) {
            assert_eq!(kind.as_str(), name);
            assert_eq!(kind.to_string(), name);
            assert_eq!(name.parse::<EventKind>(), Ok(kind.clone()));
            assert!(kind.is_known());
        }
        let distinct: HashSet<_> = EventKind::KNOWN.iter().collect();
        assert_eq!(distinct.len(), 14);
    }

    #[test]
    fn unknown_names_are_kept() {
        for name in ["", "Room_Started", "room_started ", "room_archived", "é"] {
            let kind = EventKind::from(name);
            assert_eq!(kind, EventKind::Unknown(name.to_owned()));
            assert_eq!(kind.as_str(), name);
            assert!(!kind.is_known());
        }
    }

    #[test]
    fn webhook_exposes_the_event() {
        let event = WebhookEvent {
            event: "participant_left".into(),
            id: "EV_1".into(),
            created_at: 1_700_000_000,
            ..Default::default()
        };
        let webhook = Webhook::new(event.clone());
        assert_eq!(webhook.kind(), &EventKind::ParticipantLeft);
        assert_eq!(webhook.id(), "EV_1");
        assert_eq!(webhook.created_at(), 1_700_000_000);
        assert_eq!(
            webhook.created_at_time(),
            Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
        assert!(webhook.room.is_none());
        assert_eq!(webhook.event(), &event);
        assert_eq!(webhook.clone().into_event(), event);
        assert_eq!(webhook.into_parts(), (EventKind::ParticipantLeft, event));
    }

    #[test]
    fn created_at_time_needs_a_positive_time() {
        for created_at in [0, -1, i64::MIN] {
            let webhook = Webhook::new(WebhookEvent {
                created_at,
                ..Default::default()
            });
            assert_eq!(webhook.created_at_time(), None);
        }
    }
}
