//! The seed corpora: inputs for every target made from the cross-SDK vectors (the repository's
//! byte-identical copies of `shared/vectors/`) and from valid tokens and webhooks signed here
//! with the fixture key. `cargo xtask fuzz seed` writes them to `corpus/<target>/`.

use std::path::Path;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use prost::Message as _;
use serde_json::Value;

use crate::{KEY, NOW, SECRET, jwt};

/// One seed file.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The target (`corpus/<target>/`).
    pub target: &'static str,
    /// The file name (letters, digits, `.`, `-` and `_`).
    pub name: String,
    /// The input.
    pub data: Vec<u8>,
}

/// Where the vectors are, relative to the repository root.
pub const VECTOR_FILES: [&str; 4] = [
    "crates/livekit-server-auth/tests/vectors/token_verification.json",
    "crates/livekit-server-auth/tests/vectors/tokens_minted.json",
    "crates/livekit-server-webhook/tests/vectors/webhooks.json",
    "crates/livekit-server-twirp/tests/vectors/twirp_responses.json",
];

/// Every seed, from the vectors under `repo` and the hand-made inputs below.
///
/// # Errors
///
/// A message naming the vector file that cannot be read or parsed.
pub fn generate(repo: &Path) -> Result<Vec<Seed>, String> {
    let load = |file: &str| -> Result<Value, String> {
        let path = repo.join(file);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))
    };
    let [verification, minted, webhooks, twirp] = VECTOR_FILES;
    let mut out = Seeds(Vec::new());
    tokens(&mut out, &load(verification)?, &load(minted)?);
    structured_seeds(&mut out);
    webhook_seeds(&mut out, &load(webhooks)?);
    twirp_seeds(&mut out, &load(twirp)?);
    Ok(out.0)
}

struct Seeds(Vec<Seed>);

impl Seeds {
    fn add(&mut self, target: &'static str, name: &str, data: impl Into<Vec<u8>>) {
        let name: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.0.push(Seed {
            target,
            name,
            data: data.into(),
        });
    }
}

