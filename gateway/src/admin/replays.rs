//! Replay runs on the admin listener: `GET /api/v1/replays` (per group, the latest run's "N of M
//! cases fixed"; and every run's totals), and the report page's replay card. Runs hold record
//! ids, signatures, engine names and counts: never a payload.

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use serde_json::json;

use super::html::escape;
use crate::listener::server;
use crate::review::Review;
use crate::store::replays::latest_per_group;

type Response = http::Response<Full<Bytes>>;

/// Runs listed by the API, newest first.
const RUNS: usize = 50;

/// `GET /api/v1/replays[?strategy=NAME]`: `{"groups": [...], "runs": [...]}`.
pub(super) fn api(review: &Review, query: &str) -> Response {
    let strategy = super::params::param(query, "strategy");
    let runs = match review.replays(strategy.as_deref()) {
        Ok(runs) => runs,
        Err(error) => {
            tracing::error!(%error, "admin: replay runs unreadable");
            return server::json_error(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string());
        }
    };
    let listed: Vec<_> = runs
        .iter()
        .take(RUNS)
        .map(|run| {
            json!({
                "started_micros": run.started_micros,
                "finished_micros": run.finished_micros,
                "by": run.by,
                "strategy": run.strategy,
                "engine": run.engine,
                "selection": run.selection,
                "cases": run.cases.len(),
                "totals": run.totals(),
            })
        })
        .collect();
    let groups = latest_per_group(&runs);
    server::json(StatusCode::OK, &json!({ "groups": groups, "runs": listed }))
}

/// The page's card: one row per group with a stored replay; empty when there is none.
pub(super) fn card(review: &Review) -> String {
    let groups = match review.group_replays(None) {
        Ok(groups) if groups.is_empty() => return String::new(),
        Ok(groups) => groups,
        Err(e) => {
            return format!(
                "<p class=\"muted\">replay runs unavailable: {}</p>\n",
                escape(&e.to_string())
            )
        }
    };
    let mut out = String::from("<div class=\"card\"><h2>Replays</h2>\n<table class=\"replays\">");
    out.push_str(
        "<tr><th>strategy</th><th>group</th><th>result</th><th>against</th><th>by</th></tr>\n",
    );
    for g in groups {
        out.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td><td>{} of {} cases fixed by replay at <span class=\"t\">{}</span></td><td>{}</td><td>{}</td></tr>\n",
            escape(&g.strategy),
            escape(&g.signature),
            g.fixed,
            g.total,
            escape(&review.view().time(g.at_micros)),
            escape(&g.engine),
            escape(&g.by),
        ));
    }
    out.push_str("</table></div>\n");
    out
}
