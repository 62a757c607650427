//! Agent dispatch: dispatch an agent to a room, list dispatches, get one, delete it.
//!
//! `cargo run -p livekit-server-sdk --example agent_dispatch`.

#![allow(clippy::print_stdout)] // an example prints what it did

use livekit_server_sdk::{LiveKitApi, proto};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = LiveKitApi::from_env()?;
    let dispatch = api.agent_dispatch();

    let created = dispatch
        .create_dispatch(
            proto::CreateAgentDispatchRequest::new("my-room", "support-agent")
                .with_metadata(r#"{"language":"en"}"#),
        )
        .await?;
    let all = dispatch.list_dispatch("my-room").await?;
    println!("{} dispatch(es) in my-room", all.agent_dispatches.len());
    let one = dispatch
        .list_dispatch(proto::ListAgentDispatchRequest {
            room: "my-room".into(),
            dispatch_id: created.id.clone(),
        })
        .await?;
    assert_eq!(one.agent_dispatches.len(), 1);
    dispatch
        .delete_dispatch(proto::DeleteAgentDispatchRequest::new(
            created.id, "my-room",
        ))
        .await?;
    Ok(())
}
