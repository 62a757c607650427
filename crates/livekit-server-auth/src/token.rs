//! [`AccessToken`]: the builder for participant and server tokens, with the checks the
//! reference SDKs make before signing.

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
#[derive(Clone, Debug)]
pub struct AccessToken {
    signer: TokenSigner,
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
    pub fn from_signer(signer: TokenSigner) -> AccessToken {
        let claims = Claims {
            iss: signer.api_key().to_owned(),
            ..Claims::default()
        };
        AccessToken {
            signer,
            claims,
            ttl: DEFAULT_TTL,
            allow_sensitive_credentials: false,
        }
    }

    /// Sets the participant identity (`sub`).
    #[must_use]
    pub fn with_identity(mut self, identity: impl Into<String>) -> AccessToken {
        self.claims.sub = identity.into();
        self
    }

    /// Sets the participant display name (`name`).
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> AccessToken {
        self.claims.name = name.into();
        self
    }

    /// Sets the participant kind (`kind`).
    #[must_use]
    pub fn with_kind(mut self, kind: ParticipantKind) -> AccessToken {
        self.claims.kind = Some(kind);
        self
    }

    /// Sets the participant kind details (`kindDetails`).
    #[must_use]
    pub fn with_kind_details(
        mut self,
        details: impl IntoIterator<Item = KindDetail>,
    ) -> AccessToken {
        self.claims.kind_details = details.into_iter().collect();
        self
    }

    /// Sets the room and media grants (`video`).
    #[must_use]
    pub fn with_grants(mut self, grants: VideoGrants) -> AccessToken {
        self.claims.video = Some(grants);
        self
    }

    /// Sets the SIP grants (`sip`).
    #[must_use]
    pub fn with_sip_grants(mut self, grants: SipGrants) -> AccessToken {
        self.claims.sip = Some(grants);
        self
    }

    /// Sets the cloud agent grants (`agent`).
    #[must_use]
    pub fn with_agent_grants(mut self, grants: AgentGrants) -> AccessToken {
        self.claims.agent = Some(grants);
        self
    }

    /// Sets the inference grants (`inference`).
    #[must_use]
    pub fn with_inference_grants(mut self, grants: InferenceGrants) -> AccessToken {
        self.claims.inference = Some(grants);
        self
    }

    /// Sets the observability grants (`observability`).
    #[must_use]
    pub fn with_observability_grants(mut self, grants: ObservabilityGrants) -> AccessToken {
        self.claims.observability = Some(grants);
        self
    }

    /// Sets the participant metadata (`metadata`).
    #[must_use]
    pub fn with_metadata(mut self, metadata: impl Into<String>) -> AccessToken {
        self.claims.metadata = metadata.into();
        self
    }

    /// Adds participant attributes (`attributes`), replacing values of keys already set.
    #[must_use]
    pub fn with_attributes<K, V>(
        mut self,
        attributes: impl IntoIterator<Item = (K, V)>,
    ) -> AccessToken
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.claims
            .attributes
            .extend(attributes.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Sets the base64 SHA-256 of a body the token vouches for (`sha256`).
    #[must_use]
    pub fn with_sha256(mut self, sha256: impl Into<String>) -> AccessToken {
        self.claims.sha256 = sha256.into();
        self
    }

    /// Sets the LiveKit Cloud room preset (`roomPreset`).
    #[must_use]
    pub fn with_room_preset(mut self, preset: impl Into<String>) -> AccessToken {
        self.claims.room_preset = preset.into();
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
        self.claims.room_config = Some(config);
        self
    }

    /// Sets how long the token is valid (default [`DEFAULT_TTL`], 6 hours).
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> AccessToken {
        self.ttl = ttl;
        self
    }

    /// Allows egress credentials in the room configuration. Anyone holding the token can
    /// decode them, so only use this for tokens that stay on servers you control.
    #[must_use]
    pub fn allow_sensitive_credentials(mut self) -> AccessToken {
        self.allow_sensitive_credentials = true;
        self
    }

    /// The claims set so far (`nbf` and `exp` are filled in when signing).
    pub fn claims(&self) -> &Claims {
        &self.claims
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
        if let Some(video) = &self.claims.video
            && video.room_join
        {
            if self.claims.sub.is_empty() {
                return Err(TokenError::MissingIdentity);
            }
            if video.room.is_empty() {
                return Err(TokenError::MissingRoom);
            }
        }
        #[cfg(feature = "room-config")]
        if let Some(config) = &self.claims.room_config
            && !self.allow_sensitive_credentials
        {
            crate::room_config::check_credentials(config)?;
        }
        let (nbf, exp) = validity(now, self.ttl)?;
        self.signer.sign_with(&self.claims, Some(nbf), exp)
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
            t.with_ttl(Duration::ZERO).to_jwt_at(at(1)),
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
