//! A fleet's gateways share one audit trail: one sign-off approves the same routing change on
//! each of them, once on each, and each one's start compares its config with its own last one.

use super::tests::{config, request, store, ENGINES};
use super::*;
use crate::config::Config;
use crate::store::postgres::BackendKind;
use crate::triage::{verify, TriageBook};

const SWAPPED: &str = "live = \"next\"\nshadow = \"legacy\"";

/// `config` as fleet gateway `instance` loads it (the same file on every host).
pub(super) fn on(config: &Config, instance: &str) -> Config {
    let mut config = config.clone();
    config.store.backend = BackendKind::Postgres;
    config.store.postgres.instance = Some(instance.to_owned());
    config
}

#[test]
fn one_signoff_approves_the_same_routing_change_on_every_gateway_of_a_fleet_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let before = config(dir.path(), ENGINES, 3);
    let signed = sign(&reader, &on(&before, "gw-a"), &request("choi"), 10).unwrap();
    let after = config(dir.path(), SWAPPED, 3);

    let a = link_reload(
        &reader,
        &on(&before, "gw-a"),
        &on(&after, "gw-a"),
        "api",
        20,
    )
    .unwrap();
    assert_eq!(a.changes[0].signoff, Some(signed.seq));
    assert_eq!(a.instance.as_deref(), Some("gw-a"));
    let b = link_reload(
        &reader,
        &on(&before, "gw-b"),
        &on(&after, "gw-b"),
        "signal",
        30,
    );
    assert_eq!(b.unwrap().changes[0].signoff, Some(signed.seq));

    // Back and forth on gw-a: the sign-off approved its change already.
    link_reload(
        &reader,
        &on(&after, "gw-a"),
        &on(&before, "gw-a"),
        "api",
        40,
    )
    .unwrap();
    let again = link_reload(
        &reader,
        &on(&before, "gw-a"),
        &on(&after, "gw-a"),
        "api",
        50,
    );
    assert_eq!(
        again.unwrap().changes[0].unsigned_because.as_deref(),
        Some("sign-off #1 already approved the routing change of audit entry #2")
    );

    // gw-b restarts with the config it last recorded: nothing to record, although gw-a's
    // last entry recorded another one.
    link_reload(
        &reader,
        &on(&after, "gw-a"),
        &on(&before, "gw-a"),
        "api",
        60,
    )
    .unwrap();
    assert_eq!(link_start(&reader, &on(&after, "gw-b"), 70).unwrap(), None);

    let trail = TriageBook::new(reader.clone()).audit().unwrap();
    assert_eq!(verify(&trail), Ok(()));
    let subjects: Vec<&str> = trail.iter().map(|e| e.subject.as_str()).collect();
    let file = before.source.display();
    assert_eq!(
        subjects[1..3],
        [
            format!("config {file} on gw-a"),
            format!("config {file} on gw-b"),
        ]
    );
}

#[test]
fn a_signoff_lists_its_use_on_every_gateway_of_a_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let before = config(dir.path(), ENGINES, 3);
    let signed = sign(&reader, &on(&before, "gw-a"), &request("choi"), 10).unwrap();
    let after = config(dir.path(), SWAPPED, 3);
    for (instance, at) in [("gw-a", 20), ("gw-b", 30)] {
        let (was, now) = (on(&before, instance), on(&after, instance));
        link_reload(&reader, &was, &now, "signal", at).unwrap();
    }

    let listed = signoffs(&reader).unwrap();
    let uses: Vec<(u64, Option<&str>)> = listed[0]
        .uses
        .iter()
        .map(|u| (u.seq, u.instance.as_deref()))
        .collect();
    assert_eq!(uses, [(2, Some("gw-a")), (3, Some("gw-b"))]);
    assert_eq!(listed[0].used_by.as_ref().map(|u| u.seq), Some(2));
    let engines = listed[0].uses[0].change.engines();
    assert_eq!(
        listed[0].usage(),
        format!(
            "used by audit entry #2 (reload on gw-a): {engines} (the cutover as signed); used by \
             audit entry #3 (reload on gw-b): {engines} (the cutover as signed)"
        )
    );
    let json = serde_json::to_value(&listed[0]).unwrap();
    assert_eq!(json["uses"][1]["instance"], "gw-b", "{json}");
    assert_eq!(signed.seq, 1);
}
