//! `GET /`: the migration team's report: one card per strategy with its counts, a daily chart
//! of comparisons and failures, mismatch rate, readiness, suppressions and mismatch groups (each
//! with its records per day and a link to them), the engines' health, and the latest records.
//! `GET /mismatches?strategy=…&signature=…`: the records of a group (or any filter of the API),
//! a page at a time.
//!
//! Times are shown in `[review] time_zone` with their offset; days are that zone's days.

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;

use super::api::health;
use super::chart::{group_strip, strategy_chart};
use super::html::{document, error, escape, store_error_page, Report};
use super::params::{encode, list_query};
use crate::review::{noun_for, plural, thousands};
use crate::review::{Daily, EngineStatus, Review, ReviewView, StrategySummary};
use crate::store::{Clock, Group, ListQuery, MismatchRecord, SystemClock, NOISE_PREFIX};

/// Records listed under "latest records".
const LATEST: usize = 20;

/// Renders the report page.
pub(super) fn summary(review: &Review, state: &super::AdminState) -> http::Response<Full<Bytes>> {
    let now = SystemClock.now_micros();
    // The report stops at the first read that fails, saying why.
    let unreadable = |e: &crate::store::StoreError| {
        store_error_page("report could not be read", e, Report::Itself)
    };
    let summary = match review.summary(Some(health(&state.stats)), now) {
        Ok(summary) => summary,
        Err(e) => return unreadable(&e),
    };
    let mut body = String::from("<h1>Migration review</h1>\n");
    // The zone named once, as the CLI's text output does ("Times in …").
    body.push_str(&format!(
        "<p class=\"muted\">generated <span class=\"t\">{}</span> · times in {}",
        escape(&review.view().time(now)),
        escape(&review.view().zone_name())
    ));
    if let Some(store) = &summary.store {
        if store.degraded {
            body.push_str(
                " · <span class=\"blocked\">store degraded: records are being dropped</span>",
            );
        }
        if store.dropped > 0 {
            body.push_str(&format!(
                " · {} {} not stored",
                thousands(store.dropped),
                noun_for(store.dropped, "event")
            ));
        }
        if store.spooling {
            body.push_str(
                " · <span class=\"blocked\">store spooling: the fleet's database cannot be written \
                 now (unreachable, or refusing this gateway: /api/v1/health says why); this \
                 gateway's records wait locally</span>",
            );
        }
    }
    body.push_str("</p>\n");
    if let Some(engines) = state.engines.as_ref().map(|f| f()) {
        body.push_str(&engines_card(&engines, review.view()));
    }
    if let Some(fleet) = &summary.fleet {
        body.push_str(&super::fleet::card(fleet, review.view()));
    }
    let daily = match review.daily(now) {
        Ok(daily) => daily,
        Err(e) => {
            body.push_str(&format!(
                "<p class=\"muted\">daily charts unavailable: {}</p>\n",
                escape(&e.to_string())
            ));
            Daily::default()
        }
    };
    if summary.strategies.is_empty() {
        body.push_str("<p>No online strategy configured or recorded yet (batch runs, if any, are listed below).</p>\n");
    }
    for strategy in &summary.strategies {
        let groups = match review.groups(&strategy.strategy) {
            Ok(groups) => groups,
            Err(e) => return unreadable(&e),
        };
        body.push_str(&card(strategy, &groups, &daily, review.view()));
        body.push_str(&super::triage_page::section(
            &state.reader,
            &strategy.strategy,
            review.view(),
        ));
        body.push_str(&super::signoff_page::section(
            &state.reader,
            &strategy.strategy,
            review.view(),
        ));
    }
    body.push_str(&super::batch_page::section(review));
    body.push_str(&super::replays::card(review));
    let latest = ListQuery {
        limit: LATEST,
        newest_first: true,
        ..ListQuery::default()
    };
    match review.list(&latest) {
        Ok(page) if !page.records.is_empty() => {
            body.push_str("<div class=\"card\"><h2>Latest records</h2>");
            body.push_str(&records_table(&page.records, review.view()));
            body.push_str("<p><a href=\"mismatches\">all records</a></p></div>\n");
        }
        Ok(_) => {}
        Err(e) => return unreadable(&e),
    }
    document(StatusCode::OK, "shadowgate: migration review", &body)
}

