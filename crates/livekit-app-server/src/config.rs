//! [`Config`]: the server's settings, read from the environment and an optional `.env` file.
//!
//! Parsing is a pure function over a variable lookup ([`Config::from_lookup`]), so it is tested
//! with plain maps; [`Config::load`] is the one place that reads the process environment and
//! the file system.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use livekit_server_auth::{ApiSecret, validity};
use tracing_subscriber::EnvFilter;

use crate::cors::AllowedOrigins;
use crate::standard::{BearerSecret, LivekitUrl, Member, TokenPolicy};

/// The API key of `livekit-server --dev`.
pub const DEV_API_KEY: &str = "devkey";
/// The API secret of `livekit-server --dev`.
const DEV_API_SECRET: &str = "secret";
/// The port of the LiveKit tutorial application servers.
pub const DEFAULT_PORT: u16 = 6080;
/// The default validity of a minted token: 6 hours, as in the tutorial servers.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(6 * 60 * 60);
/// How long in-flight requests may run after a shutdown signal before they are dropped.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// The log filter used when `RUST_LOG` is unset or empty.
pub const DEFAULT_LOG_FILTER: &str = "info";

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogFormat {
    /// One human-readable line per event (`LOG_FORMAT` unset, `text`, `human` or `pretty`).
    #[default]
    Human,
    /// One JSON object per line (`LOG_FORMAT=json`).
    Json,
}

/// The server's settings.
///
/// [`Config::default`] is the development configuration: `[::]:6080` (IPv6 and IPv4, see
/// [`crate::bind`]), API key `devkey` and
/// secret `secret` (those of `livekit-server --dev`), tokens valid for 6 hours.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// The address to listen on (`SERVER_HOST`, `SERVER_PORT`); `::` serves IPv6 and IPv4.
    pub addr: SocketAddr,
    /// The API key tokens are issued under and webhooks are expected from (`LIVEKIT_API_KEY`).
    pub api_key: String,
    /// The API secret (`LIVEKIT_API_SECRET`). Its `Debug` form is redacted.
    pub api_secret: ApiSecret,
    /// How long a minted token is valid (`TOKEN_TTL`).
    pub token_ttl: Duration,
    /// How long in-flight requests may finish after a shutdown signal (`SHUTDOWN_GRACE`).
    pub shutdown_grace: Duration,
    /// The log line format (`LOG_FORMAT`).
    pub log_format: LogFormat,
    /// The `tracing` filter directives (`RUST_LOG`), already validated.
    pub log_filter: String,
    /// The LiveKit server URL answered as `server_url` by `POST /livekit/token`
    /// (`LIVEKIT_URL`).
    pub livekit_url: LivekitUrl,
    /// What browsers may ask `POST /livekit/token` for (`TOKEN_CLIENT_MEMBERS`,
    /// `TOKEN_ROOM_PREFIX`).
    pub token_policy: TokenPolicy,
    /// The shared secret `POST /livekit/token` requires as `Authorization: Bearer`
    /// (`TOKEN_ENDPOINT_SECRET`); `None`: the endpoint is open. Its `Debug` form is redacted.
    pub token_endpoint_secret: Option<BearerSecret>,
    /// The origins whose pages may read the answers (`CORS_ALLOWED_ORIGINS`); default any.
    pub cors_allowed_origins: AllowedOrigins,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            addr: SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), DEFAULT_PORT),
            api_key: DEV_API_KEY.to_owned(),
            api_secret: dev_secret(),
            token_ttl: DEFAULT_TOKEN_TTL,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            log_format: LogFormat::Human,
            log_filter: DEFAULT_LOG_FILTER.to_owned(),
            livekit_url: LivekitUrl::default(),
            token_policy: TokenPolicy::default(),
            token_endpoint_secret: None,
            cors_allowed_origins: AllowedOrigins::Any,
        }
    }
}

fn dev_secret() -> ApiSecret {
    match ApiSecret::new(DEV_API_SECRET) {
        Ok(secret) => secret,
        Err(_) => unreachable!("the development secret is not empty"),
    }
}

