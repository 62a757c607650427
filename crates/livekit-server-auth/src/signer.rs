//! [`TokenSigner`]: an API key with its precomputed HMAC key state, signing claims as HS256
//! JWTs.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;

use crate::encode::{self, Fields};
use crate::secret::HmacSha256;
use crate::time::validity;
use crate::{AccessToken, ApiSecret, Claims, HmacKey, TokenError};

/// `base64url({"alg":"HS256","typ":"JWT"})` followed by the `.` that ends the header segment.
const HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.";

/// Length of an unpadded base64url HMAC-SHA256 tag.
const SIGNATURE_LEN: usize = 43;

/// Length of a SHA-256 block.
const BLOCK_LEN: usize = 64;

/// Base64url characters of the payload in the first block of a token.
const FIRST_BLOCK_CHARS: usize = BLOCK_LEN - HEADER.len();

/// Bytes of claims JSON that fix those characters (6 bits each).
const FIRST_BLOCK_JSON: usize = (FIRST_BLOCK_CHARS * 6).div_ceil(8);

/// Length of the unpadded base64url encoding of `len` bytes.
const fn encoded_len(len: usize) -> usize {
    (len * 4).div_ceil(3)
}

/// Signs LiveKit tokens for one API key.
///
/// The HMAC-SHA256 key state is computed once, when the signer is built; each token clones
/// it. With an API key of 12 bytes or more (LiveKit keys have 15), the first SHA-256 block of
/// every token is the same (the header and the start of `{"iss":"<key>"`), and the state
/// after it is computed once too. Cloning a signer is cheap (one reference count), so one
/// signer can be shared by every request of a service client.
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
    inner: Arc<Inner>,
}

struct Inner {
    api_key: Box<str>,
    key: HmacKey,
    /// The first SHA-256 block of every token of this signer, and the HMAC state after it,
    /// if the API key fixes that block: the block holds the header and the base64url of the
    /// first 21 bytes of the claims JSON, which are `{"iss":"` and the key as written with its
    /// closing quote when the key has 12 bytes or more.
    first_block: Option<([u8; BLOCK_LEN], HmacSha256)>,
}

impl Inner {
    fn new(api_key: Box<str>, key: HmacKey) -> Inner {
        let json = encode::iss_prefix(&api_key);
        let first_block = json.get(..FIRST_BLOCK_JSON).map(|fixed| {
            let mut text = [0u8; encoded_len(FIRST_BLOCK_JSON)];
            encode_into(fixed, &mut text);
            let mut block = [0u8; BLOCK_LEN];
            block[..HEADER.len()].copy_from_slice(HEADER.as_bytes());
            block[HEADER.len()..].copy_from_slice(&text[..FIRST_BLOCK_CHARS]);
            let mut state = key.mac();
            state.update(&block);
            (block, state)
        });
        Inner {
            api_key,
            key,
            first_block,
        }
    }
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
            inner: Arc::new(Inner::new(api_key.into_boxed_str(), key)),
        })
    }

    /// The API key (the `iss` of every token this signer makes).
    #[inline]
    pub fn api_key(&self) -> &str {
        &self.inner.api_key
    }

    /// The HMAC key state.
    #[inline]
    pub fn key(&self) -> &HmacKey {
        &self.inner.key
    }

    /// An [`AccessToken`] builder that signs with this signer.
    #[inline]
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
        Ok(Claims::new(self.api_key(), nbf, exp))
    }

    /// Signs `claims` as they are: `iss`, `nbf` and `exp` must already be set. No grant
    /// check is made here (see [`AccessToken`] for the checks on user tokens).
    ///
    /// # Errors
    ///
    /// [`TokenError::IssuerMismatch`] if `claims.iss` is not this signer's API key;
    /// [`TokenError::Encoding`] if `roomConfig` cannot be written as JSON.
    pub fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        if claims.iss != self.api_key() {
            return Err(TokenError::IssuerMismatch);
        }
        self.sign_fields(&Fields::of(claims))
    }

    /// Builds `header.payload.signature` for the claims in `fields` (whose `iss` is the
    /// caller's business) in one buffer: the claims JSON is written behind the room its
    /// base64url text takes, encoded into that room, and cut off.
    pub(crate) fn sign_fields(&self, fields: &Fields<'_>) -> Result<String, TokenError> {
        // Exact unless a string needs escapes.
        let json_len = fields.json_len()?;
        let json_at = HEADER.len() + encoded_len(json_len);
        let mut token = Vec::with_capacity(json_at + json_len.max(1 + SIGNATURE_LEN));
        token.resize(json_at, 0);
        encode::claims(&mut token, fields)?;
        let payload_end = HEADER.len() + encoded_len(token.len() - json_at);
        if payload_end > json_at {
            // Escapes made the text longer: move it out of the way.
            let json = token.split_off(json_at);
            token.resize(payload_end, 0);
            encode_into(&json, &mut token[HEADER.len()..]);
        } else {
            let (head, json) = token.split_at_mut(json_at);
            encode_into(json, &mut head[HEADER.len()..payload_end]);
            token.truncate(payload_end);
        }
        token[..HEADER.len()].copy_from_slice(HEADER.as_bytes());
        let tag = self.mac(&token).finalize().into_bytes();
        token.push(b'.');
        let mut signature = [0u8; SIGNATURE_LEN];
        encode_into(&tag, &mut signature);
        token.extend_from_slice(&signature);
        String::from_utf8(token).map_err(|_| TokenError::Encoding("non-ASCII base64".to_owned()))
    }

    /// The HMAC state after `input`; the first block is not hashed again when it is this
    /// signer's.
    #[inline]
    fn mac(&self, input: &[u8]) -> HmacSha256 {
        match &self.inner.first_block {
            Some((block, state))
                if input
                    .first_chunk::<BLOCK_LEN>()
                    .is_some_and(|first| same_block(first, block)) =>
            {
                let mut mac = state.clone();
                mac.update(&input[BLOCK_LEN..]);
                mac
            }
            _ => {
                let mut mac = self.key().mac();
                mac.update(input);
                mac
            }
        }
    }
}

