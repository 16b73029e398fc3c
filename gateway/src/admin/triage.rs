//! The triage routes: `GET /api/v1/triage?strategy=`, `GET /api/v1/audit`, and
//! `POST /api/v1/triage`, which takes JSON (the CLI, answered in JSON) or a plain HTML form post
//! (the page, answered in HTML: a redirect back to it, or a page saying what was refused and
//! why). Who made a change is the `by` name given with it: admin token holders are trusted
//! operators.
//!
//! A refused form post's page writes the times in its reason (who changed the group meanwhile,
//! and when) in the review's zone, as the page does every time; the JSON keeps RFC 3339 UTC, as
//! every API answer does.
//!
//! The form's answers link back relatively (`../../#triage-loan` from `api/v1/triage`, the
//! changed strategy's triage card), as the page's own links are relative: a proxy may serve the
//! page under a path prefix.

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::Full;
use serde_json::json;

use super::html::{document, escape};
use super::params::param;
use super::triage_page;
use super::triage_request::ChangeRequest;
use crate::listener::server;
use crate::review::{Policies, ReviewView};
use crate::store::{Clock, Reader, SystemClock};
use crate::triage::{verify, Change, TriageBook, TriageError};

type Response = http::Response<Full<Bytes>>;

/// `GET /api/v1/triage?strategy=S`: the strategy's groups with their triage; 404 naming the
/// strategies there are when S is neither counted nor configured; another parameter is refused
/// by the route table (`routes`).
pub(super) fn list(reader: &Reader, policies: &Policies, query: &str) -> Response {
    let Some(strategy) = param(query, "strategy") else {
        return server::json_error(
            StatusCode::BAD_REQUEST,
            "strategy: expected a strategy name, found nothing",
        );
    };
    let book =
        TriageBook::new(reader.clone()).refusing_unknown(policies.keys().map(String::as_str));
    match book.list(&strategy, SystemClock.now_micros()) {
        Ok(groups) => server::json(StatusCode::OK, &json!({ "groups": groups })),
        Err(error) if error.is_unknown_strategy() => {
            server::json_error(StatusCode::NOT_FOUND, &error.list_text())
        }
        Err(error) => failed(&error),
    }
}

/// `GET /api/v1/audit`: the audit trail, oldest first, and whether its hash chain holds.
pub(super) fn audit(reader: &Reader) -> Response {
    match TriageBook::new(reader.clone()).audit() {
        Ok(entries) => {
            let chain = verify(&entries).err().map(|e| e.to_string());
            server::json(
                StatusCode::OK,
                &json!({ "entries": entries, "chain_ok": chain.is_none(), "chain_error": chain }),
            )
        }
        Err(error) => failed(&error),
    }
}

/// `POST /api/v1/triage`: applies a change given as JSON or as a form; `view` writes the times
/// of a refused form post's page.
pub(super) fn set(
    reader: &Reader,
    policies: &Policies,
    view: &ReviewView,
    headers: &http::HeaderMap,
    body: &Bytes,
) -> Response {
    let form = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let request = if form {
        match std::str::from_utf8(body) {
            Ok(text) => match ChangeRequest::from_form(text) {
                Ok(request) => request,
                Err(message) => {
                    // The group it was for, when the form names one, and back to its card.
                    let group = Change {
                        strategy: param(text, "strategy").unwrap_or_default(),
                        signature: param(text, "signature").unwrap_or_default(),
                        ..Change::default()
                    };
                    return refused_page(StatusCode::BAD_REQUEST, Some(&group), &message);
                }
            },
            Err(_) => return refused_page(StatusCode::BAD_REQUEST, None, "form: expected UTF-8"),
        }
    } else {
        match ChangeRequest::from_json(body) {
            Ok(request) => request,
            Err(message) => return server::json_error(StatusCode::BAD_REQUEST, &message),
        }
    };
    let change = match request.into_change() {
        Ok(change) => change,
        Err(error) if form => {
            let group = Change {
                strategy: error.strategy.clone(),
                signature: error.signature.clone(),
                ..Change::default()
            };
            return refused_page(status(&error), Some(&group), &error.to_string());
        }
        Err(error) => return failed(&error),
    };
    let rules: Option<Vec<String>> = policies.get(&change.strategy).map(|policy| {
        policy
            .rules
            .suppressing_rules()
            .map(ToString::to_string)
            .collect()
    });
    let book =
        TriageBook::new(reader.clone()).refusing_unknown(policies.keys().map(String::as_str));
    match book.set(&change, rules.as_deref(), SystemClock.now_micros()) {
        Ok(_) if form => see_other(&back_to_page(&change.strategy)),
        Ok(triage) => server::json(StatusCode::OK, &json!({ "triage": triage })),
        Err(error) if form => refused_page(
            status(&error),
            Some(&change),
            &view.in_zone(&error.to_string()),
        ),
        Err(error) => failed(&error),
    }
}

