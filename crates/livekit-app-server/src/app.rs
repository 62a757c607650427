//! [`App`]: the routes and their handlers, as plain functions from an `http::Request` with its
//! whole body to an `http::Response`, testable without a socket.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use livekit_server_auth::{TokenError, TokenSigner, TokenVerifier, VideoGrants};
use livekit_server_webhook::{VerifiedAuthorization, Webhook, WebhookError, WebhookReceiver};
use serde_json::{Map, Value, json};

use crate::Config;
use crate::cors::{self, AllowedOrigins};
use crate::standard::{
    AuthHook, AuthRefusal, BearerSecret, LivekitUrl, STANDARD_TOKEN_PATH, StandardRequest,
    TokenPolicy, authorize, parse_standard_request,
};

/// The largest `POST /token` body accepted, in bytes.
pub const TOKEN_BODY_LIMIT: usize = 64 * 1024;
/// The largest `POST /livekit/webhook` body accepted, in bytes (the webhook receiver's default
/// limit; real webhook bodies are a few KiB).
pub const WEBHOOK_BODY_LIMIT: usize = WebhookReceiver::DEFAULT_MAX_BODY_LEN;

/// The path of the token endpoint.
pub const TOKEN_PATH: &str = "/token";
/// The path of the webhook endpoint.
pub const WEBHOOK_PATH: &str = "/livekit/webhook";
/// The path of the health check.
pub const HEALTH_PATH: &str = "/healthz";

/// A route of the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Token,
    StandardToken,
    Webhook,
    Health,
}

impl Route {
    /// The route for a path; one trailing slash is accepted, as Express does.
    fn from_path(path: &str) -> Option<Route> {
        let path = match path.strip_suffix('/') {
            Some(stripped) if !stripped.is_empty() => stripped,
            _ => path,
        };
        match path {
            TOKEN_PATH => Some(Route::Token),
            STANDARD_TOKEN_PATH => Some(Route::StandardToken),
            WEBHOOK_PATH => Some(Route::Webhook),
            HEALTH_PATH => Some(Route::Health),
            _ => None,
        }
    }

    fn allows(self, method: &Method) -> bool {
        match self {
            Route::Token | Route::StandardToken | Route::Webhook => method == Method::POST,
            Route::Health => method == Method::GET || method == Method::HEAD,
        }
    }

    /// The `Allow` header value (without `OPTIONS`, which every route answers).
    fn allow(self) -> &'static str {
        match self {
            Route::Token | Route::StandardToken | Route::Webhook => "POST, OPTIONS",
            Route::Health => "GET, HEAD, OPTIONS",
        }
    }

    /// The body limit, for routes that read a body.
    fn body_limit(self) -> Option<usize> {
        match self {
            Route::Token | Route::StandardToken => Some(TOKEN_BODY_LIMIT),
            Route::Webhook => Some(WEBHOOK_BODY_LIMIT),
            Route::Health => None,
        }
    }
}

/// Why a request body could not be read whole; see [`App::body_error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyError {
    /// The body is longer than the route accepts ([`App::body_limit`]).
    TooLarge,
    /// The client did not send the body in time.
    TimedOut,
    /// The body could not be read (the connection broke, bad chunked encoding, …).
    Failed,
}

/// The application: the credentials, the token lifetime and the webhook receiver.
///
/// [`App::handle`] answers one request whose body was read whole; the server reads each body
/// up to [`App::body_limit`] first and answers [`App::body_error`] if that fails.
///
/// Its `Debug` form shows no secret.
pub struct App {
    signer: TokenSigner,
    token_ttl: Duration,
    receiver: WebhookReceiver,
    on_webhook: Option<WebhookHook>,
    livekit_url: LivekitUrl,
    policy: TokenPolicy,
    bearer: Option<BearerSecret>,
    authorize: Option<AuthHook>,
    cors: AllowedOrigins,
}

