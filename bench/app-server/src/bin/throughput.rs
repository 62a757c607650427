//! Throughput and latency of `POST /token`, in one run: `livekit-app-server` (ours, logging
//! its `token issued` line at `info`) against a minimal axum server on the official
//! `livekit-api` crate (`token-official`) and a minimal Express + `livekit-server-sdk` server
//! (`express/server.js`), with the floor of the stack (`floor`: hyper answering a fixed body,
//! no work at all) for scale. The load generator is `wrk` (Debian's package), with keep-alive.
//!
//! Each server runs pinned to one core (`taskset -c <server-core>`), `wrk` (one thread) on
//! another (`taskset -c <load-core>`). All servers are started and warmed up first; then, in
//! each of `--rounds` rounds, every contender is driven at each concurrency (1 and 64) in
//! turn, so that a disturbance of the machine hits all of them alike; while one contender is
//! driven the others are stopped (`SIGSTOP`, then `SIGCONT`), so that their timers and
//! collectors (Node's, for one) do not run on the server core during its runs. Reported per contender
//! and concurrency, as the median over the rounds: requests/s (with the range), p50 and p99
//! latency (wrk's `--latency`), the server's CPU time per request (user + system from
//! `/proc/<pid>/stat`, over the run); and its peak RSS (`VmHWM`) and standard output, which
//! this process drains as a log collector would. This process runs on the load core too (it
//! starts itself again under `taskset`), so that draining the servers' output never takes
//! time from the server's core.
//!
//! ```sh
//! cargo build --release -p livekit-app-server            # in the main workspace
//! (cd bench/app-server/express && npm ci)
//! cd bench && cargo run --release -p bench-app-server --bin app-server-throughput -- \
//!     [--rounds 3] [--duration 10] [--server-core 0] [--load-core 1] [--ours PATH]
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const KEY: &str = "APIbenchAppServer";
const SECRET: &str = "bench-app-server-secret-that-is-long-enough";
const BODY: &str = r#"{"roomName":"bench-room","participantName":"bench-participant"}"#;
const CONCURRENCIES: [u32; 2] = [1, 64];
const WARM_UP: Duration = Duration::from_secs(3);

struct Options {
    rounds: usize,
    duration: u64,
    server_core: u32,
    load_core: u32,
    ours: PathBuf,
}

fn options() -> Options {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut options = Options {
        rounds: 3,
        duration: 10,
        server_core: 0,
        load_core: 1,
        ours: bench.join("../target/release/livekit-app-server"),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let value = iter
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--rounds" => options.rounds = value.parse().expect("--rounds: a count"),
            "--duration" => options.duration = value.parse().expect("--duration: seconds"),
            "--server-core" => options.server_core = value.parse().expect("--server-core: a core"),
            "--load-core" => options.load_core = value.parse().expect("--load-core: a core"),
            "--ours" => options.ours = PathBuf::from(value),
            other => panic!("unknown option {other}"),
        }
    }
    options
}

/// A server under test, pinned to a core; its output drained and counted.
struct Server {
    child: Child,
    output_bytes: Arc<AtomicU64>,
}

