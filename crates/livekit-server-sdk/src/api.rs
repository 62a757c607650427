//! [`LiveKitApi`]: every enabled service client over one shared [`Client`].

use std::fmt;

use livekit_server_http::{Client, Error};

/// Reads an environment variable; `None` when unset or empty.
type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Every enabled service client, sharing one [`Client`] (one connection pool, one set of
/// credentials, one transport). Cheap to clone.
///
/// Clients exist for the features enabled on this crate; [`LiveKitApi::client`] gives the
/// underlying [`Client`] for anything else.
#[derive(Clone)]
pub struct LiveKitApi {
    client: Client,
    #[cfg(feature = "room")]
    room: crate::room::RoomClient,
    #[cfg(feature = "egress")]
    egress: crate::egress::EgressClient,
    #[cfg(feature = "ingress")]
    ingress: crate::ingress::IngressClient,
    #[cfg(feature = "sip")]
    sip: crate::sip::SipClient,
    #[cfg(feature = "agent-dispatch")]
    agent_dispatch: crate::agent_dispatch::AgentDispatchClient,
    #[cfg(feature = "connector")]
    connector: crate::connector::ConnectorClient,
    #[cfg(feature = "phone-number")]
    phone_number: crate::phone_number::PhoneNumberClient,
    #[cfg(feature = "agent-simulation")]
    agent_simulation: crate::agent_simulation::AgentSimulationClient,
    #[cfg(feature = "replay")]
    replay: crate::replay::ReplayClient,
    #[cfg(feature = "cloud-agent")]
    cloud_agent: crate::cloud_agent::CloudAgentClient,
}

/// The shared client once (every service client holds it, and their calls' options are the
/// defaults).
impl std::fmt::Debug for LiveKitApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveKitApi")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// Why [`LiveKitApi::from_env`] failed. It names the variable, never its value.
#[derive(Debug)]
#[non_exhaustive]
pub enum EnvError {
    /// A required variable is unset or empty.
    Missing {
        /// The variable, e.g. `LIVEKIT_URL`.
        variable: &'static str,
    },
    /// A variable is set but the client could not be built from it (e.g. an invalid URL).
    Invalid {
        /// The variable at fault.
        variable: &'static str,
        /// What was wrong.
        source: Error,
    },
    /// The variables were fine, but the runtime of the blocking clients could not be started
    /// (`blocking::LiveKitApi::from_env`).
    Runtime {
        /// Why the runtime did not start.
        source: Error,
    },
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvError::Missing { variable } => {
                write!(f, "environment variable {variable} is not set")
            }
            EnvError::Invalid { variable, .. } => {
                write!(f, "environment variable {variable} is invalid")
            }
            EnvError::Runtime { .. } => {
                f.write_str("the runtime of the blocking clients could not be started")
            }
        }
    }
}

impl std::error::Error for EnvError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EnvError::Missing { .. } => None,
            EnvError::Invalid { source, .. } | EnvError::Runtime { source } => Some(source),
        }
    }
}

impl LiveKitApi {
    /// Clients for the LiveKit server at `url` that sign each call with the API key and secret.
    ///
    /// # Errors
    ///
    /// If the URL is not a valid http(s)/ws(s) URL, or the key or secret is empty.
    pub fn new(url: &str, api_key: &str, api_secret: &str) -> Result<Self, Error> {
        Client::new(url, api_key, api_secret).map(Self::from_client)
    }

    /// Clients that send a pre-signed token on every call.
    ///
    /// # Errors
    ///
    /// If the URL is not a valid http(s)/ws(s) URL or the token is empty.
    pub fn with_token(url: &str, token: &str) -> Result<Self, Error> {
        Client::with_token(url, token).map(Self::from_client)
    }

