//! Connection lifecycle of `HttpEngine` against `FakeEngine::http()`: idle timeout, the engine's
//! `Keep-Alive` hint, the age cap, a close by the engine seen before reuse, and the one re-send
//! of a request that failed on a reused connection, with every event counted.
//!
//! Sleeps here set up idle time on real sockets; assertions are on connection and event counts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use shadowgate::engine::{ConnectionEvents, HttpEngine, Outcome, Role, StaleAction, StalePhase};
use shadowgate_tests::fake::{FakeHttp, FakeHttpBuilder};
use shadowgate_tests::FakeEngine;

use super::http::{request, settings};

/// Records every stale-connection event of one client.
#[derive(Default)]
pub(crate) struct Recorder(Mutex<Vec<(Role, StalePhase, StaleAction)>>);

impl ConnectionEvents for Recorder {
    fn stale(&self, role: Role, phase: StalePhase, action: StaleAction) {
        self.0.lock().unwrap().push((role, phase, action));
    }
}

impl Recorder {
    /// Every event so far.
    pub(crate) fn events(&self) -> Vec<(Role, StalePhase, StaleAction)> {
        self.0.lock().unwrap().clone()
    }
}

/// Waits (bounded) until `done` holds.
pub(crate) async fn until(done: impl Fn() -> bool) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("condition not reached within 5 s");
}

/// A client for `engine` with the lifecycle set by `tune`, and its event recorder.
async fn start(
    engine: FakeHttpBuilder,
    tune: impl FnOnce(&mut shadowgate::engine::ConnectionLifecycle),
) -> (shadowgate_tests::fake::FakeHttp, HttpEngine, Arc<Recorder>) {
    let engine = engine.start().await;
    let mut settings = settings(&engine.url());
    tune(&mut settings.lifecycle);
    let recorder = Arc::new(Recorder::default());
    let client = HttpEngine::new(settings)
        .unwrap()
        .with_events(recorder.clone());
    (engine, client, recorder)
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let (engine, client, events) = start(FakeEngine::http(), |l| {
        l.idle_timeout = Duration::from_millis(150);
    })
    .await;
    client.call(&request(Role::Live)).await.unwrap();
    client.call(&request(Role::Live)).await.unwrap();
    assert_eq!(engine.connections_accepted(), 1, "back-to-back calls reuse");
    tokio::time::sleep(Duration::from_millis(300)).await;
    client.call(&request(Role::Live)).await.unwrap();
    assert_eq!(engine.connections_accepted(), 2);
    assert_eq!(
        events.events(),
        [(Role::Live, StalePhase::Expired, StaleAction::Discarded)]
    );
}

