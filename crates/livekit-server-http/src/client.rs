//! [`Client`]: one Twirp call = request id, per-attempt token, deadline, retries, decode.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::header::USER_AGENT;
use http::{HeaderValue, StatusCode};
use livekit_server_twirp::{self as twirp, BaseUrl, TwirpError};
use tracing::Instrument;
use tracing::field::Empty;

use crate::credentials::Credentials;
use crate::error::{self, Error};
use crate::hyper_transport::HyperTransportBuilder;
use crate::options::CallOptions;
use crate::regions::{Region, RegionError, RegionFailover, Regions};
use crate::retry::RetryPolicy;
use crate::rpc::{Idempotency, Rpc, Scope};
use crate::transport::{Transport, TransportError, TransportLimits};

/// Default time one attempt may take.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a whole call may take, retries included.
pub(crate) const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on a success body (list responses can be large).
pub(crate) const DEFAULT_MAX_RESPONSE: usize = 16 * 1024 * 1024;
/// Default cap on an error body (only a snippet of it is kept).
const DEFAULT_MAX_ERROR_BODY: usize = twirp::ERROR_BODY_READ_LIMIT;
/// Default lifetime of a per-call token.
pub(crate) const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(600);

/// The client for LiveKit's Twirp APIs: every service crate calls through one of these.
///
/// Clones are cheap and share one connection pool (and transport).
///
/// ```no_run
/// # async fn run() -> Result<(), livekit_server_http::Error> {
/// use livekit_server_http::{CallOptions, Client, Grant, Idempotency, Rpc, Scope};
///
/// // A message of the protocol crate would do; any prost message is accepted.
/// #[derive(Clone, PartialEq, prost::Message)]
/// struct ListRoomsRequest {
///     #[prost(string, repeated, tag = "1")]
///     names: Vec<String>,
/// }
/// #[derive(Clone, PartialEq, prost::Message)]
/// struct ListRoomsResponse {}
///
/// const LIST_ROOMS: Rpc = Rpc {
///     service: "livekit.RoomService",
///     method: "ListRooms",
///     path: "/twirp/livekit.RoomService/ListRooms",
///     idempotency: Idempotency::ReadOnly,
///     grants: &[Grant::RoomList],
/// };
///
/// let client = Client::new("https://my-project.livekit.cloud", "APIkey", "secret")?;
/// let rooms: ListRoomsResponse = client
///     .call(&LIST_ROOMS, Scope::NONE, &ListRoomsRequest::default(), &CallOptions::default())
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// What identifies the client and how it calls; the credentials with the secret redacted.
impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("url", &inner.url)
            .field("credentials", &inner.credentials)
            .field("transport", &inner.transport)
            .field("region_failover", &inner.regions.mode)
            .field("timeout", &inner.timeout)
            .field("total_timeout", &inner.total_timeout)
            .field("retry", &inner.retry)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
struct Inner {
    base: BaseUrl,
    /// `base` as text, for [`Client::url`].
    url: String,
    /// Shared with clients made by [`Client::with_base_url`].
    credentials: Arc<Credentials>,
    /// Shared with clients made by [`Client::with_base_url`] (one connection pool).
    transport: Arc<dyn Transport>,
    /// The regions of `base` (LiveKit Cloud), shared by clones.
    regions: Arc<Regions>,
    /// `None`: the codec's `User-Agent`, no suffix.
    user_agent: Option<HeaderValue>,
    timeout: Duration,
    total_timeout: Duration,
    retry: RetryPolicy,
    max_response_bytes: usize,
    max_error_body_bytes: usize,
    token_ttl: Duration,
}

