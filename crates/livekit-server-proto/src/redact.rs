//! What the generated `Debug` of a message holding a credential prints in its place
//! (`generated/redacted_debug.rs`; the fields are listed in the workspace's
//! `xtask/src/redact.rs`): `<redacted>` for a set secret, its empty value for an unset one, a
//! URL's scheme and host only, and enum fields by name as prost's derived `Debug` does.

use core::fmt;
use core::marker::PhantomData;
use std::collections::BTreeMap;

/// What a set secret prints as.
const REDACTED: &str = "<redacted>";

/// A secret: `<redacted>` when set, its empty value (`""`, `[]`, `None`, `{}`) when not, so
/// that whether it is set stays visible. A map shows its keys, not its values.
pub(crate) struct Secret<'a, T: ?Sized>(pub(crate) &'a T);

/// A URL that carries a credential in its user info, path or query (a stream key, a
/// signature, a token): its scheme and host, then `/<redacted>` if anything else was there.
/// Anything that does not look like `scheme://host[:port]...` prints as `<redacted>`.
pub(crate) struct SecretUrl<'a, T: ?Sized>(pub(crate) &'a T);

/// An enum field (an `i32` in the struct, or an `Option` or `Vec` of them) by its variant
/// name, as prost's derived `Debug` prints it; a number with no variant prints as the number.
pub(crate) struct Enum<'a, E, T: ?Sized>(&'a T, PhantomData<E>);

/// Prints an enum field of type `E` by name.
pub(crate) fn enumeration<E, T: ?Sized>(value: &T) -> Enum<'_, E, T> {
    Enum(value, PhantomData)
}

impl fmt::Debug for Secret<'_, String> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            fmt::Debug::fmt(self.0, f)
        } else {
            f.write_str(REDACTED)
        }
    }
}

impl fmt::Debug for Secret<'_, Vec<u8>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            fmt::Debug::fmt(self.0, f)
        } else {
            f.write_str(REDACTED)
        }
    }
}

impl fmt::Debug for Secret<'_, BTreeMap<String, String>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| (k, Secret(v))))
            .finish()
    }
}

impl<'a, T> fmt::Debug for Secret<'a, Option<T>>
where
    Secret<'a, T>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("None"),
            Some(value) => f.debug_tuple("Some").field(&Secret(value)).finish(),
        }
    }
}

impl fmt::Debug for SecretUrl<'_, String> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return fmt::Debug::fmt(self.0, f);
        }
        match scheme_and_host(self.0) {
            Some((shown, false)) => fmt::Debug::fmt(&shown, f),
            Some((shown, true)) => fmt::Debug::fmt(&format!("{shown}/{REDACTED}"), f),
            None => f.write_str(REDACTED),
        }
    }
}

impl fmt::Debug for SecretUrl<'_, Vec<String>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(SecretUrl))
            .finish()
    }
}

impl<'a, T> fmt::Debug for SecretUrl<'a, Option<T>>
where
    SecretUrl<'a, T>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("None"),
            Some(value) => f.debug_tuple("Some").field(&SecretUrl(value)).finish(),
        }
    }
}

/// `scheme://host[:port]` of a URL (user info dropped), and whether anything was left out.
/// `None` unless the scheme is a scheme and the host a host name or address, so that in a
/// malformed URL a password is never taken for a host.
fn scheme_and_host(url: &str) -> Option<(String, bool)> {
    let (scheme, rest) = url.split_once("://")?;
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host_port, user_info) = match authority.rsplit_once('@') {
        Some((_, host_port)) => (host_port, true),
        None => (authority, false),
    };
    (scheme_ok && is_host_port(host_port)).then(|| {
        (
            format!("{scheme}://{host_port}"),
            user_info || !tail.is_empty(),
        )
    })
}

/// A host name, an IPv4 address or a bracketed IPv6 address, with an optional port.
fn is_host_port(text: &str) -> bool {
    let (host, port) = match text.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((host, "")) => (host, None),
            Some((host, after)) => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return false,
            },
            None => return false,
        },
        None => match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        },
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

impl<E: TryFrom<i32> + fmt::Debug> fmt::Debug for Enum<'_, E, i32> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match E::try_from(*self.0) {
            Ok(value) => fmt::Debug::fmt(&value, f),
            Err(_) => fmt::Debug::fmt(self.0, f),
        }
    }
}

impl<E: TryFrom<i32> + fmt::Debug> fmt::Debug for Enum<'_, E, Option<i32>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.as_ref().map(enumeration::<E, i32>), f)
    }
}

impl<E: TryFrom<i32> + fmt::Debug> fmt::Debug for Enum<'_, E, Vec<i32>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(enumeration::<E, i32>))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> String {
        format!("{:?}", SecretUrl(&text.to_owned()))
    }

    #[test]
    fn a_url_shows_its_scheme_and_host_only() {
        assert_eq!(
            url("rtmp://a.rtmp.youtube.com/live2/KEY-123"),
            r#""rtmp://a.rtmp.youtube.com/<redacted>""#
        );
        assert_eq!(
            url("srt://host.example:9999?streamid=x&passphrase=KEY"),
            r#""srt://host.example:9999/<redacted>""#
        );
        assert_eq!(
            url("https://user:KEY@[::1]:8443"),
            r#""https://[::1]:8443/<redacted>""#
        );
        assert_eq!(url("wss://host.example"), r#""wss://host.example""#);
        assert_eq!(url(""), r#""""#);
        // Malformed: a password could be mistaken for a host or a port.
        for text in [
            "rtmp://user:KEY/x@host/app",
            "KEY",
            "://KEY",
            "1tp://host/KEY",
            "rtmp://[::1/KEY",
            "rtmp://host:KEY",
        ] {
            assert_eq!(url(text), "<redacted>", "{text}");
        }
    }

    #[test]
    fn a_secret_shows_whether_it_is_set() {
        assert_eq!(format!("{:?}", Secret(&"KEY".to_owned())), "<redacted>");
        assert_eq!(format!("{:?}", Secret(&String::new())), r#""""#);
        assert_eq!(format!("{:?}", Secret(&b"KEY".to_vec())), "<redacted>");
        assert_eq!(format!("{:?}", Secret(&Vec::<u8>::new())), "[]");
        assert_eq!(
            format!("{:?}", Secret(&Some("KEY".to_owned()))),
            "Some(<redacted>)"
        );
        assert_eq!(format!("{:?}", Secret(&Some(String::new()))), r#"Some("")"#);
        assert_eq!(format!("{:?}", Secret(&None::<String>)), "None");
        let map = BTreeMap::from([("policy".to_owned(), "KEY".to_owned())]);
        assert_eq!(format!("{:?}", Secret(&map)), r#"{"policy": <redacted>}"#);
    }
}
