//! The bodies of the cargo-fuzz targets of the LiveKit server SDK, as plain functions over
//! `&[u8]`: libFuzzer calls them from `fuzz_targets/*.rs` (nightly), and `tests/corpus.rs` runs
//! every file of `corpus/` and `regressions/` through them on stable.
//!
//! Each function panics when its oracle fails (that is how libFuzzer learns of a bug), and
//! uses only the public APIs of the SDK crates; references for the oracles (HS256, base64,
//! JSON) are independent implementations in this crate or third-party crates. See README.md
//! for what each target checks.

#![forbid(unsafe_code)]

pub mod json_ref;
pub mod jwt;
pub mod seeds;
mod structured;

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use http::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use http::{HeaderMap, HeaderValue, StatusCode};
use livekit_server_auth::{
    ApiSecret, Claims, StaticKeyProvider, TokenError, TokenSigner, TokenVerifier,
};
use livekit_server_proto::WebhookEvent;
use livekit_server_twirp::{
    ErrorDetails, MAX_RETRY_AFTER, REDACTED_TOKEN, SNIPPET_MAX_BYTES, TwirpCode, TwirpError,
    TwirpErrorKind, decode_response_at, parse_retry_after, redact_tokens,
};
use livekit_server_webhook::{WebhookError, WebhookReceiver};

use crate::json_ref::Json;
use crate::structured::Verdict;

/// The API key of the fixtures (the one of `shared/vectors/`, so their tokens verify).
pub const KEY: &str = "APIvect0rKey7Qz";
/// The API secret of the fixtures (test-only, from `shared/vectors/`).
pub const SECRET: &str = "Lk7pQ2rX9sT4vW6yZ1bC3dF5gH8jK0mN2pR4tV6xZ8A";
/// The frozen clock, in Unix seconds: the `now` of the token vectors (their tokens and the
/// webhook vectors' tokens are valid then).
pub const NOW: u64 = 1_700_000_060;
/// The verifier's leeway (the default, 60 s), in seconds.
const LEEWAY: u64 = 60;
/// The nesting limit the verifier documents for claims JSON.
const MAX_CLAIMS_DEPTH: usize = 64;

/// The body of a fuzz target.
pub type Target = fn(&[u8]);

/// Every target: its name (the `fuzz_targets/<name>.rs` file and the `corpus/<name>/` folder)
/// and its body.
pub const TARGETS: &[(&str, Target)] = &[
    ("token_verify", token_verify),
    ("token_claims_json", token_claims_json),
    ("token_header_json", token_header_json),
    ("token_verify_structured", token_verify_structured),
    ("webhook_receive", webhook_receive),
    ("webhook_event_json", webhook_event_json),
    ("twirp_error_body", twirp_error_body),
    ("twirp_success_body", twirp_success_body),
    ("twirp_text", twirp_text),
    ("retry_after_header", retry_after_header),
];

/// The frozen clock.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

struct Fixture {
    /// One key (the common case; MAC first, then `iss` compared).
    single: TokenVerifier,
    /// The same key through a key provider (`iss` looked up first): must agree with `single`.
    provider: TokenVerifier,
    /// Accepts any time: re-verifies re-encoded claims whatever their dates.
    lenient: TokenVerifier,
    signer: TokenSigner,
    receiver: WebhookReceiver,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let secret = ApiSecret::new(SECRET).expect("fixture secret");
    let signer = TokenSigner::new(KEY, &secret).expect("fixture signer");
    let keys = StaticKeyProvider::new()
        .with_key(KEY, SECRET)
        .and_then(|keys| keys.with_key("APIotherKey0000", "another-secret-another-secret"))
        .expect("fixture keys");
    Fixture {
        single: TokenVerifier::from_signer(signer.clone()),
        provider: TokenVerifier::with_key_provider(keys),
        lenient: TokenVerifier::from_signer(signer.clone())
            .with_leeway(Duration::from_secs(u64::MAX)),
        signer,
        receiver: WebhookReceiver::with_credentials(KEY, SECRET).expect("fixture receiver"),
    }
});

fn fixture() -> &'static Fixture {
    &FIXTURE
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// `token_verify`: arbitrary bytes (lossy UTF-8) as a token, verified with the fixture key at
/// the frozen clock.
///
/// Oracle: no panic; the verdict is deterministic and the key-provider verifier agrees; an
/// error's `Display` does not show the secret. If accepted: exactly three
/// canonical base64url segments (re-encoding each decoded segment gives the same text — the
/// crate's base64 decoder is private, so `base64_segment` is folded in here), a header that is
/// a JSON object with one `alg`, exactly `HS256`, and without `crit`, the
/// HMAC-SHA256 (computed here) equal to the signature, `iss == KEY`, dates within the leeway,
/// claims consistent with a reference JSON parse, and the claims, re-signed, verify to the
/// same claims.
pub fn token_verify(data: &[u8]) {
    let token = String::from_utf8_lossy(data);
    let _ = verify_and_check(&token, false);
}

/// `token_claims_json`: arbitrary bytes as the claims JSON of a token with a valid MAC (made
/// here with the fixture secret and the standard header).
///
/// Oracle: everything [`token_verify`] checks, plus: an error's `Display` does not show the
/// token (its signature); invalid UTF-8 ⇒ `InvalidUtf8`; a byte
/// order mark, text the reference parser refuses (syntax, lone surrogate escape), a non-object,
/// a claim `Claims` knows given twice, or nesting deeper than 64 ⇒ `Err`; and the same claims
/// preceded by a space get the same verdict (equal claims, or an error of the same kind).
pub fn token_claims_json(data: &[u8]) {
    let f = fixture();
    let token = jwt::sign(jwt::HEADER_JSON.as_bytes(), data, SECRET);
    let result = verify_and_check(&token, true);
    if data.is_empty() {
        // An empty payload segment: not a compact JWS at all.
        assert_eq!(result, Err(TokenError::Malformed), "empty claims segment");
        return;
    }

    let mut spaced = Vec::with_capacity(data.len() + 1);
    spaced.push(b' ');
    spaced.extend_from_slice(data);
    let spaced_token = jwt::sign(jwt::HEADER_JSON.as_bytes(), &spaced, SECRET);
    let spaced_result = f.single.verify_at(&spaced_token, now());
    match (&result, &spaced_result) {
        (Ok(a), Ok(b)) => assert!(
            same_claims(a, b),
            "a leading space changed the decoded claims: {a:?} vs {b:?}"
        ),
        (Err(a), Err(b)) => assert_eq!(
            std::mem::discriminant(a),
            std::mem::discriminant(b),
            "a leading space changed the error: {a:?} vs {b:?}"
        ),
        _ => panic!("a leading space changed the verdict: {result:?} vs {spaced_result:?}"),
    }

    let Ok(text) = std::str::from_utf8(data) else {
        assert_eq!(
            result,
            Err(TokenError::InvalidUtf8),
            "claims that are not UTF-8"
        );
        return;
    };
    if text.starts_with('\u{feff}') {
        assert!(
            result.is_err(),
            "accepted claims that start with a byte order mark"
        );
    }
    match json_ref::parse(text) {
        Err(error) => assert!(
            result.is_err(),
            "accepted claims the reference parser refuses ({error:?})"
        ),
        Ok(json) => {
            if !matches!(json, Json::Object(_)) {
                assert!(
                    result.is_err(),
                    "accepted claims that are not a JSON object"
                );
            }
            if duplicate_known(&json, CLAIMS) {
                assert!(result.is_err(), "accepted claims with a duplicate claim");
            }
            if json.depth() > MAX_CLAIMS_DEPTH {
                assert!(
                    result.is_err(),
                    "accepted claims nested {} deep",
                    json.depth()
                );
            }
        }
    }
}

