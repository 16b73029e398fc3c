//! The HTTP ingress: JSON requests answered with the live decision as JSON, raw frames answered
//! with the raw answer frame, and bad requests answered 400 naming the field.

use std::time::Duration;

use crate::support::{legacy_live, live_refusing, live_slow, Log};
use protocol_mci::Direction;
use serde_json::Value;
use shadowgate_tests::fake::FakeEngine;
use shadowgate_tests::gateway::{
    answer_frame, decision, decode_answer, guid, http_answer, layout, mci_deciding, post, request,
    request_frame, LIMIT,
};
use shadowgate_tests::{EngineToml, TestGateway};

#[tokio::test]
async fn json_and_raw_frames_over_http() {
    let (legacy, gateway) = legacy_live(None).await;
    let strategy_url = format!("{}/v1/strategies/loan-screening", gateway.http_url());

    let id = guid(1);
    let json = serde_json::to_vec(&request(&id)).unwrap();
    let (status, body) = post(&strategy_url, "application/json", json).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["header"]["guid"], id.as_str());
    assert_eq!(answer["header"]["rr_flag"], "R");
    assert_eq!(answer["header"]["resp_code"], "0000");
    assert_eq!(answer["body"]["grade"], "L1");
    // Exact decimals through JSON: the rate keeps its three decimals.
    assert!(text.contains("\"rate\":5.250"), "{text}");
    assert_eq!(answer["body"]["limit_amount"].to_string(), LIMIT);

    let frame = request_frame(&guid(2));
    let frames_url = format!("{}/v1/frames", gateway.http_url());
    let (status, body) = post(&frames_url, "application/octet-stream", frame.clone()).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(body[..], answer_frame(&frame, &decision("L1", LIMIT))[..]);
    assert_eq!(legacy.requests(), 2);

    // A frame cut short cannot be answered even with an error frame: the 400 says why, in
    // frame terms (the client posted a frame).
    let (status, body) = post(
        &frames_url,
        "application/octet-stream",
        frame[..50].to_vec(),
    )
    .await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("frame cannot be answered (bad_request): frame.length"),
        "{text}"
    );
    assert!(text.contains("bytes 0..8"), "{text}");

    // A JSON request posted as a frame: its prefix is named once, and where JSON goes.
    let json = serde_json::to_vec(&request(&guid(3))).unwrap();
    let (status, body) = post(&frames_url, "application/octet-stream", json).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains(
            "frame.length at bytes 0..8: expected ascii digits, found 7B 22 68 65 61 64 65 72 \
             (the body looks like JSON: JSON requests go to POST /v1/strategies/{name})"
        ),
        "{text}"
    );
    assert_eq!(legacy.requests(), 2);
}

#[tokio::test]
async fn bad_json_requests_get_400_naming_the_field() {
    let (legacy, gateway) = legacy_live(None).await;
    let url = format!("{}/v1/strategies/loan-screening", gateway.http_url());

    let mut bad = request(&guid(3));
    bad.body.insert("annual_income".into(), "a lot".into());
    let (status, body) = post(&url, "application/json", serde_json::to_vec(&bad).unwrap()).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("body.annual_income"), "{text}");

    // A misspelt header key would have sent its field blank to the engine.
    let mut misspelt = request(&guid(5));
    let channel = misspelt.header.shift_remove("channel").unwrap();
    misspelt.header.insert("chanel".into(), channel);
    let (status, body) = post(
        &url,
        "application/json",
        serde_json::to_vec(&misspelt).unwrap(),
    )
    .await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("header.chanel: expected a field of the header here (guid, "),
        "{text}"
    );

    let (status, body) = post(&url, "application/json", &b"{\"header\": {}"[..]).await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));

    let (status, body) = post(
        &format!("{}/v1/strategies/no-such-strategy", gateway.http_url()),
        "application/json",
        serde_json::to_vec(&request(&guid(4))).unwrap(),
    )
    .await;
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
    assert_eq!(legacy.requests(), 0);
}