/// `text` (shared with the CLI and the API, whose times are RFC 3339 UTC) with each such time
/// written in the page's zone, as every other time on the page.
pub(super) fn in_zone(text: &str, view: &ReviewView) -> String {
    view.in_zone(text)
}

/// The engines' health: one row per configured engine; times in the page's zone.
fn engines_card(engines: &[EngineStatus], view: &ReviewView) -> String {
    let zoned = |text: &str| in_zone(text, view);
    let mut out = String::from("<div class=\"card\" id=\"engines\"><h2>Engines</h2><table>\n<tr><th>engine</th><th>protocol</th><th>role</th><th>state</th><th>since</th><th>last error</th></tr>\n");
    for e in engines {
        let class = match e.state() {
            "down" => "blocked",
            "up" => "ready",
            _ => "muted",
        };
        out.push_str(&format!(
            "<tr><td>{name}</td><td>{protocol}</td><td>{roles}</td><td><span class=\"{class}\">{state}</span></td><td>{since}</td><td>{error}</td></tr>\n",
            name = escape(&e.engine),
            protocol = escape(&e.protocol),
            roles = escape(&e.roles()),
            state = e.state(),
            since = escape(&zoned(&e.since)),
            error = escape(&in_zone(&e.last_error_text(), view)),
        ));
    }
    out.push_str("</table></div>\n");
    out
}

/// Renders `GET /mismatches`: records matching the API's filters, newest first, with a link to
/// the next page (cursor paging: a page never shifts while records are being added).
pub(super) fn records(review: &Review, query: &str) -> http::Response<Full<Bytes>> {
    let list = match list_query(query) {
        Ok(list) => list,
        Err(e) => {
            let what = "records filter not understood";
            return error(StatusCode::BAD_REQUEST, what, &e, Report::Beside);
        }
    };
    let page = match review.list(&list) {
        Ok(page) => page,
        Err(e) => return store_error_page("records could not be read", &e, Report::Beside),
    };
    let mut filters = Vec::new();
    for (key, value) in [("strategy", &list.strategy), ("signature", &list.signature)] {
        if let Some(value) = value {
            filters.push(format!("{key} <code>{}</code>", escape(value)));
        }
    }
    let mut body =
        String::from("<p><a href=\"./\">← back to the report</a></p>\n<h1>Records</h1>\n");
    if !filters.is_empty() {
        body.push_str(&format!("<p>{}</p>\n", filters.join(", ")));
    }
    if page.records.is_empty() {
        body.push_str("<p class=\"muted\">No records match.");
        body.push_str(&unknown_strategy(review, list.strategy.as_deref()));
        body.push_str("</p>\n");
    } else {
        body.push_str(&records_table(&page.records, review.view()));
    }
    if let Some(next) = page.next {
        let mut params: Vec<String> = query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("cursor="))
            .map(str::to_owned)
            .collect();
        params.push(format!("cursor={next}"));
        body.push_str(&format!(
            "<p class=\"pager\"><a rel=\"next\" href=\"mismatches?{}\">next page →</a></p>\n",
            escape(&params.join("&"))
        ));
    }
    document(StatusCode::OK, "shadowgate: records", &body)
}

/// When no record matched a strategy the store has never counted and the config does not name
/// (a misspelt name), what it has counted instead; else nothing (a configured strategy without
/// records yet is not unknown).
fn unknown_strategy(review: &Review, strategy: Option<&str>) -> String {
    let Some(strategy) = strategy else {
        return String::new();
    };
    match review.unknown_strategy(strategy) {
        Ok(Some(unknown)) => format!(
            " This store has counted no strategy named <code>{}</code> (it has counted: {}).",
            escape(strategy),
            escape(&unknown.known())
        ),
        _ => String::new(),
    }
}

