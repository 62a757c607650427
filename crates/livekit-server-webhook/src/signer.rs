//! [`WebhookSigner`]: produce the exact request a LiveKit server sends, for tests of webhook
//! endpoints.

use std::fmt;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use livekit_server_auth::{ApiSecret, TokenError, TokenSigner};
use livekit_server_proto::WebhookEvent;
use sha2::{Digest as _, Sha256};

use crate::{CONTENT_TYPE, WebhookError};

/// Signs webhooks the way the LiveKit server does (`livekit/protocol` `webhook`), so that a
/// webhook endpoint can be tested without a server.
///
/// The body is the protojson encoding of the event (lowerCamelCase names, 64-bit integers as
/// strings, enums as names, unset fields left out); the `Authorization` value is a bare HS256
/// token (no `Bearer ` prefix) with `iss` = the API key, `nbf` = now, `exp` = now + 5 minutes,
/// no grants, and `sha256` = padded standard base64 of the SHA-256 of the body. The webhook
/// receivers of the official Python and Node SDKs accept what it produces (tested in CI).
///
/// Its `Debug` form never shows the secret.
///
/// ```
/// use livekit_server_proto::WebhookEvent;
/// use livekit_server_webhook::{WebhookReceiver, WebhookSigner};
///
/// let signer = WebhookSigner::new("APIkey", "a-secret-of-32-bytes-or-more-0000")?;
/// let event = WebhookEvent { event: "room_finished".into(), id: "EV_1".into(), ..Default::default() };
/// let signed = signer.sign(&event)?;
/// assert_eq!(signed.content_type, "application/webhook+json");
///
/// let receiver = WebhookReceiver::with_credentials("APIkey", "a-secret-of-32-bytes-or-more-0000")?;
/// let webhook = receiver.receive(&signed.body, &signed.authorization)?;
/// assert_eq!(webhook.event(), &event);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct WebhookSigner {
    signer: TokenSigner,
    ttl: Duration,
}

impl WebhookSigner {
    /// How long the server's webhook tokens are valid: 5 minutes.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(5 * 60);

    /// A signer for one API key and its secret.
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingCredentials`] if the key or the secret is empty.
    pub fn new(
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> Result<WebhookSigner, TokenError> {
        let signer = TokenSigner::new(api_key, &ApiSecret::new(api_secret)?)?;
        Ok(WebhookSigner::from_signer(signer))
    }

    /// A signer using the API key and precomputed key state of a token signer (the one an
    /// [`AccessToken`](livekit_server_auth::AccessToken) builder or a service client uses).
    pub fn from_signer(signer: TokenSigner) -> WebhookSigner {
        WebhookSigner {
            signer,
            ttl: Self::DEFAULT_TTL,
        }
    }

    /// Sets how long the tokens are valid (default [`DEFAULT_TTL`](WebhookSigner::DEFAULT_TTL));
    /// tests of expiry handling use it.
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> WebhookSigner {
        self.ttl = ttl;
        self
    }

    /// Signs `event` at the system clock's time.
    ///
    /// # Errors
    ///
    /// As [`sign_at`](WebhookSigner::sign_at).
    pub fn sign(&self, event: &WebhookEvent) -> Result<SignedWebhook, WebhookError> {
        self.sign_at(event, crate::now())
    }

    /// Signs `event` as of `now` (the token's `nbf`; it expires at `now` + the validity
    /// period).
    ///
    /// # Errors
    ///
    /// [`WebhookError::Token`] if the token cannot be minted (a zero validity period or a
    /// clock before 1970); [`WebhookError::InvalidBody`] if the event has no protojson form
    /// (a `google.protobuf.Value` holding a NaN, for instance).
    pub fn sign_at(
        &self,
        event: &WebhookEvent,
        now: SystemTime,
    ) -> Result<SignedWebhook, WebhookError> {
        let body =
            serde_json::to_vec(event).map_err(|err| WebhookError::InvalidBody(err.to_string()))?;
        self.sign_body_at(body, now)
    }

    /// Signs arbitrary body bytes at the system clock's time, for tests with bodies no server
    /// would send (unknown fields, future event names, invalid JSON).
    ///
    /// # Errors
    ///
    /// [`WebhookError::Token`] if the token cannot be minted.
    pub fn sign_body(&self, body: impl Into<Vec<u8>>) -> Result<SignedWebhook, WebhookError> {
        self.sign_body_at(body, crate::now())
    }

    /// Signs arbitrary body bytes as of `now`.
    ///
    /// # Errors
    ///
    /// [`WebhookError::Token`] if the token cannot be minted.
    pub fn sign_body_at(
        &self,
        body: impl Into<Vec<u8>>,
        now: SystemTime,
    ) -> Result<SignedWebhook, WebhookError> {
        let body = body.into();
        let mut claims = self.signer.claims_at(now, self.ttl)?;
        claims.sha256 = checksum(&body);
        let authorization = self.signer.sign(&claims)?;
        Ok(SignedWebhook {
            body,
            authorization,
            content_type: CONTENT_TYPE,
        })
    }
}

impl fmt::Debug for WebhookSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSigner")
            .field("api_key", &self.signer.api_key())
            .field("ttl", &self.ttl)
            .finish()
    }
}

/// The `sha256` claim for a body: padded standard base64 of its SHA-256.
pub(crate) fn checksum(body: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(body))
}

/// A webhook request as the LiveKit server sends it: `POST` the body with the two headers.
///
/// Its `Debug` form shows the body and hides the token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedWebhook {
    /// The request body (protojson of the event for [`WebhookSigner::sign`]).
    pub body: Vec<u8>,
    /// The `Authorization` header value: the bare token, no `Bearer ` prefix.
    pub authorization: String,
    /// The `Content-Type` header value: `application/webhook+json` (a custom type, so that web
    /// frameworks leave the body alone).
    pub content_type: &'static str,
}

impl fmt::Debug for SignedWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedWebhook")
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("authorization", &"***")
            .field("content_type", &self.content_type)
            .finish()
    }
}
