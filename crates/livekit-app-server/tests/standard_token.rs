//! Vectors of good and bad requests for `POST /livekit/token`, LiveKit's standard token
//! endpoint, answered by `App::handle` (no socket): every answer's status, body and headers,
//! and the claims of every token minted, verified with the API secret.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use livekit_app_server::{App, AuthRefusal, BearerSecret, Config, LivekitUrl, Member, TokenPolicy};
use livekit_server_auth::{ApiSecret, Claims, TokenVerifier};
use serde_json::{Value, json};

const KEY: &str = "APIstandard";
const SECRET: &str = "standard-endpoint-secret-long-enough";
const URL: &str = "wss://lk.example.test";

fn config() -> Config {
    {
        let mut config = Config::default();
        config.api_key = KEY.to_owned();
        config.api_secret = ApiSecret::new(SECRET).unwrap();
        config.token_ttl = Duration::from_secs(600);
        config.livekit_url = LivekitUrl::parse(URL).unwrap();
        config
    }
}

fn app_with(policy: TokenPolicy) -> App {
    App::new(&{
        let mut config = config();
        config.token_policy = policy;
        config
    })
    .unwrap()
}

/// A request header: name and value.
type Header<'a> = (&'a str, &'a str);

fn post(headers: &[Header<'_>], body: &str) -> Request<Bytes> {
    let mut builder = Request::post("/livekit/token");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Bytes::copy_from_slice(body.as_bytes()))
        .unwrap()
}

fn json_post(body: &str) -> Request<Bytes> {
    post(&[("content-type", "application/json")], body)
}

fn body(response: &Response<Bytes>) -> Value {
    serde_json::from_slice(response.body()).unwrap()
}

/// The claims of a `201` answer, after checking its shape.
fn minted(response: &Response<Bytes>) -> Claims {
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{:?}",
        response.body()
    );
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let answer = body(response);
    let object = answer.as_object().unwrap();
    assert_eq!(object.len(), 2, "{answer}");
    assert_eq!(answer["server_url"], URL);
    let token = answer["participant_token"].as_str().unwrap();
    let verifier = TokenVerifier::new(KEY, SECRET).unwrap();
    verifier.verify(token).unwrap()
}

fn refused(response: &Response<Bytes>, status: u16, message: &str) {
    assert_eq!(response.status().as_u16(), status, "{:?}", response.body());
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(body(response), json!({ "errorMessage": message }));
}

#[test]
fn a_full_request_is_honoured() {
    let app = app_with(TokenPolicy::default());
    let claims = minted(&app.handle(json_post(
        r#"{"room_name":"standup","participant_identity":"ana-1","participant_name":"Ana 🎧",
            "participant_metadata":"{\"role\":\"host\"}",
            "participant_attributes":{"team":"blue","seat":"3"}}"#,
    )));
    assert_eq!(claims.sub, "ana-1");
    assert_eq!(claims.name, "Ana 🎧");
    assert_eq!(claims.metadata, r#"{"role":"host"}"#);
    assert_eq!(claims.attributes["team"], "blue");
    assert_eq!(claims.attributes["seat"], "3");
    let video = claims.video.unwrap();
    assert!(video.room_join);
    assert_eq!(video.room, "standup");
    assert!(
        !video.room_admin && !video.room_create,
        "only joining is granted"
    );
    assert_eq!(claims.exp - claims.nbf.unwrap(), 600, "TOKEN_TTL");
    assert!(claims.room_config.is_none());
}

