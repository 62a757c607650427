//! Client-side cost of one Twirp `ListRooms` round trip: `livekit-server-http` against the
//! official crates.io `livekit-api` 0.10.0 (`RoomClient::list_rooms`), in one run, against the
//! same server, over plain HTTP and over TLS with a private CA (what any real deployment uses).
//!
//! The server is this binary started again with `--serve` in a child process (hyper on
//! 127.0.0.1:0, one thread, HTTP/1.1 and HTTP/2; its TLS port offers ALPN `h2` and `http/1.1`
//! with the certificate of `crates/livekit-server-http/tests/tls/`), answering every request
//! with a fixed protobuf `ListRoomsResponse` of three rooms, so the CPU time measured with
//! `getrusage(RUSAGE_SELF)` is the clients' alone. Our client trusts the test CA through
//! `HyperTransportBuilder::add_root_certificate` (over TLS it is measured twice: with the
//! default HTTP/1.1, and with `http2(true)`); the official one (rustls, native roots)
//! through `SSL_CERT_FILE`. Both clients run on the same Tokio runtime, sign a token per call,
//! reuse pooled connections, and decode into the protocol's `ListRoomsResponse`. Each (path,
//! client, concurrency) cell is measured `--rounds` times, alternating which client goes
//! first; the median is reported.
//!
//! ```text
//! cargo run --release -p bench-round-trip -- [--seconds 2] [--rounds 9] [--client-threads 1]
//! cargo run --release -p bench-round-trip -- --profile ours|ours-h2|theirs --concurrency 64 [--tls]   # one client alone
//! ```

#[allow(dead_code, unreachable_pub)]
#[path = "../../../crates/livekit-server-http/tests/support/rooms.rs"]
mod rooms;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use livekit_server_http::{CallOptions, Client, HyperTransport, Scope};
use livekit_server_proto as proto;
use rooms::LIST_ROOMS;

const KEY: &str = "APIbenchkey";
const SECRET: &str = "bench-secret-bench-secret-bench-secret-0123";
/// The private CA and the `localhost` certificate it signed (test material of the http crate).
const TLS_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../crates/livekit-server-http/tests/tls"
);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--serve") {
        serve();
        return;
    }
    // SAFETY: no other thread exists yet. The official client's rustls-native-certs reads the
    // roots it trusts from this file.
    unsafe { std::env::set_var("SSL_CERT_FILE", format!("{TLS_DIR}/ca.pem")) };
    let tls_only = args.iter().any(|a| a == "--tls");
    let flag = |name: &str, default: f64| -> f64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let seconds = flag("--seconds", 2.0);
    let rounds = (flag("--rounds", 9.0) as usize).max(1);
    let threads = flag("--client-threads", 1.0) as usize;
    // `--profile ours|theirs`: run one client alone at `--concurrency` (for perf).
    let profile = args
        .iter()
        .position(|a| a == "--profile")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let only_concurrency = flag("--concurrency", 0.0) as usize;

    let mut child = Command::new(std::env::current_exe().expect("current exe"))
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server process");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("port");
    let ports: Vec<u16> = line
        .trim()
        .strip_prefix("PORTS ")
        .expect("PORTS line")
        .split(' ')
        .map(|port| port.parse().expect("port"))
        .collect();
    let plain_url = format!("http://127.0.0.1:{}", ports[0]);
    let tls_url = format!("https://localhost:{}", ports[1]);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .expect("runtime");
    let plain = Clients::new(&plain_url, None);
    let tls = Clients::new(&tls_url, Some(&ca_der()));
    // Each client once, before anything is measured: a wrong setup fails here.
    runtime.block_on(async {
        for clients in [&plain, &tls] {
            one_call(clients, Impl::Ours).await;
            one_call(clients, Impl::Theirs).await;
        }
    });
    if let Some(which) = profile {
        let clients = if tls_only { &tls } else { &plain };
        let imp = match which.as_str() {
            "ours" => Impl::Ours,
            "ours-h2" => Impl::OursH2,
            _ => Impl::Theirs,
        };
        let concurrency = only_concurrency.max(1);
        let (u0, s0, v0) = usage_split();
        let cell = runtime.block_on(measure(
            clients,
            imp,
            concurrency,
            Duration::from_secs_f64(seconds),
        ));
        let (u1, s1, v1) = usage_split();
        let calls = cell.calls_per_sec * seconds;
        println!(
            "{which} c={concurrency}: {:.0} calls/s, {:.2} CPU µs/call (user {:.2}, sys {:.2}, {:.2} voluntary switches/call; incl. warm-up)",
            cell.calls_per_sec,
            cell.cpu_us_per_call,
            (u1 - u0).as_secs_f64() * 1e6 / calls,
            (s1 - s0).as_secs_f64() * 1e6 / calls,
            (v1 - v0) as f64 / calls,
        );
        drop(child.stdin.take());
        let _ = child.kill();
        let _ = child.wait();
        return;
    }

    println!(
        "ListRooms round trip, server in a child process, client runtime: {threads} worker thread(s), \
         {seconds} s per cell, median of {rounds} rounds"
    );
    println!();
    println!(
        "| path | concurrency | client | calls/s | CPU µs/call | calls/s ratio | CPU time ratio |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|");
    for (path, clients) in [("HTTP", &plain), ("TLS, private CA", &tls)] {
        // Over TLS, ours also with HTTP/2 offered (`HyperTransportBuilder::http2(true)`).
        let contenders: &[Impl] = if clients.ours_h2.is_some() {
            &[Impl::Ours, Impl::OursH2, Impl::Theirs]
        } else {
            &[Impl::Ours, Impl::Theirs]
        };
        for concurrency in [1usize, 64] {
            let mut results = [Vec::new(), Vec::new(), Vec::new()];
            let mut ratios = [(Vec::new(), Vec::new()), (Vec::new(), Vec::new())];
            for round in 0..rounds {
                let mut order = contenders.to_vec();
                order.rotate_left(round % contenders.len());
                let mut cells = [None; 3];
                for imp in order {
                    let cell = runtime.block_on(measure(
                        clients,
                        imp,
                        concurrency,
                        Duration::from_secs_f64(seconds),
                    ));
                    results[imp as usize].push(cell);
                    cells[imp as usize] = Some(cell);
                }
                let Some(theirs) = cells[Impl::Theirs as usize] else {
                    continue;
                };
                for (ours, (rate, cpu)) in [Impl::Ours, Impl::OursH2].into_iter().zip(&mut ratios) {
                    if let Some(ours) = cells[ours as usize] {
                        // Ratios of cells measured in the same round: robust to load that
                        // drifts during the run.
                        rate.push(ours.calls_per_sec / theirs.calls_per_sec);
                        cpu.push(ours.cpu_us_per_call / theirs.cpu_us_per_call);
                    }
                }
            }
            for (ours, (rate, cpu)) in [Impl::Ours, Impl::OursH2].into_iter().zip(&mut ratios) {
                if rate.is_empty() {
                    continue;
                }
                let cell = median(&results[ours as usize]);
                println!(
                    "| {path} | {concurrency} | {} | {:.0} | {:.1} | {:.2}× | {:.2}× |",
                    ours.label(),
                    cell.calls_per_sec,
                    cell.cpu_us_per_call,
                    median_of(rate),
                    median_of(cpu),
                );
            }
            let theirs = median(&results[Impl::Theirs as usize]);
            println!(
                "| {path} | {concurrency} | {} | {:.0} | {:.1} | 1 | 1 |",
                Impl::Theirs.label(),
                theirs.calls_per_sec,
                theirs.cpu_us_per_call,
            );
        }
    }
    println!();
    println!(
        "calls/s and CPU µs/call: medians over the rounds; ratios: median of the per-round ratios (ours / theirs)."
    );
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
}

