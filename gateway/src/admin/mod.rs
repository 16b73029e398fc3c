//! The admin listener: health, metrics, the review API and the HTML report, over HTTP. What they
//! show comes from the review read model in [`crate::review`]; this module holds routes only.
//!
//! Routes (see [`serve`]): `GET /livez`, `GET /readyz`, `GET /metrics`, `GET /api/v1/summary`,
//! `GET /api/v1/health` (`/readyz` in full), `GET /api/v1/mismatches`, `GET /api/v1/mismatches/{id}`, `GET /api/v1/groups?strategy=`,
//! `GET /api/v1/readiness`, `GET /api/v1/daily`, `GET /api/v1/batches`, `POST /api/v1/reload`,
//! `GET|POST /api/v1/replays`, `GET|POST /api/v1/triage`, `GET /api/v1/audit`,
//! `POST /api/v1/cutover/sign`, `GET /api/v1/cutover/signoffs`, `GET /api/v1/instances` (a
//! fleet's gateways), and the HTML pages
//! `GET /`, `GET /mismatches` (records of a group, cursor paging) and `GET /mismatches/{id}`.
//! `GET /batches?run=RUN_ID[&group=N]` (a batch run group's examples, both rows side by side).
//! A `GET` route takes the query parameters its entry in `routes` lists and refuses any other
//! (400 naming it); a path that is no route is a 404 page, or JSON under `/api/`.
//!
//! When a token is configured every route except `/livez` and `/readyz` requires
//! `authorization: Bearer <token>`, the HTML pages included: a browser reaches them through a
//! proxy that adds the header (the gateway never sets cookies or shows a login form). With a
//! token or without, a request that changes something is refused when another site's page sent
//! it, and a JSON route takes only JSON (`cross_site`); before anything, a request addressed to
//! a host name the listener does not answer to is refused (`host`: DNS rebinding).
//!
//! # Layout
//! - `auth`: the bearer token check, in constant time.
//! - `cross_site`: the refusal of what another site's page could post (`Origin`, body type).
//! - `host`: the refusal of a `Host` the listener does not answer to (DNS rebinding).
//! - `params`: query strings into the read model's filters (see [`crate::review`]).
//! - `routes`: the `GET` routes as a table with the parameters each takes (any other is
//!   refused), and the 404 of a path that is none of them (a page outside `/api/`).
//! - `api`: the JSON routes.
//! - `ready`: the gateway's readiness, terse for `/readyz` and in full for `/api/v1/health`.
//! - `html`, `page`, `detail`: the server-rendered pages (escaped, no scripts, no external assets).
//! - `chart`: the pages' SVG bar charts of daily series.
//! - `suppressed_page`: the page's per-day table of what each rule hid.
//! - `triage_page`: the page's triage table with a plain form per group.
//! - `signoff_page`: the page's cutover sign-offs and routing changes linked to them, per strategy.
//! - `cutover`: cutover sign-off (`POST /api/v1/cutover/sign`, `GET /api/v1/cutover/signoffs`).
//! - `triage`: group triage (`GET`/`POST /api/v1/triage`) and the audit trail (`GET /api/v1/audit`).
//! - `triage_request`: a triage change as the API's JSON or the page's form sends it, its state
//!   parsed as the CLI parses it.
//! - `fleet`: a fleet's per-instance breakdown (`GET /api/v1/instances`, the page's card).
//! - `batch_page`: the page's batch runs and `GET /batches?run=…&group=…`, a group's examples.

mod api;
mod auth;
mod batch_page;
mod batches;
mod chart;
mod cross_site;
mod cutover;
mod detail;
mod fleet;
mod host;
mod html;
mod json_body;
mod page;
mod params;
mod ready;
mod replays;
mod routes;
mod signoff_page;
mod suppressed_page;
mod triage;
mod triage_page;
mod triage_request;

use std::sync::Arc;

use bytes::Bytes;
use http::{Method, StatusCode};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub(crate) use self::html::escape;
pub use self::params::{encode as encode_param, list_query};
use crate::draining::Draining;
use crate::listener::server::{self, Handler, ServerLimits, ServerSettings};
use crate::metrics::ListenerMetrics;
use crate::review::{EngineStatus, Policies, Review, ReviewView};
use crate::store::{Reader, StoreStats};

/// Largest admin request body (`POST /api/v1/replays`'s selection; reload's is ignored).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Renders the Prometheus text exposition.
pub type MetricsFn = Arc<dyn Fn() -> String + Send + Sync>;
/// Re-reads and swaps the config; the problems when it is rejected.
pub type ReloadFn = Arc<dyn Fn() -> Result<(), Vec<crate::config::Problem>> + Send + Sync>;
/// The review policies of the config in force (it changes on reload).
pub type PoliciesFn = Arc<dyn Fn() -> Policies + Send + Sync>;

