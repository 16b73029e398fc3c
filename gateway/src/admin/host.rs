//! The refusal of a request addressed to a host name the admin listener does not answer to (DNS
//! rebinding). A page of another site can have its own name resolve to 127.0.0.1 once it is
//! loaded; its scripts then read and post to the admin listener as their own origin, so no
//! `Origin` check refuses them, but the browser still sends that name as `Host`.
//!
//! On a loopback address the listener answers only an IP literal, `localhost` and the names of
//! `[listeners.admin] allowed_hosts`. On another address it answers any name while that list is
//! empty (deployments reached by their DNS name keep working) and only those names once it holds
//! one. Only `Host` (HTTP/2: the `:authority`) counts: a rebinding page may set
//! `X-Forwarded-Host` as it likes, but not `Host`. A request without either (HTTP/1.0) is no
//! browser's and goes on. The answer is 421 Misdirected Request (RFC 9110 §15.5.20: this server
//! does not answer for that name), not 403: nothing about the client is refused, only the name.

use std::net::IpAddr;

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
        "host: expected an IP address, localhost or a name in {KEY} ({listed}), found \
         {refused:?} (a page of another site can reach this listener by a name of its own that \
         resolves here: DNS rebinding)"
    );
    Some(server::json_error(
        StatusCode::MISDIRECTED_REQUEST,
        &message,
    ))
}

/// Whether the listener answers to `name` (lower case, no port).
fn answers_to(name: String, loopback: bool, allowed: &[String]) -> bool {
    let unbracketed = (name.strip_prefix('['))
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(&name);
    unbracketed.parse::<IpAddr>().is_ok()
        || name == "localhost"
        || allowed.contains(&name)
        || (!loopback && allowed.is_empty())
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
        for name in ["127.0.0.1", "[::1]", "::1", "10.0.0.5", "localhost"] {
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
}
