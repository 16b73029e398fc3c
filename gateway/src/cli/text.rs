//! The report as text for terminals, times in the review's zone (named once, at the top).

use std::io::{self, Write};

use super::source::JudgedBy;
use super::table::{self, Align};
use crate::review::{noun_for, plural, thousands};
use crate::review::{EngineStatus, ReviewView, StrategySummary, Summary};
use crate::store::{Group, NOISE_PREFIX};

/// The whole report, times in `view`'s zone. Without a config (`judged_by` the defaults) it says
/// so once at the top, and nothing is called missing from the config it did not read.
pub(crate) fn report(
    out: &mut dyn Write,
    source: &str,
    judged_by: JudgedBy,
    summary: &Summary,
    groups: &[Vec<Group>],
    view: &ReviewView,
) -> io::Result<()> {
    writeln!(
        out,
        "shadowgate report · {source} · {}",
        view.in_zone(&summary.generated_at)
    )?;
    zone_line(out, view)?;
    if judged_by == JudgedBy::Defaults {
        writeln!(
            out,
            "no config given (--store alone): readiness is judged by the default thresholds, and \
             which strategies and rules are configured is unknown (--config FILE judges by the \
             gateway's own)"
        )?;
    }
    if let Some(store) = &summary.store {
        if store.degraded {
            writeln!(out, "STORE DEGRADED: records are being dropped")?;
        }
        if store.spooling {
            writeln!(
                out,
                "STORE SPOOLING: the fleet's database does not take this gateway's writes \
                 (unreachable, or refusing its login: the gateway's /readyz says which, its \
                 /api/v1/health and log why); it keeps its records and totals locally until \
                 it does (not in the totals yet)"
            )?;
        }
        if store.dropped > 0 {
            writeln!(
                out,
                "{} {} could not be stored",
                thousands(store.dropped),
                noun_for(store.dropped, "event")
            )?;
        }
    }
    match &summary.engines {
        Some(engines) => engines_section(out, engines, view)?,
        None if summary.fleet.is_some() => writeln!(
            out,
            "engine health: unknown (read from the fleet's database; use --from http://ADMIN of a running gateway)"
        )?,
        None => writeln!(
            out,
            "engine health: unknown (read from a store directory; use --from http://ADMIN of a running gateway)"
        )?,
    }
    if let Some(fleet) = &summary.fleet {
        super::fleet::write(out, fleet, view)?;
    }
    if summary.strategies.is_empty() {
        writeln!(
            out,
            "\nno online strategy configured or recorded (batch runs, if any, are listed below)"
        )?;
    }
    for (strategy, groups) in summary.strategies.iter().zip(groups) {
        writeln!(out)?;
        strategy_section(out, strategy, groups, judged_by, view)?;
    }
    Ok(())
}

