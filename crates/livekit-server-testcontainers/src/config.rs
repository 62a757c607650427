//! The server's YAML configuration, written from the options of a [`LiveKitServer`].
//!
//! Keys are those of the pinned release's `pkg/config/config.go`; the server rejects unknown
//! keys, so a typo fails the start instead of being ignored.
//!
//! [`LiveKitServer`]: crate::LiveKitServer

use std::fmt::Write as _;

/// A YAML double-quoted scalar (the JSON escapes, which YAML accepts). Not `serde_json`'s
/// string writer: it leaves DEL and the C1 controls raw, and a YAML reader (the server's
/// `yaml.v3`) refuses those characters anywhere in the text, quoted or not.
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What the configuration is written from.
#[derive(Debug)]
pub(crate) struct Settings<'a> {
    pub(crate) http_port: u16,
    pub(crate) rtc_tcp_port: u16,
    pub(crate) rtc_udp_port: u16,
    pub(crate) host_network: bool,
    pub(crate) keys: &'a [(String, String)],
    pub(crate) webhook_urls: &'a [String],
    pub(crate) redis: Option<&'a str>,
    /// The Redis database number (0: the default, not written).
    pub(crate) redis_db: u8,
    pub(crate) extra: &'a str,
}

pub(crate) fn render(settings: &Settings<'_>) -> String {
    let mut yaml = String::new();
    let _ = writeln!(yaml, "port: {}", settings.http_port);
    let bind = if settings.host_network {
        "127.0.0.1"
    } else {
        "0.0.0.0"
    };
    let _ = writeln!(yaml, "bind_addresses:\n  - {bind}");
    let _ = writeln!(
        yaml,
        "rtc:\n  tcp_port: {}\n  udp_port: {}\n  use_external_ip: false",
        settings.rtc_tcp_port, settings.rtc_udp_port
    );
    if settings.host_network {
        // Every candidate on loopback: clients on this host reach the media ports directly.
        yaml.push_str(
            "  node_ip: 127.0.0.1\n  enable_loopback_candidate: true\n  ips:\n    includes:\n      - 127.0.0.1/32\n",
        );
    }
    yaml.push_str("keys:\n");
    for (key, secret) in settings.keys {
        let _ = writeln!(yaml, "  {}: {}", quote(key), quote(secret));
    }
    if !settings.webhook_urls.is_empty()
        && let Some((key, _)) = settings.keys.first()
    {
        let _ = writeln!(yaml, "webhook:\n  api_key: {}\n  urls:", quote(key));
        for url in settings.webhook_urls {
            let _ = writeln!(yaml, "    - {}", quote(url));
        }
    }
    if let Some(address) = settings.redis {
        let _ = writeln!(yaml, "redis:\n  address: {}", quote(address));
        if settings.redis_db != 0 {
            let _ = writeln!(yaml, "  db: {}", settings.redis_db);
        }
    }
    if !settings.extra.trim().is_empty() {
        yaml.push_str(settings.extra.trim_end());
        yaml.push('\n');
    }
    if !settings
        .extra
        .lines()
        .any(|line| line.starts_with("logging:"))
    {
        yaml.push_str("logging:\n  level: info\n");
    }
    yaml
}

