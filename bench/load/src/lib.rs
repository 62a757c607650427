//! The load run shared by `load-ours` and `load-official`: the same call mix, the same
//! concurrency, the same report, so the two clients are compared on equal terms against one
//! real LiveKit server (`LIVEKIT_URL`, `LIVEKIT_API_KEY`, `LIVEKIT_API_SECRET`, as printed by
//! `cargo xtask up`).
//!
//! ```text
//! source target/integration/run-<pid>/env.sh
//! cd bench && cargo run --release -p bench-load --bin load-ours -- [--calls 2000] [--concurrency 64] [--rounds 5]
//! cd bench && cargo run --release -p bench-load --bin load-official -- [same flags]
//! ```

use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;

/// The RPCs of the mix, in order: call `i` is `MIX[i % 6]`.
pub const MIX: [&str; 6] = [
    "ListRooms",
    "ListParticipants",
    "ListEgress",
    "ListIngress",
    "ListSIPInboundTrunk",
    "ListDispatch",
];

/// The run's settings, from the command line.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Calls per round (default 2,000).
    pub calls: usize,
    /// Calls in flight (default 64).
    pub concurrency: usize,
    /// Rounds; the median round is reported (default 5).
    pub rounds: usize,
}

impl Settings {
    /// Reads `--calls`, `--concurrency` and `--rounds`.
    pub fn from_args() -> Settings {
        let args: Vec<String> = std::env::args().collect();
        let flag = |name: &str, default: usize| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
                .map_or(default, |v| v.parse().expect("a number"))
        };
        Settings {
            calls: flag("--calls", 2_000),
            concurrency: flag("--concurrency", 64),
            rounds: flag("--rounds", 5),
        }
    }
}

/// `LIVEKIT_URL`, `LIVEKIT_API_KEY`, `LIVEKIT_API_SECRET`.
pub fn credentials() -> (String, String, String) {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set: start a server with `cargo xtask up` and source its env.sh")
        })
    };
    (
        var("LIVEKIT_URL"),
        var("LIVEKIT_API_KEY"),
        var("LIVEKIT_API_SECRET"),
    )
}

/// A room name of this process.
pub fn room_name(client: &str) -> String {
    format!("bench-load-{client}-{}", std::process::id())
}

/// One round's numbers.
#[derive(Debug, Clone, Copy)]
pub struct Round {
    /// Wall time of the round.
    pub wall: Duration,
    /// Calls per second.
    pub rate: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Calls that failed.
    pub errors: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs `settings.calls` calls of `call(i)` with `settings.concurrency` in flight.
pub async fn round<F, Fut, E>(settings: Settings, call: F) -> (Round, Option<E>)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    let started = Instant::now();
    let results: Vec<(Duration, Result<(), E>)> = futures_util::stream::iter(0..settings.calls)
        .map(|i| {
            let fut = call(i);
            async move {
                let t = Instant::now();
                let result = fut.await;
                (t.elapsed(), result)
            }
        })
        .buffer_unordered(settings.concurrency)
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
        wall,
        rate: settings.calls as f64 / wall.as_secs_f64(),
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        errors,
    };
    (round, first)
}

/// Runs the rounds (after a warm-up round) and prints each and the median by throughput.
pub async fn run<F, Fut, E>(client: &str, settings: Settings, call: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Debug,
{
    println!(
        "{client}: {} calls of {MIX:?} (round robin) at concurrency {}, {} rounds after a warm-up",
        settings.calls, settings.concurrency, settings.rounds
    );
    let (_, first) = round(settings, &call).await;
    if let Some(error) = first {
        panic!("{client}: the warm-up round failed: {error:?}");
    }
    let mut rounds = Vec::new();
    for n in 1..=settings.rounds {
        let (r, first) = round(settings, &call).await;
        println!(
            "{client} round {n}: {:>6.0} calls/s  p50 {:>8.2?}  p99 {:>8.2?}  wall {:.2?}  errors {}",
            r.rate, r.p50, r.p99, r.wall, r.errors
        );
        if let Some(error) = first {
            println!("{client} round {n}: first error: {error:?}");
        }
        rounds.push(r);
    }
    rounds.sort_by(|a, b| a.rate.total_cmp(&b.rate));
    let median = rounds[rounds.len() / 2];
    let errors: usize = rounds.iter().map(|r| r.errors).sum();
    println!(
        "{client} median: {:.0} calls/s, p50 {:.2?}, p99 {:.2?}, errors {errors}",
        median.rate, median.p50, median.p99
    );
}
