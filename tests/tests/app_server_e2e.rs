//! End to end in a real browser: a headless Chromium opens the page of
//! `crates/livekit-app-server/e2e/`, which asks our application server for a token
//! (`POST /token`, cross-origin, as the tutorial front-ends do), connects to the real LiveKit
//! server of `cargo xtask integration` and publishes a fake microphone. The test checks that
//! the page connected, that the server lists the participant with the identity and name the
//! page asked for and its microphone track, and that our application server received and
//! verified the `participant_joined` webhook. The page then connects a second participant
//! through LiveKit's standard token endpoint (`POST /livekit/token`), with livekit-client's own
//! `TokenSource.endpoint`, the endpoint's bearer secret and an `X-Request-Id` header of the
//! page's own (which the CORS preflight must allow), and the server lists it too.
//!
//! The application server runs in this test process on `LIVEKIT_TEST_WEBHOOK_PORT`, the port
//! the environment's LiveKit server posts its webhooks to; it needs that URL's path to be
//! `/livekit/webhook` (the tutorial servers' path).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use livekit_app_server::{App, BearerSecret, Config, LivekitUrl};
use livekit_server_auth::{AccessToken, ApiSecret, VideoGrants};
use livekit_server_tests::{RUN_WITH, TestEnv, unique_name};
use serde_json::{Value, json};

/// How long the page may take to get a token, connect and publish.
const PAGE: Duration = Duration::from_secs(60);
/// How long the `participant_joined` webhook may take once the page is connected.
const WEBHOOK: Duration = Duration::from_secs(30);

/// The bearer secret of the standard token endpoint in this test.
const BEARER: &str = "e2e-token-endpoint-secret";

/// The e2e folder of the app server crate.
fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/livekit-app-server/e2e")
}

