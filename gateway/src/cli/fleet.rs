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
        judged_by: super::source::JudgedBy::Config,
    })
}

/// The per-instance section of the text report, times in `view`'s zone.
pub(crate) fn write(out: &mut dyn Write, fleet: &FleetView, view: &ReviewView) -> io::Result<()> {
    let plural = if fleet.instances.len() == 1 { "" } else { "s" };
    writeln!(
        out,
        "\nfleet: {} gateway{plural} in {} (totals below are the fleet's)",
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::store::postgres::InstanceTotals;

    fn instance(name: &str) -> InstanceTotals {
        InstanceTotals {
            instance: name.to_owned(),
            comparisons: 10,
            failures: 1,
            skipped: 0,
            records: 1,
            last_write: None,
            spool_forwarded_at: None,
        }
    }

    fn first_line(names: &[&str]) -> String {
        let fleet = FleetView {
            database: "postgres://gw@db/shadowgate".to_owned(),
            instances: names.iter().map(|n| instance(n)).collect(),
            local_only: String::new(),
        };
        let mut out = Vec::new();
        write(&mut out, &fleet, &ReviewView::default()).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .to_owned()
    }

    #[test]
    fn one_gateway_is_not_counted_in_the_plural() {
        assert_eq!(
            first_line(&["gw-a"]),
            "fleet: 1 gateway in postgres://gw@db/shadowgate (totals below are the fleet's)"
        );
        assert!(first_line(&["gw-a", "gw-b"]).starts_with("fleet: 2 gateways in "));
    }
}
