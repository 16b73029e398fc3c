//! Each group shows the latest replay run that included its own cases: replaying group A leaves
//! group B's "N of M cases fixed by replay at T" as it was, on the report (text and JSON), the
//! API and the page.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde_json::Value;
use shadowgate::cli::{run_report, Format, ReportArgs, SourceArgs};
use shadowgate_tests::fake::FakeEngine;
use shadowgate_tests::gateway::{decision, get, http_answer, mci_deciding, LIMIT, STRATEGY};

use super::{args, record_defect, replay};

/// Group A: requests whose guid ends in an even digit get a wrong grade until `fixed_a`.
/// Group B: the others get a wrong limit, always.
fn answer(request: &Value, fixed_a: bool) -> Value {
    let guid = request["header"]["guid"].as_str().unwrap_or_default();
    let mut body = decision("L1", LIMIT);
    match guid.ends_with(['0', '2', '4', '6', '8']) {
        true if !fixed_a => body["grade"] = "X9".into(),
        true => {}
        false => body["limit_amount"] = serde_json::from_str("25000000").unwrap(),
    }
    http_answer(&body)
}

/// `shadowgate report --config` as JSON.
async fn report_json(config: &Path) -> Value {
    let args = ReportArgs {
        source: SourceArgs {
            store: None,
            config: Some(config.to_owned()),
            from: None,
            token_env: None,
        },
        strategy: Some(STRATEGY.to_owned()),
        format: Format::Json,
        daily: false,
    };
    let out = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        run_report(&args, &mut out).unwrap();
        out
    })
    .await
    .unwrap();
    serde_json::from_slice(&out).unwrap()
}

/// The `(fixed, total)` of the verdict (newest whole-group run) of `signature` in a list of group
/// replays, and its summary.
fn line(groups: &Value, signature: &str) -> (u64, u64, String) {
    let group = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["signature"] == signature)
        .unwrap_or_else(|| panic!("no replay line for {signature} in {groups}"));
    let summary = group["summary"].as_str().unwrap().to_owned();
    (
        group["whole"]["fixed"].as_u64().unwrap(),
        group["whole"]["total"].as_u64().unwrap(),
        summary,
    )
}

#[tokio::test]
async fn replaying_one_group_leaves_the_other_groups_line_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let fixed = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&fixed);
    let new_engine = FakeEngine::http()
        .reply(move |request| answer(&request, seen.load(Ordering::SeqCst)))
        .start()
        .await;
    let legacy = mci_deciding("L1").start().await;
    let (config, records, builder) =
        record_defect(dir.path(), &new_engine.url(), legacy.addr(), 6).await;
    let signature = |path: &str| {
        records
            .iter()
            .find(|r| r.mismatch.differing_paths == [path])
            .unwrap_or_else(|| panic!("no group on {path}"))
            .mismatch
            .signature
            .clone()
    };
    let (a, b) = (signature("body.grade"), signature("body.limit_amount"));

    // B first, still broken; then A, fixed: the latest run holds no case of B.
    let (out, result) = replay(args(&config, &b)).await;
    assert!(result.is_err(), "{out}");
    fixed.store(true, Ordering::SeqCst);
    let (out, result) = replay(args(&config, &a)).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));

    let report = super::report(&config).await;
    let shown = |group: &str, n: usize| {
        let line = format!("{STRATEGY} · group {group}: {n} of 3 cases fixed by replay at ");
        assert!(report.contains(&line), "no `{line}` in\n{report}");
    };
    shown(&a, 3);
    shown(&b, 0);
    let json = report_json(&config).await;
    let (b_fixed, b_total, b_summary) = line(&json["replays"], &b);
    assert_eq!((b_fixed, b_total), (0, 3), "{json}");
    assert!(b_summary.starts_with("0 of 3 cases fixed by replay at "));
    let (a_fixed, _, a_summary) = line(&json["replays"], &a);
    assert_eq!(a_fixed, 3);
    // The report's JSON gives times as RFC 3339 (fixed width: ordered as text).
    let at = |signature: &str| {
        let groups = json["replays"].as_array().unwrap();
        let group = groups.iter().find(|g| g["signature"] == signature).unwrap();
        group["whole"]["at"].as_str().unwrap().to_owned()
    };
    assert!(at(&b) < at(&a), "B's line keeps its own run's time: {json}");

    let gateway = builder.admin().start().await;
    let admin = format!("http://{}", gateway.admin_address());
    let (status, body) = get(&format!("{admin}/api/v1/replays")).await;
    assert_eq!(status, 200, "{body}");
    let api: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(line(&api["groups"], &b), (0, 3, b_summary), "{body}");
    assert_eq!(line(&api["groups"], &a), (3, 3, a_summary), "{body}");
    let (_, page) = get(&format!("{admin}/")).await;
    assert!(page.contains("0 of 3 cases fixed by replay at"), "{page}");
    assert!(page.contains("3 of 3 cases fixed by replay at"), "{page}");
    gateway.shutdown().await;
}
