//! Agent dispatch: dispatch an agent to a room, list dispatches, get one, delete it.
//!
//! `cargo run -p livekit-server-sdk --example agent_dispatch [ROOM]` (ROOM: `my-room` when not
//! given; the dispatch creates it). The listing also shows the server's own dispatch for
//! agents without a name, which every room gets.

#![allow(clippy::print_stdout)] // an example prints what it did

use livekit_server_sdk::{LiveKitApi, proto};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let room = std::env::args().nth(1).unwrap_or_else(|| "my-room".into());
    let api = LiveKitApi::from_env()?;
    let dispatch = api.agent_dispatch();

    let created = dispatch
        .create_dispatch(
            proto::CreateAgentDispatchRequest::new(&room, "support-agent")
                .with_metadata(r#"{"language":"en"}"#),
        )
        .await?;
    println!(
        "dispatched {} to {room}: {}",
        created.agent_name, created.id
    );
    let all = dispatch.list_dispatch(&room).await?;
    println!("{} dispatch(es) in {room}", all.agent_dispatches.len());
    let one = dispatch
        .list_dispatch(proto::ListAgentDispatchRequest {
            room: room.clone(),
            dispatch_id: created.id.clone(),
        })
        .await?;
    assert_eq!(one.agent_dispatches.len(), 1);
    dispatch
        .delete_dispatch(proto::DeleteAgentDispatchRequest::new(&created.id, &room))
        .await?;
    println!("deleted {}", created.id);
    Ok(())
}
