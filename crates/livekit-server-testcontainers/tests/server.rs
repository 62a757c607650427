//! The module against a real Docker engine: a server on the host network that creates a room
//! through the SDK and posts its `room_started` webhook to a receiver in this test; the
//! default (bridged) server; Redis, on the host network, on a named network, and bridged;
//! a bad configuration; the blocking handles; starts cut short or failing, which leave no
//! container; taken ports; each failure's error.
//!
//! They need a Docker engine and the images (`cargo xtask setup` builds them locally as
//! `livekit/livekit-server:v1.13.5` and `redis:7.0`); without them they fail, saying so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener};
use std::sync::mpsc;
use std::time::Duration;

use livekit_server_sdk::{LiveKitApi, proto};
use livekit_server_testcontainers::testcontainers::ImageExt as _;
use livekit_server_testcontainers::{
    ErrorKind, LiveKitContainer, LiveKitServer, PROCESS_LABEL, Ports, Redis, RedisContainer,
};
use livekit_server_webhook::WebhookReceiver;

const NEEDS: &str = "these tests need a Docker engine and the images `cargo xtask setup` builds";

/// The label these tests put on the containers they look for, its value unique to a test.
const TEST_LABEL: &str = "io.github.livekit-server-rs.testcontainers.test";

/// A value unique to this call (the process, the time, a counter).
fn unique(what: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{what}-{}-{nanos}-{n}", std::process::id())
}

