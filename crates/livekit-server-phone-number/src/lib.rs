//! LiveKit server API client for `livekit.PhoneNumberService`: LiveKit Cloud phone numbers.
//!
//! [`PhoneNumberClient`] has one method per RPC of the service, named after the RPC in snake_case and
//! taking the full protocol request message; [`PhoneNumberClient::phone_numbers`] lists every phone number of the project as a
//! stream that follows the server's page tokens. It must never depend on an async runtime or
//! HTTP stack in its public API: the transport is `livekit-server-http`'s.
//!
//! # Features
//!
//! - `webpki-roots` (default): TLS trusting the Mozilla roots bundled by `webpki-roots`.
//! - `native-roots`: TLS trusting the operating system's roots.

mod generated;

use futures_core::Stream;
pub use generated::{PhoneNumberClient, rpc};
pub use livekit_server_http::{CallOptions, Client, ClientBuilder, Error};
pub use livekit_server_proto as proto;

impl PhoneNumberClient {
    /// Streams every phone number of the project matching `request`'s filters, following `next_page_token` from page to page.
    pub fn phone_numbers(
        &self,
        request: proto::ListPhoneNumbersRequest,
    ) -> impl Stream<Item = Result<proto::PhoneNumber, Error>> + Send + '_ {
        livekit_server_http::paginate(request, move |mut request| async move {
            let response = self.list_phone_numbers(request.clone()).await?;
            let next = response
                .next_page_token
                .filter(|page| !page.token.is_empty());
            let more = next.is_some();
            request.page_token = next;
            Ok((response.items, more.then_some(request)))
        })
    }
}
