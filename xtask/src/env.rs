//! The real-component environment of the integration tests: `cargo xtask up` and
//! `cargo xtask integration`.
//!
//! One environment is a Redis and a LiveKit server (the pinned release, see
//! [`setup::LIVEKIT_SERVER_VERSION`]), each a container started through
//! `livekit-server-testcontainers` on the host network (every address, the media ports
//! included, is on `127.0.0.1`, which the Python participant and Chromium need), with an API
//! key and secret made for the run, a webhook URL pointing at a port the tests will bind, and
//! its files (logs, `env.sh`) in `target/integration/run-<pid>/`. The images are the ones
//! `cargo xtask setup` builds locally.
//!
//! Nothing outlives the xtask: the containers are removed when their handles drop (a normal
//! end, an error, a panic), on SIGINT/SIGTERM/SIGQUIT (testcontainers' watchdog), and, after a
//! SIGKILL, by the next xtask, which removes the containers labelled with a run whose xtask is
//! gone. Containers the tests start themselves (`livekit_server_tests::PrivateServer`) carry
//! the same run label and are removed at the end of the run if a test process died without
//! dropping them.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::Duration;

use livekit_server_testcontainers::blocking::{LiveKitContainer, RedisContainer};
use livekit_server_testcontainers::testcontainers::ImageExt as _;
use livekit_server_testcontainers::testcontainers::core::logs::LogFrame;
use livekit_server_testcontainers::{LiveKitServer, Ports, Redis};

use crate::setup::{self, Tools};
use crate::{examples, util};

/// The test crates `cargo xtask integration` runs.
const TEST_PACKAGES: &[&str] = &["livekit-server-tests"];

/// The label that ties a container to the xtask run that started it (its value: the pid).
pub(crate) const RUN_LABEL: &str = "io.github.livekit-server-rs.run";

/// Seconds a room lives with nobody in it, and after its last participant left: short, so
/// that `room_finished` webhooks come quickly and rooms do not pile up across tests.
const ROOM_EMPTY_TIMEOUT: u32 = 10;
const ROOM_DEPARTURE_TIMEOUT: u32 = 2;

/// How many finished run folders to keep for post-mortems.
const KEEP_RUNS: usize = 5;

/// A running environment. Dropping it removes the containers.
#[derive(Debug)]
struct Environment {
    redis_address: String,
    webhook_port: u16,
    run_dir: PathBuf,
    server_log: PathBuf,
    redis_log: PathBuf,
    // Dropped in this order: the server before its Redis.
    server: LiveKitContainer,
    redis: RedisContainer,
}

impl Environment {
    fn start(root: &Path) -> Result<Environment, String> {
        let _ = remove_leftovers(Leftovers::OfDeadRuns);
        let run_dir = new_run_dir(root)?;
        let run = std::process::id().to_string();
        let api_key = format!("API{}", random_alphanumeric(12)?);
        let api_secret = random_alphanumeric(48)?;
        let server_log = run_dir.join("livekit-server.log");
        let redis_log = run_dir.join("redis.log");
        let failed = |what: &str, log: &Path| {
            let log = log.to_owned();
            let what = what.to_owned();
            move |error: livekit_server_testcontainers::Error| {
                format!(
                    "{what}: {error} ({}); {}\n{}",
                    std::error::Error::source(&error)
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    log_tail(&log),
                    setup::RUN_SETUP
                )
            }
        };

        let redis = Redis::default()
            .with_host_network_on_a_free_port()
            .map_err(|error| error.to_string())?;
        let redis = RedisContainer::start_request(
            redis
                .into_request()
                .with_label(RUN_LABEL, &run)
                .with_log_consumer(log_writer(&redis_log)?),
        )
        .map_err(failed("cannot start Redis", &redis_log))?;
        let redis_address = redis.address().to_owned();

        let webhook_port = Ports::free().map_err(|error| error.to_string())?.http;
        let server = LiveKitServer::default()
            .with_keys(&api_key, &api_secret)
            .with_webhook_url(format!("http://127.0.0.1:{webhook_port}/livekit/webhook"))
            .with_redis_address(&redis_address)
            .with_config_yaml(format!(
                "room:\n  auto_create: true\n  empty_timeout: {ROOM_EMPTY_TIMEOUT}\n  \
                 departure_timeout: {ROOM_DEPARTURE_TIMEOUT}\n"
            ))
            .with_host_network(Ports::free().map_err(|error| error.to_string())?)
            .into_request()
            .with_label(RUN_LABEL, &run)
            .with_log_consumer(log_writer(&server_log)?);
        let server = LiveKitContainer::start_request(server)
            .map_err(failed("cannot start the LiveKit server", &server_log))?;
        Ok(Environment {
            redis_address,
            webhook_port,
            run_dir,
            server_log,
            redis_log,
            server,
            redis,
        })
    }

