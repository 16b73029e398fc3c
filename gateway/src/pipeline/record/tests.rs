//! Records written from the views are byte for byte the records the `Value` path wrote: the
//! demo's layout (masked name and RRN in the request), its generated requests, both engines'
//! answers (error answers too), mismatch and failure records.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use bytes::Bytes;
use serde_json::json;
use tokio::time::Instant;

use super::*;
use crate::demo::strategy::{LEGACY, MODERN};
use crate::demo::traffic::{Traffic, TX_CODE};
use crate::demo::{legacy, STRATEGY};
use crate::metrics::Metrics;
use crate::pipeline::answer::decode_response_view;
use crate::pipeline::decision::DecisionNode;
use crate::pipeline::judge::judge;
use crate::pipeline::live_view::DecodedRequest;
use crate::runtime::{Runtime, Strategy};
use crate::store::{MismatchRecord, RecordId};

/// The demo's strategy, built from its embedded config and layout (engines never called).
fn demo_strategy() -> Arc<Strategy> {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::demo::setup::write_for_test(dir.path(), "127.0.0.1:9", "127.0.0.1:9");
    let config = crate::config::load(&path).unwrap();
    let runtime = Runtime::build(Arc::new(config), &Metrics::new("test")).unwrap();
    runtime.strategy(STRATEGY).cloned().unwrap()
}

/// A record as the writer stores it.
fn stored(mismatch: Mismatch) -> String {
    let id = RecordId {
        micros: 1_764_000_000_000_000,
        seq: 7,
    };
    let record = MismatchRecord {
        id,
        time_micros: id.micros,
        mismatch,
    };
    serde_json::to_string(&record).unwrap()
}

/// A frame's message as the `Value` path decoded it, masked and made JSON.
fn reference(exchange: &Exchange, frame: &[u8], direction: Direction) -> MaskedJson {
    let layout = &exchange.strategy.layout;
    let selected = layout.message(&exchange.tx_code).unwrap();
    let message = layout.decode_as(direction, selected, frame).unwrap();
    MaskedJson::from_value(&masked(exchange, message, direction))
}

/// The live engine's answer: the legacy policy's, or every fifth time an error answer.
fn live_answer(layout: &protocol_mci::Layout, request: &Message, n: usize) -> Message {
    let mut answer = legacy::answer(layout, request);
    if n % 5 == 4 {
        answer.header.insert("resp_code".into(), "E502".into());
        let body = json!({"error_message": format!("engine unavailable \"{n}\" 홍길동")});
        answer.body = body.as_object().unwrap().clone();
    }
    answer
}

#[tokio::test]
async fn records_written_from_the_views_are_the_value_paths_records_byte_for_byte() {
    let strategy = demo_strategy();
    let layout = &strategy.layout;
    let mut traffic = Traffic::new(19, "REC");
    let latencies = Latencies {
        live: Duration::from_micros(1_200),
        shadow: Duration::from_micros(3_400),
    };
    let (mut differing, mut masked_requests) = (0, 0);
    for n in 0..300 {
        let request = traffic.next_request();
        let frame = Bytes::from(layout.encode(Direction::Request, &request).unwrap());
        let decoded = DecodedRequest::decode(layout.clone(), frame.clone()).unwrap();
        assert_eq!(decoded.code(), TX_CODE);
        let exchange = Exchange::from_view(strategy.clone(), decoded, Instant::now());
        let live_frame = layout
            .encode(Direction::Response, &live_answer(layout, &request, n))
            .unwrap();
        let modern = legacy::answer_with(layout, &MODERN, 0, &request);
        let shadow_frame = layout.encode(Direction::Response, &modern).unwrap();
        let live = decode_response_view(layout, TX_CODE, &live_frame).unwrap();
        let shadow = decode_response_view(layout, TX_CODE, &shadow_frame).unwrap();
        let comparison = judge(
            DecisionNode::root(layout, &live),
            DecisionNode::root(layout, &shadow),
            &strategy,
        );
        differing += usize::from(!comparison.is_match());

        let written = mismatch_record(&exchange, &live, &shadow, &comparison, latencies);
        let mut expected = written.clone();
        expected.request = reference(&exchange, &frame, Direction::Request);
        expected.live_decision = Some(reference(&exchange, &live_frame, Direction::Response));
        expected.shadow_decision = Some(reference(&exchange, &shadow_frame, Direction::Response));
        let request_json = written.request.get().to_owned();
        // Written by the masked view writer, not the `Value` fallback.
        let mut direct = Vec::new();
        let view = layout.decode_view(Direction::Request, &frame).unwrap();
        layout.write_masked_json(&view, &mut direct);
        assert_eq!(request_json.as_bytes(), direct);
        assert_eq!(stored(written), stored(expected), "request {n}");
        let rrn = request.body["rrn"].as_str().unwrap();
        assert!(!request_json.contains(rrn), "{request_json}");
        masked_requests += usize::from(request_json.contains("-*******"));

        // A shadow error, and an unencodable answer whose decision has no view.
        let failure = ShadowFailure::error(ShadowErrorKind::Timeout, "late".into());
        let written = failure_record(&exchange, &live, failure, latencies);
        let mut expected = written.clone();
        expected.request = reference(&exchange, &frame, Direction::Request);
        expected.live_decision = Some(reference(&exchange, &live_frame, Direction::Response));
        assert_eq!(stored(written), stored(expected), "request {n}");
        let decision = Box::new(legacy::answer_with(layout, &LEGACY, 0, &request));
        let failure = ShadowFailure::unencodable("too long".into(), Some(decision));
        let written = failure_record(&exchange, &live, failure, latencies);
        assert!(written.shadow_decision.is_some());
    }
    assert_eq!(masked_requests, 300, "every request has a masked RRN");
    assert!(differing >= 50, "only {differing} requests decided apart");
}

#[test]
fn a_difference_is_masked_by_its_fields_path_with_the_last_of_two_masks() {
    let masks = [
        ("body.a".to_owned(), MaskKind::Account),
        ("body.b".to_owned(), MaskKind::Name),
        ("body.b".to_owned(), MaskKind::Full),
        ("body.c[*].d".to_owned(), MaskKind::Rrn),
    ];
    assert_eq!(mask_of(&masks, "body.a"), Some(MaskKind::Account));
    // Collected into a map, the later of two entries for one path was kept.
    assert_eq!(mask_of(&masks, "body.b"), Some(MaskKind::Full));
    assert_eq!(mask_of(&masks, "body.c[*].d"), Some(MaskKind::Rrn));
    for unmasked in [
        "",
        "body",
        "body.a.x",
        "body.ab",
        "body.c[*]",
        "header.a",
        "zzz",
    ] {
        assert_eq!(mask_of(&masks, unmasked), None, "{unmasked}");
    }
    assert_eq!(mask_of(&[], "body.a"), None);
}
