//! The real-component environment of the integration tests: `cargo xtask up` and
//! `cargo xtask integration`.
//!
//! One environment is a redis-server and a LiveKit server (the pinned release, see
//! [`setup::LIVEKIT_SERVER_VERSION`]) on free loopback ports, with an API key and secret made
//! for the run, a webhook URL pointing at a port the tests will bind, and its files (config,
//! logs, redis folder) in `target/integration/run-<pid>/`. Natively the processes come from
//! `cargo xtask setup`; with `LIVEKIT_TEST_DOCKER=1` they are the `livekit/livekit-server` and
//! `redis` images, run with the docker CLI on the host network. [`Supervisor`] makes
//! sure nothing outlives the xtask.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::procs::{Handle, Supervisor};
use crate::setup::{self, Tools};
use crate::util;

/// The test crates `cargo xtask integration` runs.
const TEST_PACKAGES: &[&str] = &["livekit-server-tests"];

/// The redis image of the Docker environment.
const REDIS_IMAGE: &str = "redis:7.4-alpine";

/// Seconds a room lives with nobody in it, and after its last participant left: short, so
/// that `room_finished` webhooks come quickly and rooms do not pile up across tests.
const ROOM_EMPTY_TIMEOUT: u32 = 10;
const ROOM_DEPARTURE_TIMEOUT: u32 = 2;

/// How long the services get to become ready.
const READY_NATIVE: Duration = Duration::from_secs(30);
const READY_DOCKER: Duration = Duration::from_secs(120);

/// How many finished run folders to keep for post-mortems.
const KEEP_RUNS: usize = 5;

/// Where the services come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Native,
    Docker,
}

impl Backend {
    fn from_env() -> Backend {
        match std::env::var("LIVEKIT_TEST_DOCKER") {
            Ok(value) if !value.is_empty() && value != "0" => Backend::Docker,
            _ => Backend::Native,
        }
    }
}

/// A running environment. Dropping it stops everything.
#[derive(Debug)]
struct Environment {
    url: String,
    api_key: String,
    api_secret: String,
    redis: SocketAddr,
    webhook_port: u16,
    run_dir: PathBuf,
    server_log: PathBuf,
    redis_log: PathBuf,
    server: Handle,
    redis_server: Handle,
    procs: Supervisor,
}

/// The ports of one environment.
#[derive(Debug)]
struct Ports {
    http: u16,
    rtc_tcp: u16,
    rtc_udp: u16,
    redis: u16,
    webhook: u16,
}

