//! [`WebhookReceiver`]: verify a webhook's token and checksum over the raw body bytes, then
//! decode the event.

use std::fmt;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use livekit_server_auth::{KeyProvider, TokenError, TokenVerifier};
use livekit_server_proto::WebhookEvent;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::{Webhook, WebhookError};

/// Length of a SHA-256 digest in bytes.
const DIGEST_LEN: usize = 32;
/// Length of a 32-byte value in padded standard base64 (`43` characters and one `=`).
const DIGEST_B64_LEN: usize = 44;

/// Verifies and decodes the webhooks a LiveKit server sends.
///
/// [`receive`](WebhookReceiver::receive) takes the request body as the exact bytes that
/// arrived and the `Authorization` header value, and checks, in this order:
///
/// 1. the body is at most [`max_body_len`](WebhookReceiver::max_body_len) bytes (default
///    1 MiB), before anything is hashed or decoded;
/// 2. the header value is not empty; one leading `Bearer ` (any case) is accepted and
///    removed, although the server sends the bare token;
/// 3. the token verifies with the [`TokenVerifier`]: HS256 signature, the secret looked up by
///    its `iss` (API key), `exp` required, 60 s leeway unless the verifier was configured
///    otherwise;
/// 4. the token has a non-empty `sha256` claim, which is padded standard base64 of 32 bytes;
/// 5. that digest equals the SHA-256 of the body bytes (compared in constant time);
/// 6. only then is the body decoded as protojson. Unknown fields and unknown enum names are
///    accepted (a newer server must not break an older receiver); a member given twice,
///    invalid UTF-8, or anything that is not one JSON object is
///    [`InvalidBody`](WebhookError::InvalidBody).
///
/// Cloning is cheap when the verifier is; the receiver is `Send + Sync` and meant to be shared.
/// Its `Debug` form never shows a secret.
#[derive(Clone)]
pub struct WebhookReceiver {
    verifier: TokenVerifier,
    max_body_len: usize,
}

impl WebhookReceiver {
    /// The default body size limit: 1 MiB. Real webhook bodies are a few KiB.
    pub const DEFAULT_MAX_BODY_LEN: usize = 1024 * 1024;

    /// A receiver that checks tokens with `verifier`, which decides the accepted API keys and
    /// the clock leeway.
    pub fn new(verifier: TokenVerifier) -> WebhookReceiver {
        WebhookReceiver {
            verifier,
            max_body_len: Self::DEFAULT_MAX_BODY_LEN,
        }
    }