impl Client {
    /// A client for the server at `url` (`https://…`, `http://…`, `wss://…` or `ws://…`;
    /// `ws(s)` is read as `http(s)`; a sub-path is kept) that signs a short-lived token for
    /// each call with the API key and secret. Uses [`HyperTransport`](crate::HyperTransport) with the default TLS
    /// roots and the default timeouts (connect 5 s, attempt 10 s, call 30 s).
    ///
    /// # Errors
    ///
    /// If the URL is not a valid http(s)/ws(s) URL, or the key or secret is empty.
    pub fn new(url: &str, api_key: &str, api_secret: &str) -> Result<Client, Error> {
        Client::builder()
            .url(url)
            .credentials(api_key, api_secret)
            .build()
    }

    /// A client that sends the pre-signed `token` as is on every call (it must carry the
    /// grants of the RPCs called; [`Scope`]s are ignored).
    ///
    /// # Errors
    ///
    /// If the URL is not a valid http(s)/ws(s) URL, or the token is empty or not a valid
    /// header value.
    pub fn with_token(url: &str, token: &str) -> Result<Client, Error> {
        Client::builder().url(url).token(token).build()
    }

    /// A builder for every setting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client for another base URL that shares this one's transport (its connection pool),
    /// credentials and settings: for services served from another host of the same project,
    /// such as LiveKit Cloud's agents host.
    ///
    /// # Errors
    ///
    /// If `url` is not a valid http(s)/ws(s) URL.
    pub fn with_base_url(&self, url: &str) -> Result<Client, Error> {
        let base = parse_url(url)?;
        Ok(Client {
            inner: Arc::new(Inner {
                url: base.to_string(),
                regions: Arc::new(Regions::new(self.inner.regions.mode, &base)),
                base,
                ..(*self.inner).clone()
            }),
        })
    }

    /// The normalised base URL (`http(s)`, no trailing slash, sub-path kept).
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// Calls `rpc` with `request` and decodes its response.
    ///
    /// Each attempt sends a fresh token with exactly `rpc.grants` (scoped to `scope`), the
    /// call's `X-Livekit-Request-Id`, and the remaining time budget as `X-Twirp-Timeout-Ms`.
    /// Failures are retried as [`RetryPolicy`] describes, never past the deadline, and
    /// non-idempotent RPCs only when the request provably never left.
    ///
    /// # Errors
    ///
    /// An [`Error`] saying what went wrong: the server's Twirp error, an intermediary's
    /// answer (status kept), a timeout, a transport failure, or an undecodable response.
    pub async fn call<Req, Resp>(
        &self,
        rpc: &Rpc,
        scope: Scope<'_>,
        request: &Req,
        options: &CallOptions,
    ) -> Result<Resp, Error>
    where
        Req: prost::Message,
        Resp: prost::Message + Default,
    {
        let call = self.prepare(rpc, options);
        let span = call.span(rpc);
        let attempts = self.execute(&call, rpc, scope, request, options);
        // Without a subscriber the span is disabled: skip instrumenting every poll.
        let outcome = if span.is_disabled() {
            attempts.await
        } else {
            attempts.instrument(span.clone()).await
        };
        let result = outcome
            .map_err(|e| e.with_call(rpc, &self.inner.url, &call.request_id, call.attempts()));
        call.finish(&span, &result);
        result
    }

    fn prepare(&self, rpc: &Rpc, options: &CallOptions) -> CallState {
        let start = Instant::now();
        let total = options.effective_total_timeout(self.inner.total_timeout);
        let mut deadline = start.checked_add(total);
        if let Some(given) = options.get_deadline() {
            deadline = Some(deadline.map_or(given, |d| d.min(given)));
        }
        let request_id = match options.get_request_id() {
            Some(id) => id.to_owned(),
            None => crate::random::uuid_v4(),
        };
        let max_attempts = options
            .get_max_attempts()
            .unwrap_or(self.inner.retry.max_attempts());
        CallState {
            start,
            deadline,
            attempt_timeout: options.effective_timeout(self.inner.timeout),
            max_attempts: max_attempts.max(1),
            request_id,
            attempt: std::sync::atomic::AtomicU32::new(0),
            idempotency: rpc.idempotency,
        }
    }

