//! The page's triage section: each group of a strategy with its state, assignee, note and link,
//! and a plain HTML form per group that posts a change to `POST /api/v1/triage` (no scripts).
//! The form pre-selects the state the group had when the page was made and sends the triage's
//! `updated_micros` as it read it (`seen_updated_micros`, hidden): a form left open while
//! someone else changed the group is refused (409) rather than undoing that change unseen.
//! Each strategy's card has its own id, `triage-NAME` with the name percent-encoded (an id has
//! no spaces), where a saved change leads back to.

use super::html::escape;
use super::params::encode;
use crate::review::ReviewView;
use crate::store::{Clock, Reader, SystemClock};
use crate::triage::{TriageBook, TriageState};

/// The id of `strategy`'s triage card, `triage-loan%20screening`: the name percent-encoded, as
/// an HTML id has no whitespace (a strategy's name may), and only `%`, letters, digits and
/// `-._~`, so it needs no escaping.
fn card_id(strategy: &str) -> String {
    format!("triage-{}", encode(strategy))
}

/// The link fragment of `strategy`'s triage card (`#triage-loan%20screening`): its id as it
/// is, which a browser matches before trying the percent-decoded form.
pub(super) fn fragment(strategy: &str) -> String {
    format!("#{}", card_id(strategy))
}

/// The triage table of `strategy`, with one form per group; times in the page's zone.
pub(super) fn section(reader: &Reader, strategy: &str, view: &ReviewView) -> String {
    let groups = match TriageBook::new(reader.clone()).list(strategy, SystemClock.now_micros()) {
        Ok(groups) => groups,
        Err(e) => {
            return format!(
                "<p class=\"muted\">triage unavailable: {}</p>\n",
                escape(&e.to_string())
            )
        }
    };
    if groups.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<div class=\"card\" id=\"{id}\"><h3>Triage: {name}</h3>\n<table class=\"triage\"><tr><th>signature</th><th>state</th><th>assignee</th><th>note</th><th>link</th><th>last change</th><th>change</th></tr>\n",
        id = card_id(strategy),
        name = escape(strategy)
    );
    for g in &groups {
        let t = &g.triage;
        let state = match t.reopened_after() {
            Some(from) => format!("{} (reopened after {from})", t.state),
            None => t.state.to_string(),
        };
        let last = if t.updated_micros == 0 {
            String::new()
        } else {
            format!("{} by {}", view.time(t.updated_micros), t.updated_by)
        };
        let options: String = TriageState::ALL
            .iter()
            .map(|s| {
                let selected = if *s == t.state { " selected" } else { "" };
                format!("<option value=\"{s}\"{selected}>{s}</option>")
            })
            .collect();
        out.push_str(&format!(
            "<tr class=\"triage-row\" data-signature=\"{sig}\"><td><code>{sig}</code></td><td class=\"triage-state\">{state}</td><td>{assignee}</td><td>{note}</td><td>{link}</td><td>{last}</td><td>\
             <form method=\"post\" action=\"api/v1/triage\" enctype=\"application/x-www-form-urlencoded\">\
             <input type=\"hidden\" name=\"strategy\" value=\"{strategy}\"><input type=\"hidden\" name=\"signature\" value=\"{sig}\">\
             <input type=\"hidden\" name=\"seen_updated_micros\" value=\"{seen}\">\
             <select name=\"state\">{options}</select> \
             <input name=\"by\" placeholder=\"your name\" required> <input name=\"assignee\" placeholder=\"assignee\"> \
             <input name=\"note\" placeholder=\"note\"> <input name=\"link\" placeholder=\"ticket link\"> \
             <input name=\"rule\" placeholder=\"rule (accepted difference)\"> <button type=\"submit\">save</button></form></td></tr>\n",
            sig = escape(&g.group.signature),
            state = escape(&state),
            assignee = escape(t.assignee.as_deref().unwrap_or("")),
            note = escape(t.note.as_deref().unwrap_or("")),
            link = escape(t.link.as_deref().unwrap_or("")),
            last = escape(&last),
            strategy = escape(strategy),
            seen = t.updated_micros,
        ));
    }
    out.push_str("</table><p class=\"muted\">Every change is kept in the audit trail (GET api/v1/audit) with the name given.</p></div>\n");
    out
}
