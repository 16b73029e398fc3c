//! What core banking receives: an mci live engine's bytes unchanged; an http live engine's JSON
//! encoded into the response frame with the request header echoed.

use std::time::Duration;

use bytes::Bytes;
use protocol_mci::Direction;
use shadowgate_tests::fake::FakeEngine;
use shadowgate_tests::gateway::{
    answer_frame, decision, decode_answer, guid, http_answer, http_deciding, layout, request_frame,
    LIMIT,
};
use shadowgate_tests::{EngineToml, TestGateway};

/// Header bytes 79..100 are the `reserved` filler; the gateway writes spaces there.
const RESERVED: std::ops::Range<usize> = 79..100;
/// With one offer, the two unused offer slots (34 bytes each) after the body's 30 bytes and the
/// first offer; the gateway writes spaces there too.
const UNUSED_OFFERS: std::ops::Range<usize> = 100 + 30 + 34..100 + 30 + 3 * 34;

/// An answer the gateway could not have produced itself: filler and unused group slots carry
/// bytes the encoder never writes, yet the frame decodes.
fn unusual_answer(request: &[u8]) -> Vec<u8> {
    let mut answer = answer_frame(request, &decision("L1", LIMIT));
    answer[RESERVED].copy_from_slice(b"LEGACY-ENGINE-v7.2.19");
    answer[UNUSED_OFFERS].fill(b'#');
    answer
}

#[tokio::test]
async fn mci_live_answers_reach_core_banking_byte_for_byte() {
    let legacy = FakeEngine::mci(|| layout().framer())
        .reply(|request| Bytes::from(unusual_answer(request)))
        .start()
        .await;
    let new_engine = http_deciding("L1").start().await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .shadow("new-engine", EngineToml::http(&new_engine.url()))
        .start()
        .await;
    let request = request_frame(&guid(1));
    let answer = gateway.mci_client().await.call(&request).await;

    let expected = unusual_answer(&request);
    assert_eq!(answer[..], expected[..]);
    let decoded = decode_answer(&answer);
    let reencoded = layout().encode(Direction::Response, &decoded).unwrap();
    assert_ne!(
        reencoded, expected,
        "the gateway could have produced this answer itself"
    );
    assert_eq!(legacy.requests(), 1);

    // The shadow compared the same decision: the unusual bytes are not a difference.
    let counters = gateway.summary(|c| c.comparisons() >= 1).await;
    assert_eq!((counters.matches, counters.comparisons()), (1, 1));
    gateway.shutdown().await;
}

#[tokio::test]
async fn http_live_json_is_encoded_with_the_request_header_echoed() {
    let mut answer = http_answer(&decision("N1", "25000000.00"));
    answer["header"]["channel"] = "09".into();
    let new_engine = FakeEngine::http()
        .reply(move |_| answer.clone())
        .start()
        .await;
    let gateway = TestGateway::new()
        .live("new-engine", EngineToml::http(&new_engine.url()))
        .start()
        .await;
    let id = guid(2);
    let request = request_frame(&id);
    let frame = gateway.mci_client().await.call(&request).await;

    let answer = decode_answer(&frame);
    let request = layout().decode(Direction::Request, &request).unwrap();
    for echoed in ["guid", "sys_code", "tx_code", "sent_at", "branch"] {
        assert_eq!(answer.header[echoed], request.header[echoed], "{echoed}");
    }
    assert_eq!(answer.header["guid"], id.as_str());
    assert_eq!(answer.header["rr_flag"], "R");
    assert_eq!(answer.header["resp_code"], "0000");
    assert_eq!(
        answer.header["channel"], "09",
        "the engine's header override"
    );
    assert_eq!(answer.body["grade"], "N1");
    // Exact decimals: the 15-digit field has no decimals, the rate keeps its 3.
    assert_eq!(answer.body["limit_amount"].to_string(), "25000000");
    assert_eq!(answer.body["rate"].to_string(), "5.250");
    assert_eq!(answer.body["offers"][0]["product_code"], "LN-CREDIT");

    let headers = new_engine.last_headers().unwrap();
    assert_eq!(headers["x-request-id"], id.as_str());
    assert_eq!(headers["x-shadowgate-role"], "live");
    assert_eq!(headers["x-shadowgate-strategy"], "loan-screening");
    assert_eq!(
        new_engine.last_path().as_deref(),
        Some("/v1/strategies/loan-screening")
    );
    let sent = new_engine.last_request().unwrap();
    assert_eq!(sent["tx_code"], "LNS0001");
    assert_eq!(sent["body"]["loans"][1]["rate"].to_string(), "12.900");
}

#[tokio::test]
async fn http_live_answer_with_a_body_only_is_an_ok_answer() {
    let body = decision("N1", LIMIT);
    let new_engine = FakeEngine::http()
        .reply(move |_| serde_json::json!({ "body": body.clone() }))
        .delay(Duration::ZERO)
        .start()
        .await;
    let gateway = TestGateway::new()
        .live("new-engine", EngineToml::http(&new_engine.url()))
        .start()
        .await;
    let frame = gateway
        .mci_client()
        .await
        .call(&request_frame(&guid(3)))
        .await;
    let answer = decode_answer(&frame);
    assert_eq!(answer.header["rr_flag"], "R");
    assert_eq!(answer.header["guid"], guid(3).as_str());
    assert_eq!(answer.body.get("grade"), Some(&"N1".into()), "{answer:?}");
}
