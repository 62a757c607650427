//! Safe text from untrusted responses: bounded snippets, redacted tokens, media types.

use http::HeaderMap;
use http::header::CONTENT_TYPE;

/// How much of an error body is examined (JSON parsing, snippets); the transport should not
/// read more than this from a non-success response.
pub const ERROR_BODY_READ_LIMIT: usize = 64 * 1024;

/// The longest body snippet or message kept in a [`TwirpError`](crate::TwirpError), in bytes.
pub const SNIPPET_MAX_BYTES: usize = 1024;

/// What replaces a bearer token found in server text.
pub const REDACTED_TOKEN: &str = "[redacted token]";

/// Longest `Content-Type` or `Location` kept.
const HEADER_TEXT_MAX_BYTES: usize = 256;

fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// Length of `[A-Za-z0-9_-]+` at the start of `bytes`.
fn token_run(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|&&c| is_token_char(c)).count()
}

/// Length of a JWT-shaped match at the start of `bytes`:
/// `eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*` (greedy, as a regex would match).
fn jwt_match(bytes: &[u8]) -> Option<usize> {
    let rest = bytes.strip_prefix(b"eyJ")?;
    let header = token_run(rest);
    if header == 0 || rest.get(header) != Some(&b'.') {
        return None;
    }
    let after_header = &rest[header + 1..];
    let payload = token_run(after_header);
    if payload == 0 || after_header.get(payload) != Some(&b'.') {
        return None;
    }
    let signature = token_run(&after_header[payload + 1..]);
    Some(3 + header + 1 + payload + 1 + signature)
}

/// Replaces every JWT-shaped substring with [`REDACTED_TOKEN`].
#[must_use]
pub fn redact_tokens(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Matches start with ASCII, so `i` is on a char boundary whenever one is found.
        if let Some(len) = jwt_match(&bytes[i..]) {
            out.push_str(&text[copied..i]);
            out.push_str(REDACTED_TOKEN);
            i += len;
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Cuts `text` to at most `max` bytes on a char boundary.
pub(crate) fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// Server text made safe to keep and show: tokens redacted, then cut to `max` bytes.
pub(crate) fn clean(text: &str, max: usize) -> String {
    truncate(redact_tokens(text), max)
}

/// The start of a body as text: at most [`ERROR_BODY_READ_LIMIT`] bytes looked at, decoded as
/// lossy UTF-8, tokens redacted (before cutting, so no token is cut in half and leaks), cut to
/// [`SNIPPET_MAX_BYTES`].
pub(crate) fn snippet(body: &[u8]) -> String {
    let head = &body[..body.len().min(ERROR_BODY_READ_LIMIT)];
    clean(&String::from_utf8_lossy(head), SNIPPET_MAX_BYTES)
}

/// A header value as bounded, redacted text (lossy for non-ASCII bytes).
pub(crate) fn header_text(headers: &HeaderMap, name: http::header::HeaderName) -> Option<String> {
    let value = headers.get(name)?;
    Some(clean(
        &String::from_utf8_lossy(value.as_bytes()),
        HEADER_TEXT_MAX_BYTES,
    ))
}

/// The media type of the response, lowercased, without parameters or surrounding space
/// (`"application/json; charset=utf-8"` → `"application/json"`); `None` without the header.
pub(crate) fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_TYPE)?;
    let text = String::from_utf8_lossy(value.as_bytes());
    let essence = text.split(';').next().unwrap_or_default().trim();
    Some(truncate(
        essence.to_ascii_lowercase(),
        HEADER_TEXT_MAX_BYTES,
    ))
}

/// Whether a media type is protobuf (`application/protobuf` or `application/x-protobuf`).
pub(crate) fn is_protobuf(media_type: Option<&str>) -> bool {
    matches!(
        media_type,
        Some("application/protobuf" | "application/x-protobuf")
    )
}

/// Whether a media type is JSON.
pub(crate) fn is_json(media_type: Option<&str>) -> bool {
    media_type == Some("application/json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJrZXkifQ.c2lnbmF0dXJl_-x";

    #[test]
    fn tokens_are_redacted_wherever_they_appear() {
        assert_eq!(redact_tokens(JWT), REDACTED_TOKEN);
        assert_eq!(
            redact_tokens(&format!("invalid token: {JWT}, error: expired")),
            "invalid token: [redacted token], error: expired"
        );
        // Regex semantics: the first match runs greedily into the next token's header.
        assert_eq!(
            redact_tokens(&format!("{JWT}{JWT} é {JWT}")),
            format!("{REDACTED_TOKEN}.eyJpc3MiOiJrZXkifQ.c2lnbmF0dXJl_-x é {REDACTED_TOKEN}")
        );
        // An unsigned token (empty signature) still matches.
        assert_eq!(redact_tokens("eyJa.eyJb."), REDACTED_TOKEN);
        // Shapes that are not tokens stay.
        for text in [
            "eyJ",
            "eyJ.a.b",
            "eyJa.b",
            "eyJa..b",
            "eyj.a.b",
            "Bearer",
            "ey Ja.b.c",
            "é",
        ] {
            assert_eq!(redact_tokens(text), text);
        }
        assert_eq!(redact_tokens("xeyJa.b.c"), format!("x{REDACTED_TOKEN}"));
    }

    #[test]
    fn snippets_are_bounded_and_lossy() {
        let big = vec![b'E'; 5 * 1024 * 1024];
        assert_eq!(snippet(&big).len(), SNIPPET_MAX_BYTES);
        assert_eq!(snippet(b"\xff\xfeok"), "\u{fffd}\u{fffd}ok");
        // A multi-byte char straddling the cut is dropped, not split.
        let mut text = "a".repeat(SNIPPET_MAX_BYTES - 1).into_bytes();
        text.extend_from_slice("é".as_bytes());
        assert_eq!(snippet(&text).len(), SNIPPET_MAX_BYTES - 1);
        // A token straddling the cut is redacted, not cut.
        let mut text = "a".repeat(SNIPPET_MAX_BYTES - 10).into_bytes();
        text.extend_from_slice(JWT.as_bytes());
        let cut = snippet(&text);
        assert!(!cut.contains("eyJhbGci"), "{cut}");
        assert!(cut.len() <= SNIPPET_MAX_BYTES);
    }

    #[test]
    fn media_types_ignore_parameters_and_case() {
        let mut headers = HeaderMap::new();
        assert_eq!(media_type(&headers), None);
        for (value, expected) in [
            ("application/json", "application/json"),
            ("Application/JSON; charset=utf-8", "application/json"),
            ("  application/protobuf ;x=y", "application/protobuf"),
            ("application/x-protobuf", "application/x-protobuf"),
            ("", ""),
            (";", ""),
        ] {
            headers.insert(CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
            assert_eq!(media_type(&headers).as_deref(), Some(expected), "{value}");
        }
        assert!(is_protobuf(Some("application/protobuf")));
        assert!(is_protobuf(Some("application/x-protobuf")));
        assert!(!is_protobuf(Some("application/protobuf+json")));
        assert!(!is_protobuf(None));
        assert!(is_json(Some("application/json")));
        assert!(!is_json(Some("application/problem+json")));
    }
}
