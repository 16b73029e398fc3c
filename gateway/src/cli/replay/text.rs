//! The replay as text: the run for people, and the report's replay section.

use std::io::Write;

use crate::cli::table::{self, Align};
use crate::pipeline::replay::CaseResult;
use crate::review::{plural, ReviewView};
use crate::store::replays::latest_per_group;
use crate::store::replays::GroupRun;
use crate::store::{GroupReplay, ReplayCase, ReplayRun};

/// The run for people: one line per case, one per group (times in `view`'s zone, named once),
/// the totals.
pub(super) fn print(
    out: &mut dyn Write,
    run: &ReplayRun,
    view: &ReviewView,
) -> std::io::Result<()> {
    writeln!(
        out,
        "replay of {} of strategy {} against engine {} by {} ({})",
        plural(run.cases.len() as u64, "case"),
        run.strategy,
        run.engine,
        run.by,
        run.selection
    )?;
    if let Some(engine) = &run.shadowed_by {
        writeln!(
            out,
            "only the cases engine {engine} shadowed: the others selected were shadowed by \
             another engine (the other side of a routing change)"
        )?;
    }
    crate::cli::text::zone_line(out, view)?;
    cases_table(out, &run.cases)?;
    // This run's own result per group, "(part of the group: …)" when partial.
    for group in latest_per_group(std::slice::from_ref(run)) {
        if let Some(result) = group.whole.or(group.latest_partial) {
            writeln!(
                out,
                "group {}: {}",
                group.signature,
                result.line(|micros| view.time(micros))
            )?;
        }
    }
    let totals = run.totals();
    let shown: Vec<String> = CaseResult::LABELS
        .iter()
        .map(|label| format!("{label} {}", totals.get(label).copied().unwrap_or(0)))
        .collect();
    writeln!(out, "totals: {}", shown.join(", "))
}

/// One line per case (id, group, result, detail) in columns as wide as their widest cell: a
/// shadow error's group (`shadow_error/connect`) is longer than a signature.
pub(super) fn cases_table(out: &mut dyn Write, cases: &[ReplayCase]) -> std::io::Result<()> {
    let header = ["id", "group", "result", "detail"].map(str::to_owned);
    let rows = cases.iter().map(|case| {
        let detail = match (&case.new_signature, &case.detail) {
            (Some(signature), Some(fields)) => format!("{signature} ({fields})"),
            (_, Some(detail)) => detail.clone(),
            _ => String::new(),
        };
        [
            case.id.to_string(),
            case.signature.clone(),
            case.result.clone(),
            detail,
        ]
    });
    let rows: Vec<[String; 4]> = std::iter::once(header).chain(rows).collect();
    for line in table::lines(&rows, [Align::Left; 4]) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The report's replay section: per group, the newest whole-group run's "N of M cases fixed by
/// replay at T" and a newer partial run ([`GroupReplay::line`]), times in `view`'s zone; nothing
/// when no run is stored.
pub(crate) fn write_group_replays(
    out: &mut dyn Write,
    groups: &[GroupReplay],
    only: &Option<String>,
    view: &ReviewView,
) -> std::io::Result<()> {
    let shown: Vec<&GroupReplay> = groups
        .iter()
        .filter(|g| only.as_ref().is_none_or(|s| *s == g.strategy))
        .collect();
    if shown.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nreplays (latest whole-group run per group)")?;
    // Each run says who ran it against which engine: a newer partial run is often someone
    // else's, and the whole-group run's name beside it would credit them with it.
    let said = |run: &GroupRun| {
        format!(
            "{} (against {}, by {})",
            run.line(|micros| view.time(micros)),
            run.engine,
            run.by
        )
    };
    for g in shown {
        let result = match (&g.whole, &g.latest_partial) {
            (Some(whole), None) => said(whole),
            (Some(whole), Some(part)) => format!("{}; since then {}", said(whole), said(part)),
            (None, Some(part)) => format!("no replay of the whole group; {}", said(part)),
            (None, None) => continue,
        };
        writeln!(out, "  {} · group {}: {result}", g.strategy, g.signature)?;
    }
    Ok(())
}
