//! The module against a real Docker engine: a server on the host network that creates a room
//! through the SDK and posts its `room_started` webhook to a receiver in this test; the
//! default (bridged) server; Redis, on the host network and on a named network; a bad
//! configuration; the blocking handles.
//!
//! They need a Docker engine and the images (`cargo xtask setup` builds them locally as
//! `livekit/livekit-server:v1.13.5` and `redis:7.0`); without them they fail, saying so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener};
use std::sync::mpsc;
use std::time::Duration;

use livekit_server_sdk::{LiveKitApi, proto};
use livekit_server_testcontainers::{ErrorKind, LiveKitContainer, LiveKitServer, Ports, Redis};
use livekit_server_webhook::WebhookReceiver;

const NEEDS: &str = "these tests need a Docker engine and the images `cargo xtask setup` builds";

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
    // Not blamed on the engine or the image: the container ran and exited.
    assert!(
        error.to_string().contains("did not become ready"),
        "{error}"
    );
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