    /// Clients over an existing [`Client`] (custom transport, TLS, timeouts, retries).
    ///
    /// [`cloud_agent`](Self::cloud_agent) talks to the agents host derived from the client's
    /// URL ([`agents_url`](crate::cloud_agent::agents_url)); [`from_env`](Self::from_env) also
    /// honours `LK_AGENTS_URL`, and [`with_agents_url`](Self::with_agents_url) sets it.
    pub fn from_client(client: Client) -> Self {
        Self {
            #[cfg(feature = "cloud-agent")]
            cloud_agent: crate::cloud_agent::CloudAgentClient::from_client(
                // The derived URL comes from a valid one and keeps its syntax; should it be
                // refused all the same, the project's own URL is used, as `agents_url` does
                // for hosts it leaves alone.
                client
                    .with_base_url(&crate::cloud_agent::agents_url(client.url()))
                    .unwrap_or_else(|_| client.clone()),
            ),
            #[cfg(feature = "room")]
            room: crate::room::RoomClient::from_client(client.clone()),
            #[cfg(feature = "egress")]
            egress: crate::egress::EgressClient::from_client(client.clone()),
            #[cfg(feature = "ingress")]
            ingress: crate::ingress::IngressClient::from_client(client.clone()),
            #[cfg(feature = "sip")]
            sip: crate::sip::SipClient::from_client(client.clone()),
            #[cfg(feature = "agent-dispatch")]
            agent_dispatch: crate::agent_dispatch::AgentDispatchClient::from_client(client.clone()),
            #[cfg(feature = "connector")]
            connector: crate::connector::ConnectorClient::from_client(client.clone()),
            #[cfg(feature = "phone-number")]
            phone_number: crate::phone_number::PhoneNumberClient::from_client(client.clone()),
            #[cfg(feature = "agent-simulation")]
            agent_simulation: crate::agent_simulation::AgentSimulationClient::from_client(
                client.clone(),
            ),
            #[cfg(feature = "replay")]
            replay: crate::replay::ReplayClient::from_client(client.clone()),
            client,
        }
    }

