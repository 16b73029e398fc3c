//! The shadow side: it never delays or changes the live answer, and what it does wrong is
//! recorded (shadow errors, unencodable answers, masked mismatches).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use shadowgate::store::RecordKind;
use shadowgate_tests::fake::FakeEngine;
use shadowgate_tests::gateway::{
    answer_frame, decision, guid, http_answer, mci_deciding, request_frame, LIMIT, RRN,
};
use shadowgate_tests::{EngineToml, TestGateway};

use crate::support::{assert_legacy_answer, legacy_live, refused_address};

#[tokio::test]
async fn a_slow_shadow_does_not_delay_live_answers() {
    let live_delay = Duration::from_millis(50);
    let shadow_delay = Duration::from_secs(5);
    let legacy = mci_deciding("L1").delay(live_delay).start().await;
    let shadow_answered = Arc::new(AtomicBool::new(false));
    let answered = shadow_answered.clone();
    let answer = http_answer(&decision("L1", LIMIT));
    // The reply runs when the fake answers, after its delay.
    let new_engine = FakeEngine::http()
        .reply(move |_| {
            answered.store(true, Ordering::SeqCst);
            answer.clone()
        })
        .delay(shadow_delay)
        .start()
        .await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .shadow(
            "new-engine",
            EngineToml::http(&new_engine.url()).request_timeout(shadow_delay * 2),
        )
        .strategy_key(
            "shadow_timeout_ms",
            (shadow_delay * 2).as_millis().to_string(),
        )
        .start()
        .await;
    let mut client = gateway.mci_client().await;
    for n in 0..3 {
        let request = request_frame(&guid(n));
        let started = Instant::now();
        let answer = client.call(&request).await;
        let latency = started.elapsed();
        assert_eq!(
            answer[..],
            answer_frame(&request, &decision("L1", LIMIT))[..]
        );
        assert!(
            latency >= live_delay,
            "answered before the live engine: {latency:?}"
        );
        assert!(
            latency < live_delay + shadow_delay / 5,
            "live answer took {latency:?} with a live delay of {live_delay:?}"
        );
        assert!(
            !shadow_answered.load(Ordering::SeqCst),
            "the shadow answered first"
        );
    }
    // The shadow was called for every request (counted on arrival, before its delay).
    tokio::time::timeout(Duration::from_secs(5), async {
        while new_engine.requests() < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the shadow engine was called for every request");
    assert_eq!(
        new_engine.last_headers().unwrap()["x-shadowgate-role"],
        "shadow"
    );
    assert!(!shadow_answered.load(Ordering::SeqCst));
    assert_eq!(gateway.running().gateway.shadow_tasks(), 3);
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_dead_shadow_leaves_live_answers_unchanged_and_is_recorded() {
    let refused = EngineToml::http(&format!("http://{}", refused_address()));
    let (_legacy, gateway) = legacy_live(Some(refused)).await;
    let id = guid(7);
    assert_legacy_answer(&mut gateway.mci_client().await, &id).await;

    let records = gateway.records(1).await;
    let record = &records[0].mismatch;
    assert_eq!(record.kind, RecordKind::ShadowError);
    assert_eq!(record.correlation_id, id);
    assert_eq!(
        (&*record.live_engine, &*record.shadow_engine),
        ("legacy", "new-engine")
    );
    let reason = record.reason.as_deref().unwrap();
    assert!(reason.contains("\"new-engine\""), "{reason}");
    assert!(reason.contains("cannot connect"), "{reason}");
    let counters = gateway.summary(|c| c.shadow_errors >= 1).await;
    assert_eq!((counters.shadow_errors, counters.comparisons()), (1, 1));
}

#[tokio::test]
async fn unencodable_shadow_answers_are_recorded_with_the_field() {
    // By request: a reason code of 10 characters in a 4-byte field, or a 16-digit limit in a
    // 15-digit field.
    let too_long = guid(1);
    let new_engine = FakeEngine::http()
        .reply(move |request| {
            let mut body = decision("L1", LIMIT);
            if request["header"]["guid"] == too_long.as_str() {
                body["reason_code"] = "R123456789".into();
            } else {
                body = decision("L1", "1234567890123456");
            }
            http_answer(&body)
        })
        .start()
        .await;
    let (_legacy, gateway) = legacy_live(Some(EngineToml::http(&new_engine.url()))).await;
    let mut client = gateway.mci_client().await;
    for n in [1, 2] {
        assert_legacy_answer(&mut client, &guid(n)).await;
    }
    let records = gateway.records(2).await;
    let by_guid = |n| {
        let record = records
            .iter()
            .find(|r| r.mismatch.correlation_id == guid(n))
            .unwrap();
        record.mismatch.clone()
    };
    let (reason_code, limit) = (by_guid(1), by_guid(2));
    for record in [&reason_code, &limit] {
        assert_eq!(record.kind, RecordKind::Unencodable);
        assert!(record.shadow_decision.is_some(), "{record:?}");
    }
    let reason = reason_code.reason.unwrap();
    assert!(reason.contains("body.reason_code"), "{reason}");
    assert!(
        reason.contains("expected text of at most 4 bytes"),
        "{reason}"
    );
    let reason = limit.reason.unwrap();
    assert!(reason.contains("body.limit_amount"), "{reason}");
    let counters = gateway.summary(|c| c.unencodable >= 2).await;
    assert_eq!(counters.comparisons(), 2);
}

#[tokio::test]
async fn mismatches_are_recorded_with_masked_values() {
    let new_engine = FakeEngine::http()
        .reply(|_| {
            let mut body = decision("L1", LIMIT);
            body["limit_amount"] = serde_json::from_str("25000000").unwrap();
            http_answer(&body)
        })
        .start()
        .await;
    let (_legacy, gateway) = legacy_live(Some(EngineToml::http(&new_engine.url()))).await;
    let id = guid(11);
    gateway.mci_client().await.call(&request_frame(&id)).await;

    let records = gateway.records(1).await;
    let record = &records[0];
    let mismatch = &record.mismatch;
    assert_eq!(mismatch.kind, RecordKind::Mismatch);
    assert_eq!(mismatch.correlation_id, id);
    assert_eq!(mismatch.differing_paths, ["body.limit_amount"]);
    assert_eq!(mismatch.differences.len(), 1, "{:?}", mismatch.differences);
    let limit = &mismatch.differences[0];
    assert_eq!(limit.path, "body.limit_amount");
    assert_eq!(limit.live.as_ref().unwrap().to_string(), "30000000");
    assert_eq!(limit.shadow.as_ref().unwrap().to_string(), "25000000");
    let request = mismatch.request.to_value();
    assert_eq!(request["body"]["rrn"], "900101-*******");
    assert_eq!(request["body"]["cust_name"], "홍**");

    let stored = serde_json::to_string(record).unwrap();
    assert!(!stored.contains(RRN), "clear RRN in the record: {stored}");
    assert!(
        !stored.contains("홍길동"),
        "clear name in the record: {stored}"
    );
}

#[tokio::test]
async fn an_ambiguous_shadow_answer_is_a_shadow_error_never_a_match() {
    // `body` twice: a lenient parser keeps the last one, which equals the live decision.
    let same = serde_json::to_string(&decision("L1", LIMIT)).unwrap();
    let answer = format!(
        r#"{{"header": {{"resp_code": "0000"}}, "body": {{"decision": "R"}}, "body": {same}}}"#
    );
    let new_engine = FakeEngine::http().raw_body(answer).start().await;
    let (_legacy, gateway) = legacy_live(Some(EngineToml::http(&new_engine.url()))).await;
    let id = guid(12);
    assert_legacy_answer(&mut gateway.mci_client().await, &id).await;

    let records = gateway.records(1).await;
    let record = &records[0].mismatch;
    assert_eq!(record.kind, RecordKind::ShadowError);
    assert_eq!(record.correlation_id, id);
    let reason = record.reason.as_deref().unwrap();
    assert!(
        reason.contains("expected each key once, found `body` twice"),
        "{reason}"
    );
    let counters = gateway.summary(|c| c.shadow_errors >= 1).await;
    assert_eq!((counters.shadow_errors, counters.comparisons()), (1, 1));
}

#[tokio::test]
async fn an_extra_offer_is_counted_under_its_group_label_not_other() {
    let new_engine = FakeEngine::http()
        .reply(|_| {
            let mut body = decision("L1", LIMIT);
            let offer = body["offers"][0].clone();
            body["offers"].as_array_mut().unwrap().push(offer);
            body["offer_cnt"] = 2.into();
            http_answer(&body)
        })
        .start()
        .await;
    let (_legacy, gateway) = legacy_live(Some(EngineToml::http(&new_engine.url()))).await;
    let metrics = gateway.running().metrics.clone();
    assert_legacy_answer(&mut gateway.mci_client().await, &guid(13)).await;

    let records = gateway.records(1).await;
    let mismatch = &records[0].mismatch;
    assert_eq!(mismatch.kind, RecordKind::Mismatch);
    assert_eq!(
        mismatch.differing_paths,
        ["body.offer_cnt", "body.offers", "body.offers[*]"]
    );
    // Shutdown waits for the shadow task, and asserts that nothing was counted as `other`.
    gateway.shutdown().await;
    let text = metrics.render();
    let counted = |field: &str| {
        let label = format!("field=\"{field}\"");
        text.lines()
            .find(|line| {
                line.starts_with("shadowgate_field_mismatches_total{") && line.contains(&label)
            })
            .and_then(|line| line.rsplit(' ').next())
            .map(str::to_owned)
    };
    assert_eq!(counted("body.offers[*]").as_deref(), Some("1"), "{text}");
    assert_eq!(counted("body.offers").as_deref(), Some("1"), "{text}");
    assert_eq!(counted("other").as_deref(), Some("0"), "{text}");
}

/// The value of the one `shadowgate_upstream_requests_total` series whose labels hold every
/// fragment of `labels` (e.g. `role="shadow"`), 0 when none is rendered.
fn upstream_calls(text: &str, labels: &[&str]) -> u64 {
    text.lines()
        .filter(|line| line.starts_with("shadowgate_upstream_requests_total{"))
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next())
        .map_or(0, |value| value.parse().unwrap())
}

#[tokio::test]
async fn a_bad_shadow_answer_is_counted_invalid_even_when_its_comparison_is_skipped() {
    // A shadow answer is checked on a shadow worker, where it is compared; when the live engine
    // fails there is no comparison, and the shadow's call is still counted once, as invalid.
    let legacy = FakeEngine::http().status(503).start().await;
    let new_engine = FakeEngine::http()
        .raw_body(r#"{"body": {"decision": "A"}, "body": {"decision": "A"}}"#)
        .start()
        .await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::http(&legacy.url()))
        .shadow("new-engine", EngineToml::http(&new_engine.url()))
        .start()
        .await;
    let metrics = gateway.running().metrics.clone();
    let mut client = gateway.mci_client().await;
    for n in 0..2 {
        client.call(&request_frame(&guid(30 + n))).await;
    }
    // Shutdown waits for both shadow tasks.
    gateway.shutdown().await;
    let text = metrics.render();
    let shadow = [r#"engine="new-engine""#, r#"role="shadow""#];
    let invalid = [shadow.as_slice(), &[r#"outcome="invalid""#]].concat();
    let ok = [shadow.as_slice(), &[r#"outcome="ok""#]].concat();
    assert_eq!(upstream_calls(&text, &invalid), 2, "{text}");
    assert_eq!(upstream_calls(&text, &ok), 0, "{text}");
    let skipped = text
        .lines()
        .find(|l| l.starts_with("shadowgate_shadow_skipped_total{") && l.contains("live_failed"))
        .and_then(|line| line.rsplit(' ').next());
    assert_eq!(skipped, Some("2"), "{text}");
}

#[tokio::test]
async fn a_bad_shadow_answer_and_a_good_one_are_counted_once_each_with_their_outcome() {
    // The first answer's `body` is an array: one json document, not one decision.
    let invalid = AtomicBool::new(true);
    let good = http_answer(&decision("L1", LIMIT));
    let new_engine = FakeEngine::http()
        .reply(move |_| match invalid.swap(false, Ordering::SeqCst) {
            true => serde_json::json!({"header": {}, "body": [1]}),
            false => good.clone(),
        })
        .start()
        .await;
    let (_legacy, gateway) = legacy_live(Some(EngineToml::http(&new_engine.url()))).await;
    let metrics = gateway.running().metrics.clone();
    let mut client = gateway.mci_client().await;
    assert_legacy_answer(&mut client, &guid(40)).await;
    let counters = gateway.summary(|c| c.shadow_errors >= 1).await;
    assert_eq!(counters.comparisons(), 1);
    assert_legacy_answer(&mut client, &guid(41)).await;
    gateway.summary(|c| c.comparisons() >= 2).await;
    let text = metrics.render();
    let shadow = |outcome: &str| {
        let outcome = format!("outcome=\"{outcome}\"");
        upstream_calls(
            &text,
            &[r#"engine="new-engine""#, r#"role="shadow""#, &outcome],
        )
    };
    assert_eq!((shadow("invalid"), shadow("ok")), (1, 1), "{text}");
    let records = gateway.records(1).await;
    let reason = records[0].mismatch.reason.as_deref().unwrap();
    assert_eq!(
        reason,
        r#"engine "new-engine": invalid answer: expected `body` to be an object, found an array"#
    );
}
