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

mod diff_paths;
mod outage;
mod routes;
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
        metrics: Arc::new(|| "shadowgate_up 1\n".to_owned()),
        reload: Some(Arc::new(|| {
            Err(vec![crate::config::Problem::error(
                "strategies.loan.live",
                "an engine declared in [engines]",
                crate::config::Found::text("ghost"),
            )])
        })),
        engines: None,
        replay: None,
        cutover: None,
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

fn send(
    state: &AdminState,
    request: http::request::Builder,
    body: Bytes,
) -> (StatusCode, http::HeaderMap, String) {
    let (parts, ()) = request.body(()).unwrap().into_parts();
    let response = route(state, &CancellationToken::new(), &parts, &body);
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
    assert_eq!(problem["key"], "strategies.loan.live");
    assert_eq!(problem["expected"], "an engine declared in [engines]");
    assert_eq!(problem["found"], "\"ghost\"");
    assert_eq!(problem["severity"], "error");
    let line = r#"strategies.loan.live: expected an engine declared in [engines], found "ghost""#;
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
fn a_field_a_rule_hid_is_greyed_with_the_rule_never_highlighted() {
    let mut f = fixture(None);
    let rules: comparator::RulesConfig =
        serde_json::from_value(serde_json::json!({ "ignore": ["header.sent_at"] })).unwrap();
    let policy = crate::review::Policy {
        rules: Arc::new(rules.validate().unwrap()),
        ..crate::review::Policy::default()
    };
    f.state.policies = Arc::new(move || Policies::from([("loan".to_owned(), policy.clone())]));
    let (_, _, page) = call(&f.state, "GET", "/api/v1/mismatches?strategy=loan", None);
    let id = json(&page)["records"][0]["id"].as_str().unwrap().to_owned();

    let (status, _, detail) = call(&f.state, "GET", &format!("/mismatches/{id}"), None);
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert!(
        detail.contains("<tr class=\"hidden-by-rule\"><td class=\"path\">header.sent_at</td><td>0900</td><td>0901</td><td class=\"rule\">ignore header.sent_at</td></tr>"),
        "greyed with its rule: {detail}"
    );
    assert!(!detail.contains("<tr class=\"diff\"><td class=\"path\">header.sent_at"));
    assert!(detail.contains("<tr class=\"diff\"><td class=\"path\">body.grade</td>"));
    assert!(detail.contains("<tr><td class=\"path\">header.tx_code</td>"));

    let (status, _, body) = call(&f.state, "GET", &format!("/api/v1/mismatches/{id}"), None);
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = json(&body)["rows"].clone();
    let state = |path: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|row| row["path"] == path)
            .map(|row| row["state"].clone())
    };
    assert_eq!(
        state("header.sent_at"),
        Some(serde_json::json!({ "hidden": "ignore header.sent_at" }))
    );
    assert_eq!(state("body.grade"), Some(serde_json::json!("differs")));
    assert_eq!(state("body.rate"), Some(serde_json::json!("equal")));
}

/// A fixture holding one mismatch of `strategy` whose shadow decision is `shadow` (JSON
/// text), judged now by `rules` (a strategy's rules section as JSON); with the record's id.
fn shadow_under_rules(strategy: &str, shadow: &str, rules: Value) -> (Fixture, String) {
    let Event::Record(mut record) = mismatch(strategy, "홍*") else {
        unreachable!("mismatch() makes a record")
    };
    let shadow: Value = serde_json::from_str(shadow).unwrap();
    record.shadow_decision = Some(shadow.into());
    let rules: comparator::RulesConfig = serde_json::from_value(rules).unwrap();
    record_under_rules(record, rules.validate().unwrap())
}

/// A fixture holding `record` alone, judged now by `rules`; with the record's id.
fn record_under_rules(
    record: Box<crate::store::Mismatch>,
    rules: comparator::Rules,
) -> (Fixture, String) {
    let strategy = record.strategy.to_string();
    let mut f = fixture_with(None, vec![Event::Record(record)]);
    let policy = crate::review::Policy {
        rules: Arc::new(rules),
        ..crate::review::Policy::default()
    };
    let name = strategy.clone();
    f.state.policies = Arc::new(move || Policies::from([(name.clone(), policy.clone())]));
    let path = format!("/api/v1/mismatches?strategy={strategy}");
    let (_, _, page) = call(&f.state, "GET", &path, None);
    let id = json(&page)["records"][0]["id"].as_str().unwrap().to_owned();
    (f, id)
}

