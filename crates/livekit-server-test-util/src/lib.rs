//! Test doubles for code built on the LiveKit server SDK's clients (`livekit-server-http` and
//! the per-service crates): [`FakeTransport`] answers calls with canned responses,
//! [`RecordingTransport`] wraps any [`Transport`] (a real server's, in integration tests), and
//! both keep every request for assertions; [`assert_rpc_contract`] holds a client method to its
//! route, grants and retry class.
//!
//! Meant as a dev-dependency. [`FakeTransport`] opens no socket and answers at once.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), livekit_server_http::Error> {
//! use std::sync::Arc;
//! use livekit_server_test_util::{FakeResponse, FakeTransport};
//! use livekit_server_http::{CallOptions, Client, Grant, Idempotency, Rpc, Scope};
//!
//! #[derive(Clone, PartialEq, prost::Message)]
//! struct Room {
//!     #[prost(string, tag = "2")]
//!     name: String,
//! }
//! const CREATE_ROOM: Rpc = Rpc {
//!     service: "livekit.RoomService",
//!     method: "CreateRoom",
//!     path: "/twirp/livekit.RoomService/CreateRoom",
//!     idempotency: Idempotency::Idempotent,
//!     grants: &[Grant::RoomCreate],
//! };
//!
//! let fake = FakeTransport::new();
//! fake.push(FakeResponse::twirp_error(503, "unavailable", "try again"));
//! fake.push(FakeResponse::protobuf(&Room { name: "r1".into() }));
//! let client = Client::builder()
//!     .url("http://livekit.test")
//!     .credentials("APIkey", "secret")
//!     .transport(Arc::new(fake.clone()))
//!     .build()?;
//!
//! let request = Room { name: "r1".into() };
//! let room: Room = client.call(&CREATE_ROOM, Scope::NONE, &request, &CallOptions::new()).await?;
//! assert_eq!(room.name, "r1");
//!
//! let sent = fake.requests();
//! assert_eq!(sent.len(), 2); // the 503 was retried
//! assert_eq!(sent[0].path(), "/twirp/livekit.RoomService/CreateRoom");
//! assert_eq!(sent[0].request_id(), sent[1].request_id());
//! assert_eq!(sent[1].decode_body::<Room>(), request);
//! assert!(sent[1].bearer_token().is_some());
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};

use livekit_server_http::{Client, Error, Rpc, Scope, Transport, TransportError, TransportLimits};

/// A request as the transport saw it.
#[derive(Clone)]
pub struct RecordedRequest {
    /// The HTTP method (always `POST` for Twirp).
    pub method: Method,
    /// The absolute URI.
    pub uri: Uri,
    /// All headers, `Authorization` included.
    pub headers: HeaderMap,
    /// The encoded protobuf body.
    pub body: Bytes,
    /// The limits the client gave for this attempt.
    pub limits: TransportLimits,
}

impl RecordedRequest {
    fn new(request: &http::Request<Bytes>, limits: &TransportLimits) -> Self {
        RecordedRequest {
            method: request.method().clone(),
            uri: request.uri().clone(),
            headers: request.headers().clone(),
            body: request.body().clone(),
            limits: *limits,
        }
    }

    /// The URI's path (`/twirp/livekit.RoomService/ListRooms`).
    pub fn path(&self) -> &str {
        self.uri.path()
    }

    /// A header's value, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The token of the `Authorization: Bearer` header.
    pub fn bearer_token(&self) -> Option<&str> {
        self.header("authorization")?.strip_prefix("Bearer ")
    }

