//! Triage against a real store: the workflow's refusals, and an altered audit entry found.

use serde_json::json;

use super::*;
use crate::outcome::ShadowErrorKind;
use crate::store::{Event, Mismatch, RecordKind, Store, StoreConfig, WriterOptions};

const SIGNATURE: &str = "00000000000000aa";

fn mismatch() -> Event {
    Event::Record(Box::new(Mismatch {
        strategy: "loan".into(),
        kind: RecordKind::Mismatch,
        error_kind: None::<ShadowErrorKind>,
        tx_code: "LNS0001".into(),
        correlation_id: "c-1".into(),
        live_engine: "legacy".into(),
        shadow_engine: "next".into(),
        differences: Vec::new(),
        signature: SIGNATURE.into(),
        differing_paths: vec!["body.limit".into()],
        reason: None,
        request: json!({}).into(),
        live_decision: None,
        shadow_decision: None,
        live_latency_us: 1,
        shadow_latency_us: 1,
        payload: None,
        confirmation: None,
    }))
}

fn change(by: &str, state: TriageState) -> Change {
    Change {
        strategy: "loan".into(),
        signature: SIGNATURE.into(),
        by: by.into(),
        state: Some(state),
        ..Change::default()
    }
}

/// The triage of a closed store in `dir` holding one mismatch of `loan` ([`SIGNATURE`]).
fn one_mismatch(dir: &std::path::Path) -> TriageBook {
    let config = StoreConfig {
        path: dir.join("store"),
        ..StoreConfig::default()
    };
    let store = Store::open(&config, WriterOptions::default()).unwrap();
    assert!(store.recorder().record(mismatch()).is_ok());
    TriageBook::new(store.close())
}

#[test]
fn the_workflow_refuses_shortcuts_and_an_altered_entry_breaks_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let book = one_mismatch(dir.path());
    let rules = ["ignore body.note".to_owned(), "tolerance body.*".to_owned()];
    let refused = |change: &Change| {
        let error = book.set(change, Some(&rules), 2).unwrap_err();
        assert!(error.is_refused(), "{error}");
        error.to_string()
    };

    assert!(refused(&change("", TriageState::Investigating))
        .ends_with("by: expected the name of who makes the change, found nothing"));
    let mut elsewhere = change("kim", TriageState::Investigating);
    elsewhere.signature = "ffffffffffffffff".into();
    assert!(refused(&elsewhere).contains("expected a mismatch group of the store, found none"));
    assert_eq!(
        refused(&change("kim", TriageState::Verified)),
        "group loan/00000000000000aa: expected state fix_deployed before verified, found new"
    );
    let mut accepted = change("kim", TriageState::AcceptedDifference);
    assert!(refused(&accepted).contains("expected the rule that covers an accepted difference"));
    accepted.rule = Some("ignore body.nope".into());
    assert!(refused(&accepted).contains(
        "expected a rule of the strategy (ignore body.note, tolerance body.*), found \"ignore body.nope\""
    ));
    accepted.rule = Some("ignore body.note".into());
    assert!(refused(&accepted).ends_with(
        "expected a rule that covers one of the group's differing fields (body.limit), found \"ignore body.note\", which covers none"
    ));
    accepted.rule = Some("tolerance body.*".into());
    assert_eq!(
        book.set(&accepted, Some(&rules), 3)
            .unwrap()
            .rule
            .as_deref(),
        Some("tolerance body.*")
    );
    book.set(&change("lee", TriageState::NotADefect), Some(&rules), 4)
        .unwrap();
    assert!(
        book.audit().unwrap().len() == 2,
        "refused changes leave no entry"
    );

    let entries = book.audit().unwrap();
    assert_eq!(verify(&entries), Ok(()));
    // Someone edits entry 1 in the store: who made the change.
    let db = book.db().unwrap();
    let tree = db.open_tree("audit").unwrap();
    let mut edited = entries[0].clone();
    edited.by = "mallory".into();
    tree.insert(1u64.to_be_bytes(), serde_json::to_vec(&edited).unwrap())
        .unwrap();
    let error = verify(&book.audit().unwrap()).unwrap_err();
    assert_eq!(error.seq, 1);
    assert!(
        error
            .to_string()
            .starts_with("audit entry 1: expected hash"),
        "{error}"
    );
}

