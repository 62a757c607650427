//! For the unit tests that capture log lines with a scoped subscriber.

use std::sync::LazyLock;

use tracing::Dispatch;

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
