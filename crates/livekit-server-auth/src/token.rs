//! [`AccessToken`]: the builder for participant and server tokens, with the checks the
//! reference SDKs make before signing.

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::time::validity;
use crate::{
    AgentGrants, ApiSecret, Claims, InferenceGrants, KindDetail, ObservabilityGrants,
    ParticipantKind, SipGrants, TokenError, TokenSigner, VideoGrants,
};

/// Default validity of a token: 6 hours, as in every LiveKit SDK.
pub const DEFAULT_TTL: Duration = Duration::from_secs(6 * 60 * 60);

/// The environment variable [`AccessToken::from_env`] reads the API key from.
pub const API_KEY_ENV: &str = "LIVEKIT_API_KEY";
/// The environment variable [`AccessToken::from_env`] reads the API secret from.
pub const API_SECRET_ENV: &str = "LIVEKIT_API_SECRET";

/// Builds and signs a LiveKit access token.
///
/// Only what is set is written: no `null`, `""`, `{}` or `[]` members, and permissions left
/// unset keep the server's defaults (`canPublishData` unset follows `canPublish`).
/// [`to_jwt_at`](Self::to_jwt_at) refuses a `roomJoin` grant without an identity or a room,
/// and (with the `room-config` feature) a room configuration that carries egress credentials.
///
/// ```
/// use std::time::Duration;
/// use livekit_server_auth::{AccessToken, VideoGrants};
///
/// let jwt = AccessToken::new("devkey", "secret")?
///     .with_identity("alice")
///     .with_name("Alice")
///     .with_grants(VideoGrants::join("my-room"))
///     .with_attributes([("team", "blue")])
///     .with_ttl(Duration::from_secs(3600))
///     .to_jwt()?;
/// assert_eq!(jwt.split('.').count(), 3);
/// # Ok::<(), livekit_server_auth::TokenError>(())
/// ```
#[derive(Clone)]
pub struct AccessToken {
    /// Boxed, so that each step of the builder moves a pointer, not the claims.
    inner: Box<Builder>,
}

#[derive(Clone)]
struct Builder {
    signer: TokenSigner,
    /// `iss` is the signer's API key; `nbf` and `exp` are set when signing.
    claims: Claims,
    ttl: Duration,
    allow_sensitive_credentials: bool,
}

