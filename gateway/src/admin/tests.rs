//! The admin routes called directly (no sockets): status codes, shapes, token, escaping.

use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::BodyExt;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::review::{EngineStatus, Policies, Summary};
use crate::store::{Event, Mismatch, RecordKind, Store, StoreConfig, WriterOptions};

mod charts;
mod cross_site;
mod diff_paths;
mod health;
mod host;
mod outage;
mod routes;
mod rules;
mod strategies;
mod titles;
mod triage;

fn mismatch(strategy: &str, name: &str) -> Event {
    // The decisions also differ in `header.sent_at`, which no stored difference names: an
    // ignore rule hid it (see `a_field_a_rule_hid_is_greyed_with_the_rule_never_highlighted`).
    let decision = |sent_at: &str, grade: &str| -> Value {
        serde_json::from_str(&format!(
            r#"{{"header": {{"tx_code": "LNS0001", "sent_at": "{sent_at}"}}, "body": {{"decision": "A", "grade": "{grade}", "rate": 5.250}}}}"#
        ))
        .unwrap()
    };
    Event::Record(Box::new(Mismatch {
        strategy: Arc::from(strategy),
        kind: RecordKind::Mismatch,
        error_kind: None,
        tx_code: "LNS0001".into(),
        correlation_id: "corr-<script>1".into(),
        live_engine: "legacy".into(),
        shadow_engine: "new".into(),
        differences: vec![crate::store::Difference {
            path: "body.grade".into(),
            kind: "value_changed".into(),
            live: Some(Value::String("A1".into())),
            shadow: Some(Value::String("<b>".into())),
            severity: "major".into(),
            expired_rule: None,
        }],
        signature: "sig-grade".into(),
        differing_paths: vec!["body.grade".into()],
        reason: None,
        request: serde_json::json!({"body": {"cust_name": name}}).into(),
        live_decision: Some(decision("0900", "A1").into()),
        shadow_decision: Some(decision("0901", "<b>").into()),
        live_latency_us: 10,
        shadow_latency_us: 20,
        payload: None,
        confirmation: None,
    }))
}

struct Fixture {
    _dir: tempfile::TempDir,
    _store: Store,
    state: AdminState,
}

fn fixture(token: Option<&str>) -> Fixture {
    fixture_with(token, Vec::new())
}

/// [`fixture`] with `extra` records stored beside its one mismatch.
fn fixture_with(token: Option<&str>, extra: Vec<Event>) -> Fixture {
    fixture_of(token, extra, None)
}

/// [`fixture_with`], and `batch` stored as a batch run before the store opens.
fn fixture_of(
    token: Option<&str>,
    extra: Vec<Event>,
    batch: Option<crate::store::ReconcileRun>,
) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        path: dir.path().join("store"),
        ..StoreConfig::default()
    };
    if let Some(batch) = batch {
        crate::store::save_reconcile(&config.path, &batch).unwrap();
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let options = WriterOptions {
        on_flush: Some(Arc::new(move |ids: &[crate::store::RecordId]| {
            let _ = tx.send(ids.len());
        })),
        ..WriterOptions::default()
    };
    let store = Store::open(&config, options).unwrap();
    let recorder = store.recorder();
    recorder.record(mismatch("loan", "홍*")).unwrap();
    recorder
        .record(Event::Counted {
            strategy: Arc::from("loan"),
            outcome: crate::outcome::ShadowOutcome::Match,
        })
        .unwrap();
    let records = 1 + extra.len();
    for event in extra {
        recorder.record(event).unwrap();
    }
    let mut flushed = 0;
    while flushed < records {
        flushed += rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    }
    let state = AdminState {
        reader: store.reader().clone(),
        stats: store.stats().clone(),
        policies: Arc::new(Policies::new),
        view: Arc::new(crate::review::ReviewView::default),
        token: {
            let token = token.map(str::to_owned);
            Arc::new(move || token.clone())
        },
        allowed_hosts: Arc::new(Vec::new),
        metrics: Arc::new(|| "shadowgate_up 1\n".to_owned()),
        reload: Some(Arc::new(|| {
            Err(vec![crate::config::Problem::error(
                "strategies.loan.live (line 18, column 8)",
                "an engine declared in [engines]",
                crate::config::Found::text("ghost"),
            )])
        })),
        engines: None,
        replay: None,
        cutover: None,
        draining: Default::default(),
    };
    Fixture {
        _dir: dir,
        _store: store,
        state,
    }
}

