//! Store tests: the write path, reading, degraded mode and retention.
//!
//! Shared builders live here; `write` covers the writer, `read` the reader, `recovery` reopening,
//! `runs` the mark of a run that did not stop cleanly.

use std::time::{Duration, Instant};

use serde_json::json;

use super::*;
use crate::outcome::{ShadowErrorKind, ShadowOutcome};

mod chunk_size;
mod payloads;
mod read;
mod recovery;
mod runs;
mod series;
mod write;

pub(super) const DAY: u64 = MICROS_PER_DAY;
pub(super) const T0: u64 = 20_778 * DAY + 3_600_000_000;

pub(super) fn mismatch(strategy: &str, kind: RecordKind, signature: &str) -> Event {
    Event::Record(Box::new(Mismatch {
        strategy: strategy.into(),
        kind,
        error_kind: (kind == RecordKind::ShadowError).then_some(ShadowErrorKind::Timeout),
        tx_code: "LNS0001".into(),
        correlation_id: "c-1".into(),
        live_engine: "legacy".into(),
        shadow_engine: "next".into(),
        differences: vec![Difference {
            path: "body.limit".into(),
            kind: "changed".into(),
            live: Some(json!("100.00")),
            shadow: None,
            severity: "error".into(),
            expired_rule: None,
        }],
        signature: signature.into(),
        differing_paths: vec!["body.limit".into()],
        reason: (kind != RecordKind::Mismatch).then(|| "timeout after 200 ms".into()),
        request: json!({"body": {"cust_no": "****1234"}}).into(),
        live_decision: Some(json!({"body": {"limit": "100.00"}}).into()),
        shadow_decision: None,
        live_latency_us: 1_200,
        shadow_latency_us: 200_000,
        payload: None,
        confirmation: None,
    }))
}

pub(super) fn matched(strategy: &str) -> Event {
    Event::Counted {
        strategy: strategy.into(),
        outcome: ShadowOutcome::Match,
    }
}

pub(super) fn config(dir: &tempfile::TempDir) -> StoreConfig {
    StoreConfig {
        path: dir.path().join("store"),
        ..StoreConfig::default()
    }
}

/// Waits (bounded) for the writer thread; the assertions come after.
pub(super) fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A backend whose every operation fails until `failing` is lowered, and writer options on a
/// clock that stands still at [`T0`] until the test advances it.
pub(super) fn failing_on_a_manual_clock(
) -> (FailingBackend, std::sync::Arc<ManualClock>, WriterOptions) {
    let backend = FailingBackend::default();
    backend
        .failing
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let clock = std::sync::Arc::new(ManualClock::at(T0));
    let options = WriterOptions {
        clock: clock.clone(),
        on_flush: None,
    };
    (backend, clock, options)
}