impl AccessToken {
    /// A builder signing with `api_key` and `api_secret`.
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingCredentials`] if either is empty.
    pub fn new(
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> Result<AccessToken, TokenError> {
        let secret = ApiSecret::new(api_secret)?;
        Ok(AccessToken::from_signer(TokenSigner::new(
            api_key, &secret,
        )?))
    }

    /// A builder with the credentials of `LIVEKIT_API_KEY` and `LIVEKIT_API_SECRET`.
    ///
    /// This is the only place the crate reads the environment.
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingEnv`] naming the first variable that is unset, empty or not
    /// Unicode (its value is never part of the error).
    pub fn from_env() -> Result<AccessToken, TokenError> {
        let read = |var: &'static str| match std::env::var(var) {
            Ok(value) if !value.is_empty() => Ok(value),
            _ => Err(TokenError::MissingEnv { var }),
        };
        let api_key = read(API_KEY_ENV)?;
        let api_secret = read(API_SECRET_ENV)?;
        AccessToken::new(api_key, api_secret)
    }

    /// A builder that signs with an existing signer (no key state is recomputed).
    #[inline]
    pub fn from_signer(signer: TokenSigner) -> AccessToken {
        AccessToken {
            inner: Box::new(Builder {
                claims: Claims {
                    iss: signer.api_key().to_owned(),
                    ..Claims::default()
                },
                signer,
                ttl: DEFAULT_TTL,
                allow_sensitive_credentials: false,
            }),
        }
    }

    /// The claims, for a setter.
    #[inline]
    fn claims_mut(&mut self) -> &mut Claims {
        &mut self.inner.claims
    }

    /// Sets the participant identity (`sub`).
    #[inline]
    #[must_use]
    pub fn with_identity(mut self, identity: impl Into<String>) -> AccessToken {
        self.claims_mut().sub = identity.into();
        self
    }

    /// Sets the participant display name (`name`).
    #[inline]
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> AccessToken {
        self.claims_mut().name = name.into();
        self
    }

    /// Sets the participant kind (`kind`).
    #[inline]
    #[must_use]
    pub fn with_kind(mut self, kind: ParticipantKind) -> AccessToken {
        self.claims_mut().kind = Some(kind);
        self
    }

    /// Sets the participant kind details (`kindDetails`).
    #[inline]
    #[must_use]
    pub fn with_kind_details(
        mut self,
        details: impl IntoIterator<Item = KindDetail>,
    ) -> AccessToken {
        self.claims_mut().kind_details = details.into_iter().collect();
        self
    }

    /// Sets the room and media grants (`video`).
    #[inline]
    #[must_use]
    pub fn with_grants(mut self, grants: VideoGrants) -> AccessToken {
        self.claims_mut().video = Some(grants);
        self
    }

    /// Sets the SIP grants (`sip`).
    #[inline]
    #[must_use]
    pub fn with_sip_grants(mut self, grants: SipGrants) -> AccessToken {
        self.claims_mut().sip = Some(grants);
        self
    }

    /// Sets the cloud agent grants (`agent`).
    #[inline]
    #[must_use]
    pub fn with_agent_grants(mut self, grants: AgentGrants) -> AccessToken {
        self.claims_mut().agent = Some(grants);
        self
    }

    /// Sets the inference grants (`inference`).
    #[inline]
    #[must_use]
    pub fn with_inference_grants(mut self, grants: InferenceGrants) -> AccessToken {
        self.claims_mut().inference = Some(grants);
        self
    }

    /// Sets the observability grants (`observability`).
    #[inline]
    #[must_use]
    pub fn with_observability_grants(mut self, grants: ObservabilityGrants) -> AccessToken {
        self.claims_mut().observability = Some(grants);
        self
    }

    /// Sets the participant metadata (`metadata`).
    #[inline]
    #[must_use]
    pub fn with_metadata(mut self, metadata: impl Into<String>) -> AccessToken {
        self.claims_mut().metadata = metadata.into();
        self
    }

    /// Adds participant attributes (`attributes`), replacing values of keys already set.
    #[inline]
    #[must_use]
    pub fn with_attributes<K, V>(
        mut self,
        attributes: impl IntoIterator<Item = (K, V)>,
    ) -> AccessToken
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.claims_mut()
            .attributes
            .extend(attributes.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Sets the base64 SHA-256 of a body the token vouches for (`sha256`).
    #[inline]
    #[must_use]
    pub fn with_sha256(mut self, sha256: impl Into<String>) -> AccessToken {
        self.claims_mut().sha256 = sha256.into();
        self
    }

    /// Sets the LiveKit Cloud room preset (`roomPreset`).
    #[inline]
    #[must_use]
    pub fn with_room_preset(mut self, preset: impl Into<String>) -> AccessToken {
        self.claims_mut().room_preset = preset.into();
        self
    }

    /// Sets the configuration of the room if this participant creates it (`roomConfig`).
    #[cfg(feature = "room-config")]
    #[cfg_attr(docsrs, doc(cfg(feature = "room-config")))]
    #[must_use]
    pub fn with_room_config(
        mut self,
        config: livekit_server_proto::RoomConfiguration,
    ) -> AccessToken {
        self.claims_mut().room_config = Some(Box::new(config));
        self
    }

    /// Sets how long the token is valid (default [`DEFAULT_TTL`], 6 hours).
    #[inline]
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> AccessToken {
        self.inner.ttl = ttl;
        self
    }

    /// Allows egress credentials in the room configuration. Anyone holding the token can
    /// decode them, so only use this for tokens that stay on servers you control.
    #[inline]
    #[must_use]
    pub fn allow_sensitive_credentials(mut self) -> AccessToken {
        self.inner.allow_sensitive_credentials = true;
        self
    }

    /// The claims set so far (`nbf` and `exp` are filled in when signing).
    pub fn claims(&self) -> &Claims {
        &self.inner.claims
    }

    /// Signs the token, valid from now.
    ///
    /// # Errors
    ///
    /// As [`to_jwt_at`](Self::to_jwt_at).
    pub fn to_jwt(&self) -> Result<String, TokenError> {
        self.to_jwt_at(crate::time::now())
    }

    /// Signs the token with `nbf` = `now` and `exp` = `now + ttl`.
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingIdentity`] / [`TokenError::MissingRoom`] for a `roomJoin` grant
    /// without identity or room; [`TokenError::SensitiveCredentials`] for egress credentials
    /// in the room configuration; [`TokenError::InvalidTtl`] / [`TokenError::InvalidTime`]
    /// for a zero or overflowing validity or a clock before 1970.
    pub fn to_jwt_at(&self, now: SystemTime) -> Result<String, TokenError> {
        let claims = &self.inner.claims;
        if let Some(video) = &claims.video
            && video.room_join
        {
            if claims.sub.is_empty() {
                return Err(TokenError::MissingIdentity);
            }
            if video.room.is_empty() {
                return Err(TokenError::MissingRoom);
            }
        }
        #[cfg(feature = "room-config")]
        if let Some(config) = &claims.room_config
            && !self.inner.allow_sensitive_credentials
        {
            crate::room_config::check_credentials(config)?;
        }
        let (nbf, exp) = validity(now, self.inner.ttl)?;
        let json = crate::signer::json(claims)?;
        self.inner.signer.sign_json(&with_dates(json, nbf, exp)?)
    }
}

/// Puts the dates into the JSON of the builder's claims, which have no `nbf` and an `exp` of
/// 0: serde_json writes them as the member `,"exp":0` right after `iss` and `sub`, and that
/// is the first place the text holds those bytes (a quote inside a JSON string is escaped).
/// This saves copying every claim (an allocation per string) to set two numbers, as
/// `to_jwt_at` only borrows the builder.
fn with_dates(mut json: Vec<u8>, nbf: u64, exp: u64) -> Result<Vec<u8>, TokenError> {
    use std::io::Write;
    const UNSET: &[u8] = b",\"exp\":0";
    /// Room for `,"nbf":<u64>,"exp":<u64>` (54 bytes at most).
    const ROOM: usize = 64;
    let failed = |e: &dyn fmt::Display| TokenError::Encoding(e.to_string());
    let at = json
        .windows(UNSET.len())
        .position(|window| window == UNSET)
        .ok_or_else(|| failed(&"no exp member"))?;
    let mut dates = [0u8; ROOM];
    let mut out = &mut dates[..];
    out.write_all(b",\"nbf\":").map_err(|e| failed(&e))?;
    serde_json::to_writer(&mut out, &nbf).map_err(|e| failed(&e))?;
    out.write_all(b",\"exp\":").map_err(|e| failed(&e))?;
    serde_json::to_writer(&mut out, &exp).map_err(|e| failed(&e))?;
    let written = ROOM - out.len();
    let dates = &dates[..written];
    // The dates are longer than the member they replace: move the rest of the text right.
    let (end, len) = (at + UNSET.len(), json.len());
    json.resize(len + dates.len() - UNSET.len(), 0);
    json.copy_within(end..len, at + dates.len());
    json[at..at + dates.len()].copy_from_slice(dates);
    Ok(json)
}

impl TokenSigner {
    /// An [`AccessToken`] builder that signs with this signer.
    #[inline]
    pub fn access_token(&self) -> AccessToken {
        AccessToken::from_signer(self.clone())
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The fields as `Claims` show them (personal data left out).
        f.debug_struct("AccessToken")
            .field("signer", &self.inner.signer)
            .field("claims", &self.inner.claims)
            .field("ttl", &self.inner.ttl)
            .field(
                "allow_sensitive_credentials",
                &self.inner.allow_sensitive_credentials,
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::TokenVerifier;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn join_needs_identity_and_room() {
        let t = AccessToken::new("k", "s").unwrap();
        let no_identity = t.clone().with_grants(VideoGrants::join("r"));
        assert_eq!(
            no_identity.to_jwt_at(at(1)),
            Err(TokenError::MissingIdentity)
        );
        let no_room = t
            .clone()
            .with_identity("a")
            .with_grants(VideoGrants::join(""));
        assert_eq!(no_room.to_jwt_at(at(1)), Err(TokenError::MissingRoom));
        let server = t.with_grants(VideoGrants {
            room_list: true,
            ..Default::default()
        });
        assert!(server.to_jwt_at(at(1)).is_ok());
    }

    #[test]
    fn dates_go_where_serde_writes_them() {
        for (key, identity) in [
            ("k", ""),
            ("APIbenchKey123", "a"),
            (r#"k,"exp":0"#, r#"x","exp":0,"y"#),
            ("ключ", "\u{1}"),
        ] {
            let signer = TokenSigner::new(key, &ApiSecret::new("s").unwrap()).unwrap();
            let t = signer
                .access_token()
                .with_identity(identity)
                .with_metadata(r#","exp":0"#);
            let mut claims = t.claims().clone();
            (claims.nbf, claims.exp) = (Some(10), 10 + DEFAULT_TTL.as_secs());
            assert_eq!(
                t.to_jwt_at(at(10)),
                signer.sign(&claims),
                "{key} {identity}"
            );
        }
    }

    #[test]
    fn empty_credentials_refused() {
        assert_eq!(
            AccessToken::new("", "s").err(),
            Some(TokenError::MissingCredentials)
        );
        assert_eq!(
            AccessToken::new("k", "").err(),
            Some(TokenError::MissingCredentials)
        );
    }

    #[test]
    fn attributes_merge() {
        let t = AccessToken::new("k", "s")
            .unwrap()
            .with_attributes([("a", "1"), ("b", "2")])
            .with_attributes([("b", "3".to_owned())]);
        let attrs: Vec<_> = t
            .claims()
            .attributes
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(attrs, [("a", "1"), ("b", "3")]);
    }

    #[test]
    fn attributes_merge_like_a_map() {
        let mut map = std::collections::BTreeMap::new();
        let mut t = AccessToken::new("k", "s").unwrap();
        let batches: [&[(&str, &str)]; 6] = [
            &[("m", "1")],
            &[("m", "2")],
            &[],
            &[("z", "1"), ("a", "1"), ("z", "2"), ("m", "3")],
            &[("b", "")],
            &[("a", "4"), ("a", "5"), ("c", "6")],
        ];
        for batch in batches {
            t = t.with_attributes(batch.iter().copied());
            map.extend(batch.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())));
            assert_eq!(t.claims().attributes, map);
        }
        let single = AccessToken::new("k", "s")
            .unwrap()
            .with_attributes([("only", "one")]);
        assert_eq!(single.claims().attributes.len(), 1);
        let none = AccessToken::new("k", "s")
            .unwrap()
            .with_attributes(Vec::<(String, String)>::new());
        assert!(none.claims().attributes.is_empty());
    }

    #[test]
    fn claims_view_follows_the_setters() {
        let t = AccessToken::new("k", "s").unwrap().with_identity("a");
        assert_eq!(t.claims().sub, "a");
        assert_eq!(t.claims().iss, "k");
        let t = t.with_identity("b").with_name("n");
        assert_eq!(
            (t.claims().sub.as_str(), t.claims().name.as_str()),
            ("b", "n")
        );
        let copy = t.clone().with_metadata("m");
        assert_eq!(copy.claims().metadata, "m");
        assert_eq!(t.claims().metadata, "");
        let expected = Claims {
            sub: "b".into(),
            name: "n".into(),
            ..Claims::default()
        };
        assert_eq!(
            t.claims(),
            &Claims {
                iss: "k".into(),
                ..expected
            }
        );
    }

    #[test]
    fn builder_is_send_sync_and_unwind_safe() {
        fn assert_traits<
            T: Send + Sync + Unpin + std::panic::UnwindSafe + std::panic::RefUnwindSafe,
        >() {
        }
        assert_traits::<AccessToken>();
        assert_traits::<TokenSigner>();
    }

    #[test]
    fn ttl_and_defaults() {
        let t = AccessToken::new("k", "s").unwrap().with_identity("a");
        let v = TokenVerifier::new("k", "s").unwrap();
        let claims = v
            .verify_at(&t.to_jwt_at(at(1000)).unwrap(), at(1000))
            .unwrap();
        assert_eq!(
            (claims.nbf, claims.exp),
            (Some(1000), 1000 + DEFAULT_TTL.as_secs())
        );
        let short = t
            .clone()
            .with_ttl(Duration::from_secs(5))
            .to_jwt_at(at(1000))
            .unwrap();
        assert_eq!(v.verify_at(&short, at(1000)).unwrap().exp, 1005);
        assert_eq!(
            t.clone().with_ttl(Duration::ZERO).to_jwt_at(at(1)),
            Err(TokenError::InvalidTtl)
        );
        // Up to the latest date the verifier accepts, and not a second more.
        let latest = 9_223_371_974_719_179_007;
        let longest = Duration::from_secs(latest - 1000);
        let far = t.clone().with_ttl(longest).to_jwt_at(at(1000)).unwrap();
        assert_eq!(v.verify_at(&far, at(1000)).unwrap().exp, latest);
        assert_eq!(
            t.with_ttl(longest + Duration::from_secs(1))
                .to_jwt_at(at(1000)),
            Err(TokenError::InvalidTtl)
        );
    }

    #[test]
    fn every_builder_method_lands_in_the_claims() {
        let t = AccessToken::new("k", "s")
            .unwrap()
            .with_identity("id")
            .with_name("n")
            .with_kind(ParticipantKind::Sip)
            .with_kind_details([KindDetail::ConnectorTwilio])
            .with_grants(VideoGrants::join("r"))
            .with_sip_grants(SipGrants {
                admin: true,
                call: false,
            })
            .with_agent_grants(AgentGrants {
                database_admin: true,
                ..Default::default()
            })
            .with_inference_grants(InferenceGrants { perform: true })
            .with_observability_grants(ObservabilityGrants { write: true })
            .with_metadata("m")
            .with_sha256("h")
            .with_room_preset("p")
            .allow_sensitive_credentials();
        let jwt = t.to_jwt_at(at(10)).unwrap();
        let claims = TokenVerifier::new("k", "s")
            .unwrap()
            .verify_at(&jwt, at(10))
            .unwrap();
        let mut expected = t.claims().clone();
        expected.nbf = Some(10);
        expected.exp = 10 + DEFAULT_TTL.as_secs();
        assert_eq!(claims, expected);
        assert_eq!(claims.participant_kind(), ParticipantKind::Sip);
    }

    #[test]
    fn debug_hides_secret_and_personal_data() {
        let t = AccessToken::new("k", "my-very-secret-value")
            .unwrap()
            .with_metadata("private-metadata");
        let text = format!("{t:?}");
        assert!(!text.contains("my-very-secret-value"), "{text}");
        assert!(!text.contains("private-metadata"), "{text}");
    }
}
