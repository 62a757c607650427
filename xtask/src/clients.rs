//! Generation of the per-service client crates' `src/generated.rs`.
//!
//! For each public Twirp service: the client struct with its constructors, one method per RPC
//! (the snake_case RPC name, taking the full protocol request), and the `rpc` table that joins
//! the protocol's method descriptors with `proto/rpc-policy.txt` (grants and retry class).
//! Hand-written helpers live beside it in each crate's `lib.rs`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::codegen::{MethodInfo, Policy, ServiceInfo, snake_case};

/// Service → (crate folder, client type, one-line purpose).
const CRATES: &[(&str, &str, &str, &str)] = &[
    ("RoomService", "livekit-server-room", "RoomClient", "rooms, participants, tracks, data and participant RPC"),
    ("Egress", "livekit-server-egress", "EgressClient", "recording and streaming rooms, participants and tracks"),
    ("Ingress", "livekit-server-ingress", "IngressClient", "RTMP, WHIP and URL ingress"),
    ("SIP", "livekit-server-sip", "SipClient", "SIP trunks, dispatch rules and phone calls"),
    ("AgentDispatchService", "livekit-server-agent-dispatch", "AgentDispatchClient", "explicit agent dispatch to rooms"),
    ("Connector", "livekit-server-connector", "ConnectorClient", "WhatsApp and Twilio call connectors"),
    ("PhoneNumberService", "livekit-server-phone-number", "PhoneNumberClient", "LiveKit Cloud phone numbers"),
    ("CloudAgent", "livekit-server-cloud-agent", "CloudAgentClient", "LiveKit Cloud agent deployments"),
    ("AgentSimulation", "livekit-server-agent-simulation", "AgentSimulationClient", "LiveKit Cloud agent simulation runs"),
    ("Replay", "livekit-server-replay", "ReplayClient", "LiveKit Cloud room replays"),
];

/// RPCs whose public method is written by hand, because it adds behaviour (a de-duplication
/// nonce, a dial-aware timeout). The generated method is then `pub(crate) async fn
/// <name>_with(&self, request, options)`.
pub(crate) const CUSTOM: &[&str] = &[
    "RoomService.SendData",
    "SIP.CreateSIPParticipant",
    "SIP.TransferSIPParticipant",
    "Connector.DialWhatsAppCall",
    "Connector.AcceptWhatsAppCall",
];

/// Root-relative path → code for every client crate.
pub(crate) fn generate(
    services: &[ServiceInfo],
    policy: &BTreeMap<String, Policy>,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for service in services {
        let (_, dir, client, purpose) = CRATES
            .iter()
            .find(|(name, ..)| *name == service.name)
            .ok_or_else(|| format!("no client crate is mapped to service {} (xtask/src/clients.rs)", service.name))?;
        let code = client_code(service, client, purpose, policy)?;
        out.insert(format!("crates/{dir}/src/generated.rs"), code);
    }
    Ok(out)
}

/// The Rust path of a protocol message (`livekit.SimulationRun.Create.Request` →
/// `proto::simulation_run::create::Request`).
fn rust_type(full_name: &str) -> String {
    let (package, rest) = if let Some(rest) = full_name.strip_prefix("google.protobuf.") {
        ("proto::google::protobuf", rest)
    } else if let Some(rest) = full_name.strip_prefix("livekit.") {
        ("proto", rest)
    } else {
        ("proto", full_name)
    };
    let parts: Vec<&str> = rest.split('.').collect();
    let mut path = package.to_owned();
    for (i, part) in parts.iter().enumerate() {
        path.push_str("::");
        if i + 1 == parts.len() {
            path.push_str(part);
        } else {
            path.push_str(&snake_case(part));
        }
    }
    path
}

fn doc_lines(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let escaped = line.replace('[', "\\[").replace(']', "\\]").replace('<', "&lt;").replace('>', "&gt;");
            let _ = writeln!(out, "{indent}/// {escaped}");
        }
    }
}