fn call(
    state: &AdminState,
    method: &str,
    uri: &str,
    token: Option<&str>,
) -> (StatusCode, http::HeaderMap, String) {
    let mut request = http::Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    send(state, request, Bytes::new())
}

/// A `POST` of `body` as `content_type`.
fn post(
    state: &AdminState,
    uri: &str,
    content_type: &str,
    body: &str,
) -> (StatusCode, http::HeaderMap, String) {
    let request = http::Request::builder()
        .method("POST")
        .uri(uri)
        .header("content-type", content_type);
    send(state, request, Bytes::from(body.to_owned()))
}

/// Sends `request` to a listener bound to a loopback address, as the tests' listeners are.
fn send(
    state: &AdminState,
    request: http::request::Builder,
    body: Bytes,
) -> (StatusCode, http::HeaderMap, String) {
    send_to(state, true, request, body)
}

/// Sends `request` to a listener bound to a loopback address or not (`loopback`).
fn send_to(
    state: &AdminState,
    loopback: bool,
    request: http::request::Builder,
    body: Bytes,
) -> (StatusCode, http::HeaderMap, String) {
    let (parts, ()) = request.body(()).unwrap().into_parts();
    let response = route(state, (&CancellationToken::new(), loopback), &parts, &body);
    let (parts, body) = response.into_parts();
    let body = futures::executor::block_on(body.collect())
        .unwrap()
        .to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn api_routes_answer_their_shapes() {
    let f = fixture(None);
    let (status, _, body) = call(&f.state, "GET", "/api/v1/summary", None);
    assert_eq!(status, StatusCode::OK, "{body}");
    let summary = json(&body);
    let loan = &summary["strategies"][0];
    assert_eq!(loan["strategy"], "loan");
    assert_eq!(loan["comparisons"], 2);
    assert_eq!(loan["mismatches"], 1);
    assert_eq!(loan["readiness"]["status"], "blocked");
    assert_eq!(summary["store"]["degraded"], false);

    let (status, _, body) = call(
        &f.state,
        "GET",
        "/api/v1/mismatches?strategy=loan&kind=mismatch",
        None,
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = json(&body);
    assert_eq!(page["records"].as_array().unwrap().len(), 1);
    assert!(page["next"].is_null());
    let id = page["records"][0]["id"].as_str().unwrap().to_owned();

    let (status, _, body) = call(&f.state, "GET", &format!("/api/v1/mismatches/{id}"), None);
    assert_eq!(status, StatusCode::OK, "{body}");
    let detail = json(&body);
    assert_eq!(detail["record"]["mismatch"]["signature"], "sig-grade");
    assert!(detail["unified_diff"]
        .as_str()
        .unwrap()
        .contains("+++ shadow"));

    let unknown = "000000000000000000000001";
    assert_eq!(
        call(
            &f.state,
            "GET",
            &format!("/api/v1/mismatches/{unknown}"),
            None
        )
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&f.state, "GET", "/api/v1/mismatches/nope", None).0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        call(&f.state, "GET", "/api/v1/mismatches?kind=odd", None).0,
        StatusCode::BAD_REQUEST
    );

    let (status, _, body) = call(&f.state, "GET", "/api/v1/groups?strategy=loan", None);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["groups"][0]["count"], 1);
    assert_eq!(
        call(&f.state, "GET", "/api/v1/groups", None).0,
        StatusCode::BAD_REQUEST
    );

    let (status, _, body) = call(&f.state, "GET", "/api/v1/readiness", None);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["strategies"][0]["ready"], false);

    let (status, _, body) = call(&f.state, "POST", "/api/v1/reload", None);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer = json(&body);
    let problem = &answer["problems"][0];
    // `key` as printed, with its position again as numbers.
    assert_eq!(problem["key"], "strategies.loan.live (line 18, column 8)");
    assert_eq!(
        (problem["line"].as_u64(), problem["column"].as_u64()),
        (Some(18), Some(8))
    );
    assert_eq!(problem["expected"], "an engine declared in [engines]");
    assert_eq!(problem["found"], "\"ghost\"");
    assert_eq!(problem["severity"], "error");
    let line = r#"strategies.loan.live (line 18, column 8): expected an engine declared in [engines], found "ghost""#;
    assert_eq!(problem["message"], line);
    assert_eq!(answer["message"], line);

    let (status, headers, body) = call(&f.state, "GET", "/metrics", None);
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "shadowgate_up 1\n")
    );
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    // A 405 names the methods the route answers (RFC 9110 §15.5.6).
    for (method, path, allow) in [
        ("DELETE", "/api/v1/summary", "GET"),
        ("POST", "/metrics", "GET"),
        ("GET", "/api/v1/reload", "POST"),
        ("PUT", "/api/v1/triage", "GET, POST"),
    ] {
        let (status, headers, _) = call(&f.state, method, path, None);
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(headers["allow"], allow, "{method} {path}");
    }
    assert_eq!(
        call(&f.state, "GET", "/nowhere", None).0,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn pages_escape_values_and_link_to_details() {
    let f = fixture(None);
    let (status, headers, page) = call(&f.state, "GET", "/", None);
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(page.contains("<h2>loan"), "{page}");
    assert!(page.contains("sig-grade"));
    // The correlation id holds markup: it must reach the page escaped, never as a tag.
    assert!(page.contains("corr-&lt;script&gt;1"), "{page}");
    assert!(!page.contains("<script"));
    let link = page.split("href=\"mismatches/").nth(1).unwrap();
    let id = &link[..24];
    let (status, _, detail) = call(&f.state, "GET", &format!("/mismatches/{id}"), None);
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert!(
        detail.contains("&lt;b&gt;"),
        "shadow value escaped: {detail}"
    );
    assert!(!detail.contains("<b>"));
    assert!(detail.contains("<tr class=\"diff\"><td class=\"path\">body.grade</td>"));
    // `header.sent_at` differs but is not a difference of the record, and no rule in force
    // hides it (this fixture has none): a rule since removed did. Greyed, never highlighted.
    assert!(!detail.contains("<tr class=\"diff\"><td class=\"path\">header.sent_at</td>"));
    assert!(
        detail.contains("a rule since removed or changed"),
        "{detail}"
    );
    // Error pages link back to the report from where they are: one level up from a record,
    // beside it from the list (relative, so a proxy's path prefix is kept).
    let (status, _, error) = call(&f.state, "GET", "/mismatches/zz", None);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error.contains("<a href=\"../\">back to the report</a>"),
        "{error}"
    );
    let (status, _, error) = call(&f.state, "GET", "/mismatches?limit=x", None);
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert!(
        error.contains("<a href=\"./\">back to the report</a>"),
        "{error}"
    );
    // A misspelt strategy matches nothing, and the page says which strategies there are; a
    // known one whose filter matches nothing says only that.
    let (status, _, none) = call(&f.state, "GET", "/mismatches?strategy=lone", None);
    assert_eq!(status, StatusCode::OK);
    assert!(
        none.contains(
            "No records match. This store has counted no strategy named <code>lone</code> (it \
             has counted: loan).</p>"
        ),
        "{none}"
    );
    let (_, _, none) = call(
        &f.state,
        "GET",
        "/mismatches?strategy=loan&signature=zz",
        None,
    );
    assert!(none.contains("No records match.</p>"), "{none}");
}

