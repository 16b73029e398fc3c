//! A bank link with named sections and two-field selection
//! (`protocol-mci/tests/layouts/bank-link.toml`): on one connection, polls interleaved with
//! pipelined business frames are answered by the gateway in order, business frames reach both
//! engines (the http one gets the header sections inside `header`), the engines never see a
//! poll, and the decisions are compared section by section; mismatch records keep the sections;
//! the HTTP ingress takes and gives the sections inside `header`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use protocol_mci::{Direction, Layout, Message};
use serde_json::{json, Value};
use shadowgate_tests::gateway::{guid, post, MciClient};
use shadowgate_tests::{EngineToml, FakeEngine, TestGateway};

const POLL: &[u8] = b"000016REQPOLLING";
const POLL_ANSWER: &[u8] = b"000016RESPOLLING";

fn bank_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../protocol-mci/tests/layouts/bank-link.toml")
}

fn bank() -> Arc<Layout> {
    Arc::new(Layout::from_file(bank_path()).unwrap_or_else(|e| panic!("{e}")))
}

fn object(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().unwrap().clone()
}

/// A loan-screening request (message type 0200, service LNS0001) with correlation id `id`.
fn request_frame(layout: &Layout, id: &str) -> Vec<u8> {
    let header = object(json!({
        "sys": {"guid": id, "rr_flag": "S", "resp_code": "", "keep_flag": "0", "keep_secs": 0,
                "branch": "0001"},
        "biz": {"msg_type": "0200", "svc_code": "LNS0001", "branch": "0420"},
    }));
    let body = object(json!({"cust_no": "C00000000042", "rrn": "8001011234567",
                             "req_amount": 50000000}));
    layout
        .encode(Direction::Request, &Message { header, body })
        .unwrap()
}

/// The legacy engine's answer: the request header with flag `R`, result `0000` and message type
/// 0210 (the answer to a 0200: its key selects no message, it is read as the request's), grade A1.
fn answer_frame(layout: &Layout, request: &[u8]) -> Vec<u8> {
    let mut header = layout.decode_header(request).unwrap();
    let sys = header["sys"].as_object_mut().unwrap();
    sys.insert("rr_flag".into(), "R".into());
    sys.insert("resp_code".into(), "0000".into());
    header["biz"]["msg_type"] = "0210".into();
    let body = object(json!({"grade": "A1", "limit_amount": 30000000}));
    let loan = layout.message("LNS0001").unwrap();
    layout
        .encode_as(Direction::Response, loan, &Message { header, body })
        .unwrap()
}

