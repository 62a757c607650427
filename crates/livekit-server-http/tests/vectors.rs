//! Every row of `vectors/twirp_responses.json` (a copy of `shared/vectors`), served byte for
//! byte by an in-process server, and the typed result the client surfaces for it.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::type_complexity)]

mod support;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use livekit_server_http::{CallOptions, Client, Error, Scope, TwirpCode, TwirpError};
use serde_json::Value;
use support::rooms::{LIST_ROOMS, ListRoomsRequest, ListRoomsResponse, Room};
use support::{Reply, Server};

fn vectors() -> Vec<Value> {
    let text = include_str!("vectors/twirp_responses.json");
    let file: Value = serde_json::from_str(text).expect("valid JSON");
    assert_eq!(
        file["rpc"].as_str().unwrap(),
        "livekit.RoomService/ListRooms (ListRoomsRequest -> ListRoomsResponse)"
    );
    file["vectors"].as_array().expect("vectors").clone()
}

/// The response a row describes for a protobuf client, or `None` for the special rows.
fn canned(row: &Value) -> Option<(u16, Vec<(String, String)>, Vec<u8>)> {
    let response = &row["response"]["application/protobuf"];
    if response.is_null() {
        return None;
    }
    let status = u16::try_from(response["status"].as_u64().unwrap()).unwrap();
    let headers = response["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let body = match response["body_b64"].as_str() {
        Some(b64) => STANDARD.decode(b64).unwrap(),
        None => {
            assert_eq!(
                response["body_procedure"], "b'E' * 5242880",
                "{}",
                row["id"]
            );
            vec![b'E'; 5_242_880]
        }
    };
    assert_eq!(
        body.len() as u64,
        response["body_len"].as_u64().unwrap(),
        "{}",
        row["id"]
    );
    Some((status, headers, body))
}

