//! Integration tests against a real LiveKit server, started by `cargo xtask integration`.
//!
//! This library is what the tests in `tests/tests/` share:
//! - [`TestEnv`]: where the server is and its credentials, read from the variables the xtask
//!   sets. A test run without them panics, naming the command to use: these tests never skip.
//! - [`Participant`]: a real client in a room (the Python `livekit` package, driven through
//!   `peers/python/participant.py`), with its events as JSON lines.
//! - [`WebhookReceiver`]: the HTTP endpoint the server's webhooks are configured to reach.
//! - [`PrivateServer`]: a second LiveKit server in a container owned by one test
//!   (`livekit-server-testcontainers`), which may kill, restart, pause and resume it (fault
//!   tests) without disturbing the shared one.
//!
//! Besides the variables `cargo xtask integration` sets (see [`TestEnv`]), two are read:
//! `LIVEKIT_TEST_RUN` (set by the xtask) labels a [`PrivateServer`]'s container with the run, so
//! that the xtask removes it should the test process die, and `LIVEKIT_TEST_UPDATE_FIXTURES=1`
//! makes `tests/webhooks.rs` record the webhooks it receives into `tests/fixtures/webhooks/`.
//!
//! It depends on no SDK crate on purpose: it checks the SDK against independent
//! implementations (the server itself and LiveKit's own Python packages). (Its one workspace
//! dependency, `livekit-server-testcontainers` without the `sdk` feature, is container
//! plumbing.)
//!
//! Its helpers use threads and blocking I/O, no async runtime of their own (the containers of a
//! [`PrivateServer`] are driven through testcontainers' blocking API).
//!
//! ```no_run
//! use std::time::Duration;
//! use livekit_server_tests::{Participant, TestEnv, WebhookReceiver, unique_name};
//!
//! let env = TestEnv::from_env();
//! let hooks = WebhookReceiver::shared(&env);
//! let room = unique_name("doc");
//! let alice = Participant::join(&env, &env.python_token("alice", &room));
//! alice.wait_for("track_published", Duration::from_secs(30));
//! hooks.wait_for_event(&room, "participant_joined", Duration::from_secs(10));
//! ```

mod participant;
mod server;
mod watched;
mod webhook;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use participant::{Event, JoinOptions, Participant};
pub use server::PrivateServer;
pub use webhook::{WebhookReceiver, WebhookRequest};

/// The command that runs these tests with the environment they need.
pub const RUN_WITH: &str = "cargo xtask integration";

/// The environment started by `cargo xtask integration` (or `cargo xtask up`).
#[derive(Debug, Clone)]
pub struct TestEnv {
    /// The server's HTTP address, `http://127.0.0.1:<port>` (`LIVEKIT_URL`).
    pub url: String,
    /// An API key the server accepts (`LIVEKIT_API_KEY`).
    pub api_key: String,
    /// Its secret (`LIVEKIT_API_SECRET`).
    pub api_secret: String,
    /// The redis the server uses, `127.0.0.1:<port>` (`LIVEKIT_TEST_REDIS`).
    pub redis: String,
    /// The loopback port the server posts webhooks to (`LIVEKIT_TEST_WEBHOOK_PORT`); see
    /// [`WebhookReceiver::shared`].
    pub webhook_port: u16,
    /// The Python interpreter with the `livekit` and `livekit-api` packages
    /// (`LIVEKIT_TEST_PYTHON`).
    pub python: PathBuf,
    /// The server's log file, when known (`LIVEKIT_TEST_SERVER_LOG`).
    pub server_log: Option<PathBuf>,
    /// A Chromium for browser tests, when installed (`LIVEKIT_TEST_CHROMIUM`).
    pub chromium: Option<PathBuf>,
}