#[test]
fn a_change_computed_from_a_value_changed_meanwhile_is_refused_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let book = one_mismatch(dir.path());
    let group = book.group("loan", SIGNATURE).unwrap().unwrap();
    // kim reads the group, lee changes it, then kim's change (computed from what kim read).
    let (read, bytes) = book.current(&group, 1).unwrap();
    book.set(&change("lee", TriageState::Investigating), None, 2_000_000)
        .unwrap();
    let kims = Triage {
        state: TriageState::NotADefect,
        updated_by: "kim".into(),
        ..read.clone()
    };
    let error = book
        .record((&read, bytes), kims, "kim", None, 3_000_000)
        .unwrap_err();
    assert!(error.is_conflict() && error.is_refused(), "{error}");
    assert_eq!(
        error.to_string(),
        "group loan/00000000000000aa: changed meanwhile by lee at \
         1970-01-01T00:00:02.000000Z; read it again"
    );
    let (now, _) = book.current(&group, 4).unwrap();
    assert_eq!(now.state, TriageState::Investigating);
    assert_eq!(
        book.audit().unwrap().len(),
        1,
        "the refused change left no entry"
    );
}

/// A store whose writer stays open, and a way to record `n` more mismatches and wait until they
/// are stored.
fn open_store(dir: &std::path::Path) -> (Store, impl Fn(&Store, usize)) {
    let (tx, rx) = std::sync::mpsc::channel();
    let options = WriterOptions {
        on_flush: Some(std::sync::Arc::new(
            move |ids: &[crate::store::RecordId]| {
                let _ = tx.send(ids.len());
            },
        )),
        ..WriterOptions::default()
    };
    let config = StoreConfig {
        path: dir.join("store"),
        ..StoreConfig::default()
    };
    let store = Store::open(&config, options).unwrap();
    let record = move |store: &Store, n: usize| {
        for _ in 0..n {
            assert!(store.recorder().record(mismatch()).is_ok());
        }
        let mut flushed = 0;
        while flushed < n {
            flushed += rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        }
    };
    (store, record)
}

#[test]
fn an_accepted_difference_that_grows_reopens_naming_its_rule() {
    let dir = tempfile::tempdir().unwrap();
    let (store, record) = open_store(dir.path());
    record(&store, 2);
    let book = TriageBook::new(store.reader().clone());
    let rules = ["tolerance body.*".to_owned()];
    let mut accepted = change("kim", TriageState::AcceptedDifference);
    accepted.rule = Some("tolerance body.*".into());
    book.set(&accepted, Some(&rules), 2).unwrap();
    let still = &book.list("loan", 3).unwrap()[0].triage;
    assert_eq!(
        still.state,
        TriageState::AcceptedDifference,
        "not grown: stays accepted"
    );

    // The rule expired or was edited: the difference is compared again and the group grows.
    record(&store, 3);
    let listed = book.list("loan", 4).unwrap();
    let triage = &listed[0].triage;
    assert_eq!(triage.state, TriageState::New);
    assert_eq!(
        triage.reopened_after(),
        Some(TriageState::AcceptedDifference)
    );
    assert_eq!(
        (triage.accepted_count, triage.rule.as_deref()),
        (None, None)
    );
    assert_eq!(triage.updated_by, "shadowgate");
    let entries = book.audit().unwrap();
    let last = entries.last().unwrap();
    assert_eq!(
        (last.by.as_str(), last.from.as_deref(), last.to.as_deref()),
        ("shadowgate", Some("accepted_difference"), Some("new"))
    );
    assert_eq!(
        last.note.as_deref(),
        Some("reopened by itself: 3 new mismatches since accepted under rule `tolerance body.*`")
    );
    // Reopened once: reading again appends nothing.
    book.list("loan", 5).unwrap();
    assert_eq!(book.audit().unwrap().len(), entries.len());
    assert_eq!(verify(&entries), Ok(()));
}

