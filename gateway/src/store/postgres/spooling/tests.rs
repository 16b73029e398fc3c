//! The spooling reason and its report, against a database that does not answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use tracing::Level;

use super::SpoolingBackend;
use crate::store::backend::{Backend, Space, Write};
use crate::store::postgres::{PostgresBackend, PostgresConfig, Spool, SslMode};
use crate::store::shared::{SharedDb, SledSettings};
use crate::store::stats::StoreStats;
use crate::store::time::Day;

/// A spooling backend on a port nothing listens on, retrying at every commit.
fn unreachable_backend(dir: &std::path::Path) -> SpoolingBackend {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = PostgresConfig {
        url: format!("postgres://gw@127.0.0.1:{port}/shadowgate"),
        instance: Some("gw-a".into()),
        sslmode: SslMode::Disable,
        connect_timeout_ms: 1_000,
        ..PostgresConfig::default()
    };
    let shared = Arc::new(SharedDb::empty(&dir.join("store"), SledSettings::default()));
    shared.reopen().unwrap();
    SpoolingBackend::new(
        PostgresBackend::new(&config).unwrap(),
        Spool::new(shared),
        Duration::ZERO,
        1_000,
    )
}

/// One record's write (the spool counts a chunk it cannot read as one record).
fn record(n: u8) -> Write {
    Write {
        space: Space::Records(Day(20_778)),
        key: vec![n; 16],
        value: vec![n],
    }
}

/// Every failed attempt updates the reason the readiness detail shows; the log says it once
/// (not at every retry), with the records spooled so far.
#[test]
fn an_outage_is_reported_once_a_minute_with_its_reason_and_the_records_spooled() {
    let dir = tempfile::tempdir().unwrap();
    let mut backend = unreachable_backend(dir.path());
    let stats = Arc::new(StoreStats::default());
    backend.attach(Arc::clone(&stats));
    let ((), logs) = crate::test_log::logged(Level::WARN, || {
        for n in 0..3 {
            backend.commit(vec![record(n)]).unwrap();
        }
    });
    let reports: Vec<_> = logs
        .lines()
        .filter(|l| l.contains("store spooling: postgres unreachable;"))
        .collect();
    assert_eq!(reports.len(), 1, "{logs}");
    assert!(reports[0].contains("records_in_spool=1"), "{logs}");
    assert!(!logs.contains("postgres refused the login"), "{logs}");
    let reason = stats.spooling_reason().expect("a reason while spooling");
    assert!(
        reason.starts_with("postgres unreachable (store backend failed to ")
            && reason.contains("refused"),
        "{reason}"
    );
    // The kind alone, for the unauthenticated `/readyz`.
    assert_eq!(
        stats.spooling_why().map(|why| why.kind),
        Some("unreachable")
    );
    assert!(stats.spooling.load(std::sync::atomic::Ordering::Relaxed));
}

/// A line's count is the spool's when it is written, and says so: the first line of an outage
/// holds its first batch only (a trial read `records=6` there and took it for the outage's
/// total); the next one, a minute on, every record spooled since.
#[test]
fn each_report_says_the_records_in_the_spool_when_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut backend = unreachable_backend(dir.path());
    let ((), logs) = crate::test_log::logged(Level::WARN, || {
        backend.commit(vec![record(0), record(1)]).unwrap();
        for n in 2..6 {
            backend.commit(vec![record(n)]).unwrap();
        }
        // The last line a minute ago: the next refusal is said again.
        let minute_ago = std::time::Instant::now()
            .checked_sub(Duration::from_secs(61))
            .unwrap();
        backend.reported.logged(minute_ago);
        backend.commit(vec![record(6)]).unwrap();
    });
    let reports: Vec<_> = logs
        .lines()
        .filter(|l| l.contains("store spooling: postgres unreachable;"))
        .collect();
    assert_eq!(reports.len(), 2, "{logs}");
    for (report, held) in reports.iter().zip([2, 7]) {
        assert!(
            report.contains(&format!(
                "kept locally until it takes them ({held} records in the spool now; said again \
                 once a minute while this lasts)"
            )) && report.contains(&format!("records_in_spool={held}")),
            "{report}"
        );
    }
}

