//! The blocking client's rules, through the fake transport: it calls from plain threads and
//! returns what the async client returns; on a Tokio runtime's thread it neither panics nor
//! deadlocks; inside its own runtime it refuses with a typed error; it may be dropped anywhere.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use livekit_server_sdk::blocking::LiveKitApi;
use livekit_server_sdk::http::{Client, TwirpCode};
use livekit_server_sdk::proto;
use livekit_server_test_util::{FakeResponse, FakeTransport};

fn api(fake: &FakeTransport) -> LiveKitApi {
    let client = Client::builder()
        .url("http://livekit.test")
        .credentials("APIblocking", "blocking-secret-blocking-secret-0")
        .transport(Arc::new(fake.clone()))
        .build()
        .unwrap();
    LiveKitApi::from_client(client).unwrap()
}

fn rooms(names: &[&str]) -> proto::ListRoomsResponse {
    proto::ListRoomsResponse {
        rooms: names
            .iter()
            .map(|name| proto::Room {
                name: (*name).into(),
                ..Default::default()
            })
            .collect(),
    }
}

#[test]
fn a_plain_thread_gets_the_answer_and_the_server_s_errors() {
    let fake = FakeTransport::new();
    fake.push(FakeResponse::protobuf(&rooms(&["a", "b"])))
        .push(FakeResponse::twirp_error(
            404,
            "not_found",
            "room not found",
        ));
    let api = api(&fake);
    let listed = api
        .room()
        .list_rooms(proto::ListRoomsRequest::default())
        .unwrap();
    assert_eq!(listed, rooms(&["a", "b"]));
    let error = api
        .room()
        .delete_room(proto::DeleteRoomRequest { room: "x".into() })
        .unwrap_err();
    assert_eq!(error.twirp_code(), Some(TwirpCode::NotFound));
    let requests = fake.requests();
    assert_eq!(requests[0].path(), "/twirp/livekit.RoomService/ListRooms");
    assert_eq!(requests[1].path(), "/twirp/livekit.RoomService/DeleteRoom");
    // Streams and helpers of the async clients, through `block_on`.
    fake.push(FakeResponse::protobuf(&proto::ListEgressResponse::default()));
    let all: Vec<proto::EgressInfo> = api
        .block_on(|api| async move {
            futures_util::TryStreamExt::try_collect(
                api.egress().egress(proto::ListEgressRequest::default()),
            )
            .await
        })
        .unwrap();
    assert!(all.is_empty());
}

/// On a thread that runs Tokio tasks the call still completes (on the client's own runtime):
/// no panic, no deadlock, even on a single-threaded runtime. It blocks that thread meanwhile,
/// which is why the documentation sends async code to the async client or `spawn_blocking`.
#[tokio::test(flavor = "current_thread")]
async fn on_a_tokio_thread_it_neither_panics_nor_deadlocks() {
    let fake = FakeTransport::new();
    fake.set_handler(|_| FakeResponse::protobuf(&rooms(&["a"])));
    let api = api(&fake);
    let listed = api
        .room()
        .list_rooms(proto::ListRoomsRequest::default())
        .unwrap();
    assert_eq!(listed, rooms(&["a"]));

    let in_spawn_blocking = tokio::task::spawn_blocking(move || {
        api.room().list_rooms(proto::ListRoomsRequest::default())
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(in_spawn_blocking, rooms(&["a"]));
    assert_eq!(fake.request_count(), 2);
}

#[test]
fn a_blocking_call_inside_its_own_block_on_is_refused_not_deadlocked() {
    let fake = FakeTransport::new();
    fake.set_handler(|_| FakeResponse::protobuf(&rooms(&["a"])));
    let api = api(&fake);
    let inner = api.clone();
    let error = api
        .block_on(move |_| async move {
            // A task on the client's runtime: a blocking call here would wait for itself.
            tokio::spawn(async move { inner.room().list_rooms(proto::ListRoomsRequest::default()) })
                .await
                .unwrap()
        })
        .unwrap_err();
    assert!(error.is_local(), "{error:?}");
    assert!(
        error.to_string().contains("would wait for itself"),
        "{error}"
    );
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn dropping_the_last_clone_on_a_tokio_thread_does_not_panic() {
    let fake = FakeTransport::new();
    let api = std::thread::spawn(move || api(&fake)).join().unwrap();
    let clone = api.clone();
    drop(api);
    drop(clone);
}

/// A panic in a future given to `block_on` is raised again on the calling thread, with its
/// message (not reported as a stopped runtime), and the client keeps working.
#[test]
fn a_panic_inside_block_on_reaches_the_caller() {
    let fake = FakeTransport::new();
    fake.set_handler(|_| FakeResponse::protobuf(&rooms(&["a"])));
    let api = api(&fake);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _: Result<(), _> = api.block_on(|_| async { panic!("a bug in the caller's future") });
    }))
    .unwrap_err();
    assert_eq!(
        caught.downcast_ref::<&str>(),
        Some(&"a bug in the caller's future")
    );
    let listed = api
        .room()
        .list_rooms(proto::ListRoomsRequest::default())
        .unwrap();
    assert_eq!(listed, rooms(&["a"]));
}

