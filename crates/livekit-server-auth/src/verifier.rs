//! [`TokenVerifier`]: strict HS256 verification of LiveKit tokens, with one key or a
//! [`KeyProvider`] that selects the secret by `iss`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny};
use serde_json::Value;
use serde_json::error::Category;

use crate::error::Segment;
use crate::time::{unix_nanos, unix_secs};
use crate::{ApiSecret, Claims, HmacKey, TokenError, TokenSigner};

/// Default clock leeway, the server's (`livekit/protocol` `tokenLeeway`).
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// Default maximum token length in bytes.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 64 * 1024;

/// Encoded headers accepted without decoding them: what the LiveKit SDKs write.
const KNOWN_HEADERS: [&str; 3] = [
    // {"alg":"HS256","typ":"JWT"} (Go, Python, this crate)
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    // {"alg":"HS256"} (Node)
    "eyJhbGciOiJIUzI1NiJ9",
    // {"typ":"JWT","alg":"HS256"} (official Rust, jsonwebtoken)
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9",
];

/// Finds the secret for an API key (the token's `iss`).
///
/// The verifier asks for the key named by the token and never tries other secrets. Closures
/// `Fn(&str) -> Option<HmacKey>` are providers too.
pub trait KeyProvider: Send + Sync {
    /// The key state for `api_key`, or `None` if the key is unknown.
    fn secret(&self, api_key: &str) -> Option<HmacKey>;
}

impl<F> KeyProvider for F
where
    F: Fn(&str) -> Option<HmacKey> + Send + Sync,
{
    fn secret(&self, api_key: &str) -> Option<HmacKey> {
        self(api_key)
    }
}

/// A fixed set of API keys and secrets.
///
/// ```
/// use livekit_server_auth::{StaticKeyProvider, TokenVerifier};
///
/// let keys = StaticKeyProvider::new().with_key("key-a", "secret-a")?.with_key("key-b", "secret-b")?;
/// let verifier = TokenVerifier::with_key_provider(keys);
/// # Ok::<(), livekit_server_auth::TokenError>(())
/// ```
#[derive(Clone, Default)]
pub struct StaticKeyProvider {
    keys: HashMap<String, HmacKey>,
}

impl StaticKeyProvider {
    /// An empty provider.
    pub fn new() -> StaticKeyProvider {
        StaticKeyProvider::default()
    }

    /// Adds (or replaces) a key.
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingCredentials`] if the key or the secret is empty.
    pub fn with_key(
        mut self,
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> Result<StaticKeyProvider, TokenError> {
        self.insert(api_key, &ApiSecret::new(api_secret)?)?;
        Ok(self)
    }

    /// Adds (or replaces) a key.
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingCredentials`] if the key is empty.
    pub fn insert(
        &mut self,
        api_key: impl Into<String>,
        api_secret: &ApiSecret,
    ) -> Result<(), TokenError> {
        let api_key = api_key.into();
        if api_key.is_empty() {
            return Err(TokenError::MissingCredentials);
        }
        self.keys.insert(api_key, HmacKey::new(api_secret));
        Ok(())
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there is no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl KeyProvider for StaticKeyProvider {
    fn secret(&self, api_key: &str) -> Option<HmacKey> {
        self.keys.get(api_key).cloned()
    }
}

impl fmt::Debug for StaticKeyProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        keys.sort_unstable();
        f.debug_struct("StaticKeyProvider")
            .field("api_keys", &keys)
            .finish()
    }
}

#[derive(Clone)]
enum Keys {
    Single(TokenSigner),
    Provider(Arc<dyn KeyProvider>),
}

/// Verifies LiveKit access tokens (and the tokens of webhook requests).
///
/// Rules (see RELIABILITY.md of this project): at most [`DEFAULT_MAX_TOKEN_LEN`] bytes
/// (checked first); exactly three canonical unpadded base64url segments; a header whose `alg`
/// is `HS256` and without `crit` (`kid`, `jku` and the like are ignored); the key selected by
/// `iss` and the HMAC checked in constant time (with one key, before the claims are parsed;
/// with a [`KeyProvider`], after they are parsed to find `iss`); claims JSON that is one
/// object, without a claim (or grant field) given twice, byte order mark, invalid UTF-8, lone
/// surrogate escapes or nesting deeper than 64 (these two in unknown members too; members
/// this crate does not know are otherwise ignored, duplicates included, as in Go); `iss`
/// required; `exp` required; `exp` and `nbf` JSON numbers no later than
/// `i64::MAX - 62_135_596_800` seconds (beyond it Go's time arithmetic overflows and the
/// server reads the token as expired), rounded down to whole seconds like Go; the token is
/// refused when `now >= exp + leeway` or `now < nbf - leeway` (`iat` is not checked, as on
/// the server); grants and `roomConfig` JSON objects (not arrays, which a derive would read
/// by position). Unknown claims and grant fields are ignored; `null` counts as absent, and
/// reads as `""` in a string list or map (`attributes`, `kindDetails`,
/// `canPublishSources`), as in Go. The claims are read with [`Claims`]' `Deserialize`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use livekit_server_auth::{AccessToken, TokenError, TokenVerifier, VideoGrants};
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let jwt = AccessToken::new("devkey", "secret")?
///     .with_identity("alice")
///     .with_grants(VideoGrants::join("my-room"))
///     .to_jwt_at(now)?;
///
/// let verifier = TokenVerifier::new("devkey", "secret")?;
/// let claims = verifier.verify_at(&jwt, now)?;
/// assert_eq!(claims.identity(), Some("alice"));
///
/// let later = now + Duration::from_secs(7 * 3600);
/// assert!(matches!(verifier.verify_at(&jwt, later), Err(TokenError::Expired { .. })));
/// # Ok::<(), TokenError>(())
/// ```
#[derive(Clone)]
pub struct TokenVerifier {
    keys: Keys,
    leeway: Duration,
    max_len: usize,
}

