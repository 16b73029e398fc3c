//! The fleet's per-instance breakdown (`store.backend = "postgres"`): `GET /api/v1/instances`
//! and the page's "Fleet" card. The totals of the summary, the groups and the records are the
//! fleet's already (the store's reader reads every instance's rows); this shows each gateway's
//! share, and when it last wrote, so a gateway that is down or spooling stands out.

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;

use super::api::{store_error, to_json};
use super::html::escape;
use crate::listener::server;
use crate::review::{thousands, Review, ReviewView};
use crate::store::parse_rfc3339;
use crate::store::postgres::FleetView;

/// `GET /api/v1/instances`: `{"database", "instances": [...], "local_only"}`; 404 when the store
/// is this gateway's own sled directory.
pub(super) fn api(review: &Review) -> http::Response<Full<Bytes>> {
    match review.fleet() {
        Ok(Some(fleet)) => to_json(&fleet),
        Ok(None) => server::json_error(
            StatusCode::NOT_FOUND,
            "no fleet: store.backend is \"sled\", this gateway's own directory",
        ),
        Err(error) => store_error(&error),
    }
}

/// The page's card: one row per gateway of the fleet.
pub(super) fn card(fleet: &FleetView, view: &ReviewView) -> String {
    let time = |at: Option<&str>| match at {
        Some(text) => parse_rfc3339(text).map_or_else(|| text.to_owned(), |m| view.time(m)),
        None => "never".to_owned(),
    };
    let mut out = format!(
        "<div class=\"card\" id=\"fleet\"><h2>Fleet</h2>\n<p class=\"muted\">{} gateway{} in {}; \
         the totals on this page are the fleet's.</p>\n<table>\n<tr><th>instance</th>\
         <th>comparisons</th><th>failures</th><th>skipped</th><th>records</th>\
         <th>last write</th><th>spool forwarded</th></tr>\n",
        fleet.instances.len(),
        if fleet.instances.len() == 1 { "" } else { "s" },
        escape(&fleet.database)
    );
    for i in &fleet.instances {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td><span class=\"t\">{}</span></td><td><span class=\"t\">{}</span></td></tr>\n",
            escape(&i.instance),
            thousands(i.comparisons),
            thousands(i.failures),
            thousands(i.skipped),
            thousands(i.records),
            escape(&time(i.last_write.as_deref())),
            escape(
                &i.spool_forwarded_at
                    .as_deref()
                    .map_or_else(String::new, |t| time(Some(t)))
            ),
        ));
    }
    out.push_str(&format!(
        "</table>\n<p class=\"muted\">Not in the fleet's totals: {}.</p></div>\n",
        escape(&fleet.local_only)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::postgres::InstanceTotals;

    #[test]
    fn the_card_lists_each_instance_escaped_with_its_times() {
        let instance = |name: &str, last_write: Option<&str>| InstanceTotals {
            instance: name.into(),
            comparisons: 12_345,
            failures: 3,
            skipped: 1,
            records: 3,
            last_write: last_write.map(Into::into),
            spool_forwarded_at: None,
            records_dropped: 0,
            dropped_from: None,
            dropped_to: None,
        };
        let fleet = FleetView {
            database: "postgres://gw@db/shadowgate".into(),
            instances: vec![
                instance("<gw-a>", Some("2026-11-30T03:00:00.000000Z")),
                instance("gw-b", None),
            ],
            local_only: "triage".into(),
        };
        let html = card(&fleet, &ReviewView::default());
        assert!(
            html.contains("2 gateways in postgres://gw@db/shadowgate"),
            "{html}"
        );
        assert!(
            html.contains("&lt;gw-a&gt;") && !html.contains("<gw-a>"),
            "{html}"
        );
        assert!(html.contains("12,345"), "{html}");
        assert!(html.contains("2026-11-30"), "{html}");
        assert!(html.contains(">never<"), "{html}");

        let one = FleetView {
            instances: vec![instance("gw-a", None)],
            ..fleet
        };
        let html = card(&one, &ReviewView::default());
        assert!(html.contains(">1 gateway in postgres://"), "{html}");
    }
}