    /// The `X-Livekit-Request-Id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.header("x-livekit-request-id")
    }

    /// The `X-Twirp-Timeout-Ms` header, parsed.
    pub fn timeout_ms(&self) -> Option<u64> {
        self.header("x-twirp-timeout-ms")?.parse().ok()
    }

    /// The body decoded as `M`.
    ///
    /// # Panics
    ///
    /// If the body is not a valid `M` (this is a test helper).
    pub fn decode_body<M: prost::Message + Default>(&self) -> M {
        match M::decode(self.body.clone()) {
            Ok(message) => message,
            Err(e) => panic!(
                "recorded body is not a valid {}: {e}",
                std::any::type_name::<M>()
            ),
        }
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Redact the token: test output ends up in CI logs.
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if name == http::header::AUTHORIZATION {
                    "***"
                } else {
                    value.to_str().unwrap_or("<binary>")
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A canned response (or transport failure) for [`FakeTransport`].
#[derive(Debug, Clone)]
pub struct FakeResponse {
    outcome: Result<(StatusCode, HeaderMap, Bytes), FakeFailure>,
}

#[derive(Debug, Clone, Copy)]
enum FakeFailure {
    Connect,
    Io,
    Timeout,
}

impl FakeResponse {
    /// An empty response with this status.
    ///
    /// # Panics
    ///
    /// If `status` is not in `100..=999`.
    pub fn new(status: u16) -> Self {
        let status =
            StatusCode::from_u16(status).unwrap_or_else(|_| panic!("invalid status {status}"));
        FakeResponse {
            outcome: Ok((status, HeaderMap::new(), Bytes::new())),
        }
    }

    /// A Twirp success: 200 `application/protobuf` with `message` encoded.
    pub fn protobuf(message: &impl prost::Message) -> Self {
        FakeResponse::new(200)
            .header("content-type", "application/protobuf")
            .body(message.encode_to_vec())
    }

    /// A Twirp error: `status` with the JSON body `{"code":…,"msg":…}`.
    pub fn twirp_error(status: u16, code: &str, msg: &str) -> Self {
        let body = serde_json::json!({ "code": code, "msg": msg }).to_string();
        FakeResponse::new(status)
            .header("content-type", "application/json")
            .body(body)
    }

    /// A failure to connect (the request never left).
    pub fn connect_error() -> Self {
        FakeResponse {
            outcome: Err(FakeFailure::Connect),
        }
    }

    /// A connection lost after sending (outcome unknown).
    pub fn io_error() -> Self {
        FakeResponse {
            outcome: Err(FakeFailure::Io),
        }
    }

    /// A transport-level timeout.
    pub fn timeout() -> Self {
        FakeResponse {
            outcome: Err(FakeFailure::Timeout),
        }
    }

    /// Adds a header.
    ///
    /// # Panics
    ///
    /// If the name or value is not valid.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Ok((_, headers, _)) = &mut self.outcome {
            let name = HeaderName::try_from(name)
                .unwrap_or_else(|_| panic!("invalid header name {name:?}"));
            let value = HeaderValue::try_from(value)
                .unwrap_or_else(|_| panic!("invalid header value {value:?}"));
            headers.append(name, value);
        }
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        if let Ok((_, _, b)) = &mut self.outcome {
            *b = body.into();
        }
        self
    }

    fn into_result(self) -> Result<http::Response<Bytes>, TransportError> {
        match self.outcome {
            Ok((status, headers, body)) => {
                let mut response = http::Response::new(body);
                *response.status_mut() = status;
                *response.headers_mut() = headers;
                Ok(response)
            }
            Err(FakeFailure::Connect) => Err(TransportError::connect("fake: connection refused")),
            Err(FakeFailure::Io) => Err(TransportError::io("fake: connection reset")),
            Err(FakeFailure::Timeout) => Err(TransportError::timeout()),
        }
    }
}

type Handler = Arc<dyn Fn(&RecordedRequest) -> FakeResponse + Send + Sync>;

#[derive(Default)]
struct FakeState {
    queue: VecDeque<FakeResponse>,
    handler: Option<Handler>,
    requests: Vec<RecordedRequest>,
}

/// A [`Transport`] that answers from a queue of canned responses (then from a handler, if
/// set) and records every request. Clones share the queue and the record.
///
/// With nothing queued and no handler, it answers `500 text/plain` "no response queued"
/// (not retried, so a missing response shows up as one clear error).
#[derive(Clone, Default)]
pub struct FakeTransport {
    state: Arc<Mutex<FakeState>>,
}

impl FakeTransport {
    /// The API key of [`client`](Self::client).
    pub const API_KEY: &'static str = "APIfake";
    /// The API secret of [`client`](Self::client).
    pub const API_SECRET: &'static str = "fake-transport-secret-of-32-bytes";