/// A function called with every verified webhook.
type WebhookHook = Box<dyn Fn(&Webhook) + Send + Sync>;

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("signer", &self.signer)
            .field("token_ttl", &self.token_ttl)
            .field("receiver", &self.receiver)
            .field(
                "on_webhook",
                &self.on_webhook.as_ref().map(|_| "Fn(&Webhook)"),
            )
            .field("livekit_url", &self.livekit_url)
            .field("policy", &self.policy)
            .field("bearer", &self.bearer)
            .field("cors", &self.cors)
            .field(
                "authorize",
                &self.authorize.as_ref().map(|_| "Fn(&HeaderMap) -> Result"),
            )
            .finish()
    }
}

impl App {
    /// Builds the application for a configuration.
    ///
    /// A token is minted once here, so that settings no token can be minted with fail now
    /// rather than on every request.
    ///
    /// # Errors
    ///
    /// [`TokenError::MissingCredentials`] if the API key is empty, [`TokenError::InvalidTtl`]
    /// if the token lifetime is zero or too large.
    pub fn new(config: &Config) -> Result<App, TokenError> {
        let signer = TokenSigner::new(config.api_key.clone(), &config.api_secret)?;
        let receiver = WebhookReceiver::new(TokenVerifier::from_signer(signer.clone()))
            .with_max_body_len(WEBHOOK_BODY_LIMIT);
        let app = App {
            signer,
            token_ttl: config.token_ttl,
            receiver,
            on_webhook: None,
            livekit_url: config.livekit_url.clone(),
            policy: config.token_policy.clone(),
            bearer: config.token_endpoint_secret.clone(),
            authorize: None,
            cors: config.cors_allowed_origins.clone(),
        };
        app.mint(&TokenRequest {
            room_name: "startup-check".to_owned(),
            participant_name: "startup-check".to_owned(),
        })?;
        Ok(app)
    }

    /// Calls `hook` with every webhook that verified, after it was logged and before it is
    /// answered `200`. Keep it fast (hand the event to a queue): the LiveKit server waits for
    /// the answer.
    #[must_use]
    pub fn on_webhook(mut self, hook: impl Fn(&Webhook) + Send + Sync + 'static) -> App {
        self.on_webhook = Some(Box::new(hook));
        self
    }

    /// Lets `hook` decide, from the request headers, whether a `POST /livekit/token` request
    /// may have a token (after the bearer secret, when one is configured). It answers
    /// `Err(AuthRefusal::unauthorized(..))` or `Err(AuthRefusal::forbidden(..))` to refuse:
    /// the client gets that status and message. The tutorial route `POST /token` is not
    /// affected.
    #[must_use]
    pub fn authorize_token_requests(
        mut self,
        hook: impl Fn(&HeaderMap) -> Result<(), AuthRefusal> + Send + Sync + 'static,
    ) -> App {
        self.authorize = Some(Box::new(hook));
        self
    }

    /// Whether `POST /livekit/token` answers anyone (no bearer secret, no authorization
    /// hook); the server logs a warning at start-up when it does.
    pub fn standard_token_endpoint_is_open(&self) -> bool {
        self.bearer.is_none() && self.authorize.is_none()
    }

    /// How many body bytes to read for a request, or `None` if the route reads no body (the
    /// body is then left unread).
    pub fn body_limit(&self, method: &Method, path: &str) -> Option<usize> {
        if method == Method::OPTIONS {
            return None;
        }
        Route::from_path(path)
            .filter(|route| route.allows(method))
            .and_then(Route::body_limit)
    }

