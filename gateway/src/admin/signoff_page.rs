//! The page's cutover section of a strategy: its sign-offs (who, when, note, the evidence in
//! short, the engines with their endpoints, the routing change it approved in that change's own
//! direction, the audit entry), each routing change a reload or a
//! start recorded, linked to the sign-off it rests on or marked unsigned with why (a shadow
//! engine reached elsewhere needs none), and each layout or TLS file change (none needs one). Read
//! from [`crate::cutover::history`]; plain HTML.

use super::html::escape;
use crate::cutover::{history, CutoverHistory, Recorded, RecordedChange, SignOff};
use crate::review::{percent_bound, thousands, ReviewView};
use crate::store::Reader;

/// Hex digits shown of a hash (the whole one is in `GET /api/v1/audit` and the report).
const SHORT_HASH: usize = 12;

/// The cutover section of `strategy`, times in `view`'s zone.
pub(super) fn section(reader: &Reader, strategy: &str, view: &ReviewView) -> String {
    match history(reader, strategy) {
        Ok(history) => render(&history, strategy, view),
        Err(e) => format!(
            "<p class=\"muted\">cutover sign-offs unavailable: {}</p>\n",
            escape(&e.to_string())
        ),
    }
}

/// `history` of `strategy` as HTML.
fn render(history: &CutoverHistory, strategy: &str, view: &ReviewView) -> String {
    if history.is_empty() {
        return format!(
            "<p class=\"muted cutover-none\">Cutover sign-off of {}: none yet (<code>shadowgate cutover sign</code>).</p>\n",
            escape(strategy)
        );
    }
    let mut out = format!(
        "<div class=\"card cutover\" id=\"cutover-{name}\"><h3>Cutover sign-offs: {name}</h3>\n",
        name = escape(strategy)
    );
    if history.signoffs.is_empty() {
        out.push_str("<p class=\"muted\">No sign-off recorded.</p>\n");
    } else {
        out.push_str("<table class=\"signoffs\"><tr><th>audit entry</th><th>signed</th><th>by</th><th>note</th><th>comparisons</th><th>failures</th><th>upper bound</th><th>engines</th><th>approved</th><th>config SHA-256</th></tr>\n");
        for signoff in &history.signoffs {
            out.push_str(&signoff_row(signoff, view));
        }
        out.push_str("</table>\n");
    }
    if !history.changes.is_empty() {
        out.push_str("<h3>Routing changes</h3>\n<table class=\"routing-changes\"><tr><th>audit entry</th><th>when</th><th>by</th><th>change</th><th>config SHA-256</th><th>sign-off</th></tr>\n");
        for change in &history.changes {
            out.push_str(&change_row(change, view));
        }
        out.push_str("</table>\n");
    }
    if !history.file_changes.is_empty() {
        out.push_str("<h3>Layout and TLS file changes</h3>\n<table class=\"file-changes\"><tr><th>audit entry</th><th>when</th><th>by</th><th>change</th><th>config SHA-256</th><th>sign-off</th></tr>\n");
        for change in &history.file_changes {
            out.push_str(&format!(
                "<tr class=\"file-change\">{}<td>{}</td><td><code>{}</code></td><td>no sign-off needed</td></tr>\n",
                entry_cells(change, view),
                escape(&change.change.sentence()),
                escape(short(&change.config_sha256)),
            ));
        }
        out.push_str("</table>\n");
    }
    out.push_str("<p class=\"muted\">From the hash-chained audit trail (GET api/v1/audit; <code>shadowgate audit verify</code> checks it).</p></div>\n");
    out
}

/// A sign-off: its entry, who, the evidence in short, the engines it names and the routing change
/// it approved in that change's own direction (either engine may be left live: a rollback reads
/// the reverse of the cutover signed).
fn signoff_row(signoff: &SignOff, view: &ReviewView) -> String {
    let e = &signoff.evidence;
    let engines = e.engines();
    format!(
        "<tr class=\"signoff\"><td>#{seq} <code>{hash}</code></td><td class=\"t\">{when}</td><td>{by}</td><td>{note}</td><td class=\"n\">{comparisons}</td><td class=\"n\">{failures}</td><td>below {upper}</td><td>{engines}</td><td>{approved}</td><td><code>{sha}</code></td></tr>\n",
        seq = signoff.seq,
        hash = escape(short(&signoff.hash)),
        when = escape(&view.time(signoff.time_micros)),
        by = escape(&e.signed_by),
        note = escape(e.note.as_deref().unwrap_or("")),
        comparisons = thousands(e.comparisons),
        failures = thousands(e.failures),
        upper = escape(&percent_bound(e.rate.upper_bound)),
        engines = escape(&engines),
        approved = escape(&signoff.usage()),
        sha = escape(short(&e.config_sha256)),
    )
}

