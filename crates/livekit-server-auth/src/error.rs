//! [`TokenError`]: every way minting or verifying a token can fail, one variant each.

use std::fmt;

/// The part of a compact token an encoding error was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Segment {
    /// The first segment (JOSE header).
    Header,
    /// The second segment (claims).
    Payload,
    /// The third segment (HMAC-SHA256 signature).
    Signature,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Segment::Header => "header",
            Segment::Payload => "payload",
            Segment::Signature => "signature",
        })
    }
}

/// Why a token could not be minted or verified.
///
/// The `Display` form never contains the API secret or the token itself; it may contain the
/// API key (not a secret), a claim name, or an algorithm name taken from the token (shortened).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// An API key or secret is empty (also a verifier or signer built with an empty secret).
    MissingCredentials,
    /// A variable read by a `from_env()` constructor is missing, empty or not Unicode.
    MissingEnv {
        /// The variable's name (never its value).
        var: &'static str,
    },
    /// The token is longer than the verifier accepts; checked before anything is decoded.
    TooLarge {
        /// The token's length in bytes.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// Not a compact JWS: not exactly three `.`-separated segments, an empty header or payload
    /// segment, or an `Authorization` header value (`Bearer …`) instead of the bare token.
    Malformed,
    /// A segment is not canonical unpadded base64url (RFC 7515 §2): padding, `+`/`/`,
    /// whitespace, non-ASCII, or non-zero unused bits in the last character.
    MalformedEncoding {
        /// Where the bad encoding is.
        segment: Segment,
    },
    /// The header is not a JSON object with a string `alg`.
    MalformedHeader,
    /// The header names an algorithm other than `HS256` (`none`, `HS512`, `RS256`, …).
    UnsupportedAlgorithm(String),
    /// The header has a `crit` member; this implementation understands no extension.
    UnsupportedCritical,
    /// A JSON object in the header or the claims has the same member twice.
    DuplicateMember(String),
    /// The decoded header or claims are not valid UTF-8.
    InvalidUtf8,
    /// The claims are not a single JSON object (syntax error, trailing data, byte order mark,
    /// lone surrogate escape, nesting deeper than the limit, …).
    MalformedClaims(String),
    /// A claim has the wrong JSON type (`"exp":"1700000000"`, `"video":"admin"`,
    /// `"video":{"roomAdmin":"true"}`).
    InvalidClaimType {
        /// The top-level claim, for example `exp` or `video`.
        claim: &'static str,
    },
    /// `exp` or `nbf` is a number after `i64::MAX - 62_135_596_800` seconds since the Unix
    /// epoch (beyond it Go's time arithmetic overflows and the server reads the token as
    /// expired) or before `i64::MIN` seconds.
    DateOutOfRange {
        /// `exp` or `nbf`.
        claim: &'static str,
    },
    /// The HMAC-SHA256 signature does not match.
    BadSignature,
    /// A required claim (`exp`, `iss`) is absent or `null`.
    MissingClaim(&'static str),
    /// The token expired: `now >= exp + leeway`.
    Expired {
        /// `exp`, in whole seconds since the Unix epoch (0 for a date before it).
        exp: u64,
        /// The verifier's clock, in whole seconds since the Unix epoch.
        now: u64,
    },
    /// The token is not valid yet: `now < nbf - leeway`.
    NotYetValid {
        /// `nbf`, in whole seconds since the Unix epoch.
        nbf: u64,
        /// The verifier's clock, in whole seconds since the Unix epoch.
        now: u64,
    },
    /// `iss` is not the API key of this verifier (or not a string).
    IssuerMismatch,
    /// The key provider has no secret for the token's `iss`.
    UnknownKey(String),
    /// A token with the `roomJoin` grant needs an identity.
    MissingIdentity,
    /// A token with the `roomJoin` grant needs a room name.
    MissingRoom,
    /// `roomConfig.egress` holds storage credentials, a proxy password, a webhook signing key
    /// or a stream URL; tokens are readable by their holder, so this is refused unless
    /// [`AccessToken::allow_sensitive_credentials`](crate::AccessToken::allow_sensitive_credentials)
    /// was called.
    SensitiveCredentials,
    /// The validity period is zero, or `now + ttl` is after the latest date the verifier
    /// accepts (`i64::MAX - 62_135_596_800` seconds since the Unix epoch; see
    /// [`DateOutOfRange`](Self::DateOutOfRange)).
    InvalidTtl,
    /// The clock given to mint a token is before the Unix epoch.
    InvalidTime,
    /// A claim could not be written as JSON (only possible for `roomConfig`).
    Encoding(String),
}

/// Shortens a string taken from a token before it is displayed.
fn shorten(s: &str) -> &str {
    const MAX: usize = 32;
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::MissingCredentials => f.write_str("API key or secret is empty"),
            TokenError::MissingEnv { var } => {
                write!(
                    f,
                    "environment variable {var} is not set (or empty, or not Unicode)"
                )
            }
            TokenError::TooLarge { len, max } => {
                write!(
                    f,
                    "token is {len} bytes long, more than the maximum of {max}"
                )
            }
            TokenError::Malformed => f.write_str(
                "token is not a compact JWS (three base64url segments separated by '.'; \
                 pass the token without a 'Bearer ' prefix)",
            ),
            TokenError::MalformedEncoding { segment } => {
                write!(
                    f,
                    "token {segment} segment is not canonical unpadded base64url"
                )
            }
            TokenError::MalformedHeader => {
                f.write_str("token header is not a JSON object with a string 'alg'")
            }
            TokenError::UnsupportedAlgorithm(alg) => {
                write!(
                    f,
                    "token algorithm {:?} is not supported (only HS256)",
                    shorten(alg)
                )
            }
            TokenError::UnsupportedCritical => {
                f.write_str("token header has a 'crit' member, which is not supported")
            }
            TokenError::DuplicateMember(name) => {
                write!(
                    f,
                    "token JSON has the member {:?} more than once",
                    shorten(name)
                )
            }
            TokenError::InvalidUtf8 => f.write_str("token JSON is not valid UTF-8"),
            TokenError::MalformedClaims(msg) => write!(f, "token claims are not valid: {msg}"),
            TokenError::InvalidClaimType { claim } => {
                write!(f, "token claim '{claim}' has the wrong JSON type")
            }
            TokenError::DateOutOfRange { claim } => {
                write!(f, "token claim '{claim}' is a date out of range")
            }
            TokenError::BadSignature => f.write_str("token signature does not match"),
            TokenError::MissingClaim(claim) => write!(f, "token has no '{claim}' claim"),
            TokenError::Expired { exp, now } => {
                write!(f, "token expired (exp {exp}, now {now}, after leeway)")
            }
            TokenError::NotYetValid { nbf, now } => {
                write!(
                    f,
                    "token is not valid yet (nbf {nbf}, now {now}, after leeway)"
                )
            }
            TokenError::IssuerMismatch => {
                f.write_str("token issuer (iss) is not the API key of this verifier")
            }
            TokenError::UnknownKey(key) => {
                write!(f, "no secret is known for the API key {:?}", shorten(key))
            }
            TokenError::MissingIdentity => {
                f.write_str("a token with the roomJoin grant needs an identity")
            }
            TokenError::MissingRoom => f.write_str("a token with the roomJoin grant needs a room"),
            TokenError::SensitiveCredentials => f.write_str(
                "room configuration contains egress credentials, which a token would reveal \
                 to its holder (see allow_sensitive_credentials)",
            ),
            TokenError::InvalidTtl => f.write_str("token validity period is zero or too large"),
            TokenError::InvalidTime => f.write_str("clock is before the Unix epoch"),
            TokenError::Encoding(msg) => write!(f, "token claims could not be encoded: {msg}"),
        }
    }
}

impl std::error::Error for TokenError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shortens_attacker_strings() {
        let long = "é".repeat(100);
        let text = TokenError::UnsupportedAlgorithm(long.clone()).to_string();
        assert!(text.len() < 120, "{text}");
        assert!(!text.contains(&long));
        assert_eq!(shorten("HS512"), "HS512");
    }

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_traits<T: Send + Sync + std::error::Error + 'static>() {}
        assert_traits::<TokenError>();
        assert!(std::mem::size_of::<TokenError>() <= 32);
    }
}
