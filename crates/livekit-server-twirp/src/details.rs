//! Typed error details: `meta.error_details`, a base64 protobuf `google.rpc.Status`.

use prost::Message;

/// `google.rpc.Status`, the wire form of `meta.error_details` (fields 1–3 of `status.proto`).
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<RpcAny>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcAny {
    #[prost(string, tag = "1")]
    type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    value: Vec<u8>,
}

/// The decoded `meta.error_details` of a Twirp error: a `google.rpc.Status` (gRPC status code,
/// message, typed details), which LiveKit attaches to some errors.
///
/// The details are left as protobuf bytes with their type URL, since this crate knows no
/// LiveKit types; the SIP crate, for instance, decodes `livekit.SIPStatus` from
/// [`find("livekit.SIPStatus")`](Self::find).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetails {
    code: i32,
    message: String,
    details: Vec<ErrorDetail>,
}

/// One typed detail of [`ErrorDetails`]: a packed protobuf message (`google.protobuf.Any`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetail {
    type_url: String,
    value: Vec<u8>,
}

impl ErrorDetails {
    /// Decodes base64 (standard or URL-safe alphabet, padding optional) protobuf
    /// `google.rpc.Status`; `None` if either layer is malformed.
    #[must_use]
    pub fn from_base64(text: &str) -> Option<ErrorDetails> {
        let bytes = decode_base64(text.trim())?;
        let status = RpcStatus::decode(bytes.as_slice()).ok()?;
        Some(ErrorDetails {
            code: status.code,
            // Servers have echoed tokens in error texts; this one is redacted like the rest.
            message: crate::text::redact_tokens(&status.message),
            details: status
                .details
                .into_iter()
                .map(|any| ErrorDetail {
                    type_url: any.type_url,
                    value: any.value,
                })
                .collect(),
        })
    }

    /// The gRPC status code (`google.rpc.Code`: 5 is `NOT_FOUND`, …).
    #[must_use]
    pub fn code(&self) -> i32 {
        self.code
    }

    /// The status message, with bearer tokens (`eyJ….….…`) replaced by `[redacted token]`.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Every detail, in order.
    #[must_use]
    pub fn details(&self) -> &[ErrorDetail] {
        &self.details
    }

    /// The first detail whose message type is `full_name` (such as `"livekit.SIPStatus"`).
    #[must_use]
    pub fn find(&self, full_name: &str) -> Option<&ErrorDetail> {
        self.details
            .iter()
            .find(|detail| detail.type_name() == full_name)
    }
}

impl ErrorDetail {
    /// The type URL, such as `type.googleapis.com/livekit.SIPStatus`.
    #[must_use]
    pub fn type_url(&self) -> &str {
        &self.type_url
    }

    /// The full message name: the type URL after its last `/`.
    #[must_use]
    pub fn type_name(&self) -> &str {
        self.type_url.rsplit('/').next().unwrap_or_default()
    }

    /// The packed message, protobuf-encoded; decode it with the type named by
    /// [`type_name`](Self::type_name).
    #[must_use]
    pub fn value(&self) -> &[u8] {
        &self.value
    }
}

/// Decodes base64 in the standard or URL-safe alphabet, with or without padding. Bits after
/// the last full byte must be zero.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    let unpadded = match text {
        [rest @ .., b'=', b'='] if text.len().is_multiple_of(4) => rest,
        [rest @ .., b'='] if text.len().is_multiple_of(4) => rest,
        _ => text,
    };
    if unpadded.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(unpadded.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0u32;
    for &c in unpadded {
        let sextet = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    // Leftover bits (0, 2 or 4) must be zero in a canonical encoding.
    if buffer & ((1 << bits) - 1) != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_answers() {
        let cases: [(&str, &[u8]); 9] = [
            ("", b""),
            ("Zg==", b"f"),
            ("Zg", b"f"),
            ("Zm8=", b"fo"),
            ("Zm9v", b"foo"),
            ("Zm9vYg==", b"foob"),
            ("+/+/", &[0xfb, 0xff, 0xbf]),
            ("-_-_", &[0xfb, 0xff, 0xbf]),
            ("CAUSCW5vdCBmb3VuZA==", b"\x08\x05\x12\x09not found"),
        ];
        for (text, bytes) in cases {
            assert_eq!(decode_base64(text).as_deref(), Some(bytes), "{text}");
        }
        for bad in [
            "Z", "Zh==", "Zm9=", "Zm9v!", "Zg=", "=Zg=", "Z===", "Zm 9v", "Zg==Zg==",
        ] {
            assert_eq!(decode_base64(bad), None, "{bad}");
        }
    }

    #[test]
    fn status_from_the_vector() {
        let details = ErrorDetails::from_base64("CAUSCW5vdCBmb3VuZA==").unwrap();
        assert_eq!(details.code(), 5);
        assert_eq!(details.message(), "not found");
        assert!(details.details().is_empty());
    }

    #[test]
    fn the_status_message_has_tokens_redacted() {
        use base64::Engine as _;
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJBUEkifQ.c2lnbmF0dXJlc2lnbmF0dXJl";
        let status = RpcStatus {
            code: 16,
            message: format!("bad token {token} for room r"),
            details: vec![],
        };
        let text = base64::engine::general_purpose::STANDARD.encode(status.encode_to_vec());
        let details = ErrorDetails::from_base64(&text).unwrap();
        assert!(!details.message().contains(token), "{}", details.message());
        assert!(
            details.message().starts_with("bad token [redacted token]"),
            "{}",
            details.message()
        );
    }

    #[test]
    fn details_keep_type_urls_and_bytes() {
        let status = RpcStatus {
            code: 14,
            message: "busy".into(),
            details: vec![
                RpcAny {
                    type_url: "type.googleapis.com/livekit.SIPStatus".into(),
                    value: vec![8, 230, 3],
                },
                RpcAny {
                    type_url: "livekit.Other".into(),
                    value: vec![],
                },
            ],
        };
        let text = encode_base64(&status.encode_to_vec());
        let details = ErrorDetails::from_base64(&text).unwrap();
        assert_eq!(details.code(), 14);
        let sip = details.find("livekit.SIPStatus").unwrap();
        assert_eq!(sip.type_url(), "type.googleapis.com/livekit.SIPStatus");
        assert_eq!(sip.type_name(), "livekit.SIPStatus");
        assert_eq!(sip.value(), &[8, 230, 3]);
        assert_eq!(
            details.find("livekit.Other").unwrap().type_name(),
            "livekit.Other"
        );
        assert!(details.find("SIPStatus").is_none());
    }

    #[test]
    fn malformed_details_are_none() {
        for bad in ["!!!", "CA", "/////w==", "CAUSCW5vdCBmb3VuZ"] {
            assert!(ErrorDetails::from_base64(bad).is_none(), "{bad}");
        }
    }

    fn encode_base64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        while !out.len().is_multiple_of(4) {
            out.push('=');
        }
        out
    }
}
