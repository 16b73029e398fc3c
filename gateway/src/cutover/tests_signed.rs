//! A sign-off records where its engines are reached, as start entries do, and a change rests on
//! it only if the live engine it leaves in force is one it signed, at the endpoint it recorded;
//! sign-offs written before endpoints were recorded still verify, display and link by names.

use std::path::Path;

use super::tests::{config, request, store, ENGINES};
use super::*;
use crate::config::{load, Config};
use crate::review::ReviewView;
use crate::triage::Entry;
use crate::triage::{verify, TriageBook};

/// The config of [`config`] with each `(from, to)` replaced once in its file, loaded.
fn edited(dir: &Path, edits: &[(&str, &str)]) -> Config {
    let base = config(dir, ENGINES, 3);
    let mut text = std::fs::read_to_string(&base.source).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{from} not in {text}");
        text = text.replacen(from, to, 1);
    }
    std::fs::write(&base.source, text).unwrap();
    load(&base.source).unwrap_or_else(|e| panic!("{e}"))
}

const SWAP: (&str, &str) = (ENGINES, "live = \"next\"\nshadow = \"legacy\"");

#[test]
fn a_signoff_records_where_both_engines_are_reached_and_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    let signed = sign(&reader, &a, &request("choi"), 10).unwrap();
    let e = &signed.evidence;
    // The same endpoints the start entry records: one function makes both.
    let recorded = link_start(&reader, &a, 20).unwrap().unwrap();
    let route = &recorded.routing["loan"];
    assert_eq!(
        (&e.live_at, &e.shadow_at),
        (&route.live_at, &route.shadow_at)
    );
    assert_eq!(e.live_at.as_ref().unwrap().at, "127.0.0.1:7001");
    let cutover = "live legacy at 127.0.0.1:7001 (layout loan) → next at \
                   http://127.0.0.1:7002/v1/loan";
    assert_eq!(e.cutover(), cutover);

    // The report (HTML and its JSON), and `audit list`'s from → to, say it.
    let page = html(&signed, &ReviewView::default());
    assert!(
        page.contains(&format!("<td>Cutover</td><td>{cutover}</td>")),
        "{page}"
    );
    let json = serde_json::to_value(&signed).unwrap();
    assert_eq!(
        json["evidence"]["shadow_at"]["at"],
        "http://127.0.0.1:7002/v1/loan"
    );
    assert_eq!(json["evidence"]["live_at"]["layout"], "loan");
    let trail = TriageBook::new(reader.clone()).audit().unwrap();
    assert_eq!(
        trail[0].from.as_deref(),
        Some("live legacy at 127.0.0.1:7001 (layout loan)")
    );
    assert_eq!(
        trail[0].to.as_deref(),
        Some("ready for live next at http://127.0.0.1:7002/v1/loan")
    );
    assert_eq!(SignOff::of(&trail[0]).as_ref(), Some(&signed));
}

#[test]
fn a_swap_whose_new_live_engine_moved_since_the_signoff_is_unsigned() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    link_start(&reader, &a, 10).unwrap();
    sign(&reader, &a, &request("choi"), 20).unwrap();

    // Swapped as signed, but in the same edit `next` is pointed elsewhere: the engine that now
    // decides for customers is not the one the evidence was gathered from.
    let moved = (
        "url = \"http://127.0.0.1:7002\"",
        "url = \"http://127.0.0.1:7004\"",
    );
    let b = edited(dir.path(), &[SWAP, moved]);
    let (start, logs) = crate::test_log::logged(tracing::Level::WARN, || {
        link_start(&reader, &b, 30).unwrap().unwrap()
    });
    let change = &start.changes[0];
    assert_eq!((change.signoff, change.live_after.as_str()), (None, "next"));
    let why = "sign-off #2 signed next at http://127.0.0.1:7002/v1/loan, not \
               http://127.0.0.1:7004/v1/loan";
    assert_eq!(change.unsigned_because.as_deref(), Some(why));
    assert_eq!(
        change.sentence(),
        format!(
            "loan: live legacy at 127.0.0.1:7001 (layout loan) → next at \
             http://127.0.0.1:7004/v1/loan, shadow next at http://127.0.0.1:7002/v1/loan → legacy \
             at 127.0.0.1:7001 (layout loan), unsigned ({why})"
        )
    );
    assert!(
        logs.contains("WARN")
            && logs.contains("unsigned routing change at start")
            && logs.contains(why),
        "{logs}"
    );

    // The same swap without the move rests on a sign-off (on a store of its own: here the start
    // loaded another config since the sign-off, and a sign-off is about its config).
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    let signed = sign(&reader, &a, &request("choi"), 10).unwrap();
    let c = edited(dir.path(), &[SWAP]);
    let reload = link_reload(&reader, &a, &c, "api", 40).unwrap();
    assert_eq!(reload.changes[0].signoff, Some(signed.seq));
    assert_eq!(reload.changes[0].unsigned_because, None);
}

