//! Real gateways with `backend = "postgres"`: each writes its own rows under its instance name,
//! the fleet's totals are sums over instances, and a restarted instance carries on from its
//! stored totals instead of starting again or counting twice.

use shadowgate_tests::gateway::{
    answer_frame, decision, guid, http_deciding, mci_deciding, request_frame, LIMIT, STRATEGY,
};
use shadowgate_tests::postgres::TestPostgres;

use crate::support::{fleet_gateway, wait_comparisons};

/// Starts a gateway named `instance` on `db` whose shadow engine decides `shadow_grade` (the
/// live engine decides `L1`: the same grade is a match, another a mismatch), sends `n` requests
/// numbered from `first`, checks every live answer, and shuts it down (which flushes the store).
async fn run(db: &TestPostgres, instance: &str, shadow_grade: &str, first: u64, n: u64) {
    let legacy = mci_deciding("L1").start().await;
    let next = http_deciding(shadow_grade).start().await;
    let gateway = fleet_gateway(&db.url(), instance, legacy.addr(), &next.url())
        .start()
        .await;
    let mut client = gateway.mci_client().await;
    for i in first..first + n {
        let request = request_frame(&guid(i));
        let answer = client.call(&request).await;
        let expected = answer_frame(&request, &decision("L1", LIMIT));
        assert_eq!(answer[..], expected[..], "live answer {i}");
    }
    wait_comparisons(&gateway, n).await;
    gateway.shutdown().await;
}

/// What the tables hold: per instance (matches, mismatches, group count, records), ordered.
type Totals = Vec<(String, i64, i64, i64, i64)>;

async fn totals(db: &TestPostgres) -> Totals {
    db.query(
        "SELECT c.instance, c.matches, c.mismatches,
             coalesce((SELECT sum(count) FROM shadowgate_groups g
                       WHERE g.instance = c.instance), 0)::int8,
             coalesce((SELECT sum(record_count) FROM shadowgate_records r
                       WHERE r.instance = c.instance), 0)::int8
         FROM shadowgate_counters c WHERE c.strategy = $1 ORDER BY c.instance",
        &[&STRATEGY],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_traffic_from_two_instances_gives_exact_fleet_totals_across_a_restart() {
    let db = TestPostgres::start_async().await;
    run(&db, "gw-a", "N9", 1, 30).await;
    run(&db, "gw-b", "L1", 31, 20).await;
    assert_eq!(
        totals(&db).await,
        [("gw-a".into(), 0, 30, 30, 30), ("gw-b".into(), 20, 0, 0, 0)]
    );

    // gw-a again, as after a restart: it loads its totals and adds to them.
    run(&db, "gw-a", "N9", 51, 12).await;
    assert_eq!(
        totals(&db).await,
        [("gw-a".into(), 0, 42, 42, 42), ("gw-b".into(), 20, 0, 0, 0)]
    );
    let fleet: (i64, i64, i64) = db
        .query_one(
            "SELECT sum(matches)::int8, sum(mismatches)::int8, count(*)
             FROM shadowgate_counters WHERE strategy = $1",
            &[&STRATEGY],
        )
        .await;
    assert_eq!(
        fleet,
        (20, 42, 2),
        "the fleet's totals are the sum of its instances'"
    );
    db.delete_async().await;
}

/// A second gateway configured with an instance name a running gateway holds is refused at
/// start, naming the key and the holder (its process and host, address and session start): two
/// writers of one instance's absolute totals would overwrite each other's. The first keeps
/// running; once it stops, the name is free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_gateway_with_a_running_instance_name_is_refused_at_start() {
    let db = TestPostgres::start_async().await;
    let legacy = mci_deciding("L1").start().await;
    let next = http_deciding("L1").start().await;
    let builder = fleet_gateway(&db.url(), "gw-same", legacy.addr(), &next.url());
    let first = builder.clone().start().await;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("second.toml");
    std::fs::write(&path, builder.toml(&dir.path().join("store"))).unwrap();
    let config = shadowgate::config::load(&path).unwrap();
    let error = match shadowgate::server::Running::start(config).await {
        Ok(_) => panic!("a second gateway with instance gw-same started"),
        Err(error) => format!("{error:#}"),
    };
    // The holder is this test's process (the first gateway runs in it), its session's start
    // in UTC.
    let holder = format!(
        "\"gw-same\" in use by \"shadowgate pid {} on ",
        std::process::id()
    );
    assert!(
        error.contains("store.postgres.instance: expected a name no running gateway uses, found ")
            && error.contains(&holder)
            && error.contains(", from 127.0.0.1, since ")
            && error.contains(" UTC)"),
        "{error}"
    );

    // The first one still answers.
    let mut client = first.mci_client().await;
    let request = request_frame(&guid(1));
    let answer = client.call(&request).await;
    assert_eq!(
        answer[..],
        answer_frame(&request, &decision("L1", LIMIT))[..]
    );
    first.shutdown().await;

    let config = shadowgate::config::load(&path).unwrap();
    let second = shadowgate::server::Running::start(config)
        .await
        .unwrap_or_else(|e| panic!("the name was not freed: {e}"));
    second.shutdown(std::time::Duration::from_secs(5)).await;
    db.delete_async().await;
}
