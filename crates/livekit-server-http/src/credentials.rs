//! How a call authenticates: a fresh per-attempt token with exactly the RPC's grants, or a
//! pre-signed token sent as is.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderValue;
use livekit_server_auth::{AgentGrants, ApiSecret, Claims, SipGrants, TokenSigner, VideoGrants};

use crate::error::Error;
use crate::rpc::{Grant, Rpc, Scope};

/// The wall clock. This is the one place in this crate that reads it (token validity).
fn now() -> SystemTime {
    SystemTime::now()
}

pub(crate) enum Credentials {
    /// Sign a token per attempt.
    Keys(Box<Keys>),
    /// The `Authorization` value of a pre-signed token (marked sensitive).
    Token(HeaderValue),
}

pub(crate) struct Keys {
    signer: TokenSigner,
    recent: Mutex<RecentTokens>,
}

/// Tokens signed in the current second. A token's claims are `iss`, `nbf` and `exp` in whole
/// seconds, and the grants: signing the same grants and scope again within the same second
/// gives the same bytes, so such a token is reused instead of being signed again.
#[derive(Default)]
struct RecentTokens {
    entries: Vec<RecentToken>,
    next: usize,
}

struct RecentToken {
    grants: &'static [Grant],
    room: Option<Box<str>>,
    destination: Option<Box<str>>,
    nbf: u64,
    exp: u64,
    value: HeaderValue,
}

/// How many distinct (grants, scope) tokens are kept.
const RECENT_TOKENS: usize = 16;

impl RecentTokens {
    fn find(
        &self,
        grants: &'static [Grant],
        scope: Scope<'_>,
        nbf: u64,
        exp: u64,
    ) -> Option<HeaderValue> {
        self.entries
            .iter()
            .find(|t| {
                t.nbf == nbf
                    && t.exp == exp
                    && std::ptr::eq(t.grants, grants)
                    && t.room.as_deref() == scope.room_claim()
                    && t.destination.as_deref() == scope.destination_claim()
            })
            .map(|t| t.value.clone())
    }

    fn insert(&mut self, token: RecentToken) {
        if self.entries.len() < RECENT_TOKENS {
            self.entries.push(token);
        } else {
            self.entries[self.next] = token;
            self.next = (self.next + 1) % RECENT_TOKENS;
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Keys(keys) => f
                .debug_struct("ApiKey")
                .field("api_key", &keys.signer.api_key())
                .field("api_secret", &format_args!("***"))
                .finish(),
            Credentials::Token(_) => f.write_str("Token(***)"),
        }
    }
}

impl Credentials {
    pub(crate) fn keys(api_key: &str, api_secret: &str) -> Result<Self, Error> {
        if api_key.is_empty() {
            return Err(Error::config("empty API key"));
        }
        let secret =
            ApiSecret::new(api_secret).map_err(|e| Error::config_source("empty API secret", e))?;
        let signer = TokenSigner::new(api_key, &secret)
            .map_err(|e| Error::config_source("empty API key", e))?;
        Ok(Credentials::Keys(Box::new(Keys {
            signer,
            recent: Mutex::default(),
        })))
    }

    pub(crate) fn token(token: &str) -> Result<Self, Error> {
        let token = token.trim();
        if token.is_empty() {
            return Err(Error::config("empty token"));
        }
        let mut value = HeaderValue::try_from(format!("Bearer {token}"))
            .map_err(|_| Error::config("the token is not a valid header value"))?;
        value.set_sensitive(true);
        Ok(Credentials::Token(value))
    }

    /// The `Authorization` header value for one attempt of `rpc`: a token valid from now
    /// for `ttl` with exactly the RPC's grants.
    pub(crate) fn authorization(
        &self,
        rpc: &Rpc,
        scope: Scope<'_>,
        ttl: Duration,
    ) -> Result<HeaderValue, Error> {
        match self {
            Credentials::Token(value) => Ok(value.clone()),
            Credentials::Keys(keys) => keys.authorization(rpc.grants, scope, now(), ttl),
        }
    }
}