impl Server {
    fn start(program: &Path, args: &[&str], env: &[(&str, &str)], core: u32) -> Server {
        let mut child = Command::new("taskset")
            .arg("-c")
            .arg(core.to_string())
            .arg(program)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", program.display()));
        let output_bytes = Arc::new(AtomicU64::new(0));
        let mut stdout = child.stdout.take().expect("piped stdout");
        let counter = Arc::clone(&output_bytes);
        std::thread::spawn(move || {
            let mut buffer = vec![0u8; 1 << 16];
            while let Ok(n) = stdout.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                counter.fetch_add(n as u64, Ordering::Relaxed);
            }
        });
        Server {
            child,
            output_bytes,
        }
    }

    /// Stops (`SIGSTOP`) or resumes (`SIGCONT`) the server.
    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill (procps)");
        assert!(
            status.success(),
            "kill -{signal} {} failed",
            self.child.id()
        );
    }

    /// User + system CPU time of the whole process so far.
    fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("/proc/<pid>/stat");
        // The fields after the command name (which is in parentheses and may hold spaces).
        let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64)
    }

    /// Peak resident set size, in KiB.
    fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/<pid>/status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn clock_ticks() -> u64 {
    let output = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .expect("getconf");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("CLK_TCK")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Waits until `POST /token` answers 200.
fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let request = format!(
                "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{BODY}",
                BODY.len()
            );
            let mut answer = String::new();
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_to_string(&mut answer).is_ok()
                && answer.starts_with("HTTP/1.1 200")
                && answer.contains("\"token\"")
            {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the server on {port} did not become ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One wrk run's numbers.
struct Run {
    requests: u64,
    rps: f64,
    /// Microseconds.
    p50: f64,
    p99: f64,
    errors: String,
}

/// wrk's latency (`850.00us`, `1.10ms`, `1.20s`) in microseconds.
fn micros(text: &str) -> f64 {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or_else(|| panic!("no unit in {text:?}"));
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().unwrap_or_else(|_| panic!("{text:?}"));
    match unit {
        "us" => number,
        "ms" => number * 1e3,
        "s" => number * 1e6,
        "m" => number * 60e6,
        other => panic!("unknown unit {other:?} in {text:?}"),
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn latency(micros: f64) -> String {
    if micros >= 1000.0 {
        format!("{:.2} ms", micros / 1e3)
    } else {
        format!("{micros:.0} µs")
    }
}

fn wrk(port: u16, connections: u32, duration: Duration, core: u32, script: &Path) -> Run {
    let output = Command::new("taskset")
        .args(["-c", &core.to_string(), "wrk", "-t1"])
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs()))
        .arg("--latency")
        .arg("-s")
        .arg(script)
        .arg(format!("http://127.0.0.1:{port}/token"))
        .output()
        .expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "wrk failed: {text}");
    let field = |prefix: &str| -> Option<String> {
        text.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(|rest| rest.trim().to_owned())
    };
    let requests = text
        .lines()
        .find(|line| line.contains(" requests in "))
        .and_then(|line| line.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no request count in wrk's output: {text}"));
    let mut errors = Vec::new();
    if let Some(non_2xx) = field("Non-2xx or 3xx responses:") {
        errors.push(format!("{non_2xx} non-2xx"));
    }
    if let Some(socket) = field("Socket errors:") {
        errors.push(socket);
    }
    Run {
        requests,
        rps: field("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .expect("Requests/sec"),
        p50: micros(&field("50%").expect("p50 (--latency)")),
        p99: micros(&field("99%").expect("p99 (--latency)")),
        errors: if errors.is_empty() {
            "none".to_owned()
        } else {
            errors.join("; ")
        },
    }
}

/// Set in the environment of this process once it runs pinned to the load core.
const PINNED: &str = "APP_SERVER_BENCH_PINNED";

fn main() {
    let options = options();
    if std::env::var_os(PINNED).is_none() {
        // The threads that drain the servers' output are this process's: keep them (and
        // everything else the driver does) off the server's core.
        let status = Command::new("taskset")
            .arg("-c")
            .arg(options.load_core.to_string())
            .arg(std::env::current_exe().expect("current exe"))
            .args(std::env::args_os().skip(1))
            .env(PINNED, "1")
            .status()
            .expect("taskset (util-linux)");
        std::process::exit(status.code().unwrap_or(1));
    }
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    let official = std::env::current_exe()
        .expect("current exe")
        .with_file_name("token-official");
    let floor = official.with_file_name("floor");
    let express = bench.join("express/server.js");
    assert!(
        options.ours.exists(),
        "{} is missing: run `cargo build --release -p livekit-app-server` in the main workspace",
        options.ours.display()
    );
    assert!(
        official.exists(),
        "{} is missing: build with `cargo build --release -p bench-app-server`",
        official.display()
    );
    assert!(
        bench
            .join("express/node_modules/livekit-server-sdk")
            .exists(),
        "run `npm ci` in {}",
        bench.join("express").display()
    );
    let script = std::env::temp_dir().join(format!("app-server-bench-{}.lua", std::process::id()));
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = '{BODY}'\n\
             wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        ),
    )
    .expect("write the wrk script");

    let node = PathBuf::from("node");
    let express_arg = express.to_string_lossy().into_owned();
    let contenders: [(&str, &Path, Vec<&str>, &str); 5] = [
        ("floor: hyper, a fixed answer", &floor, vec![], "info"),
        ("ours (RUST_LOG=info)", &options.ours, vec![], "info"),
        ("ours (RUST_LOG=warn)", &options.ours, vec![], "warn"),
        ("axum + livekit-api 0.10.0", &official, vec![], "info"),
        (
            "Express 5 + livekit-server-sdk 2.19.2",
            &node,
            vec![&express_arg],
            "info",
        ),
    ];
    let duration = Duration::from_secs(options.duration);
    println!(
        "POST /token, keep-alive; servers on core {}, wrk -t1 on core {}; {} s per run, \
         median of {} rounds",
        options.server_core, options.load_core, options.duration, options.rounds
    );
    let mut servers = Vec::new();
    for (name, program, args, log) in &contenders {
        let port = free_port();
        let port_text = port.to_string();
        let server = Server::start(
            program,
            args,
            &[
                ("SERVER_HOST", "127.0.0.1"),
                ("SERVER_PORT", &port_text),
                ("LIVEKIT_API_KEY", KEY),
                ("LIVEKIT_API_SECRET", SECRET),
                ("RUST_LOG", log),
                ("NODE_ENV", "production"),
            ],
            options.server_core,
        );
        wait_ready(port);
        wrk(port, 64, WARM_UP, options.load_core, &script);
        servers.push((*name, port, server));
    }
    // runs[contender][concurrency] = (run, server CPU, standard output bytes)
    let mut runs: Vec<Vec<Vec<(Run, Duration, u64)>>> = (0..servers.len())
        .map(|_| CONCURRENCIES.iter().map(|_| Vec::new()).collect())
        .collect();
    for round in 0..options.rounds {
        eprintln!("round {} of {}", round + 1, options.rounds);
        for (index, (_, port, server)) in servers.iter().enumerate() {
            for (other, (_, _, idle)) in servers.iter().enumerate() {
                idle.signal(if other == index { "CONT" } else { "STOP" });
            }
            for (slot, connections) in CONCURRENCIES.into_iter().enumerate() {
                let cpu_before = server.cpu();
                let output_before = server.output_bytes.load(Ordering::Relaxed);
                let run = wrk(*port, connections, duration, options.load_core, &script);
                let cpu = server.cpu().saturating_sub(cpu_before);
                let output = server.output_bytes.load(Ordering::Relaxed) - output_before;
                runs[index][slot].push((run, cpu, output));
            }
        }
    }
    println!(
        "| server | c | requests/s (range) | p50 | p99 | server CPU per request | peak RSS | stdout per 1000 requests | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (index, (name, _, server)) in servers.iter().enumerate() {
        for (slot, connections) in CONCURRENCIES.into_iter().enumerate() {
            let samples = &runs[index][slot];
            let pick = |f: &dyn Fn(&(Run, Duration, u64)) -> f64| {
                median(&mut samples.iter().map(f).collect::<Vec<_>>())
            };
            let rps = pick(&|(run, _, _)| run.rps);
            let low = samples
                .iter()
                .map(|(run, _, _)| run.rps)
                .fold(f64::MAX, f64::min);
            let high = samples
                .iter()
                .map(|(run, _, _)| run.rps)
                .fold(0.0, f64::max);
            let p50 = pick(&|(run, _, _)| run.p50);
            let p99 = pick(&|(run, _, _)| run.p99);
            let cpu = pick(&|(run, cpu, _)| cpu.as_secs_f64() * 1e6 / run.requests.max(1) as f64);
            let output =
                pick(&|(run, _, output)| *output as f64 * 1000.0 / run.requests.max(1) as f64);
            let errors: Vec<&str> = samples
                .iter()
                .map(|(run, _, _)| run.errors.as_str())
                .filter(|e| *e != "none")
                .collect();
            println!(
                "| {name} | {connections} | {rps:.0} ({low:.0}–{high:.0}) | {} | {} | {cpu:.1} µs | {:.1} MiB | {:.0} KB | {} |",
                latency(p50),
                latency(p99),
                server.peak_rss_kib() as f64 / 1024.0,
                output / 1e3,
                if errors.is_empty() {
                    "none".to_owned()
                } else {
                    errors.join("; ")
                },
            );
        }
    }
    drop(servers);
    let _ = std::fs::remove_file(&script);
}
