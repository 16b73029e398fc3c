#![allow(clippy::unwrap_used)]

use http_body_util::BodyExt;
use serde_json::json;

use super::*;
use crate::review::Policies;
use crate::store::{
    save_reconcile, Difference, Reader, ReconcileCounts, ReconcileExample, ReconcileRun,
};

/// The run's id: markup in it must be escaped wherever it is shown.
const RUN_ID: &str = "0000000000000001-borrower <review>";

/// A run with a mismatch group and an only-in-legacy group, one example each.
pub(in crate::admin) fn run() -> ReconcileRun {
    let row = |decision: &str| json!({"body": {"cust_no": "000000100017", "cust_name": "김**", "decision": decision, "limit_amount": 30000000}});
    ReconcileRun {
        name: "borrower <review>".into(),
        run_id: RUN_ID.into(),
        started_micros: 1,
        finished_micros: 2,
        legacy: "fixed batch/borrower-review.dat (REVIEW)".into(),
        new: "csv batch/new-results.csv".into(),
        rules: "inline".into(),
        key: vec!["body.cust_no".into()],
        ordering: vec!["legacy: in order (checked)".into()],
        counts: ReconcileCounts {
            legacy_rows: 3,
            new_rows: 3,
            keys: 4,
            matched: 1,
            mismatched: 1,
            only_in_legacy: 1,
            duplicate_in_new: 1,
            ..ReconcileCounts::default()
        },
        groups: vec![
            ReconcileGroup {
                outcome: "mismatch".into(),
                signature: Some("00ff00ff00ff00ff".into()),
                fields: vec!["body.decision".into()],
                count: 1,
                examples: vec![ReconcileExample {
                    key: "000000100017".into(),
                    legacy: Some(row("K")),
                    new: Some(row("R")),
                    differences: vec![Difference {
                        path: "body.decision".into(),
                        kind: "value_changed".into(),
                        live: Some(json!("K")),
                        shadow: Some(json!("R")),
                        severity: "critical".into(),
                        expired_rule: None,
                    }],
                    rows: Vec::new(),
                    rows_not_shown: 0,
                }],
            },
            ReconcileGroup {
                outcome: "only_in_legacy".into(),
                signature: None,
                fields: Vec::new(),
                count: 1,
                examples: vec![ReconcileExample {
                    key: "000000100150".into(),
                    legacy: Some(row("C")),
                    new: None,
                    differences: Vec::new(),
                    rows: Vec::new(),
                    rows_not_shown: 0,
                }],
            },
        ],
        suppressed: vec![crate::store::ReconcileSuppressed {
            rule: "tolerance body.rate <0.001>".into(),
            count: 1_234,
        }],
        thresholds: None,
        bad_rows: Vec::new(),
    }
}

fn review() -> (tempfile::TempDir, Review) {
    let dir = tempfile::tempdir().unwrap();
    save_reconcile(dir.path(), &run()).unwrap();
    let review = Review::new(Reader::open(dir.path()).unwrap(), Policies::new());
    (dir, review)
}

fn text(response: http::Response<Full<Bytes>>) -> (StatusCode, String) {
    let status = response.status();
    let body = futures::executor::block_on(response.into_body().collect()).unwrap();
    (status, String::from_utf8(body.to_bytes().to_vec()).unwrap())
}

#[test]
fn a_run_shows_its_counts_verdict_and_groups_escaped() {
    let (_dir, review) = review();
    let section = section(&review);
    assert!(
        section.contains("<h2>Batch borrower &lt;review&gt;</h2>"),
        "{section}"
    );
    assert!(!section.contains("<review>"), "{section}");
    assert!(
        section.contains("<td class=\"n\">4</td><td class=\"n\">1</td><td class=\"n\">1</td><td class=\"n\">1</td><td class=\"n\">0</td><td class=\"n\">1</td>"),
        "keys, matches, mismatches, only in legacy, only in new, duplicate key: {section}"
    );
    assert!(section.contains("3 of 4 comparisons failed"), "{section}");
    assert!(
        section.contains("<li>no_failures: 3 of 4 keys are not a match"),
        "{section}"
    );
    assert!(section.contains("<td>only in legacy</td>"), "{section}");
    assert!(
        section.contains("Hidden by rules: 1,234 × tolerance body.rate &lt;0.001&gt;"),
        "{section}"
    );
    let link = format!("batches?run={}&amp;group=0", encode(RUN_ID));
    assert!(
        section.contains(&format!("<a href=\"{link}#example-0\">000000100017</a>")),
        "{section}"
    );
}

