//! The replay's text (cases, groups, totals, counts of one) and who runs it.

use super::inputs::runner;
use super::text::{cases_table, print, write_group_replays};
use super::{run_replay, verdict, NotFixed, NotReplayed, ReplayArgs, Skipped};
use crate::cli::table::assert_column;
use crate::review::ReviewView;
use crate::store::replays::GroupRun;
use crate::store::{GroupReplay, ReplayCase, ReplayRun};

#[test]
fn the_cases_not_fixed_are_counted_in_the_right_number() {
    let said = |not_fixed, total| {
        let skipped = Skipped::default();
        NotFixed {
            not_fixed,
            total,
            skipped,
        }
        .to_string()
    };
    assert_eq!(said(1, 1), "1 of 1 replayed case is not fixed");
    assert_eq!(said(1, 3), "1 of 3 replayed cases is not fixed");
    assert_eq!(said(3, 3), "3 of 3 replayed cases are not fixed");
}

/// A run whose engine was down: not "not fixed" (3) but not replayed (4), in the summary, the
/// group's line and the exit; a fix that failed on the cases answered is still "not fixed".
#[test]
fn cases_the_engine_failed_on_are_not_replayed_not_unfixed() {
    let case = |seq: u32, result: &str| ReplayCase {
        id: format!("00000000000000{seq:02}a0000001").parse().unwrap(),
        signature: "3cc4d5940b0b32de".into(),
        result: result.into(),
        new_signature: None,
        detail: (result == "error").then(|| "engine \"next\": cannot connect: refused".into()),
    };
    let mut run = ReplayRun {
        started_micros: 1_764_460_800_000_000,
        finished_micros: 1_764_460_801_000_000,
        by: "kim".into(),
        strategy: "loan".into(),
        engine: "next".into(),
        selection: "--group 3cc4d5940b0b32de".into(),
        group_selections: Default::default(),
        shadowed_by: None,
        cases: vec![case(1, "error"), case(2, "error"), case(3, "error")],
    };
    let mut out = Vec::new();
    print(&mut out, &run, &ReviewView::default()).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(
            "group 3cc4d5940b0b32de: 0 of 3 cases fixed by replay at 2025-11-30 00:00:00 +00:00, \
             3 not replayed (engine errors)\n"
        ),
        "{text}"
    );
    let error = verdict(&run).unwrap_err();
    assert!(error.is::<NotReplayed>(), "{error}");
    assert_eq!(
        error.to_string(),
        "3 of 3 selected cases were not replayed (engine errors: see the cases' detail); replay \
         again when the engine answers"
    );
    // One answered and still differing: the fix did not hold, whatever the others say.
    run.cases[0].result = "still_differing".into();
    let error = verdict(&run).unwrap_err();
    assert!(error.is::<NotFixed>(), "{error}");
    assert_eq!(
        error.to_string(),
        "1 of 1 replayed case is not fixed, and 2 more cases were not replayed (engine errors)"
    );
    run.cases[0].result = "fixed".into();
    run.cases.truncate(1);
    verdict(&run).unwrap();
}

