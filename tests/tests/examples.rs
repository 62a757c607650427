//! The SDK's examples (`crates/livekit-server-sdk/examples/`) run as their own binaries
//! against the real server, the way a user runs them, and checked by what they did: their exit
//! status, what they printed, and what the server holds afterwards (or what real clients
//! saw). The backend example is served, asked for a token that a real client then joins with,
//! and handed a webhook the server really sent; then it is stopped.
//!
//! `cargo xtask integration` (and `up`) builds the examples before starting the environment
//! and passes their folder in `LIVEKIT_TEST_EXAMPLES` (xtask/src/examples.rs says why the
//! tests do not build them). Each run gets the run's `LIVEKIT_URL`, `LIVEKIT_API_KEY` and
//! `LIVEKIT_API_SECRET` (the server has Redis, which SIP, ingress and egress need) and
//! [`TIMEOUT`] to finish: then it is killed and the test fails with its output.
//!
//! No egress or SIP worker runs here, so the egress example's starts and the SIP example's
//! call end at the server's `unavailable`, which those examples report as such; the tests
//! check that report and that nothing was left behind.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use livekit_server_agent_dispatch::AgentDispatchClient;
use livekit_server_auth::TokenVerifier;
use livekit_server_egress::EgressClient;
use livekit_server_ingress::IngressClient;
use livekit_server_room::{RoomClient, proto};
use livekit_server_sip::SipClient;
use livekit_server_tests::{
    JoinOptions, Participant, RUN_WITH, TestEnv, WebhookReceiver, unique_name,
};
use support::{JOIN, echo_when_reachable, join_token, rooms_named};

/// How long an example gets to finish (or the backend to start listening).
const TIMEOUT: Duration = Duration::from_secs(120);

/// The examples this file runs; [`every_example_is_run`] keeps it complete.
const EXAMPLES: &[&str] = &[
    "agent_dispatch",
    "axum_backend",
    "blocking",
    "egress",
    "ingress",
    "rooms",
    "sip",
    "tokens",
    "webhook",
];

/// The variable naming the folder of the built examples.
const EXAMPLES_VAR: &str = "LIVEKIT_TEST_EXAMPLES";

