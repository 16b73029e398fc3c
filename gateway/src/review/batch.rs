//! Batch reconciliation runs in the review: the same rate, upper bound and thresholds as an
//! online strategy, judged per run. A batch has no clean days (the run is the whole period), so
//! its clean-days criterion is "no failing key" ([`Criterion::NoFailures`]), and a run that set
//! rows aside unread (`--max-bad-rows`) is not clean either ([`Criterion::NoBadRows`]).

use serde::{Deserialize, Serialize};

use super::build::Review;
use super::plural::noun_for;
use super::rate::{thousands, MismatchRate};
use super::readiness::{Blocker, Criterion, Readiness, ReadinessConfig};
use crate::store::{ReconcileRun, StoreError};

/// A stored run with its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchSummary {
    /// The run as stored (masked).
    pub run: ReconcileRun,
    /// Failing keys among all keys, with the 95% upper bound.
    pub rate: MismatchRate,
    /// The rate as a sentence.
    pub rate_sentence: String,
    /// Whether the new system's batch may replace the legacy one, by these thresholds.
    pub readiness: Readiness,
}

impl BatchSummary {
    /// Each blocker as `criterion: detail`, like a strategy's.
    pub fn readiness_lines(&self) -> Vec<String> {
        match &self.readiness {
            Readiness::Ready => Vec::new(),
            Readiness::Blocked { blockers } => blockers
                .iter()
                .map(|b| {
                    format!(
                        "{}: {}",
                        super::model::criterion_name(b.criterion),
                        b.detail
                    )
                })
                .collect(),
        }
    }
}

/// Judges one run: every key compared is a comparison, every key that is not a match a failure.
pub fn assess_batch(run: ReconcileRun, config: &ReadinessConfig) -> BatchSummary {
    let counts = &run.counts;
    let rate = MismatchRate::new(counts.failures(), counts.keys);
    let mut blockers = Vec::new();
    let mut block = |criterion, detail| blockers.push(Blocker { criterion, detail });
    if counts.keys < config.min_comparisons {
        block(
            Criterion::MinComparisons,
            format!(
                "{} {} reconciled; at least {} {} required",
                thousands(counts.keys),
                noun_for(counts.keys, "key"),
                thousands(config.min_comparisons),
                if config.min_comparisons == 1 {
                    "is"
                } else {
                    "are"
                }
            ),
        );
    }
    if counts.failures() > 0 {
        block(
            Criterion::NoFailures,
            format!(
                "{} of {} {} {} not a match; a batch run is clean only without any",
                thousands(counts.failures()),
                thousands(counts.keys),
                noun_for(counts.keys, "key"),
                if counts.failures() == 1 { "is" } else { "are" }
            ),
        );
    }
    // A row set aside was never compared: its key is in no count, and may be one that fails.
    if counts.bad_rows > 0 {
        block(
            Criterion::NoBadRows,
            format!(
                "{} {} set aside unread (--max-bad-rows), so not compared; a batch run is \
                 clean only when every row is read",
                thousands(counts.bad_rows),
                noun_for(counts.bad_rows, "bad row")
            ),
        );
    }
    if rate.upper_bound * 100.0 > config.max_upper_bound_percent {
        block(
            Criterion::MaxUpperBoundPercent,
            format!(
                "{}; at most {}% is allowed",
                rate.sentence(),
                config.max_upper_bound_percent
            ),
        );
    }
    let readiness = if blockers.is_empty() {
        Readiness::Ready
    } else {
        Readiness::Blocked { blockers }
    };
    BatchSummary {
        rate_sentence: rate.sentence(),
        rate,
        readiness,
        run,
    }
}

impl Review {
    /// Every stored batch run, judged by the thresholds it ran with
    /// ([`ReconcileRun::thresholds`]); a run stored before they were kept, by the thresholds of
    /// the strategy whose rules it used (`strategy NAME`) when configured, else the defaults.
    pub fn batches(&self) -> Result<Vec<BatchSummary>, StoreError> {
        let default = ReadinessConfig::default();
        Ok(self
            .reader
            .reconciles()?
            .into_iter()
            .map(|run| {
                let thresholds = match &run.thresholds {
                    Some(own) => own.clone(),
                    None => run
                        .rules
                        .strip_prefix("strategy ")
                        .and_then(|name| self.policies.get(name))
                        .map_or(&default, |p| &p.readiness)
                        .clone(),
                };
                assess_batch(run, &thresholds)
            })
            .collect())
    }