fn grant_names(policy: &Policy) -> String {
    let names: Vec<String> = policy
        .grants
        .iter()
        .map(|g| match *g {
            "RoomCreate" => "`video.roomCreate`",
            "RoomList" => "`video.roomList`",
            "RoomRecord" => "`video.roomRecord`",
            "RoomAdmin" => "`video.roomAdmin`",
            "IngressAdmin" => "`video.ingressAdmin`",
            "SipAdmin" => "`sip.admin`",
            "SipCall" => "`sip.call`",
            "AgentAdmin" => "`agent.admin`",
            "AgentSimulationAdmin" => "`agent.simulationAdmin`",
            "AgentDatabaseAdmin" => "`agent.databaseAdmin`",
            other => other,
        }
        .to_owned())
        .collect();
    let mut text = names.join(" + ");
    if let Some(room) = &policy.room_field {
        let _ = write!(text, ", `video.room` = `request.{room}`");
    }
    if let Some(dest) = &policy.destination_field {
        let _ = write!(text, ", `video.destinationRoom` = `request.{dest}`");
    }
    text
}

fn retry_text(idempotency: &str) -> &'static str {
    match idempotency {
        "ReadOnly" => "read-only: retried on transport errors and unavailable responses",
        "Idempotent" => "idempotent: retried on transport errors and unavailable responses",
        _ => "not idempotent: never replayed unless the request provably never left",
    }
}

fn client_code(
    service: &ServiceInfo,
    client: &str,
    purpose: &str,
    policy: &BTreeMap<String, Policy>,
) -> Result<String, String> {
    let module = snake_case(&service.name);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "use livekit_server_http::{{CallOptions, Client, ClientBuilder, Error, Grant, Idempotency, Rpc, Scope}};\n\
         use livekit_server_proto as proto;\n"
    );

    // The RPC table.
    let _ = writeln!(
        out,
        "/// The RPCs of `livekit.{name}`: route, the grants each call's token carries, and the retry class.\n\
         pub mod rpc {{\n    use super::*;\n",
        name = service.name
    );
    let mut consts = Vec::new();
    for method in &service.methods {
        let key = format!("{}.{}", service.name, method.name);
        let p = policy.get(&key).ok_or_else(|| format!("{key} is not in proto/rpc-policy.txt"))?;
        let konst = snake_case(&method.name).to_ascii_uppercase();
        let grants: Vec<String> = p.grants.iter().map(|g| format!("Grant::{g}")).collect();
        let _ = writeln!(
            out,
            "    /// `{method}`: grants {grants_doc}; {retry}.\n    pub const {konst}: Rpc = Rpc {{\n        \
             service: proto::services::{module}::{konst}.service,\n        method: proto::services::{module}::{konst}.name,\n        \
             path: proto::services::{module}::{konst}.path,\n        idempotency: Idempotency::{idem},\n        grants: &[{grants}],\n    }};\n",
            method = method.name,
            grants_doc = grant_names(p),
            retry = retry_text(p.idempotency),
            idem = p.idempotency,
            grants = grants.join(", "),
        );
        consts.push(konst);
    }
    let refs: Vec<String> = consts.iter().map(|c| format!("&{c}")).collect();
    let _ = writeln!(
        out,
        "    /// Every RPC of the service, in protocol order.\n    pub const ALL: &[&Rpc] = &[{}];\n}}\n",
        refs.join(", ")
    );

    // The client.
    let _ = writeln!(out, "/// Client for `livekit.{}`: {purpose}.", service.name);
    if !service.doc.is_empty() {
        let _ = writeln!(out, "///");
        doc_lines(&mut out, "", &service.doc);
    }
    let _ = writeln!(
        out,
        "///\n/// Every method is the snake_case name of an RPC and takes the full protocol request. Each call\n\
         /// signs a short-lived token with exactly the grants of its RPC (see [`rpc`]). Clones are cheap\n\
         /// and share one connection pool.\n\
         #[derive(Debug, Clone)]\npub struct {client} {{\n    client: Client,\n    options: CallOptions,\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl {client} {{\n\
         /// A client for the LiveKit server at `url` (`https://…`, `http://…`, `wss://…` or `ws://…`; a\n\
         /// sub-path is kept) that signs each call with the API key and secret.\n\
         ///\n/// # Errors\n///\n/// If the URL is not a valid http(s)/ws(s) URL, or the key or secret is empty.\n\
         pub fn new(url: &str, api_key: &str, api_secret: &str) -> Result<Self, Error> {{\n    \
             Client::new(url, api_key, api_secret).map(Self::from_client)\n}}\n\n\
         /// A client that sends a pre-signed token on every call (it must carry the grants of the\n\
         /// RPCs you call).\n///\n/// # Errors\n///\n/// If the URL is not a valid http(s)/ws(s) URL or the token is empty.\n\
         pub fn with_token(url: &str, token: &str) -> Result<Self, Error> {{\n    \
             Client::with_token(url, token).map(Self::from_client)\n}}\n\n\
         /// A builder for the shared [`Client`] (transport, TLS roots, timeouts, retries); pass the\n\
         /// built client to [`{client}::from_client`].\npub fn builder() -> ClientBuilder {{\n    Client::builder()\n}}\n\n\
         /// Wraps an existing [`Client`]; all clients made from one `Client` share its connection pool.\n\
         pub fn from_client(client: Client) -> Self {{\n    Self {{ client, options: CallOptions::default() }}\n}}\n\n\
         /// The underlying client.\npub fn client(&self) -> &Client {{\n    &self.client\n}}\n\n\
         /// A copy of this client whose calls use `options` (timeouts, deadline, request id, headers).\n\
         #[must_use]\npub fn with_call_options(&self, options: CallOptions) -> Self {{\n    \
             Self {{ client: self.client.clone(), options }}\n}}\n\n\
         /// The call options in force.\npub fn call_options(&self) -> &CallOptions {{\n    &self.options\n}}\n"
    );
    for method in &service.methods {
        let key = format!("{}.{}", service.name, method.name);
        let p = &policy[&key];
        method_code(&mut out, method, p, CUSTOM.contains(&key.as_str()));
    }
    let _ = writeln!(out, "}}");
    Ok(out)
}

