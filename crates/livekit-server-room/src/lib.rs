//! LiveKit server API client for `livekit.RoomService`: rooms, participants, tracks, data and
//! participant RPC.
//!
//! [`RoomClient`] has one method per RPC of the service, named after the RPC in snake_case and
//! taking the full protocol request message, plus helpers: [`RoomClient::send_data`] adds the
//! random 16-byte nonce receivers de-duplicate on, and [`RoomClient::sip_get_remote_headers`] /
//! [`RoomClient::sip_end_call`] are typed calls of the RPC methods a SIP participant registers
//! (`lk.sip.GetRemoteHeaders`, `lk.sip.EndCall`), made through `PerformRpc`.
//!
//! This crate never exposes an async runtime or an HTTP stack in its API: the transport is
//! `livekit-server-http`'s (hyper + rustls by default, or your own).
//!
//! # Features
//!
//! - `webpki-roots` (default): TLS trusting the Mozilla roots bundled by `webpki-roots`.
//! - `native-roots`: TLS trusting the operating system's roots.
//!
//! # Example
//!
//! ```no_run
//! use livekit_server_room::{RoomClient, proto};
//!
//! # async fn run() -> Result<(), livekit_server_room::Error> {
//! let rooms = RoomClient::new("https://my-project.livekit.cloud", "APIkey", "secret")?;
//! let room = rooms
//!     .create_room(proto::CreateRoomRequest { name: "demo".into(), ..Default::default() })
//!     .await?;
//! let listed = rooms.list_rooms(proto::ListRoomsRequest::default()).await?;
//! assert!(listed.rooms.iter().any(|r| r.name == room.name));
//! # Ok(())
//! # }
//! ```

mod generated;

use std::collections::HashMap;

pub use generated::{RoomClient, rpc};
pub use livekit_server_http::{CallOptions, Client, ClientBuilder, Error};
pub use livekit_server_proto as proto;

/// The participant-RPC method a SIP participant registers to return the SIP headers of its call.
pub const SIP_GET_REMOTE_HEADERS: &str = "lk.sip.GetRemoteHeaders";
/// The participant-RPC method a SIP participant registers to hang up its call.
pub const SIP_END_CALL: &str = "lk.sip.EndCall";

impl RoomClient {
    /// Sends a data packet to participants of a room (`SendData`).
    ///
    /// When `request.nonce` is empty a random 16-byte nonce is set, so that receivers can
    /// de-duplicate a packet the caller sends again after an unclear failure (the server
    /// accepts exactly 16 bytes). The call itself is never replayed automatically.
    ///
    /// # Errors
    ///
    /// A typed [`Error`] from the server, an intermediary, a timeout or the transport.
    pub async fn send_data(
        &self,
        mut request: proto::SendDataRequest,
    ) -> Result<proto::SendDataResponse, Error> {
        if request.nonce.is_empty() {
            request.nonce = new_nonce()?.to_vec();
        }
        self.send_data_with(request, self.call_options()).await
    }

    /// Calls `lk.sip.GetRemoteHeaders` on a SIP participant through `PerformRpc`: the SIP
    /// headers of its call, filtered by `include`/`exclude` (empty: all).
    ///
    /// # Errors
    ///
    /// A typed [`Error`]; a payload the participant returns that is not the expected JSON is
    /// reported as a decode error.
    pub async fn sip_get_remote_headers(
        &self,
        room: &str,
        identity: &str,
        include: &[&str],
        exclude: &[&str],
    ) -> Result<HashMap<String, String>, Error> {
        let payload = sip_rpc::get_remote_headers_payload(include, exclude);
        let response = self
            .perform_rpc(sip_rpc::request(
                room,
                identity,
                SIP_GET_REMOTE_HEADERS,
                payload,
            ))
            .await?;
        sip_rpc::parse_headers(&response.payload)
    }

    /// Calls `lk.sip.EndCall` on a SIP participant through `PerformRpc`, hanging up its call
    /// with the given SIP headers on the BYE.
    ///
    /// # Errors
    ///
    /// A typed [`Error`].
    pub async fn sip_end_call(
        &self,
        room: &str,
        identity: &str,
        headers: &HashMap<String, String>,
    ) -> Result<(), Error> {
        let payload = sip_rpc::end_call_payload(headers);
        self.perform_rpc(sip_rpc::request(room, identity, SIP_END_CALL, payload))
            .await
            .map(drop)
    }
}

/// A random 16-byte nonce from the operating system's generator.
fn new_nonce() -> Result<[u8; 16], Error> {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|_| Error::local("the system random generator failed"))?;
    Ok(nonce)
}

/// JSON payloads of `SIPParticipantV1` (`roomrpc/siprpc/roomrpc_sip_v1.proto`): protojson of
/// its request and response messages.
mod sip_rpc {
    use std::collections::HashMap;

    use super::{Error, proto};

    pub(crate) fn request(
        room: &str,
        identity: &str,
        method: &str,
        payload: String,
    ) -> proto::PerformRpcRequest {
        proto::PerformRpcRequest {
            room: room.to_owned(),
            destination_identity: identity.to_owned(),
            method: method.to_owned(),
            payload,
            ..Default::default()
        }
    }

    pub(crate) fn get_remote_headers_payload(include: &[&str], exclude: &[&str]) -> String {
        serde_json::json!({ "include": include, "exclude": exclude }).to_string()
    }

    pub(crate) fn end_call_payload(headers: &HashMap<String, String>) -> String {
        serde_json::json!({ "headers": headers }).to_string()
    }

    pub(crate) fn parse_headers(payload: &str) -> Result<HashMap<String, String>, Error> {
        if payload.trim().is_empty() {
            return Ok(HashMap::new());
        }
        #[derive(serde::Deserialize)]
        struct Response {
            #[serde(default)]
            headers: HashMap<String, String>,
        }
        serde_json::from_str::<Response>(payload)
            .map(|r| r.headers)
            .map_err(|e| {
                Error::local(format!(
                    "lk.sip.GetRemoteHeaders returned an invalid payload: {e}"
                ))
            })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn payloads_are_the_protojson_of_the_v1_messages() {
            assert_eq!(
                get_remote_headers_payload(&["X-A"], &[]),
                r#"{"exclude":[],"include":["X-A"]}"#
            );
            let headers = HashMap::from([("X-Reason".to_owned(), "done".to_owned())]);
            assert_eq!(
                end_call_payload(&headers),
                r#"{"headers":{"X-Reason":"done"}}"#
            );
        }

        #[test]
        fn header_responses_decode_and_bad_payloads_are_errors() {
            let parsed = parse_headers(r#"{"headers":{"From":"<sip:a@b>"},"extra":1}"#).unwrap();
            assert_eq!(parsed["From"], "<sip:a@b>");
            assert!(parse_headers("").unwrap().is_empty());
            assert!(parse_headers("{}").unwrap().is_empty());
            assert!(parse_headers("not json").is_err());
            assert!(parse_headers(r#"{"headers":[1]}"#).is_err());
        }
    }
}