/// Records as table rows, times in the review's zone.
fn records_table(records: &[MismatchRecord], view: &ReviewView) -> String {
    let mut out = String::from("<table class=\"records\">\n<tr><th>time</th><th>strategy</th><th>kind</th><th>differing fields</th><th>correlation id</th></tr>\n");
    for record in records {
        let m = &record.mismatch;
        out.push_str(&format!(
            "<tr><td class=\"t\"><a href=\"mismatches/{id}\">{time}</a></td><td>{strategy}</td><td>{kind}</td><td>{paths}</td><td>{corr}</td></tr>\n",
            id = record.id,
            time = escape(&view.time(record.time_micros)),
            strategy = escape(&m.strategy),
            kind = m.kind.as_str(),
            paths = escape(&m.differing_paths.join(", ")),
            corr = escape(&m.correlation_id),
        ));
    }
    out.push_str("</table>\n");
    out
}

fn card(s: &StrategySummary, groups: &[Group], daily: &Daily, view: &ReviewView) -> String {
    let mut out = format!(
        "<section class=\"card\" id=\"strategy-{name}\"><h2>{name}{note}</h2>\n",
        name = escape(&s.strategy),
        note = if s.configured {
            ""
        } else {
            " <span class=\"muted\">(not in the config)</span>"
        },
    );
    out.push_str("<table class=\"counts\"><tr><th>comparisons</th><th>matches</th><th>mismatches</th><th>shadow errors</th><th>unencodable</th><th>skipped</th></tr>\n<tr>");
    for n in [
        s.comparisons,
        s.matches,
        s.mismatches,
        s.shadow_errors,
        s.unencodable,
        s.skipped,
    ] {
        out.push_str(&format!("<td class=\"n\">{}</td>", thousands(n)));
    }
    out.push_str("</tr></table>\n");
    if let Some(days) = daily.strategy(&s.strategy) {
        out.push_str(&format!(
            "<h3>Daily, last {} ({})</h3>\n{}<p class=\"muted\">Grey: comparisons. Red: failed comparisons (mismatches, shadow errors, unencodable answers), on their own scale.</p>\n",
            plural(days.len() as u64, "day"),
            escape(&daily.time_zone),
            strategy_chart(days)
        ));
    }
    for (what, phrase) in [
        ("Shadow errors by kind", s.shadow_error_kinds()),
        ("Skipped by reason", s.skip_reasons()),
    ] {
        if !phrase.is_empty() {
            out.push_str(&format!(
                "<p class=\"kinds\">{what}: {}</p>\n",
                escape(&phrase)
            ));
        }
    }
    out.push_str(&format!(
        "<p class=\"rate\">{}</p>\n",
        escape(&s.rate_sentence)
    ));
    // A fleet's totals count what each gateway could not store (degraded, its spool full): the
    // groups below hold fewer records than the failures above.
    if let Some(dropped) = s.dropped_sentence() {
        out.push_str(&format!(
            "<p class=\"dropped\">Records dropped: {}</p>\n",
            escape(&in_zone(&dropped, view))
        ));
    }
    if s.readiness.is_ready() {
        out.push_str("<p>Cutover readiness: <span class=\"ready\">ready</span></p>\n");
    } else {
        out.push_str("<p>Cutover readiness: <span class=\"blocked\">blocked</span></p><ul class=\"blockers\">\n");
        for line in s.readiness_lines() {
            out.push_str(&format!("<li>{}</li>\n", escape(&in_zone(&line, view))));
        }
        out.push_str("</ul>\n");
    }
    if !s.suppressed.is_empty() {
        out.push_str(
            "<h3>What the rules hid</h3><table><tr><th>rule</th><th>differences hidden</th></tr>\n",
        );
        for rule in &s.suppressed {
            let gone = if rule.configured {
                ""
            } else {
                " <span class=\"muted\">(no longer configured)</span>"
            };
            out.push_str(&format!(
                "<tr><td>{}{gone}</td><td class=\"n\">{}</td></tr>\n",
                escape(&rule.rule),
                thousands(rule.count)
            ));
        }
        out.push_str("</table>\n");
    }
    out.push_str(&super::suppressed_page::table(&s.suppressed_daily));
    // Noise confirmation's groups (every differing field non-deterministic in the new engine)
    // are not defects: shown apart, as the text report does.
    let (noise, defects): (Vec<&Group>, Vec<&Group>) = groups
        .iter()
        .partition(|g| g.signature.starts_with(NOISE_PREFIX));
    out.push_str("<h3>Mismatch groups</h3>\n");
    if defects.is_empty() {
        out.push_str("<p class=\"muted\">No mismatches recorded.</p>\n");
    } else {
        groups_table(&mut out, &s.strategy, &defects, daily, view);
    }
    if !noise.is_empty() {
        out.push_str("<h3>Noise</h3>\n<p class=\"muted\">Fields the new engine answered differently when asked the same request twice (noise confirmation): not defects of the migration; an <code>ignore</code> rule may cover them.</p>\n");
        groups_table(&mut out, &s.strategy, &noise, daily, view);
    }
    out.push_str("</section>\n");
    out
}

