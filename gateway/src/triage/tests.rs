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

fn change(who: &str, state: TriageState) -> Change {
    Change {
        strategy: "loan".into(),
        signature: SIGNATURE.into(),
        who: who.into(),
        state: Some(state),
        ..Change::default()
    }
}

#[test]
fn the_workflow_refuses_shortcuts_and_an_altered_entry_breaks_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        path: dir.path().join("store"),
        ..StoreConfig::default()
    };
    let store = Store::open(&config, WriterOptions::default()).unwrap();
    assert!(store.recorder().record(mismatch()).is_ok());
    let book = TriageBook::new(store.close());
    let rules = ["ignore body.note".to_owned(), "tolerance body.*".to_owned()];
    let refused = |change: &Change| {
        let error = book.set(change, Some(&rules), 2).unwrap_err();
        assert!(error.is_refused(), "{error}");
        error.to_string()
    };

    assert!(refused(&change("", TriageState::Investigating))
        .ends_with("expected the name of who makes the change (by), found nothing"));
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
    edited.who = "mallory".into();
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
