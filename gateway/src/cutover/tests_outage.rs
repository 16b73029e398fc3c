//! A reload or start the audit trail did not take (a fleet's database down) is recorded with the
//! next one it takes: a reload compares the new config with what the trail last recorded for this
//! gateway, not with the config running before. And a fleet gateway's change rests on the latest
//! sign-off made for its config, not on another gateway's later one.

use super::tests::{config, request, store, ENGINES};
use super::tests_fleet::on;
use super::*;
use crate::triage::TriageBook;

const SWAPPED: &str = "live = \"next\"\nshadow = \"legacy\"";

#[test]
fn a_reload_lists_the_change_a_missed_reload_made_against_what_the_trail_last_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let before = config(dir.path(), ENGINES, 3);
    assert!(link_start(&reader, &before, 10).unwrap().is_some());
    // The swap reloaded while the trail could not be written: no entry. The next reload keeps
    // the swapped config, and is compared with `before`, the trail's last.
    let swapped = config(dir.path(), SWAPPED, 3);
    let (link, logs) = crate::test_log::logged(tracing::Level::WARN, || {
        link_reload(&reader, &swapped, &swapped, "signal", 20).unwrap()
    });
    assert_eq!(link.previous_config_sha256, before.sha256);
    let change = &link.changes[0];
    assert_eq!(
        (change.live_before.as_str(), change.live_after.as_str()),
        ("legacy", "next")
    );
    assert_eq!(
        change.unsigned_because.as_deref(),
        Some("no sign-off of this strategy for this config")
    );
    let missed = format!(
        "the audit trail last recorded config {}… (audit entry #1), not the one in force before \
         this reload ({}…): a reload or start it did not take is recorded with this one",
        &before.sha256[..12],
        &swapped.sha256[..12]
    );
    assert!(logs.contains(&missed), "{logs}");
    let unsigned = format!("unsigned routing change at reload: {}", change.sentence());
    assert!(logs.contains(&unsigned), "{logs}");
    let trail = TriageBook::new(reader.clone()).audit().unwrap();
    assert_eq!(trail[1].from.as_deref(), Some(before.sha256.as_str()));
    assert_eq!(trail[1].to.as_deref(), Some(swapped.sha256.as_str()));

    // Recorded now: the next reload of the same config is no routing change, and warns nothing.
    let (again, logs) = crate::test_log::logged(tracing::Level::WARN, || {
        link_reload(&reader, &swapped, &swapped, "signal", 30).unwrap()
    });
    assert!(again.changes.is_empty());
    assert!(!logs.contains("WARN"), "{logs}");
}

#[test]
fn a_missed_change_rests_on_the_signoff_made_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let before = config(dir.path(), ENGINES, 3);
    link_start(&reader, &before, 10).unwrap();
    let signed = sign(&reader, &before, &request("choi"), 20).unwrap();
    let swapped = config(dir.path(), SWAPPED, 3);
    // The swap's own entry was missed; the reload after it links the swap to the sign-off.
    let link = link_reload(&reader, &swapped, &swapped, "api", 30).unwrap();
    assert_eq!(link.changes[0].signoff, Some(signed.seq));
}

#[test]
fn a_fleet_gateway_rests_on_the_latest_signoff_for_its_own_config_not_another_gateways() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    // Two files: gw-a's and gw-b's differ (another min_comparisons), each signed on its gateway.
    let a = on(&config(dir.path(), ENGINES, 3), "gw-a");
    let b = on(&config(dir.path(), ENGINES, 2), "gw-b");
    assert_ne!(a.sha256, b.sha256);
    let for_a = sign(&reader, &a, &request("choi"), 10).unwrap();
    let for_b = sign(&reader, &b, &request("lee"), 20).unwrap();

    let a_swapped = on(&config(dir.path(), SWAPPED, 3), "gw-a");
    let b_swapped = on(&config(dir.path(), SWAPPED, 2), "gw-b");
    let on_a = link_reload(&reader, &a, &a_swapped, "signal", 30).unwrap();
    assert_eq!(on_a.changes[0].signoff, Some(for_a.seq), "{on_a:?}");
    assert_eq!(
        on_a.changes[0].sentence(),
        format!(
            "loan: live legacy at 127.0.0.1:7001 (layout loan) → next at \
             http://127.0.0.1:7002/v1/loan, shadow next at http://127.0.0.1:7002/v1/loan → legacy \
             at 127.0.0.1:7001 (layout loan), signed (#{} by choi)",
            for_a.seq
        )
    );
    let on_b = link_reload(&reader, &b, &b_swapped, "signal", 40).unwrap();
    assert_eq!(on_b.changes[0].signoff, Some(for_b.seq));
}
