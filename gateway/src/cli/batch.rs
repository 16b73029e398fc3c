//! Text of a batch reconciliation run: counts by outcome, the rate and readiness like a
//! strategy's, groups by signature and masked examples. `reconcile` prints it when a run ends
//! and `report` beside the online strategies.

use std::io::{self, Write};

use super::table::{self, Align};
use crate::review::{noun_for, thousands, BatchSummary, ReviewView};
use crate::store::{ReconcileExample, ReconcileGroup};

/// One run, its time in `view`'s zone.
pub(crate) fn run_section(
    out: &mut dyn Write,
    batch: &BatchSummary,
    view: &ReviewView,
) -> io::Result<()> {
    let run = &batch.run;
    let c = &run.counts;
    writeln!(
        out,
        "== batch {} (run {}, {})",
        run.name,
        run.run_id,
        view.time(run.finished_micros)
    )?;
    writeln!(
        out,
        "  legacy {}  ({} {})",
        run.legacy,
        thousands(c.legacy_rows),
        noun_for(c.legacy_rows, "row")
    )?;
    writeln!(
        out,
        "  new    {}  ({} {})",
        run.new,
        thousands(c.new_rows),
        noun_for(c.new_rows, "row")
    )?;
    writeln!(
        out,
        "  key {}  rules {}  order: {}",
        run.key.join(", "),
        run.rules,
        run.ordering.join("; ")
    )?;
    writeln!(
        out,
        "  keys {}  matches {}  mismatches {}  only in legacy {}  only in new {}  duplicate in legacy {}  duplicate in new {}  duplicate in both {}",
        thousands(c.keys),
        thousands(c.matched),
        thousands(c.mismatched),
        thousands(c.only_in_legacy),
        thousands(c.only_in_new),
        thousands(c.duplicate_in_legacy),
        thousands(c.duplicate_in_new),
        thousands(c.duplicate_in_both),
    )?;
    writeln!(
        out,
        "  failure rate (keys not matching): {}",
        batch.rate_sentence
    )?;
    if batch.readiness.is_ready() {
        writeln!(out, "  readiness: ready")?;
    } else {
        writeln!(out, "  readiness: blocked")?;
        for line in batch.readiness_lines() {
            writeln!(out, "    - {}", view.in_zone(&line))?;
        }
    }
    // Nothing hidden silently: what each rule made equal, as the report shows for strategies.
    if !run.suppressed.is_empty() {
        writeln!(out, "  suppressed by rules:")?;
        for rule in &run.suppressed {
            writeln!(out, "    {:>12}  {}", thousands(rule.count), rule.rule)?;
        }
    }
    if run.groups.is_empty() {
        return writeln!(out, "  groups: none");
    }
    writeln!(out, "  groups:")?;
    groups_table(out, &run.groups)
}

/// One line per group (count, outcome, signature, fields) in columns as wide as their widest
/// cell, each followed by its examples.
fn groups_table(out: &mut dyn Write, groups: &[ReconcileGroup]) -> io::Result<()> {
    let rows: Vec<[String; 4]> = groups
        .iter()
        .map(|group| {
            [
                thousands(group.count),
                group.outcome.clone(),
                group.signature.clone().unwrap_or_else(|| "-".to_owned()),
                group.fields.join(", "),
            ]
        })
        .collect();
    let (left, right) = (Align::Left, Align::Right);
    let lines = table::lines(&rows, [right, left, left, left]);
    for (group, line) in groups.iter().zip(lines) {
        writeln!(out, "    {line}")?;
        for example in &group.examples {
            example_line(out, example)?;
        }
    }
    Ok(())
}

/// One example: its key and what differs (or which rows there are).
fn example_line(out: &mut dyn Write, example: &ReconcileExample) -> io::Result<()> {
    if example.differences.is_empty() {
        let sides = match (&example.legacy, &example.new) {
            (Some(l), Some(n)) => format!("legacy {l}  new {n}"),
            (Some(l), None) => format!("legacy {l}"),
            (None, Some(n)) => format!("new {n}"),
            (None, None) => String::new(),
        };
        return writeln!(out, "        key {}  {sides}", example.key);
    }
    let shown =
        |v: &Option<serde_json::Value>| v.as_ref().map_or("(absent)".to_owned(), |v| v.to_string());
    let differences: Vec<String> = example
        .differences
        .iter()
        .map(|d| format!("{}: {} → {}", d.path, shown(&d.live), shown(&d.shadow)))
        .collect();
    writeln!(
        out,
        "        key {}  {}",
        example.key,
        differences.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::table::assert_column;

    fn group(count: u64, outcome: &str, signature: Option<&str>) -> ReconcileGroup {
        ReconcileGroup {
            outcome: outcome.into(),
            signature: signature.map(str::to_owned),
            fields: vec!["body.grade".into()],
            count,
            examples: Vec::new(),
        }
    }

    #[test]
    fn groups_stay_aligned_with_a_long_outcome_and_a_hangul_signature() {
        let groups = [
            group(12, "mismatch", Some("3cc4d5940b0b32de")),
            group(1_234_567_890_123, "duplicate_in_legacy_and_new", None),
            group(3, "only_in_new", Some("고객번호불일치")),
        ];
        let mut out = Vec::new();
        groups_table(&mut out, &groups).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_column(&text, &lines, &["mismatch", "duplicate_in", "only_in_new"]);
        assert_column(&text, &lines, &["3cc4d5940b0b32de", "-", "고객번호불일치"]);
        assert_column(&text, &lines, &["body.grade"; 3]);
        // Counts are right-aligned: their last digits line up.
        let end = |line: &str| {
            let start = line.len() - line.trim_start().len();
            start + line[start..].find(' ').unwrap()
        };
        let ends: Vec<usize> = lines.iter().map(|line| end(line)).collect();
        assert_eq!(ends, [4 + 17; 3], "{text}");
    }
}
