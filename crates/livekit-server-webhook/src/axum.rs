//! The axum extractor (feature `axum`): a handler takes a verified [`Webhook`] as an argument.

use std::fmt;

use axum_core::extract::{FromRef, FromRequest, Request};
use axum_core::response::{IntoResponse, Response};
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use crate::{Webhook, WebhookError, WebhookReceiver};

/// Extracts a verified [`Webhook`] from a request, with the [`WebhookReceiver`] found in the
/// router's state (the state itself, or a field of it through [`FromRef`]).
///
/// The `Authorization` header's token is verified first
/// ([`WebhookReceiver::verify_authorization_at`]), so a client without one cannot make the
/// server read a body; then the body is read as raw bytes, at most
/// [`WebhookReceiver::max_body_len`] of them (reading stops there), checked against the
/// token's digest and decoded ([`VerifiedAuthorization::receive`](crate::VerifiedAuthorization::receive)). A request that does not pass is answered by
/// [`WebhookRejection`] with the status [`WebhookError::http_status`] gives (401 when it is
/// not proven to come from the server, 400 for an undecodable body, 413 for a body over the
/// limit) and a JSON body `{"error": "..."}` that never contains the token or the secret.
///
/// Use it as the last argument of a handler (it consumes the body), and never put a JSON
/// body parser in front of the route: the checksum is over the exact bytes.
///
/// ```
/// use axum::{Router, routing::post};
/// use livekit_server_webhook::{Webhook, WebhookReceiver};
///
/// async fn livekit_webhook(webhook: Webhook) -> &'static str {
///     // Verified: act on `webhook.kind()`, deduplicate on `webhook.id()`.
///     "ok"
/// }
///
/// # fn router() -> Result<Router, Box<dyn std::error::Error>> {
/// let receiver = WebhookReceiver::with_credentials("devkey", "secret")?;
/// let app: Router = Router::new()
///     .route("/livekit/webhook", post(livekit_webhook))
///     .with_state(receiver);
/// # Ok(app)
/// # }
/// ```
impl<S> FromRequest<S> for Webhook
where
    WebhookReceiver: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let receiver = WebhookReceiver::from_ref(state);
        let (parts, body) = request.into_parts();
        // A header that is not visible ASCII cannot hold a token: treated as absent.
        let authorization = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        // The token first: a client without one cannot make the server read a body.
        let verified = receiver
            .verify_authorization_at(authorization, crate::now())
            .map_err(|error| WebhookRejection(Reason::Refused(error)))?;
        let max = receiver.max_body_len();
        let body = match Limited::new(body, max).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) if error.is::<LengthLimitError>() => {
                return Err(WebhookRejection(Reason::BodyTooLarge { max }));
            }
            Err(_) => return Err(WebhookRejection(Reason::BodyUnreadable)),
        };
        verified
            .receive(&body)
            .map_err(|error| WebhookRejection(Reason::Refused(error)))
    }
}

/// Why the [`Webhook`] extractor refused a request; answers with the matching 4xx status and
/// a JSON body `{"error": "..."}` giving the reason and its cause (`webhook authorization token
/// did not verify: token expired ...`).
#[derive(Debug)]
pub struct WebhookRejection(Reason);

#[derive(Debug)]
enum Reason {
    /// The receiver refused the request.
    Refused(WebhookError),
    /// The body is longer than the receiver accepts (reading stopped at the limit).
    BodyTooLarge { max: usize },
    /// The body could not be read (the client went away, a malformed chunked body).
    BodyUnreadable,
}

impl WebhookRejection {
    /// The status the rejection answers with: that of the [`WebhookError`], 413 for a body
    /// over the limit, 400 for a body that could not be read.
    pub fn status(&self) -> StatusCode {
        match &self.0 {
            Reason::Refused(error) => {
                StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::UNAUTHORIZED)
            }
            Reason::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Reason::BodyUnreadable => StatusCode::BAD_REQUEST,
        }
    }

    /// The receiver's error, when the body was read and the receiver refused it.
    pub fn webhook_error(&self) -> Option<&WebhookError> {
        match &self.0 {
            Reason::Refused(error) => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Reason::Refused(error) => fmt::Display::fmt(error, f),
            Reason::BodyTooLarge { max } => {
                write!(f, "webhook body is longer than the maximum of {max} bytes")
            }
            Reason::BodyUnreadable => f.write_str("webhook body could not be read"),
        }
    }
}

impl std::error::Error for WebhookRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0 {
            // Display already shows the webhook error's message: point at its cause.
            Reason::Refused(error) => error.source(),
            _ => None,
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        // The message and its cause (`token expired (exp …, now …)`, `bad signature`), so that
        // the server's log of the failed delivery says why; neither holds the token or secret.
        let mut message = self.to_string();
        let mut cause = std::error::Error::source(&self);
        while let Some(error) = cause {
            message.push_str(": ");
            message.push_str(&error.to_string());
            cause = error.source();
        }
        let body = serde_json::json!({ "error": message }).to_string();
        let mut response = (self.status(), body).into_response();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}