#[test]
fn browser_gets_a_token_connects_publishes_and_the_webhook_arrives() {
    let env = TestEnv::from_env();
    let chromium = env
        .chromium
        .clone()
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        chromium.exists(),
        "no Chromium at {} (LIVEKIT_TEST_CHROMIUM): run `cargo xtask setup`, then `{RUN_WITH}`",
        chromium.display()
    );
    let client_js = e2e_dir().join("node_modules/livekit-client/dist/livekit-client.umd.js");
    assert!(
        client_js.exists(),
        "{} is missing: run `cargo xtask setup` (it runs `npm ci` in \
         crates/livekit-app-server/e2e), then `{RUN_WITH}`",
        client_js.display()
    );

    let room = unique_name("app-e2e");
    let participant = format!("Zoë \"e2e\" 🎧 {}", unique_name("p"));
    let identity2 = unique_name("standard");
    let name2 = format!("Token Source ✓ {identity2}");

    // Our application server, on the port the LiveKit server posts webhooks to.
    let (webhooks_tx, webhooks) = mpsc::channel::<(String, String, String)>();
    let app_server = AppServer::start(&env, move |webhook| {
        let room = webhook
            .room
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let identity = webhook
            .participant
            .as_ref()
            .map(|p| p.identity.clone())
            .unwrap_or_default();
        let _ = webhooks_tx.send((webhook.kind().as_str().to_owned(), room, identity));
    });

    // The page, from another origin than the app server (so CORS is exercised for real).
    let (reports_tx, reports) = mpsc::channel::<Value>();
    let page = PageServer::start(reports_tx);
    let url = format!(
        "http://{}/index.html?app={}&livekit={}&room={}&name={}&report={}&bearer={}\
         &identity2={}&name2={}",
        page.addr,
        encode(&format!("http://127.0.0.1:{}/", env.webhook_port)),
        encode(&env.ws_url()),
        encode(&room),
        encode(&participant),
        encode(&format!("http://{}/report", page.addr)),
        encode(BEARER),
        encode(&identity2),
        encode(&name2),
    );
    let browser = Browser::launch(&chromium, &url);

    // 1. The page reports each step; it must reach `connected`.
    let mut steps = Vec::new();
    let connected = loop {
        let report = reports.recv_timeout(PAGE).unwrap_or_else(|_| {
            panic!(
                "the page did not connect within {PAGE:?}; its reports: {steps:?}\n\
                 chromium: {}\nserver log:\n{}",
                browser.log_tail(),
                env.server_log_tail(30)
            )
        });
        match report["state"].as_str() {
            Some("connected") => break report,
            Some("error") => panic!(
                "the page failed: {}\nearlier reports: {steps:?}\nserver log:\n{}",
                report["message"],
                env.server_log_tail(30)
            ),
            _ => steps.push(report),
        }
    };
    let bad = steps
        .iter()
        .find(|r| r["state"] == "bad-request-checked")
        .expect("bad request step");
    assert_eq!(
        bad["status"], 400,
        "a request without participantName is refused: {bad}"
    );
    assert_eq!(
        bad["errorMessage"], "participantName is required",
        "readable through CORS"
    );
    assert!(steps.iter().any(|r| r["state"] == "token"), "{steps:?}");
    let unauthorized = steps
        .iter()
        .find(|r| r["state"] == "standard-unauthorized-checked")
        .expect("standard endpoint without the bearer secret");
    assert_eq!(unauthorized["status"], 401, "{unauthorized}");
    assert_eq!(
        unauthorized["errorMessage"], "a valid Authorization: Bearer header is required",
        "readable through CORS"
    );
    let standard_token = steps
        .iter()
        .find(|r| r["state"] == "standard-token")
        .expect("a token from the standard endpoint");
    assert_eq!(
        standard_token["serverUrl"],
        env.ws_url().as_str(),
        "LIVEKIT_URL"
    );
    assert_eq!(connected["connectionState"], "connected", "{connected}");
    assert_eq!(connected["room"], room.as_str());
    assert_eq!(connected["identity"], participant.as_str());
    assert_eq!(connected["name"], participant.as_str());
    let published = connected["published"].as_array().unwrap();
    assert!(
        published
            .iter()
            .any(|p| p["source"] == "microphone" && p["kind"] == "audio"),
        "the fake microphone is published: {connected}"
    );
    let standard = &connected["standard"];
    assert_eq!(standard["connectionState"], "connected", "{connected}");
    assert_eq!(standard["room"], room.as_str());
    assert_eq!(standard["identity"], identity2.as_str());
    assert_eq!(standard["name"], name2.as_str());
    assert_eq!(
        standard["attributes"]["origin"], "token-source",
        "{standard}"
    );

    // 2. Our app server received and verified `participant_joined` for this participant.
    let deadline = std::time::Instant::now() + WEBHOOK;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let Ok(webhook) = webhooks.recv_timeout(left) else {
            panic!(
                "no verified participant_joined webhook for room {room} within {WEBHOOK:?}; \
                 verified so far: {seen:?}. The environment must post webhooks to \
                 http://127.0.0.1:{}/livekit/webhook (xtask/src/env.rs), signed with \
                 LIVEKIT_API_KEY.",
                env.webhook_port
            )
        };
        if webhook
            == (
                "participant_joined".to_owned(),
                room.clone(),
                participant.clone(),
            )
        {
            break;
        }
        seen.push(webhook);
    }

    // 3. The server lists the participant with the identity and name of the token we minted.
    let listed = list_participants(&env, &room);
    let participants = listed["participants"].as_array().expect("participants");
    let found = participants
        .iter()
        .find(|p| p["identity"] == participant.as_str())
        .unwrap_or_else(|| panic!("{participant:?} is not listed: {listed}"));
    assert_eq!(found["name"], participant.as_str(), "{found}");
    let tracks = found["tracks"].as_array().cloned().unwrap_or_default();
    assert!(
        tracks
            .iter()
            .any(|t| t["type"] == "AUDIO" && t["source"] == "MICROPHONE"),
        "the microphone track is listed: {found}"
    );
    let second = participants
        .iter()
        .find(|p| p["identity"] == identity2.as_str())
        .unwrap_or_else(|| panic!("{identity2:?} (standard endpoint) is not listed: {listed}"));
    assert_eq!(second["name"], name2.as_str(), "{second}");
    assert_eq!(second["attributes"]["origin"], "token-source", "{second}");

    drop(browser);
    app_server.stop();
}

