//! Control frames of the example layout (polls, a poll with its send time, a zero-length
//! keep-alive) on the MCI ingress: the gateway answers them itself, in order with pipelined
//! business answers, and the engines never see them.
//!
//! The sleeps pace the traffic (the scenario); assertions are on answers and counters.

use std::time::Duration;

use shadowgate_tests::gateway::{
    answer_frame, decision, guid, mci_deciding, request_frame, Listener, LIMIT,
};
use shadowgate_tests::{EngineToml, TestGateway};

const POLL: &[u8] = b"00000020REQPOLLING@@";
const POLL_ANSWER: &[u8] = b"00000020RESPOLLING@@";
const TIMED_POLL: &[u8] = b"00000034HDRREQPOLL20261129204512@@";
const TIMED_ANSWER: &[u8] = b"00000034HDRRESPOLL20261129204512@@";
const KEEP_ALIVE: &[u8] = b"00000000";

const CONTROL: &str = r#"shadowgate_frames_total{listener="core-banking",outcome="control"}"#;
const OK: &str = r#"shadowgate_frames_total{listener="core-banking",outcome="ok"}"#;

#[tokio::test]
async fn polls_interleaved_with_pipelined_frames_are_answered_in_order_and_never_forwarded() {
    // Business answers take a while, so the control answers behind them must wait their turn.
    let legacy = mci_deciding("L1")
        .delay(Duration::from_millis(50))
        .start()
        .await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .start()
        .await;
    let mut client = gateway.mci_client().await;
    let requests: Vec<Vec<u8>> = (0..3).map(|n| request_frame(&guid(n))).collect();
    let sent: Vec<&[u8]> = vec![
        POLL,
        &requests[0],
        TIMED_POLL,
        &requests[1],
        KEEP_ALIVE,
        &requests[2],
        POLL,
    ];
    client.send(&sent.concat()).await;

    let business = |n: usize| answer_frame(&requests[n], &decision("L1", LIMIT));
    let expected: Vec<Vec<u8>> = vec![
        POLL_ANSWER.to_vec(),
        business(0),
        TIMED_ANSWER.to_vec(),
        business(1),
        KEEP_ALIVE.to_vec(),
        business(2),
        POLL_ANSWER.to_vec(),
    ];
    for (n, expected) in expected.iter().enumerate() {
        let answer = client.recv().await;
        assert_eq!(
            answer[..],
            expected[..],
            "answer {n}: {:?}",
            String::from_utf8_lossy(&answer)
        );
    }
    assert_eq!(legacy.requests(), 3, "the engine saw only business frames");
    assert_eq!(gateway.metric(CONTROL), 4.0);
    assert_eq!(gateway.metric(OK), 3.0);
}

#[tokio::test]
async fn a_poll_with_its_send_time_is_answered_with_the_time_echoed() {
    let legacy = mci_deciding("L1").start().await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .start()
        .await;
    let mut client = gateway.mci_client().await;
    for time in ["20261129204512", "19991231235959"] {
        let poll = [b"00000034HDRREQPOLL", time.as_bytes(), b"@@"].concat();
        let answer = client.call(&poll).await;
        let expected = [b"00000034HDRRESPOLL", time.as_bytes(), b"@@"].concat();
        assert_eq!(answer[..], expected[..]);
    }
    assert_eq!(legacy.requests(), 0);
}

#[tokio::test]
async fn zero_length_keep_alives_are_echoed_and_keep_the_connection_up() {
    let legacy = mci_deciding("L1").start().await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .listener_key(Listener::Mci, "idle_timeout_ms", "300")
        .start()
        .await;
    let mut client = gateway.mci_client().await;
    // Eight keep-alives 100 ms apart: the connection lives well past the 300 ms idle timeout
    // because a control frame counts as activity.
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(client.call(KEEP_ALIVE).await[..], KEEP_ALIVE[..]);
    }
    let request = request_frame(&guid(7));
    let answer = client.call(&request).await;
    assert_eq!(
        answer[..],
        answer_frame(&request, &decision("L1", LIMIT))[..]
    );
    assert_eq!(legacy.requests(), 1);
    let idle =
        r#"shadowgate_connections_closed_total{listener="core-banking",reason="idle_timeout"}"#;
    assert_eq!(gateway.metric(idle), 0.0);
    // Silent past the idle timeout, it is closed as before.
    assert!(client.is_closed().await);
}