#[test]
fn a_groups_replay_verdict_is_its_newest_whole_run_with_a_newer_partial_run_beside_it() {
    use crate::store::{ReplayCase, ReplayRun};
    let f = fixture(None);
    let case = |seq: u32, result: &str| ReplayCase {
        id: crate::store::RecordId { micros: 1, seq },
        signature: "sig-grade".to_owned(),
        result: result.to_owned(),
        new_signature: None,
        detail: None,
    };
    let run = |started_micros: u64, selection: &str, cases: Vec<ReplayCase>| ReplayRun {
        started_micros,
        finished_micros: started_micros + 1,
        by: "kim".to_owned(),
        strategy: "loan".to_owned(),
        engine: "next".to_owned(),
        selection: selection.to_owned(),
        group_selections: Default::default(),
        shadowed_by: None,
        cases,
    };
    let whole = run(
        1_764_460_800_000_000,
        "--group sig-grade",
        vec![case(1, "fixed"), case(2, "still_differing")],
    );
    let mut partial = run(
        1_764_460_860_000_000,
        "--group sig-grade --ids 1-1",
        vec![case(1, "fixed")],
    );
    // Someone else's: the row credits each run to whoever ran it.
    partial.by = "lee".to_owned();
    f.state.reader.save_replay(&whole).unwrap();
    f.state.reader.save_replay(&partial).unwrap();
    // After a cutover, a run of the cases one engine shadowed: each listed run says whose.
    let mut shadowed = run(1_764_460_900_000_000, "--group sig-other", Vec::new());
    shadowed.shadowed_by = Some("next".to_owned());
    f.state.reader.save_replay(&shadowed).unwrap();

    let (_, _, body) = call(&f.state, "GET", "/api/v1/replays", None);
    let runs = &json(&body)["runs"];
    assert_eq!(runs[0]["shadowed_by"], "next", "{body}");
    assert_eq!(runs[0]["selection"], "--group sig-other", "{body}");
    assert!(runs[1].get("shadowed_by").is_none(), "{body}");
    let group = &json(&body)["groups"][0];
    assert_eq!(
        (&group["whole"]["fixed"], &group["whole"]["total"]),
        (&serde_json::json!(1), &serde_json::json!(2)),
        "{body}"
    );
    assert_eq!(group["latest_partial"]["total"], 1, "{body}");
    assert_eq!(group["latest_partial"]["partial"], true, "{body}");
    let summary = group["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("1 of 2 cases fixed by replay at ")
            && summary.contains("; since then 1 of 1 case fixed by replay at ")
            && summary.ends_with(" (part of the group: --group sig-grade --ids 1-1)"),
        "{summary}"
    );

    let (_, _, page) = call(&f.state, "GET", "/", None);
    let row = page
        .lines()
        .find(|l| l.contains("cases fixed by replay"))
        .unwrap_or_else(|| panic!("no replay row: {page}"));
    assert!(
        row.contains("<td>1 of 2 cases fixed by replay at <span"),
        "{row}"
    );
    assert!(
        row.contains("<td>next<br>next</td><td>kim<br>lee</td>"),
        "{row}"
    );
    assert!(
        row.contains("<br>since then 1 of 1 case fixed by replay at <span"),
        "{row}"
    );
    assert!(
        row.contains("(part of the group: --group sig-grade --ids 1-1)</td>"),
        "{row}"
    );
}

