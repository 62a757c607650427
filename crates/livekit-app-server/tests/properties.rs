//! Properties of the token routes over arbitrary requests (`App::handle`, no socket): bodies
//! of random bytes and of JSON objects mixing the members the routes know with others, of every
//! JSON type; random `Content-Type` and `Authorization` headers. Whatever comes, the answer
//! is a JSON object with a 2xx or 4xx status, never a 5xx; a refusal is `{"errorMessage": "..."}`
//! that names no secret; a minted token verifies and obeys the policy (the room prefix,
//! the refused `room_config`, the identity asked for); without the bearer secret the
//! standard route answers 401 whatever the body; and the webhook route accepts a body only
//! with a token signed with the API secret over that very body.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use http::{Request, Response};
use livekit_app_server::{App, BearerSecret, Config, TokenPolicy};
use livekit_server_auth::{ApiSecret, Claims, TokenVerifier};
use livekit_server_webhook::WebhookSigner;
use proptest::prelude::*;
use serde_json::{Map, Value};

const KEY: &str = "APIproperties";
const SECRET: &str = "properties-api-secret-long-enough-0123";
const BEARER: &str = "front-end-shared-secret";
const PREFIX: &str = "demo-";

fn app() -> App {
    let mut policy = TokenPolicy::default();
    policy.room_prefix = PREFIX.to_owned();
    let mut config = Config::default();
    config.api_key = KEY.to_owned();
    config.api_secret = ApiSecret::new(SECRET).unwrap();
    config.token_policy = policy;
    config.token_endpoint_secret = BearerSecret::new(BEARER);
    App::new(&config).unwrap()
}

/// A JSON value of any type, nested up to two levels.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,24}".prop_map(Value::String),
        Just(Value::String(format!("{PREFIX}room"))),
        Just(Value::String(String::new())),
    ];
    leaf.prop_recursive(2, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A member name: the standard route's, their camelCase forms, the tutorial route's, others.
fn member() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("room_name"),
        Just("participant_identity"),
        Just("participant_name"),
        Just("participant_metadata"),
        Just("participant_attributes"),
        Just("room_config"),
        Just("roomName"),
        Just("participantIdentity"),
        Just("participantName"),
        Just("roomConfig"),
        Just("other"),
    ]
    .prop_map(str::to_owned)
}

/// A member's value: mostly a string (often a plausible one), else any JSON value.
fn member_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => Just(Value::String(format!("{PREFIX}room"))),
        3 => "[a-zA-Z0-9 _-]{1,16}".prop_map(Value::String),
        2 => ".{0,24}".prop_map(Value::String),
        2 => value(),
    ]
}

/// A JSON object of known and unknown members, with `required` (the tutorial route's
/// `roomName` and `participantName`) mostly there.
fn object(required: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((member(), member_value()), 0..5),
        prop::collection::vec((any::<bool>(), member_value()), required.len()),
    )
        .prop_map(move |(members, present)| {
            let mut object: Map<String, Value> = members.into_iter().collect();
            for (name, (keep, value)) in required.iter().zip(present) {
                if keep {
                    object.insert((*name).to_owned(), value);
                }
            }
            serde_json::to_vec(&Value::Object(object)).unwrap()
        })
}

/// A request body: random bytes, or a JSON object (see [`object`]).
fn body(required: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..256),
        4 => object(required),
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        4 => Just(Some("application/json")),
        1 => Just(Some("application/json; charset=utf-8")),
        1 => Just(Some("text/plain")),
        1 => Just(None),
    ]
}

fn authorization() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        6 => Just(Some(format!("Bearer {BEARER}"))),
        1 => Just(Some("Bearer wrong".to_owned())),
        1 => "[ -~]{0,40}".prop_map(Some),
        1 => Just(None),
    ]
}

fn request(
    path: &str,
    content_type: Option<&str>,
    authorization: Option<&str>,
    body: &[u8],
) -> Request<Bytes> {
    let mut builder = Request::post(path);
    if let Some(value) = content_type {
        builder = builder.header("content-type", value);
    }
    if let Some(value) = authorization {
        builder = builder.header("authorization", value);
    }
    builder.body(Bytes::copy_from_slice(body)).unwrap()
}

/// The answer's JSON object, after the checks every answer must pass.
fn checked(response: &Response<Bytes>) -> Map<String, Value> {
    let status = response.status().as_u16();
    assert!(
        (200..500).contains(&status),
        "{status}: {:?}",
        response.body()
    );
    let text = std::str::from_utf8(response.body()).unwrap();
    assert!(!text.contains(SECRET) && !text.contains(BEARER), "{text}");
    let Value::Object(object) = serde_json::from_str(text).unwrap() else {
        panic!("not an object: {text}")
    };
    if status >= 400 {
        assert!(object["errorMessage"].is_string(), "{text}");
    }
    object
}

