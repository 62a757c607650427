//! Faults with real processes and sockets: a private LiveKit server in its own container (not
//! the shared one) is killed in the middle of a run of read calls and started again on the same
//! port; the same server is paused (its processes frozen: a hung server whose kernel still
//! accepts connections) and resumed; and a listener that accepts connections but never answers
//! stands in for a hung server too.
//!
//! What must hold: while the server is down, calls fail fast with typed connect errors, never
//! later than their deadline; once it is back, the same client (same pool, nothing rebuilt)
//! succeeds again; against a frozen or silent server a call ends at its configured deadline, within a
//! small tolerance, and a non-idempotent call is not replayed.

#![allow(clippy::unwrap_used)]

mod support;

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use livekit_server_http::{CallOptions, Client, Error, HyperTransport};
use livekit_server_room::{RoomClient, proto};
use livekit_server_tests::{PrivateServer, TestEnv, unique_name};
use support::expect_err;

/// Per-attempt and per-call budgets of the clients below.
const ATTEMPT: Duration = Duration::from_secs(2);
const CALL: Duration = Duration::from_secs(4);
/// Scheduling slack allowed past a deadline on a loaded machine.
const MARGIN: Duration = Duration::from_millis(750);

fn client_for(url: &str, key: &str, secret: &str) -> RoomClient {
    RoomClient::from_client(
        Client::builder()
            .url(url)
            .credentials(key, secret)
            .hyper_transport(HyperTransport::builder().connect_timeout(Duration::from_secs(1)))
            .timeout(ATTEMPT)
            .total_timeout(CALL)
            .build()
            .unwrap(),
    )
}

/// One `ListRooms`, timed.
/// `ListRooms` (a read) to a server that does not answer: attempts of 2 s retried until the
/// call's 4 s deadline, its outcome unknown (the request was sent).
async fn list_times_out_at_the_deadline(rooms: &RoomClient) {
    let (elapsed, result) = timed_list(rooms).await;
    let error = expect_err(result);
    assert!(error.is_timeout(), "{error:?}");
    assert!(error.outcome_unknown(), "the request was sent");
    assert!(error.attempts() >= 2, "{error:?}");
    assert!(
        elapsed >= CALL - Duration::from_millis(50) && elapsed < CALL + MARGIN,
        "{elapsed:?}: {error:?}"
    );
}

/// `SendData` (not idempotent) to a server that does not answer: one attempt, failed at the
/// attempt timeout, its outcome unknown (the request was sent, so it is not replayed).
async fn send_data_times_out_once(rooms: &RoomClient, room: &str) {
    let started = Instant::now();
    let request =
        proto::SendDataRequest::new(room, b"x".to_vec(), proto::data_packet::Kind::Reliable);
    let error = expect_err(rooms.send_data(request).await);
    let elapsed = started.elapsed();
    assert!(error.is_timeout() && error.outcome_unknown(), "{error:?}");
    assert_eq!(error.attempts(), 1, "{error:?}");
    assert!(
        elapsed >= ATTEMPT - Duration::from_millis(50) && elapsed < ATTEMPT + MARGIN,
        "{elapsed:?}"
    );
}

