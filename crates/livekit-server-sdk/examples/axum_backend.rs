//! A backend on axum: `POST /token` for front-ends, `POST /livekit/webhook` for the server.
//! `cargo run -p livekit-server-sdk --features axum --example axum_backend [ADDRESS]` (default
//! `0.0.0.0:3000`; LIVEKIT_API_KEY/LIVEKIT_API_SECRET, else the `--dev` keys) until stopped.

#![allow(clippy::print_stdout)] // an example prints what it received

use axum::extract::{FromRef, Json, State};
use axum::{Router, http::StatusCode, routing::post};
use livekit_server_sdk::auth::{ApiSecret, TokenSigner, VideoGrants};
use livekit_server_sdk::webhook::{Webhook, WebhookReceiver};

#[derive(Clone, FromRef)]
struct Backend {
    signer: TokenSigner,
    receiver: WebhookReceiver,
}

#[derive(serde::Deserialize)]
struct Join {
    room: String,
    identity: String,
}

async fn token(
    State(signer): State<TokenSigner>,
    Json(join): Json<Join>,
) -> Result<String, StatusCode> {
    // Authenticate your user first; then let them join the room they asked for.
    let token = signer.access_token().with_identity(join.identity);
    let jwt = token.with_grants(VideoGrants::join(join.room)).to_jwt();
    jwt.map_err(|_| StatusCode::BAD_REQUEST)
}

async fn webhook(webhook: Webhook) -> StatusCode {
    // Verified. Deduplicate on `webhook.id()`, queue the slow work, answer fast.
    println!("{} {}", webhook.kind(), webhook.id());
    StatusCode::OK
}

pub(crate) fn app(key: &str, secret: &str) -> Result<Router, Box<dyn std::error::Error>> {
    let signer = TokenSigner::new(key, &ApiSecret::new(secret)?)?;
    let receiver = WebhookReceiver::with_credentials(key, secret)?;
    let routes = Router::new()
        .route("/token", post(token))
        .route("/livekit/webhook", post(webhook));
    Ok(routes.with_state(Backend { signer, receiver }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name, dev: &str| std::env::var(name).unwrap_or_else(|_| dev.to_owned());
    let key = var("LIVEKIT_API_KEY", "devkey");
    let app = app(&key, &var("LIVEKIT_API_SECRET", "secret"))?;
    let address = std::env::args().nth(1).unwrap_or("0.0.0.0:3000".into());
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