    /// Runs the attempts; returns the message of the first Twirp success.
    async fn execute<Req, Resp>(
        &self,
        call: &CallState,
        rpc: &Rpc,
        scope: Scope<'_>,
        message: &Req,
        options: &CallOptions,
    ) -> Result<Resp, Error>
    where
        Req: prost::Message,
        Resp: prost::Message + Default,
    {
        let mut retry = 0u32;
        let mut last: Option<Failure> = None;
        // Whether an attempt before `last` may have been acted on.
        let mut unknown_earlier = false;
        // Failover: the regions (fetched at the first failure of a region), the one called
        // (`None`: the configured URL), and how the call failed in those it left.
        let mut regions: Option<Arc<[Region]>> = None;
        let mut current: Option<usize> = None;
        let mut failed: Vec<RegionError> = Vec::new();
        loop {
            // The first attempt starts when the call does (one clock read fewer).
            let now = if retry == 0 {
                call.start
            } else {
                Instant::now()
            };
            let remaining = call.deadline.map(|d| d.saturating_duration_since(now));
            let budget = match remaining {
                Some(r) => r.min(call.attempt_timeout),
                None => call.attempt_timeout,
            };
            if budget.is_zero() {
                // Out of time before this attempt: report the previous attempt's failure, or
                // (before the first one) a timeout of a request that never left.
                let error = match last.take() {
                    Some(failure) => self.fail(failure, current, regions.as_deref(), failed),
                    None if !failed.is_empty() => Error::failed_everywhere(failed),
                    None => Error::timeout(now.duration_since(call.start), false),
                };
                return Err(error.with_unknown_earlier(unknown_earlier));
            }
            let attempt = call.next_attempt();
            // A discovery ended after this read is at least as recent as this attempt.
            let fetches = self.inner.regions.fetches();
            let base = match (current, regions.as_deref()) {
                (Some(i), Some(list)) => &list[i].base,
                _ => &self.inner.base,
            };
            let request =
                self.request(base, rpc, scope, message, &call.request_id, budget, options)?;
            let limits = TransportLimits::new(budget, self.inner.max_response_bytes)
                .with_max_error_body_bytes(self.inner.max_error_body_bytes);
            let outcome =
                match tokio::time::timeout(budget, self.inner.transport.send(request, &limits))
                    .await
                {
                    Err(_elapsed) => Failure::Timeout(budget),
                    Ok(Err(transport)) => Failure::Transport(transport),
                    Ok(Ok(response)) => match self.decode(response) {
                        Ok(message) => return Ok(message),
                        // The server's timer for the deadline we sent ran out before ours: the
                        // same failure as ours running out first (see `Error::is_timeout`).
                        Err(Failure::Twirp(e)) if error::is_server_timeout(&e) => {
                            Failure::ServerTimeout(budget, e)
                        }
                        Err(failure) => failure,
                    },
                };
            retry += 1;
            let mut delay = retry_delay(&self.inner.retry, call.idempotency, &outcome, retry);
            // A failure that may be retried and is the region's (not the request's) moves
            // the call to the next region, whatever the attempt count (the deadline bounds
            // it): retry_delay already refused what the RPC's class forbids (a
            // non-idempotent RPC moves only when its request never left).
            let mut next_region = None;
            if delay.is_some() && call.max_attempts > 1 && outcome.is_region_failure() {
                if regions.is_none() && self.inner.regions.enabled() {
                    regions = Some(self.discover(rpc, scope, call, fetches).await?);
                }
                let list = regions.as_deref().unwrap_or_default();
                let from = current.map_or(0, |i| i + 1);
                match (from..list.len()).find(|&i| list[i].base != self.inner.base) {
                    Some(next) => next_region = Some(next),
                    // Every region failed: the list may be stale.
                    None if current.is_some() => {
                        if let Some(list) = &regions {
                            self.inner.regions.expire(list);
                        }
                        delay = None;
                    }
                    // No other region known: retry here, as without failover.
                    None => {}
                }
            }
            if next_region.is_none() && attempt >= call.max_attempts {
                delay = None;
            }
            let Some(delay) = delay else {
                let error = self.fail(outcome, current, regions.as_deref(), failed);
                return Err(error.with_unknown_earlier(unknown_earlier));
            };
            if call.deadline.is_some_and(|d| Instant::now() + delay >= d) {
                // Waiting would cross the deadline: give up now with what we know.
                let error = self.fail(outcome, current, regions.as_deref(), failed);
                return Err(error.with_unknown_earlier(unknown_earlier));
            }
            if let Some(earlier) = last.take() {
                unknown_earlier |= earlier.outcome_unknown();
            }
            tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, reason = ?outcome, "retrying");
            if let Some(next) = next_region {
                let error = outcome.into_error();
                failed.push(self.region_error(current, regions.as_deref(), error));
                current = Some(next);
                // Filed above, with the region it happened in.
                last = None;
            } else {
                last = Some(outcome);
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// The regions of the client's URL, with a token for `rpc`, for an attempt made when
    /// `fetches` discoveries had ended (see [`Regions::get`]).
    async fn discover(
        &self,
        rpc: &Rpc,
        scope: Scope<'_>,
        call: &CallState,
        fetches: u64,
    ) -> Result<Arc<[Region]>, Error> {
        let inner = &*self.inner;
        let token = inner.credentials.token_for(rpc, scope, inner.token_ttl)?;
        let agent = inner.user_agent.as_ref();
        let transport = &*inner.transport;
        Ok(inner
            .regions
            .get(transport, &token, agent, call.deadline, fetches)
            .await)
    }

    /// `error` in region `current` of `regions` (`None`: the client's URL).
    fn region_error(
        &self,
        current: Option<usize>,
        regions: Option<&[Region]>,
        error: Error,
    ) -> RegionError {
        let region = current.and_then(|i| regions?.get(i));
        RegionError {
            region: region.map(|r| r.name.clone()).filter(|n| !n.is_empty()),
            url: region
                .map_or(&self.inner.base, |r| &r.base)
                .to_string()
                .into(),
            error,
        }
    }

    /// The call's error: `outcome`'s, naming every region tried if it failed over.
    fn fail(
        &self,
        outcome: Failure,
        current: Option<usize>,
        regions: Option<&[Region]>,
        mut failed: Vec<RegionError>,
    ) -> Error {
        if failed.is_empty() {
            return outcome.into_error();
        }
        failed.push(self.region_error(current, regions, outcome.into_error()));
        Error::failed_everywhere(failed)
    }

    /// One attempt's request to `base`, built by the codec: its route, body and headers, a
    /// token made for this attempt, the call's request id and the attempt's time budget,
    /// then the `User-Agent` suffix and the caller's headers.
    #[allow(clippy::too_many_arguments)]
    fn request<M: prost::Message>(
        &self,
        base: &BaseUrl,
        rpc: &Rpc,
        scope: Scope<'_>,
        message: &M,
        request_id: &str,
        budget: Duration,
        options: &CallOptions,
    ) -> Result<http::Request<bytes::Bytes>, Error> {
        let inner = &*self.inner;
        let token = inner.credentials.token_for(rpc, scope, inner.token_ttl)?;
        let invalid = |e| Error::config_source("invalid request", e);
        let mut request = twirp::build_request(base, rpc.path, message, &token).map_err(invalid)?;
        twirp::set_request_id(&mut request, request_id).map_err(invalid)?;
        twirp::set_timeout(&mut request, budget);
        let headers = request.headers_mut();
        if let Some(user_agent) = &inner.user_agent {
            headers.insert(USER_AGENT, user_agent.clone());
        }
        for (name, value) in options.get_headers() {
            headers.insert(name.clone(), value.clone());
        }
        Ok(request)
    }

    /// The codec's reading of a response; a message body over the cap (from a transport that
    /// ignored it) is refused before decoding.
    fn decode<M: prost::Message + Default>(
        &self,
        response: http::Response<bytes::Bytes>,
    ) -> Result<M, Failure> {
        let (parts, body) = response.into_parts();
        let max = self.inner.max_response_bytes;
        if body.len() > max && twirp::expects_message(parts.status, &parts.headers) {
            return Err(Failure::Transport(TransportError::body_too_large(max)));
        }
        twirp::decode_response(parts.status, &parts.headers, &body).map_err(Failure::Twirp)
    }
}

/// The server URL, parsed by the codec.
fn parse_url(url: &str) -> Result<BaseUrl, Error> {
    BaseUrl::parse(url).map_err(|e| Error::config_source("invalid server URL", e))
}

/// What one attempt ended with, when it did not succeed.
#[derive(Debug)]
enum Failure {
    Transport(TransportError),
    Timeout(Duration),
    /// The server answered that it gave up on the attempt's deadline.
    ServerTimeout(Duration, TwirpError),
    Twirp(TwirpError),
}

impl Failure {
    /// Whether the region failed rather than the request: no answer, or 5xx/`unavailable`;
    /// never a 429 (a rate limit, even when the codec reads a proxy's as `unavailable`).
    fn is_region_failure(&self) -> bool {
        match self {
            Failure::Twirp(e) => match e.http_status() {
                Some(StatusCode::TOO_MANY_REQUESTS) => false,
                status => {
                    status.is_some_and(|s| s.is_server_error())
                        || e.code() == twirp::TwirpCode::Unavailable
                }
            },
            _ => true,
        }
    }

    /// Whether the server may have acted on the request (as [`Error::outcome_unknown`]).
    fn outcome_unknown(&self) -> bool {
        match self {
            Failure::Transport(t) => t.outcome_unknown(),
            Failure::Timeout(_) | Failure::ServerTimeout(..) => true,
            Failure::Twirp(e) => error::twirp_outcome_unknown(e),
        }
    }

    fn into_error(self) -> Error {
        match self {
            Failure::Transport(t) => Error::transport(t),
            Failure::Timeout(budget) => Error::timeout(budget, true),
            Failure::ServerTimeout(budget, e) => Error::server_timeout(budget, e),
            Failure::Twirp(e) => Error::from_twirp(e),
        }
    }
}

/// The delay before retry `retry` (1-based) after `failure`, or `None` if it must not be
/// retried. The caller checks the attempt limit and the deadline.
fn retry_delay(
    policy: &RetryPolicy,
    idempotency: Idempotency,
    failure: &Failure,
    retry: u32,
) -> Option<Duration> {
    let backoff = policy.backoff(retry);
    match failure {
        // The request never left: safe to send again whatever the RPC does.
        Failure::Transport(t) if t.is_connect() => Some(backoff),
        Failure::Transport(t) => {
            (idempotency.is_replayable() && t.is_transient()).then_some(backoff)
        }
        Failure::Timeout(_) | Failure::ServerTimeout(..) => {
            idempotency.is_replayable().then_some(backoff)
        }
        Failure::Twirp(e) => {
            if !idempotency.is_replayable() || !e.is_retryable() {
                return None;
            }
            match e.retry_after() {
                Some(wait) if wait > policy.max_retry_after() => None,
                Some(wait) => Some(wait.max(backoff)),
                // 429 is retried only when the server said when.
                None if e.http_status() == Some(StatusCode::TOO_MANY_REQUESTS) => None,
                None => Some(backoff),
            }
        }
    }
}

/// Per-call state shared by the attempts.
struct CallState {
    start: Instant,
    deadline: Option<Instant>,
    attempt_timeout: Duration,
    max_attempts: u32,
    request_id: String,
    attempt: std::sync::atomic::AtomicU32,
    idempotency: Idempotency,
}

impl CallState {
    fn next_attempt(&self) -> u32 {
        self.attempt
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    }

    fn attempts(&self) -> u32 {
        self.attempt.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn span(&self, rpc: &Rpc) -> tracing::Span {
        tracing::info_span!(
            "livekit_api_call",
            service = rpc.service,
            method = rpc.method,
            request_id = %self.request_id,
            attempts = Empty,
            status = Empty,
            code = Empty,
            duration_ms = Empty,
        )
    }

    fn finish<T>(&self, span: &tracing::Span, result: &Result<T, Error>) {
        if span.is_disabled() {
            return;
        }
        span.record("attempts", self.attempts());
        span.record("duration_ms", self.start.elapsed().as_millis() as u64);
        match result {
            Ok(_) => {
                span.record("status", 200u16);
            }
            Err(e) => {
                if let Some(status) = e.status() {
                    span.record("status", status.as_u16());
                }
                if let Some(code) = e.twirp_code() {
                    span.record("code", code.as_str());
                }
                let _enter = span.enter();
                tracing::debug!(error = %e, "call failed");
            }
        }
    }
}

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use livekit_server_http::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .url("wss://my-project.livekit.cloud")
///     .credentials("APIkey", "secret")
///     .timeout(Duration::from_secs(5))
///     .total_timeout(Duration::from_secs(12))
///     .retry_policy(RetryPolicy::default().with_max_attempts(4))
///     .user_agent_suffix("my-app/1.0")
///     .build()?;
/// assert_eq!(client.url(), "https://my-project.livekit.cloud");
/// # Ok::<(), livekit_server_http::Error>(())
/// ```
#[derive(Debug)]
pub struct ClientBuilder {
    url: Option<String>,
    credentials: Option<CredentialSpec>,
    transport: Option<Arc<dyn Transport>>,
    hyper: HyperTransportBuilder,
    timeout: Duration,
    total_timeout: Duration,
    retry: RetryPolicy,
    max_response_bytes: usize,
    max_error_body_bytes: usize,
    token_ttl: Duration,
    user_agent_suffix: Option<String>,
    region_failover: RegionFailover,
}

enum CredentialSpec {
    Keys { api_key: String, api_secret: String },
    Token(String),
}

impl fmt::Debug for CredentialSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CredentialSpec::Keys { .. } => "api key and secret (redacted)",
            CredentialSpec::Token(_) => "token (redacted)",
        })
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            url: None,
            credentials: None,
            transport: None,
            hyper: HyperTransportBuilder::default(),
            timeout: DEFAULT_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE,
            max_error_body_bytes: DEFAULT_MAX_ERROR_BODY,
            token_ttl: DEFAULT_TOKEN_TTL,
            user_agent_suffix: None,
            region_failover: RegionFailover::default(),
        }
    }
}

