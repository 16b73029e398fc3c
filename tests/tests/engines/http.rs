//! `HttpEngine` against `FakeEngine::http()`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use protocol_mci::json::JsonTree;
use serde_json::{json, Map, Value};
use shadowgate::engine::{
    encode_request_body, EngineErrorKind, EngineRequest, HttpEngine, HttpEngineSettings, Outcome,
    Role,
};
use shadowgate_tests::FakeEngine;

pub(crate) fn settings(url: &str) -> HttpEngineSettings {
    HttpEngineSettings::new("new-engine", url.parse().unwrap())
}

pub(crate) fn body() -> Bytes {
    let header: Map<String, Value> = serde_json::from_str(r#"{"guid": "g-1"}"#).unwrap();
    let body: Map<String, Value> =
        serde_json::from_str(r#"{"cust_no": "C042", "amount": 1000000.10}"#).unwrap();
    encode_request_body("LNS0001", &header, &body).unwrap()
}

pub(crate) fn request(role: Role) -> EngineRequest<'static> {
    EngineRequest {
        strategy: "loan-screening",
        path: "/v1/loan-screening",
        correlation_id: "corr-0001",
        role,
        body: body(),
    }
}

#[tokio::test]
async fn answer_comes_back_with_exact_numbers() {
    let engine = FakeEngine::http()
        .reply(|request| {
            assert_eq!(request["body"]["amount"].to_string(), "1000000.10");
            serde_json::from_str(
                r#"{"header": {"resp_code": "0000"}, "body": {"decision": "APPROVED", "limit": 12345.670}}"#,
            )
            .unwrap()
        })
        .start()
        .await;
    let client = HttpEngine::new(settings(&engine.url())).unwrap();
    let answer = client.call(&request(Role::Live)).await.unwrap();
    let answer = answer.to_value().unwrap();
    assert_eq!(answer["header"]["resp_code"], "0000");
    assert_eq!(answer["body"]["limit"].to_string(), "12345.670");
    assert_eq!(engine.last_request().unwrap()["tx_code"], "LNS0001");
}

#[tokio::test]
async fn contract_headers_and_path_are_sent() {
    let engine = FakeEngine::http().start().await;
    // A base path with a trailing slash must not double the strategy path's slash.
    let client = HttpEngine::new(settings(&format!("{}/engine/", engine.url()))).unwrap();
    client.call(&request(Role::Shadow)).await.unwrap();
    let headers = engine.last_headers().unwrap();
    assert_eq!(headers["x-shadowgate-role"], "shadow");
    assert_eq!(headers["x-shadowgate-strategy"], "loan-screening");
    assert_eq!(headers["x-request-id"], "corr-0001");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(engine.last_path().unwrap(), "/engine/v1/loan-screening");
    client.call(&request(Role::Live)).await.unwrap();
    assert_eq!(engine.last_headers().unwrap()["x-shadowgate-role"], "live");
}

#[tokio::test]
async fn non_2xx_is_a_status_error() {
    let engine = FakeEngine::http().status(503).start().await;
    let client = HttpEngine::new(settings(&engine.url())).unwrap();
    let error = client.call(&request(Role::Live)).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(error.outcome(), Outcome::Status);
    assert_eq!(
        error.to_string(),
        r#"engine "new-engine": answered with status 503"#
    );
}

#[tokio::test]
async fn invalid_json_and_wrong_shape_are_invalid_answers() {
    let engine = FakeEngine::http()
        .raw_body("{\"body\": nope}")
        .start()
        .await;
    let client = HttpEngine::new(settings(&engine.url())).unwrap();
    let error = client.call(&request(Role::Live)).await.unwrap_err();
    assert!(
        matches!(error.kind(), EngineErrorKind::InvalidJson { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("line 1 column"), "{error}");

    let engine = FakeEngine::http()
        .reply(|_| json!({"decision": "A"}))
        .start()
        .await;
    let client = HttpEngine::new(settings(&engine.url())).unwrap();
    let error = client.call(&request(Role::Live)).await.unwrap_err();
    assert!(error.is_invalid_answer(), "{error}");
    assert_eq!(error.outcome(), Outcome::Invalid);
}

#[tokio::test]
async fn a_bad_answer_checked_where_received_closes_its_connection_one_only_received_does_not() {
    let engine = FakeEngine::http()
        .raw_body("{\"body\": nope}")
        .start()
        .await;
    let client = HttpEngine::new(settings(&engine.url())).unwrap();
    // Checked where it is received (a live answer): the exchange failed, its connection closed.
    for _ in 0..2 {
        let read = |tree: JsonTree<'_>| tree.to_value();
        let error = client
            .call_decoded_until(&request(Role::Live), None, &read)
            .await
            .unwrap_err();
        assert!(error.is_invalid_answer(), "{error}");
    }
    assert_eq!(engine.connections_accepted(), 2);
    // Only received (a shadow answer, checked on a shadow worker): its clean HTTP exchange
    // gives the connection back, the check finds the same error later.
    for _ in 0..2 {
        let answer = client
            .receive_until(&request(Role::Shadow), None)
            .await
            .unwrap();
        let error = answer.check().unwrap_err();
        assert!(
            matches!(error, EngineErrorKind::InvalidJson { .. }),
            "{error}"
        );
    }
    assert_eq!(
        engine.connections_accepted(),
        3,
        "the received-only answers share one"
    );
}

#[tokio::test]
async fn an_answer_checked_where_received_gives_its_tree_to_the_reader() {
    let engine = FakeEngine::http()
        .reply(|_| {
            serde_json::from_str(
                r#"{"header": {"resp_code": "0000"}, "body": {"limit": 12345.670}}"#,
            )
            .unwrap()
        })
        .start()
        .await;
    let client = HttpEngine::new(settings(&engine.url())).unwrap();
    let read = |tree: JsonTree<'_>| tree.to_value()["body"]["limit"].to_string();
    let limit = client
        .call_decoded_until(&request(Role::Live), None, &read)
        .await
        .unwrap();
    assert_eq!(limit, "12345.670");
}

#[tokio::test]
async fn oversized_answer_is_refused() {
    let engine = FakeEngine::http()
        .reply(|_| json!({"body": {"notes": "x".repeat(4096)}}))
        .start()
        .await;
    let mut settings = settings(&engine.url());
    settings.max_response_bytes = 1024;
    let error = HttpEngine::new(settings)
        .unwrap()
        .call(&request(Role::Live))
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), EngineErrorKind::TooLarge { limit: 1024 }),
        "{error}"
    );
}

#[tokio::test]
async fn slow_engine_times_out_at_the_deadline_not_its_delay() {
    let delay = Duration::from_secs(5);
    let engine = FakeEngine::http().delay(delay).start().await;
    let mut settings = settings(&engine.url());
    settings.request_timeout = delay / 20;
    let client = HttpEngine::new(settings).unwrap();
    let started = Instant::now();
    let error = client.call(&request(Role::Live)).await.unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(
        started.elapsed() < delay / 2,
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        error.to_string(),
        r#"engine "new-engine": request timed out after 250ms"#
    );
}

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let error = HttpEngine::new(settings(&url))
        .unwrap()
        .call(&request(Role::Live))
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error}");
}

#[tokio::test]
async fn max_in_flight_bounds_concurrent_requests() {
    let engine = FakeEngine::http()
        .delay(Duration::from_millis(100))
        .start()
        .await;
    let mut settings = settings(&engine.url());
    settings.max_in_flight = 2;
    let client = Arc::new(HttpEngine::new(settings).unwrap());
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.call(&request(Role::Shadow)).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(engine.requests(), 6);
    assert_eq!(engine.peak_in_flight(), 2);
}
