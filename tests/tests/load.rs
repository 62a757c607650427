//! A load run against the real server: 2,000 mixed read calls (ListRooms, ListParticipants,
//! ListEgress, ListIngress, ListSIPInboundTrunk, ListDispatch) at concurrency 64 through one
//! shared client. Every call must succeed; the throughput and latency are printed (run with
//! `--nocapture` to see them). The same mix and the same measurement, outside `cargo test` and
//! next to the official crate, are `bench/load` (see `support/load_mix.rs` and
//! docs/performance.md).

#![allow(clippy::unwrap_used)]

mod support;

use livekit_server_tests::{TestEnv, unique_name};
use support::load_mix::{self, Clients, MIX};

const CALLS: usize = 2_000;
const CONCURRENCY: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stdout)]
async fn two_thousand_mixed_reads_at_concurrency_64_all_succeed() {
    let env = TestEnv::from_env();
    let clients = Clients::new(&support::client(&env));
    let room = unique_name("load");
    support::create_room(&clients.room, &room, 300).await;
    // Warm the pool as a long-running service would be.
    for i in 0..MIX.len() {
        clients.call(i, &room).await.unwrap();
    }

    let (round, first) = load_mix::round(CALLS, CONCURRENCY, |i| clients.call(i, &room)).await;
    assert!(
        round.errors == 0,
        "{} of {CALLS} calls failed, first: {first:?}",
        round.errors
    );
    assert_eq!(round.calls, CALLS);
    println!(
        "load: {CALLS} mixed reads at concurrency {CONCURRENCY} in {:.2?}: {:.0} calls/s, \
         p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        round.wall, round.rate, round.p50, round.p99, round.max
    );
}
