//! [`Error`]: why a container could not be started or used, with a hint chosen from the failure.

use std::fmt;

use testcontainers::TestcontainersError;
use testcontainers::bollard::errors::Error as Engine;
use testcontainers::core::error::{ClientError, WaitContainerError};
use testcontainers::core::logs::WaitLogError;

/// Why a container could not be started or used.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What went wrong, for [`Error::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The options are inconsistent or invalid (an empty API key, a Redis or a webhook
    /// receiver the server could not reach, a log level that hides the ready line, ...).
    /// Nothing was started.
    Config,
    /// No free local port could be found for the host network, or a port the container was
    /// to listen on was taken when it started (its output says `address already in use`).
    Ports,
    /// No Docker engine could be reached (none running, `DOCKER_HOST` wrong, no permission
    /// on its socket) or it did not answer in time: a test can skip on this.
    Engine,
    /// The image is not on the engine and could not be pulled (no registry reachable, no
    /// such tag): pull or build it, or name a mirror with `with_image`.
    Image,
    /// The engine refused the container (a name already in use, an ambiguous network name,
    /// ...), or the container exited or did not become ready in time.
    Container,
    /// The SDK client could not be built (`sdk` feature).
    Client,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    /// An error of testcontainers, classified, with a hint that fits it; when the container
    /// exited before it was ready, the last lines it wrote that say why.
    pub(crate) fn container(what: &str, source: TestcontainersError) -> Error {
        let (kind, hint) = match &source {
            TestcontainersError::WaitContainer(WaitContainerError::WaitLog(
                WaitLogError::EndOfStream(output),
            )) => {
                let text: String = output.iter().map(|l| String::from_utf8_lossy(l)).collect();
                let why = last_words(&text);
                let taken = why.to_ascii_lowercase().contains("address already in use");
                let kind = if taken {
                    ErrorKind::Ports
                } else {
                    ErrorKind::Container
                };
                (kind, format!("it exited before it was ready: {why}"))
            }
            TestcontainersError::WaitContainer(WaitContainerError::StartupTimeout) => (
                ErrorKind::Container,
                "it did not log its ready line within the startup timeout".to_owned(),
            ),
            TestcontainersError::Client(client) => classify(client),
            _ => (ErrorKind::Container, "it did not become ready".to_owned()),
        };
        Error::new(kind, format!("{what}: {hint}")).with_source(source)
    }

    /// What went wrong.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

/// The kind and hint of an error of testcontainers' Docker client (the engine's own words
/// stay in the source).
fn classify(error: &ClientError) -> (ErrorKind, String) {
    use ClientError as C;
    use ErrorKind::Container;
    const NO_ENGINE: &str = "no Docker engine answers: is one running, and reachable through \
                             DOCKER_HOST or /var/run/docker.sock?";
    let engine = match error {
        C::Init(_) | C::InvalidDockerHost(_) | C::Configuration(_) => {
            return (ErrorKind::Engine, NO_ENGINE.to_owned());
        }
        C::PullImage { descriptor, .. } => {
            let hint = format!(
                "the image {descriptor} is not on the engine and cannot be pulled (build or pull \
                 it, or name a mirror with with_image)"
            );
            return (ErrorKind::Image, hint);
        }
        C::CreateContainer(e) | C::StartContainer(e) | C::InspectContainer(e) => e,
        C::ListContainers(e) | C::CreateNetwork(e) | C::InspectNetwork(e) => e,
        C::ListNetworks(e) | C::RemoveContainer(e) => e,
        _ => return (Container, "the Docker engine failed".to_owned()),
    };
    let (kind, hint) = match engine {
        Engine::DockerResponseServerError {
            status_code: 409, ..
        } => (
            Container,
            "the engine has a container of that name already (names are global to the engine: \
             make them unique per process)",
        ),
        Engine::DockerResponseServerError { message, .. } if message.contains("ambiguous") => (
            Container,
            "several Docker networks have that name (names are global to the engine, and may \
             repeat: use one unique per process)",
        ),
        Engine::DockerResponseServerError { .. } => (Container, "the Docker engine refused it"),
        Engine::RequestTimeoutError => (
            ErrorKind::Engine,
            "the Docker engine did not answer in time",
        ),
        Engine::SocketNotFoundError(_)
        | Engine::IOError { .. }
        | Engine::HyperLegacyError { .. }
        | Engine::HyperResponseError { .. }
        | Engine::HttpClientError { .. } => (ErrorKind::Engine, NO_ENGINE),
        _ => (Container, "the Docker engine failed"),
    };
    (kind, hint.to_owned())
}

