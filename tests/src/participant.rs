//! [`Participant`]: a real LiveKit client in a room, run as `peers/python/participant.py join`.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::watched::Watched;
use crate::{TestEnv, participant_script};

/// One line the participant printed: a JSON object with an `"event"` key.
#[derive(Debug, Clone, PartialEq)]
pub struct Event(pub Value);

impl Event {
    /// The event's name (`connected`, `track_published`, `data_received`, ...).
    #[must_use]
    pub fn kind(&self) -> &str {
        self.0["event"].as_str().unwrap_or_default()
    }

    /// A string field of the event.
    #[must_use]
    pub fn str(&self, field: &str) -> Option<&str> {
        self.0[field].as_str()
    }
}

/// How to join.
#[derive(Debug, Clone)]
pub struct JoinOptions {
    /// Publish the sine-tone audio track (default: yes).
    pub audio: bool,
    /// The participant leaves by itself after this long (default: 10 minutes).
    pub max_lifetime: Duration,
}

impl Default for JoinOptions {
    fn default() -> JoinOptions {
        JoinOptions {
            audio: true,
            max_lifetime: Duration::from_secs(600),
        }
    }
}

#[derive(Debug, Default)]
struct Log {
    /// Every event so far, and whether a `wait_for` has returned it already.
    events: Vec<(Event, bool)>,
    /// Standard output is closed: no more events.
    closed: bool,
    /// Standard error so far (the script's diagnostics), for failure messages.
    stderr: String,
}

/// A participant in a room, driven through JSON lines. It leaves when dropped (killed if it
/// does not within two seconds), and by itself when its standard input closes, so it never
/// outlives the test process.
#[derive(Debug)]
pub struct Participant {
    child: Child,
    stdin: Option<ChildStdin>,
    shared: Arc<Watched<Log>>,
    label: String,
}

impl Participant {
    /// Joins with `token` (which names the room and the identity), publishing the audio track.
    ///
    /// # Panics
    ///
    /// When the script cannot be started.
    #[must_use]
    pub fn join(env: &TestEnv, token: &str) -> Participant {
        Participant::join_with(env, token, &JoinOptions::default())
    }