#[tokio::test]
async fn a_json_key_given_twice_is_refused_naming_it() {
    // serde_json alone kept the last of two equal keys: which one the client meant is unknown.
    let (legacy, gateway) = legacy_live(None).await;
    let url = format!("{}/v1/strategies/loan-screening", gateway.http_url());
    let json = serde_json::to_string(&request(&guid(6))).unwrap();
    let twice = json.replacen(
        "\"credit_score\":",
        "\"credit_score\":1,\"credit_score\":",
        1,
    );
    assert_ne!(twice, json);
    let (status, body) = post(&url, "application/json", twice.into_bytes()).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("expected each key once, found `body.credit_score` twice"),
        "{text}"
    );
    assert_eq!(legacy.requests(), 0);
}

/// The value of one series of the gateway's metrics exposition.
fn series(gateway: &TestGateway, name_and_labels: &str) -> f64 {
    let rendered = gateway.running().metrics.render();
    rendered
        .lines()
        .find_map(|line| line.strip_prefix(name_and_labels))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name_and_labels} is not exported:\n{rendered}"))
}

#[tokio::test]
async fn a_live_timeout_on_posted_frames_is_counted_as_a_live_timeout() {
    // The error answer frame comes back with HTTP 200: the outcome is the pipeline's, not the
    // HTTP status's.
    let (_legacy, gateway) = live_slow("legacy", Duration::from_secs(2)).await;
    let id = guid(5);
    let frames_url = format!("{}/v1/frames", gateway.http_url());
    let (status, body) = post(&frames_url, "application/octet-stream", request_frame(&id)).await;
    assert_eq!(status, 200);
    assert_eq!(decode_answer(&body).header["resp_code"], "E504");
    let by = |outcome: &str| {
        let labels = format!("shadowgate_frames_total{{listener=\"http\",outcome=\"{outcome}\"}}");
        series(&gateway, &labels)
    };
    assert_eq!(by("live_timeout"), 1.0);
    assert_eq!(by("ok"), 0.0);
}

#[tokio::test]
async fn a_failed_live_engine_is_named_in_the_502_and_504() {
    // A port nobody listens on: the live call's connect is refused (502).
    let gateway = live_refusing().await;
    let url = format!("{}/v1/strategies/loan-screening", gateway.http_url());
    let id = guid(7);
    let json = serde_json::to_vec(&request(&id)).unwrap();
    let (status, body) = post(&url, "application/json", json).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 502, "{text}");
    assert!(
        text.contains("decision engine failed: live engine \\\"legacy-down\\\"")
            && text.contains(&format!("correlation_id {id}")),
        "{text}"
    );

    // A slow one: the call ends at its request timeout (504), named the same way.
    let (_legacy, gateway) = live_slow("legacy-slow", Duration::from_secs(2)).await;
    let url = format!("{}/v1/strategies/loan-screening", gateway.http_url());
    let json = serde_json::to_vec(&request(&guid(8))).unwrap();
    let (status, body) = post(&url, "application/json", json).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 504, "{text}");
    assert!(
        text.contains("decision engine timed out: live engine \\\"legacy-slow\\\""),
        "{text}"
    );
}

/// The value of `shadowgate_shadow_skipped_total` for `reason` (0 when not yet exported).
fn skipped(gateway: &TestGateway, reason: &str) -> f64 {
    let rendered = gateway.running().metrics.render();
    let label = format!("reason=\"{reason}\"");
    rendered
        .lines()
        .find(|line| line.starts_with("shadowgate_shadow_skipped_total{") && line.contains(&label))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0.0)
}

