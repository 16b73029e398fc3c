//! The shipped example (`config/reconcile.toml` with its sample data in `config/batch/`) runs as
//! the README says and finds exactly the differences `config/batch/generate.py` put in, so the
//! example cannot rot; its PostgreSQL variant stays valid.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::groups;

fn config(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../config")
        .join(file)
}

#[test]
fn the_shipped_example_finds_its_known_differences() {
    let spec = shadowgate::reconcile::load(&config("reconcile.toml")).unwrap();
    let run = shadowgate::reconcile::run(&spec, false).unwrap();
    let c = &run.counts;
    assert_eq!(
        (c.legacy_rows, c.new_rows, c.keys),
        (300, 301, 301),
        "{c:?}"
    );
    // Borrower 123's rate is 0.001 higher: the strategy's `body.rate` tolerance makes it a match.
    assert_eq!(c.matched, 295, "{c:?}");
    assert_eq!(
        (
            c.mismatched,
            c.only_in_legacy,
            c.only_in_new,
            c.duplicate_in_new
        ),
        (3, 1, 1, 1),
        "{c:?}"
    );
    assert_eq!(
        (c.duplicate_in_legacy, c.duplicate_in_both),
        (0, 0),
        "{c:?}"
    );
    let key = |i: u64| vec![format!("{:012}", 100_000 + i)];
    let found: BTreeMap<(String, Vec<String>), (u64, Vec<String>)> = groups(&run)
        .into_iter()
        .map(|((outcome, _, fields), v)| ((outcome, fields), v))
        .collect();
    let group = |outcome: &str, fields: &[&str]| {
        let fields = fields.iter().map(|f| f.to_string()).collect();
        (outcome.to_owned(), fields)
    };
    let expected = BTreeMap::from([
        (group("mismatch", &["body.decision"]), (1, key(17))),
        (group("mismatch", &["body.limit_amount"]), (1, key(42))),
        (group("mismatch", &["body.rate"]), (1, key(88))),
        (group("only_in_legacy", &[]), (1, key(150))),
        (group("only_in_new", &[]), (1, key(301))),
        (group("duplicate_in_new", &[]), (1, key(201))),
    ]);
    assert_eq!(found, expected);
    // What the tolerance hid is counted, not only applied: borrower 123's rate.
    let tolerance = run
        .suppressed
        .iter()
        .find(|s| s.rule.starts_with("tolerance body.rate"));
    assert_eq!(tolerance.map(|s| s.count), Some(1), "{:?}", run.suppressed);
    // The legacy file is cp949: Korean names decode, and are masked in every example.
    let stored = serde_json::to_string(&run).unwrap();
    assert!(stored.contains("\"윤**\""), "{stored}");
    assert!(!stored.contains("윤서연"), "a name in clear: {stored}");
}

#[test]
fn the_readme_command_prints_the_run_and_says_not_every_key_matched() {
    let args = shadowgate::cli::ReconcileArgs {
        config: config("reconcile.toml"),
        store: None,
        store_config: None,
        format: shadowgate::cli::Format::Text,
        quiet: true,
        max_bad_rows: 0,
    };
    let mut out = Vec::new();
    let finished = shadowgate::cli::run_reconcile(&args, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        finished.exit_status(),
        3,
        "exit status 3: some key does not match: {text}"
    );
    assert!(
        text.contains("keys 301  matches 295  mismatches 3  only in legacy 1  only in new 1"),
        "{text}"
    );
    assert!(text.contains("body.decision: \"K\" → \"R\""), "{text}");
    assert!(text.contains("  suppressed by rules:\n"), "{text}");
}

#[test]
fn the_postgres_variant_is_valid() {
    let spec = shadowgate::reconcile::load(&config("reconcile-postgres.toml")).unwrap();
    assert_eq!(spec.rules_origin, "strategy loan-screening");
    assert!(
        spec.new.label().starts_with("postgres"),
        "{}",
        spec.new.label()
    );
}
