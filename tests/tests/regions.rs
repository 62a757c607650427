//! Region failover against real LiveKit servers: two private servers sharing one Redis
//! database act as two regions of one project, behind a small "project host" that serves
//! `/settings/regions` (LiveKit Cloud's discovery endpoint, which the open-source server does
//! not have) and forwards every other request to region A, as Cloud's project host routes to a
//! region.
//!
//! A run of mixed calls (reads, and `CreateDispatch`, which creates something on every call)
//! goes on while region A is killed and then the project host too. What must hold: reads keep
//! succeeding through region B; a creation is never sent twice (counted by the server:
//! `ListDispatch`), and moves to region B only when its request provably never reached a
//! server (connection refused), never after the project host answered.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use livekit_server_agent_dispatch::{AgentDispatchClient, proto as dispatch_proto};
use livekit_server_http::{Client, Error, HyperTransport, RegionFailover};
use livekit_server_room::{RoomClient, proto};
use livekit_server_tests::{PrivateServer, TestEnv, unique_name};

/// The Redis database of this test's two servers (the shared server uses 0).
const REDIS_DB: u8 = 7;

/// The project host: `/settings/regions` answered here, everything else forwarded to one
/// region (a `503 unavailable` when it does not accept the connection).
struct ProjectHost {
    port: u16,
    running: Arc<AtomicBool>,
    discoveries: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl ProjectHost {
    fn start(forward_to: u16, regions: &[(&str, String)]) -> ProjectHost {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let entries: Vec<String> = regions
            .iter()
            .map(|(name, url)| format!(r#"{{"region":"{name}","url":"{url}"}}"#))
            .collect();
        let list: Arc<str> = format!(r#"{{"regions":[{}]}}"#, entries.join(",")).into();
        let running = Arc::new(AtomicBool::new(true));
        let discoveries = Arc::new(AtomicUsize::new(0));
        let (run, count) = (running.clone(), discoveries.clone());
        let thread = std::thread::spawn(move || {
            while run.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (list, count) = (list.clone(), count.clone());
                        std::thread::spawn(move || serve(stream, &list, forward_to, &count));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        ProjectHost {
            port,
            running,
            discoveries,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Closes the port: connections are refused from now on.
    fn stop(&mut self) {
        self.running.store(false, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for ProjectHost {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One request on `stream`, answered and closed.
fn serve(mut stream: TcpStream, list: &str, forward_to: u16, discoveries: &AtomicUsize) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut raw = Vec::new();
    let mut chunk = [0u8; 8192];
    let end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, value)| value.trim().parse().unwrap());
    let mut body = raw[end + 4..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let path = head.split_whitespace().nth(1).unwrap_or_default();
    if path == "/settings/regions" {
        discoveries.fetch_add(1, Ordering::SeqCst);
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: max-age=3600\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{list}",
            list.len()
        );
        return;
    }
    let Ok(mut upstream) = TcpStream::connect((Ipv4Addr::LOCALHOST, forward_to)) else {
        let answer = r#"{"code":"unavailable","msg":"no region available"}"#;
        let _ = write!(
            stream,
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{answer}",
            answer.len()
        );
        return;
    };
    // The request as received, but closing the connection after one answer.
    let mut forwarded: String = head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    forwarded.push_str("Connection: close\r\n\r\n");
    if upstream.write_all(forwarded.as_bytes()).is_err() || upstream.write_all(&body).is_err() {
        return;
    }
    let _ = std::io::copy(&mut upstream, &mut stream);
}

/// `CreateDispatch` of agent `agent` in `room`, marked with `mark` in its metadata.
async fn create_dispatch(
    dispatch: &AgentDispatchClient,
    room: &str,
    mark: &str,
) -> Result<dispatch_proto::AgentDispatch, Error> {
    dispatch
        .create_dispatch(dispatch_proto::CreateAgentDispatchRequest {
            agent_name: "failover-agent".into(),
            room: room.to_owned(),
            metadata: mark.to_owned(),
            ..Default::default()
        })
        .await
}

async fn list_rooms(rooms: &RoomClient) -> Result<proto::ListRoomsResponse, Error> {
    rooms.list_rooms(proto::ListRoomsRequest::default()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_fail_over_to_the_live_region_and_creations_are_never_sent_twice() {
    let env = TestEnv::from_env();
    let secret = format!("{}-0123456789abcdef-regions", unique_name("secret"));
    let mut region_a = PrivateServer::start_in_cluster(&env, REDIS_DB, &secret);
    let region_b = PrivateServer::start_in_cluster(&env, REDIS_DB, &secret);
    let mut project = ProjectHost::start(
        region_a.port(),
        &[("region-a", region_a.url()), ("region-b", region_b.url())],
    );
    let client = Client::builder()
        .url(project.url())
        .credentials(&region_a.api_key, &secret)
        .region_failover(RegionFailover::AnyHost)
        .hyper_transport(HyperTransport::builder().connect_timeout(Duration::from_secs(2)))
        .timeout(Duration::from_secs(5))
        .total_timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let rooms = RoomClient::from_client(client.clone());
    let dispatch = AgentDispatchClient::from_client(client.clone());
    let room = unique_name("regions");

    // Every creation: its mark and whether the server may have acted on it.
    let mut created: BTreeMap<String, Result<(), Error>> = BTreeMap::new();
    let mut mark = 0;
    let mut run = |phase: &str| {
        mark += 1;
        format!("{phase}-{mark}")
    };

    // 1. Everything up: the calls go through the project host to region A.
    for _ in 0..5 {
        list_rooms(&rooms).await.unwrap();
        let m = run("up");
        let result = create_dispatch(&dispatch, &room, &m).await.map(drop);
        assert!(result.is_ok(), "{result:?}");
        created.insert(m, result);
    }
    assert_eq!(project.discoveries.load(Ordering::SeqCst), 0);
    // Counted now: the room lives on one node, and its dispatches go with it if that is A.
    count_dispatches(&dispatch, &room, &std::mem::take(&mut created)).await;

    // 2. Region A killed: the project host answers 503. Reads move to region B; a creation
    //    that got a 503 from the project host is not moved (the host answered: the request
    //    reached a server).
    region_a.stop();
    for _ in 0..5 {
        let listed = list_rooms(&rooms).await;
        assert!(listed.is_ok(), "a read failed with region B up: {listed:?}");
        let m = run("a-down");
        let result = create_dispatch(&dispatch, &room, &m).await.map(drop);
        let error = result.as_ref().expect_err("a creation moved after a 503");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(503), "{error}");
        assert!(error.regions().is_empty(), "{error}");
        created.insert(m, result);
    }
    // The region list was fetched once, at the first failure, and cached.
    assert_eq!(project.discoveries.load(Ordering::SeqCst), 1);

    // 3. The project host down too: its port refuses connections, so a creation provably
    //    never reached a server and moves along the cached list (A refuses as well) to B.
    project.stop();
    for _ in 0..5 {
        let listed = list_rooms(&rooms).await;
        assert!(listed.is_ok(), "a read failed with region B up: {listed:?}");
        let m = run("host-down");
        let result = create_dispatch(&dispatch, &room, &m).await.map(drop);
        created.insert(m, result);
    }

    // Counted by the server (through region B, the one alive).
    count_dispatches(&dispatch, &room, &created).await;
    let moved_ok = created
        .iter()
        .filter(|(m, r)| m.starts_with("host-down") && r.is_ok())
        .count();
    assert!(moved_ok > 0, "no creation moved to region B: {created:?}");
}

/// Each creation of `created` is in the room at most once: exactly once when it succeeded,
/// never when it failed with a known outcome.
async fn count_dispatches(
    dispatch: &AgentDispatchClient,
    room: &str,
    created: &BTreeMap<String, Result<(), Error>>,
) {
    let listed = dispatch
        .list_dispatch(dispatch_proto::ListAgentDispatchRequest {
            room: room.to_owned(),
            dispatch_id: String::new(),
        })
        .await
        .unwrap()
        .agent_dispatches;
    for (m, result) in created {
        let count = listed.iter().filter(|d| &d.metadata == m).count();
        match result {
            Ok(()) => assert_eq!(count, 1, "{m} created {count} times"),
            Err(e) if !e.outcome_unknown() => assert_eq!(count, 0, "{m}: {e}"),
            Err(e) => assert!(count <= 1, "{m} created {count} times: {e}"),
        }
    }
}
