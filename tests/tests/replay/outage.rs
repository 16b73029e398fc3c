//! What an engine outage and a cutover do to a group's verdict: a replay whose engine is down
//! says its cases were not replayed, exits 4 (not 3, "not fixed"), and leaves the earlier verdict
//! in place; cases the layout no longer reads are unreadable, not engine errors; after a
//! cutover, naming the new engine replays the group's cases it shadowed, and that run is the
//! group's verdict.

use std::sync::atomic::Ordering;

use shadowgate_tests::gateway::{guid, layout_path, request_frame, STRATEGY};
use shadowgate_tests::EngineToml;

use super::{args, recorded, replay, report, Recorded, FIXED};

#[tokio::test]
async fn a_replay_whose_engine_is_down_is_not_replayed_and_keeps_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let Recorded {
        mode,
        new_engine: _new_engine,
        legacy: _legacy,
        config,
        records,
        builder,
    } = recorded(dir.path()).await;
    let group = records[0].mismatch.signature.clone();
    mode.store(FIXED, Ordering::SeqCst);
    let (out, result) = replay(args(&config, &group)).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));

    // The new engine down: nothing listens where the config says it is.
    let down = dir.path().join("engine-down.toml");
    let nothing = builder.shadow("new-engine", EngineToml::http("http://127.0.0.1:9"));
    std::fs::write(&down, nothing.toml(&dir.path().join("store"))).unwrap();
    let (out, result) = replay(args(&down, &group)).await;
    assert_eq!(
        result.unwrap_err(),
        "NOT REPLAYED: 3 of 3 selected cases were not replayed (engine errors: see the cases' \
         detail); replay again when the engine answers",
        "{out}"
    );
    assert!(
        out.contains(&format!("group {group}: 0 of 3 cases fixed by replay at "))
            && out.contains(", 3 not replayed (engine errors)\n"),
        "{out}"
    );
    assert!(out.contains("error 3"), "{out}");
    // The verdict is still the run that replayed them; the outage is shown beside it.
    let report = report(&config).await;
    let line = report
        .lines()
        .find(|l| l.contains(&format!("group {group}: ")))
        .unwrap_or_else(|| panic!("no replay line: {report}"));
    assert!(
        line.contains(": 3 of 3 cases fixed by replay at ")
            && line.contains("; since then 0 of 3 cases fixed by replay at ")
            && line.contains(", 3 not replayed (engine errors) (against new-engine"),
        "{line}"
    );
}

/// The layout changed since the cases were recorded (the grade now digits): their stored live
/// answers no longer decode. They are unreadable, not sent, and no engine's errors.
#[tokio::test]
async fn cases_the_layout_no_longer_reads_are_unreadable_not_engine_errors() {
    let dir = tempfile::tempdir().unwrap();
    let Recorded {
        mode,
        new_engine,
        legacy: _legacy,
        records,
        builder,
        ..
    } = recorded(dir.path()).await;
    let group = records[0].mismatch.signature.clone();
    mode.store(FIXED, Ordering::SeqCst);
    let example = std::fs::read_to_string(layout_path()).unwrap();
    let grade = r#"{ name = "grade", type = "text", length = 2 },"#;
    assert!(example.contains(grade), "the example layout changed");
    let layout = dir.path().join("digits-grade.toml");
    let digits = r#"{ name = "grade", type = "number", length = 2 },"#;
    std::fs::write(&layout, example.replace(grade, digits)).unwrap();
    let config = dir.path().join("changed-layout.toml");
    let changed = builder.layout_file(&layout);
    std::fs::write(&config, changed.toml(&dir.path().join("store"))).unwrap();
    let calls = new_engine.requests();

    let (out, result) = replay(args(&config, &group)).await;
    assert_eq!(
        result.unwrap_err(),
        "NOT REPLAYED: 3 of 3 selected cases were not replayed (unreadable: see the cases' \
         detail)",
        "{out}"
    );
    assert!(
        out.contains("unreadable: the stored live answer no longer decodes with the layout: "),
        "{out}"
    );
    assert!(
        out.contains(&format!("group {group}: 0 of 3 cases fixed by replay at "))
            && out.contains(", 3 not replayed (unreadable)\n"),
        "{out}"
    );
    assert!(out.contains("error 0, unreadable 3"), "{out}");
    assert_eq!(
        new_engine.requests(),
        calls,
        "an unreadable case is not sent"
    );
}

#[tokio::test]
async fn after_a_cutover_the_new_engines_cases_of_a_group_are_its_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let Recorded {
        mode,
        new_engine: _new_engine,
        legacy: _legacy,
        records,
        builder,
        ..
    } = recorded(dir.path()).await;
    let group = records[0].mismatch.signature.clone();
    // Cut over with the defect still there: the same difference, reversed, joins the group
    // (live new-engine, shadow legacy).
    let swapped = builder.swap_roles();
    let config = dir.path().join("after-cutover.toml");
    std::fs::write(&config, swapped.toml(&dir.path().join("store"))).unwrap();
    let gateway = swapped.start().await;
    let mut client = gateway.mci_client().await;
    for n in 11..=16 {
        client.call(&request_frame(&guid(n))).await;
    }
    let all = gateway.records(6).await;
    gateway.shutdown().await;
    assert!(
        all.iter().all(|r| r.mismatch.signature == group),
        "{all:#?}"
    );

    // Naming nothing: refused, as before.
    let (_, result) = replay(args(&config, &group)).await;
    let error = result.unwrap_err();
    assert!(
        error.contains("expected cases shadowed by one engine, found several (legacy, new-engine)"),
        "{error}"
    );
    // Naming the new engine: the 3 cases it shadowed, fixed; the group's verdict.
    mode.store(FIXED, Ordering::SeqCst);
    let mut against = args(&config, &group);
    against.against = Some("new-engine".to_owned());
    let (out, result) = replay(against).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert!(
        out.contains("only the cases engine new-engine shadowed: "),
        "{out}"
    );
    let said = format!("group {group}: 3 of 3 cases shadowed by new-engine fixed by replay at ");
    assert!(out.contains(&said), "{out}");
    let report = report(&config).await;
    let line = format!("{STRATEGY} · {said}");
    assert!(report.contains(&line), "{report}");
    assert!(!report.contains("no replay of the whole group"), "{report}");
}
