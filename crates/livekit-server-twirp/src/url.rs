//! Server base URLs and Twirp routes: `{base}/twirp/{package.Service}/{Method}`.

use std::fmt;
use std::str::FromStr;

use http::Uri;
use http::uri::Authority;

use crate::TwirpError;

/// A validated LiveKit server URL that Twirp routes are built on.
///
/// Accepts `http://` and `https://` URLs, and `ws://`/`wss://` (what clients use to join
/// rooms), which become `http://`/`https://`. A sub-path is kept (a server behind a reverse
/// proxy at `https://example.com/livekit` gets `https://example.com/livekit/twirp/…`) and
/// trailing slashes are dropped so that routes never contain `//`. Surrounding whitespace is
/// ignored. Rejected: any other scheme, no host, user info (`user:pass@`), a query or a
/// fragment (credentials and tokens have no place in a base URL).
///
/// ```
/// use livekit_server_twirp::BaseUrl;
///
/// let base = BaseUrl::parse("wss://example.com/livekit/")?;
/// assert_eq!(base.to_string(), "https://example.com/livekit");
/// let uri = base.uri_for("/twirp/livekit.RoomService/ListRooms")?;
/// assert_eq!(uri, "https://example.com/livekit/twirp/livekit.RoomService/ListRooms");
/// # Ok::<(), livekit_server_twirp::TwirpError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    https: bool,
    authority: Authority,
    /// Empty, or `/segment…` without a trailing slash.
    prefix: String,
}

impl BaseUrl {
    /// Parses and normalizes a server URL.
    ///
    /// # Errors
    ///
    /// An [`is_invalid_request`](TwirpError::is_invalid_request) error if the URL does not
    /// parse, has a scheme other than `http`, `https`, `ws` or `wss`, has no host, or has user
    /// info, a query or a fragment. The message names the problem, not the URL.
    pub fn parse(url: &str) -> Result<BaseUrl, TwirpError> {
        let url = url.trim();
        if url.contains('#') {
            return Err(TwirpError::invalid_request(
                "the server URL must not have a fragment",
            ));
        }
        let uri: Uri = url
            .parse()
            .map_err(|_| TwirpError::invalid_request("the server URL is not a valid URL"))?;
        let https = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
            Some("https" | "wss") => true,
            Some("http" | "ws") => false,
            Some(_) => {
                return Err(TwirpError::invalid_request(
                    "the server URL scheme must be http, https, ws or wss",
                ));
            }
            None => {
                return Err(TwirpError::invalid_request(
                    "the server URL has no scheme (expected http, https, ws or wss)",
                ));
            }
        };
        let Some(authority) = uri.authority().cloned() else {
            return Err(TwirpError::invalid_request("the server URL has no host"));
        };
        if authority.as_str().contains('@') {
            return Err(TwirpError::invalid_request(
                "the server URL must not contain user info",
            ));
        }
        if authority.host().is_empty() {
            return Err(TwirpError::invalid_request("the server URL has no host"));
        }
        let port = &authority.as_str()[authority.host().len()..];
        if !port.is_empty() && !matches!(port[1..].parse::<u16>(), Ok(1..)) {
            return Err(TwirpError::invalid_request(
                "the server URL has an invalid port",
            ));
        }
        // Host names are case-insensitive; one spelling makes comparisons simple.
        let authority = Authority::from_str(&authority.as_str().to_ascii_lowercase())
            .map_err(|_| TwirpError::invalid_request("the server URL has an invalid host"))?;
        if uri.query().is_some() {
            return Err(TwirpError::invalid_request(
                "the server URL must not have a query",
            ));
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        Ok(BaseUrl {
            https,
            authority,
            prefix,
        })
    }

    /// `"https"` or `"http"`.
    fn scheme(&self) -> &'static str {
        if self.https { "https" } else { "http" }
    }

    /// The URI of `path` (such as a generated method path,
    /// `/twirp/livekit.RoomService/ListRooms`) under this base URL.
    ///
    /// # Errors
    ///
    /// An invalid-request error if `path` does not start with `/`, starts with `//`, or holds
    /// characters that are not valid in a URI path (a query or fragment included).
    pub fn uri_for(&self, path: &str) -> Result<Uri, TwirpError> {
        if !path.starts_with('/') || path.starts_with("//") || path.contains(['?', '#']) {
            return Err(TwirpError::invalid_request(
                "a request path must start with one `/`",
            ));
        }
        format!(
            "{}://{}{}{path}",
            self.scheme(),
            self.authority,
            self.prefix
        )
        .parse()
        .map_err(|_| TwirpError::invalid_request("the request path is not a valid URI path"))
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme(), self.authority, self.prefix)
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({self})")
    }
}

