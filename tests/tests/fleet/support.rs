//! What the fleet tests share: a gateway configured on the test cluster, the cluster and engines
//! of the outage tests ([`Rig`]), waiting until a gateway has counted its comparisons, sending
//! checked requests, and reading its metrics and admin API.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use shadowgate::config::{check_with, Secrets};

use shadowgate_tests::fake::{FakeHttp, FakeMci};
use shadowgate_tests::gateway::{
    answer_frame, decision, get, guid, http_deciding, mci_deciding, request_frame, GatewayBuilder,
    MciClient, DEADLINE, LIMIT,
};
use shadowgate_tests::postgres::TestPostgres;
use shadowgate_tests::{EngineToml, TestGateway};

/// The test cluster and the engines of the outage tests' gateways: the live engine decides `L1`,
/// the shadow engine `N9` (every comparison a mismatch: a record, a group member and a counter
/// each).
pub(crate) struct Rig {
    /// The cluster, which the tests stop and start again.
    pub(crate) db: TestPostgres,
    legacy: FakeMci,
    next: FakeHttp,
}

impl Rig {
    /// Starts the cluster (off the async workers: it waits for the server) and the engines.
    pub(crate) async fn start() -> Rig {
        Rig {
            db: TestPostgres::start_async().await,
            legacy: mci_deciding("L1").start().await,
            next: http_deciding("N9").start().await,
        }
    }

    /// A gateway on the cluster as instance `instance`, as [`fleet_gateway`].
    pub(crate) fn fleet_gateway(&self, instance: &str) -> GatewayBuilder {
        fleet_gateway(
            &self.db.url(),
            instance,
            self.legacy.addr(),
            &self.next.url(),
        )
    }

    /// A gateway that spools while the cluster is down: instance `gw-a` with a 500 ms connect
    /// timeout (plus `postgres_extra`, e.g. `", spool_max_records = 5"`), reopening every 200 ms.
    pub(crate) fn spooling_gateway(&self, postgres_extra: &str) -> GatewayBuilder {
        fleet_gateway_with(
            &self.db.url(),
            "gw-a",
            self.legacy.addr(),
            &self.next.url(),
            &format!(", connect_timeout_ms = 500{postgres_extra}"),
        )
        .store_key("retry_interval_ms", "200")
    }

    /// Stops the cluster (a blocking wait, taken off the async workers).
    pub(crate) fn stop_db(&mut self) {
        tokio::task::block_in_place(|| self.db.stop());
    }

    /// Starts the cluster again (a blocking wait, taken off the async workers).
    pub(crate) fn start_db(&mut self) {
        tokio::task::block_in_place(|| self.db.start());
    }

    /// Runs `meanwhile` (something blocking: a gateway process stopped or killed) while the
    /// cluster is stopped, then starts the cluster again; all off the async workers.
    pub(crate) fn while_db_down(&mut self, meanwhile: impl FnOnce()) {
        tokio::task::block_in_place(|| {
            self.db.stop();
            meanwhile();
            self.db.start();
        });
    }

    /// Stops and deletes the cluster off the async workers.
    pub(crate) async fn finish(self) {
        self.db.delete_async().await;
    }
}

/// A gateway on `url`'s database as instance `instance`: MCI live engine `live`, HTTP shadow
/// engine `shadow`, the store `backend = "postgres"` without TLS.
pub(crate) fn fleet_gateway(
    url: &str,
    instance: &str,
    live: SocketAddr,
    shadow: &str,
) -> GatewayBuilder {
    fleet_gateway_with(url, instance, live, shadow, "")
}

/// [`fleet_gateway`] with more keys in `store.postgres`: `postgres_extra`, e.g.
/// `", connect_timeout_ms = 500"`.
pub(crate) fn fleet_gateway_with(
    url: &str,
    instance: &str,
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
                "{{ url = \"{url}\", instance = \"{instance}\", sslmode = \"disable\"\
                 {postgres_extra} }}"
            ),
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

/// `GET` of `path` on `gateway`'s admin listener: the status and the body.
pub(crate) async fn admin_get(gateway: &TestGateway, path: &str) -> (u16, String) {
    get(&format!("http://{}{path}", gateway.admin_address())).await
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