/// The ids of the containers (running or not) carrying `TEST_LABEL=value`.
fn labelled(value: &str) -> Vec<String> {
    let listed = std::process::Command::new("docker")
        .args(["ps", "--all", "--quiet", "--filter"])
        .arg(format!("label={TEST_LABEL}={value}"))
        .output()
        .expect("the docker CLI");
    assert!(listed.status.success());
    String::from_utf8_lossy(&listed.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// A one-thread HTTP endpoint: each POST's `Authorization` header and body go to the channel.
fn webhook_endpoint() -> (u16, mpsc::Receiver<(String, Vec<u8>)>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut authorization = String::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    match name.to_ascii_lowercase().as_str() {
                        "authorization" => value.trim().clone_into(&mut authorization),
                        "content-length" => length = value.trim().parse().unwrap_or(0),
                        _ => {}
                    }
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let _ = reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            if sender.send((authorization, body)).is_err() {
                return;
            }
        }
    });
    (port, receiver)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_created_through_the_sdk_is_announced_by_a_verified_room_started_webhook() {
    let (port, hooks) = webhook_endpoint();
    let lk = LiveKitServer::default()
        .with_keys("APItestcontainers", "a-secret-of-at-least-thirty-two-chars")
        .with_webhook_url(format!("http://127.0.0.1:{port}/webhook"))
        .with_host_network(Ports::free().unwrap())
        .start()
        .await
        .expect(NEEDS);
    assert!(lk.url().starts_with("http://127.0.0.1:"), "{}", lk.url());
    assert_eq!(lk.api_key(), "APItestcontainers");

    let api = api(&lk);
    let room = api
        .room()
        .create_room(proto::CreateRoomRequest {
            name: "tc-room".into(),
            empty_timeout: 60,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(room.name, "tc-room");
    let listed = api
        .room()
        .list_rooms(proto::ListRoomsRequest::default())
        .await
        .unwrap();
    assert!(listed.rooms.iter().any(|r| r.name == "tc-room"));

    let receiver = WebhookReceiver::with_credentials(lk.api_key(), lk.api_secret()).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let webhook = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let (authorization, body) = tokio::task::block_in_place(|| hooks.recv_timeout(left))
            .expect("no room_started webhook within 30 s");
        let webhook = receiver
            .receive(&body, &authorization)
            .expect("the webhook verifies with the server's key");
        if webhook.kind().as_str() == "room_started" {
            break webhook;
        }
    };
    let event_room = webhook.event().room.as_ref().expect("a room");
    assert_eq!(event_room.name, "tc-room");
    assert_eq!(event_room.sid, room.sid);

    // A forged signature is refused: the check above is not vacuous.
    let forged =
        WebhookReceiver::with_credentials(lk.api_key(), "another-secret-of-32-characters!")
            .unwrap();
    let (authorization, body) = tokio::task::block_in_place(|| {
        // Deleting the room makes the server post room_finished.
        futures_block(api.room().delete_room(proto::DeleteRoomRequest {
            room: "tc-room".into(),
        }))
        .unwrap();
        hooks.recv_timeout(Duration::from_secs(30))
    })
    .expect("a webhook after delete_room");
    assert!(forged.receive(&body, &authorization).is_err());
}

/// The SDK's client for a server (`LiveKitContainer::api` with the `sdk` feature is the same).
fn api(lk: &LiveKitContainer) -> LiveKitApi {
    #[cfg(feature = "sdk")]
    {
        lk.api().unwrap()
    }
    #[cfg(not(feature = "sdk"))]
    {
        LiveKitApi::new(lk.url(), lk.api_key(), lk.api_secret()).unwrap()
    }
}

/// Awaits a future from a blocking section of a multi-thread runtime.
fn futures_block<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Handle::current().block_on(future)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_server_is_bridged_and_published_on_a_host_port() {
    let lk = LiveKitServer::default().start().await.expect(NEEDS);
    assert_eq!(lk.api_key(), "devkey");
    assert!(!lk.url().ends_with(":7880") || lk.url().contains("127.0.0.1"));
    let rooms = api(&lk)
        .room()
        .list_rooms(proto::ListRoomsRequest::default())
        .await
        .expect("the published port reaches the server");
    assert!(rooms.rooms.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_redis_see_each_others_rooms() {
    let redis = Redis::default()
        .with_host_network_on_a_free_port()
        .unwrap()
        .start()
        .await
        .expect(NEEDS);
    let first = LiveKitServer::default()
        .with_redis(&redis)
        .with_host_network(Ports::free().unwrap())
        .start()
        .await
        .expect(NEEDS);
    let second = LiveKitServer::default()
        .with_redis(&redis)
        .with_host_network(Ports::free().unwrap())
        .start()
        .await
        .expect(NEEDS);
    api(&first)
        .room()
        .create_room(proto::CreateRoomRequest {
            name: "shared".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let seen = api(&second)
        .room()
        .list_rooms(proto::ListRoomsRequest::default())
        .await
        .unwrap();
    assert!(
        seen.rooms.iter().any(|r| r.name == "shared"),
        "the second node does not see the room: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_and_redis_on_a_named_network_see_each_others_rooms() {
    // Names are global to the engine: this process's id keeps them apart from other runs.
    let network = format!("livekit-testcontainers-test-{}", std::process::id());
    let redis = Redis::default()
        .with_network(&network, format!("{network}-redis"))
        .start()
        .await
        .expect(NEEDS);
    let first = LiveKitServer::default()
        .with_redis(&redis)
        .start()
        .await
        .expect(NEEDS);
    let second = LiveKitServer::default()
        .with_redis(&redis)
        .start()
        .await
        .expect(NEEDS);
    assert_ne!(
        first.url(),
        second.url(),
        "each server has its own published port"
    );
    api(&first)
        .room()
        .create_room("on-the-network")
        .await
        .expect("the first server, through its published port");
    let seen = api(&second)
        .room()
        .list_rooms(proto::ListRoomsRequest::all())
        .await
        .expect("the second server, through its published port");
    assert!(
        seen.rooms.iter().any(|r| r.name == "on-the-network"),
        "the second node does not see the room, so the two do not share the Redis on {network}: \
         {seen:?}"
    );
    drop((first, second, redis));
    let listed = std::process::Command::new("docker")
        .args(["network", "ls", "--quiet", "--filter"])
        .arg(format!("name=^{network}$"))
        .output()
        .expect("the docker CLI");
    assert!(listed.status.success());
    assert!(
        listed.stdout.is_empty(),
        "the network outlived its containers: {}",
        String::from_utf8_lossy(&listed.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_the_server_rejects_fails_the_start() {
    let error = LiveKitServer::default()
        .with_config_yaml("no_such_option: 1\n")
        .with_host_network(Ports::free().unwrap())
        .start()
        .await
        .expect_err("the server exits on an unknown key");
    assert_eq!(error.kind(), ErrorKind::Container);
    // Not blamed on the engine or the image: the container ran and exited, and the message
    // has the server's reason, without the warning the development secret causes.
    let message = error.to_string();
    assert!(message.contains("exited before it was ready"), "{message}");
    assert!(
        message.contains("field no_such_option not found"),
        "{message}"
    );
    assert!(!message.contains("secret is too short"), "{message}");
    assert!(!message.contains("image"), "{message}");
}

/// A start cut short by a timeout at any point (before, while and after the engine creates
/// and starts the container, while it waits for the ready line) leaves no container, neither
/// when the drop returns nor later (the engine goes on with a create whose client is gone).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_start_cut_short_leaves_no_container() {
    let mut cut_short = Vec::new();
    for millis in [1, 10, 20, 35, 50, 70, 90, 120, 150, 200, 260, 330, 400] {
        let start = unique("cut");
        let request = LiveKitServer::default()
            .with_host_network(Ports::free().unwrap())
            .into_request()
            .with_label(TEST_LABEL, &start);
        let cut = Duration::from_millis(millis);
        match tokio::time::timeout(cut, LiveKitContainer::start_request(request)).await {
            Ok(started) => drop(started.expect(NEEDS)),
            // Whether the engine finished that create before the drop's second of looking
            // is the engine's timing: only the state after the later sweeps is the verdict.
            Err(_) => cut_short.push((millis, start)),
        }
    }
    assert!(cut_short.len() >= 6, "the starts were too quick to be cut");
    // A create the engine finishes later is removed within a second of appearing.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for (millis, start) in cut_short {
        gone_soon(&start, &format!("a start cut after {millis} ms")).await;
    }
}

/// Waits up to 10 s for the containers labelled `start` to be gone.
async fn gone_soon(start: &str, what: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !labelled(start).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} left {:?}",
            labelled(start)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The same for Redis, on a current-thread runtime (the drop cannot leave the runtime's
/// thread there).
#[tokio::test]
async fn a_redis_start_cut_short_leaves_no_container() {
    for millis in [5, 30, 60, 100, 160, 250, 400] {
        let start = unique("cut-redis");
        let request = Redis::default()
            .into_request()
            .with_label(TEST_LABEL, &start);
        let cut = Duration::from_millis(millis);
        if let Ok(started) = tokio::time::timeout(cut, RedisContainer::start_request(request)).await
        {
            drop(started.expect(NEEDS));
        }
        gone_soon(&start, &format!("a Redis start cut after {millis} ms")).await;
    }
}

/// A start the engine fails after it created the container (here: a user the image does
/// not have) removes it, and says the engine refused, not that an image is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_the_engine_fails_leaves_no_container() {
    let start = unique("refused");
    let request = LiveKitServer::default()
        .into_request()
        .with_user("no-such-user")
        .with_label(TEST_LABEL, &start);
    let error = LiveKitContainer::start_request(request)
        .await
        .expect_err("the engine cannot run the container as a user the image lacks");
    assert_eq!(error.kind(), ErrorKind::Container, "{error}");
    assert!(error.to_string().contains("refused"), "{error}");
    assert!(labelled(&start).is_empty(), "{:?}", labelled(&start));

    #[cfg(feature = "blocking")]
    {
        let start = unique("refused-blocking");
        let request = LiveKitServer::default()
            .into_request()
            .with_user("no-such-user")
            .with_label(TEST_LABEL, &start);
        let error =
            livekit_server_testcontainers::blocking::LiveKitContainer::start_request(request)
                .expect_err("the same, blocking");
        assert_eq!(error.kind(), ErrorKind::Container, "{error}");
        assert!(labelled(&start).is_empty(), "{:?}", labelled(&start));
    }
}

/// A port taken after `Ports::free` chose it (by another process, between the choice and
/// the start): the start moves to other free ports; on ports chosen by hand it fails with
/// the server's reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_taken_before_the_start_moves_a_start_on_free_ports_elsewhere() {
    // Bound here as another process would (another test of this one does not pick it).
    let ports = Ports::free().unwrap();
    let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, ports.http)).unwrap();
    let lk = LiveKitServer::default()
        .with_host_network(ports)
        .start()
        .await
        .expect(NEEDS);
    let moved = lk.host_ports().unwrap();
    assert_ne!(moved.http, ports.http);
    assert!(
        lk.url().ends_with(&format!(":{}", moved.http)),
        "{}",
        lk.url()
    );
    api(&lk)
        .room()
        .list_rooms(proto::ListRoomsRequest::default())
        .await
        .expect("the server on the new ports");

    // With ports chosen otherwise (the system's), they are kept.
    let system_port = || {
        let socket = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        socket.local_addr().unwrap().port()
    };
    let by_hand = Ports {
        http: ports.http,
        rtc_tcp: system_port(),
        rtc_udp: system_port(),
    };
    let error = LiveKitServer::default()
        .with_host_network(by_hand)
        .start()
        .await
        .expect_err("the HTTP port is taken");
    assert_eq!(error.kind(), ErrorKind::Ports, "{error}");
    let message = error.to_string();
    assert!(message.contains("address already in use"), "{message}");
    assert!(!message.contains("secret is too short"), "{message}");
    assert!(!message.contains("Docker engine"), "{message}");
    drop(taken);
}

/// A Redis published on a host port (the default), for a server on a bridge network: it
/// reaches it through `host.docker.internal`, also when the engine is at `localhost`; and
/// every database of the 256 is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridged_server_reaches_a_published_redis_through_the_host() {
    let redis = Redis::default().start().await.expect(NEEDS);
    assert!(
        redis
            .address_for_containers()
            .starts_with("host.docker.internal:"),
        "{}",
        redis.address_for_containers()
    );
    let servers = [
        LiveKitServer::default()
            .with_redis(&redis)
            .with_redis_db(200),
        LiveKitServer::default()
            .with_redis(&redis)
            .with_redis_db(200)
            .with_host_network(Ports::free().unwrap()),
    ];
    let (first, second) = match servers.map(LiveKitServer::start) {
        [first, second] => (first.await.expect(NEEDS), second.await.expect(NEEDS)),
    };
    api(&first)
        .room()
        .create_room("through-the-host")
        .await
        .unwrap();
    let seen = api(&second)
        .room()
        .list_rooms(proto::ListRoomsRequest::all())
        .await
        .unwrap();
    assert!(
        seen.rooms.iter().any(|r| r.name == "through-the-host"),
        "the servers do not share the Redis: {seen:?}"
    );
}

/// Wrong options are refused at once, before anything starts (not after the 60 s startup
/// timeout, not with the server's own error).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_options_are_refused_before_anything_starts() {
    let began = std::time::Instant::now();
    let refused = [
        LiveKitServer::default().with_keys("", ""),
        LiveKitServer::default().with_keys("APIkey", ""),
        LiveKitServer::default().with_config_yaml("logging:\n  level: warn\n"),
        LiveKitServer::default().with_webhook_url("http://localhost:9/hook"),
        LiveKitServer::default().with_webhook_url("http://127.0.0.1:9/hook"),
    ];
    for server in refused {
        let shown = format!("{server:?}");
        let error = server.start().await.expect_err(&shown);
        assert_eq!(error.kind(), ErrorKind::Config, "{shown}: {error}");
    }
    assert!(
        began.elapsed() < Duration::from_secs(2),
        "{:?}",
        began.elapsed()
    );
}

/// Each failure of the engine has its own kind and hint: an image that is not there, a
/// container name in use, a network name that several networks have.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_failures_are_told_apart() {
    let error = LiveKitServer::default()
        .with_image("livekit/livekit-server", "no-such-tag-for-testcontainers")
        .start()
        .await
        .expect_err("no such image");
    assert_eq!(error.kind(), ErrorKind::Image, "{error}");
    assert!(error.to_string().contains("no-such-tag"), "{error}");

    let network = unique("livekit-testcontainers-test-conflict");
    let name = format!("{network}-redis");
    let redis = Redis::default()
        .with_network(&network, &name)
        .start()
        .await
        .expect(NEEDS);
    let error = Redis::default()
        .with_network(&network, &name)
        .start()
        .await
        .expect_err("the name is taken");
    assert_eq!(error.kind(), ErrorKind::Container, "{error}");
    assert!(
        error.to_string().contains("of that name already"),
        "{error}"
    );
    assert!(!error.to_string().contains("image"), "{error}");
    drop(redis);

    // Two networks of one name (the engine allows it through its API).
    use livekit_server_testcontainers::testcontainers::bollard::models::NetworkCreateRequest;
    let docker =
        livekit_server_testcontainers::testcontainers::core::client::docker_client_instance()
            .await
            .expect(NEEDS);
    let network = unique("livekit-testcontainers-test-twice");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let request = NetworkCreateRequest {
            name: network.clone(),
            labels: Some([(TEST_LABEL.to_owned(), network.clone())].into()),
            ..Default::default()
        };
        ids.push(docker.create_network(request).await.unwrap().id);
    }
    let start = unique("ambiguous");
    let request = Redis::default()
        .with_network(&network, format!("{network}-redis"))
        .into_request()
        .with_label(TEST_LABEL, &start);
    let error = RedisContainer::start_request(request)
        .await
        .expect_err("the network name is ambiguous");
    for id in &ids {
        docker.remove_network(id).await.unwrap();
    }
    assert_eq!(error.kind(), ErrorKind::Container, "{error}");
    assert!(
        error.to_string().contains("several Docker networks"),
        "{error}"
    );
    assert!(labelled(&start).is_empty());
}