impl TokenVerifier {
    /// A verifier for one API key.
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingCredentials`] if the key or the secret is empty.
    pub fn new(
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> Result<TokenVerifier, TokenError> {
        let signer = TokenSigner::new(api_key, &ApiSecret::new(api_secret)?)?;
        Ok(TokenVerifier::from_signer(signer))
    }

    /// A verifier for the key of a signer.
    pub fn from_signer(signer: TokenSigner) -> TokenVerifier {
        TokenVerifier::build(Keys::Single(signer))
    }

    /// A verifier that looks up the secret for each token's `iss`.
    pub fn with_key_provider(provider: impl KeyProvider + 'static) -> TokenVerifier {
        TokenVerifier::build(Keys::Provider(Arc::new(provider)))
    }

    fn build(keys: Keys) -> TokenVerifier {
        TokenVerifier {
            keys,
            leeway: DEFAULT_LEEWAY,
            max_len: DEFAULT_MAX_TOKEN_LEN,
        }
    }

    /// Sets the clock leeway applied to `exp` and `nbf` (default 60 s, like the server).
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> TokenVerifier {
        self.leeway = leeway;
        self
    }

    /// Sets the maximum token length in bytes (default 64 KiB), checked before decoding.
    #[must_use]
    pub fn with_max_token_len(mut self, max: usize) -> TokenVerifier {
        self.max_len = max;
        self
    }

    /// The clock leeway.
    pub fn leeway(&self) -> Duration {
        self.leeway
    }

    /// Verifies a token against the current time.
    ///
    /// # Errors
    ///
    /// See [`verify_at`](Self::verify_at).
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_at(token, crate::time::now())
    }

    /// Verifies a token as of `now`, and returns its claims.
    ///
    /// # Errors
    ///
    /// A [`TokenError`] that says which rule the token broke: [`TooLarge`], [`Malformed`],
    /// [`MalformedEncoding`], [`MalformedHeader`], [`UnsupportedAlgorithm`],
    /// [`UnsupportedCritical`], [`DuplicateMember`], [`InvalidUtf8`], [`MalformedClaims`],
    /// [`InvalidClaimType`], [`DateOutOfRange`], [`MissingClaim`], [`IssuerMismatch`],
    /// [`UnknownKey`],
    /// [`BadSignature`], [`Expired`], [`NotYetValid`].
    ///
    /// [`TooLarge`]: TokenError::TooLarge
    /// [`Malformed`]: TokenError::Malformed
    /// [`MalformedEncoding`]: TokenError::MalformedEncoding
    /// [`MalformedHeader`]: TokenError::MalformedHeader
    /// [`UnsupportedAlgorithm`]: TokenError::UnsupportedAlgorithm
    /// [`UnsupportedCritical`]: TokenError::UnsupportedCritical
    /// [`DuplicateMember`]: TokenError::DuplicateMember
    /// [`InvalidUtf8`]: TokenError::InvalidUtf8
    /// [`MalformedClaims`]: TokenError::MalformedClaims
    /// [`InvalidClaimType`]: TokenError::InvalidClaimType
    /// [`DateOutOfRange`]: TokenError::DateOutOfRange
    /// [`MissingClaim`]: TokenError::MissingClaim
    /// [`IssuerMismatch`]: TokenError::IssuerMismatch
    /// [`UnknownKey`]: TokenError::UnknownKey
    /// [`BadSignature`]: TokenError::BadSignature
    /// [`Expired`]: TokenError::Expired
    /// [`NotYetValid`]: TokenError::NotYetValid
    pub fn verify_at(&self, token: &str, now: SystemTime) -> Result<Claims, TokenError> {
        with_decoded(token, self.max_len, |signing_input, sig, payload| {
            let claims = match &self.keys {
                Keys::Single(signer) => {
                    if !mac_matches(signer.key(), signing_input, sig) {
                        return Err(classify_bad_mac(payload, signer.api_key()));
                    }
                    let claims = parse_claims(payload)?;
                    if claims.iss != signer.api_key() {
                        return Err(issuer_error(&claims));
                    }
                    claims
                }
                Keys::Provider(provider) => {
                    let claims = parse_claims(payload)?;
                    if claims.iss.is_empty() {
                        return Err(TokenError::MissingClaim("iss"));
                    }
                    let key = provider
                        .secret(&claims.iss)
                        .ok_or_else(|| TokenError::UnknownKey(claims.iss.clone()))?;
                    if !mac_matches(&key, signing_input, sig) {
                        return Err(TokenError::BadSignature);
                    }
                    claims
                }
            };
            self.check_time(&claims, payload, now)?;
            Ok(claims)
        })
    }

    fn check_time(
        &self,
        claims: &Claims,
        payload: &str,
        now: SystemTime,
    ) -> Result<(), TokenError> {
        const NANOS: i128 = 1_000_000_000;
        // An `exp` of 0 is also what an absent or `null` one decodes to; tell them apart.
        if claims.exp == 0 && matches!(member(payload, "exp"), None | Some(Value::Null)) {
            return Err(TokenError::MissingClaim("exp"));
        }
        let now_ns = unix_nanos(now);
        let leeway_ns = i128::try_from(self.leeway.as_nanos()).unwrap_or(i128::MAX);
        if now_ns >= (i128::from(claims.exp) * NANOS).saturating_add(leeway_ns) {
            return Err(TokenError::Expired {
                exp: claims.exp,
                now: unix_secs(now),
            });
        }
        if let Some(nbf) = claims.nbf
            && now_ns < (i128::from(nbf) * NANOS).saturating_sub(leeway_ns)
        {
            return Err(TokenError::NotYetValid {
                nbf,
                now: unix_secs(now),
            });
        }
        Ok(())
    }
}

impl fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TokenVerifier");
        match &self.keys {
            Keys::Single(signer) => d.field("api_key", &signer.api_key()),
            Keys::Provider(_) => d.field("keys", &"<key provider>"),
        };
        d.field("leeway", &self.leeway)
            .field("max_token_len", &self.max_len)
            .finish()
    }
}

/// What every token must be before any key is used: at most `max_len` bytes, three segments,
/// an HS256 header, canonical base64url, a UTF-8 payload. Passes the signing input, the
/// decoded signature and the payload text to `then`.
///
/// The signature and the payload are decoded into buffers on the stack when they fit (they
/// do for the tokens SDKs write), which saves two allocations per verification.
fn with_decoded<T>(
    token: &str,
    max_len: usize,
    then: impl FnOnce(&str, &[u8], &str) -> Result<T, TokenError>,
) -> Result<T, TokenError> {
    if token.len() > max_len {
        return Err(TokenError::TooLarge {
            len: token.len(),
            max: max_len,
        });
    }
    let parts = split(token)?;
    if !KNOWN_HEADERS.contains(&parts.header) {
        let mut header = Vec::new();
        check_header(decode(parts.header, Segment::Header, &mut [], &mut header)?)?;
    }
    let (mut tag, mut tag_heap) = ([0; TAG_BYTES + 1], Vec::new());
    let sig = decode(parts.signature, Segment::Signature, &mut tag, &mut tag_heap)?;
    let (mut text, mut text_heap) = ([0; PAYLOAD_ON_STACK], Vec::new());
    let payload = decode(parts.payload, Segment::Payload, &mut text, &mut text_heap)?;
    let payload = std::str::from_utf8(payload).map_err(|_| TokenError::InvalidUtf8)?;
    then(parts.signing_input, sig, payload)
}

/// The decoded length of an HS256 tag; base64's length estimate for its 43 characters is one
/// byte more.
const TAG_BYTES: usize = 32;

/// The longest payload decoded on the stack (a participant token's claims are about 200
/// bytes).
const PAYLOAD_ON_STACK: usize = 512;

/// [`crate::dangerous::decode_unverified`]: the checks of [`with_decoded`] and the claims'
/// JSON rules, and nothing that needs a key or a clock.
pub(crate) fn decode_unverified(token: &str) -> Result<Claims, TokenError> {
    with_decoded(token, DEFAULT_MAX_TOKEN_LEN, |_, _, payload| {
        parse_claims(payload)
    })
}

/// The segments of a compact JWS.
struct Parts<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
    /// `header.payload`, the bytes the MAC covers.
    signing_input: &'a str,
}

fn split(token: &str) -> Result<Parts<'_>, TokenError> {
    if token.len() >= 7 && token.as_bytes()[..7].eq_ignore_ascii_case(b"bearer ") {
        return Err(TokenError::Malformed);
    }
    // The first dot ends the (short) header. The last one is looked for where an HS256 tag
    // of 43 characters puts it, then searched for from the end. The dots in the bytes
    // between are counted with a branch-free (vectorised) pass.
    let bytes = token.as_bytes();
    let Some(first) = token.find('.') else {
        return Err(TokenError::Malformed);
    };
    let second = match bytes.len().checked_sub(TAG_CHARS + 1) {
        Some(at) if at > first && bytes[at] == b'.' && !has_dot(&bytes[at + 1..]) => at,
        _ => token.rfind('.').unwrap_or(first),
    };
    if second == first || has_dot(&bytes[first + 1..second]) {
        return Err(TokenError::Malformed);
    }
    let header = &token[..first];
    let payload = &token[first + 1..second];
    if header.is_empty() || payload.is_empty() {
        return Err(TokenError::Malformed);
    }
    Ok(Parts {
        header,
        payload,
        signature: &token[second + 1..],
        signing_input: &token[..second],
    })
}

/// The length of a base64url HMAC-SHA256 tag.
const TAG_CHARS: usize = 43;

/// Whether `bytes` holds a `.`, without branching on each byte (so the loop vectorises).
fn has_dot(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |any, &b| any | u8::from(b == b'.')) != 0
}

/// The claims, read with [`Claims`]' `Deserialize` after the checks it cannot make
/// ([`strict::check`](crate::strict::check)).
fn parse_claims(payload: &str) -> Result<Claims, TokenError> {
    if !is_object(payload) {
        return Err(TokenError::MalformedClaims(
            "the claims are not a JSON object".into(),
        ));
    }
    crate::strict::check(payload)?;
    serde_json::from_str(payload).map_err(|e| claims_error(payload, &e))
}

/// A typed error for a failed `Claims` deserialization: worked out again, on this error path
/// only, from the claims one by one.
fn claims_error(payload: &str, e: &serde_json::Error) -> TokenError {
    if let Some(name) = duplicate_field(e) {
        return TokenError::DuplicateMember(name);
    }
    let members = match serde_json::from_str::<serde_json::Map<String, Value>>(payload) {
        Ok(members) if e.classify() == Category::Data => members,
        Ok(_) => return TokenError::MalformedClaims(e.to_string()),
        Err(_) if e.classify() == Category::Data => {
            return TokenError::MalformedClaims("the claims are not a JSON object".into());
        }
        Err(_) => return TokenError::MalformedClaims(e.to_string()),
    };
    for (name, value) in members {
        let Some(&claim) = CLAIMS.iter().find(|claim| **claim == name) else {
            continue;
        };
        let number = value.is_number();
        let alone = Value::Object([(name, value)].into_iter().collect());
        if serde_json::from_value::<Claims>(alone).is_ok() {
            continue;
        }
        return match claim {
            "iss" => TokenError::IssuerMismatch,
            "exp" | "nbf" if number => TokenError::DateOutOfRange { claim },
            _ => TokenError::InvalidClaimType { claim },
        };
    }
    TokenError::MalformedClaims(e.to_string())
}

/// Whether a JSON text starts with an object (a derive also reads a struct from an array).
fn is_object(text: &str) -> bool {
    text.trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
}

/// The member a derive's `duplicate field` error names.
fn duplicate_field(e: &serde_json::Error) -> Option<String> {
    let text = e.to_string();
    let name = text.strip_prefix("duplicate field `")?.split('`').next()?;
    Some(name.to_owned())
}