fn method_code(out: &mut String, method: &MethodInfo, p: &Policy, custom: bool) {
    let name = snake_case(&method.name);
    let konst = name.to_ascii_uppercase();
    let input = rust_type(&method.input);
    let output = rust_type(&method.output);
    let field = |f: &Option<String>| match f {
        Some(field) => format!("Some(request.{field}.as_str())"),
        None => "None".to_owned(),
    };
    let scope = format!(
        "Scope {{ room: {}, destination_room: {} }}",
        field(&p.room_field),
        field(&p.destination_field)
    );
    let _ = writeln!(out);
    if !method.doc.is_empty() {
        doc_lines(out, "", &method.doc);
        let _ = writeln!(out, "///");
    }
    let _ = writeln!(
        out,
        "/// Twirp `{path}`. Token: {grants}. Retries: {retry}.\n///\n/// # Errors\n///\n\
         /// A typed [`Error`]: the server's Twirp error (code, message, metadata), an error from an\n\
         /// intermediary (status kept), a timeout, or a transport failure.",
        path = format_args!("{}/{}", method_service(method), method.name),
        grants = grant_names(p),
        retry = retry_text(p.idempotency),
    );
    if method.deprecated {
        let _ = writeln!(out, "#[deprecated(note = \"deprecated in the LiveKit protocol\")]");
    }
    if custom {
        let _ = writeln!(
            out,
            "pub(crate) async fn {name}_with(&self, request: {input}, options: &CallOptions) -> Result<{output}, Error> {{\n    \
             self.client.call(&rpc::{konst}, {scope}, &request, options).await\n}}"
        );
    } else {
        let _ = writeln!(
            out,
            "pub async fn {name}(&self, request: {input}) -> Result<{output}, Error> {{\n    \
             self.client.call(&rpc::{konst}, {scope}, &request, &self.options).await\n}}"
        );
    }
}

fn method_service(method: &MethodInfo) -> String {
    method.service.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_paths_follow_prost_nesting() {
        assert_eq!(rust_type("livekit.CreateRoomRequest"), "proto::CreateRoomRequest");
        assert_eq!(rust_type("livekit.SimulationRun.Create.Request"), "proto::simulation_run::create::Request");
        assert_eq!(rust_type("google.protobuf.Empty"), "proto::google::protobuf::Empty");
    }
}
