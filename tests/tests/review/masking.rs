//! Invariant 5: a resident registration number, account numbers and a Korean name sent through a
//! gateway whose shadow differs never appear in clear in the sled files (raw, and the records
//! decoded from them), the API, the HTML pages or the logs, while their masked forms do.

use std::path::Path;

use crate::support::{capture_logs, captured_logs, Scenario, SECRETS};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitive_values_never_appear_in_clear() {
    capture_logs();
    let scenario = Scenario::start(true, "min_comparisons = 1").await;
    scenario.traffic(9).await;

    // What people read: every API answer and page that shows records.
    let mut shown = Vec::new();
    let (status, _, list) = scenario.get("/api/v1/mismatches?limit=100").await;
    assert_eq!(status, 200, "{list}");
    let page: serde_json::Value = serde_json::from_str(&list).unwrap();
    let records = page["records"].as_array().unwrap();
    assert_eq!(
        records.len(),
        9,
        "6 mismatches and 3 unencodable answers are stored"
    );
    for record in records {
        let id = record["id"].as_str().unwrap();
        for path in [
            format!("/api/v1/mismatches/{id}"),
            format!("/mismatches/{id}"),
        ] {
            let (status, _, body) = scenario.get(&path).await;
            assert_eq!(status, 200, "{path}: {body}");
            shown.push((path, body));
        }
    }
    for path in [
        "/api/v1/groups?strategy=loan-screening",
        "/api/v1/summary",
        "/",
    ] {
        let (status, _, body) = scenario.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        shown.push((path.to_owned(), body));
    }
    shown.push(("/api/v1/mismatches".to_owned(), list));

    // The masks did their work where the values are shown (so the scan looks at real content).
    let detail = &shown[0].1;
    assert!(
        detail.contains("850714-*******"),
        "masked rrn shown: {detail}"
    );
    assert!(detail.contains("김*"), "masked name shown");
    assert!(
        detail.contains("0218") && detail.contains("9999"),
        "account tails shown"
    );
    assert!(
        shown
            .iter()
            .any(|(_, body)| body.contains("body.payout_acct")),
        "the differing masked field is reported"
    );

    for (path, body) in &shown {
        assert_clean(path, body.as_bytes());
    }

    let store = scenario.store_dir();
    let grace = std::time::Duration::from_secs(2);
    scenario.running.shutdown(grace).await;
    // The raw files: what is stored plain (counters, groups, series) is scanned as it is.
    let mut masked_on_disk = false;
    scan_dir(&store, &mut masked_on_disk);
    // Records are stored zstd-compressed, several per value, so a clear value in one would not
    // show in the raw bytes: they are scanned decoded, as the store reads them back.
    let reader = shadowgate::store::Reader::open(&store).unwrap();
    let query = shadowgate::store::ListQuery {
        limit: shadowgate::store::MAX_LIMIT,
        ..Default::default()
    };
    let stored = reader.list(&query).unwrap().records;
    assert_eq!(stored.len(), 9, "every record read back from the files");
    for record in &stored {
        let json = serde_json::to_vec(record).unwrap();
        assert_clean(&format!("stored record {}", record.id), &json);
        masked_on_disk |= json.windows(14).any(|w| w == b"850714-*******");
    }
    assert!(
        masked_on_disk,
        "the records' masked values are in what was stored (so the scans look at real content)"
    );
    let logs = captured_logs();
    assert!(
        logs.contains("decisions differ"),
        "the logs were captured: {logs}"
    );
    assert_clean("captured logs", logs.as_bytes());
}

/// Fails naming where a clear value was found.
fn assert_clean(place: &str, bytes: &[u8]) {
    for secret in SECRETS {
        let found = bytes
            .windows(secret.len())
            .position(|w| w == secret.as_bytes());
        if let Some(at) = found {
            let from = at.saturating_sub(60);
            let context =
                String::from_utf8_lossy(&bytes[from..(at + secret.len() + 60).min(bytes.len())]);
            panic!("{secret:?} in clear in {place} at byte {at}: …{context}…");
        }
    }
}

/// Scans every file under `dir`; notes whether a masked value was seen.
fn scan_dir(dir: &Path, masked_seen: &mut bool) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scan_dir(&path, masked_seen);
        } else {
            let bytes = std::fs::read(&path).unwrap();
            assert_clean(&path.display().to_string(), &bytes);
            *masked_seen |= bytes.windows(14).any(|w| w == b"850714-*******");
        }
    }
}