#[test]
fn a_verified_group_that_grows_still_reopens_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let (store, record) = open_store(dir.path());
    record(&store, 1);
    let book = TriageBook::new(store.reader().clone());
    for state in [TriageState::FixDeployed, TriageState::Verified] {
        book.set(&change("kim", state), None, 2).unwrap();
    }
    record(&store, 1);
    let triage = &book.list("loan", 3).unwrap()[0].triage;
    assert_eq!(triage.reopened_after(), Some(TriageState::Verified));
    let entries = book.audit().unwrap();
    assert_eq!(
        entries.last().unwrap().note.as_deref(),
        Some("reopened by itself: 1 new mismatch since verified")
    );
}

#[test]
fn a_change_made_from_a_triage_changed_since_is_refused_naming_who_changed_it() {
    let dir = tempfile::tempdir().unwrap();
    let (store, record) = open_store(dir.path());
    record(&store, 1);
    let book = TriageBook::new(store.reader().clone());
    let triage_now = || book.list("loan", 1).unwrap()[0].triage.clone();
    // park.h's page shows the group untriaged; choi.m sets it to investigating meanwhile.
    let seen = triage_now().updated_micros;
    book.set(
        &change("choi.m", TriageState::Investigating),
        None,
        2_000_000,
    )
    .unwrap();
    // park.h's form: `new` still selected, a note added.
    let stale = Change {
        note: Some("looked at it".into()),
        seen_updated_micros: Some(seen),
        ..change("park.h", TriageState::New)
    };
    let error = book.set(&stale, None, 3_000_000).unwrap_err();
    assert!(error.is_conflict() && error.is_refused(), "{error}");
    assert_eq!(
        error.to_string(),
        "group loan/00000000000000aa: changed since you read it: by choi.m at \
         1970-01-01T00:00:02.000000Z, now investigating; read it again"
    );
    assert_eq!(triage_now().state, TriageState::Investigating);
    assert_eq!(
        book.audit().unwrap().len(),
        1,
        "the refused change left no entry"
    );
    // Refused by a state rule, the change names who set the state it found, and when.
    assert_eq!(
        book.set(&change("park.h", TriageState::Verified), None, 3_000_000)
            .unwrap_err()
            .to_string(),
        "group loan/00000000000000aa: expected state fix_deployed before verified, found \
         investigating (set by choi.m at 1970-01-01T00:00:02.000000Z)"
    );

    // Made from the triage as it is now, the same change is applied.
    let fresh = Change {
        seen_updated_micros: Some(2_000_000),
        ..stale.clone()
    };
    assert_eq!(
        book.set(&fresh, None, 4_000_000).unwrap().state,
        TriageState::New
    );

    // A group that reopened by itself since it was read is refused the same way.
    for (state, at) in [
        (TriageState::FixDeployed, 5_000_000),
        (TriageState::Verified, 6_000_000),
    ] {
        book.set(&change("choi.m", state), None, at).unwrap();
    }
    record(&store, 1);
    let closing = Change {
        seen_updated_micros: Some(6_000_000),
        ..change("park.h", TriageState::NotADefect)
    };
    assert_eq!(
        book.set(&closing, None, 7_000_000).unwrap_err().to_string(),
        "group loan/00000000000000aa: changed since you read it: by shadowgate at \
         1970-01-01T00:00:07.000000Z, now new; read it again"
    );
    // Without the field (the CLI, scripts) nothing is checked, as before.
    let unchecked = change("park.h", TriageState::NotADefect);
    assert_eq!(
        book.set(&unchecked, None, 8_000_000).unwrap().state,
        TriageState::NotADefect
    );
}

#[test]
fn a_change_saying_it_read_a_triage_of_a_group_never_triaged_is_refused_by_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let book = one_mismatch(dir.path());
    let invented = Change {
        seen_updated_micros: Some(7),
        ..change("park.h", TriageState::Investigating)
    };
    let error = book.set(&invented, None, 2).unwrap_err();
    assert!(error.is_refused() && !error.is_conflict(), "{error}");
    assert!(
        error.to_string().ends_with(
            "seen_updated_micros: expected 0 (the group was never triaged), found 7; read it again"
        ),
        "{error}"
    );
    let read = Change {
        seen_updated_micros: Some(0),
        ..change("park.h", TriageState::Investigating)
    };
    assert_eq!(
        book.set(&read, None, 3).unwrap().state,
        TriageState::Investigating
    );
}
