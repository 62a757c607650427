//! The AgentDispatch service against the real server: explicit dispatches are created (the
//! room is created with them), listed, fetched by ID and deleted. No agent worker runs, so the
//! dispatches stay without jobs.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;

use livekit_server_agent_dispatch::{AgentDispatchClient, proto};
use livekit_server_room::RoomClient;
use livekit_server_tests::{TestEnv, unique_name};
use support::rooms_named;

/// `ListDispatch` for `room`, narrowed to one dispatch ID unless `dispatch_id` is empty.
async fn dispatches(
    dispatch: &AgentDispatchClient,
    room: &str,
    dispatch_id: &str,
) -> Vec<proto::AgentDispatch> {
    dispatch
        .list_dispatch(proto::ListAgentDispatchRequest {
            room: room.to_owned(),
            dispatch_id: dispatch_id.to_owned(),
        })
        .await
        .unwrap()
        .agent_dispatches
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatches_are_created_listed_fetched_and_deleted() {
    let env = TestEnv::from_env();
    let client = support::client(&env);
    let dispatch = AgentDispatchClient::from_client(client.clone());
    let room = unique_name("dispatch");

    let created = dispatch
        .create_dispatch(proto::CreateAgentDispatchRequest {
            agent_name: "support-agent".into(),
            room: room.clone(),
            metadata: "{\"ticket\":42}".into(),
            attributes: BTreeMap::from([("tier".to_owned(), "gold".to_owned())]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(created.id.starts_with("AD_"), "{created:?}");
    assert_eq!(
        (
            created.agent_name.as_str(),
            created.room.as_str(),
            created.metadata.as_str()
        ),
        ("support-agent", room.as_str(), "{\"ticket\":42}")
    );
    assert!(
        created.state.as_ref().is_some_and(|s| s.created_at > 0),
        "{created:?}"
    );
    let second = dispatch
        .create_dispatch(proto::CreateAgentDispatchRequest {
            agent_name: "note-taker".into(),
            room: room.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_ne!(second.id, created.id);

    // The server created the room for the dispatch (rooms auto-create).
    let rooms = rooms_named(&RoomClient::from_client(client), &room).await;
    assert_eq!(rooms.len(), 1, "{rooms:?}");

    let mut listed = dispatches(&dispatch, &room, "").await;
    listed.sort_by(|a, b| a.agent_name.cmp(&b.agent_name));
    // Besides ours, the room has the dispatch the server adds to every new room: the one for
    // agents registered without a name (`agent_name` empty).
    assert_eq!(
        listed
            .iter()
            .map(|d| d.agent_name.as_str())
            .collect::<Vec<_>>(),
        vec!["", "note-taker", "support-agent"],
        "{listed:?}"
    );
    let automatic = listed[0].id.clone();
    assert!(automatic.starts_with("AD_"), "{listed:?}");
    assert_eq!(
        (listed[1].id.as_str(), listed[2].id.as_str()),
        (second.id.as_str(), created.id.as_str())
    );

    // "Get": a listing narrowed to one dispatch ID.
    let one = dispatches(&dispatch, &room, &created.id).await;
    assert_eq!(one.len(), 1, "{one:?}");
    assert_eq!(one[0].metadata, "{\"ticket\":42}");
    assert_eq!(
        one[0].attributes.get("tier").map(String::as_str),
        Some("gold")
    );
    // The same through `get_dispatch`.
    let got = dispatch.get_dispatch(&created.id, &room).await.unwrap();
    assert_eq!(got.as_ref(), Some(&one[0]));

    let deleted = dispatch
        .delete_dispatch(proto::DeleteAgentDispatchRequest {
            dispatch_id: created.id.clone(),
            room: room.clone(),
        })
        .await
        .unwrap();
    assert_eq!(deleted.id, created.id);
    let left = dispatches(&dispatch, &room, "").await;
    let mut left: Vec<&str> = left.iter().map(|d| d.id.as_str()).collect();
    left.sort_unstable();
    let mut expected = vec![automatic.as_str(), second.id.as_str()];
    expected.sort_unstable();
    assert_eq!(left, expected);
    let gone = dispatches(&dispatch, &room, &created.id).await;
    assert!(gone.is_empty(), "{gone:?}");
    assert_eq!(
        dispatch.get_dispatch(&created.id, &room).await.unwrap(),
        None
    );
    dispatch
        .delete_dispatch(proto::DeleteAgentDispatchRequest {
            dispatch_id: second.id,
            room,
        })
        .await
        .unwrap();
}
