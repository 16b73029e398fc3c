//! The admin listener's `GET` routes as one table: each route's path, whether it answers a page
//! or JSON, and the query parameters it takes. [`super::route`] serves a `GET` only through
//! this table, so a new route names its parameters or is not served at all, and a parameter a
//! route does not take is refused the same way on every route: 400 naming it and the ones the
//! route takes, or saying that it takes none. A `?strategy=x` on `/api/v1/summary` must not
//! look like a filter while being ignored.
//!
//! A path no route has is a 404: JSON under `/api/`, and elsewhere (where a browser follows a
//! link) a page in the error pages' style with a link back to the report.

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;

use super::html::{error, Report};
use super::params::{only, LIST_PARAMS};
use crate::listener::server;

type Response = http::Response<Full<Bytes>>;

/// What a route answers, and so how its refusals are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Answer {
    /// JSON (or the metrics' text): refusals are `{"error": …}`.
    Json,
    /// An HTML page: refusals are an error page.
    Page,
}

/// One `GET` route of the admin listener.
#[derive(Debug)]
pub(super) struct GetRoute {
    /// The path; for a route ending in an id (`/mismatches/{id}`), the part before the id,
    /// ending in `/`.
    pub(super) path: &'static str,
    /// Whether an id follows `path`.
    pub(super) with_id: bool,
    /// JSON or a page.
    pub(super) answer: Answer,
    /// The query parameters the route takes; empty for none.
    pub(super) takes: &'static [&'static str],
}

/// A route at `path` answering `answer`, taking `takes`.
const fn at(path: &'static str, answer: Answer, takes: &'static [&'static str]) -> GetRoute {
    GetRoute {
        path,
        with_id: false,
        answer,
        takes,
    }
}

/// A route at `path` followed by an id, taking no parameter.
const fn with_id(path: &'static str, answer: Answer) -> GetRoute {
    GetRoute {
        path,
        with_id: true,
        answer,
        takes: &[],
    }
}

/// Every `GET` route, the health checks first (they need no token).
pub(super) const GET_ROUTES: &[GetRoute] = &[
    at("/livez", Answer::Json, &[]),
    at("/readyz", Answer::Json, &[]),
    at("/metrics", Answer::Json, &[]),
    at("/api/v1/summary", Answer::Json, &[]),
    at("/api/v1/health", Answer::Json, &[]),
    at("/api/v1/readiness", Answer::Json, &[]),
    at("/api/v1/daily", Answer::Json, &[]),
    at("/api/v1/batches", Answer::Json, &[]),
    at("/api/v1/groups", Answer::Json, &["strategy"]),
    at("/api/v1/mismatches", Answer::Json, LIST_PARAMS),
    with_id("/api/v1/mismatches/", Answer::Json),
    at("/api/v1/triage", Answer::Json, &["strategy"]),
    at("/api/v1/audit", Answer::Json, &[]),
    at("/api/v1/cutover/signoffs", Answer::Json, &[]),
    at("/api/v1/replays", Answer::Json, &["strategy"]),
    at("/api/v1/instances", Answer::Json, &[]),
    at("/", Answer::Page, &[]),
    at("/mismatches", Answer::Page, LIST_PARAMS),
    with_id("/mismatches/", Answer::Page),
    at("/batches", Answer::Page, &["run", "group"]),
];

/// The route serving `path`, with the id after it (empty for a route without one; one path
/// segment for a route with one).
pub(super) fn find(path: &str) -> Option<(&'static GetRoute, &str)> {
    let exact = GET_ROUTES.iter().find(|r| !r.with_id && r.path == path);
    exact.map(|r| (r, "")).or_else(|| {
        GET_ROUTES
            .iter()
            .filter(|r| r.with_id)
            .find_map(|r| path.strip_prefix(r.path).map(|id| (r, id)))
            // An id is one path segment: `/mismatches/ID/raw` is no page.
            .filter(|(_, id)| !id.contains('/'))
    })
}

impl GetRoute {
    /// 400 for the first parameter of `query` this route does not take, in the route's own
    /// form (`path` is the request's, for a page's link back); `None` when it takes them all.
    pub(super) fn refuse_unknown(&self, path: &str, query: &str) -> Option<Response> {
        let message = only(query, self.takes).err()?;
        Some(match self.answer {
            Answer::Json => server::json_error(StatusCode::BAD_REQUEST, &message),
            Answer::Page => error(
                StatusCode::BAD_REQUEST,
                "parameter not taken",
                &message,
                Report::of(path),
            ),
        })
    }
}

/// What `path` answers, and so how a refusal before its route runs (401) is written: its `GET`
/// route's answer; for a path no `GET` route has, JSON under `/api/` (the `POST` routes are
/// there), else a page, as [`not_found`] answers.
pub(super) fn answer_of(path: &str) -> Answer {
    match find(path) {
        Some((route, _)) => route.answer,
        None if is_api(path) => Answer::Json,
        None => Answer::Page,
    }
}

/// Whether `path` is under `/api/`.
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// 404 for a path no route has: JSON under `/api/`, else a page (a browser's mistyped or stale
/// link) that links back to the report from where it is.
pub(super) fn not_found(path: &str) -> Response {
    if is_api(path) {
        return server::json_error(StatusCode::NOT_FOUND, "no such route");
    }
    error(
        StatusCode::NOT_FOUND,
        "page not found",
        &format!("no page at {path}"),
        Report::of(path),
    )
}
