//! LiveKit server API client for `livekit.Ingress`: RTMP, WHIP and URL ingress.
//!
//! [`IngressClient`] has one method per RPC of the service, named after the RPC in snake_case and
//! taking the full protocol request message; [`IngressClient::ingresses`] lists every ingress as a
//! stream that follows the server's page tokens. It must never depend on an async runtime or
//! HTTP stack in its public API: the transport is `livekit-server-http`'s.
//!
//! # Features
//!
//! - `webpki-roots` (default): TLS trusting the Mozilla roots bundled by `webpki-roots`.
//! - `native-roots`: TLS trusting the operating system's roots.

mod generated;

use futures_core::Stream;
pub use generated::{IngressClient, rpc};
pub use livekit_server_http::{CallOptions, Client, ClientBuilder, Error};
pub use livekit_server_proto as proto;

impl IngressClient {
    /// Streams every ingress matching `request`'s filters (room, ingress id), following `next_page_token` from page to page.
    pub fn ingresses(
        &self,
        request: proto::ListIngressRequest,
    ) -> impl Stream<Item = Result<proto::IngressInfo, Error>> + Send + '_ {
        livekit_server_http::paginate(request, move |mut request| async move {
            let response = self.list_ingress(request.clone()).await?;
            let next = response
                .next_page_token
                .filter(|page| !page.token.is_empty());
            let more = next.is_some();
            request.page_token = next;
            Ok((response.items, more.then_some(request)))
        })
    }
}