/// A legacy engine that answers polls (or, with `answer_polls` off, never answers them) and
/// drops connections idle for 300 ms.
async fn polled_engine(answer_polls: bool) -> shadowgate_tests::fake::FakeMci {
    let body = decision("L1", LIMIT);
    shadowgate_tests::FakeEngine::mci(|| shadowgate_tests::gateway::layout().framer())
        .reply(move |request| match request {
            r if r == POLL && answer_polls => bytes::Bytes::from_static(POLL_ANSWER),
            r if r == POLL => bytes::Bytes::new(),
            r => bytes::Bytes::from(answer_frame(r, &body)),
        })
        .idle_close(Duration::from_millis(300))
        .start()
        .await
}

/// The gateway with `legacy` live, polled every 100 ms, answers due within 200 ms.
async fn polling_gateway(legacy: &shadowgate_tests::fake::FakeMci) -> TestGateway {
    let engine = EngineToml::mci(legacy.addr())
        .request_timeout(Duration::from_millis(200))
        .key("idle_timeout_ms", "1000")
        .key("poll_interval_ms", "100");
    TestGateway::new().live("legacy", engine).start().await
}

const ANSWERED: &str = r#"shadowgate_upstream_polls_total{engine="legacy",result="answered"}"#;
const REPLACED: &str = r#"shadowgate_upstream_polls_total{engine="legacy",result="replaced"}"#;

#[tokio::test]
async fn an_mci_engine_link_is_kept_alive_by_polls() {
    let legacy = polled_engine(true).await;
    let gateway = polling_gateway(&legacy).await;
    let mut client = gateway.mci_client().await;
    let first = request_frame(&guid(1));
    assert_eq!(
        client.call(&first).await[..],
        answer_frame(&first, &decision("L1", LIMIT))[..]
    );
    let accepted = legacy.connections_accepted();
    // Three times the engine's idle close: without polls the connection would be gone.
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(
        (legacy.open_connections(), legacy.connections_accepted()),
        (1, accepted),
        "the polled connection outlived the engine's idle close, and nothing replaced it"
    );
    let second = request_frame(&guid(2));
    assert_eq!(
        client.call(&second).await[..],
        answer_frame(&second, &decision("L1", LIMIT))[..]
    );
    // The second request takes the polled connection, or, when a poll holds that one at that
    // moment, one new connection: a poll in flight is not a failure.
    assert!(legacy.connections_accepted() <= accepted + 1);
    assert!(
        gateway.metric(ANSWERED) >= 3.0,
        "{}",
        gateway.metric(ANSWERED)
    );
    assert_eq!(gateway.metric(REPLACED), 0.0);
    assert!(legacy.requests() > 2, "the engine saw the polls");
}

#[tokio::test]
async fn a_connection_whose_poll_goes_unanswered_is_replaced() {
    let legacy = polled_engine(false).await;
    let gateway = polling_gateway(&legacy).await;
    let mut client = gateway.mci_client().await;
    let first = request_frame(&guid(1));
    assert_eq!(
        client.call(&first).await[..],
        answer_frame(&first, &decision("L1", LIMIT))[..]
    );
    let accepted = legacy.connections_accepted();
    let mut replaced = 0.0;
    // The replacement is counted when the silent connection is dropped and the fresh one
    // connects just after: wait (bounded) for both, not the count alone (seen racing in CI).
    for _ in 0..100 {
        replaced = gateway.metric(REPLACED);
        if replaced >= 1.0 && legacy.connections_accepted() > accepted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(replaced >= 1.0, "no connection replaced");
    assert!(
        legacy.connections_accepted() > accepted,
        "a fresh connection replaced it"
    );
    assert_eq!(gateway.metric(ANSWERED), 0.0);
    // Business frames still get their answers.
    let second = request_frame(&guid(2));
    assert_eq!(
        client.call(&second).await[..],
        answer_frame(&second, &decision("L1", LIMIT))[..]
    );
}
