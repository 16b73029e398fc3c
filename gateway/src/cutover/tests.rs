//! Sign-offs and reload linkage against a real store: refused while blocked, and only the latest
//! sign-off, made against the config before or after the reload, links a routing change.

use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::config::{load, Config};
use crate::outcome::ShadowOutcome;
use crate::store::{Event, Reader, Store, StoreConfig, WriterOptions};
use crate::triage::{verify, TriageBook};

/// The strategy's engines as signed: `legacy` live, `next` shadow.
pub(super) const ENGINES: &str = "live = \"legacy\"\nshadow = \"next\"";
const SWAPPED: &str = "live = \"next\"\nshadow = \"legacy\"";

/// A config with `engines` and `min_comparisons`, written to `dir` and loaded.
pub(super) fn config(dir: &Path, engines: &str, min_comparisons: u64) -> Config {
    let layout =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/layouts/loan-screening.toml");
    let text = format!(
        r#"
[[listeners.mci]]
name = "core-banking"
address = "127.0.0.1:0"
layout = "loan"

[layouts]
loan = {layout:?}

[engines.legacy]
protocol = "mci"
address = "127.0.0.1:7001"
layout = "loan"

[engines.next]
protocol = "http"
url = "http://127.0.0.1:7002"

[strategies.loan]
layout = "loan"
tx_codes = ["LNS0001"]
path = "/v1/loan"
{engines}

[strategies.loan.rules]
ignore = [{{ path = "body.message", owner = "kim", expires = "2999-01-01" }}]
severity = {{ critical = ["body.grade"] }}

[strategies.loan.readiness]
min_comparisons = {min_comparisons}
min_clean_days = 0
max_upper_bound_percent = 100

[store]
path = "store"
"#
    );
    let path = dir.join("shadowgate.toml");
    std::fs::write(&path, text).unwrap();
    load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The reader of a closed store in `dir` holding three matches of `loan`.
pub(super) fn store(dir: &Path) -> Reader {
    let config = StoreConfig {
        path: dir.join("store"),
        ..StoreConfig::default()
    };
    let store = Store::open(&config, WriterOptions::default()).unwrap();
    for _ in 0..3 {
        let event = Event::Counted {
            strategy: Arc::from("loan"),
            outcome: ShadowOutcome::Match,
        };
        assert!(store.recorder().record(event).is_ok());
    }
    store.close()
}

/// A sign-off request of `loan` by `by`.
pub(super) fn request(by: &str) -> SignRequest {
    SignRequest {
        strategy: "loan".into(),
        by: by.into(),
        note: Some("CAB-1".into()),
    }
}

#[test]
fn only_the_latest_signoff_for_the_config_links_a_routing_change() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());

    let blocked = config(dir.path(), ENGINES, 100);
    let error = sign(&reader, &blocked, &request("choi"), 10).unwrap_err();
    assert!(error.is_refused());
    assert_eq!(
        error.blockers().unwrap(),
        ["min_comparisons: 3 comparisons so far; at least 100 are required"]
    );
    let nobody = sign(&reader, &blocked, &request(" "), 10).unwrap_err();
    assert!(nobody
        .to_string()
        .ends_with("by: expected the name of who signs, found nothing"));

    let a = config(dir.path(), ENGINES, 3);
    let signed = sign(&reader, &a, &request("choi"), 20).unwrap();
    assert_eq!((signed.seq, signed.evidence.comparisons), (1, 3));
    assert_eq!(signed.evidence.config_sha256, a.sha256);
    assert_eq!(
        signed.evidence.active_rules[0].owner.as_deref(),
        Some("kim")
    );

    // The config changes (no routing change) after the sign-off; then the swap: the sign-off was
    // about the first config, neither the one before the swap nor the one after.
    let b = config(dir.path(), ENGINES, 2);
    assert!(link_reload(&reader, &a, &b, "api", 30)
        .unwrap()
        .changes
        .is_empty());
    let c = config(dir.path(), SWAPPED, 2);
    let (unsigned, logs) = crate::test_log::logged(tracing::Level::WARN, || {
        link_reload(&reader, &b, &c, "signal", 40).unwrap()
    });
    let change = &unsigned.changes[0];
    assert_eq!(change.signoff, None);
    // Why, in the record as in the warning: no sign-off counts for this config.
    let why = "no sign-off of this strategy for this config";
    assert_eq!(change.unsigned_because.as_deref(), Some(why));
    assert!(
        change.sentence().ends_with(&format!(", unsigned ({why})")),
        "{}",
        change.sentence()
    );
    assert!(
        logs.contains("WARN")
            && logs.contains(&format!(
                "unsigned routing change at reload: {}",
                change.sentence()
            )),
        "{logs}"
    );

    // Rolled back, signed again against the config in force: the same swap now rests on it.
    link_reload(&reader, &c, &b, "signal", 45).unwrap();
    let again = sign(&reader, &b, &request("lee"), 50).unwrap();
    let linked = link_reload(&reader, &b, &c, "signal", 60).unwrap();
    assert_eq!(linked.changes[0].signoff, Some(again.seq));
    // A swap says where live traffic went from and to.
    assert_eq!(
        linked.changes[0].sentence(),
        format!(
            "loan: live legacy at 127.0.0.1:7001 (layout loan) → next at \
             http://127.0.0.1:7002/v1/loan, shadow next at http://127.0.0.1:7002/v1/loan → legacy \
             at 127.0.0.1:7001 (layout loan), signed (#{} by lee)",
            again.seq
        )
    );
    let json = serde_json::to_value(&linked.changes[0]).unwrap();
    assert_eq!(json["live_before_at"]["at"], "127.0.0.1:7001");
    assert_eq!(json["live_after_at"]["at"], "http://127.0.0.1:7002/v1/loan");
    assert_eq!(json["shadow_after_at"]["layout"], "loan");

    let trail = TriageBook::new(reader.clone()).audit().unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "cutover_sign",
            "reload",
            "reload",
            "reload",
            "cutover_sign",
            "reload"
        ]
    );
    assert_eq!(verify(&trail), Ok(()));
    assert_eq!(signoffs(&reader).unwrap().len(), 2);
    let page = html(&again, &crate::review::ReviewView::default());
    assert!(page.contains("<h1>Cutover sign-off: loan</h1>"), "{page}");
    // Titled as the admin pages are, the audit entry named: two sign-offs' tabs differ.
    let title = format!(
        "<title>shadowgate: cutover sign-off of loan #{}</title>",
        again.seq
    );
    assert!(page.contains(&title), "{page}");
}

