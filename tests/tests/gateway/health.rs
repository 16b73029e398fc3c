//! Engine health: a live engine with nothing listening is reported on `/readyz` (503 naming the
//! engine and the kind of its failure; `/api/v1/health` names the strategy) and in
//! `shadowgate_engine_up` within 5 s; once it listens, both recover.

use std::time::Duration;

use serde_json::Value;
use shadowgate_tests::gateway::{get, mci_deciding, request_frame, STRATEGY};
use shadowgate_tests::{EngineToml, TestGateway};
use tokio::time::Instant;

use super::support::{assert_legacy_answer, refused_address};

/// How soon a change must show: the issue's bound for a dead live engine.
const WITHIN: Duration = Duration::from_secs(5);

/// Polls `GET {url}` every 50 ms until `until` holds for the answer; panics after `within`.
async fn poll(url: &str, within: Duration, until: impl Fn(u16, &str) -> bool) -> (u16, String) {
    let deadline = Instant::now() + within;
    loop {
        let (status, body) = get(url).await;
        if until(status, &body) {
            return (status, body);
        }
        assert!(
            Instant::now() < deadline,
            "{url}: not as expected within {within:?}; last answer {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn gauge(metrics: &str, engine: &str) -> Option<i64> {
    let prefix = format!("shadowgate_engine_up{{engine=\"{engine}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
}

#[tokio::test]
async fn a_dead_live_engine_makes_readyz_fail_naming_the_strategy_until_it_comes_up() {
    let address = refused_address();
    let shadow = mci_deciding("N1").start().await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(address))
        .shadow("new-engine", EngineToml::mci(shadow.addr()))
        .admin()
        .start()
        .await;
    let admin = format!("http://{}", gateway.admin_address());
    let started = Instant::now();

    let (status, body) = poll(&format!("{admin}/readyz"), WITHIN, |s, _| s == 503).await;
    assert_eq!(status, 503);
    let body: Value = serde_json::from_str(&body).unwrap();
    // The unauthenticated probe says the kind; the admin API says the rest.
    assert_eq!(
        body["reason"], r#"live engine "legacy": unreachable"#,
        "{body}"
    );
    let (_, body) = get(&format!("{admin}/api/v1/health")).await;
    let body: Value = serde_json::from_str(&body).unwrap();
    let down = body["strategies"].as_array().unwrap();
    assert_eq!(down.len(), 1, "{body}");
    assert_eq!(down[0]["strategy"], STRATEGY);
    assert_eq!(down[0]["engine"], "legacy");
    assert_eq!(down[0]["last_error"], "connect");
    let (_, metrics) = poll(&format!("{admin}/metrics"), WITHIN, |_, m| {
        gauge(m, "legacy") == Some(0)
    })
    .await;
    assert_eq!(gauge(&metrics, "new-engine"), Some(1), "{metrics}");
    assert!(started.elapsed() < WITHIN);

    // The engine comes up where the gateway expects it: the next probe sees it.
    let legacy = mci_deciding("L1").start_at(address).await;
    poll(&format!("{admin}/readyz"), WITHIN, |s, _| s == 200).await;
    let (_, metrics) = get(&format!("{admin}/metrics")).await;
    assert_eq!(gauge(&metrics, "legacy"), Some(1), "{metrics}");
    assert_legacy_answer(&mut gateway.mci_client().await, "after-recovery").await;
    assert_eq!(legacy.requests(), 1);

    // The summary (what `report --from` and the page read) shows both engines with their roles.
    let (_, summary) = get(&format!("{admin}/api/v1/summary")).await;
    let summary: Value = serde_json::from_str(&summary).unwrap();
    let engines = summary["engines"].as_array().unwrap();
    let legacy_status = engines.iter().find(|e| e["engine"] == "legacy").unwrap();
    assert_eq!(legacy_status["up"], true);
    assert_eq!(legacy_status["live_for"][0], STRATEGY);
    assert_eq!(legacy_status["last_error"], "connect", "history is kept");
    let (_, page) = get(&format!("{admin}/")).await;
    assert!(page.contains("<td>legacy</td><td>mci</td>"), "{page}");
    gateway.shutdown().await;
}

#[tokio::test]
async fn calls_that_cannot_connect_flip_the_engine_down_before_the_next_probe() {
    // A probe interval far longer than the test: only the calls can tell.
    let legacy = mci_deciding("L1").start().await;
    let address = legacy.addr();
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(address))
        .probe_interval(Duration::from_secs(600))
        .admin()
        .start()
        .await;
    let admin = format!("http://{}", gateway.admin_address());
    assert_eq!(get(&format!("{admin}/readyz")).await.0, 200);
    drop(legacy);
    let mut client = gateway.mci_client().await;
    // No call was made before, so no pooled connection: each call fails to connect. The gateway
    // answers each with its own error frame.
    for i in 0..3 {
        assert_eq!(
            get(&format!("{admin}/readyz")).await.0,
            200,
            "after {i} calls"
        );
        client.call(&request_frame(&format!("dead-{i}"))).await;
    }
    let (status, body) = get(&format!("{admin}/readyz")).await;
    assert_eq!(status, 503, "{body}");
    gateway.shutdown().await;
}

#[tokio::test]
async fn the_probes_follow_a_reload_to_a_dead_live_engine() {
    let legacy = mci_deciding("L1").start().await;
    let mut gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .probe_interval(Duration::from_millis(100))
        .admin()
        .start()
        .await;
    let admin = format!("http://{}", gateway.admin_address());
    assert_eq!(get(&format!("{admin}/readyz")).await.0, 200);
    // The cutover to an engine nobody started: no call is made, only the probe can tell.
    let cutover = gateway
        .builder()
        .live("new-engine", EngineToml::mci(refused_address()));
    gateway.reload_with(cutover).unwrap();
    let (_, body) = poll(&format!("{admin}/readyz"), WITHIN, |s, _| s == 503).await;
    assert!(body.contains(r#"live engine \"new-engine\""#), "{body}");
    let (_, body) = get(&format!("{admin}/api/v1/health")).await;
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["strategies"][0]["engine"], "new-engine", "{body}");
    let (_, metrics) = get(&format!("{admin}/metrics")).await;
    assert_eq!(gauge(&metrics, "new-engine"), Some(0), "{metrics}");
    assert_eq!(gauge(&metrics, "legacy"), Some(1), "{metrics}");
    gateway.shutdown().await;
}