/// One line per engine: name, protocol, state since when, roles, last failure, in columns
/// ([`table::lines`]): engine names of different lengths keep the states in line.
fn engines_section(
    out: &mut dyn Write,
    engines: &[EngineStatus],
    view: &ReviewView,
) -> io::Result<()> {
    writeln!(out, "\nengines")?;
    let rows: Vec<[String; 5]> = engines
        .iter()
        .map(|e| {
            let error = view.in_zone(&e.last_error_text());
            [
                format!("{} ({})", e.engine, e.protocol),
                e.state().to_uppercase(),
                format!("since {}", view.in_zone(&e.since)),
                e.roles(),
                if error.is_empty() {
                    String::new()
                } else {
                    format!("last error: {error}")
                },
            ]
        })
        .collect();
    for line in table::lines(&rows, [Align::Left; 5]) {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

/// One strategy's counters, rates, readiness, rules and groups; what is not in the config is
/// said only when a config was read (`judged_by`).
fn strategy_section(
    out: &mut dyn Write,
    s: &StrategySummary,
    groups: &[Group],
    judged_by: JudgedBy,
    view: &ReviewView,
) -> io::Result<()> {
    let with_config = judged_by == JudgedBy::Config;
    let note = if s.configured || !with_config {
        ""
    } else {
        " (not in the config)"
    };
    writeln!(out, "== {}{note}", s.strategy)?;
    writeln!(
        out,
        "  comparisons {}  matches {}  mismatches {}  shadow errors {}  unencodable {}  skipped {}",
        thousands(s.comparisons),
        thousands(s.matches),
        thousands(s.mismatches),
        thousands(s.shadow_errors),
        thousands(s.unencodable),
        thousands(s.skipped)
    )?;
    for (what, phrase) in [
        ("shadow errors by kind", s.shadow_error_kinds()),
        ("skipped by reason", s.skip_reasons()),
    ] {
        if !phrase.is_empty() {
            writeln!(out, "  {what}: {phrase}")?;
        }
    }
    writeln!(
        out,
        "  failure rate (mismatches, shadow errors, unencodable): {}",
        s.rate_sentence
    )?;
    if let Some(last) = &s.last_failure {
        writeln!(out, "  last failure: {}", view.in_zone(last))?;
    }
    if let Some(dropped) = s.dropped_sentence() {
        writeln!(out, "  records dropped: {}", view.in_zone(&dropped))?;
    }
    if s.readiness.is_ready() {
        writeln!(out, "  readiness: ready")?;
    } else {
        writeln!(out, "  readiness: blocked")?;
        for line in s.readiness_lines() {
            writeln!(out, "    - {}", view.in_zone(&line))?;
        }
    }
    if !s.suppressed.is_empty() {
        // A running gateway hands rule counts to the store on its review tick, not per
        // comparison: a report read right after traffic can show the last seconds uncounted.
        writeln!(
            out,
            "  suppressed by rules (a running gateway stores these counts every {} s):",
            crate::server::REVIEW_INTERVAL.as_secs()
        )?;
        for rule in &s.suppressed {
            let gone = if rule.configured || !with_config {
                ""
            } else {
                " (no longer configured)"
            };
            writeln!(
                out,
                "    {:>12}  {}{gone}",
                thousands(rule.count),
                rule.rule
            )?;
        }
    }
    // Noise confirmation's groups are not differences to triage: the report lists them once, in
    // its noise section with the rule that would hide them, and only counts them here.
    let (noise, defects): (Vec<&Group>, Vec<&Group>) = groups
        .iter()
        .partition(|g| g.signature.starts_with(NOISE_PREFIX));
    let noise_line = match noise.len() {
        0 => String::new(),
        n => format!(
            "{}, listed under noise below",
            plural(n as u64, "noise group")
        ),
    };
    if defects.is_empty() {
        match noise.is_empty() {
            true => writeln!(out, "  groups: none")?,
            false => writeln!(out, "  groups: none besides noise ({noise_line})")?,
        }
        return Ok(());
    }
    writeln!(out, "  groups by signature:")?;
    for g in defects {
        let fields = if g.differing_paths.is_empty() {
            "(no field differences)".to_owned()
        } else {
            g.differing_paths.join(", ")
        };
        writeln!(
            out,
            "    {:>8} × {fields}  [{}]",
            thousands(g.count),
            g.signature
        )?;
        writeln!(
            out,
            "             first {}  last {}",
            view.time(g.first_seen_micros),
            view.time(g.last_seen_micros)
        )?;
        let examples: Vec<String> = g
            .example_ids
            .iter()
            .rev()
            .map(|id| id.to_string())
            .collect();
        writeln!(out, "             examples {}", examples.join(" "))?;
    }
    if !noise.is_empty() {
        writeln!(out, "  and {noise_line}")?;
    }
    Ok(())
}

/// The line naming the zone of every time in a text output: `Times in Asia/Seoul`.
pub(super) fn zone_line(out: &mut dyn Write, view: &ReviewView) -> io::Result<()> {
    writeln!(out, "Times in {}", view.zone_name())
}

/// `, expired rule ignore body.note` after a difference that rule no longer hides.
pub(crate) fn expired_mark(rule: Option<&str>) -> String {
    rule.map(|rule| format!(", expired rule {rule}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
