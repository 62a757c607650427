//! How a call authenticates: a fresh per-attempt token with exactly the RPC's grants, or a
//! pre-signed token sent as is.

use std::fmt;
use std::time::{Duration, SystemTime};

use livekit_server_auth::{AgentGrants, ApiSecret, Claims, SipGrants, TokenSigner, VideoGrants};

use crate::error::Error;
use crate::rpc::{Grant, Rpc, Scope};

/// The one read of the clock in this crate (token validity starts now).
fn now() -> SystemTime {
    SystemTime::now()
}

/// How each attempt authenticates.
pub(crate) enum Credentials {
    /// Sign a token per attempt with exactly the RPC's grants.
    Keys(TokenSigner),
    /// Send this pre-signed token as is.
    Token(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Keys(signer) => f
                .debug_struct("ApiKey")
                .field("api_key", &signer.api_key())
                .field("api_secret", &format_args!("***"))
                .finish(),
            Credentials::Token(_) => f.write_str("Token(***)"),
        }
    }
}

impl Credentials {
    /// Signs with the API key and secret.
    pub(crate) fn keys(api_key: &str, api_secret: &str) -> Result<Self, Error> {
        if api_key.is_empty() {
            return Err(Error::config("empty API key"));
        }
        let secret =
            ApiSecret::new(api_secret).map_err(|e| Error::config_source("empty API secret", e))?;
        let signer = TokenSigner::new(api_key, &secret)
            .map_err(|e| Error::config_source("empty API key", e))?;
        Ok(Credentials::Keys(signer))
    }

    /// Sends `token` (surrounding space trimmed) on every call.
    pub(crate) fn token(token: &str) -> Result<Self, Error> {
        let token = token.trim();
        if token.is_empty() {
            return Err(Error::config("empty token"));
        }
        // The codec's rule for a bearer token, checked here to fail at build time.
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::config("the token is not a valid header value"));
        }
        Ok(Credentials::Token(token.to_owned()))
    }

    /// The bearer token of one attempt of `rpc`: a fresh one valid from now for `ttl`, with
    /// exactly the RPC's grants scoped to `scope`, or the pre-signed one.
    pub(crate) fn token_for(
        &self,
        rpc: &Rpc,
        scope: Scope<'_>,
        ttl: Duration,
    ) -> Result<String, Error> {
        match self {
            Credentials::Token(token) => Ok(token.clone()),
            Credentials::Keys(signer) => sign(signer, rpc.grants, scope, now(), ttl),
        }
    }
}

/// A token valid from `now` for `ttl` with exactly `grants`, scoped to `scope`.
fn sign(
    signer: &TokenSigner,
    grants: &[Grant],
    scope: Scope<'_>,
    now: SystemTime,
    ttl: Duration,
) -> Result<String, Error> {
    let mut claims = signer.claims_at(now, ttl).map_err(Error::token)?;
    apply_grants(&mut claims, grants, scope);
    signer.sign(&claims).map_err(Error::token)
}

