//! The tracing span of a call: one per call, with service, method, request id, attempts,
//! status, code and duration; never a header or a token.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used)]

mod support;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use livekit_server_http::{CallOptions, Client, Scope};
use support::rooms::LIST_ROOMS;
use support::{Reply, Server};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

#[derive(Clone, PartialEq, prost::Message)]
struct Empty {}

/// Everything the subscriber was told, as text: span names with their fields, and events.
#[derive(Default)]
struct Recorder {
    spans: Mutex<Vec<(String, String)>>,
    events: Mutex<Vec<String>>,
}

struct Text<'a>(&'a mut String);

impl Visit for Text<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut text = String::new();
        span.record(&mut Text(&mut text));
        let mut spans = self.spans.lock().unwrap();
        spans.push((span.metadata().name().to_owned(), text));
        Id::from_u64(spans.len() as u64)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        let index = usize::try_from(span.into_u64()).unwrap() - 1;
        values.record(&mut Text(&mut spans[index].1));
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut text = String::new();
        event.record(&mut Text(&mut text));
        self.events.lock().unwrap().push(text);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[test]
fn one_span_per_call_with_its_outcome_and_no_secrets() {
    let server = Server::http(|_, index| match index {
        0 => Reply::twirp(503, "unavailable", "draining"),
        1 => Reply::protobuf(Bytes::new()),
        _ => Reply::twirp(404, "not_found", "room not found"),
    });
    let recorder = Arc::new(Recorder::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::new(&server.url(), "APIkey", "secret-secret-secret-secret-1234").unwrap();

    tracing::subscriber::with_default(recorder.clone(), || {
        runtime.block_on(async {
            let ok: Empty = client
                .call(&LIST_ROOMS, Scope::NONE, &Empty {}, &CallOptions::new())
                .await
                .unwrap();
            assert_eq!(ok, Empty {});
            let options = CallOptions::new().request_id("req-42");
            let error = client
                .call::<_, Empty>(&LIST_ROOMS, Scope::NONE, &Empty {}, &options)
                .await
                .unwrap_err();
            assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
        });
    });

    let spans = recorder.spans.lock().unwrap().clone();
    let calls: Vec<&String> = spans
        .iter()
        .filter(|(name, _)| name == "livekit_api_call")
        .map(|(_, f)| f)
        .collect();
    assert_eq!(calls.len(), 2, "{spans:?}");
    let first = calls[0];
    for field in [
        "service=\"livekit.RoomService\"",
        "method=\"ListRooms\"",
        "attempts=2",
        "status=200",
        "duration_ms=",
    ] {
        assert!(first.contains(field), "{field} missing in {first}");
    }
    let second = calls[1];
    for field in [
        "request_id=req-42",
        "attempts=1",
        "status=404",
        "code=\"not_found\"",
    ] {
        assert!(second.contains(field), "{field} missing in {second}");
    }

    // The retry was logged; nothing anywhere shows a header or a token.
    let events = recorder.events.lock().unwrap().clone();
    assert!(events.iter().any(|e| e.contains("retrying")), "{events:?}");
    let token = server.requests()[0].bearer().to_owned();
    let everything = format!("{spans:?}{events:?}");
    for secret in [token.as_str(), "Bearer", "authorization", "secret-secret"] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked into tracing: {everything}"
        );
    }
}
