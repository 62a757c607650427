//! What the classifier tests share: the response message they decode and a fixed clock.

#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `livekit.Room`, reduced to a few fields (this crate must not depend on the proto crate).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Room {
    #[prost(string, tag = "1")]
    pub sid: String,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(uint32, tag = "3")]
    pub empty_timeout: u32,
    #[prost(uint32, tag = "4")]
    pub max_participants: u32,
    #[prost(int64, tag = "5")]
    pub creation_time: i64,
}

/// `livekit.ListRoomsResponse`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ListRoomsResponse {
    #[prost(message, repeated, tag = "1")]
    pub rooms: Vec<Room>,
}

/// The time the responses are classified at (for `Retry-After` dates).
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}
