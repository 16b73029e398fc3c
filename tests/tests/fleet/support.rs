//! What the fleet tests share: a gateway configured on the test cluster, and waiting until a
//! gateway has counted its comparisons.

use std::net::SocketAddr;
use std::time::Duration;

use shadowgate_tests::gateway::{GatewayBuilder, DEADLINE};
use shadowgate_tests::{EngineToml, TestGateway};

/// A gateway on `url`'s database as instance `instance`: MCI live engine `live`, HTTP shadow
/// engine `shadow`, the store `backend = "postgres"` without TLS.
pub(crate) fn fleet_gateway(
    url: &str,
    instance: &str,
    live: SocketAddr,
    shadow: &str,
) -> GatewayBuilder {
    TestGateway::new()
        .live("legacy", EngineToml::mci(live))
        .shadow("new-engine", EngineToml::http(shadow))
        .store_key("backend", "\"postgres\"")
        .store_key(
            "postgres",
            format!("{{ url = \"{url}\", instance = \"{instance}\", sslmode = \"disable\" }}"),
        )
}

/// Waits until `gateway` has counted `n` comparisons (shadow calls end after the live answers;
/// a shutdown cancels those still running), at most [`DEADLINE`].
pub(crate) async fn wait_comparisons(gateway: &TestGateway, n: u64) {
    let metrics = gateway.running().metrics.clone();
    let counted = move || {
        metrics
            .render()
            .lines()
            .filter(|l| l.starts_with("shadowgate_comparisons_total{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
    };
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while counted() < n as f64 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "comparisons never counted"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