#[test]
fn absent_members_get_defaults() {
    let app = app_with(TokenPolicy::default());
    for request in [
        json_post("{}"),
        json_post(r#"{"room_name":null,"unknown_member":1}"#),
        post(&[], ""),
        post(&[], " \r\n\t"),
    ] {
        let claims = minted(&app.handle(request));
        let room = claims.video.unwrap().room;
        assert!(room.starts_with("room-") && room.len() == 21, "{room}");
        assert!(claims.sub.starts_with("identity-"), "{}", claims.sub);
        assert_eq!(claims.name, "");
    }
    let prefixed = app_with({
        let mut policy = TokenPolicy::default();
        policy.room_prefix = "demo-".to_owned();
        policy
    });
    let claims = minted(&prefixed.handle(json_post("{}")));
    assert!(claims.video.unwrap().room.starts_with("demo-"));
    let claims = minted(&prefixed.handle(json_post(r#"{"room_name":"demo-1"}"#)));
    assert_eq!(claims.video.unwrap().room, "demo-1");
}

#[test]
fn protojson_camel_case_names_are_accepted_too() {
    let app = app_with(TokenPolicy::default());
    let claims = minted(&app.handle(json_post(
        r#"{"roomName":"r","participantIdentity":"i","participantName":"n"}"#,
    )));
    assert_eq!((claims.sub.as_str(), claims.name.as_str()), ("i", "n"));
    assert_eq!(claims.video.unwrap().room, "r");
}

#[test]
fn malformed_requests_are_400_naming_every_problem() {
    let app = app_with(TokenPolicy::default());
    let cases: &[(&[Header<'_>], &str, &str)] = &[
        (
            &[("content-type", "text/plain")],
            "{}",
            "Content-Type must be application/json",
        ),
        (
            &[("content-type", "application/json")],
            "{",
            "request body is not valid JSON: EOF while parsing an object at line 1 column 1",
        ),
        (
            &[("content-type", "application/json")],
            "[]",
            "request body must be a JSON object, not an array",
        ),
        (
            &[("content-type", "application/json")],
            r#" [1, {"a": [null]}] "#,
            "request body must be a JSON object, not an array",
        ),
        (
            &[("content-type", "application/json")],
            "null",
            "request body must be a JSON object, not null",
        ),
        (
            &[("content-type", "application/json")],
            "true",
            "request body must be a JSON object, not a boolean",
        ),
        (
            &[("content-type", "application/json")],
            r#""room_name""#,
            "request body must be a JSON object, not a string",
        ),
        (
            &[("content-type", "application/json")],
            "-1",
            "request body must be a JSON object, not a number",
        ),
        (
            &[("content-type", "application/json")],
            "18446744073709551615",
            "request body must be a JSON object, not a number",
        ),
        (
            &[("content-type", "application/json")],
            "1e400",
            "request body is not valid JSON: number out of range at line 1 column 5",
        ),
        (
            &[("content-type", "application/json")],
            "[1] [2]",
            "request body is not valid JSON: trailing characters at line 1 column 5",
        ),
        (
            &[("content-type", "application/json")],
            r#"{"room_name":"a","room_name":"b","participant_identity":5}"#,
            "room_name is given twice; participant_identity must be a string, not a number",
        ),
        (
            // A form feed is not JSON whitespace: the body is not empty.
            &[("content-type", "text/plain")],
            "\x0c",
            "Content-Type must be application/json",
        ),
        (
            &[("content-type", "application/json")],
            r#"{"room_name":5,"participant_identity":"","participant_name":true}"#,
            "room_name must be a string, not a number; participant_identity must not be \
             empty; participant_name must be a string, not a boolean",
        ),
        (
            &[("content-type", "application/json")],
            r#"{"room_name":"a","roomName":"b"}"#,
            "room_name is given twice (as room_name and roomName)",
        ),
        (
            &[("content-type", "application/json")],
            r#"{"participant_attributes":{"a":"1","b":2}}"#,
            "participant_attributes.b must be a string, not a number",
        ),
        (
            &[("content-type", "application/json")],
            r#"{"participant_attributes":["a"],"room_config":"x"}"#,
            "participant_attributes must be an object, not an array; room_config must be an \
             object, not a string",
        ),
    ];
    for (headers, request, message) in cases {
        refused(&app.handle(post(headers, request)), 400, message);
    }
}

#[test]
fn a_member_given_twice_is_refused_not_chosen() {
    let app = app_with(TokenPolicy::default());
    for (request, member) in [
        (r#"{"room_name":"demo-a","room_name":"admin"}"#, "room_name"),
        (
            r#"{"roomName":"a","participant_name":"n","roomName":"b"}"#,
            "room_name",
        ),
        (
            r#"{"participant_identity":"a","x":1,"participant_identity":"a"}"#,
            "participant_identity",
        ),
    ] {
        refused(
            &app.handle(json_post(request)),
            400,
            &format!("{member} is given twice"),
        );
    }
    // Unknown members are ignored, repeated or not.
    minted(&app.handle(json_post(r#"{"x":1,"x":2,"room_name":"r"}"#)));
}

#[test]
fn a_thousand_bad_attributes_get_a_short_answer() {
    let app = app_with(TokenPolicy::default());
    let attributes: Vec<String> = (0..1000).map(|i| format!("\"k{i:03}\":{i}")).collect();
    let response = app.handle(json_post(&format!(
        r#"{{"participant_attributes":{{{}}}}}"#,
        attributes.join(",")
    )));
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let message = body(&response)["errorMessage"].as_str().unwrap().to_owned();
    assert!(
        message.starts_with("participant_attributes.k000 must be a string, not a number; ")
            && message.ends_with("; and 990 more")
            && message.matches("must be a string").count() == 10,
        "{message}"
    );
}

#[test]
fn members_the_policy_refuses_are_403_naming_them() {
    let only_room = app_with({
        let mut policy = TokenPolicy::default();
        policy.honoured = vec![Member::RoomName];
        policy
    });
    refused(
        &only_room.handle(json_post(
            r#"{"room_name":"r","participant_identity":"admin","participant_metadata":"m"}"#,
        )),
        403,
        "this server does not accept participant_identity, participant_metadata from clients",
    );
    let claims = minted(&only_room.handle(json_post(r#"{"room_name":"r"}"#)));
    assert!(claims.sub.starts_with("identity-"));

    let default = app_with(TokenPolicy::default());
    refused(
        &default.handle(json_post(
            r#"{"room_config":{"agents":[{"agent_name":"a"}]}}"#,
        )),
        403,
        "this server does not accept room_config from clients",
    );
    // What the Android and Swift SDKs send with no agent named: a room configuration (and
    // attributes) of nothing, which asks for nothing and is not refused.
    for empty in [
        r#"{"room_config":{}}"#,
        r#"{"room_config":{"agents":null}}"#,
        r#"{"roomConfig":{"agents":[]}}"#,
        r#"{"room_config":{"agents":[],"egress":{}},"participant_attributes":{}}"#,
    ] {
        let claims = minted(&default.handle(json_post(empty)));
        assert!(claims.room_config.is_none(), "{empty}");
        let claims = minted(&only_room.handle(json_post(empty)));
        assert!(claims.attributes.is_empty(), "{empty}");
    }
    refused(
        &only_room.handle(json_post(r#"{"participant_attributes":{"k":""}}"#)),
        403,
        "this server does not accept participant_attributes from clients",
    );
    let prefixed = app_with({
        let mut policy = TokenPolicy::default();
        policy.room_prefix = "demo-".to_owned();
        policy
    });
    refused(
        &prefixed.handle(json_post(r#"{"room_name":"admin-room"}"#)),
        403,
        "room_name must start with \"demo-\" on this server",
    );
}

#[test]
fn agent_dispatch_only_when_enabled_and_nothing_else_of_room_config() {
    let app = app_with({
        let mut policy = TokenPolicy::default();
        policy.honoured = Member::ALL.to_vec();
        policy
    });
    let claims = minted(&app.handle(json_post(
        r#"{"room_name":"r","room_config":{"agents":[{"agent_name":"support","metadata":"m"}]}}"#,
    )));
    let config = claims.room_config.unwrap();
    assert_eq!(config.agents.len(), 1);
    assert_eq!(config.agents[0].agent_name, "support");
    assert_eq!(config.agents[0].metadata, "m");
    refused(
        &app.handle(json_post(
            r#"{"room_config":{"agents":[],"name":"x","egress":{"room":{}}}}"#,
        )),
        403,
        "room_config may only dispatch agents on this server; refused: room_config.egress, \
         room_config.name",
    );
    let response = app.handle(json_post(
        r#"{"room_config":{"agents":[{"agent_name":7}]}}"#,
    ));
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let message = body(&response)["errorMessage"].as_str().unwrap().to_owned();
    assert!(
        message.starts_with("room_config is not a valid RoomConfiguration: "),
        "{message}"
    );
}

#[test]
fn the_bearer_secret_and_the_hook_guard_the_endpoint_only() {
    let app = App::new(&{
        let mut config = config();
        config.token_endpoint_secret = BearerSecret::new("front-end-shared-secret");
        config
    })
    .unwrap()
    .authorize_token_requests(|headers| match headers.get("x-user") {
        Some(user) if user == "banned" => Err(AuthRefusal::forbidden("user is banned")),
        Some(_) => Ok(()),
        None => Err(AuthRefusal::unauthorized("sign in first")),
    });
    assert!(!app.standard_token_endpoint_is_open());
    let bearer = ("authorization", "Bearer front-end-shared-secret");
    let json = ("content-type", "application/json");

    let response = app.handle(post(&[json, ("x-user", "ana")], "{}"));
    refused(
        &response,
        401,
        "a valid Authorization: Bearer header is required",
    );
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let response = app.handle(post(
        &[json, ("authorization", "Bearer wrong"), ("x-user", "ana")],
        "{}",
    ));
    refused(
        &response,
        401,
        "a valid Authorization: Bearer header is required",
    );
    let response = app.handle(post(&[json, bearer], "{}"));
    refused(&response, 401, "sign in first");
    let response = app.handle(post(&[json, bearer, ("x-user", "banned")], "{}"));
    refused(&response, 403, "user is banned");
    assert!(!response.headers().contains_key("www-authenticate"));
    minted(&app.handle(post(&[json, bearer, ("x-user", "ana")], "{}")));
    // The scheme in any case, then one or more spaces (RFC 9110); nothing else.
    for authorization in [
        "bearer  front-end-shared-secret",
        "BEARER front-end-shared-secret",
    ] {
        let headers = [json, ("authorization", authorization), ("x-user", "ana")];
        minted(&app.handle(post(&headers, "{}")));
    }
    for authorization in [
        "Bearer\tfront-end-shared-secret",
        "Bearerfront-end-shared-secret",
        "Bearer front-end-shared-secret ",
        "Bearer ",
        "Bearer",
        "Basic front-end-shared-secret",
    ] {
        let headers = [json, ("authorization", authorization), ("x-user", "ana")];
        refused(
            &app.handle(post(&headers, "{}")),
            401,
            "a valid Authorization: Bearer header is required",
        );
    }

    // The refusal comes before the body is looked at, and the tutorial route is not guarded.
    refused(
        &app.handle(post(&[], "not json")),
        401,
        "a valid Authorization: Bearer header is required",
    );
    let tutorial = Request::post("/token")
        .header("content-type", "application/json")
        .body(Bytes::from_static(
            br#"{"roomName":"r","participantName":"p"}"#,
        ))
        .unwrap();
    assert_eq!(app.handle(tutorial).status(), StatusCode::OK);
    assert!(!format!("{app:?}").contains("front-end-shared-secret"));
    assert!(
        App::new(&config())
            .unwrap()
            .standard_token_endpoint_is_open()
    );
}

#[test]
fn routing_of_the_standard_path() {
    let app = app_with(TokenPolicy::default());
    minted(&app.handle(Request::post("/livekit/token/").body(Bytes::new()).unwrap()));
    let response = app.handle(Request::get("/livekit/token").body(Bytes::new()).unwrap());
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST, OPTIONS");
    let response = app.handle(
        Request::options("/livekit/token")
            .body(Bytes::new())
            .unwrap(),
    );
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let big = " ".repeat(livekit_app_server::TOKEN_BODY_LIMIT + 1);
    refused(
        &app.handle(json_post(&big)),
        413,
        "request body is larger than 65536 bytes",
    );
}
