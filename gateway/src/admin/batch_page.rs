//! Batch reconciliation runs on the report page, beside the online strategies: each stored run
//! (`shadowgate reconcile --store`) with its verdict by the same readiness arithmetic, its counts
//! per outcome and its groups by signature with masked example keys. `GET
//! /batches?run=RUN_ID[&group=N]` is the drill-down: a group's (or every group's) examples with
//! both masked rows side by side, the run's differences highlighted.
//!
//! Everything shown comes from the stored run, which holds masked values only.

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;

use super::detail::cell;
use super::html::{document, error, escape, store_error_page, Report};
use super::params::{encode, param};
use crate::review::{example_rows, noun_for, plural, thousands, value_text};
use crate::review::{BatchSummary, Review, RowState};
use crate::store::{ReconcileExample, ReconcileGroup};

/// Runs shown on the report page, newest first (the API lists them all).
const RUNS: usize = 10;

/// The report page's batch cards, newest run first; nothing when no run is stored.
pub(super) fn section(review: &Review) -> String {
    let batches = match review.batches() {
        Ok(batches) => batches,
        Err(e) => {
            return format!(
                "<p class=\"muted\">batch runs unavailable: {}</p>\n",
                escape(&e.to_string())
            )
        }
    };
    let mut out = String::new();
    for batch in batches.iter().rev().take(RUNS) {
        out.push_str(&card(batch, review));
    }
    if batches.len() > RUNS {
        out.push_str(&format!(
            "<p class=\"muted\">{} older batch {}: <a href=\"api/v1/batches\">all runs</a></p>\n",
            thousands((batches.len() - RUNS) as u64),
            noun_for((batches.len() - RUNS) as u64, "run")
        ));
    }
    out
}

/// One run: sources, counts per outcome, rate, readiness and groups.
fn card(batch: &BatchSummary, review: &Review) -> String {
    let run = &batch.run;
    let c = &run.counts;
    let mut out = format!(
        "<section class=\"card batch\" id=\"batch-{id}\"><h2>Batch {name}</h2>\n<p class=\"muted\">run <code>{id}</code>, finished <span class=\"t\">{time}</span>; rules {rules}; key {key}</p>\n",
        id = escape(&run.run_id),
        name = escape(&run.name),
        time = escape(&review.view().time(run.finished_micros)),
        rules = escape(&run.rules),
        key = escape(&run.key.join(", ")),
    );
    out.push_str("<table class=\"facts\">\n");
    for (side, source, rows) in [
        ("legacy", &run.legacy, c.legacy_rows),
        ("new", &run.new, c.new_rows),
    ] {
        out.push_str(&format!(
            "<tr><th>{side}</th><td>{} ({} {})</td></tr>\n",
            escape(source),
            thousands(rows),
            noun_for(rows, "row")
        ));
    }
    out.push_str(&format!(
        "<tr><th>order</th><td>{}</td></tr>\n</table>\n",
        escape(&run.ordering.join("; "))
    ));
    out.push_str("<table class=\"counts\"><tr><th>keys</th><th>matches</th><th>mismatches</th><th>only in legacy</th><th>only in new</th><th>duplicate key</th></tr>\n<tr>");
    let duplicates = c.duplicate_in_legacy + c.duplicate_in_new + c.duplicate_in_both;
    for n in [
        c.keys,
        c.matched,
        c.mismatched,
        c.only_in_legacy,
        c.only_in_new,
        duplicates,
    ] {
        out.push_str(&format!("<td class=\"n\">{}</td>", thousands(n)));
    }
    out.push_str("</tr></table>\n");
    // Rows read but never compared are counted, never only left out (as the text report does).
    if c.duplicate_rows > 0 {
        out.push_str(&format!(
            "<p class=\"duplicate-rows\">Rows of duplicated keys (not compared): {}</p>\n",
            thousands(c.duplicate_rows)
        ));
    }
    if c.bad_rows > 0 {
        out.push_str(&format!(
            "<p class=\"bad-rows\">Bad rows set aside (not compared): {}</p>\n",
            thousands(c.bad_rows)
        ));
    }
    out.push_str(&format!(
        "<p class=\"rate\">{}</p>\n",
        escape(&batch.rate_sentence)
    ));
    if batch.readiness.is_ready() {
        out.push_str("<p>Cutover readiness: <span class=\"ready\">ready</span></p>\n");
    } else {
        out.push_str("<p>Cutover readiness: <span class=\"blocked\">blocked</span></p><ul class=\"blockers\">\n");
        for line in batch.readiness_lines() {
            out.push_str(&format!("<li>{}</li>\n", escape(&line)));
        }
        out.push_str("</ul>\n");
    }
    if !batch.run.suppressed.is_empty() {
        let rules: Vec<String> = batch
            .run
            .suppressed
            .iter()
            .map(|s| format!("{} × {}", thousands(s.count), escape(&s.rule)))
            .collect();
        out.push_str(&format!(
            "<p class=\"suppressed\">Hidden by rules: {}</p>\n",
            rules.join("; ")
        ));
    }
    out.push_str(&groups_table(batch));
    out.push_str("</section>\n");
    out
}