#[tokio::test]
async fn the_engine_keep_alive_hint_expires_a_connection_earlier() {
    // `timeout=1` allows 500 ms after the margin; our own idle timeout is the default 1.5 s.
    let (engine, client, events) =
        start(FakeEngine::http().keep_alive_header("timeout=1"), |_| {}).await;
    client.call(&request(Role::Shadow)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    client.call(&request(Role::Shadow)).await.unwrap();
    assert_eq!(engine.connections_accepted(), 1);
    tokio::time::sleep(Duration::from_millis(700)).await;
    client.call(&request(Role::Shadow)).await.unwrap();
    assert_eq!(engine.connections_accepted(), 2);
    assert_eq!(
        events.events(),
        [(Role::Shadow, StalePhase::Expired, StaleAction::Discarded)]
    );
}

#[tokio::test]
async fn a_connection_older_than_the_age_cap_is_not_reused() {
    let (engine, client, events) = start(FakeEngine::http(), |l| {
        l.idle_timeout = Duration::from_secs(5);
        l.max_age = Some(Duration::from_millis(300));
    })
    .await;
    client.call(&request(Role::Live)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    client.call(&request(Role::Live)).await.unwrap();
    assert_eq!(engine.connections_accepted(), 1);
    tokio::time::sleep(Duration::from_millis(350)).await;
    client.call(&request(Role::Live)).await.unwrap();
    assert_eq!(engine.connections_accepted(), 2);
    assert_eq!(
        events.events(),
        [(Role::Live, StalePhase::Expired, StaleAction::Discarded)]
    );
}

#[tokio::test]
async fn a_connection_the_engine_closed_is_seen_before_reuse() {
    let (engine, client, events) = start(
        FakeEngine::http().idle_close(Duration::from_millis(100)),
        |l| {
            l.idle_timeout = Duration::from_secs(5);
        },
    )
    .await;
    client.call(&request(Role::Live)).await.unwrap();
    the_next_call_sees_the_close(&engine, &client, &events).await;
}

/// After `engine` closed the client's one idle connection: the next call finds the close before
/// writing (one `idle_closed` discard), opens a second connection and sends its request once.
pub(crate) async fn the_next_call_sees_the_close(
    engine: &FakeHttp,
    client: &HttpEngine,
    events: &Recorder,
) {
    let before = engine.requests();
    until(|| engine.open_connections() == 0).await;
    // Let the runtime's reactor see the close: taking the idle connection polls it once, which
    // reads what the reactor has seen readable; nothing waits on an idle connection.
    tokio::time::sleep(Duration::from_millis(50)).await;
    client.call(&request(Role::Live)).await.unwrap();
    assert_eq!(engine.requests(), before + 1, "nothing was re-sent");
    assert_eq!(engine.connections_accepted(), 2);
    assert_eq!(
        events.events(),
        [(Role::Live, StalePhase::IdleClosed, StaleAction::Discarded)]
    );
}

#[tokio::test]
async fn a_call_dropped_mid_exchange_closes_its_connection() {
    // The engine answers after 200 ms; the first caller gives up after 50 (its call dropped, as
    // when a client goes away). Its connection, half way through the exchange, must be closed
    // rather than pooled, where the late answer would reach the next caller.
    let (engine, client, events) =
        start(FakeEngine::http().delay(Duration::from_millis(200)), |_| {}).await;
    let dropped =
        tokio::time::timeout(Duration::from_millis(50), client.call(&request(Role::Live))).await;
    assert!(dropped.is_err(), "the first call was cut short");
    let answer = client.call(&request(Role::Live)).await.unwrap();
    assert_eq!(answer.to_value().unwrap()["body"]["cust_no"], "C042");
    assert_eq!(
        engine.connections_accepted(),
        2,
        "the abandoned one was not reused"
    );
    // The engine sees the abandoned connection closed once it tries to answer on it.
    until(|| engine.open_connections() == 1).await;
    assert!(events.events().is_empty(), "{:?}", events.events());
}

#[tokio::test]
async fn a_shadow_request_lost_on_a_reused_connection_is_sent_once_more() {
    let (engine, client, events) = start(FakeEngine::http().drop_request(1), |_| {}).await;
    client.call(&request(Role::Shadow)).await.unwrap();
    client.call(&request(Role::Shadow)).await.unwrap();
    assert_eq!(engine.requests(), 3);
    assert_eq!(engine.connections_accepted(), 2);
    assert_eq!(
        events.events(),
        [(Role::Shadow, StalePhase::Unanswered, StaleAction::Retried)]
    );
}

#[tokio::test]
async fn a_live_request_lost_on_a_reused_connection_fails_unless_the_engine_allows_a_resend() {
    let (engine, client, events) = start(FakeEngine::http().drop_request(1), |_| {}).await;
    client.call(&request(Role::Live)).await.unwrap();
    let error = client.call(&request(Role::Live)).await.unwrap_err();
    assert_eq!(error.outcome(), Outcome::Io, "{error}");
    assert_eq!(engine.requests(), 2, "a live request is not sent twice");
    assert_eq!(
        events.events(),
        [(Role::Live, StalePhase::Unanswered, StaleAction::Failed)]
    );

    let (engine, client, events) = start(FakeEngine::http().drop_request(1), |l| {
        l.retry_stale_live = true;
    })
    .await;
    client.call(&request(Role::Live)).await.unwrap();
    client.call(&request(Role::Live)).await.unwrap();
    assert_eq!(engine.requests(), 3);
    assert_eq!(
        events.events(),
        [(Role::Live, StalePhase::Unanswered, StaleAction::Retried)]
    );
}

#[tokio::test]
async fn a_request_lost_on_a_fresh_connection_is_not_sent_again() {
    let (engine, client, events) = start(FakeEngine::http().drop_request(0), |l| {
        l.retry_stale_live = true;
    })
    .await;
    let error = client.call(&request(Role::Shadow)).await.unwrap_err();
    assert_eq!(error.outcome(), Outcome::Io, "{error}");
    assert_eq!(engine.requests(), 1);
    assert!(events.events().is_empty(), "{:?}", events.events());
}