/// Cases that cannot be read (a key removed, frames the layout no longer decodes) are not
/// replayed either, but are no engine's errors: counted as unreadable in the group's line and
/// the exit, without "replay again when the engine answers", which would not help.
#[test]
fn cases_that_cannot_be_read_are_unreadable_not_engine_errors() {
    let case = |seq: u32, result: &str| ReplayCase {
        id: format!("00000000000000{seq:02}a0000001").parse().unwrap(),
        signature: "3cc4d5940b0b32de".into(),
        result: result.into(),
        new_signature: None,
        detail: None,
    };
    let mut run = ReplayRun {
        started_micros: 1_764_460_800_000_000,
        finished_micros: 1_764_460_801_000_000,
        by: "kim".into(),
        strategy: "loan".into(),
        engine: "next".into(),
        selection: "--group 3cc4d5940b0b32de".into(),
        group_selections: Default::default(),
        shadowed_by: None,
        cases: vec![
            case(1, "fixed"),
            case(2, "unreadable"),
            case(3, "unreadable"),
        ],
    };
    let mut out = Vec::new();
    print(&mut out, &run, &ReviewView::default()).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(
            "group 3cc4d5940b0b32de: 1 of 3 cases fixed by replay at 2025-11-30 00:00:00 +00:00, \
             2 not replayed (unreadable)\n"
        ),
        "{text}"
    );
    assert!(text.ends_with("error 0, unreadable 2\n"), "{text}");
    let error = verdict(&run).unwrap_err();
    assert!(error.is::<NotReplayed>(), "{error}");
    assert_eq!(
        error.to_string(),
        "2 of 3 selected cases were not replayed (unreadable: see the cases' detail)"
    );
    // With an engine error beside them, both are counted, and replaying again may help.
    run.cases[0].result = "error".into();
    let error = verdict(&run).unwrap_err();
    assert_eq!(
        error.to_string(),
        "3 of 3 selected cases were not replayed (1 engine error, 2 unreadable: see the cases' \
         detail); replay again when the engine answers"
    );
    // A case replayed and still differing: not fixed, the unreadable ones said apart.
    run.cases[0].result = "still_differing".into();
    let error = verdict(&run).unwrap_err();
    assert!(error.is::<NotFixed>(), "{error}");
    assert_eq!(
        error.to_string(),
        "1 of 1 replayed case is not fixed, and 2 more cases were not replayed (unreadable)"
    );
}

#[test]
fn each_run_of_a_group_is_credited_to_whoever_ran_it() {
    let run = |total: usize, by: &str, partial: bool| GroupRun {
        fixed: 0,
        total,
        at_micros: 1_764_460_800_000_000,
        engine: "next".into(),
        by: by.into(),
        selection: "--group sig --limit 2".into(),
        partial,
        not_replayed: 0,
        unreadable: 0,
        shadowed_by: None,
    };
    let group = GroupReplay {
        strategy: "loan".into(),
        signature: "sig".into(),
        whole: Some(run(200, "kim", false)),
        latest_partial: Some(run(2, "lee", true)),
        summary: String::new(),
    };
    let mut out = Vec::new();
    write_group_replays(&mut out, &[group], &None, &ReviewView::default()).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("0 of 200 cases fixed by replay at 2025-11-30 00:00:00 +00:00 (against next, by kim); since then 0 of 2 cases")
            && text.contains("(part of the group: --group sig --limit 2) (against next, by lee)"),
        "{text}"
    );
}

#[test]
fn cases_stay_aligned_with_a_long_group_and_a_hangul_one() {
    let case = |id: &str, signature: &str, result: &str| ReplayCase {
        id: id.parse().unwrap(),
        signature: signature.into(),
        result: result.into(),
        new_signature: None,
        detail: Some("refused".into()),
    };
    let cases = [
        case("0000000000000001a0000001", "3cc4d5940b0b32de", "fixed"),
        case(
            "0000000000000002a0000002",
            "shadow_error/connect",
            "unreadable",
        ),
        case("0000000000000003a0000003", "고객번호", "still_differing"),
    ];
    let mut out = Vec::new();
    cases_table(&mut out, &cases).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_column(
        &text,
        &lines,
        &["group", "3cc4", "shadow_error", "고객번호"],
    );
    assert_column(
        &text,
        &lines,
        &["result", "fixed", "unreadable", "still_differing"],
    );
    assert_column(&text, &lines, &["detail", "refused", "refused", "refused"]);
}