    /// An empty fake.
    pub fn new() -> Self {
        Self::default()
    }

    /// A client of `http://livekit.test` with [`API_KEY`](Self::API_KEY) and
    /// [`API_SECRET`](Self::API_SECRET) whose every call goes to this fake.
    ///
    /// # Panics
    ///
    /// Never: the URL and credentials are fixed and valid.
    pub fn client(&self) -> Client {
        Client::builder()
            .url("http://livekit.test")
            .credentials(Self::API_KEY, Self::API_SECRET)
            .transport(Arc::new(self.clone()))
            .build()
            .expect("a client of a fixed URL and credentials builds")
    }

    fn lock(&self) -> MutexGuard<'_, FakeState> {
        // A panic in a handler must not hide the record from the test that inspects it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues a response for the next request.
    pub fn push(&self, response: FakeResponse) -> &Self {
        self.lock().queue.push_back(response);
        self
    }

    /// Answers requests with `handler` once the queue is empty.
    pub fn set_handler(
        &self,
        handler: impl Fn(&RecordedRequest) -> FakeResponse + Send + Sync + 'static,
    ) -> &Self {
        self.lock().handler = Some(Arc::new(handler));
        self
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// The requests received so far, clearing the record.
    pub fn take_requests(&self) -> Vec<RecordedRequest> {
        std::mem::take(&mut self.lock().requests)
    }

    /// The number of requests received.
    pub fn request_count(&self) -> usize {
        self.lock().requests.len()
    }

    /// The most recent request.
    pub fn last_request(&self) -> Option<RecordedRequest> {
        self.lock().requests.last().cloned()
    }

    /// The number of queued responses not yet used.
    pub fn pending(&self) -> usize {
        self.lock().queue.len()
    }
}

impl fmt::Debug for FakeTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("FakeTransport")
            .field("queued", &state.queue.len())
            .field("handler", &state.handler.is_some())
            .field("requests", &state.requests.len())
            .finish()
    }
}

#[async_trait::async_trait]
impl Transport for FakeTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
        limits: &TransportLimits,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let recorded = RecordedRequest::new(&request, limits);
        let (queued, handler) = {
            let mut state = self.lock();
            state.requests.push(recorded.clone());
            (state.queue.pop_front(), state.handler.clone())
        };
        let response = match (queued, handler) {
            (Some(response), _) => response,
            (None, Some(handler)) => handler(&recorded),
            (None, None) => FakeResponse::new(500)
                .header("content-type", "text/plain")
                .body("FakeTransport: no response queued"),
        };
        response.into_result()
    }
}

/// A [`Transport`] that forwards to another one and records every request (for instance
/// against a real server in integration tests). Clones share the record.
#[derive(Clone)]
pub struct RecordingTransport {
    inner: Arc<dyn Transport>,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
}

impl RecordingTransport {
    /// Records the requests sent through `inner`.
    pub fn new(inner: Arc<dyn Transport>) -> Self {
        RecordingTransport {
            inner,
            requests: Arc::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        self.requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every request sent so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    /// The requests sent so far, clearing the record.
    pub fn take_requests(&self) -> Vec<RecordedRequest> {
        std::mem::take(&mut *self.lock())
    }

    /// The number of requests sent.
    pub fn request_count(&self) -> usize {
        self.lock().len()
    }
}

impl fmt::Debug for RecordingTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingTransport")
            .field("inner", &self.inner)
            .field("requests", &self.request_count())
            .finish()
    }
}

#[async_trait::async_trait]
impl Transport for RecordingTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
        limits: &TransportLimits,
    ) -> Result<http::Response<Bytes>, TransportError> {
        self.lock().push(RecordedRequest::new(&request, limits));
        self.inner.send(request, limits).await
    }
}

