//! LiveKit Cloud regions: which hosts have them, their discovery (`GET /settings/regions`) and
//! cache, and [`RegionError`], one region's part in a call that failed everywhere.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CACHE_CONTROL, USER_AGENT};
use http::{HeaderValue, StatusCode, Uri};
use livekit_server_twirp::{BaseUrl, SDK_USER_AGENT};
use tokio::sync::Mutex;

use crate::error::Error;
use crate::transport::{Transport, TransportLimits};

/// The longest a discovery request may take (as the Go and Node SDKs).
const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a region list is kept when the server sends no `Cache-Control: max-age`.
const DEFAULT_TTL: Duration = Duration::from_secs(30);
/// The longest a region list is kept, whatever its `max-age`.
const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// The largest region list read; a longer one is a failed fetch.
const MAX_BODY: usize = 256 * 1024;

/// Where a [`Client`](crate::Client) looks up regions and fails over between them
/// ([`ClientBuilder::region_failover`](crate::ClientBuilder::region_failover)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RegionFailover {
    /// LiveKit Cloud project hosts only (`*.livekit.cloud`), and only to the listed regions
    /// that are `https://` URLs under `.livekit.cloud` (the token is never sent elsewhere).
    /// Any other host never sends a discovery request. The default.
    #[default]
    Cloud,
    /// Any host, to any `http(s)`/`ws(s)` URL its `/settings/regions` lists: for a
    /// self-run multi-region deployment that serves the endpoint, and for tests.
    AnyHost,
    /// Never: no discovery request, no failover (retries stay on the configured URL).
    Off,
}

/// One region of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Region {
    pub(crate) name: Box<str>,
    pub(crate) base: BaseUrl,
}

/// The regions of one client's base URL: the discovery URI (none when disabled for it) and
/// the cached list. Refreshed lazily, when a failing call asks for it after expiry; no task
/// runs in the background.
#[derive(Debug)]
pub(crate) struct Regions {
    pub(crate) mode: RegionFailover,
    discovery: Option<Uri>,
    /// Held by the call fetching the list; the others wait for it.
    fetching: Mutex<()>,
    /// How many fetches have ended, failed ones included (changed and compared under
    /// `fetching`, which orders it: `Relaxed` is enough).
    fetches: AtomicU64,
    /// The last list fetched (empty before the first) and when it goes stale.
    cache: std::sync::Mutex<(Arc<[Region]>, Option<Instant>)>,
}

impl Regions {
    pub(crate) fn new(mode: RegionFailover, base: &BaseUrl) -> Regions {
        let discovery = base.uri_for("/settings/regions").ok().filter(|uri| {
            let host = uri.host().unwrap_or_default();
            match mode {
                RegionFailover::Cloud => host.ends_with(".livekit.cloud"),
                RegionFailover::AnyHost => true,
                RegionFailover::Off => false,
            }
        });
        Regions {
            mode,
            discovery,
            fetching: Mutex::new(()),
            fetches: AtomicU64::new(0),
            cache: std::sync::Mutex::new((Arc::from([]), None)),
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.discovery.is_some()
    }

    /// How many fetches have ended so far: what a call reads before an attempt, to pass to
    /// [`get`](Self::get) if the attempt fails.
    pub(crate) fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The region list: cached, or fetched with `token` (within 2 s and by `deadline`). A
    /// failed fetch serves the last list, however old, or none. Concurrent callers wait for
    /// one fetch, no longer than their `deadline`; a caller finding that a fetch has ended
    /// since it read `seen` from [`fetches`](Self::fetches) takes its outcome, fetching none.
    pub(crate) async fn get(
        &self,
        transport: &dyn Transport,
        token: &str,
        user_agent: Option<&HeaderValue>,
        deadline: Option<Instant>,
        seen: u64,
    ) -> Arc<[Region]> {
        let Some(uri) = &self.discovery else {
            return Arc::from([]);
        };
        let left = || {
            deadline.map_or(Duration::MAX, |d| {
                d.saturating_duration_since(Instant::now())
            })
        };
        let Ok(_fetching) = tokio::time::timeout(left(), self.fetching.lock()).await else {
            return self.cached().0;
        };
        let budget = left().min(DISCOVERY_TIMEOUT);
        let (list, expires) = self.cached();
        let fresh = expires.is_some_and(|t| t > Instant::now());
        if fresh || self.fetches() != seen || budget.is_zero() {
            return list;
        }
        let fetched = self.fetch(transport, uri, token, user_agent, budget).await;
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((list, ttl)) = fetched {
            *cache = (list.into(), Some(Instant::now() + ttl));
        }
        self.fetches.fetch_add(1, Ordering::Relaxed);
        cache.0.clone()
    }

    /// The list and how long it is kept, or `None` if the fetch failed: no answer, not a
    /// `200`, a body over [`MAX_BODY`] or not a region list.
    async fn fetch(
        &self,
        transport: &dyn Transport,
        uri: &Uri,
        token: &str,
        user_agent: Option<&HeaderValue>,
        budget: Duration,
    ) -> Option<(Vec<Region>, Duration)> {
        let request = discovery_request(uri, token, user_agent)?;
        // One byte over the limit, for the transport's cut to show.
        let limits =
            TransportLimits::new(budget, MAX_BODY + 1).with_max_error_body_bytes(MAX_BODY + 1);
        let response = tokio::time::timeout(budget, transport.send(request, &limits)).await;
        let response = response.ok().and_then(Result::ok);
        let list = response
            .as_ref()
            .filter(|r| r.status() == StatusCode::OK && r.body().len() <= MAX_BODY)
            .and_then(|r| parse(r.body(), self.mode));
        if list.is_none() {
            let status = response.as_ref().map(http::Response::status);
            tracing::debug!(?status, "region discovery failed");
        }
        let ttl = response.and_then(|r| max_age(r.headers()));
        list.map(|list| (list, ttl.unwrap_or(DEFAULT_TTL)))
    }

    fn cached(&self) -> (Arc<[Region]>, Option<Instant>) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Marks `used` stale if it is still the cached list (every region in it failed): the
    /// next failure refetches.
    pub(crate) fn expire(&self, used: &Arc<[Region]>) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if Arc::ptr_eq(&cache.0, used) {
            cache.1 = Some(Instant::now());
        }
    }
}