    /// The variables the tests read (see tests/src/lib.rs; `LIVEKIT_TEST_EXAMPLES`, the
    /// folder of the built examples, is read by tests/tests/examples.rs).
    fn vars(&self, tools: &Tools, examples_dir: &Path) -> Vec<(&'static str, String)> {
        let mut vars = vec![
            ("LIVEKIT_URL", self.server.url().to_owned()),
            ("LIVEKIT_API_KEY", self.server.api_key().to_owned()),
            ("LIVEKIT_API_SECRET", self.server.api_secret().to_owned()),
            ("LIVEKIT_TEST_REDIS", self.redis_address.clone()),
            ("LIVEKIT_TEST_WEBHOOK_PORT", self.webhook_port.to_string()),
            ("LIVEKIT_TEST_PYTHON", tools.python.display().to_string()),
            (
                "LIVEKIT_TEST_SERVER_LOG",
                self.server_log.display().to_string(),
            ),
            // For the containers the tests start themselves (PrivateServer).
            ("LIVEKIT_TEST_RUN", std::process::id().to_string()),
            (examples::VAR, examples_dir.display().to_string()),
        ];
        if let Some(chromium) = &tools.chromium {
            vars.push(("LIVEKIT_TEST_CHROMIUM", chromium.display().to_string()));
        }
        vars
    }

    /// An error if a container has stopped.
    fn check_alive(&self) -> Result<(), String> {
        for (name, running, log) in [
            ("livekit-server", self.server.is_running(), &self.server_log),
            ("redis-server", self.redis.is_running(), &self.redis_log),
        ] {
            match running {
                Ok(true) => {}
                Ok(false) => return Err(format!("{name} stopped; {}", log_tail(log))),
                Err(error) => return Err(format!("cannot ask docker about {name}: {error}")),
            }
        }
        Ok(())
    }
}

/// A log consumer appending a container's output to `path`.
fn log_writer(path: &Path) -> Result<impl Fn(&LogFrame) + Send + Sync + 'static, String> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|error| format!("cannot open {}: {error}", path.display()))?;
    let file = Arc::new(Mutex::new(file));
    Ok(move |frame: &LogFrame| {
        if let Ok(mut file) = file.lock() {
            let _ = file.write_all(frame.bytes());
        }
    })
}

/// Which labelled containers [`remove_leftovers`] removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leftovers {
    /// Those of runs whose xtask is gone (killed before it could clean up).
    OfDeadRuns,
    /// Those of this run (started by test processes that died without dropping them).
    OfThisRun,
    /// Every container of `livekit-server-testcontainers` (its label) that no live xtask run
    /// owns: what `cargo xtask test` leaves behind, should a test of the crate itself have
    /// died without dropping its container.
    AllButLiveRuns,
}

/// Removes containers carrying [`RUN_LABEL`] (or, for [`Leftovers::AllButLiveRuns`], the
/// crate's label, and then the networks of dead test processes) and returns how many
/// containers (best effort: a missing engine is not an error here, starting the environment
/// reports it).
pub(crate) fn remove_leftovers(which: Leftovers) -> usize {
    let removed = remove_leftover_containers(which);
    // After the containers: the engine refuses to remove a network a running container is
    // still attached to, which is how a killed test leaves its network.
    if which == Leftovers::AllButLiveRuns {
        remove_dead_test_networks();
    }
    removed
}

fn remove_leftover_containers(which: Leftovers) -> usize {
    let filter = match which {
        Leftovers::AllButLiveRuns => livekit_server_testcontainers::LABEL,
        Leftovers::OfDeadRuns | Leftovers::OfThisRun => RUN_LABEL,
    };
    let Ok(listing) = util::output(Command::new("docker").args([
        "ps",
        "--all",
        "--filter",
        &format!("label={filter}"),
        "--format",
        &format!("{{{{.ID}}}} {{{{.Label \"{RUN_LABEL}\"}}}}"),
    ])) else {
        return 0;
    };
    let own = std::process::id().to_string();
    let live = |run: &str| !run.is_empty() && process_alive(run);
    let doomed: Vec<&str> = listing
        .lines()
        .map(|line| line.split_once(' ').unwrap_or((line, "")))
        .map(|(id, run)| (id, run.trim()))
        .filter(|(_, run)| match which {
            Leftovers::OfThisRun => *run == own,
            Leftovers::OfDeadRuns => !run.is_empty() && *run != own && !live(run),
            Leftovers::AllButLiveRuns => !live(run),
        })
        .map(|(id, _)| id)
        .collect();
    if doomed.is_empty() {
        return 0;
    }
    util::note(&format!(
        "removing {} leftover test container(s)",
        doomed.len()
    ));
    remove_quietly(&["rm", "--force", "--volumes"], &doomed);
    doomed.len()
}