/// Verifies `token` with the fixture verifiers and checks everything that must hold of any
/// verdict (`made_here`: the token was signed here, not taken from the fuzzer); returns the
/// single-key verifier's verdict.
fn verify_and_check(token: &str, made_here: bool) -> Result<Claims, TokenError> {
    let f = fixture();
    let result = f.single.verify_at(token, now());
    let again = f.single.verify_at(token, now());
    assert!(
        same_result(&result, &again),
        "verifying the same token twice gave {result:?}, then {again:?}"
    );
    let provider = f.provider.verify_at(token, now());
    match (&result, &provider) {
        (Ok(a), Ok(b)) => assert!(
            same_claims(a, b),
            "the key-provider verifier decoded other claims: {a:?} vs {b:?}"
        ),
        (Err(_), Err(_)) => {}
        _ => panic!("single-key verifier: {result:?}; key-provider verifier: {provider:?}"),
    }
    // An error may quote the decoded header or claims (a duplicate member's name, …), which
    // cannot hold the token itself, but may hold the secret if the fuzzer wrote it there.
    let quotes_secret = token.contains(SECRET)
        || token
            .split('.')
            .filter_map(|segment| URL_SAFE_NO_PAD.decode(segment).ok())
            .any(|decoded| mentions(&decoded, SECRET));
    for error in [result.as_ref().err(), provider.as_ref().err()]
        .into_iter()
        .flatten()
    {
        let shown = error.to_string();
        if !quotes_secret {
            assert!(
                !shown.contains(SECRET),
                "an error shows the secret: {shown}"
            );
        }
        // Whether the token itself is shown can only be told for a token made here: its
        // signature is an HMAC, which neither a fixed text nor a quoted piece of the decoded
        // segments can hold (an arbitrary token may be any piece of a message).
        if let Some(signature) = made_here.then(|| token.rsplit('.').next()).flatten() {
            assert!(
                !shown.contains(signature),
                "an error shows the token: {shown}"
            );
        }
    }
    if let Ok(claims) = &result {
        check_accepted(token, claims);
    }
    result
}

/// What an accepted token must be.
fn check_accepted(token: &str, claims: &Claims) {
    let f = fixture();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(
        parts.len(),
        3,
        "accepted a token with {} segments",
        parts.len()
    );
    let mut decoded = Vec::with_capacity(3);
    for (i, part) in parts.iter().enumerate() {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .unwrap_or_else(|e| panic!("accepted segment {i} is not base64url ({e}): {part:?}"));
        assert_eq!(
            URL_SAFE_NO_PAD.encode(&bytes),
            *part,
            "accepted segment {i} is not canonical base64url"
        );
        decoded.push(bytes);
    }

    let header = std::str::from_utf8(&decoded[0]).expect("accepted header is not UTF-8");
    let header = json_ref::parse(header)
        .unwrap_or_else(|e| panic!("accepted header is not JSON ({e:?}): {header:?}"));
    assert!(
        matches!(header, Json::Object(_)),
        "accepted header is not an object"
    );
    assert!(
        !duplicate_known(&header, &["alg", "crit"]),
        "accepted header with a duplicate alg or crit"
    );
    assert_eq!(
        header.get("alg").and_then(Json::as_str),
        Some("HS256"),
        "accepted header's alg is not HS256"
    );
    assert!(header.get("crit").is_none(), "accepted header has crit");

    let signing_input = &token[..parts[0].len() + 1 + parts[1].len()];
    assert_eq!(
        jwt::mac(SECRET, signing_input.as_bytes()).as_slice(),
        decoded[2].as_slice(),
        "accepted a signature that is not HMAC-SHA256 of the signing input"
    );

    let payload = std::str::from_utf8(&decoded[1]).expect("accepted claims are not UTF-8");
    check_claims_text(payload, claims);
    assert_eq!(claims.iss, KEY, "accepted iss");
    assert!(
        claims.exp.saturating_add(LEEWAY) >= NOW,
        "accepted exp {} at {NOW}",
        claims.exp
    );
    if let Some(nbf) = claims.nbf {
        assert!(nbf <= NOW + LEEWAY, "accepted nbf {nbf} at {NOW}");
    }

    let resigned = f
        .signer
        .sign(claims)
        .expect("accepted claims cannot be signed again");
    let back = f
        .lenient
        .verify_at(&resigned, now())
        .unwrap_or_else(|e| panic!("accepted claims, signed again, do not verify: {e:?}"));
    assert!(
        same_claims(&back, claims),
        "accepted claims, signed again, decode differently: {back:?} vs {claims:?}"
    );
}

