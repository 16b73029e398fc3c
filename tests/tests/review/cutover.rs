//! Cutover sign-off end to end on a running gateway: refused with the blocking reasons while the
//! strategy is blocked; once ready, signed through the admin API by the CLI with the evidence in
//! the audit trail and a report that renders in headless Chromium; the swap reload linked to it;
//! a swap without one logged as unsigned; an edited sign-off entry found by `audit verify`.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use shadowgate::cli::{self, AuditCommand, CutoverCommand, SignArgs, SourceArgs};

use crate::support::{capture_logs, captured_logs, Scenario, STRATEGY, TOKEN_ENV};

const READY_LATER: &str =
    "min_comparisons = 100\nmin_clean_days = 0\nmax_upper_bound_percent = 100";
pub(crate) const SIGNED_ENGINES: &str = "live = \"legacy\"\nshadow = \"new-engine\"";
pub(crate) const SWAPPED_ENGINES: &str = "live = \"new-engine\"\nshadow = \"legacy\"";

fn remote(scenario: &Scenario) -> SourceArgs {
    SourceArgs {
        store: None,
        config: None,
        from: Some(scenario.admin.clone()),
        token_env: Some(TOKEN_ENV.to_owned()),
    }
}

pub(crate) fn sign_args(source: SourceArgs, out: &Path) -> CutoverCommand {
    CutoverCommand::Sign(SignArgs {
        source,
        strategy: STRATEGY.to_owned(),
        by: "choi.m".to_owned(),
        note: Some("CAB-2291 approved".to_owned()),
        out: out.to_owned(),
    })
}

/// Runs a CLI function off the async workers (its client has its own runtime).
pub(crate) async fn run(
    command: impl FnOnce(&mut Vec<u8>) -> anyhow::Result<()> + Send + 'static,
) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        command(&mut out).map(|()| String::from_utf8(out).unwrap())
    })
    .await
    .unwrap()
}

/// Rewrites the scenario's config with `from` replaced by `to`, and reloads it through the API.
async fn edit_and_reload(scenario: &Scenario, from: &str, to: &str) {
    let path = scenario.dir.path().join("shadowgate.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from} not in the config");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    let (status, body) = post(scenario, "/api/v1/reload", "").await;
    assert_eq!(status, 200, "{body}");
}

/// The swap of [`SIGNED_ENGINES`] for [`SWAPPED_ENGINES`] as the audit note and the page say it,
/// each engine with where it is reached as `routing` (a start entry's, before the swap) recorded:
/// `live legacy at … (layout …) → new-engine at …, shadow new-engine at … → legacy at …`.
pub(crate) fn swap_line(routing: &Value) -> String {
    let route = &routing[STRATEGY];
    let legacy = format!(
        "{} (layout {})",
        route["live_at"]["at"].as_str().unwrap(),
        route["live_at"]["layout"].as_str().unwrap()
    );
    let new_engine = route["shadow_at"]["at"].as_str().unwrap();
    format!(
        "live legacy at {legacy} → new-engine at {new_engine}, shadow new-engine at {new_engine} \
         → legacy at {legacy}"
    )
}