fn verified(token: &Value) -> Claims {
    TokenVerifier::new(KEY, SECRET)
        .unwrap()
        .verify(token.as_str().unwrap())
        .unwrap()
}

proptest! {
    #[test]
    fn the_standard_route_answers_every_request_within_its_rules(
        body in body(&[]),
        content_type in content_type(),
        authorization in authorization(),
    ) {
        let response = app().handle(request(
            "/livekit/token",
            content_type,
            authorization.as_deref(),
            &body,
        ));
        let answer = checked(&response);
        let status = response.status().as_u16();
        if authorization.as_deref() != Some(&format!("Bearer {BEARER}")) {
            prop_assert_eq!(status, 401);
            return Ok(());
        }
        if status != 201 {
            prop_assert!(status >= 400);
            return Ok(());
        }
        let claims = verified(&answer["participant_token"]);
        let video = claims.video.clone().unwrap();
        prop_assert!(video.room_join);
        prop_assert!(video.room.starts_with(PREFIX), "{}", video.room);
        prop_assert!(!claims.sub.is_empty());
        // `room_config` is not honoured by the default policy: never minted.
        prop_assert!(claims.room_config.is_none());
        // An empty body (or only JSON whitespace) asks for nothing, like `{}`.
        let request: Value = serde_json::from_slice(&body).unwrap_or_default();
        let member = |name: &str| request.get(name).filter(|v| !v.is_null());
        // A room configuration of nothing (`{}`, members all `null`, `[]` or `{}`: what the
        // Android and Swift SDKs send) asks for nothing and is not refused; any other is.
        let nothing = [Value::Null, Value::Array(Vec::new()), Value::Object(Default::default())];
        let asks = |v: &Value| v.as_object().is_none_or(|m| m.values().any(|x| !nothing.contains(x)));
        prop_assert!(!member("room_config").is_some_and(asks) && !member("roomConfig").is_some_and(asks));
        if let Some(Value::String(identity)) = member("participant_identity")
            && !identity.is_empty()
        {
            prop_assert_eq!(&claims.sub, identity);
        }
    }

    #[test]
    fn the_tutorial_route_answers_every_request_within_its_rules(
        body in body(&["roomName", "participantName"]),
        content_type in content_type(),
    ) {
        let response = app().handle(request("/token", content_type, None, &body));
        let answer = checked(&response);
        if response.status().as_u16() == 200 {
            let claims = verified(&answer["token"]);
            let video = claims.video.clone().unwrap();
            prop_assert!(video.room_join && !video.room.is_empty());
            prop_assert!(!claims.sub.is_empty());
        }
    }
}

/// A webhook body the server could send.
const EVENT: &str = r#"{"event":"room_started","room":{"name":"r","sid":"RM_1"},"id":"EV_1","createdAt":"1700000000"}"#;

proptest! {
    /// The webhook route accepts a body only with a token signed with the API secret over
    /// that very body: a random `Authorization` or one signed over another body is refused
    /// (4xx, JSON error naming no secret); with the right one the answer is 200 or, for a body
    /// that is no event, 400, never 401.
    #[test]
    fn the_webhook_route_accepts_only_bodies_signed_with_the_secret(
        body in prop_oneof![1 => Just(EVENT.as_bytes().to_vec()), 3 => body(&[])],
        signature in 0u8..3,
        garbage in "[ -~]{0,60}",
    ) {
        let signer = WebhookSigner::new(KEY, SECRET).unwrap();
        let authorization = match signature {
            0 => garbage,
            1 => {
                let mut other = body.clone();
                other.push(b' ');
                signer.sign_body(other).unwrap().authorization
            }
            _ => signer.sign_body(body.clone()).unwrap().authorization,
        };
        let response = app().handle(request(
            "/livekit/webhook",
            Some("application/webhook+json"),
            Some(&authorization),
            &body,
        ));
        let status = response.status().as_u16();
        if status == 200 {
            prop_assert_eq!(signature, 2, "accepted without the right signature");
            prop_assert!(serde_json::from_slice::<Map<String, Value>>(&body).is_ok());
        } else {
            checked(&response);
            prop_assert!((400..500).contains(&status), "{}", status);
            if signature == 2 {
                prop_assert_eq!(status, 400);
            } else {
                prop_assert_eq!(status, 401);
            }
        }
        if body == EVENT.as_bytes() && signature == 2 {
            prop_assert_eq!(status, 200);
        }
    }
}
