//! A layout or TLS file edited while the gateway is stopped leaves the config's SHA-256 as it
//! was: start and reload entries record each file's digest, and the next one lists a changed
//! file (warned about on the live side, no sign-off needed); entries written before digests were
//! recorded say so once.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::tests::{config, store, ENGINES};
use super::*;
use crate::config::{load, Config};
use crate::triage::Entry;
use crate::triage::{verify, TriageBook};

/// [`config`] with its layout copied into `dir` (so the test may edit it) and, when `tls`, its
/// `next` engine on https trusting `dir/ca.pem`; the config and the layout's path.
fn own_files(dir: &Path, tls: bool) -> (Config, PathBuf) {
    let base = config(dir, ENGINES, 3);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/layouts/loan-screening.toml");
    let layout = dir.join("loan.toml");
    if !layout.exists() {
        std::fs::copy(&repo, &layout).unwrap();
    }
    let mut text = std::fs::read_to_string(&base.source).unwrap();
    text = text.replacen(&format!("{repo:?}"), "\"loan.toml\"", 1);
    if tls {
        if !dir.join("ca.pem").exists() {
            write_ca(dir);
        }
        text = text.replacen(
            "protocol = \"http\"\nurl = \"http://127.0.0.1:7002\"",
            "protocol = \"https\"\nurl = \"https://127.0.0.1:7002\"\ntls = { ca_file = \"ca.pem\" }",
            1,
        );
    }
    std::fs::write(&base.source, text).unwrap();
    (load(&base.source).unwrap_or_else(|e| panic!("{e}")), layout)
}

/// A new self-signed CA certificate in `dir/ca.pem`.
fn write_ca(dir: &Path) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(dir.join("ca.pem"), cert.cert.pem()).unwrap();
}

#[test]
fn a_layout_edited_while_stopped_is_listed_by_the_next_start_and_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let (a, layout) = own_files(dir.path(), false);
    let first = link_start(&reader, &a, 10).unwrap().unwrap();
    let before = first.routing["loan"].files.clone().unwrap();
    let bytes = std::fs::read(&layout).unwrap();
    assert_eq!(before.layout_sha256, sha256_hex(&bytes));
    assert!(before.live_tls.is_empty() && before.shadow_tls.is_empty());
    assert_eq!(
        link_start(&reader, &a, 20).unwrap(),
        None,
        "nothing changed"
    );

    // The layout's bytes change, the config's do not.
    std::fs::write(&layout, [bytes.as_slice(), b"\n# v2\n"].concat()).unwrap();
    let b = load(&a.source).unwrap();
    assert_eq!(b.sha256, a.sha256);
    let (start, logs) = crate::test_log::logged(tracing::Level::WARN, || {
        link_start(&reader, &b, 30).unwrap().unwrap()
    });
    assert!(start.changes.is_empty() && start.previous_files_recorded);
    let after = &start.routing["loan"].files.as_ref().unwrap().layout_sha256;
    let change = &start.file_changes[0];
    assert_eq!(
        (change.role, change.before.as_ref(), change.after.as_ref()),
        (FileRole::Layout, Some(&before.layout_sha256), Some(after))
    );
    let sentence = format!(
        "layout of loan changed: {} → {}",
        &before.layout_sha256[..12],
        &after[..12]
    );
    assert_eq!(change.sentence(), sentence);
    assert!(
        logs.contains("WARN") && logs.contains("no sign-off needed") && logs.contains(&sentence),
        "{logs}"
    );
    assert_eq!(link_start(&reader, &b, 40).unwrap(), None, "recorded once");

    // A reload lists it too.
    std::fs::write(&layout, &bytes).unwrap();
    let c = load(&a.source).unwrap();
    let reload = link_reload(&reader, &b, &c, "api", 50).unwrap();
    assert_eq!(
        reload.file_changes[0].after,
        Some(before.layout_sha256.clone())
    );

    let trail = TriageBook::new(reader.clone()).audit().unwrap();
    assert_eq!(
        trail[1].note.as_deref(),
        Some(&*format!("start: no routing change; {sentence}"))
    );
    assert!(trail[2]
        .note
        .as_deref()
        .unwrap()
        .starts_with("api: no routing change; layout of loan changed: "));
    assert_eq!(verify(&trail), Ok(()));
    let history = CutoverHistory::of(&trail, "loan");
    let seqs: Vec<u64> = history.file_changes.iter().map(|c| c.seq).collect();
    assert_eq!((seqs, history.changes.len()), (vec![2, 3], 0));
}

#[test]
fn a_shadow_engines_ca_replaced_while_stopped_is_listed_as_information() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let (a, _) = own_files(dir.path(), true);
    let first = link_start(&reader, &a, 10).unwrap().unwrap();
    let files = first.routing["loan"].files.clone().unwrap();
    let ca = std::fs::read(dir.path().join("ca.pem")).unwrap();
    assert_eq!(files.shadow_tls["ca_file"], sha256_hex(&ca));

    write_ca(dir.path());
    let b = load(&a.source).unwrap();
    let (start, warnings) = crate::test_log::logged(tracing::Level::WARN, || {
        link_start(&reader, &b, 20).unwrap().unwrap()
    });
    let change = &start.file_changes[0];
    assert_eq!(
        (change.role, change.engine.as_deref(), change.key.as_str()),
        (FileRole::ShadowTls, Some("next"), "ca_file")
    );
    assert!(change
        .sentence()
        .starts_with("tls ca_file of loan's shadow engine next changed: "));
    assert!(
        start.changes.is_empty(),
        "no routing change, no sign-off needed"
    );
    assert!(!warnings.contains("file changed"), "{warnings}");
}

#[test]
fn an_entry_written_before_digests_were_recorded_is_followed_by_one_that_records_them() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let (a, _) = own_files(dir.path(), false);
    // The last entry as an earlier version wrote it for the same config: endpoints, no digests.
    let mut routing = serde_json::to_value(routing(&a)).unwrap();
    assert!(routing["loan"]
        .as_object_mut()
        .unwrap()
        .remove("files")
        .is_some());
    let old = json!({
        "previous_seq": null, "previous_config_sha256": null, "config_sha256": a.sha256,
        "previous_routing_recorded": false, "changes": [], "routing": routing,
    });
    let entry = Entry {
        by: "shadowgate".into(),
        action: START_ACTION.into(),
        subject: "config shadowgate.toml".into(),
        to: Some(a.sha256.clone()),
        evidence: Some(old),
        ..Entry::default()
    };
    reader.ledger().unwrap().append(entry, None, 10).unwrap();

    let start = link_start(&reader, &a, 20).unwrap().unwrap();
    assert!(!start.previous_files_recorded && start.file_changes.is_empty());
    assert!(start.routing["loan"].files.is_some());
    assert_eq!(
        link_start(&reader, &a, 30).unwrap(),
        None,
        "the baseline holds"
    );
    let trail = TriageBook::new(reader.clone()).audit().unwrap();
    assert_eq!(
        trail[1].note.as_deref(),
        Some("start: no routing change; layout and TLS file digests not recorded at #1, recorded now")
    );
    assert_eq!(verify(&trail), Ok(()));
}
