//! `report --daily`: comparisons and failures per day as compact tables, so a fix shows in a
//! terminal as a group whose days went to zero.

use std::io::{self, Write};

use crate::review::{thousands, Daily, DayCount, Summary};
use crate::store::Group;

/// Groups shown per strategy: the most frequent ones, as in the report.
const GROUPS_SHOWN: usize = 10;

/// Writes one table per strategy of `summary` (in its order) and one line per group.
pub fn write(
    out: &mut dyn Write,
    daily: &Daily,
    summary: &Summary,
    groups: &[Vec<Group>],
) -> io::Result<()> {
    writeln!(out, "\nDaily ({})", daily.time_zone)?;
    for (strategy, groups) in summary.strategies.iter().zip(groups) {
        let name = &strategy.strategy;
        writeln!(out, "\n{name}")?;
        let Some(days) = daily.strategy(name) else {
            writeln!(out, "  no comparisons in the window")?;
            continue;
        };
        writeln!(
            out,
            "  {:<10}  {:>12}  {:>10}  {:>7}",
            "date", "comparisons", "failed", "rate"
        )?;
        for day in days {
            writeln!(
                out,
                "  {:<10}  {:>12}  {:>10}  {:>7}",
                day.date,
                thousands(day.comparisons),
                thousands(day.failures),
                rate(day)
            )?;
        }
        for group in groups.iter().take(GROUPS_SHOWN) {
            let Some(days) = daily.group(name, &group.signature) else {
                continue;
            };
            let counts: Vec<String> = days.iter().map(|d| thousands(d.failures)).collect();
            writeln!(out, "  {}: {}", group.signature, counts.join(" "))?;
        }
    }
    Ok(())
}

/// The day's failure rate, or `-` without comparisons.
fn rate(day: &DayCount) -> String {
    if day.comparisons == 0 {
        return "-".to_owned();
    }
    format!(
        "{:.1}%",
        day.failures as f64 * 100.0 / day.comparisons as f64
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_without_comparisons_has_no_rate() {
        let day = |comparisons, failures| DayCount {
            date: "2026-11-29".into(),
            comparisons,
            failures,
        };
        assert_eq!(rate(&day(0, 0)), "-");
        assert_eq!(rate(&day(2000, 200)), "10.0%");
    }
}