#[test]
fn a_rate_within_its_tolerance_is_unchanged_in_the_unified_diff_noted_with_the_rule() {
    // The shadow's rate differs from the live 5.250 within the strategy's tolerance.
    let (f, id) = shadow_under_rules(
        "rated",
        r#"{"header": {"tx_code": "LNS0001", "sent_at": "0901"}, "body": {"decision": "A", "grade": "<b>", "rate": 5.251}}"#,
        serde_json::json!({
            "ignore": ["header.sent_at"],
            "tolerance": [{ "path": "body.rate", "absolute": "0.01" }],
        }),
    );

    // The API's diff, which `mismatches show` prints as it is (and computes the same way from a
    // stopped gateway's store): only the grade changed; the rate is one unchanged line.
    let (_, _, body) = call(&f.state, "GET", &format!("/api/v1/mismatches/{id}"), None);
    let diff = json(&body)["unified_diff"].as_str().unwrap().to_owned();
    let changed: Vec<&str> = diff
        .lines()
        .skip(2)
        .filter(|l| l.starts_with(['-', '+']))
        .collect();
    assert_eq!(
        changed,
        ["-    \"grade\": \"A1\",", "+    \"grade\": \"<b>\","],
        "{diff}"
    );
    let rate = "     \"rate\": 5.250  (shadow 5.251, hidden by tolerance body.rate)";
    assert!(diff.lines().any(|l| l == rate), "{diff}");

    let (status, _, detail) = call(&f.state, "GET", &format!("/mismatches/{id}"), None);
    assert_eq!(status, StatusCode::OK, "{detail}");
    let unified = detail
        .split("<pre class=\"unified\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no unified diff: {detail}"));
    assert!(
        unified.contains(
            "\n     &quot;rate&quot;: 5.250  (shadow 5.251, hidden by tolerance body.rate)\n"
        ),
        "{unified}"
    );
    assert!(!unified.contains("\n-    &quot;rate"), "{unified}");
    assert!(!unified.contains("\n+    &quot;rate"), "{unified}");
}

#[test]
fn the_unified_diff_marks_the_stored_differences_after_the_rules_changed() {
    // Stored under rules that reported the grade and hid the rate (5.250 against 5.30); the
    // rules now ignore the grade and no longer hide that rate.
    let (f, id) = shadow_under_rules(
        "changed",
        r#"{"header": {"tx_code": "LNS0001", "sent_at": "0901"}, "body": {"decision": "A", "grade": "<b>", "rate": 5.30}}"#,
        serde_json::json!({
            "ignore": ["header.sent_at", "body.grade"],
            "tolerance": [{ "path": "body.rate", "absolute": "0.01" }],
        }),
    );

    let (_, _, body) = call(&f.state, "GET", &format!("/api/v1/mismatches/{id}"), None);
    let detail = json(&body);
    let diff = detail["unified_diff"].as_str().unwrap();
    let changed: Vec<&str> = diff
        .lines()
        .skip(2)
        .filter(|l| l.starts_with(['-', '+']))
        .collect();
    assert_eq!(
        changed,
        ["-    \"grade\": \"A1\",", "+    \"grade\": \"<b>\","],
        "{diff}"
    );
    let rate = "     \"rate\": 5.250  (shadow 5.30, hidden by a rule since removed or changed)";
    assert!(diff.lines().any(|l| l == rate), "{diff}");
    // The side-by-side rows say the same.
    let state = |path: &str| {
        let rows = detail["rows"].as_array().unwrap();
        rows.iter()
            .find(|row| row["path"] == path)
            .map(|row| row["state"].clone())
    };
    assert_eq!(state("body.grade"), Some(serde_json::json!("differs")));
    assert_eq!(
        state("body.rate"),
        Some(serde_json::json!({ "hidden": "a rule since removed or changed" }))
    );
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

    let (_, _, body) = call(&f.state, "GET", "/api/v1/replays", None);
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
            && summary.contains("; since then 1 of 1 cases fixed by replay at ")
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
        row.contains("<br>since then 1 of 1 cases fixed by replay at <span"),
        "{row}"
    );
    assert!(
        row.contains("(part of the group: --group sig-grade --ids 1-1)</td>"),
        "{row}"
    );
}

