//! [`TokenSigner`]: an API key with its precomputed HMAC key state, signing claims as HS256
//! JWTs.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;

use crate::time::validity;
use crate::{AccessToken, ApiSecret, Claims, HmacKey, TokenError, encode};

/// `base64url({"alg":"HS256","typ":"JWT"})` followed by the `.` that ends the header segment.
const HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.";

/// Length of an unpadded base64url HMAC-SHA256 tag.
const SIGNATURE_LEN: usize = 43;

/// Signs LiveKit tokens for one API key.
///
/// The HMAC-SHA256 key state is computed once, when the signer is built; each token clones
/// it. Cloning a signer is cheap (reference counts), so one signer can be shared by every
/// request of a service client.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use livekit_server_auth::{ApiSecret, TokenSigner, VideoGrants};
///
/// let signer = TokenSigner::new("devkey", &ApiSecret::new("secret")?)?;
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let mut claims = signer.claims_at(now, Duration::from_secs(600))?;
/// claims.video = Some(VideoGrants { room_list: true, ..Default::default() });
/// let jwt = signer.sign(&claims)?;
/// assert!(jwt.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
/// # Ok::<(), livekit_server_auth::TokenError>(())
/// ```
#[derive(Clone)]
pub struct TokenSigner {
    api_key: Arc<str>,
    key: HmacKey,
}

impl TokenSigner {
    /// A signer for `api_key` and its secret.
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingCredentials`] if the API key is empty.
    pub fn new(api_key: impl Into<String>, secret: &ApiSecret) -> Result<TokenSigner, TokenError> {
        TokenSigner::with_key(api_key, HmacKey::new(secret))
    }

    /// A signer for `api_key` with a key state computed before.
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingCredentials`] if the API key is empty.
    pub fn with_key(api_key: impl Into<String>, key: HmacKey) -> Result<TokenSigner, TokenError> {
        let api_key = api_key.into();
        if api_key.is_empty() {
            return Err(TokenError::MissingCredentials);
        }
        Ok(TokenSigner {
            api_key: api_key.into(),
            key,
        })
    }

    /// The API key (the `iss` of every token this signer makes).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The HMAC key state.
    pub fn key(&self) -> &HmacKey {
        &self.key
    }

    /// An [`AccessToken`] builder that signs with this signer.
    pub fn access_token(&self) -> AccessToken {
        AccessToken::from_signer(self.clone())
    }

    /// Claims with `iss` = this API key, `nbf` = `now` and `exp` = `now + ttl` (in whole
    /// seconds, rounded down, as Go does), and nothing else.
    ///
    /// # Errors
    ///
    /// [`TokenError::InvalidTtl`] for a zero `ttl` or one that overflows the clock;
    /// [`TokenError::InvalidTime`] if `now` is before the Unix epoch.
    pub fn claims_at(&self, now: SystemTime, ttl: Duration) -> Result<Claims, TokenError> {
        let (nbf, exp) = validity(now, ttl)?;
        Ok(Claims::new(self.api_key.as_ref(), nbf, exp))
    }

    /// Signs `claims` as they are: `iss`, `nbf` and `exp` must already be set. No grant
    /// check is made here (see [`AccessToken`] for the checks on user tokens).
    ///
    /// # Errors
    ///
    /// [`TokenError::IssuerMismatch`] if `claims.iss` is not this signer's API key;
    /// [`TokenError::Encoding`] if `roomConfig` cannot be written as JSON.
    pub fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        self.sign_with(claims, claims.nbf, claims.exp)
    }

    /// Signs `claims` with `nbf` and `exp` replaced.
    pub(crate) fn sign_with(
        &self,
        claims: &Claims,
        nbf: Option<u64>,
        exp: u64,
    ) -> Result<String, TokenError> {
        if claims.iss != *self.api_key {
            return Err(TokenError::IssuerMismatch);
        }
        let mut json = Vec::with_capacity(
            192 + claims.sub.len()
                + claims.name.len()
                + claims.metadata.len()
                + claims
                    .attributes
                    .iter()
                    .map(|(k, v)| k.len() + v.len() + 6)
                    .sum::<usize>(),
        );
        encode::claims(&mut json, claims, nbf, exp)?;
        Ok(self.sign_payload(&json))
    }

    /// Builds `header.payload.signature` for a claims JSON text.
    fn sign_payload(&self, json: &[u8]) -> String {
        let payload_len = json.len().div_ceil(3) * 4;
        let mut token = String::with_capacity(HEADER.len() + payload_len + 1 + SIGNATURE_LEN);
        token.push_str(HEADER);
        URL_SAFE_NO_PAD.encode_string(json, &mut token);
        let mut mac = self.key.mac();
        mac.update(token.as_bytes());
        let tag = mac.finalize().into_bytes();
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut token);
        token
    }
}

impl fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSigner")
            .field("api_key", &self.api_key)
            .field("key", &self.key)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_constant_is_the_encoded_header() {
        let encoded = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        assert_eq!(format!("{encoded}."), HEADER);
    }

    #[test]
    fn known_answer() {
        // Computed independently with Python's `hmac` and `base64` modules.
        const EXPECTED: &str = concat!(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.",
            "eyJpc3MiOiJkZXZrZXkiLCJuYmYiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.",
            "f1tigv8GTa8ddmNl99ZsDDC1o4ARgNiUNckkFjjEmJs"
        );
        let signer = TokenSigner::new("devkey", &ApiSecret::new("secret").unwrap()).unwrap();
        let claims = Claims::new("devkey", 1_700_000_000, 1_700_003_600);
        assert_eq!(signer.sign(&claims).unwrap(), EXPECTED);
    }

    #[test]
    fn issuer_must_match() {
        let signer = TokenSigner::new("k", &ApiSecret::new("s").unwrap()).unwrap();
        assert_eq!(
            signer.sign(&Claims::new("other", 1, 2)),
            Err(TokenError::IssuerMismatch)
        );
        assert!(TokenSigner::new("", &ApiSecret::new("s").unwrap()).is_err());
    }

    #[test]
    fn debug_hides_the_key() {
        let signer = TokenSigner::new("k", &ApiSecret::new("supersecretvalue").unwrap()).unwrap();
        let text = format!("{signer:?}");
        assert!(!text.contains("supersecretvalue"));
        assert!(text.contains("HmacKey(***)"));
    }
}