impl ClientBuilder {
    /// The server URL (`https://…`, `http://…`, `wss://…`, `ws://…`; a sub-path is kept).
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Sign a short-lived token per call with this API key and secret.
    #[must_use]
    pub fn credentials(
        mut self,
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Some(CredentialSpec::Keys {
            api_key: api_key.into(),
            api_secret: api_secret.into(),
        });
        self
    }

    /// Send this pre-signed token as is on every call.
    #[must_use]
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Some(CredentialSpec::Token(token.into()));
        self
    }

    /// Use this transport instead of a [`HyperTransport`](crate::HyperTransport) (the TLS and connect settings of
    /// this builder are then ignored). Share one transport between clients to share a pool.
    #[must_use]
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Configure the default [`HyperTransport`](crate::HyperTransport) in full (TLS roots, pool, connect timeout).
    #[must_use]
    pub fn hyper_transport(mut self, builder: HyperTransportBuilder) -> Self {
        self.hyper = builder;
        self
    }

    /// The default time one attempt may take, connecting and reading the body included
    /// (default 10 s; per call: [`CallOptions::timeout`]).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The default time a whole call may take, retries and back-off included (default 30 s;
    /// per call: [`CallOptions::total_timeout`]).
    #[must_use]
    pub fn total_timeout(mut self, total: Duration) -> Self {
        self.total_timeout = total;
        self
    }

    /// How failures are retried (default: [`RetryPolicy::default`]).
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest success body accepted (default 16 MiB); a larger one fails the call with
    /// [`Error::is_body_too_large`].
    #[must_use]
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// The lifetime of each per-call token (default 10 minutes).
    #[must_use]
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Appended to the `User-Agent` (`livekit-server-sdk-rust/<version> <suffix>`).
    #[must_use]
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Where regions are discovered and failed over to (default [`RegionFailover::Cloud`]:
    /// `*.livekit.cloud` hosts only; [`RegionFailover::Off`] turns it off).
    #[must_use]
    pub fn region_failover(mut self, mode: RegionFailover) -> Self {
        self.region_failover = mode;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// If the URL or credentials are missing or invalid, the user-agent suffix is not a
    /// valid header value, or the default transport cannot be built (see
    /// [`HyperTransportBuilder::build`]).
    pub fn build(self) -> Result<Client, Error> {
        let url = self
            .url
            .ok_or_else(|| Error::config("no server URL given"))?;
        let base = parse_url(&url)?;
        let credentials = match self.credentials {
            None => {
                return Err(Error::config(
                    "no credentials given (API key and secret, or a token)",
                ));
            }
            Some(CredentialSpec::Keys {
                api_key,
                api_secret,
            }) => Credentials::keys(&api_key, &api_secret)?,
            Some(CredentialSpec::Token(token)) => Credentials::token(&token)?,
        };
        let user_agent = match self.user_agent_suffix.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(suffix) => Some(
                HeaderValue::try_from(format!("{} {suffix}", twirp::SDK_USER_AGENT)).map_err(
                    |e| {
                        Error::config_source("the user-agent suffix is not a valid header value", e)
                    },
                )?,
            ),
        };
        let transport = match self.transport {
            Some(transport) => transport,
            None => Arc::new(self.hyper.build()?),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                url: base.to_string(),
                regions: Arc::new(Regions::new(self.region_failover, &base)),
                base,
                credentials: Arc::new(credentials),
                transport,
                user_agent,
                timeout: self.timeout,
                total_timeout: self.total_timeout,
                retry: self.retry,
                max_response_bytes: self.max_response_bytes,
                max_error_body_bytes: self.max_error_body_bytes.min(self.max_response_bytes),
                token_ttl: self.token_ttl,
            }),
        })
    }
}

