//! `shadowgate reconcile` as people run it, the real binary: the exit status says whether every
//! key matched (0), some did not (3), rows were set aside as bad (4, `--max-bad-rows`) or the
//! run failed (1, one `error:` line); `--store` keeps
//! the run for `report`, a store held by another process fails before any work, the reconcile
//! file's invalid rules are errors at their lines, and its warnings are listed on stderr, or with
//! `--quiet` counted in one line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

fn shadowgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shadowgate"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A reconcile file of two JSON Lines files; `new` holds the new side's lines.
fn reconcile_file(dir: &Path, new: &str) -> String {
    reconcile_file_with_rules(dir, new, "")
}

/// [`reconcile_file`] with `rules` as the body of its `[rules]` table.
fn reconcile_file_with_rules(dir: &Path, new: &str, rules: &str) -> String {
    let legacy = "{\"id\": 1, \"decision\": \"A\"}\n{\"id\": 2, \"decision\": \"R\"}\n";
    std::fs::write(dir.join("legacy.jsonl"), legacy).unwrap();
    std::fs::write(dir.join("new.jsonl"), new).unwrap();
    let side = |name: &str| {
        format!(
            "[{name}]\nkind = \"jsonl\"\npath = \"{name}.jsonl\"\n\
             fields = [{{ path = \"id\", type = \"integer\" }}, {{ path = \"decision\" }}]\n"
        )
    };
    let path = dir.join("reconcile.toml");
    let text = format!(
        "name = \"cli\"\nkey = [\"id\"]\n[rules]\n{rules}{}{}",
        side("legacy"),
        side("new")
    );
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn the_exit_status_says_whether_every_key_matched() {
    let dir = tempfile::tempdir().unwrap();
    let same = "{\"id\": 1, \"decision\": \"A\"}\n{\"id\": 2, \"decision\": \"R\"}\n";
    let config = reconcile_file(dir.path(), same);
    let clean = shadowgate(&["reconcile", "--config", &config, "--quiet"]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stderr));
    assert!(
        text(&clean.stdout).contains("keys 2  matches 2"),
        "{}",
        text(&clean.stdout)
    );

    let config = reconcile_file(dir.path(), "{\"id\": 2, \"decision\": \"A\"}\n");
    let differs = shadowgate(&["reconcile", "--config", &config, "--quiet"]);
    assert_eq!(differs.status.code(), Some(3), "{}", text(&differs.stderr));
    let out = text(&differs.stdout);
    assert!(
        out.contains("only_in_legacy") && out.contains("decision: \"R\" → \"A\""),
        "{out}"
    );
}

#[test]
fn a_rule_that_reaches_no_mapped_field_is_warned_of_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let same = "{\"id\": 1, \"decision\": \"A\"}\n{\"id\": 2, \"decision\": \"R\"}\n";
    let rules = "ignore = [\"decison\", \"id\"]\n";
    let config = reconcile_file_with_rules(dir.path(), same, rules);
    // stderr is no terminal here, so no progress bar is drawn even without `--quiet`.
    let run = shadowgate(&["reconcile", "--config", &config]);
    let stderr = text(&run.stderr);
    // A warning, not an error: the run goes on and every key matches.
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "reconcile file {config}: 1 warning\n  - rules.ignore[0] (line 4, column 11): \
             expected a pattern that reaches a field of the rows as the `fields` of legacy and new map them, found \
             \"decison\" (did you mean `decision`?)\n"
        )
    );
    let listed = text(&run.stdout);
    assert!(listed.contains("keys 2  matches 2"), "{listed}");

    // A scheduled run's `--quiet`: the warning counted in one line, the result the same.
    let quiet = shadowgate(&["reconcile", "--config", &config, "--quiet"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", text(&quiet.stderr));
    assert_eq!(
        text(&quiet.stderr),
        format!("reconcile file {config}: 1 warning (run without --quiet to list it)\n")
    );
    let out = text(&quiet.stdout);
    let without_times = |text: &str| {
        text.lines()
            .filter(|line| !line.contains("finished") && !line.contains("run "))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(without_times(&out), without_times(&listed), "{out}");
}

#[test]
fn an_invalid_rule_is_an_error_at_its_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let rules = "ignore = [\"decision\", \"decision\"]\n\
                 tolerance = [{ path = \"decision\", absolute = \"x\" }]\n";
    let config = reconcile_file_with_rules(dir.path(), "", rules);
    let failed = shadowgate(&["reconcile", "--config", &config, "--quiet"]);
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed.stderr));
    assert_eq!(
        text(&failed.stderr),
        format!(
            "error: reconcile file {config}: rules.ignore[1] (line 4, column 23): expected a \
             pattern no other ignore rule has, found \"decision\" (ignore[0] has it)\n\
             rules.tolerance[0].absolute (line 5, column 46): expected a non-negative decimal \
             string such as \"0.01\", found \"x\"\n"
        )
    );
}