#[test]
fn a_live_engine_the_signoff_does_not_name_is_unsigned() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    sign(&reader, &a, &request("choi"), 10).unwrap();
    let other = edited(
        dir.path(),
        &[
            (
                "[engines.next]",
                "[engines.other]\nprotocol = \"http\"\nurl = \"http://127.0.0.1:7009\"\n\n\
                 [engines.next]",
            ),
            (ENGINES, "live = \"other\"\nshadow = \"legacy\""),
        ],
    );
    let reload = link_reload(&reader, &a, &other, "signal", 20).unwrap();
    let change = &reload.changes[0];
    assert_eq!(change.signoff, None);
    assert_eq!(
        change.unsigned_because.as_deref(),
        Some(
            "sign-off #1 signed live legacy at 127.0.0.1:7001 (layout loan), shadow next at \
             http://127.0.0.1:7002/v1/loan, not other"
        )
    );
}

#[test]
fn a_signoff_written_before_endpoints_were_recorded_verifies_displays_and_links_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    // Its evidence as an earlier version wrote it: engines by name only.
    let mut evidence =
        serde_json::to_value(sign(&reader, &a, &request("choi"), 10).unwrap().evidence).unwrap();
    let fields = evidence.as_object_mut().unwrap();
    assert!(fields.remove("live_at").is_some() && fields.remove("shadow_at").is_some());
    let entry = Entry {
        by: "choi".into(),
        action: SIGN_ACTION.into(),
        subject: "loan".into(),
        from: Some("live legacy".into()),
        to: Some("ready for live next".into()),
        evidence: Some(evidence),
        ..Entry::default()
    };
    reader.ledger().unwrap().append(entry, None, 20).unwrap();

    let old = signoffs(&reader).unwrap().pop().unwrap();
    assert_eq!((old.seq, &old.evidence.live_at), (2, &None));
    assert_eq!(old.evidence.cutover(), "live legacy → next");
    let page = html(&old, &ReviewView::default());
    assert!(
        page.contains("<td>Cutover</td><td>live legacy → next</td>"),
        "{page}"
    );

    // Compared by names: the swap, even with `next` moved, rests on it.
    let moved = (
        "url = \"http://127.0.0.1:7002\"",
        "url = \"http://127.0.0.1:7004\"",
    );
    let b = edited(dir.path(), &[SWAP, moved]);
    let reload = link_reload(&reader, &a, &b, "api", 30).unwrap();
    assert_eq!(reload.changes[0].signoff, Some(2));
    let trail = TriageBook::new(reader.clone()).audit().unwrap();
    assert_eq!(verify(&trail), Ok(()));
}

