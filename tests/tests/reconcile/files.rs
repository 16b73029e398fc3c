//! Fixed-length files, CSV against JSON Lines, unsorted input, the stored run in the report.

use crate::generator::{sides, write_csv, write_fixed, write_jsonl};
use crate::support::*;

const N: u64 = 200;

fn fixed_run(dir: &std::path::Path) -> shadowgate::store::ReconcileRun {
    let (legacy, new) = sides(N);
    write_fixed(&dir.join("legacy.dat"), &legacy, true);
    write_fixed(&dir.join("new.dat"), &new, false);
    let path = reconcile_file(
        dir,
        "",
        &fixed("legacy", "legacy.dat", "newline"),
        &fixed("new", "new.dat", "back_to_back"),
    );
    reconcile(&path)
}

#[test]
fn fixed_length_files_give_exactly_the_injected_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let run = fixed_run(dir.path());
    assert_injected(&run, N);
    assert!(
        run.ordering
            .iter()
            .all(|o| o.ends_with("in order (checked)")),
        "{:?}",
        run.ordering
    );
}

#[test]
fn csv_against_json_lines_gives_the_same_outcomes_and_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let (legacy, new) = sides(N);
    write_csv(&dir.path().join("legacy.csv"), &legacy);
    write_jsonl(&dir.path().join("new.jsonl"), &new);
    let path = reconcile_file(
        dir.path(),
        "",
        &csv("legacy", "legacy.csv"),
        &jsonl("new", "new.jsonl", "check"),
    );
    let run = reconcile(&path);
    // `4.5` in CSV and "4.500" in JSON are the same decimal: no rate mismatch beyond the injected.
    assert_injected(&run, N);
    let fixed = fixed_run(dir.path());
    assert_eq!(signatures(&run), signatures(&fixed));
}

#[test]
fn unsorted_input_is_detected_and_sorted_in_temp_files() {
    const MANY: u64 = 5_000;
    let dir = tempfile::tempdir().unwrap();
    let (legacy, mut new) = sides(MANY);
    // Out of order from the middle on: detected while merging, not at the first row.
    new[MANY as usize / 2..].reverse();
    let mut legacy_shuffled = legacy.clone();
    legacy_shuffled.reverse();
    write_jsonl(&dir.path().join("new.jsonl"), &new);
    write_jsonl(&dir.path().join("legacy.jsonl"), &legacy_shuffled);
    let temp = dir.path().join("spill");
    std::fs::create_dir(&temp).unwrap();
    // 1 MiB holds fewer than 5,000 rows: the sort spills runs and merges them.
    let extra = "sort_memory_mib = 1\ntemp_dir = \"spill\"";
    let path = reconcile_file(
        dir.path(),
        extra,
        &jsonl("legacy", "legacy.jsonl", "unsorted"),
        &jsonl("new", "new.jsonl", "check"),
    );
    let run = reconcile(&path);
    assert_injected(&run, MANY);
    assert_eq!(run.ordering[0], "legacy: sorted (declared unsorted)");
    assert!(
        run.ordering[1].starts_with("new: sorted (row "),
        "{:?}",
        run.ordering
    );
    assert_eq!(
        std::fs::read_dir(&temp).unwrap().count(),
        0,
        "spilled runs are removed"
    );
}

#[test]
fn a_stored_run_is_reported_beside_the_strategies_masked() {
    let dir = tempfile::tempdir().unwrap();
    let run = fixed_run(dir.path());
    let store = dir.path().join("store");
    shadowgate::store::save_reconcile(&store, &run).unwrap();
    let args = shadowgate::cli::ReportArgs {
        source: shadowgate::cli::SourceArgs {
            store: Some(store),
            config: None,
            from: None,
            token_env: None,
        },
        strategy: None,
        format: shadowgate::cli::Format::Text,
        daily: false,
    };
    let mut out = Vec::new();
    shadowgate::cli::run_report(&args, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("== batch borrower-review"), "{text}");
    assert!(text.contains("readiness: blocked"), "{text}");
    assert!(
        text.contains("no_failures: 7 of 201 keys are not a match"),
        "{text}"
    );
    assert!(text.contains("decision: \"R\" → \"K\""), "{text}");
    assert!(
        !text.contains("KIMMINSU") && !text.contains("LEEJIEUN"),
        "{text}"
    );
}

#[test]
fn the_example_reconcile_file_is_valid() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/reconcile.toml");
    let spec = shadowgate::reconcile::load(std::path::Path::new(path)).unwrap();
    assert_eq!(spec.rules_origin, "strategy loan-screening");
    // The layout's `mask = "name"` reaches the batch field without a mapping `mask`.
    assert_eq!(
        spec.masks.get("body.cust_name"),
        Some(&protocol_mci::MaskKind::Name)
    );
}
