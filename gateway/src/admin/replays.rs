//! Replay runs on the admin listener: `GET /api/v1/replays` (per group, the newest whole-group
//! run's "N of M cases fixed" and a newer partial run; and every run's totals),
//! `POST /api/v1/replays` (start one; token required like every API route), and the report
//! page's replay card. Runs hold record ids, signatures, engine names and counts: never a
//! payload.

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use serde_json::json;

use super::html::escape;
use crate::listener::server;
use crate::replay::{SelectError, Selection, StartError};
use crate::review::{check_window, parse_kind, parse_time, Review};
use crate::store::replays::latest_per_group;
use crate::store::{GroupRun, RecordId};

type Response = http::Response<Full<Bytes>>;

/// Runs listed by the API, newest first.
const RUNS: usize = 50;

/// `GET /api/v1/replays[?strategy=NAME]`: `{"groups": [...], "runs": [...]}`. Refused as the
/// other reads refuse: 404 naming the strategies there are for a strategy neither counted nor
/// configured (a misspelt name is no strategy without runs); another parameter is refused by
/// the route table (`routes`).
pub(super) fn api(review: &Review, query: &str) -> Response {
    let strategy = super::params::param(query, "strategy");
    if let Some(refused) = strategy
        .as_deref()
        .and_then(|strategy| super::api::unknown_strategy(review, strategy))
    {
        return refused;
    }
    let runs = match review.replays(strategy.as_deref()) {
        Ok(runs) => runs,
        Err(error) => return super::api::store_error(&error),
    };
    let listed: Vec<_> = runs
        .iter()
        .take(RUNS)
        .map(|run| {
            let mut listed = json!({
                "started_micros": run.started_micros,
                "finished_micros": run.finished_micros,
                "by": run.by,
                "strategy": run.strategy,
                "engine": run.engine,
                "selection": run.selection,
                "cases": run.cases.len(),
                "totals": run.totals(),
            });
            // As a group's run has it: the engine whose part of each group the run judged
            // (after a cutover, `against` the new engine), absent for a run of every case.
            if let Some(engine) = &run.shadowed_by {
                listed["shadowed_by"] = json!(engine);
            }
            listed
        })
        .collect();
    let groups = latest_per_group(&runs);
    server::json(StatusCode::OK, &json!({ "groups": groups, "runs": listed }))
}

/// What `POST /api/v1/replays` takes: a selection of one strategy's stored cases.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayRequest {
    strategy: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default)]
    since: Option<String>,
    #[serde(default)]
    until: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    against: Option<String>,
    #[serde(default)]
    by: Option<String>,
}

/// Cases one API replay takes at most.
const MAX_CASES: usize = 10_000;

