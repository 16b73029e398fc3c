//! A planned stop of one gateway behind the real HAProxy (the recipe's `http-check
//! disable-on-404`): two gateways (in-process, sled stores) share one live engine, the load
//! generator sends at a fixed rate through HAProxy, and `gw-1` drains.
//!
//! HAProxy reads the drain's 404 as "stopping" (no new connections), never as down (which would
//! cut the open ones: `on-marked-down shutdown-sessions`); `gw-1` closes its connections when
//! they are quiet, the load generator reopens them on `gw-2`, and not a frame is lost.

use std::time::Duration;

use shadowgate::loadgen::measure;
use shadowgate_tests::gateway::{http_deciding, mci_deciding, open_loop};
use shadowgate_tests::haproxy::TestHaproxy;
use shadowgate_tests::{EngineToml, TestGateway};

use super::{backends, until};

/// Open client connections on a gateway's MCI listener.
const CONNECTIONS: &str = r#"shadowgate_connections{listener="core-banking"}"#;
/// Connections a drain closed.
const DRAINED: &str =
    r#"shadowgate_connections_closed_total{listener="core-banking",reason="drained"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_gateway_hands_its_connections_to_the_others_without_losing_a_frame() {
    let live = mci_deciding("L1").start().await;
    let shadow = http_deciding("L1").start().await;
    let mut fleet = Vec::new();
    for _ in 1..=2 {
        let gateway = TestGateway::new()
            .live("legacy", EngineToml::mci(live.addr()))
            .shadow("new-engine", EngineToml::http(&shadow.url()))
            .admin()
            .start()
            .await;
        fleet.push(gateway);
    }
    let backends = backends(&fleet);
    let haproxy = tokio::task::block_in_place(|| TestHaproxy::start(&backends));
    // Servers start up: nothing is logged until a check changes a state.

    // 40 frames/s over four connections: 100 ms between a connection's frames, so each is quiet
    // long enough for the drain to close it between two.
    let args = open_loop(haproxy.addr(), 4, 40.0, 5.0);
    let load = tokio::spawn(async move { measure(&args).await.unwrap() });
    until("connections on both gateways", || {
        fleet.iter().all(|g| g.metric(CONNECTIONS) > 0.0)
    })
    .await;
    let before_drain = haproxy.log().len();
    let (draining, serving) = (&fleet[0], &fleet[1]);
    let drain = draining
        .running()
        .drain(Duration::from_secs(600), std::future::pending());
    let summaries = tokio::select! {
        () = drain => unreachable!("the drain outlasts the load"),
        summaries = async {
            until("gw-1 stopping in HAProxy", || {
                haproxy.log()[before_drain..].contains("Server gateways/gw-1 is stopping")
            })
            .await;
            until("gw-1's connections closed", || draining.metric(CONNECTIONS) == 0.0).await;
            load.await.unwrap()
        } => summaries,
    };

    let s = &summaries[0];
    let answered = s.ok + s.errors.error_frames.values().sum::<u64>();
    assert_eq!(answered, s.sent, "{s:?}; HAProxy: {}", haproxy.log());
    let broken = s.errors.lost + s.errors.connection_errors + s.errors.timeouts;
    assert_eq!(broken, 0, "{s:?}; HAProxy: {}", haproxy.log());
    assert!(draining.metric(DRAINED) >= 1.0);
    assert!(s.closed_idle >= 1, "{s:?}");
    // Stopping, not down: its open connections were never cut by HAProxy.
    let log = haproxy.log();
    assert!(
        !log[before_drain..].contains("Server gateways/gw-1 is DOWN"),
        "{log}"
    );
    until("the load's connections closed", || {
        serving.metric(CONNECTIONS) == 0.0
    })
    .await;

    drop(haproxy);
    for gateway in fleet {
        gateway.shutdown().await;
    }
}