#[derive(Clone)]
struct Clients {
    ours: Arc<Client>,
    /// Over TLS: ours with HTTP/2 offered.
    ours_h2: Option<Arc<Client>>,
    theirs: Arc<livekit_api::services::room::RoomClient>,
}

impl Clients {
    /// Both clients for `url`; ours trusting only `ca` when given (the official one trusts
    /// `SSL_CERT_FILE`).
    fn new(url: &str, ca: Option<&[u8]>) -> Clients {
        let tls = |http2: bool| {
            ca.map(|ca| {
                let transport = HyperTransport::builder()
                    .http2(http2)
                    .no_default_roots()
                    .add_root_certificate(ca.to_vec());
                let client = Client::builder()
                    .url(url)
                    .credentials(KEY, SECRET)
                    .hyper_transport(transport)
                    .build();
                Arc::new(client.expect("our client"))
            })
        };
        let ours = tls(false)
            .unwrap_or_else(|| Arc::new(Client::new(url, KEY, SECRET).expect("our client")));
        Clients {
            ours,
            ours_h2: tls(true),
            theirs: Arc::new(livekit_api::services::room::RoomClient::with_api_key(
                url, KEY, SECRET,
            )),
        }
    }
}

/// The DER of the first certificate in a PEM file.
fn pem_der(path: &str) -> Vec<u8> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    CertificateDer::from_pem_file(path).expect(path).to_vec()
}

fn ca_der() -> Vec<u8> {
    pem_der(&format!("{TLS_DIR}/ca.pem"))
}

#[derive(Clone, Copy)]
enum Impl {
    Ours = 0,
    OursH2 = 1,
    Theirs = 2,
}

impl Impl {
    fn label(self) -> &'static str {
        match self {
            Impl::Ours => "livekit-server-http",
            Impl::OursH2 => "livekit-server-http, `http2(true)`",
            Impl::Theirs => "livekit-api 0.10.0",
        }
    }
}

#[derive(Clone, Copy)]
struct Cell {
    calls_per_sec: f64,
    cpu_us_per_call: f64,
}

