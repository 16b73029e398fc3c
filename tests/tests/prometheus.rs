//! The dashboards and alert rules against a real Prometheus: a gateway serves traffic with
//! mismatches, shadow errors, an unencodable answer, live failures, bad frames and reloads; a
//! Prometheus (Debian's package, started on a free loopback port) scrapes its admin listener with
//! `dashboards/alerts.yml` loaded; then every panel query, every variable query and every alert
//! expression is evaluated through the HTTP API. A query that Prometheus rejects fails the test,
//! and so does one that returns nothing where this traffic guarantees data, unless it is in the
//! short, reasoned [`MAY_BE_EMPTY`] list, or a panel of a link feature this gateway does not
//! configure ([`NOT_CONFIGURED`]). `promtool check metrics` lints the live `/metrics`;
//! `promtool check rules` and `check config` accept `alerts.yml` and `prometheus.yml`.
//!
//! Needs `prometheus` and `promtool` (`tests/run.sh` installs them); without them it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::Write;
use std::net::SocketAddr;
use std::ops::Range;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde_json::json;
use shadowgate_tests::dashboards::DASHBOARDS;
use shadowgate_tests::dashboards::{alert_exprs, dashboard, dashboards_dir, queries, read};
use shadowgate_tests::gateway::{
    answer_frame, decision, guid, http_answer, layout, request_frame, LIMIT,
};
use shadowgate_tests::prometheus::{http_get, TestPrometheus};
use shadowgate_tests::{EngineToml, FakeEngine, TestGateway};

/// Grafana's `$__rate_interval`: at least four scrape intervals (1 s here), as Grafana requires.
const RATE_INTERVAL: &str = "15s";
/// Grafana's `$__range` and `$__interval`: longer than the whole test, shorter than Prometheus'
/// life, so `increase` sees the values before the traffic.
const RANGE: &str = "1m";
/// Bound on every wait for Prometheus (first scrape, scrapes after the traffic, rule state).
const PROMETHEUS_WAIT: Duration = Duration::from_secs(20);

/// `annual_income` (15 digits) starts after the 100-byte header and 47 bytes of body.
const ANNUAL_INCOME: Range<usize> = 147..162;
/// Bytes 43..51 of a frame hold the transaction code.
const TX_CODE_BYTES: Range<usize> = 43..51;

/// Requests sent while the first shadow engine answers, by correlation number `0..`.
const FIRST_PHASE: u64 = 20;
/// Requests sent after the reload to a shadow engine that answers 503.
const SECOND_PHASE: u64 = 3;

/// Panels of link features this test's gateway does not configure (engine polls, dual-socket
/// links, a layout's transport acknowledgements): their series exist only where a listener or
/// engine can count them, so here they have none. That their names are the gateway's is checked
/// against `/metrics` with every series made (`gateway/tests/dashboards.rs`); here only that
/// Prometheus accepts the query.
const NOT_CONFIGURED: [&str; 4] = [
    "shadowgate_upstream_polls_total",
    "shadowgate_link_unmatched_answers_total",
    "shadowgate_link_answers_dropped_total",
    "shadowgate_link_acks_total",
];

/// A query that may legitimately return no series with this traffic.
struct MayBeEmpty {
    /// A piece of the query that names exactly one query of the dashboards and alert rules.
    needle: &'static str,
    /// Why this traffic leaves it empty.
    why: &'static str,
    /// A replacement (`from` → `to`) of the query's threshold that must return series: proof
    /// that the query names series the gateway exports and that its joins match.
    relaxed: (&'static str, &'static str),
}

