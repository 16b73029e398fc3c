//! Raw payloads at rest: sealed beside the records, never in clear in the store's files, readable
//! after rotation, unreadable once their key is removed, absent without a key file.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use super::*;

const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KEY_B: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
const RRN: &str = "9001011234567";
const AMOUNT: &str = "000015000000";
/// 홍길동 in CP949.
const NAME_CP949: &[u8] = &[0xc8, 0xab, 0xb1, 0xe6, 0xb5, 0xbf];

/// A request frame with a customer name in CP949 and UTF-8, a resident registration number and
/// an amount: none of them may appear in the store's files.
fn raw() -> RawPayload {
    let mut request = b"0060LNS0001".to_vec();
    request.extend_from_slice(NAME_CP949);
    request.extend_from_slice("홍길동".as_bytes());
    request.extend_from_slice(RRN.as_bytes());
    request.extend_from_slice(AMOUNT.as_bytes());
    RawPayload {
        request: Bytes::from(request),
        live_answer: Bytes::from(format!("0030LNS0001 APPROVED {AMOUNT}")),
    }
}

fn with_payload(signature: &str) -> Event {
    let Event::Record(mut record) = mismatch("loan", RecordKind::Mismatch, signature) else {
        unreachable!("mismatch() builds a record")
    };
    record.payload = Some(raw());
    Event::Record(record)
}

fn key_file(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Writes `events` with `keys` configured; returns the flushed ids and the closed reader.
fn write(config: &StoreConfig, events: Vec<Event>) -> (Vec<RecordId>, Reader) {
    let flushed = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&flushed);
    let options = WriterOptions {
        on_flush: Some(Arc::new(move |ids: &[RecordId]| {
            sink.lock().unwrap().extend_from_slice(ids)
        })),
        ..WriterOptions::default()
    };
    let store = Store::open(config, options).unwrap();
    let count = events.len() as u64;
    for event in events {
        store.recorder().record(event).unwrap();
    }
    wait_until("events committed", || {
        store.stats().events_committed.load(Ordering::SeqCst) == count
    });
    let reader = store.close();
    let ids = flushed.lock().unwrap().clone();
    (ids, reader)
}

/// Every byte of every file under `dir`.
fn files(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(files(&path));
        } else {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn payloads_are_sealed_on_disk_and_open_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = key_file(&dir, "keys", &format!("k1 = {KEY_A}\n"));
    // Records as plain JSON, so the scan below can show it finds what is in clear.
    let config = StoreConfig {
        encryption_key_file: Some(path),
        compress_records: false,
        ..config(&dir)
    };
    let (ids, reader) = write(&config, vec![with_payload("a"), with_payload("b")]);
    assert_eq!(ids.len(), 2);
    let keys = KeyRing::load(config.encryption_key_file.as_ref().unwrap()).unwrap();
    for id in &ids {
        let sealed = reader
            .sealed_payload(*id)
            .unwrap()
            .expect("a payload per record");
        assert_eq!(RawPayload::open(&sealed, &keys, *id).unwrap(), raw());
    }
    drop(reader);
    let disk = files(&config.path);
    assert!(
        !contains(&disk, NAME_CP949),
        "customer name in CP949 in clear"
    );
    assert!(
        !contains(&disk, "홍길동".as_bytes()),
        "customer name in UTF-8"
    );
    assert!(
        !contains(&disk, RRN.as_bytes()),
        "resident registration number"
    );
    assert!(!contains(&disk, AMOUNT.as_bytes()), "amount");
    // The check can fail: the records themselves are on disk (their masked JSON).
    assert!(contains(&disk, b"****1234"));
}

#[test]
fn rotation_keeps_payloads_readable_and_removing_the_key_shreds_them() {
    let dir = tempfile::tempdir().unwrap();
    let first = key_file(&dir, "k1", &format!("k1 = {KEY_A}\n"));
    let config = StoreConfig {
        encryption_key_file: Some(first),
        ..config(&dir)
    };
    let (old, reader) = write(&config, vec![with_payload("a")]);
    drop(reader);
    let rotated = key_file(&dir, "k2", &format!("k2 = {KEY_B}\nk1 = {KEY_A}\n"));
    let config = StoreConfig {
        encryption_key_file: Some(rotated.clone()),
        ..config
    };
    let (new, reader) = write(&config, vec![with_payload("a")]);
    let (old, new) = (old[0], new[0]);
    let rotated = KeyRing::load(&rotated).unwrap();
    let sealed_old = reader.sealed_payload(old).unwrap().unwrap();
    let sealed_new = reader.sealed_payload(new).unwrap().unwrap();
    assert_eq!(RawPayload::key_id(&sealed_new).unwrap(), "k2");
    assert_eq!(RawPayload::open(&sealed_old, &rotated, old).unwrap(), raw());
    let shredded = KeyRing::parse(&format!("k2 = {KEY_B}")).unwrap();
    assert_eq!(
        RawPayload::open(&sealed_old, &shredded, old),
        Err(PayloadError::KeyRemoved("k1".into()))
    );
    assert_eq!(
        RawPayload::open(&sealed_new, &shredded, new).unwrap(),
        raw()
    );
}

#[test]
fn without_a_key_nothing_raw_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (ids, reader) = write(&config(&dir), vec![with_payload("a")]);
    assert_eq!(ids.len(), 1);
    assert_eq!(reader.sealed_payload(ids[0]).unwrap(), None);
    assert!(reader
        .get(ids[0])
        .unwrap()
        .unwrap()
        .mismatch
        .payload
        .is_none());
    drop(reader);
    assert!(!contains(&files(&config(&dir).path), RRN.as_bytes()));
}

#[test]
fn a_bad_key_file_fails_the_open_and_says_which_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = key_file(&dir, "keys", "k1 = c2hvcnQ=\n");
    let config = StoreConfig {
        encryption_key_file: Some(path),
        ..config(&dir)
    };
    let error = Store::open(&config, WriterOptions::default()).unwrap_err();
    let shown = error.to_string();
    assert!(shown.starts_with("store.encryption_key_file "), "{shown}");
    assert!(
        shown.ends_with(r#"line 1: expected base64 of 32 bytes for key "k1", found 5 bytes"#),
        "{shown}"
    );
}
