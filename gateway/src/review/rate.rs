//! Mismatch rate and its exact one-sided upper confidence bound (Clopper–Pearson).
//!
//! With `x` failures in `n` comparisons the 95% upper bound is the 0.95 quantile of
//! Beta(x + 1, n − x); for `x = 0` that is `1 − 0.05^(1/n)`, so 0 of 40,000 reads as "below
//! 0.0075%". A failure is anything that would have hurt a customer after cutover: a mismatch, an
//! unencodable answer or a shadow error.

use serde::{Deserialize, Serialize};

use super::beta::beta_quantile;
use super::plural::noun_for;
use crate::store::StrategyCounters;

/// The confidence of every bound the review reports.
pub const CONFIDENCE: f64 = 0.95;

/// Observed failures and what they allow us to say about the true rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MismatchRate {
    /// Mismatches, unencodable answers and shadow errors.
    pub failures: u64,
    /// Comparisons made (skipped calls excluded).
    pub comparisons: u64,
    /// `failures / comparisons`; 0 when nothing was compared.
    pub rate: f64,
    /// One-sided upper bound at [`CONFIDENCE`]; 1 when nothing was compared.
    pub upper_bound: f64,
}

impl MismatchRate {
    /// The rate of `failures` in `comparisons`.
    pub fn new(failures: u64, comparisons: u64) -> Self {
        let rate = if comparisons == 0 {
            0.0
        } else {
            failures as f64 / comparisons as f64
        };
        Self {
            failures,
            comparisons,
            rate,
            upper_bound: upper_bound(failures, comparisons, CONFIDENCE),
        }
    }

    /// The rate of one strategy's counters.
    pub fn of(counters: &StrategyCounters) -> Self {
        Self::new(counters.failures(), counters.comparisons())
    }

    /// The observed rate and its bound, e.g. `200 of 2,000 comparisons failed (10.0%); at 95%
    /// confidence the rate is below 11.2%`. Nothing compared yet says so.
    pub fn sentence(&self) -> String {
        if self.comparisons == 0 {
            return "no comparisons yet: nothing can be said about the rate".to_owned();
        }
        if self.failures >= self.comparisons {
            // The bound is 100 %: "below 100%" would say more than the counts do.
            return format!(
                "{} of {} {} failed (100%): no comparison has passed yet",
                thousands(self.failures),
                thousands(self.comparisons),
                noun_for(self.comparisons, "comparison"),
            );
        }
        format!(
            "{} of {} {} failed ({}); at 95% confidence the rate is below {}",
            thousands(self.failures),
            thousands(self.comparisons),
            noun_for(self.comparisons, "comparison"),
            percent_round(self.rate, 3),
            percent_bound(self.upper_bound)
        )
    }
}

/// Exact (Clopper–Pearson) one-sided upper bound of a binomial proportion at `confidence`.
pub fn upper_bound(failures: u64, comparisons: u64, confidence: f64) -> f64 {
    if comparisons == 0 || failures >= comparisons {
        return 1.0;
    }
    let (x, n) = (failures as f64, comparisons as f64);
    if failures == 0 {
        // Closed form of the same quantile; exact where bisection would only be close.
        return 1.0 - (1.0 - confidence).powf(1.0 / n);
    }
    beta_quantile(confidence, x + 1.0, n - x)
}

/// A fraction as a percentage rounded *up* to two significant digits: `7.489e-5` → `0.0075%`.
/// Rounding up keeps "below" honest.
pub fn percent_ceil(fraction: f64) -> String {
    percent_digits(fraction, 2)
}

/// An upper bound as the rate sentence states it (three significant digits, rounded up:
/// `0.1117` → `11.2%`), for every view that shows one.
pub fn percent_bound(fraction: f64) -> String {
    percent_digits(fraction, 3)
}

/// A fraction as a percentage rounded *up* to `digits` significant digits (at least 1).
fn percent_digits(fraction: f64, digits: i32) -> String {
    percent_with(fraction, digits, |x| (x - 1e-9).ceil())
}

