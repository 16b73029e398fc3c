//! Retention: whole UTC days of records are dropped once all of them are older than the limit.
//!
//! Dropping a day's tree is one operation however many records it holds, and it never fights the
//! writer for the keys it is appending. A day is kept until its last microsecond has expired, so
//! records live at least `retention_days` and at most one day longer.

use std::sync::atomic::Ordering;

use super::backend::{Backend, Space};
use super::series::{hour_of, hour_start};
use super::stats::StoreStats;
use super::time::{Day, MICROS_PER_DAY};

/// The writer's retention schedule.
#[derive(Debug)]
pub(crate) struct Retention {
    keep_micros: u64,
    /// The day on which retention last ran to completion: it runs at most once per day.
    done_on: Option<Day>,
}

impl Retention {
    pub(crate) fn new(retention_days: u32) -> Self {
        Self {
            keep_micros: u64::from(retention_days) * MICROS_PER_DAY,
            done_on: None,
        }
    }

    /// Drops every segment that expired before `now`, once per day; failures are retried later.
    pub(crate) fn enforce(&mut self, backend: &mut dyn Backend, stats: &StoreStats, now: u64) {
        let today = Day::of(now);
        if self.done_on == Some(today) {
            return;
        }
        let cutoff = now.saturating_sub(self.keep_micros);
        let segments = match backend.segments() {
            Ok(segments) => segments,
            Err(error) => {
                tracing::warn!(%error, "store retention could not list segments");
                return;
            }
        };
        let expired = segments.into_iter().filter(|day| expired(*day, cutoff));
        let mut complete = true;
        for day in expired {
            match backend.drop_segment(day) {
                Ok(records) => {
                    stats
                        .retention_segments_removed
                        .fetch_add(1, Ordering::Relaxed);
                    stats
                        .retention_records_removed
                        .fetch_add(records, Ordering::Relaxed);
                    tracing::info!(day = %day.compact(), records, "store retention removed a day of records");
                }
                Err(error) => {
                    tracing::warn!(%error, "store retention could not drop a segment");
                    complete = false;
                }
            }
        }
        // The hourly series expire with the records: a chart never shows days whose records
        // are gone.
        match backend.prune(Space::Series, &hour_start(hour_of(cutoff))) {
            Ok(0) => {}
            Ok(hours) => tracing::info!(hours, "store retention removed expired hourly series"),
            Err(error) => {
                tracing::warn!(%error, "store retention could not prune the hourly series");
                complete = false;
            }
        }
        // Raw payloads go with their records' days (their keys are record ids).
        let first_kept = super::id::RecordId {
            micros: Day::of(cutoff).start_micros(),
            seq: 0,
        };
        match backend.prune(Space::Payloads, &first_kept.to_key()) {
            Ok(0) => {}
            Ok(payloads) => tracing::info!(payloads, "store retention removed expired payloads"),
            Err(error) => {
                tracing::warn!(%error, "store retention could not prune the raw payloads");
                complete = false;
            }
        }
        if complete {
            self.done_on = Some(today);
        }
    }
}

/// True when every microsecond of `day` is before `cutoff`.
fn expired(day: Day, cutoff: u64) -> bool {
    day.start_micros() + MICROS_PER_DAY <= cutoff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_expires_only_when_its_last_microsecond_is_older_than_the_limit() {
        let day = Day(20_000);
        let end = day.start_micros() + MICROS_PER_DAY;
        assert!(!expired(day, end - 1));
        assert!(expired(day, end));
    }
}