/// Every query that may be empty. Only alerts that must not fire with this traffic: each one is
/// also asserted to be empty, and its relaxed form to have data.
const MAY_BE_EMPTY: [MayBeEmpty; 6] = [
    MayBeEmpty {
        needle: "(shadowgate_cutover_ready) == 1",
        why: "ShadowgateMismatchOnReadyStrategy: the strategy has mismatches, so it is not ready",
        relaxed: ("== 1", ">= 0"),
    },
    MayBeEmpty {
        needle: "(shadowgate_engine_up) == 0",
        why: "ShadowgateLiveEngineDown: every engine is reachable",
        relaxed: ("== 0", "== 1"),
    },
    MayBeEmpty {
        needle: "(shadowgate_store_degraded) == 1",
        why: "ShadowgateStoreDegraded: the store is healthy",
        relaxed: ("== 1", "== 0"),
    },
    MayBeEmpty {
        needle: "(shadowgate_store_spooling) == 1",
        why: "ShadowgateStoreSpooling: a sled store never spools",
        relaxed: ("== 1", "== 0"),
    },
    MayBeEmpty {
        needle: "(increase(shadowgate_store_dropped_total[10m])) > 0",
        why: "ShadowgateStoreDroppingRecords: the store keeps up with a few dozen records",
        relaxed: ("> 0", ">= 0"),
    },
    MayBeEmpty {
        needle: "up{job=\"shadowgate\"} == 0",
        why: "ShadowgateDown: the gateway is up and scraped",
        relaxed: ("== 0", "== 1"),
    },
];

/// A tolerance that would hide every mismatching `limit_amount`, had it not expired.
const EXPIRED_RULE: &str = r#"tolerance = [{ path = "body.limit_amount", absolute = "100000000", owner = "qa", expires = "2020-01-01" }]"#;

/// What a request of the first phase is made to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Both engines give the same decision.
    Match,
    /// The shadow grants a different `limit_amount`.
    Mismatch,
    /// The shadow answers a body that is not an object (an invalid answer: a shadow error).
    ShadowInvalid,
    /// The shadow's limit has 16 digits in a 15-digit field.
    Unencodable,
    /// The live engine answers bytes without framing: a live error, the shadow is skipped.
    LiveFails,
}

/// The fate of request `n`.
fn fate(n: u64) -> Fate {
    match (n, n % 5) {
        (9 | 19, _) => Fate::LiveFails,
        (12, _) => Fate::Unencodable,
        (_, 1) => Fate::Mismatch,
        (_, 3) => Fate::ShadowInvalid,
        _ => Fate::Match,
    }
}

/// The correlation number of a guid made by [`guid`].
fn number(guid: &str) -> u64 {
    guid[11..].parse().unwrap()
}