async fn timed_list(rooms: &RoomClient) -> (Duration, Result<proto::ListRoomsResponse, Error>) {
    let started = Instant::now();
    let result = rooms.list_rooms(proto::ListRoomsRequest::default()).await;
    (started.elapsed(), result)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_fails_calls_fast_and_the_same_client_recovers_after_a_restart() {
    let env = TestEnv::from_env();
    let mut server = PrivateServer::start_new(&env);
    let rooms = client_for(&server.url(), &server.api_key, &server.api_secret);
    let room = unique_name("faults");
    support::create_room(&rooms, &room, 300).await;

    // A run of read calls in the background, across the stop and the restart.
    let running = Arc::new(AtomicBool::new(true));
    let background = {
        let rooms = rooms.clone();
        let running = Arc::clone(&running);
        tokio::spawn(async move {
            let mut outcomes = Vec::new();
            while running.load(Ordering::Relaxed) {
                let (elapsed, result) = timed_list(&rooms).await;
                outcomes.push((elapsed, result.map(drop)));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            outcomes
        })
    };

    // Up: calls succeed and see the room.
    for _ in 0..10 {
        let (_, result) = timed_list(&rooms).await;
        assert!(result.unwrap().rooms.iter().any(|r| r.name == room));
    }

    // Down (killed, as in a crash): every call fails with a connect error, quickly.
    server.stop();
    for _ in 0..10 {
        let (elapsed, result) = timed_list(&rooms).await;
        let error = expect_err(result);
        assert!(error.is_connect(), "{error:?}");
        assert!(
            error.is_retryable() && !error.outcome_unknown(),
            "{error:?}"
        );
        // A read is retried (the request never left), and the whole call stays in budget.
        assert_eq!(error.attempts(), 3, "{error:?}");
        assert!(elapsed < CALL + MARGIN, "{elapsed:?}: {error:?}");
        assert_eq!(error.status(), None);
    }
    // A non-idempotent call is replayed too when the connection was refused (it never left).
    let started = Instant::now();
    let error = expect_err(
        rooms
            .send_data(proto::SendDataRequest {
                room: room.clone(),
                data: b"x".to_vec(),
                ..Default::default()
            })
            .await,
    );
    assert!(error.is_connect() && !error.outcome_unknown(), "{error:?}");
    assert_eq!(error.attempts(), 3, "{error:?}");
    assert!(started.elapsed() < CALL + MARGIN);

    // Up again on the same port: the same client works, without being rebuilt.
    let port = server.port();
    tokio::task::block_in_place(|| server.start());
    assert_eq!(server.port(), port);
    for _ in 0..10 {
        let (_, result) = timed_list(&rooms).await;
        // A fresh single-node server: its rooms were in memory, so the listing is empty.
        assert!(!result.unwrap().rooms.iter().any(|r| r.name == room));
    }
    support::create_room(&rooms, &room, 0).await;

    running.store(false, Ordering::Relaxed);
    let outcomes = background.await.unwrap();
    let failures: Vec<&Error> = outcomes
        .iter()
        .filter_map(|(_, r)| r.as_ref().err())
        .collect();
    let successes = outcomes.len() - failures.len();
    assert!(!failures.is_empty(), "the background run saw no failure");
    assert!(
        successes >= 2,
        "{successes} successes of {}",
        outcomes.len()
    );
    assert!(
        outcomes.first().unwrap().1.is_ok(),
        "the run starts while the server is up"
    );
    assert!(
        outcomes.last().unwrap().1.is_ok(),
        "the run ends after the restart"
    );
    for error in &failures {
        // A call in flight when the server died fails on its connection; the others cannot
        // connect. Either way a typed transport error, never a hang.
        assert!(error.is_transport(), "{error:?}");
        assert!(error.is_connect() || error.is_retryable(), "{error:?}");
    }
    for (elapsed, result) in &outcomes {
        assert!(*elapsed < CALL + MARGIN, "{elapsed:?}: {result:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_server_fails_calls_at_their_deadline_and_the_same_client_recovers_when_it_resumes()
 {
    let env = TestEnv::from_env();
    let server = PrivateServer::start_new(&env);
    let rooms = client_for(&server.url(), &server.api_key, &server.api_secret);
    let room = unique_name("hung");
    support::create_room(&rooms, &room, 300).await;
    let (_, result) = timed_list(&rooms).await;
    assert!(result.unwrap().rooms.iter().any(|r| r.name == room));

    // Frozen: connections (pooled or new) are accepted by the kernel, nothing answers.
    tokio::task::block_in_place(|| server.pause());

    // A read: attempts of 2 s are retried until the call's 4 s deadline.
    list_times_out_at_the_deadline(&rooms).await;

    // A non-idempotent call is not replayed after a timeout: its outcome is unknown.
    send_data_times_out_once(&rooms, &room).await;

    // Resumed (it answers its health check again): the same client works, and the room is
    // still there, the process having been frozen, not restarted.
    tokio::task::block_in_place(|| server.resume());
    let (_, result) = timed_list(&rooms).await;
    assert!(result.unwrap().rooms.iter().any(|r| r.name == room));
}

/// A listener that accepts every connection and never reads or answers.
fn silent_server() -> (String, Arc<Mutex<Vec<TcpStream>>>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held = Arc::new(Mutex::new(Vec::new()));
    let holding = Arc::clone(&held);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            holding.lock().unwrap().push(stream);
        }
    });
    (url, held)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_fails_calls_at_their_deadline() {
    let (url, held) = silent_server();
    let rooms = client_for(&url, "APIsilent", "silent-secret-silent-secret-0123");

    // A read: attempts of 2 s are retried until the call's 4 s deadline.
    list_times_out_at_the_deadline(&rooms).await;

    // One attempt of 1 s, as configured per call.
    let quick = rooms.with_call_options(
        CallOptions::new()
            .timeout(Duration::from_secs(1))
            .no_retry(),
    );
    let (elapsed, result) = timed_list(&quick).await;
    let error = expect_err(result);
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(error.attempts(), 1);
    assert!(
        elapsed >= Duration::from_millis(950) && elapsed < Duration::from_secs(1) + MARGIN,
        "{elapsed:?}"
    );

    // A non-idempotent call is not replayed after a timeout: its outcome is unknown.
    send_data_times_out_once(&rooms, "silent").await;

    // An absolute deadline shorter than the attempt timeout wins.
    let deadline = Instant::now() + Duration::from_millis(600);
    let (elapsed, result) =
        timed_list(&rooms.with_call_options(CallOptions::new().deadline(deadline))).await;
    let error = expect_err(result);
    assert!(error.is_timeout(), "{error:?}");
    assert!(elapsed < Duration::from_millis(600) + MARGIN, "{elapsed:?}");
    assert!(Instant::now() >= deadline - Duration::from_millis(50));

    assert!(
        !held.lock().unwrap().is_empty(),
        "the calls did reach the silent server"
    );
}