/// A run of one case says so in the singular, from its first line to its verdict.
#[test]
fn a_run_of_one_case_is_said_in_the_singular() {
    let run = ReplayRun {
        started_micros: 1_764_460_800_000_000,
        finished_micros: 1_764_460_801_000_000,
        by: "kim".into(),
        strategy: "loan".into(),
        engine: "next".into(),
        selection: "all".into(),
        group_selections: Default::default(),
        shadowed_by: None,
        cases: vec![ReplayCase {
            id: "0000000000000001a0000001".parse().unwrap(),
            signature: "3cc4d5940b0b32de".into(),
            result: "still_differing".into(),
            new_signature: None,
            detail: None,
        }],
    };
    let mut out = Vec::new();
    print(&mut out, &run, &ReviewView::default()).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("replay of 1 case of strategy loan against engine next by kim (all)\n"),
        "{text}"
    );
    assert!(
        text.contains("group 3cc4d5940b0b32de: 0 of 1 case fixed by replay at "),
        "{text}"
    );
    let not_fixed = |not_fixed, total| {
        let skipped = Skipped::default();
        NotFixed {
            not_fixed,
            total,
            skipped,
        }
        .to_string()
    };
    assert_eq!(not_fixed(1, 1), "1 of 1 replayed case is not fixed");
    assert_eq!(not_fixed(1, 3), "1 of 3 replayed cases is not fixed");
    assert_eq!(not_fixed(2, 3), "2 of 3 replayed cases are not fixed");
}

#[test]
fn who_runs_a_replay_is_named_or_the_replay_is_refused() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let both = env(&[("USER", "kim.j"), ("LOGNAME", "kim")]);
    assert_eq!(runner(Some("choi.m"), both).unwrap(), "choi.m");
    assert_eq!(runner(None, both).unwrap(), "kim.j");
    assert_eq!(
        runner(None, env(&[("USER", " "), ("LOGNAME", "lee")])).unwrap(),
        "lee"
    );
    let error = runner(None, env(&[])).unwrap_err().to_string();
    assert_eq!(
        error,
        "--by: expected the name of who runs this replay, found nothing (no $USER or $LOGNAME \
         in the environment); set --by NAME"
    );
    assert!(
        runner(Some(""), env(&[])).is_err(),
        "a blank --by names nobody"
    );
}

/// A store a running gateway holds: replay has no `--from`, so it is sent to the running
/// gateway's `POST /api/v1/replays` at the config's admin address (a trial was told "read them
/// with --from", an argument replay refuses). A fleet gateway's directory held is no obstacle:
/// its cases and runs are in the fleet's database, which the replay reads (here, away).
#[test]
fn a_locked_store_sends_the_replay_to_the_running_gateways_api() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    std::fs::write(&keys, "k1 = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n").unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir(&store).unwrap();
    // Held as a running gateway holds it.
    let _running = crate::store::Reader::open(&store).unwrap();
    let admin = "\n[listeners.admin]\naddress = \"0.0.0.0:9190\"\n";
    // Refused before any connection: no PostgreSQL needed.
    let fleet = "backend = \"postgres\"\npostgres = { url = \"postgres://gw@127.0.0.1:1/x\", \
                 instance = \"gw1\", sslmode = \"disable\" }\n";
    for backend in ["", fleet] {
        let extra = format!("encryption_key_file = {keys:?}\n{backend}{admin}");
        let args = ReplayArgs {
            config: crate::config::tests::config(dir.path(), &[], &extra),
            strategy: "loan".into(),
            group: None,
            ids: Vec::new(),
            since: None,
            until: None,
            kind: None,
            against: None,
            rate: 50,
            concurrency: 4,
            limit: 10_000,
            by: Some("kim".into()),
        };
        let error = format!("{:#}", run_replay(&args, &mut Vec::new()).unwrap_err());
        if backend.is_empty() {
            assert_eq!(
                error,
                format!(
                    "store {store:?} is locked: another process (a running gateway?) holds it; \
                     stop it first, or start the run on it with POST \
                     http://127.0.0.1:9190/api/v1/replays"
                ),
            );
        } else {
            assert!(
                error.starts_with("cannot read the fleet store at postgres://gw@127.0.0.1:1/x: "),
                "{error}"
            );
        }
    }
}
