//! Text of a batch reconciliation run: counts by outcome, the rate and readiness like a
//! strategy's, groups by signature and masked examples. `reconcile` prints it when a run ends
//! and `report` beside the online strategies.

use std::io::{self, Write};

use crate::review::{thousands, BatchSummary};
use crate::store::{format_micros, ReconcileExample};

/// One run.
pub(crate) fn run_section(out: &mut dyn Write, batch: &BatchSummary) -> io::Result<()> {
    let run = &batch.run;
    let c = &run.counts;
    writeln!(
        out,
        "== batch {} (run {}, {})",
        run.name,
        run.run_id,
        format_micros(run.finished_micros)
    )?;
    writeln!(
        out,
        "  legacy {}  ({} rows)",
        run.legacy,
        thousands(c.legacy_rows)
    )?;
    writeln!(
        out,
        "  new    {}  ({} rows)",
        run.new,
        thousands(c.new_rows)
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
            writeln!(out, "    - {line}")?;
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
    for group in &run.groups {
        let signature = group.signature.as_deref().unwrap_or("-");
        writeln!(
            out,
            "    {:>12}  {:<20} {signature:<16}  {}",
            thousands(group.count),
            group.outcome,
            group.fields.join(", ")
        )?;
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
