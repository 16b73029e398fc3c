//! The page's per-day suppression table of one strategy: a row per rule that hid something in
//! the chart window, a column per day of `[review] time_zone`, a rule that suddenly hides 10×
//! more marked.

use super::html::escape;
use crate::review::{thousands, SuppressedDaily, SPIKE_FACTOR};

/// The table, or nothing when no rule hid anything in the window.
pub(super) fn table(daily: &SuppressedDaily) -> String {
    let hiding: Vec<_> = daily
        .rules
        .iter()
        .filter(|r| r.counts.iter().any(|c| *c > 0))
        .collect();
    if hiding.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<h3>What the rules hid per day ({})</h3><table class=\"suppressed-daily\"><tr><th>rule</th>",
        escape(&daily.time_zone)
    );
    for day in &daily.days {
        // `2026-11-21` as `11-21`: the year is in the page's other dates.
        let short = day.get(5..).unwrap_or(day);
        out.push_str(&format!("<th class=\"t\">{}</th>", escape(short)));
    }
    out.push_str("</tr>\n");
    for rule in hiding {
        let mark = if rule.spike {
            format!(" <span class=\"blocked\">{SPIKE_FACTOR}× more</span>")
        } else {
            String::new()
        };
        out.push_str(&format!("<tr><td>{}{mark}</td>", escape(&rule.rule)));
        for count in &rule.counts {
            out.push_str(&format!("<td class=\"n\">{}</td>", thousands(*count)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}