impl Environment {
    fn start(root: &Path, tools: &Tools, backend: Backend) -> Result<Environment, String> {
        if backend == Backend::Docker {
            docker_ready()?;
        }
        let run_dir = new_run_dir(root)?;
        let ports = free_ports()?;
        let api_key = format!("API{}", random_alphanumeric(12)?);
        let api_secret = random_alphanumeric(48)?;
        let config = run_dir.join("livekit.yaml");
        util::write(&config, &server_config(&ports, &api_key, &api_secret))?;
        let server_log = run_dir.join("livekit-server.log");
        let redis_log = run_dir.join("redis.log");
        let redis = SocketAddr::from((Ipv4Addr::LOCALHOST, ports.redis));
        let mut procs = Supervisor::new()?;

        let redis_args = [
            "--port".to_owned(),
            ports.redis.to_string(),
            "--bind".to_owned(),
            "127.0.0.1".to_owned(),
            "--save".to_owned(),
            String::new(),
            "--appendonly".to_owned(),
            "no".to_owned(),
        ];
        let tag = std::process::id();
        let mut redis_command = match backend {
            Backend::Native => {
                let redis_dir = run_dir.join("redis");
                std::fs::create_dir_all(&redis_dir)
                    .map_err(|error| format!("cannot create {}: {error}", redis_dir.display()))?;
                let mut command =
                    Command::new(tools.redis.as_ref().ok_or("redis-server not found")?);
                command.args(&redis_args).arg("--dir").arg(&redis_dir);
                command
            }
            Backend::Docker => {
                let name = format!("livekit-test-{tag}-redis");
                procs.container(&name)?;
                let mut command = docker_run(&name);
                command
                    .arg(REDIS_IMAGE)
                    .arg("redis-server")
                    .args(&redis_args);
                command
            }
        };
        redis_command
            .stdin(Stdio::null())
            .stdout(log_file(&redis_log)?)
            .stderr(log_file(&redis_log)?);
        let redis_server =
            procs.spawn("redis-server", &mut redis_command, Duration::from_secs(3))?;

        let mut server_command = match backend {
            Backend::Native => {
                let mut command =
                    Command::new(tools.server.as_ref().ok_or("livekit-server not found")?);
                command.arg("--config").arg(&config);
                command
            }
            Backend::Docker => {
                let name = format!("livekit-test-{tag}-server");
                procs.container(&name)?;
                let mut command = docker_run(&name);
                command
                    .arg("--volume")
                    .arg(format!("{}:/etc/livekit-test.yaml:ro", config.display()))
                    .arg(docker_image())
                    .args(["--config", "/etc/livekit-test.yaml"]);
                command
            }
        };
        server_command
            .stdin(Stdio::null())
            .stdout(log_file(&server_log)?)
            .stderr(log_file(&server_log)?);

        let deadline = Instant::now()
            + if backend == Backend::Docker {
                READY_DOCKER
            } else {
                READY_NATIVE
            };
        wait_ready(
            &mut procs,
            "redis-server",
            redis_server,
            &redis_log,
            deadline,
            || redis_ping(redis),
        )?;
        let server = procs.spawn(
            "livekit-server",
            &mut server_command,
            Duration::from_secs(3),
        )?;
        let url = format!("http://127.0.0.1:{}", ports.http);
        wait_ready(
            &mut procs,
            "livekit-server",
            server,
            &server_log,
            deadline,
            || http_get_ok(&url),
        )?;
        Ok(Environment {
            url,
            api_key,
            api_secret,
            redis,
            webhook_port: ports.webhook,
            run_dir,
            server_log,
            redis_log,
            server,
            redis_server,
            procs,
        })
    }

    /// The variables the tests read (see tests/src/lib.rs).
    fn vars(&self, tools: &Tools) -> Vec<(&'static str, String)> {
        let mut vars = vec![
            ("LIVEKIT_URL", self.url.clone()),
            ("LIVEKIT_API_KEY", self.api_key.clone()),
            ("LIVEKIT_API_SECRET", self.api_secret.clone()),
            ("LIVEKIT_TEST_REDIS", self.redis.to_string()),
            ("LIVEKIT_TEST_WEBHOOK_PORT", self.webhook_port.to_string()),
            ("LIVEKIT_TEST_PYTHON", tools.python.display().to_string()),
            (
                "LIVEKIT_TEST_SERVER_LOG",
                self.server_log.display().to_string(),
            ),
        ];
        if let Some(chromium) = &tools.chromium {
            vars.push(("LIVEKIT_TEST_CHROMIUM", chromium.display().to_string()));
        }
        // The server binary, for tests that run a private server of their own (faults.rs).
        if let Some(server) = &tools.server {
            vars.push(("LIVEKIT_TEST_SERVER_BIN", server.display().to_string()));
        }
        vars
    }

    /// An error if a service has stopped.
    fn check_alive(&mut self) -> Result<(), String> {
        for (name, handle, log) in [
            ("livekit-server", self.server, self.server_log.clone()),
            ("redis-server", self.redis_server, self.redis_log.clone()),
        ] {
            if let Some(status) = self.procs.try_wait(handle)? {
                return Err(format!("{name} exited ({status}); {}", log_tail(&log)));
            }
        }
        Ok(())
    }
}

/// Polls `ready` until it succeeds, the process exits, or the deadline passes.
fn wait_ready(
    procs: &mut Supervisor,
    name: &str,
    handle: Handle,
    log: &Path,
    deadline: Instant,
    mut ready: impl FnMut() -> Result<(), String>,
) -> Result<(), String> {
    loop {
        let attempt = ready();
        if attempt.is_ok() {
            return Ok(());
        }
        if let Some(status) = procs.try_wait(handle)? {
            return Err(format!(
                "{name} exited ({status}) before it was ready; {}",
                log_tail(log)
            ));
        }
        if Instant::now() >= deadline {
            let last = attempt.err().unwrap_or_default();
            return Err(format!(
                "{name} was not ready in time ({last}); {}",
                log_tail(log)
            ));
        }
        sleep(Duration::from_millis(100));
    }
}