#[test]
fn a_request_without_by_is_refused_as_one_with_a_blank_by() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let config = config(dir.path(), ENGINES, 1);
    for body in [
        r#"{"strategy": "loan"}"#,
        r#"{"strategy": "loan", "by": " "}"#,
    ] {
        let request: SignRequest = serde_json::from_str(body).unwrap();
        let error = sign(&reader, &config, &request, 10).unwrap_err();
        assert!(error.is_refused(), "{body}: {error}");
        assert_eq!(
            error.to_string(),
            "cutover sign-off of loan: by: expected the name of who signs, found nothing",
            "{body}"
        );
    }
}

#[test]
fn the_report_shows_its_times_in_the_review_zone_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    // 2026-11-30 00:00:00 UTC: 09:00 in Seoul.
    let signed = sign(&reader, &a, &request("choi"), 1_795_996_800_000_000).unwrap();
    let seoul = crate::review::ReviewView {
        zone: jiff::tz::TimeZone::get("Asia/Seoul").unwrap(),
        chart_days: 14,
    };
    let page = html(&signed, &seoul);
    assert!(
        page.contains("Times in Asia/Seoul (<code>[review] time_zone</code>)"),
        "{page}"
    );
    assert!(
        page.contains("<td>Signed at</td><td>2026-11-30 09:00:00 +09:00</td>"),
        "{page}"
    );
    let e = &signed.evidence;
    for utc in [
        Some(&e.signed_at),
        e.first_comparison.as_ref(),
        e.last_failure.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        assert!(!page.contains(utc.as_str()), "{utc} in UTC: {page}");
        let micros = crate::store::parse_rfc3339(utc).unwrap();
        assert!(page.contains(&seoul.time(micros)), "{utc}: {page}");
    }
    // The evidence itself, hashed in the audit trail, keeps RFC 3339 UTC.
    assert_eq!(e.signed_at, "2026-11-30T00:00:00.000000Z");
}

#[test]
fn a_start_is_recorded_when_its_config_differs_from_the_last_recorded_one() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    let first = link_start(&reader, &a, 10).unwrap().unwrap();
    assert_eq!((first.previous_seq, first.changes.len()), (None, 0));
    assert_eq!(first.routing["loan"].live, "legacy");
    assert_eq!(link_start(&reader, &a, 20).unwrap(), None, "same config");

    // Swapped while stopped, no sign-off: unsigned; signed against it, then swapped back: linked.
    let b = config(dir.path(), SWAPPED, 3);
    let unsigned = link_start(&reader, &b, 30).unwrap().unwrap();
    assert_eq!(unsigned.previous_seq, Some(1));
    assert_eq!(unsigned.changes[0].signoff, None);
    let signed = sign(&reader, &b, &request("lee"), 40).unwrap();
    let linked = link_start(&reader, &a, 50).unwrap().unwrap();
    assert_eq!(linked.changes[0].signoff, Some(signed.seq));
    assert_eq!(linked.changes[0].live_after, "legacy");

    // A reload records its routing too: the next start compares with it.
    let c = config(dir.path(), ENGINES, 2);
    assert!(
        link_reload(&reader, &a, &c, "api", 60).unwrap().routing["loan"].shadow
            == Some("next".into())
    );
    assert_eq!(link_start(&reader, &c, 70).unwrap(), None);

    let trail = TriageBook::new(reader.clone()).audit().unwrap();
    let notes: Vec<&str> = trail.iter().filter_map(|e| e.note.as_deref()).collect();
    assert_eq!(notes[0], "start: first config recorded on this store");
    // What `audit list` prints: the note, why included.
    assert!(
        notes[1].ends_with(
            "→ legacy at 127.0.0.1:7001 (layout loan), unsigned (no sign-off of this strategy for \
             this config)"
        ),
        "{notes:?}"
    );
    assert_eq!(verify(&trail), Ok(()));
    let history = CutoverHistory::of(&trail, "loan");
    let linked: Vec<Option<u64>> = history.changes.iter().map(|c| c.change.signoff).collect();
    assert_eq!(linked, [None, Some(signed.seq)]);
}