#[cfg(test)]
mod with_base_url_tests {
    use super::*;

    #[test]
    fn another_base_url_shares_the_transport_and_credentials() {
        // No root certificates needed: nothing connects (and `--no-default-features` has none).
        let client = Client::builder()
            .url("wss://project.livekit.cloud/sub/")
            .credentials("APIkey", "secret")
            .hyper_transport(crate::HyperTransport::builder().no_default_roots())
            .build()
            .unwrap();
        let agents = client
            .with_base_url("https://agents.livekit.cloud")
            .unwrap();
        assert_eq!(client.url(), "https://project.livekit.cloud/sub");
        assert_eq!(agents.url(), "https://agents.livekit.cloud");
        assert!(Arc::ptr_eq(
            &client.inner.transport,
            &agents.inner.transport
        ));
        assert!(Arc::ptr_eq(
            &client.inner.credentials,
            &agents.inner.credentials
        ));
        assert!(client.with_base_url("ftp://nope").unwrap_err().is_config());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twirp(status: u16, retry_after: Option<&str>) -> Failure {
        let mut response = http::Response::builder().status(status);
        if let Some(value) = retry_after {
            response = response.header("retry-after", value);
        }
        let response = response.body(bytes::Bytes::new()).unwrap();
        let (parts, body) = response.into_parts();
        match twirp::decode_response::<()>(parts.status, &parts.headers, &body) {
            Err(e) => Failure::Twirp(e),
            Ok(()) => panic!("{status} classified as success"),
        }
    }

    #[test]
    fn connect_failures_are_retried_for_every_class() {
        let policy = RetryPolicy::default();
        let connect = Failure::Transport(TransportError::connect("refused"));
        for class in [
            Idempotency::ReadOnly,
            Idempotency::Idempotent,
            Idempotency::NonIdempotent,
        ] {
            assert!(retry_delay(&policy, class, &connect, 1).is_some());
        }
    }

    #[test]
    fn unknown_outcomes_are_retried_only_when_replayable() {
        let policy = RetryPolicy::default();
        for failure in [
            Failure::Transport(TransportError::io("reset")),
            Failure::Timeout(Duration::from_secs(1)),
            twirp(503, None),
            twirp(502, None),
            twirp(504, None),
        ] {
            assert!(retry_delay(&policy, Idempotency::ReadOnly, &failure, 1).is_some());
            assert!(retry_delay(&policy, Idempotency::Idempotent, &failure, 1).is_some());
            assert!(retry_delay(&policy, Idempotency::NonIdempotent, &failure, 1).is_none());
        }
    }

    #[test]
    fn client_errors_and_oversized_bodies_are_not_retried() {
        let policy = RetryPolicy::default();
        for failure in [
            twirp(400, None),
            twirp(401, None),
            twirp(404, None),
            twirp(500, None),
            twirp(302, None),
            Failure::Transport(TransportError::body_too_large(1)),
        ] {
            assert!(retry_delay(&policy, Idempotency::ReadOnly, &failure, 1).is_none());
        }
    }

    #[test]
    fn too_many_requests_waits_for_retry_after_within_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(
            retry_delay(&policy, Idempotency::ReadOnly, &twirp(429, None), 1),
            None
        );
        assert_eq!(
            retry_delay(&policy, Idempotency::ReadOnly, &twirp(429, Some("3")), 1),
            Some(Duration::from_secs(3))
        );
        // Longer than the cap: not waited for.
        assert_eq!(
            retry_delay(&policy, Idempotency::ReadOnly, &twirp(503, Some("120")), 1),
            None
        );
        assert_eq!(
            retry_delay(
                &policy,
                Idempotency::NonIdempotent,
                &twirp(429, Some("1")),
                1
            ),
            None
        );
    }

