//! A stored batch run on the report page beside the online strategy, as a person sees it in
//! headless Chromium: its verdict, counts per outcome, groups, and the drill-down to a group's
//! examples side by side, every name masked. The run is the shipped example
//! (`config/reconcile.toml`), reconciled by the library into the gateway's store before it starts.

use crate::chromium::{dump_dom, visible_text};
use crate::support::Scenario;

/// Names of the sample data's borrowers whose rows become examples, in clear.
const CLEAR_NAMES: [&str; 6] = ["윤서연", "박예준", "장민수", "김하은", "이현우", "이시우"];

fn seed_example_run(store: &std::path::Path) {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/reconcile.toml");
    let spec = shadowgate::reconcile::load(std::path::Path::new(config)).unwrap();
    let run = shadowgate::reconcile::run(&spec, false).unwrap();
    shadowgate::store::save_reconcile(store, &run).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_batch_run_shows_beside_the_strategy_masked_with_its_drill_down() {
    let scenario = Scenario::start_with(false, "min_comparisons = 5", "", seed_example_run).await;
    let base = format!("{}/", scenario.admin);
    let dom = tokio::task::spawn_blocking({
        let base = base.clone();
        move || dump_dom(&base)
    })
    .await
    .unwrap();
    let text = visible_text(&dom);
    assert!(text.contains("Batch borrower-review"), "{text}");
    assert!(
        text.contains(
            "keys matches mismatches only in legacy only in new duplicate key 301 295 3 1 1 1"
        ),
        "the counts, under their headings: {text}"
    );
    assert!(
        text.contains("6 of 301 comparisons failed"),
        "the same rate sentence as a strategy: {text}"
    );
    assert!(
        text.contains("no_failures: 6 of 301 keys are not a match"),
        "{text}"
    );
    assert!(
        text.contains("mismatch") && text.contains("body.decision 1 000000100017"),
        "the decision group with its count and example key: {text}"
    );
    assert!(text.contains("only in legacy - 1 000000100150"), "{text}");
    let strategy = text.find("loan-screening").unwrap();
    let batch = text.find("Batch borrower-review").unwrap();
    assert!(
        strategy < batch,
        "the batch run follows the strategy: {text}"
    );
    for name in CLEAR_NAMES {
        assert!(!dom.contains(name), "{name} in clear on the page");
    }

    // The decision group's examples, followed from the page's own link.
    let (before, _) = dom
        .split_once(">000000100017</a>")
        .unwrap_or_else(|| panic!("no example link: {dom}"));
    let href = before
        .rsplit("href=\"")
        .next()
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    let url = format!("{base}{href}");
    let detail = tokio::task::spawn_blocking(move || dump_dom(&url))
        .await
        .unwrap();
    let text = visible_text(&detail);
    assert!(text.contains("Key 000000100017"), "{text}");
    assert!(
        text.contains("field legacy new body.cust_no 000000100017 000000100017"),
        "{text}"
    );
    assert!(text.contains("body.cust_name 윤** 윤**"), "masked: {text}");
    assert!(text.contains("body.decision K R"), "{text}");
    assert!(
        detail.contains("<tr class=\"diff\"><td class=\"path\">body.decision</td>"),
        "highlighted: {detail}"
    );
    for name in CLEAR_NAMES {
        assert!(!detail.contains(name), "{name} in clear on the drill-down");
    }
    assert!(text.contains("back to the report"));
}
