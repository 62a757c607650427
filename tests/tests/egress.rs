//! The Egress service against a real server with no egress worker: listings work, and every
//! start call comes back as the server's typed error after exactly one attempt (starting a
//! recording is never replayed). Where the server waits for a worker that never answers, the
//! calls run side by side so that the test takes the server's wait once.

#![allow(clippy::unwrap_used)]

mod support;

use std::fmt::Debug;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt as _;
use livekit_server_egress::{CallOptions, EgressClient, proto};
use livekit_server_http::{Error, TwirpCode};
use livekit_server_room::RoomClient;
use livekit_server_tests::{TestEnv, unique_name};
use support::{assert_twirp, expect_err, expect_twirp};

fn egress(env: &TestEnv) -> EgressClient {
    EgressClient::from_client(support::client(env))
}

fn file(path: &str) -> proto::EncodedFileOutput {
    proto::EncodedFileOutput {
        filepath: path.to_owned(),
        ..Default::default()
    }
}

/// An answer of the server to a start call: Twirp code, HTTP status, message.
type Answer = (TwirpCode, u16, &'static str);

/// The room named in the request does not exist.
const NO_ROOM: Answer = (
    TwirpCode::NotFound,
    404,
    "twirp error unknown: requested room does not exist",
);

/// The server asked for an egress worker and none answered.
const NO_WORKER: Answer = (
    TwirpCode::Unavailable,
    503,
    "twirp error unknown: no response from servers",
);

/// Asserts a start call failed once, with the server's answer.
#[track_caller]
fn assert_refused_once<T: Debug>(result: Result<T, Error>, (code, status, message): Answer) {
    let error = expect_twirp(result, code, status, message);
    assert_eq!(
        error.attempts(),
        1,
        "a start call is never replayed: {error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn egress_listings_answer_without_a_worker() {
    let env = TestEnv::from_env();
    let client = egress(&env);
    let room = unique_name("egress-list");
    let listed = client
        .list_egress(proto::ListEgressRequest {
            room_name: room.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(listed.items.is_empty(), "{listed:?}");
    assert_eq!(listed.next_page_token, None);
    client
        .list_egress(proto::ListEgressRequest {
            active: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let streamed: Vec<proto::EgressInfo> = client
        .egress(proto::ListEgressRequest {
            room_name: room,
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert!(streamed.is_empty(), "{streamed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_calls_for_a_room_that_does_not_exist_are_refused_once() {
    let env = TestEnv::from_env();
    let client = egress(&env);
    let room = unique_name("egress-none");

    assert_refused_once(
        client
            .start_room_composite_egress(proto::RoomCompositeEgressRequest {
                room_name: room.clone(),
                file_outputs: vec![file("out.mp4")],
                ..Default::default()
            })
            .await,
        NO_ROOM,
    );
    assert_refused_once(
        client
            .start_track_egress(proto::TrackEgressRequest {
                room_name: room.clone(),
                track_id: "TR_doesnotexist".into(),
                output: Some(proto::track_egress_request::Output::WebsocketUrl(
                    "ws://127.0.0.1:9/track".into(),
                )),
                ..Default::default()
            })
            .await,
        NO_ROOM,
    );
    assert_refused_once(
        client
            .start_track_composite_egress(proto::TrackCompositeEgressRequest {
                room_name: room.clone(),
                audio_track_id: "TR_doesnotexist".into(),
                file_outputs: vec![file("out.ogg")],
                ..Default::default()
            })
            .await,
        NO_ROOM,
    );
    assert_refused_once(
        client
            .start_participant_egress(proto::ParticipantEgressRequest {
                room_name: room.clone(),
                identity: "nobody".into(),
                file_outputs: vec![file("out.mp4")],
                ..Default::default()
            })
            .await,
        NO_ROOM,
    );
    // The unified StartEgress (a template source and a file output) goes the same way.
    assert_refused_once(
        client.start_egress(unified(&room, "unified.mp4")).await,
        NO_ROOM,
    );
}

/// A unified `StartEgress` request: the room through the `grid` layout template, into a file.
fn unified(room: &str, path: &str) -> proto::StartEgressRequest {
    proto::StartEgressRequest {
        room_name: room.to_owned(),
        source: Some(proto::start_egress_request::Source::Template(
            proto::TemplateSource {
                layout: "grid".into(),
                ..Default::default()
            },
        )),
        outputs: vec![proto::Output {
            config: Some(proto::output::Config::File(proto::FileOutput {
                filepath: path.to_owned(),
                ..Default::default()
            })),
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_calls_that_reach_for_a_worker_fail_once_with_unavailable() {
    let env = TestEnv::from_env();
    let room = unique_name("egress-room");
    support::create_room(&RoomClient::from_client(support::client(&env)), &room, 120).await;
    // The server waits for an egress worker before it answers: give the calls time.
    let patient = egress(&env).with_call_options(
        CallOptions::new()
            .timeout(Duration::from_secs(60))
            .total_timeout(Duration::from_secs(60)),
    );
    // With the default 10 s attempt timeout, the same call times out instead. The request
    // carries that deadline (`X-Twirp-Timeout-Ms`), so the server gives up at the same moment
    // and answers `canceled`/408: whichever of the two is noticed first, the SDK reports the
    // same timeout (the server's answer, when it came first, is kept in `twirp()`).
    let hasty = egress(&env);

    let started = Instant::now();
    let (web, composite, unified_start, timed_out) = tokio::join!(
        patient.start_web_egress(proto::WebEgressRequest {
            url: "http://127.0.0.1:9/page".into(),
            file_outputs: vec![file("web.mp4")],
            ..Default::default()
        }),
        patient.start_room_composite_egress(proto::RoomCompositeEgressRequest {
            room_name: room.clone(),
            layout: "grid".into(),
            file_outputs: vec![file("room.mp4")],
            ..Default::default()
        }),
        patient.start_egress(unified(&room, "unified.mp4")),
        hasty.start_web_egress(proto::WebEgressRequest {
            url: "http://127.0.0.1:9/page".into(),
            stream_outputs: vec![proto::StreamOutput {
                protocol: proto::StreamProtocol::Rtmp as i32,
                urls: vec!["rtmp://127.0.0.1:9/live/key".into()],
            }],
            ..Default::default()
        }),
    );
    let elapsed = started.elapsed();
    assert_refused_once(web, NO_WORKER);
    assert_refused_once(composite, NO_WORKER);
    assert_refused_once(unified_start, NO_WORKER);
    let error = expect_err(timed_out);
    assert!(error.is_timeout(), "{error:?}");
    if let Some(answer) = error.twirp() {
        // The server's timer fired first: its words and status are kept.
        assert!(
            matches!(
                answer.code(),
                TwirpCode::Canceled | TwirpCode::DeadlineExceeded
            ),
            "{error:?}"
        );
        assert_eq!(error.status().map(|s| s.as_u16()), Some(408), "{error:?}");
    }
    assert!(
        error.outcome_unknown(),
        "the request was sent: the server may act on it"
    );
    assert_eq!(error.attempts(), 1, "{error:?}");
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_on_an_egress_that_does_not_exist_get_not_found() {
    let env = TestEnv::from_env();
    let client = egress(&env);
    let (stop, layout, stream) = tokio::join!(
        client.stop_egress(proto::StopEgressRequest {
            egress_id: "EG_doesnotexist".into(),
        }),
        client.update_layout(proto::UpdateLayoutRequest {
            egress_id: "EG_doesnotexist".into(),
            layout: "speaker".into(),
        }),
        client.update_stream(proto::UpdateStreamRequest {
            egress_id: "EG_doesnotexist".into(),
            add_output_urls: vec!["rtmp://127.0.0.1:9/live/other".into()],
            ..Default::default()
        }),
    );
    for error in [expect_err(stop), expect_err(layout), expect_err(stream)] {
        assert_twirp(
            &error,
            TwirpCode::NotFound,
            404,
            "twirp error unknown: egress does not exist",
        );
        assert_eq!(error.attempts(), 1, "not_found is final: {error:?}");
    }
}