/// Without an engine (`DOCKER_HOST` naming no socket), a start fails with `Engine`, the kind
/// a test can skip on. In a child process: the engine's address is read once per process.
#[test]
fn without_an_engine_a_start_fails_with_the_engine_kind() {
    const CHILD: &str = "LIVEKIT_TESTCONTAINERS_TEST_NO_ENGINE";
    if std::env::var_os(CHILD).is_some() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let error = runtime
            .block_on(LiveKitServer::default().start())
            .expect_err("there is no engine");
        assert_eq!(error.kind(), ErrorKind::Engine, "{error}");
        assert!(error.to_string().contains("DOCKER_HOST"), "{error}");
        return;
    }
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "without_an_engine_a_start_fails_with_the_engine_kind",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert!(
        child.status.success(),
        "{}{}",
        String::from_utf8_lossy(&child.stdout),
        String::from_utf8_lossy(&child.stderr)
    );
}

/// A start cut short while the engine hangs (accepts, never answers) returns about when it
/// was cut: the clean-up's requests end with its second of looking, not with bollard's two
/// minutes.
#[test]
fn a_start_cut_short_on_a_hung_engine_returns_promptly() {
    const CHILD: &str = "LIVEKIT_TESTCONTAINERS_TEST_HUNG_ENGINE";
    if std::env::var_os(CHILD).is_some() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let begun = std::time::Instant::now();
        let started = runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(2), LiveKitServer::default().start()).await
        });
        assert!(started.is_err(), "a hung engine cannot start anything");
        // The failure this guards against took 122 s.
        assert!(
            begun.elapsed() < Duration::from_secs(20),
            "{:?}",
            begun.elapsed()
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("lk-hung-engine-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("docker.sock");
    let _ = std::fs::remove_file(&socket);
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        // Accept and hold every connection, answering nothing.
        let mut held = Vec::new();
        for connection in listener.incoming() {
            held.push(connection);
        }
    });
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_start_cut_short_on_a_hung_engine_returns_promptly",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("DOCKER_HOST", format!("unix://{}", socket.display()))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        child.status.success(),
        "{}{}",
        String::from_utf8_lossy(&child.stdout),
        String::from_utf8_lossy(&child.stderr)
    );
}