impl TestEnv {
    /// Reads the environment.
    ///
    /// # Panics
    ///
    /// When a required variable is missing or malformed: the message says to run the tests
    /// with `cargo xtask integration` (or to `source` the file `cargo xtask up` prints).
    #[must_use]
    pub fn from_env() -> TestEnv {
        let required = |name: &str| match std::env::var(name) {
            Ok(value) if !value.is_empty() => value,
            _ => panic!(
                "{name} is not set: the integration tests need a running LiveKit server.\n\
                 Run them with `{RUN_WITH}` (add test arguments after `--`), or start one with \
                 `cargo xtask up` and `source` the env.sh it prints.\n\
                 (`cargo xtask setup` installs the components.)"
            ),
        };
        let optional = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let url = required("LIVEKIT_URL").trim_end_matches('/').to_owned();
        let api_key = required("LIVEKIT_API_KEY");
        let api_secret = required("LIVEKIT_API_SECRET");
        let redis = required("LIVEKIT_TEST_REDIS");
        let port = required("LIVEKIT_TEST_WEBHOOK_PORT");
        TestEnv {
            url,
            api_key,
            api_secret,
            redis,
            webhook_port: port
                .parse()
                .unwrap_or_else(|_| panic!("LIVEKIT_TEST_WEBHOOK_PORT is not a port: {port:?}")),
            python: PathBuf::from(required("LIVEKIT_TEST_PYTHON")),
            server_log: optional("LIVEKIT_TEST_SERVER_LOG"),
            chromium: optional("LIVEKIT_TEST_CHROMIUM"),
        }
    }

    /// The WebSocket form of [`TestEnv::url`] (`ws://…`), as RTC clients take it.
    #[must_use]
    pub fn ws_url(&self) -> String {
        if let Some(rest) = self.url.strip_prefix("http://") {
            format!("ws://{rest}")
        } else if let Some(rest) = self.url.strip_prefix("https://") {
            format!("wss://{rest}")
        } else {
            self.url.clone()
        }
    }

    /// A join token for `identity` in `room`, minted by the Python `livekit-api` package (an
    /// implementation independent of ours).
    ///
    /// # Panics
    ///
    /// When the Python helper fails.
    #[must_use]
    pub fn python_token(&self, identity: &str, room: &str) -> String {
        let output = Command::new(&self.python)
            .arg(participant_script())
            .args(["token", "--identity", identity, "--room", room])
            .env("LIVEKIT_API_KEY", &self.api_key)
            .env("LIVEKIT_API_SECRET", &self.api_secret)
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", self.python.display()));
        assert!(
            output.status.success(),
            "participant.py token failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// The last `lines` lines of the server's log (empty when unknown), for failure messages.
    #[must_use]
    pub fn server_log_tail(&self, lines: usize) -> String {
        let Some(path) = &self.server_log else {
            return String::new();
        };
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

/// `tests/peers/`, where the peer programs live.
#[must_use]
pub fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peers")
}

fn participant_script() -> PathBuf {
    peers_dir().join("python/participant.py")
}

/// A name no other test of any run uses (`<prefix>-<pid>-<counter>-<millis>`), for rooms and
/// identities: tests run in parallel against one server and filter webhooks by room.
#[must_use]
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() % 1_000_000);
    format!("{prefix}-{}-{n}-{millis}", std::process::id())
}

/// A response of [`http_get`].
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The header lines, as sent.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
}

/// A plain HTTP/1.0 `GET` (no TLS), enough to probe the server without an HTTP stack.
///
/// # Errors
///
/// When the URL is not `http://host:port/path`, the connection fails, or the answer is not
/// HTTP.
pub fn http_get(url: &str) -> std::io::Result<HttpResponse> {
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidInput, what.to_owned());
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| invalid("not an http:// URL"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let address: SocketAddr = authority
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| invalid("no address for the host"))?;
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: {authority}\r\n\r\n").as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| invalid("no end of headers"))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("no status line"))?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Ok(HttpResponse {
        status,
        headers,
        body: body.to_owned(),
    })
}
