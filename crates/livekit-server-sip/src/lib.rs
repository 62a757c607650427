//! LiveKit server API client for `livekit.SIP`: SIP trunks, dispatch rules and phone calls.
//!
//! [`SipClient`] has one method per RPC of the service, named after the RPC in snake_case and
//! taking the full protocol request message, plus what the other SDKs lack:
//!
//! - dial-aware timeouts: [`SipClient::create_sip_participant`] and
//!   [`SipClient::transfer_sip_participant`] wait for the ring window plus 2 s instead of the
//!   default timeout, and are never replayed (a replay would place a second call);
//! - typed SIP failures: [`SipStatus::from_error`] reads the SIP status code and reason the
//!   server attaches to a failed call;
//! - listing as streams that follow the keyset pagination: [`SipClient::inbound_trunks`],
//!   [`SipClient::outbound_trunks`], [`SipClient::dispatch_rules`].
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
//! use livekit_server_sip::{SipClient, SipStatus, proto};
//!
//! # async fn run() -> Result<(), livekit_server_sip::Error> {
//! let sip = SipClient::new("https://my-project.livekit.cloud", "APIkey", "secret")?;
//! let call = sip
//!     .create_sip_participant(proto::CreateSipParticipantRequest {
//!         sip_trunk_id: "ST_xxx".into(),
//!         sip_call_to: "+15105550100".into(),
//!         room_name: "support".into(),
//!         wait_until_answered: true,
//!         ..Default::default()
//!     })
//!     .await;
//! if let Err(error) = &call {
//!     if let Some(status) = SipStatus::from_error(error) {
//!         eprintln!("the call failed with SIP {} {}", status.code, status.reason);
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod generated;

use std::time::Duration;

use futures_core::Stream;
pub use generated::{SipClient, rpc};
pub use livekit_server_http::{CallOptions, Client, ClientBuilder, Error};
pub use livekit_server_proto as proto;
use prost::Message as _;

/// The ring window used when a request does not set `ringing_timeout` (the server's default).
pub const DEFAULT_RINGING_TIMEOUT: Duration = Duration::from_secs(30);

/// What a dialing call waits beyond its ring window for the server to answer.
pub const DIAL_TIMEOUT_MARGIN: Duration = Duration::from_secs(2);

impl SipClient {
    /// Dials a phone number and connects the call to a room as a SIP participant
    /// (`CreateSIPParticipant`).
    ///
    /// The ring window (`ringing_timeout`, 30 s when unset, then pinned into the request) plus
    /// 2 s becomes the call's timeout, unless the call options already allow longer. The call
    /// is never replayed automatically: a replay would place a second phone call. Set a
    /// request id in the call options to make your own retry recognisable.
    ///
    /// # Errors
    ///
    /// A typed [`Error`]; [`SipStatus::from_error`] gives the SIP status of a failed call.
    pub async fn create_sip_participant(
        &self,
        mut request: proto::CreateSipParticipantRequest,
    ) -> Result<proto::SipParticipantInfo, Error> {
        let options = dial_options(self.call_options(), &mut request.ringing_timeout);
        self.create_sip_participant_with(request, &options).await
    }

    /// Transfers a SIP participant's call to another number (`TransferSIPParticipant`), with the
    /// same dial-aware timeout as [`SipClient::create_sip_participant`]; never replayed.
    ///
    /// # Errors
    ///
    /// A typed [`Error`]; [`SipStatus::from_error`] gives the SIP status of a failed transfer.
    pub async fn transfer_sip_participant(
        &self,
        mut request: proto::TransferSipParticipantRequest,
    ) -> Result<proto::TransferSipParticipantResponse, Error> {
        let options = dial_options(self.call_options(), &mut request.ringing_timeout);
        self.transfer_sip_participant_with(request, &options).await
    }