fn discovery_request(
    uri: &Uri,
    token: &str,
    user_agent: Option<&HeaderValue>,
) -> Option<http::Request<Bytes>> {
    let mut bearer = HeaderValue::try_from(format!("Bearer {token}")).ok()?;
    bearer.set_sensitive(true);
    let agent = user_agent.cloned();
    http::Request::get(uri.clone())
        .header(AUTHORIZATION, bearer)
        .header(
            USER_AGENT,
            agent.unwrap_or(HeaderValue::from_static(SDK_USER_AGENT)),
        )
        .body(Bytes::new())
        .ok()
}

/// `max-age` of `Cache-Control` (`max-age=0`: not kept), at most [`MAX_TTL`].
fn max_age(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(CACHE_CONTROL)?.to_str().ok()?;
    value.split(',').find_map(|directive| {
        let (name, secs) = directive.trim().split_once('=')?;
        let secs = secs.trim().parse().ok()?;
        name.eq_ignore_ascii_case("max-age")
            .then(|| Duration::from_secs(secs).min(MAX_TTL))
    })
}

/// The regions of a `livekit.RegionSettings` JSON body (`{"regions":[{"region","url"}]}`;
/// `{}` lists none), in the server's order, without the entries `mode` does not allow;
/// `None` if the body is not such an object.
fn parse(body: &[u8], mode: RegionFailover) -> Option<Vec<Region>> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let list = match json.as_object()?.get("regions") {
        Some(list) => list.as_array()?.as_slice(),
        None => &[],
    };
    let regions = list.iter().filter_map(|entry| {
        let base = BaseUrl::parse(entry.get("url")?.as_str()?).ok()?;
        let uri = base.uri_for("/").ok()?;
        let cloud = uri.scheme_str() == Some("https")
            && uri.host().is_some_and(|h| h.ends_with(".livekit.cloud"));
        let name = entry.get("region").and_then(|n| n.as_str()).unwrap_or("");
        (mode == RegionFailover::AnyHost || cloud).then(|| Region {
            name: name.into(),
            base,
        })
    });
    Some(regions.collect())
}

/// One region's part in a call that failed in every region it tried
/// ([`Error::regions`](crate::Error::regions)).
#[derive(Debug)]
pub struct RegionError {
    pub(crate) region: Option<Box<str>>,
    pub(crate) url: Box<str>,
    pub(crate) error: Error,
}

