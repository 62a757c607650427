//! LiveKit Cloud regions: which hosts have them, their discovery (`GET /settings/regions`) and
//! cache, and [`RegionError`], one region's part in a call that failed everywhere.

use std::sync::Arc;
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
/// The largest region list read.
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
    cache: Mutex<Option<(Arc<[Region]>, Instant)>>,
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
            cache: Mutex::new(None),
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.discovery.is_some()
    }

    /// The region list: cached, or fetched with `token` within `budget` (at most 2 s). A
    /// failed fetch serves the last list, however old, or none. Concurrent callers wait for
    /// one fetch.
    pub(crate) async fn get(
        &self,
        transport: &dyn Transport,
        token: &str,
        user_agent: Option<&HeaderValue>,
        budget: Duration,
    ) -> Arc<[Region]> {
        let Some(uri) = &self.discovery else {
            return Arc::from([]);
        };
        let mut cache = self.cache.lock().await;
        if let Some((list, _)) = cache.as_ref().filter(|(_, t)| *t > Instant::now()) {
            return list.clone();
        }
        let budget = budget.min(DISCOVERY_TIMEOUT);
        let request = discovery_request(uri, token, user_agent);
        let limits = TransportLimits::new(budget, MAX_BODY);
        let fetched = match request {
            Some(request) => tokio::time::timeout(budget, transport.send(request, &limits)).await,
            None => return Arc::from([]),
        };
        match fetched {
            Ok(Ok(response)) if response.status() == StatusCode::OK => {
                let ttl = max_age(response.headers()).unwrap_or(DEFAULT_TTL);
                let list: Arc<[Region]> = parse(response.body(), self.mode).into();
                *cache = Some((list.clone(), Instant::now() + ttl));
                list
            }
            other => {
                let status = other.as_ref().ok().and_then(|r| r.as_ref().ok());
                tracing::debug!(status = ?status.map(http::Response::status), "region discovery failed");
                cache
                    .as_ref()
                    .map_or_else(|| Arc::from([]), |(list, _)| list.clone())
            }
        }
    }

    /// Marks the cached list stale (every region in it failed): the next failure refetches.
    pub(crate) async fn expire(&self) {
        if let Some((_, expires)) = self.cache.lock().await.as_mut() {
            *expires = Instant::now();
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

/// `max-age` of `Cache-Control` (`max-age=0`: not kept).
fn max_age(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(CACHE_CONTROL)?.to_str().ok()?;
    value.split(',').find_map(|directive| {
        let (name, secs) = directive.trim().split_once('=')?;
        let secs = secs.trim().parse().ok()?;
        name.eq_ignore_ascii_case("max-age")
            .then(|| Duration::from_secs(secs))
    })
}

/// The regions of a `livekit.RegionSettings` JSON body (`{"regions":[{"region","url"}]}`),
/// in the server's order, without the entries `mode` does not allow.
fn parse(body: &[u8], mode: RegionFailover) -> Vec<Region> {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let list = json.get("regions").and_then(|r| r.as_array());
    let regions = list.into_iter().flatten().filter_map(|entry| {
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
    regions.collect()
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
        let cloud = parse(body, RegionFailover::Cloud);
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
        assert_eq!(parse(body, RegionFailover::AnyHost).len(), 4);
        for junk in [&b"nope"[..], b"{}", b"{\"regions\":3}", b"[]"] {
            assert!(parse(junk, RegionFailover::AnyHost).is_empty());
        }
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
