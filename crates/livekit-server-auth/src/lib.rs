//! Mint and verify LiveKit access tokens (HS256 JWTs carrying LiveKit grants), with the
//! semantics of the Go reference implementation (`livekit/protocol` `auth/`).
//!
//! This crate does no I/O: it must never depend on an async runtime, an HTTP stack (`tokio`,
//! `hyper`, `http`) or any async code. It reads the clock in one marked place (the `to_jwt()`
//! and `verify()` conveniences; everything else takes `now: SystemTime`) and the environment
//! only in [`AccessToken::from_env`]. With default features its dependencies are `hmac`,
//! `sha2`, `base64`, `zeroize`, `serde` and `serde_json`: the claims are written and read
//! through their serde derives.
//!
//! # What it offers
//!
//! - [`AccessToken`]: a builder for participant and server tokens. Only what is set is
//!   written (unset permissions keep the server's defaults); a `roomJoin` grant needs an
//!   identity and a room.
//! - [`TokenSigner`]: an API key with its HMAC key state computed once, signing [`Claims`]
//!   directly (what service clients use to sign a short-lived token per call).
//! - [`TokenVerifier`]: strict verification: HS256 only, canonical base64url, no claim given
//!   twice, `exp` required, 60 s leeway, key looked up by `iss` through a
//!   [`KeyProvider`], MAC checked in constant time (with one key, before the claims are
//!   parsed). See its docs for every rule.
//! - [`Claims`] and the grant types, with the JSON names of LiveKit (`Serialize` and
//!   `Deserialize`; decoding alone is lenient like Go's: unknown fields ignored, `null` as
//!   absent).
//! - [`ApiSecret`] and [`HmacKey`], which keep the secret out of `Debug` output.
//! - [`TokenError`], one variant per failure.
//! - [`dangerous::decode_unverified`]: a token's claims without checking it, for logging and
//!   routing only.
//!
//! # Features
//!
//! - `serde`: no-op, kept so that existing feature lists build (the serde impls are always
//!   there).
//! - `room-config` (off by default): the `roomConfig` claim as the protocol's
//!   `RoomConfiguration` (protojson, through `livekit-server-proto` with its `serde` feature),
//!   `AccessToken::with_room_config`, and the refusal of egress credentials
//!   in it (opt out with [`AccessToken::allow_sensitive_credentials`]). Without it, a
//!   `roomConfig` claim in a verified token is checked for well-formedness and ignored.
//!
//! # Example
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use livekit_server_auth::{AccessToken, TokenVerifier, VideoGrants};
//!
//! let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let jwt = AccessToken::new("devkey", "secret")?
//!     .with_identity("alice")
//!     .with_name("Alice")
//!     .with_grants(VideoGrants::join("my-room"))
//!     .with_ttl(Duration::from_secs(3600))
//!     .to_jwt_at(now)?;
//!
//! let claims = TokenVerifier::new("devkey", "secret")?.verify_at(&jwt, now)?;
//! assert_eq!(claims.identity(), Some("alice"));
//! let video = claims.video.unwrap_or_default();
//! assert!(video.room_join && video.can_publish_data());
//! assert_eq!(claims.exp, 1_700_003_600);
//! # Ok::<(), livekit_server_auth::TokenError>(())
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

mod claims;
mod error;
mod grants;
#[cfg(feature = "room-config")]
mod room_config;
mod secret;
mod signer;
mod strict;
mod time;
mod token;
mod verifier;

pub use claims::Claims;

/// Reading a token **without verifying it**: for logging, metrics and routing only, never for
/// deciding what a caller may do.
///
/// The Go, Python and official Rust SDKs offer the same; here it is fenced in a module named
/// for what it is, as `jsonwebtoken` does.
pub mod dangerous {
    use crate::{Claims, TokenError};

    /// The claims of `token`, read **without checking its signature or its times**: anyone
    /// can write a token that decodes here, with any identity and any grants.
    ///
    /// Use it only where a forged token does no harm: to log which API key or identity a
    /// request claims, to route a request to the right tenant *before* verifying it with that
    /// tenant's [`TokenVerifier`](crate::TokenVerifier), to show a token's contents in a
    /// debugging tool. Never use what it returns to grant access, to skip a verification, or
    /// as proof of who sent a request: verify with [`TokenVerifier`](crate::TokenVerifier).
    ///
    /// Everything that does not need the key or the clock is still checked, as by the
    /// verifier: the size cap ([`DEFAULT_MAX_TOKEN_LEN`](crate::DEFAULT_MAX_TOKEN_LEN)), three
    /// segments of canonical base64url, an HS256 header, a UTF-8 JSON object, duplicate known
    /// claims and claim types. An expired token decodes.
    ///
    /// ```
    /// use livekit_server_auth::{AccessToken, dangerous};
    ///
    /// let jwt = AccessToken::new("APIkey", "secret")?.with_identity("alice").to_jwt()?;
    /// let claims = dangerous::decode_unverified(&jwt)?;
    /// assert_eq!((claims.iss.as_str(), claims.identity()), ("APIkey", Some("alice")));
    /// # Ok::<(), livekit_server_auth::TokenError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The [`TokenError`] the verifier would give for the same shape or JSON fault.
    pub fn decode_unverified(token: &str) -> Result<Claims, TokenError> {
        crate::verifier::decode_unverified(token)
    }
}
pub use error::{Segment, TokenError};
pub use grants::{
    AgentGrants, InferenceGrants, KindDetail, ObservabilityGrants, ParticipantKind, SipGrants,
    TrackSource, VideoGrants,
};
pub use secret::{ApiSecret, HmacKey};
pub use signer::TokenSigner;
pub use time::validity;
pub use token::{API_KEY_ENV, API_SECRET_ENV, AccessToken, DEFAULT_TTL};
pub use verifier::{
    DEFAULT_LEEWAY, DEFAULT_MAX_TOKEN_LEN, KeyProvider, StaticKeyProvider, TokenVerifier,
};