#[test]
fn a_bad_row_is_one_error_line_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let config = reconcile_file(dir.path(), "{\"id\": \"two\", \"decision\": \"A\"}\n");
    let failed = shadowgate(&["reconcile", "--config", &config, "--quiet"]);
    let stderr = text(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("new source jsonl")
            && stderr.contains("line 1")
            && stderr.contains("column id: expected a whole number, found \"two\""),
        "{stderr}"
    );
    // Set aside within --max-bad-rows: listed, counted, and exit status 4 (not 0, not 3).
    let new = "{\"id\": 1, \"decision\": \"A\"}\n{\"id\": \"two\", \"decision\": \"A\"}\n";
    let config = reconcile_file(dir.path(), new);
    let args = [
        "reconcile",
        "--config",
        &config,
        "--quiet",
        "--max-bad-rows",
        "1",
    ];
    let aside = shadowgate(&args);
    let stdout = text(&aside.stdout);
    assert_eq!(aside.status.code(), Some(4), "{}", text(&aside.stderr));
    assert!(
        stdout.contains("  bad rows set aside (not compared): 1\n    new source jsonl ")
            && stdout.contains(" line 2: column id: expected a whole number, found \"two\"\n"),
        "{stdout}"
    );
}

#[test]
fn a_stored_run_is_in_the_report_and_a_held_store_fails_first() {
    let dir = tempfile::tempdir().unwrap();
    let config = reconcile_file(dir.path(), "{\"id\": 1, \"decision\": \"A\"}\n");
    let store = dir.path().join("store");
    let store = store.to_str().unwrap();
    let run = shadowgate(&[
        "reconcile",
        "--config",
        &config,
        "--store",
        store,
        "--quiet",
    ]);
    assert_eq!(run.status.code(), Some(3), "{}", text(&run.stderr));
    let report = shadowgate(&["report", "--store", store, "--format", "json"]);
    assert_eq!(report.status.code(), Some(0), "{}", text(&report.stderr));
    let json: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let batch = &json["batches"][0];
    assert_eq!(batch["run"]["name"], "cli");
    assert_eq!(batch["run"]["counts"]["only_in_legacy"], 1);
    assert_eq!(batch["readiness"]["status"], "blocked");

    // sled's lock: while this process holds the store, reconcile fails before reading anything.
    let _held = shadowgate::store::Reader::open(Path::new(store)).unwrap();
    let locked = shadowgate(&[
        "reconcile",
        "--config",
        &config,
        "--store",
        store,
        "--quiet",
    ]);
    assert_eq!(locked.status.code(), Some(1));
    assert_eq!(
        text(&locked.stderr),
        format!(
            "error: --store {store}: store \"{store}\" is locked: another process (a running \
             gateway?) holds it; {LOCKED_REMEDY}\n"
        )
    );
}

/// What a run to be stored says to do about a store another process holds.
const LOCKED_REMEDY: &str = "stop that gateway first, or keep the run in a store directory of \
                             its own with --store DIR (report --store DIR reads it)";