/// The accepted claims against a reference parse of their JSON.
fn check_claims_text(payload: &str, claims: &Claims) {
    let json = json_ref::parse(payload)
        .unwrap_or_else(|e| panic!("accepted claims the reference parser refuses ({e:?})"));
    assert!(
        matches!(json, Json::Object(_)),
        "accepted claims that are not an object"
    );
    assert!(
        !duplicate_known(&json, CLAIMS),
        "accepted claims with a duplicate claim"
    );
    assert!(
        json.depth() <= MAX_CLAIMS_DEPTH,
        "accepted claims nested {} deep",
        json.depth()
    );
    assert_eq!(
        json.get("iss").and_then(Json::as_str),
        Some(KEY),
        "accepted iss (reference)"
    );
    match json.get("exp") {
        Some(Json::Number(n)) => {
            if let Ok(exp) = n.parse::<u64>() {
                assert_eq!(claims.exp, exp, "exp decoded wrong");
            }
        }
        other => panic!("accepted exp {other:?}"),
    }
    let strings = [
        ("sub", &claims.sub),
        ("name", &claims.name),
        ("metadata", &claims.metadata),
        ("sha256", &claims.sha256),
        ("roomPreset", &claims.room_preset),
    ];
    for (name, decoded) in strings {
        match json.get(name) {
            Some(Json::String(s)) => assert_eq!(s, decoded, "{name} decoded wrong"),
            None | Some(Json::Null) => assert!(decoded.is_empty(), "{name} from nowhere"),
            Some(other) => panic!("accepted {name} = {other:?}"),
        }
    }
    // Grants are objects: a derive alone would also read an array, by position.
    for grant in ["video", "sip", "agent", "inference", "observability"] {
        if let Some(value @ Json::Array(_)) = json.get(grant) {
            panic!("accepted {grant} = {value:?}");
        }
    }
    match json.get("attributes") {
        Some(Json::Object(members)) => {
            let mut expected = BTreeMap::new();
            for (k, v) in members {
                // A `null` value reads as "", as in Go.
                let v = match v {
                    Json::String(v) => v.clone(),
                    Json::Null => String::new(),
                    other => panic!("accepted attribute {k:?} = {other:?}"),
                };
                expected.insert(k.clone(), v);
            }
            assert_eq!(claims.attributes, expected, "attributes decoded wrong");
        }
        None | Some(Json::Null) => assert!(claims.attributes.is_empty()),
        Some(other) => panic!("accepted attributes = {other:?}"),
    }
}

/// The claims `Claims` knows: the verifier refuses any of them given twice (serde's derive
/// reports a duplicate field); members it does not know are ignored, duplicates included, as
/// Go's `encoding/json` does.
const CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "nbf",
    "exp",
    "name",
    "kind",
    "kindDetails",
    "video",
    "sip",
    "agent",
    "inference",
    "observability",
    "roomConfig",
    "roomPreset",
    "metadata",
    "attributes",
    "sha256",
];

/// `token_header_json`: arbitrary bytes as the JOSE header of a token whose claims are valid
/// and whose MAC is right (made here with the fixture secret): libFuzzer alone would rarely
/// reach the header rules behind a valid signature.
///
/// Oracle (RFC 7515 with the crate's rules, from a reference JSON parse): accepted exactly when
/// the header is UTF-8 JSON the reference parser takes, an object nested at most 64 deep with
/// one `alg` and at most one `crit`, `alg` the string `HS256` and no `crit`; then the claims are
/// the token's. Another string `alg` is `UnsupportedAlgorithm` naming it, a `crit` beside
/// `HS256` is `UnsupportedCritical`; everything else is an error.
pub fn token_header_json(data: &[u8]) {
    let claims = format!(
        r#"{{"iss":{},"sub":"header-fuzz","exp":{}}}"#,
        jwt::quote(KEY),
        NOW + 60
    );
    let token = jwt::sign(data, claims.as_bytes(), SECRET);
    let result = fixture().single.verify_at(&token, now());
    let expected = std::str::from_utf8(data)
        .ok()
        .and_then(|text| json_ref::parse(text).ok())
        .filter(|json| {
            matches!(json, Json::Object(_))
                && json.depth() <= MAX_CLAIMS_DEPTH
                && !duplicate_known(json, &["alg", "crit"])
        })
        .map(|json| match json.get("alg") {
            Some(Json::String(alg)) if alg == "HS256" && json.get("crit").is_some() => {
                Err(Some(TokenError::UnsupportedCritical))
            }
            Some(Json::String(alg)) if alg == "HS256" => Ok(()),
            Some(Json::String(alg)) => Err(Some(TokenError::UnsupportedAlgorithm(alg.clone()))),
            _ => Err(None),
        })
        .unwrap_or(Err(None));
    match (expected, result) {
        (Ok(()), Ok(claims)) => assert_eq!(claims.sub, "header-fuzz"),
        (Err(Some(error)), result) => assert_eq!(result, Err(error), "header {data:?}"),
        (Err(None), result) => assert!(result.is_err(), "accepted the header {data:?}"),
        (Ok(()), Err(error)) => panic!("refused the header {data:?}: {error:?}"),
    }
}

/// `token_verify_structured`: a token described by an `arbitrary` structure read from the
/// input (`structured::TokenSpec`): a JOSE header (the standard one; members among `alg` of
/// other names, case variants, `none`, escapes or other types, `typ`, `kid`, `crit`, unknown
/// ones, nested or lone-surrogate values, in any order and number; or not an object), claims
/// (`iss` the key or not, `sub`, `exp` and `nbf` absent, integer, fractional, exponent,
/// negative, past the latest date, huge, string, a `video` object or another type, unknown
/// members, one claim written twice), segment mutations applied to the encoded text *before*
/// the MAC is computed over it with the fixture secret (padding, `+`/`/`, non-canonical trailing
/// bits, whitespace, an extra dot, an emptied segment; the same after it, on the signature),
/// an extra segment, and a signature that is right or not.
///
/// Oracle: everything [`token_verify`] checks (no panic, determinism, the key-provider
/// verifier agrees, no secret in an error, and for an accepted token: three canonical
/// segments, one `alg` exactly `HS256`, no `crit`, no claim twice, `exp`/`nbf` within the
/// leeway, `iss` the key); no error shows the token's MAC; and the verdict the construction
/// implies: a token with nothing wrong is accepted, with the claims written (`sub`, `exp` and
/// `nbf` rounded down, `video`); a token with one thing wrong is refused with the error for it
/// (`MalformedEncoding` of that segment for a padding, alphabet, trailing-bits or whitespace
/// mutation, `Malformed` for an extra dot or segment or an empty header or claims segment,
/// `BadSignature`, `UnsupportedAlgorithm`, `DuplicateMember`, `Expired`, …); a token with
/// several, with some error.
pub fn token_verify_structured(data: &[u8]) {
    let Some(spec) = structured::read(data) else {
        return;
    };
    let built = spec.build();
    let token = &built.token;
    let result = verify_and_check(token, false);
    if let Err(error) = &result {
        let shown = error.to_string();
        assert!(
            !shown.contains(&built.mac_text),
            "an error shows the token's MAC: {shown}"
        );
    }
    match (&built.verdict, &result) {
        (Verdict::Accept(want), Ok(claims)) => {
            assert_eq!(claims.iss, KEY, "iss of {token:?}");
            assert_eq!(claims.sub, want.sub, "sub of {token:?}");
            assert_eq!(claims.exp, want.exp, "exp of {token:?}");
            assert_eq!(claims.nbf, want.nbf, "nbf of {token:?}");
            assert_eq!(claims.video, want.video, "video of {token:?}");
        }
        (Verdict::Accept(_), Err(error)) => {
            panic!("refused a valid token ({error:?}): {token:?}\n{spec:?}")
        }
        (Verdict::Refuse(faults), Ok(_)) => {
            panic!("accepted a token with {faults:?}: {token:?}\n{spec:?}")
        }
        (Verdict::Refuse(faults), Err(error)) => {
            if let [fault] = faults.as_slice() {
                assert!(
                    fault.want.iter().any(|want| want.matches(error)),
                    "{}: expected one of {:?}, got {error:?}: {token:?}\n{spec:?}",
                    fault.what,
                    fault.want
                );
            }
        }
    }
}