/// `export NAME='value'` lines, for `source`.
fn env_file(vars: &[(&str, String)]) -> String {
    vars.iter()
        .map(|(name, value)| format!("export {name}='{value}'\n"))
        .collect()
}

/// `cargo xtask up`: start the environment, print how to reach it, run until Ctrl-C.
pub(crate) fn up(root: &Path) -> Result<(), String> {
    let backend = Backend::from_env();
    let tools = setup::check(root, backend == Backend::Docker)?;
    let mut env = Environment::start(root, &tools, backend)?;
    let vars = env.vars(&tools);
    let exports = env_file(&vars);
    let env_path = env.run_dir.join("env.sh");
    util::write(&env_path, &exports)?;
    util::note(&format!(
        "LiveKit {} test environment is up ({}):\n  server log: {}\n  redis log:  {}\n  \
         webhooks go to http://127.0.0.1:{}/livekit/webhook (bound by the tests)\n\
         for another shell: source {}\nCtrl-C stops it.",
        setup::LIVEKIT_SERVER_VERSION,
        if backend == Backend::Docker {
            "docker"
        } else {
            "native"
        },
        env.server_log.display(),
        env.redis_log.display(),
        env.webhook_port,
        env_path.display(),
    ));
    #[allow(clippy::print_stdout)]
    {
        print!("{exports}");
        let _ = std::io::stdout().flush();
    }
    loop {
        env.check_alive()?;
        sleep(Duration::from_millis(500));
    }
}

/// `cargo xtask integration [-- <cargo test args>]`: start the environment, run the
/// integration test crates against it, stop it, and exit with the tests' code.
pub(crate) fn integration(root: &Path, args: &[&str]) -> Result<ExitCode, String> {
    let args = match args {
        ["--", rest @ ..] => rest,
        rest => rest,
    };
    let backend = Backend::from_env();
    let tools = setup::check(root, backend == Backend::Docker)?;
    let mut env = Environment::start(root, &tools, backend)?;
    let vars = env.vars(&tools);
    util::write(&env.run_dir.join("env.sh"), &env_file(&vars))?;
    util::note(&format!(
        "integration: LiveKit {} at {} ({}); logs in {}",
        setup::LIVEKIT_SERVER_VERSION,
        env.url,
        if backend == Backend::Docker {
            "docker"
        } else {
            "native"
        },
        env.run_dir.display()
    ));
    let mut command = util::cargo();
    command.arg("test");
    for package in TEST_PACKAGES {
        command.args(["-p", package]);
    }
    command
        .args(args)
        .envs(vars.iter().map(|(k, v)| (*k, v.as_str())));
    let tests = env
        .procs
        .spawn("cargo test", &mut command, Duration::from_secs(5))?;
    let status = env.procs.wait(tests)?;
    let alive = env.check_alive();
    env.procs.shutdown();
    if let Err(problem) = alive {
        util::note(&format!(
            "integration: the environment broke during the tests: {problem}"
        ));
    }
    if !status.success() {
        util::note(&format!(
            "integration: tests failed ({status}); server log: {}",
            env.server_log.display()
        ));
    }
    Ok(exit_code(status))
}

fn exit_code(status: ExitStatus) -> ExitCode {
    if let Some(code) = status.code() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            return ExitCode::from(u8::try_from(128 + signal).unwrap_or(1));
        }
    }
    ExitCode::FAILURE
}

