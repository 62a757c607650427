//! HS256 compact tokens made by hand (`hmac`, `sha2`, `base64`), independently of the SDK, so
//! that a fuzz target can put arbitrary bytes behind a valid signature.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};

/// The header every LiveKit SDK writes.
pub const HEADER_JSON: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// HMAC-SHA256 of `input` under `secret`.
pub fn mac(secret: &str, input: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(input);
    mac.finalize().into_bytes().into()
}

/// `b64(header).b64(payload).b64(HMAC)`, whatever the bytes of header and payload are.
pub fn sign(header: &[u8], payload: &[u8], secret: &str) -> String {
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut token);
    let tag = mac(secret, token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(tag, &mut token);
    token
}

/// SHA-256 of `body`.
pub fn sha256(body: &[u8]) -> [u8; 32] {
    Sha256::digest(body).into()
}

/// The `sha256` claim the LiveKit server writes: padded standard base64 of the digest.
pub fn sha256_claim(body: &[u8]) -> String {
    STANDARD.encode(sha256(body))
}

/// Webhook claims as the server writes them, with `sha256` set to `claim` (`None`: omitted).
pub fn webhook_claims(key: &str, nbf: u64, exp: u64, claim: Option<&str>) -> String {
    let mut json = format!(r#"{{"iss":{},"nbf":{nbf},"exp":{exp},"sub":"""#, quote(key));
    if let Some(claim) = claim {
        json.push_str(r#","sha256":"#);
        json.push_str(&quote(claim));
    }
    json.push('}');
    json
}

/// `text` as a JSON string literal.
pub fn quote(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}
