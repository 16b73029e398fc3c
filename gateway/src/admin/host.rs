//! The refusal of a request addressed to a host name the admin listener does not answer to (DNS
//! rebinding). A page of another site can have its own name resolve to 127.0.0.1 once it is
//! loaded; its scripts then read and post to the admin listener as their own origin, so no
//! `Origin` check refuses them, but the browser still sends that name as `Host`.
//!
//! On a loopback address the listener answers only an IP literal (IPv4, or IPv6 in brackets: a
//! bare IPv6 address is no `Host`, RFC 3986 §3.2.2), `localhost`, a name under `.localhost` (RFC
//! 6761 §6.3: browsers resolve them to loopback themselves, so no other site's DNS can rebind
//! them) and the names of `[listeners.admin] allowed_hosts`. On another address it answers any
//! name while that list is empty (deployments reached by their DNS name keep working) and only
//! those names (and the literals and loopback names above) once it holds one. Only `Host` (HTTP/2: the `:authority`) counts: a rebinding page may set
//! `X-Forwarded-Host` as it likes, but not `Host`. A request without either (HTTP/1.0) is no
//! browser's and goes on. The answer is 421 Misdirected Request (RFC 9110 §15.5.20: this server
//! does not answer for that name), not 403: nothing about the client is refused, only the name.

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::Bytes;
use http::{header, StatusCode};
use http_body_util::Full;

use crate::listener::server;

type Response = http::Response<Full<Bytes>>;

/// The config key that lists the names, as the refusal names it.
const KEY: &str = "listeners.admin.allowed_hosts";

/// 421 naming the host when `parts` is addressed to a name the listener does not answer to;
/// `None` when it may go on. `loopback` says whether the listener is bound to a loopback
/// address; `allowed` are the configured names, in lower case.
pub(super) fn refuse_misdirected(
    parts: &http::request::Parts,
    loopback: bool,
    allowed: &[String],
) -> Option<Response> {
    let authority = parts.uri.authority().map(|a| a.as_str().to_owned());
    let mut sent = (parts.headers.get_all(header::HOST).iter())
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .chain(authority);
    let refused = sent.find(|host| !answers_to(name_of(host), loopback, allowed))?;
    let listed = match allowed {
        [] => "none listed".to_owned(),
        names => names.join(", "),
    };
    let message = format!(
        "host: expected an IP address, localhost, a name under .localhost or a name in {KEY} \
         ({listed}), found {refused:?} (a page of another site can reach this listener by a name \
         of its own that resolves here: DNS rebinding)"
    );
    Some(server::json_error(
        StatusCode::MISDIRECTED_REQUEST,
        &message,
    ))
}

/// Whether the listener answers to `name` (lower case, no port).
fn answers_to(name: String, loopback: bool, allowed: &[String]) -> bool {
    is_literal(&name)
        || is_localhost(&name)
        || allowed.contains(&name)
        || (!loopback && allowed.is_empty())
}

/// An IP literal as `Host` carries one (RFC 3986 §3.2.2): IPv4 dotted, IPv6 in brackets
/// (`[::1]`, `[::ffff:127.0.0.1]`). A bare IPv6 address is not: its colons would read as a port.
fn is_literal(name: &str) -> bool {
    match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(inside) => inside.parse::<Ipv6Addr>().is_ok(),
        None => name.parse::<Ipv4Addr>().is_ok(),
    }
}

/// `localhost` or a name under it (`review.localhost`): browsers resolve them to loopback
/// without asking DNS (RFC 6761 §6.3), so a page of another site cannot have them rebound.
fn is_localhost(name: &str) -> bool {
    name == "localhost"
        || name
            .strip_suffix(".localhost")
            .is_some_and(|under| !under.is_empty())
}

/// The name of a `Host` value: lower case, without its port or a final dot (`Gw.Example.:9190`
/// is `gw.example`); an IPv6 literal keeps its brackets.
fn name_of(host: &str) -> String {
    let host = host.trim();
    let name = match host.rfind(':') {
        // `[::1]:9190`, `[::1]`, `gw:9190`; a bare IPv6 address has no brackets and no port.
        Some(colon) if host.starts_with('[') => match host.rfind(']') {
            Some(close) if close < colon => &host[..colon],
            _ => host,
        },
        Some(colon) if host[..colon].contains(':') => host,
        Some(colon) => &host[..colon],
        None => host,
    };
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_read_without_its_port_case_or_final_dot() {
        for (host, name) in [
            ("127.0.0.1:9190", "127.0.0.1"),
            ("[::1]:9190", "[::1]"),
            ("[::1]", "[::1]"),
            ("::1", "::1"),
            ("LocalHost", "localhost"),
            ("Gw.Example.:9190", "gw.example"),
        ] {
            assert_eq!(name_of(host), name, "{host}");
        }
    }

    #[test]
    fn loopback_answers_literals_localhost_and_listed_names_only() {
        let listed = ["gw.bank.internal".to_owned()];
        for name in ["127.0.0.1", "[::1]", "10.0.0.5", "localhost"] {
            assert!(answers_to(name.into(), true, &[]), "{name}");
        }
        assert!(!answers_to("evil.example".into(), true, &[]));
        assert!(!answers_to("localhost.evil.example".into(), true, &listed));
        assert!(answers_to("gw.bank.internal".into(), true, &listed));
        // Elsewhere, any name while none is listed; once one is, only those.
        assert!(answers_to("gw.bank.internal".into(), false, &[]));
        assert!(!answers_to("evil.example".into(), false, &listed));
        assert!(answers_to("10.0.0.5".into(), false, &listed));
    }

    /// The check on what a browser sends: `Host` read as [`name_of`] reads it, then answered.
    fn answers_on_loopback(host: &str) -> bool {
        answers_to(name_of(host), true, &[])
    }

    #[test]
    fn names_under_localhost_go_on_in_any_case_with_a_final_dot() {
        // RFC 6761 §6.3: a browser resolves them to loopback itself; no DNS can rebind them.
        for host in [
            "foo.localhost",
            "FOO.LOCALHOST.",
            "review.gw.localhost:9190",
            "Foo.LocalHost.:9190",
        ] {
            assert!(answers_on_loopback(host), "{host}");
        }
        // A name that only contains or ends like it is another site's.
        for host in [
            "localhost.evil.example",
            "evillocalhost",
            "foo.localhost.evil.example",
            ".localhost",
        ] {
            assert!(!answers_on_loopback(host), "{host}");
        }
    }

    #[test]
    fn ip_literals_go_on_with_or_without_a_port_and_ipv6_only_in_brackets() {
        for host in [
            "127.0.0.1",
            "127.0.0.1:9190",
            "[::1]",
            "[::1]:9190",
            "[::ffff:127.0.0.1]",
            "[::ffff:127.0.0.1]:9190",
        ] {
            assert!(answers_on_loopback(host), "{host}");
        }
        // RFC 3986 §3.2.2 (RFC 7230 §5.4): an IPv6 literal in `Host` is bracketed; bare, its
        // colons read as a port. Nor is IPv4 bracketed, or a shortened IPv4 form.
        for host in [
            "::1",
            "::ffff:127.0.0.1",
            "::1:9190",
            "[127.0.0.1]",
            "127.1",
        ] {
            assert!(!answers_on_loopback(host), "{host}");
        }
        // Once names are listed, a bare IPv6 address is refused off loopback too.
        let listed = ["gw.bank.internal".to_owned()];
        assert!(!answers_to(name_of("::1"), false, &listed));
        assert!(answers_to(name_of("[::1]:9190"), false, &listed));
    }
}