/// The cells every recorded change starts with: its audit entry, when, and what made it
/// (`reload (signal)`, `start`).
fn entry_cells<C>(recorded: &Recorded<C>, view: &ReviewView) -> String {
    let by = match &recorded.source {
        Some(source) => format!("{} ({source})", recorded.action),
        None => recorded.action.clone(),
    };
    format!(
        "<td>#{seq} <code>{hash}</code></td><td class=\"t\">{when}</td><td>{by}</td>",
        seq = recorded.seq,
        hash = escape(short(&recorded.hash)),
        when = escape(&view.time(recorded.time_micros)),
        by = escape(&by),
    )
}

fn change_row(recorded: &RecordedChange, view: &ReviewView) -> String {
    let change = &recorded.change;
    let signed = match (change.signoff, &change.signed_by) {
        _ if !change.needs_signoff() => "no sign-off needed".to_owned(),
        (Some(seq), by) => format!(
            "<span class=\"ready\">signed</span>: #{seq}{}",
            by.as_deref()
                .map(|by| format!(" by {}", escape(by)))
                .unwrap_or_default()
        ),
        (None, _) => match &change.unsigned_because {
            Some(why) => format!("<span class=\"blocked\">unsigned</span> ({})", escape(why)),
            // Entries written before every reason was recorded.
            None => "<span class=\"blocked\">unsigned</span>".to_owned(),
        },
    };
    format!(
        "<tr class=\"routing-change\">{cells}<td>{engines}</td><td><code>{sha}</code></td><td>{signed}</td></tr>\n",
        cells = entry_cells(recorded, view),
        engines = escape(&change.engines()),
        sha = escape(short(&recorded.config_sha256)),
    )
}