/// `docker <command> <names…>`, its output and failure ignored (best effort).
fn remove_quietly(command: &[&str], names: &[&str]) {
    let _ = Command::new("docker")
        .args(command)
        .args(names)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The name of the networks the testcontainers crate's own tests create, before the test
/// process's id (`crates/livekit-server-testcontainers/tests/server.rs`).
const TEST_NETWORK_PREFIX: &str = "livekit-testcontainers-test-";

/// Removes the networks of the testcontainers crate's tests whose process is gone:
/// testcontainers removes a network with its last container, which a killed test never
/// drops (its containers go with the label above). Best effort, like the containers.
fn remove_dead_test_networks() {
    let Ok(listing) = util::output(Command::new("docker").args([
        "network",
        "ls",
        "--filter",
        &format!("name={TEST_NETWORK_PREFIX}"),
        "--format",
        "{{.Name}}",
    ])) else {
        return;
    };
    let doomed = dead_test_networks(&listing);
    if doomed.is_empty() {
        return;
    }
    util::note(&format!(
        "removing leftover test network(s): {}",
        doomed.join(", ")
    ));
    remove_quietly(&["network", "rm"], &doomed);
}

/// The networks of a `docker network ls` listing named after a test process that is gone.
fn dead_test_networks(listing: &str) -> Vec<&str> {
    listing
        .lines()
        .filter(|name| {
            name.strip_prefix(TEST_NETWORK_PREFIX)
                .is_some_and(|pid| !process_alive(pid))
        })
        .collect()
}

/// Whether the process `pid` runs (judged by `/proc`; a zombie, killed but not yet reaped by
/// its parent, does not).
fn process_alive(pid: &str) -> bool {
    match std::fs::read_to_string(Path::new("/proc").join(pid).join("stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
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
    let tools = setup::check(root)?;
    // Before any container: a compile error stops here.
    let examples_dir = examples::build(root)?;
    let env = Environment::start(root)?;
    let vars = env.vars(&tools, &examples_dir);
    let exports = env_file(&vars);
    let env_path = env.run_dir.join("env.sh");
    util::write(&env_path, &exports)?;
    util::note(&format!(
        "LiveKit {} test environment is up (containers on the host network):\n  server log: {}\n  \
         redis log:  {}\n  webhooks go to http://127.0.0.1:{}/livekit/webhook (bound by the tests)\n\
         for another shell: source {}\nCtrl-C stops it.",
        setup::LIVEKIT_SERVER_VERSION,
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
    let tools = setup::check(root)?;
    // Before any container: a compile error stops here.
    let examples_dir = examples::build(root)?;
    let env = Environment::start(root)?;
    let vars = env.vars(&tools, &examples_dir);
    util::write(&env.run_dir.join("env.sh"), &env_file(&vars))?;
    util::note(&format!(
        "integration: LiveKit {} at {} (containers); logs in {}",
        setup::LIVEKIT_SERVER_VERSION,
        env.server.url(),
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
    let status = command
        .status()
        .map_err(|error| format!("cannot run cargo test: {error}"));
    let alive = env.check_alive();
    drop(env);
    let _ = remove_leftovers(Leftovers::OfThisRun);
    let status = status?;
    if let Err(problem) = alive {
        util::note(&format!(
            "integration: the environment broke during the tests: {problem}"
        ));
    }
    if !status.success() {
        util::note(&format!("integration: tests failed ({status})"));
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

// ---------------------------------------------------------------------------------------------
// Files.

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
    fn random_strings_are_alphanumeric() {
        let a = random_alphanumeric(48).expect("random");
        let b = random_alphanumeric(48).expect("random");
        assert_eq!(a.len(), 48);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn this_process_is_alive_and_a_nonsense_pid_is_not() {
        assert!(process_alive(&std::process::id().to_string()));
        assert!(!process_alive("999999999"));
        assert!(!process_alive("self-not-a-pid"));
    }

    #[test]
    fn only_networks_of_dead_test_processes_are_removed() {
        let own = format!("{TEST_NETWORK_PREFIX}{}", std::process::id());
        let dead = format!("{TEST_NETWORK_PREFIX}999999999");
        let listing = format!("{own}\n{dead}\nbridge\nmy-livekit-testcontainers-test-999999999\n");
        assert_eq!(dead_test_networks(&listing), [dead.as_str()]);
    }

    #[test]
    fn env_file_exports_each_variable() {
        let text = env_file(&[("A", "1".to_owned()), ("B", "x y".to_owned())]);
        assert_eq!(text, "export A='1'\nexport B='x y'\n");
    }
}