fn median_of(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn median(cells: &[Cell]) -> Cell {
    let mut rates: Vec<f64> = cells.iter().map(|c| c.calls_per_sec).collect();
    let mut cpus: Vec<f64> = cells.iter().map(|c| c.cpu_us_per_call).collect();
    rates.sort_by(f64::total_cmp);
    cpus.sort_by(f64::total_cmp);
    Cell {
        calls_per_sec: rates[rates.len() / 2],
        cpu_us_per_call: cpus[cpus.len() / 2],
    }
}

/// User and system CPU time of this process (all threads), and voluntary context switches.
fn usage_split() -> (Duration, Duration, i64) {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a complete `rusage` into the pointer it is given.
    let usage = unsafe {
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()), 0);
        usage.assume_init()
    };
    let micros =
        |t: libc::timeval| Duration::from_micros(t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64);
    (
        micros(usage.ru_utime),
        micros(usage.ru_stime),
        usage.ru_nvcsw,
    )
}

/// User + system CPU time of this process (all threads).
fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a complete `rusage` into the pointer it is given.
    let usage = unsafe {
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()), 0);
        usage.assume_init()
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

async fn one_call(clients: &Clients, imp: Impl) {
    match imp {
        Impl::Ours | Impl::OursH2 => {
            let client = match (imp, &clients.ours_h2) {
                (Impl::OursH2, Some(h2)) => h2,
                (Impl::OursH2, None) => {
                    panic!("ours with HTTP/2 is measured over TLS only (--tls)")
                }
                _ => &clients.ours,
            };
            let response: proto::ListRoomsResponse = client
                .call(
                    &LIST_ROOMS,
                    Scope::NONE,
                    &proto::ListRoomsRequest::default(),
                    &CallOptions::new(),
                )
                .await
                .expect("livekit-server-http call");
            assert_eq!(response.rooms.len(), 3);
        }
        Impl::Theirs => {
            let rooms = clients
                .theirs
                .list_rooms(Vec::new())
                .await
                .expect("livekit-api call");
            assert_eq!(rooms.len(), 3);
        }
    }
}

async fn run_for(clients: &Arc<Clients>, imp: Impl, concurrency: usize, duration: Duration) -> u64 {
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let clients = clients.clone();
        tasks.push(tokio::spawn(async move {
            let mut calls = 0u64;
            while Instant::now() < deadline {
                one_call(&clients, imp).await;
                calls += 1;
            }
            calls
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("task");
    }
    total
}

async fn measure(clients: &Clients, imp: Impl, concurrency: usize, duration: Duration) -> Cell {
    let clients = Arc::new(clients.clone());
    // Warm up: open the pooled connections, fill caches.
    run_for(&clients, imp, concurrency, Duration::from_millis(300)).await;
    let cpu_before = cpu_time();
    let started = Instant::now();
    let calls = run_for(&clients, imp, concurrency, duration).await;
    let elapsed = started.elapsed();
    let cpu = cpu_time() - cpu_before;
    Cell {
        calls_per_sec: calls as f64 / elapsed.as_secs_f64(),
        cpu_us_per_call: cpu.as_secs_f64() * 1e6 / calls as f64,
    }
}

/// The server: fixed `ListRoomsResponse` on a plain and a TLS port (HTTP/1.1 or HTTP/2 on
/// each), one thread; prints `PORTS <plain> <tls>`, exits when stdin closes.
fn serve() {
    use rustls::pki_types::PrivateKeyDer;
    use rustls::pki_types::pem::PemObject;
    let body = Bytes::from(prost::Message::encode_to_vec(&proto::ListRoomsResponse {
        rooms: (0..3)
            .map(|i| proto::Room {
                sid: format!("RM_{i}"),
                name: format!("room-{i}"),
                num_participants: 2,
                ..Default::default()
            })
            .collect(),
    }));
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        std::process::exit(0);
    });
    let chain = vec![rustls::pki_types::CertificateDer::from(pem_der(&format!(
        "{TLS_DIR}/server.pem"
    )))];
    let key = PrivateKeyDer::from_pem_file(format!("{TLS_DIR}/server.key.pem")).expect("key");
    #[allow(deprecated)] // ring's provider, as the SDK uses (rustls 0.23.48 deprecates it)
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server certificate");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("server runtime");
    runtime.block_on(async move {
        let plain = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let tls = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let mut stdout = std::io::stdout();
        let port = |l: &tokio::net::TcpListener| l.local_addr().expect("address").port();
        writeln!(stdout, "PORTS {} {}", port(&plain), port(&tls)).expect("print ports");
        stdout.flush().expect("flush");
        let plain_body = body.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = plain.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve_connection(stream, plain_body.clone()));
            }
        });
        loop {
            let Ok((stream, _)) = tls.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (acceptor, body) = (acceptor.clone(), body.clone());
            tokio::spawn(async move {
                if let Ok(stream) = acceptor.accept(stream).await {
                    serve_connection(stream, body).await;
                }
            });
        }
    });
}

/// Answers every request on `stream` with `body` (`application/protobuf`).
async fn serve_connection<S>(stream: S, body: Bytes)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |_request| {
        let body = body.clone();
        async move {
            let mut response = http::Response::new(http_body_util::Full::new(body));
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/protobuf"),
            );
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
        .await;
}
