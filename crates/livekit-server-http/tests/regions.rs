//! Region discovery and failover against in-process servers: a "project" server that serves
//! `/settings/regions` listing local "regions" that refuse connections, hang, answer 503 or
//! work. Which calls move, which do not, the discovery request's token, the cache, what a
//! failed fetch is, and calls waiting for one fetch.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use livekit_server_http::{
    CallOptions, Client, Error, HyperTransport, HyperTransportBuilder, RegionFailover, Scope,
    Transport, TransportError, TransportLimits, TwirpCode,
};
use support::rooms::{LIST_ROOMS, ListRoomsRequest, ListRoomsResponse, MOVE_PARTICIPANT};
use support::{KEY, Reply, SECRET, Seen, Server, closed_port};
use tokio::sync::watch;

const REGIONS: &str = "/settings/regions";

/// A region that works: it answers every call with an empty success.
fn healthy() -> Server {
    Server::http(|_, _| Reply::protobuf(Bytes::new()))
}

/// A region that answers every call with `503 unavailable`.
fn unavailable() -> Server {
    Server::http(|_, _| Reply::twirp(503, "unavailable", "region draining"))
}

/// A region that accepts calls and never answers.
fn hanging() -> Server {
    Server::http(|_, _| Reply::Stall)
}

/// `{"regions":[...]}` naming `urls` as regions `r0`, `r1`, ... in that order.
fn region_list(urls: &[String]) -> String {
    let entries: Vec<String> = urls
        .iter()
        .enumerate()
        .map(|(i, url)| format!(r#"{{"region":"r{i}","url":"{url}","distance":"{i}"}}"#))
        .collect();
    format!(r#"{{"regions":[{}]}}"#, entries.join(","))
}

/// The project server: serves `list` at `/settings/regions` with `cache_control`, and
/// answers calls with `calls` (503 `unavailable` when `None`).
fn project(list: String, cache_control: &'static str, calls: Option<fn() -> Reply>) -> Server {
    Server::http(move |seen, _| {
        if seen.path == REGIONS {
            Reply::new(
                200,
                &[
                    ("content-type", "application/json"),
                    ("cache-control", cache_control),
                ],
                list.clone(),
            )
        } else {
            calls.map_or_else(|| Reply::twirp(503, "unavailable", "down"), |f| f())
        }
    })
}

/// A client of `url` with region failover for any host, no pooled connections (a stopped
/// server then refuses the next call instead of failing it on a stale connection) and quick
/// back-off. Its 20 s attempt timeout bounds a hang and is never a verdict: calls that must
/// time out use [`client_timing_out`].
fn client(url: &str, mode: RegionFailover) -> Client {
    client_timing_out(url, mode, Duration::from_secs(20))
}

/// [`client`] with the attempt timeout `timeout`.
fn client_timing_out(url: &str, mode: RegionFailover, timeout: Duration) -> Client {
    Client::builder()
        .url(url)
        .credentials(KEY, SECRET)
        .region_failover(mode)
        .hyper_transport(HyperTransportBuilder::default().pool_max_idle_per_host(0))
        .timeout(timeout)
        .total_timeout(Duration::from_secs(20))
        .retry_policy(
            livekit_server_http::RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap()
}

async fn list_rooms(client: &Client) -> Result<ListRoomsResponse, Error> {
    let request = ListRoomsRequest::default();
    client
        .call(&LIST_ROOMS, Scope::NONE, &request, &CallOptions::new())
        .await
}

async fn move_participant(client: &Client) -> Result<ListRoomsResponse, Error> {
    let request = ListRoomsRequest::default();
    client
        .call(
            &MOVE_PARTICIPANT,
            Scope::room("lobby"),
            &request,
            &CallOptions::new(),
        )
        .await
}

/// The Twirp calls (not discovery requests) a server received.
fn calls(server: &Server) -> Vec<Seen> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path != REGIONS)
        .collect()
}

fn discoveries(server: &Server) -> Vec<Seen> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path == REGIONS)
        .collect()
}

