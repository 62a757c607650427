//! Receive a webhook: verify the exact body bytes against the `Authorization` header, then
//! act on the typed event. (Here the webhook is produced by the signer, as the server would.)
//!
//! `cargo run -p livekit-server-sdk --example webhook`.

#![allow(clippy::print_stdout)] // an example prints what it did

use livekit_server_sdk::proto;
use livekit_server_sdk::webhook::{EventKind, WebhookReceiver, WebhookSigner};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // What LiveKit sends: protojson body + Authorization (a JWT with the body's SHA-256).
    let signer = WebhookSigner::new("devkey", "secret")?;
    let sent = signer.sign(&proto::WebhookEvent {
        event: "room_started".into(),
        id: "EV_example".into(),
        room: Some(Box::new(proto::Room {
            name: "my-room".into(),
            ..Default::default()
        })),
        ..Default::default()
    })?;

    // In your HTTP handler: pass the raw body bytes and the header; answer 2xx fast, 4xx on error.
    let receiver = WebhookReceiver::with_credentials("devkey", "secret")?;
    let webhook = receiver.receive(&sent.body, &sent.authorization)?;
    match webhook.kind() {
        EventKind::RoomStarted => println!(
            "room {} started (event {})",
            webhook.room.as_ref().map_or("", |r| r.name.as_str()),
            webhook.id()
        ),
        other => println!("ignoring {other}"),
    }

    // A body changed on the way (re-serialized by a framework, say) is refused.
    let mut tampered = sent.body.clone();
    tampered.push(b'\n');
    assert!(receiver.receive(&tampered, &sent.authorization).is_err());
    Ok(())
}
