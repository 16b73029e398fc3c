//! A gateway started while PostgreSQL is down spools from its first comparison: totals counted
//! from zero, records by id, nothing dropped; when the database answers, the deltas are added to
//! the instance's totals, the spool is forwarded once, and a restart counts nothing twice.

use shadowgate_tests::gateway::{GatewayBuilder, MciClient, STRATEGY};
use shadowgate_tests::postgres::TestPostgres;
use shadowgate_tests::TestGateway;

use crate::support::{admin_get, metric, send, wait_metric, Rig};

/// Starts a gateway of `builder`, sends it the frames numbered `frames` and waits until this run
/// has committed `committed` comparisons; gives the gateway and its client.
async fn serve(
    builder: &GatewayBuilder,
    frames: std::ops::Range<u64>,
    committed: f64,
) -> (TestGateway, MciClient) {
    let gateway = builder.clone().start().await;
    let mut client = gateway.mci_client().await;
    send(&mut client, frames).await;
    wait_metric(
        &gateway,
        "shadowgate_store_events_committed_total",
        committed,
    )
    .await;
    (gateway, client)
}

/// Nothing dropped, nothing left unpersisted: every comparison of this run is spooled or stored.
fn assert_nothing_lost(gateway: &TestGateway) {
    for reason in ["write_error", "channel_full", "encode_error"] {
        let name = format!("shadowgate_store_dropped_total{{reason=\"{reason}\"}}");
        let dropped = metric(gateway, &name);
        assert!(dropped == 0.0 || dropped.is_nan(), "{name} is {dropped}");
    }
    assert_eq!(metric(gateway, "shadowgate_store_degraded"), 0.0);
}

/// gw-a's mismatches counted, its group's size, its records stored, and its rows in the
/// counters table, as PostgreSQL has them.
async fn totals(db: &TestPostgres) -> (i64, i64, i64, i64) {
    db.query_one(
        "SELECT (SELECT sum(mismatches)::int8 FROM shadowgate_counters
                     WHERE instance = 'gw-a' AND strategy = $1),
                (SELECT sum(count)::int8 FROM shadowgate_groups WHERE instance = 'gw-a'),
                (SELECT sum(record_count)::int8 FROM shadowgate_records
                     WHERE instance = 'gw-a'),
                (SELECT count(*) FROM shadowgate_counters WHERE instance = 'gw-a')",
        &[&STRATEGY],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_started_while_postgres_is_down_spools_from_the_first_comparison() {
    // Every comparison is a mismatch: a record, a group member and a counter each.
    let mut rig = Rig::start().await;
    let local = tempfile::tempdir().unwrap();
    let builder = rig
        .spooling_gateway("")
        .admin()
        .store_path(&local.path().join("store"));

    // The instance has totals in the database before the outage: the deltas go on top of them.
    let (gateway, _client) = serve(&builder, 1..11, 10.0).await;
    gateway.shutdown().await;
    rig.stop_db();

    // Started while the database is down, and restarted before it is back: both runs spool.
    let (gateway, _client) = serve(&builder, 11..21, 10.0).await;
    assert_eq!(metric(&gateway, "shadowgate_store_spooling"), 1.0);
    assert_nothing_lost(&gateway);
    gateway.shutdown().await;

    let (gateway, mut client) = serve(&builder, 21..36, 15.0).await;
    assert_eq!(metric(&gateway, "shadowgate_store_spooling"), 1.0);
    let (status, ready) = admin_get(&gateway, "/readyz").await;
    assert_eq!(status, 200, "spooling keeps the gateway ready: {ready}");
    assert!(ready.contains("store spooling"), "{ready}");
    // Why, in the readiness detail: the client's error with its cause, not only its kind.
    let reason = gateway.running().store.stats().spooling_reason();
    assert!(
        reason.as_deref().is_some_and(|r| r.contains(
            "failed to connect to postgres: error connecting to server: Connection refused"
        )),
        "{reason:?}"
    );
    assert!(ready.contains("store spooling: unreachable"), "{ready}");
    assert!(!ready.contains("Connection refused"), "{ready}");
    let (_, health) = admin_get(&gateway, "/api/v1/health").await;
    assert!(
        health.contains("store spooling: postgres unreachable (")
            && health.contains("Connection refused"),
        "{health}"
    );
    assert_nothing_lost(&gateway);

    // Back: the start checks run, the deltas are added, the spool drains to zero.
    rig.start_db();
    wait_metric(&gateway, "shadowgate_store_spooling", 0.0).await;
    assert_eq!(gateway.running().store.stats().spooling_reason(), None);
    send(&mut client, 36..41).await;
    wait_metric(&gateway, "shadowgate_store_events_committed_total", 20.0).await;
    assert_nothing_lost(&gateway);
    gateway.shutdown().await;
    assert_eq!(totals(&rig.db).await, (40, 40, 40, 1));

    // A restart with the database finds nothing left to forward and counts nothing twice.
    let gateway = builder.start().await;
    assert_eq!(metric(&gateway, "shadowgate_store_spooling"), 0.0);
    let mut client = gateway.mci_client().await;
    send(&mut client, 41..46).await;
    wait_metric(&gateway, "shadowgate_store_events_committed_total", 5.0).await;
    assert_nothing_lost(&gateway);
    gateway.shutdown().await;
    assert_eq!(totals(&rig.db).await, (45, 45, 45, 1));
    rig.finish().await;
}

/// A run started while the database is down and stopped before it answered leaves its totals in
/// the spool as deltas counted from zero; the next run, started with the database, adds them to
/// the instance's totals before it counts on, instead of overwriting those with its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deltas_of_a_run_that_never_reached_postgres_are_added_by_the_next_run() {
    let mut rig = Rig::start().await;
    let local = tempfile::tempdir().unwrap();
    let builder = rig
        .spooling_gateway("")
        .store_path(&local.path().join("store"));

    let (gateway, _client) = serve(&builder, 1..11, 10.0).await;
    gateway.shutdown().await;

    // Started without the database and stopped before it answered: all of it stays spooled.
    rig.stop_db();
    let (gateway, _client) = serve(&builder, 11..26, 15.0).await;
    assert_eq!(metric(&gateway, "shadowgate_store_spooling"), 1.0);
    gateway.shutdown().await;

    // Started with the database: the spool's deltas go on the 10 it holds, then these 5.
    rig.start_db();
    let gateway = builder.clone().start().await;
    let mut client = gateway.mci_client().await;
    send(&mut client, 26..31).await;
    wait_metric(&gateway, "shadowgate_store_spooling", 0.0).await;
    wait_metric(&gateway, "shadowgate_store_events_committed_total", 5.0).await;
    assert_nothing_lost(&gateway);
    gateway.shutdown().await;
    assert_eq!(totals(&rig.db).await, (30, 30, 30, 1));

    // Nothing is left in the spool for a later start.
    let gateway = builder.start().await;
    assert_eq!(metric(&gateway, "shadowgate_store_spooling"), 0.0);
    gateway.shutdown().await;
    assert_eq!(totals(&rig.db).await, (30, 30, 30, 1));
    rig.finish().await;
}