/// Degraded with a full spool, the writer retries through `recover`: the readiness detail says
/// that attempt's failure, not the one that filled the spool.
#[test]
fn a_failed_recovery_while_spooling_is_the_reason_shown() {
    let dir = tempfile::tempdir().unwrap();
    let mut backend = unreachable_backend(dir.path());
    let stats = Arc::new(StoreStats::default());
    backend.attach(Arc::clone(&stats));
    backend.commit(vec![record(0)]).unwrap();
    stats.set_spooling_reason(Some(crate::store::SpoolingReason {
        kind: "failed",
        detail: "postgres failed (an earlier error)".into(),
    }));
    backend.recover().unwrap_err();
    assert_eq!(
        stats.spooling_why().map(|why| why.kind),
        Some("unreachable")
    );
}

/// A gateway started without the database whose next attempt (a minute after the start's line)
/// fails again at a commit says the records of that commit too: the line was written before
/// they were spooled, and read `0 records in the spool now` while they waited.
#[test]
fn a_report_at_a_cold_commit_counts_the_records_of_that_commit() {
    let dir = tempfile::tempdir().unwrap();
    let mut backend = unreachable_backend(dir.path());
    let ((), logs) = crate::test_log::logged(Level::WARN, || {
        assert_eq!(backend.last_record_key().unwrap(), None);
        let minute_ago = std::time::Instant::now()
            .checked_sub(Duration::from_secs(61))
            .unwrap();
        backend.reported.logged(minute_ago);
        backend.commit(vec![record(0), record(1)]).unwrap();
    });
    assert!(
        logs.contains("store: postgres not reached at start"),
        "{logs}"
    );
    let reports: Vec<_> = logs
        .lines()
        .filter(|l| l.contains("store spooling: postgres unreachable;"))
        .collect();
    assert_eq!(reports.len(), 1, "{logs}");
    assert!(
        reports[0].contains("(2 records in the spool now;")
            && reports[0].contains("records_in_spool=2"),
        "{logs}"
    );
}

/// Idle, the writer checks the database once it has not answered for `IDLE_CHECK`: one that is
/// gone starts spooling with its reason and the outage's line, as a refused write does.
#[test]
fn an_idle_writer_finds_the_database_gone() {
    let dir = tempfile::tempdir().unwrap();
    let mut backend = unreachable_backend(dir.path());
    let stats = Arc::new(StoreStats::default());
    backend.attach(Arc::clone(&stats));
    backend.tick().unwrap();
    assert!(
        !stats.spooling.load(std::sync::atomic::Ordering::Relaxed),
        "checked before IDLE_CHECK"
    );
    backend.last_contact = std::time::Instant::now()
        .checked_sub(super::IDLE_CHECK)
        .unwrap();
    let ((), logs) = crate::test_log::logged(Level::WARN, || backend.tick().unwrap());
    assert!(stats.spooling.load(std::sync::atomic::Ordering::Relaxed));
    assert_eq!(
        stats.spooling_why().map(|why| why.kind),
        Some("unreachable")
    );
    assert!(
        logs.contains(
            "store spooling: postgres unreachable; records and totals kept locally until it \
             takes them (0 records in the spool now; said again once a minute while this lasts)"
        ),
        "{logs}"
    );
}

/// The end of an outage says what was forwarded; after one that no write met (the idle check's),
/// that nothing was spooled, not `(0 records)`.
#[test]
fn the_end_of_an_outage_says_what_was_spooled_or_that_nothing_was() {
    assert_eq!(
        super::back(false, 0),
        "store: postgres is back (nothing was spooled)"
    );
    assert_eq!(
        super::back(true, 636),
        "store: postgres is back; the spool is forwarded (636 records)"
    );
    assert_eq!(
        super::back(true, 1),
        "store: postgres is back; the spool is forwarded (1 record)"
    );
    // Spooled totals without a record (the counters of a run started without the database).
    assert_eq!(
        super::back(true, 0),
        "store: postgres is back; the spool is forwarded (0 records)"
    );
}
