//! The request head of the engine HTTP contract: `POST {base}{strategy.path}` with `Host`,
//! `content-type: application/json`, `x-request-id`, `x-shadowgate-role` and
//! `x-shadowgate-strategy`.
//!
//! What depends only on the strategy (the URI and the strategy header) is checked and built once
//! per strategy and kept in [`Heads`], with the strategy's header maps (one per role, the
//! correlation id left blank): a request then costs its correlation id's header value and a copy
//! of one map with that value set, with no URI parsing, no text formatting and one header insert
//! instead of five (inserting into a fresh map was 1.9k instructions a call).

use std::sync::{Arc, PoisonError, RwLock};

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, HOST};
use http::{Method, Request, Uri};
use http_body_util::Full;

use super::error::EngineErrorKind;
use super::{EngineRequest, Role};

/// The contract's request headers, named once rather than parsed from text per request.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const ROLE: HeaderName = HeaderName::from_static("x-shadowgate-role");
const STRATEGY: HeaderName = HeaderName::from_static("x-shadowgate-strategy");
const JSON: HeaderValue = HeaderValue::from_static("application/json");
/// The request id of a kept header map, replaced by each request's.
const BLANK: HeaderValue = HeaderValue::from_static("");

/// Strategies whose targets are kept. Strategies come from the config, so this bound is never
/// reached in practice; past it, a target is built for each request instead of kept.
const MAX_TARGETS: usize = 64;

/// Builds the request heads of one engine.
#[derive(Debug)]
pub(crate) struct Heads {
    /// `Host`, checked once when the engine is built (an authority is always a valid value).
    host: HeaderValue,
    /// The URL's path without its trailing `/`, so `{base}{strategy.path}` has one slash.
    base_path: String,
    /// Built targets, looked up by a scan: an engine serves a handful of strategies.
    targets: RwLock<Vec<Arc<Target>>>,
}

/// What a strategy's requests share: where they go and their headers.
#[derive(Debug)]
struct Target {
    strategy: Box<str>,
    path: Box<str>,
    uri: Uri,
    /// The contract's five headers per role ([`role_index`]), the request id blank: a request
    /// copies one and sets its id, which replaces a value in place (no entry is added, so the
    /// copy's storage never grows).
    headers: [HeaderMap; 3],
}

/// One request's head, checked before the call takes a slot; each attempt builds its request
/// from it (the values are shared buffers: cheap to clone).
#[derive(Debug)]
pub(crate) struct Head {
    target: Arc<Target>,
    request_id: HeaderValue,
    role: Role,
    body: Bytes,
}

impl Heads {
    /// The heads of an engine at `host` whose URL path is `base_path`.
    pub(crate) fn new(host: HeaderValue, base_path: &str) -> Heads {
        Heads {
            host,
            base_path: base_path.trim_end_matches('/').to_owned(),
            targets: RwLock::new(Vec::new()),
        }
    }

    /// The head of `request`, or why it cannot be sent (a path or header value that HTTP does
    /// not allow).
    pub(crate) fn head(&self, request: &EngineRequest<'_>) -> Result<Head, EngineErrorKind> {
        let target = match self.kept(request) {
            Some(kept) => kept,
            None => self.keep(self.target(request)?),
        };
        let request_id = HeaderValue::from_str(request.correlation_id).map_err(|_| {
            invalid(format!(
                "correlation id {:?} is not a valid header value",
                request.correlation_id
            ))
        })?;
        Ok(Head {
            target,
            request_id,
            role: request.role,
            body: request.body.clone(),
        })
    }

    /// The kept target of `request`'s strategy.
    fn kept(&self, request: &EngineRequest<'_>) -> Option<Arc<Target>> {
        let targets = self.targets.read().unwrap_or_else(PoisonError::into_inner);
        targets
            .iter()
            .find(|t| *t.strategy == *request.strategy && *t.path == *request.path)
            .cloned()
    }

    fn keep(&self, target: Target) -> Arc<Target> {
        let target = Arc::new(target);
        let mut targets = self.targets.write().unwrap_or_else(PoisonError::into_inner);
        let known = targets
            .iter()
            .any(|t| t.strategy == target.strategy && t.path == target.path);
        if !known && targets.len() < MAX_TARGETS {
            targets.push(target.clone());
        }
        target
    }

    fn target(&self, request: &EngineRequest<'_>) -> Result<Target, EngineErrorKind> {
        let slash = if request.path.starts_with('/') {
            ""
        } else {
            "/"
        };
        // Origin-form (`/path`) with a `Host` header: what HTTP/1.1 sends to an origin server.
        let uri = Uri::builder()
            .path_and_query(format!("{}{slash}{}", self.base_path, request.path))
            .build()
            .map_err(|e| invalid(format!("path {:?}: {e}", request.path)))?;
        let strategy_value = HeaderValue::from_str(request.strategy).map_err(|_| {
            invalid(format!(
                "strategy {:?} is not a valid header value",
                request.strategy
            ))
        })?;
        let headers = [Role::Live, Role::Shadow, Role::Replay].map(|role| {
            let mut headers = HeaderMap::with_capacity(5);
            headers.insert(HOST, self.host.clone());
            headers.insert(CONTENT_TYPE, JSON);
            headers.insert(REQUEST_ID, BLANK);
            headers.insert(ROLE, role_value(role));
            headers.insert(STRATEGY, strategy_value.clone());
            headers
        });
        Ok(Target {
            strategy: request.strategy.into(),
            path: request.path.into(),
            uri,
            headers,
        })
    }
}