/// A server that answers every request with a row's canned response.
fn canned_server(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Server {
    Server::http(move |_, _| Reply::Full {
        status,
        headers: headers.clone(),
        body: body.clone().into(),
    })
}

/// A server that answers with `Content-Length: 1000` and closes after 10 bytes.
fn truncating_server() -> Server {
    Server::raw(|mut stream, _, seen| async move {
        support::record_request(&mut stream, &seen).await;
        let response = [
            support::protobuf_head(1000).as_bytes(),
            b"\x0a\x0a\x0a\x04RM_1\x12\x02r1",
        ]
        .concat();
        support::write_all(&mut stream, &response).await;
        drop(stream);
    })
}

async fn call(server: &Server) -> Result<ListRoomsResponse, Error> {
    let client = Client::builder()
        .url(server.url())
        .credentials("APIkey", "secret-secret-secret-secret-1234")
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    // One attempt: the row's own response is what we classify (retries have their own tests).
    let options = CallOptions::new().no_retry();
    client
        .call(
            &LIST_ROOMS,
            Scope::NONE,
            &ListRoomsRequest::default(),
            &options,
        )
        .await
}

fn twirp(id: &str, error: &Error) -> TwirpError {
    error
        .twirp()
        .unwrap_or_else(|| panic!("{id}: expected a Twirp error, got {error:?}"))
        .clone()
}

fn check(id: &str, kind: &str, status: u16, result: Result<ListRoomsResponse, Error>) {
    let one_room = ListRoomsResponse {
        rooms: vec![Room {
            sid: "RM_1".into(),
            name: "r1".into(),
        }],
    };
    match kind {
        "success" => assert_eq!(result.unwrap(), one_room, "{id}"),
        "success-or-typed-decode-error" => {
            // Protobuf: an empty body is the message with every field at its default.
            assert_eq!(result.unwrap(), ListRoomsResponse::default(), "{id}");
        }
        "success-or-typed-error" | "typed-error" => {
            let error = result.expect_err(id);
            let e = twirp(id, &error);
            assert_eq!(error.status().map(|s| s.as_u16()), Some(status), "{id}");
            assert!(!error.is_transport() && !error.is_retryable(), "{id}");
            if status == 200 {
                // JSON or HTML with a 200: never fed to the protobuf decoder.
                assert!(e.is_unexpected_content_type(), "{id}: {e:?}");
                assert!(!error.is_decode(), "{id}");
            } else {
                // Only 200 is a Twirp success.
                assert!(e.is_from_intermediary(), "{id}: {e:?}");
            }
        }
        "transport-error" => {
            let error = result.expect_err(id);
            assert!(
                error.is_transport() && !error.is_connect(),
                "{id}: {error:?}"
            );
            assert!(error.twirp().is_none() && !error.is_decode(), "{id}");
            assert!(error.outcome_unknown(), "{id}");
        }
        twirp_kind => {
            let spec = twirp_kind
                .strip_prefix("twirp-error:")
                .unwrap_or_else(|| panic!("{id}: {kind}"));
            let (code, qualifiers) = match spec.split_once('(') {
                Some((code, rest)) => (code, rest.trim_end_matches(')')),
                None => (spec, ""),
            };
            let error = result.expect_err(id);
            let e = twirp(id, &error);
            assert_eq!(error.twirp_code(), TwirpCode::from_wire(code), "{id}");
            assert_eq!(error.status().map(|s| s.as_u16()), Some(status), "{id}");
            let intermediary = qualifiers.split(", ").any(|q| q == "intermediary");
            assert_eq!(e.is_from_intermediary(), intermediary, "{id}: {e:?}");
            if let Some(raw) = qualifiers.strip_prefix("raw=") {
                assert_eq!(e.raw_code(), raw, "{id}");
            }
            if qualifiers.contains("truncated") {
                // 5 MiB on the wire; the error keeps a short snippet.
                assert!(e.message().len() <= 64 * 1024, "{id}");
                assert!(
                    e.body_snippet().is_none_or(|s| s.len() <= 64 * 1024),
                    "{id}"
                );
                assert!(error.to_string().len() < 4096, "{id}");
            }
            assert!(!error.is_transport(), "{id}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_vector_row_is_classified_as_expected() {
    let rows = vectors();
    assert_eq!(rows.len(), 20);
    for row in &rows {
        let id = row["id"].as_str().unwrap();
        let kind = row["expected_kind"].as_str().unwrap();
        let (server, status) = match canned(row) {
            Some((status, headers, body)) => (canned_server(status, headers, body), status),
            None => {
                assert_eq!(row["response"]["special"], "TRUNCATE", "{id}");
                (truncating_server(), 200)
            }
        };
        let result = call(&server).await;
        check(id, kind, status, result);

        // Exactly one request, and it is a well-formed Twirp request.
        let seen = server.requests();
        assert_eq!(seen.len(), 1, "{id}");
        let request = &seen[0];
        assert_eq!(request.method, "POST", "{id}");
        assert_eq!(request.path, "/twirp/livekit.RoomService/ListRooms", "{id}");
        assert_eq!(
            request.header("content-type"),
            Some("application/protobuf"),
            "{id}"
        );
        assert!(
            request
                .header("user-agent")
                .unwrap()
                .starts_with("livekit-server-sdk-rust/")
        );
        assert!(!request.bearer().is_empty(), "{id}");
        assert_eq!(request.request_id().len(), 36, "{id}");
    }
}

#[tokio::test]
async fn retry_after_is_exposed() {
    for (id, seconds) in [
        ("tw.503_text_retry_after", 120),
        ("tw.429_resource_exhausted", 1),
    ] {
        let row = vectors().into_iter().find(|r| r["id"] == id).unwrap();
        let (status, headers, body) = canned(&row).unwrap();
        let server = canned_server(status, headers, body);
        let error = call(&server).await.unwrap_err();
        assert_eq!(
            error.retry_after(),
            Some(Duration::from_secs(seconds)),
            "{id}"
        );
        assert!(error.is_retryable(), "{id}");
    }
}

#[tokio::test]
async fn internal_error_meta_is_kept_verbatim() {
    let row = vectors()
        .into_iter()
        .find(|r| r["id"] == "tw.500_internal_meta")
        .unwrap();
    let (status, headers, body) = canned(&row).unwrap();
    let server = canned_server(status, headers, body);
    let error = call(&server).await.unwrap_err();
    let e = error.twirp().unwrap();
    assert_eq!(e.meta_value("error_details"), Some("CAUSCW5vdCBmb3VuZA=="));
    assert_eq!(e.message(), "operation cannot be completed");
    assert!(!error.is_retryable());
}