impl FromStr for BaseUrl {
    type Err = TwirpError;
    fn from_str(url: &str) -> Result<Self, Self::Err> {
        BaseUrl::parse(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_rooms(base: &str) -> Result<String, TwirpError> {
        BaseUrl::parse(base)?
            .uri_for("/twirp/livekit.RoomService/ListRooms")
            .map(|uri| uri.to_string())
    }

    #[test]
    fn routes_keep_scheme_host_port_and_sub_path() {
        let cases = [
            (
                "http://localhost:7880",
                "http://localhost:7880/twirp/livekit.RoomService/ListRooms",
            ),
            (
                "http://localhost:7880/",
                "http://localhost:7880/twirp/livekit.RoomService/ListRooms",
            ),
            (
                "https://lk.example.com",
                "https://lk.example.com/twirp/livekit.RoomService/ListRooms",
            ),
            (
                "wss://lk.example.com",
                "https://lk.example.com/twirp/livekit.RoomService/ListRooms",
            ),
            (
                "ws://127.0.0.1:7880",
                "http://127.0.0.1:7880/twirp/livekit.RoomService/ListRooms",
            ),
            (
                "WSS://Example.com",
                "https://example.com/twirp/livekit.RoomService/ListRooms",
            ),
            (
                "HTTPS://example.com",
                "https://example.com/twirp/livekit.RoomService/ListRooms",
            ),
            (
                "https://x.io/livekit",
                "https://x.io/livekit/twirp/livekit.RoomService/ListRooms",
            ),
            (
                "https://x.io/livekit/",
                "https://x.io/livekit/twirp/livekit.RoomService/ListRooms",
            ),
            (
                "https://x.io/a/b///",
                "https://x.io/a/b/twirp/livekit.RoomService/ListRooms",
            ),
            (
                "http://[::1]:7880",
                "http://[::1]:7880/twirp/livekit.RoomService/ListRooms",
            ),
            (
                "  https://x.io\n",
                "https://x.io/twirp/livekit.RoomService/ListRooms",
            ),
        ];
        for (base, expected) in cases {
            assert_eq!(list_rooms(base).unwrap(), expected, "{base}");
        }
    }

    #[test]
    fn unusable_urls_are_typed_errors() {
        for base in [
            "",
            "localhost:7880",
            "example.com",
            "/twirp",
            "ftp://example.com",
            "file:///etc/passwd",
            "mailto:a@b.c",
            "https://",
            "https://:443",
            "https://user:secret@example.com",
            "https://example.com/?access_token=abc",
            "https://example.com/#frag",
            "https://exa mple.com",
            "http//example.com",
            "https://example.com:99999",
            "https://example.com:0",
            "https://example.com:",
            "https://example.com:8x",
        ] {
            let error = list_rooms(base).unwrap_err();
            assert!(error.is_invalid_request(), "{base}: {error:?}");
            assert!(error.http_status().is_none());
            assert!(!error.to_string().contains("secret"));
            assert!(!format!("{error:?}").contains("secret"));
        }
    }

    #[test]
    fn uri_for_takes_generated_paths() {
        let base = BaseUrl::parse("https://x.io/sub/").unwrap();
        let uri = base
            .uri_for("/twirp/livekit.SIP/CreateSIPParticipant")
            .unwrap();
        assert_eq!(
            uri,
            "https://x.io/sub/twirp/livekit.SIP/CreateSIPParticipant"
        );
        for bad in ["twirp/x", "//evil.com/x", "/x?y", "/x#y", "/a b", ""] {
            assert!(base.uri_for(bad).unwrap_err().is_invalid_request(), "{bad}");
        }
    }

    #[test]
    fn accessors() {
        let base: BaseUrl = "wss://lk.example.com:8443/x/".parse().unwrap();
        assert_eq!(base.to_string(), "https://lk.example.com:8443/x");
        assert_eq!(
            format!("{base:?}"),
            "BaseUrl(https://lk.example.com:8443/x)"
        );
        assert_eq!(BaseUrl::parse("http://a/").unwrap().to_string(), "http://a");
    }
}
