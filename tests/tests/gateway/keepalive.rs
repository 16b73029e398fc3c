//! Engines that close idle kept-alive connections (proxy-02): with the engine's `idle_timeout_ms`
//! below their keep-alive, requests paced right at that boundary all get decisions and no shadow
//! call fails; with no setting at all, a common 5 s keep-alive costs nothing.
//!
//! The sleeps pace the traffic (the scenario); assertions are on answers, counters and metrics.

use std::time::Duration;

use shadowgate_tests::gateway::{decode_answer, guid, http_deciding, mci_deciding, request_frame};
use shadowgate_tests::{EngineToml, TestGateway};

/// The engines' keep-alive in the paced tests (Node's `keepAliveTimeout`, time-scaled).
const ENGINE_IDLE: Duration = Duration::from_millis(250);

/// Our idle timeout in the paced tests: safely below the engines'.
const OUR_IDLE_MS: &str = "200";

/// Sends one frame per gap (after sleeping it) and asserts every answer is a decision; then
/// asserts every comparison was made and none was a shadow error, and no request failed on a
/// stale connection.
async fn paced(gateway: TestGateway, gaps: &[Duration]) {
    let mut client = gateway.mci_client().await;
    for (n, gap) in gaps.iter().enumerate() {
        tokio::time::sleep(*gap).await;
        let answer = decode_answer(&client.call(&request_frame(&guid(n as u64))).await);
        assert_eq!(
            answer.header["resp_code"], "0000",
            "request {n}: {answer:?}"
        );
    }
    let requests = gaps.len() as u64;
    let counters = gateway.summary(|c| c.comparisons() >= requests).await;
    assert_eq!(
        (counters.comparisons(), counters.shadow_errors),
        (requests, 0),
        "{counters:?}"
    );
    let rendered = gateway.running().metrics.render();
    let failed = rendered
        .lines()
        .filter(|l| l.starts_with("shadowgate_upstream_stale_connections_total"))
        .filter(|l| l.contains(r#"action="failed""#))
        .any(|l| !l.ends_with(" 0"));
    assert!(
        !failed,
        "a request failed on a stale connection:\n{rendered}"
    );
    gateway.shutdown().await;
}

/// `n` gaps of the engines' keep-alive, a few milliseconds either side (deterministic jitter).
fn at_the_boundary(n: usize) -> Vec<Duration> {
    let jitter = [-3i64, -1, 1, 3];
    (0..n)
        .map(|i| {
            let ms = ENGINE_IDLE.as_millis() as i64 + jitter[i % jitter.len()];
            Duration::from_millis(ms as u64)
        })
        .collect()
}

#[tokio::test]
async fn http_engines_closing_idle_connections_at_the_request_pace_cost_no_request() {
    let live = http_deciding("L1").idle_close(ENGINE_IDLE).start().await;
    let shadow = http_deciding("L1").idle_close(ENGINE_IDLE).start().await;
    let gateway = TestGateway::new()
        .live(
            "legacy",
            EngineToml::http(&live.url()).key("idle_timeout_ms", OUR_IDLE_MS),
        )
        .shadow(
            "new-engine",
            EngineToml::http(&shadow.url()).key("idle_timeout_ms", OUR_IDLE_MS),
        )
        .start()
        .await;
    paced(gateway, &at_the_boundary(30)).await;
    // Every pause outlived our idle timeout: each request went on a fresh connection.
    assert!(
        live.connections_accepted() >= 29,
        "{}",
        live.connections_accepted()
    );
}

#[tokio::test]
async fn mci_engines_dropping_idle_connections_at_the_request_pace_cost_no_request() {
    let live = mci_deciding("L1").idle_close(ENGINE_IDLE).start().await;
    let shadow = mci_deciding("L1").idle_close(ENGINE_IDLE).start().await;
    let gateway = TestGateway::new()
        .live(
            "legacy",
            EngineToml::mci(live.addr()).key("idle_timeout_ms", OUR_IDLE_MS),
        )
        .shadow(
            "new-engine",
            EngineToml::mci(shadow.addr()).key("idle_timeout_ms", OUR_IDLE_MS),
        )
        .start()
        .await;
    paced(gateway, &at_the_boundary(30)).await;
    assert!(
        live.connections_accepted() >= 29,
        "{}",
        live.connections_accepted()
    );
}

#[tokio::test]
async fn with_no_setting_a_five_second_engine_keep_alive_costs_no_request() {
    let keep_alive = Duration::from_secs(5);
    let live = mci_deciding("L1").idle_close(keep_alive).start().await;
    let shadow = http_deciding("L1").idle_close(keep_alive).start().await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(live.addr()))
        .shadow("new-engine", EngineToml::http(&shadow.url()))
        .start()
        .await;
    // Back to back, just over our default idle timeout (1.5 s), and right at the engines' 5 s.
    let gaps = [0, 10, 1_600, 1_600, 4_990].map(Duration::from_millis);
    paced(gateway, &gaps).await;
}