/// Why the configuration could not be read. The `Display` form names the variable (or the
/// file) and never contains the API secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A variable has a value the server cannot use.
    Invalid {
        /// The variable's name.
        var: &'static str,
        /// What is wrong, with the offending value unless the variable is secret.
        reason: String,
    },
    /// A variable's value is not valid Unicode.
    NotUnicode {
        /// The variable's name.
        var: &'static str,
    },
    /// Only one of `LIVEKIT_API_KEY` and `LIVEKIT_API_SECRET` is set.
    HalfCredentials {
        /// The one that is set.
        set: &'static str,
        /// The one that is missing.
        missing: &'static str,
    },
    /// The `.env` file exists but could not be read or parsed.
    DotEnv {
        /// The file.
        path: PathBuf,
        /// What went wrong (from the parser; it never echoes values).
        reason: String,
    },
}

impl ConfigError {
    /// The variable the error is about, if it is about one.
    pub fn var(&self) -> Option<&'static str> {
        match self {
            ConfigError::Invalid { var, .. } | ConfigError::NotUnicode { var } => Some(var),
            ConfigError::HalfCredentials { missing, .. } => Some(missing),
            ConfigError::DotEnv { .. } => None,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Invalid { var, reason } => write!(f, "invalid {var}: {reason}"),
            ConfigError::NotUnicode { var } => write!(f, "invalid {var}: not valid Unicode"),
            ConfigError::HalfCredentials { set, missing } => write!(
                f,
                "{set} is set but {missing} is not: set both (or neither, for the \
                 `livekit-server --dev` credentials)"
            ),
            ConfigError::DotEnv { path, reason } => {
                write!(f, "cannot read {}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// A value looked up by variable name: `None` if unset, `Err` if not Unicode.
type Value = Result<Option<String>, ConfigError>;

impl Config {
    /// Reads the configuration from the process environment, over the variables of
    /// `dir/.env` if that file exists (a variable set in the environment wins, as with
    /// `dotenvy`). The process environment is not modified.
    ///
    /// # Errors
    ///
    /// [`ConfigError::DotEnv`] if `.env` exists but cannot be read or parsed, and every error
    /// of [`Config::from_lookup`].
    pub fn load(dir: &Path) -> Result<Config, ConfigError> {
        Config::load_with(dir, |var| std::env::var_os(var))
    }

    /// [`Config::load`] with the process environment replaced by `env`.
    fn load_with(
        dir: &Path,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Config, ConfigError> {
        let dotenv = read_dotenv(&dir.join(".env"))?;
        Config::from_lookup(|var| match env(var) {
            Some(value) => os_to_string(var, value),
            None => Ok(dotenv.get(var).cloned()),
        })
    }

    /// Reads the configuration from a map of variables (for tests and embedding).
    ///
    /// # Errors
    ///
    /// As [`Config::from_lookup`].
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Config, ConfigError> {
        Config::from_lookup(|var| Ok(vars.get(var).cloned()))
    }

    /// Reads the configuration through `lookup`, which returns a variable's value, `None` if
    /// it is unset, or an error if it is unusable. An empty value counts as unset (as the
    /// tutorial servers' `process.env.X || default` does).
    ///
    /// | variable | default | accepted |
    /// |---|---|---|
    /// | `SERVER_HOST` | `::` (IPv6 and IPv4) | an IPv4 or IPv6 address (`::`, `[::1]`), or `localhost` |
    /// | `SERVER_PORT` | `6080` | `0`–`65535` (`0`: any free port) |
    /// | `LIVEKIT_API_KEY` | `devkey` | any string; set together with the secret |
    /// | `LIVEKIT_API_SECRET` | `secret` | any string; set together with the key |
    /// | `TOKEN_TTL` | `6h` | a positive whole number with an optional unit `s`, `m`, `h`, `d` (no unit: seconds) |
    /// | `SHUTDOWN_GRACE` | `10s` | as `TOKEN_TTL`, `0` allowed |
    /// | `LOG_FORMAT` | human | `json`, or `text`/`human`/`pretty` |
    /// | `RUST_LOG` | `info` | `tracing` filter directives |
    /// | `LIVEKIT_URL` | `ws://localhost:7880` | a `ws://` or `wss://` URL |
    /// | `TOKEN_CLIENT_MEMBERS` | all but `room_config` | comma-separated request members, or `none` |
    /// | `TOKEN_ROOM_PREFIX` | none | any string |
    /// | `TOKEN_ENDPOINT_SECRET` | none (open) | visible ASCII, no spaces |
    /// | `CORS_ALLOWED_ORIGINS` | `*` | `*`, or comma-separated origins `scheme://host[:port]` |
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] naming the first variable whose value is unusable,
    /// [`ConfigError::NotUnicode`] from `lookup`, and [`ConfigError::HalfCredentials`] when
    /// only one of the API key and secret is set.
    pub fn from_lookup(
        mut lookup: impl FnMut(&'static str) -> Value,
    ) -> Result<Config, ConfigError> {
        let mut get =
            |var: &'static str| -> Value { Ok(lookup(var)?.filter(|value| !value.is_empty())) };
        let host = match get("SERVER_HOST")? {
            Some(value) => parse_host(&value)
                .ok_or_else(|| invalid("SERVER_HOST", format!("{value:?} is not an IP address")))?,
            None => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        };
        let port = match get("SERVER_PORT")? {
            Some(value) => value.trim().parse::<u16>().map_err(|_| {
                invalid(
                    "SERVER_PORT",
                    format!("{value:?} is not a port number (0-65535)"),
                )
            })?,
            None => DEFAULT_PORT,
        };
        let (api_key, api_secret) = match (get("LIVEKIT_API_KEY")?, get("LIVEKIT_API_SECRET")?) {
            (None, None) => (DEV_API_KEY.to_owned(), dev_secret()),
            (Some(key), Some(secret)) => {
                // Not reachable with empty values (filtered above); never echo the secret.
                let secret = ApiSecret::new(secret)
                    .map_err(|_| invalid("LIVEKIT_API_SECRET", "must not be empty".into()))?;
                (key, secret)
            }
            (Some(_), None) => {
                return Err(ConfigError::HalfCredentials {
                    set: "LIVEKIT_API_KEY",
                    missing: "LIVEKIT_API_SECRET",
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError::HalfCredentials {
                    set: "LIVEKIT_API_SECRET",
                    missing: "LIVEKIT_API_KEY",
                });
            }
        };
        let token_ttl = match get("TOKEN_TTL")? {
            Some(value) => match parse_duration(&value) {
                Some(ttl) if validity(SystemTime::now(), ttl).is_ok() => ttl,
                Some(ttl) if !ttl.is_zero() => {
                    return Err(invalid(
                        "TOKEN_TTL",
                        format!(
                            "{value:?} is too long: a token's expiry must be a date the \
                             LiveKit server can read"
                        ),
                    ));
                }
                _ => {
                    return Err(invalid(
                        "TOKEN_TTL",
                        format!(
                            "{value:?} is not a positive duration (seconds, or a number with \
                             s, m, h or d: `3600`, `90m`, `6h`)"
                        ),
                    ));
                }
            },
            None => DEFAULT_TOKEN_TTL,
        };
        let shutdown_grace = match get("SHUTDOWN_GRACE")? {
            Some(value) => parse_duration(&value).ok_or_else(|| {
                invalid(
                    "SHUTDOWN_GRACE",
                    format!("{value:?} is not a duration (seconds, or a number with s, m, h or d)"),
                )
            })?,
            None => DEFAULT_SHUTDOWN_GRACE,
        };
        let log_format = match get("LOG_FORMAT")? {
            None => LogFormat::Human,
            Some(value) => match value.trim().to_ascii_lowercase().as_str() {
                "json" => LogFormat::Json,
                "text" | "human" | "pretty" => LogFormat::Human,
                _ => {
                    return Err(invalid(
                        "LOG_FORMAT",
                        format!("{value:?} is not a log format (`json` or `text`)"),
                    ));
                }
            },
        };
        let log_filter = match get("RUST_LOG")? {
            Some(value) => {
                EnvFilter::try_new(&value).map_err(|error| {
                    invalid(
                        "RUST_LOG",
                        format!("{value:?} is not a tracing filter: {error}"),
                    )
                })?;
                value
            }
            None => DEFAULT_LOG_FILTER.to_owned(),
        };
        let livekit_url = match get("LIVEKIT_URL")? {
            Some(value) => {
                LivekitUrl::parse(&value).map_err(|reason| invalid("LIVEKIT_URL", reason))?
            }
            None => LivekitUrl::default(),
        };
        let mut token_policy = TokenPolicy::default();
        if let Some(value) = get("TOKEN_CLIENT_MEMBERS")? {
            token_policy.honoured =
                parse_members(&value).map_err(|reason| invalid("TOKEN_CLIENT_MEMBERS", reason))?;
        }
        if let Some(prefix) = get("TOKEN_ROOM_PREFIX")? {
            token_policy.room_prefix = prefix;
        }
        let token_endpoint_secret = match get("TOKEN_ENDPOINT_SECRET")? {
            // Never echo the value.
            Some(value) => Some(BearerSecret::new(value).ok_or_else(|| {
                invalid(
                    "TOKEN_ENDPOINT_SECRET",
                    "must be visible ASCII without spaces (it is sent in an HTTP header)".into(),
                )
            })?),
            None => None,
        };
        let cors_allowed_origins = match get("CORS_ALLOWED_ORIGINS")? {
            Some(value) => AllowedOrigins::parse(&value)
                .map_err(|reason| invalid("CORS_ALLOWED_ORIGINS", reason))?,
            None => AllowedOrigins::Any,
        };
        Ok(Config {
            addr: SocketAddr::new(host, port),
            api_key,
            api_secret,
            token_ttl,
            shutdown_grace,
            log_format,
            log_filter,
            livekit_url,
            token_policy,
            token_endpoint_secret,
            cors_allowed_origins,
        })
    }

    /// Whether these are the well-known credentials of `livekit-server --dev`.
    pub fn uses_dev_credentials(&self) -> bool {
        self.api_key == DEV_API_KEY && self.api_secret.expose_secret() == DEV_API_SECRET
    }
}

fn invalid(var: &'static str, reason: String) -> ConfigError {
    ConfigError::Invalid { var, reason }
}

fn os_to_string(var: &'static str, value: OsString) -> Value {
    value
        .into_string()
        .map(Some)
        .map_err(|_| ConfigError::NotUnicode { var })
}

/// The variables of a `.env` file; an absent file gives none.
fn read_dotenv(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let dotenv_error = |error: dotenvy::Error| ConfigError::DotEnv {
        path: path.to_owned(),
        reason: match error {
            // The parser's message quotes the rest of the offending line, which may hold the
            // secret: report only where it is.
            dotenvy::Error::LineParse(line, index) => {
                let at = line_number(path, &line)
                    .map(|n| format!("line {n}, "))
                    .unwrap_or_default();
                match line_variable(&line) {
                    Some(name) => format!(
                        "syntax error at {at}character {index} (the line setting {name}; \
                         values are not shown)"
                    ),
                    None => format!("syntax error at {at}character {index}"),
                }
            }
            dotenvy::Error::EnvVar(_) => "a value is not valid Unicode".to_owned(),
            other => other.to_string(),
        },
    };
    let iter = match dotenvy::from_path_iter(path) {
        Ok(iter) => iter,
        Err(error) if error.not_found() => return Ok(HashMap::new()),
        Err(error) => return Err(dotenv_error(error)),
    };
    let mut vars = HashMap::new();
    for item in iter {
        let (name, value) = item.map_err(dotenv_error)?;
        vars.insert(name, value);
    }
    Ok(vars)
}

/// The 1-based number of the first line of `path` that holds the start of the (logical)
/// line the parser refused: dotenvy reports the line's text, not its number.
fn line_number(path: &Path, line: &str) -> Option<usize> {
    let first = line.lines().next().filter(|l| !l.trim().is_empty())?;
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().position(|l| l.ends_with(first)).map(|i| i + 1)
}

/// The variable a `.env` line sets, if it starts like `NAME=` or `export NAME=`.
fn line_variable(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
    let (name, _) = line.split_once('=')?;
    let name = name.trim_end();
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    valid.then_some(name)
}

/// `room_name, participant_name`, or `none`.
fn parse_members(value: &str) -> Result<Vec<Member>, String> {
    if value.trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let mut members = Vec::new();
    for name in value
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        let member = Member::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = Member::ALL.iter().map(|m| m.name()).collect();
            format!(
                "{name:?} is not a request member (one of {}, or none)",
                known.join(", ")
            )
        })?;
        if !members.contains(&member) {
            members.push(member);
        }
    }
    if members.is_empty() {
        return Err(format!(
            "{value:?} names no member (use `none` to honour none)"
        ));
    }
    Ok(members)
}

/// Whether `authority` is `host[:port]` as an origin or a server URL has it: a DNS name or
/// IPv4 address (letters, digits, `-`, `.`, `_`) or an IPv6 address in brackets, and a port
/// from 1 to 65535. `http::Uri` accepts far more (`*`, `:99999`, `host:`).
pub(crate) fn valid_authority(authority: &str) -> bool {
    let (host_ok, rest) = match authority.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((v6, rest)) => (v6.parse::<Ipv6Addr>().is_ok(), rest),
            None => return false,
        },
        None => {
            let (host, rest) = authority.split_at(authority.find(':').unwrap_or(authority.len()));
            let name = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
            (!host.is_empty() && host.bytes().all(name), rest)
        }
    };
    let port_ok = match rest.strip_prefix(':') {
        None => rest.is_empty(),
        Some(port) => {
            port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|p| p > 0)
        }
    };
    host_ok && port_ok
}

