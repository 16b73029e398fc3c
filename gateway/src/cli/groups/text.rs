//! The groups and the audit trail as text.

use std::io::Write;

use crate::cli::table::{self, Align};
use crate::review::ReviewView;
use crate::triage::{AuditEntry, GroupTriage};

/// The groups as a table whose columns are as wide as their widest cell (header included), in
/// terminal columns: signatures (`shadow_error/connect`), states and assignees (Hangul names)
/// have no fixed width.
pub(super) fn write_list(out: &mut dyn Write, groups: &[GroupTriage]) -> std::io::Result<()> {
    let header = ["signature", "count", "state", "assignee", "fields"].map(str::to_owned);
    let rows = groups.iter().map(|g| {
        let reopened = if g.triage.reopened { " (reopened)" } else { "" };
        [
            g.group.signature.clone(),
            g.group.count.to_string(),
            format!("{}{reopened}", g.triage.state),
            g.triage.assignee.clone().unwrap_or_else(|| "-".to_owned()),
            g.group.differing_paths.join(", "),
        ]
    });
    let rows: Vec<[String; 5]> = std::iter::once(header).chain(rows).collect();
    let (left, right) = (Align::Left, Align::Right);
    for line in table::lines(&rows, [left, right, left, left, left]) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// One line per audit entry: its number and its own hash's first 12 hex digits (as the page
/// shortens them; `audit verify` and `GET /api/v1/audit` give the whole), its time in `view`'s
/// zone, who, what, the change and the note.
pub(super) fn print_entries(
    entries: &[AuditEntry],
    view: &ReviewView,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    for e in entries {
        let mut line = format!(
            "  #{} {} {} {} {}",
            e.seq,
            e.hash.get(..12).unwrap_or(&e.hash),
            view.time(e.time_micros),
            e.by,
            e.subject
        );
        if let Some(step) = step(e) {
            line.push(' ');
            line.push_str(&step);
        }
        if let Some(note) = &e.note {
            line.push_str(&format!(" ({note})"));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// What an entry changed, `from → to`: states for triage, config SHA-256s for a reload or a
/// start. The first `start` on a store has no `from` (no config was recorded before it) and reads
/// `none → SHA`, so its config's hash is printed as every later start's and reload's is; an entry
/// with only `from` (a sign-off of a strategy without a shadow) prints that.
fn step(entry: &AuditEntry) -> Option<String> {
    match (&entry.from, &entry.to) {
        (Some(from), Some(to)) => Some(format!("{from} → {to}")),
        (None, Some(to)) => Some(format!("none → {to}")),
        (Some(from), None) => Some(from.clone()),
        (None, None) => None,
    }
}
