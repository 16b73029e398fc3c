//! The review of a fleet from the command line: `report`, `mismatches list|show --config FILE`
//! with `store.backend = "postgres"` read every gateway's rows in the fleet's database (not one
//! gateway's directory), and the report adds a per-instance breakdown.

use std::io::{self, Write};

use super::source::Source;
use crate::config::Config;
use crate::review::{noun_for, policies, thousands, Review, ReviewView};
use crate::store::postgres::{FleetView, InstanceTotals};
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
    for i in fleet.instances.iter().filter(|i| i.records_dropped > 0) {
        dropped_note(out, i, view)?;
    }
    writeln!(out, "  not in the fleet's totals: {}", fleet.local_only)
}

/// Says that `instance` dropped records, and when: its records are fewer than its failures.
fn dropped_note(out: &mut dyn Write, i: &InstanceTotals, view: &ReviewView) -> io::Result<()> {
    let at = |time: &Option<String>| {
        time.as_deref()
            .map_or_else(|| "?".to_owned(), |t| view.in_zone(t))
    };
    writeln!(
        out,
        "  {} dropped {} {} compared between {} and {} (its store unavailable or behind): the \
         records below are fewer than the failures counted",
        i.instance,
        thousands(i.records_dropped),
        noun_for(i.records_dropped, "record"),
        at(&i.dropped_from),
        at(&i.dropped_to),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn instance(name: &str) -> InstanceTotals {
        InstanceTotals {
            instance: name.to_owned(),
            comparisons: 10,
            failures: 1,
            skipped: 0,
            records: 1,
            last_write: None,
            spool_forwarded_at: None,
            records_dropped: 0,
            dropped_from: None,
            dropped_to: None,
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

    /// A gateway that dropped records says so under the table, with when: the fleet's records
    /// are fewer than its failures (a trial had 426 failures and 118 records, and no word of it).
    #[test]
    fn a_gateway_that_dropped_records_is_named_with_when() {
        let fleet = FleetView {
            database: "postgres://gw@db/shadowgate".to_owned(),
            instances: vec![
                InstanceTotals {
                    records_dropped: 308,
                    dropped_from: Some("2026-12-03T13:40:01Z".into()),
                    dropped_to: Some("2026-12-03T13:41:02Z".into()),
                    ..instance("gw1")
                },
                instance("gw2"),
            ],
            local_only: String::new(),
        };
        let mut out = Vec::new();
        write(&mut out, &fleet, &ReviewView::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let notes: Vec<&str> = text.lines().filter(|l| l.contains("dropped")).collect();
        assert_eq!(
            notes,
            [
                "  gw1 dropped 308 records compared between 2026-12-03 13:40:01 +00:00 and \
                 2026-12-03 13:41:02 +00:00 (its store unavailable or behind): the records below are fewer than the failures \
                 counted"
            ],
            "{text}"
        );
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
