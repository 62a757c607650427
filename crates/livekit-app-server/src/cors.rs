//! CORS: which origins may read the answers ([`AllowedOrigins`], `CORS_ALLOWED_ORIGINS`), the
//! preflight answer (the headers the browser asks for are allowed), and `Vary`.
//!
//! Hand-written rather than a middleware crate: the server has no middleware stack (it
//! answers plain `http::Request`s in [`crate::App::handle`]), and this is a few headers.

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, StatusCode};

const ALLOW_METHODS: &str = "POST, GET, OPTIONS";
/// Always allowed, so the preflight answer of the tutorial front-ends is unchanged.
const ALLOW_HEADERS: &str = "Content-Type, Authorization";
/// Chromium caps the preflight cache at two hours.
const PREFLIGHT_MAX_AGE: &str = "7200";
/// The longest `Access-Control-Request-Headers` reflected; longer lists get the defaults.
const MAX_REQUEST_HEADERS_LEN: usize = 2048;

/// The origins whose pages may read the server's answers (`CORS_ALLOWED_ORIGINS`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum AllowedOrigins {
    /// Any page (`Access-Control-Allow-Origin: *`), the default.
    #[default]
    Any,
    /// Only these origins (`scheme://host[:port]`, lower case): the answer names the
    /// request's origin when it is listed, and carries `Vary: Origin`.
    List(Vec<String>),
}

impl AllowedOrigins {
    /// Parses `*` or a comma-separated list of origins such as
    /// `http://localhost:5173, https://app.example.com`.
    ///
    /// # Errors
    ///
    /// A message naming the first entry that is not an origin.
    pub fn parse(value: &str) -> Result<AllowedOrigins, String> {
        let entries: Vec<&str> = value
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .collect();
        if entries == ["*"] {
            return Ok(AllowedOrigins::Any);
        }
        let mut origins = Vec::with_capacity(entries.len());
        for entry in entries {
            let origin = parse_origin(entry).ok_or_else(|| {
                format!(
                    "{entry:?} is not an origin (scheme://host[:port], e.g. \
                     http://localhost:5173), and `*` must stand alone"
                )
            })?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        if origins.is_empty() {
            return Err("no origin given (use `*` for any)".to_owned());
        }
        Ok(AllowedOrigins::List(origins))
    }
}

/// `scheme://host[:port]` (an optional trailing `/`), lower-cased, or `None`.
fn parse_origin(entry: &str) -> Option<String> {
    let uri: http::Uri = entry.parse().ok()?;
    let scheme = uri.scheme_str()?;
    let authority = uri.authority()?.as_str();
    let path_ok = uri
        .path_and_query()
        .is_none_or(|path| path.as_str() == "/" || path.as_str().is_empty());
    let valid = path_ok && !entry.contains('#') && crate::config::valid_authority(authority);
    valid.then(|| format!("{scheme}://{authority}").to_ascii_lowercase())
}

/// The `204` answer to a preflight request: the methods, the default headers plus those
/// the browser asks for, and the cache lifetime.
pub(crate) fn preflight(request: &HeaderMap) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let allow_headers = request
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .and_then(|asked| allowed_headers(asked.as_bytes()))
        .and_then(|value| HeaderValue::from_str(&value).ok())
        .unwrap_or(HeaderValue::from_static(ALLOW_HEADERS));
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow_headers);
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE),
    );
    response
}

/// The default allowed headers followed by the asked ones not among them, or `None` if the
/// list is malformed or too long (then the defaults alone are answered). One pass over the
/// value, which is at most [`MAX_REQUEST_HEADERS_LEN`] bytes.
fn allowed_headers(asked: &[u8]) -> Option<String> {
    if asked.len() > MAX_REQUEST_HEADERS_LEN {
        return None;
    }
    let asked = std::str::from_utf8(asked).ok()?;
    let mut value = String::from(ALLOW_HEADERS);
    for name in asked.split(',').map(|name| name.trim_matches([' ', '\t'])) {
        if name.is_empty() {
            continue;
        }
        if !name.bytes().all(is_token_byte) {
            return None;
        }
        let known =
            name.eq_ignore_ascii_case("content-type") || name.eq_ignore_ascii_case("authorization");
        if !known {
            value.push_str(", ");
            value.push_str(name);
        }
    }
    Some(value)
}

/// A `tchar` of RFC 9110.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Adds `Access-Control-Allow-Origin` (and `Vary`) to an answer to `request`.
pub(crate) fn apply(
    origins: &AllowedOrigins,
    request: &HeaderMap,
    preflight: bool,
    response: &mut Response<Bytes>,
) {
    let headers = response.headers_mut();
    match origins {
        AllowedOrigins::Any => {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            if preflight {
                headers.append(
                    header::VARY,
                    HeaderValue::from_static("Access-Control-Request-Headers"),
                );
            }
        }
        AllowedOrigins::List(list) => {
            let origin = request.get(header::ORIGIN).filter(|origin| {
                list.iter()
                    .any(|allowed| allowed.as_bytes().eq_ignore_ascii_case(origin.as_bytes()))
            });
            if let Some(origin) = origin {
                headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            }
            headers.append(
                header::VARY,
                HeaderValue::from_static(if preflight {
                    "Origin, Access-Control-Request-Headers"
                } else {
                    "Origin"
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(AllowedOrigins::parse("*"), Ok(AllowedOrigins::Any));
        assert_eq!(
            AllowedOrigins::parse(
                " http://localhost:5173/ ,HTTPS://App.Example.com,http://[::1]:3000"
            ),
            Ok(AllowedOrigins::List(vec![
                "http://localhost:5173".to_owned(),
                "https://app.example.com".to_owned(),
                "http://[::1]:3000".to_owned(),
            ]))
        );
        for bad in [
            "localhost:5173",
            "http://a.com/path",
            "http://a.com?x",
            "http://u@a.com",
            "*, http://a.com",
            ",",
            "http://*.example.com",
            "http://a.com:99999",
            "http://a.com:",
            "https://app.example.com#frag",
            "http://[::1",
        ] {
            assert!(AllowedOrigins::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn asked_headers_are_added_to_the_defaults() {
        assert_eq!(
            allowed_headers(b"content-type, X-Request-Id,authorization,\tx-b").as_deref(),
            Some("Content-Type, Authorization, X-Request-Id, x-b")
        );
        assert_eq!(allowed_headers(b"").as_deref(), Some(ALLOW_HEADERS));
        assert_eq!(allowed_headers(b"x-a, bad header"), None);
        assert_eq!(allowed_headers(b"x-a\r\n"), None);
        assert_eq!(allowed_headers(&[b'a'; MAX_REQUEST_HEADERS_LEN + 1]), None);
    }
}