/// Every container carries the process label, whose value names this process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn containers_carry_the_process_label() {
    let value = livekit_server_testcontainers::process_label_value();
    let pid = std::process::id().to_string();
    assert_eq!(value.split('-').next(), Some(pid.as_str()), "{value}");
    #[cfg(target_os = "linux")]
    assert!(value.len() > pid.len() + 1, "{value}: no start time");
    let redis = Redis::default().start().await.expect(NEEDS);
    let labels = std::process::Command::new("docker")
        .args(["inspect", "--format"])
        .arg(format!("{{{{index .Config.Labels \"{PROCESS_LABEL}\"}}}}"))
        .arg(redis.container().id())
        .output()
        .expect("the docker CLI");
    assert_eq!(String::from_utf8_lossy(&labels.stdout).trim(), value);
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_handle_pauses_and_resumes_the_server() {
    use livekit_server_testcontainers::blocking::LiveKitContainer;

    let lk =
        LiveKitContainer::start(LiveKitServer::default().with_host_network(Ports::free().unwrap()))
            .expect(NEEDS);
    let api =
        livekit_server_sdk::blocking::LiveKitApi::new(lk.url(), lk.api_key(), lk.api_secret())
            .unwrap();
    api.room()
        .list_rooms(proto::ListRoomsRequest::default())
        .unwrap();
    lk.pause().unwrap();
    // Paused, the server accepts connections (the kernel does) but answers nothing.
    let mut stream = std::net::TcpStream::connect(lk.url().trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    stream.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut buffer = [0u8; 16];
    assert!(
        stream.read(&mut buffer).is_err(),
        "a paused server answered"
    );
    lk.unpause().unwrap();
    api.room()
        .list_rooms(proto::ListRoomsRequest::default())
        .unwrap();
}

#[cfg(feature = "blocking")]
#[test]
fn a_test_that_panics_still_removes_its_server() {
    use livekit_server_testcontainers::blocking::LiveKitContainer;

    let ports = Ports::free().unwrap();
    let failed = std::panic::catch_unwind(|| {
        let lk = LiveKitContainer::start(LiveKitServer::default().with_host_network(ports))
            .expect(NEEDS);
        assert!(std::net::TcpStream::connect(lk.url().trim_start_matches("http://")).is_ok());
        panic!("a failing assertion");
    });
    assert!(failed.is_err());
    // The unwinding dropped the handle, which removed the container before returning: its
    // port refuses connections now.
    assert!(std::net::TcpStream::connect((Ipv4Addr::LOCALHOST, ports.http)).is_err());
}

/// Whether Docker still has a container of this id.
fn container_exists(id: &str) -> bool {
    let listed = std::process::Command::new("docker")
        .args(["ps", "--all", "--quiet", "--no-trunc", "--filter"])
        .arg(format!("id={id}"))
        .output()
        .expect("the docker CLI");
    assert!(listed.status.success());
    !listed.stdout.is_empty()
}

/// A handle dropped outside any Tokio runtime (its runtime still there but not entered, or
/// gone before it) removes its container, without the panic testcontainers gives there.
#[test]
fn a_handle_dropped_outside_a_runtime_removes_its_container() {
    for runtime_first in [false, true] {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (server, redis) = runtime.block_on(async {
            let server = LiveKitServer::default()
                .with_host_network(Ports::free().unwrap())
                .start()
                .await
                .expect(NEEDS);
            let redis = Redis::default().start().await.expect(NEEDS);
            (server, redis)
        });
        let ids = [
            server.container().id().to_owned(),
            redis.container().id().to_owned(),
        ];
        assert!(ids.iter().all(|id| container_exists(id)));
        if runtime_first {
            drop(runtime);
            drop((server, redis));
        } else {
            drop((server, redis));
            drop(runtime);
        }
        for id in &ids {
            assert!(
                !container_exists(id),
                "{id} is still there (runtime dropped first: {runtime_first})"
            );
        }
    }
}
