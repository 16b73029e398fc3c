//! Refusals of what another site could make an operator's browser send (CSRF). A page elsewhere
//! can have the browser post a form or a "simple" `fetch` (a body of `text/plain`,
//! `application/x-www-form-urlencoded` or `multipart/form-data`) to the admin listener without
//! asking it first (no CORS preflight), and a proxy that adds the bearer token adds it to those
//! too. Two checks close that:
//!
//! - A request that changes something (any method but the safe ones, RFC 9110 §9.2.1) whose
//!   `Origin`, or without one its `Referer`, is present and names another host than the
//!   request's own (`Host`, or `X-Forwarded-Host` set by a proxy) is refused with 403. A browser
//!   names the origin of every cross-site post; curl and the CLI send neither header and pass,
//!   and the page's own triage form posts from the page's origin.
//! - A route that takes JSON refuses a body of another type with 415, so that no simple
//!   request reaches it even from a browser that sends no `Origin`; an empty body without a
//!   type (`curl -X POST …/reload`) is taken. The triage route also takes the page's form.

use bytes::Bytes;
use http::{header, HeaderMap, StatusCode, Uri};
use http_body_util::Full;

use crate::listener::server;

type Response = http::Response<Full<Bytes>>;

/// The type of a JSON body.
pub(super) const JSON: &str = "application/json";
/// The type of the page's form posts.
pub(super) const FORM: &str = "application/x-www-form-urlencoded";

/// 403 naming the origin when `parts` changes something and comes from another site's page;
/// `None` when it may go on.
pub(super) fn refuse_foreign(parts: &http::request::Parts) -> Option<Response> {
    if parts.method.is_safe() {
        return None;
    }
    let (name, value) = [header::ORIGIN, header::REFERER]
        .into_iter()
        .find_map(|name| Some((name.clone(), parts.headers.get(&name)?.clone())))?;
    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
    let own = own_hosts(&parts.headers, parts.uri.authority().map(|a| a.as_str()));
    let origin = value.parse::<Uri>().ok().and_then(|uri| {
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let host = normalized(&scheme, uri.authority()?.as_str());
        Some((scheme, host))
    });
    if let Some((scheme, host)) = &origin {
        if own.iter().any(|own| normalized(scheme, own) == *host) {
            return None;
        }
    }
    let expected = match own.first() {
        Some(host) => format!("host {host}"),
        None => "a Host header to compare it with".to_owned(),
    };
    let message = format!(
        "{name}: expected a request from the admin listener's own pages ({expected}), found one \
         from {value} (another site's page may not change anything here)"
    );
    Some(server::json_error(StatusCode::FORBIDDEN, &message))
}

/// 415 when `body` is not of a type in `takes` (the first being JSON): a `content-type` of
/// another type, or none with a body. `None` when it may go on.
pub(super) fn refuse_body_type(
    headers: &HeaderMap,
    body: &Bytes,
    takes: &[&str],
) -> Option<Response> {
    let found = match headers.get(header::CONTENT_TYPE) {
        None if body.is_empty() => return None,
        None => "a body without a content-type".to_owned(),
        Some(value) => {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let media = value.split(';').next().unwrap_or("").trim();
            if takes.iter().any(|t| media.eq_ignore_ascii_case(t)) {
                return None;
            }
            value
        }
    };
    let expected = match takes {
        [json, form] => format!("{json} (or {form}, the page's form)"),
        _ => takes.join(" or "),
    };
    Some(server::json_error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        &format!("content-type: expected {expected}, found {found}"),
    ))
}

/// The hosts the request was sent to: a proxy's `X-Forwarded-Host` (each it lists), `Host`,
/// and an HTTP/2 request's authority.
fn own_hosts(headers: &HeaderMap, authority: Option<&str>) -> Vec<String> {
    let text = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
    };
    let mut hosts = text("x-forwarded-host");
    hosts.extend(text(header::HOST.as_str()));
    hosts.extend(authority.map(str::to_owned));
    hosts
}

/// `host[:port]` in lower case without the scheme's default port, as a browser writes an
/// origin (`http://gw:80` is `http://gw`).
fn normalized(scheme: &str, authority: &str) -> String {
    let authority = authority.to_ascii_lowercase();
    let default = match scheme {
        "https" => ":443",
        _ => ":80",
    };
    match authority.strip_suffix(default) {
        Some(host) => host.to_owned(),
        None => authority,
    }
}
