//! `livekit-app-server`: reads the configuration, installs logging, binds and serves until
//! SIGINT or SIGTERM.

use std::process::ExitCode;

use std::sync::Arc;

use livekit_app_server::{App, Config, bind, init_logging, serve_listeners, shutdown_signal};

/// Exit code for a configuration error (as `EX_CONFIG` of sysexits).
const EXIT_CONFIG: u8 = 78;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            report(&message);
            ExitCode::from(code)
        }
    }
}

#[allow(
    clippy::print_stderr,
    reason = "startup errors go to stderr, before or without logging"
)]
fn report(message: &str) {
    eprintln!("livekit-app-server: error: {message}");
}

async fn run() -> Result<(), (u8, String)> {
    let dir = std::env::current_dir().map_err(|error| {
        (
            EXIT_CONFIG,
            format!("cannot find the working directory: {error}"),
        )
    })?;
    let config = Config::load(&dir).map_err(|error| (EXIT_CONFIG, error.to_string()))?;
    // Kept to the end of `run`: dropping it writes the queued lines.
    let _log_guard = init_logging(&config).map_err(|message| (1, message))?;
    if config.uses_dev_credentials() {
        tracing::warn!(
            "using the development credentials of `livekit-server --dev` (devkey/secret); \
             set LIVEKIT_API_KEY and LIVEKIT_API_SECRET in production"
        );
    }
    if config.api_secret.is_short() {
        tracing::warn!(
            "LIVEKIT_API_SECRET is shorter than 32 bytes: fine for development, too weak in \
             production"
        );
    }
    let app = App::new(&config)
        .map_err(|error| (1, format!("the API credentials are not usable: {error}")))?;
    let listeners = bind(config.addr)
        .map_err(|error| (1, format!("cannot listen on {}: {error}", config.addr)))?;
    tracing::info!(
        api_key = config.api_key,
        token_ttl_secs = config.token_ttl.as_secs(),
        livekit_url = %config.livekit_url,
        "livekit-app-server {}",
        env!("CARGO_PKG_VERSION")
    );
    serve_listeners(
        listeners,
        Arc::new(app),
        config.shutdown_grace,
        shutdown_signal(),
    )
    .await
    .map_err(|error| {
        let source = std::error::Error::source(&error)
            .map(ToString::to_string)
            .unwrap_or_default();
        (1, format!("{error}: {source}"))
    })
}