/// How many first-phase requests have `wanted` as their fate.
fn count(wanted: Fate) -> u64 {
    (0..FIRST_PHASE).filter(|&n| fate(n) == wanted).count() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_and_alerts_have_data_in_a_real_prometheus() {
    let started = Instant::now();
    let legacy = FakeEngine::mci(|| layout().framer())
        .reply(|request| {
            let header = layout().decode_header(request).unwrap();
            let n = number(header["guid"].as_str().unwrap());
            if fate(n) == Fate::LiveFails {
                return Bytes::from_static(b"NOTAFRAME");
            }
            Bytes::from(answer_frame(request, &decision("L1", LIMIT)))
        })
        .start()
        .await;
    let new_engine = FakeEngine::http()
        .reply(|request| {
            let limit = match fate(number(request["header"]["guid"].as_str().unwrap())) {
                Fate::Mismatch => "25000000",
                Fate::Unencodable => "1234567890123456",
                Fate::ShadowInvalid => return json!({"body": "not an object"}),
                Fate::Match | Fate::LiveFails => LIMIT,
            };
            http_answer(&decision("L1", limit))
        })
        .start()
        .await;
    let unavailable = FakeEngine::http().status(503).start().await;
    let mut gateway = TestGateway::new()
        .admin()
        // Expired long ago: the mismatching limits it would hide are counted as such.
        .rules(EXPIRED_RULE)
        .live("legacy", EngineToml::mci(legacy.addr()))
        .shadow("new-engine", EngineToml::http(&new_engine.url()))
        .start()
        .await;
    let admin = gateway.admin_address();
    let prometheus = tokio::task::block_in_place(|| {
        let alerts = dashboards_dir().join("alerts.yml");
        let prometheus = TestPrometheus::start(admin, &[&alerts]);
        // A sample before the traffic, so `increase` and `rate` see it start.
        prometheus.wait_for("shadowgate_build_info", PROMETHEUS_WAIT);
        prometheus
    });

    let mut client = gateway.mci_client().await;
    for n in 0..FIRST_PHASE {
        client.call(&request_frame(&guid(n))).await;
    }
    let mut bad = request_frame(&guid(100));
    bad[ANNUAL_INCOME].copy_from_slice(b"58000000ABCDEFG");
    client.call(&bad).await;
    let mut unknown = request_frame(&guid(101));
    unknown[TX_CODE_BYTES].copy_from_slice(b"XXX9999 ");
    client.call(&unknown).await;
    // A reload that is rejected (an unknown key), then one to a shadow engine that answers 503.
    let typo = gateway.builder().strategy_key("shadow_timeout_msec", "100");
    assert!(gateway.reload_with(typo).is_err());
    let failing = gateway
        .builder()
        .shadow("new-engine-503", EngineToml::http(&unavailable.url()));
    gateway.reload_with(failing).unwrap();
    for n in FIRST_PHASE..FIRST_PHASE + SECOND_PHASE {
        client.call(&request_frame(&guid(n))).await;
    }
    // Everything counted and stored before Prometheus is asked.
    let total = FIRST_PHASE + SECOND_PHASE;
    gateway
        .summary(|c| c.comparisons() + c.skipped >= total)
        .await;
    let failures = count(Fate::Mismatch)
        + count(Fate::ShadowInvalid)
        + count(Fate::Unencodable)
        + SECOND_PHASE;
    let records = gateway.records(failures as usize).await;
    // The expired tolerance hid nothing: each mismatching limit is stored, marked with it.
    let marked: Vec<_> = records
        .iter()
        .flat_map(|r| &r.mismatch.differences)
        .filter(|d| d.path == "body.limit_amount")
        .map(|d| d.expired_rule.as_deref())
        .collect();
    assert_eq!(
        marked,
        vec![Some("tolerance body.limit_amount"); count(Fate::Mismatch) as usize]
    );
    let traffic_done = unix_now();

    tokio::task::block_in_place(|| {
        wait_for_scrapes_since(&prometheus, traffic_done, 2);
        assert_counts(&prometheus);
        check_every_query(&prometheus);
        check_rules(&prometheus);
        promtool_check_metrics(admin);
    });
    drop(client);
    gateway.shutdown().await;
    eprintln!("real-Prometheus test took {:?}", started.elapsed());
}

/// `promtool` accepts the alert rules and the scrape config (which loads the rules too).
#[test]
fn promtool_accepts_the_rules_and_the_scrape_config() {
    for (what, file) in [("rules", "alerts.yml"), ("config", "prometheus.yml")] {
        let path = dashboards_dir().join(file);
        let output = promtool(&["check".as_ref(), what.as_ref(), path.as_ref()], b"");
        assert!(
            output.status.success(),
            "promtool check {what} {file}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The counters Prometheus scraped are exactly the traffic sent.
fn assert_counts(prometheus: &TestPrometheus) {
    let live_fails = count(Fate::LiveFails);
    let shadow_errors = count(Fate::ShadowInvalid) + SECOND_PHASE;
    let answered = FIRST_PHASE + SECOND_PHASE - live_fails;
    let expected = [
        (
            r#"comparisons_total{result="mismatch"}"#,
            count(Fate::Mismatch),
        ),
        (r#"comparisons_total{result="match"}"#, count(Fate::Match)),
        (r#"comparisons_total{result="shadow_error"}"#, shadow_errors),
        (
            r#"comparisons_total{result="unencodable"}"#,
            count(Fate::Unencodable),
        ),
        (r#"shadow_skipped_total{reason="live_failed"}"#, live_fails),
        (
            r#"field_mismatches_total{field="body.limit_amount"}"#,
            count(Fate::Mismatch),
        ),
        (r#"expired_rule_differences_total"#, count(Fate::Mismatch)),
        (r#"frames_total{outcome="ok"}"#, answered),
        (r#"frames_total{outcome="live_error"}"#, live_fails),
        (r#"frames_total{outcome="bad_request"}"#, 1),
        (r#"frames_total{outcome="unknown_transaction"}"#, 1),
        (
            r#"upstream_requests_total{role="live",outcome!="ok"}"#,
            live_fails,
        ),
        (
            r#"upstream_requests_total{role="live",outcome="ok"}"#,
            answered,
        ),
        (
            r#"upstream_requests_total{engine="new-engine",outcome="invalid"}"#,
            count(Fate::ShadowInvalid),
        ),
        (
            r#"upstream_requests_total{engine="new-engine-503",outcome="status"}"#,
            SECOND_PHASE,
        ),
        (r#"config_reloads_total{result="ok"}"#, 1),
        (r#"config_reloads_total{result="error"}"#, 1),
        (
            r#"store_records_total{kind="mismatch"}"#,
            count(Fate::Mismatch),
        ),
        (r#"store_records_total{kind="shadow_error"}"#, shadow_errors),
        (
            r#"store_records_total{kind="unencodable"}"#,
            count(Fate::Unencodable),
        ),
    ];
    let mut wrong = Vec::new();
    for (series, want) in expected {
        let expr = format!("sum(shadowgate_{series})");
        let found = prometheus.query(&expr).unwrap();
        let value = found.first().map(|s| s.value);
        if value != Some(want as f64) {
            wrong.push(format!("{expr}: expected {want}, found {value:?}"));
        }
    }
    assert!(wrong.is_empty(), "scraped counts:\n{}", wrong.join("\n"));
}

/// Every panel and variable query of both dashboards and every alert expression is valid, and
/// has data unless it is in [`MAY_BE_EMPTY`].
fn check_every_query(prometheus: &TestPrometheus) {
    let mut all: Vec<(String, String)> = Vec::new();
    for name in DASHBOARDS {
        let mut found = Vec::new();
        queries(&dashboard(name), &mut found);
        // The data source variable's `query` is a plugin id, not PromQL.
        found.retain(|query| query != "prometheus");
        all.extend(found.into_iter().map(|query| (name.to_owned(), query)));
    }
    let alerts = alert_exprs(&read("alerts.yml"));
    assert_eq!(alerts.len(), 11, "one expr per alert rule: {alerts:#?}");
    all.extend(alerts.into_iter().map(|e| ("alerts.yml".to_owned(), e)));
    // A variable's `query` and `definition` are the same text: evaluate it once.
    let mut seen = BTreeSet::new();
    all.retain(|(source, query)| seen.insert((source.clone(), query.clone())));
    assert!(all.len() >= 40, "too few queries found: {all:#?}");

    // One quiet alert per failure this traffic does not cause (engine, store, scrape, readiness).
    assert!(MAY_BE_EMPTY.len() <= 6, "keep the allow-list short");
    for allowed in &MAY_BE_EMPTY {
        let matching = all.iter().filter(|(_, q)| q.contains(allowed.needle));
        assert_eq!(
            matching.count(),
            1,
            "{:?} must name one query",
            allowed.needle
        );
        assert!(!allowed.why.is_empty());
    }

    let mut problems = Vec::new();
    for (source, query) in &all {
        let (expr, label) = promql(query);
        let allowed = MAY_BE_EMPTY.iter().find(|a| query.contains(a.needle));
        match (prometheus.query(&expr), allowed) {
            (Err(error), _) => problems.push(format!("{source}: invalid: {error}")),
            (Ok(series), None) if series.is_empty() => {
                if !NOT_CONFIGURED.iter().any(|name| expr.contains(name)) {
                    problems.push(format!("{source}: no series: {expr}"))
                }
            }
            (Ok(series), None) => {
                // A variable's values: every series carries the label it lists.
                if let Some(label) = &label {
                    if let Some(s) = series.iter().find(|s| !s.labels.contains_key(label)) {
                        problems.push(format!("{source}: no `{label}` in {s:?} of {expr}"));
                    }
                }
            }
            (Ok(series), Some(allowed)) => {
                if !series.is_empty() {
                    problems.push(format!("{source}: fires ({}): {series:?}", allowed.why));
                }
                let (from, to) = allowed.relaxed;
                assert!(expr.contains(from), "{from:?} not in {expr}");
                let relaxed = expr.replacen(from, to, 1);
                match prometheus.query(&relaxed) {
                    Ok(series) if series.is_empty() => {
                        problems.push(format!("{source}: no series even relaxed: {relaxed}"))
                    }
                    Ok(_) => {}
                    Err(error) => problems.push(format!("{source}: invalid: {error}")),
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} queries failed:\n{}\n\nPrometheus log:\n{}",
        problems.len(),
        all.len(),
        problems.join("\n"),
        prometheus.log()
    );
}

/// The PromQL Grafana would send for `query`, with the label a `label_values(metric, label)`
/// variable lists.
fn promql(query: &str) -> (String, Option<String>) {
    let expr = query
        .replace("$__rate_interval", RATE_INTERVAL)
        .replace("$__range", RANGE)
        .replace("$__interval", RANGE)
        .replace("${instance}", ".*")
        .replace("$instance", ".*")
        .replace("${strategy}", ".*")
        .replace("$strategy", ".*");
    assert!(!expr.contains('$'), "unknown variable in {query}");
    let Some(arguments) = expr
        .strip_prefix("label_values(")
        .and_then(|rest| rest.strip_suffix(')'))
    else {
        return (expr, None);
    };
    let (metric, label) = arguments
        .rsplit_once(',')
        .unwrap_or_else(|| panic!("label_values without a metric: {query}"));
    (metric.trim().to_owned(), Some(label.trim().to_owned()))
}

/// Prometheus loaded every alert rule, evaluates them without error, and the alerts that this
/// traffic sets off (and only those) are pending or firing.
fn check_rules(prometheus: &TestPrometheus) {
    let active_expected: BTreeSet<&str> = [
        "ShadowgateLiveErrorRateHigh",
        "ShadowgateShadowErrorRateHigh",
        "ShadowgateShadowSkippedShareHigh",
        "ShadowgateConfigReloadFailed",
        "ShadowgateExpiredRuleNoLongerHiding",
    ]
    .into();
    let deadline = Instant::now() + PROMETHEUS_WAIT;
    loop {
        let data = prometheus.api("/api/v1/rules").unwrap();
        let rules: Vec<_> = data["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|group| group["rules"].as_array().unwrap().clone())
            .collect();
        assert_eq!(rules.len(), 11, "{data:#}");
        let broken: Vec<_> = rules
            .iter()
            .filter(|rule| rule["health"] == "err")
            .map(|rule| format!("{}: {}", rule["name"], rule["lastError"]))
            .collect();
        assert!(broken.is_empty(), "rules fail to evaluate: {broken:#?}");
        let evaluated = rules.iter().all(|rule| rule["health"] == "ok");
        let active: BTreeSet<&str> = rules
            .iter()
            .filter(|rule| rule["state"] != "inactive")
            .map(|rule| rule["name"].as_str().unwrap())
            .collect();
        if evaluated && active == active_expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "rules evaluated: {evaluated}; active alerts {active:?}, expected {active_expected:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits until Prometheus holds at least `scrapes` scrapes that started after `since` (Unix
/// seconds).
fn wait_for_scrapes_since(prometheus: &TestPrometheus, since: f64, scrapes: u64) {
    let deadline = Instant::now() + PROMETHEUS_WAIT;
    loop {
        // A window of whole seconds that starts after `since`.
        let seconds = (unix_now() - since).floor() as u64;
        if seconds >= 1 {
            let expr = format!("count_over_time(up{{job=\"shadowgate\"}}[{seconds}s])");
            let found = prometheus.query(&expr).unwrap();
            if found.first().is_some_and(|s| s.value >= scrapes as f64) {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "fewer than {scrapes} scrapes within {PROMETHEUS_WAIT:?}:\n{}",
            prometheus.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `promtool check metrics` accepts the gateway's live `/metrics`, given on stdin.
fn promtool_check_metrics(admin: SocketAddr) {
    let (status, exposition) = http_get(admin, "/metrics").unwrap();
    assert_eq!(status, 200, "{exposition}");
    assert!(exposition.contains("shadowgate_comparisons_total{"));
    let output = promtool(
        &["check".as_ref(), "metrics".as_ref()],
        exposition.as_bytes(),
    );
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "promtool check metrics found problems:\n{}{}\nin:\n{exposition}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `promtool` with `args` and `input` on its stdin.
fn promtool(args: &[&OsStr], input: &[u8]) -> Output {
    let mut promtool = Command::new("promtool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "promtool could not be run ({error}); install Debian's `prometheus` package \
                 (tests/run.sh does)"
            )
        });
    let mut stdin = promtool.stdin.take().unwrap();
    stdin.write_all(input).unwrap();
    drop(stdin);
    promtool.wait_with_output().unwrap()
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}