/// Whether the object `json` has a member named in `known` more than once.
fn duplicate_known(json: &Json, known: &[&str]) -> bool {
    let Json::Object(members) = json else {
        return false;
    };
    known
        .iter()
        .any(|name| members.iter().filter(|(key, _)| key == name).count() > 1)
}

/// Whether `bytes` hold `text`.
fn mentions(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

fn same_result(a: &Result<Claims, TokenError>, b: &Result<Claims, TokenError>) -> bool {
    match (a, b) {
        (Ok(a), Ok(b)) => same_claims(a, b),
        (Err(a), Err(b)) => a == b,
        _ => false,
    }
}

/// Equal claims; a `roomConfig` may hold a NaN (protojson `"NaN"`), so the JSON form decides
/// when `==` says no.
fn same_claims(a: &Claims, b: &Claims) -> bool {
    a == b || serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

// ---------------------------------------------------------------------------------------------
// Webhooks

/// `webhook_receive`: `[mode, a, b, rest…]`.
///
/// - `mode & 1 == 0`: the `Authorization` value is arbitrary: the first `u16(a, b) % 1024`
///   bytes of `rest` (lossy UTF-8), the body is the remainder.
/// - `mode & 1 == 1`: the body is `rest`, and the header a valid token (made here) whose
///   `sha256` claim is over a mutation of the body (`mode >> 1 & 3`: none, a bit flipped at
///   `u16(a, b)`, a byte appended, a byte removed), written in one of eight forms (`mode >> 3
///   & 7`: canonical padded standard base64, unpadded, URL-safe, hex, empty, absent,
///   non-canonical trailing bits, 33 bytes), with one of four `Bearer`/whitespace decorations
///   (`mode >> 6`).
///
/// Oracle: no panic; `verify_at` and `receive_at` agree (`receive_at` fails only with what
/// `verify_at` says, or `InvalidBody` after `verify_at` succeeded); accepted or `InvalidBody`
/// ⇒ the token verifies and its `sha256` claim is the padded standard base64 of SHA-256 of the
/// body (checked here); `InvalidBody` ⇔ the body does not decode as a `WebhookEvent`
/// (serde_json directly), and an accepted event equals the direct decoding; 4xx statuses
/// only; `Display` shows neither the secret nor a generated token; for generated headers, the exact
/// outcome (accept, `MissingChecksum`, `InvalidChecksumEncoding`, `ChecksumMismatch`) is
/// predicted from the claim and the body.
pub fn webhook_receive(data: &[u8]) {
    let [mode, a, b, rest @ ..] = data else {
        return;
    };
    let pos = usize::from(u16::from_be_bytes([*a, *b]));
    let f = fixture();
    let (body, header, expected) = if mode & 1 == 0 {
        let split = (pos % 1024).min(rest.len());
        let header = String::from_utf8_lossy(&rest[..split]).into_owned();
        (&rest[split..], header, None)
    } else {
        let signed = mutate(rest, (mode >> 1) & 3, pos);
        let claim = sha256_claim_form(&signed, (mode >> 3) & 7);
        let claims = jwt::webhook_claims(KEY, NOW - 60, NOW + 300, claim.as_deref());
        let token = jwt::sign(jwt::HEADER_JSON.as_bytes(), claims.as_bytes(), SECRET);
        let header = match mode >> 6 {
            0 => token,
            1 => format!("Bearer {token}"),
            2 => format!(" \tbearer\t{token}  "),
            _ => format!("BEARER  {token}\t"),
        };
        (
            rest,
            header,
            Some(expected_checksum_outcome(claim.as_deref(), rest)),
        )
    };

    let received = f.receiver.receive_at(body, &header, now());
    let verified = f.receiver.verify_at(body, &header, now());
    match (&received, &verified) {
        (Ok(_) | Err(WebhookError::InvalidBody(_)), Ok(())) => {
            check_webhook_binding(body, &header);
        }
        (Err(WebhookError::InvalidBody(_)), Err(e)) => {
            panic!("InvalidBody although verification failed with {e:?}")
        }
        (Ok(_), Err(e)) => panic!("received although verification failed with {e:?}"),
        (Err(r), Err(v)) => assert_eq!(r, v, "receive and verify disagree"),
        (Err(r), Ok(())) => panic!("verified, but receive says {r:?}"),
    }
    // The receiver checks the whole body for UTF-8 first (as documented), while `from_slice`
    // skips the strings of unknown members without checking them: the reference is UTF-8
    // then `from_str`.
    let direct = std::str::from_utf8(body)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str::<WebhookEvent>(text).map_err(|e| e.to_string()));
    match (&received, &direct) {
        (Ok(webhook), Ok(event)) => assert_eq!(
            serde_json::to_value(webhook.event()).ok(),
            serde_json::to_value(event).ok(),
            "the receiver decoded another event than serde_json"
        ),
        (Ok(_), Err(e)) => panic!("received a body serde_json refuses: {e}"),
        (Err(WebhookError::InvalidBody(_)), Ok(_)) => {
            panic!("InvalidBody for a body serde_json decodes")
        }
        _ => {}
    }
    if let Err(error) = &received {
        assert!(
            matches!(error.http_status(), 400 | 401 | 413),
            "status {} for {error:?}",
            error.http_status()
        );
        // Neither the secret nor the token may be shown. `InvalidBody` quotes the body, and an
        // arbitrary header may be any piece of a message: only a token made here (which
        // depends on the body's digest) tells, and the secret unless the input holds it.
        let shown = error.to_string();
        if !mentions(body, SECRET) && !header.contains(SECRET) {
            assert!(
                !shown.contains(SECRET),
                "an error shows the secret: {shown}"
            );
        }
        if mode & 1 == 1 {
            let token = header.trim_matches([' ', '\t']);
            let token = token.rsplit([' ', '\t']).next().unwrap_or(token);
            assert!(!shown.contains(token), "an error shows the token: {shown}");
        }
    }
    if let Some(expected) = expected {
        match (expected, &received) {
            (Expected::Accept, Ok(_) | Err(WebhookError::InvalidBody(_))) => {}
            (Expected::Reject(want), Err(got)) if *got == want => {}
            (expected, got) => panic!("expected {expected:?}, got {got:?}"),
        }
    }
}

/// The independent proof behind an accepted webhook: the token verifies, and its `sha256`
/// claim is the digest of the body.
fn check_webhook_binding(body: &[u8], header: &str) {
    let f = fixture();
    let token = header.trim_matches([' ', '\t']);
    let token = match token.get(..7) {
        Some(scheme)
            if scheme.eq_ignore_ascii_case("bearer ")
                || scheme.eq_ignore_ascii_case("bearer\t") =>
        {
            token[7..].trim_start_matches([' ', '\t'])
        }
        _ => token,
    };
    let claims = f
        .receiver
        .verifier()
        .verify_at(token, now())
        .unwrap_or_else(|e| panic!("accepted a webhook whose token does not verify: {e:?}"));
    assert_eq!(
        claims.sha256,
        jwt::sha256_claim(body),
        "accepted a webhook whose sha256 claim is not the body's digest"
    );
}

#[derive(Debug, Clone, PartialEq)]
enum Expected {
    /// `Ok`, or `InvalidBody` (the body is not an event).
    Accept,
    Reject(WebhookError),
}

/// What a valid token with `sha256` = `claim` must give for `body`.
fn expected_checksum_outcome(claim: Option<&str>, body: &[u8]) -> Expected {
    let claim = match claim {
        None | Some("") => return Expected::Reject(WebhookError::MissingChecksum),
        Some(claim) => claim,
    };
    // Canonical padded standard base64 of 32 bytes is exactly 44 characters.
    let digest = (claim.len() == 44)
        .then(|| STANDARD.decode(claim).ok())
        .flatten()
        .filter(|bytes| bytes.len() == 32);
    match digest {
        None => Expected::Reject(WebhookError::InvalidChecksumEncoding),
        Some(digest) if digest == jwt::sha256(body) => Expected::Accept,
        Some(_) => Expected::Reject(WebhookError::ChecksumMismatch),
    }
}

/// `body` changed (or not) as `how` says, at `pos`.
fn mutate(body: &[u8], how: u8, pos: usize) -> Vec<u8> {
    let mut out = body.to_vec();
    match how {
        0 => {}
        1 if !out.is_empty() => {
            let i = pos % out.len();
            out[i] ^= 1 << (pos % 8);
        }
        3 if !out.is_empty() => {
            out.remove(pos % out.len());
        }
        // 2, and 1 and 3 on an empty body.
        _ => out.push(b' '),
    }
    out
}

/// The `sha256` claim for `signed` in one of eight forms; `None` for no claim.
fn sha256_claim_form(signed: &[u8], form: u8) -> Option<String> {
    let digest = jwt::sha256(signed);
    Some(match form {
        0 => STANDARD.encode(digest),
        1 => STANDARD_NO_PAD.encode(digest),
        2 => URL_SAFE.encode(digest),
        3 => digest.iter().map(|b| format!("{b:02x}")).collect(),
        4 => String::new(),
        5 => return None,
        6 => {
            // The character before `=` carries 2 unused bits in its low nibble: set one.
            let mut text = STANDARD.encode(digest).into_bytes();
            let last = text[42];
            let value = STANDARD_ALPHABET
                .iter()
                .position(|&c| c == last)
                .unwrap_or(0);
            text[42] = STANDARD_ALPHABET[(value | 1) % 64];
            String::from_utf8(text).unwrap_or_default()
        }
        _ => {
            let mut long = digest.to_vec();
            long.push(0);
            STANDARD.encode(long)
        }
    })
}

const STANDARD_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `webhook_event_json`: arbitrary bytes to the protojson `WebhookEvent` decoder, directly
/// (`serde_json` with the proto crate's `serde` feature) and through the receiver with a valid
/// signature.
///
/// Oracle: no panic; both paths agree (the receiver's error is `InvalidBody`, its event equal);
/// for a decodable input: its protojson re-encoding decodes to the same event, and — the
/// differential against unknown data a newer server may send — inserting an unknown member
/// (in the original text, and in every object of the re-encoding) or replacing every enum
/// name of the re-encoding with an unknown name never turns `Ok` into `Err` (and unknown
/// members change nothing).
pub fn webhook_event_json(data: &[u8]) {
    let f = fixture();
    let utf8 = std::str::from_utf8(data).is_ok();
    let direct = serde_json::from_slice::<WebhookEvent>(data);
    let claims = jwt::webhook_claims(KEY, NOW - 60, NOW + 300, Some(&jwt::sha256_claim(data)));
    let token = jwt::sign(jwt::HEADER_JSON.as_bytes(), claims.as_bytes(), SECRET);
    let received = f.receiver.receive_at(data, &token, now());
    match (&direct, &received) {
        (Ok(event), Ok(webhook)) => assert_eq!(
            serde_json::to_value(event).ok(),
            serde_json::to_value(webhook.event()).ok(),
            "the receiver decoded another event than serde_json"
        ),
        (Err(_), Err(WebhookError::InvalidBody(_))) => {}
        // `from_slice` skips the strings of unknown members without checking their UTF-8;
        // the receiver checks the whole body first, as documented.
        (Ok(_), Err(WebhookError::InvalidBody(_))) if !utf8 => {}
        _ => panic!("serde_json: {direct:?}; receiver: {received:?}"),
    }
    let Ok(event) = direct else {
        return;
    };
    if !utf8 {
        return;
    }

    if let Some(text) = with_unknown_member(data) {
        match serde_json::from_slice::<WebhookEvent>(&text) {
            Ok(other) => assert_eq!(
                serde_json::to_value(&other).ok(),
                serde_json::to_value(&event).ok(),
                "an unknown member changed the event"
            ),
            Err(e) => panic!(
                "an unknown member turned Ok into Err ({e}): {}",
                String::from_utf8_lossy(&text)
            ),
        }
    }

    // Re-encoding: a failure to write is allowed (Go refuses some values too), a failure to
    // read back what was written is not.
    let Ok(canonical) = serde_json::to_value(&event) else {
        return;
    };
    let decoded = decode_event_value(&canonical, "the protojson re-encoding");
    assert_eq!(
        serde_json::to_value(&decoded).ok().as_ref(),
        Some(&canonical),
        "the protojson re-encoding decodes to another event"
    );

    // Where the object was a string-keyed map, the member is an entry now: strip those.
    let mut unknown = canonical.clone();
    add_unknown_members(&mut unknown, true);
    let decoded = decode_event_value(&unknown, "unknown members in every object");
    let mut decoded = serde_json::to_value(&decoded).ok();
    if let Some(value) = &mut decoded {
        strip_unknown_members(value);
    }
    assert_eq!(
        decoded.as_ref(),
        Some(&canonical),
        "unknown members changed the event"
    );

    let mut renamed = canonical;
    if replace_enum_names(&mut renamed) > 0 {
        decode_event_value(&renamed, "unknown enum names");
    }
}

fn decode_event_value(value: &serde_json::Value, what: &str) -> WebhookEvent {
    let text = value.to_string();
    serde_json::from_str::<WebhookEvent>(&text)
        .unwrap_or_else(|e| panic!("{what} turned Ok into Err ({e}): {text}"))
}

/// The name given to unknown members: no protocol field is called that.
const UNKNOWN_MEMBER: &str = "zzFuzzUnknownMember";
/// The name given to unknown enum values. It is also canonical standard base64 (16 characters
/// of the alphabet), so a `bytes` field in upper case that it replaces stays valid.
const UNKNOWN_ENUM: &str = "ZZUNKNOWNENUMZZZ";

/// The text of a JSON object with an unknown member of every JSON type inserted first; `None`
/// if `data` does not start (after whitespace) with `{`.
fn with_unknown_member(data: &[u8]) -> Option<Vec<u8>> {
    let start = data.iter().position(|b| !b" \t\r\n".contains(b))?;
    if data[start] != b'{' {
        return None;
    }
    let after = &data[start + 1..];
    let empty = after
        .iter()
        .find(|b| !b" \t\r\n".contains(b))
        .is_some_and(|&b| b == b'}');
    let mut out = data[..=start].to_vec();
    out.extend_from_slice(
        format!(r#""{UNKNOWN_MEMBER}":[{{"a":null,"b":[true,-1.5e300]}},"x\u00e9",12345678901234567890123]"#)
            .as_bytes(),
    );
    if !empty {
        out.push(b',');
    }
    out.extend_from_slice(after);
    Some(out)
}

/// Adds [`UNKNOWN_MEMBER`] to every object that can be a message: at the top (`top`) with a
/// value of every type, elsewhere with a copy of a sibling's value (so that a map with values
/// of one type stays valid). Objects whose keys are all integers (maps with integer keys) and
/// empty ones are left alone.
fn add_unknown_members(value: &mut serde_json::Value, top: bool) {
    match value {
        serde_json::Value::Array(items) => {
            for item in items {
                add_unknown_members(item, false);
            }
        }
        serde_json::Value::Object(members) => {
            for member in members.values_mut() {
                add_unknown_members(member, false);
            }
            if top {
                members.insert(
                    UNKNOWN_MEMBER.to_owned(),
                    serde_json::json!([{"a": null, "b": [true, 1.5]}, "x", 7]),
                );
            } else if !members.keys().all(|k| k.parse::<i64>().is_ok())
                && let Some(sibling) = members.values().next().cloned()
            {
                members.insert(UNKNOWN_MEMBER.to_owned(), sibling);
            }
        }
        _ => {}
    }
}

/// Removes every [`UNKNOWN_MEMBER`] entry (what [`add_unknown_members`] added to maps).
fn strip_unknown_members(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_unknown_members),
        serde_json::Value::Object(members) => {
            members.remove(UNKNOWN_MEMBER);
            members.values_mut().for_each(strip_unknown_members);
        }
        _ => {}
    }
}