/// Checks the contract of one generated client method against its [`Rpc`] entry,
/// through a [`FakeTransport`], and panics with a precise message on any difference:
///
/// 1. the request goes to `rpc.path` as a `POST` with a protobuf body equal to
///    `expected_body` (when given; hand-written helpers may add fields) and an
///    `X-Livekit-Request-Id`;
/// 2. its bearer token verifies with the client's key and carries exactly the grants of
///    `rpc.grants`, with `video.room` / `video.destinationRoom` from `scope`, and nothing else;
/// 3. after a `503 unavailable`, a read-only or idempotent RPC is retried once (same request
///    id) and succeeds, while a non-idempotent one is not retried and returns the error.
///
/// `call` performs the method under test on the client it is given. The generated service
/// crates run this for every RPC; it is public so that code generated or written on top of
/// this crate can hold itself to the same contract.
///
/// # Panics
///
/// On any breach of the contract (it is an assertion helper for tests).
pub async fn assert_rpc_contract<F, Fut>(
    rpc: &Rpc,
    scope: Scope<'_>,
    expected_body: Option<Vec<u8>>,
    call: F,
) where
    F: Fn(Client) -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    const KEY: &str = "APIcontract";
    const SECRET: &str = "contract-secret-of-at-least-32-bytes";
    let client_for = |fake: &FakeTransport| {
        Client::builder()
            .url("http://livekit.test/base")
            .credentials(KEY, SECRET)
            .transport(Arc::new(fake.clone()))
            .build()
            .expect("the contract client builds")
    };
    let name = format!("{}/{}", rpc.service, rpc.method);

    // 1 and 2: one successful call (an empty protobuf body decodes as the default response).
    let fake = FakeTransport::new();
    fake.push(FakeResponse::protobuf(&()));
    call(client_for(&fake))
        .await
        .unwrap_or_else(|e| panic!("{name}: the call failed: {e:?}"));
    let sent = fake.requests();
    assert_eq!(sent.len(), 1, "{name}: one request expected");
    let request = &sent[0];
    assert_eq!(
        request.path(),
        format!("/base{}", rpc.path),
        "{name}: route"
    );
    assert!(
        request.request_id().is_some_and(|id| !id.is_empty()),
        "{name}: request id"
    );
    if let Some(body) = expected_body {
        assert_eq!(
            request.body.as_ref(),
            body.as_slice(),
            "{name}: protobuf body"
        );
    }
    let token = request
        .bearer_token()
        .unwrap_or_else(|| panic!("{name}: no bearer token"));
    let verifier = livekit_server_auth::TokenVerifier::new(KEY, SECRET).expect("verifier");
    let claims = verifier
        .verify(token)
        .unwrap_or_else(|e| panic!("{name}: token: {e}"));
    assert_eq!(
        granted(&claims, &name),
        expected_grants(rpc, scope),
        "{name}: token grants"
    );

    // 3: retry behaviour after a 503.
    let fake = FakeTransport::new();
    fake.push(FakeResponse::twirp_error(503, "unavailable", "try again"));
    fake.push(FakeResponse::protobuf(&()));
    let result = call(client_for(&fake)).await;
    let sent = fake.requests();
    if rpc.idempotency.is_replayable() {
        result
            .unwrap_or_else(|e| panic!("{name}: a replayable call should survive one 503: {e:?}"));
        assert_eq!(sent.len(), 2, "{name}: retried once");
        assert_eq!(
            sent[0].request_id(),
            sent[1].request_id(),
            "{name}: same request id"
        );
    } else {
        let error = result.expect_err("a non-idempotent call must surface the 503");
        assert_eq!(
            error.status().map(|s| s.as_u16()),
            Some(503),
            "{name}: status kept"
        );
        assert_eq!(
            sent.len(),
            1,
            "{name}: a non-idempotent call must not be replayed"
        );
    }
}