impl Keys {
    fn recent(&self) -> std::sync::MutexGuard<'_, RecentTokens> {
        self.recent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn authorization(
        &self,
        grants: &'static [Grant],
        scope: Scope<'_>,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<HeaderValue, Error> {
        // The validity the signer will compute (whole seconds, rounded down).
        let window = now.duration_since(UNIX_EPOCH).ok().and_then(|since| {
            let until = since.checked_add(ttl)?;
            Some((since.as_secs(), until.as_secs()))
        });
        if let Some((nbf, exp)) = window
            && let Some(value) = self.recent().find(grants, scope, nbf, exp)
        {
            return Ok(value);
        }
        let mut claims = self.signer.claims_at(now, ttl).map_err(Error::token)?;
        apply_grants(&mut claims, grants, scope);
        let token = self.signer.sign(&claims).map_err(Error::token)?;
        let mut header = String::with_capacity(7 + token.len());
        header.push_str("Bearer ");
        header.push_str(&token);
        // A JWT is base64url and dots: always a valid header value.
        let mut value = HeaderValue::try_from(header).map_err(Error::token)?;
        value.set_sensitive(true);
        if let Some(nbf) = claims.nbf {
            self.recent().insert(RecentToken {
                grants,
                room: scope.room_claim().map(Box::from),
                destination: scope.destination_claim().map(Box::from),
                nbf,
                exp: claims.exp,
                value: value.clone(),
            });
        }
        Ok(value)
    }
}

/// Sets exactly `grants` (and the scope's rooms) on `claims`; nothing else.
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
    fn tokens_are_reused_only_for_the_same_second_grants_and_scope() {
        static LIST: [Grant; 1] = [Grant::RoomList];
        static ADMIN: [Grant; 1] = [Grant::RoomAdmin];
        let Credentials::Keys(keys) = Credentials::keys("key", "secret").unwrap() else {
            panic!("keys expected")
        };
        let ttl = Duration::from_secs(600);
        let t0 = UNIX_EPOCH + Duration::from_millis(1_700_000_000_100);
        let same_second = t0 + Duration::from_millis(800);
        let next_second = t0 + Duration::from_millis(900);
        let a = keys.authorization(&LIST, Scope::NONE, t0, ttl).unwrap();
        assert_eq!(
            keys.authorization(&LIST, Scope::NONE, same_second, ttl)
                .unwrap(),
            a
        );
        assert_ne!(
            keys.authorization(&LIST, Scope::NONE, next_second, ttl)
                .unwrap(),
            a
        );
        let room_a = keys
            .authorization(&ADMIN, Scope::room("a"), t0, ttl)
            .unwrap();
        let room_b = keys
            .authorization(&ADMIN, Scope::room("b"), t0, ttl)
            .unwrap();
        assert_ne!(room_a, room_b);
        assert_eq!(
            keys.authorization(&ADMIN, Scope::room("a"), same_second, ttl)
                .unwrap(),
            room_a
        );
        assert_ne!(
            keys.authorization(&ADMIN, Scope::room("a"), t0, ttl * 2)
                .unwrap(),
            room_a
        );

        // A reused token is exactly what signing again would give.
        let mut claims = keys.signer.claims_at(same_second, ttl).unwrap();
        apply_grants(&mut claims, &LIST, Scope::NONE);
        let fresh = format!("Bearer {}", keys.signer.sign(&claims).unwrap());
        assert_eq!(a, fresh.as_str());

        // More distinct scopes than the cache holds: still correct tokens.
        let rooms: Vec<String> = (0..40).map(|i| format!("room-{i}")).collect();
        for room in &rooms {
            let value = keys
                .authorization(&ADMIN, Scope::room(room), t0, ttl)
                .unwrap();
            let verifier = livekit_server_auth::TokenVerifier::new("key", "secret").unwrap();
            let token = value.to_str().unwrap().strip_prefix("Bearer ").unwrap();
            let claims = verifier.verify_at(token, t0).unwrap();
            assert_eq!(claims.video.unwrap().room, *room);
        }
    }

    #[test]
    fn pre_signed_tokens_are_sent_as_is_and_marked_sensitive() {
        let credentials = Credentials::token("abc.def.ghi").unwrap();
        let rpc = Rpc {
            service: "s",
            method: "m",
            path: "/twirp/s/m",
            idempotency: Idempotency::ReadOnly,
            grants: &[Grant::RoomAdmin],
        };
        let value = credentials
            .authorization(&rpc, Scope::room("x"), Duration::from_secs(1))
            .unwrap();
        assert_eq!(value, "Bearer abc.def.ghi");
        assert!(value.is_sensitive());
        assert_eq!(format!("{credentials:?}"), "Token(***)");
    }
}
