//! A minimal application server on the official `livekit-api` crate and axum: the tutorial
//! route `POST /token` (`{roomName, participantName}` in, `{token}` out, `{errorMessage}` on a
//! bad request), as a LiveKit user would write it. It is the baseline of the app-server
//! throughput benchmark (`app-server-throughput`, docs/performance.md). It logs nothing per
//! request.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use livekit_api::access_token::{AccessToken, VideoGrants};
use serde::Deserialize;
use serde_json::json;

#[derive(Clone)]
struct Credentials {
    key: String,
    secret: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequest {
    room_name: String,
    participant_name: String,
}

async fn token(
    State(credentials): State<Credentials>,
    request: Result<Json<TokenRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let mut response = match request {
        Err(rejection) => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "errorMessage": rejection.body_text() })),
        )
            .into_response(),
        Ok(Json(request)) => {
            let minted = AccessToken::with_api_key(&credentials.key, &credentials.secret)
                .with_identity(&request.participant_name)
                .with_name(&request.participant_name)
                .with_grants(VideoGrants {
                    room_join: true,
                    room: request.room_name,
                    ..Default::default()
                })
                .with_ttl(Duration::from_secs(6 * 60 * 60))
                .to_jwt();
            match minted {
                Ok(token) => Json(json!({ "token": token })).into_response(),
                Err(error) => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({ "errorMessage": error.to_string() })),
                )
                    .into_response(),
            }
        }
    };
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

#[tokio::main]
async fn main() {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let credentials = Credentials {
        key: var("LIVEKIT_API_KEY", "devkey"),
        secret: var("LIVEKIT_API_SECRET", "secret"),
    };
    let addr = format!("127.0.0.1:{}", var("SERVER_PORT", "6080"));
    let app = Router::new()
        .route("/token", post(token))
        .with_state(credentials);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|error| panic!("cannot listen on {addr}: {error}"));
    axum::serve(listener, app).await.expect("server");
}
