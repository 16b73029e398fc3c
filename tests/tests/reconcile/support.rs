//! Reconcile files for the generated sides, and the outcomes the generator injected.

use std::collections::BTreeMap;
use std::path::Path;

use shadowgate::store::ReconcileRun;

use crate::generator::*;

/// The layout of the fixed-length records.
pub const LAYOUT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../config/layouts/borrower-review.toml"
);

/// A `[legacy]`/`[new]` section reading fixed-length records.
pub fn fixed(side: &str, file: &str, records: &str) -> String {
    format!(
        r#"
[{side}]
kind = "fixed"
path = "{file}"
layout = "{LAYOUT}"
message = "REVIEW"
records = "{records}"
fields = [
  {{ path = "cust_no", column = "body.cust_no" }},
  {{ path = "cust_name", column = "body.cust_name" }},
  {{ path = "grade", column = "body.grade" }},
  {{ path = "decision", column = "body.decision" }},
  {{ path = "limit_amount", column = "body.limit_amount", type = "decimal" }},
  {{ path = "rate", column = "body.rate", type = "decimal" }},
  {{ path = "review_date", column = "body.review_date", type = "date" }},
]
"#
    )
}

/// A CSV section (columns named like the target fields).
pub fn csv(side: &str, file: &str) -> String {
    format!(
        r#"
[{side}]
kind = "csv"
path = "{file}"
fields = [
  {{ path = "cust_no" }},
  {{ path = "cust_name", mask = "name" }},
  {{ path = "grade" }},
  {{ path = "decision" }},
  {{ path = "limit_amount", type = "decimal" }},
  {{ path = "rate", type = "decimal" }},
  {{ path = "review_date", type = "date" }},
]
"#
    )
}

/// A JSON Lines section with its own shape; `order` as given.
pub fn jsonl(side: &str, file: &str, order: &str) -> String {
    format!(
        r#"
[{side}]
kind = "jsonl"
path = "{file}"
order = "{order}"
fields = [
  {{ path = "cust_no", column = "customer.no" }},
  {{ path = "cust_name", column = "customer.name", mask = "name" }},
  {{ path = "grade" }},
  {{ path = "decision" }},
  {{ path = "limit_amount", column = "limit", type = "decimal" }},
  {{ path = "rate", type = "decimal" }},
  {{ path = "review_date", column = "date", type = "date" }},
]
"#
    )
}

/// Writes a reconcile file with the sections and returns its path.
pub fn reconcile_file(dir: &Path, extra: &str, legacy: &str, new: &str) -> std::path::PathBuf {
    let text = format!("name = \"borrower-review\"\nkey = [\"cust_no\"]\n{extra}\n{legacy}\n{new}");
    let path = dir.join("reconcile.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs a reconcile file.
pub fn reconcile(path: &Path) -> ReconcileRun {
    let spec = shadowgate::reconcile::load(path).unwrap();
    shadowgate::reconcile::run(&spec, false).unwrap()
}

/// Each group as `(outcome, signature, fields) → (count, example keys)`.
pub type Groups = BTreeMap<(String, Option<String>, Vec<String>), (u64, Vec<String>)>;

/// The groups of a run.
pub fn groups(run: &ReconcileRun) -> Groups {
    run.groups
        .iter()
        .map(|g| {
            let keys = g.examples.iter().map(|e| e.key.clone()).collect();
            (
                (g.outcome.clone(), g.signature.clone(), g.fields.clone()),
                (g.count, keys),
            )
        })
        .collect()
}

/// Checks that the run found exactly what the generator injected into `n` borrowers, masked.
pub fn assert_injected(run: &ReconcileRun, n: u64) {
    let c = &run.counts;
    assert_eq!(
        (c.legacy_rows, c.new_rows, c.keys),
        (n + 1, n + 1, n + 1),
        "{c:?}"
    );
    assert_eq!(c.matched, n - 6, "{c:?}");
    assert_eq!(
        (c.mismatched, c.only_in_legacy, c.only_in_new),
        (3, 1, 1),
        "{c:?}"
    );
    assert_eq!(
        (
            c.duplicate_in_legacy,
            c.duplicate_in_new,
            c.duplicate_in_both
        ),
        (1, 1, 0),
        "{c:?}"
    );
    let key = |i: u64| vec![format!("{i:012}")];
    let found: BTreeMap<(String, Vec<String>), (u64, Vec<String>)> = groups(run)
        .into_iter()
        .map(|((outcome, signature, fields), v)| {
            assert_eq!(signature.is_some(), outcome == "mismatch", "{outcome}");
            ((outcome, fields), v)
        })
        .collect();
    let mismatch = |fields: &[&str]| {
        (
            "mismatch".to_owned(),
            fields.iter().map(|f| f.to_string()).collect(),
        )
    };
    let other = |outcome: &str| (outcome.to_owned(), Vec::new());
    let expected = BTreeMap::from([
        (mismatch(&["decision"]), (1, key(DECISION_CHANGED))),
        (
            mismatch(&["limit_amount", "rate"]),
            (1, key(LIMIT_AND_RATE_CHANGED)),
        ),
        (mismatch(&["limit_amount"]), (1, key(LIMIT_CHANGED))),
        (other("only_in_legacy"), (1, key(MISSING_IN_NEW))),
        (other("only_in_new"), (1, key(n + 1))),
        (other("duplicate_in_new"), (1, key(DUPLICATE_IN_NEW))),
        (other("duplicate_in_legacy"), (1, key(DUPLICATE_IN_LEGACY))),
    ]);
    assert_eq!(found, expected);
    let stored = serde_json::to_string(run).unwrap();
    for clear in ["KIMMINSU", "LEEJIEUN", "PARKSEOJUN", "CHOIYUNA"] {
        assert!(!stored.contains(clear), "{clear} in clear: {stored}");
    }
    assert!(
        stored.contains("L*******"),
        "names are masked, not dropped: {stored}"
    );
}

/// The signatures of the mismatch groups, for comparing runs over different sources.
pub fn signatures(run: &ReconcileRun) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<_> = run
        .groups
        .iter()
        .filter_map(|g| g.signature.clone().map(|s| (s, g.fields.clone())))
        .collect();
    out.sort();
    out
}
