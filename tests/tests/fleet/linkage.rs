//! A routing change reloaded while PostgreSQL is down: the gateway serves the new config at once,
//! and the trail records the change, checked against the sign-offs, once the database answers,
//! without another reload; the reload after it is then no routing change.

use serde_json::Value;
use shadowgate_tests::gateway::DEADLINE;

use crate::support::Rig;
use crate::triage::api;

/// gw-a's `reload` entries in the fleet's trail.
fn reloads(trail: &Value) -> Vec<Value> {
    let entries = trail["entries"].as_array().cloned().unwrap_or_default();
    entries
        .into_iter()
        .filter(|e| e["action"] == "reload")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_while_the_database_is_down_is_recorded_once_it_answers() {
    let mut rig = Rig::start().await;
    let mut gateway = rig.spooling_gateway("").admin().start().await;
    let swapped = gateway.builder().swap_roles();
    rig.while_db_down(|| gateway.reload_with(swapped).unwrap());

    // Retried every 5 s: recorded within the deadline after the database is back.
    let deadline = tokio::time::Instant::now() + 2 * DEADLINE;
    let reload = loop {
        let trail = api(&gateway, "/api/v1/audit").await;
        if let Some(reload) = reloads(&trail).pop() {
            break reload;
        }
        assert!(tokio::time::Instant::now() < deadline, "{trail}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
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

    // Recorded once: the next reload of the same file is no routing change.
    let same = gateway.builder();
    tokio::task::block_in_place(|| gateway.reload_with(same)).unwrap();
    let trail = api(&gateway, "/api/v1/audit").await;
    let reloads = reloads(&trail);
    assert_eq!(reloads.len(), 2, "{trail}");
    assert_eq!(
        reloads[1]["evidence"]["changes"],
        serde_json::json!([]),
        "{trail}"
    );
    gateway.shutdown().await;
    rig.finish().await;
}
