//! Text of a batch reconciliation run: counts by outcome, the rate and readiness like a
//! strategy's, groups by signature and masked examples. `reconcile` prints it when a run ends
//! and `report` beside the online strategies.

use std::io::{self, Write};

use super::table::{self, Align};
use crate::review::{noun_for, thousands, BatchSummary, ReviewView};
use crate::store::{ReconcileBadRow, ReconcileExample, ReconcileRun};

/// Bad rows listed in the text; JSON lists them all.
const BAD_ROWS_LISTED: usize = 100;

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
    // Rows that were read but not compared are counted, never only left out.
    if c.duplicate_rows > 0 {
        writeln!(
            out,
            "  rows of duplicated keys (not compared): {}",
            thousands(c.duplicate_rows)
        )?;
    }
    bad_rows(out, c.bad_rows, &run.bad_rows)?;
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
    groups_table(out, run)
}

/// The bad rows set aside (`--max-bad-rows`): counted, the first [`BAD_ROWS_LISTED`] listed.
fn bad_rows(out: &mut dyn Write, count: u64, rows: &[ReconcileBadRow]) -> io::Result<()> {
    if count == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "  bad rows set aside (not compared): {}",
        thousands(count)
    )?;
    for row in rows.iter().take(BAD_ROWS_LISTED) {
        writeln!(out, "    {}", row.error)?;
    }
    if rows.len() > BAD_ROWS_LISTED {
        let more = rows.len() - BAD_ROWS_LISTED;
        writeln!(out, "    and {more} more (--format json lists every one)")?;
    }
    Ok(())
}

/// One line per group (count, outcome, signature, fields) in columns as wide as their widest
/// cell, each followed by its examples.
fn groups_table(out: &mut dyn Write, run: &ReconcileRun) -> io::Result<()> {
    let groups = &run.groups;
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
            duplicate_rows(out, example, run)?;
        }
    }
    Ok(())
}

/// Every row of a duplicated key's example, each with its side's source and place in it.
fn duplicate_rows(
    out: &mut dyn Write,
    example: &ReconcileExample,
    run: &ReconcileRun,
) -> io::Result<()> {
    for row in &example.rows {
        let source = match row.side.as_str() {
            "legacy" => &run.legacy,
            _ => &run.new,
        };
        // A fixed-length file's records, a query's rows, a text file's lines.
        let place = match source.split(' ').next() {
            Some("fixed") => "record",
            Some("postgres") => "row",
            _ => "line",
        };
        writeln!(
            out,
            "          {} {source} {place} {}: {}",
            row.side, row.line, row.row
        )?;
    }
    if example.rows_not_shown > 0 {
        writeln!(
            out,
            "          and {} more rows of this key",
            thousands(example.rows_not_shown)
        )?;
    }
    Ok(())
}

/// One example: its key and what differs (or which rows there are).
fn example_line(out: &mut dyn Write, example: &ReconcileExample) -> io::Result<()> {
    if !example.rows.is_empty() {
        return writeln!(out, "        key {}", example.key);
    }
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
    use crate::store::ReconcileGroup;

    fn group(count: u64, outcome: &str, signature: Option<&str>) -> ReconcileGroup {
        ReconcileGroup {
            outcome: outcome.into(),
            signature: signature.map(str::to_owned),
            fields: vec!["body.grade".into()],
            count,
            examples: Vec::new(),
        }
    }

    fn run_with(groups: Vec<ReconcileGroup>) -> ReconcileRun {
        ReconcileRun {
            name: "t".into(),
            run_id: "1-t".into(),
            started_micros: 0,
            finished_micros: 0,
            legacy: "csv legacy.csv".into(),
            new: "csv new.csv".into(),
            rules: "inline".into(),
            key: vec!["id".into()],
            ordering: Vec::new(),
            counts: Default::default(),
            groups,
            suppressed: Vec::new(),
            thresholds: None,
            bad_rows: Vec::new(),
        }
    }

    #[test]
    fn a_duplicated_key_lists_every_row_with_its_file_and_line() {
        let row = |side: &str, line: u64, amount: &str| crate::store::ReconcileRow {
            side: side.into(),
            line,
            row: serde_json::json!({"id": "A002", "amount": amount}),
        };
        let mut group = group(1, "duplicate_in_new", None);
        group.examples.push(ReconcileExample {
            key: "A002".into(),
            legacy: None,
            new: None,
            differences: Vec::new(),
            rows: vec![
                row("legacy", 3, "2000.00"),
                row("new", 3, "2500.00"),
                row("new", 4, "9999.00"),
            ],
            rows_not_shown: 0,
        });
        let mut out = Vec::new();
        groups_table(&mut out, &run_with(vec![group])).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with(
                "        key A002\n\
                 \x20         legacy csv legacy.csv line 3: {\"id\":\"A002\",\"amount\":\"2000.00\"}\n\
                 \x20         new csv new.csv line 3: {\"id\":\"A002\",\"amount\":\"2500.00\"}\n\
                 \x20         new csv new.csv line 4: {\"id\":\"A002\",\"amount\":\"9999.00\"}\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn bad_rows_are_counted_and_the_first_hundred_listed() {
        let rows: Vec<ReconcileBadRow> = (1..=102)
            .map(|line| ReconcileBadRow {
                side: "new".into(),
                line,
                column: Some("amount".into()),
                error: format!("new source csv new.csv line {line}: column amount: bad"),
            })
            .collect();
        let mut out = Vec::new();
        bad_rows(&mut out, 102, &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 102, "{text}");
        assert_eq!(lines[0], "  bad rows set aside (not compared): 102");
        assert_eq!(
            lines[1],
            "    new source csv new.csv line 1: column amount: bad"
        );
        assert_eq!(lines[101], "    and 2 more (--format json lists every one)");
    }

    #[test]
    fn groups_stay_aligned_with_a_long_outcome_and_a_hangul_signature() {
        let groups = [
            group(12, "mismatch", Some("3cc4d5940b0b32de")),
            group(1_234_567_890_123, "duplicate_in_legacy_and_new", None),
            group(3, "only_in_new", Some("고객번호불일치")),
        ];
        let run = run_with(groups.to_vec());
        let mut out = Vec::new();
        groups_table(&mut out, &run).unwrap();
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
