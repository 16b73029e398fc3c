//! A gateway whose database accepts connections and never answers (a hung server, a proxy in
//! front of one with nothing behind it) serves: every connect to it gives up at
//! `connect_timeout_ms` (TCP, TLS, startup and login), so the start's instance check and its
//! audit entry fail in time and the gateway spools. The client bounded only the TCP connect:
//! the start waited forever.

use std::time::Duration;

use shadowgate_tests::gateway::{http_deciding, mci_deciding};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use crate::support::{fleet_gateway_with, send};

/// Accepts connections and reads them, never writing a byte, until dropped.
async fn silent_server() -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "postgres://postgres@{}/shadowgate",
        listener.local_addr().unwrap()
    );
    let serving = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut sink = [0u8; 512];
            // Reads what the client sends, so it never blocks on a full buffer; answers nothing.
            held.push(tokio::spawn(async move {
                while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
            }));
        }
    });
    (url, serving)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_never_answers_does_not_hold_the_start() {
    let (url, server) = silent_server().await;
    let legacy = mci_deciding("L1").start().await;
    let next = http_deciding("N9").start().await;
    // Connects give up after 500 ms; a statement may take 20 s (the reader's deadline is a
    // minute, so a start waiting on a statement would fail the bound below).
    let builder = fleet_gateway_with(
        &url,
        "gw-a",
        legacy.addr(),
        &next.url(),
        ", connect_timeout_ms = 500, statement_timeout_ms = 20000",
    )
    .store_key("retry_interval_ms", "200");
    let began = tokio::time::Instant::now();
    let gateway = builder.start().await;
    let mut client = gateway.mci_client().await;
    send(&mut client, 0..1).await;
    let took = began.elapsed();
    // Well under one statement timeout, whatever the machine's load.
    assert!(
        took < Duration::from_secs(10),
        "the first frame was answered {took:?} after the start began"
    );
    gateway.shutdown().await;
    server.abort();
}
