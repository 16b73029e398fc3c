//! A gateway process SIGKILLed and started again on the same store: the restart says once at WARN
//! that the previous run did not stop cleanly (when it started, its pid, what may be lost with
//! the bounds), `/api/v1/health` says `"previous_run": "unclean"` with that run's pid, and
//! `shadowgate_store_previous_run_unclean` is 1. After a SIGTERM the next start says `clean`.

use std::net::SocketAddr;

use serde_json::Value;
use shadowgate_tests::gateway::{get, mci_deciding};
use shadowgate_tests::process::{health, write_config, GatewayProcess};
use shadowgate_tests::{EngineToml, TestGateway};

const CHILD: &str = "unclean::gateway_child";
const WARNING: &str = "the previous run on this store did not stop cleanly";

shadowgate_tests::gateway_child!(
    "the gateway process of the unclean-restart test, run by it with --ignored"
);

async fn unclean_gauge(admin: SocketAddr) -> String {
    let (_, metrics) = get(&format!("http://{admin}/metrics")).await;
    let line = metrics
        .lines()
        .find(|l| l.starts_with("shadowgate_store_previous_run_unclean "));
    line.unwrap_or_else(|| panic!("no previous-run gauge: {metrics}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_gateway_is_said_to_have_stopped_uncleanly_at_its_restart() {
    let live = mci_deciding("N1").start().await;
    let shadow = mci_deciding("N1").start().await;
    let dir = tempfile::tempdir().unwrap();
    let builder = TestGateway::new()
        .live("legacy", EngineToml::mci(live.addr()))
        .shadow("new-engine", EngineToml::mci(shadow.addr()));
    let (config, admin) = write_config(builder, dir.path());

    let first = GatewayProcess::start_async(CHILD, &config, admin).await;
    assert_eq!(health(admin).await["previous_run"], "unknown");
    let killed = first.id();
    tokio::task::block_in_place(|| first.kill());

    let second = GatewayProcess::start_async(CHILD, &config, admin).await;
    let log = second.log();
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains(WARNING)).collect();
    assert_eq!(warnings.len(), 1, "{log}");
    let store = dir.path().join("store");
    for part in [
        " WARN ",
        "did not stop cleanly (killed, crashed or lost power): up to 256 comparisons in \
         flight and up to 10256 records not yet committed may be lost",
        &format!("store=\"{}\"", store.display()),
        &format!("pid={killed}"),
        "started_at=20",
    ] {
        assert!(warnings[0].contains(part), "{part:?} in {}", warnings[0]);
    }
    let said = health(admin).await;
    assert_eq!(said["status"], "ready", "{said}");
    assert_eq!(said["previous_run"], "unclean", "{said}");
    assert_eq!(said["previous_run_pid"], killed, "{said}");
    let started = said["previous_run_started_at"].as_str().unwrap();
    assert!(
        warnings[0].contains(&format!("started_at={started}")),
        "{started} in {log}"
    );
    assert_eq!(
        unclean_gauge(admin).await,
        "shadowgate_store_previous_run_unclean 1"
    );
    tokio::task::block_in_place(|| second.terminate());

    // A SIGTERM is a clean stop: the next start has nothing to say.
    let third = GatewayProcess::start_async(CHILD, &config, admin).await;
    let said = health(admin).await;
    assert_eq!(said["previous_run"], "clean", "{said}");
    assert_eq!(said["previous_run_pid"], Value::Null, "{said}");
    assert_eq!(
        unclean_gauge(admin).await,
        "shadowgate_store_previous_run_unclean 0"
    );
    let log = third.log();
    assert_eq!(log.matches(WARNING).count(), 1, "{log}");
    tokio::task::block_in_place(|| third.terminate());
}