    /// The stored run `run_id` with its verdict, if there is one.
    pub fn batch(&self, run_id: &str) -> Result<Option<BatchSummary>, StoreError> {
        Ok(self
            .batches()?
            .into_iter()
            .find(|batch| batch.run.run_id == run_id))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::store::ReconcileCounts;

    fn run(keys: u64, matched: u64) -> ReconcileRun {
        ReconcileRun {
            name: "r".into(),
            run_id: "0-r".into(),
            started_micros: 0,
            finished_micros: 0,
            legacy: "l".into(),
            new: "n".into(),
            rules: "inline".into(),
            key: vec!["k".into()],
            ordering: Vec::new(),
            counts: ReconcileCounts {
                keys,
                matched,
                mismatched: keys - matched,
                ..ReconcileCounts::default()
            },
            groups: Vec::new(),
            suppressed: Vec::new(),
            thresholds: None,
            bad_rows: Vec::new(),
        }
    }

    #[test]
    fn a_stored_run_is_judged_by_the_thresholds_it_ran_with_whatever_the_reader_has() {
        let dir = tempfile::tempdir().unwrap();
        let lenient = ReadinessConfig {
            min_comparisons: 10,
            max_upper_bound_percent: 50.0,
            ..ReadinessConfig::default()
        };
        let mut own = run(100, 100);
        own.run_id = "1-own".into();
        own.rules = "strategy loan".into();
        own.thresholds = Some(lenient.clone());
        let mut old = run(100, 100);
        old.run_id = "0-old".into();
        crate::store::save_reconcile(dir.path(), &own).unwrap();
        crate::store::save_reconcile(dir.path(), &old).unwrap();
        // Read without the config (`report --store`): no policies, the defaults would block 100 keys.
        let review = Review::new(
            crate::store::Reader::open(dir.path()).unwrap(),
            crate::review::Policies::new(),
        );
        let own = review.batch("1-own").unwrap().unwrap();
        assert!(own.readiness.is_ready(), "{:?}", own.readiness);
        assert_eq!(own.run.thresholds, Some(lenient));
        // A run stored before thresholds were kept: the reader's (here the defaults).
        let old = review.batch("0-old").unwrap().unwrap();
        assert!(!old.readiness.is_ready());
    }

    /// Rows set aside unread (`--max-bad-rows`) were never compared: every key read matching,
    /// the run still does not read as clean.
    #[test]
    fn rows_set_aside_unread_block_a_run_whose_keys_all_match() {
        let config = ReadinessConfig::default();
        let mut set_aside = run(100_000, 100_000);
        set_aside.counts.bad_rows = 3;
        let batch = assess_batch(set_aside, &config);
        assert_eq!(
            batch.readiness_lines(),
            [
                "no_bad_rows: 3 bad rows set aside unread (--max-bad-rows), so not compared; a \
              batch run is clean only when every row is read"
            ]
        );
        set_aside = batch.run;
        set_aside.counts.bad_rows = 1;
        let one = assess_batch(set_aside, &config).readiness_lines();
        assert!(
            one[0].starts_with("no_bad_rows: 1 bad row set aside unread"),
            "{one:?}"
        );
    }

    #[test]
    fn a_failing_key_blocks_and_a_clean_large_run_is_ready() {
        let config = ReadinessConfig::default();
        let blocked = assess_batch(run(100_000, 99_999), &config);
        let Readiness::Blocked { blockers } = &blocked.readiness else {
            panic!("expected blocked, found {:?}", blocked.readiness);
        };
        assert!(blockers
            .iter()
            .any(|b| b.criterion == Criterion::NoFailures));
        assert!(assess_batch(run(100_000, 100_000), &config)
            .readiness
            .is_ready());
        // One key of one, and one failing key, each said in its number.
        let one = ReadinessConfig {
            min_comparisons: 2,
            ..ReadinessConfig::default()
        };
        let Readiness::Blocked { blockers } = assess_batch(run(1, 0), &one).readiness else {
            panic!("expected blocked");
        };
        let details: Vec<&str> = blockers.iter().map(|b| b.detail.as_str()).collect();
        assert_eq!(
            details[..2],
            [
                "1 key reconciled; at least 2 are required",
                "1 of 1 key is not a match; a batch run is clean only without any"
            ]
        );
        let Readiness::Blocked { blockers } = assess_batch(run(3, 1), &config).readiness else {
            panic!("expected blocked");
        };
        assert_eq!(
            blockers[1].detail,
            "2 of 3 keys are not a match; a batch run is clean only without any"
        );
        // The same bound as online: 0 of 1,000 is not enough at 0.05%.
        assert!(!assess_batch(run(1_000, 1_000), &config)
            .readiness
            .is_ready());
    }
}