/// A run that set rows aside unread (`--max-bad-rows`) says how many, and does not read as clean.
#[test]
fn a_run_with_bad_rows_set_aside_shows_them_and_is_blocked_by_them() {
    let (_dir, review) = review();
    assert!(!section(&review).contains("Bad rows"), "none set aside");
    let dir = tempfile::tempdir().unwrap();
    let mut set_aside = run();
    set_aside.counts.bad_rows = 1_205;
    save_reconcile(dir.path(), &set_aside).unwrap();
    let review = Review::new(Reader::open(dir.path()).unwrap(), Policies::new());
    let section = section(&review);
    assert!(
        section.contains("<p class=\"bad-rows\">Bad rows set aside (not compared): 1,205</p>"),
        "{section}"
    );
    assert!(
        section.contains(
            "<li>no_bad_rows: 1,205 bad rows set aside unread (--max-bad-rows), so not \
             compared; a batch run is clean only when every row is read</li>"
        ),
        "{section}"
    );
}

/// A run with duplicated keys says how many rows they held, as the text report does: none of
/// them were compared.
#[test]
fn a_run_with_duplicated_keys_shows_their_rows() {
    let (_dir, review) = review();
    assert!(
        !section(&review).contains("duplicate-rows"),
        "none duplicated"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut duplicated = run();
    duplicated.counts.duplicate_rows = 2_407;
    save_reconcile(dir.path(), &duplicated).unwrap();
    let review = Review::new(Reader::open(dir.path()).unwrap(), Policies::new());
    let section = section(&review);
    assert!(
        section.contains(
            "<p class=\"duplicate-rows\">Rows of duplicated keys (not compared): 2,407</p>"
        ),
        "{section}"
    );
}

#[test]
fn the_drill_down_shows_a_groups_examples_side_by_side() {
    let (_dir, review) = review();
    let query = format!("run={}&group=0", encode(RUN_ID));
    let (status, page) = text(page(&review, &query));
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("<h1>Batch borrower &lt;review&gt; run <code>"),
        "{page}"
    );
    assert!(page.contains("<h3 id=\"example-0\">Key 000000100017</h3>"));
    assert!(
        page.contains(
            "<tr class=\"diff\"><td class=\"path\">body.decision</td><td>K</td><td>R</td></tr>"
        ),
        "{page}"
    );
    assert!(
        page.contains("<tr><td class=\"path\">body.limit_amount</td><td>30,000,000</td><td>30,000,000</td></tr>"),
        "{page}"
    );
    assert!(page.contains("김**"));
    assert!(!page.contains("only in legacy"), "one group only: {page}");

    let every = format!("run={}", encode(RUN_ID));
    let (_, page) = text(super::page(&review, &every));
    assert!(
        page.contains("<tr><td class=\"path\">body.decision</td><td>C</td><td>(missing)</td></tr>"),
        "the row only the legacy side has: {page}"
    );
}

#[test]
fn unknown_runs_and_groups_are_named_in_the_error() {
    let (_dir, review) = review();
    for (query, status, said) in [
        ("", StatusCode::BAD_REQUEST, "run: expected a run id"),
        ("run=nope", StatusCode::NOT_FOUND, "no batch run nope"),
        (
            &format!("run={}&group=x", encode(RUN_ID)),
            StatusCode::BAD_REQUEST,
            "group: expected a group number (0, 1, …), found &quot;x&quot;",
        ),
        (
            &format!("run={}&group=7", encode(RUN_ID)),
            StatusCode::NOT_FOUND,
            "has 2 groups",
        ),
    ] {
        let (found, body) = text(page(&review, query));
        assert_eq!(found, status, "{query}");
        assert!(body.contains(said), "{query}: {body}");
        // The page is beside the report (`/batches`): `./` keeps a proxy's path prefix, `../`
        // would leave it.
        assert!(
            body.contains("<a href=\"./\">back to the report</a>"),
            "{query}: {body}"
        );
    }
}

#[test]
fn no_stored_run_adds_nothing_to_the_page() {
    let empty = tempfile::tempdir().unwrap();
    let review = Review::new(Reader::open(empty.path()).unwrap(), Policies::new());
    assert_eq!(section(&review), "");
}