/// Replaces every string that looks like an enum name (`UPPER_SNAKE_CASE`) with
/// [`UNKNOWN_ENUM`]; returns how many.
fn replace_enum_names(value: &mut serde_json::Value) -> usize {
    match value {
        serde_json::Value::String(s) => {
            let enum_like = s.starts_with(|c: char| c.is_ascii_uppercase())
                && s.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if enum_like {
                *s = UNKNOWN_ENUM.to_owned();
                1
            } else {
                0
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().map(replace_enum_names).sum(),
        serde_json::Value::Object(members) => members.values_mut().map(replace_enum_names).sum(),
        _ => 0,
    }
}

// ---------------------------------------------------------------------------------------------
// Twirp

/// Splits fuzz input into length-prefixed fields.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn byte(&mut self) -> u8 {
        match self.0 {
            [b, rest @ ..] => {
                self.0 = rest;
                *b
            }
            [] => 0,
        }
    }

    /// A field of `byte()` bytes (fewer if the input ends).
    fn field(&mut self) -> &'a [u8] {
        let len = usize::from(self.byte()).min(self.0.len());
        let (field, rest) = self.0.split_at(len);
        self.0 = rest;
        field
    }
}

/// `twirp_error_body`: `[status_hi, status_lo, flags, ct_len, ct…, ra_len, ra…, loc_len,
/// loc…, body…]` to `decode_response_at` (status `100 + u16 % 900`; `flags` bits 0–2 say
/// whether `Content-Type`, `Retry-After` and `Location` are sent; a value that is not a valid
/// header value is left out).
///
/// Oracle: no panic; non-200 ⇒ a `Twirp` or `Intermediary` error with that status; 200 ⇒ `Ok`
/// only for a protobuf media type, otherwise `UnexpectedContentType` or `Decode`; an
/// intermediary's code is the one its status maps to and it is marked in meta; a Twirp error's
/// code is its raw code's (or `Unknown`); message and snippet at most `SNIPPET_MAX_BYTES`;
/// `Retry-After` at most `MAX_RETRY_AFTER`; no JWT-shaped text in message, raw code, snippet,
/// content type, meta or `Display`.
pub fn twirp_error_body(data: &[u8]) {
    let mut fields = Fields(data);
    let raw = u16::from_be_bytes([fields.byte(), fields.byte()]);
    let status = StatusCode::from_u16(100 + raw % 900).expect("100..=999 is a valid status");
    let flags = fields.byte();
    let content_type = fields.field();
    let retry_after = fields.field();
    let location = fields.field();
    let body = fields.0;
    let mut headers = HeaderMap::new();
    for (bit, name, value) in [
        (1, CONTENT_TYPE, content_type),
        (2, RETRY_AFTER, retry_after),
        (4, LOCATION, location),
    ] {
        if flags & bit != 0
            && let Ok(value) = HeaderValue::from_bytes(value)
        {
            headers.insert(name, value);
        }
    }

    // An empty message: any protobuf body of a 200 decodes unless malformed.
    let result = decode_response_at::<()>(status, &headers, body, now());
    let media_type = headers.get(CONTENT_TYPE).map(|v| {
        let text = String::from_utf8_lossy(v.as_bytes());
        text.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    let protobuf = matches!(
        media_type.as_deref(),
        Some("application/protobuf" | "application/x-protobuf")
    );
    let error = match result {
        Ok(()) => {
            assert!(
                status == StatusCode::OK && protobuf,
                "Ok for {status} {media_type:?}"
            );
            return;
        }
        Err(error) => error,
    };
    check_twirp_error(&error, status);
    let kind = error.kind();
    if status == StatusCode::OK {
        let expected = if protobuf {
            TwirpErrorKind::Decode
        } else {
            TwirpErrorKind::UnexpectedContentType
        };
        assert_eq!(kind, expected, "200 {media_type:?}");
    } else {
        assert!(
            matches!(kind, TwirpErrorKind::Twirp | TwirpErrorKind::Intermediary),
            "{status} gave a {kind:?} error"
        );
    }
    if kind == TwirpErrorKind::Intermediary {
        assert_eq!(error.code(), TwirpCode::from_intermediary_status(status));
        assert_eq!(error.raw_code(), error.code().as_str());
        assert_eq!(
            error.meta_value("http_error_from_intermediary"),
            Some("true")
        );
        assert_eq!(error.meta_value("status_code"), Some(status.as_str()));
        assert!(
            error.body_snippet().is_some(),
            "an intermediary error without snippet"
        );
    }
    if kind == TwirpErrorKind::Twirp {
        assert_eq!(
            error.code(),
            TwirpCode::from_wire(error.raw_code()).unwrap_or(TwirpCode::Unknown),
            "code and raw code disagree"
        );
        assert!(
            !error.raw_code().is_empty(),
            "a Twirp error with an empty code"
        );
    }
}

/// What holds of every error made from a response.
fn check_twirp_error(error: &TwirpError, status: StatusCode) {
    assert_eq!(error.http_status(), Some(status), "status not kept");
    assert!(
        TwirpCode::ALL.contains(&error.code()),
        "code outside the table"
    );
    if matches!(
        error.kind(),
        TwirpErrorKind::Twirp | TwirpErrorKind::Intermediary
    ) {
        assert!(
            error.message().len() <= SNIPPET_MAX_BYTES,
            "message of {} bytes",
            error.message().len()
        );
    }
    if let Some(snippet) = error.body_snippet() {
        assert!(
            snippet.len() <= SNIPPET_MAX_BYTES,
            "snippet of {} bytes",
            snippet.len()
        );
    }
    if let Some(retry_after) = error.retry_after() {
        assert!(
            retry_after <= MAX_RETRY_AFTER,
            "Retry-After {retry_after:?}"
        );
    }
    let shown = error.to_string();
    let mut texts = vec![error.message(), error.raw_code(), shown.as_str()];
    texts.extend(error.body_snippet());
    texts.extend(error.content_type());
    texts.extend(error.location());
    for (k, v) in error.meta() {
        texts.push(k);
        texts.push(v);
    }
    for text in texts {
        assert!(
            !has_jwt(text),
            "a token-shaped text was not redacted: {text:?}"
        );
    }
    let _ = error.sip_status_code();
    if let Some(details) = error.error_details() {
        let _ = details.find("livekit.SIPStatus");
    }
}

/// Whether `text` holds `eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.` (a bearer token's shape).
///
/// Linear, so that the oracle keeps up with 64 KiB inputs under a per-input time limit: the
/// text is cut after each byte that is not a token character; a token is a piece holding
/// `eyJ` with a character after it before its closing `.`, followed by a piece of at least
/// one character and its closing `.`.
fn has_jwt(text: &str) -> bool {
    let is_token = |c: &u8| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_';
    let pieces: Vec<&[u8]> = text.as_bytes().split_inclusive(|c| !is_token(c)).collect();
    pieces.windows(2).any(|pair| {
        let (Some((b'.', header)), Some((b'.', payload))) =
            (pair[0].split_last(), pair[1].split_last())
        else {
            return false;
        };
        let header_starts = header.windows(3).position(|w| w == b"eyJ");
        header_starts.is_some_and(|at| at + 3 < header.len()) && !payload.is_empty()
    })
}

/// `twirp_text`: arbitrary bytes, as lossy UTF-8, to every function of `livekit-server-twirp`
/// that reads server text on its own: `redact_tokens`, `ErrorDetails::from_base64` (a
/// `meta.error_details` value) and `parse_retry_after`. (`decode_response_at`, which calls them
/// on bodies and headers, is `twirp_error_body`.) `cargo xtask fuzz` runs it on inputs up to
/// 128 KiB with a per-input time limit of a second, so superlinear work is a finding.
///
/// Oracle: no panic; no token-shaped text left after redaction, and none in a decoded status
/// message; text without a token is returned unchanged; redacting twice changes nothing; every
/// redaction marker in the result was either in the input or replaced a token; a
/// `Retry-After` delay is at most `MAX_RETRY_AFTER`.
pub fn twirp_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let redacted = redact_tokens(&text);
    assert!(!has_jwt(&redacted), "a token survived: {redacted:?}");
    if has_jwt(&text) {
        assert!(
            redacted.matches(REDACTED_TOKEN).count() > text.matches(REDACTED_TOKEN).count(),
            "a token was found but no marker added"
        );
    } else {
        assert_eq!(redacted, text, "text without a token was changed");
    }
    assert_eq!(
        redact_tokens(&redacted),
        redacted,
        "redaction is not idempotent"
    );
    if let Some(details) = ErrorDetails::from_base64(&text) {
        assert!(!has_jwt(details.message()), "a token in a status message");
        for detail in details.details() {
            let _ = (detail.type_name(), detail.value());
        }
    }
    if let Some(delay) = parse_retry_after(&text, now()) {
        assert!(delay <= MAX_RETRY_AFTER, "Retry-After {delay:?}");
    }
}

/// `retry_after_header`: arbitrary bytes as a `Retry-After` value: as text (lossy UTF-8) to
/// `parse_retry_after`, and, when they make an `http::HeaderValue`, as the header of a 503
/// from an intermediary and of a Twirp 429 error to `decode_response_at`. `cargo xtask fuzz`
/// runs it like `twirp_text` (inputs up to 128 KiB, a second each).
///
/// Oracle (what `parse_retry_after` documents: delta-seconds or an HTTP-date relative to `now`,
/// capped at `MAX_RETRY_AFTER`): no panic; a delay is at most `MAX_RETRY_AFTER`; surrounding
/// whitespace aside, all ASCII digits (`n`) give exactly `min(n, cap)` seconds, however many
/// digits. Dates are the `httpdate` crate's to read (its own tests cover them; a reference
/// parser here found only its known edge cases). Both error kinds keep exactly the parsed
/// delay for a header value of visible ASCII, and none for other header values (obs-text is
/// neither a number nor a date).
pub fn retry_after_header(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let delay = parse_retry_after(&text, now());
    if let Some(delay) = delay {
        assert!(delay <= MAX_RETRY_AFTER, "Retry-After {delay:?}");
    }
    let allowed = expected_retry_after(&text);
    assert!(
        allowed.is_empty() || allowed.contains(&delay),
        "Retry-After {}: expected one of {allowed:?}, got {delay:?}",
        shortened(&text)
    );

    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    // A header value has text only if it is visible ASCII (then `text` is that text).
    let expected = value.to_str().ok().and(delay);
    let mut headers = HeaderMap::new();
    headers.insert(RETRY_AFTER, value);
    let twirp_body = br#"{"code":"resource_exhausted","msg":"slow down"}"#;
    for (status, content_type, body) in [
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain",
            &b"upstream down"[..],
        ),
        (
            StatusCode::TOO_MANY_REQUESTS,
            "application/json",
            &twirp_body[..],
        ),
    ] {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        let Err(error) = decode_response_at::<()>(status, &headers, body, now()) else {
            panic!("{status} decoded as a success");
        };
        assert_eq!(
            error.retry_after(),
            expected,
            "{status} ({:?}) with Retry-After {}",
            error.kind(),
            shortened(&text)
        );
    }
}

