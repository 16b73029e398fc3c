//! The recipe's fallback for a fleet with no ready gateway, with the real HAProxy: three gateways
//! (in-process, sled stores) behind it, one live engine they all use.
//!
//! 1. Clients on HAProxy's address get the live engine's answers.
//! 2. The live engine stops: every gateway's `/readyz` fails and HAProxy marks them all down,
//!    cutting their connections (`on-marked-down shutdown-sessions`). New connections go to the
//!    unchecked backups, spread over every gateway (`option allbackups` with `leastconn`), not
//!    all to the first backup.
//! 3. The live engine comes back: once HAProxy marks the gateways up, the connections the
//!    backups took are cut (`on-marked-up shutdown-backup-sessions`), and a client that
//!    reconnects gets answers from a ready gateway.

use std::net::SocketAddr;
use std::time::Duration;

use shadowgate_tests::gateway::{
    answer_frame, decision, guid, http_deciding, mci_deciding, request_frame, MciClient, LIMIT,
};
use shadowgate_tests::haproxy::TestHaproxy;
use shadowgate_tests::{EngineToml, TestGateway};

use super::{backends, until};
use crate::support::send;

/// Connections opened while no gateway is ready: two per gateway when they are spread.
const FALLBACK_CLIENTS: usize = 6;
/// Open client connections on a gateway's MCI listener.
const CONNECTIONS: &str = r#"shadowgate_connections{listener="core-banking"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_every_gateway_unready_haproxy_spreads_connections_over_the_backups_and_cuts_them_once_one_is_ready(
) {
    let live = mci_deciding("L1").start().await;
    let live_address = live.addr();
    let shadow = http_deciding("L1").start().await;
    let mut fleet = Vec::new();
    for _ in 1..=3 {
        let gateway = TestGateway::new()
            .live("legacy", EngineToml::mci(live_address))
            .shadow("new-engine", EngineToml::http(&shadow.url()))
            .admin()
            .probe_interval(Duration::from_millis(100))
            .start()
            .await;
        fleet.push(gateway);
    }
    let backends = backends(&fleet);
    let haproxy = tokio::task::block_in_place(|| TestHaproxy::start(&backends));
    let open = |fleet: &[TestGateway]| fleet.iter().map(|g| g.metric(CONNECTIONS)).sum::<f64>();

    // 1. Answers through HAProxy.
    let mut ready_clients = Vec::new();
    for c in 0..3 {
        let mut client = MciClient::connect(haproxy.addr()).await;
        send(&mut client, c * 10..c * 10 + 2).await;
        ready_clients.push(client);
    }

    // 2. The live engine stops; HAProxy marks every gateway down and cuts their connections.
    let before_outage = haproxy.log().len();
    drop(live);
    for b in &backends {
        let down = format!("Server gateways/{} is DOWN", b.name);
        until(&down, || haproxy.log()[before_outage..].contains(&down)).await;
    }
    for client in &mut ready_clients {
        assert!(client.is_closed().await);
    }
    until("the gateways' connections closed", || open(&fleet) == 0.0).await;
    let mut fallback_clients = Vec::new();
    for c in 0..FALLBACK_CLIENTS as u64 {
        let mut client = MciClient::connect(haproxy.addr()).await;
        // Answered by the gateway itself (an error frame: no live engine), so HAProxy logs the
        // session when it ends (`option dontlognull` leaves out those without a byte).
        let request = request_frame(&guid(50 + c));
        let answer = client.call(&request).await;
        let live_answer = answer_frame(&request, &decision("L1", LIMIT));
        assert_ne!(answer[..], live_answer[..], "an answer with no live engine");
        fallback_clients.push(client);
    }
    until("the fallback connections on the gateways", || {
        open(&fleet) == FALLBACK_CLIENTS as f64
    })
    .await;
    let held: Vec<f64> = fleet.iter().map(|g| g.metric(CONNECTIONS)).collect();
    assert!(
        held.iter().all(|n| *n > 0.0),
        "connections per gateway while none is ready (all on one: the first backup alone, \
         as without `option allbackups`): {held:?}; HAProxy: {}",
        haproxy.log()
    );

    // 3. The live engine comes back; the first gateway marked up ends the backups' connections.
    let before_recovery = haproxy.log().len();
    let _live = mci_deciding("L1").start_at(live_address).await;
    until("a gateway marked up", || {
        haproxy.log()[before_recovery..].contains(" is UP")
    })
    .await;
    until("the fallback connections cut once a gateway is up", || {
        open(&fleet) == 0.0
    })
    .await;
    for client in &mut fallback_clients {
        assert!(client.is_closed().await);
    }
    // HAProxy cut them (termination state `U`: a backup's session killed because an active
    // server came up), not the gateways.
    let cut = until_sessions(&haproxy, before_recovery, FALLBACK_CLIENTS).await;
    assert!(
        cut.iter()
            .all(|(server, state)| server.ends_with("-fallback") && state.starts_with('U')),
        "sessions ended after the live engine came back: {cut:?}"
    );
    for b in &backends {
        let up = format!("Server gateways/{} is UP", b.name);
        until(&up, || haproxy.log()[before_recovery..].contains(&up)).await;
    }
    let before_reconnect = haproxy.log().len();
    reconnect_and_send(haproxy.addr(), FALLBACK_CLIENTS).await;
    let back = until_sessions(&haproxy, before_reconnect, FALLBACK_CLIENTS).await;
    assert!(
        back.iter()
            .all(|(server, _)| !server.ends_with("-fallback")),
        "reconnected sessions: {back:?}"
    );

    drop(haproxy);
    for gateway in fleet {
        gateway.shutdown().await;
    }
}

/// `clients` new connections on `haproxy`, each answered by the live engine.
async fn reconnect_and_send(haproxy: SocketAddr, clients: usize) {
    for c in 0..clients as u64 {
        let mut client = MciClient::connect(haproxy).await;
        send(&mut client, 100 + c * 10..100 + c * 10 + 2).await;
    }
}

/// The sessions HAProxy logged (`option tcplog`, at their end) after byte `from` of its log, once
/// there are `n`: (server as `gateways/gw-1`, termination state as `U-`).
async fn until_sessions(haproxy: &TestHaproxy, from: usize, n: usize) -> Vec<(String, String)> {
    let sessions = || {
        let log = haproxy.log();
        log[from..]
            .lines()
            .filter_map(|line| {
                // `CLIENT [DATE] core-banking SERVER TIMERS BYTES STATE CONNS QUEUES`
                let fields: Vec<&str> = line.split_whitespace().collect();
                match fields[..] {
                    [_, _, "core-banking", server, _, _, state, ..] => {
                        Some((server.to_owned(), state.to_owned()))
                    }
                    _ => None,
                }
            })
            .collect::<Vec<_>>()
    };
    until("HAProxy's log of the sessions", || sessions().len() >= n).await;
    sessions()
}
