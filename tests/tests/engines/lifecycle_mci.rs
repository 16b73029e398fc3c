//! Connection lifecycle of `MciEngine` against `FakeEngine::mci(..)`: idle timeout, age cap, a
//! close by the engine seen before reuse, and the one re-send of a frame lost on a reused
//! connection, with every event counted.

use std::sync::Arc;
use std::time::Duration;

use shadowgate::engine::{
    ConnectionLifecycle, MciEngine, MciEngineSettings, Outcome, Role, StaleAction, StalePhase,
};
use shadowgate_tests::fake::{frame, payload, AsciiLengthCodec, FakeMci, FakeMciBuilder};
use shadowgate_tests::FakeEngine;

use super::lifecycle::{until, Recorder};

fn answering() -> FakeMciBuilder<AsciiLengthCodec> {
    FakeEngine::mci(|| AsciiLengthCodec).reply(|request| {
        let mut answer = b"ans:".to_vec();
        answer.extend_from_slice(payload(request));
        frame(&answer)
    })
}

/// A one-connection client for `engine` with the lifecycle set by `tune`, and its recorder.
async fn start(
    engine: FakeMciBuilder<AsciiLengthCodec>,
    tune: impl FnOnce(&mut ConnectionLifecycle),
) -> (FakeMci, MciEngine<AsciiLengthCodec>, Arc<Recorder>) {
    let engine = engine.start().await;
    let mut settings = MciEngineSettings::new("legacy", engine.addr().to_string());
    settings.max_connections = 1;
    tune(&mut settings.lifecycle);
    let recorder = Arc::new(Recorder::default());
    let client = MciEngine::new(settings, || AsciiLengthCodec)
        .unwrap()
        .with_events(recorder.clone());
    (engine, client, recorder)
}

async fn ask(client: &MciEngine<AsciiLengthCodec>, role: Role, text: &str) {
    let answer = client.call(&frame(text.as_bytes()), role).await.unwrap();
    assert_eq!(&answer[..], &frame(format!("ans:{text}").as_bytes())[..]);
}

#[tokio::test]
async fn an_idle_mci_connection_is_closed_after_the_idle_timeout() {
    let (engine, client, events) = start(answering(), |l| {
        l.idle_timeout = Duration::from_millis(150);
    })
    .await;
    ask(&client, Role::Live, "one").await;
    ask(&client, Role::Live, "two").await;
    assert_eq!(engine.connections_accepted(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    ask(&client, Role::Live, "three").await;
    assert_eq!(engine.connections_accepted(), 2);
    assert_eq!(
        events.events(),
        [(Role::Live, StalePhase::Expired, StaleAction::Discarded)]
    );
}

#[tokio::test]
async fn an_mci_connection_older_than_the_age_cap_is_not_reused() {
    let (engine, client, events) = start(answering(), |l| {
        l.max_age = Some(Duration::from_millis(300));
    })
    .await;
    ask(&client, Role::Shadow, "one").await;
    ask(&client, Role::Shadow, "two").await;
    tokio::time::sleep(Duration::from_millis(350)).await;
    ask(&client, Role::Shadow, "three").await;
    assert_eq!(engine.connections_accepted(), 2);
    assert_eq!(
        events.events(),
        [(Role::Shadow, StalePhase::Expired, StaleAction::Discarded)]
    );
}

#[tokio::test]
async fn an_mci_connection_the_engine_dropped_while_idle_is_counted_and_not_used() {
    let (engine, client, events) =
        start(answering().idle_close(Duration::from_millis(100)), |_| {}).await;
    ask(&client, Role::Live, "one").await;
    until(|| engine.open_connections() == 0).await;
    ask(&client, Role::Live, "two").await;
    assert_eq!(engine.requests(), 2);
    assert_eq!(
        events.events(),
        [(Role::Live, StalePhase::IdleClosed, StaleAction::Discarded)]
    );
}

#[tokio::test]
async fn a_shadow_frame_lost_on_a_reused_connection_is_sent_once_more() {
    let (engine, client, events) = start(answering().drop_request(1), |_| {}).await;
    ask(&client, Role::Shadow, "one").await;
    ask(&client, Role::Shadow, "two").await;
    assert_eq!(engine.requests(), 3);
    assert_eq!(
        events.events(),
        [(Role::Shadow, StalePhase::Unanswered, StaleAction::Retried)]
    );
}

#[tokio::test]
async fn a_live_frame_lost_on_a_reused_connection_is_resent_only_when_allowed() {
    let (engine, client, events) = start(answering().drop_request(1), |_| {}).await;
    ask(&client, Role::Live, "one").await;
    let error = client.call(&frame(b"two"), Role::Live).await.unwrap_err();
    assert_eq!(error.outcome(), Outcome::Io, "{error}");
    assert!(error.is_closed_by_peer(), "{error}");
    assert_eq!(engine.requests(), 2, "a live frame is not sent twice");
    assert_eq!(
        events.events(),
        [(Role::Live, StalePhase::Unanswered, StaleAction::Failed)]
    );

    let (engine, client, events) = start(answering().drop_request(1), |l| {
        l.retry_stale_live = true;
    })
    .await;
    ask(&client, Role::Live, "one").await;
    ask(&client, Role::Live, "two").await;
    assert_eq!(engine.requests(), 3);
    assert_eq!(
        events.events(),
        [(Role::Live, StalePhase::Unanswered, StaleAction::Retried)]
    );
}
