//! An engine that keeps its name but is reached elsewhere is a routing change: a live engine's
//! move needs a sign-off like a swap, a shadow engine's is recorded and needs none, and entries
//! written before endpoints were recorded still verify, display and compare by names.

use std::path::Path;

use serde_json::json;

use super::tests::{config, request, store, ENGINES};
use super::*;
use crate::config::{load, Config};
use crate::triage::Entry;
use crate::triage::{verify, TriageBook};

/// The config of [`config`] with `from` replaced by `to` in its file, loaded.
fn edited(dir: &Path, from: &str, to: &str) -> Config {
    let base = config(dir, ENGINES, 3);
    let text = std::fs::read_to_string(&base.source).unwrap();
    assert!(text.contains(from), "{from} not in {text}");
    std::fs::write(&base.source, text.replacen(from, to, 1)).unwrap();
    load(&base.source).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_live_engine_reached_elsewhere_at_start_needs_a_signoff_like_a_swap() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    let first = link_start(&reader, &a, 10).unwrap().unwrap();
    let recorded = first.routing["loan"].live_at.clone().unwrap();
    assert_eq!(recorded.at, "127.0.0.1:7001");
    assert_eq!(recorded.layout.as_deref(), Some("loan"));

    // Only `[engines.legacy] address` edited while stopped: the same name, another process.
    let moved = edited(dir.path(), "127.0.0.1:7001", "127.0.0.1:7003");
    let unsigned = link_start(&reader, &moved, 20).unwrap().unwrap();
    let change = &unsigned.changes[0];
    assert_eq!(
        (change.live_before.as_str(), change.live_after.as_str()),
        ("legacy", "legacy")
    );
    assert!(change.needs_signoff() && change.shadow_moved.is_none());
    assert_eq!(
        change.sentence(),
        "loan: live legacy now at 127.0.0.1:7003 (was 127.0.0.1:7001), unsigned (no sign-off of \
         this strategy for this config)"
    );

    // Signed against the moved config, then moved back: the sign-off recorded legacy at 7003,
    // the start puts it at 7001, which nobody signed: unsigned, saying why, and warned about.
    let signed = sign(&reader, &moved, &request("lee"), 30).unwrap();
    let back = config(dir.path(), ENGINES, 3);
    let (back_start, logs) = crate::test_log::logged(tracing::Level::WARN, || {
        link_start(&reader, &back, 40).unwrap().unwrap()
    });
    let why = "sign-off #3 signed legacy at 127.0.0.1:7003 (layout loan), not 127.0.0.1:7001 \
               (layout loan)";
    assert_eq!(back_start.changes[0].signoff, None);
    assert_eq!(back_start.changes[0].unsigned_because.as_deref(), Some(why));
    assert!(
        logs.contains("WARN")
            && logs.contains(&format!(
                "unsigned routing change at start: loan: live legacy now at 127.0.0.1:7001 (was \
                 127.0.0.1:7003), unsigned ({why})"
            )),
        "{logs}"
    );

    // Signed after the edit, against the config it starts with: linked to it.
    let again = edited(dir.path(), "127.0.0.1:7001", "127.0.0.1:7003");
    let signed_after = sign(&reader, &again, &request("lee"), 50).unwrap();
    let linked = link_start(&reader, &again, 60).unwrap().unwrap();
    assert_eq!(linked.changes[0].signoff, Some(signed_after.seq));

    let trail = TriageBook::new(reader.clone()).audit().unwrap();
    assert_eq!(
        trail[1].note.as_deref(),
        Some(
            "start: loan: live legacy now at 127.0.0.1:7003 (was 127.0.0.1:7001), unsigned (no \
             sign-off of this strategy for this config)"
        )
    );
    assert_eq!(
        trail[3].note.as_deref(),
        Some(&*format!(
            "start: loan: live legacy now at 127.0.0.1:7001 (was 127.0.0.1:7003), unsigned ({why})"
        ))
    );
    assert_eq!(
        trail[5].note.as_deref(),
        Some(
            "start: loan: live legacy now at 127.0.0.1:7003 (was 127.0.0.1:7001), signed (#5 by \
             lee)"
        )
    );
    assert_eq!(signed.seq, 3);
    assert_eq!(verify(&trail), Ok(()));
    let history = CutoverHistory::of(&trail, "loan");
    assert_eq!(history.changes.len(), 3);
    assert!(history.changes[0].change.live_moved.is_some());
}

