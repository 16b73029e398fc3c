//! A case posted to the HTTP ingress is stored as the frame its JSON encodes to, and replay sends
//! the new engine the body the shadow call sent: the frame decoded, not the JSON as posted.

use std::sync::atomic::AtomicU8;
use std::sync::Arc;

use shadowgate_tests::fake::FakeEngine;
use shadowgate_tests::gateway::{guid, mci_deciding, post};

use super::{answer, args, recording, replay, DEFECT};

/// A request as a client of the HTTP ingress may write it: numbers as strings, a name longer
/// than its 20-byte field (`truncate = true`), no loan count.
const LOOSE: &str = r#"{
    "header": {"guid": "GUID", "sys_code": "CBS", "tx_code": "LNS0001", "rr_flag": "S",
        "resp_code": "", "sent_at": "2026-11-21T09:30:15.123", "channel": "01", "branch": "0012"},
    "body": {"cust_no": "000123456789", "cust_name": "ABCDEFGHIJKLMNOPQRSTUVWXYZ1234",
        "rrn": "9001011234567", "cust_type": "01", "annual_income": "20000000",
        "existing_debt": 0, "credit_score": "726.0", "req_amount": 30000000, "req_term": 36,
        "loans": [{"lender": "CARD CO", "balance": "4000000", "rate": "12.9"}]}
}"#;

#[tokio::test]
async fn a_case_posted_as_json_replays_with_the_body_its_shadow_got() {
    let dir = tempfile::tempdir().unwrap();
    let mode = Arc::new(AtomicU8::new(DEFECT));
    let seen = Arc::clone(&mode);
    let new_engine = FakeEngine::http()
        .reply(move |request| answer(&request, seen.load(std::sync::atomic::Ordering::SeqCst)))
        .start()
        .await;
    let legacy = mci_deciding("L1").start().await;
    let (config, builder) = recording(dir.path(), &new_engine.url(), legacy.addr());
    let gateway = builder.start().await;
    // An even guid: the new engine's defect segment, so the case is stored.
    let json = LOOSE.replace("GUID", &guid(22));
    let url = format!("{}/v1/strategies/loan-screening", gateway.http_url());
    let (status, body) = post(&url, "application/json", json).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let records = gateway.records(1).await;
    gateway.shutdown().await;
    let shadowed = new_engine.last_request().unwrap();
    assert_eq!(shadowed["body"]["annual_income"].to_string(), "20000000");
    assert_eq!(shadowed["body"]["cust_name"], "ABCDEFGHIJKLMNOPQRST");

    let group = records[0].mismatch.signature.clone();
    let (out, result) = replay(args(&config, &group)).await;
    assert!(result.is_err(), "the defect is still there: {out}");
    assert!(out.contains("still_differing 1"), "{out}");
    let replayed = new_engine.last_request().unwrap();
    assert_eq!(
        new_engine.last_headers().unwrap()["x-shadowgate-role"],
        "replay"
    );
    assert_eq!(replayed, shadowed);
}
