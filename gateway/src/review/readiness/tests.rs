//! Readiness verdicts for known counters.

use super::*;

const DAY: u64 = MICROS_PER_DAY;
const NOW: u64 = 20_778 * DAY;

fn counters(
    matches: u64,
    mismatches: u64,
    skipped: u64,
    first_day: u64,
    last_mismatch_day: Option<u64>,
) -> StrategyCounters {
    StrategyCounters {
        strategy: "loan".into(),
        matches,
        mismatches,
        skipped,
        first_comparison_micros: Some(NOW - first_day * DAY),
        last_mismatch_micros: last_mismatch_day.map(|d| NOW - d * DAY),
        ..StrategyCounters::default()
    }
}

fn criteria(readiness: &Readiness) -> Vec<Criterion> {
    match readiness {
        Readiness::Ready => Vec::new(),
        Readiness::Blocked { blockers } => blockers.iter().map(|b| b.criterion).collect(),
    }
}

#[test]
fn a_long_clean_run_is_ready() {
    let verdict = assess(
        &counters(40_000, 0, 10, 30, None),
        &ReadinessConfig::default(),
        NOW,
    );
    assert_eq!(verdict, Readiness::Ready);
    assert!(verdict.is_ready());
}

#[test]
fn every_failing_criterion_is_named_with_a_sentence() {
    let verdict = assess(
        &counters(4_000, 3, 200, 20, Some(2)),
        &ReadinessConfig::default(),
        NOW,
    );
    let Readiness::Blocked { blockers } = &verdict else {
        panic!("expected blocked: {verdict:?}")
    };
    assert_eq!(
        criteria(&verdict),
        [
            Criterion::MinComparisons,
            Criterion::MinCleanDays,
            Criterion::MaxUpperBoundPercent,
            Criterion::MaxSkippedPercent
        ]
    );
    assert_eq!(
        blockers[0].detail,
        "4,003 comparisons so far; at least 10,000 are required"
    );
    assert_eq!(
        blockers[1].detail,
        "2 clean days since the last failure at 2026-11-19T00:00:00.000000Z; at least 14 are required"
    );
    assert!(
        blockers[2].detail.starts_with(
            "3 of 4,003 comparisons failed (0.0749%); at 95% confidence the rate is below 0.1"
        ),
        "{}",
        blockers[2].detail
    );
    assert_eq!(
        blockers[3].detail,
        "200 of 4,203 shadow calls were skipped (4.8%); at most 1% is allowed"
    );
}

#[test]
fn the_upper_bound_blocks_even_with_enough_clean_days() {
    // 0 of 5,000 allows a true rate up to 0.06%: more than the default 0.05%.
    let config = ReadinessConfig {
        min_comparisons: 1_000,
        ..ReadinessConfig::default()
    };
    let verdict = assess(&counters(5_000, 0, 0, 30, None), &config, NOW);
    assert_eq!(criteria(&verdict), [Criterion::MaxUpperBoundPercent]);
    // 0 of 6,000 is below 0.05%.
    let verdict = assess(&counters(6_000, 0, 0, 30, None), &config, NOW);
    assert_eq!(verdict, Readiness::Ready);
}

#[test]
fn an_unused_strategy_is_blocked_on_everything_it_can_be() {
    let verdict = assess(
        &StrategyCounters::new("loan"),
        &ReadinessConfig::default(),
        NOW,
    );
    let Readiness::Blocked { blockers } = &verdict else {
        panic!("expected blocked")
    };
    assert_eq!(
        blockers[1].detail,
        "no comparisons yet; at least 14 are required"
    );
    assert_eq!(
        criteria(&verdict),
        [
            Criterion::MinComparisons,
            Criterion::MinCleanDays,
            Criterion::MaxUpperBoundPercent
        ]
    );
}

/// Thresholds of 0 (a trial's fleet config): only "no comparisons yet" blocks, and it never reads
/// "at least 0 are required", which says nothing is.
#[test]
fn a_zero_threshold_is_never_said_as_at_least_0() {
    let config = ReadinessConfig {
        min_comparisons: 0,
        min_clean_days: 0,
        ..ReadinessConfig::default()
    };
    let verdict = assess(&StrategyCounters::new("loan"), &config, NOW);
    let Readiness::Blocked { blockers } = &verdict else {
        panic!("expected blocked: {verdict:?}")
    };
    let details: Vec<&str> = blockers.iter().map(|b| b.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "no comparisons yet; clean days count from the first comparison, so one is required",
            "no comparisons yet: nothing can be said about the rate; at most 0.05% is allowed",
        ]
    );
    // One comparison today: 0 clean days meet 0.
    assert_eq!(
        criteria(&assess(&counters(1, 0, 0, 0, None), &config, NOW)),
        [Criterion::MaxUpperBoundPercent]
    );
}

#[test]
fn config_rejects_bad_percentages() {
    // Unknown keys are reported by the config loader, every one with its path.
    let config: ReadinessConfig = serde_json::from_str(r#"{"min_clean_days": 30}"#).unwrap();
    assert_eq!(config.min_comparisons, 10_000);
    assert!(config.problems("strategies.loan.readiness").is_empty());
    let bad = ReadinessConfig {
        max_skipped_percent: 150.0,
        ..config
    };
    let shown: Vec<String> = bad
        .problems("strategies.loan.readiness")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        shown,
        ["strategies.loan.readiness.max_skipped_percent: expected a percentage from 0 to 100, found 150"]
    );
}

#[test]
fn a_count_of_one_is_said_in_the_singular() {
    let config = ReadinessConfig {
        min_comparisons: 2,
        min_clean_days: 1,
        ..ReadinessConfig::default()
    };
    // One comparison on its first day, one skipped shadow call.
    let mut one = counters(1, 0, 1, 0, None);
    let verdict = assess(&one, &config, NOW);
    let Readiness::Blocked { blockers } = &verdict else {
        panic!("expected blocked: {verdict:?}")
    };
    let details: Vec<&str> = blockers.iter().map(|b| b.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "1 comparison so far; at least 2 are required",
            "0 clean days since the first comparison; at least 1 is required",
            "0 of 1 comparison failed (0%); at 95% confidence the rate is below 95.0%; at most \
             0.05% is allowed",
            "1 of 2 shadow calls was skipped (50%); at most 1% is allowed",
        ]
    );
    one.first_comparison_micros = Some(NOW - 1 - DAY);
    let config = ReadinessConfig {
        min_clean_days: 2,
        ..config
    };
    let Readiness::Blocked { blockers } = assess(&one, &config, NOW) else {
        panic!("expected blocked")
    };
    assert_eq!(
        blockers[1].detail,
        "1 clean day since the first comparison; at least 2 are required"
    );
}