#[test]
fn the_token_guards_everything_but_health() {
    let f = fixture(Some("s3cret"));
    for path in ["/livez", "/readyz"] {
        assert_eq!(
            call(&f.state, "GET", path, None).0,
            StatusCode::OK,
            "{path}"
        );
    }
    for path in [
        "/",
        "/metrics",
        "/api/v1/summary",
        "/api/v1/health",
        "/api/v1/mismatches",
        "/api/v1/groups?strategy=loan",
        "/api/v1/readiness",
        "/mismatches/000000000000000000000001",
    ] {
        for token in [None, Some("wrong")] {
            let (status, headers, _) = call(&f.state, "GET", path, token);
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} {token:?}");
            assert!(headers["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer"));
        }
        assert_ne!(
            call(&f.state, "GET", path, Some("s3cret")).0,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    assert_eq!(
        call(&f.state, "POST", "/api/v1/reload", None).0,
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn readyz_fails_while_degraded_or_stopping() {
    let f = fixture(None);
    assert_eq!(
        api::readyz(&f.state, true).status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    f.state
        .stats
        .degraded
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let (status, _, body) = call(&f.state, "GET", "/readyz", None);
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("store degraded"), "{body}");
}

#[test]
fn a_rotated_token_takes_effect_and_the_old_one_stops_working() {
    let mut f = fixture(None);
    let current = Arc::new(std::sync::Mutex::new(Some("old".to_owned())));
    let reads = current.clone();
    f.state.token = Arc::new(move || reads.lock().unwrap().clone());
    assert_eq!(
        call(&f.state, "GET", "/metrics", Some("old")).0,
        StatusCode::OK
    );
    *current.lock().unwrap() = Some("new".to_owned());
    let old = call(&f.state, "GET", "/metrics", Some("old")).0;
    assert_eq!(old, StatusCode::UNAUTHORIZED);
    assert_eq!(
        call(&f.state, "GET", "/metrics", Some("new")).0,
        StatusCode::OK
    );
}

fn engine(name: &str, up: bool, live_for: &[&str]) -> EngineStatus {
    EngineStatus {
        engine: name.to_owned(),
        protocol: "mci".to_owned(),
        live_for: live_for.iter().map(|s| (*s).to_owned()).collect(),
        shadow_for: vec!["other".to_owned()],
        up,
        checked: true,
        since: "2026-11-29T10:00:00.000000Z".to_owned(),
        last_error: (!up).then(|| "connect".to_owned()),
        last_error_at: (!up).then(|| "2026-11-29T10:00:00.000000Z".to_owned()),
        last_error_detail: (!up)
            .then(|| "10.0.0.7:7001: Connection refused (os error 111)".to_owned()),
        endpoint: Some("10.0.0.7:7001".to_owned()),
    }
}

#[test]
fn readyz_names_each_live_engine_down_by_its_failure_and_the_health_route_in_full() {
    let mut f = fixture(Some("s3cret"));
    f.state.engines = Some(Arc::new(|| {
        vec![
            engine("legacy", false, &["loan", "card"]),
            engine("new-engine", false, &[]),
            engine("fine", true, &["deposit"]),
        ]
    }));
    let (status, _, body) = call(&f.state, "GET", "/readyz", None);
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["reason"], r#"live engine "legacy": unreachable"#);
    // The kind only: no since, no last error's time, no list of strategies.
    assert!(ready.get("strategies").is_none(), "{body}");
    assert!(!body.contains("2026-11-29"), "{body}");
    assert!(!body.contains("10.0.0.7"), "no address in {body}");
    // In full behind the token: each strategy with its engine, since when, its last failure.
    assert_eq!(
        call(&f.state, "GET", "/api/v1/health", None).0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _, body) = call(&f.state, "GET", "/api/v1/health", Some("s3cret"));
    assert_eq!(status, StatusCode::OK);
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "not_ready");
    let down = health["strategies"].as_array().unwrap();
    let named: Vec<_> = down
        .iter()
        .map(|d| {
            (
                d["strategy"].as_str().unwrap(),
                d["engine"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(named, [("loan", "legacy"), ("card", "legacy")]);
    assert_eq!(down[0]["last_error"], "connect");
    assert_eq!(
        down[0]["last_error_detail"],
        "10.0.0.7:7001: Connection refused (os error 111)"
    );
    assert_eq!(down[0]["endpoint"], "10.0.0.7:7001");
    assert_eq!(down[0]["since"], "2026-11-29T10:00:00.000000Z");
    // The words of whoever failed, with the address: never in `/readyz` (checked above).
    assert_eq!(
        health["reasons"][0]["detail"],
        r#"live engine "legacy" at 10.0.0.7:7001 down since 2026-11-29T10:00:00.000000Z, last error at 2026-11-29T10:00:00.000000Z: 10.0.0.7:7001: Connection refused (os error 111); live for loan, card"#
    );
    assert_eq!(health["engines"].as_array().unwrap().len(), 3, "{body}");
    // A down shadow engine alone does not make the gateway unready.
    f.state.engines = Some(Arc::new(|| vec![engine("new-engine", false, &[])]));
    assert_eq!(call(&f.state, "GET", "/readyz", None).0, StatusCode::OK);
}

/// A spooling store's reason holds the server's words (a user name, here): `/readyz` says the
/// kind only, `/api/v1/health` behind the token says it all.
#[test]
fn readyz_says_the_kind_of_a_store_outage_and_the_health_route_its_words() {
    let f = fixture(Some("s3cret"));
    let server_said = r#"postgres refused the login (store backend failed to connect to postgres: FATAL: password authentication failed for user "shadowgate" (SQLSTATE 28P01))"#;
    f.state
        .stats
        .spooling
        .store(true, std::sync::atomic::Ordering::Relaxed);
    f.state
        .stats
        .set_spooling_reason(Some(crate::store::SpoolingReason {
            kind: "login refused",
            detail: server_said.to_owned(),
        }));
    let (status, _, body) = call(&f.state, "GET", "/readyz", None);
    assert_eq!(status, StatusCode::OK, "spooling keeps the gateway ready");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["detail"], "store spooling: login refused");
    for secret in ["password", "shadowgate", "SQLSTATE", "FATAL", "postgres"] {
        assert!(!body.contains(secret), "{secret} in {body}");
    }
    let (status, _, body) = call(&f.state, "GET", "/api/v1/health", Some("s3cret"));
    assert_eq!(status, StatusCode::OK);
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ready");
    assert_eq!(health["spooling"]["kind"], "store spooling: login refused");
    assert_eq!(
        health["spooling"]["detail"],
        format!("store spooling: {server_said}, records and totals kept locally")
    );
    // Not ready for another reason, still spooling: both are said.
    let (status, _, body) = call(&f.state, "GET", "/readyz?", None);
    assert_eq!(status, StatusCode::OK, "{body}");
    let stopping = api::readyz(&f.state, true);
    assert_eq!(stopping.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = futures::executor::block_on(stopping.into_body().collect())
        .unwrap()
        .to_bytes();
    let ready: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        ready,
        serde_json::json!({
            "status": "not_ready",
            "reason": "shutting down",
            "detail": "store spooling: login refused",
        })
    );
}

#[test]
fn the_summary_and_the_page_show_engine_health() {
    let mut f = fixture(None);
    let (_, _, body) = call(&f.state, "GET", "/api/v1/summary", None);
    let summary: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        summary.get("engines").is_none(),
        "no engines without a gateway"
    );
    f.state.engines = Some(Arc::new(|| vec![engine("legacy", false, &["loan"])]));
    let (_, _, body) = call(&f.state, "GET", "/api/v1/summary", None);
    let summary: Summary = serde_json::from_str(&body).unwrap();
    assert_eq!(summary.engines.unwrap()[0].state(), "down");
    let (status, _, page) = call(&f.state, "GET", "/", None);
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<td>legacy</td><td>mci</td><td>live for loan; shadow for other</td><td><span class=\"blocked\">down</span></td>"),
        "{page}"
    );
    // In the page's zone (UTC here), as every time on the page; the API keeps RFC 3339.
    assert!(
        page.contains("connect at 2026-11-29 10:00:00 +00:00"),
        "{page}"
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
    crate::cli::text::report(&mut report, "test", &summary, per_strategy, &utc).unwrap();
    let report = String::from_utf8(report).unwrap();
    let state = AdminState {
        reader,
        stats: Arc::new(crate::store::StoreStats::default()),
        policies: Arc::new(Policies::new),
        view: Arc::new(crate::review::ReviewView::default),
        token: Arc::new(|| None),
        metrics: Arc::new(String::new),
        reload: None,
        engines: None,
        replay: None,
        cutover: None,
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

/// A store written over three days of Seoul time (the writer's clock seam set to each day),
/// read back by the page: one pair of bars per chart day, a group strip, times with the offset.
#[test]
fn the_page_draws_a_daily_chart_over_days_in_the_configured_zone() {
    use crate::store::{hour_of, Clock, ManualClock, SystemClock, MICROS_PER_HOUR};
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        path: dir.path().join("store"),
        ..StoreConfig::default()
    };
    let now = SystemClock.now_micros();
    // Noon in Seoul today, and the two days before: each its own local day whatever the hour.
    let seoul = jiff::tz::TimeZone::get("Asia/Seoul").unwrap();
    let noon_today = jiff::Timestamp::from_microsecond(now as i64)
        .unwrap()
        .to_zoned(seoul.clone())
        .date()
        .at(12, 0, 0, 0)
        .to_zoned(seoul.clone())
        .unwrap()
        .timestamp()
        .as_microsecond() as u64;
    let noon_today = noon_today.min(now);
    let clock = Arc::new(ManualClock::at(noon_today - 2 * 24 * MICROS_PER_HOUR));
    let (tx, rx) = std::sync::mpsc::channel();
    let options = WriterOptions {
        clock: clock.clone(),
        on_flush: Some(Arc::new(move |ids: &[crate::store::RecordId]| {
            let _ = tx.send(ids.len());
        })),
    };
    let store = Store::open(&config, options).unwrap();
    let recorder = store.recorder();
    // Day 1: 3 failures; day 2: none; day 3: 1. Counted events take the writer's time at their
    // commit, so each day waits until its events are committed before the clock moves on.
    let mut events = 0u64;
    for failures in [3usize, 0, 1] {
        events += failures as u64 + 5;
        for _ in 0..failures {
            recorder.record(mismatch("loan", "홍*")).unwrap();
        }
        for _ in 0..5 {
            recorder
                .record(Event::Counted {
                    strategy: Arc::from("loan"),
                    outcome: crate::outcome::ShadowOutcome::Match,
                })
                .unwrap();
        }
        let mut flushed = 0;
        while flushed < failures {
            flushed += rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while store
            .stats()
            .events_committed
            .load(std::sync::atomic::Ordering::Relaxed)
            < events
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the day's events were not committed"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        clock.advance(24 * MICROS_PER_HOUR);
    }
    let reader = store.close();
    let view = crate::review::ReviewView {
        zone: seoul,
        chart_days: 7,
    };
    let review = Review::new(reader.clone(), Policies::new()).with_view(view.clone());
    let daily = review.daily(now).unwrap();
    let loan = daily.strategy("loan").unwrap();
    assert_eq!(loan.len(), 7);
    let tail: Vec<(u64, u64)> = loan[4..]
        .iter()
        .map(|d| (d.comparisons, d.failures))
        .collect();
    assert_eq!(tail, [(8, 3), (5, 0), (6, 1)]);
    assert!(hour_of(now) >= hour_of(noon_today));

    let state = AdminState {
        reader,
        stats: Arc::new(crate::store::StoreStats::default()),
        policies: Arc::new(Policies::new),
        view: Arc::new(move || view.clone()),
        token: Arc::new(|| None),
        metrics: Arc::new(String::new),
        reload: None,
        engines: Some(Arc::new(|| vec![engine("legacy", true, &["loan"])])),
        replay: None,
        cutover: None,
    };
    let (status, _, page) = call(&state, "GET", "/", None);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.matches("class=\"bar failures\"").count(), 7, "{page}");
    assert_eq!(page.matches("class=\"bar comparisons\"").count(), 7);
    assert_eq!(page.matches("class=\"bar group\"").count(), 7);
    assert!(page.contains("Daily, last 7 days (Asia/Seoul)"), "{page}");
    assert!(
        page.contains("</span> · times in Asia/Seoul"),
        "named once at the top: {page}"
    );
    assert!(
        page.contains(" +09:00</"),
        "times carry the zone's offset: {page}"
    );
    // The engines' "since" too (10:00 UTC), not the API's RFC 3339 text.
    assert!(
        page.contains("<td>2026-11-29 19:00:00 +09:00</td>"),
        "{page}"
    );
    assert!(page.contains("href=\"mismatches?strategy=loan&amp;signature=sig-grade\""));

    // The group's records, two to a page, then the next page by cursor.
    let (status, _, first) = call(
        &state,
        "GET",
        "/mismatches?strategy=loan&signature=sig-grade&limit=2",
        None,
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first.matches("<td class=\"t\">").count(), 2, "{first}");
    let next = first
        .split("rel=\"next\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a next-page link")
        .replace("&amp;", "&");
    let (_, _, second) = call(&state, "GET", &format!("/{next}"), None);
    assert_eq!(second.matches("<td class=\"t\">").count(), 2, "{second}");
    let (_, _, api) = call(&state, "GET", "/api/v1/daily", None);
    let api = json(&api);
    assert_eq!(api["time_zone"], "Asia/Seoul");
    // A group's day carries its records and its strategy's comparisons that day (the share's
    // denominator), never "0 comparisons" beside failures; the page's strip says the same.
    let day = |d: &serde_json::Value| (d["comparisons"].clone(), d["failures"].clone());
    let group: Vec<_> = api["groups"]["loan"]["sig-grade"]
        .as_array()
        .unwrap()
        .iter()
        .map(day)
        .collect();
    let strategy: Vec<_> = api["strategies"]["loan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["comparisons"].clone())
        .collect();
    assert_eq!(
        group.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(),
        strategy
    );
    assert_eq!(
        group[4..],
        [
            (8.into(), 3.into()),
            (5.into(), 0.into()),
            (6.into(), 1.into())
        ]
    );
    assert!(page.contains(": 3 of 8 comparisons</title>"), "{page}");
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
        crate::cli::text::report(&mut out, "test", &summary, groups, &utc).unwrap();
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

#[test]
fn a_refused_form_post_is_answered_with_a_page_and_a_json_call_with_json() {
    let f = fixture(None);
    let page = |status: StatusCode, headers: &http::HeaderMap, body: &str, reason: &str| {
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert!(body.contains(reason), "{body}");
        // Relative, as the page's links: it works under a proxy's path prefix.
        assert!(body.contains("<a href=\"../../#triage-loan\">"), "{body}");
    };
    let (status, headers, body) = post(
        &f.state,
        "/api/v1/triage",
        FORM,
        "strategy=loan&signature=sig-grade&by=kim&state=accepted_difference&rule=",
    );
    page(
        status,
        &headers,
        &body,
        "group loan/sig-grade: rule: expected the rule that covers an accepted difference, found nothing",
    );
    assert!(body.contains("group loan/sig-grade to accepted_difference was not saved"));
    let (status, headers, body) = post(
        &f.state,
        "/api/v1/triage",
        FORM,
        "strategy=loan&signature=sig-grade&by=kim&state=verified",
    );
    page(
        status,
        &headers,
        &body,
        "group loan/sig-grade: expected state fix_deployed before verified, found new",
    );
    let (status, headers, body) = post(
        &f.state,
        "/api/v1/triage",
        FORM,
        "strategy=loan&signature=%3Cb%3E&by=kim&state=investigating",
    );
    page(
        status,
        &headers,
        &body,
        "group loan/&lt;b&gt;: expected a mismatch group of the store, found none",
    );
    assert!(!body.contains("<b>"), "escaped: {body}");

    // The CLI's JSON call keeps its JSON answer, word for word.
    let (status, headers, body) = post(
        &f.state,
        "/api/v1/triage",
        "application/json",
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim", "state": "verified"}"#,
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(
        json(&body),
        serde_json::json!({"error": "group loan/sig-grade: expected state fix_deployed before verified, found new"})
    );
    let (_, _, audit) = call(&f.state, "GET", "/api/v1/audit", None);
    assert_eq!(
        json(&audit)["entries"],
        serde_json::json!([]),
        "nothing saved"
    );
}

#[test]
fn a_saved_form_post_goes_back_to_the_page_by_a_relative_link() {
    let f = fixture(None);
    let (_, _, page) = call(&f.state, "GET", "/", None);
    // The form posts relative to the page; the redirect is relative to the form's action.
    assert!(page.contains("action=\"api/v1/triage\""), "{page}");
    let (status, headers, _) = post(
        &f.state,
        "/api/v1/triage",
        FORM,
        "strategy=loan&signature=sig-grade&by=kim&state=investigating",
    );
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "../../#triage-loan");
    let (status, _, body) = post(
        &f.state,
        "/api/v1/triage",
        "application/json",
        r#"{"strategy": "loan", "signature": "sig-grade", "by": "kim", "state": "fix_deployed"}"#,
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["triage"]["state"], "fix_deployed");
}
