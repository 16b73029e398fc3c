//! The report's per-day suppression section: what each rule hid on each of the last days (of
//! `[review] time_zone`), with a rule that suddenly hides 10× more marked.

use std::io::{self, Write};

use crate::review::{thousands, Summary, SPIKE_FACTOR};

/// Writes every strategy's rules that hid something in the window; nothing when none did.
pub(crate) fn write(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    for s in &summary.strategies {
        let daily = &s.suppressed_daily;
        let hiding: Vec<_> = daily
            .rules
            .iter()
            .filter(|r| r.counts.iter().any(|c| *c > 0))
            .collect();
        let (Some(first), Some(last)) = (daily.days.first(), daily.days.last()) else {
            continue;
        };
        if hiding.is_empty() {
            continue;
        }
        writeln!(
            out,
            "\n{}: hidden per day by rule, {first} to {last} ({}), oldest first",
            s.strategy, daily.time_zone
        )?;
        for rule in hiding {
            let counts: Vec<String> = rule.counts.iter().map(|c| thousands(*c)).collect();
            let spike = if rule.spike {
                format!("  ← {SPIKE_FACTOR}× or more than its earlier average")
            } else {
                String::new()
            };
            writeln!(out, "  {}: {}{spike}", rule.rule, counts.join(" "))?;
        }
    }
    Ok(())
}
