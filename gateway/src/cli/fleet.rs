//! The review of a fleet from the command line: `report`, `mismatches list|show --config FILE`
//! with `store.backend = "postgres"` read every gateway's rows in the fleet's database (not one
//! gateway's directory), and the report adds a per-instance breakdown.

use std::io::{self, Write};

use super::source::Source;
use crate::config::Config;
use crate::review::{policies, thousands, Review, ReviewView};
use crate::store::postgres::FleetView;
use crate::store::Reader;

/// The fleet's review under `config`'s policies. Connects at the first read: a database that
/// cannot be reached fails the command with its URL and error, never as an empty report.
pub(super) fn open(config: &Config) -> anyhow::Result<Source> {
    let reader = Reader::open_config(&config.store)?
        .with_admin_address(super::source::admin_address(config));
    let review = Review::new(reader, policies(config)).with_view(config.review.clone());
    Ok(Source::Local {
        review,
        label: format!("fleet {}", config.store.postgres.url),
    })
}

/// The per-instance section of the text report, times in `view`'s zone.
pub(crate) fn write(out: &mut dyn Write, fleet: &FleetView, view: &ReviewView) -> io::Result<()> {
    writeln!(
        out,
        "\nfleet: {} gateways in {} (totals below are the fleet's)",
        fleet.instances.len(),
        fleet.database
    )?;
    let width = fleet
        .instances
        .iter()
        .map(|i| i.instance.len())
        .max()
        .unwrap_or(0)
        .max("instance".len());
    writeln!(
        out,
        "  {:width$}  {:>12}  {:>10}  {:>10}  {:>10}  last write",
        "instance", "comparisons", "failures", "skipped", "records"
    )?;
    for i in &fleet.instances {
        let forwarded = i
            .spool_forwarded_at
            .as_deref()
            .map(|at| format!("  (spool forwarded {})", view.in_zone(at)))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:width$}  {:>12}  {:>10}  {:>10}  {:>10}  {}{forwarded}",
            i.instance,
            thousands(i.comparisons),
            thousands(i.failures),
            thousands(i.skipped),
            thousands(i.records),
            i.last_write
                .as_deref()
                .map_or_else(|| "never".to_owned(), |at| view.in_zone(at)),
        )?;
    }
    writeln!(out, "  not in the fleet's totals: {}", fleet.local_only)
}