#[test]
fn a_shadow_engine_reached_elsewhere_is_recorded_and_needs_no_signoff() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    sign(&reader, &a, &request("lee"), 10).unwrap();
    let moved = edited(
        dir.path(),
        "url = \"http://127.0.0.1:7002\"",
        "url = \"http://127.0.0.1:7004/engine/\"",
    );
    let reload = link_reload(&reader, &a, &moved, "api", 20).unwrap();
    let change = &reload.changes[0];
    assert!(!change.needs_signoff());
    assert_eq!(
        change.signoff, None,
        "a sign-off exists, but none is needed"
    );
    assert_eq!(
        change.sentence(),
        "loan: shadow next now at http://127.0.0.1:7004/engine/v1/loan (was \
         http://127.0.0.1:7002/v1/loan), no sign-off needed"
    );
    let trail = TriageBook::new(reader.clone()).audit().unwrap();
    assert_eq!(
        trail[1].note.as_deref(),
        Some(&*format!("api: {}", change.sentence()))
    );

    // The strategy's path is part of where an http engine is asked.
    let repathed = edited(dir.path(), "path = \"/v1/loan\"", "path = \"/v2/loan\"");
    let reload = link_reload(&reader, &a, &repathed, "api", 30).unwrap();
    let moved = reload.changes[0].shadow_moved.as_ref().unwrap();
    assert_eq!(moved.after.at, "http://127.0.0.1:7002/v2/loan");

    // Settings of the same engine are no move (back to `a` first: the trail recorded the path).
    link_reload(&reader, &repathed, &a, "api", 35).unwrap();
    let slower = edited(
        dir.path(),
        "[engines.legacy]\n",
        "[engines.legacy]\nrequest_timeout_ms = 9000\n",
    );
    assert!(link_reload(&reader, &a, &slower, "api", 40)
        .unwrap()
        .changes
        .is_empty());
}

#[test]
fn a_move_names_what_differs_layout_and_tls_server_name_included() {
    let at = |at: &str, layout: Option<&str>, name: Option<&str>| Endpoint {
        at: at.into(),
        layout: layout.map(Into::into),
        server_name: name.map(Into::into),
    };
    let layout = Moved {
        before: at("10.0.0.1:7001", Some("loan"), None),
        after: at("10.0.0.1:7001", Some("loan-v2"), None),
    };
    assert_eq!(layout.sentence(), "layout loan-v2 (was loan)");
    let named = Moved {
        before: at("https://10.0.0.2:443/v1/loan", None, None),
        after: at(
            "https://10.0.0.3:443/v1/loan",
            None,
            Some("core.bank.local"),
        ),
    };
    assert_eq!(
        named.sentence(),
        "at https://10.0.0.3:443/v1/loan (was https://10.0.0.2:443/v1/loan), TLS server name \
         core.bank.local (was the URL's host)"
    );
}

#[test]
fn entries_written_before_endpoints_were_recorded_still_verify_display_and_compare_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    // A start entry as written before endpoints were recorded: engines by name only, and a
    // reload's change without moves.
    let old_start = json!({
        "previous_seq": null,
        "previous_config_sha256": null,
        "config_sha256": "ab".repeat(32),
        "previous_routing_recorded": false,
        "changes": [{
            "strategy": "loan", "live_before": "next", "live_after": "legacy",
            "shadow_before": "legacy", "shadow_after": "next", "signoff": null
        }],
        "routing": {"loan": {"live": "legacy", "shadow": "next"}},
    });
    let entry = Entry {
        by: "shadowgate".into(),
        action: START_ACTION.into(),
        subject: "config shadowgate.toml".into(),
        to: Some("ab".repeat(32)),
        note: Some("start: first config recorded on this store".into()),
        evidence: Some(old_start),
        ..Entry::default()
    };
    reader.ledger().unwrap().append(entry, None, 10).unwrap();

    // Another address than the unrecorded one: compared by names, nothing moved.
    let moved = edited(dir.path(), "127.0.0.1:7001", "127.0.0.1:7003");
    let start = link_start(&reader, &moved, 20).unwrap().unwrap();
    assert!(start.changes.is_empty(), "{start:#?}");
    assert!(start.routing["loan"].live_at.is_some());

    let trail = TriageBook::new(reader.clone()).audit().unwrap();
    assert_eq!(verify(&trail), Ok(()));
    assert_eq!(
        trail[1].note.as_deref(),
        Some("start: no routing change; layout and TLS file digests not recorded at #1, recorded now")
    );
    let history = CutoverHistory::of(&trail, "loan");
    assert_eq!(
        history.changes[0].change.sentence(),
        "loan: live next → legacy, shadow legacy → next, unsigned"
    );
}
