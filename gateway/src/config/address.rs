//! Engine addresses: `host:port` checked by shape when the config is read; whether the host
//! resolves is checked by `check-config` (a warning: DNS may differ where the gateway runs).

use super::problem::{Found, Problems};

/// Checks `text` as `host:port` (a name, an IPv4 address or a bracketed IPv6 address, and a
/// port from 1 to 65535); reports a problem at `key` and gives `None` otherwise.
pub(super) fn host_port(key: &str, text: &str, problems: &mut Problems) -> Option<String> {
    if split(text).is_some() {
        Some(text.to_owned())
    } else {
        wrong_address(key, "host:port", 1, text, problems);
        None
    }
}

/// Reports `text` at `key` as not the address it must be (`form`, `host:port` or `ip:port`): as a
/// port out of range when it ends in a whole number that is no port from `lowest` to 65535
/// (`expected a port from 1 to 65535, found 99999`), else as not of that form.
pub(super) fn wrong_address(
    key: &str,
    form: &str,
    lowest: u16,
    text: &str,
    problems: &mut Problems,
) {
    let port = text.rsplit_once(':').map(|(_, port)| port);
    let out_of_range = port.filter(|port| {
        !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().map_or(true, |p| p < lowest)
    });
    match out_of_range {
        Some(port) => problems.error(
            key,
            format!("a port from {lowest} to 65535"),
            Found::value(port),
        ),
        None => problems.error(key, form, Found::text(text)),
    }
}

/// The host and port of a well-formed `host:port`.
pub(super) fn split(text: &str) -> Option<(&str, u16)> {
    let (host, port) = text.rsplit_once(':')?;
    let port: u16 = port.parse().ok().filter(|p| *p != 0)?;
    let host = match host.strip_prefix('[') {
        Some(v6) => {
            let v6 = v6.strip_suffix(']')?;
            v6.parse::<std::net::Ipv6Addr>().ok()?;
            v6
        }
        // An unbracketed IPv6 address has more colons: `::1:9100` is ambiguous.
        None if host.contains(':') => return None,
        None => host,
    };
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_';
    (!host.is_empty() && (host.contains(':') || host.chars().all(name_char)))
        .then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_needs_a_host_and_a_port() {
        for good in [
            "legacy-host:7001",
            "127.0.0.1:7001",
            "[::1]:7001",
            "a.b_c:1",
        ] {
            assert!(split(good).is_some(), "{good}");
        }
        for bad in [
            "legacy-host",
            "legacy-host:",
            ":7001",
            "legacy-host:0",
            "legacy-host:70000",
            "::1:7001",
            "[::1:7001",
            "legacy host:7001",
            "http://legacy:7001",
        ] {
            assert!(split(bad).is_none(), "{bad}");
        }
        let mut problems = Problems::new();
        assert_eq!(
            host_port("engines.legacy.address", "legacy-host", &mut problems),
            None
        );
        assert_eq!(
            problems.into_vec()[0].to_string(),
            r#"engines.legacy.address: expected host:port, found "legacy-host""#
        );
    }

    #[test]
    fn a_port_out_of_range_is_said_to_be() {
        let said = |form: &str, lowest: u16, text: &str| {
            let mut problems = Problems::new();
            wrong_address("k", form, lowest, text, &mut problems);
            problems.into_vec()[0].to_string()
        };
        assert_eq!(
            said("ip:port", 0, "127.0.0.1:99999"),
            "k: expected a port from 0 to 65535, found 99999"
        );
        assert_eq!(
            said("host:port", 1, "legacy-host:0"),
            "k: expected a port from 1 to 65535, found 0"
        );
        assert_eq!(
            said("host:port", 1, "legacy-host:70x"),
            r#"k: expected host:port, found "legacy-host:70x""#
        );
        assert_eq!(
            said("ip:port", 0, "127.0.0.1"),
            r#"k: expected ip:port, found "127.0.0.1""#
        );
    }
}