fn failed(error: &TriageError) -> Response {
    server::json_error(status(error), &error.to_string())
}

/// 409 for a change computed from a value another change replaced meanwhile (read it again);
/// 422 for a refused change (the client's mistake); 503 for a store that cannot be read or
/// written now, 500 for one that failed otherwise (logged).
fn status(error: &TriageError) -> StatusCode {
    if error.is_conflict() {
        StatusCode::CONFLICT
    } else if error.is_refused() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        super::api::store_failure(error, error.is_unavailable())
    }
}

/// The answer to a form post that was not applied: what was asked, why not (`reason`, in the
/// JSON error's words) and a link back to the page.
fn refused_page(status: StatusCode, change: Option<&Change>, reason: &str) -> Response {
    let what = match change {
        Some(change) => {
            let to = change
                .state
                .map_or_else(String::new, |state| format!(" to {state}"));
            format!(
                "The triage change of group {}/{}{to} was not saved.",
                change.strategy, change.signature
            )
        }
        None => "The triage change was not saved.".to_owned(),
    };
    // A store that failed did not refuse anything: the heading says which it was.
    let outcome = if status.is_client_error() {
        "refused"
    } else {
        "failed"
    };
    let body = format!(
        "<h1>Triage change {outcome}</h1><p>{}</p><p class=\"blocked\">{}</p>\
         <p><a href=\"{}\">back to the report</a></p>",
        escape(&what),
        escape(reason),
        escape(&back_to_page(change.map_or("", |c| c.strategy.as_str())))
    );
    document(
        status,
        &format!("shadowgate: triage change {outcome}"),
        &body,
    )
}

/// The page's triage card of `strategy` (`../../#triage-NAME`, the name percent-encoded), or
/// the page when no strategy is known. Relative to the form's action (`api/v1/triage`): a proxy
/// may serve the page under a path prefix, so no absolute path.
fn back_to_page(strategy: &str) -> String {
    if strategy.is_empty() {
        "../../".to_owned()
    } else {
        format!("../../{}", triage_page::fragment(strategy))
    }
}

/// 303 to `location`: the browser shows the page again after its form post.
fn see_other(location: &str) -> Response {
    let body = format!(
        "<p><a href=\"{}\">back to the report</a></p>",
        escape(location)
    );
    let mut response = document(
        StatusCode::SEE_OTHER,
        "shadowgate: triage change saved",
        &body,
    );
    response
        .headers_mut()
        // Percent-encoded, so ASCII: the fallback (the page) is never used.
        .insert(
            http::header::LOCATION,
            HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("../../")),
        );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::TriageErrorKind;

    #[test]
    fn a_change_made_meanwhile_is_a_conflict_and_a_fleet_database_away_is_unavailable() {
        let error = |kind| TriageError::new("loan", "00000000000000aa", kind);
        let meanwhile = TriageErrorKind::ChangedMeanwhile {
            by: "lee".into(),
            at: "2026-12-03T10:00:00.000000Z".into(),
        };
        assert_eq!(status(&error(meanwhile)), StatusCode::CONFLICT);
        let away = TriageErrorKind::FleetWrite {
            url: "postgres://gw@db/shadowgate".into(),
            operation: "append to the audit trail (shadowgate_audit)".into(),
            source: "connection refused".into(),
        };
        let away = error(away);
        assert_eq!(status(&away), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            away.to_string(),
            "group loan/00000000000000aa: cannot write to the fleet store at \
             postgres://gw@db/shadowgate, which keeps the fleet's triage and audit trail: append \
             to the audit trail (shadowgate_audit): connection refused; nothing was changed, try \
             again when it is back"
        );
    }
}
