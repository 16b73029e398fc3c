//! The HTTP ingress: JSON requests answered with the live decision as JSON, raw frames answered
//! with the raw answer frame, and bad requests answered 400 naming the field.

use crate::support::legacy_live;
use serde_json::Value;
use shadowgate_tests::gateway::{
    answer_frame, decision, guid, post, request, request_frame, LIMIT,
};

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
