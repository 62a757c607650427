//! [`TokenSigner`]: an API key with its precomputed HMAC key state, signing claims as HS256
//! JWTs.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;

use crate::time::validity;
use crate::{ApiSecret, Claims, HmacKey, TokenError};

/// `base64url({"alg":"HS256","typ":"JWT"})` followed by the `.` that ends the header segment.
const HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.";

/// Length of an unpadded base64url HMAC-SHA256 tag.
const SIGNATURE_LEN: usize = 43;

/// Signs LiveKit tokens for one API key.
///
/// The HMAC-SHA256 key state is computed once, when the signer is built; each token clones
/// it. Cloning a signer is cheap (one reference count), so one signer can be shared by every
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
    /// One reference count for both, so that a builder's copy of the signer costs one
    /// atomic increment.
    inner: Arc<(Box<str>, HmacKey)>,
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
            inner: Arc::new((api_key.into_boxed_str(), key)),
        })
    }

    /// The API key (the `iss` of every token this signer makes).
    #[inline]
    pub fn api_key(&self) -> &str {
        &self.inner.0
    }

    /// The HMAC key state.
    #[inline]
    pub fn key(&self) -> &HmacKey {
        &self.inner.1
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
        Ok(Claims::new(self.api_key(), nbf, exp))
    }

    /// Signs `claims` as they are: `iss`, `nbf` and `exp` must already be set. No grant
    /// check is made here (see [`AccessToken`](crate::AccessToken) for the checks on user
    /// tokens).
    ///
    /// # Errors
    ///
    /// [`TokenError::IssuerMismatch`] if `claims.iss` is not this signer's API key;
    /// [`TokenError::Encoding`] if `roomConfig` cannot be written as JSON.
    pub fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        if claims.iss != self.api_key() {
            return Err(TokenError::IssuerMismatch);
        }
        self.sign_json(&json(claims)?)
    }

    /// `header.payload.signature` for the claims text `json`, in one buffer of its final
    /// length.
    pub(crate) fn sign_json(&self, json: &[u8]) -> Result<String, TokenError> {
        let payload_end = HEADER.len() + (json.len() * 4).div_ceil(3);
        let mut token = vec![0; payload_end + 1 + SIGNATURE_LEN];
        token[..HEADER.len()].copy_from_slice(HEADER.as_bytes());
        encode_into(json, &mut token[HEADER.len()..payload_end]);
        let mut mac = self.key().mac();
        mac.update(&token[..payload_end]);
        token[payload_end] = b'.';
        encode_into(&mac.finalize().into_bytes(), &mut token[payload_end + 1..]);
        String::from_utf8(token).map_err(|_| TokenError::Encoding("non-ASCII base64".to_owned()))
    }
}

/// The claims as JSON, with their `Serialize` derive.
pub(crate) fn json(claims: &Claims) -> Result<Vec<u8>, TokenError> {
    let mut json = Vec::with_capacity(256);
    serde_json::to_writer(&mut json, claims).map_err(|e| TokenError::Encoding(e.to_string()))?;
    Ok(json)
}

/// Encodes `input` as unpadded base64url into `out`, which is exactly as long as the text.
fn encode_into(input: &[u8], out: &mut [u8]) {
    let written = URL_SAFE_NO_PAD.encode_slice(input, out);
    debug_assert_eq!(written, Ok(out.len()));
}

impl fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSigner")
            .field("api_key", &self.api_key())
            .field("key", self.key())
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

    /// The token as `serde_json`, the `base64` crate and a freshly keyed HMAC make it.
    fn reference(secret: &str, claims: &Claims) -> String {
        use hmac::Hmac;
        use sha2::Sha256;
        let mut input = HEADER.to_owned();
        URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims).unwrap(), &mut input);
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(input.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{input}.{tag}")
    }

    /// Claims of every sort for `iss`: minimal, typical, JSON texts of every length modulo 3
    /// with and without escapes, escapes taking six times the bytes, a room configuration.
    fn claim_sets(iss: &str) -> Vec<Claims> {
        use crate::{ParticipantKind, VideoGrants};
        let mut claims = Claims::new(iss, 1_700_000_000, 1_700_003_600);
        let mut cases = vec![claims.clone()];
        claims.nbf = None;
        claims.exp = 7;
        cases.push(claims.clone());
        claims.exp = u64::MAX;
        claims.sub = "participant-identity".into();
        claims.name = "Participant Name".into();
        claims.video = Some(VideoGrants::join("my-room"));
        claims.attributes.insert("mykey".into(), "myvalue".into());
        cases.push(claims.clone());
        for extra in ["", "x", "xy", "\"", "\"\"", "\u{1}", "é\n", "\t\t\t"] {
            let mut c = claims.clone();
            c.metadata = format!("{{\"role\":\"host\"}}{extra}");
            cases.push(c);
        }
        let controls: String = std::iter::repeat_n('\u{2}', 300).collect();
        let mut c = claims.clone();
        c.sub = controls.clone();
        c.name = controls.clone();
        c.kind = Some(ParticipantKind::Unknown(controls.clone()));
        c.room_preset = controls.clone();
        c.sha256 = controls.clone();
        c.attributes.insert(controls.clone(), controls.clone());
        cases.push(c);
        #[cfg(feature = "room-config")]
        {
            let mut c = claims.clone();
            c.room_config = Some(Box::new(livekit_server_proto::RoomConfiguration {
                name: "room \"with\" quotes".into(),
                max_participants: 3,
                ..Default::default()
            }));
            cases.push(c);
        }
        cases
    }

    #[test]
    fn one_buffer_pipeline_matches_reference() {
        // Short, long, escaped and non-ASCII keys.
        for key in ["k", "APIbenchKey123", "A\"B\\C\u{1}", "ключ"] {
            let signer = TokenSigner::new(key, &ApiSecret::new("s3cret").unwrap()).unwrap();
            for claims in claim_sets(key) {
                let jwt = signer.sign(&claims).unwrap();
                assert_eq!(jwt, reference("s3cret", &claims), "{claims:?}");
            }
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let signer = TokenSigner::new("k", &ApiSecret::new("supersecretvalue").unwrap()).unwrap();
        let text = format!("{signer:?}");
        assert!(!text.contains("supersecretvalue"));
        assert!(text.contains("HmacKey(***)"));
    }
}