/// Holds the replies given to [`Gate::held`] until [`Gate::open`].
struct Gate(watch::Sender<bool>);

impl Gate {
    fn new() -> Arc<Gate> {
        Arc::new(Gate(watch::Sender::new(false)))
    }

    fn held(&self, reply: Reply) -> Reply {
        let mut open = self.0.subscribe();
        Reply::later(async move {
            let _ = open.wait_for(|open| *open).await;
            reply
        })
    }

    fn open(&self) {
        self.0.send_replace(true);
    }
}

/// Waits (at most 10 s) until `done` holds.
async fn until(done: impl Fn() -> bool) {
    let mut waited = 0;
    while !done() {
        assert!(waited < 2000, "still waiting after 10 s");
        waited += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A region list that is not JSON: a proxy's error page, a captive portal's login page.
fn html(status: u16) -> Reply {
    Reply::new(
        status,
        &[("content-type", "text/html")],
        "<html>Sign in to continue</html>",
    )
}

/// A project whose calls answer 503 and whose discovery fails (a proxy's 503 page); the first
/// discovery request is answered only once `gate` opens.
fn project_with_held_discovery(gate: Arc<Gate>) -> Server {
    let first = AtomicBool::new(true);
    Server::http(move |seen, _| match seen.path.as_str() {
        REGIONS if first.swap(false, Ordering::SeqCst) => gate.held(html(503)),
        REGIONS => html(503),
        _ => Reply::twirp(503, "unavailable", "down"),
    })
}

#[tokio::test]
async fn a_read_moves_past_refusing_and_unavailable_regions_with_one_request_id() {
    let down = closed_port();
    let (busy, good) = (unavailable(), healthy());
    let list = region_list(&[format!("http://{down}"), busy.url(), good.url()]);
    let project = project(list, "max-age=60", None);
    let client = client(&project.url(), RegionFailover::AnyHost);

    list_rooms(&client).await.unwrap();

    // The project answered 503 once, then each region was tried once, in the listed order.
    let tried: Vec<Seen> = [&project, &busy, &good]
        .iter()
        .flat_map(|s| calls(s))
        .collect();
    assert_eq!(tried.len(), 3);
    let id = tried[0].request_id();
    assert!(tried.iter().all(|r| r.request_id() == id));
    assert!(tried.iter().all(|r| r.path == LIST_ROOMS.path));

    // One discovery request, to the project, with a valid token carrying the call's grants.
    let found = discoveries(&project);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].method, "GET");
    support::room_list_claims(found[0].bearer());
    assert!(discoveries(&busy).is_empty() && discoveries(&good).is_empty());
}

#[tokio::test]
async fn the_region_list_is_cached_for_its_max_age_and_refetched_without_one() {
    let good = healthy();
    let cached = project(region_list(&[good.url()]), "public, max-age=300", None);
    let client_a = client(&cached.url(), RegionFailover::AnyHost);
    for _ in 0..4 {
        list_rooms(&client_a).await.unwrap();
    }
    assert_eq!(discoveries(&cached).len(), 1);
    assert_eq!((calls(&cached).len(), calls(&good).len()), (4, 4));
    // Clones share the cache.
    list_rooms(&client_a.clone()).await.unwrap();
    assert_eq!(discoveries(&cached).len(), 1);

    // `max-age=0`: fetched at every failure.
    let uncached = project(region_list(&[good.url()]), "max-age=0", None);
    let client_b = client(&uncached.url(), RegionFailover::AnyHost);
    for _ in 0..3 {
        list_rooms(&client_b).await.unwrap();
    }
    assert_eq!(discoveries(&uncached).len(), 3);

    // A healthy project never asks for regions.
    let fine = project(
        region_list(&[good.url()]),
        "max-age=0",
        Some(|| Reply::protobuf(Bytes::new())),
    );
    let client_c = client(&fine.url(), RegionFailover::AnyHost);
    for _ in 0..3 {
        list_rooms(&client_c).await.unwrap();
    }
    assert!(discoveries(&fine).is_empty());
    assert_eq!(calls(&fine).len(), 3);
}

