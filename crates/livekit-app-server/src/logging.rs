//! [`init_logging`]: the `tracing` subscriber, human-readable or JSON lines on standard output,
//! written off the request path.
//!
//! A request formats its line and appends it to a shared queue of at most
//! [`LOG_BUFFER_LINES`] lines and [`LOG_BUFFER_BYTES`] bytes; one thread takes everything
//! queued [`FLUSH_PERIOD`] after the first line of a batch came (sooner once [`WAKE_LINES`]
//! lines wait) and writes it to standard output in one write. A request never waits for the terminal or the log collector,
//! and an idle server's writer thread sleeps until a line comes (no polling). When the queue
//! is full (the output is slower than the requests for a while) a new line is dropped rather
//! than making the request wait, and counted: the writer thread logs `log lines dropped` with the
//! count within a second, and the total is written to standard error at exit. No line is
//! ever dropped silently.
//!
//! Hand-written (about 60 lines) rather than `tracing-appender`'s non-blocking writer, which
//! hands lines over one by one through a channel: its thread writes and flushes each line
//! alone and spins (`sched_yield`) while it waits for the next, so that a server on one core
//! paid a `write` and two context switches per token issued, about a tenth of the request's
//! CPU (docs/performance.md). Batching by time needs a queue that no logging crate offers.