/// The grants a token carries, as the sorted list of claim names set (`video.roomAdmin`,
/// `video.room=<name>`, `sip.call`, …).
fn granted(claims: &livekit_server_auth::Claims, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(video) = &claims.video {
        let flags = [
            (video.room_create, "video.roomCreate"),
            (video.room_list, "video.roomList"),
            (video.room_record, "video.roomRecord"),
            (video.room_admin, "video.roomAdmin"),
            (video.room_join, "video.roomJoin"),
            (video.ingress_admin, "video.ingressAdmin"),
            (video.hidden, "video.hidden"),
            (video.recorder, "video.recorder"),
            (video.agent, "video.agent"),
        ];
        out.extend(
            flags
                .iter()
                .filter(|(set, _)| *set)
                .map(|(_, n)| (*n).to_owned()),
        );
        if !video.room.is_empty() {
            out.push(format!("video.room={}", video.room));
        }
        if !video.destination_room.is_empty() {
            out.push(format!("video.destinationRoom={}", video.destination_room));
        }
        assert!(
            video.can_publish.is_none()
                && video.can_subscribe.is_none()
                && video.can_publish_data.is_none(),
            "{name}: API tokens leave participant permissions unset"
        );
    }
    if let Some(sip) = &claims.sip {
        out.extend(
            [(sip.admin, "sip.admin"), (sip.call, "sip.call")]
                .iter()
                .filter(|(s, _)| *s)
                .map(|(_, n)| (*n).to_owned()),
        );
    }
    if let Some(agent) = &claims.agent {
        let flags = [
            (agent.admin, "agent.admin"),
            (agent.simulation_admin, "agent.simulationAdmin"),
            (agent.database_admin, "agent.databaseAdmin"),
            (agent.dispatch_admin, "agent.dispatchAdmin"),
        ];
        out.extend(
            flags
                .iter()
                .filter(|(set, _)| *set)
                .map(|(_, n)| (*n).to_owned()),
        );
    }
    out.sort();
    out
}

fn expected_grants(rpc: &Rpc, scope: Scope<'_>) -> Vec<String> {
    let mut out: Vec<String> = rpc
        .grants
        .iter()
        .map(|grant| grant.claim().to_owned())
        .collect();
    if let Some(room) = scope.room.filter(|r| !r.is_empty()) {
        out.push(format!("video.room={room}"));
    }
    if let Some(room) = scope.destination_room.filter(|r| !r.is_empty()) {
        out.push(format!("video.destinationRoom={room}"));
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use livekit_server_http::{CallOptions, Grant, Idempotency};

    use super::*;

    #[test]
    fn twirp_error_bodies_are_valid_json() {
        let Ok((status, _, body)) =
            FakeResponse::twirp_error(404, "not_found", "a\"b\\c\n").outcome
        else {
            panic!("a response expected");
        };
        assert_eq!(status, 404);
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "code": "not_found", "msg": "a\"b\\c\n" })
        );
    }

    #[test]
    fn recorded_requests_redact_the_token_in_debug() {
        let request = http::Request::builder()
            .uri("http://x/twirp/a/B")
            .header("authorization", "Bearer secret-token")
            .body(Bytes::new())
            .unwrap();
        let recorded = RecordedRequest::new(&request, &TransportLimits::new(Default::default(), 1));
        assert_eq!(recorded.bearer_token(), Some("secret-token"));
        assert!(!format!("{recorded:?}").contains("secret-token"));
    }

    #[tokio::test]
    async fn the_contract_helper_accepts_a_conforming_call() {
        const SEND: Rpc = Rpc {
            service: "livekit.RoomService",
            method: "SendData",
            path: "/twirp/livekit.RoomService/SendData",
            idempotency: Idempotency::NonIdempotent,
            grants: &[Grant::RoomAdmin],
        };
        const LIST: Rpc = Rpc {
            service: "livekit.RoomService",
            method: "ListRooms",
            path: "/twirp/livekit.RoomService/ListRooms",
            idempotency: Idempotency::ReadOnly,
            grants: &[Grant::RoomList],
        };
        let room = String::from("lobby");
        let body = prost::Message::encode_to_vec(&room);
        assert_rpc_contract(&SEND, Scope::room(&room), Some(body), |client| {
            let room = room.clone();
            async move {
                client
                    .call::<_, ()>(&SEND, Scope::room(&room), &room, &CallOptions::new())
                    .await
            }
        })
        .await;
        assert_rpc_contract(&LIST, Scope::NONE, None, |client| async move {
            client
                .call::<_, ()>(&LIST, Scope::NONE, &(), &CallOptions::new())
                .await
        })
        .await;
    }
}
