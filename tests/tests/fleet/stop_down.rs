//! A fleet gateway stopped cleanly (SIGTERM) while PostgreSQL is down keeps its clean stop in its
//! local store; restarted on the same directory once the database is back, it says nothing of an
//! unclean run (`/api/v1/health` `"previous_run": "clean"`). A gateway SIGKILLed during an
//! outage keeps nothing: its restart still says it did not stop cleanly. A trial's gateway warned
//! "did not stop cleanly" after every stop made while the database was down.

use serde_json::Value;
use shadowgate_tests::postgres::TestPostgres;
use shadowgate_tests::process::{health, write_config, GatewayProcess};

use crate::support::Rig;

const CHILD: &str = "stop_down::gateway_child";
const WARNING: &str = "the previous run on this store did not stop cleanly";

shadowgate_tests::gateway_child!(
    "the gateway process of the stop-while-down test, run by it with --ignored"
);

/// gw-a's run mark: its pid, and whether it is marked stopped.
async fn run_row(db: &TestPostgres) -> (i64, bool) {
    db.query_one(
        "SELECT pid, stopped_at IS NOT NULL FROM shadowgate_runs WHERE instance = 'gw-a'",
        &[],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_stopped_while_postgres_is_down_is_not_said_unclean_at_its_restart() {
    let mut rig = Rig::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (config, admin) = write_config(rig.spooling_gateway(""), dir.path());

    let first = GatewayProcess::start_async(CHILD, &config, admin).await;
    assert_eq!(health(admin).await["previous_run"], "unknown");
    let first_pid = i64::from(first.id());
    assert_eq!(run_row(&rig.db).await, (first_pid, false));

    // Stopped cleanly while the database is down: the stop is kept in the store directory.
    rig.while_db_down(|| first.terminate());
    assert_eq!(
        run_row(&rig.db).await,
        (first_pid, false),
        "the stop is not in the database yet"
    );

    let second = GatewayProcess::start_async(CHILD, &config, admin).await;
    let said = health(admin).await;
    assert_eq!(said["previous_run"], "clean", "{said}");
    assert_eq!(said["previous_run_pid"], Value::Null, "{said}");
    let log = second.log();
    assert!(!log.contains(WARNING), "{log}");
    assert!(!log.contains("could not be marked"), "{log}");
    let second_pid = i64::from(second.id());
    assert_eq!(run_row(&rig.db).await, (second_pid, false));

    // Killed while the database is down: nothing kept, the restart says so.
    rig.while_db_down(|| second.kill());
    let third = GatewayProcess::start_async(CHILD, &config, admin).await;
    let said = health(admin).await;
    assert_eq!(said["previous_run"], "unclean", "{said}");
    assert_eq!(said["previous_run_pid"], second_pid, "{said}");
    let log = third.log();
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains(WARNING)).collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(
        warnings[0].contains(&format!("pid={second_pid}")),
        "{}",
        warnings[0]
    );
    let third_pid = i64::from(third.id());
    tokio::task::block_in_place(|| third.terminate());
    assert_eq!(run_row(&rig.db).await, (third_pid, true));
    rig.finish().await;
}
