//! The report's noise section: groups of mismatches whose every differing field also differed
//! between two answers of the shadow engine (`confirm_mismatches = true`), apart from defects,
//! each with the `ignore` rule that would hide it if the team decides the field is noise.

use std::io::{self, Write};

use crate::review::plural;
use crate::store::{Group, NOISE_PREFIX};

/// Writes the noise groups of every strategy; nothing when there are none.
pub(crate) fn write(out: &mut dyn Write, groups: &[Vec<Group>]) -> io::Result<()> {
    let noise: Vec<&Group> = groups
        .iter()
        .flatten()
        .filter(|g| g.signature.starts_with(NOISE_PREFIX))
        .collect();
    if noise.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nnoise (fields the new engine answers differently for the same request; not defects)"
    )?;
    for g in noise {
        let fields: Vec<String> = g.differing_paths.iter().map(|p| format!("{p:?}")).collect();
        writeln!(
            out,
            "  {} · group {}: {} on {}; suggested rule: [strategies.{}.rules] ignore = [{}]",
            g.strategy,
            g.signature,
            plural(g.count, "mismatch"),
            g.differing_paths.join(", "),
            g.strategy,
            fields.join(", ")
        )?;
    }
    Ok(())
}