    /// The answer when the body of a request to `path` could not be read: for a body over
    /// the limit `413` on the webhook and standard token routes and `400` on the tutorial
    /// token route (where every bad request is a `400` with an `errorMessage`), `408` when it
    /// timed out, `400` otherwise. `headers` are the request's (for CORS).
    pub fn body_error(&self, headers: &HeaderMap, path: &str, error: BodyError) -> Response<Bytes> {
        let route = Route::from_path(path);
        let response = match error {
            BodyError::TooLarge => {
                let limit = route.and_then(Route::body_limit).unwrap_or(0);
                let status = if matches!(route, Some(Route::Webhook | Route::StandardToken)) {
                    StatusCode::PAYLOAD_TOO_LARGE
                } else {
                    StatusCode::BAD_REQUEST
                };
                error_response(
                    status,
                    &format!("request body is larger than {limit} bytes"),
                )
            }
            BodyError::TimedOut => error_response(
                StatusCode::REQUEST_TIMEOUT,
                "request body was not received in time",
            ),
            BodyError::Failed => {
                error_response(StatusCode::BAD_REQUEST, "request body could not be read")
            }
        };
        tracing::info!(
            path,
            status = response.status().as_u16(),
            ?error,
            "request body refused"
        );
        let mut response = response;
        cors::apply(&self.cors, headers, false, &mut response);
        response
    }

    /// Answers one request whose body was read whole. Never panics; every answer has
    /// `Access-Control-Allow-Origin: *`, or the request's origin when `CORS_ALLOWED_ORIGINS`
    /// lists it.
    pub fn handle(&self, request: Request<Bytes>) -> Response<Bytes> {
        self.answer(request, Checked::Nothing)
    }

    /// For the server, before it reads a body: what the headers alone decide. `POST
    /// /livekit/token` (bearer secret, authorization hook) and `POST /livekit/webhook` (the
    /// webhook token, bar its body checksum) are refused here when their headers fail, so
    /// that an unauthenticated client cannot make the server wait for, and hold, a body; what
    /// passed is handed to [`answer`](Self::answer), so that nothing is checked twice.
    pub(crate) fn check_headers(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
    ) -> Result<Checked, Box<Response<Bytes>>> {
        if method != Method::POST {
            return Ok(Checked::Nothing);
        }
        let refusal = match Route::from_path(path) {
            Some(Route::Webhook) => match webhook_authorization(headers) {
                Err(refusal) => *refusal,
                Ok(authorization) => match self
                    .receiver
                    .verify_authorization_at(authorization, std::time::SystemTime::now())
                {
                    Ok(verified) => return Ok(Checked::Webhook(verified)),
                    Err(error) => webhook_refusal(&error),
                },
            },
            Some(Route::StandardToken) => match self.authorize_standard(headers) {
                None => return Ok(Checked::StandardToken),
                Some(refusal) => refusal,
            },
            _ => return Ok(Checked::Nothing),
        };
        let mut refusal = Box::new(refusal);
        cors::apply(&self.cors, headers, false, &mut refusal);
        Err(refusal)
    }