/// `0.0.0.0`, `::`, `[::1]`, `localhost`.
fn parse_host(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("localhost") {
        return Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    let unbracketed = value.strip_prefix('[').and_then(|v| v.strip_suffix(']'));
    match unbracketed {
        Some(v6) => v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
        None => value.parse().ok(),
    }
}

/// A whole number of seconds, or a whole number followed by `s`, `m`, `h` or `d`.
fn parse_duration(value: &str) -> Option<Duration> {
    let value = value.trim();
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (digits, unit) = value.split_at(split);
    if digits.is_empty() {
        return None;
    }
    let number: u64 = digits.parse().ok()?;
    let scale = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 60 * 60,
        "d" => 24 * 60 * 60,
        _ => return None,
    };
    number.checked_mul(scale).map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn parse(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_vars(&vars(pairs))
    }

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let path = std::env::temp_dir()
                .join(format!("livekit-app-server-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn defaults_match_livekit_server_dev() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.addr, "[::]:6080".parse().unwrap());
        assert_eq!(config.api_key, "devkey");
        assert_eq!(config.api_secret.expose_secret(), "secret");
        assert!(config.api_secret.is_short());
        assert!(config.uses_dev_credentials());
        assert_eq!(config.token_ttl, Duration::from_secs(21_600));
        assert_eq!(config.shutdown_grace, Duration::from_secs(10));
        assert_eq!(config.log_format, LogFormat::Human);
        assert_eq!(config.log_filter, "info");
        let default = Config::default();
        assert_eq!(default.addr, config.addr);
        assert_eq!(default.api_key, config.api_key);
        assert_eq!(default.token_ttl, config.token_ttl);
    }

    #[test]
    fn every_variable_is_read() {
        let secret = "a-secret-that-is-long-enough-for-prod";
        let config = parse(&[
            ("SERVER_HOST", "127.0.0.1"),
            ("SERVER_PORT", "7000"),
            ("LIVEKIT_API_KEY", "APIkey"),
            ("LIVEKIT_API_SECRET", secret),
            ("TOKEN_TTL", "90m"),
            ("SHUTDOWN_GRACE", "0"),
            ("LOG_FORMAT", "JSON"),
            ("RUST_LOG", "livekit_app_server=debug,warn"),
        ])
        .unwrap();
        assert_eq!(config.addr, "127.0.0.1:7000".parse().unwrap());
        assert_eq!(config.api_key, "APIkey");
        assert_eq!(config.api_secret.expose_secret(), secret);
        assert!(!config.api_secret.is_short());
        assert!(!config.uses_dev_credentials());
        assert_eq!(config.token_ttl, Duration::from_secs(90 * 60));
        assert_eq!(config.shutdown_grace, Duration::ZERO);
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.log_filter, "livekit_app_server=debug,warn");
    }

    #[test]
    fn empty_values_count_as_unset() {
        let config = parse(&[
            ("SERVER_PORT", ""),
            ("LIVEKIT_API_KEY", ""),
            ("LIVEKIT_API_SECRET", ""),
            ("TOKEN_TTL", ""),
            ("LOG_FORMAT", ""),
        ])
        .unwrap();
        assert_eq!(config.addr.port(), 6080);
        assert!(config.uses_dev_credentials());
    }

    #[test]
    fn hosts() {
        for (value, expected) in [
            ("0.0.0.0", "0.0.0.0"),
            ("127.0.0.1", "127.0.0.1"),
            ("localhost", "127.0.0.1"),
            ("::", "::"),
            ("[::1]", "::1"),
            ("::1", "::1"),
        ] {
            let config = parse(&[("SERVER_HOST", value)]).unwrap();
            assert_eq!(
                config.addr.ip(),
                expected.parse::<IpAddr>().unwrap(),
                "{value}"
            );
        }
        for value in ["example.com", "1.2.3", "[::1", "0.0.0.0:80"] {
            let err = parse(&[("SERVER_HOST", value)]).unwrap_err();
            assert_eq!(err.var(), Some("SERVER_HOST"), "{value}");
            assert!(err.to_string().contains("SERVER_HOST"), "{err}");
        }
    }

    #[test]
    fn bad_port_names_the_variable() {
        for value in ["abc", "-1", "65536", "80.5", "0x50"] {
            let err = parse(&[("SERVER_PORT", value)]).unwrap_err();
            assert_eq!(err.var(), Some("SERVER_PORT"));
            let text = err.to_string();
            assert!(
                text.contains("SERVER_PORT") && text.contains(value),
                "{text}"
            );
        }
        assert_eq!(parse(&[("SERVER_PORT", "0")]).unwrap().addr.port(), 0);
        assert_eq!(
            parse(&[("SERVER_PORT", " 8080 ")]).unwrap().addr.port(),
            8080
        );
    }

    #[test]
    fn durations() {
        for (value, secs) in [
            ("1", 1),
            ("3600", 3600),
            ("30s", 30),
            ("90m", 5400),
            ("6h", 21_600),
            ("2d", 172_800),
            (" 7 h ", 25_200),
        ] {
            assert_eq!(
                parse_duration(value),
                Some(Duration::from_secs(secs)),
                "{value}"
            );
            assert_eq!(
                parse(&[("TOKEN_TTL", value)]).unwrap().token_ttl,
                Duration::from_secs(secs)
            );
        }
        for value in [
            "0",
            "0h",
            "-5",
            "1.5h",
            "h",
            "6 hours",
            "1w",
            "99999999999999999999",
        ] {
            let err = parse(&[("TOKEN_TTL", value)]).unwrap_err();
            assert_eq!(err.var(), Some("TOKEN_TTL"), "{value}");
        }
        assert_eq!(parse_duration(&format!("{}d", u64::MAX)), None, "overflow");
        let err = parse(&[("SHUTDOWN_GRACE", "soon")]).unwrap_err();
        assert_eq!(err.var(), Some("SHUTDOWN_GRACE"));
    }

    #[test]
    fn log_settings() {
        assert_eq!(
            parse(&[("LOG_FORMAT", "text")]).unwrap().log_format,
            LogFormat::Human
        );
        assert_eq!(
            parse(&[("LOG_FORMAT", "pretty")]).unwrap().log_format,
            LogFormat::Human
        );
        let err = parse(&[("LOG_FORMAT", "xml")]).unwrap_err();
        assert_eq!(err.var(), Some("LOG_FORMAT"));
        let err = parse(&[("RUST_LOG", "foo=notalevel")]).unwrap_err();
        assert_eq!(err.var(), Some("RUST_LOG"));
    }

    #[test]
    fn credentials_come_in_pairs_and_the_secret_is_never_shown() {
        let err = parse(&[("LIVEKIT_API_KEY", "APIkey")]).unwrap_err();
        assert_eq!(
            err,
            ConfigError::HalfCredentials {
                set: "LIVEKIT_API_KEY",
                missing: "LIVEKIT_API_SECRET"
            }
        );
        assert!(err.to_string().contains("LIVEKIT_API_SECRET"));
        let secret = "s3cr3t-value-never-printed";
        let err = parse(&[("LIVEKIT_API_SECRET", secret)]).unwrap_err();
        assert_eq!(err.var(), Some("LIVEKIT_API_KEY"));
        assert!(!err.to_string().contains(secret));
        let config = parse(&[("LIVEKIT_API_KEY", "k"), ("LIVEKIT_API_SECRET", secret)]).unwrap();
        assert!(
            !format!("{config:?}").contains(secret),
            "Debug redacts the secret"
        );
    }

    #[test]
    fn token_endpoint_settings() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.livekit_url.as_str(), "ws://localhost:7880");
        assert_eq!(config.token_policy, TokenPolicy::default());
        assert!(!config.token_policy.honours(Member::RoomConfig));
        assert!(config.token_endpoint_secret.is_none());
        let config = parse(&[
            ("LIVEKIT_URL", "wss://project.livekit.cloud"),
            ("TOKEN_CLIENT_MEMBERS", " room_name, room_config ,room_name"),
            ("TOKEN_ROOM_PREFIX", "demo-"),
            ("TOKEN_ENDPOINT_SECRET", "bearer-value-never-shown"),
        ])
        .unwrap();
        assert_eq!(config.livekit_url.as_str(), "wss://project.livekit.cloud");
        assert_eq!(
            config.token_policy.honoured,
            [Member::RoomName, Member::RoomConfig]
        );
        assert_eq!(config.token_policy.room_prefix, "demo-");
        assert!(config.token_endpoint_secret.is_some());
        assert!(!format!("{config:?}").contains("bearer-value-never-shown"));
        let none = parse(&[("TOKEN_CLIENT_MEMBERS", "NONE")]).unwrap();
        assert!(none.token_policy.honoured.is_empty());

        for (var, value, shown) in [
            ("LIVEKIT_URL", "http://localhost:7880", true),
            ("LIVEKIT_URL", "localhost:7880", true),
            ("TOKEN_CLIENT_MEMBERS", "roomName", true),
            ("TOKEN_CLIENT_MEMBERS", " , ", true),
            // An `exp` within an `i64` of seconds but past what Go's clock can read.
            ("TOKEN_TTL", "9223372030000000000", true),
            ("LIVEKIT_URL", "ws://livekit.example.com:abc", true),
            ("CORS_ALLOWED_ORIGINS", "http://*.example.com", true),
            ("TOKEN_ENDPOINT_SECRET", "has a space", false),
        ] {
            let err = parse(&[(var, value)]).unwrap_err();
            assert_eq!(err.var(), Some(var), "{value}");
            assert_eq!(err.to_string().contains(value), shown, "{err}");
        }
    }

    #[test]
    fn cors_origins() {
        assert_eq!(
            parse(&[]).unwrap().cors_allowed_origins,
            AllowedOrigins::Any
        );
        let config = parse(&[(
            "CORS_ALLOWED_ORIGINS",
            "http://localhost:5173, https://app.example.com",
        )])
        .unwrap();
        assert_eq!(
            config.cors_allowed_origins,
            AllowedOrigins::List(vec![
                "http://localhost:5173".to_owned(),
                "https://app.example.com".to_owned()
            ])
        );
        let err = parse(&[("CORS_ALLOWED_ORIGINS", "localhost:5173")]).unwrap_err();
        assert_eq!(err.var(), Some("CORS_ALLOWED_ORIGINS"));
        assert!(err.to_string().contains("localhost:5173"), "{err}");
    }

    #[test]
    fn lookup_errors_propagate() {
        let err = Config::from_lookup(|var| {
            if var == "SERVER_PORT" {
                Err(ConfigError::NotUnicode { var })
            } else {
                Ok(None)
            }
        })
        .unwrap_err();
        assert_eq!(err, ConfigError::NotUnicode { var: "SERVER_PORT" });
        assert_eq!(err.to_string(), "invalid SERVER_PORT: not valid Unicode");
    }

    #[test]
    fn dotenv_file_is_read_and_a_missing_one_is_fine() {
        let dir = TempDir::new("dotenv-ok");
        assert!(read_dotenv(&dir.0.join(".env")).unwrap().is_empty());
        std::fs::write(
            dir.0.join(".env"),
            "# tutorial settings\nSERVER_PORT=6090\nLIVEKIT_API_KEY=\"APIfromfile\"\n\
             export LIVEKIT_API_SECRET='from-file-secret'\nTOKEN_TTL=1h\n",
        )
        .unwrap();
        let vars = read_dotenv(&dir.0.join(".env")).unwrap();
        assert_eq!(vars["SERVER_PORT"], "6090");
        assert_eq!(vars["LIVEKIT_API_KEY"], "APIfromfile");
        assert_eq!(vars["LIVEKIT_API_SECRET"], "from-file-secret");
        let config = Config::from_vars(&vars).unwrap();
        assert_eq!(config.addr.port(), 6090);
        assert_eq!(config.token_ttl, Duration::from_secs(3600));
    }

    #[test]
    fn malformed_dotenv_is_an_error_that_hides_values() {
        let dir = TempDir::new("dotenv-bad");
        let path = dir.0.join(".env");
        std::fs::write(
            &path,
            "# settings\nSERVER_PORT=6080\n\nLIVEKIT_API_SECRET='unterminated-secret-value\n",
        )
        .unwrap();
        let err = read_dotenv(&path).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, ConfigError::DotEnv { .. }), "{err:?}");
        assert!(text.contains(".env"), "{text}");
        assert!(!text.contains("unterminated-secret-value"), "{text}");
        assert!(!format!("{err:?}").contains("unterminated-secret-value"));
        assert!(
            text.contains("line 4, ") && text.contains("LIVEKIT_API_SECRET"),
            "names the line and its variable: {text}"
        );
        assert_eq!(err.var(), None);
        let via_load = Config::load_with(&dir.0, |_| None).unwrap_err();
        assert_eq!(via_load, err);
        assert_eq!(line_variable("export A_B=1"), Some("A_B"));
        assert_eq!(line_variable("no equals sign"), None);
        assert_eq!(line_variable("a b=c"), None);
    }

    #[test]
    fn load_overlays_the_environment_on_the_file() {
        let dir = TempDir::new("dotenv-load");
        std::fs::write(
            dir.0.join(".env"),
            "TOKEN_TTL=123\nLOG_FORMAT=json\nSERVER_PORT=1\n",
        )
        .unwrap();
        let env = |var: &str| match var {
            "LOG_FORMAT" => Some(OsString::from("text")),
            "SERVER_PORT" => Some(OsString::from("")),
            _ => None,
        };
        let config = Config::load_with(&dir.0, env).unwrap();
        assert_eq!(config.token_ttl, Duration::from_secs(123), "from the file");
        assert_eq!(config.log_format, LogFormat::Human, "the environment wins");
        assert_eq!(
            config.addr.port(),
            6080,
            "an empty environment value still wins, as unset"
        );
        let empty = TempDir::new("dotenv-none");
        let config = Config::load_with(&empty.0, |_| None).unwrap();
        assert!(config.uses_dev_credentials());
    }

    #[cfg(unix)]
    #[test]
    fn non_unicode_environment_value_names_the_variable() {
        use std::os::unix::ffi::OsStringExt;
        let dir = TempDir::new("dotenv-nonutf8");
        let env = |var: &str| (var == "LIVEKIT_API_KEY").then(|| OsString::from_vec(vec![0xff]));
        let err = Config::load_with(&dir.0, env).unwrap_err();
        assert_eq!(
            err,
            ConfigError::NotUnicode {
                var: "LIVEKIT_API_KEY"
            }
        );
    }
}