/// The server configuration. Keys are those of `pkg/config/config.go` of the pinned release
/// (and `rtcconfig`, `redis`, `webhook` of the modules it uses); the server rejects unknown
/// keys, so a typo fails the start.
fn server_config(ports: &Ports, api_key: &str, api_secret: &str) -> String {
    format!(
        "# Written by `cargo xtask` for one integration run (docs/integration.md).\n\
         port: {http}\n\
         bind_addresses:\n  - 127.0.0.1\n\
         rtc:\n  tcp_port: {tcp}\n  udp_port: {udp}\n  use_external_ip: false\n  \
         node_ip: 127.0.0.1\n  enable_loopback_candidate: true\n  ips:\n    includes:\n      - 127.0.0.1/32\n\
         redis:\n  address: 127.0.0.1:{redis}\n\
         keys:\n  {api_key}: {api_secret}\n\
         webhook:\n  api_key: {api_key}\n  urls:\n    - http://127.0.0.1:{webhook}/livekit/webhook\n\
         room:\n  auto_create: true\n  empty_timeout: {ROOM_EMPTY_TIMEOUT}\n  \
         departure_timeout: {ROOM_DEPARTURE_TIMEOUT}\n\
         logging:\n  level: info\n",
        http = ports.http,
        tcp = ports.rtc_tcp,
        udp = ports.rtc_udp,
        redis = ports.redis,
        webhook = ports.webhook,
    )
}

// ---------------------------------------------------------------------------------------------
// Docker.

fn docker_image() -> String {
    format!("livekit/livekit-server:{}", setup::LIVEKIT_SERVER_VERSION)
}

/// `docker run` in the foreground (its output is the container's log), removed when it stops,
/// on the host network so that the loopback configuration is the same as natively.
fn docker_run(name: &str) -> Command {
    let mut command = Command::new("docker");
    command.args(["run", "--rm", "--name", name, "--network", "host"]);
    command
}

