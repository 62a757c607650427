//! [`Peer`]: one running reference peer process, spoken to one JSON line at a time.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

/// How to install the reference peers; every panic about a missing or broken peer says it.
pub const INSTALL: &str = "install the reference peers with `cargo xtask setup` \
    (or `python3 -m pip install -r tests/peers/python/requirements.txt` and \
    `cd tests/peers/node && npm ci`)";

/// How long a peer may take to answer one command: a bound for a hang, never a verdict.
const ANSWER_WITHIN: Duration = Duration::from_secs(60);

/// The root of the workspace (where `tests/peers/` and `.venv/` are).
pub fn repo_root() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// A running peer process, killed when dropped.
///
/// Every method panics (a failed test) when the peer cannot be started, stops, or answers
/// with something that is not JSON; the message names the peer, its standard error output
/// and [`INSTALL`].
///
/// Its standard output and error are read by threads of their own, so that a peer that writes
/// much to its standard error cannot block on a full pipe, and a peer that stops answering
/// fails the call after 60 s instead of hanging the test.
#[derive(Debug)]
pub struct Peer {
    name: &'static str,
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    stderr: Option<JoinHandle<String>>,
}

impl Peer {
    /// The Python peer (`tests/peers/python/peer.py`), run by `$PYTHON`, else the virtual
    /// environment `cargo xtask setup` makes (`.venv/`), else `python3` from `PATH`.
    pub fn python() -> Peer {
        let venv = repo_root().join(".venv/bin/python");
        let python = match std::env::var("PYTHON") {
            Ok(python) => python,
            Err(_) if venv.is_file() => venv.display().to_string(),
            Err(_) => "python3".to_owned(),
        };
        Peer::start("python", &python, "tests/peers/python/peer.py")
    }

    /// The Node peer (`tests/peers/node/peer.mjs`), run by `node` from `PATH`.
    pub fn node() -> Peer {
        let sdk = repo_root().join("tests/peers/node/node_modules/livekit-server-sdk");
        assert!(sdk.is_dir(), "{} is missing; {INSTALL}", sdk.display());
        Peer::start("node", "node", "tests/peers/node/peer.mjs")
    }

    /// Starts `program script` (the script relative to the workspace root) and checks that
    /// it answers the `version` command.
    fn start(name: &'static str, program: &str, script: &str) -> Peer {
        let script = repo_root().join(script);
        let mut child = Command::new(program)
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run `{program} {}`: {e}; {INSTALL}",
                    script.display()
                )
            });
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut err = child.stderr.take().expect("piped stderr");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            text
        });
        let mut peer = Peer {
            name,
            child,
            stdin,
            lines,
            stderr: Some(stderr),
        };
        let version = peer.call(&json!({"cmd": "version"}));
        assert_eq!(
            version["ok"],
            json!(true),
            "{name} peer: {version}; {INSTALL}"
        );
        peer
    }

    /// `"python"` or `"node"`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Sends one command and reads its answer.
    pub fn call(&mut self, request: &Value) -> Value {
        let name = self.name;
        if let Err(e) = writeln!(self.stdin, "{request}").and_then(|()| self.stdin.flush()) {
            panic!("{name} peer stopped ({e}): {}; {INSTALL}", self.stderr());
        }
        let line = match self.lines.recv_timeout(ANSWER_WITHIN) {
            Ok(line) => line,
            Err(RecvTimeoutError::Disconnected) => {
                panic!("{name} peer exited: {}; {INSTALL}", self.stderr())
            }
            Err(RecvTimeoutError::Timeout) => panic!(
                "{name} peer did not answer {request} within {ANSWER_WITHIN:?}: {}",
                self.stderr()
            ),
        };
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{name} peer said {line:?}: {e}"))
    }

    /// Stops the peer and returns what it wrote to its standard error.
    fn stderr(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
