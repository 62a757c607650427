//! For the unit tests that capture log lines with a scoped subscriber.

use std::io;
use std::sync::{Arc, LazyLock, Mutex};

use tracing::{Dispatch, Subscriber};

/// A dispatcher registered for the whole test run, so that `tracing` always has at least two
/// when a test captures. With one, a callsite first reached on a thread without a subscriber
/// (another test calling the same code) would take that thread's "not interested" for good,
/// and the capturing test would miss its line.
static ANCHOR: LazyLock<Dispatch> = LazyLock::new(|| Dispatch::new(tracing_subscriber::registry()));

/// Call inside `with_default(capturing_subscriber, ..)`, before the code under test: asks
/// every callsite again, now that the capturing subscriber is registered.
pub(crate) fn capture_every_callsite() {
    LazyLock::force(&ANCHOR);
    tracing::callsite::rebuild_interest_cache();
}

/// A writer that keeps everything written to it, shared by its clones.
#[derive(Clone, Debug, Default)]
pub(crate) struct SharedSink(pub(crate) Arc<Mutex<Vec<u8>>>);

impl SharedSink {
    /// What was written so far, as text.
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl io::Write for SharedSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A subscriber writing every event, as JSON lines, to `sink`.
pub(crate) fn json_lines(sink: &SharedSink) -> impl Subscriber + Send + Sync + use<> {
    let sink = sink.clone();
    tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish()
}