/// A fraction as a percentage rounded to nearest, `digits` significant digits: `0.1` → `10.0%`.
fn percent_round(fraction: f64, digits: i32) -> String {
    percent_with(fraction, digits, f64::round)
}

fn percent_with(fraction: f64, digits: i32, round: impl Fn(f64) -> f64) -> String {
    let percent = fraction * 100.0;
    if !percent.is_finite() || percent <= 0.0 {
        return "0%".to_owned();
    }
    let magnitude = percent.log10().floor() as i32;
    let decimals = (digits.max(1) - 1 - magnitude).max(0);
    let scale = 10f64.powi(digits.max(1) - 1 - magnitude);
    // For rounding up, the tiny tolerance keeps values exactly on a step (0.05) from passing it.
    let rounded = round(percent * scale) / scale;
    format!("{rounded:.prec$}%", prec = decimals as usize)
}

/// `40000` → `40,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() <= 1e-9 * expected
    }

    #[test]
    fn zero_failures_use_the_closed_form() {
        let rate = MismatchRate::new(0, 40_000);
        assert!(close(rate.upper_bound, 7.489_050_240_516_715e-5));
        assert_eq!(
            rate.sentence(),
            "0 of 40,000 comparisons failed (0%); at 95% confidence the rate is below 0.00749%"
        );
    }

    #[test]
    fn the_sentence_states_the_observed_rate_and_its_bound() {
        // Exact bound 11.17%: rounded up to three digits.
        let rate = MismatchRate::new(200, 2_000);
        assert_eq!(
            rate.sentence(),
            "200 of 2,000 comparisons failed (10.0%); at 95% confidence the rate is below 11.2%"
        );
        // Every comparison failed: no bound below 100 % to state.
        assert_eq!(
            MismatchRate::new(51, 51).sentence(),
            "51 of 51 comparisons failed (100%): no comparison has passed yet"
        );
        // One comparison is one, not "comparisons".
        assert_eq!(
            MismatchRate::new(1, 1).sentence(),
            "1 of 1 comparison failed (100%): no comparison has passed yet"
        );
        assert!(MismatchRate::new(0, 1)
            .sentence()
            .starts_with("0 of 1 comparison failed (0%); "));
        assert_eq!(percent_round(1.0 / 3.0, 3), "33.3%");
        assert_eq!(percent_round(0.000_25, 3), "0.0250%");
        assert!(MismatchRate::new(0, 0)
            .sentence()
            .starts_with("no comparisons"));
    }

    #[test]
    fn bounds_match_exact_binomial_values() {
        // Reference values: bisection on the exact binomial CDF, computed independently.
        for (x, n, expected) in [
            (1, 10, 0.394_163_302_436_504_8),
            (5, 100, 0.102_253_377_643_274_68),
            (3, 40_000, 1.938_298_952_735_028_6e-4),
            (10, 10_000, 1.695_631_453_642_813_8e-3),
            (1, 10_000, 4.742_976_591_644_784e-4),
        ] {
            let bound = upper_bound(x, n, CONFIDENCE);
            assert!(close(bound, expected), "{x} of {n}: {bound} vs {expected}");
        }
        // The bisection and the closed form agree where both apply.
        let bisected = beta_quantile(CONFIDENCE, 1.0, 40_000.0);
        assert!(close(bisected, upper_bound(0, 40_000, CONFIDENCE)));
    }

    #[test]
    fn degenerate_counts_give_no_assurance() {
        assert_eq!(upper_bound(0, 0, CONFIDENCE), 1.0);
        assert_eq!(upper_bound(7, 7, CONFIDENCE), 1.0);
        assert_eq!(MismatchRate::new(0, 0).rate, 0.0);
    }

    #[test]
    fn percentages_round_up_and_numbers_group() {
        assert_eq!(percent_ceil(7.489e-5), "0.0075%");
        assert_eq!(percent_ceil(0.0005), "0.050%");
        assert_eq!(percent_ceil(0.394), "40%");
        assert_eq!(percent_ceil(0.0), "0%");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