#[tokio::test]
async fn a_non_idempotent_call_is_not_moved_after_a_503() {
    let good = healthy();
    let project = project(region_list(&[good.url()]), "max-age=60", None);
    let client = client(&project.url(), RegionFailover::AnyHost);

    let error = move_participant(&client).await.unwrap_err();
    assert_eq!(error.twirp_code(), Some(TwirpCode::Unavailable));
    assert!(error.regions().is_empty(), "{error}");
    // Sent once, to the project only; no region was even looked up.
    assert_eq!(calls(&project).len(), 1);
    assert!(discoveries(&project).is_empty());
    assert!(calls(&good).is_empty());
}

/// A project whose list is cached by a read, then stopped: a non-idempotent call finds it
/// refusing and moves along the cached list while connections are refused. Attempts time
/// out after `timeout`.
async fn stopped_project_with(regions: &[String], timeout: Duration) -> (Client, Server) {
    let project = project(region_list(regions), "max-age=300", None);
    let client = client_timing_out(&project.url(), RegionFailover::AnyHost, timeout);
    // A read fills the cache (it succeeds in the first region that works, if any).
    let _ = list_rooms(&client).await;
    assert_eq!(discoveries(&project).len(), 1);
    (client, project)
}

#[tokio::test]
async fn a_non_idempotent_call_moves_only_past_regions_it_never_reached() {
    let down = closed_port();
    let good = healthy();
    let (client, project) = stopped_project_with(
        &[format!("http://{down}"), good.url()],
        Duration::from_secs(20),
    )
    .await;
    drop(project);
    let before = calls(&good).len();

    move_participant(&client).await.unwrap();
    let moved = calls(&good);
    assert_eq!(moved.len(), before + 1);
    assert_eq!(moved.last().unwrap().path, MOVE_PARTICIPANT.path);

    // The same with a region that takes the request and hangs: the call stops there with an
    // unknown outcome, never reaching the region after it, and names every region tried.
    // (The read that fills the cache times out there too and moves on: 2 s.)
    let stall = hanging();
    let good = healthy();
    let (client, project) = stopped_project_with(
        &[format!("http://{down}"), stall.url(), good.url()],
        Duration::from_secs(2),
    )
    .await;
    let project_url_2 = project.url();
    drop(project);
    let before = calls(&good).len();
    let error = move_participant(&client).await.unwrap_err();
    assert!(error.outcome_unknown() && error.is_timeout(), "{error:?}");
    assert_eq!(calls(&good).len(), before, "replayed after a hang: {error}");
    // The hanging region's thread records the call when it reads it, which on a loaded
    // machine may come after the client gave up.
    until(|| {
        calls(&stall)
            .iter()
            .any(|r| r.path == MOVE_PARTICIPANT.path)
    })
    .await;
    let stalled = calls(&stall);
    assert_eq!(stalled.last().unwrap().path, MOVE_PARTICIPANT.path);
    assert_eq!(
        stalled
            .iter()
            .filter(|r| r.path == MOVE_PARTICIPANT.path)
            .count(),
        1
    );

    let tried: Vec<(Option<&str>, &str, bool, bool)> = error
        .regions()
        .iter()
        .map(|r| {
            (
                r.region(),
                r.url(),
                r.error().is_connect(),
                r.error().is_timeout(),
            )
        })
        .collect();
    let stall_url = stall.url();
    let down_url = format!("http://{down}");
    assert_eq!(
        tried,
        [
            (None, project_url_2.as_str(), true, false),
            (Some("r0"), down_url.as_str(), true, false),
            (Some("r1"), stall_url.as_str(), false, true),
        ]
    );
    let text = error.to_string();
    assert!(
        text.starts_with("livekit.RoomService/MoveParticipant: failed in every region tried: "),
        "{text}"
    );
    for part in [
        &project_url_2,
        &down_url,
        &stall_url,
        "(r0): could not connect",
        "(r1): timed out",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
    assert!(!text.contains("Bearer") && !format!("{error:?}").contains("eyJ"));
}

#[tokio::test]
async fn a_read_that_fails_everywhere_names_each_region_and_refetches_the_list() {
    let down = closed_port();
    let busy = unavailable();
    let project = project(
        region_list(&[format!("http://{down}"), busy.url()]),
        "max-age=300",
        None,
    );
    let client = client(&project.url(), RegionFailover::AnyHost);
    let error = list_rooms(&client).await.unwrap_err();
    let reasons: Vec<(Option<&str>, Option<TwirpCode>, bool)> = error
        .regions()
        .iter()
        .map(|r| (r.region(), r.error().twirp_code(), r.error().is_connect()))
        .collect();
    assert_eq!(
        reasons,
        [
            (None, Some(TwirpCode::Unavailable), false),
            (Some("r0"), None, true),
            (Some("r1"), Some(TwirpCode::Unavailable), false),
        ]
    );
    // The error's own predicates are the last region's.
    assert_eq!(error.twirp_code(), Some(TwirpCode::Unavailable));
    assert!(error.is_retryable());
    assert_eq!(error.attempts(), 3);
    // Every listed region failed: the list is fetched again at the next failure.
    let _ = list_rooms(&client).await.unwrap_err();
    assert_eq!(discoveries(&project).len(), 2);
}

#[tokio::test]
async fn self_hosted_urls_and_a_disabled_client_never_look_regions_up() {
    let good = healthy();
    // Default mode: a loopback URL is not a LiveKit Cloud host.
    let project_a = project(region_list(&[good.url()]), "max-age=60", None);
    let project_b = project(region_list(&[good.url()]), "max-age=60", None);
    for (project, mode) in [
        (&project_a, RegionFailover::Cloud),
        (&project_b, RegionFailover::Off),
    ] {
        let client = client(&project.url(), mode);
        let error = list_rooms(&client).await.unwrap_err();
        assert_eq!(error.twirp_code(), Some(TwirpCode::Unavailable));
        assert!(error.regions().is_empty());
        // Retried as always, on the same host.
        assert_eq!(calls(project).len(), 3);
        assert!(discoveries(project).is_empty(), "{mode:?}");
    }
    assert!(calls(&good).is_empty());
}

#[tokio::test]
async fn a_huge_max_age_keeps_the_list_a_day_at_most_instead_of_overflowing() {
    let good = healthy();
    let list = region_list(&[good.url()]);
    let project = project(list, "max-age=18446744073709551615", None);
    let client = client(&project.url(), RegionFailover::AnyHost);
    for _ in 0..2 {
        list_rooms(&client).await.unwrap();
    }
    assert_eq!(discoveries(&project).len(), 1);
    assert_eq!(calls(&good).len(), 2);
}

#[tokio::test]
async fn a_proxy_429_is_retried_in_place_never_moved() {
    let good = healthy();
    let list = region_list(&[good.url()]);
    // Not a Twirp error: the codec reads it as `unavailable`, its status says otherwise.
    let project = Server::http(move |seen, index| match (seen.path.as_str(), index) {
        (REGIONS, _) => Reply::new(200, &[("content-type", "application/json")], list.clone()),
        (_, 0) => Reply::new(
            429,
            &[("content-type", "text/plain"), ("retry-after", "0")],
            "slow down",
        ),
        _ => Reply::protobuf(Bytes::new()),
    });
    let client = client(&project.url(), RegionFailover::AnyHost);
    list_rooms(&client).await.unwrap();
    assert_eq!(calls(&project).len(), 2);
    assert!(discoveries(&project).is_empty());
    assert!(calls(&good).is_empty());
}

#[tokio::test]
async fn a_call_waiting_for_another_calls_discovery_keeps_its_deadline() {
    let gate = Gate::new();
    let project = project_with_held_discovery(gate.clone());
    let client = client(&project.url(), RegionFailover::AnyHost);
    let fetching = tokio::spawn({
        let client = client.clone();
        async move { list_rooms(&client).await }
    });
    until(|| discoveries(&project).len() == 1).await;

    // The fetch is held (for up to 2 s): a call with 300 ms to live stops waiting for it then.
    let total = Duration::from_millis(300);
    let started = Instant::now();
    let options = CallOptions::new().total_timeout(total);
    let error = support::call(&client, &LIST_ROOMS, &options)
        .await
        .unwrap_err();
    // Held for good, the fetch would end at its own 2 s limit: a second apart from the
    // deadline, so that a loaded machine cannot blur the two.
    let elapsed = started.elapsed();
    assert!(elapsed >= total, "returned early: {elapsed:?}");
    assert!(
        elapsed < total + Duration::from_secs(1),
        "waited for the fetch: {elapsed:?}"
    );
    // The first attempt's 503, or (on a stalled machine) the deadline before it came.
    assert!(
        error.twirp_code() == Some(TwirpCode::Unavailable) || error.is_timeout(),
        "{error:?}"
    );
    gate.open();
    fetching.await.unwrap().unwrap_err();
}

#[tokio::test]
async fn calls_failing_during_a_discovery_use_its_outcome_instead_of_fetching_again() {
    let gate = Gate::new();
    let project = project_with_held_discovery(gate.clone());
    let client = client(&project.url(), RegionFailover::AnyHost);
    let spawn = || {
        let client = client.clone();
        tokio::spawn(async move { list_rooms(&client).await })
    };
    let first = spawn();
    until(|| discoveries(&project).len() == 1).await;
    let others = [spawn(), spawn()];
    // Their first attempts failed while the fetch is held; then it fails.
    until(|| calls(&project).len() == 3).await;
    gate.open();
    for call in [first].into_iter().chain(others) {
        let error = call.await.unwrap().unwrap_err();
        assert_eq!(error.twirp_code(), Some(TwirpCode::Unavailable));
        assert!(error.regions().is_empty(), "{error}");
    }
    assert_eq!(discoveries(&project).len(), 1);
}

#[tokio::test]
async fn a_malformed_region_list_is_a_failed_fetch_that_keeps_the_last_list() {
    let good = healthy();
    let list = region_list(&[good.url()]);
    let fetched = AtomicUsize::new(0);
    let project = Server::http(move |seen, _| match seen.path.as_str() {
        REGIONS if fetched.fetch_add(1, Ordering::SeqCst) == 0 => Reply::new(
            200,
            &[
                ("content-type", "application/json"),
                ("cache-control", "max-age=0"),
            ],
            list.clone(),
        ),
        // A captive portal's page, with a 200.
        REGIONS => html(200),
        _ => Reply::twirp(503, "unavailable", "down"),
    });
    let client = client(&project.url(), RegionFailover::AnyHost);
    for _ in 0..2 {
        list_rooms(&client).await.unwrap();
    }
    assert_eq!(discoveries(&project).len(), 2);
    assert_eq!(calls(&good).len(), 2);
}

/// The default transport, but once a region list has arrived the test's runtime stalls (its
/// thread blocked) until `until`: past the deadline of a call that has just decided to move.
#[derive(Debug)]
struct StallAfterDiscovery {
    inner: HyperTransport,
    until: Instant,
}

#[async_trait::async_trait]
impl Transport for StallAfterDiscovery {
    async fn send(
        &self,
        request: http::Request<Bytes>,
        limits: &TransportLimits,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let discovery = request.uri().path() == REGIONS;
        let response = self.inner.send(request, limits).await;
        if discovery {
            let until = self.until;
            // Runs at the call's next await: the back-off before its move.
            tokio::spawn(async move {
                std::thread::sleep(until.saturating_duration_since(Instant::now()));
            });
        }
        response
    }
}

#[tokio::test]
async fn a_call_out_of_time_after_a_move_names_only_the_regions_it_tried() {
    let good = healthy();
    let list = region_list(&[good.url()]);
    // `aborted` is retried in place, the 503 that follows moves the call.
    let project = Server::http(move |seen, index| match (seen.path.as_str(), index) {
        (REGIONS, _) => Reply::new(200, &[("content-type", "application/json")], list.clone()),
        (_, 0) => Reply::twirp(409, "aborted", "try again"),
        _ => Reply::twirp(503, "unavailable", "down"),
    });
    let deadline = Instant::now() + Duration::from_secs(2);
    let transport = StallAfterDiscovery {
        inner: HyperTransportBuilder::default().build().unwrap(),
        until: deadline,
    };
    let client = Client::builder()
        .url(project.url())
        .credentials(KEY, SECRET)
        .region_failover(RegionFailover::AnyHost)
        .transport(Arc::new(transport))
        .retry_policy(
            livekit_server_http::RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    let options = CallOptions::new().deadline(deadline);
    let error = support::call(&client, &LIST_ROOMS, &options)
        .await
        .unwrap_err();
    assert!(calls(&good).is_empty());
    let tried: Vec<(&str, Option<TwirpCode>)> = error
        .regions()
        .iter()
        .map(|r| (r.url(), r.error().twirp_code()))
        .collect();
    let project_url = project.url();
    assert_eq!(
        tried,
        [(project_url.as_str(), Some(TwirpCode::Unavailable))]
    );
    assert_eq!(error.twirp_code(), Some(TwirpCode::Unavailable));
}

#[tokio::test]
async fn region_lists_are_read_to_256_kib_and_a_longer_one_is_a_failed_fetch() {
    let good = healthy();
    let list = region_list(&[good.url()]);
    // Longer than an error body (64 KiB), within the list's limit.
    let long = project(
        format!("{}{list}", " ".repeat(100 << 10)),
        "max-age=60",
        None,
    );
    list_rooms(&client(&long.url(), RegionFailover::AnyHost))
        .await
        .unwrap();
    // Over the limit: refused, not cut there (where this JSON would still be whole).
    let too_long = project(
        format!("{list}{}", " ".repeat(300 << 10)),
        "max-age=60",
        None,
    );
    let error = list_rooms(&client(&too_long.url(), RegionFailover::AnyHost))
        .await
        .unwrap_err();
    assert!(error.regions().is_empty(), "{error}");
    assert_eq!(calls(&good).len(), 1);
}

#[tokio::test]
async fn a_call_that_failed_everywhere_expires_only_the_list_it_used() {
    let gate = Gate::new();
    let slow = {
        let gate = gate.clone();
        Server::http(move |_, _| gate.held(Reply::twirp(503, "unavailable", "draining")))
    };
    let good = healthy();
    // The first list (not kept) names `slow`, the next one (kept) `good`.
    let lists = [
        (region_list(&[slow.url()]), "max-age=0"),
        (region_list(&[good.url()]), "max-age=300"),
    ];
    let fetched = AtomicUsize::new(0);
    let project = Server::http(move |seen, _| {
        if seen.path == REGIONS {
            let (list, cache) = &lists[fetched.fetch_add(1, Ordering::SeqCst).min(1)];
            let headers = [
                ("content-type", "application/json"),
                ("cache-control", cache),
            ];
            Reply::new(200, &headers, list.clone())
        } else {
            Reply::twirp(503, "unavailable", "down")
        }
    });
    let client = client(&project.url(), RegionFailover::AnyHost);
    let old = tokio::spawn({
        let client = client.clone();
        let options = CallOptions::new().timeout(Duration::from_secs(10));
        async move { support::call(&client, &LIST_ROOMS, &options).await }
    });
    until(|| calls(&slow).len() == 1).await;
    // Meanwhile another call fetches the next list and moves to `good`.
    list_rooms(&client).await.unwrap();
    // The first call fails in every region of its own list: the new list stays.
    gate.open();
    assert_eq!(old.await.unwrap().unwrap_err().regions().len(), 2);
    list_rooms(&client).await.unwrap();
    assert_eq!(discoveries(&project).len(), 2);
    assert_eq!(calls(&good).len(), 2);
}
