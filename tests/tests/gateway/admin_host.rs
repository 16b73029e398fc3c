//! DNS rebinding against the real gateway: its admin listener on loopback answers 421 to a
//! request addressed to a name it does not answer to, whatever its token, and answers a name
//! `allowed_hosts` lists, from the reload that lists it.

use std::net::SocketAddr;

use shadowgate_tests::gateway::{mci_deciding, Listener};
use shadowgate_tests::{EngineToml, TestGateway};

use crate::logs::http_status;

/// `GET /livez` addressed to `host`; the status code.
async fn livez_status(admin: SocketAddr, host: &str) -> u16 {
    let request = format!("GET /livez HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    http_status(admin, &request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebinding_host_is_refused_until_allowed_hosts_lists_it() {
    let legacy = mci_deciding("L1").start().await;
    let mut gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .admin()
        .start()
        .await;
    let admin = gateway.admin_address();
    assert!(admin.ip().is_loopback(), "{admin}");
    assert_eq!(livez_status(admin, &admin.to_string()).await, 200);
    assert_eq!(livez_status(admin, "localhost").await, 200);
    assert_eq!(livez_status(admin, "review.bank.example").await, 421);

    let builder = gateway.builder().listener_key(
        Listener::Admin,
        "allowed_hosts",
        r#"["review.bank.example"]"#.to_owned(),
    );
    gateway.reload_with(builder).unwrap();
    assert_eq!(livez_status(admin, "review.bank.example:9190").await, 200);
    assert_eq!(livez_status(admin, "evil.example").await, 421);
    gateway.shutdown().await;
}