    /// Clients configured from the environment: `LIVEKIT_URL`, and either `LIVEKIT_API_KEY` +
    /// `LIVEKIT_API_SECRET`, or `LIVEKIT_TOKEN` (a pre-signed token; used only when the key
    /// and secret are both unset); with the `cloud-agent` feature, `LK_AGENTS_URL` when set
    /// (else the agents host is derived from `LIVEKIT_URL`).
    ///
    /// # Errors
    ///
    /// [`EnvError::Missing`] naming the first missing variable, or [`EnvError::Invalid`].
    pub fn from_env() -> Result<Self, EnvError> {
        Self::from_lookup(&|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    fn from_lookup(env: EnvLookup<'_>) -> Result<Self, EnvError> {
        let url = env("LIVEKIT_URL").ok_or(EnvError::Missing {
            variable: "LIVEKIT_URL",
        })?;
        let key = env("LIVEKIT_API_KEY");
        let secret = env("LIVEKIT_API_SECRET");
        // Which variable a failure to build the client is about: the URL, unless the token
        // is at fault (`Client::new` fails only for the URL: the key and secret are not empty).
        let mut culprit = "LIVEKIT_URL";
        let client = match (key, secret, env("LIVEKIT_TOKEN")) {
            (Some(key), Some(secret), _) => Client::new(&url, &key, &secret),
            (None, None, Some(token)) => Client::with_token(&url, &token).inspect_err(|_| {
                if Client::with_token(&url, "token").is_ok() {
                    culprit = "LIVEKIT_TOKEN";
                }
            }),
            (None, _, _) => {
                return Err(EnvError::Missing {
                    variable: "LIVEKIT_API_KEY",
                });
            }
            (Some(_), None, _) => {
                return Err(EnvError::Missing {
                    variable: "LIVEKIT_API_SECRET",
                });
            }
        };
        let api = client
            .map(Self::from_client)
            .map_err(|source| EnvError::Invalid {
                variable: culprit,
                source,
            })?;
        #[cfg(feature = "cloud-agent")]
        if let Some(agents) = env(crate::cloud_agent::AGENTS_URL_VARIABLE) {
            return api
                .with_agents_url(&agents)
                .map_err(|source| EnvError::Invalid {
                    variable: crate::cloud_agent::AGENTS_URL_VARIABLE,
                    source,
                });
        }
        Ok(api)
    }

    /// The same clients, with [`cloud_agent`](Self::cloud_agent) talking to `url` (LiveKit
    /// Cloud's agents host, when the derived one is not right).
    ///
    /// # Errors
    ///
    /// If `url` is not a valid http(s)/ws(s) URL.
    #[cfg(feature = "cloud-agent")]
    pub fn with_agents_url(mut self, url: &str) -> Result<Self, Error> {
        self.cloud_agent =
            crate::cloud_agent::CloudAgentClient::from_client(self.client.with_base_url(url)?);
        Ok(self)
    }

    /// The shared client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `livekit.RoomService`.
    #[cfg(feature = "room")]
    pub fn room(&self) -> &crate::room::RoomClient {
        &self.room
    }

    /// `livekit.Egress`.
    #[cfg(feature = "egress")]
    pub fn egress(&self) -> &crate::egress::EgressClient {
        &self.egress
    }

    /// `livekit.Ingress`.
    #[cfg(feature = "ingress")]
    pub fn ingress(&self) -> &crate::ingress::IngressClient {
        &self.ingress
    }

    /// `livekit.SIP`.
    #[cfg(feature = "sip")]
    pub fn sip(&self) -> &crate::sip::SipClient {
        &self.sip
    }

    /// `livekit.AgentDispatchService`.
    #[cfg(feature = "agent-dispatch")]
    pub fn agent_dispatch(&self) -> &crate::agent_dispatch::AgentDispatchClient {
        &self.agent_dispatch
    }

    /// `livekit.Connector` (WhatsApp and Twilio).
    #[cfg(feature = "connector")]
    pub fn connector(&self) -> &crate::connector::ConnectorClient {
        &self.connector
    }

    /// `livekit.PhoneNumberService` (LiveKit Cloud).
    #[cfg(feature = "phone-number")]
    pub fn phone_number(&self) -> &crate::phone_number::PhoneNumberClient {
        &self.phone_number
    }

    /// `livekit.AgentSimulation` (LiveKit Cloud).
    #[cfg(feature = "agent-simulation")]
    pub fn agent_simulation(&self) -> &crate::agent_simulation::AgentSimulationClient {
        &self.agent_simulation
    }

    /// `livekit.Replay` (LiveKit Cloud).
    #[cfg(feature = "replay")]
    pub fn replay(&self) -> &crate::replay::ReplayClient {
        &self.replay
    }

    /// `livekit.CloudAgent`, which LiveKit Cloud serves from the project's agents host
    /// ([`crate::cloud_agent::agents_url`], `LK_AGENTS_URL` through [`from_env`](Self::from_env),
    /// or [`with_agents_url`](Self::with_agents_url)); same transport and credentials.
    #[cfg(feature = "cloud-agent")]
    pub fn cloud_agent(&self) -> &crate::cloud_agent::CloudAgentClient {
        &self.cloud_agent
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn missing(vars: &[(&str, &str)]) -> &'static str {
        match LiveKitApi::from_lookup(&lookup(vars)) {
            Err(EnvError::Missing { variable }) => variable,
            other => panic!("expected a missing variable, got {other:?}"),
        }
    }

    #[test]
    fn from_env_names_the_missing_variable() {
        assert_eq!(missing(&[]), "LIVEKIT_URL");
        assert_eq!(
            missing(&[("LIVEKIT_URL", "http://localhost:7880")]),
            "LIVEKIT_API_KEY"
        );
        assert_eq!(
            missing(&[
                ("LIVEKIT_URL", "http://localhost:7880"),
                ("LIVEKIT_API_KEY", "devkey")
            ]),
            "LIVEKIT_API_SECRET"
        );
        assert_eq!(
            missing(&[
                ("LIVEKIT_URL", "http://localhost:7880"),
                ("LIVEKIT_API_SECRET", "secret")
            ]),
            "LIVEKIT_API_KEY"
        );
    }

    #[test]
    fn from_env_accepts_keys_or_a_token() {
        let api = LiveKitApi::from_lookup(&lookup(&[
            ("LIVEKIT_URL", "wss://example.livekit.cloud"),
            ("LIVEKIT_API_KEY", "devkey"),
            ("LIVEKIT_API_SECRET", "secret"),
        ]))
        .unwrap();
        assert!(
            api.client()
                .url()
                .starts_with("https://example.livekit.cloud")
        );
        // Readable in a log: no rustls configuration dump per client, and no secret.
        let debug = format!("{api:?}");
        assert!(debug.len() < 512 && !debug.contains("secret\""), "{debug}");
        LiveKitApi::from_lookup(&lookup(&[
            ("LIVEKIT_URL", "http://localhost:7880"),
            ("LIVEKIT_TOKEN", "a.b.c"),
        ]))
        .unwrap();
    }

    #[test]
    fn an_invalid_token_is_reported_as_the_token() {
        let invalid =
            |vars: &[(&'static str, &'static str)]| match LiveKitApi::from_lookup(&lookup(vars))
                .unwrap_err()
            {
                EnvError::Invalid { variable, .. } => variable,
                other => panic!("{other:?}"),
            };
        let token = ("LIVEKIT_TOKEN", "eyJhbGc iOiJIUzI1NiJ9.x.y");
        assert_eq!(
            invalid(&[("LIVEKIT_URL", "wss://example.livekit.cloud"), token]),
            "LIVEKIT_TOKEN"
        );
        assert_eq!(
            invalid(&[("LIVEKIT_URL", "ftp://nope"), token]),
            "LIVEKIT_URL"
        );
    }

    #[test]
    fn an_invalid_url_is_reported_without_the_secret() {
        let error = LiveKitApi::from_lookup(&lookup(&[
            ("LIVEKIT_URL", "ftp://nope"),
            ("LIVEKIT_API_KEY", "devkey"),
            ("LIVEKIT_API_SECRET", "super-secret-value"),
        ]))
        .unwrap_err();
        assert!(matches!(
            error,
            EnvError::Invalid {
                variable: "LIVEKIT_URL",
                ..
            }
        ));
        assert!(!format!("{error} {error:?}").contains("super-secret-value"));
    }

    #[cfg(feature = "cloud-agent")]
    #[test]
    fn the_cloud_agent_client_is_built_once_on_the_agents_host() {
        let project = [
            ("LIVEKIT_URL", "wss://proj-abc.eu.livekit.cloud"),
            ("LIVEKIT_API_KEY", "devkey"),
            ("LIVEKIT_API_SECRET", "secret"),
        ];
        let api = LiveKitApi::from_lookup(&lookup(&project)).unwrap();
        let agents = api.cloud_agent().client().url();
        assert!(
            agents.starts_with("https://agents.eu.livekit.cloud"),
            "{agents}"
        );
        // A self-hosted server (an IP, or a single-label host) keeps its own URL.
        let local = LiveKitApi::new("http://127.0.0.1:7880", "devkey", "secret").unwrap();
        assert_eq!(local.cloud_agent().client().url(), local.client().url());

        // `LK_AGENTS_URL` overrides the derived host, and is checked when read.
        let mut overridden = project.to_vec();
        overridden.push(("LK_AGENTS_URL", "https://agents.example.test"));
        let api = LiveKitApi::from_lookup(&lookup(&overridden)).unwrap();
        let agents = api.cloud_agent().client().url();
        assert!(
            agents.starts_with("https://agents.example.test"),
            "{agents}"
        );
        let mut invalid = project.to_vec();
        invalid.push(("LK_AGENTS_URL", "ftp://agents"));
        assert!(matches!(
            LiveKitApi::from_lookup(&lookup(&invalid)),
            Err(EnvError::Invalid {
                variable: "LK_AGENTS_URL",
                ..
            })
        ));
    }
}