    #[test]
    fn builder_requires_url_and_credentials() {
        assert!(
            Client::builder()
                .credentials("k", "s")
                .build()
                .unwrap_err()
                .is_config()
        );
        assert!(
            Client::builder()
                .url("http://localhost")
                .build()
                .unwrap_err()
                .is_config()
        );
        assert!(
            Client::new("http://localhost", "", "secret")
                .unwrap_err()
                .is_config()
        );
        assert!(
            Client::new("http://localhost", "key", "")
                .unwrap_err()
                .is_config()
        );
        assert!(
            Client::with_token("http://localhost", "")
                .unwrap_err()
                .is_config()
        );
        assert!(
            Client::new("ftp://localhost", "key", "secret")
                .unwrap_err()
                .is_config()
        );
    }

    #[test]
    fn debug_never_shows_secrets_or_tokens() {
        let client = Client::builder()
            .url("http://localhost:7880")
            .credentials("APIkey", "s3cr3t-value-xyz")
            .hyper_transport(crate::HyperTransport::builder().no_default_roots())
            .build()
            .unwrap();
        let debug = format!("{client:?}");
        assert!(
            debug.contains("APIkey") && !debug.contains("s3cr3t-value-xyz"),
            "{debug}"
        );
        let client = Client::builder()
            .url("http://localhost:7880")
            .token("eyJhbGciOi.eyJpc3Mi.sig")
            .hyper_transport(crate::HyperTransport::builder().no_default_roots())
            .build()
            .unwrap();
        assert!(!format!("{client:?}").contains("eyJ"));
        let builder = Client::builder().credentials("APIkey", "s3cr3t-value-xyz");
        assert!(!format!("{builder:?}").contains("s3cr3t"));
    }
}
