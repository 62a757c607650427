//! The `livekit-app-server` binary itself: configuration errors exit non-zero naming the
//! variable, and a started server answers and stops cleanly on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// A bound for what must happen; never a synchronisation device.
const BOUND: Duration = Duration::from_secs(30);

/// A fresh empty working directory (so no `.env` is picked up by accident).
struct WorkDir(PathBuf);

impl WorkDir {
    fn new(name: &str) -> WorkDir {
        let path = std::env::temp_dir().join(format!(
            "livekit-app-server-bin-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        WorkDir(path)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary with a clean environment and the given variables.
fn command(dir: &WorkDir, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_livekit-app-server"));
    command.env_clear().current_dir(&dir.0).stdin(Stdio::null());
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

/// Runs the binary to completion, killing it if it outlives the bound.
fn run(dir: &WorkDir, vars: &[(&str, &str)]) -> Output {
    let child = command(dir, vars)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(BOUND) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("the binary did not exit within {BOUND:?}");
        }
    }
}

#[test]
fn invalid_configuration_exits_non_zero_naming_the_variable() {
    let dir = WorkDir::new("bad-config");
    for (vars, named) in [
        (&[("SERVER_PORT", "abc")][..], "SERVER_PORT"),
        (&[("SERVER_HOST", "not a host")][..], "SERVER_HOST"),
        (&[("TOKEN_TTL", "forever")][..], "TOKEN_TTL"),
        (&[("TOKEN_TTL", "150000000000000d")][..], "TOKEN_TTL"),
        (&[("LOG_FORMAT", "yaml")][..], "LOG_FORMAT"),
        (
            &[("LIVEKIT_API_SECRET", "only-the-secret-is-set-here")][..],
            "LIVEKIT_API_KEY",
        ),
    ] {
        let output = run(&dir, vars);
        assert!(!output.status.success(), "{vars:?} must fail");
        assert_eq!(output.status.code(), Some(78), "{vars:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(named), "{vars:?}: {stderr}");
        assert!(
            !stderr.contains("only-the-secret-is-set-here"),
            "secret printed: {stderr}"
        );
        assert!(
            output.stdout.is_empty(),
            "nothing served: {:?}",
            output.stdout
        );
    }
}

#[test]
fn malformed_dotenv_file_exits_non_zero() {
    let dir = WorkDir::new("bad-dotenv");
    std::fs::write(
        dir.0.join(".env"),
        "LIVEKIT_API_SECRET=\"never-closed-secret\n",
    )
    .unwrap();
    let output = run(&dir, &[]);
    assert_eq!(output.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(".env") && stderr.contains("LIVEKIT_API_SECRET"),
        "{stderr}"
    );
    assert!(!stderr.contains("never-closed-secret"), "{stderr}");
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let dir = WorkDir::new("port-in-use");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = run(
        &dir,
        &[("SERVER_HOST", "127.0.0.1"), ("SERVER_PORT", &port)],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot listen on") && stderr.contains(&port),
        "{stderr}"
    );
}

/// Kills the child if the test fails before it stops it.
struct Running(Option<Child>);

impl Running {
    fn child(&mut self) -> &mut Child {
        self.0.as_mut().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts the binary with JSON logs at `info`; its log lines arrive on the receiver.
fn spawn_json(dir: &WorkDir, vars: &[(&str, &str)]) -> (Running, mpsc::Receiver<Value>) {
    let mut vars = vars.to_vec();
    vars.extend([("LOG_FORMAT", "json"), ("RUST_LOG", "info")]);
    let child = command(dir, &vars)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Running(Some(child));
    let stdout = child.child().stdout.take().unwrap();
    let (tx, lines) = mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
            if tx.send(value).is_err() {
                break;
            }
        }
    });
    (child, lines)
}

/// `GET /healthz` on `addr`, the whole answer.
fn health(addr: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
    stream.set_read_timeout(Some(BOUND)).unwrap();
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn by_default_serves_ipv6_and_ipv4_and_says_so_and_that_the_standard_endpoint_is_open() {
    let dir = WorkDir::new("dual-stack");
    let (_child, lines) = spawn_json(&dir, &[("SERVER_PORT", "0")]);
    let mut seen: Vec<Value> = Vec::new();
    let (mut listening, mut open_warning) = (None, false);
    while listening.is_none() || !open_warning {
        let line = lines
            .recv_timeout(BOUND)
            .unwrap_or_else(|_| panic!("no listening line and open-endpoint warning: {seen:?}"));
        let message = line["fields"]["message"].as_str().unwrap_or_default();
        if message == "listening" {
            listening = Some(line.clone());
        }
        if line["level"] == "WARN" && message.starts_with("POST /livekit/token is OPEN") {
            open_warning = true;
        }
        seen.push(line);
    }
    let listening = listening.unwrap();
    let addr = listening["fields"]["addr"].as_str().unwrap();
    let port = addr
        .strip_prefix("[::]:")
        .unwrap_or_else(|| panic!("{listening}"));
    assert_eq!(
        listening["fields"]["serves"], "IPv6 and IPv4 (dual-stack)",
        "{listening}"
    );
    let listening_lines = seen
        .iter()
        .filter(|l| l["fields"]["message"] == "listening")
        .count();
    assert_eq!(listening_lines, 1, "one dual-stack socket: {seen:?}");
    for client in [format!("127.0.0.1:{port}"), format!("[::1]:{port}")] {
        let answer = health(&client);
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{client}: {answer}");
    }
}

#[test]
fn serves_with_dotenv_settings_and_stops_on_sigterm() {
    let dir = WorkDir::new("serve");
    // The key and secret from `.env`, the rest from the environment (which wins over the file).
    std::fs::write(
        dir.0.join(".env"),
        "LIVEKIT_API_KEY=APIfromdotenv\nLIVEKIT_API_SECRET=dotenv-secret\nSERVER_PORT=1\n",
    )
    .unwrap();
    let (mut child, lines) = spawn_json(
        &dir,
        &[
            ("SERVER_HOST", "127.0.0.1"),
            ("SERVER_PORT", "0"),
            ("TOKEN_TTL", "10m"),
        ],
    );
    let mut seen = Vec::new();
    let addr = loop {
        let line = lines
            .recv_timeout(BOUND)
            .unwrap_or_else(|_| panic!("no listening line: {seen:?}"));
        if line["fields"]["message"] == "listening" {
            break line["fields"]["addr"].as_str().unwrap().to_owned();
        }
        seen.push(line);
    };
    let warnings: Vec<&Value> = seen.iter().filter(|l| l["level"] == "WARN").collect();
    assert!(
        warnings.iter().any(|l| l["fields"]["message"]
            .as_str()
            .unwrap()
            .contains("32 bytes")),
        "a short secret is warned about: {seen:?}"
    );
    let all = seen.iter().map(Value::to_string).collect::<String>();
    assert!(
        !all.contains("dotenv-secret"),
        "the secret is never logged: {all}"
    );
    assert!(
        all.contains("APIfromdotenv"),
        "the key from .env is used: {all}"
    );

    let body = r#"{"roomName":"binary","participantName":"bin"}"#;
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream.set_read_timeout(Some(BOUND)).unwrap();
    write!(
        stream,
        "POST /token HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    let token = answer
        .split("\"token\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let claims = livekit_server_auth::TokenVerifier::new("APIfromdotenv", "dotenv-secret")
        .unwrap()
        .verify(token)
        .unwrap();
    assert_eq!(claims.identity(), Some("bin"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        claims.exp <= now + 600 && claims.exp + 60 >= now + 600,
        "TOKEN_TTL=10m"
    );

    let pid = child.child().id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let mut process = child.0.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(process.wait()));
    let exit = rx.recv_timeout(BOUND).unwrap_or_else(|_| {
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
        panic!("no exit within {BOUND:?} of SIGTERM")
    });
    let exit = exit.unwrap();
    assert!(exit.success(), "a clean shutdown exits 0: {exit:?}");
    // The process is gone, so its standard output ends and the reader stops.
    let rest: Vec<Value> = lines.iter().collect();
    assert!(
        rest.iter().any(|l| l["fields"]["message"] == "shut down"),
        "the shutdown is logged: {rest:?}"
    );
}