impl Head {
    /// A request to send: every attempt of a call gets its own, all the same (a copy of the
    /// role's kept headers with the request id set: cheaper than five inserts into a new map).
    pub(crate) fn request(&self) -> Request<Full<Bytes>> {
        let mut headers = self.target.headers[role_index(self.role)].clone();
        headers.insert(REQUEST_ID, self.request_id.clone());
        let mut request = Request::new(Full::new(self.body.clone()));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.target.uri.clone();
        *request.headers_mut() = headers;
        request
    }
}

fn invalid(detail: String) -> EngineErrorKind {
    EngineErrorKind::InvalidRequest { detail }
}

/// Where a role's headers are in [`Target::headers`].
fn role_index(role: Role) -> usize {
    match role {
        Role::Live => 0,
        Role::Shadow => 1,
        Role::Replay => 2,
    }
}

/// `x-shadowgate-role`'s value, built at compile time.
fn role_value(role: Role) -> HeaderValue {
    const LIVE: HeaderValue = HeaderValue::from_static("live");
    const SHADOW: HeaderValue = HeaderValue::from_static("shadow");
    const REPLAY: HeaderValue = HeaderValue::from_static("replay");
    match role {
        Role::Live => LIVE,
        Role::Shadow => SHADOW,
        Role::Replay => REPLAY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(strategy: &'a str, path: &'a str, id: &'a str) -> EngineRequest<'a> {
        EngineRequest {
            strategy,
            path,
            correlation_id: id,
            role: Role::Shadow,
            body: Bytes::from_static(b"{}"),
        }
    }

    #[test]
    fn a_request_carries_the_contract_headers_and_one_slash() {
        let heads = Heads::new(HeaderValue::from_static("engine:8080"), "/base/");
        for path in ["/v1/loans", "v1/loans"] {
            let built = heads
                .head(&request("loans", path, "c-1"))
                .unwrap()
                .request();
            assert_eq!(built.method(), Method::POST);
            assert_eq!(built.uri(), "/base/v1/loans");
            let header = |name: &str| built.headers()[name].to_str().unwrap().to_owned();
            assert_eq!(header("host"), "engine:8080");
            assert_eq!(header("content-type"), "application/json");
            assert_eq!(header("x-request-id"), "c-1");
            assert_eq!(header("x-shadowgate-role"), "shadow");
            assert_eq!(header("x-shadowgate-strategy"), "loans");
            assert_eq!(built.headers().len(), 5);
        }
        // One target per (strategy, path), whichever way the path was written.
        assert_eq!(heads.targets.read().unwrap().len(), 2);
    }

    #[test]
    fn a_kept_target_serves_the_next_request_of_its_strategy_only() {
        let heads = Heads::new(HeaderValue::from_static("engine"), "");
        heads.head(&request("a", "/a", "c-1")).unwrap();
        let second = heads.head(&request("a", "/a", "c-2")).unwrap().request();
        assert_eq!(second.headers()["x-request-id"], "c-2");
        let other = heads.head(&request("b", "/b", "c-3")).unwrap().request();
        assert_eq!(other.uri(), "/b");
        assert_eq!(other.headers()["x-shadowgate-strategy"], "b");
        assert_eq!(heads.targets.read().unwrap().len(), 2);
    }

    #[test]
    fn each_role_gets_its_role_and_its_own_request_id_from_the_kept_headers() {
        let heads = Heads::new(HeaderValue::from_static("engine"), "");
        let mut first = request("s", "/p", "c-0");
        first.role = Role::Live;
        heads.head(&first).unwrap();
        for (role, text, id) in [
            (Role::Shadow, "shadow", "c-1"),
            (Role::Replay, "replay", "c-2"),
            (Role::Live, "live", "c-3"),
        ] {
            let mut kept = request("s", "/p", id);
            kept.role = role;
            let built = heads.head(&kept).unwrap().request();
            assert_eq!(built.headers()["x-shadowgate-role"], text);
            let ids: Vec<_> = built.headers().get_all("x-request-id").iter().collect();
            assert_eq!(ids, [id]);
            assert_eq!(built.headers().len(), 5);
        }
        assert_eq!(heads.targets.read().unwrap().len(), 1);
    }

    #[test]
    fn values_http_does_not_allow_are_named() {
        let heads = Heads::new(HeaderValue::from_static("engine"), "");
        let error = |r: EngineRequest<'_>| heads.head(&r).unwrap_err().to_string();
        assert!(
            error(request("s", "/p", "c\n1")).contains(r#"correlation id "c\n1""#),
            "{}",
            error(request("s", "/p", "c\n1"))
        );
        assert!(error(request("s\u{7f}", "/p", "c")).contains("strategy"));
        assert!(error(request("s", "/a b", "c")).contains(r#"path "/a b""#));
        // Only the valid target (of the request with the bad correlation id) is kept.
        let kept = heads.targets.read().unwrap();
        let kept: Vec<_> = kept.iter().map(|t| (&*t.strategy, &*t.path)).collect();
        assert_eq!(kept, [("s", "/p")]);
    }
}
