//! LiveKit server API client for `livekit.AgentDispatchService`: explicit agent dispatch to
//! rooms.
//!
//! [`AgentDispatchClient`] has one method per RPC of the service, named after the RPC in
//! snake_case and taking the full protocol request message, plus
//! [`AgentDispatchClient::get_dispatch`]. It never exposes an async runtime or an HTTP stack
//! in its public API: the transport is `livekit-server-http`'s.
//!
//! # Features
//!
//! - `webpki-roots` (default): TLS trusting the Mozilla roots bundled by `webpki-roots`.
//! - `native-roots`: TLS trusting the operating system's roots.
//!
//! # Example
//!
//! ```no_run
//! use livekit_server_agent_dispatch::{AgentDispatchClient, proto};
//!
//! # async fn run() -> Result<(), livekit_server_agent_dispatch::Error> {
//! let dispatch = AgentDispatchClient::new("http://localhost:7880", "devkey", "secret")?;
//! let created = dispatch
//!     .create_dispatch(proto::CreateAgentDispatchRequest {
//!         agent_name: "support-agent".into(),
//!         room: "my-room".into(),
//!         ..Default::default()
//!     })
//!     .await?;
//! assert!(dispatch.get_dispatch(&created.id, "my-room").await?.is_some());
//! # Ok(())
//! # }
//! ```

mod generated;

pub use generated::{AgentDispatchClient, rpc};
pub use livekit_server_http::{CallOptions, Client, ClientBuilder, Error};
pub use livekit_server_proto as proto;

impl AgentDispatchClient {
    /// One dispatch of a room by its id (`ListDispatch` filtered by `dispatch_id`), or `None`
    /// when the room has no such dispatch.
    ///
    /// # Errors
    ///
    /// A typed [`Error`] from the server, an intermediary, a timeout or the transport.
    pub async fn get_dispatch(
        &self,
        dispatch_id: &str,
        room: &str,
    ) -> Result<Option<proto::AgentDispatch>, Error> {
        let listed = self
            .list_dispatch(proto::ListAgentDispatchRequest {
                dispatch_id: dispatch_id.to_owned(),
                room: room.to_owned(),
            })
            .await?;
        Ok(listed
            .agent_dispatches
            .into_iter()
            .find(|d| d.id == dispatch_id))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use livekit_server_http::test_util::{FakeResponse, FakeTransport};
    use prost::Message as _;

    use super::*;

    fn client(fake: &FakeTransport) -> AgentDispatchClient {
        AgentDispatchClient::from_client(
            Client::builder()
                .url("http://livekit.test")
                .credentials("APIkey", "secret")
                .transport(Arc::new(fake.clone()))
                .build()
                .unwrap(),
        )
    }

    #[tokio::test]
    async fn get_dispatch_filters_by_id() {
        let fake = FakeTransport::new();
        let found = proto::AgentDispatch {
            id: "AD_1".into(),
            room: "r".into(),
            ..Default::default()
        };
        fake.push(FakeResponse::protobuf(&proto::ListAgentDispatchResponse {
            agent_dispatches: vec![found.clone()],
        }));
        fake.push(FakeResponse::protobuf(
            &proto::ListAgentDispatchResponse::default(),
        ));
        let dispatch = client(&fake);
        assert_eq!(
            dispatch.get_dispatch("AD_1", "r").await.unwrap(),
            Some(found)
        );
        assert_eq!(dispatch.get_dispatch("AD_2", "r").await.unwrap(), None);
        let sent = fake.requests()[0].body.clone();
        let request = proto::ListAgentDispatchRequest::decode(sent).unwrap();
        assert_eq!(
            (request.dispatch_id.as_str(), request.room.as_str()),
            ("AD_1", "r")
        );
    }
}
