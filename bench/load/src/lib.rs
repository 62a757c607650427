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

/// The request mix through our clients and the measured round: the file the integration test
/// `tests/tests/load.rs` runs, included here so that both measure the same thing.
#[path = "../../../tests/tests/support/load_mix.rs"]
mod load_mix;

pub use load_mix::{Clients, MIX, Round, round};

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
    let (_, first) = round(settings.calls, settings.concurrency, &call).await;
    if let Some(error) = first {
        panic!("{client}: the warm-up round failed: {error:?}");
    }
    let mut rounds = Vec::new();
    for n in 1..=settings.rounds {
        let (r, first) = round(settings.calls, settings.concurrency, &call).await;
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