/// The first [`SHORT_HASH`] hex digits of `hash`.
fn short(hash: &str) -> &str {
    hash.get(..SHORT_HASH).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cutover::{Evidence, ReloadLink, RoutingChange, StartLink};
    use crate::triage::{AuditEntry, GENESIS};

    fn evidence(note: &str) -> Evidence {
        Evidence::sample(note)
    }

    fn change(signoff: Option<u64>) -> RoutingChange {
        RoutingChange {
            strategy: "loan".into(),
            live_before: "legacy".into(),
            live_after: "next".into(),
            shadow_before: Some("next".into()),
            shadow_after: Some("legacy".into()),
            signoff,
            signed_by: signoff.map(|_| "choi<b>".into()),
            unsigned_because: None,
            live_moved: None,
            shadow_moved: None,
            live_before_at: None,
            live_after_at: None,
            shadow_before_at: None,
            shadow_after_at: None,
        }
    }

    /// `change` as start entry #4 recorded it.
    fn recorded<C>(change: C) -> Recorded<C> {
        Recorded {
            seq: 4,
            hash: "12".repeat(32),
            time_micros: 0,
            action: "start".into(),
            source: None,
            config_sha256: "ef".repeat(32),
            change,
        }
    }

    /// A trail: a sign-off, a reload linked to it, a start with an unsigned change, and another
    /// strategy's reload.
    fn trail() -> Vec<AuditEntry> {
        let reload = |strategy: &str, signoff| {
            let mut change = change(signoff);
            change.strategy = strategy.into();
            serde_json::to_value(ReloadLink {
                source: "signal".into(),
                instance: None,
                previous_config_sha256: "ab".repeat(32),
                config_sha256: "cd".repeat(32),
                changes: vec![change],
                file_changes: Vec::new(),
                routing: Default::default(),
                in_force_since: None,
            })
        };
        let start = StartLink {
            instance: None,
            previous_seq: Some(2),
            previous_config_sha256: Some("cd".repeat(32)),
            config_sha256: "ef".repeat(32),
            previous_routing_recorded: true,
            changes: vec![change(None)],
            file_changes: Vec::new(),
            previous_files_recorded: true,
            routing: Default::default(),
            in_force_since: None,
        };
        let evidence = [
            (
                "cutover_sign",
                serde_json::to_value(evidence("CAB-1 <script>")),
            ),
            ("reload", reload("loan", Some(1))),
            ("start", serde_json::to_value(start)),
            ("reload", reload("card", None)),
        ];
        let mut previous = GENESIS.to_owned();
        (1..)
            .zip(evidence)
            .map(|(seq, (action, value))| {
                let entry = AuditEntry {
                    seq,
                    // 2026-11-30 00:00 UTC plus seq hours.
                    time_micros: 1_795_996_800_000_000 + seq * 3_600_000_000,
                    by: "shadowgate".into(),
                    action: action.into(),
                    subject: "loan".into(),
                    from: None,
                    to: None,
                    note: None,
                    evidence: Some(value.unwrap()),
                    prev_hash: previous.clone(),
                    hash: String::new(),
                }
                .seal();
                previous.clone_from(&entry.hash);
                entry
            })
            .collect()
    }

    #[test]
    fn signoffs_and_linked_or_unsigned_changes_are_shown_escaped_in_the_zone() {
        let trail = trail();
        let history = CutoverHistory::of(&trail, "loan");
        assert_eq!((history.signoffs.len(), history.changes.len()), (1, 2));
        let view = ReviewView {
            zone: jiff::tz::TimeZone::get("Asia/Seoul").unwrap(),
            chart_days: 14,
        };
        let html = render(&history, "loan", &view);
        let signoff = format!(
            "<tr class=\"signoff\"><td>#1 <code>{}</code></td><td class=\"t\">2026-11-30 10:00:00 +09:00</td><td>choi&lt;b&gt;</td><td>CAB-1 &lt;script&gt;</td><td class=\"n\">12,400</td><td class=\"n\">2</td><td>below {}</td><td>live legacy, shadow next</td><td>used by audit entry #2 (reload): live legacy → next, shadow next → legacy (the cutover as signed)</td><td><code>abababababab</code></td></tr>",
            &trail[0].hash[..12],
            escape(&percent_bound(history.signoffs[0].evidence.rate.upper_bound)),
        );
        assert!(html.contains(&signoff), "{html}");
        assert!(
            html.contains("<td>reload (signal)</td><td>live legacy → next, shadow next → legacy</td><td><code>cdcdcdcdcdcd</code></td><td><span class=\"ready\">signed</span>: #1 by choi&lt;b&gt;</td></tr>"),
            "{html}"
        );
        assert!(
            html.contains("<td class=\"t\">2026-11-30 12:00:00 +09:00</td><td>start</td><td>live legacy → next, shadow next → legacy</td><td><code>efefefefefef</code></td><td><span class=\"blocked\">unsigned</span></td></tr>"),
            "{html}"
        );
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
        assert_eq!(
            html.matches("<tr class=\"routing-change\">").count(),
            2,
            "not card's"
        );

        // The bound as the CLI, the sign-off JSON and its HTML state it (the rate sentence's).
        let sentence = history.signoffs[0].evidence.rate.sentence();
        let bound = sentence.rsplit("below ").next().unwrap();
        assert!(
            html.contains(&format!("<td>below {bound}</td>")),
            "{sentence}\n{html}"
        );

        let none = render(&CutoverHistory::of(&trail, "deposit"), "deposit", &view);
        assert!(
            none.contains("Cutover sign-off of deposit: none yet"),
            "{none}"
        );
    }

    #[test]
    fn a_moved_shadow_engine_is_shown_as_needing_no_signoff_a_moved_live_one_unsigned() {
        use crate::cutover::{Endpoint, Moved};
        let at = |at: &str| Endpoint {
            at: at.into(),
            layout: None,
            server_name: None,
        };
        let moved = Some(Moved {
            before: at("http://10.0.0.1:80/v1/loan"),
            after: at("http://10.0.0.2:80/v1/loan"),
        });
        let same = |shadow_moved: Option<Moved>, live_moved: Option<Moved>| RoutingChange {
            live_after: "legacy".into(),
            shadow_after: Some("next".into()),
            live_moved,
            shadow_moved,
            ..change(None)
        };
        let view = ReviewView::default();
        let shadow = change_row(&recorded(same(moved.clone(), None)), &view);
        assert!(
            shadow.contains("<td>shadow next now at http://10.0.0.2:80/v1/loan (was http://10.0.0.1:80/v1/loan)</td><td><code>efefefefefef</code></td><td>no sign-off needed</td>"),
            "{shadow}"
        );
        let live = change_row(&recorded(same(None, moved)), &view);
        assert!(
            live.contains("<td>live legacy now at http://10.0.0.2:80/v1/loan (was http://10.0.0.1:80/v1/loan)</td><td><code>efefefefefef</code></td><td><span class=\"blocked\">unsigned</span></td>"),
            "{live}"
        );
    }

    #[test]
    fn a_swap_shows_where_its_engines_are_reached_and_why_it_is_unsigned() {
        use crate::cutover::Endpoint;
        let mci = Some(Endpoint {
            at: "10.0.0.1:7001".into(),
            layout: Some("loan".into()),
            server_name: None,
        });
        let http = Some(Endpoint {
            at: "http://10.0.0.2:80/v1/loan".into(),
            layout: None,
            server_name: None,
        });
        let swap = RoutingChange {
            unsigned_because: Some("no sign-off of this strategy for this config".into()),
            live_before_at: mci.clone(),
            live_after_at: http.clone(),
            shadow_before_at: http,
            shadow_after_at: mci,
            ..change(None)
        };
        let row = change_row(&recorded(swap), &ReviewView::default());
        assert!(
            row.contains("<td>live legacy at 10.0.0.1:7001 (layout loan) → next at http://10.0.0.2:80/v1/loan, shadow next at http://10.0.0.2:80/v1/loan → legacy at 10.0.0.1:7001 (layout loan)</td><td><code>efefefefefef</code></td><td><span class=\"blocked\">unsigned</span> (no sign-off of this strategy for this config)</td>"),
            "{row}"
        );
    }

    #[test]
    fn a_signoffs_endpoints_an_unsigned_reason_and_file_changes_are_shown() {
        use crate::cutover::{Endpoint, FileChange, FileRole};
        let mut e = evidence("CAB-2");
        e.live_at = Some(Endpoint {
            at: "10.0.0.1:7001".into(),
            layout: Some("loan".into()),
            server_name: None,
        });
        e.shadow_at = Some(Endpoint {
            at: "https://10.0.0.2:443/v1/loan".into(),
            layout: None,
            server_name: Some("next.bank".into()),
        });
        let signoff = SignOff {
            seq: 1,
            hash: "ab".repeat(32),
            prev_hash: GENESIS.into(),
            time_micros: 0,
            evidence: e,
            used_by: None,
            uses: Vec::new(),
        };
        let view = ReviewView::default();
        let row = signoff_row(&signoff, &view);
        assert!(
            row.contains("<td>live legacy at 10.0.0.1:7001 (layout loan), shadow next at https://10.0.0.2:443/v1/loan (TLS server name next.bank)</td><td>not used by a routing change yet</td>"),
            "{row}"
        );

        let unsigned = RoutingChange {
            unsigned_because: Some("sign-off #1 signed next at <a>, not <b>".into()),
            ..change(None)
        };
        let row = change_row(&recorded(unsigned), &view);
        assert!(
            row.contains("<td><span class=\"blocked\">unsigned</span> (sign-off #1 signed next at &lt;a&gt;, not &lt;b&gt;)</td>"),
            "{row}"
        );

        let layout = FileChange {
            strategy: "loan".into(),
            role: FileRole::Layout,
            engine: None,
            key: "layout".into(),
            before: Some("12".repeat(32)),
            after: Some("34".repeat(32)),
        };
        let history = CutoverHistory {
            file_changes: vec![recorded(layout)],
            ..CutoverHistory::default()
        };
        let html = render(&history, "loan", &view);
        assert!(
            html.contains("<h3>Layout and TLS file changes</h3>")
                && html.contains("<td>start</td><td>layout of loan changed: 121212121212 → 343434343434</td><td><code>efefefefefef</code></td><td>no sign-off needed</td>"),
            "{html}"
        );
    }

    /// A sign-off signed for legacy → next that approved the change back (next → legacy, which
    /// the rule allows: legacy is one of its engines) says so beside the cutover it reads as.
    #[test]
    fn a_signoff_used_by_the_reverse_change_shows_that_changes_direction() {
        let mut trail = trail();
        let mut back = change(Some(1));
        (back.live_before, back.live_after) = ("next".into(), "legacy".into());
        (back.shadow_before, back.shadow_after) = (Some("legacy".into()), Some("next".into()));
        let link: ReloadLink = serde_json::from_value(trail[1].evidence.clone().unwrap()).unwrap();
        let link = ReloadLink {
            changes: vec![back],
            ..link
        };
        trail[1].evidence = Some(serde_json::to_value(link).unwrap());
        let history = CutoverHistory::of(&trail, "loan");
        let html = render(&history, "loan", &ReviewView::default());
        assert!(
            html.contains("<td>live legacy, shadow next</td><td>used by audit entry #2 (reload): live next → legacy, shadow legacy → next (the reverse of the cutover signed)</td>"),
            "{html}"
        );
        assert!(
            html.contains("<th>engines</th><th>approved</th><th>config SHA-256</th>"),
            "{html}"
        );
    }
}
