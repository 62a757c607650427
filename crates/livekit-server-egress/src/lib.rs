//! LiveKit server API client for `livekit.Egress`: recording and streaming rooms, participants and tracks.
//!
//! [`EgressClient`] has one method per RPC of the service, named after the RPC in snake_case and
//! taking the full protocol request message; [`EgressClient::egress`] lists every egress as a
//! stream that follows the server's page tokens. It must never depend on an async runtime or
//! HTTP stack in its public API: the transport is `livekit-server-http`'s.
//!
//! # Features
//!
//! - `webpki-roots` (default): TLS trusting the Mozilla roots bundled by `webpki-roots`.
//! - `native-roots`: TLS trusting the operating system's roots.

mod generated;

use futures_core::Stream;
pub use generated::{EgressClient, rpc};
pub use livekit_server_http::{CallOptions, Client, ClientBuilder, Error};
pub use livekit_server_proto as proto;

impl EgressClient {
    /// Streams every egress matching `request`'s filters (room, egress id, active only), following `next_page_token` from page to page.
    pub fn egress(
        &self,
        request: proto::ListEgressRequest,
    ) -> impl Stream<Item = Result<proto::EgressInfo, Error>> + Send + '_ {
        livekit_server_http::paginate(request, move |mut request| async move {
            let response = self.list_egress(request.clone()).await?;
            let next = response
                .next_page_token
                .filter(|page| !page.token.is_empty());
            let more = next.is_some();
            request.page_token = next;
            Ok((response.items, more.then_some(request)))
        })
    }
}
