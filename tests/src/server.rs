//! [`PrivateServer`]: a second LiveKit server process owned by one test, which may stop and
//! restart it without disturbing the shared server the other tests use.

use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::{TestEnv, http_get, unique_name};

/// How long a (re)started server gets to answer its health check.
const READY: Duration = Duration::from_secs(30);

/// A LiveKit server of the pinned version (`LIVEKIT_TEST_SERVER_BIN`) on its own loopback
/// ports, with its own API key, no Redis (a single node keeping its state in memory; see
/// [`start_in_cluster`](PrivateServer::start_in_cluster) for nodes sharing one) and no
/// webhooks: nothing it does reaches the shared environment.
///
/// [`stop`](PrivateServer::stop) kills it (as a crash would) and
/// [`start`](PrivateServer::start) starts it again with the same configuration, on the same
/// port. It is killed when dropped; being in the test process's process group, it is also
/// stopped by the xtask's watchdog if the test process dies.
#[derive(Debug)]
pub struct PrivateServer {
    binary: PathBuf,
    dir: PathBuf,
    port: u16,
    /// The API key the server accepts.
    pub api_key: String,
    /// Its secret.
    pub api_secret: String,
    child: Option<Child>,
    starts: u32,
}

impl PrivateServer {
    /// Writes the configuration and starts the server; returns once it answers `GET /`.
    ///
    /// # Panics
    ///
    /// When `LIVEKIT_TEST_SERVER_BIN` is not set (run with `cargo xtask integration`), no port
    /// is free, or the server does not become ready (the message ends with its log).
    #[must_use]
    pub fn start_new(env: &TestEnv) -> PrivateServer {
        Self::configure(env, None)
    }

    /// Like [`start_new`](Self::start_new), but a node of a cluster: it keeps its state in
    /// database `db` of the environment's Redis (not the shared server's database 0) and
    /// signs with `api_secret`, so that servers started with the same `db` and secret act as
    /// one deployment (two "regions" of one project).
    ///
    /// # Panics
    ///
    /// As [`start_new`](Self::start_new).
    #[must_use]
    pub fn start_in_cluster(env: &TestEnv, db: u8, api_secret: &str) -> PrivateServer {
        Self::configure(env, Some((db, api_secret)))
    }

    fn configure(env: &TestEnv, cluster: Option<(u8, &str)>) -> PrivateServer {
        let binary = env.server_bin.clone().unwrap_or_else(|| {
            panic!(
                "LIVEKIT_TEST_SERVER_BIN is not set: a private server needs the native LiveKit \
                 server binary. Run the tests with `{}` (the native environment).",
                crate::RUN_WITH
            )
        });
        let name = unique_name("private-server");
        let base = env
            .server_log
            .as_ref()
            .and_then(|log| log.parent().map(PathBuf::from))
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(&name);
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", dir.display()));
        let port = free_tcp_port();
        let rtc_tcp = free_tcp_port();
        let rtc_udp = free_udp_port();
        let api_key = "APIprivate".to_owned();
        let (api_secret, redis) = match cluster {
            None => (
                format!("private-secret-{name}-0123456789abcdef"),
                String::new(),
            ),
            Some((db, secret)) => (
                secret.to_owned(),
                format!("redis:\n  address: {}\n  db: {db}\n", env.redis),
            ),
        };
        let config = format!(
            "port: {port}\n\
             bind_addresses:\n  - 127.0.0.1\n\
             rtc:\n  tcp_port: {rtc_tcp}\n  udp_port: {rtc_udp}\n  use_external_ip: false\n  \
             node_ip: 127.0.0.1\n\
             keys:\n  {api_key}: {api_secret}\n\
             logging:\n  level: info\n{redis}"
        );
        let path = dir.join("livekit.yaml");
        std::fs::write(&path, config)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
        let mut server = PrivateServer {
            binary,
            dir,
            port,
            api_key,
            api_secret,
            child: None,
            starts: 0,
        };
        server.start();
        server
    }

    /// `http://127.0.0.1:<port>`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The HTTP port (the same across restarts).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the process is running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Starts the server (again) and waits until it answers its health check.
    ///
    /// # Panics
    ///
    /// When it is already running, cannot be started, exits, or is not ready within 30 s.
    pub fn start(&mut self) {
        assert!(!self.is_running(), "the private server is already running");
        self.starts += 1;
        let log_path = self.dir.join(format!("livekit-server-{}.log", self.starts));
        let log = std::fs::File::create(&log_path)
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", log_path.display()));
        let log_err = log
            .try_clone()
            .unwrap_or_else(|error| panic!("cannot share the log file: {error}"));
        let child = Command::new(&self.binary)
            .arg("--config")
            .arg(self.dir.join("livekit.yaml"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", self.binary.display()));
        self.child = Some(child);
        let deadline = Instant::now() + READY;
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "the private LiveKit server exited ({status}) before it was ready:\n{}",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            if http_get(&format!("{}/", self.url())).is_ok_and(|r| r.status == 200) {
                return;
            }
            if Instant::now() >= deadline {
                panic!(
                    "the private LiveKit server was not ready within {READY:?}:\n{}",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server (SIGKILL, as a crash) and waits until the process is gone (its port
    /// then refuses connections).
    ///
    /// # Panics
    ///
    /// When it is not running.
    pub fn stop(&mut self) {
        let mut child = self
            .child
            .take()
            .unwrap_or_else(|| panic!("the private server is not running"));
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_tcp_port() -> u16 {
    TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|error| panic!("no free TCP port: {error}"))
}

fn free_udp_port() -> u16 {
    UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|socket| socket.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|error| panic!("no free UDP port: {error}"))
}