/// How the running config shows times and days (`[review]`; it changes on reload).
pub type ViewFn = Arc<dyn Fn() -> ReviewView + Send + Sync>;

/// Every engine of the running config with its health (it changes on reload and with every probe).
pub type EnginesFn = Arc<dyn Fn() -> Vec<EngineStatus> + Send + Sync>;

/// Starts a replay run of a selection, against an engine when one is named, by someone on the
/// running gateway; its start time.
pub type ReplayFn = Arc<
    dyn Fn(
            crate::replay::Selection,
            Option<String>,
            String,
        ) -> Result<u64, crate::replay::StartError>
        + Send
        + Sync,
>;

/// Signs a strategy's cutover on the running gateway, judged by the config it runs.
pub type SignFn = Arc<
    dyn Fn(
            crate::cutover::SignRequest,
        ) -> Result<crate::cutover::SignOff, crate::cutover::CutoverError>
        + Send
        + Sync,
>;

/// The bearer token the admin routes currently require.
pub type TokenFn = Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// The host names the admin listener answers to besides IP literals and `localhost`
/// (`[listeners.admin] allowed_hosts`, lower case).
pub type HostsFn = Arc<dyn Fn() -> Vec<String> + Send + Sync>;

/// What the admin routes read and call.
pub struct AdminState {
    /// The store, read beside its writer.
    pub reader: Reader,
    /// The store's statistics (degraded, dropped).
    pub stats: Arc<StoreStats>,
    /// Readiness thresholds and rules per strategy, from the running config.
    pub policies: PoliciesFn,
    /// Time zone and chart length of the page, from the running config.
    pub view: ViewFn,
    /// Bearer token required on every route but `/livez` and `/readyz`; `None`: no authentication.
    /// Read from the running config on each request, so a reload that rotates the token takes
    /// effect at once and the old token stops working.
    pub token: TokenFn,
    /// The host names requests may be addressed to, from the running config (a reload that
    /// changes them takes effect at once, as the token's).
    pub allowed_hosts: HostsFn,
    /// The metrics exposition.
    pub metrics: MetricsFn,
    /// Config reload, when the gateway was started from a file.
    pub reload: Option<ReloadFn>,
    /// Engine health, when a gateway is running its engines (`/readyz`, the summary, the page).
    pub engines: Option<EnginesFn>,
    /// Replay runs started from the API (`POST /api/v1/replays`), when a gateway is running.
    pub replay: Option<ReplayFn>,
    /// Cutover sign-offs (`POST /api/v1/cutover/sign`), when a gateway runs from a config file.
    pub cutover: Option<SignFn>,
    /// A planned stop's drain (`/readyz` answers 404 while it runs).
    pub draining: Draining,
}

impl std::fmt::Debug for AdminState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminState")
            .field("token", &(self.token)().map(|_| "<set>"))
            .field("reload", &self.reload.is_some())
            .finish_non_exhaustive()
    }
}

/// Serves the admin routes on `listener` until `shutdown`; `/readyz` answers 503 once shutdown
/// has begun, while the store is degraded, and while a strategy's live engine is down.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AdminState>,
    limits: ServerLimits,
    metrics: ListenerMetrics,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) {
    let stopping = shutdown.clone();
    // Unknown (an unbound socket serves nothing anyway): checked as a loopback one, the stricter.
    let loopback = (listener.local_addr()).map_or(true, |a| a.ip().is_loopback());
    let handler: Handler = Arc::new(move |parts, body| {
        let (state, stopping) = (state.clone(), stopping.clone());
        Box::pin(async move {
            // Store reads touch the disk: keep them off the async workers. What the handler logs
            // (a reload, a store error) goes to this task's subscriber and span (the peer).
            let (dispatch, span) = (
                tracing::dispatcher::get_default(Clone::clone),
                tracing::Span::current(),
            );
            let routed = tokio::task::spawn_blocking(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    span.in_scope(|| route(&state, (&stopping, loopback), &parts, &body))
                })
            });
            routed.await.unwrap_or_else(|_| {
                server::json_error(StatusCode::INTERNAL_SERVER_ERROR, "admin handler failed")
            })
        })
    });
    let settings = ServerSettings {
        name: "admin",
        max_body_bytes: MAX_BODY_BYTES,
        limits,
        metrics,
        refused: None,
    };
    server::serve(listener, settings, handler, tasks, shutdown).await;
}

type Response = http::Response<http_body_util::Full<Bytes>>;

/// The paths served without the token: health checks.
const PUBLIC: &[&str] = &["/livez", "/readyz"];

