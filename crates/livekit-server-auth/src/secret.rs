//! [`ApiSecret`], the API secret kept out of logs, and [`HmacKey`], its HMAC-SHA256 key state
//! computed once.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroize;

use crate::TokenError;

/// The HMAC-SHA256 instance used for HS256.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Secrets shorter than this many bytes are [`ApiSecret::is_short`] (RFC 8725 §3.5 asks for
/// keys with at least as much entropy as the hash output, 32 bytes for SHA-256).
const SHORT_SECRET_LEN: usize = 32;

/// A LiveKit API secret.
///
/// Its `Debug` form is `ApiSecret(***)`; it has no `Display`, no `Serialize` and no `Deref`, so
/// it cannot end up in a log line or a JSON document by accident. The bytes are wiped when it
/// is dropped. This is defense in depth only: copies made before it was built (the `String` it
/// was made from, the process environment) and the HMAC key state derived from it are not
/// wiped.
///
/// As with any HMAC key, a secret and the same secret followed by NUL bytes are the same key
/// (HMAC pads short keys with zeros).
///
/// ```
/// use livekit_server_auth::ApiSecret;
///
/// let secret = ApiSecret::new("secret").unwrap();
/// assert_eq!(format!("{secret:?}"), "ApiSecret(***)");
/// assert!(secret.is_short()); // fine for `livekit-server --dev`, warn in production
/// assert!(ApiSecret::new("").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiSecret(String);

impl ApiSecret {
    /// Wraps a secret.
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingCredentials`] if the secret is empty.
    pub fn new(secret: impl Into<String>) -> Result<ApiSecret, TokenError> {
        let mut secret = secret.into();
        if secret.is_empty() {
            secret.zeroize();
            return Err(TokenError::MissingCredentials);
        }
        Ok(ApiSecret(secret))
    }

    /// The secret itself. Call it only to hand the secret to something that needs it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is shorter than 32 bytes. Such secrets are accepted (the dev server
    /// uses `secret`), but a production binary should warn about them.
    pub fn is_short(&self) -> bool {
        self.0.len() < SHORT_SECRET_LEN
    }
}

impl fmt::Debug for ApiSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiSecret(***)")
    }
}

impl Drop for ApiSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl TryFrom<String> for ApiSecret {
    type Error = TokenError;

    fn try_from(secret: String) -> Result<Self, Self::Error> {
        ApiSecret::new(secret)
    }
}

impl TryFrom<&str> for ApiSecret {
    type Error = TokenError;

    fn try_from(secret: &str) -> Result<Self, Self::Error> {
        ApiSecret::new(secret)
    }
}

/// The HMAC-SHA256 key state for one API secret, computed once and shared.
///
/// Cloning is cheap (a reference count). Signing or verifying a token clones the keyed state,
/// so the secret is hashed into the inner and outer pads only when the key is built.
#[derive(Clone)]
pub struct HmacKey(Arc<HmacSha256>);

impl HmacKey {
    /// Computes the key state for a secret.
    pub fn new(secret: &ApiSecret) -> HmacKey {
        HmacKey(Arc::new(keyed(secret.expose_secret().as_bytes())))
    }

    /// A fresh HMAC instance keyed with this secret.
    pub(crate) fn mac(&self) -> HmacSha256 {
        (*self.0).clone()
    }
}

/// Keys HMAC-SHA256; any key length is valid for HMAC.
fn keyed(key: &[u8]) -> HmacSha256 {
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC accepts keys of every length; `new_from_slice` cannot fail for it.
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacKey(***)")
    }
}

impl From<&ApiSecret> for HmacKey {
    fn from(secret: &ApiSecret) -> Self {
        HmacKey::new(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_secret_refused() {
        assert_eq!(ApiSecret::new(""), Err(TokenError::MissingCredentials));
        assert_eq!(
            ApiSecret::try_from(String::new()),
            Err(TokenError::MissingCredentials)
        );
    }

    #[test]
    fn short_secret_flagged_but_accepted() {
        let s = ApiSecret::new("secret").unwrap();
        assert!(s.is_short());
        let long = ApiSecret::new("x".repeat(32)).unwrap();
        assert!(!long.is_short());
        assert_eq!(long.expose_secret().len(), 32);
    }

    #[test]
    fn debug_is_redacted() {
        let s = ApiSecret::new("hunter2-hunter2").unwrap();
        assert_eq!(format!("{s:?}"), "ApiSecret(***)");
        assert_eq!(format!("{:?}", HmacKey::new(&s)), "HmacKey(***)");
        assert_eq!(format!("{:#?}", s), "ApiSecret(***)");
    }

    #[test]
    fn key_state_matches_fresh_hmac() {
        let s = ApiSecret::new("secret").unwrap();
        let key = HmacKey::new(&s);
        let mut a = key.mac();
        a.update(b"data");
        let mut b = keyed(b"secret");
        b.update(b"data");
        assert_eq!(a.finalize().into_bytes(), b.finalize().into_bytes());
    }
}
