//! PostgreSQL stopped under traffic: live answers are untouched, the gateway spools to its local
//! store (`shadowgate_store_spooling` 1, `/readyz` still 200 with a detail), and when the
//! database is back the spool is forwarded: exact totals, every record once; records dropped
//! beyond a full spool are named in the fleet report. A database restarted while a gateway is
//! idle is written through a new session, nothing spooled; one stopped while a gateway is idle
//! shows on `/readyz` and the health API within seconds, without a write.

use std::time::Duration;

use shadowgate::cli::{self, Format, ReportArgs, SourceArgs};
use shadowgate_tests::gateway::{DEADLINE, STRATEGY};
use shadowgate_tests::postgres::TestPostgres;

use crate::support::{admin_get, metric, send, wait_metric, Rig};

/// gw-a's mismatches counted, the fleet's group sizes and records stored, as PostgreSQL has them.
async fn totals(db: &TestPostgres) -> (i64, i64, i64) {
    db.query_one(
        "SELECT c.mismatches,
             (SELECT sum(count)::int8 FROM shadowgate_groups),
             (SELECT sum(record_count)::int8 FROM shadowgate_records)
         FROM shadowgate_counters c WHERE c.instance = 'gw-a' AND c.strategy = $1",
        &[&STRATEGY],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_going_away_spools_locally_and_forwards_every_record_once() {
    // Every comparison is a mismatch: a record, a group member and a counter each.
    let mut rig = Rig::start().await;
    let gateway = rig.spooling_gateway("").admin().start().await;
    let mut client = gateway.mci_client().await;
    send(&mut client, 1..21).await;
    wait_metric(&gateway, "shadowgate_store_events_committed_total", 20.0).await;

    rig.stop_db();
    send(&mut client, 21..51).await;
    wait_metric(&gateway, "shadowgate_store_spooling", 1.0).await;
    let (status, ready) = admin_get(&gateway, "/readyz").await;
    assert_eq!(status, 200, "spooling keeps the gateway ready: {ready}");
    // The server ending its sessions as it stops (FATAL 57P01) is the same outage as the
    // refused connections after it: one kind, not `failed` then `unreachable`.
    assert!(ready.contains("store spooling: unreachable"), "{ready}");
    assert_eq!(metric(&gateway, "shadowgate_store_degraded"), 0.0);

    rig.start_db();
    send(&mut client, 51..61).await;
    wait_metric(&gateway, "shadowgate_store_spooling", 0.0).await;
    wait_metric(&gateway, "shadowgate_store_events_committed_total", 60.0).await;
    gateway.shutdown().await;

    let totals = totals(&rig.db).await;
    assert_eq!(totals, (60, 60, 60));
    rig.finish().await;
}

/// PostgreSQL restarted while a gateway is idle: its session died with the old server, and the
/// first write after the restart goes through a new session instead of failing on the dead one
/// (which spooled it and had `/readyz` say `unreachable` until the next retry, 5 s later).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_gateway_writes_through_a_new_session_after_a_database_restart() {
    let mut rig = Rig::start().await;
    // `retry_interval_ms` left at 5 s: a write spooled now would stay spooled for that long.
    let gateway = rig.fleet_gateway("gw-a").admin().start().await;
    let mut client = gateway.mci_client().await;
    send(&mut client, 1..11).await;
    wait_metric(&gateway, "shadowgate_store_events_committed_total", 10.0).await;

    rig.stop_db();
    rig.start_db();
    send(&mut client, 11..21).await;
    wait_metric(&gateway, "shadowgate_store_events_committed_total", 20.0).await;
    assert_eq!(metric(&gateway, "shadowgate_store_spooling"), 0.0);
    let (status, ready) = admin_get(&gateway, "/readyz").await;
    assert_eq!((status, ready.as_str()), (200, r#"{"status":"ready"}"#));
    gateway.shutdown().await;

    assert_eq!(totals(&rig.db).await, (20, 20, 20));
    rig.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spool_left_by_a_stopped_gateway_is_forwarded_once_after_its_restart() {
    let mut rig = Rig::start().await;
    let local = tempfile::tempdir().unwrap();
    let builder = rig
        .spooling_gateway("")
        .store_path(&local.path().join("store"));
    let gateway = builder.clone().start().await;
    let mut client = gateway.mci_client().await;
    send(&mut client, 1..11).await;
    wait_metric(&gateway, "shadowgate_store_events_committed_total", 10.0).await;
    rig.stop_db();
    send(&mut client, 11..26).await;
    wait_metric(&gateway, "shadowgate_store_events_committed_total", 25.0).await;
    assert_eq!(metric(&gateway, "shadowgate_store_spooling"), 1.0);
    gateway.shutdown().await;

    // Back with the database: the spool is forwarded at the writer's first contact, then
    // removed. Whether that is before or after the start returns is a race (the start reads the
    // fleet's audit trail from the same database), so only the outcome is asserted: every
    // spooled record counted once, below.
    rig.start_db();
    let gateway = builder.start().await;
    let mut client = gateway.mci_client().await;
    send(&mut client, 26..31).await;
    wait_metric(&gateway, "shadowgate_store_spooling", 0.0).await;
    wait_metric(&gateway, "shadowgate_store_events_committed_total", 5.0).await;
    gateway.shutdown().await;

    let totals = totals(&rig.db).await;
    assert_eq!(totals, (30, 30, 30));
    rig.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_spool_degrades_the_store_and_every_comparison_is_still_counted() {
    let mut rig = Rig::start().await;
    let gateway = rig
        .spooling_gateway(", spool_max_records = 5")
        .start()
        .await;
    let mut client = gateway.mci_client().await;
    send(&mut client, 1..6).await;
    wait_metric(&gateway, "shadowgate_store_events_committed_total", 5.0).await;
    rig.stop_db();
    let mut sent = 5;
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while metric(&gateway, "shadowgate_store_degraded") != 1.0 {
        assert!(tokio::time::Instant::now() < deadline, "never degraded");
        send(&mut client, sent + 1..sent + 2).await;
        sent += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    send(&mut client, sent + 1..sent + 11).await;
    sent += 10;

    rig.start_db();
    wait_metric(&gateway, "shadowgate_store_degraded", 0.0).await;
    send(&mut client, sent + 1..sent + 3).await;
    sent += 2;
    wait_metric(&gateway, "shadowgate_store_spooling", 0.0).await;
    let text = gateway.running().metrics.render();
    let dropped: f64 = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("shadowgate_store_dropped_total{reason=\"write_error\"} ")?
                .parse()
                .ok()
        })
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gateway.toml");
    std::fs::write(&config, gateway.builder().toml(&dir.path().join("store"))).unwrap();
    gateway.shutdown().await;

    // The fleet report says the gateway dropped records, how many and when: its records are
    // fewer than its failures.
    let text = tokio::task::spawn_blocking(move || {
        let args = ReportArgs {
            source: SourceArgs {
                store: None,
                config: Some(config),
                from: None,
                token_env: None,
            },
            strategy: None,
            format: Format::Text,
            daily: false,
        };
        let mut out = Vec::new();
        cli::run_report(&args, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    })
    .await
    .unwrap();
    let note = format!("  gw-a dropped {dropped} records compared between ");
    let said: Vec<&str> = text.lines().filter(|l| l.starts_with(&note)).collect();
    assert_eq!(said.len(), 1, "{text}");
    assert!(
        said[0].ends_with(
            "(its store unavailable or behind): the records below are fewer than the failures \
             counted"
        ),
        "{text}"
    );

    let (counted, stored): (i64, i64) = rig
        .db
        .query_one(
            "SELECT mismatches, (SELECT sum(record_count)::int8 FROM shadowgate_records)
             FROM shadowgate_counters WHERE instance = 'gw-a' AND strategy = $1",
            &[&STRATEGY],
        )
        .await;
    assert_eq!(counted, sent as i64, "every comparison counted");
    assert!(
        dropped >= 1.0,
        "records beyond the spool's bound are dropped"
    );
    assert_eq!(
        stored + dropped as i64,
        sent as i64,
        "stored or counted as dropped"
    );
    rig.finish().await;
}

/// Waits (bounded by `within`) until `/readyz` answers `matches`; gives the answer.
async fn wait_ready(
    gateway: &shadowgate_tests::TestGateway,
    within: Duration,
    matches: impl Fn(&str) -> bool,
) -> String {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let (status, ready) = admin_get(gateway, "/readyz").await;
        assert_eq!(status, 200, "{ready}");
        if matches(&ready) {
            return ready;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/readyz still says {ready}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// PostgreSQL stopped while a gateway has no traffic: the writer's idle check finds it, and
/// `/readyz` and the health API say so as under traffic (a trial's idle gateway said ready with
/// no detail while its pages answered 503); when it is back, the detail goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_gateway_shows_a_database_outage_and_its_end() {
    let mut rig = Rig::start().await;
    let gateway = rig.spooling_gateway("").admin().start().await;
    wait_ready(&gateway, DEADLINE, |r| r == r#"{"status":"ready"}"#).await;

    rig.stop_db();
    // The idle check runs every 5 s at most; its connect gives up after 500 ms. A check made
    // while the server is still stopping may say `failed` until the next retry (200 ms here).
    let unreachable = r#"{"status":"ready","detail":"store spooling: unreachable"}"#;
    wait_ready(&gateway, Duration::from_secs(15), |r| r == unreachable).await;
    assert_eq!(metric(&gateway, "shadowgate_store_spooling"), 1.0);
    let (_, health) = admin_get(&gateway, "/api/v1/health").await;
    assert!(
        health.contains("store spooling: postgres unreachable ("),
        "{health}"
    );

    rig.start_db();
    wait_ready(&gateway, DEADLINE, |r| r == r#"{"status":"ready"}"#).await;
    assert_eq!(metric(&gateway, "shadowgate_store_spooling"), 0.0);
    gateway.shutdown().await;
    rig.finish().await;
}
