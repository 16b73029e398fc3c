//! The review API of a running gateway and the report CLI, after traffic with known mismatches:
//! exact counts, the right groups, pagination, the token, readiness that names its blockers, and
//! the same report from the stopped gateway's store.

use serde_json::Value;
use shadowgate::cli::{self, Format, ListArgs, ListFormat, ReportArgs, ShowArgs, SourceArgs};

use crate::support::{get, Scenario, STRATEGY, TOKEN_ENV};

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Runs a CLI function off the async workers (the remote source has its own runtime).
async fn run(command: impl FnOnce(&mut Vec<u8>) -> anyhow::Result<()> + Send + 'static) -> String {
    let out = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        command(&mut out).map(|()| out)
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("{e:#}"));
    String::from_utf8(out).unwrap()
}

fn source(from: Option<String>, config: Option<std::path::PathBuf>) -> SourceArgs {
    let token_env = from.as_ref().map(|_| TOKEN_ENV.to_owned());
    SourceArgs {
        store: None,
        config,
        from,
        token_env,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_counts_groups_and_judges_what_was_sent() {
    let scenario = Scenario::start(true, "min_comparisons = 100\nmin_clean_days = 0").await;
    // Every third shadow answer is unencodable: 6 mismatches and 3 unencodable answers.
    scenario.traffic(9).await;

    // The token guards everything but health.
    let (status, headers, _) = get(&format!("{}/api/v1/summary", scenario.admin), None).await;
    assert_eq!(status, 401);
    assert!(headers["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let wrong = get(&format!("{}/", scenario.admin), Some("wrong")).await;
    assert_eq!(wrong.0, 401);
    assert_eq!(get(&format!("{}/livez", scenario.admin), None).await.0, 200);
    assert_eq!(
        get(&format!("{}/readyz", scenario.admin), None).await.0,
        200
    );

    let (status, _, body) = scenario.get("/api/v1/summary").await;
    assert_eq!(status, 200, "{body}");
    let summary = json(&body);
    let s = &summary["strategies"][0];
    assert_eq!(s["strategy"], STRATEGY);
    assert_eq!(
        (s["comparisons"].as_u64(), s["matches"].as_u64()),
        (Some(9), Some(0))
    );
    assert_eq!(
        (s["mismatches"].as_u64(), s["unencodable"].as_u64()),
        (Some(6), Some(3))
    );
    assert_eq!(s["readiness"]["status"], "blocked");
    let blockers = s["readiness"]["blockers"].as_array().unwrap();
    assert!(
        blockers.iter().any(|b| b["criterion"] == "min_comparisons"),
        "{blockers:?}"
    );

    let (_, _, body) = scenario.get("/api/v1/groups?strategy=loan-screening").await;
    let groups = json(&body)["groups"].as_array().unwrap().clone();
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert_eq!(groups[0]["count"], 6);
    assert_eq!(
        groups[0]["differing_paths"],
        serde_json::json!(["body.grade", "body.payout_acct"])
    );
    assert_eq!(
        (groups[1]["count"].as_u64(), groups[1]["signature"].as_str()),
        (Some(3), Some("unencodable"))
    );

    // Cursor pagination visits every record once.
    let mut seen = Vec::new();
    let mut path = "/api/v1/mismatches?limit=4".to_owned();
    loop {
        let (status, _, body) = scenario.get(&path).await;
        assert_eq!(status, 200, "{body}");
        let page = json(&body);
        seen.extend(
            page["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/mismatches?limit=4&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 9);
    seen.dedup();
    assert_eq!(seen.len(), 9);
    let (_, _, body) = scenario.get("/api/v1/mismatches?kind=unencodable").await;
    assert_eq!(json(&body)["records"].as_array().unwrap().len(), 3);
    assert_eq!(scenario.get("/api/v1/mismatches/not-an-id").await.0, 400);
    assert_eq!(
        scenario
            .get("/api/v1/mismatches/000000000000000000000001")
            .await
            .0,
        404
    );
    let (_, _, body) = scenario.get("/api/v1/readiness").await;
    assert_eq!(json(&body)["strategies"][0]["ready"], false);

    // The CLI through the admin API.
    let from = Some(scenario.admin.clone());
    let args = ReportArgs {
        source: source(from.clone(), None),
        strategy: None,
        format: Format::Text,
        daily: true,
    };
    let report = run(move |out| cli::run_report(&args, out)).await;
    assert!(
        report.contains(
            "comparisons 9  matches 0  mismatches 6  shadow errors 0  unencodable 3  skipped 0"
        ),
        "{report}"
    );
    assert!(report.contains("readiness: blocked"), "{report}");
    // `--daily` through `/api/v1/daily`: today's line carries every comparison.
    assert!(report.contains("\nDaily (UTC)\n"), "{report}");
    let today = report
        .lines()
        .rfind(|l| l.trim_start().starts_with("20"))
        .unwrap_or_else(|| panic!("no daily rows: {report}"));
    let columns: Vec<&str> = today.split_whitespace().collect();
    assert_eq!(columns[1..], ["9", "9", "100.0%"], "{today}");
    assert!(
        report.contains("min_comparisons: 9 comparisons so far; at least 100 are required"),
        "{report}"
    );
    assert!(
        report.contains("6 × body.grade, body.payout_acct"),
        "{report}"
    );
    // Engine health comes from the running gateway: both engines answered, so both are up.
    let legacy = report
        .split("\nengines\n")
        .nth(1)
        .and_then(|engines| engines.lines().find(|l| l.starts_with("  legacy (mci) ")))
        .unwrap_or_else(|| panic!("no engine line of legacy: {report}"));
    assert!(
        legacy.contains(" UP ") && legacy.contains("  since "),
        "{legacy}"
    );
    assert!(
        report.contains("live for loan-screening") && report.contains("shadow for loan-screening"),
        "{report}"
    );

    // The stopped gateway's store, judged by its config; suppressions were flushed at shutdown.
    let config = scenario.dir.path().join("shadowgate.toml");
    scenario
        .running
        .shutdown(std::time::Duration::from_secs(2))
        .await;
    let args = ReportArgs {
        source: source(None, Some(config.clone())),
        strategy: None,
        format: Format::Json,
        daily: true,
    };
    let offline = ReportArgs {
        source: source(None, Some(config.clone())),
        strategy: None,
        format: Format::Text,
        daily: false,
    };
    let text = run(move |out| cli::run_report(&offline, out)).await;
    assert!(
        text.contains("engine health: unknown (read from a store directory"),
        "{text}"
    );
    let report = json(&run(move |out| cli::run_report(&args, out)).await);
    let s = &report["summary"]["strategies"][0];
    assert_eq!(s["mismatches"], 6);
    let days = report["daily"]["strategies"][STRATEGY].as_array().unwrap();
    assert_eq!(days.len(), 14, "the default chart_days");
    assert_eq!(days[13]["comparisons"], 9);
    let suppressed = s["suppressed"].as_array().unwrap();
    let message = suppressed
        .iter()
        .find(|r| r["rule"] == "ignore body.message")
        .unwrap();
    assert_eq!(message["count"], 6, "{suppressed:?}");
    assert_eq!(report["groups"][STRATEGY].as_array().unwrap().len(), 2);

    let list = ListArgs {
        source: source(None, Some(config.clone())),
        strategy: Some(STRATEGY.into()),
        kind: Some("mismatch".into()),
        signature: None,
        since: Some("2000-01-01T00:00:00Z".into()),
        until: None,
        limit: 100,
        format: ListFormat::Csv,
    };
    let csv = run(move |out| cli::run_list(&list, out)).await;
    assert_eq!(csv.lines().count(), 1 + 6, "{csv}");
    let id = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_owned();
    let show = ShowArgs {
        id,
        source: source(None, Some(config)),
        format: Format::Text,
    };
    let text = run(move |out| cli::run_show(&show, out)).await;
    assert!(
        text.contains("body.grade: value changed, live L1, shadow N2"),
        "{text}"
    );
    assert!(
        text.contains("side by side (* differs, ~ differs but hidden by the rule"),
        "the legend names both marks: {text}"
    );
    // The request the decisions came from, masked, field by field.
    let request = text
        .split("\nrequest (masked):\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no request section: {text}"));
    assert!(
        request
            .lines()
            .any(|l| l.trim_start().starts_with("body.annual_income ")),
        "{request}"
    );
    // The messages differ, but `ignore body.message` hid it: marked `~` with the rule, not `*`.
    let message = text
        .lines()
        .find(|line| {
            line.trim_start_matches([' ', '*', '~'])
                .starts_with("body.message ")
        })
        .unwrap_or_else(|| panic!("no body.message row: {text}"));
    assert!(message.starts_with("  ~ body.message"), "{message}");
    assert!(
        message.ends_with("(hidden by ignore body.message)"),
        "{message}"
    );
    assert!(text.contains("\n  * body.grade "), "{text}");
    assert!(text.contains("--- live\n+++ shadow"), "{text}");
    assert!(
        text.contains("\"<ignored>\""),
        "ignored fields shown as \"<ignored>\" in the diff: {text}"
    );
}