/// The run's groups, largest first, each linking to its examples.
fn groups_table(batch: &BatchSummary) -> String {
    let run = &batch.run;
    if run.groups.is_empty() {
        return "<h3>Groups</h3>\n<p class=\"muted\">Every key matches.</p>\n".to_owned();
    }
    let mut out = String::from("<h3>Groups</h3>\n<table class=\"groups\"><tr><th>outcome</th><th>signature</th><th>differing fields</th><th>keys</th><th>examples (masked)</th></tr>\n");
    for (index, group) in run.groups.iter().enumerate() {
        let link = group_link(&run.run_id, index);
        let examples: Vec<String> = group
            .examples
            .iter()
            .enumerate()
            .map(|(k, e)| {
                format!(
                    "<a href=\"{}#example-{k}\">{}</a>",
                    escape(&link),
                    escape(&e.key)
                )
            })
            .collect();
        out.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"n\"><a href=\"{}\">{}</a></td><td>{}</td></tr>\n",
            escape(&outcome_text(group)),
            escape(group.signature.as_deref().unwrap_or("-")),
            escape(&group.fields.join(", ")),
            escape(&link),
            thousands(group.count),
            examples.join(" "),
        ));
    }
    out.push_str("</table>\n");
    out
}

/// `batches?run=…&group=N`, relative like every link of the pages.
fn group_link(run_id: &str, index: usize) -> String {
    format!("batches?run={}&group={index}", encode(run_id))
}

/// `only_in_legacy` as people read it: `only in legacy`.
fn outcome_text(group: &ReconcileGroup) -> String {
    group.outcome.replace('_', " ")
}

/// Renders `GET /batches?run=RUN_ID[&group=N]`: the group's examples (every group's without
/// `group`), each with its differences and both rows side by side.
pub(super) fn page(review: &Review, query: &str) -> http::Response<Full<Bytes>> {
    let Some(run_id) = param(query, "run") else {
        return error(
            StatusCode::BAD_REQUEST,
            "batch run not named",
            "run: expected a run id, found none",
            Report::Beside,
        );
    };
    let group = match param(query, "group").map(|g| (g.parse::<usize>(), g)) {
        None => None,
        Some((Ok(index), _)) => Some(index),
        Some((Err(_), given)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "not a batch group number",
                &format!("group: expected a group number (0, 1, …), found {given:?}"),
                Report::Beside,
            )
        }
    };
    let batch = match review.batch(&run_id) {
        Ok(Some(batch)) => batch,
        Ok(None) => {
            return error(
                StatusCode::NOT_FOUND,
                "batch run not found",
                &format!("no batch run {run_id}"),
                Report::Beside,
            )
        }
        Err(e) => return store_error_page("batch run could not be read", &e, Report::Beside),
    };
    let run = &batch.run;
    let groups: Vec<(usize, &ReconcileGroup)> = match group {
        Some(index) => match run.groups.get(index) {
            Some(g) => vec![(index, g)],
            None => {
                let message = format!(
                    "group {index}: batch run {run_id} has {}",
                    plural(run.groups.len() as u64, "group")
                );
                let what = "batch group not found";
                return error(StatusCode::NOT_FOUND, what, &message, Report::Beside);
            }
        },
        None => run.groups.iter().enumerate().collect(),
    };
    let mut body = String::from("<p><a href=\"./\">← back to the report</a></p>\n");
    body.push_str(&format!(
        "<h1>Batch {} run <code>{}</code></h1>\n<p class=\"muted\">finished <span class=\"t\">{}</span>; rules {}; {}</p>\n",
        escape(&run.name),
        escape(&run.run_id),
        escape(&review.view().time(run.finished_micros)),
        escape(&run.rules),
        escape(&batch.rate_sentence),
    ));
    for (index, group) in groups {
        body.push_str(&group_section(index, group));
    }
    document(
        StatusCode::OK,
        &format!("shadowgate: batch {}", run.name),
        &body,
    )
}

/// One group: what it is, then each example.
fn group_section(index: usize, group: &ReconcileGroup) -> String {
    let mut out = format!(
        "<section class=\"card\" id=\"group-{index}\"><h2>{}{}</h2>\n<p>{} {}; the first {} kept as examples, masked.</p>\n",
        escape(&outcome_text(group)),
        group
            .signature
            .as_ref()
            .map(|s| format!(" <code>{}</code>: {}", escape(s), escape(&group.fields.join(", "))))
            .unwrap_or_default(),
        thousands(group.count),
        noun_for(group.count, "key"),
        group.examples.len(),
    );
    for (k, example) in group.examples.iter().enumerate() {
        out.push_str(&format!(
            "<h3 id=\"example-{k}\">Key {}</h3>\n",
            escape(&example.key)
        ));
        out.push_str(&example_tables(example));
    }
    out.push_str("</section>\n");
    out
}

/// An example's differences, then both rows field by field (legacy left, new right).
fn example_tables(example: &ReconcileExample) -> String {
    let mut out = String::new();
    if !example.differences.is_empty() {
        out.push_str("<table class=\"differences\"><tr><th>field</th><th>kind</th><th>legacy</th><th>new</th><th>severity</th></tr>\n");
        for d in &example.differences {
            out.push_str(&format!(
                "<tr class=\"diff\"><td class=\"path\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&d.path),
                escape(&d.kind.replace('_', " ")),
                escape(&value_text(d.live.as_ref())),
                escape(&value_text(d.shadow.as_ref())),
                escape(&d.severity),
            ));
        }
        out.push_str("</table>\n");
    }
    out.push_str("<table class=\"sides\"><tr><th>field</th><th>legacy</th><th>new</th></tr>\n");
    for row in example_rows(example) {
        let class = match row.state {
            RowState::Differs => " class=\"diff\"",
            _ => "",
        };
        out.push_str(&format!(
            "<tr{class}><td class=\"path\">{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&row.path),
            escape(&cell(row.live.as_ref())),
            escape(&cell(row.shadow.as_ref())),
        ));
    }
    out.push_str("</table>\n");
    out
}

#[cfg(test)]
pub(super) mod tests;