/// `text` quoted, cut after 100 characters (inputs go up to 128 KiB).
fn shortened(text: &str) -> String {
    match text.char_indices().nth(100) {
        Some((end, _)) => format!("{:?}… ({} bytes)", &text[..end], text.len()),
        None => format!("{text:?}"),
    }
}

/// The delays `parse_retry_after` may give for `text` at the frozen clock (empty: any).
fn expected_retry_after(text: &str) -> Vec<Option<Duration>> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let digits = text.trim_start_matches('0');
        let seconds = if digits.len() > 18 {
            u64::MAX
        } else {
            digits.parse().unwrap_or(0)
        };
        return vec![Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))];
    }
    // An HTTP-date is read by the `httpdate` crate (its edge cases are its own: years before
    // 1970 and RFC 850 two-digit years 70-73 unread, a lenient separator before the time):
    // any delay within the cap (checked above), or none.
    Vec::new()
}

/// `twirp_success_body`: arbitrary bytes as the body of a `200 OK` protobuf response,
/// decoded as several response messages of the protocol (and a few messages they hold).
///
/// Oracle: no panic; `decode_response_at` succeeds exactly when `prost` decodes the body (its
/// error is then `Decode`); a decoded message re-encodes to bytes that decode to the same
/// encoding; its protojson (when it can be written) reads back to the same protojson.
pub fn twirp_success_body(data: &[u8]) {
    use livekit_server_proto as p;
    check_message::<p::ListRoomsResponse>(data);
    check_message::<p::Room>(data);
    check_message::<p::ListParticipantsResponse>(data);
    check_message::<p::ParticipantInfo>(data);
    check_message::<p::ListEgressResponse>(data);
    check_message::<p::EgressInfo>(data);
    check_message::<p::ListIngressResponse>(data);
    check_message::<p::ListSipInboundTrunkResponse>(data);
    check_message::<p::ListSipDispatchRuleResponse>(data);
    check_message::<p::SipParticipantInfo>(data);
    check_message::<p::ListAgentDispatchResponse>(data);
    check_message::<p::MuteRoomTrackResponse>(data);
    check_message::<p::RoomConfiguration>(data);
    check_message::<p::WebhookEvent>(data);
}