#[tokio::test]
async fn polls_between_pipelined_sectioned_frames_are_answered_in_order_and_never_forwarded() {
    let layout = bank();
    let (framer_layout, reply_layout) = (layout.clone(), layout.clone());
    // A slow live engine: the poll answers behind its business answers must wait their turn.
    let legacy = FakeEngine::mci(move || framer_layout.framer())
        .reply(move |request| Bytes::from(answer_frame(&reply_layout, request)))
        .delay(Duration::from_millis(30))
        .start()
        .await;
    let modern = FakeEngine::http()
        .reply(|_| {
            json!({"header": {"sys": {"resp_code": "0000"}, "biz": {"msg_type": "0210"}},
                   "body": {"grade": "A1", "limit_amount": 30000000}})
        })
        .start()
        .await;
    let gateway = TestGateway::new()
        .layout_file(&bank_path())
        .live("legacy", EngineToml::mci(legacy.addr()))
        .shadow("modern", EngineToml::http(&modern.url()))
        .start()
        .await;
    let mut client = MciClient::connect_with(gateway.mci_address(), layout.framer()).await;
    let requests: Vec<Vec<u8>> = (0..3).map(|n| request_frame(&layout, &guid(n))).collect();
    let sent: Vec<&[u8]> = vec![POLL, &requests[0], POLL, &requests[1], &requests[2], POLL];
    client.send(&sent.concat()).await;
    let business = |n: usize| answer_frame(&layout, &requests[n]);
    let expected = [
        POLL_ANSWER.to_vec(),
        business(0),
        POLL_ANSWER.to_vec(),
        business(1),
        business(2),
        POLL_ANSWER.to_vec(),
    ];
    for (n, expected) in expected.iter().enumerate() {
        let answer = client.recv().await;
        assert_eq!(
            answer[..],
            expected[..],
            "answer {n}: {:?}",
            String::from_utf8_lossy(&answer)
        );
    }
    assert_eq!(
        legacy.requests(),
        3,
        "the live engine saw only business frames"
    );
    // Compared section by section: the shadow's sections match the live frame's.
    let counters = gateway.summary(|c| c.matches + c.mismatches >= 3).await;
    assert_eq!(
        (counters.matches, counters.mismatches),
        (3, 0),
        "{counters:?}"
    );
    assert_eq!(
        modern.requests(),
        3,
        "the shadow engine saw only business frames"
    );
    // The http engine gets the header sections inside `header`, the body as `body`.
    let seen = modern.last_request().unwrap();
    assert_eq!(seen["tx_code"], "LNS0001");
    assert_eq!(seen["header"]["biz"]["svc_code"], "LNS0001");
    assert_eq!(seen["header"]["sys"]["branch"], "0001");
    assert_eq!(seen["header"]["biz"]["branch"], "0420");
    assert_eq!(seen["body"]["cust_no"], "C00000000042");
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_mismatch_record_keeps_the_sections_and_masks_within_them() {
    let layout = bank();
    let (framer_layout, reply_layout) = (layout.clone(), layout.clone());
    let legacy = FakeEngine::mci(move || framer_layout.framer())
        .reply(move |request| Bytes::from(answer_frame(&reply_layout, request)))
        .start()
        .await;
    // The shadow changes the answer's branch (a header field) and the grade.
    let modern = FakeEngine::http()
        .reply(|_| {
            json!({"header": {"biz": {"branch": "9999", "msg_type": "0210"}},
                   "body": {"grade": "B2", "limit_amount": 30000000}})
        })
        .start()
        .await;
    let gateway = TestGateway::new()
        .layout_file(&bank_path())
        .live("legacy", EngineToml::mci(legacy.addr()))
        .shadow("modern", EngineToml::http(&modern.url()))
        .start()
        .await;
    let mut client = MciClient::connect_with(gateway.mci_address(), layout.framer()).await;
    let request = request_frame(&layout, &guid(5));
    assert_eq!(
        client.call(&request).await[..],
        answer_frame(&layout, &request)[..]
    );
    let records = gateway.records(1).await;
    let mismatch = &records[0].mismatch;
    assert_eq!(mismatch.tx_code, "LNS0001");
    assert_eq!(mismatch.correlation_id, guid(5));
    assert_eq!(mismatch.differing_paths, ["biz.branch", "data.grade"]);
    let request = mismatch.request.to_value();
    assert_eq!(request["data"]["rrn"], "800101-*******");
    assert_eq!(request["sys"]["branch"], "0001");
    let shadow = mismatch.shadow_decision.as_ref().unwrap().to_value();
    // Header fields the shadow did not give are echoed from the request, section by section.
    assert_eq!(shadow["biz"]["svc_code"], "LNS0001");
    assert_eq!(shadow["sys"]["rr_flag"], "R");
    gateway.shutdown().await;
}

#[tokio::test]
async fn the_http_ingress_carries_the_header_sections_inside_header() {
    let layout = bank();
    let (framer_layout, reply_layout) = (layout.clone(), layout.clone());
    let legacy = FakeEngine::mci(move || framer_layout.framer())
        .reply(move |request| Bytes::from(answer_frame(&reply_layout, request)))
        .start()
        .await;
    let gateway = TestGateway::new()
        .layout_file(&bank_path())
        .live("legacy", EngineToml::mci(legacy.addr()))
        .start()
        .await;
    let url = format!("{}/v1/strategies/loan-screening", gateway.http_url());
    let request = layout
        .decode(Direction::Request, &request_frame(&layout, &guid(9)))
        .unwrap();
    let json = serde_json::to_vec(&request).unwrap();
    let (status, body) = post(&url, "application/json", json).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["header"]["sys"]["guid"], guid(9).as_str());
    assert_eq!(answer["header"]["sys"]["rr_flag"], "R");
    assert_eq!(answer["header"]["biz"]["svc_code"], "LNS0001");
    assert_eq!(answer["body"]["grade"], "A1");
    // Another service of the same message type is not this strategy's transaction.
    let mut other = request.clone();
    other.header["biz"]["svc_code"] = "LNS0002".into();
    let json = serde_json::to_vec(&other).unwrap();
    let (status, body) = post(&url, "application/json", json).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains(
            "biz.msg_type, biz.svc_code: expected a transaction of this strategy (LNS0001), \
             found \\\""
        ) && text.contains("LNS0002"),
        "{text}"
    );
    assert_eq!(legacy.requests(), 1);
    gateway.shutdown().await;
}
