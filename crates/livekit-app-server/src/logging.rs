//! [`init_logging`]: the `tracing` subscriber, human-readable or JSON lines on standard output.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

use crate::{Config, LogFormat};

/// Installs the global `tracing` subscriber: the filter of [`Config::log_filter`] (`RUST_LOG`)
/// and the format of [`Config::log_format`] (`LOG_FORMAT`), writing to standard output.
///
/// # Errors
///
/// A message if a global subscriber is already installed.
pub fn init_logging(config: &Config) -> Result<(), String> {
    // Validated when the configuration was read; fall back to the default on the impossible.
    let filter = EnvFilter::try_new(&config.log_filter)
        .unwrap_or_else(|_| EnvFilter::new(crate::config::DEFAULT_LOG_FILTER));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = match config.log_format {
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
        LogFormat::Human => builder
            .with_ansi(std::io::stdout().is_terminal())
            .try_init(),
    };
    result.map_err(|error| format!("cannot install the log subscriber: {error}"))
}
