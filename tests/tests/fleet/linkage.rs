//! A routing change reloaded, or started with, while PostgreSQL is down: the gateway serves the
//! new config at once, and the trail records the change, checked against the sign-offs, once the
//! database answers, without another reload; the reload after it is then no routing change.

use serde_json::Value;
use shadowgate_tests::gateway::DEADLINE;
use shadowgate_tests::TestGateway;

use crate::support::Rig;
use crate::triage::api;

/// The entries of `action` in `gateway`'s view of the fleet's trail, once there are `n` (the
/// record is retried every 5 s).
async fn entries(gateway: &TestGateway, action: &str, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + 2 * DEADLINE;
    loop {
        let trail = api(gateway, "/api/v1/audit").await;
        let all = trail["entries"].as_array().cloned().unwrap_or_default();
        let found: Vec<Value> = all.into_iter().filter(|e| e["action"] == action).collect();
        if found.len() >= n {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "{trail}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_while_the_database_is_down_is_recorded_once_it_answers() {
    let mut rig = Rig::start().await;
    let mut gateway = rig.spooling_gateway("").admin().start().await;
    let swapped = gateway.builder().swap_roles();
    rig.while_db_down(|| gateway.reload_with(swapped).unwrap());

    // Retried every 5 s: recorded after the database is back, without another reload.
    let reload = entries(&gateway, "reload", 1).await.remove(0);
    let change = &reload["evidence"]["changes"][0];
    assert_eq!(change["live_before"], "legacy", "{reload}");
    assert_eq!(change["live_after"], "new-engine", "{reload}");
    assert_eq!(
        change["unsigned_because"], "no sign-off of this strategy for this config",
        "{reload}"
    );
    assert!(
        reload["subject"]
            .as_str()
            .unwrap_or_default()
            .ends_with(" on gw-a"),
        "{reload}"
    );
    // Written late: the entry says when the reload took effect.
    assert!(reload["evidence"]["in_force_since"].is_string(), "{reload}");
    assert!(
        reload["note"]
            .as_str()
            .unwrap_or_default()
            .contains("; recorded late: the audit trail could not be written then)"),
        "{reload}"
    );

    // Recorded once: the next reload of the same file is no routing change.
    let same = gateway.builder();
    tokio::task::block_in_place(|| gateway.reload_with(same)).unwrap();
    let reloads = entries(&gateway, "reload", 2).await;
    assert_eq!(reloads.len(), 2, "{reloads:?}");
    let changes = &reloads[1]["evidence"]["changes"];
    assert_eq!(changes, &serde_json::json!([]), "{reloads:?}");
    gateway.shutdown().await;
    rig.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_with_swapped_engines_while_the_database_is_down_is_recorded_once_it_answers() {
    let mut rig = Rig::start().await;
    let local = tempfile::tempdir().unwrap();
    let builder = rig
        .spooling_gateway("")
        .admin()
        .store_path(&local.path().join("store"));
    let first = builder.clone().start().await;
    assert_eq!(entries(&first, "start", 1).await.len(), 1);
    first.shutdown().await;

    rig.stop_db();
    let gateway = builder.swap_roles().start().await;
    rig.start_db();
    let starts = entries(&gateway, "start", 2).await;
    let change = &starts[1]["evidence"]["changes"][0];
    assert_eq!(change["live_before"], "legacy", "{starts:?}");
    assert_eq!(change["live_after"], "new-engine", "{starts:?}");
    assert_eq!(
        change["unsigned_because"], "no sign-off of this strategy for this config",
        "{starts:?}"
    );
    gateway.shutdown().await;
    rig.finish().await;
}

/// A trial swapped the engines and back within one outage: the trail recorded one reload "no
/// routing change", though the new engine had decided for customers unsigned in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_and_its_rollback_within_one_outage_are_both_recorded() {
    let mut rig = Rig::start().await;
    let mut gateway = rig.spooling_gateway("").admin().start().await;
    let original = gateway.builder();
    let swapped = original.clone().swap_roles();
    rig.while_db_down(|| {
        gateway.reload_with(swapped).unwrap();
        gateway.reload_with(original).unwrap();
    });

    let reloads = entries(&gateway, "reload", 2).await;
    assert_eq!(reloads.len(), 2, "{reloads:?}");
    let (swap, back) = (&reloads[0], &reloads[1]);
    assert_eq!(
        swap["evidence"]["changes"][0]["live_after"], "new-engine",
        "{swap}"
    );
    assert_eq!(
        swap["evidence"]["changes"][0]["unsigned_because"],
        "no sign-off of this strategy for this config",
        "{swap}"
    );
    assert_eq!(
        back["evidence"]["changes"][0]["live_after"], "legacy",
        "{back}"
    );
    let since = |entry: &Value| {
        entry["evidence"]["in_force_since"]
            .as_str()
            .map(str::to_owned)
    };
    assert!(
        since(swap).is_some() && since(swap) <= since(back),
        "{reloads:?}"
    );
    gateway.shutdown().await;
    rig.finish().await;
}