fn items(file: &Value) -> impl Iterator<Item = &Value> {
    file["vectors"].as_array().into_iter().flatten()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// Decodes base64url leniently (padding or not, any trailing bits): the hostile vectors'
/// payloads are worth seeding even when their encoding is what makes them hostile.
fn lenient_b64url(text: &str) -> Option<Vec<u8>> {
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    GeneralPurpose::new(&alphabet::URL_SAFE, config)
        .decode(text.trim())
        .ok()
}

/// Claims made by hand: valid at [`NOW`], with every claim this SDK knows.
fn hand_claims() -> Vec<(&'static str, String)> {
    let iss = jwt::quote(KEY);
    let (nbf, exp) = (NOW - 60, NOW + 3600);
    vec![
        ("minimal", format!(r#"{{"iss":{iss},"exp":{exp}}}"#)),
        (
            "server",
            format!(
                r#"{{"iss":{iss},"nbf":{nbf},"exp":{exp},"video":{{"roomCreate":true,"roomList":true,"roomRecord":true,"roomAdmin":true,"room":"r","ingressAdmin":true}},"sip":{{"admin":true,"call":true}},"agent":{{"admin":true,"simulationAdmin":true,"databaseAdmin":true,"dispatchAdmin":true}},"inference":{{"perform":true}},"observability":{{"write":true}}}}"#
            ),
        ),
        (
            "participant",
            format!(
                r#"{{"iss":{iss},"sub":"alice","nbf":{nbf},"exp":{exp},"name":"Alice","kind":"agent","kindDetails":["forwarded","cloud_agent"],"video":{{"roomJoin":true,"room":"my-room","destinationRoom":"other","canPublish":true,"canSubscribe":false,"canPublishData":true,"canPublishSources":["camera","microphone","screen_share","screen_share_audio"],"canUpdateOwnMetadata":true,"hidden":false,"recorder":true,"agent":true,"canSubscribeMetrics":true,"canManageAgentSession":false}},"metadata":"{{\"a\":[1,2]}}","attributes":{{"lang":"fr","emoji":"\ud83c\udf89","":""}},"roomPreset":"preset","sha256":"CoEQz1chqJ9bnZRcORddjplkvpjmPujmLTR42DbefYI="}}"#
            ),
        ),
        (
            "room_config",
            format!(
                r#"{{"iss":{iss},"sub":"bob","nbf":{nbf},"exp":{exp},"video":{{"roomJoin":true,"room":"r"}},"roomConfig":{{"name":"r","emptyTimeout":300,"departureTimeout":20,"maxParticipants":10,"metadata":"m","minPlayoutDelay":1,"maxPlayoutDelay":2,"syncStreams":true,"agents":[{{"agentName":"a","metadata":"x"}}],"tags":{{"t":"v"}}}}}}"#
            ),
        ),
        (
            "escapes_and_nulls",
            format!(
                r#"{{ "iss" : "\u0041PIvect0rKey7Qz" , "sub":null, "name":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "exp" : {exp}.5e0, "nbf":{nbf}.25, "video":null, "unknown":{{"deep":[[[{{"x":[]}}]]],"n":-1.5E-7}} }}"#
            ),
        ),
        (
            "float_dates",
            format!(r#"{{"iss":{iss},"nbf":1.7e9,"exp":1.8e9,"attributes":null}}"#),
        ),
        (
            "huge_dates",
            format!(r#"{{"iss":{iss},"nbf":-9223372036854775809,"exp":184467440737095516150}}"#),
        ),
    ]
}

fn tokens(out: &mut Seeds, verification: &Value, minted: &Value) {
    let mut payloads: Vec<(String, Vec<u8>)> = Vec::new();
    for v in items(verification) {
        let id = text(v, "id");
        let token = text(v, "token");
        out.add("token_verify", &format!("vec-{id}"), token);
        if let Some(payload) = token.split('.').nth(1).and_then(lenient_b64url) {
            payloads.push((format!("vec-{id}"), payload));
        }
    }
    for v in items(minted) {
        let id = text(v, "id");
        for (library, output) in v["outputs"].as_object().into_iter().flatten() {
            let token = text(output, "token");
            out.add("token_verify", &format!("minted-{id}-{library}"), token);
            if let Some(payload) = token.split('.').nth(1).and_then(lenient_b64url) {
                payloads.push((format!("minted-{id}-{library}"), payload));
            }
        }
    }
    for (name, claims) in hand_claims() {
        let header = jwt::HEADER_JSON.as_bytes();
        out.add(
            "token_verify",
            &format!("ours-{name}"),
            jwt::sign(header, claims.as_bytes(), SECRET),
        );
        payloads.push((format!("ours-{name}"), claims.into_bytes()));
    }
    // Headers other than the three the verifier recognises without parsing.
    for (name, header) in [
        ("hdr-kid", r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#),
        ("hdr-spaces", r#" { "typ" : "JWT" , "alg" : "HS256" } "#),
        ("hdr-escaped", r#"{"alg":"HS\u0032\u00356"}"#),
    ] {
        let claims = format!(r#"{{"iss":{},"exp":{}}}"#, jwt::quote(KEY), NOW + 60);
        let token = jwt::sign(header.as_bytes(), claims.as_bytes(), SECRET);
        out.add("token_verify", &format!("ours-{name}"), token);
    }
    for (name, payload) in payloads {
        out.add("token_claims_json", &name, payload);
    }
    // JOSE headers, good and bad, for the header rules behind a valid MAC.
    for (name, header) in [
        ("standard", jwt::HEADER_JSON),
        ("alg-only", r#"{"alg":"HS256"}"#),
        ("kid", r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#),
        ("spaces", r#" { "typ" : "JWT" , "alg" : "HS256" } "#),
        ("escaped", r#"{"alg":"HS\u0032\u00356"}"#),
        ("none", r#"{"alg":"none","typ":"JWT"}"#),
        ("rs256", r#"{"alg":"RS256"}"#),
        ("crit", r#"{"alg":"HS256","crit":["exp"]}"#),
        ("duplicate-alg", r#"{"alg":"none","alg":"HS256"}"#),
        ("alg-array", r#"{"alg":["HS256"]}"#),
        ("array", r#"["HS256"]"#),
        ("lone-surrogate", r#"{"alg":"HS256","x":"\udc00"}"#),
        (
            "deep",
            r#"{"alg":"HS256","x":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}"#,
        ),
    ] {
        out.add("token_header_json", name, header);
    }
}

/// `token_verify_structured`: inputs that `arbitrary` reads as tokens of different kinds (valid
/// ones, one for each error a single fault gives, several faults). Found among mostly-zero
/// inputs from a fixed pseudo-random sequence (zeros read as a valid token), so they change
/// only if the structure or `arbitrary`'s format does.
fn structured_seeds(out: &mut Seeds) {
    const TARGET: &str = "token_verify_structured";
    const MAX_SEEDS: usize = 48;
    out.add(TARGET, "empty", Vec::new());
    let mut labels = std::collections::BTreeSet::new();
    // xorshift64*
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    for _ in 0..20_000 {
        let len = 16 + usize::try_from(next() % 112).unwrap_or(0);
        let data: Vec<u8> = (0..len)
            .map(|_| {
                let r = next();
                if r % 5 == 0 {
                    (r >> 32).to_le_bytes()[0]
                } else {
                    0
                }
            })
            .collect();
        let Some(label) = crate::structured::label(&data) else {
            continue;
        };
        if labels.insert(label.clone()) {
            out.add(TARGET, &label, data);
            if labels.len() == MAX_SEEDS {
                break;
            }
        }
    }
}

/// `[mode, a, b, rest…]` inputs of `webhook_receive`.
fn receive_input(mode: u8, pos: u16, rest: &[u8]) -> Vec<u8> {
    let mut data = vec![mode];
    data.extend_from_slice(&pos.to_be_bytes());
    data.extend_from_slice(rest);
    data
}

/// Webhook bodies made by hand, with the nested messages the server sends.
const HAND_EVENTS: [(&str, &str); 3] = [
    (
        "participant_joined",
        r#"{"event":"participant_joined","id":"EV_1","createdAt":"1700000000","room":{"sid":"RM_1","name":"r","emptyTimeout":300,"creationTime":"1700000000","enabledCodecs":[{"mime":"audio/opus"}],"numParticipants":1},"participant":{"sid":"PA_1","identity":"alice","state":"ACTIVE","joinedAt":"1700000000","joinedAtMs":"1700000000000","name":"Alice","version":3,"permission":{"canSubscribe":true,"canPublish":true,"canPublishData":true,"canPublishSources":["CAMERA","MICROPHONE"]},"kind":"AGENT","kindDetails":["FORWARDED"],"attributes":{"k":"v"},"isPublisher":true,"tracks":[{"sid":"TR_1","type":"VIDEO","name":"cam","width":1280,"height":720,"simulcast":true,"source":"CAMERA","layers":[{"quality":"HIGH","width":1280,"height":720,"bitrate":1000000}],"mimeType":"video/vp8","codecs":[{"mimeType":"video/vp8","mid":"1","cid":"c"}],"stereo":false,"encryption":"NONE","audioFeatures":["TF_ECHO_CANCELLATION","TF_PRECONNECT_BUFFER"]}]}}"#,
    ),
    (
        "egress_ended",
        r#"{"event":"egress_ended","id":"EV_2","createdAt":1700000000,"egressInfo":{"egressId":"EG_1","roomId":"RM_1","roomName":"r","status":"EGRESS_COMPLETE","startedAt":"1700000000000000000","endedAt":"1700000001000000000","updatedAt":"1","details":"d","error":"","errorCode":0,"roomComposite":{"roomName":"r","layout":"grid","audioOnly":false,"fileOutputs":[{"fileType":"MP4","filepath":"x.mp4","s3":{"bucket":"b","region":"r"}}],"preset":"H264_720P_30"},"fileResults":[{"filename":"x.mp4","startedAt":"1","endedAt":"2","duration":"5000000000","size":"123","location":"s3://b/x.mp4"}],"streamResults":[{"url":"rtmp://x","status":"FAILED","duration":"1"}],"backupStorageUsed":false}}"#,
    ),
    (
        "track_published",
        r#"{"event":"track_published","id":"EV_3","createdAt":"-1","numDropped":2,"room":{"name":"r","metadata":"\u00e9\ud83d\ude00"},"participant":{"identity":"bob","state":5},"track":{"sid":"TR_2","type":"AUDIO","source":"MICROPHONE","muted":true,"disableDtx":true,"unknownFutureField":{"a":[1,2,{"b":null}]}},"ingressInfo":{"ingressId":"IN_1","inputType":"RTMP_INPUT","state":{"status":"ENDPOINT_PUBLISHING","tracks":[{"sid":"TR_2","type":"AUDIO"}]},"audio":{"source":"MICROPHONE","preset":"OPUS_STEREO_96KBPS"}}}"#,
    ),
];

fn webhook_seeds(out: &mut Seeds, webhooks: &Value) {
    use livekit_server_proto as p;
    let mut bodies: Vec<(String, Vec<u8>)> = Vec::new();
    for v in items(webhooks) {
        let id = text(v, "id");
        let Ok(body) = STANDARD.decode(text(v, "body_b64")) else {
            continue;
        };
        let header = text(v, "auth_header");
        let header = &header.as_bytes()[..header.len().min(1023)];
        let mut rest = header.to_vec();
        rest.extend_from_slice(&body);
        let len = u16::try_from(header.len()).unwrap_or(0);
        out.add(
            "webhook_receive",
            &format!("vec-{id}"),
            receive_input(0, len, &rest),
        );
        bodies.push((format!("vec-{id}"), body));
    }
    for (name, body) in HAND_EVENTS {
        bodies.push((format!("ours-{name}"), body.as_bytes().to_vec()));
    }
    // Valid tokens over every body, then the other claim forms, mutations and decorations.
    for (name, body) in &bodies {
        out.add(
            "webhook_receive",
            &format!("{name}-signed"),
            receive_input(1, 0, body),
        );
        out.add("webhook_event_json", name, body.clone());
    }
    let (name, body) = &bodies[0];
    for mutation in 1..4u8 {
        let mode = 1 | mutation << 1;
        out.add(
            "webhook_receive",
            &format!("{name}-mutation{mutation}"),
            receive_input(mode, 7, body),
        );
    }
    for form in 1..8u8 {
        let mode = 1 | form << 3;
        out.add(
            "webhook_receive",
            &format!("{name}-claim{form}"),
            receive_input(mode, 0, body),
        );
    }
    for decoration in 1..4u8 {
        let mode = 1 | decoration << 6;
        out.add(
            "webhook_receive",
            &format!("{name}-bearer{decoration}"),
            receive_input(mode, 0, body),
        );
    }

    for (name, body) in &bodies {
        if let Ok(event) = serde_json::from_slice::<p::WebhookEvent>(body) {
            out.add(
                "twirp_success_body",
                &format!("event-{name}"),
                event.encode_to_vec(),
            );
            if let Some(room) = &event.room {
                let list = p::ListRoomsResponse {
                    // `Room::clone` takes `&Room` and `&Box<Room>` alike (deref coercion).
                    rooms: vec![p::Room::clone(room), p::Room::clone(room)],
                };
                out.add(
                    "twirp_success_body",
                    &format!("rooms-{name}"),
                    list.encode_to_vec(),
                );
            }
            if let Some(participant) = &event.participant {
                let list = p::ListParticipantsResponse {
                    participants: vec![p::ParticipantInfo::clone(participant)],
                };
                out.add(
                    "twirp_success_body",
                    &format!("participants-{name}"),
                    list.encode_to_vec(),
                );
            }
            if let Some(egress) = &event.egress_info {
                let list = p::ListEgressResponse {
                    items: vec![p::EgressInfo::clone(egress)],
                    ..Default::default()
                };
                out.add(
                    "twirp_success_body",
                    &format!("egress-{name}"),
                    list.encode_to_vec(),
                );
            }
        }
    }
}

/// `[status_hi, status_lo, flags, ct_len, ct…, ra_len, ra…, loc_len, loc…, body…]` inputs of
/// `twirp_error_body`.
fn response_input(
    status: u16,
    content_type: Option<&str>,
    retry_after: Option<&str>,
    location: Option<&str>,
    body: &[u8],
) -> Vec<u8> {
    let mut data = (status - 100).to_be_bytes().to_vec();
    let mut flags = 0;
    let mut fields = Vec::new();
    for (bit, value) in [(1, content_type), (2, retry_after), (4, location)] {
        if value.is_some() {
            flags |= bit;
        }
        let value = value.unwrap_or_default().as_bytes();
        let value = &value[..value.len().min(255)];
        fields.push(u8::try_from(value.len()).unwrap_or(0));
        fields.extend_from_slice(value);
    }
    data.push(flags);
    data.extend_from_slice(&fields);
    data.extend_from_slice(body);
    data
}

/// `google.rpc.Status`, for a seed with `meta.error_details`.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<RpcAny>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct RpcAny {
    #[prost(string, tag = "1")]
    type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    value: Vec<u8>,
}

/// `twirp_text`: tokens in text, the worst case of a per-position matcher (64 KiB of `eyJ`, with
/// and without a tail that makes it one token), `Retry-After` values, `error_details`.
fn text_seeds(out: &mut Seeds, token: &str) {
    out.add(
        "twirp_text",
        "token-in-text",
        format!("invalid token {token}, expired"),
    );
    out.add(
        "twirp_text",
        "tokens-back-to-back",
        format!("{token}{token} é {token}"),
    );
    let run = "eyJ".repeat(64 * 1024 / 3);
    out.add("twirp_text", "run-of-eyJ-64k", run.clone());
    out.add(
        "twirp_text",
        "run-of-eyJ-64k-then-tail",
        format!("{run}.a.b"),
    );
    out.add(
        "twirp_text",
        "run-of-eyJ-dot-64k",
        "eyJa.".repeat(64 * 1024 / 5),
    );
    out.add("twirp_text", "retry-after-seconds", "120");
    out.add(
        "twirp_text",
        "retry-after-date",
        "Tue, 14 Nov 2023 22:15:20 GMT",
    );
    let details = RpcStatus {
        code: 5,
        message: format!("not found {token}"),
        details: Vec::new(),
    };
    out.add(
        "twirp_text",
        "error-details",
        URL_SAFE_NO_PAD.encode(details.encode_to_vec()),
    );
}

/// `retry_after_header`: delta-seconds (small, at and past the cap, past `u64`, with leading
/// zeros and whitespace), HTTP-dates in the three forms (past, now, within and past the cap, a
/// wrong weekday, leap day and second, RFC 850 years around the 50-year rule, before 1970),
/// things that are neither, the vectors' values, and 64 KiB of digits and of spaces.
fn retry_after_seeds(out: &mut Seeds, twirp: &Value) {
    const TARGET: &str = "retry_after_header";
    let mut values: Vec<(String, Vec<u8>)> = [
        ("seconds", "120"),
        ("zero", "0"),
        ("cap", "3600"),
        ("past-cap", "3601"),
        ("u64-max", "18446744073709551615"),
        ("past-u64", "99999999999999999999"),
        ("leading-zeros", "000000000000000000000000000042"),
        ("spaces", " \t120\t "),
        ("no-break-space", "\u{a0}120\u{a0}"),
        ("negative", "-1"),
        ("plus", "+5"),
        ("fraction", "1.5"),
        ("exponent", "1e3"),
        ("inner-space", "1 2"),
        ("empty", ""),
        ("imf-past", "Tue, 14 Nov 2023 22:13:50 GMT"),
        ("imf-now", "Tue, 14 Nov 2023 22:14:20 GMT"),
        ("imf-in-a-minute", "Tue, 14 Nov 2023 22:15:20 GMT"),
        ("imf-next-day", "Wed, 15 Nov 2023 22:14:20 GMT"),
        ("imf-wrong-weekday", "Mon, 14 Nov 2023 22:15:20 GMT"),
        ("imf-leap-day", "Thu, 29 Feb 2024 00:00:00 GMT"),
        ("imf-no-leap-day", "Wed, 29 Feb 2023 00:00:00 GMT"),
        ("imf-leap-second", "Tue, 14 Nov 2023 22:14:60 GMT"),
        ("imf-lowercase", "tue, 14 nov 2023 22:15:20 gmt"),
        ("imf-1970", "Thu, 01 Jan 1970 00:00:00 GMT"),
        ("imf-9999", "Fri, 31 Dec 9999 23:59:59 GMT"),
        ("rfc850-future", "Wednesday, 15-Nov-23 22:14:20 GMT"),
        ("rfc850-69", "Tuesday, 01-Jan-69 00:00:00 GMT"),
        ("rfc850-74", "Tuesday, 01-Jan-74 00:00:00 GMT"),
        ("asctime-space", "Wed Nov 15 22:14:20 2023"),
        ("asctime-pad", "Sun Nov  6 08:49:37 1994"),
        ("utc", "Tue, 14 Nov 2023 22:15:20 UTC"),
        ("iso", "2023-11-14T22:15:20Z"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.as_bytes().to_vec()))
    .collect();
    values.push(("obs-text".into(), b"12\xff0".to_vec()));
    values.push(("digits-64k".into(), vec![b'9'; 64 * 1024]));
    let mut spaced = vec![b' '; 64 * 1024];
    spaced.push(b'7');
    values.push(("spaces-64k".into(), spaced));
    for v in items(twirp) {
        for (encoding, response) in v["response"].as_object().into_iter().flatten() {
            if let Some(value) = response["headers"]["Retry-After"].as_str() {
                let name = format!("vec-{}-{}", text(v, "id"), encoding.replace('/', "-"));
                values.push((name, value.as_bytes().to_vec()));
            }
        }
    }
    for (name, value) in values {
        out.add(TARGET, &name, value);
    }
}

fn twirp_seeds(out: &mut Seeds, twirp: &Value) {
    for v in items(twirp) {
        let id = text(v, "id");
        for (encoding, response) in v["response"].as_object().into_iter().flatten() {
            let Some(status) = response["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
            else {
                continue;
            };
            let body = match response["body_b64"].as_str() {
                Some(b64) => STANDARD.decode(b64).unwrap_or_default(),
                // The procedural 5 MiB body: its first 8 KiB are as good a seed.
                None => vec![b'E'; 8192],
            };
            let headers = &response["headers"];
            let header = |name: &str| headers[name].as_str();
            let name = format!("vec-{id}-{}", encoding.replace('/', "-"));
            out.add(
                "twirp_error_body",
                &name,
                response_input(
                    status,
                    header("Content-Type"),
                    header("Retry-After"),
                    header("Location"),
                    &body,
                ),
            );
            if status == 200 && header("Content-Type") == Some("application/protobuf") {
                out.add("twirp_success_body", &name, body);
            }
        }
    }

    let token = jwt::sign(jwt::HEADER_JSON.as_bytes(), br#"{"iss":"k"}"#, "s");
    text_seeds(out, &token);
    retry_after_seeds(out, twirp);
    let details = RpcStatus {
        code: 9,
        message: format!("busy {token}"),
        details: vec![RpcAny {
            type_url: "type.googleapis.com/livekit.SIPStatus".into(),
            value: vec![
                8, 230, 3, 18, 9, b'B', b'u', b's', b'y', b' ', b'H', b'e', b'r', b'e',
            ],
        }],
    };
    let meta_details = URL_SAFE_NO_PAD.encode(details.encode_to_vec());
    let twirp_json = format!(
        r#"{{"code":"resource_exhausted","msg":"token {token} refused","meta":{{"error_details":"{meta_details}","sip_status_code":"486","sip_status":"Busy Here","n":1,"{token}":"{token}"}}}}"#
    );
    let json = Some("Application/JSON; charset=UTF-8");
    out.add(
        "twirp_error_body",
        "ours-twirp-details",
        response_input(
            429,
            json,
            Some("Tue, 14 Nov 2023 22:15:20 GMT"),
            None,
            twirp_json.as_bytes(),
        ),
    );
    let page = format!("<html>{token}</html>");
    out.add(
        "twirp_error_body",
        "ours-redirect",
        response_input(
            302,
            Some("text/html"),
            None,
            Some(&format!("https://x/?t={token}")),
            page.as_bytes(),
        ),
    );
    out.add(
        "twirp_error_body",
        "ours-no-content-type",
        response_input(
            401,
            None,
            Some("99999999999999999999"),
            None,
            b"invalid token\n",
        ),
    );
    out.add(
        "twirp_error_body",
        "ours-200-x-protobuf",
        response_input(
            200,
            Some("application/x-protobuf"),
            None,
            None,
            &[0x0a, 0x02, 0x08, 0x01],
        ),
    );
    out.add(
        "twirp_error_body",
        "ours-999",
        response_input(
            999,
            Some("text/plain"),
            None,
            None,
            "\u{e9}\u{1F600}".as_bytes(),
        ),
    );
    out.add(
        "twirp_error_body",
        "ours-invalid-utf8",
        response_input(
            502,
            Some("text/plain"),
            None,
            None,
            &[0xff, 0xfe, b'e', b'y', b'J'],
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_events_decode() {
        for (name, body) in HAND_EVENTS {
            let event = serde_json::from_str::<livekit_server_proto::WebhookEvent>(body);
            assert!(event.is_ok(), "{name}: {event:?}");
        }
    }

    #[test]
    fn hand_claims_verify() {
        let verifier = livekit_server_auth::TokenVerifier::new(KEY, SECRET).unwrap();
        for (name, claims) in hand_claims() {
            let token = jwt::sign(jwt::HEADER_JSON.as_bytes(), claims.as_bytes(), SECRET);
            let result = verifier.verify_at(&token, crate::now());
            if name == "huge_dates" {
                continue;
            }
            assert!(result.is_ok(), "{name}: {result:?}");
        }
    }

    #[test]
    fn response_inputs_round_trip() {
        let data = response_input(503, Some("text/plain"), Some("120"), None, b"down");
        assert_eq!(
            data,
            [
                1, 147, 3, 10, b't', b'e', b'x', b't', b'/', b'p', b'l', b'a', b'i', b'n', 3, b'1',
                b'2', b'0', 0, b'd', b'o', b'w', b'n'
            ]
        );
        let data = response_input(504, None, None, None, b"");
        assert_eq!(data, [1, 148, 0, 0, 0, 0]);
    }
}