    /// Every inbound trunk matching `request`'s filters, following the `after_id` pagination
    /// (`page.limit` sets the page size; the server's default otherwise).
    pub fn inbound_trunks(
        &self,
        request: proto::ListSipInboundTrunkRequest,
    ) -> impl Stream<Item = Result<proto::SipInboundTrunkInfo, Error>> + Send + '_ {
        livekit_server_http::paginate(request, move |mut request| async move {
            let limit = page_limit(&request.page);
            let items = self.list_sip_inbound_trunk(request.clone()).await?.items;
            let next = next_page(
                &mut request.page,
                limit,
                items.last().map(|t| t.sip_trunk_id.clone()),
                items.len(),
            );
            Ok((items, next.then_some(request)))
        })
    }

    /// Every outbound trunk matching `request`'s filters, following the `after_id` pagination.
    pub fn outbound_trunks(
        &self,
        request: proto::ListSipOutboundTrunkRequest,
    ) -> impl Stream<Item = Result<proto::SipOutboundTrunkInfo, Error>> + Send + '_ {
        livekit_server_http::paginate(request, move |mut request| async move {
            let limit = page_limit(&request.page);
            let items = self.list_sip_outbound_trunk(request.clone()).await?.items;
            let next = next_page(
                &mut request.page,
                limit,
                items.last().map(|t| t.sip_trunk_id.clone()),
                items.len(),
            );
            Ok((items, next.then_some(request)))
        })
    }

    /// Every dispatch rule matching `request`'s filters, following the `after_id` pagination.
    pub fn dispatch_rules(
        &self,
        request: proto::ListSipDispatchRuleRequest,
    ) -> impl Stream<Item = Result<proto::SipDispatchRuleInfo, Error>> + Send + '_ {
        livekit_server_http::paginate(request, move |mut request| async move {
            let limit = page_limit(&request.page);
            let items = self.list_sip_dispatch_rule(request.clone()).await?.items;
            let next = next_page(
                &mut request.page,
                limit,
                items.last().map(|r| r.sip_dispatch_rule_id.clone()),
                items.len(),
            );
            Ok((items, next.then_some(request)))
        })
    }
}

/// The call options of a dialing call: the ring window (pinned into the request when unset)
/// plus [`DIAL_TIMEOUT_MARGIN`], unless the options already allow longer; never retried.
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

fn page_limit(page: &Option<proto::Pagination>) -> usize {
    page.as_ref()
        .map_or(0, |p| usize::try_from(p.limit).unwrap_or(0))
}

/// Moves `page` past `last_id`; whether another page may follow (a short or empty page ends it).
fn next_page(
    page: &mut Option<proto::Pagination>,
    limit: usize,
    last_id: Option<String>,
    got: usize,
) -> bool {
    match last_id {
        Some(last) if got > 0 && (limit == 0 || got >= limit) => {
            page.get_or_insert_with(Default::default).after_id = last;
            true
        }
        _ => false,
    }
}

/// The SIP status of a failed SIP call, from the error the server returned: its
/// `sip_status_code`/`sip_status` metadata, or the `livekit.SIPStatus` in its error details.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SipStatus {
    /// The SIP response code (`486` for Busy Here, `603` for Decline, …).
    pub code: u16,
    /// The reason phrase the far end gave, when there was one.
    pub reason: String,
}

impl SipStatus {
    /// The SIP status carried by `error`, if it is a SIP call failure.
    pub fn from_error(error: &Error) -> Option<SipStatus> {
        let twirp = error.twirp()?;
        if let Some(code) = twirp.sip_status_code() {
            return Some(SipStatus {
                code,
                reason: twirp.sip_status().unwrap_or_default().to_owned(),
            });
        }
        let detail = twirp.error_details()?.find("livekit.SIPStatus")?;
        let status = proto::SipStatus::decode(detail.value()).ok()?;
        Some(SipStatus {
            code: u16::try_from(status.code).ok()?,
            reason: status.status,
        })
    }

    /// The protocol's name for the code (`SIP_STATUS_BUSY_HERE`), when it has one.
    pub fn code_name(&self) -> Option<&'static str> {
        proto::SipStatusCode::try_from(i32::from(self.code))
            .ok()
            .map(|c| c.as_str_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialing_pins_the_ring_window_and_waits_two_seconds_more() {
        let mut ringing = None;
        let options = dial_options(&CallOptions::new(), &mut ringing);
        assert_eq!(ringing, Some(DEFAULT_RINGING_TIMEOUT.into()));
        assert_eq!(options.get_timeout(), Some(Duration::from_secs(32)));
        assert_eq!(options.get_max_attempts(), Some(1));

        let mut ringing = Some(Duration::from_secs(60).into());
        let options = dial_options(
            &CallOptions::new().timeout(Duration::from_secs(90)),
            &mut ringing,
        );
        assert_eq!(
            options.get_timeout(),
            Some(Duration::from_secs(90)),
            "a longer timeout is kept"
        );
    }

    #[test]
    fn keyset_pages_end_on_a_short_or_empty_page() {
        let mut page = Some(proto::Pagination {
            after_id: String::new(),
            limit: 2,
        });
        assert!(next_page(&mut page, 2, Some("ST_2".into()), 2));
        assert_eq!(page.as_ref().map(|p| p.after_id.as_str()), Some("ST_2"));
        assert!(!next_page(&mut page, 2, Some("ST_3".into()), 1));
        let mut none = None;
        assert!(!next_page(&mut none, 0, None, 0));
        assert!(next_page(&mut none, 0, Some("ST_9".into()), 5));
        assert_eq!(none.map(|p| p.after_id), Some("ST_9".to_owned()));
    }
}