/// Every outcome there is, a skip reason and a shadow error kind added later included, is
/// counted by the store and shown by the API, the page and the report under its label: adding a
/// variant with its label to `crate::outcome` is all it takes.
#[test]
fn every_outcome_is_counted_stored_and_reported_under_its_label() {
    use crate::outcome::ShadowOutcome;
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        path: dir.path().join("store"),
        ..StoreConfig::default()
    };
    let store = Store::open(&config, WriterOptions::default()).unwrap();
    let recorder = store.recorder();
    let outcomes = ShadowOutcome::every();
    for outcome in &outcomes {
        let event = match outcome.record_kind() {
            None => Event::Counted {
                strategy: Arc::from("loan"),
                outcome: *outcome,
            },
            Some(kind) => {
                let Event::Record(mut record) = mismatch("loan", "홍*") else {
                    unreachable!("mismatch() builds a record")
                };
                record.kind = kind;
                if let ShadowOutcome::ShadowError(error_kind) = outcome {
                    record.error_kind = Some(*error_kind);
                    record.signature = outcome.failure_signature();
                }
                Event::Record(record)
            }
        };
        recorder.record(event).unwrap();
    }
    let reader = store.close();
    let review = Review::new(reader.clone(), Policies::new());
    let summary = review.summary(None, 0).unwrap();
    let loan = &summary.strategies[0];
    let errors = outcomes.iter().filter(|o| o.result() == "shadow_error");
    let skips = outcomes.iter().filter(|o| !o.is_comparison());
    assert_eq!(loan.shadow_errors, errors.clone().count() as u64);
    assert_eq!(loan.skipped, skips.clone().count() as u64);
    let groups = review.groups("loan").unwrap();
    let mut report = Vec::new();
    let utc = crate::review::ReviewView::default();
    let per_strategy = std::slice::from_ref(&groups);
    crate::cli::text::report(
        &mut report,
        "test",
        crate::cli::JudgedBy::Config,
        &summary,
        per_strategy,
        &utc,
    )
    .unwrap();
    let report = String::from_utf8(report).unwrap();
    let state = AdminState {
        reader,
        stats: Arc::new(crate::store::StoreStats::default()),
        policies: Arc::new(Policies::new),
        view: Arc::new(crate::review::ReviewView::default),
        token: Arc::new(|| None),
        allowed_hosts: Arc::new(Vec::new),
        metrics: Arc::new(String::new),
        reload: None,
        engines: None,
        replay: None,
        cutover: None,
        draining: Default::default(),
    };
    let (_, _, page) = call(&state, "GET", "/", None);
    let (_, _, api) = call(&state, "GET", "/api/v1/summary", None);
    let api = json(&api);
    for outcome in errors.chain(skips) {
        let label = outcome.detail().unwrap();
        let by = if outcome.is_comparison() {
            &loan.shadow_errors_by_kind
        } else {
            &loan.skipped_by_reason
        };
        assert_eq!(by.get(label), Some(&1), "{outcome:?} not counted");
        let member = if outcome.is_comparison() {
            "shadow_errors_by_kind"
        } else {
            "skipped_by_reason"
        };
        assert_eq!(
            api["strategies"][0][member][label], 1,
            "{outcome:?} in the API"
        );
        assert!(
            page.contains(&format!("{label} 1")),
            "{outcome:?} on the page"
        );
        assert!(
            report.contains(&format!("{label} 1")),
            "{outcome:?} in the report"
        );
        if outcome.is_comparison() {
            let signature = outcome.failure_signature();
            let group = groups.iter().find(|g| g.signature == signature);
            assert_eq!(
                group.map(|g| g.count),
                Some(1),
                "{outcome:?} has its own group"
            );
        }
    }
}

