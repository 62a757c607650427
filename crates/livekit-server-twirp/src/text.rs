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

/// Offset of the leftmost `eyJ` in a run of token characters that leaves a non-empty header
/// after it (the leftmost one leaves the longest header: no later one can do better).
fn jwt_start(run: &[u8]) -> Option<usize> {
    let at = run.windows(3).position(|window| window == b"eyJ")?;
    (at + 3 < run.len()).then_some(at)
}

/// End of the `.payload.signature` that follows a header ending at `header_end`, if any.
fn jwt_tail(bytes: &[u8], header_end: usize) -> Option<usize> {
    if bytes.get(header_end) != Some(&b'.') {
        return None;
    }
    let payload_end = header_end + 1 + token_run(&bytes[header_end + 1..]);
    if payload_end == header_end + 1 || bytes.get(payload_end) != Some(&b'.') {
        return None;
    }
    Some(payload_end + 1 + token_run(&bytes[payload_end + 1..]))
}

/// Replaces every JWT-shaped substring with [`REDACTED_TOKEN`]: the leftmost, greedy matches of
/// `eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`, as a regex would find them.
///
/// Linear in the length of `text`, which comes from a server: it walks maximal runs of token
/// characters. A token can only start inside a run and its header only end where the run
/// ends, so the rest of a match (`.payload.signature`) is looked at once per run, never once
/// per position (restarting the match at every position of a run of repeated `eyJ` costs time
/// quadratic in its length: about 1.5 s for 64 KiB). Hand-written, not the `regex` crate, to
/// keep this codec crate free of heavy dependencies; the tests check it against the obvious
/// per-position matcher.
#[must_use]
pub fn redact_tokens(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut start = 0;
    while start < bytes.len() {
        let end = start + token_run(&bytes[start..]);
        let token =
            jwt_start(&bytes[start..end]).and_then(|at| Some((start + at, jwt_tail(bytes, end)?)));
        if let Some((token_start, token_end)) = token {
            // A match starts with and ends after ASCII: both ends are char boundaries.
            out.push_str(&text[copied..token_start]);
            out.push_str(REDACTED_TOKEN);
            copied = token_end;
            start = token_end;
        } else {
            start = end + 1;
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

/// Server text made safe to keep and show on one line: tokens redacted, control characters
/// (line breaks, terminal escape sequences) replaced by spaces, then cut to `max` bytes.
pub(crate) fn clean(text: &str, max: usize) -> String {
    let mut text = redact_tokens(text);
    if text.contains(char::is_control) {
        text = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
    }
    truncate(text, max)
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
    fn cleaned_text_is_one_line_without_control_characters() {
        let text = format!("upstream reset\r\nFAKE LOG LINE {JWT}\u{1b}[31mred\u{85}\u{7f}\tend");
        assert_eq!(
            clean(&text, 200),
            "upstream reset  FAKE LOG LINE [redacted token] [31mred   end"
        );
        assert_eq!(clean("é\n", 2), "é");
    }

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

    /// The obvious matcher: try a match at every position (quadratic on runs of `eyJ`).
    fn per_position_reference(text: &str) -> String {
        fn at(bytes: &[u8]) -> Option<usize> {
            let rest = bytes.strip_prefix(b"eyJ")?;
            let header = token_run(rest);
            if header == 0 || rest.get(header) != Some(&b'.') {
                return None;
            }
            let after = &rest[header + 1..];
            let payload = token_run(after);
            if payload == 0 || after.get(payload) != Some(&b'.') {
                return None;
            }
            Some(3 + header + 1 + payload + 1 + token_run(&after[payload + 1..]))
        }
        let bytes = text.as_bytes();
        let (mut out, mut copied, mut i) = (String::new(), 0, 0);
        while i < bytes.len() {
            if let Some(len) = at(&bytes[i..]) {
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

    proptest::proptest! {
        #[test]
        fn redaction_matches_the_per_position_matcher(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["eyJ", "e", "y", "J", "a", "-", "_", ".", " ", "é", "eyJa.", "b.c"]),
                0..40,
            )
        ) {
            let text = pieces.concat();
            proptest::prop_assert_eq!(redact_tokens(&text), per_position_reference(&text));
        }
    }

    #[test]
    fn a_run_of_token_starts_is_kept_or_redacted_whole() {
        // The worst case of the per-position matcher (its time is in `benches/redact.rs`).
        let text = "eyJ".repeat(ERROR_BODY_READ_LIMIT / 3);
        assert_eq!(redact_tokens(&text), text);
        let with_tail = format!("{text}.a.b");
        assert_eq!(redact_tokens(&with_tail), REDACTED_TOKEN);
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
