//! A sign-off is refused while a group that differs on a critical field is open, whatever the
//! counts say: a bank's migration team must not approve putting a known defect of the customer's
//! outcome live. Resolved, it signs; reopened by new mismatches, it is refused again.

use std::path::Path;
use std::sync::Arc;

use serde_json::json;

use super::tests::{config, request, ENGINES};
use super::*;
use crate::outcome::ShadowOutcome;
use crate::store::{Event, Mismatch, Reader, RecordKind, Store, StoreConfig, WriterOptions};
use crate::triage::{Change, TriageBook, TriageState};

/// The group on `body.grade`, critical in the fixture's rules.
const CRITICAL: &str = "00000000000000aa";
/// The group on `body.limit_amount`, major.
const MAJOR: &str = "00000000000000bb";

/// The readiness the review shows for `loan` (what the report, the API and the page print) under
/// `config` at `now`.
fn readiness(reader: &Reader, config: &crate::config::Config, now: u64) -> Vec<String> {
    let review = crate::review::Review::new(reader.clone(), crate::review::policies(config));
    let summary = review.summary(None, now).unwrap();
    let loan = summary.strategies.iter().find(|s| s.strategy == "loan");
    let lines = loan.unwrap().readiness_lines();
    // `shadowgate_cutover_ready` says the same.
    let counters = reader.summary().unwrap();
    let counters = counters.iter().find(|c| c.strategy == "loan");
    let spec = &config.strategies["loan"];
    assert_eq!(
        crate::review::cutover_ready(reader, counters, spec, now),
        lines == ["ready"],
        "the metric against the report's {lines:?}"
    );
    lines
}

/// A mismatch of `loan` in group `signature`, differing on `field`.
fn mismatch(signature: &str, field: &str) -> Event {
    Event::Record(Box::new(Mismatch {
        strategy: "loan".into(),
        kind: RecordKind::Mismatch,
        error_kind: None,
        tx_code: "LNS0001".into(),
        correlation_id: "c-1".into(),
        live_engine: "legacy".into(),
        shadow_engine: "next".into(),
        differences: Vec::new(),
        signature: signature.into(),
        differing_paths: vec![field.into()],
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

/// The store in `dir` with `events` recorded, closed.
fn record(dir: &Path, events: Vec<Event>) -> Reader {
    let config = StoreConfig {
        path: dir.join("store"),
        ..StoreConfig::default()
    };
    let store = Store::open(&config, WriterOptions::default()).unwrap();
    for event in events {
        assert!(store.recorder().record(event).is_ok());
    }
    store.close()
}

fn triage(reader: &Reader, state: TriageState, now: u64) {
    let change = Change {
        strategy: "loan".into(),
        signature: CRITICAL.into(),
        by: "kim".into(),
        state: Some(state),
        ..Change::default()
    };
    TriageBook::new(reader.clone())
        .set(&change, None, now)
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn an_open_group_on_a_critical_field_blocks_the_signoff_until_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let matched = || Event::Counted {
        strategy: Arc::from("loan"),
        outcome: ShadowOutcome::Match,
    };
    let mut events: Vec<Event> = (0..20).map(|_| matched()).collect();
    events.push(mismatch(CRITICAL, "body.grade"));
    events.push(mismatch(MAJOR, "body.limit_amount"));
    let reader = record(dir.path(), events);
    // Ready by the counts (22 comparisons of 3 required, no clean day required, any rate).
    let ready = config(dir.path(), ENGINES, 3);

    let error = sign(&reader, &ready, &request("choi"), 10).unwrap_err();
    assert!(error.is_refused(), "{error}");
    let blocker = format!(
        "critical_group: group {CRITICAL} differs on critical field body.grade and is new; \
         verified, accepted_difference or not_a_defect is required"
    );
    // Only the critical group: the open group on a major field does not block.
    assert_eq!(error.blockers().unwrap(), std::slice::from_ref(&blocker));
    // The review says so too: not "ready" where the sign-off is refused.
    assert_eq!(
        readiness(&reader, &ready, 10),
        std::slice::from_ref(&blocker)
    );
    assert_eq!(
        error.to_string(),
        format!("cutover sign-off of loan: expected a ready strategy, found it blocked: {blocker}")
    );
    // Blocked by the counts too: every blocker at once.
    let counts = config(dir.path(), ENGINES, 100);
    let error = sign(&reader, &counts, &request("choi"), 10).unwrap_err();
    assert_eq!(error.blockers().unwrap().len(), 2, "{error}");
    assert!(error.blockers().unwrap()[1].starts_with("critical_group: "));

    for (state, now) in [
        (TriageState::Investigating, 20),
        (TriageState::FixDeployed, 30),
        (TriageState::Verified, 40),
    ] {
        triage(&reader, state, now);
    }
    assert_eq!(readiness(&reader, &ready, 50), ["ready"]);
    let signed = sign(&reader, &ready, &request("choi"), 50).unwrap();
    assert_eq!(
        signed.evidence.open_groups, 1,
        "the major group is still open"
    );

    // The defect comes back: the group reopens by itself, and the sign-off is refused again.
    drop(reader);
    let reader = record(dir.path(), vec![mismatch(CRITICAL, "body.grade")]);
    let error = sign(&reader, &ready, &request("choi"), 60).unwrap_err();
    let reopened = [format!(
        "critical_group: group {CRITICAL} differs on critical field body.grade and is new \
         (reopened); verified, accepted_difference or not_a_defect is required"
    )];
    assert_eq!(error.blockers().unwrap(), reopened);
    assert_eq!(readiness(&reader, &ready, 60), reopened);
}