#[test]
fn instances_answer_only_for_a_fleet_and_a_sled_summary_is_unchanged() {
    let f = fixture(None);
    let (status, _, body) = call(&f.state, "GET", "/api/v1/instances", None);
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(json(&body)["error"].as_str().unwrap().contains("sled"));
    let (_, _, body) = call(&f.state, "GET", "/api/v1/summary", None);
    let summary = json(&body);
    assert!(summary.get("fleet").is_none(), "{body}");
    assert!(summary["store"].get("spooling").is_none(), "{body}");
}

#[test]
fn noise_groups_are_shown_apart_from_the_mismatch_groups() {
    let Event::Record(mut noisy) = mismatch("loan", "김*") else {
        unreachable!()
    };
    noisy.signature = format!("{}sig-stamp", crate::store::NOISE_PREFIX);
    let f = fixture_with(None, vec![Event::Record(noisy)]);
    let (status, _, page) = call(&f.state, "GET", "/", None);
    assert_eq!(status, StatusCode::OK);
    let defects = page
        .find("<h3>Mismatch groups</h3>")
        .expect("defect groups");
    let noise = page
        .find("<h3>Noise</h3>")
        .unwrap_or_else(|| panic!("{page}"));
    let at = |needle: &str| {
        page.find(needle)
            .unwrap_or_else(|| panic!("{needle}: {page}"))
    };
    assert!(defects < at("<code>sig-grade</code>") && at("<code>sig-grade</code>") < noise);
    assert!(noise < at("<code>noise-sig-stamp</code>"), "{page}");

    // The text report's groups are the differences to triage; the noise group only counted,
    // listed in the report's noise section.
    let review = Review::new(f.state.reader.clone(), Policies::new());
    let summary = review.summary(None, 0).unwrap();
    let groups = [review.groups("loan").unwrap()];
    let text = |groups: &[Vec<crate::store::Group>]| {
        let mut out = Vec::new();
        let utc = crate::review::ReviewView::default();
        crate::cli::text::report(
            &mut out,
            "test",
            crate::cli::JudgedBy::Config,
            &summary,
            groups,
            &utc,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    };
    let report = text(&groups);
    assert!(report.contains("[sig-grade]"), "{report}");
    assert!(!report.contains("noise-sig-stamp"), "{report}");
    assert!(
        report.contains("\n  and 1 noise group, listed under noise below\n"),
        "{report}"
    );
    let only_noise: Vec<_> = groups[0]
        .iter()
        .filter(|g| g.signature.starts_with(crate::store::NOISE_PREFIX))
        .cloned()
        .collect();
    let report = text(&[only_noise]);
    assert!(
        report
            .contains("\n  groups: none besides noise (1 noise group, listed under noise below)\n"),
        "{report}"
    );
    assert!(!report.contains("groups by signature"), "{report}");
}

#[test]
fn times_in_shared_texts_are_written_in_the_pages_zone() {
    let view = ReviewView {
        zone: jiff::tz::TimeZone::get("Asia/Seoul").unwrap(),
        chart_days: 14,
    };
    let text = "0 clean days since the last failure at 2026-12-01T07:00:49.564104Z; 홍길동 \
                T-2026-13-01T00:00:00Z connect at 2026-11-29T10:00:00Z";
    assert_eq!(
        super::page::in_zone(text, &view),
        "0 clean days since the last failure at 2026-12-01 16:00:49 +09:00; 홍길동 \
         T-2026-13-01T00:00:00Z connect at 2026-11-29 19:00:00 +09:00"
    );
    assert_eq!(super::page::in_zone("no time here", &view), "no time here");
}

const FORM: &str = "application/x-www-form-urlencoded";