/// Fails with docker's own words when there is no usable engine; pulls missing images.
fn docker_ready() -> Result<(), String> {
    if setup::which("docker").is_none() {
        return Err("LIVEKIT_TEST_DOCKER is set but there is no docker CLI".to_owned());
    }
    util::output(Command::new("docker").args(["version", "--format", "{{.Server.Version}}"]))
        .map_err(|error| format!("LIVEKIT_TEST_DOCKER is set but docker is not usable: {error}"))?;
    for image in [docker_image(), REDIS_IMAGE.to_owned()] {
        let present = Command::new("docker")
            .args(["image", "inspect", &image])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !present {
            util::note(&format!("docker: pulling {image}"));
            let status = Command::new("docker")
                .args(["pull", &image])
                .status()
                .map_err(|error| format!("cannot run docker pull {image}: {error}"))?;
            if !status.success() {
                return Err(format!("docker pull {image} failed ({status})"));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Ports, probes, files.

/// Free loopback ports: each is free for TCP and UDP when picked (the listeners are held
/// until all are picked, so the ports differ). A port can still be taken by someone else
/// before the server binds it; the start then fails with the server's log.
fn free_ports() -> Result<Ports, String> {
    let mut held = Vec::new();
    let mut pick = || -> Result<u16, String> {
        for _ in 0..20 {
            let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .map_err(|error| format!("cannot bind a loopback port: {error}"))?;
            let port = tcp
                .local_addr()
                .map_err(|error| format!("no local address: {error}"))?
                .port();
            if let Ok(udp) = UdpSocket::bind((Ipv4Addr::LOCALHOST, port)) {
                held.push((tcp, udp));
                return Ok(port);
            }
        }
        Err("found no port free for both TCP and UDP".to_owned())
    };
    Ok(Ports {
        http: pick()?,
        rtc_tcp: pick()?,
        rtc_udp: pick()?,
        redis: pick()?,
        webhook: pick()?,
    })
}

fn redis_ping(address: SocketAddr) -> Result<(), String> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_millis(500))
        .map_err(|error| format!("connect: {error}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|error| error.to_string())?;
    stream
        .write_all(b"PING\r\n")
        .map_err(|error| format!("write: {error}"))?;
    let mut buffer = [0u8; 16];
    let n = stream
        .read(&mut buffer)
        .map_err(|error| format!("read: {error}"))?;
    if buffer[..n].starts_with(b"+PONG") {
        Ok(())
    } else {
        Err(format!(
            "answered {:?}",
            String::from_utf8_lossy(&buffer[..n])
        ))
    }
}

/// `GET <url>/` answers 200 (the server's health check).
fn http_get_ok(url: &str) -> Result<(), String> {
    let authority = url.trim_start_matches("http://").trim_end_matches('/');
    let address: SocketAddr = authority.parse().map_err(|_| format!("odd url {url}"))?;
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_millis(500))
        .map_err(|error| format!("connect: {error}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|error| error.to_string())?;
    stream
        .write_all(format!("GET / HTTP/1.0\r\nHost: {authority}\r\n\r\n").as_bytes())
        .map_err(|error| format!("write: {error}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|error| format!("read: {error}"))?;
    let head = String::from_utf8_lossy(&response);
    let status = head.lines().next().unwrap_or_default().to_owned();
    if status.split_whitespace().nth(1) == Some("200") {
        Ok(())
    } else {
        Err(format!("GET / answered `{status}`"))
    }
}

fn log_file(path: &Path) -> Result<std::fs::File, String> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|error| format!("cannot open {}: {error}", path.display()))
}

/// The last lines of a log, for error messages.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(25)..].join("\n");
    format!("last lines of {}:\n{tail}", path.display())
}

/// Random letters and digits from the operating system's generator.
fn random_alphanumeric(len: usize) -> Result<String, String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    let mut file = std::fs::File::open("/dev/urandom")
        .map_err(|error| format!("cannot open /dev/urandom: {error}"))?;
    let mut byte = [0u8; 1];
    while out.len() < len {
        file.read_exact(&mut byte)
            .map_err(|error| format!("cannot read /dev/urandom: {error}"))?;
        // 248 = 4 * 62: rejecting the rest keeps the letters uniform.
        if byte[0] < 248 {
            out.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
        }
    }
    Ok(out)
}

/// A fresh `target/integration/run-<pid>/`, after removing old runs beyond [`KEEP_RUNS`]
/// whose xtask is gone.
fn new_run_dir(root: &Path) -> Result<PathBuf, String> {
    let base = root.join("target/integration");
    let mut finished: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&base)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("run-"))
        })
        .filter(|path| !run_is_live(path))
        .filter_map(|path| {
            Some((
                std::fs::metadata(&path).and_then(|m| m.modified()).ok()?,
                path,
            ))
        })
        .collect();
    finished.sort();
    let excess = finished.len().saturating_sub(KEEP_RUNS - 1);
    for (_, path) in finished.into_iter().take(excess) {
        let _ = std::fs::remove_dir_all(path);
    }
    let dir = base.join(format!("run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    util::write(&dir.join("pid"), &std::process::id().to_string())?;
    Ok(dir)
}

/// Whether the xtask that made a run folder still runs (judged on Linux by `/proc`).
fn run_is_live(dir: &Path) -> bool {
    let Ok(pid) = util::read(&dir.join("pid")) else {
        return false;
    };
    Path::new("/proc").is_dir() && Path::new("/proc").join(pid.trim()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_has_the_ports_and_keys() {
        let ports = Ports {
            http: 1,
            rtc_tcp: 2,
            rtc_udp: 3,
            redis: 4,
            webhook: 5,
        };
        let yaml = server_config(&ports, "APIkey", "secret");
        for needle in [
            "port: 1\n",
            "tcp_port: 2\n",
            "udp_port: 3\n",
            "address: 127.0.0.1:4\n",
            "- http://127.0.0.1:5/livekit/webhook\n",
            "APIkey: secret\n",
            "api_key: APIkey\n",
        ] {
            assert!(yaml.contains(needle), "{needle:?} missing from\n{yaml}");
        }
    }

    #[test]
    fn ports_are_distinct() {
        let p = free_ports().expect("ports");
        let mut all = vec![p.http, p.rtc_tcp, p.rtc_udp, p.redis, p.webhook];
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 5);
    }

    #[test]
    fn random_strings_are_alphanumeric() {
        let a = random_alphanumeric(48).expect("random");
        let b = random_alphanumeric(48).expect("random");
        assert_eq!(a.len(), 48);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }
}