impl RegionError {
    /// The region's name from the region list; `None` for the URL the client was built with.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The base URL that was called.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How the call failed there.
    pub fn error(&self) -> &Error {
        &self.error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_mode_keeps_only_https_livekit_cloud_regions() {
        let body = br#"{"regions":[
            {"region":"ohio","url":"wss://p.ohio1a.production.livekit.cloud","distance":"1"},
            {"region":"evil","url":"https://attacker.example"},
            {"region":"plain","url":"http://p.livekit.cloud"},
            {"region":"broken","url":"not a url"},
            {"url":"https://p.frankfurt.livekit.cloud/"},
            {"region":"no-url"}
        ]}"#;
        let cloud = parse(body, RegionFailover::Cloud).unwrap();
        let names: Vec<_> = cloud
            .iter()
            .map(|r| (&*r.name, r.base.to_string()))
            .collect();
        assert_eq!(
            names,
            [
                (
                    "ohio",
                    "https://p.ohio1a.production.livekit.cloud".to_owned()
                ),
                ("", "https://p.frankfurt.livekit.cloud".to_owned())
            ]
        );
        assert_eq!(parse(body, RegionFailover::AnyHost).unwrap().len(), 4);
        // The protojson of an empty list; then bodies that are no list (a failed fetch).
        assert_eq!(parse(b"{}", RegionFailover::AnyHost), Some(Vec::new()));
        for junk in [
            &b"nope"[..],
            b"<html></html>",
            b"{\"regions\":3}",
            b"[]",
            b"",
        ] {
            assert_eq!(parse(junk, RegionFailover::AnyHost), None);
        }
    }

    /// URLs that only look like LiveKit Cloud ones, from a list a proxy or an attacker could
    /// have answered: in Cloud mode the token goes only to an `https` host under
    /// `.livekit.cloud`, never to one that merely has it in its user info, path, query,
    /// fragment or as a prefix.
    #[test]
    fn cloud_mode_is_not_fooled_by_urls_that_mention_livekit_cloud() {
        let urls = [
            "https://p.livekit.cloud.attacker.example",
            "https://attacker.example/.livekit.cloud",
            "https://attacker.example?x=.livekit.cloud",
            "https://attacker.example#.livekit.cloud",
            "https://p.livekit.cloud@attacker.example",
            "https://p.livekit.cloud:443@attacker.example",
            "https://attacker.example\\.livekit.cloud",
            "https://livekit.cloud",
            "https://attacker-livekit.cloud",
            "http://p.livekit.cloud",
            "ws://p.livekit.cloud",
            "https://p.livekit.cloud%2eattacker.example",
            "https://[::1]/.livekit.cloud",
        ];
        let entries: Vec<String> = urls
            .iter()
            .map(|url| format!(r#"{{"region":"r","url":{}}}"#, serde_json::json!(url)))
            .collect();
        let body = format!(r#"{{"regions":[{}]}}"#, entries.join(","));
        let kept = parse(body.as_bytes(), RegionFailover::Cloud).unwrap();
        let kept: Vec<String> = kept.iter().map(|r| r.base.to_string()).collect();
        assert!(kept.is_empty(), "{kept:?}");
        // The one real form among them all is kept.
        let body = br#"{"regions":[{"url":"https://p.oregon.livekit.cloud"}]}"#;
        assert_eq!(parse(body, RegionFailover::Cloud).unwrap().len(), 1);
    }

    #[test]
    fn max_age_sets_the_lifetime() {
        let headers = |v: &'static str| {
            let mut h = http::HeaderMap::new();
            h.insert(CACHE_CONTROL, HeaderValue::from_static(v));
            h
        };
        let secs = |v| max_age(&headers(v)).map(|d| d.as_secs());
        assert_eq!(secs("public, Max-Age=60"), Some(60));
        assert_eq!(secs("max-age=0"), Some(0));
        assert_eq!(secs("max-age=18446744073709551615"), Some(24 * 60 * 60));
        assert_eq!(secs("no-store"), None);
        assert_eq!(secs("max-age=soon"), None);
        assert_eq!(max_age(&http::HeaderMap::new()), None);
    }

    #[test]
    fn discovery_is_for_cloud_hosts_unless_told_otherwise() {
        let base = |u| BaseUrl::parse(u).unwrap();
        let cloud = base("wss://p.livekit.cloud");
        let own = base("http://127.0.0.1:7880/lk");
        assert_eq!(
            Regions::new(RegionFailover::Cloud, &cloud)
                .discovery
                .unwrap(),
            "https://p.livekit.cloud/settings/regions"
        );
        assert!(!Regions::new(RegionFailover::Cloud, &own).enabled());
        assert!(
            !Regions::new(
                RegionFailover::Cloud,
                &base("https://livekit.cloud.example")
            )
            .enabled()
        );
        assert!(!Regions::new(RegionFailover::Off, &cloud).enabled());
        assert_eq!(
            Regions::new(RegionFailover::AnyHost, &own)
                .discovery
                .unwrap(),
            "http://127.0.0.1:7880/lk/settings/regions"
        );
    }
}