pub(crate) async fn audit(scenario: &Scenario) -> Vec<Value> {
    let (status, _, body) = scenario.get("/api/v1/audit").await;
    assert_eq!(status, 200, "{body}");
    let audit: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(audit["chain_ok"], true, "{body}");
    audit["entries"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_strategy_is_refused_a_ready_one_signed_and_its_swap_linked() {
    let scenario = Scenario::start(true, READY_LATER).await;
    scenario.traffic(9).await;
    let reports = tempfile::tempdir().unwrap();

    // Blocked: refused with the reason, nothing recorded, no report written.
    let refused = sign_args(remote(&scenario), reports.path());
    let error = run(move |out| cli::run_cutover(&refused, out))
        .await
        .unwrap_err();
    let message = format!("{error:#}");
    assert!(message.contains("422"), "{message}");
    assert!(
        message.contains(
            "expected a ready strategy, found it blocked: min_comparisons: 9 comparisons so far; \
             at least 100 are required"
        ),
        "{message}"
    );
    // The first start recorded its config, the baseline a restart is compared with.
    let started = audit(&scenario).await;
    assert_eq!(started.len(), 1, "{started:#?}");
    assert_eq!(started[0]["action"], "start");
    assert_eq!(std::fs::read_dir(reports.path()).unwrap().count(), 0);

    // The threshold the team agreed on and the team's zone, reloaded (no routing change), then
    // signed: the report's times are in the zone the running gateway names.
    let seoul = "min_comparisons = 5\nmin_clean_days = 0\nmax_upper_bound_percent = 100\n\n\
                 [review]\ntime_zone = \"Asia/Seoul\"";
    edit_and_reload(&scenario, READY_LATER, seoul).await;
    let signing = sign_args(remote(&scenario), reports.path());
    let printed = run(move |out| cli::run_cutover(&signing, out))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert!(
        printed.contains(&format!("cutover of {STRATEGY} signed by choi.m")),
        "{printed}"
    );
    let entries = audit(&scenario).await;
    assert_eq!(entries.len(), 3, "{entries:#?}");
    assert_eq!(entries[1]["action"], "reload");
    assert_eq!(entries[1]["note"], "api: no routing change");
    let signed = &entries[2];
    assert_eq!(signed["action"], "cutover_sign");
    assert_eq!(signed["by"], "choi.m");
    let evidence = &signed["evidence"];
    assert_eq!(evidence["comparisons"], 9);
    // Every third shadow answer is unencodable: 6 mismatches, 3 unencodable.
    assert_eq!(evidence["failures"], 9);
    assert_eq!(evidence["clean_days"], 0);
    assert_eq!(evidence["thresholds"]["min_comparisons"], 5);
    assert_eq!(evidence["live_engine"], "legacy");
    assert_eq!(
        evidence["live_at"], entries[0]["evidence"]["routing"][STRATEGY]["live_at"],
        "the start entry's endpoint: {entries:#?}"
    );
    assert_eq!(
        evidence["shadow_at"],
        entries[0]["evidence"]["routing"][STRATEGY]["shadow_at"]
    );
    let config = std::fs::read(scenario.dir.path().join("shadowgate.toml")).unwrap();
    let config_sha256 = shadowgate::cutover::sha256_hex(&config);
    assert_eq!(evidence["config_sha256"], config_sha256.as_str());
    assert_eq!(
        evidence["open_groups"],
        evidence["groups"].as_array().unwrap().len()
    );
    let rules: Vec<&str> = evidence["active_rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["ignore header.sent_at", "ignore body.message"]);

    // The report: JSON with the same entry, HTML that a browser renders.
    let seq = signed["seq"].as_u64().unwrap();
    let json_path = reports
        .path()
        .join(format!("cutover-{STRATEGY}-{seq}.json"));
    let report: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(report["hash"], signed["hash"]);
    assert_eq!(report["evidence"], *evidence);
    let html_path = reports
        .path()
        .join(format!("cutover-{STRATEGY}-{seq}.html"));
    let url = format!("file://{}", html_path.display());
    let dom = tokio::task::spawn_blocking(move || crate::chromium::dump_dom(&url))
        .await
        .unwrap();
    let text = crate::chromium::visible_text(&dom);
    let signed_at = text
        .split("Signed at ")
        .nth(1)
        .and_then(|rest| rest.get(..26))
        .unwrap_or_else(|| panic!("no signing time: {text}"));
    assert!(signed_at.ends_with(" +09:00"), "{signed_at:?} in {text}");
    assert!(
        printed.contains(&format!("at {signed_at}: audit entry #")),
        "{printed}"
    );
    let cutover = format!(
        "live legacy at {} (layout {STRATEGY}) → new-engine at {}",
        evidence["live_at"]["at"].as_str().unwrap(),
        evidence["shadow_at"]["at"].as_str().unwrap()
    );
    assert!(
        printed.contains(&format!("\n  cutover: {cutover}\n")),
        "{printed}"
    );
    for expected in [
        format!("Cutover sign-off: {STRATEGY}"),
        "Signed by choi.m".to_owned(),
        "Note CAB-2291 approved".to_owned(),
        // From which engine at which endpoint to which, as the start entries record them.
        format!("Cutover {cutover}"),
        format!("Config SHA-256 {config_sha256}"),
        "Comparisons 9 at least 5".to_owned(),
        "Times in Asia/Seoul".to_owned(),
        "ignore body.message ignore[1] no owner".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected:?} not in {text}");
    }

    // The cutover: live and shadow swapped, reloaded; the reload names the sign-off.
    edit_and_reload(&scenario, SIGNED_ENGINES, SWAPPED_ENGINES).await;
    let entries = audit(&scenario).await;
    let reload = entries.last().unwrap();
    assert_eq!(reload["action"], "reload");
    assert_eq!(reload["from"], config_sha256.as_str());
    let change = &reload["evidence"]["changes"][0];
    assert_eq!(change["strategy"], STRATEGY);
    assert_eq!(change["live_after"], "new-engine");
    assert_eq!(change["signoff"], seq, "{reload:#}");
    // Where live traffic went from and to, as the gateway's start recorded the engines.
    let swap = swap_line(&entries[0]["evidence"]["routing"]);
    assert!(
        reload["note"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{swap}, signed (#{seq} by choi.m)")),
        "{reload:#}"
    );
    // The page shows the sign-off and the reload linked to it.
    let (_, _, page) = scenario.get("/").await;
    assert!(
        page.contains(&format!("<tr class=\"signoff\"><td>#{seq} <code>"))
            && page.contains(&format!("<td>reload (api)</td><td>{swap}</td>"))
            && page.contains(&format!(
                "<span class=\"ready\">signed</span>: #{seq} by choi.m"
            )),
        "{page}"
    );

    // Stopped: the store is signed in this process too, and an edited entry is found.
    let dir = scenario.dir;
    scenario.running.shutdown(Duration::from_secs(5)).await;
    let store = dir.path().join("store");
    let local = SourceArgs {
        store: None,
        config: Some(dir.path().join("shadowgate.toml")),
        from: None,
        token_env: None,
    };
    let again = sign_args(local.clone(), reports.path());
    let printed = run(move |out| cli::run_cutover(&again, out)).await.unwrap();
    assert!(printed.contains("audit entry #5"), "{printed}");
    tamper(&store, seq);
    let verify = AuditCommand::Verify(local);
    let error = run(move |out| cli::run_audit(&verify, out))
        .await
        .unwrap_err();
    assert!(
        format!("{error:#}").contains(&format!("audit entry {seq}: expected hash")),
        "{error:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_without_a_signoff_is_recorded_and_logged_as_unsigned() {
    capture_logs();
    let scenario = Scenario::start(true, READY_LATER).await;
    edit_and_reload(&scenario, SIGNED_ENGINES, SWAPPED_ENGINES).await;
    let entries = audit(&scenario).await;
    assert_eq!(entries.len(), 2, "the start, the reload: {entries:#?}");
    let change = &entries[1]["evidence"]["changes"][0];
    assert_eq!(change["strategy"], STRATEGY);
    assert_eq!(change["signoff"], Value::Null);
    let why = "no sign-off of this strategy for this config";
    assert_eq!(change["unsigned_because"], why);
    let swap = swap_line(&entries[0]["evidence"]["routing"]);
    assert_eq!(
        entries[1]["note"],
        format!("api: {STRATEGY}: {swap}, unsigned ({why})")
    );
    let logs = captured_logs();
    assert!(
        logs.lines().any(|l| l.contains("WARN")
            && l.contains(&format!(
                "unsigned routing change at reload: {STRATEGY}: {swap}, unsigned ({why})"
            ))),
        "no unsigned warning in the logs"
    );
    // `audit list` says it in the same words.
    let list = AuditCommand::List(remote(&scenario));
    let printed = run(move |out| cli::run_audit(&list, out)).await.unwrap();
    assert!(
        printed.contains(&format!(
            "(api: {STRATEGY}: {swap}, unsigned (no sign-off of this strategy for this config))"
        )),
        "{printed}"
    );
}

/// Edits the number of comparisons in the evidence of audit entry `seq`, as someone with access
/// to the store's files would, leaving its hash as it was.
fn tamper(store: &Path, seq: u64) {
    // The stopped gateway's and the CLI's handles are dropped by their own threads as they end,
    // which on a loaded machine can lag the call that returned (seen once in CI): the lock is
    // waited for, boundedly.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let db = loop {
        match sled::open(store) {
            Ok(db) => break db,
            Err(error)
                if error.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(error) => panic!("the store does not open: {error}"),
        }
    };
    let tree = db.open_tree("audit").unwrap();
    let key = seq.to_be_bytes();
    let mut entry: Value = serde_json::from_slice(&tree.get(key).unwrap().unwrap()).unwrap();
    assert_eq!(entry["action"], "cutover_sign");
    entry["evidence"]["comparisons"] = 90_000.into();
    tree.insert(key, serde_json::to_vec(&entry).unwrap())
        .unwrap();
    db.flush().unwrap();
}

/// A POST with the scenario's token: status and body.
async fn post(scenario: &Scenario, path: &str, body: &str) -> (u16, String) {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = http::Request::post(format!("{}{path}", scenario.admin))
        .header(
            "authorization",
            format!("Bearer {}", scenario.token.unwrap()),
        )
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(20), client.request(request))
        .await
        .unwrap()
        .unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_each_rule_hid_per_day_shows_in_the_api_the_page_and_the_report() {
    let scenario = Scenario::start(true, READY_LATER).await;
    scenario.traffic(9).await;
    // The comparison path hands its tallies to the store every second or so, the rest within
    // the review loop's 5 s.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let daily = loop {
        let (status, _, body) = scenario.get("/api/v1/summary").await;
        assert_eq!(status, 200, "{body}");
        let summary: Value = serde_json::from_str(&body).unwrap();
        let daily = summary["strategies"][0]["suppressed_daily"].clone();
        let today = daily["rules"][1]["counts"]
            .as_array()
            .and_then(|c| c.last().cloned());
        // Every comparison hid the differing message; unencodable answers are not compared.
        if today.is_some_and(|n| n.as_u64() == Some(6)) {
            break daily;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not 6 hidden today: {daily:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(daily["days"].as_array().unwrap().len(), 14, "{daily:#}");
    assert_eq!(daily["rules"][1]["rule"], "ignore body.message");
    assert_eq!(daily["rules"][1]["spike"], false);
    let (_, _, page) = scenario.get("/").await;
    assert!(page.contains("What the rules hid per day (UTC)"), "{page}");

    // An accepted difference must name a rule that covers the group: `ignore header.sent_at`
    // is the strategy's, but reaches none of the grade and payout fields.
    let (_, _, body) = scenario
        .get(&format!("/api/v1/groups?strategy={STRATEGY}"))
        .await;
    let groups: Value = serde_json::from_str(&body).unwrap();
    let group = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| {
            g["differing_paths"]
                .as_array()
                .is_some_and(|p| !p.is_empty())
        })
        .unwrap_or_else(|| panic!("no mismatch group: {groups:#}"));
    let change = serde_json::json!({
        "strategy": STRATEGY, "signature": group["signature"], "by": "kim",
        "state": "accepted_difference", "rule": "ignore header.sent_at",
    });
    let (status, body) = post(&scenario, "/api/v1/triage", &change.to_string()).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("expected a rule that covers one of the group's differing fields (")
            && body.contains("found \\\"ignore header.sent_at\\\", which covers none"),
        "{body}"
    );
    let report = cli::ReportArgs {
        source: remote(&scenario),
        strategy: None,
        format: cli::Format::Text,
        daily: false,
    };
    let text = run(move |out| cli::run_report(&report, out)).await.unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("  ignore body.message: 0 0 0") && l.ends_with(" 6")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_says_the_last_failure_in_the_review_zone_as_other_text_does() {
    let readiness = "min_comparisons = 1\nmin_clean_days = 1\nmax_upper_bound_percent = 100\n\n\
                     [review]\ntime_zone = \"Asia/Seoul\"";
    let scenario = Scenario::start(true, readiness).await;
    scenario.traffic(3).await;
    let reports = tempfile::tempdir().unwrap();
    // `… since the last failure at 2026-12-03 00:46:50 +09:00`, never RFC 3339 UTC.
    let in_seoul = |message: &str| {
        let at = message
            .split("clean days since the last failure at ")
            .nth(1)
            .unwrap_or_else(|| panic!("no last failure: {message}"));
        let time = at.get(..26).unwrap_or(at);
        assert!(
            time.as_bytes()[10] == b' ' && time.ends_with(" +09:00"),
            "{message}"
        );
    };
    let refused = sign_args(remote(&scenario), reports.path());
    let error = run(move |out| cli::run_cutover(&refused, out))
        .await
        .unwrap_err();
    in_seoul(&format!("{error:#}"));

    // A stopped gateway signed in place, judged by its config: the same zone.
    scenario.running.shutdown(Duration::from_secs(2)).await;
    let config = SourceArgs {
        store: None,
        config: Some(scenario.dir.path().join("shadowgate.toml")),
        from: None,
        token_env: None,
    };
    let refused = sign_args(config, reports.path());
    let error = run(move |out| cli::run_cutover(&refused, out))
        .await
        .unwrap_err();
    in_seoul(&format!("{error:#}"));
    assert_eq!(std::fs::read_dir(reports.path()).unwrap().count(), 0);
}
