//! [`WebhookError`]: every way receiving a webhook can fail, one variant each.

use std::error::Error;
use std::fmt;

use livekit_server_auth::TokenError;

/// Why a webhook was refused.
///
/// Every variant except [`InvalidBody`](WebhookError::InvalidBody) means the request was not
/// proven to come from the LiveKit server (answer it with a 4xx status and do not act on it).
/// `InvalidBody` is only reported after the signature and the checksum were verified: the
/// server really sent bytes this SDK cannot decode.
///
/// The `Display` form never contains the token, the `Authorization` header or the secret.
/// [`Token`](WebhookError::Token) keeps the token error as its [`source`](Error::source) and does
/// not repeat it in `Display`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// The `Authorization` header value is empty or only whitespace (or `Bearer ` alone).
    MissingAuthorization,
    /// The token in the `Authorization` header did not verify: bad signature, expired, unknown
    /// API key, malformed, … (the [`TokenError`] says which).
    Token(TokenError),
    /// The token verified but has no `sha256` claim, or an empty one: it is an access token,
    /// not a webhook token, and binds no body.
    MissingChecksum,
    /// The `sha256` claim is not standard padded base64 of exactly 32 bytes (hex, base64url,
    /// unpadded, whitespace, …).
    InvalidChecksumEncoding,
    /// The body's SHA-256 is not the one the token was signed for: the body was altered on the
    /// way, typically re-serialized or re-encoded by a web framework or proxy. Pass the raw
    /// request bytes.
    ChecksumMismatch,
    /// The body is longer than the receiver accepts; checked before it is hashed.
    BodyTooLarge {
        /// The body's length in bytes.
        len: usize,
        /// The configured maximum ([`WebhookReceiver::with_max_body_len`](crate::WebhookReceiver::with_max_body_len)).
        max: usize,
    },
    /// The body verified but is not a protojson `WebhookEvent`: empty, not JSON, not UTF-8, a
    /// member given twice, or a known field with a value of the wrong type. Unknown fields and
    /// unknown enum names are never an error.
    InvalidBody(String),
}

impl WebhookError {
    /// The HTTP status a webhook endpoint should answer this error with: `413` for
    /// [`BodyTooLarge`](WebhookError::BodyTooLarge), `400` for
    /// [`InvalidBody`](WebhookError::InvalidBody) and `401` for every verification failure.
    ///
    /// All are 4xx on purpose: the server retries on 5xx, and retrying a forged or damaged
    /// request never helps.
    pub fn http_status(&self) -> u16 {
        match self {
            WebhookError::BodyTooLarge { .. } => 413,
            WebhookError::InvalidBody(_) => 400,
            _ => 401,
        }
    }

    /// The token error, if the token itself did not verify.
    pub fn token_error(&self) -> Option<&TokenError> {
        match self {
            WebhookError::Token(err) => Some(err),
            _ => None,
        }
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::MissingAuthorization => {
                f.write_str("webhook has no Authorization header value")
            }
            WebhookError::Token(_) => f.write_str("webhook authorization token did not verify"),
            WebhookError::MissingChecksum => {
                f.write_str("webhook token has no sha256 claim (not a webhook token)")
            }
            WebhookError::InvalidChecksumEncoding => f.write_str(
                "webhook token's sha256 claim is not padded standard base64 of 32 bytes",
            ),
            WebhookError::ChecksumMismatch => f.write_str(
                "webhook body does not match the token's sha256 checksum \
                 (pass the raw request body bytes, not re-serialized JSON)",
            ),
            WebhookError::BodyTooLarge { len, max } => {
                write!(
                    f,
                    "webhook body is {len} bytes long, more than the maximum of {max}"
                )
            }
            WebhookError::InvalidBody(msg) => {
                write!(f, "webhook body is not a valid WebhookEvent: {msg}")
            }
        }
    }
}

impl Error for WebhookError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            WebhookError::Token(err) => Some(err),
            _ => None,
        }
    }
}

impl From<TokenError> for WebhookError {
    fn from(err: TokenError) -> Self {
        WebhookError::Token(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_error_is_the_source_and_not_repeated() {
        let err = WebhookError::Token(TokenError::BadSignature);
        let source = err.source().map(ToString::to_string);
        assert_eq!(source, Some(TokenError::BadSignature.to_string()));
        assert!(
            !err.to_string()
                .contains(&TokenError::BadSignature.to_string())
        );
        assert_eq!(err.token_error(), Some(&TokenError::BadSignature));
        assert!(WebhookError::ChecksumMismatch.source().is_none());
        assert_eq!(WebhookError::ChecksumMismatch.token_error(), None);
    }

    #[test]
    fn statuses_are_all_4xx() {
        let all = [
            WebhookError::MissingAuthorization,
            WebhookError::Token(TokenError::Malformed),
            WebhookError::MissingChecksum,
            WebhookError::InvalidChecksumEncoding,
            WebhookError::ChecksumMismatch,
            WebhookError::BodyTooLarge { len: 2, max: 1 },
            WebhookError::InvalidBody("x".into()),
        ];
        for err in &all {
            assert!((400..500).contains(&err.http_status()), "{err:?}");
            assert!(!err.to_string().is_empty());
        }
        assert_eq!(all[5].http_status(), 413);
        assert_eq!(all[6].http_status(), 400);
        assert_eq!(all[4].http_status(), 401);
    }

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_traits<T: Send + Sync + Error + 'static>() {}
        assert_traits::<WebhookError>();
        assert!(std::mem::size_of::<WebhookError>() <= 40);
    }
}
