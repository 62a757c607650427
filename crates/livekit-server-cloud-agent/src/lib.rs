//! LiveKit server API client for `livekit.CloudAgent`: LiveKit Cloud agent deployments.
//!
//! [`CloudAgentClient`] has one method per RPC of the service, named after the RPC in
//! snake_case and taking the full protocol request message. LiveKit Cloud serves this service
//! from the project's *agents* host rather than the project URL: [`agents_url`] derives it
//! the way the Go SDK does, and [`CloudAgentClient::for_project`] builds a client for it on an
//! existing [`Client`]'s transport and credentials. `LK_AGENTS_URL` overrides the derived URL.
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
//! ```
//! use livekit_server_cloud_agent::agents_url;
//!
//! assert_eq!(agents_url("wss://my-project.livekit.cloud"), "https://agents.livekit.cloud");
//! ```

mod generated;

pub use generated::{CloudAgentClient, rpc};
pub use livekit_server_http::{CallOptions, Client, ClientBuilder, Error};
pub use livekit_server_proto as proto;

/// The environment variable that overrides the agents URL (as in the Go SDK).
pub const AGENTS_URL_VARIABLE: &str = "LK_AGENTS_URL";

/// The agents host of a LiveKit Cloud project URL: the scheme becomes `https` and the first
/// label of the host is replaced by `agents` (`wss://my-project.livekit.cloud` →
/// `https://agents.livekit.cloud`). A URL whose host is an IP address or has no dot (a local
/// server, which serves no agents host) is returned unchanged.
pub fn agents_url(project_url: &str) -> String {
    let rest = ["https://", "http://", "wss://", "ws://"]
        .iter()
        .find_map(|scheme| project_url.strip_prefix(scheme))
        .unwrap_or(project_url);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.parse::<std::net::IpAddr>().is_ok() {
        return project_url.to_owned();
    }
    match rest.split_once('.') {
        Some((first_label, domain)) if !first_label.contains('/') && !domain.is_empty() => {
            format!("https://agents.{domain}")
        }
        _ => project_url.to_owned(),
    }
}

impl CloudAgentClient {
    /// A client for the agents host of the project `client` talks to ([`agents_url`], or
    /// `LK_AGENTS_URL` when set), sharing its transport and credentials.
    ///
    /// # Errors
    ///
    /// If the derived (or overriding) URL is invalid.
    pub fn for_project(client: &Client) -> Result<Self, Error> {
        let url = std::env::var(AGENTS_URL_VARIABLE)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| agents_url(client.url()));
        client.with_base_url(&url).map(Self::from_client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_host_label_becomes_agents() {
        assert_eq!(
            agents_url("https://proj-abc.livekit.cloud"),
            "https://agents.livekit.cloud"
        );
        assert_eq!(
            agents_url("http://proj.eu.livekit.cloud/sub"),
            "https://agents.eu.livekit.cloud/sub"
        );
        assert_eq!(agents_url("ws://localhost:7880"), "ws://localhost:7880");
        assert_eq!(agents_url("http://127.0.0.1:7880"), "http://127.0.0.1:7880");
        assert_eq!(agents_url("http://[::1]:7880/x"), "http://[::1]:7880/x");
    }
}