/// A top-level member of the claims text (which has been parsed before), if it has one.
fn member(payload: &str, name: &str) -> Option<Value> {
    serde_json::from_str::<serde_json::Map<String, Value>>(payload)
        .ok()?
        .remove(name)
}

/// The error for claims whose `iss` is not the verifier's key.
fn issuer_error(claims: &Claims) -> TokenError {
    if claims.iss.is_empty() {
        TokenError::MissingClaim("iss")
    } else {
        TokenError::IssuerMismatch
    }
}

/// The names of every claim [`Claims`] has, for errors.
const CLAIMS: [&str; 17] = [
    "iss",
    "sub",
    "nbf",
    "exp",
    "name",
    "kind",
    "kindDetails",
    "video",
    "sip",
    "agent",
    "inference",
    "observability",
    "roomConfig",
    "roomPreset",
    "metadata",
    "attributes",
    "sha256",
];

/// The JOSE header members this crate reads.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, deserialize_with = "present")]
    crit: bool,
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer).map(|_| true)
}

/// Checks a decoded JOSE header: a JSON object whose `alg` is exactly `HS256`, without `crit`.
/// Other members (`typ`, `kid`, `jku`, …) are ignored and never acted upon.
fn check_header(header: &[u8]) -> Result<(), TokenError> {
    let header = std::str::from_utf8(header).map_err(|_| TokenError::MalformedHeader)?;
    if !is_object(header) {
        return Err(TokenError::MalformedHeader);
    }
    crate::strict::check(header).map_err(|_| TokenError::MalformedHeader)?;
    let header: Header = serde_json::from_str(header).map_err(|e| match duplicate_field(&e) {
        Some(name) => TokenError::DuplicateMember(name),
        None => TokenError::MalformedHeader,
    })?;
    match header.alg {
        Some(alg) if alg != "HS256" => Err(TokenError::UnsupportedAlgorithm(alg)),
        Some(_) if header.crit => Err(TokenError::UnsupportedCritical),
        Some(_) => Ok(()),
        None => Err(TokenError::MalformedHeader),
    }
}