/// [`skipped`] once it is above 0, or after 5 s (the shadow task counts after the live path).
async fn skipped_within_5s(gateway: &TestGateway, reason: &str) -> f64 {
    for _ in 0..50 {
        if skipped(gateway, reason) > 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    skipped(gateway, reason)
}

#[tokio::test]
async fn a_request_its_client_gave_up_on_is_counted_client_closed_not_live_failed() {
    // The live engine answers after a second; the client gives up before and closes its
    // connection, which drops the request and its live call. The shadow answered: its
    // comparison is skipped as `client_closed` (the live engine did not fail), and the request
    // is `frames_total{outcome="client_closed"}`.
    let (log, _guard) = Log::capture();
    let live_delay = Duration::from_secs(1);
    let legacy = mci_deciding("L1").delay(live_delay).start().await;
    let answer = http_answer(&decision("L1", LIMIT));
    let new_engine = FakeEngine::http()
        .reply(move |_| answer.clone())
        .start()
        .await;
    let gateway = TestGateway::new()
        .live(
            "legacy",
            EngineToml::mci(legacy.addr()).request_timeout(live_delay * 5),
        )
        .shadow("new-engine", EngineToml::http(&new_engine.url()))
        .start()
        .await;
    let url = format!("{}/v1/strategies/loan-screening", gateway.http_url());
    let json = serde_json::to_vec(&request(&guid(9))).unwrap();
    let gave_up = tokio::time::timeout(
        Duration::from_millis(200),
        post(&url, "application/json", json),
    )
    .await;
    assert!(gave_up.is_err(), "answered before the live engine did");
    assert_eq!(skipped_within_5s(&gateway, "client_closed").await, 1.0);
    assert_eq!(skipped(&gateway, "live_failed"), 0.0);
    assert_eq!(new_engine.requests(), 1);
    // The request itself is counted too: dropped, not answered.
    let frames = |outcome: &str| {
        let labels = format!("shadowgate_frames_total{{listener=\"http\",outcome=\"{outcome}\"}}");
        series(&gateway, &labels)
    };
    assert_eq!(frames("client_closed"), 1.0);
    // And logged at debug with its strategy: the counter says how many, the line which.
    let dropped = log.lines_with("DEBUG", "request dropped before its answer");
    assert_eq!(dropped.len(), 1, "{}", log.text());
    assert!(
        dropped[0].contains("strategy=loan-screening")
            && dropped[0].contains("path=\"/v1/strategies/loan-screening\""),
        "{}",
        dropped[0]
    );
    assert_eq!(
        frames("ok") + frames("live_error") + frames("live_timeout"),
        0.0
    );

    // A live engine that fails is still `live_failed`.
    let (_legacy, gateway) = live_slow_with_shadow(&new_engine.url()).await;
    let url = format!("{}/v1/strategies/loan-screening", gateway.http_url());
    let json = serde_json::to_vec(&request(&guid(10))).unwrap();
    let (status, _) = post(&url, "application/json", json).await;
    assert_eq!(status, 504);
    assert_eq!(skipped_within_5s(&gateway, "live_failed").await, 1.0);
    assert_eq!(skipped(&gateway, "client_closed"), 0.0);
}

/// A gateway whose live engine times out every call (as [`live_slow`]) with the http engine at
/// `shadow_url` as its shadow.
async fn live_slow_with_shadow(shadow_url: &str) -> (shadowgate_tests::fake::FakeMci, TestGateway) {
    let delay = Duration::from_secs(2);
    let legacy = mci_deciding("L1").delay(delay).start().await;
    let gateway = TestGateway::new()
        .live(
            "legacy",
            EngineToml::mci(legacy.addr()).request_timeout(delay / 10),
        )
        .shadow("new-engine", EngineToml::http(shadow_url))
        .start()
        .await;
    (legacy, gateway)
}

#[tokio::test]
async fn a_live_answer_that_does_not_decode_is_a_502_naming_why() {
    // The live engine echoes the request frame: framed, but not an answer of the layout.
    let echo = FakeEngine::mci(|| shadowgate_tests::gateway::layout().framer())
        .start()
        .await;
    let gateway = TestGateway::new()
        .live("legacy-echo", EngineToml::mci(echo.addr()))
        .start()
        .await;
    let url = format!("{}/v1/strategies/loan-screening", gateway.http_url());
    let json = serde_json::to_vec(&request(&guid(9))).unwrap();
    let (status, body) = post(&url, "application/json", json).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 502, "{text}");
    assert!(text.contains("live answer does not decode: "), "{text}");
    assert_eq!(echo.requests(), 1);
}

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

/// An engine that decides `L1` on a request of the contract's types and `X9` on one with a
/// number given as a string: a new engine's own check of its input.
fn typed_deciding() -> shadowgate_tests::fake::FakeHttpBuilder {
    FakeEngine::http().reply(|request| {
        let body = &request["body"];
        let typed = ["annual_income", "credit_score", "loan_cnt"]
            .iter()
            .all(|key| body[*key].is_number());
        http_answer(&decision(if typed { "L1" } else { "X9" }, LIMIT))
    })
}