/// Whether two blocks are equal, in word operations (`==` on them calls `memcmp`).
#[inline]
fn same_block(a: &[u8; BLOCK_LEN], b: &[u8; BLOCK_LEN]) -> bool {
    let word = |bytes: &[u8]| {
        let mut word = [0u8; 8];
        word.copy_from_slice(bytes);
        u64::from_ne_bytes(word)
    };
    let diff = a
        .chunks_exact(8)
        .zip(b.chunks_exact(8))
        .fold(0, |diff, (x, y)| diff | (word(x) ^ word(y)));
    diff == 0
}

/// Encodes `input` as unpadded base64url into `out`, which is exactly as long as the text.
#[inline]
fn encode_into(input: &[u8], out: &mut [u8]) {
    debug_assert_eq!(out.len(), encoded_len(input.len()));
    // `out` has the length of the encoding, so this cannot fail.
    let _ = URL_SAFE_NO_PAD.encode_slice(input, out);
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
    #[cfg(feature = "serde")]
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
    #[cfg(feature = "serde")]
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
            c.room_config = Some(livekit_server_proto::RoomConfiguration {
                name: "room \"with\" quotes".into(),
                max_participants: 3,
                ..Default::default()
            });
            cases.push(c);
        }
        cases
    }

    #[cfg(feature = "serde")]
    #[test]
    fn one_buffer_pipeline_matches_reference() {
        // Keys too short to fix the first block, just long enough, long, escaped, non-ASCII.
        for (key, fixes_first_block) in [
            ("k", false),
            ("APIkey", false),
            ("APIabcdefgh", false),
            ("APIabcdefghi", true),
            ("APIabcdefghijkl", true),
            ("APIbenchKey123", true),
            ("A\"B\\C\u{1}", true),
            ("\"\"\"\"\"\"", true),
            ("ключключ", true),
            ("ключ", false),
        ] {
            let signer = TokenSigner::new(key, &ApiSecret::new("s3cret").unwrap()).unwrap();
            assert_eq!(
                signer.inner.first_block.is_some(),
                fixes_first_block,
                "{key}"
            );
            for claims in claim_sets(key) {
                let jwt = signer.sign(&claims).unwrap();
                assert_eq!(jwt, reference("s3cret", &claims), "{claims:?}");
                if let Some((block, _)) = &signer.inner.first_block {
                    assert!(jwt.as_bytes().starts_with(block));
                }
            }
        }
    }

    #[test]
    fn first_block_state_is_the_full_mac() {
        let signer =
            TokenSigner::new("APIabcdefghijkl", &ApiSecret::new("secret").unwrap()).unwrap();
        let (block, _) = signer.inner.first_block.clone().unwrap();
        for rest in [&b""[..], b"x", b"a.b.c", &[b'z'; 200]] {
            let input = [&block[..], rest].concat();
            let mut full = signer.key().mac();
            full.update(&input);
            assert_eq!(
                signer.mac(&input).finalize().into_bytes(),
                full.finalize().into_bytes()
            );
        }
        // Another first block is hashed from the key state.
        let mut other = block;
        other[BLOCK_LEN - 1] ^= 1;
        let mut full = signer.key().mac();
        full.update(&other);
        assert_eq!(
            signer.mac(&other).finalize().into_bytes(),
            full.finalize().into_bytes()
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn length_without_escapes_is_exact() {
        use crate::grants::every_video_grant;
        use crate::{
            AgentGrants, InferenceGrants, KindDetail, ObservabilityGrants, ParticipantKind,
            SipGrants,
        };
        let mut c = Claims::new("APIkey", 1, 1_700_000_000);
        let check = |c: &Claims| {
            let fields = Fields::of(c);
            assert_eq!(fields.json_len(), Ok(serde_json::to_vec(c).unwrap().len()));
        };
        check(&c);
        c.sub = "id".into();
        c.name = "é".into();
        c.kind = Some(ParticipantKind::Agent);
        c.kind_details = vec![KindDetail::CloudAgent, KindDetail::Simulation];
        c.video = Some(every_video_grant());
        c.sip = Some(SipGrants::default());
        c.agent = Some(AgentGrants {
            dispatch_admin: true,
            ..Default::default()
        });
        c.inference = Some(InferenceGrants { perform: true });
        c.observability = Some(ObservabilityGrants { write: true });
        c.room_preset = "p".into();
        c.metadata = "m".into();
        c.attributes.insert("a".into(), String::new());
        c.attributes.insert("b".into(), "2".into());
        c.sha256 = "h".into();
        check(&c);
        #[cfg(feature = "room-config")]
        {
            c.room_config = Some(livekit_server_proto::RoomConfiguration {
                name: "r".into(),
                ..Default::default()
            });
            check(&c);
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