pub(crate) fn apply_grants(claims: &mut Claims, grants: &[Grant], scope: Scope<'_>) {
    let mut video: Option<VideoGrants> = None;
    let mut sip: Option<SipGrants> = None;
    let mut agent: Option<AgentGrants> = None;
    for grant in grants {
        match grant {
            Grant::RoomCreate => video.get_or_insert_with(Default::default).room_create = true,
            Grant::RoomList => video.get_or_insert_with(Default::default).room_list = true,
            Grant::RoomRecord => video.get_or_insert_with(Default::default).room_record = true,
            Grant::RoomAdmin => video.get_or_insert_with(Default::default).room_admin = true,
            Grant::IngressAdmin => video.get_or_insert_with(Default::default).ingress_admin = true,
            Grant::SipAdmin => sip.get_or_insert_with(Default::default).admin = true,
            Grant::SipCall => sip.get_or_insert_with(Default::default).call = true,
            Grant::AgentAdmin => agent.get_or_insert_with(Default::default).admin = true,
            Grant::AgentSimulationAdmin => {
                agent.get_or_insert_with(Default::default).simulation_admin = true;
            }
            Grant::AgentDatabaseAdmin => {
                agent.get_or_insert_with(Default::default).database_admin = true;
            }
            Grant::AgentDispatchAdmin => {
                agent.get_or_insert_with(Default::default).dispatch_admin = true;
            }
        }
    }
    if let Some(room) = scope.room_claim() {
        video.get_or_insert_with(Default::default).room = room.to_owned();
    }
    if let Some(room) = scope.destination_claim() {
        video.get_or_insert_with(Default::default).destination_room = room.to_owned();
    }
    claims.video = video;
    claims.sip = sip;
    claims.agent = agent;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Idempotency;

    fn claims() -> Claims {
        Claims::new("key", 1, 2)
    }

    #[test]
    fn grants_map_to_exactly_their_claims() {
        let mut c = claims();
        apply_grants(&mut c, &[Grant::RoomList], Scope::NONE);
        assert_eq!(
            c.video,
            Some(VideoGrants {
                room_list: true,
                ..Default::default()
            })
        );
        assert_eq!((c.sip, c.agent), (None, None));

        let mut c = claims();
        apply_grants(
            &mut c,
            &[Grant::SipCall, Grant::RoomAdmin],
            Scope::room("r"),
        );
        assert_eq!(
            c.video,
            Some(VideoGrants {
                room_admin: true,
                room: "r".into(),
                ..Default::default()
            })
        );
        assert_eq!(
            c.sip,
            Some(SipGrants {
                admin: false,
                call: true
            })
        );

        let mut c = claims();
        apply_grants(
            &mut c,
            &[
                Grant::AgentAdmin,
                Grant::AgentSimulationAdmin,
                Grant::AgentDatabaseAdmin,
                Grant::AgentDispatchAdmin,
            ],
            Scope::NONE,
        );
        assert_eq!(c.video, None);
        assert_eq!(
            c.agent,
            Some(AgentGrants {
                admin: true,
                simulation_admin: true,
                database_admin: true,
                dispatch_admin: true,
            })
        );

        let mut c = claims();
        let scope = Scope {
            room: Some("a"),
            destination_room: Some("b"),
        };
        apply_grants(&mut c, &[Grant::RoomAdmin], scope);
        let video = c.video.unwrap();
        assert_eq!(
            (video.room.as_str(), video.destination_room.as_str()),
            ("a", "b")
        );
    }

    #[test]
    fn each_token_carries_its_own_grants_scope_and_validity() {
        static ADMIN: [Grant; 1] = [Grant::RoomAdmin];
        let signer = TokenSigner::new("key", &ApiSecret::new("secret").unwrap()).unwrap();
        let verifier = livekit_server_auth::TokenVerifier::new("key", "secret").unwrap();
        let ttl = Duration::from_secs(600);
        let t0 = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let a = sign(&signer, &ADMIN, Scope::room("a"), t0, ttl).unwrap();
        let b = sign(&signer, &ADMIN, Scope::room("b"), t0, ttl).unwrap();
        assert_ne!(a, b);
        let claims = verifier.verify_at(&a, t0).unwrap();
        assert_eq!(claims.video.unwrap().room, "a");
        assert_eq!(claims.nbf, Some(1_700_000_000));
        assert_eq!(claims.exp, 1_700_000_600);
        let later = sign(&signer, &ADMIN, Scope::room("a"), t0 + ttl, ttl).unwrap();
        assert_eq!(
            verifier.verify_at(&later, t0 + ttl).unwrap().exp,
            1_700_001_200
        );
    }

    #[test]
    fn pre_signed_tokens_are_sent_as_is() {
        let credentials = Credentials::token(" abc.def.ghi ").unwrap();
        let rpc = Rpc {
            service: "s",
            method: "m",
            path: "/twirp/s/m",
            idempotency: Idempotency::ReadOnly,
            grants: &[Grant::RoomAdmin],
        };
        let token = credentials
            .token_for(&rpc, Scope::room("x"), Duration::from_secs(1))
            .unwrap();
        assert_eq!(token, "abc.def.ghi");
        assert_eq!(format!("{credentials:?}"), "Token(***)");
        assert!(Credentials::token("has space").unwrap_err().is_config());
    }
}