#[tokio::test]
async fn http_engines_get_the_decoded_frame_of_a_json_request_as_of_the_same_frame() {
    let live = typed_deciding().start().await;
    let shadow = typed_deciding().start().await;
    let gateway = TestGateway::new()
        .live("old-engine", EngineToml::http(&live.url()))
        .shadow("new-engine", EngineToml::http(&shadow.url()))
        .start()
        .await;
    let id = guid(21);
    let loose = LOOSE.replace("GUID", &id);
    let url = format!("{}/v1/strategies/loan-screening", gateway.http_url());
    let (status, body) = post(&url, "application/json", loose.clone()).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("\"grade\":\"L1\""), "{text}");
    gateway.summary(|c| c.comparisons() >= 1).await;
    let (live_json, shadow_json) = (live.last_request().unwrap(), shadow.last_request().unwrap());
    assert_eq!(live_json, shadow_json);
    // What the engine got: the frame's values, not the JSON as posted.
    let body = &live_json["body"];
    assert_eq!(body["annual_income"].to_string(), "20000000");
    assert_eq!(body["credit_score"].to_string(), "726");
    assert_eq!(body["cust_name"], "ABCDEFGHIJKLMNOPQRST");
    assert_eq!(body["loan_cnt"].to_string(), "1");
    assert_eq!(body["loans"][0]["balance"].to_string(), "4000000");
    assert_eq!(body["loans"][0]["rate"].to_string(), "12.900");

    // The same request as core banking sends it, as a frame: the same body for both engines.
    let message: protocol_mci::Message = serde_json::from_str(&loose).unwrap();
    let frame = layout().encode(Direction::Request, &message).unwrap();
    let answer = gateway.mci_client().await.call(&frame).await;
    assert_eq!(decode_answer(&answer).body["grade"], "L1");
    let counters = gateway.summary(|c| c.comparisons() >= 2).await;
    assert_eq!(live.last_request().unwrap(), live_json);
    assert_eq!(shadow.last_request().unwrap(), shadow_json);
    assert_eq!((counters.matches, counters.comparisons()), (2, 2));
    gateway.shutdown().await;
}

#[tokio::test]
async fn an_occurs_group_short_of_elements_reaches_engines_as_the_frame_holds_it() {
    // The example layout with its loans as COBOL's `OCCURS 5` without `DEPENDING ON`.
    let text = std::fs::read_to_string(shadowgate_tests::gateway::layout_path()).unwrap();
    let counted = r#"{ name = "loans", type = "group", count = "loan_cnt", max = 5,"#;
    assert!(text.contains(counted));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("occurs.toml");
    let fixed = text.replace(counted, r#"{ name = "loans", type = "group", occurs = 5,"#);
    std::fs::write(&path, fixed).unwrap();
    let occurs = protocol_mci::Layout::from_file(&path).unwrap();

    let engine = typed_deciding().start().await;
    let gateway = TestGateway::new()
        .layout_file(&path)
        .live("new-engine", EngineToml::http(&engine.url()))
        .start()
        .await;
    let json = LOOSE
        .replace("GUID", &guid(23))
        .replace(r#""req_term": 36,"#, r#""req_term": 36, "loan_cnt": 1,"#);
    let url = format!("{}/v1/strategies/loan-screening", gateway.http_url());
    let (status, body) = post(&url, "application/json", json.clone()).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    // The four loans left out: zero numbers and blank text, as the frame holds them.
    let posted = engine.last_request().unwrap();
    let loans = posted["body"]["loans"].as_array().unwrap();
    assert_eq!(loans.len(), 5, "{posted}");
    assert_eq!(loans[0]["lender"], "CARD CO");
    assert_eq!(loans[4]["lender"], "");
    assert_eq!(loans[4]["balance"].to_string(), "0");
    assert_eq!(loans[4]["rate"].to_string(), "0.000");

    // `shadowgate encode`'s frame of the same JSON (the library's encode), sent by core
    // banking: the engine gets the same body.
    let message: protocol_mci::Message = serde_json::from_str(&json).unwrap();
    let frame = occurs.encode(Direction::Request, &message).unwrap();
    gateway.mci_client().await.call(&frame).await;
    assert_eq!(engine.last_request().unwrap(), posted);
    gateway.shutdown().await;
}