/// `--store-config` of a gateway whose sled store is held (the gateway runs) fails as `--store`
/// does: at once, before reading a row (the sources here do not even exist), with the store's
/// "locked" error and what to do for a write, never sled's `Os { code: 11, .. }` dump.
#[test]
fn a_held_store_of_a_gateway_config_fails_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let config = reconcile_file(dir.path(), "{\"id\": 1, \"decision\": \"A\"}\n");
    std::fs::remove_file(dir.path().join("new.jsonl")).unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir(&store).unwrap();
    let layout =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/layouts/loan-screening.toml");
    let gateway = dir.path().join("sg.toml");
    let gateway_text = format!(
        "[[listeners.mci]]\nname = \"core\"\naddress = \"127.0.0.1:0\"\nlayout = \"loan\"\n\
         [layouts]\nloan = {layout:?}\n\
         [engines.legacy]\nprotocol = \"mci\"\naddress = \"127.0.0.1:7001\"\nlayout = \"loan\"\n\
         [strategies.loan]\nlayout = \"loan\"\ntx_codes = [\"LNS0001\"]\nlive = \"legacy\"\n\
         [store]\npath = {store:?}\n"
    );
    std::fs::write(&gateway, gateway_text).unwrap();
    let _held = shadowgate::store::Reader::open(&store).unwrap();
    let gateway = gateway.to_str().unwrap();
    let locked = shadowgate(&[
        "reconcile",
        "--config",
        &config,
        "--store-config",
        gateway,
        "--quiet",
    ]);
    assert_eq!(locked.status.code(), Some(1));
    assert_eq!(
        text(&locked.stderr),
        format!(
            "error: --store-config {gateway}: store {store:?} is locked: another process (a \
             running gateway?) holds it; {LOCKED_REMEDY}\n"
        )
    );
}

/// A side found out of key order is sorted and merged again: a job's log (stderr, no terminal)
/// says so without `--quiet`, and the result's ordering line says so either way.
#[test]
fn a_side_found_out_of_order_is_said_on_stderr_without_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let unsorted = "{\"id\": 2, \"decision\": \"R\"}\n{\"id\": 1, \"decision\": \"A\"}\n";
    let config = reconcile_file(dir.path(), unsorted);
    let loud = shadowgate(&["reconcile", "--config", &config]);
    assert_eq!(loud.status.code(), Some(0), "{}", text(&loud.stderr));
    assert!(
        text(&loud.stderr)
            .contains("new: row 2 is out of key order; sorting new and starting over"),
        "{}",
        text(&loud.stderr)
    );
    let quiet = shadowgate(&["reconcile", "--config", &config, "--quiet"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", text(&quiet.stderr));
    assert_eq!(text(&quiet.stderr), "");
    for out in [text(&loud.stdout), text(&quiet.stdout)] {
        assert!(
            out.contains("sorted (row 2 found out of key order)"),
            "{out}"
        );
    }
}

/// A value of the wrong type is said by its key and line in words, as `check-config` says it
/// for the gateway's config, never serde's type name.
#[test]
fn a_value_of_the_wrong_type_is_named_by_its_key_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let same = "{\"id\": 1, \"decision\": \"A\"}\n{\"id\": 2, \"decision\": \"R\"}\n";
    let path = reconcile_file(dir.path(), same);
    let file = std::fs::read_to_string(&path).unwrap();
    let file = file.replacen(
        "key = [\"id\"]\n",
        "key = [\"id\"]\nexamples_per_group = \"5\"\n",
        1,
    );
    std::fs::write(&path, file).unwrap();
    let failed = shadowgate(&["reconcile", "--config", &path, "--quiet"]);
    let stderr = text(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "examples_per_group (line 3, column 22): expected a whole number (0 to 100), found \
             the string \"5\""
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("usize"), "{stderr}");
}
