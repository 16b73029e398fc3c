//! What the fleet tests share: a gateway configured on the test cluster, waiting until a
//! gateway has counted its comparisons, sending checked requests, and reading its metrics.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use shadowgate::config::{check_with, Secrets};

use shadowgate_tests::gateway::{
    answer_frame, decision, guid, request_frame, GatewayBuilder, MciClient, DEADLINE, LIMIT,
};
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

/// A gateway that spools while the database is down: instance `gw-a` on `url` with a 500 ms
/// connect timeout (plus `postgres_extra`, e.g. `", spool_max_records = 5"`), reopening every
/// 200 ms; MCI live engine `live`, HTTP shadow engine `shadow`.
pub(crate) fn spooling_gateway(
    url: &str,
    live: SocketAddr,
    shadow: &str,
    postgres_extra: &str,
) -> GatewayBuilder {
    TestGateway::new()
        .live("legacy", EngineToml::mci(live))
        .shadow("new-engine", EngineToml::http(shadow))
        .store_key("backend", "\"postgres\"")
        .store_key(
            "postgres",
            format!(
                "{{ url = \"{url}\", instance = \"gw-a\", sslmode = \"disable\", \
                 connect_timeout_ms = 500{postgres_extra} }}"
            ),
        )
        .store_key("retry_interval_ms", "200")
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

/// Sends requests `range`, checking every live answer byte for byte.
pub(crate) async fn send(client: &mut MciClient, range: std::ops::Range<u64>) {
    for i in range {
        let request = request_frame(&guid(i));
        let answer = client.call(&request).await;
        let expected = answer_frame(&request, &decision("L1", LIMIT));
        assert_eq!(answer[..], expected[..], "live answer {i}");
    }
}

/// The value of a metric line (name with its labels) in the gateway's metrics.
pub(crate) fn metric(gateway: &TestGateway, name: &str) -> f64 {
    let text = gateway.running().metrics.render();
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Waits (bounded) until `name` reads `value`.
pub(crate) async fn wait_metric(gateway: &TestGateway, name: &str, value: f64) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while metric(gateway, name) != value {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name} never became {value} (is {})",
            metric(gateway, name)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What `check-config` (secrets read) says at `store.postgres` of the config at `path`: each
/// problem as (is an error, its text).
pub(crate) fn store_postgres_problems(path: &Path) -> Vec<(bool, String)> {
    check_with(path, Secrets::Read)
        .problems
        .iter()
        // At its line: `store.postgres (line 24, column 1)`.
        .filter(|p| p.key.starts_with("store.postgres ("))
        .map(|p| (p.is_error(), p.to_string()))
        .collect()
}