/// One table of `groups` of `strategy`: signature, fields, count (linked to the records), the
/// daily strip, first and last seen, examples.
fn groups_table(
    out: &mut String,
    strategy: &str,
    groups: &[&Group],
    daily: &Daily,
    view: &ReviewView,
) {
    out.push_str("<table class=\"groups\"><tr><th>signature</th><th>differing fields</th><th>count</th><th>per day</th><th>first seen</th><th>last seen</th><th>examples</th></tr>\n");
    for g in groups {
        let examples: Vec<String> = g
            .example_ids
            .iter()
            .rev()
            .map(|id| format!("<a href=\"mismatches/{id}\">{}</a>", short(&id.to_string())))
            .collect();
        let strip = daily
            .group(strategy, &g.signature)
            .map(group_strip)
            .unwrap_or_default();
        let records = format!(
            "mismatches?strategy={}&signature={}",
            encode(strategy),
            encode(&g.signature)
        );
        out.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\"><a href=\"{}\">{}</a></td><td>{strip}</td><td class=\"t\">{}</td><td class=\"t\">{}</td><td>{}</td></tr>\n",
            escape(&g.signature),
            escape(&g.differing_paths.join(", ")),
            escape(&records),
            thousands(g.count),
            escape(&view.time(g.first_seen_micros)),
            escape(&view.time(g.last_seen_micros)),
            examples.join(" "),
        ));
    }
    out.push_str("</table>\n");
}

/// The distinguishing tail of an id (ids of one period share their leading digits).
fn short(id: &str) -> &str {
    id.get(id.len().saturating_sub(12)..).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::{Policies, Policy};
    use crate::store::{Store, StoreConfig, WriterOptions};

    /// Strategy `loan` of an empty store, as the page gets it.
    fn loan() -> StrategySummary {
        let dir = tempfile::tempdir().unwrap();
        let config = StoreConfig {
            path: dir.path().join("store"),
            ..StoreConfig::default()
        };
        let reader = Store::open(&config, WriterOptions::default())
            .unwrap()
            .close();
        let policies = Policies::from([("loan".to_owned(), Policy::default())]);
        let summary = Review::new(reader, policies).summary(None, 0).unwrap();
        summary.strategies.into_iter().next().unwrap()
    }

    /// A fleet's totals count records its gateways could not store: the strategy's card says how
    /// many and when, in the page's zone, as the text report does; nothing when there are none.
    #[test]
    fn the_card_says_the_records_dropped_and_when() {
        let mut s = loan();
        let seoul = ReviewView::named("Asia/Seoul").unwrap();
        let html = card(&s, &[], &Daily::default(), &seoul);
        assert!(!html.contains("dropped"), "{html}");
        s.records_dropped = 1_308;
        s.dropped_from = Some("2026-12-03T13:40:01Z".to_owned());
        s.dropped_to = Some("2026-12-03T13:41:02Z".to_owned());
        let html = card(&s, &[], &Daily::default(), &seoul);
        assert!(
            html.contains(
                "<p class=\"dropped\">Records dropped: 1,308 compared between 2026-12-03 \
                 22:40:01 +09:00 and 2026-12-03 22:41:02 +09:00 (the store unavailable or behind): fewer \
                 records stored than failures counted</p>"
            ),
            "{html}"
        );
    }
}