/// Our application server on `127.0.0.1:<LIVEKIT_TEST_WEBHOOK_PORT>`, in its own runtime.
struct AppServer {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl AppServer {
    fn start(
        env: &TestEnv,
        on_webhook: impl Fn(&livekit_app_server::Webhook) + Send + Sync + 'static,
    ) -> AppServer {
        let config = {
            let mut config = Config::default();
            config.addr = SocketAddr::from(([127, 0, 0, 1], env.webhook_port));
            config.api_key = env.api_key.clone();
            config.api_secret = ApiSecret::new(env.api_secret.clone()).unwrap();
            config.shutdown_grace = Duration::from_secs(5);
            config.livekit_url = LivekitUrl::parse(&env.ws_url()).unwrap();
            config.token_endpoint_secret = BearerSecret::new(BEARER);
            config
        };
        let app = Arc::new(App::new(&config).unwrap().on_webhook(on_webhook));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(config.addr))
            .unwrap_or_else(|error| {
                panic!(
                    "cannot bind the webhook port {} for the app server: {error} \
                     (is another webhook receiver running in this process?)",
                    config.addr
                )
            });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let grace = config.shutdown_grace;
        let thread = std::thread::spawn(move || {
            runtime
                .block_on(livekit_app_server::serve_app(listener, app, grace, async {
                    let _ = rx.await;
                }))
                .unwrap();
        });
        AppServer {
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    fn stop(mut self) {
        self.shutdown.take().unwrap().send(()).unwrap();
        self.thread.take().unwrap().join().unwrap();
    }
}

impl Drop for AppServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Serves the page's files and receives its reports (`POST /report`, JSON).
struct PageServer {
    addr: SocketAddr,
}

impl PageServer {
    fn start(reports: mpsc::Sender<Value>) -> PageServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let reports = reports.clone();
                std::thread::spawn(move || {
                    let _ = serve_page_request(stream, &reports);
                });
            }
        });
        PageServer { addr }
    }
}

/// Answers one request and closes the connection.
fn serve_page_request(stream: TcpStream, reports: &mpsc::Sender<Value>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            break;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body)?;
    let path = target.split('?').next().unwrap_or_default();
    let dir = e2e_dir();
    let (status, content_type, content) = match (method.as_str(), path) {
        ("GET", "/" | "/index.html") => (
            "200 OK",
            "text/html; charset=utf-8",
            std::fs::read(dir.join("index.html"))?,
        ),
        ("GET", "/app.js") => (
            "200 OK",
            "text/javascript; charset=utf-8",
            std::fs::read(dir.join("app.js"))?,
        ),
        ("GET", "/livekit-client.umd.js") => (
            "200 OK",
            "text/javascript; charset=utf-8",
            std::fs::read(dir.join("node_modules/livekit-client/dist/livekit-client.umd.js"))?,
        ),
        ("POST", "/report") => {
            let report = serde_json::from_slice(&body)
                .unwrap_or_else(|_| json!({ "state": "unparsable-report" }));
            let _ = reports.send(report);
            ("204 No Content", "text/plain", Vec::new())
        }
        _ => ("404 Not Found", "text/plain", b"not found".to_vec()),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        content.len()
    )?;
    stream.write_all(&content)?;
    stream.flush()
}

/// A headless Chromium showing one page; killed on drop.
struct Browser {
    child: Child,
    profile: PathBuf,
    log: PathBuf,
}

impl Browser {
    fn launch(chromium: &Path, url: &str) -> Browser {
        let profile = std::env::temp_dir().join(unique_name("app-e2e-chromium"));
        std::fs::create_dir_all(&profile).unwrap();
        let log = profile.join("chromium.log");
        let log_file = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(chromium);
        // Its own process group, so that the renderer and helper processes go with it.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--disable-extensions",
                "--no-first-run",
                "--no-default-browser-check",
                "--mute-audio",
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                "--allow-loopback-in-peer-connection",
                "--autoplay-policy=no-user-gesture-required",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", chromium.display()));
        Browser {
            child,
            profile,
            log,
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// `RoomService.ListParticipants` over Twirp (JSON), with a `roomAdmin` token minted by our
/// auth crate and a plain HTTP/1.0 request.
fn list_participants(env: &TestEnv, room: &str) -> Value {
    let token = AccessToken::new(env.api_key.clone(), env.api_secret.clone())
        .unwrap()
        .with_grants(VideoGrants {
            room_admin: true,
            room: room.to_owned(),
            ..Default::default()
        })
        .with_ttl(Duration::from_secs(60))
        .to_jwt()
        .unwrap();
    let authority = env
        .url
        .strip_prefix("http://")
        .expect("LIVEKIT_URL is http://");
    let body = json!({ "room": room }).to_string();
    let mut stream = TcpStream::connect(authority).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /twirp/livekit.RoomService/ListParticipants HTTP/1.0\r\nHost: {authority}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(
        head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
        "{answer}"
    );
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// Percent-encodes everything but the unreserved characters, for a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