/// Canonical unpadded base64url (RFC 7515 §2): the `base64` crate's URL-safe no-pad engine
/// refuses padding, `+`/`/`, whitespace, non-ASCII and non-zero trailing bits. Decodes into
/// `stack` when the segment fits, else into `heap`.
fn decode<'b>(
    segment: &str,
    which: Segment,
    stack: &'b mut [u8],
    heap: &'b mut Vec<u8>,
) -> Result<&'b [u8], TokenError> {
    let room = base64::decoded_len_estimate(segment.len());
    let buf = if room <= stack.len() {
        stack
    } else {
        heap.resize(room, 0);
        heap.as_mut_slice()
    };
    let len = URL_SAFE_NO_PAD
        .decode_slice(segment, buf)
        .map_err(|_| TokenError::MalformedEncoding { segment: which })?;
    Ok(&buf[..len])
}

/// Constant-time MAC check.
fn mac_matches(key: &HmacKey, signing_input: &str, sig: &[u8]) -> bool {
    let mut mac = key.mac();
    mac.update(signing_input.as_bytes());
    mac.verify_slice(sig).is_ok()
}

/// Why a token failed the single-key MAC check: a missing or foreign `iss` says more than
/// "bad signature" (and matches what a key lookup by `iss` would report); otherwise nothing
/// of the unauthenticated claims is reported.
fn classify_bad_mac(payload: &str, api_key: &str) -> TokenError {
    match serde_json::from_str::<Claims>(payload) {
        Ok(claims) if claims.iss != api_key => issuer_error(&claims),
        _ => TokenError::BadSignature,
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::{KindDetail, TrackSource, VideoGrants};

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn token(claims: &Claims, secret: &str) -> String {
        TokenSigner::new(claims.iss.clone(), &ApiSecret::new(secret).unwrap())
            .unwrap()
            .sign(claims)
            .unwrap()
    }

    #[test]
    fn known_headers_are_what_they_claim() {
        for (encoded, json) in KNOWN_HEADERS.iter().zip([
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"alg":"HS256"}"#,
            r#"{"typ":"JWT","alg":"HS256"}"#,
        ]) {
            assert_eq!(URL_SAFE_NO_PAD.encode(json), *encoded);
            assert_eq!(check_header(json.as_bytes()), Ok(()));
        }
    }

    #[test]
    fn header_rules() {
        let check = |json: &str| check_header(json.as_bytes());
        assert_eq!(
            check(r#"{"alg":"HS256","kid":"../x","jku":"http://x"}"#),
            Ok(())
        );
        assert_eq!(check(r#"{"alg":"HS256"} "#), Ok(()));
        for (json, error) in [
            (
                r#"{"alg":"none"}"#,
                TokenError::UnsupportedAlgorithm("none".into()),
            ),
            (
                r#"{"alg":"hs256"}"#,
                TokenError::UnsupportedAlgorithm("hs256".into()),
            ),
            (r#"{"typ":"JWT"}"#, TokenError::MalformedHeader),
            (r#"{"alg":["HS256"]}"#, TokenError::MalformedHeader),
            (r#"["HS256"]"#, TokenError::MalformedHeader),
            (r#"{"alg":"HS256"}x"#, TokenError::MalformedHeader),
            (
                r#"{"alg":"HS256","crit":null}"#,
                TokenError::UnsupportedCritical,
            ),
            (
                r#"{"alg":"none","alg":"HS256"}"#,
                TokenError::DuplicateMember("alg".into()),
            ),
            (
                r#"{"alg":"HS256","x":"\udc00"}"#,
                TokenError::MalformedHeader,
            ),
        ] {
            assert_eq!(check(json), Err(error), "{json}");
        }
        assert_eq!(
            check_header(b"{\"alg\":\"\xff\"}"),
            Err(TokenError::MalformedHeader)
        );
    }

    /// A token of `key`/`s` over the claims text `json`, as written.
    fn raw(json: &str) -> String {
        let input = format!(
            "{KNOWN}.{}",
            URL_SAFE_NO_PAD.encode(json),
            KNOWN = KNOWN_HEADERS[0]
        );
        let mut mac = HmacKey::new(&ApiSecret::new("s").unwrap()).mac();
        mac.update(input.as_bytes());
        format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    #[test]
    fn claims_rules() {
        let verifier = TokenVerifier::new("k", "s").unwrap();
        let verify = |json: &str| verifier.verify_at(&raw(json), at(1));
        let claims = verify(
            r#"{"iss":"k","exp":2,"nbf":null,"sub":null,"video":{"room":null,"roomAdmin":null,
               "canPublish":null,"canPublishSources":null,"x":{"y":[1]}},"sip":null,
               "attributes":null,"kindDetails":null,"future":{"a":1}}"#,
        )
        .unwrap();
        assert_eq!(
            (claims.video, claims.sip, claims.nbf),
            (Some(VideoGrants::default()), None, None)
        );
        let errors = [
            (
                r#"{"iss":"k","exp":2,"video":"admin"}"#,
                TokenError::InvalidClaimType { claim: "video" },
            ),
            (
                r#"{"iss":"k","exp":2,"video":{"roomAdmin":"true"}}"#,
                TokenError::InvalidClaimType { claim: "video" },
            ),
            (
                r#"{"iss":"k","exp":2,"attributes":{"a":1}}"#,
                TokenError::InvalidClaimType {
                    claim: "attributes",
                },
            ),
            (
                r#"{"iss":"k","exp":2,"sip":{"call":1}}"#,
                TokenError::InvalidClaimType { claim: "sip" },
            ),
            (
                r#"{"iss":"k","exp":2,"sha256":false}"#,
                TokenError::InvalidClaimType { claim: "sha256" },
            ),
            (
                r#"{"iss":"k","exp":"1"}"#,
                TokenError::InvalidClaimType { claim: "exp" },
            ),
            (
                r#"{"iss":"k","exp":2,"nbf":true}"#,
                TokenError::InvalidClaimType { claim: "nbf" },
            ),
            (r#"{"iss":"k","exp":null}"#, TokenError::MissingClaim("exp")),
            (r#"{"iss":null,"exp":2}"#, TokenError::MissingClaim("iss")),
            (r#"{"iss":1,"exp":2}"#, TokenError::IssuerMismatch),
            (r#"{"iss":"","exp":2}"#, TokenError::MissingClaim("iss")),
            (r#"{"iss":"k"}"#, TokenError::MissingClaim("exp")),
            (
                r#"{"iss":"k","exp":1e19}"#,
                TokenError::DateOutOfRange { claim: "exp" },
            ),
            (
                r#"{"iss":"k","exp":2,"exp":3}"#,
                TokenError::DuplicateMember("exp".into()),
            ),
            (
                r#"{"iss":"k","exp":2,"video":{"room":"a","room":"b"}}"#,
                TokenError::DuplicateMember("room".into()),
            ),
        ];
        for (json, error) in errors {
            assert_eq!(verify(json), Err(error), "{json}");
        }
        // Duplicates of members `Claims` does not know are not its business (Go keeps the
        // last); a map takes the last value too.
        let claims =
            verify(r#"{"iss":"k","exp":2,"u":{"v":1,"v":2},"attributes":{"a":"1","a":"2"}}"#);
        assert_eq!(claims.unwrap().attributes["a"], "2");
        for json in [
            "[]",
            "\"x\"",
            r#"{"iss":"k","exp":2} {}"#,
            r#"{"iss":"k","exp":2,"x":"\udc00"}"#,
        ] {
            assert!(
                matches!(verify(json), Err(TokenError::MalformedClaims(_))),
                "{json}"
            );
        }
    }

    #[test]
    fn grants_written_as_arrays_are_refused() {
        // A derive reads a struct from an array, by position; Go's `encoding/json` refuses it.
        let verifier = TokenVerifier::new("k", "s").unwrap();
        for (claim, array) in [
            ("video", r#"[true,true,true,true,true,"my-room"]"#),
            ("video", "[]"),
            ("sip", "[true,true]"),
            ("agent", "[true,true,true,true]"),
            ("inference", "[true]"),
            ("observability", "[true]"),
            ("roomConfig", r#"["my-room"]"#),
        ] {
            let json = format!(r#"{{"iss":"k","exp":2,"{claim}":{array}}}"#);
            assert_eq!(
                verifier.verify_at(&raw(&json), at(1)),
                Err(TokenError::InvalidClaimType { claim }),
                "{json}"
            );
            assert_eq!(
                decode_unverified(&raw(&json)),
                Err(TokenError::InvalidClaimType { claim }),
                "{json}"
            );
        }
    }

    #[test]
    fn null_strings_read_as_empty() {
        // Go reads `null` into a string as "" (Node's SDK writes `"team":null`).
        let verifier = TokenVerifier::new("k", "s").unwrap();
        let claims = verifier.verify_at(
            &raw(
                r#"{"iss":"k","exp":2,"attributes":{"role":"admin","team":null},
                "kindDetails":[null,"forwarded"],"video":{"canPublishSources":["camera",null]}}"#,
            ),
            at(1),
        );
        let claims = claims.unwrap();
        assert_eq!(
            (
                claims.attributes["role"].as_str(),
                claims.attributes["team"].as_str()
            ),
            ("admin", "")
        );
        assert_eq!(
            claims.kind_details,
            [KindDetail::Unknown(String::new()), KindDetail::Forwarded]
        );
        assert_eq!(
            claims.video.unwrap().can_publish_sources,
            [TrackSource::Camera, TrackSource::Unknown(String::new())]
        );
        for (json, claim) in [
            (r#""attributes":{"a":[]}"#, "attributes"),
            (r#""kindDetails":[1]"#, "kindDetails"),
            (r#""kindDetails":[[]]"#, "kindDetails"),
            (r#""video":{"canPublishSources":[true]}"#, "video"),
        ] {
            let json = format!(r#"{{"iss":"k","exp":2,{json}}}"#);
            assert_eq!(
                verifier.verify_at(&raw(&json), at(1)),
                Err(TokenError::InvalidClaimType { claim }),
                "{json}"
            );
        }
    }

    #[test]
    fn latest_date() {
        // `i64::MAX - 62_135_596_800`: beyond it Go's time arithmetic overflows and the
        // server reads the token as expired.
        let latest = 9_223_371_974_719_179_007_u64;
        let verifier = TokenVerifier::new("k", "s").unwrap();
        let verify = |dates: String| {
            let json = format!(r#"{{"iss":"k",{dates}}}"#);
            verifier.verify_at(&raw(&json), at(1))
        };
        // What the reviewer measured in Go: 9223371974719179000 accepted, ...180000 refused.
        for exp in [
            latest.to_string(),
            "9223371974719179000".into(),
            "9.2e18".into(),
        ] {
            assert!(verify(format!(r#""exp":{exp}"#)).is_ok(), "{exp}");
        }
        assert_eq!(
            verify(format!(r#""exp":{latest},"nbf":{latest}"#)),
            Err(TokenError::NotYetValid {
                nbf: latest,
                now: 1
            })
        );
        for (dates, claim) in [
            (format!(r#""exp":{}"#, latest + 1), "exp"),
            (r#""exp":9223371974719180000"#.into(), "exp"),
            (r#""exp":9223372036854775807"#.into(), "exp"),
            (r#""exp":9.223372e18"#.into(), "exp"),
            (format!(r#""exp":2,"nbf":{}"#, latest + 1), "nbf"),
        ] {
            assert_eq!(
                verify(dates.clone()),
                Err(TokenError::DateOutOfRange { claim }),
                "{dates}"
            );
        }
    }

    #[test]
    fn split_rules() {
        assert!(split("a.b.c").is_ok());
        assert!(split("a.b.").is_ok());
        for bad in [
            "",
            "..",
            "a.b",
            "a.b.c.d",
            ".b.c",
            "a..c",
            "Bearer a.b.c",
            "bearer a.b.c",
        ] {
            assert!(matches!(split(bad), Err(TokenError::Malformed)), "{bad}");
        }
    }

    #[test]
    fn split_finds_every_segment() {
        let tag = "t".repeat(TAG_CHARS);
        let whole = format!("h.p.{tag}");
        let parts = split(&whole).unwrap();
        assert_eq!(
            (parts.header, parts.payload, parts.signature),
            ("h", "p", &*tag)
        );
        assert_eq!(parts.signing_input, "h.p");
        // A dot where a 43-character tag would start, but more dots after it.
        let odd = format!("h.p.{}.x", &tag[..TAG_CHARS - 2]);
        assert!(matches!(split(&odd), Err(TokenError::Malformed)));
        let odd = format!("h.{tag}.x.y");
        assert!(matches!(split(&odd), Err(TokenError::Malformed)));
        // The header itself may end where a tag would start.
        let short = format!("h.{}", &tag[..TAG_CHARS - 1]);
        assert!(matches!(split(&short), Err(TokenError::Malformed)));
    }

    proptest::proptest! {
        #[test]
        fn split_matches_a_plain_split(
            segments in proptest::collection::vec("[a-z.]{0,6}|[a-z]{40,46}", 1..5)
        ) {
            let token = segments.join(".");
            let plain: Vec<&str> = token.split('.').collect();
            match split(&token) {
                Ok(parts) => {
                    proptest::prop_assert_eq!(
                        vec![parts.header, parts.payload, parts.signature],
                        plain.clone()
                    );
                    proptest::prop_assert!(!plain[0].is_empty() && !plain[1].is_empty());
                }
                Err(e) => {
                    proptest::prop_assert_eq!(e, TokenError::Malformed);
                    proptest::prop_assert!(
                        plain.len() != 3 || plain[0].is_empty() || plain[1].is_empty()
                    );
                }
            }
        }
    }

    #[test]
    fn payloads_of_every_size() {
        let verifier = TokenVerifier::new("k", "s").unwrap();
        // Far below and beyond the stack buffer, then every length across its end (the
        // claims add 44 bytes to the metadata).
        let around = (PAYLOAD_ON_STACK - 60)..PAYLOAD_ON_STACK;
        for len in [0, 100, 1000, 10_000].into_iter().chain(around) {
            let mut claims = Claims::new("k", 0, 100);
            claims.metadata = "m".repeat(len);
            let t = token(&claims, "s");
            assert_eq!(verifier.verify_at(&t, at(10)).unwrap(), claims, "{len}");
        }
        // An encoding of impossible length, then bad characters, in the payload.
        let t = token(&Claims::new("k", 0, 100), "s");
        let (header, rest) = t.split_once('.').unwrap();
        let (payload, sig) = rest.split_once('.').unwrap();
        let mut impossible = payload.to_owned();
        while impossible.len() % 4 != 1 {
            impossible.push('A');
        }
        for bad in [impossible, format!("{}+", &payload[1..])] {
            assert_eq!(
                verifier.verify_at(&format!("{header}.{bad}.{sig}"), at(10)),
                Err(TokenError::MalformedEncoding {
                    segment: Segment::Payload
                })
            );
        }
    }

    #[test]
    fn signatures_of_every_length() {
        let verifier = TokenVerifier::new("k", "s").unwrap();
        let t = token(&Claims::new("k", 0, 100), "s");
        let (signing_input, sig) = t.rsplit_once('.').unwrap();
        let tag = URL_SAFE_NO_PAD.decode(sig).unwrap();
        // Canonical encodings of the tag cut short or followed by more bytes: on the stack
        // and off it, never a match.
        for len in (0..tag.len()).chain(tag.len() + 1..tag.len() + 40) {
            let mut bytes = tag.clone();
            bytes.resize(len, 7);
            let forged = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(&bytes));
            assert_eq!(
                verifier.verify_at(&forged, at(10)),
                Err(TokenError::BadSignature),
                "{len}"
            );
        }
        assert!(verifier.verify_at(&t, at(10)).is_ok());
    }

    #[test]
    fn provider_selects_by_iss() {
        let keys = StaticKeyProvider::new()
            .with_key("k1", "secret-one")
            .unwrap()
            .with_key("k2", "secret-two")
            .unwrap();
        let verifier = TokenVerifier::with_key_provider(keys);
        let t1 = token(&Claims::new("k1", 0, 100), "secret-one");
        let t2 = token(&Claims::new("k2", 0, 100), "secret-two");
        assert_eq!(verifier.verify_at(&t1, at(50)).unwrap().iss, "k1");
        assert_eq!(verifier.verify_at(&t2, at(50)).unwrap().iss, "k2");
        let cross = token(&Claims::new("k1", 0, 100), "secret-two");
        assert_eq!(
            verifier.verify_at(&cross, at(50)),
            Err(TokenError::BadSignature)
        );
        let unknown = token(&Claims::new("k3", 0, 100), "secret-two");
        assert_eq!(
            verifier.verify_at(&unknown, at(50)),
            Err(TokenError::UnknownKey("k3".into()))
        );
        assert!(format!("{verifier:?}").contains("key provider"));
    }

    #[test]
    fn closure_provider() {
        let key = HmacKey::new(&ApiSecret::new("s3cr3t").unwrap());
        let verifier =
            TokenVerifier::with_key_provider(move |k: &str| (k == "closure").then(|| key.clone()));
        let t = token(&Claims::new("closure", 0, 100), "s3cr3t");
        assert!(verifier.verify_at(&t, at(1)).is_ok());
    }

    #[test]
    fn single_key_errors() {
        let verifier = TokenVerifier::new("k", "s").unwrap();
        let foreign = token(&Claims::new("other", 0, 100), "x");
        assert_eq!(
            verifier.verify_at(&foreign, at(1)),
            Err(TokenError::IssuerMismatch)
        );
        let wrong_secret = token(&Claims::new("k", 0, 100), "x");
        assert_eq!(
            verifier.verify_at(&wrong_secret, at(1)),
            Err(TokenError::BadSignature)
        );
        let mut no_iss = Claims::new("k", 0, 100);
        let t = token(&no_iss, "s");
        assert!(verifier.verify_at(&t, at(1)).is_ok());
        no_iss.iss.clear();
        let signer = TokenSigner::new("k", &ApiSecret::new("s").unwrap()).unwrap();
        assert_eq!(signer.sign(&no_iss), Err(TokenError::IssuerMismatch));
    }

    #[test]
    fn leeway_and_limits() {
        let verifier = TokenVerifier::new("k", "s")
            .unwrap()
            .with_leeway(Duration::ZERO);
        let t = token(&Claims::new("k", 100, 200), "s");
        assert!(verifier.verify_at(&t, at(199)).is_ok());
        assert_eq!(
            verifier.verify_at(&t, at(200)),
            Err(TokenError::Expired { exp: 200, now: 200 })
        );
        assert_eq!(
            verifier.verify_at(&t, at(99)),
            Err(TokenError::NotYetValid { nbf: 100, now: 99 })
        );
        let short = verifier.clone().with_max_token_len(10);
        assert_eq!(
            short.verify_at(&t, at(150)),
            Err(TokenError::TooLarge {
                len: t.len(),
                max: 10
            })
        );
        assert_eq!(verifier.leeway(), Duration::ZERO);
    }

    #[test]
    fn grants_round_trip() {
        let mut claims = Claims::new("k", 0, 100);
        claims.sub = "id".into();
        claims.video = Some(VideoGrants {
            can_publish: Some(false),
            ..VideoGrants::join("r")
        });
        let t = token(&claims, "s");
        let verifier = TokenVerifier::new("k", "s").unwrap();
        assert_eq!(verifier.verify_at(&t, at(10)).unwrap(), claims);
    }
}