    /// [`handle`](Self::handle), given what [`check_headers`](Self::check_headers) proved.
    pub(crate) fn answer(&self, request: Request<Bytes>, checked: Checked) -> Response<Bytes> {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let response = match Route::from_path(&path) {
            None => error_response(
                StatusCode::NOT_FOUND,
                &format!("no route for {method} {}", shorten(&path)),
            ),
            Some(_) if method == Method::OPTIONS => cors::preflight(request.headers()),
            Some(route) if !route.allows(&method) => {
                let mut response = error_response(
                    StatusCode::METHOD_NOT_ALLOWED,
                    &format!(
                        "method {method} is not allowed on {} (allowed: {})",
                        shorten(&path),
                        route.allow()
                    ),
                );
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(route.allow()));
                response
            }
            Some(Route::Health) => json_response(StatusCode::OK, &json!({ "status": "ok" })),
            Some(Route::Token) => self.token(request.headers(), request.body()),
            Some(Route::StandardToken) => self.standard_token(
                request.headers(),
                request.body(),
                matches!(checked, Checked::StandardToken),
            ),
            Some(Route::Webhook) => self.webhook(request.headers(), request.body(), checked),
        };
        tracing::debug!(%method, path, status = response.status().as_u16(), "request");
        let mut response = response;
        let preflight = method == Method::OPTIONS && response.status() == StatusCode::NO_CONTENT;
        cors::apply(&self.cors, request.headers(), preflight, &mut response);
        response
    }

    /// `POST /token`.
    fn token(&self, headers: &HeaderMap, body: &Bytes) -> Response<Bytes> {
        let request = match parse_token_request(headers, body) {
            Ok(request) => request,
            Err(message) => {
                tracing::info!(error = %message, "token request refused");
                return error_response(StatusCode::BAD_REQUEST, &message);
            }
        };
        match self.mint(&request) {
            Ok(token) => {
                tracing::info!(
                    room = request.room_name,
                    identity = request.participant_name,
                    "token issued"
                );
                token_response(StatusCode::OK, &json!({ "token": token }))
            }
            Err(error) => {
                tracing::error!(%error, "token could not be minted");
                error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the token could not be created",
                )
            }
        }
    }

    /// The bearer secret and the authorization hook of `POST /livekit/token`: the refusal, if
    /// any.
    fn authorize_standard(&self, headers: &HeaderMap) -> Option<Response<Bytes>> {
        let refusal = authorize(self.bearer.as_ref(), self.authorize.as_ref(), headers).err()?;
        let mut response = refuse(refusal.status(), refusal.message());
        if refusal.status() == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        Some(response)
    }

    /// `POST /livekit/token`; `headers_checked` when
    /// [`check_headers`](Self::check_headers) authorized it already.
    fn standard_token(
        &self,
        headers: &HeaderMap,
        body: &Bytes,
        headers_checked: bool,
    ) -> Response<Bytes> {
        if !headers_checked && let Some(refusal) = self.authorize_standard(headers) {
            return refusal;
        }
        if body.len() > TOKEN_BODY_LIMIT {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("request body is larger than {TOKEN_BODY_LIMIT} bytes"),
            );
        }
        let request = match parse_standard_request(is_json(headers), body, &self.policy) {
            Ok(request) => request,
            Err((status, message)) => return refuse(status, &message),
        };
        match self.mint_standard(&request) {
            Ok(token) => {
                tracing::info!(
                    path = STANDARD_TOKEN_PATH,
                    room = request.room_name,
                    identity = request.identity,
                    "token issued"
                );
                token_response(
                    StatusCode::CREATED,
                    &json!({
                        "server_url": self.livekit_url.as_str(),
                        "participant_token": token,
                    }),
                )
            }
            Err(error) => {
                tracing::error!(%error, "token could not be minted");
                let status = if matches!(error, TokenError::SensitiveCredentials) {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::INTERNAL_SERVER_ERROR
                };
                error_response(status, "the token could not be created")
            }
        }
    }

    fn mint_standard(&self, request: &StandardRequest) -> Result<String, TokenError> {
        let mut token = self
            .signer
            .access_token()
            .with_identity(request.identity.clone())
            .with_grants(VideoGrants {
                room_join: true,
                room: request.room_name.clone(),
                ..Default::default()
            })
            .with_attributes(request.attributes.clone())
            .with_ttl(self.token_ttl);
        if let Some(name) = &request.name {
            token = token.with_name(name.clone());
        }
        if let Some(metadata) = &request.metadata {
            token = token.with_metadata(metadata.clone());
        }
        if let Some(room_config) = &request.room_config {
            token = token.with_room_config(room_config.clone());
        }
        token.to_jwt()
    }

    fn mint(&self, request: &TokenRequest) -> Result<String, TokenError> {
        self.signer
            .access_token()
            .with_identity(request.participant_name.clone())
            .with_name(request.participant_name.clone())
            .with_grants(VideoGrants {
                room_join: true,
                room: request.room_name.clone(),
                ..Default::default()
            })
            .with_ttl(self.token_ttl)
            .to_jwt()
    }

    /// `POST /livekit/webhook`; with the authorization `checked` already verified, only the
    /// body is checked against it.
    fn webhook(&self, headers: &HeaderMap, body: &Bytes, checked: Checked) -> Response<Bytes> {
        if body.len() > WEBHOOK_BODY_LIMIT {
            return self.body_error(headers, WEBHOOK_PATH, BodyError::TooLarge);
        }
        let received = if let Checked::Webhook(verified) = checked {
            verified.receive(body)
        } else {
            match webhook_authorization(headers) {
                Ok(authorization) => self.receiver.receive(body, authorization),
                Err(refusal) => return *refusal,
            }
        };
        match received {
            Ok(webhook) => {
                let room = webhook.room.as_ref().map_or("", |room| room.name.as_str());
                let participant = webhook
                    .participant
                    .as_ref()
                    .map_or("", |participant| participant.identity.as_str());
                tracing::info!(
                    event = webhook.kind().as_str(),
                    id = webhook.id(),
                    room,
                    participant,
                    "webhook received"
                );
                if let Some(hook) = &self.on_webhook {
                    hook(&webhook);
                }
                Response::builder()
                    .status(StatusCode::OK)
                    .body(Bytes::new())
                    .unwrap_or_else(|_| Response::new(Bytes::new()))
            }
            Err(error) => webhook_refusal(&error),
        }
    }
}