/// Only a call of the same client (or a clone) is refused inside its `block_on`: another
/// blocking client has a runtime of its own, so waiting for it is safe.
#[test]
fn another_blocking_client_may_be_called_inside_block_on() {
    let fake = FakeTransport::new();
    fake.set_handler(|_| FakeResponse::protobuf(&rooms(&["a"])));
    let (api, other) = (api(&fake), api(&fake));
    let listed = api
        .block_on(move |_| async move {
            tokio::task::spawn_blocking(move || {
                other.room().list_rooms(proto::ListRoomsRequest::default())
            })
            .await
            .unwrap()
        })
        .unwrap();
    assert_eq!(listed, rooms(&["a"]));
    assert_eq!(fake.request_count(), 1);
}

/// The blocking clients take call options like the async ones, and have the helpers that
/// are not RPCs.
#[test]
fn call_options_and_helpers() {
    let fake = FakeTransport::new();
    fake.set_handler(|request| {
        if request.path().ends_with("/ListDispatch") {
            FakeResponse::protobuf(&proto::ListAgentDispatchResponse {
                agent_dispatches: vec![proto::AgentDispatch {
                    id: "AD_1".into(),
                    room: "r".into(),
                    ..Default::default()
                }],
            })
        } else {
            FakeResponse::protobuf(&rooms(&[]))
        }
    });
    let api = api(&fake);
    let rooms_client = api.room().with_call_options(
        livekit_server_sdk::http::CallOptions::new().request_id("my-request-id"),
    );
    assert_eq!(
        rooms_client.call_options().get_request_id(),
        Some("my-request-id")
    );
    rooms_client
        .list_rooms(proto::ListRoomsRequest::default())
        .unwrap();
    let dispatch = api.agent_dispatch().get_dispatch("AD_1", "r").unwrap();
    assert_eq!(dispatch.map(|d| d.id), Some("AD_1".to_owned()));
    assert_eq!(
        api.agent_dispatch().get_dispatch("AD_2", "r").unwrap(),
        None
    );
    let requests = fake.requests();
    assert_eq!(requests[0].request_id(), Some("my-request-id"));
    assert_eq!(
        requests[1].path(),
        "/twirp/livekit.AgentDispatchService/ListDispatch"
    );
}

/// `Debug` shows the async clients once (they hold every service client), no secret.
#[test]
fn debug_is_short_and_secret_free() {
    let fake = FakeTransport::new();
    let text = format!("{:?}", api(&fake));
    assert!(text.len() < 1024, "{} bytes: {text}", text.len());
    assert!(text.contains("livekit.test"), "{text}");
    assert!(!text.contains("blocking-secret"), "{text}");
}

fn numbers_page(ids: &[&str], next: &str) -> FakeResponse {
    FakeResponse::protobuf(&proto::ListPhoneNumbersResponse {
        items: ids
            .iter()
            .map(|id| proto::PhoneNumber {
                id: (*id).to_owned(),
                ..Default::default()
            })
            .collect(),
        next_page_token: Some(proto::TokenPagination {
            token: next.to_owned(),
        }),
        ..Default::default()
    })
}

