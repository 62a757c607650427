//! LiveKit server API client for `livekit.Connector`: WhatsApp and Twilio call connectors.
//!
//! [`ConnectorClient`] has one method per RPC of the service, named after the RPC in snake_case
//! and taking the full protocol request message. Dialing calls
//! ([`ConnectorClient::dial_whatsapp_call`], and [`ConnectorClient::accept_whatsapp_call`] when
//! it waits for the answer) get the ring window plus 2 s as their timeout and are never
//! replayed, like SIP calls.
//!
//! This crate never exposes an async runtime or an HTTP stack in its API.
//!
//! # Features
//!
//! - `webpki-roots` (default): TLS trusting the Mozilla roots bundled by `webpki-roots`.
//! - `native-roots`: TLS trusting the operating system's roots.
//!
//! # Example
//!
//! ```no_run
//! use livekit_server_connector::{ConnectorClient, proto};
//!
//! # async fn run() -> Result<(), livekit_server_connector::Error> {
//! let connector = ConnectorClient::new("https://my-project.livekit.cloud", "APIkey", "secret")?;
//! let call = connector
//!     .dial_whatsapp_call(proto::DialWhatsAppCallRequest {
//!         whatsapp_phone_number_id: "1234".into(),
//!         whatsapp_to_phone_number: "+15105550100".into(),
//!         room_name: "support".into(),
//!         ..Default::default()
//!     })
//!     .await?;
//! println!("WhatsApp call {} in room {}", call.whatsapp_call_id, call.room_name);
//! # Ok(())
//! # }
//! ```

mod generated;

use std::time::Duration;

pub use generated::{ConnectorClient, rpc};
pub use livekit_server_http::{CallOptions, Client, ClientBuilder, Error};
pub use livekit_server_proto as proto;

/// The ring window used when a request does not set `ringing_timeout`.
pub const DEFAULT_RINGING_TIMEOUT: Duration = Duration::from_secs(30);

/// What a dialing call waits beyond its ring window for the server to answer.
pub const DIAL_TIMEOUT_MARGIN: Duration = Duration::from_secs(2);

impl ConnectorClient {
    /// Places an outbound WhatsApp call and connects it to a room (`DialWhatsAppCall`).
    ///
    /// The ring window (`ringing_timeout`, 30 s when unset, then pinned into the request) plus
    /// 2 s becomes the call's timeout unless the call options allow longer; never replayed.
    ///
    /// # Errors
    ///
    /// A typed [`Error`].
    pub async fn dial_whatsapp_call(
        &self,
        mut request: proto::DialWhatsAppCallRequest,
    ) -> Result<proto::DialWhatsAppCallResponse, Error> {
        let options = dial_options(self.call_options(), &mut request.ringing_timeout);
        self.dial_whatsapp_call_with(request, &options).await
    }

    /// Accepts an inbound WhatsApp call and connects it to a room (`AcceptWhatsAppCall`).
    ///
    /// With `wait_until_answered`, the ring window plus 2 s becomes the call's timeout, as for
    /// [`ConnectorClient::dial_whatsapp_call`]; never replayed.
    ///
    /// # Errors
    ///
    /// A typed [`Error`].
    pub async fn accept_whatsapp_call(
        &self,
        mut request: proto::AcceptWhatsAppCallRequest,
    ) -> Result<proto::AcceptWhatsAppCallResponse, Error> {
        let options = if request.wait_until_answered {
            dial_options(self.call_options(), &mut request.ringing_timeout)
        } else {
            self.call_options().clone().no_retry()
        };
        self.accept_whatsapp_call_with(request, &options).await
    }
}

fn dial_options(
    base: &CallOptions,
    ringing: &mut Option<proto::google::protobuf::Duration>,
) -> CallOptions {
    let ring = ringing
        .and_then(|d| Duration::try_from(d).ok())
        .filter(|d| !d.is_zero())
        .unwrap_or(DEFAULT_RINGING_TIMEOUT);
    *ringing = Some(ring.into());
    base.clone().at_least(ring + DIAL_TIMEOUT_MARGIN).no_retry()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_window_sets_the_timeout() {
        let mut ringing = Some(Duration::from_secs(45).into());
        let options = dial_options(&CallOptions::new(), &mut ringing);
        assert_eq!(options.get_timeout(), Some(Duration::from_secs(47)));
        assert_eq!(options.get_max_attempts(), Some(1));
        let mut unset = None;
        dial_options(&CallOptions::new(), &mut unset);
        assert_eq!(unset, Some(DEFAULT_RINGING_TIMEOUT.into()));
    }
}