/// What [`App::check_headers`] proved before the body was read.
pub(crate) enum Checked {
    /// Nothing: [`App::answer`] makes every check (library use through [`App::handle`]).
    Nothing,
    /// `POST /livekit/token`'s bearer secret and authorization hook passed.
    StandardToken,
    /// `POST /livekit/webhook`'s token verified; the body remains to be checked against it.
    Webhook(VerifiedAuthorization),
}

/// The `Authorization` value of a webhook request (empty when absent), or the refusal of one
/// that is not visible ASCII (boxed: the `Ok` side is a pointer).
fn webhook_authorization(headers: &HeaderMap) -> Result<&str, Box<Response<Bytes>>> {
    match headers.get(header::AUTHORIZATION).map(HeaderValue::to_str) {
        None => Ok(""),
        Some(Ok(value)) => Ok(value),
        Some(Err(_)) => {
            tracing::warn!(
                reason = "Authorization is not visible ASCII",
                "webhook refused"
            );
            Err(Box::new(error_response(
                StatusCode::UNAUTHORIZED,
                "webhook Authorization header is not a valid token",
            )))
        }
    }
}

/// The answer to a refused webhook, logged.
fn webhook_refusal(error: &WebhookError) -> Response<Bytes> {
    let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
    let detail = error
        .token_error()
        .map(ToString::to_string)
        .unwrap_or_default();
    tracing::warn!(status = status.as_u16(), %error, detail, "webhook refused");
    error_response(status, &webhook_message(error))
}

/// The `errorMessage` for a refused webhook: the error, and why the token did not verify.
fn webhook_message(error: &WebhookError) -> String {
    match error.token_error() {
        Some(token_error) => format!("{error}: {token_error}"),
        None => error.to_string(),
    }
}

/// The fields of a `POST /token` body.
#[derive(Debug, PartialEq, Eq)]
struct TokenRequest {
    room_name: String,
    participant_name: String,
}

