//! The hourly series: what the writer counts per hour, and what retention removes.

use std::sync::Arc;

use super::*;
use crate::store::retention::Retention;
use crate::store::series::{group_key, hour_of, strategy_key};
use crate::store::stats::StoreStats;

fn counts(backend: &FailingBackend, key: &[u8]) -> Option<HourCounts> {
    backend
        .values(Space::Series)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| codec::decode("series", &v).unwrap())
}

#[test]
fn comparisons_and_failures_are_counted_in_their_hour_per_strategy_and_group() {
    let backend = FailingBackend::default();
    let clock = Arc::new(ManualClock::at(T0));
    let options = WriterOptions {
        clock: clock.clone(),
        on_flush: None,
    };
    let writer =
        Writer::spawn(Box::new(backend.clone()), &StoreConfig::default(), options).unwrap();
    let recorder = writer.recorder();
    let stats = Arc::clone(writer.stats());
    recorder.record(matched("loan")).unwrap();
    recorder
        .record(mismatch("loan", RecordKind::Mismatch, "sig-a"))
        .unwrap();
    wait_until("the first hour", || {
        stats.written(RecordKind::Mismatch) == 1
    });
    clock.advance(3_600_000_000);
    recorder
        .record(mismatch("loan", RecordKind::Mismatch, "sig-a"))
        .unwrap();
    recorder
        .record(mismatch("loan", RecordKind::ShadowError, "sig-b"))
        .unwrap();
    recorder.record(matched("loan")).unwrap();
    writer.close();

    let (first, second) = (hour_of(T0), hour_of(T0) + 1);
    let hour = |comparisons, failures| HourCounts {
        comparisons,
        failures,
    };
    assert_eq!(
        counts(&backend, &strategy_key(first, "loan")),
        Some(hour(2, 1))
    );
    assert_eq!(
        counts(&backend, &strategy_key(second, "loan")),
        Some(hour(3, 2))
    );
    assert_eq!(
        counts(&backend, &group_key(first, "loan", "sig-a")),
        Some(hour(0, 1))
    );
    assert_eq!(
        counts(&backend, &group_key(second, "loan", "sig-a")),
        Some(hour(0, 1))
    );
    assert_eq!(
        counts(&backend, &group_key(second, "loan", "sig-b")),
        Some(hour(0, 1))
    );
    assert_eq!(counts(&backend, &group_key(first, "loan", "sig-b")), None);
}

#[test]
fn an_hour_written_again_after_the_writer_forgot_it_adds_to_its_stored_total() {
    let backend = FailingBackend::default();
    let clock = Arc::new(ManualClock::at(T0));
    let options = WriterOptions {
        clock,
        on_flush: None,
    };
    let writer =
        Writer::spawn(Box::new(backend.clone()), &StoreConfig::default(), options).unwrap();
    let recorder = writer.recorder();
    let stats = Arc::clone(writer.stats());
    for n in 1..=3 {
        recorder
            .record(mismatch("loan", RecordKind::Mismatch, "sig-a"))
            .unwrap();
        // One commit each: the committed hour is forgotten and loaded again by the next.
        wait_until("a commit", || stats.written(RecordKind::Mismatch) == n);
    }
    writer.close();
    let key = strategy_key(hour_of(T0), "loan");
    assert_eq!(counts(&backend, &key).map(|c| c.failures), Some(3));
}

#[test]
fn retention_removes_the_hours_of_expired_days() {
    let mut backend = FailingBackend::default();
    let old = hour_of(T0 - 3 * DAY);
    let recent = hour_of(T0 - 2 * 3_600_000_000);
    let value = codec::encode("series", &HourCounts::default()).unwrap();
    let writes = [
        strategy_key(old, "loan"),
        group_key(old, "loan", "sig"),
        strategy_key(recent, "loan"),
    ]
    .into_iter()
    .map(|key| Write {
        space: Space::Series,
        key,
        value: value.clone(),
    })
    .collect();
    backend.commit(writes).unwrap();
    Retention::new(1).enforce(&mut backend, &StoreStats::default(), T0);
    let keys: Vec<Vec<u8>> = backend
        .values(Space::Series)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, vec![strategy_key(recent, "loan")]);
}