/// `POST /api/v1/replays` with `{"strategy", "group"?, "ids"?, "since"?, "until"?, "kind"?,
/// "limit"?, "against"?, "by"}`: starts a replay against `against` (an engine of the running
/// config), by default the engine that was the cases' shadow ([`crate::replay::target`]), and
/// answers 202 with its start time; the run appears on `GET /api/v1/replays` when it ends.
/// `by` is required, as the CLI's `--by`: a run records who ran it.
///
/// Refusals follow `POST /api/v1/triage`: 400 when the body is not a JSON object of these
/// fields with their types (`strategy` missing, a key not listed, a `limit` that is not a
/// number), 422 when it is but a value is refused (`by` missing or blank, an id, time or kind
/// that does not parse, a strategy, group or engine the gateway cannot replay); both
/// `{"error": MESSAGE}`, the message naming the field. A gateway whose configuration keeps it
/// from replaying (no `[store] encryption_key_file`, or a key file it cannot read now) answers
/// 503 with the key and the file named: the request is not at fault.
pub(super) fn post(replay: Option<&super::ReplayFn>, body: &Bytes) -> Response {
    let Some(replay) = replay else {
        return server::json_error(StatusCode::NOT_FOUND, "replay needs a running gateway");
    };
    let refused = |message: String| server::json_error(StatusCode::UNPROCESSABLE_ENTITY, &message);
    let request: ReplayRequest = match super::json_body::read(body, "a replay selection") {
        Ok(request) => request,
        Err(message) => return server::json_error(StatusCode::BAD_REQUEST, &message),
    };
    let selection = match selection(&request) {
        Ok(selection) => selection,
        Err(message) => return refused(message),
    };
    let Some(by) = request
        .by
        .map(|by| by.trim().to_owned())
        .filter(|by| !by.is_empty())
    else {
        return refused("by: expected the name of who runs this replay, found nothing".to_owned());
    };
    match replay(selection, request.against, by) {
        Ok(started) => server::json(
            StatusCode::ACCEPTED,
            &json!({"status": "started", "started_micros": started}),
        ),
        Err(e) if e.is_request() => refused(e.to_string()),
        // RFC 9110 §15.6.4: the server cannot handle the request now, and the same request will
        // do once the key file is set or restored; not 422 (nothing in the request is wrong),
        // nor 500 (a condition the gateway checks for and names, not an unexpected fault).
        Err(e) if e.is_configuration() => {
            server::json_error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string())
        }
        // A store that cannot be read now (degraded, a fleet database away) is 503 as on every
        // other admin route; any other store failure is a fault.
        Err(StartError::Select(SelectError::Store(e))) => super::api::store_error(&e),
        Err(e) => server::json_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// The selection a request names; which field is wrong otherwise.
fn selection(request: &ReplayRequest) -> Result<Selection, String> {
    let time = |key: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(parse_time)
            .transpose()
            .map_err(|e| format!("{key}: {e}"))
    };
    let ids = request
        .ids
        .iter()
        .map(|id| id.parse::<RecordId>().map_err(|e| format!("ids: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let (from_micros, until_micros) = (
        time("since", &request.since)?,
        time("until", &request.until)?,
    );
    check_window(from_micros, until_micros, ["since", "until"])?;
    Ok(Selection {
        strategy: request.strategy.clone(),
        group: request.group.clone(),
        ids,
        from_micros,
        until_micros,
        kind: request.kind.as_deref().map(parse_kind).transpose()?,
        limit: request.limit.unwrap_or(MAX_CASES).min(MAX_CASES),
    })
}

/// One run's "N of M cases fixed by replay at T" ([`GroupRun::counts`]: the engine when it
/// took the cases it shadowed, the cases not replayed) as HTML, `time` the page's time cell.
fn run_cell(run: &GroupRun, time: impl Fn(u64) -> String) -> String {
    let part = match run.partial {
        true => format!(" (part of the group: {})", escape(&run.selection)),
        false => String::new(),
    };
    // The time cell is HTML already; the rest is escaped around it.
    const AT: &str = "\u{0}";
    let counts = escape(&run.counts(AT.to_owned()));
    format!("{}{part}", counts.replacen(AT, &time(run.at_micros), 1))
}

/// The page's card: one row per group with a stored replay, its verdict from the newest
/// whole-group run and a newer partial run beside it; empty when there is none.
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
        let Some(run) = g.whole.as_ref().or(g.latest_partial.as_ref()) else {
            continue;
        };
        let time = |micros| {
            format!(
                "<span class=\"t\">{}</span>",
                escape(&review.view().time(micros))
            )
        };
        let mut result = match &g.whole {
            Some(whole) => run_cell(whole, time),
            None => format!("no replay of the whole group; {}", run_cell(run, time)),
        };
        if let (Some(_), Some(part)) = (&g.whole, &g.latest_partial) {
            result.push_str(&format!("<br>since then {}", run_cell(part, time)));
        }
        // Against and by of each run shown, on the result's lines: a newer partial run is
        // often someone else's.
        let (mut against, mut by) = (escape(&run.engine), escape(&run.by));
        if let (Some(_), Some(part)) = (&g.whole, &g.latest_partial) {
            against.push_str(&format!("<br>{}", escape(&part.engine)));
            by.push_str(&format!("<br>{}", escape(&part.by)));
        }
        out.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td><td>{result}</td><td>{against}</td><td>{by}</td></tr>\n",
            escape(&g.strategy),
            escape(&g.signature),
        ));
    }
    out.push_str("</table></div>\n");
    out
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use http_body_util::BodyExt;

    use super::*;

    /// `POST /api/v1/replays` of `body` to a gateway that records who each run is by.
    fn post_by(body: &str) -> (StatusCode, String, Vec<String>) {
        let runs = Arc::new(Mutex::new(Vec::new()));
        let seen = runs.clone();
        let replay: super::super::ReplayFn = Arc::new(move |_, _, by| {
            seen.lock().unwrap().push(by);
            Ok(7)
        });
        let response = post(Some(&replay), &Bytes::from(body.to_owned()));
        let status = response.status();
        let body = futures::executor::block_on(response.into_body().collect())
            .unwrap()
            .to_bytes();
        let runs = runs.lock().unwrap().clone();
        (status, String::from_utf8(body.to_vec()).unwrap(), runs)
    }

    /// The page's cell says what the text says: the engine whose cases the run took, the cases
    /// not replayed; the time cell as HTML, the rest escaped.
    #[test]
    fn a_runs_cell_names_its_engine_and_the_cases_not_replayed() {
        let run = GroupRun {
            fixed: 0,
            total: 3,
            at_micros: 0,
            engine: "next".into(),
            by: "kim".into(),
            selection: "--group a".into(),
            partial: false,
            not_replayed: 3,
            unreadable: 0,
            shadowed_by: Some("<next>".into()),
        };
        assert_eq!(
            run_cell(&run, |_| "<span class=\"t\">T</span>".to_owned()),
            "0 of 3 cases shadowed by &lt;next&gt; fixed by replay at <span class=\"t\">T</span>, \
             3 not replayed (engine errors)"
        );
    }

    #[test]
    fn a_replay_without_who_runs_it_is_refused_and_not_started() {
        for body in [
            r#"{"strategy": "loan"}"#,
            r#"{"strategy": "loan", "by": null}"#,
            r#"{"strategy": "loan", "by": "  "}"#,
        ] {
            let (status, answer, runs) = post_by(body);
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&answer).unwrap(),
                json!({"error": "by: expected the name of who runs this replay, found nothing"}),
            );
            assert!(runs.is_empty(), "{body}: not started");
        }
        let (status, answer, runs) = post_by(r#"{"strategy": "loan", "by": " ci "}"#);
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        assert_eq!(runs, ["ci"]);
    }

    #[test]
    fn a_body_of_the_wrong_shape_is_400_and_a_refused_value_422_as_in_triage() {
        for body in [
            "not json",
            r#"{"by": "kim"}"#,
            r#"{"strategy": "loan", "by": "kim", "limt": 5}"#,
            r#"{"strategy": "loan", "by": "kim", "limit": "5"}"#,
        ] {
            let (status, answer, runs) = post_by(body);
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
            let error = serde_json::from_str::<serde_json::Value>(&answer).unwrap();
            assert!(
                error["error"]
                    .as_str()
                    .unwrap()
                    .starts_with("body: expected a replay selection as JSON, found "),
                "{body}: {answer}"
            );
            assert!(runs.is_empty(), "{body}: not started");
        }
        for (body, says) in [
            (
                r#"{"strategy": "loan", "by": "kim", "ids": ["zz"]}"#,
                "ids: ",
            ),
            (
                r#"{"strategy": "loan", "by": "kim", "since": "someday"}"#,
                "since: ",
            ),
            (
                r#"{"strategy": "loan", "by": "kim", "kind": "odd"}"#,
                "kind",
            ),
            (
                r#"{"strategy": "loan", "by": "kim", "since": "2026-12-04", "until": "2026-12-01"}"#,
                "since: expected a time before until (2026-12-01T00:00:00.000000Z), found \
                 2026-12-04T00:00:00.000000Z, after it",
            ),
        ] {
            let (status, answer, runs) = post_by(body);
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
            let error = serde_json::from_str::<serde_json::Value>(&answer).unwrap();
            assert!(
                error["error"].as_str().unwrap().starts_with(says),
                "{body}: {answer}"
            );
            assert!(runs.is_empty(), "{body}: not started");
        }
    }

    #[test]
    fn a_replay_the_gateway_refuses_to_start_is_422() {
        let refusing: super::super::ReplayFn = Arc::new(|_, against, _| {
            Err(crate::replay::StartError::UnknownEngine {
                name: against.unwrap_or_default(),
                known: "legacy, next".to_owned(),
            })
        });
        let body = Bytes::from_static(br#"{"strategy": "loan", "by": "kim", "against": "nope"}"#);
        let response = post(Some(&refusing), &body);
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let answer = futures::executor::block_on(response.into_body().collect())
            .unwrap()
            .to_bytes();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&answer).unwrap(),
            json!({"error": "against: expected an engine of the running config's strategies (legacy, next), found \"nope\""}),
        );
    }

    /// A key file missing or unreadable is the gateway's configuration, not the request: 503
    /// naming the key and the file, where a refused value is 422.
    #[test]
    fn a_replay_the_configuration_keeps_from_starting_is_503_naming_the_key_and_file() {
        use crate::store::keyring::{KeyFileError, KeyFileErrorKind};

        let missing = || {
            StartError::Keys(KeyFileError {
                path: "/etc/shadowgate/payload-keys".into(),
                kind: KeyFileErrorKind::Read(std::io::ErrorKind::NotFound.into()),
            })
        };
        let answer = |error: fn() -> StartError| {
            let refusing: super::super::ReplayFn = Arc::new(move |_, _, _| Err(error()));
            let body = Bytes::from_static(br#"{"strategy": "loan", "by": "kim"}"#);
            let response = post(Some(&refusing), &body);
            let status = response.status();
            let body = futures::executor::block_on(response.into_body().collect())
                .unwrap()
                .to_bytes();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            (status, body["error"].as_str().unwrap().to_owned())
        };
        let (status, error) = answer(missing);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
        assert!(
            error.contains("store.encryption_key_file /etc/shadowgate/payload-keys: cannot read"),
            "{error}"
        );
        let (status, error) = answer(|| StartError::NoKeys);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
        assert!(
            error.starts_with("[store] encryption_key_file is not set"),
            "{error}"
        );
        // What the request gets wrong stays 422.
        let (status, error) = answer(|| StartError::UnknownStrategy {
            name: "loan".into(),
            known: "loan-screening".into(),
        });
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        // A store that cannot be read now is 503, as on every other admin route.
        let (status, error) = answer(|| {
            let unavailable = crate::store::StoreError::Unavailable {
                path: "/var/lib/shadowgate".into(),
            };
            StartError::Select(crate::replay::SelectError::Store(unavailable))
        });
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
        assert!(error.contains("is unavailable"), "{error}");
    }
}