/// The last lines of a container's output that say why it stopped: not the log lines at
/// info or debug level, not stack traces, not the warning the development secret causes on
/// every start.
pub(crate) fn last_words(output: &str) -> String {
    let lines: Vec<&str> = output.lines().map(str::trim_end).collect();
    let kept: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|&(i, line)| {
            let frame = line.starts_with('\t')
                || lines.get(i + 1).is_some_and(|next| next.starts_with('\t'));
            !(line.is_empty()
                || frame
                || line.contains("\tINFO\t")
                || line.contains("\tDEBUG\t")
                || line.contains("secret is too short")
                // Redis's notices.
                || line
                    .split_once(' ')
                    .is_some_and(|(id, rest)| id.contains(':') && rest.contains(" * ")))
        })
        .map(|(_, line)| *line)
        .collect();
    if kept.is_empty() {
        return "it wrote nothing that says why".to_owned();
    }
    let last = &kept[kept.len().saturating_sub(5)..];
    last.iter()
        .map(|line| line.chars().take(300).collect::<String>())
        .collect::<Vec<_>>()
        .join(" / ")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What livekit-server v1.13.5 wrote when its RTC TCP port was taken: the secret
    /// warning with its stack trace, the cause, and info lines after it.
    const PORT_TAKEN: &str = "\
2026-12-08T00:23:05.529Z\tERROR\tlivekit\tconfig/config.go:725\tsecret is too short, should be at least 32 characters for security\t{\"apiKey\": \"devkey\"}
github.com/livekit/livekit-server/pkg/config.(*Config).ValidateKeys
\t/root/go/pkg/mod/github.com/livekit/livekit-server@v1.13.5/pkg/config/config.go:725
main.main
\t/root/go/pkg/mod/github.com/livekit/livekit-server@v1.13.5/cmd/server/main.go:190
runtime.main
\t/usr/local/go/src/runtime/proc.go:290
listen tcp :17881: bind: address already in use
2026-12-08T00:23:05.530Z\tINFO\tlivekit\thwstats/cpu_linux.go:77\tfailed reading cgroup specific cpu stats
2026-12-08T00:23:05.530Z\tINFO\tlivekit\trouting/interfaces.go:181\tusing single-node routing
";

    #[test]
    fn the_cause_is_kept_and_the_noise_left_out() {
        assert_eq!(
            last_words(PORT_TAKEN),
            "listen tcp :17881: bind: address already in use"
        );
        let yaml = "Could not parse config: yaml: unmarshal errors:\n  line 2: field no_such_option \
                    not found in type config.Config\n";
        assert_eq!(
            last_words(yaml),
            "Could not parse config: yaml: unmarshal errors: /   line 2: field no_such_option \
             not found in type config.Config"
        );
        let redis = "1:M 08 Dec 2026 00:25:32.511 * Redis version=7.0.15\n1:M 08 Dec 2026 \
                     00:25:32.512 # Warning: Could not create server TCP listening socket \
                     127.0.0.1:6379: bind: Address already in use\n";
        assert!(last_words(redis).starts_with("1:M 08 Dec 2026 00:25:32.512 # Warning"));
        assert_eq!(last_words(""), "it wrote nothing that says why");
    }

    #[test]
    fn an_exit_on_a_taken_port_is_a_ports_error_with_the_cause_in_its_message() {
        let output = PORT_TAKEN.lines().map(|line| format!("{line}\n").into());
        let source = TestcontainersError::WaitContainer(WaitContainerError::WaitLog(
            WaitLogError::EndOfStream(output.collect()),
        ));
        let error = Error::container("cannot start the LiveKit server", source);
        assert_eq!(error.kind(), ErrorKind::Ports);
        assert_eq!(
            error.to_string(),
            "cannot start the LiveKit server: it exited before it was ready: listen tcp :17881: \
             bind: address already in use"
        );
    }

    #[test]
    fn engine_answers_get_their_own_hint() {
        let refused = |status_code, message: &str| {
            classify(&ClientError::CreateContainer(
                Engine::DockerResponseServerError {
                    status_code,
                    message: message.to_owned(),
                },
            ))
        };
        let (kind, hint) = refused(409, "Conflict. The container name \"/r\" is already in use");
        assert_eq!(kind, ErrorKind::Container);
        assert!(hint.contains("of that name already"), "{hint}");
        assert!(!hint.contains("image"), "{hint}");
        let (_, hint) = refused(
            400,
            "network n is ambiguous (2 matches found based on name)",
        );
        assert!(hint.contains("several Docker networks"), "{hint}");
        let (kind, _) = classify(&ClientError::CreateContainer(Engine::RequestTimeoutError));
        assert_eq!(kind, ErrorKind::Engine);
        let (kind, _) = classify(&ClientError::CreateContainer(Engine::SocketNotFoundError(
            "/nowhere.sock".to_owned(),
        )));
        assert_eq!(kind, ErrorKind::Engine);
    }
}
