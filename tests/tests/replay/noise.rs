//! Noise confirmation (`confirm_mismatches = true`): a shadow engine that stamps a random field
//! is reported as noise on that field, a deterministic defect is not, and the live engine is
//! called once per request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::Value;
use shadowgate::store::{ConfirmResult, NOISE_PREFIX};
use shadowgate_tests::fake::FakeEngine;
use shadowgate_tests::gateway::{
    decision, guid, http_answer, mci_deciding, request_frame, LIMIT, STRATEGY,
};
use shadowgate_tests::{EngineToml, TestGateway};

/// Odd requests: the decision with a message that changes on every call (noise). Even requests:
/// a wrong grade, the same on every call (a defect).
fn answer(request: &Value, calls: &AtomicU64) -> Value {
    let guid = request["header"]["guid"].as_str().unwrap_or_default();
    let mut body = decision("L1", LIMIT);
    if guid.ends_with(['1', '3', '5', '7', '9']) {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        body["message"] = format!("approved #{n}").into();
    } else {
        body["grade"] = "X9".into();
    }
    http_answer(&body)
}

#[tokio::test]
async fn a_random_field_is_noise_and_a_deterministic_defect_is_not() {
    let calls = Arc::new(AtomicU64::new(0));
    let stamps = Arc::clone(&calls);
    let new_engine = FakeEngine::http()
        .reply(move |request| answer(&request, &stamps))
        .start()
        .await;
    let legacy = mci_deciding("L1").start().await;
    let store = tempfile::tempdir().unwrap();
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .shadow("new-engine", EngineToml::http(&new_engine.url()))
        .strategy_key("confirm_mismatches", "true")
        .store_path(&store.path().join("store"))
        .start()
        .await;
    let mut client = gateway.mci_client().await;
    for n in 1..=4 {
        client.call(&request_frame(&guid(n))).await;
    }
    let records = gateway.records(4).await;
    let metrics = gateway.running().metrics.render();
    gateway.shutdown().await;

    assert_eq!(
        legacy.requests(),
        4,
        "the live engine is called once per request"
    );
    assert_eq!(
        new_engine.requests(),
        8,
        "each mismatch asks the shadow twice"
    );
    for record in &records {
        let m = &record.mismatch;
        let confirmation = m.confirmation.as_ref().expect("every mismatch is checked");
        let odd = m.correlation_id.ends_with(['1', '3']);
        if odd {
            assert_eq!(confirmation.result, ConfirmResult::Noise, "{m:?}");
            assert_eq!(confirmation.noisy_fields, ["body.message"]);
            assert!(m.signature.starts_with(NOISE_PREFIX), "{}", m.signature);
        } else {
            assert_eq!(confirmation.result, ConfirmResult::Deterministic, "{m:?}");
            assert!(confirmation.noisy_fields.is_empty());
            assert_eq!(m.differing_paths, ["body.grade"]);
            assert!(!m.signature.starts_with(NOISE_PREFIX), "{}", m.signature);
        }
    }
    let counted = |result: &str| {
        let series = format!(
            "shadowgate_shadow_confirmations_total{{result=\"{result}\",strategy=\"{STRATEGY}\"}} "
        );
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(series.as_str()))
            .unwrap_or_else(|| panic!("no {series} in\n{metrics}"))
            .to_owned()
    };
    assert_eq!(counted("noise"), "2");
    assert_eq!(counted("deterministic"), "2");
    assert_eq!(counted("skipped"), "0");

    let report = super::report_store(&store.path().join("store")).await;
    let suggestion = format!(
        "mismatches on body.message; suggested rule: [strategies.{STRATEGY}.rules] ignore = [\"body.message\"]"
    );
    assert!(report.contains(&suggestion), "{report}");
}

#[tokio::test]
async fn a_full_budget_skips_the_second_call_and_counts_it() {
    let new_engine = FakeEngine::http()
        .reply(|_| {
            let mut body = decision("L1", LIMIT);
            body["grade"] = "X9".into();
            http_answer(&body)
        })
        .start()
        .await;
    let legacy = mci_deciding("L1").start().await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .shadow("new-engine", EngineToml::http(&new_engine.url()))
        .strategy_key("confirm_mismatches", "true")
        .strategy_key("shadow_max_in_flight", "1")
        .start()
        .await;
    gateway
        .mci_client()
        .await
        .call(&request_frame(&guid(2)))
        .await;
    let records = gateway.records(1).await;
    gateway.shutdown().await;
    let confirmation = records[0].mismatch.confirmation.as_ref().unwrap();
    assert_eq!(confirmation.result, ConfirmResult::Skipped);
    assert_eq!(new_engine.requests(), 1);
    assert_eq!(legacy.requests(), 1);
}