    /// Joins with options.
    ///
    /// # Panics
    ///
    /// When the script cannot be started.
    #[must_use]
    pub fn join_with(env: &TestEnv, token: &str, options: &JoinOptions) -> Participant {
        let mut command = Command::new(&env.python);
        command
            .arg(participant_script())
            .args(["join", "--url", &env.url, "--token", token])
            .args(["--max-seconds", &options.max_lifetime.as_secs().to_string()])
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if !options.audio {
            command.arg("--no-audio");
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", env.python.display()));
        let shared = Arc::new(Watched::<Log>::default());
        let label = format!("participant (pid {})", child.id());
        if let Some(stdout) = child.stdout.take() {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    let event = serde_json::from_str::<Value>(&line)
                        .unwrap_or_else(|_| json!({"event": "unparsed", "line": line}));
                    shared.update(|log| log.events.push((Event(event), false)));
                }
                shared.update(|log| log.closed = true);
            });
        }
        if let Some(mut stderr) = child.stderr.take() {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut buffer) {
                    if n == 0 {
                        break;
                    }
                    shared
                        .lock()
                        .stderr
                        .push_str(&String::from_utf8_lossy(&buffer[..n]));
                }
            });
        }
        let stdin = child.stdin.take();
        Participant {
            child,
            stdin,
            shared,
            label,
        }
    }

    /// Waits for the first event named `kind` that no earlier wait returned.
    ///
    /// # Panics
    ///
    /// When it does not come within `timeout`, or the participant exits first (the message
    /// has its events and diagnostics).
    pub fn wait_for(&self, kind: &str, timeout: Duration) -> Event {
        self.wait_for_match(&format!("event {kind:?}"), timeout, |event| {
            event.kind() == kind
        })
    }

    /// Waits for the first event that matches and that no earlier wait returned.
    ///
    /// # Panics
    ///
    /// As [`Participant::wait_for`]; `what` describes the event in the message.
    pub fn wait_for_match(
        &self,
        what: &str,
        timeout: Duration,
        matches: impl Fn(&Event) -> bool,
    ) -> Event {
        let found = self.shared.wait_for(
            Instant::now() + timeout,
            |log| {
                let (event, taken) = log
                    .events
                    .iter_mut()
                    .find(|(e, taken)| !*taken && matches(e))?;
                *taken = true;
                Some(event.clone())
            },
            |log| log.closed,
        );
        found.unwrap_or_else(|log| {
            let why = if log.closed {
                "the participant exited"
            } else {
                "timed out"
            };
            let events: Vec<String> = log.events.iter().map(|(e, _)| e.0.to_string()).collect();
            panic!(
                "{}: {why} waiting for {what} ({timeout:?}).\nevents:\n  {}\nstderr:\n{}",
                self.label,
                events.join("\n  "),
                log.stderr
            );
        })
    }

    /// Every event received so far.
    #[must_use]
    pub fn events(&self) -> Vec<Event> {
        self.shared
            .lock()
            .events
            .iter()
            .map(|(e, _)| e.clone())
            .collect()
    }

    /// Sends a raw command line (see the commands in `participant.py`).
    ///
    /// # Panics
    ///
    /// When the participant's standard input is closed.
    pub fn send(&mut self, command: &Value) {
        let stdin = self
            .stdin
            .as_mut()
            .unwrap_or_else(|| panic!("{}: already left", self.label));
        let line = format!("{command}\n");
        if let Err(error) = stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.flush())
        {
            panic!("{}: cannot send {command}: {error}", self.label);
        }
    }

    /// Publishes a reliable data packet; returns the id of the `data_sent` event that confirms
    /// it. An empty `to` sends to everyone.
    pub fn send_data(&mut self, payload: &str, topic: &str, to: &[&str]) -> String {
        let id = next_id();
        self.send(
            &json!({"cmd": "send_data", "payload": payload, "topic": topic, "to": to, "id": id}),
        );
        id
    }

    /// Calls an RPC method of another participant; returns the id of the `rpc_result` (or
    /// `rpc_error`) event that will carry the answer.
    pub fn perform_rpc(&mut self, to: &str, method: &str, payload: &str) -> String {
        let id = next_id();
        self.send(&json!({"cmd": "perform_rpc", "to": to, "method": method, "payload": payload, "id": id}));
        id
    }

    /// The number of audio frames received so far on each subscribed audio track (by track
    /// SID): whether media really flows.
    ///
    /// # Panics
    ///
    /// When the participant does not answer within `timeout`.
    pub fn audio_frames(&mut self, timeout: Duration) -> BTreeMap<String, u64> {
        let id = next_id();
        self.send(&json!({"cmd": "stats", "id": id}));
        let stats = self.wait_for_match("the stats", timeout, |e| {
            e.kind() == "stats" && e.str("id") == Some(id.as_str())
        });
        stats.0["frames"]
            .as_object()
            .map(|frames| {
                frames
                    .iter()
                    .map(|(sid, n)| (sid.clone(), n.as_u64().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asks the participant to leave the room (it then prints `disconnected` and exits).
    pub fn leave(&mut self) {
        if self.stdin.is_some() {
            self.send(&json!({"cmd": "leave"}));
        }
        self.stdin = None;
    }

    /// Waits for the process to exit after [`Participant::leave`].
    ///
    /// # Panics
    ///
    /// When it is still running after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
                Ok(None) => panic!("{}: still running after {timeout:?}", self.label),
                Err(error) => panic!("{}: cannot wait: {error}", self.label),
            }
        }
    }
}

impl Drop for Participant {
    /// Closes standard input (the participant leaves the room), gives it two seconds to do
    /// so, then kills it.
    fn drop(&mut self) {
        self.stdin = None;
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_)) | Err(_)) {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn next_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed).to_string()
}
