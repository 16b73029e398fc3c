//! Server-rendered SVG charts of daily series: no scripts, no external assets, so the page
//! stays self-contained. Every bar carries a `<title>` with its date and numbers, which browsers
//! show on hover and screen readers read.

use super::html::escape;
use crate::review::{noun_for, thousands, DayCount};

/// Width of one day's slot in the strategy chart, in SVG units.
const SLOT: usize = 24;
/// Height of each of the two rows (comparisons, failures).
const ROW: usize = 48;

/// One strategy's days: comparisons (grey, top row) and failures (red, bottom row), each row on
/// its own scale so a handful of failures among thousands of comparisons still shows.
pub(super) fn strategy_chart(days: &[DayCount]) -> String {
    let width = days.len() * SLOT;
    let height = 2 * ROW + 18;
    let top = days.iter().map(|d| d.comparisons).max().unwrap_or(0);
    let worst = days.iter().map(|d| d.failures).max().unwrap_or(0);
    let mut out = format!(
        "<svg class=\"daily\" role=\"img\" aria-label=\"daily comparisons and failures\" \
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n"
    );
    for (i, day) in days.iter().enumerate() {
        let x = i * SLOT + 2;
        let title = format!(
            "{}: {} {}, {} failed",
            day.date,
            thousands(day.comparisons),
            noun_for(day.comparisons, "comparison"),
            thousands(day.failures)
        );
        let c = scaled(day.comparisons, top, ROW - 2);
        let f = scaled(day.failures, worst, ROW - 2);
        out.push_str(&format!(
            "<g><title>{title}</title>\
             <rect class=\"bar comparisons\" x=\"{x}\" y=\"{cy}\" width=\"{w}\" height=\"{c}\"/>\
             <rect class=\"bar failures\" x=\"{x}\" y=\"{fy}\" width=\"{w}\" height=\"{f}\"/></g>\n",
            title = escape(&title),
            w = SLOT - 4,
            cy = ROW - c,
            fy = 2 * ROW - f,
        ));
    }
    // The first and last dates under the bars, so the window reads without hovering.
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        out.push_str(&format!(
            "<text x=\"0\" y=\"{y}\" class=\"axis\">{}</text>\
             <text x=\"{width}\" y=\"{y}\" class=\"axis\" text-anchor=\"end\">{}</text>\n",
            escape(&first.date),
            escape(&last.date),
            y = height - 3,
        ));
    }
    out.push_str("</svg>\n");
    out
}

/// One group's records per day, as a small bar strip for a table cell; each bar's title gives
/// the records and the strategy's comparisons that day (`2026-11-29: 3 of 1,000 comparisons`),
/// the numbers of `GET /api/v1/daily`.
pub(super) fn group_strip(days: &[DayCount]) -> String {
    let width = days.len() * 6;
    let height = 20;
    let worst = days.iter().map(|d| d.failures).max().unwrap_or(0);
    let mut out = format!(
        "<svg class=\"strip\" role=\"img\" aria-label=\"records per day\" width=\"{width}\" \
         height=\"{height}\" viewBox=\"0 0 {width} {height}\">"
    );
    for (i, day) in days.iter().enumerate() {
        let h = scaled(day.failures, worst, height);
        out.push_str(&format!(
            "<rect class=\"bar group\" x=\"{x}\" y=\"{y}\" width=\"5\" height=\"{h}\">\
             <title>{title}</title></rect>",
            x = i * 6,
            y = height - h,
            title = escape(&format!(
                "{}: {} of {} {}",
                day.date,
                thousands(day.failures),
                thousands(day.comparisons),
                noun_for(day.comparisons, "comparison")
            )),
        ));
    }
    out.push_str("</svg>");
    out
}

/// `value` of `max` as a height of at most `full`; anything above zero shows at least 1.
fn scaled(value: u64, max: u64, full: usize) -> usize {
    if value == 0 || max == 0 {
        return 0;
    }
    let full = full as u64;
    usize::try_from((value * full).div_ceil(max).clamp(1, full)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(failures: &[u64]) -> Vec<DayCount> {
        failures
            .iter()
            .enumerate()
            .map(|(i, &f)| DayCount {
                date: format!("2026-11-{:02}", i + 1),
                comparisons: 1000,
                failures: f,
            })
            .collect()
    }

    #[test]
    fn one_pair_of_bars_per_day_and_a_quiet_day_has_no_failure_height() {
        let svg = strategy_chart(&days(&[0, 3, 12]));
        assert_eq!(svg.matches("class=\"bar comparisons\"").count(), 3);
        assert_eq!(svg.matches("class=\"bar failures\"").count(), 3);
        assert!(svg.contains("2026-11-01: 1,000 comparisons, 0 failed"));
        assert!(svg.contains("y=\"96\" width=\"20\" height=\"0\""), "{svg}");
        assert!(svg.contains("y=\"50\" width=\"20\" height=\"46\""), "{svg}");
    }

    #[test]
    fn a_small_count_still_shows() {
        assert_eq!(scaled(1, 1_000_000, 46), 1);
        assert_eq!(scaled(0, 10, 46), 0);
        assert_eq!(scaled(10, 10, 46), 46);
        let strip = group_strip(&days(&[0, 1, 5]));
        assert_eq!(strip.matches("class=\"bar group\"").count(), 3);
        assert!(
            strip.contains("<title>2026-11-02: 1 of 1,000 comparisons</title>"),
            "{strip}"
        );
    }

    #[test]
    fn a_day_of_one_comparison_says_comparison() {
        let one = [DayCount {
            date: "2026-11-01".into(),
            comparisons: 1,
            failures: 1,
        }];
        assert!(strategy_chart(&one).contains("<title>2026-11-01: 1 comparison, 1 failed</title>"));
        assert!(group_strip(&one).contains("<title>2026-11-01: 1 of 1 comparison</title>"));
    }
}
