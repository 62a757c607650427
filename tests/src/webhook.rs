//! [`WebhookReceiver`]: a minimal HTTP/1.1 server on the loopback that records every request
//! (headers and raw body bytes, as sent) and answers `200 OK`.

use std::io::{self, BufReader, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::TestEnv;
use crate::watched::Watched;

/// The largest body accepted (webhooks are a few kilobytes).
const MAX_BODY: usize = 1 << 20;

/// One request the server made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    /// `POST` for webhooks.
    pub method: String,
    /// The request target (`/webhook`).
    pub path: String,
    /// The header lines in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte (signature checks need the exact bytes).
    pub body: Vec<u8>,
}

impl WebhookRequest {
    /// The first header with this name (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (`Value::Null` when it is not JSON).
    #[must_use]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The webhook's `event` field (`room_started`, `participant_joined`, ...).
    #[must_use]
    pub fn event(&self) -> Option<String> {
        self.json()["event"].as_str().map(str::to_owned)
    }

    /// The name of the room the webhook is about.
    #[must_use]
    pub fn room_name(&self) -> Option<String> {
        self.json()["room"]["name"].as_str().map(str::to_owned)
    }
}

/// Records the requests made to one loopback port.
#[derive(Debug)]
pub struct WebhookReceiver {
    port: u16,
    shared: Arc<Watched<Vec<WebhookRequest>>>,
}

impl WebhookReceiver {
    /// The receiver on [`TestEnv::webhook_port`], where the server posts its webhooks. It is
    /// started on first use and shared by every test of the process (tests run in parallel
    /// against one server, so they tell their webhooks apart by room name).
    ///
    /// # Panics
    ///
    /// When the port cannot be bound (another process holds it).
    pub fn shared(env: &TestEnv) -> &'static WebhookReceiver {
        static SHARED: OnceLock<WebhookReceiver> = OnceLock::new();
        let receiver = SHARED.get_or_init(|| {
            WebhookReceiver::bind(env.webhook_port).unwrap_or_else(|error| {
                panic!(
                    "cannot bind the webhook port 127.0.0.1:{}: {error}",
                    env.webhook_port
                )
            })
        });
        assert_eq!(
            receiver.port, env.webhook_port,
            "the shared receiver listens elsewhere"
        );
        receiver
    }

    /// A receiver on `127.0.0.1:port` (0 picks a free port); it lives as long as the process.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound.
    pub fn bind(port: u16) -> io::Result<WebhookReceiver> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Watched::<Vec<WebhookRequest>>::default());
        let accepting = Arc::clone(&shared);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&accepting);
                thread::spawn(move || {
                    if let Ok(request) = serve(stream) {
                        shared.update(|requests| requests.push(request));
                    }
                });
            }
        });
        Ok(WebhookReceiver { port, shared })
    }

    /// The port it listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request received so far, in arrival order.
    #[must_use]
    pub fn requests(&self) -> Vec<WebhookRequest> {
        self.shared.lock().clone()
    }

    /// Waits for a request that matches (already received, or arriving within `timeout`).
    ///
    /// # Panics
    ///
    /// When none comes in time; the message lists the events received.
    pub fn wait_for(
        &self,
        timeout: Duration,
        matches: impl Fn(&WebhookRequest) -> bool,
    ) -> WebhookRequest {
        let found = self.shared.wait_for(
            Instant::now() + timeout,
            |requests| requests.iter().find(|r| matches(r)).cloned(),
            |_| false,
        );
        found.unwrap_or_else(|requests| {
            let seen: Vec<String> = requests
                .iter()
                .map(|r| format!("{} {:?} room {:?}", r.path, r.event(), r.room_name()))
                .collect();
            panic!(
                "no matching webhook on port {} within {timeout:?}; received:\n  {}",
                self.port,
                seen.join("\n  ")
            );
        })
    }

    /// Waits for the webhook `event` about the room `room`.
    ///
    /// # Panics
    ///
    /// As [`WebhookReceiver::wait_for`].
    pub fn wait_for_event(&self, room: &str, event: &str, timeout: Duration) -> WebhookRequest {
        self.wait_for(timeout, |r| {
            r.event().as_deref() == Some(event) && r.room_name().as_deref() == Some(room)
        })
    }
}

/// Reads one request, answers 200 and closes the connection.
fn serve(stream: TcpStream) -> io::Result<WebhookRequest> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let request = read_request(&mut reader)?;
    let mut stream = stream;
    stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
    stream.flush()?;
    Ok(request)
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

fn read_request(reader: &mut impl io::BufRead) -> io::Result<WebhookRequest> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().ok_or_else(|| bad("empty request"))?.to_owned();
    let path = parts
        .next()
        .ok_or_else(|| bad("no request target"))?
        .to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(bad("connection closed in the headers"));
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| bad("malformed header"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let body = if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        read_chunked(reader)?
    } else {
        let length: usize = find("content-length")
            .map_or(Ok(0), |v| v.parse())
            .map_err(|_| bad("bad length"))?;
        if length > MAX_BODY {
            return Err(bad("body too large"));
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    };
    Ok(WebhookRequest {
        method,
        path,
        headers,
        body,
    })
}

fn read_chunked(reader: &mut impl io::BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let size = line.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
        if body.len() + size > MAX_BODY {
            return Err(bad("body too large"));
        }
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        line.clear();
        reader.read_line(&mut line)?;
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn post(port: u16, raw: &[u8]) -> String {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
        stream.write_all(raw).expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        answer
    }

    #[test]
    fn records_a_request_with_a_length() {
        let receiver = WebhookReceiver::bind(0).expect("bind");
        let body = br#"{"event":"room_started","room":{"name":"r1"}}"#;
        let raw = [
            format!(
                "POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: abc\r\nContent-Type: \
                 application/webhook+json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes(),
            body.to_vec(),
        ]
        .concat();
        assert!(post(receiver.port(), &raw).starts_with("HTTP/1.1 200 OK"));
        let got = receiver.wait_for_event("r1", "room_started", Duration::from_secs(5));
        assert_eq!(got.method, "POST");
        assert_eq!(got.path, "/webhook");
        assert_eq!(got.header("authorization"), Some("abc"));
        assert_eq!(got.body, body);
    }

    #[test]
    fn records_a_chunked_request() {
        let receiver = WebhookReceiver::bind(0).expect("bind");
        let raw = b"POST /h HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\
                    4\r\n{\"ev\r\n9;x=y\r\nent\":\"a\"}\r\n0\r\n\r\n";
        assert!(post(receiver.port(), raw).starts_with("HTTP/1.1 200 OK"));
        let got = receiver.wait_for(Duration::from_secs(5), |r| r.path == "/h");
        assert_eq!(got.body, br#"{"event":"a"}"#);
        assert_eq!(got.event().as_deref(), Some("a"));
    }
}