/// A logging level in the extra YAML (`logging:` `level:`, or the older `log_level:`) that
/// hides the server's `info` lines: `warn` and above (zap's names, in any case).
pub(crate) fn quiet_level(extra: &str) -> Option<String> {
    let mut in_logging = false;
    for line in extra.lines() {
        let indented = line.starts_with([' ', '\t']);
        if !indented && !line.trim().is_empty() && !line.starts_with('#') {
            in_logging = line.starts_with("logging:");
        }
        let key_value = match line.strip_prefix("logging:") {
            // Flow style: `logging: { pion_level: debug, level: warn }`.
            Some(inline) => inline
                .split([',', '{', '}'])
                .find_map(|pair| pair.trim_start().strip_prefix("level:")),
            None if in_logging && indented => line.trim_start().strip_prefix("level:"),
            None => line.strip_prefix("log_level:"),
        };
        let Some(value) = key_value else { continue };
        let value = value.split(" #").next().unwrap_or(value).trim();
        // An anchor (`level: &quiet warn`) names the value that follows it.
        let value = match value.strip_prefix('&') {
            Some(anchored) => anchored.split_once(' ').map_or("", |(_, value)| value),
            None => value,
        };
        let value = value.trim_matches(|c: char| c.is_whitespace() || "\"'{},".contains(c));
        let lower = value.to_ascii_lowercase();
        if ["warn", "warning", "error", "dpanic", "panic", "fatal"].contains(&lower.as_str()) {
            return Some(value.to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_what_yaml_would_misread() {
        assert_eq!(quote("plain"), "\"plain\"");
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(quote("\u{1}"), "\"\\u0001\"");
    }

    #[test]
    fn the_configuration_has_every_option() {
        let keys = vec![("APIkey".to_owned(), "s3cret: #x".to_owned())];
        let urls = vec!["http://127.0.0.1:9/hook".to_owned()];
        let yaml = render(&Settings {
            http_port: 1,
            rtc_tcp_port: 2,
            rtc_udp_port: 3,
            host_network: true,
            keys: &keys,
            webhook_urls: &urls,
            redis: Some("127.0.0.1:4"),
            redis_db: 3,
            extra: "room:\n  empty_timeout: 10\n",
        });
        for needle in [
            "port: 1\n",
            "  - 127.0.0.1\n",
            "tcp_port: 2\n",
            "udp_port: 3\n",
            "node_ip: 127.0.0.1\n",
            "\"APIkey\": \"s3cret: #x\"\n",
            "api_key: \"APIkey\"\n",
            "    - \"http://127.0.0.1:9/hook\"\n",
            "address: \"127.0.0.1:4\"\n  db: 3\n",
            "room:\n  empty_timeout: 10\n",
            "logging:\n  level: info\n",
        ] {
            assert!(yaml.contains(needle), "{needle:?} missing from\n{yaml}");
        }
    }

    #[test]
    fn a_bridged_server_binds_every_interface_and_has_no_webhook_without_urls() {
        let keys = vec![("k".to_owned(), "s".to_owned())];
        let yaml = render(&Settings {
            http_port: 7880,
            rtc_tcp_port: 7881,
            rtc_udp_port: 7882,
            host_network: false,
            keys: &keys,
            webhook_urls: &[],
            redis: None,
            redis_db: 0,
            extra: "logging:\n  level: debug\n",
        });
        assert!(yaml.contains("  - 0.0.0.0\n"), "{yaml}");
        assert!(!yaml.contains("webhook:"), "{yaml}");
        assert!(!yaml.contains("redis:"), "{yaml}");
        assert!(!yaml.contains("node_ip"), "{yaml}");
        assert_eq!(yaml.matches("logging:").count(), 1, "{yaml}");
    }

    #[test]
    fn a_logging_level_that_hides_the_ready_line_is_found() {
        for yaml in [
            "logging:\n  level: warn\n",
            "room:\n  auto_create: true\nlogging:\n  pion_level: debug\n  level: \"ERROR\" # x\n",
            "logging: { level: error }\n",
            "logging: { pion_level: debug, level: warn }\n",
            "logging:\n  level: &quiet warn\n",
            "log_level: fatal\n",
        ] {
            assert!(quiet_level(yaml).is_some(), "{yaml}");
        }
        for yaml in [
            "",
            "logging:\n  level: debug\n",
            "logging:\n  level: info\n  pion_level: warn\n",
            "logging: { pion_level: warn, level: info }\n",
            "logging:\n  component_levels:\n    rtc: warn\n",
            // `level` under another key.
            "logging:\n  level: info\nother:\n  level: warn\n",
        ] {
            assert_eq!(quiet_level(yaml), None, "{yaml}");
        }
    }
}