/// Answers one request; `loopback` says whether the listener is bound to a loopback address.
fn route(
    state: &AdminState,
    (stopping, loopback): (&CancellationToken, bool),
    parts: &http::request::Parts,
    body: &Bytes,
) -> Response {
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    if let Some(refused) = host::refuse_misdirected(parts, loopback, &(state.allowed_hosts)()) {
        return refused;
    }
    if !PUBLIC.contains(&path) && !auth::authorized(&parts.headers, (state.token)().as_deref()) {
        return auth::unauthorized(path);
    }
    if let Some(refused) = cross_site::refuse_foreign(parts) {
        return refused;
    }
    if let Some(takes) = body_types(&parts.method, path) {
        if let Some(refused) = cross_site::refuse_body_type(&parts.headers, body, takes) {
            return refused;
        }
    }
    if parts.method == Method::GET {
        if let Some((get, id)) = routes::find(path) {
            if let Some(refused) = get.refuse_unknown(path, query) {
                return refused;
            }
            return serve_get(state, stopping, get.path, id, query);
        }
    }
    match (&parts.method, path) {
        (&Method::POST, "/api/v1/reload") => api::reload(state.reload.as_ref()),
        (&Method::POST, "/api/v1/triage") => {
            let (policies, view) = ((state.policies)(), (state.view)());
            triage::set(&state.reader, &policies, &view, &parts.headers, body)
        }
        (&Method::POST, "/api/v1/cutover/sign") => {
            cutover::sign(state.cutover.as_ref(), body, &(state.view)().zone_name())
        }
        (&Method::POST, "/api/v1/replays") => replays::post(state.replay.as_ref(), body),
        (_, p) => match allowed(p) {
            Some(allow) => server::method_not_allowed(allow, "method not allowed on this route"),
            None => routes::not_found(p),
        },
    }
}

/// Serves the `GET` route at `route` (a path of [`routes::GET_ROUTES`], its parameters already
/// checked), with the id after it for a route that has one.
fn serve_get(
    state: &AdminState,
    stopping: &CancellationToken,
    route: &str,
    id: &str,
    query: &str,
) -> Response {
    let review = || Review::new(state.reader.clone(), (state.policies)()).with_view((state.view)());
    match route {
        "/livez" => server::json(StatusCode::OK, &serde_json::json!({"status": "live"})),
        "/readyz" => api::readyz(state, stopping.is_cancelled()),
        "/metrics" => server::bytes(
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            Bytes::from((state.metrics)()),
        ),
        "/api/v1/summary" => api::summary(&review(), state),
        "/api/v1/health" => api::health_detail(state, stopping.is_cancelled()),
        "/api/v1/readiness" => api::readiness(&review()),
        "/api/v1/daily" => api::daily(&review()),
        "/api/v1/batches" => batches::list(&review()),
        "/api/v1/groups" => api::groups(&review(), query),
        "/api/v1/mismatches" => api::list(&review(), query),
        "/api/v1/mismatches/" => api::detail(&review(), id),
        "/api/v1/triage" => triage::list(&state.reader, &(state.policies)(), query),
        "/api/v1/audit" => triage::audit(&state.reader),
        "/api/v1/cutover/signoffs" => cutover::list(&state.reader),
        "/api/v1/replays" => replays::api(&review(), query),
        "/api/v1/instances" => fleet::api(&review()),
        "/" => page::summary(&review(), state),
        "/mismatches" => page::records(&review(), query),
        "/mismatches/" => detail::page(&review(), id),
        "/batches" => batch_page::page(&review(), query),
        // A route of the table without an arm here: the table's test finds it.
        _ => routes::not_found(route),
    }
}

/// The methods a route of the admin listener answers, for a 405's `Allow` header (RFC 9110
/// §15.5.6: a 405 lists them); `None` for no such route.
fn allowed(path: &str) -> Option<&'static str> {
    match path {
        "/api/v1/reload" | "/api/v1/cutover/sign" => Some("POST"),
        "/api/v1/triage" | "/api/v1/replays" => Some("GET, POST"),
        _ => routes::find(path).map(|_| "GET"),
    }
}

/// The body types a `POST` route takes, JSON first; `None` for a request that is no such route.
/// Reload takes no body, but a body it is sent must be JSON all the same: no simple request of
/// a browser reaches it.
fn body_types(method: &Method, path: &str) -> Option<&'static [&'static str]> {
    if method != Method::POST {
        return None;
    }
    match path {
        "/api/v1/reload" | "/api/v1/cutover/sign" | "/api/v1/replays" => Some(&[cross_site::JSON]),
        "/api/v1/triage" => Some(&[cross_site::JSON, cross_site::FORM]),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