/// A paged listing is an iterator: the items of every page in order, then the end; an error
/// is the last item.
#[test]
fn paged_listings_are_iterators() {
    let fake = FakeTransport::new();
    fake.push(numbers_page(&["PN_1", "PN_2"], "p2"))
        .push(numbers_page(&[], "p3"))
        .push(numbers_page(&["PN_3"], ""));
    let api = api(&fake);
    let ids: Vec<String> = api
        .phone_number()
        .phone_numbers(proto::ListPhoneNumbersRequest::default())
        .map(|number| number.unwrap().id)
        .collect();
    assert_eq!(ids, ["PN_1", "PN_2", "PN_3"]);
    let tokens: Vec<Option<String>> = fake
        .requests()
        .iter()
        .map(|r| {
            let request: proto::ListPhoneNumbersRequest = r.decode_body();
            request.page_token.map(|t| t.token)
        })
        .collect();
    assert_eq!(tokens, [None, Some("p2".to_owned()), Some("p3".to_owned())]);

    fake.push(numbers_page(&["PN_1"], "p2"))
        .push(FakeResponse::twirp_error(403, "permission_denied", "no"));
    let mut items = api
        .phone_number()
        .phone_numbers(proto::ListPhoneNumbersRequest::default());
    assert_eq!(items.next().unwrap().unwrap().id, "PN_1");
    let error = items.next().unwrap().unwrap_err();
    assert_eq!(error.twirp_code(), Some(TwirpCode::PermissionDenied));
    assert!(items.next().is_none());
    assert!(items.next().is_none());

    // Dropped half-way: nothing hangs, the client goes on.
    fake.set_handler(|_| numbers_page(&["PN_9"], "again"));
    let mut endless = api
        .phone_number()
        .phone_numbers(proto::ListPhoneNumbersRequest::default());
    assert_eq!(endless.next().unwrap().unwrap().id, "PN_9");
    drop(endless);
    fake.set_handler(|_| FakeResponse::protobuf(&rooms(&["a"])));
    assert_eq!(
        api.room()
            .list_rooms(proto::ListRoomsRequest::default())
            .unwrap(),
        rooms(&["a"])
    );
}

/// Dropping an iterator stops its listing, even one whose pages never end (each with a new
/// token): the requests stop growing.
#[test]
fn a_dropped_listing_stops_asking_for_pages() {
    let fake = FakeTransport::new();
    let page = std::sync::atomic::AtomicU64::new(0);
    fake.set_handler(move |_| {
        let n = page.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        numbers_page(&[], &format!("t{n}"))
    });
    let api = api(&fake);
    drop(
        api.phone_number()
            .phone_numbers(proto::ListPhoneNumbersRequest::default()),
    );
    // Settled: the count stays the same over 200 ms, within 10 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut last = fake.request_count();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let now = fake.request_count();
        if now == last {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still listing after the drop: {now} requests"
        );
        last = now;
    }
    assert!(last < 1000, "{last} requests after the drop");
}

/// A panic while listing (here in a user's transport) reaches the caller instead of ending
/// the listing as if it were complete.
#[test]
fn a_panic_while_listing_reaches_the_caller() {
    let fake = FakeTransport::new();
    let page = std::sync::atomic::AtomicU64::new(0);
    fake.set_handler(
        move |_| match page.fetch_add(1, std::sync::atomic::Ordering::Relaxed) {
            0 => numbers_page(&["PN_1"], "p2"),
            _ => panic!("a broken transport"),
        },
    );
    let api = api(&fake);
    let mut items = api
        .phone_number()
        .phone_numbers(proto::ListPhoneNumbersRequest::default());
    assert_eq!(items.next().unwrap().unwrap().id, "PN_1");
    let caught =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| items.next())).unwrap_err();
    assert_eq!(caught.downcast_ref::<&str>(), Some(&"a broken transport"));
}