fn check_message<M>(data: &[u8])
where
    M: prost::Message + Default + serde::Serialize + serde::de::DeserializeOwned,
{
    let name = std::any::type_name::<M>();
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/protobuf"),
    );
    let result = decode_response_at::<M>(StatusCode::OK, &headers, data, now());
    let direct = M::decode(data);
    let message = match (result, direct) {
        (Ok(message), Ok(_)) => message,
        (Err(error), Err(_)) => {
            assert_eq!(error.kind(), TwirpErrorKind::Decode, "{name}");
            check_twirp_error(&error, StatusCode::OK);
            return;
        }
        (result, direct) => panic!(
            "{name}: decode_response_at {} but prost {}",
            if result.is_ok() {
                "succeeded"
            } else {
                "failed"
            },
            if direct.is_ok() {
                "succeeded"
            } else {
                "failed"
            },
        ),
    };
    let encoded = message.encode_to_vec();
    assert_eq!(encoded.len(), message.encoded_len(), "{name}: encoded_len");
    let again = M::decode(encoded.as_slice())
        .unwrap_or_else(|e| panic!("{name}: its own encoding does not decode: {e}"));
    assert_eq!(
        again.encode_to_vec(),
        encoded,
        "{name}: encoding not stable"
    );

    let Ok(json) = serde_json::to_value(&message) else {
        return;
    };
    let text = json.to_string();
    let back = serde_json::from_str::<M>(&text)
        .unwrap_or_else(|e| panic!("{name}: its protojson does not decode ({e}): {text}"));
    assert_eq!(
        serde_json::to_value(&back).ok().as_ref(),
        Some(&json),
        "{name}: protojson round trip changed {text}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_shapes() {
        assert!(has_jwt("x eyJhbGciOi.e30. y"));
        assert!(has_jwt("eyJa.b.c"));
        assert!(!has_jwt("eyJ.b.c"));
        assert!(!has_jwt("eyJa.b"));
        assert!(!has_jwt("[redacted token]"));
    }

    #[test]
    fn claim_forms_have_the_expected_outcomes() {
        let body = b"{}";
        let outcome =
            |form| expected_checksum_outcome(sha256_claim_form(body, form).as_deref(), body);
        assert_eq!(outcome(0), Expected::Accept);
        for form in [1, 3, 6, 7] {
            assert_eq!(
                outcome(form),
                Expected::Reject(WebhookError::InvalidChecksumEncoding),
                "{form}"
            );
        }
        for form in [4, 5] {
            assert_eq!(
                outcome(form),
                Expected::Reject(WebhookError::MissingChecksum),
                "{form}"
            );
        }
    }

    #[test]
    fn unknown_member_insertion() {
        assert_eq!(with_unknown_member(b"[]"), None);
        let text = with_unknown_member(b" { } ").unwrap();
        assert!(serde_json::from_slice::<serde_json::Value>(&text).is_ok());
        let text = with_unknown_member(b"{\"a\":1}").unwrap();
        assert!(serde_json::from_slice::<serde_json::Value>(&text).is_ok());
    }
}