#[test]
fn a_signoff_approves_one_routing_change_a_later_one_is_unsigned_saying_which_used_it() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    // Signed after editing the file: `legacy` at its new address, then reloaded.
    let moved = ("127.0.0.1:7001", "127.0.0.1:7003");
    let b = edited(dir.path(), &[moved]);
    let signed = sign(&reader, &b, &request("choi"), 10).unwrap();
    let first = link_reload(&reader, &a, &b, "signal", 20).unwrap();
    assert_eq!(first.changes[0].signoff, Some(signed.seq));
    assert!(first.changes[0].live_moved.is_some());

    // Then the swap, from the config signed against: the sign-off names `next`, at the endpoint
    // it recorded, yet it approved the move already.
    let c = edited(dir.path(), &[moved, SWAP]);
    let (second, logs) = crate::test_log::logged(tracing::Level::WARN, || {
        link_reload(&reader, &b, &c, "signal", 30).unwrap()
    });
    let change = &second.changes[0];
    assert_eq!((change.signoff, &change.signed_by), (None, &None));
    let why = "sign-off #1 already approved the routing change of audit entry #2";
    assert_eq!(change.unsigned_because.as_deref(), Some(why));
    let sentence = format!(
        "loan: live legacy at 127.0.0.1:7003 (layout loan) → next at \
         http://127.0.0.1:7002/v1/loan, shadow next at http://127.0.0.1:7002/v1/loan → legacy at \
         127.0.0.1:7003 (layout loan), unsigned ({why})"
    );
    assert_eq!(change.sentence(), sentence);
    assert!(
        logs.contains("WARN")
            && logs.contains(&format!("unsigned routing change at reload: {sentence}")),
        "{logs}"
    );

    // A start after it: still the first change's, not the start's.
    let d = edited(dir.path(), &[moved]);
    let start = link_start(&reader, &d, 40).unwrap().unwrap();
    assert_eq!(
        start.changes[0].unsigned_because.as_deref(),
        Some("sign-off #1 already approved the routing change of audit entry #2")
    );

    // `audit list` prints the note; the page renders the history.
    let trail = TriageBook::new(reader.clone()).audit().unwrap();
    assert_eq!(
        trail[2].note.as_deref(),
        Some(&*format!("signal: {sentence}"))
    );
    assert_eq!(verify(&trail), Ok(()));
    let history = CutoverHistory::of(&trail, "loan");
    let linked: Vec<Option<u64>> = history.changes.iter().map(|c| c.change.signoff).collect();
    assert_eq!(linked, [Some(1), None, None]);
}

/// The trial's case: signed on config A, then B loaded (no routing change), then A again and a
/// swap from it. The config before the swap is the one signed on, yet the sign-off's evidence
/// was about A before B ran: another config was loaded in between, so the swap is unsigned.
#[test]
fn a_signoff_does_not_cover_a_change_once_another_config_was_loaded_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    let signed = sign(&reader, &a, &request("choi"), 10).unwrap();
    let b = config(dir.path(), ENGINES, 2);
    assert!(link_reload(&reader, &a, &b, "signal", 20)
        .unwrap()
        .changes
        .is_empty());
    let a_again = config(dir.path(), ENGINES, 3);
    assert_eq!(a_again.sha256, a.sha256);
    link_reload(&reader, &b, &a_again, "signal", 30).unwrap();
    let swapped = edited(dir.path(), &[SWAP]);
    let (link, logs) = crate::test_log::logged(tracing::Level::WARN, || {
        link_reload(&reader, &a_again, &swapped, "signal", 40).unwrap()
    });
    let change = &link.changes[0];
    assert_eq!(change.signoff, None);
    let why = format!(
        "sign-off #{} is about config {}…, and audit entry #{} loaded another since",
        signed.seq,
        &a.sha256[..12],
        signed.seq + 1
    );
    assert_eq!(change.unsigned_because.as_deref(), Some(&*why));
    assert!(logs.contains(&why), "{logs}");

    // Signed again on the config in force: the swap from it links.
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    let b = config(dir.path(), ENGINES, 2);
    link_reload(&reader, &a, &b, "signal", 10).unwrap();
    let resigned = sign(&reader, &b, &request("choi"), 20).unwrap();
    let swapped = edited(
        dir.path(),
        &[("min_comparisons = 3", "min_comparisons = 2"), SWAP],
    );
    let link = link_reload(&reader, &b, &swapped, "signal", 30).unwrap();
    assert_eq!(link.changes[0].signoff, Some(resigned.seq));
}
