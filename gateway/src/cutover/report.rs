//! The sign-off report a bank keeps as audit evidence: one self-contained HTML file (no scripts,
//! no external assets, every value escaped) and the same sign-off as JSON, named by strategy and
//! audit sequence number.
//!
//! The evidence keeps its times as RFC 3339 UTC (the hashed audit entry must not depend on a
//! setting); the HTML shows them in `[review] time_zone` with their offset and names the zone,
//! as the review page does.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::sign::SignOff;
use crate::admin::escape;
use crate::review::{plural, ReviewView};
use crate::store::parse_rfc3339;

/// The files a report was written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// `cutover-STRATEGY-SEQ.html`.
    pub html: PathBuf,
    /// `cutover-STRATEGY-SEQ.json`.
    pub json: PathBuf,
}

/// Writes `signoff` as HTML (times in `view`'s zone) and JSON into `dir` (created if missing).
pub fn write_report(
    signoff: &SignOff,
    dir: &Path,
    view: &ReviewView,
) -> std::io::Result<ReportFiles> {
    std::fs::create_dir_all(dir)?;
    // Strategy names are config keys; anything but a plain name character becomes `_` in a
    // file name.
    let name: String = signoff
        .evidence
        .strategy
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' => c,
            _ => '_',
        })
        .collect();
    let stem = format!("cutover-{name}-{}", signoff.seq);
    let files = ReportFiles {
        html: dir.join(format!("{stem}.html")),
        json: dir.join(format!("{stem}.json")),
    };
    let json = serde_json::to_vec_pretty(signoff).map_err(std::io::Error::other)?;
    std::fs::write(&files.json, json)?;
    std::fs::write(&files.html, html(signoff, view))?;
    Ok(files)
}

/// The report as one HTML document, times in `view`'s zone.
pub fn html(signoff: &SignOff, view: &ReviewView) -> String {
    let e = &signoff.evidence;
    let mut out = String::new();
    // Titled as the admin pages are (`shadowgate: ` and a lowercase name), so the saved report
    // sits beside them in a browser's tabs and history; the heading is the document's own.
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{STYLE}</style></head><body><h1>{}</h1>\
         <p class=\"muted\">Times in {} (<code>[review] time_zone</code>).</p>",
        escape(&format!(
            "shadowgate: cutover sign-off of {} #{}",
            e.strategy, signoff.seq
        )),
        escape(&format!("Cutover sign-off: {}", e.strategy)),
        escape(&view.zone_name())
    );
    let zoned = |text: &str| parse_rfc3339(text).map_or_else(|| text.to_owned(), |t| view.time(t));
    let rows: [(&str, String); 8] = [
        ("Signed by", e.signed_by.clone()),
        ("Signed at", zoned(&e.signed_at)),
        ("Note", e.note.clone().unwrap_or_default()),
        ("Cutover", e.cutover()),
        ("Config file", e.config_path.clone()),
        ("Config SHA-256", e.config_sha256.clone()),
        (
            "Audit entry",
            format!("#{} sha256 {}", signoff.seq, signoff.hash),
        ),
        ("Previous entry", format!("sha256 {}", signoff.prev_hash)),
    ];
    table(
        &mut out,
        "Sign-off",
        &["", ""],
        rows.iter().map(|(k, v)| vec![k.to_string(), v.clone()]),
    );
    let t = &e.thresholds;
    let clean = e
        .clean_days
        .map_or_else(|| "none".to_owned(), |d| d.to_string());
    let evidence = [
        (
            "Comparisons",
            e.comparisons.to_string(),
            format!("at least {}", t.min_comparisons),
        ),
        (
            "Failures",
            format!(
                "{} ({}, {}, {} unencodable)",
                e.failures,
                plural(e.mismatches, "mismatch"),
                plural(e.shadow_errors, "shadow error"),
                e.unencodable
            ),
            String::new(),
        ),
        (
            "95% upper bound",
            e.rate_sentence.clone(),
            format!("at most {}%", t.max_upper_bound_percent),
        ),
        (
            "Clean days",
            clean,
            format!("at least {}", t.min_clean_days),
        ),
        (
            "Skipped share",
            format!("{} ({} skipped)", e.skipped_share, e.skipped),
            format!("at most {}%", t.max_skipped_percent),
        ),
        (
            "First comparison",
            e.first_comparison.as_deref().map(zoned).unwrap_or_default(),
            String::new(),
        ),
        (
            "Last failure",
            e.last_failure
                .as_deref()
                .map_or_else(|| "never".to_owned(), zoned),
            String::new(),
        ),
    ];
    table(
        &mut out,
        "Readiness evidence (ready)",
        &["", "found", "required"],
        evidence
            .iter()
            .map(|(k, v, r)| vec![k.to_string(), v.clone(), r.clone()]),
    );
    table(
        &mut out,
        &format!("Mismatch groups ({} open)", e.open_groups),
        &["signature", "count", "state", "fields", "assignee", "rule"],
        e.groups.iter().map(|g| {
            vec![
                g.signature.clone(),
                g.count.to_string(),
                g.state.clone(),
                g.fields.join(", "),
                g.assignee.clone().unwrap_or_default(),
                g.rule.clone().unwrap_or_default(),
            ]
        }),
    );
    table(
        &mut out,
        "Active comparison rules",
        &["rule", "key", "owner", "reason", "ticket", "expires"],
        e.active_rules.iter().map(|r| {
            vec![
                r.rule.clone(),
                r.key.clone(),
                r.owner.clone().unwrap_or_else(|| "no owner".to_owned()),
                r.reason.clone().unwrap_or_default(),
                r.ticket.clone().unwrap_or_default(),
                r.expires.clone().unwrap_or_else(|| "never".to_owned()),
            ]
        }),
    );
    out.push_str(
        "<p class=\"muted\">The audit entry's hash covers this evidence; <code>shadowgate audit \
         verify</code> checks the chain it belongs to.</p></body></html>\n",
    );
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1f24}\
h1{font-size:1.4rem}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}\
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left;vertical-align:top}\
th{background:#eef1f4}.muted{color:#57606a}";

/// A titled table; an empty one says so.
fn table(out: &mut String, title: &str, head: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    let _ = write!(out, "<h2>{}</h2><table>", escape(title));
    if head.iter().any(|h| !h.is_empty()) {
        out.push_str("<tr>");
        for h in head {
            let _ = write!(out, "<th>{}</th>", escape(h));
        }
        out.push_str("</tr>");
    }
    let mut any = false;
    for row in rows {
        any = true;
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape(&cell));
        }
        out.push_str("</tr>");
    }
    if !any {
        let _ = write!(out, "<tr><td colspan=\"{}\">none</td></tr>", head.len());
    }
    out.push_str("</table>");
}
