//! A load run against the real server: 2,000 mixed read calls (ListRooms, ListParticipants,
//! ListEgress, ListIngress, ListSIPInboundTrunk, ListDispatch) at concurrency 64 through one
//! shared client. Every call must succeed; the throughput and latency are printed (run with
//! `--nocapture` to see them). The same mix, outside `cargo test` and next to the official
//! crate, is `bench/load` (see docs/performance.md).

#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use livekit_server_agent_dispatch::AgentDispatchClient;
use livekit_server_egress::EgressClient;
use livekit_server_http::Error;
use livekit_server_ingress::IngressClient;
use livekit_server_room::{RoomClient, proto};
use livekit_server_sip::SipClient;
use livekit_server_tests::{TestEnv, unique_name};

const CALLS: usize = 2_000;
const CONCURRENCY: usize = 64;

/// The six clients, sharing one connection pool.
struct Clients {
    room: RoomClient,
    egress: EgressClient,
    ingress: IngressClient,
    sip: SipClient,
    dispatch: AgentDispatchClient,
}

impl Clients {
    /// Call number `i` of the mix.
    async fn call(&self, i: usize, room: &str) -> Result<(), Error> {
        match i % 6 {
            0 => self
                .room
                .list_rooms(proto::ListRoomsRequest::default())
                .await
                .map(drop),
            1 => self
                .room
                .list_participants(proto::ListParticipantsRequest {
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stdout)]
async fn two_thousand_mixed_reads_at_concurrency_64_all_succeed() {
    let env = TestEnv::from_env();
    let client = support::client(&env);
    let clients = Clients {
        room: RoomClient::from_client(client.clone()),
        egress: EgressClient::from_client(client.clone()),
        ingress: IngressClient::from_client(client.clone()),
        sip: SipClient::from_client(client.clone()),
        dispatch: AgentDispatchClient::from_client(client),
    };
    let room = unique_name("load");
    clients
        .room
        .create_room(proto::CreateRoomRequest {
            name: room.clone(),
            empty_timeout: 300,
            ..Default::default()
        })
        .await
        .unwrap();
    // Warm the pool as a long-running service would be.
    for i in 0..6 {
        clients.call(i, &room).await.unwrap();
    }

    let started = Instant::now();
    let results: Vec<(Duration, Result<(), Error>)> = futures_util::stream::iter(0..CALLS)
        .map(|i| {
            let clients = &clients;
            let room = &room;
            async move {
                let t = Instant::now();
                let result = clients.call(i, room).await;
                (t.elapsed(), result)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let wall = started.elapsed();

    let errors: Vec<&Error> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().err())
        .collect();
    assert!(
        errors.is_empty(),
        "{} of {CALLS} calls failed, first: {:?}",
        errors.len(),
        errors.first()
    );
    assert_eq!(results.len(), CALLS);
    let mut latencies: Vec<Duration> = results.iter().map(|(d, _)| *d).collect();
    latencies.sort();
    let p50 = percentile(&latencies, 0.50);
    let p99 = percentile(&latencies, 0.99);
    let rate = CALLS as f64 / wall.as_secs_f64();
    println!(
        "load: {CALLS} mixed reads at concurrency {CONCURRENCY} in {wall:.2?}: {rate:.0} calls/s, \
         p50 {p50:.2?}, p99 {p99:.2?}, max {:.2?}",
        latencies[latencies.len() - 1]
    );
    assert!(p50 <= p99);
}