/// Checks the content type and the JSON body; the error names every problem found.
fn parse_token_request(headers: &HeaderMap, body: &Bytes) -> Result<TokenRequest, String> {
    if !is_json(headers) {
        return Err("Content-Type must be application/json".to_owned());
    }
    if body.len() > TOKEN_BODY_LIMIT {
        return Err(format!(
            "request body is larger than {TOKEN_BODY_LIMIT} bytes"
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| format!("request body is not valid JSON: {error}"))?;
    let Value::Object(object) = value else {
        return Err(format!(
            "request body must be a JSON object, not {}",
            json_type(&value)
        ));
    };
    let room_name = string_field(&object, "roomName");
    let participant_name = string_field(&object, "participantName");
    match (room_name, participant_name) {
        (Ok(room_name), Ok(participant_name)) => Ok(TokenRequest {
            room_name,
            participant_name,
        }),
        (Err(a), Err(b)) => Err(format!("{a}; {b}")),
        (Err(message), Ok(_)) | (Ok(_), Err(message)) => Err(message),
    }
}

/// A required, non-empty string member.
fn string_field(object: &Map<String, Value>, name: &str) -> Result<String, String> {
    match object.get(name) {
        None | Some(Value::Null) => Err(format!("{name} is required")),
        Some(Value::String(s)) if s.is_empty() => Err(format!("{name} must not be empty")),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("{name} must be a string, not {}", json_type(other))),
    }
}

pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `application/json`, in any case, with any parameters.
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// Caps a client-supplied string before it is echoed.
pub(crate) fn shorten(s: &str) -> &str {
    const MAX: usize = 200;
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn json_response(status: StatusCode, value: &Value) -> Response<Bytes> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A JSON answer carrying a token: never cached.
fn token_response(status: StatusCode, value: &Value) -> Response<Bytes> {
    let mut response = json_response(status, value);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A refused `POST /livekit/token`, logged as `token request refused`.
fn refuse(status: StatusCode, message: &str) -> Response<Bytes> {
    tracing::info!(
        path = STANDARD_TOKEN_PATH,
        status = status.as_u16(),
        error = message,
        "token request refused"
    );
    error_response(status, message)
}

/// `{"errorMessage": …}`, the error shape of the tutorial servers.
fn error_response(status: StatusCode, message: &str) -> Response<Bytes> {
    json_response(status, &json!({ "errorMessage": message }))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use livekit_server_auth::ApiSecret;
    use livekit_server_proto::WebhookEvent;
    use livekit_server_webhook::{SignedWebhook, WebhookSigner};

    use super::*;
    use crate::test_support::{SharedSink, capture_every_callsite, json_lines};

    const KEY: &str = "APIunit";
    const SECRET: &str = "unit-test-secret-unit-test-secret";

    fn app() -> App {
        let config = Config {
            api_key: KEY.to_owned(),
            api_secret: ApiSecret::new(SECRET).unwrap(),
            ..Config::default()
        };
        App::new(&config).unwrap()
    }

    fn post(path: &str, headers: &[(&str, &str)], body: &[u8]) -> Request<Bytes> {
        let mut builder = Request::post(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Bytes::copy_from_slice(body)).unwrap()
    }

    /// A `POST /livekit/webhook` carrying `signed` (its body and `Authorization`).
    fn webhook(signed: &SignedWebhook) -> Request<Bytes> {
        post(
            "/livekit/webhook",
            &[("authorization", &signed.authorization)],
            &signed.body,
        )
    }

    /// Log lines written while `f` runs, as JSON values.
    fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, Vec<Value>) {
        let sink = SharedSink::default();
        let result = tracing::subscriber::with_default(json_lines(&sink), || {
            capture_every_callsite();
            f()
        });
        let lines = sink
            .text()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        (result, lines)
    }

    #[test]
    fn unusable_settings_fail_when_the_app_is_built() {
        let config = Config {
            token_ttl: Duration::ZERO,
            ..Config::default()
        };
        assert_eq!(App::new(&config).unwrap_err(), TokenError::InvalidTtl);
        let config = Config {
            api_key: String::new(),
            ..Config::default()
        };
        assert_eq!(
            App::new(&config).unwrap_err(),
            TokenError::MissingCredentials
        );
    }

    #[test]
    fn routes() {
        assert_eq!(Route::from_path("/token"), Some(Route::Token));
        assert_eq!(Route::from_path("/token/"), Some(Route::Token));
        assert_eq!(Route::from_path("/livekit/webhook"), Some(Route::Webhook));
        assert_eq!(Route::from_path("/healthz"), Some(Route::Health));
        for path in ["/", "", "/token//", "/TOKEN", "/livekit", "/webhook"] {
            assert_eq!(Route::from_path(path), None, "{path:?}");
        }
        let app = app();
        assert_eq!(
            app.body_limit(&Method::POST, "/token"),
            Some(TOKEN_BODY_LIMIT)
        );
        assert_eq!(
            app.body_limit(&Method::POST, "/livekit/webhook"),
            Some(WEBHOOK_BODY_LIMIT)
        );
        assert_eq!(
            app.body_limit(&Method::GET, "/token"),
            None,
            "405 reads no body"
        );
        assert_eq!(app.body_limit(&Method::OPTIONS, "/token"), None);
        assert_eq!(app.body_limit(&Method::GET, "/healthz"), None);
        assert_eq!(app.body_limit(&Method::POST, "/elsewhere"), None);
    }

    #[test]
    fn content_types() {
        let headers = |value: &str| {
            let mut map = HeaderMap::new();
            map.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
            map
        };
        assert!(is_json(&headers("application/json")));
        assert!(is_json(&headers("APPLICATION/Json;charset=utf-8")));
        assert!(!is_json(&headers("application/webhook+json")));
        assert!(!is_json(&headers("text/json")));
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn body_errors() {
        let app = app();
        let cases = [
            ("/token", BodyError::TooLarge, 400),
            ("/livekit/webhook", BodyError::TooLarge, 413),
            ("/token", BodyError::TimedOut, 408),
            ("/livekit/webhook", BodyError::Failed, 400),
        ];
        for (path, error, status) in cases {
            let response = app.body_error(&HeaderMap::new(), path, error);
            assert_eq!(response.status().as_u16(), status, "{path} {error:?}");
            assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
            let json: Value = serde_json::from_slice(response.body()).unwrap();
            assert!(json["errorMessage"].is_string());
        }
        let response = app.body_error(&HeaderMap::new(), "/livekit/webhook", BodyError::TooLarge);
        let json: Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(
            json["errorMessage"],
            "request body is larger than 1048576 bytes"
        );
    }

    #[test]
    fn handle_checks_the_length_itself() {
        let app = app();
        let big = vec![b' '; TOKEN_BODY_LIMIT + 1];
        let response = app.handle(post(
            "/token",
            &[("content-type", "application/json")],
            &big,
        ));
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let big = vec![b' '; WEBHOOK_BODY_LIMIT + 1];
        let response = app.handle(post("/livekit/webhook", &[("authorization", "x")], &big));
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn a_webhook_is_logged_in_one_structured_line() {
        let app = app();
        // The `webhook received` lines logged for `event`, signed like the server signs it.
        let received = |event: &WebhookEvent| {
            let signed = WebhookSigner::new(KEY, SECRET)
                .unwrap()
                .sign(event)
                .unwrap();
            let (response, lines) = capture_logs(|| app.handle(webhook(&signed)));
            assert_eq!(response.status(), StatusCode::OK);
            let received: Vec<Value> = lines
                .into_iter()
                .filter(|line| line["fields"]["message"] == "webhook received")
                .collect();
            assert_eq!(received.len(), 1, "{received:?}");
            received[0].clone()
        };

        let mut event = WebhookEvent {
            event: "participant_joined".into(),
            id: "EV_log".into(),
            ..Default::default()
        };
        event.room.get_or_insert_default().name = "log-room".into();
        event.participant.get_or_insert_default().identity = "ana".into();
        let line = received(&event);
        let fields = &line["fields"];
        assert_eq!(fields["event"], "participant_joined");
        assert_eq!(fields["id"], "EV_log");
        assert_eq!(fields["room"], "log-room");
        assert_eq!(fields["participant"], "ana");
        assert_eq!(line["level"], "INFO");

        // An event without room or participant still gives one line, with empty fields.
        let line = received(&WebhookEvent {
            event: "egress_started".into(),
            ..Default::default()
        });
        assert_eq!(line["fields"]["event"], "egress_started");
        assert_eq!(line["fields"]["room"], "");
    }

    #[test]
    fn the_standard_endpoint_logs_no_token_and_no_bearer_secret() {
        const BEARER: &str = "bearer-secret-never-logged";
        let config = Config {
            api_key: KEY.to_owned(),
            api_secret: ApiSecret::new(SECRET).unwrap(),
            token_endpoint_secret: BearerSecret::new(BEARER),
            ..Config::default()
        };
        let app = App::new(&config).unwrap();
        let authorized = format!("Bearer {BEARER}");
        let wrong = format!("Bearer {BEARER}-wrong");
        let body = br#"{"room_name":"r","participant_identity":"i"}"#;
        let ((good, refused), lines) = capture_logs(|| {
            (
                app.handle(post(
                    "/livekit/token",
                    &[
                        ("content-type", "application/json"),
                        ("authorization", &authorized),
                    ],
                    body,
                )),
                app.handle(post(
                    "/livekit/token",
                    &[
                        ("content-type", "application/json"),
                        ("authorization", &wrong),
                    ],
                    body,
                )),
            )
        });
        assert_eq!(good.status(), StatusCode::CREATED);
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        let answer: Value = serde_json::from_slice(good.body()).unwrap();
        let token = answer["participant_token"].as_str().unwrap();
        let text = lines
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        for secret in [token, BEARER, SECRET] {
            assert!(!text.contains(secret), "leaked into the logs: {text}");
        }
        let issued = lines
            .iter()
            .find(|l| l["fields"]["message"] == "token issued")
            .unwrap();
        assert_eq!(issued["fields"]["room"], "r");
        assert_eq!(issued["fields"]["identity"], "i");
        assert_eq!(issued["fields"]["path"], "/livekit/token");
        let refusal = lines
            .iter()
            .find(|l| l["fields"]["message"] == "token request refused")
            .unwrap();
        assert_eq!(refusal["fields"]["status"], 401);
    }

    #[test]
    fn secrets_and_tokens_never_reach_the_logs() {
        let app = app();
        let token_request = post(
            "/token",
            &[("content-type", "application/json")],
            br#"{"roomName":"r","participantName":"p"}"#,
        );
        let signer = WebhookSigner::new(KEY, SECRET).unwrap();
        let good = signer
            .sign_body(br#"{"event":"room_started"}"#.to_vec())
            .unwrap();
        let forged = WebhookSigner::new(KEY, "forged-secret-forged-secret-forged")
            .unwrap()
            .sign_body(br#"{"event":"room_started"}"#.to_vec())
            .unwrap();
        let ((token_response, good_response, forged_response), lines) = capture_logs(|| {
            (
                app.handle(token_request),
                app.handle(webhook(&good)),
                app.handle(webhook(&forged)),
            )
        });
        assert_eq!(good_response.status(), StatusCode::OK);
        assert_eq!(forged_response.status(), StatusCode::UNAUTHORIZED);
        let token: Value = serde_json::from_slice(token_response.body()).unwrap();
        let token = token["token"].as_str().unwrap();
        assert!(!lines.is_empty());
        let text = lines
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        for secret in [
            SECRET,
            token,
            good.authorization.as_str(),
            forged.authorization.as_str(),
        ] {
            assert!(!text.contains(secret), "leaked into the logs: {text}");
        }
        assert!(!format!("{app:?}").contains(SECRET));
        let refused = lines
            .iter()
            .find(|l| l["fields"]["message"] == "webhook refused")
            .unwrap();
        assert_eq!(refused["level"], "WARN");
        assert_eq!(refused["fields"]["status"], 401);
    }

    #[test]
    fn hook_sees_verified_webhooks_only() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let app =
            app().on_webhook(move |webhook| sink.lock().unwrap().push(webhook.id().to_owned()));
        let signer = WebhookSigner::new(KEY, SECRET).unwrap();
        let good = signer
            .sign_body(br#"{"event":"room_started","id":"EV_good"}"#.to_vec())
            .unwrap();
        let response = app.handle(webhook(&good));
        assert_eq!(response.status(), StatusCode::OK);
        let response = app.handle(post(
            "/livekit/webhook",
            &[("authorization", "x")],
            &good.body,
        ));
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(*seen.lock().unwrap(), ["EV_good"]);
        assert!(format!("{app:?}").contains("Fn(&Webhook)"));
    }
}