    /// A receiver for one API key and its secret (the key the server signs webhooks with:
    /// `webhook.api_key` in the server's configuration), with the default 60 s leeway.
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingCredentials`] if the key or the secret is empty.
    pub fn with_credentials(
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> Result<WebhookReceiver, TokenError> {
        Ok(WebhookReceiver::new(TokenVerifier::new(
            api_key, api_secret,
        )?))
    }

    /// A receiver that looks each token's secret up by its `iss` (API key) in `provider`, with
    /// the default 60 s leeway, for servers whose webhook key is rotated or differs per
    /// deployment.
    pub fn with_key_provider(provider: impl KeyProvider + 'static) -> WebhookReceiver {
        WebhookReceiver::new(TokenVerifier::with_key_provider(provider))
    }

    /// Sets the body size limit in bytes; longer bodies are refused with
    /// [`BodyTooLarge`](WebhookError::BodyTooLarge) before they are hashed.
    #[must_use]
    pub fn with_max_body_len(mut self, max_body_len: usize) -> WebhookReceiver {
        self.max_body_len = max_body_len;
        self
    }

    /// The body size limit in bytes.
    pub fn max_body_len(&self) -> usize {
        self.max_body_len
    }

    /// The token verifier.
    pub fn verifier(&self) -> &TokenVerifier {
        &self.verifier
    }

    /// Verifies a webhook against the system clock and decodes its event.
    ///
    /// `body` must be the request body exactly as received (do not decode it to a string and
    /// back, and never parse and re-serialize it); `authorization` is the value of the
    /// `Authorization` header.
    ///
    /// # Errors
    ///
    /// A [`WebhookError`] saying which check failed; see [`WebhookReceiver`] for the order.
    pub fn receive(&self, body: &[u8], authorization: &str) -> Result<Webhook, WebhookError> {
        self.receive_at(body, authorization, crate::now())
    }

    /// [`receive`](WebhookReceiver::receive) with the clock given: `now` is compared with the
    /// token's `exp` and `nbf`.
    ///
    /// # Errors
    ///
    /// A [`WebhookError`] saying which check failed; see [`WebhookReceiver`] for the order.
    pub fn receive_at(
        &self,
        body: &[u8],
        authorization: &str,
        now: SystemTime,
    ) -> Result<Webhook, WebhookError> {
        within_limit(body, self.max_body_len)?;
        self.verify_authorization_at(authorization, now)?
            .receive(body)
    }

    /// Runs every check of [`receive_at`](WebhookReceiver::receive_at) except decoding the
    /// body: on `Ok`, `body` is proven to be what the server signed. For callers that decode
    /// the JSON into their own types.
    ///
    /// # Errors
    ///
    /// A [`WebhookError`] other than [`InvalidBody`](WebhookError::InvalidBody).
    pub fn verify_at(
        &self,
        body: &[u8],
        authorization: &str,
        now: SystemTime,
    ) -> Result<(), WebhookError> {
        within_limit(body, self.max_body_len)?;
        self.verify_authorization_at(authorization, now)?
            .verify(body)
    }

    /// The checks that need no body, for a server to make before it reads one (so that an
    /// unauthenticated client cannot make it buffer bodies): the token in `authorization`
    /// verifies at `now` and carries a well-formed `sha256` claim. The body is then checked
    /// against that claim by [`VerifiedAuthorization::receive`] (or
    /// [`verify`](VerifiedAuthorization::verify)), without verifying the token a second time.
    ///
    /// # Errors
    ///
    /// [`WebhookError::MissingAuthorization`], [`WebhookError::Token`],
    /// [`WebhookError::MissingChecksum`] or [`WebhookError::InvalidChecksumEncoding`].
    pub fn verify_authorization_at(
        &self,
        authorization: &str,
        now: SystemTime,
    ) -> Result<VerifiedAuthorization, WebhookError> {
        let token = bare_token(authorization).ok_or(WebhookError::MissingAuthorization)?;
        let claims = self.verifier.verify_at(token, now)?;
        if claims.sha256.is_empty() {
            return Err(WebhookError::MissingChecksum);
        }
        Ok(VerifiedAuthorization {
            digest: decode_digest(&claims.sha256)?,
            max_body_len: self.max_body_len,
        })
    }
}

/// A webhook's `Authorization` header whose token verified
/// ([`WebhookReceiver::verify_authorization_at`]): it vouches for one body, by its SHA-256
/// digest. [`receive`](VerifiedAuthorization::receive) checks a body against it and decodes
/// the event; the token is not verified again.
///
/// It keeps the receiver's body size limit and the digest (not a secret), nothing else.
#[derive(Clone, Debug)]
#[must_use = "the body is not checked until `receive` or `verify` is called"]
pub struct VerifiedAuthorization {
    digest: [u8; DIGEST_LEN],
    max_body_len: usize,
}

impl VerifiedAuthorization {
    /// Checks that `body` (the exact bytes received) is the one the token vouches for, then
    /// decodes its event: steps 1, 5 and 6 of [`WebhookReceiver`]'s checks.
    ///
    /// # Errors
    ///
    /// [`WebhookError::BodyTooLarge`], [`WebhookError::ChecksumMismatch`] or
    /// [`WebhookError::InvalidBody`].
    pub fn receive(&self, body: &[u8]) -> Result<Webhook, WebhookError> {
        self.verify(body)?;
        decode_event(body).map(Webhook::new)
    }

    /// [`receive`](VerifiedAuthorization::receive) without decoding: on `Ok`, `body` is proven
    /// to be what the server signed.
    ///
    /// # Errors
    ///
    /// [`WebhookError::BodyTooLarge`] or [`WebhookError::ChecksumMismatch`].
    pub fn verify(&self, body: &[u8]) -> Result<(), WebhookError> {
        within_limit(body, self.max_body_len)?;
        let actual: [u8; DIGEST_LEN] = Sha256::digest(body).into();
        if bool::from(actual.ct_eq(&self.digest)) {
            Ok(())
        } else {
            Err(WebhookError::ChecksumMismatch)
        }
    }
}

impl fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("verifier", &self.verifier)
            .field("max_body_len", &self.max_body_len)
            .finish()
    }
}

/// Step 1 of [`WebhookReceiver`]'s checks: the body is at most `max` bytes.
fn within_limit(body: &[u8], max: usize) -> Result<(), WebhookError> {
    if body.len() > max {
        return Err(WebhookError::BodyTooLarge {
            len: body.len(),
            max,
        });
    }
    Ok(())
}

/// The token in an `Authorization` header value: surrounding spaces and tabs removed, and one
/// `Bearer ` scheme (case-insensitive, RFC 9110 §11.1) stripped. `None` if nothing is left.
fn bare_token(authorization: &str) -> Option<&str> {
    const SCHEME: &str = "bearer";
    let value = authorization.trim_matches([' ', '\t']);
    let token = match value.get(..SCHEME.len()) {
        Some(scheme)
            if scheme.eq_ignore_ascii_case(SCHEME)
                && value[SCHEME.len()..].starts_with([' ', '\t']) =>
        {
            value[SCHEME.len()..].trim_start_matches([' ', '\t'])
        }
        Some(scheme) if scheme.eq_ignore_ascii_case(SCHEME) && value.len() == SCHEME.len() => "",
        _ => value,
    };
    (!token.is_empty()).then_some(token)
}

/// Decodes a `sha256` claim: exactly 44 characters of canonical padded standard base64
/// encoding 32 bytes.
fn decode_digest(claim: &str) -> Result<[u8; DIGEST_LEN], WebhookError> {
    if claim.len() != DIGEST_B64_LEN {
        return Err(WebhookError::InvalidChecksumEncoding);
    }
    // 44 characters decode to at most 33 bytes; the estimate the engine checks is 33.
    let mut buf = [0u8; DIGEST_LEN + 3];
    match STANDARD.decode_slice(claim, &mut buf) {
        Ok(DIGEST_LEN) => {
            let mut digest = [0u8; DIGEST_LEN];
            digest.copy_from_slice(&buf[..DIGEST_LEN]);
            Ok(digest)
        }
        _ => Err(WebhookError::InvalidChecksumEncoding),
    }
}

/// Decodes a verified body as a protojson `WebhookEvent`.
///
/// The whole body is checked for UTF-8 once, up front (a fast vectorised scan), so the JSON
/// reader does not re-check every string it reads.
fn decode_event(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let text = std::str::from_utf8(body).map_err(|err| {
        WebhookError::InvalidBody(format!(
            "not UTF-8: invalid byte at offset {}",
            err.valid_up_to()
        ))
    })?;
    serde_json::from_str(text).map_err(|err| WebhookError::InvalidBody(err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_alone_is_checked_before_any_body() {
        use livekit_server_auth::{AccessToken, VideoGrants};
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let receiver = WebhookReceiver::with_credentials("key", "secret")
            .unwrap()
            .with_max_body_len(64);
        let body = br#"{"event":"room_started","id":"EV_1"}"#;
        let signed = crate::WebhookSigner::new("key", "secret")
            .unwrap()
            .sign_body_at(body.to_vec(), now)
            .unwrap();
        let verified = receiver
            .verify_authorization_at(&signed.authorization, now)
            .expect("a good token, whatever the body");
        // The body is checked against the token's digest, and only then decoded.
        let webhook = verified.receive(body).unwrap();
        assert_eq!(
            (webhook.kind().as_str(), webhook.id()),
            ("room_started", "EV_1")
        );
        assert_eq!(verified.verify(body), Ok(()));
        assert_eq!(
            verified.receive(b"{ }").err(),
            Some(WebhookError::ChecksumMismatch)
        );
        assert_eq!(
            verified.verify(&[b' '; 65]),
            Err(WebhookError::BodyTooLarge { len: 65, max: 64 })
        );
        // Later in time the token has expired; the authorization already verified keeps
        // vouching for its body (the request arrived in time).
        let later = now + std::time::Duration::from_secs(3600);
        assert!(matches!(
            receiver.verify_authorization_at(&signed.authorization, later),
            Err(WebhookError::Token(_))
        ));
        assert_eq!(verified.verify(body), Ok(()));

        let refused = |authorization: &str| {
            receiver
                .verify_authorization_at(authorization, now)
                .expect_err("refused")
        };
        let forged = crate::WebhookSigner::new("key", "another-secret")
            .unwrap()
            .sign_body_at(body.to_vec(), now)
            .unwrap();
        assert!(matches!(
            refused(&forged.authorization),
            WebhookError::Token(_)
        ));
        assert_eq!(refused(" "), WebhookError::MissingAuthorization);
        let access_token = AccessToken::new("key", "secret")
            .unwrap()
            .with_grants(VideoGrants::join("r"))
            .with_identity("i")
            .to_jwt_at(now)
            .unwrap();
        assert_eq!(refused(&access_token), WebhookError::MissingChecksum);
    }

    #[test]
    fn bare_token_accepts_one_bearer_prefix() {
        assert_eq!(bare_token("abc.def.ghi"), Some("abc.def.ghi"));
        assert_eq!(bare_token("  abc.def.ghi\t"), Some("abc.def.ghi"));
        assert_eq!(bare_token("Bearer abc.def.ghi"), Some("abc.def.ghi"));
        assert_eq!(bare_token("bearer  abc"), Some("abc"));
        assert_eq!(bare_token("BEARER\tabc"), Some("abc"));
        assert_eq!(bare_token("Bearer Bearer abc"), Some("Bearer abc"));
        assert_eq!(bare_token("Bearerabc"), Some("Bearerabc"));
        assert_eq!(bare_token("Basic abc"), Some("Basic abc"));
    }

    #[test]
    fn bare_token_empty_values() {
        for value in [
            "",
            " ",
            "\t \t",
            "Bearer",
            "Bearer ",
            " bearer  ",
            "BEARER\t",
        ] {
            assert_eq!(bare_token(value), None, "{value:?}");
        }
    }

    #[test]
    fn bare_token_handles_non_ascii_at_the_scheme_boundary() {
        assert_eq!(bare_token("Beaé x"), Some("Beaé x"));
        assert_eq!(bare_token("é"), Some("é"));
        assert_eq!(bare_token("Bearer é"), Some("é"));
    }

    #[test]
    fn digest_decoding_is_strict() {
        let digest: [u8; 32] = Sha256::digest(b"").into();
        let good = STANDARD.encode(digest);
        assert_eq!(good, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert_eq!(decode_digest(&good), Ok(digest));

        let url_safe = good.replace('+', "-").replace('/', "_");
        let unpadded = good.trim_end_matches('=').to_owned();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        // The last character before '=' carries 2 unused bits; 'V' -> 'W' sets one of them.
        let non_canonical = good.replace("FU=", "FV=");
        let short = STANDARD.encode(&digest[..31]);
        let long = STANDARD.encode([0u8; 33]);
        for bad in [url_safe, unpadded, hex, non_canonical, short, long] {
            assert_eq!(
                decode_digest(&bad),
                Err(WebhookError::InvalidChecksumEncoding),
                "{bad:?}"
            );
        }
        for bad in [
            "!!!",
            " 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
            "=".repeat(44).as_str(),
        ] {
            assert_eq!(
                decode_digest(bad),
                Err(WebhookError::InvalidChecksumEncoding),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn decode_event_errors_are_typed() {
        for body in [
            &b""[..],
            b"null",
            b"[]",
            b"{",
            b"{} {}",
            b"\xff",
            b"{\"event\":1}",
        ] {
            assert!(
                matches!(decode_event(body), Err(WebhookError::InvalidBody(_))),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
        assert_eq!(decode_event(b" {} \n"), Ok(WebhookEvent::default()));
    }
}
