//! The load run, written once for the two places that run it: the integration test
//! `tests/load.rs` and the benchmark `bench/load` (its library includes this very file with
//! `#[path]`, so that the benchmark measures what the test checks). It holds the request mix
//! through our clients ([`Clients::call`]) and one measured round of it ([`round`]), which
//! also drives the official crate's mix in `bench/load`.
//!
//! It uses only what both crates depend on: our service crates, `livekit-server-http` and
//! `futures-util`.

use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use livekit_server_agent_dispatch::AgentDispatchClient;
use livekit_server_egress::EgressClient;
use livekit_server_http::{Client, Error};
use livekit_server_ingress::IngressClient;
use livekit_server_room::RoomClient;
use livekit_server_sip::SipClient;

/// The RPCs of the mix, in order: call `i` is `MIX[i % 6]`.
pub const MIX: [&str; 6] = [
    "ListRooms",
    "ListParticipants",
    "ListEgress",
    "ListIngress",
    "ListSIPInboundTrunk",
    "ListDispatch",
];

/// The service clients of the mix, sharing one `Client` (one connection pool); each call
/// signs its own token.
#[derive(Debug)]
pub struct Clients {
    /// `RoomService`, also for setting up the room of the run.
    pub room: RoomClient,
    egress: EgressClient,
    ingress: IngressClient,
    sip: SipClient,
    dispatch: AgentDispatchClient,
}

impl Clients {
    /// The clients of the mix over `client`.
    pub fn new(client: &Client) -> Clients {
        Clients {
            room: RoomClient::from_client(client.clone()),
            egress: EgressClient::from_client(client.clone()),
            ingress: IngressClient::from_client(client.clone()),
            sip: SipClient::from_client(client.clone()),
            dispatch: AgentDispatchClient::from_client(client.clone()),
        }
    }

    /// Call number `i` of the mix ([`MIX`]), about `room` where the RPC takes a room.
    ///
    /// # Errors
    ///
    /// The call's error.
    pub async fn call(&self, i: usize, room: &str) -> Result<(), Error> {
        match i % MIX.len() {
            0 => self
                .room
                .list_rooms(livekit_server_room::proto::ListRoomsRequest::default())
                .await
                .map(drop),
            1 => self
                .room
                .list_participants(livekit_server_room::proto::ListParticipantsRequest {
                    room: room.to_owned(),
                })
                .await
                .map(drop),
            2 => self
                .egress
                .list_egress(livekit_server_egress::proto::ListEgressRequest {
                    room_name: room.to_owned(),
                    ..Default::default()
                })
                .await
                .map(drop),
            3 => self
                .ingress
                .list_ingress(livekit_server_ingress::proto::ListIngressRequest {
                    room_name: room.to_owned(),
                    ..Default::default()
                })
                .await
                .map(drop),
            4 => self
                .sip
                .list_sip_inbound_trunk(
                    livekit_server_sip::proto::ListSipInboundTrunkRequest::default(),
                )
                .await
                .map(drop),
            _ => self
                .dispatch
                .list_dispatch(
                    livekit_server_agent_dispatch::proto::ListAgentDispatchRequest {
                        room: room.to_owned(),
                        ..Default::default()
                    },
                )
                .await
                .map(drop),
        }
    }
}

/// One round's numbers.
#[derive(Debug, Clone, Copy)]
pub struct Round {
    /// Calls made (each one answered, with success or an error).
    pub calls: usize,
    /// Wall time of the round.
    pub wall: Duration,
    /// Calls per second.
    pub rate: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// The slowest call.
    pub max: Duration,
    /// Calls that failed.
    pub errors: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs `calls` calls of `call(i)` (`i` from 0) with `concurrency` in flight; returns the
/// round's numbers and the first error, if any.
pub async fn round<F, Fut, E>(calls: usize, concurrency: usize, call: F) -> (Round, Option<E>)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    let started = Instant::now();
    let results: Vec<(Duration, Result<(), E>)> = futures_util::stream::iter(0..calls)
        .map(|i| {
            let fut = call(i);
            async move {
                let t = Instant::now();
                let result = fut.await;
                (t.elapsed(), result)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let wall = started.elapsed();
    let mut latencies: Vec<Duration> = results.iter().map(|(d, _)| *d).collect();
    latencies.sort();
    let mut errors = 0;
    let mut first = None;
    for (_, result) in results {
        if let Err(error) = result {
            errors += 1;
            first.get_or_insert(error);
        }
    }
    let round = Round {
        calls: latencies.len(),
        wall,
        rate: latencies.len() as f64 / wall.as_secs_f64(),
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        max: latencies.last().copied().unwrap_or_default(),
        errors,
    };
    (round, first)
}
