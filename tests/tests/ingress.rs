//! The Ingress service against the real server (ingress records live in Redis; no ingress
//! worker is needed to create, update, list or delete them): RTMP and WHIP inputs, updates,
//! listings filtered by room and by ID, the stream helper, and deletion.

#![allow(clippy::unwrap_used)]

mod support;

use std::fmt::Debug;

use livekit_server_http::{Error, TwirpCode};
use livekit_server_ingress::{IngressClient, proto};
use livekit_server_tests::{TestEnv, unique_name};
use support::{expect_twirp, stream_ids};

fn ingress(env: &TestEnv) -> IngressClient {
    IngressClient::from_client(support::client(env))
}

/// A listing of the ingresses of `room`.
fn in_room(room: &str) -> proto::ListIngressRequest {
    proto::ListIngressRequest {
        room_name: room.to_owned(),
        ..Default::default()
    }
}

/// Asserts a call about an ingress that does not exist gets the server's not_found.
#[track_caller]
fn assert_no_ingress<T: Debug>(result: Result<T, Error>) {
    expect_twirp(
        result,
        TwirpCode::NotFound,
        404,
        "twirp error unknown: ingress does not exist",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtmp_and_whip_ingresses_are_created_updated_listed_and_deleted() {
    let env = TestEnv::from_env();
    let client = ingress(&env);
    let room = unique_name("ingress");

    let rtmp = client
        .create_ingress(proto::CreateIngressRequest {
            input_type: proto::IngressInput::RtmpInput as i32,
            name: format!("{room}-rtmp"),
            room_name: room.clone(),
            participant_identity: "streamer".into(),
            participant_name: "Streamer".into(),
            participant_metadata: "obs".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(rtmp.ingress_id.starts_with("IN_"), "{rtmp:?}");
    assert!(!rtmp.stream_key.is_empty(), "{rtmp:?}");
    assert_eq!(rtmp.input_type, proto::IngressInput::RtmpInput as i32);
    assert!(rtmp.reusable);
    assert_eq!(rtmp.room_name, room);
    // RTMP is transcoded by default.
    assert_eq!(rtmp.enable_transcoding, Some(true));

    let whip = client
        .create_ingress(proto::CreateIngressRequest {
            input_type: proto::IngressInput::WhipInput as i32,
            name: format!("{room}-whip"),
            room_name: room.clone(),
            participant_identity: "whip-publisher".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(whip.ingress_id.starts_with("IN_"), "{whip:?}");
    assert_eq!(whip.input_type, proto::IngressInput::WhipInput as i32);
    assert_ne!(whip.stream_key, rtmp.stream_key);
    // WHIP is not transcoded by default.
    assert_eq!(whip.enable_transcoding, Some(false));

    // Update: only what is set changes.
    let updated = client
        .update_ingress(proto::UpdateIngressRequest {
            ingress_id: rtmp.ingress_id.clone(),
            name: format!("{room}-rtmp-renamed"),
            participant_name: "Streamer 2".into(),
            enabled: Some(false),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(updated.ingress_id, rtmp.ingress_id);
    assert_eq!(updated.name, format!("{room}-rtmp-renamed"));
    assert_eq!(
        (
            updated.participant_name.as_str(),
            updated.participant_identity.as_str(),
            updated.participant_metadata.as_str()
        ),
        ("Streamer 2", "streamer", "obs")
    );
    assert_eq!(updated.enabled, Some(false));
    assert_eq!(updated.stream_key, rtmp.stream_key);

    // List by room: both, as stored.
    let mut listed = client.list_ingress(in_room(&room)).await.unwrap().items;
    listed.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(
        listed
            .iter()
            .map(|i| (i.ingress_id.as_str(), i.name.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (
                rtmp.ingress_id.as_str(),
                format!("{room}-rtmp-renamed").as_str()
            ),
            (whip.ingress_id.as_str(), format!("{room}-whip").as_str()),
        ]
    );
    // By ID.
    let one = client
        .list_ingress(proto::ListIngressRequest {
            ingress_id: whip.ingress_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(one.items.len(), 1, "{one:?}");
    assert_eq!(one.items[0].participant_identity, "whip-publisher");
    // The stream helper: the same set (the server sends no page token, so one call).
    let mut streamed = stream_ids(client.ingresses(in_room(&room)), |i| i.ingress_id).await;
    streamed.sort();
    let mut expected = vec![rtmp.ingress_id.clone(), whip.ingress_id.clone()];
    expected.sort();
    assert_eq!(streamed, expected);
    // The unfiltered listing has them too.
    let all = client
        .list_ingress(proto::ListIngressRequest::default())
        .await
        .unwrap();
    assert!(all.items.iter().any(|i| i.ingress_id == whip.ingress_id));

    // Delete both; the room's listing is then empty.
    let deleted = client
        .delete_ingress(proto::DeleteIngressRequest {
            ingress_id: rtmp.ingress_id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(deleted.ingress_id, rtmp.ingress_id);
    assert_eq!(
        deleted.state.map(|s| s.status),
        Some(proto::ingress_state::Status::EndpointInactive as i32)
    );
    client
        .delete_ingress(proto::DeleteIngressRequest {
            ingress_id: whip.ingress_id.clone(),
        })
        .await
        .unwrap();
    let listed = client.list_ingress(in_room(&room)).await.unwrap();
    assert!(listed.items.is_empty(), "{listed:?}");

    assert_no_ingress(
        client
            .delete_ingress(proto::DeleteIngressRequest {
                ingress_id: rtmp.ingress_id.clone(),
            })
            .await,
    );
    assert_no_ingress(
        client
            .update_ingress(proto::UpdateIngressRequest {
                ingress_id: rtmp.ingress_id,
                name: "x".into(),
                ..Default::default()
            })
            .await,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_ingress_is_refused_with_the_servers_code() {
    let env = TestEnv::from_env();
    let client = ingress(&env);
    // A URL input without its URL.
    let error = expect_twirp(
        client
            .create_ingress(proto::CreateIngressRequest {
                input_type: proto::IngressInput::UrlInput as i32,
                name: unique_name("ingress-url"),
                room_name: unique_name("ingress-url-room"),
                participant_identity: "puller".into(),
                ..Default::default()
            })
            .await,
        TwirpCode::InvalidArgument,
        400,
        "twirp error unknown: invalid ingress: missing URL parameter",
    );
    assert_eq!(error.attempts(), 1);
}