use std::io::{IsTerminal as _, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::{Config, LogFormat};

/// The most log lines waiting to be written; more are dropped and counted.
pub const LOG_BUFFER_LINES: usize = 128_000;

/// The most bytes of log lines waiting to be written (16 MiB); more are dropped and counted,
/// so that a stalled output holds little memory even when lines are long.
pub const LOG_BUFFER_BYTES: usize = 16 * 1024 * 1024;

/// How long closing waits for the writer thread to write what is queued: an output that
/// stopped reading (a stalled pipe) must not keep the process from exiting.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the first line of a batch may wait before the writer thread takes the batch.
const FLUSH_PERIOD: Duration = Duration::from_millis(20);

/// How many waiting lines wake the writer thread before its period is over.
const WAKE_LINES: usize = 4096;

/// How often dropped lines are reported.
const DROP_REPORT_PERIOD: Duration = Duration::from_secs(1);

/// Keeps logging running; dropping it writes what is queued (and reports lines dropped in all
/// to standard error).
#[must_use = "logging stops when the guard is dropped"]
#[derive(Debug)]
pub struct LogGuard {
    counter: DropCounter,
    worker: Option<Worker>,
}

impl LogGuard {
    /// How many log lines were dropped so far because the queue was full.
    pub fn dropped_lines(&self) -> u64 {
        self.counter.total()
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        // Writes what is queued, then ends the writer thread.
        drop(self.worker.take());
        let total = self.counter.total();
        if total > 0 {
            let _ = writeln!(
                std::io::stderr(),
                "livekit-app-server: {total} log lines were dropped in all because the log \
                 output was slower than the requests (queue of {LOG_BUFFER_LINES} lines, \
                 {LOG_BUFFER_BYTES} bytes)"
            );
        }
    }
}

/// The lines waiting for the writer thread, shared by every request.
#[derive(Debug)]
struct Queue {
    pending: Mutex<Pending>,
    /// Signalled by the first line that finds the writer thread idle, when [`WAKE_LINES`]
    /// lines wait, and at close.
    wake: Condvar,
    limit: usize,
    /// The most bytes waiting ([`LOG_BUFFER_BYTES`]).
    byte_limit: usize,
    dropped: AtomicU64,
}

#[derive(Debug, Default)]
struct Pending {
    text: Vec<u8>,
    lines: usize,
    closed: bool,
    /// The writer thread sleeps until a line comes: the next line must wake it.
    idle: bool,
    /// How many times the writer thread has taken the queue.
    batches: u64,
}

impl Queue {
    fn new(limit: usize, byte_limit: usize) -> Arc<Queue> {
        Arc::new(Queue {
            pending: Mutex::default(),
            wake: Condvar::new(),
            limit,
            byte_limit,
            dropped: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        // A panic while holding the lock leaves whole lines: the text stays usable.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Each `write` is one formatted event (the `fmt` layer writes an event in one `write_all`).
impl Write for &Queue {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let mut pending = self.lock();
        let full = pending.lines >= self.limit
            || pending.text.len().saturating_add(line.len()) > self.byte_limit;
        if pending.closed || full {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        } else {
            pending.text.extend_from_slice(line);
            pending.lines += 1;
            if pending.idle || pending.lines == WAKE_LINES {
                // While the writer thread gathers a batch (every batch under steady load) this
                // costs nothing: it is woken by its timer.
                pending.idle = false;
                self.wake.notify_one();
            }
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The `MakeWriter` of the subscriber: every event goes into the queue.
#[derive(Clone, Debug)]
struct Queued(Arc<Queue>);

impl<'a> MakeWriter<'a> for Queued {
    type Writer = &'a Queue;

    fn make_writer(&'a self) -> &'a Queue {
        &self.0
    }
}

/// The writer thread; dropping this writes what is queued and ends it.
#[derive(Debug)]
struct Worker {
    queue: Arc<Queue>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.queue.lock().closed = true;
        self.queue.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            // Joined only once it is done: a thread stuck writing to a stalled output is left
            // behind after `CLOSE_TIMEOUT` (the process exits with it).
            let deadline = Instant::now() + CLOSE_TIMEOUT;
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if thread.is_finished() {
                let _ = thread.join();
            }
        }
    }
}

/// Sleeps until a line is queued, lets lines gather for [`FLUSH_PERIOD`] (or until
/// [`WAKE_LINES`] wait, or the close), and writes them to `output` in one write; after the
/// close, the rest, then returns. At most every [`DROP_REPORT_PERIOD`] it also logs the lines
/// dropped since its last report, waking for it if nothing else comes.
fn write_batches(queue: &Arc<Queue>, mut output: impl Write) {
    let mut batch = Vec::new();
    let mut drops = DropCounter {
        queue: Arc::clone(queue),
        reported: 0,
    };
    let mut reported_at = Instant::now();
    loop {
        let closed = {
            let mut pending = queue.lock();
            let nothing_queued = |p: &mut Pending| p.lines == 0 && !p.closed;
            if nothing_queued(&mut pending) {
                pending.idle = true;
                pending = if drops.unreported() {
                    // Wake up for the report even if no line comes.
                    let due = DROP_REPORT_PERIOD.saturating_sub(reported_at.elapsed());
                    let waited = queue.wake.wait_timeout_while(pending, due, nothing_queued);
                    waited.unwrap_or_else(PoisonError::into_inner).0
                } else {
                    let waited = queue.wake.wait_while(pending, nothing_queued);
                    waited.unwrap_or_else(PoisonError::into_inner)
                };
                pending.idle = false;
            }
            if pending.lines > 0 {
                let gathering = |p: &mut Pending| p.lines < WAKE_LINES && !p.closed;
                let waited = queue
                    .wake
                    .wait_timeout_while(pending, FLUSH_PERIOD, gathering);
                pending = waited.unwrap_or_else(PoisonError::into_inner).0;
            }
            std::mem::swap(&mut pending.text, &mut batch);
            pending.lines = 0;
            pending.batches += 1;
            pending.closed
        };
        if !batch.is_empty() {
            // Nowhere to report a failing standard output: the lines are lost with it.
            let _ = output.write_all(&batch).and_then(|()| output.flush());
            batch.clear();
        }
        if reported_at.elapsed() >= DROP_REPORT_PERIOD {
            report_drops(&mut drops);
            reported_at = Instant::now();
        }
        if closed {
            return;
        }
    }
}

/// Counts the lines dropped because the queue was full; remembers how many were reported.
#[derive(Clone, Debug)]
struct DropCounter {
    queue: Arc<Queue>,
    reported: u64,
}

impl DropCounter {
    fn total(&self) -> u64 {
        self.queue.dropped.load(Ordering::Relaxed)
    }

    /// Whether lines were dropped since the last report.
    fn unreported(&self) -> bool {
        self.total() > self.reported
    }

    /// Lines dropped since the last call, if any.
    fn newly_dropped(&mut self) -> Option<u64> {
        let total = self.total();
        let new = total.saturating_sub(self.reported);
        self.reported = total;
        (new > 0).then_some(new)
    }
}

/// The queue of at most `lines` lines for `output`, its writer thread, and its drop counter.
fn non_blocking<W: Write + Send + 'static>(
    output: W,
    lines: usize,
    bytes: usize,
) -> std::io::Result<(Queued, Worker, DropCounter)> {
    let queue = Queue::new(lines, bytes);
    let thread_queue = Arc::clone(&queue);
    let thread = std::thread::Builder::new()
        .name("livekit-app-server-log".to_owned())
        .spawn(move || write_batches(&thread_queue, output))?;
    let counter = DropCounter {
        queue: Arc::clone(&queue),
        reported: 0,
    };
    let worker = Worker {
        queue: Arc::clone(&queue),
        thread: Some(thread),
    };
    Ok((Queued(queue), worker, counter))
}

/// Installs the global subscriber: `config.log_filter` (`RUST_LOG`), `config.log_format`, on
/// standard output through the queue. Keep the guard until exit.
///
/// # Errors
///
/// When a subscriber is already installed, or a logging thread cannot be started.
pub fn init_logging(config: &Config) -> Result<LogGuard, String> {
    let filter = EnvFilter::try_new(&config.log_filter)
        .unwrap_or_else(|_| EnvFilter::new(crate::config::DEFAULT_LOG_FILTER));
    let ansi = std::io::stdout().is_terminal();
    let (writer, worker, counter) =
        non_blocking(std::io::stdout(), LOG_BUFFER_LINES, LOG_BUFFER_BYTES)
            .map_err(|error| format!("cannot start the log writer thread: {error}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let result = match config.log_format {
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
        LogFormat::Human => builder.with_ansi(ansi).try_init(),
    };
    result.map_err(|error| format!("cannot install the log subscriber: {error}"))?;
    Ok(LogGuard {
        counter,
        worker: Some(worker),
    })
}

/// Logs a warning with the lines dropped since the last report, if any.
fn report_drops(counter: &mut DropCounter) {
    if let Some(dropped) = counter.newly_dropped() {
        tracing::warn!(
            dropped,
            total = counter.total(),
            queue = LOG_BUFFER_LINES,
            "log lines dropped: the log output is slower than the requests"
        );
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex, mpsc};

    use super::*;
    use crate::test_support::{SharedSink, capture_every_callsite, json_lines};

    /// An output whose first write blocks until released, and says when it started.
    struct Gated {
        entered: Option<mpsc::Sender<()>>,
        release: mpsc::Receiver<()>,
        written: Arc<Mutex<Vec<u8>>>,
    }

    impl Gated {
        /// The output, the receiver told when its first write starts, and the sender that
        /// lets that write finish.
        fn new() -> (Gated, mpsc::Receiver<()>, mpsc::Sender<()>) {
            let (entered_tx, entered) = mpsc::channel();
            let (release, release_rx) = mpsc::channel();
            let output = Gated {
                entered: Some(entered_tx),
                release: release_rx,
                written: Arc::default(),
            };
            (output, entered, release)
        }
    }

    impl Write for Gated {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if let Some(entered) = self.entered.take() {
                entered.send(()).unwrap();
                self.release.recv().unwrap();
            }
            self.written.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_full_queue_drops_new_lines_and_counts_every_one() {
        // The worker takes line 0 at the end of its period and blocks writing it in `Gated`.
        let (output, entered, release) = Gated::new();
        let written = Arc::clone(&output.written);
        let (writer, guard, mut counter) = non_blocking(output, 2, LOG_BUFFER_BYTES).unwrap();
        writer.make_writer().write_all(b"line 0\n").unwrap();
        entered.recv_timeout(Duration::from_secs(20)).unwrap();
        // The worker is stuck writing line 0: two lines fit in the queue, the rest drop.
        for i in 1..=7 {
            let line = format!("line {i}\n");
            writer.make_writer().write_all(line.as_bytes()).unwrap();
        }
        assert_eq!(counter.total(), 5);
        assert_eq!(counter.newly_dropped(), Some(5));
        assert_eq!(counter.newly_dropped(), None, "reported once");
        release.send(()).unwrap();
        drop(guard); // writes the queue
        assert_eq!(
            String::from_utf8(written.lock().unwrap().clone()).unwrap(),
            "line 0\nline 1\nline 2\n"
        );
    }

    #[test]
    fn long_lines_are_bounded_by_bytes_too() {
        let (output, entered, release) = Gated::new();
        let (writer, guard, counter) = non_blocking(output, 100, 10).unwrap();
        writer.make_writer().write_all(b"0\n").unwrap();
        entered.recv_timeout(Duration::from_secs(20)).unwrap();
        // 10 bytes wait at most, whatever the line count.
        writer.make_writer().write_all(b"12345678\n").unwrap();
        writer.make_writer().write_all(b"x\n").unwrap();
        writer
            .make_writer()
            .write_all(b"0123456789 too long\n")
            .unwrap();
        assert_eq!(counter.total(), 2);
        release.send(()).unwrap();
        drop(guard);
    }

    #[test]
    fn closing_gives_up_on_an_output_that_never_takes_its_lines() {
        let (output, entered, _release) = Gated::new(); // never released: a stalled pipe
        let (writer, guard, _) = non_blocking(output, 10, LOG_BUFFER_BYTES).unwrap();
        writer.make_writer().write_all(b"stuck\n").unwrap();
        entered.recv_timeout(Duration::from_secs(20)).unwrap();
        let start = Instant::now();
        drop(guard);
        let waited = start.elapsed();
        assert!(
            waited >= CLOSE_TIMEOUT && waited < CLOSE_TIMEOUT + Duration::from_secs(20),
            "{waited:?}"
        );
    }

    #[test]
    fn report_is_a_warning_with_the_counts() {
        let (output, entered, release) = Gated::new();
        let (writer, guard, mut counter) = non_blocking(output, 1, LOG_BUFFER_BYTES).unwrap();
        writer.make_writer().write_all(b"0\n").unwrap();
        entered.recv_timeout(Duration::from_secs(20)).unwrap();
        for _ in 0..4 {
            writer.make_writer().write_all(b"x\n").unwrap();
        }
        let seen = SharedSink::default();
        tracing::subscriber::with_default(json_lines(&seen), || {
            capture_every_callsite();
            report_drops(&mut counter);
            report_drops(&mut counter);
        });
        release.send(()).unwrap();
        drop(guard);
        let text = seen.text();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 1, "nothing new, nothing reported: {text}");
        assert_eq!(lines[0]["level"], "WARN");
        assert_eq!(lines[0]["fields"]["dropped"], 3);
        assert_eq!(lines[0]["fields"]["total"], 3);
    }

    #[test]
    fn every_line_is_written_in_order_and_the_rest_at_close() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let output = SharedSink(Arc::clone(&written));
        let (writer, guard, counter) = non_blocking(output, 100, LOG_BUFFER_BYTES).unwrap();
        for i in 0..50 {
            let line = format!("line {i}\n");
            writer.make_writer().write_all(line.as_bytes()).unwrap();
        }
        drop(guard); // writes what is still queued, then ends the thread
        let expected: String = (0..50).map(|i| format!("line {i}\n")).collect();
        assert_eq!(
            String::from_utf8(written.lock().unwrap().clone()).unwrap(),
            expected
        );
        assert_eq!(counter.total(), 0);
        // After the close nothing is written any more, and nothing is lost silently.
        writer.make_writer().write_all(b"late\n").unwrap();
        assert_eq!(counter.total(), 1);
        assert!(
            !String::from_utf8(written.lock().unwrap().clone())
                .unwrap()
                .contains("late")
        );
    }

    #[test]
    fn lines_reach_the_output_while_the_server_runs() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let (writer, guard, _) =
            non_blocking(SharedSink(Arc::clone(&written)), 10, LOG_BUFFER_BYTES).unwrap();
        writer.make_writer().write_all(b"token issued\n").unwrap();
        // Taken at the end of the writer's period, not held until the guard drops.
        let started = std::time::Instant::now();
        while written.lock().unwrap().is_empty() {
            assert!(started.elapsed() < Duration::from_secs(20), "never written");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(written.lock().unwrap().as_slice(), b"token issued\n");
        drop(guard);
    }

    #[test]
    fn an_idle_writer_thread_sleeps_until_a_line_comes() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let (writer, guard, _) =
            non_blocking(SharedSink(Arc::clone(&written)), 10, LOG_BUFFER_BYTES).unwrap();
        let batches = || writer.0.lock().batches;
        // Seven flush periods: a writer that polled would have taken the queue several times.
        std::thread::sleep(7 * FLUSH_PERIOD);
        assert_eq!(batches(), 0, "woke up with nothing to write");
        writer.make_writer().write_all(b"token issued\n").unwrap();
        let started = std::time::Instant::now();
        while written.lock().unwrap().is_empty() {
            assert!(started.elapsed() < Duration::from_secs(20), "never written");
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(7 * FLUSH_PERIOD);
        assert_eq!(batches(), 1, "one line, one batch, then asleep again");
        drop(guard);
    }

    #[test]
    fn drops_are_reported_when_no_line_comes_after_them() {
        let (output, entered, release) = Gated::new();
        let queue = Queue::new(1, LOG_BUFFER_BYTES);
        let seen = SharedSink::default();
        let subscriber = json_lines(&seen);
        let thread_queue = Arc::clone(&queue);
        let thread = std::thread::spawn(move || {
            tracing::subscriber::with_default(subscriber, || {
                capture_every_callsite();
                write_batches(&thread_queue, output);
            });
        });
        (&*queue).write_all(b"0\n").unwrap();
        entered.recv_timeout(Duration::from_secs(20)).unwrap();
        for _ in 0..4 {
            (&*queue).write_all(b"x\n").unwrap();
        }
        release.send(()).unwrap();
        // Nothing is logged any more; the report must still come, by itself.
        let started = std::time::Instant::now();
        let report = loop {
            if let Some(line) = seen.text().lines().next() {
                break serde_json::from_str::<serde_json::Value>(line).unwrap();
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "never reported"
            );
            std::thread::sleep(Duration::from_millis(5));
        };
        assert_eq!(report["fields"]["dropped"], 3);
        queue.lock().closed = true;
        queue.wake.notify_one();
        thread.join().unwrap();
    }
}
