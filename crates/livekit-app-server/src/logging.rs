//! [`init_logging`]: the `tracing` subscriber, human-readable or JSON lines on standard output,
//! written off the request path.
//!
//! Requests format their line and hand it to `tracing-appender`'s non-blocking writer: a
//! bounded queue of [`LOG_BUFFER_LINES`] lines that one thread writes to standard output in
//! batches. A request never waits for the terminal or the log collector. When the queue is
//! full (the output is slower than the requests for a while) a new line is dropped rather
//! than making the request wait, and counted: a reporter logs `log lines dropped` with the
//! count within a second, and the total is written to standard error at exit. No line is
//! ever dropped silently.

use std::io::{BufWriter, IsTerminal as _, Write};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_appender::non_blocking::{ErrorCounter, NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::{Config, LogFormat};

/// How many log lines wait to be written before new ones are dropped (and counted): about
/// 2.5 s of `token issued` lines at 50 000 tokens/s.
pub const LOG_BUFFER_LINES: usize = 128_000;
/// How often the count of dropped lines is checked.
const DROP_REPORT_PERIOD: Duration = Duration::from_secs(1);

/// Keeps the log writer running: drop it last, at exit, to write the lines still queued and
/// report the total of dropped lines (if any) on standard error.
#[must_use = "logging stops when the guard is dropped"]
#[derive(Debug)]
pub struct LogGuard {
    reporter: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
    counter: DropCounter,
    worker: Option<WorkerGuard>,
}

impl LogGuard {
    /// How many log lines were dropped so far because the queue was full.
    pub fn dropped_lines(&self) -> u64 {
        self.counter.total()
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        if let Some((stop, reporter)) = self.reporter.take() {
            drop(stop);
            let _ = reporter.join();
        }
        // Writes what is queued.
        drop(self.worker.take());
        let total = self.counter.total();
        if total > 0 {
            let _ = writeln!(
                std::io::stderr(),
                "livekit-app-server: {total} log lines were dropped in all because the log \
                 output was slower than the requests (queue of {LOG_BUFFER_LINES} lines)"
            );
        }
    }
}

/// The count of dropped lines, and how much of it was already reported.
#[derive(Clone, Debug)]
struct DropCounter {
    counter: ErrorCounter,
    reported: u64,
}

impl DropCounter {
    fn total(&self) -> u64 {
        // Never larger than u64 on the platforms this runs on.
        self.counter.dropped_lines() as u64
    }

    /// The lines dropped since the last call, if any.
    fn newly_dropped(&mut self) -> Option<u64> {
        let total = self.total();
        let new = total.saturating_sub(self.reported);
        self.reported = total;
        (new > 0).then_some(new)
    }
}

/// A lossy non-blocking writer of at most `lines` queued lines to `output`, written in
/// batches.
fn non_blocking<W: Write + Send + 'static>(
    output: W,
    lines: usize,
) -> (NonBlocking, WorkerGuard, DropCounter) {
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(lines)
        .lossy(true)
        .thread_name("livekit-app-server-log")
        .finish(BufWriter::new(output));
    let counter = DropCounter {
        counter: writer.error_counter(),
        reported: 0,
    };
    (writer, guard, counter)
}

/// Installs the global `tracing` subscriber: the filter of [`Config::log_filter`] (`RUST_LOG`)
/// and the format of [`Config::log_format`] (`LOG_FORMAT`), writing to standard output through
/// the non-blocking writer described in the module. Keep the guard until the process exits.
///
/// # Errors
///
/// A message if a global subscriber is already installed.
pub fn init_logging(config: &Config) -> Result<LogGuard, String> {
    // Validated when the configuration was read; fall back to the default on the impossible.
    let filter = EnvFilter::try_new(&config.log_filter)
        .unwrap_or_else(|_| EnvFilter::new(crate::config::DEFAULT_LOG_FILTER));
    let ansi = std::io::stdout().is_terminal();
    let (writer, worker, counter) = non_blocking(std::io::stdout(), LOG_BUFFER_LINES);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let result = match config.log_format {
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
        LogFormat::Human => builder.with_ansi(ansi).try_init(),
    };
    result.map_err(|error| format!("cannot install the log subscriber: {error}"))?;
    let (stop, stopped) = mpsc::channel::<()>();
    let mut reporter_counter = counter.clone();
    let reporter = std::thread::Builder::new()
        .name("livekit-app-server-log-drops".to_owned())
        .spawn(move || {
            // Until the guard hangs up.
            while let Err(mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(DROP_REPORT_PERIOD)
            {
                report_drops(&mut reporter_counter);
            }
        })
        .map_err(|error| format!("cannot start the log reporter thread: {error}"))?;
    Ok(LogGuard {
        reporter: Some((stop, reporter)),
        counter,
        worker: Some(worker),
    })
}

/// Logs the lines dropped since the last report, if any. The report goes through the same
/// queue: if it is dropped too, it is counted, and the next report includes it.
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
    use std::sync::{Arc, Mutex};

    use super::*;

    /// An output whose first write blocks until released, and says when it started.
    struct Gated {
        entered: Option<mpsc::Sender<()>>,
        release: mpsc::Receiver<()>,
        written: Arc<Mutex<Vec<u8>>>,
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
        let (entered_tx, entered) = mpsc::channel();
        let (release, release_rx) = mpsc::channel();
        let written = Arc::new(Mutex::new(Vec::new()));
        // BufWriter only writes through when its buffer fills or on flush: the worker
        // flushes after the first line (the queue is then empty), which blocks in `Gated`.
        let output = Gated {
            entered: Some(entered_tx),
            release: release_rx,
            written: Arc::clone(&written),
        };
        let (mut writer, guard, mut counter) = non_blocking(output, 2);
        writer.write_all(b"line 0\n").unwrap();
        entered.recv_timeout(Duration::from_secs(20)).unwrap();
        // The worker is stuck writing line 0: two lines fit in the queue, the rest drop.
        for i in 1..=7 {
            writer.write_all(format!("line {i}\n").as_bytes()).unwrap();
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
    fn report_is_a_warning_with_the_counts() {
        let (entered_tx, entered) = mpsc::channel();
        let (release, release_rx) = mpsc::channel();
        let output = Gated {
            entered: Some(entered_tx),
            release: release_rx,
            written: Arc::default(),
        };
        let (mut writer, guard, mut counter) = non_blocking(output, 1);
        writer.write_all(b"0\n").unwrap();
        entered.recv_timeout(Duration::from_secs(20)).unwrap();
        for _ in 0..4 {
            writer.write_all(b"x\n").unwrap();
        }
        let seen = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = Arc::clone(&seen);
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || SharedSink(Arc::clone(&sink)))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            report_drops(&mut counter);
            report_drops(&mut counter);
        });
        release.send(()).unwrap();
        drop(guard);
        let text = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 1, "nothing new, nothing reported: {text}");
        assert_eq!(lines[0]["level"], "WARN");
        assert_eq!(lines[0]["fields"]["dropped"], 3);
        assert_eq!(lines[0]["fields"]["total"], 3);
    }

    struct SharedSink(Arc<Mutex<Vec<u8>>>);

    impl Write for SharedSink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
}
