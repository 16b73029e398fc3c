//! Engine outages as the log tells them: a reload in the middle of a shadow outage keeps it one
//! outage (one WARN when the breaker opens, one INFO when a probe reaches the engine again); a
//! reload that moves a down engine to another address gives it a fresh health at once; a hung
//! engine that its timeouts take down stays down whatever its connect probes say, one outage.

use std::time::Duration;

use crate::support::{shadow_outage, Log, SHADOW_DOWN, SHADOW_UP};
use shadowgate::engine::CALL_FAILURES_DOWN;
use shadowgate_tests::fake::FakeEngine;
use shadowgate_tests::gateway::{guid, mci_deciding, request_frame, MciClient, DEADLINE};
use shadowgate_tests::{EngineToml, TestGateway};
use tokio::time::Instant;

/// One request on each client at once, answers awaited.
async fn burst(clients: &mut [MciClient], n: &mut u64) {
    let calls = clients.iter_mut().enumerate().map(|(i, client)| {
        let frame = request_frame(&guid(800 + *n * 10 + i as u64));
        async move { client.call(&frame).await }
    });
    futures::future::join_all(calls).await;
    *n += 1;
}

#[tokio::test]
async fn a_reload_in_a_shadow_outage_keeps_it_one_outage() {
    let (log, _guard) = Log::capture_at(tracing::Level::INFO);
    let mut outage = shadow_outage().await;
    outage.until_down(&log).await;
    // A reload of the same config (say, a rule edited) in the middle of the outage. Traffic for
    // longer than a cool-down: a new breaker would let five calls through and open again.
    let gateway = &mut outage.gateway;
    gateway.reload_with(gateway.builder()).unwrap();
    outage.during(Duration::from_millis(1_500), &log).await;
    assert_eq!(
        log.lines_with("WARN", SHADOW_DOWN).len(),
        1,
        "{}",
        log.text()
    );

    let _back = outage.until_back(&log).await;
    outage.gateway.shutdown().await;
    assert_eq!(
        log.lines_with("WARN", SHADOW_DOWN).len(),
        1,
        "{}",
        log.text()
    );
    let back = log.lines_with("INFO", SHADOW_UP);
    assert_eq!(back.len(), 1, "{}", log.text());
    assert!(back[0].contains("engine=\"new-engine\""), "{}", back[0]);
    assert!(back[0].contains("strategy=loan-screening"), "{}", back[0]);
}

#[tokio::test]
async fn a_reload_that_moves_a_down_engine_gives_it_a_fresh_health() {
    // Probes a minute apart: only the start-up check sees the old address, and no probe of the
    // new one comes during the test.
    let (log, _guard) = Log::capture_at(tracing::Level::INFO);
    let refused = format!("http://{}", crate::support::refused_address());
    let legacy = mci_deciding("L1").start().await;
    let mut gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .shadow("new-engine", EngineToml::http(&refused))
        .probe_interval(Duration::from_secs(60))
        .start()
        .await;
    let up = r#"shadowgate_engine_up{engine="new-engine"}"#;
    let deadline = Instant::now() + DEADLINE;
    while gateway.metric(up) != 0.0 {
        assert!(Instant::now() < deadline, "{}", log.text());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The same address again: still down, nothing said.
    gateway.reload_with(gateway.builder()).unwrap();
    assert_eq!(gateway.metric(up), 0.0);
    let reset = "engine health reset: its address changed; ";
    assert!(log.lines_with("INFO", reset).is_empty(), "{}", log.text());

    let engine = FakeEngine::http().start().await;
    let moved = gateway
        .builder()
        .shadow("new-engine", EngineToml::http(&engine.url()));
    gateway.reload_with(moved).unwrap();
    assert_eq!(gateway.metric(up), 1.0, "up at once, not at the next probe");
    gateway.shutdown().await;
    let lines = log.lines_with("INFO", reset);
    assert_eq!(lines.len(), 1, "{}", log.text());
    let new_address = format!("new_address={}", engine.url().trim_end_matches('/'));
    for field in [
        "engine=new-engine",
        &format!("old_address={refused}"),
        &new_address,
    ] {
        assert!(lines[0].contains(field), "{field}: {}", lines[0]);
    }
}

#[tokio::test]
async fn a_hung_engine_is_held_down_not_flapping_at_every_probe() {
    // It accepts connections and never answers: three timeouts (100 ms) take it down, and its
    // probes (every 200 ms), which connect, do not bring it up: connecting is not what timed
    // out (`TIMED_OUT_HOLD`). It used to come back at every probe, and `/readyz` flapped.
    let (log, _guard) = Log::capture_at(tracing::Level::INFO);
    let hung = FakeEngine::http()
        .delay(Duration::from_secs(3_600))
        .start()
        .await;
    let engine = EngineToml::http(&hung.url()).request_timeout(Duration::from_millis(100));
    let gateway = TestGateway::new()
        .live("new-engine", engine)
        .probe_interval(Duration::from_millis(200))
        .start()
        .await;
    let mut clients = Vec::new();
    for _ in 0..CALL_FAILURES_DOWN {
        clients.push(gateway.mci_client().await);
    }
    let down = "engine unreachable";
    let within = Instant::now() + Duration::from_secs(5);
    let mut n = 0;
    while log.lines_with("WARN", down).is_empty() {
        assert!(Instant::now() < within, "not reported:\n{}", log.text());
        burst(&mut clients, &mut n).await;
    }
    // Five probe intervals of traffic and probes: still the one outage.
    let more = Instant::now() + Duration::from_millis(1_000);
    while Instant::now() < more {
        burst(&mut clients, &mut n).await;
    }
    gateway.shutdown().await;
    let text = log.text();
    let lines = log.lines_with("WARN", down);
    assert_eq!(lines.len(), 1, "{text}");
    for field in [
        "engine=new-engine",
        "live_for=\"loan-screening\"",
        "error=timeout (its calls)",
    ] {
        assert!(lines[0].contains(field), "{field}: {}", lines[0]);
    }
    assert!(
        log.lines_with("INFO", "engine reachable again").is_empty(),
        "{text}"
    );
    assert!(
        log.lines_with("WARN", " since the last report").is_empty(),
        "{text}"
    );
}