#[test]
fn every_example_is_run() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crates/livekit-server-sdk/examples"
    );
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter_map(|name| name.strip_suffix(".rs").map(str::to_owned))
        .collect();
    found.sort();
    assert_eq!(
        found, EXAMPLES,
        "every example in {dir} needs a test in this file, which runs it against the server"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_mints_a_join_token_that_the_server_accepts() {
    let env = TestEnv::from_env();
    let run = Example::start(&env, "tokens", &[]).finish();
    let token = run.last_line();
    let claims = TokenVerifier::new(&env.api_key, &env.api_secret)
        .unwrap()
        .verify(token)
        .unwrap_or_else(|error| panic!("{error}: {run}"));
    let video = claims.video.clone().unwrap_or_default();
    assert_eq!(
        (
            claims.sub.as_str(),
            claims.name.as_str(),
            video.room.as_str()
        ),
        ("alice", "Alice", "my-room"),
        "{claims:?}"
    );
    assert!(video.room_join, "{claims:?}");
    assert_eq!(
        claims.exp - claims.nbf.unwrap_or_default(),
        3600,
        "{claims:?}"
    );
    // The real server lets a client in with it.
    let alice = Participant::join(&env, token);
    let connected = alice.wait_for("connected", JOIN);
    assert_eq!(
        (connected.str("identity"), connected.str("room")),
        (Some("alice"), Some("my-room")),
        "{connected:?}"
    );
}

#[test]
fn webhook_verifies_the_signed_body_and_refuses_a_changed_one() {
    // The example signs its own webhook (as the server would) and verifies it: no server is
    // involved, so it runs without the environment's credentials. It asserts that the changed
    // body is refused: had it been accepted, the example would exit with a panic.
    let run = Example::start_with(&[], "webhook", &[]).finish();
    assert_eq!(
        run.stdout, "room my-room started (event EV_example)\n",
        "{run}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_backend_serves_tokens_the_server_accepts_and_verifies_the_servers_webhooks() {
    let env = TestEnv::from_env();
    // Bound before the room exists, so that its webhooks are received.
    let hooks = WebhookReceiver::shared(&env);
    let room = unique_name("example-backend");
    let mut backend = Example::start(&env, "axum_backend", &["127.0.0.1:0"]);
    let listening = backend.wait_for_line("listening on http://");
    let address: SocketAddr = listening
        .strip_prefix("listening on http://")
        .unwrap()
        .parse()
        .unwrap_or_else(|error| panic!("{error}: {listening}"));

    // POST /token: a join token for the room and identity asked for.
    let join = format!(r#"{{"room":"{room}","identity":"alice"}}"#);
    let json = [("content-type", "application/json")];
    let (status, token) = post(address, "/token", &json, join.as_bytes());
    assert_eq!(status, 200, "{token}");
    let claims = TokenVerifier::new(&env.api_key, &env.api_secret)
        .unwrap()
        .verify(&token)
        .unwrap();
    let video = claims.video.clone().unwrap_or_default();
    assert_eq!(
        (claims.sub.as_str(), video.room.as_str()),
        ("alice", room.as_str())
    );
    assert!(video.room_join, "{claims:?}");
    // A real client joins with it; the server's webhook about it goes to the backend as the
    // server sent it, and the backend verifies it and prints its kind and ID.
    let alice = Participant::join(&env, &token);
    alice.wait_for("connected", JOIN);
    let hook = hooks.wait_for_event(&room, "participant_joined", JOIN);
    let authorization = hook.header("authorization").unwrap();
    let content_type = hook
        .header("content-type")
        .unwrap_or("application/webhook+json");
    let headers = [
        ("authorization", authorization),
        ("content-type", content_type),
    ];
    let (status, body) = post(address, "/livekit/webhook", &headers, &hook.body);
    assert_eq!(status, 200, "{body}");
    let id = hook.json()["id"].as_str().unwrap().to_owned();
    backend.wait_for_line(&format!("participant_joined {id}"));
    // The same webhook with its body changed is refused.
    let mut changed = hook.body.clone();
    changed.push(b'\n');
    let (status, body) = post(address, "/livekit/webhook", &headers, &changed);
    assert_eq!(status, 401, "{body}");

    backend.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_mutes_tells_and_removes_the_participants_of_its_room_then_deletes_it() {
    let env = TestEnv::from_env();
    let rooms = RoomClient::from_client(support::client(&env));
    let room = unique_name("example-rooms");
    let alice = Participant::join(&env, &join_token(&env, "alice", &room));
    let track = alice.wait_for("track_published", JOIN);
    let track = track.str("sid").unwrap().to_owned();
    let silent = JoinOptions {
        audio: false,
        ..JoinOptions::default()
    };
    let bob = Participant::join_with(&env, &join_token(&env, "bob", &room), &silent);
    bob.wait_for("connected", JOIN);
    // Data is dropped before a data channel is open: wait until both are.
    echo_when_reachable(&rooms, &room, "alice", "ready").await;
    echo_when_reachable(&rooms, &room, "bob", "ready").await;

    let run = Example::start(&env, "rooms", &[&room]).finish();
    let sid = run.after(&format!("created {room} ("));
    assert!(sid.starts_with("RM_"), "{run}");
    let count: usize = run.number_before(" room(s) on the server");
    assert!(count >= 1, "{run}");
    run.line(&format!("{room}: 2 participant(s)"));
    run.line(&format!("muted {track} of alice"));
    run.line("said goodbye to alice");
    run.line("said goodbye to bob");
    run.line("removed alice");
    run.line("removed bob");
    run.line(&format!("deleted {room}"));

    for participant in [&alice, &bob] {
        let gone = participant.wait_for("disconnected", JOIN);
        assert_eq!(gone.str("reason"), Some("PARTICIPANT_REMOVED"), "{gone:?}");
        // The goodbye races the removal (the server has no delivery receipt for data; the
        // example gives it a second): whether it arrived is not the verdict, but anything
        // that did arrive is the goodbye (delivery itself is tested in room.rs).
        for data in participant
            .events()
            .iter()
            .filter(|e| e.kind() == "data_received")
        {
            assert_eq!(
                (data.str("payload"), data.str("topic")),
                (Some("goodbye"), Some("notices")),
                "{data:?}"
            );
        }
    }
    let muted = alice.events();
    assert!(
        muted
            .iter()
            .any(|e| e.kind() == "track_muted" && e.str("sid") == Some(track.as_str())),
        "alice did not see her track muted: {muted:?}"
    );
    let left = rooms_named(&rooms, &room).await;
    assert!(left.is_empty(), "the room is still there: {left:?}");
}

/// The blocking example, from a process with no async runtime: its room made, listed from four
/// threads at once, the outbound trunks listed through the iterator (one made here, so there
/// is at least one), the room deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_creates_lists_from_threads_iterates_and_deletes() {
    let env = TestEnv::from_env();
    let client = support::client(&env);
    let room = unique_name("example-blocking");
    let sip = SipClient::from_client(client.clone());
    let trunk = sip
        .create_sip_outbound_trunk(proto::CreateSipOutboundTrunkRequest {
            trunk: Some(proto::SipOutboundTrunkInfo {
                name: room.clone(),
                address: "sip.example.invalid".into(),
                numbers: vec!["+15105550199".into()],
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    let run = Example::start(&env, "blocking", &[&room]).finish();
    sip.delete_sip_trunk(proto::DeleteSipTrunkRequest {
        sip_trunk_id: trunk.sip_trunk_id.clone(),
    })
    .await
    .unwrap();
    let sid = run.after(&format!("created {room} ("));
    assert!(sid.starts_with("RM_"), "{run}");
    run.line("4 threads listed [0, 0, 0, 0] participant(s)");
    run.line(&format!("outbound trunk {} ({room})", trunk.sip_trunk_id));
    let count: usize = run.number_before(" outbound trunk(s)");
    assert!(count >= 1, "{run}");
    run.line(&format!("deleted {room}"));
    let left = rooms_named(&RoomClient::from_client(client), &room).await;
    assert!(left.is_empty(), "the room is still there: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_dispatch_dispatches_to_its_room_and_deletes_the_dispatch() {
    let env = TestEnv::from_env();
    let client = support::client(&env);
    let room = unique_name("example-dispatch");
    let run = Example::start(&env, "agent_dispatch", &[&room]).finish();
    let id = run.after(&format!("dispatched support-agent to {room}: "));
    assert!(id.starts_with("AD_"), "{run}");
    // Ours and the one the server adds to every new room (for agents without a name).
    run.line(&format!("2 dispatch(es) in {room}"));
    run.line(&format!("deleted {id}"));

    // The dispatch made the room; only the server's own dispatch is left in it.
    let rooms = rooms_named(&RoomClient::from_client(client.clone()), &room).await;
    assert_eq!(rooms.len(), 1, "{rooms:?}");
    let left = AgentDispatchClient::from_client(client)
        .list_dispatch(room.as_str())
        .await
        .unwrap()
        .agent_dispatches;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_ne!(left[0].id, id, "{left:?}");
    assert_eq!(left[0].agent_name, "", "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingress_creates_lists_and_deletes_an_rtmp_and_a_whip_ingress() {
    let env = TestEnv::from_env();
    let room = unique_name("example-ingress");
    let run = Example::start(&env, "ingress", &[&room]).finish();
    let created: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.contains(": publish to "))
        .map(|line| line.split(':').next().unwrap())
        .collect();
    assert_eq!(created.len(), 2, "{run}");
    assert!(created.iter().all(|id| id.starts_with("IN_")), "{run}");
    run.line(&format!("2 ingress(es) in {room}"));
    for id in &created {
        run.line(&format!("deleted {id}"));
    }
    let left = IngressClient::from_client(support::client(&env))
        .list_ingress(proto::ListIngressRequest {
            room_name: room,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(left.items.is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sip_makes_trunks_and_a_rule_reports_the_missing_sip_service_and_deletes_them() {
    let env = TestEnv::from_env();
    let sip = SipClient::from_client(support::client(&env));
    // Twice: what it made is deleted, so the second run's inbound trunk does not conflict with
    // the first one's number.
    for _ in 0..2 {
        let run = Example::start(&env, "sip", &[]).finish();
        let made = run.after("trunks ");
        let ids: Vec<&str> = made
            .split([' ', '/', ','])
            .filter(|word| word.starts_with("ST_") || word.starts_with("SDR_"))
            .collect();
        let [inbound, outbound, rule] = ids[..] else {
            panic!("two trunk IDs and a rule ID expected: {run}");
        };
        assert!(rule.starts_with("SDR_"), "{run}");
        let refused = run.after("no SIP service placed the call: ");
        assert!(refused.contains("no response from servers"), "{run}");
        run.line(&format!("deleted {rule}, {inbound} and {outbound}"));

        let inbound_left = sip
            .list_sip_inbound_trunk(proto::ListSipInboundTrunkRequest {
                trunk_ids: vec![inbound.to_owned()],
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(inbound_left.items.is_empty(), "{inbound_left:?}");
        let outbound_left = sip
            .list_sip_outbound_trunk(proto::ListSipOutboundTrunkRequest {
                trunk_ids: vec![outbound.to_owned()],
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(outbound_left.items.is_empty(), "{outbound_left:?}");
        let rules_left = sip
            .list_sip_dispatch_rule(proto::ListSipDispatchRuleRequest {
                dispatch_rule_ids: vec![rule.to_owned()],
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(rules_left.items.is_empty(), "{rules_left:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn egress_reports_that_no_worker_took_its_request_and_leaves_nothing_running() {
    let env = TestEnv::from_env();
    let client = support::client(&env);
    let room = unique_name("example-egress");
    // The example records a room that exists (a missing one is a `not_found` at once).
    support::create_room(&RoomClient::from_client(client.clone()), &room, 120).await;
    let run = Example::start(&env, "egress", &[&room]).finish();
    let refused = run.after("no egress worker took the request: ");
    assert!(refused.contains("no response from servers"), "{run}");
    run.line(&format!("0 active egress(es) in {room}"));
    assert!(
        !run.stdout.contains("stopped"),
        "nothing was started: {run}"
    );
    let left = EgressClient::from_client(client)
        .list_egress(proto::ListEgressRequest {
            room_name: room,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(left.items.is_empty(), "{left:?}");
}

// ---------------------------------------------------------------------------------------------
// Running an example.

/// The built binary of the example `name`.
fn binary(name: &str) -> PathBuf {
    let dir = std::env::var_os(EXAMPLES_VAR)
        .filter(|dir| !dir.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "{EXAMPLES_VAR} is not set: the examples are built, and this variable set, by \
                 `{RUN_WITH}` (or `cargo xtask up`, then `source` the env.sh it prints)"
            )
        });
    let path = PathBuf::from(dir).join(name);
    assert!(
        path.is_file(),
        "no example binary {}: run the tests with `{RUN_WITH}`, which builds the examples",
        path.display()
    );
    path
}

/// What a running example printed so far.
#[derive(Debug, Default)]
struct Output {
    stdout: String,
    stderr: String,
    /// How many of the two streams are still open.
    open: usize,
}

/// A running example: its process, and its output read by two threads. Dropping it kills the
/// process, so that a failing test leaves none behind.
#[derive(Debug)]
struct Example {
    name: String,
    child: Child,
    output: Arc<(Mutex<Output>, Condvar)>,
    deadline: Instant,
}

/// A finished example: what it printed.
#[derive(Debug)]
struct Finished {
    name: String,
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Example {
    /// Starts the example `name` with `args` and the server of `env`.
    fn start(env: &TestEnv, name: &str, args: &[&str]) -> Example {
        let vars = [
            ("LIVEKIT_URL", env.url.as_str()),
            ("LIVEKIT_API_KEY", env.api_key.as_str()),
            ("LIVEKIT_API_SECRET", env.api_secret.as_str()),
        ];
        Example::start_with(&vars, name, args)
    }

    /// Starts the example `name` with `args` and the variables `vars` (no other `LIVEKIT_*`).
    fn start_with(vars: &[(&str, &str)], name: &str, args: &[&str]) -> Example {
        let path = binary(name);
        let mut command = Command::new(&path);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("LIVEKIT_") {
                command.env_remove(key);
            }
        }
        let mut child = command
            .args(args)
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", path.display()));
        let output = Arc::new((
            Mutex::new(Output {
                open: 2,
                ..Output::default()
            }),
            Condvar::new(),
        ));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        read_lines(stdout, Arc::clone(&output), |out| &mut out.stdout);
        read_lines(stderr, Arc::clone(&output), |out| &mut out.stderr);
        Example {
            name: name.to_owned(),
            child,
            output,
            deadline: Instant::now() + TIMEOUT,
        }
    }

    /// Waits for a line of standard output starting with `prefix` (printed already, or
    /// before the deadline) and returns it.
    ///
    /// # Panics
    ///
    /// When none comes before the deadline or the example exits first: with its output.
    #[track_caller]
    fn wait_for_line(&mut self, prefix: &str) -> String {
        let (lock, changed) = &*self.output;
        let mut output = lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(line) = output.stdout.lines().find(|l| l.starts_with(prefix)) {
                return line.to_owned();
            }
            let now = Instant::now();
            let why = if output.open == 0 {
                "exited"
            } else if now >= self.deadline {
                "timed out"
            } else {
                output = changed
                    .wait_timeout(output, Duration::from_millis(200).min(self.deadline - now))
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
                continue;
            };
            let report = report(&output.stdout, &output.stderr);
            drop(output);
            let _ = self.child.kill();
            panic!(
                "example `{}` {why} before printing a line starting with {prefix:?} \
                 ({TIMEOUT:?} allowed).\n{report}",
                self.name
            );
        }
    }

    /// Waits for the example to exit (killing it at the deadline) and returns its output.
    ///
    /// # Panics
    ///
    /// When it fails or does not finish in time: with its output.
    #[track_caller]
    fn finish(mut self) -> Finished {
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() >= self.deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let (stdout, stderr) = self.output_when_closed();
                panic!(
                    "example `{}` did not finish within {TIMEOUT:?}: killed.\n{}",
                    self.name,
                    report(&stdout, &stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let (stdout, stderr) = self.output_when_closed();
        let finished = Finished {
            name: self.name.clone(),
            status,
            stdout,
            stderr,
        };
        assert!(
            status.success(),
            "example `{}` failed.\n{finished}",
            self.name
        );
        finished
    }

    /// Stops a serving example.
    ///
    /// # Panics
    ///
    /// When it has exited by itself already: with its output.
    #[track_caller]
    fn stop(mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            let (stdout, stderr) = self.output_when_closed();
            panic!(
                "example `{}` exited by itself ({status}) instead of serving until stopped.\n{}",
                self.name,
                report(&stdout, &stderr)
            );
        }
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// The whole output, once both streams are closed (the process has exited; bounded wait).
    fn output_when_closed(&self) -> (String, String) {
        let (lock, changed) = &*self.output;
        let output = lock.lock().unwrap_or_else(PoisonError::into_inner);
        let (output, _) = changed
            .wait_timeout_while(output, Duration::from_secs(5), |out| out.open > 0)
            .unwrap_or_else(PoisonError::into_inner);
        (output.stdout.clone(), output.stderr.clone())
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Appends what `stream` prints, line by line, to the part of `output` that `part` picks.
fn read_lines(
    stream: impl std::io::Read + Send + 'static,
    output: Arc<(Mutex<Output>, Condvar)>,
    part: fn(&mut Output) -> &mut String,
) {
    std::thread::spawn(move || {
        let (lock, changed) = &*output;
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
            part(&mut lock.lock().unwrap_or_else(PoisonError::into_inner)).push_str(&line);
            changed.notify_all();
            line.clear();
        }
        lock.lock().unwrap_or_else(PoisonError::into_inner).open -= 1;
        changed.notify_all();
    });
}

fn report(stdout: &str, stderr: &str) -> String {
    format!("--- stdout:\n{stdout}--- stderr:\n{stderr}---")
}

impl std::fmt::Display for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "example `{}` ({}):\n{}",
            self.name,
            self.status,
            report(&self.stdout, &self.stderr)
        )
    }
}

impl Finished {
    /// The line of standard output equal to `expected`.
    ///
    /// # Panics
    ///
    /// When there is none: with the output.
    #[track_caller]
    fn line(&self, expected: &str) {
        assert!(
            self.stdout.lines().any(|line| line == expected),
            "no line {expected:?} in the output of {self}"
        );
    }

    /// The rest of the first line of standard output starting with `prefix`.
    ///
    /// # Panics
    ///
    /// When there is none: with the output.
    #[track_caller]
    fn after(&self, prefix: &str) -> &str {
        // No panic in a closure: the message points at the caller's line.
        let Some(rest) = self.stdout.lines().find_map(|l| l.strip_prefix(prefix)) else {
            panic!("no line starting with {prefix:?} in the output of {self}");
        };
        rest
    }

    /// The number that starts the first line ending with `suffix`.
    #[track_caller]
    fn number_before(&self, suffix: &str) -> usize {
        let numbers = self.stdout.lines().filter_map(|l| l.strip_suffix(suffix));
        let Some(number) = numbers.filter_map(|n| n.parse().ok()).next() else {
            panic!("no line \"<n>{suffix}\" in the output of {self}");
        };
        number
    }

    /// The last line of standard output.
    #[track_caller]
    fn last_line(&self) -> &str {
        let Some(line) = self.stdout.lines().last() else {
            panic!("nothing printed by {self}");
        };
        line
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP.

/// One HTTP/1.1 `POST` on a fresh connection; returns the status and the body.
fn post(address: SocketAddr, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP answer: {response:?}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    (status, body.to_owned())
}
