//! A planned stop's drain (`shadowgate run --drain-seconds`): `/readyz` answers 404 while the
//! gateway keeps serving, a quiet MCI connection is closed after its answers (a frame that
//! crosses the close is counted, not answered), new connections are refused, HTTP/1 answers
//! announce `Connection: close`; and the load generator reopens a connection its target closed
//! while idle (as a drain or an idle timeout does) without losing a frame.

use std::future::Future;
use std::time::Duration;

use serde_json::Value;
use shadowgate::loadgen::summary::Summary;
use shadowgate::loadgen::{measure, LoadgenArgs};
use shadowgate_tests::gateway::{
    get, guid, mci_deciding, open_loop, post, request, request_frame, Listener, MciClient, DEADLINE,
};
use shadowgate_tests::{EngineToml, TestGateway};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::support::{assert_legacy_answer, legacy_live, Log};

/// Runs `body` while `gateway` drains (for longer than any test takes).
async fn while_draining<T>(gateway: &TestGateway, body: impl Future<Output = T>) -> T {
    let drain = gateway
        .running()
        .drain(Duration::from_secs(600), std::future::pending());
    tokio::select! {
        () = drain => panic!("the drain ended before the test"),
        out = body => out,
    }
}

/// A client of `gateway` that has had its answer to frame 1, then is quiet.
async fn answered_client(gateway: &TestGateway) -> MciClient {
    let mut client = gateway.mci_client().await;
    assert_legacy_answer(&mut client, &guid(1)).await;
    client
}

#[tokio::test]
async fn a_drain_is_404_on_readyz_and_closes_a_quiet_connection_after_its_answers() {
    let legacy = mci_deciding("L1").start().await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .admin()
        .start()
        .await;
    let admin = format!("http://{}", gateway.admin_address());
    assert_eq!(get(&format!("{admin}/readyz")).await.0, 200);
    let mut client = answered_client(&gateway).await;

    while_draining(&gateway, async {
        let (status, body) = get(&format!("{admin}/readyz")).await;
        assert_eq!(status, 404, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["status"], "draining", "{body}");
        let reason = body["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("draining for a planned stop: stopping in "),
            "{reason}"
        );
        let (_, health) = get(&format!("{admin}/api/v1/health")).await;
        let health: Value = serde_json::from_str(&health).unwrap();
        assert_eq!(health["status"], "draining", "{health}");
        assert_eq!(health["draining"], body["reason"], "{health}");

        // Quiet since its answer: closed without a frame in flight.
        assert!(client.is_closed().await);
        let drained =
            r#"shadowgate_connections_closed_total{listener="core-banking",reason="drained"}"#;
        assert_eq!(gateway.metric(drained), 1.0);

        // No new connection: a load balancer's connect is refused and retried elsewhere.
        let refused = TcpStream::connect(gateway.mci_address()).await;
        assert!(refused.is_err(), "{refused:?}");
    })
    .await;
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_frame_that_crosses_the_drains_close_is_counted_and_not_answered() {
    let (legacy, gateway) = legacy_live(None).await;
    let (log, _guard) = Log::capture();
    let mut client = answered_client(&gateway).await;
    while_draining(&gateway, async {
        assert!(client.is_closed().await);
        // Sent after the gateway's close reached the client, as a client that does not watch
        // its connection would: the gateway reads it (no reset) and counts it.
        client.send(&request_frame(&guid(2))).await;
        let crossed =
            r#"shadowgate_frames_total{listener="core-banking",outcome="gateway_closed"}"#;
        until_at_least(&gateway, crossed, 1.0, "not counted").await;
        assert_eq!(gateway.metric(crossed), 1.0);
    })
    .await;
    assert_eq!(legacy.requests(), 1, "never sent to the live engine");
    let warned = log.lines_with("WARN", "frames crossed the gateway's close");
    assert_eq!(warned.len(), 1, "{}", log.text());
    assert!(warned[0].contains("dropped=1"), "{}", warned[0]);
    // The transaction left unanswered is named (behind a load balancer the peer is its address).
    assert!(warned[0].contains(&guid(2)), "{}", warned[0]);
    gateway.shutdown().await;
}

/// Every `DEADLINE`-bounded 10 ms until `metric` reads `value`.
async fn until_metric(gateway: &TestGateway, metric: &str, value: f64) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while gateway.metric(metric) != value {
        let now = gateway.metric(metric);
        assert!(
            tokio::time::Instant::now() < deadline,
            "{metric} stays {now}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Every 5 ms until `metric` reads at least `value`; after `DEADLINE`, panics saying `never`.
async fn until_at_least(gateway: &TestGateway, metric: &str, value: f64, never: &str) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while gateway.metric(metric) < value {
        assert!(tokio::time::Instant::now() < deadline, "{never}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The drain's counts outlive the process in one INFO line per listener, read from the metrics:
/// on the MCI listener a connection closed between frames after one more frame answered during
/// the drain, one its client closed, and one cut at the stop (half a frame sent: never quiet); on
/// the HTTP ingress a request answered during the drain and a connection the stop found open.
#[tokio::test]
async fn a_drain_ends_with_one_line_of_what_each_listener_counted() {
    let (_legacy, gateway) = legacy_live(None).await;
    let (log, _guard) = Log::capture();
    let mut quiet = answered_client(&gateway).await;
    let closing = gateway.mci_client().await;
    let mut cut = TcpStream::connect(gateway.mci_address()).await.unwrap();
    let frame = request_frame(&guid(3));
    cut.write_all(&frame[..frame.len() / 2]).await.unwrap();
    let open = r#"shadowgate_connections{listener="core-banking"}"#;
    until_metric(&gateway, open, 3.0).await;

    while_draining(&gateway, async {
        // Refused once the listener has taken the drain's start.
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while TcpStream::connect(gateway.mci_address()).await.is_ok() {
            assert!(tokio::time::Instant::now() < deadline, "still accepting");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drop(closing);
        assert_legacy_answer(&mut quiet, &guid(2)).await;
        assert!(quiet.is_closed().await);
        drop(quiet);
        until_metric(&gateway, open, 1.0).await;

        let url = format!("{}/v1/strategies/loan-screening", gateway.http_url());
        let json = serde_json::to_vec(&request(&guid(4))).unwrap();
        assert_eq!(post(&url, "application/json", json).await.0, 200);
        let http_open = r#"shadowgate_connections{listener="http"}"#;
        until_metric(&gateway, http_open, 0.0).await;
        let idle = TcpStream::connect(gateway.running().http_address.unwrap()).await;
        until_metric(&gateway, http_open, 1.0).await;
        idle
    })
    .await
    .unwrap();
    let address = gateway.mci_address();
    gateway.shutdown().await;

    let mci = log.lines_with("INFO", "drain finished in ");
    let mci: Vec<_> = (mci.iter())
        .filter(|l| l.contains("listener=\"core-banking\""))
        .collect();
    assert_eq!(mci.len(), 1, "{}", log.text());
    assert!(
        mci[0].contains(
            "connections: 3 open at its start, 1 closed between frames, 1 ended otherwise \
             (closed by the client, idle or on an error), 1 cut at the stop; frames: 1 answered, \
             0 closed unanswered (gateway_closed), 0 not delivered (client_closed)"
        ),
        "{}",
        mci[0]
    );
    assert!(mci[0].contains(&format!("address={address}")), "{}", mci[0]);
    let http = log.lines_with("INFO", "drain finished in ");
    let http: Vec<_> = http
        .iter()
        .filter(|l| l.contains("listener=\"http\""))
        .collect();
    assert_eq!(http.len(), 1, "{}", log.text());
    assert!(
        http[0].contains(
            "requests: 1 answered (HTTP/1 ones with Connection: close), 0 not answered \
             (client_closed); connections: 1 open at the stop"
        ),
        "{}",
        http[0]
    );
}

#[tokio::test]
async fn http_answers_announce_the_close_while_draining() {
    let (_legacy, gateway) = legacy_live(None).await;
    let address = gateway.running().http_address.unwrap();
    let json = serde_json::to_vec(&request(&guid(1))).unwrap();
    let head = format!(
        "POST /v1/strategies/loan-screening HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        json.len()
    );
    let exchange = || async {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&json).await.unwrap();
        let mut answer = vec![0; 64 * 1024];
        let n = timeout(DEADLINE, stream.read(&mut answer)).await.unwrap();
        let text = String::from_utf8_lossy(&answer[..n.unwrap()]).to_lowercase();
        // Whether the gateway then ends the connection, within a second.
        let mut more = [0u8; 1];
        let closed = matches!(
            timeout(Duration::from_secs(1), stream.read(&mut more)).await,
            Ok(Ok(0))
        );
        (text, closed)
    };
    let (text, closed) = exchange().await;
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(!text.contains("connection: close"), "{text}");
    assert!(!closed, "kept alive before the drain");

    let (text, closed) = while_draining(&gateway, exchange()).await;
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(text.contains("connection: close"), "{text}");
    assert!(closed, "the connection ends after the answer");
    gateway.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_generator_reopens_what_the_target_closed_while_idle_and_loses_nothing() {
    let legacy = mci_deciding("L1").start().await;
    // Closed 150 ms after each answer (or after its opening); frames come 400 ms apart on each
    // connection (2.5 frames/s on each of two): every connection is closed between two frames,
    // as a drain closes them, and the one reopened at once is used before it idles out.
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .listener_key(Listener::Mci, "idle_timeout_ms", "150")
        .start()
        .await;
    let summaries = measure(&open_loop(gateway.mci_address(), 2, 5.0, 2.0))
        .await
        .unwrap();
    let s = &summaries[0];
    let answered = s.ok + s.errors.error_frames.values().sum::<u64>();
    assert_eq!(answered, s.sent, "{s:?}");
    assert_eq!(
        s.errors.lost + s.errors.connection_errors + s.errors.timeouts,
        0,
        "{s:?}"
    );
    assert!(
        s.closed_idle >= 2,
        "each connection closed at least once: {s:?}"
    );
    let idle =
        r#"shadowgate_connections_closed_total{listener="core-banking",reason="idle_timeout"}"#;
    assert_eq!(gateway.metric(idle), s.closed_idle as f64);
    gateway.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_sending_on_a_timer_is_closed_half_way_between_two_frames() {
    let (_legacy, gateway) = legacy_live(None).await;
    // 10 frames/s on one connection: once its pace is known (one gap), the drain closes the
    // connection 50 ms after a frame, 50 ms before the next frame is due; a fixed quiet time
    // near the period would close it just as that frame leaves.
    let args = open_loop(gateway.mci_address(), 1, 10.0, 1.5);
    // Connected before the drain begins (the draining listener refuses new connections).
    let connected = r#"shadowgate_connections{listener="core-banking"}"#;
    let summaries = drained_under_load(&gateway, args, connected, 1.0, "never connected").await;
    let s = drained_without_loss(&gateway, &summaries);
    // Closed after two frames at least (its pace known), and every frame sent was answered;
    // those after the close could not be sent (the draining listener refuses connections).
    assert!(s.ok >= 2, "{s:?}");
    assert_eq!(s.ok, s.sent, "{s:?}");
    gateway.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_whose_pace_is_known_before_the_drain_is_closed_before_its_next_frame() {
    let (_legacy, gateway) = legacy_live(None).await;
    // 4 frames/s on one connection, its pace seen before the drain (four frames): the drain
    // closes it half a gap after its last frame, before the next is due. Measured only from the
    // drain's start, it needed three more gaps first: at 1 frame/s that made the close
    // come at its one-second fallback, just as a frame left (a trial lost frames so).
    let args = open_loop(gateway.mci_address(), 1, 4.0, 3.0);
    let answered = r#"shadowgate_frames_total{listener="core-banking",outcome="ok"}"#;
    let never = "four frames never answered";
    let summaries = drained_under_load(&gateway, args, answered, 4.0, never).await;
    let s = drained_without_loss(&gateway, &summaries);
    // Closed within a gap of the drain's start (a slow look at the metric lets one more frame
    // in): not after three more frames, and every frame sent was answered.
    assert!(s.sent <= 5, "{s:?}");
    assert_eq!(s.ok, s.sent, "{s:?}");
    gateway.shutdown().await;
}

/// Starts the load of `args` on `gateway`, waits until `metric` reads at least `value` (`never`
/// says what did not happen), then drains `gateway` until the load ends: its summaries.
async fn drained_under_load(
    gateway: &TestGateway,
    args: LoadgenArgs,
    metric: &str,
    value: f64,
    never: &str,
) -> Vec<Summary> {
    let load = tokio::spawn(async move { measure(&args).await.unwrap() });
    until_at_least(gateway, metric, value, never).await;
    while_draining(gateway, load).await.unwrap()
}

/// The one connection of `summaries` was closed by the drain (one close counted, seen by the load
/// generator as a close while idle) with no frame crossing the close, lost or timed out.
fn drained_without_loss<'a>(gateway: &TestGateway, summaries: &'a [Summary]) -> &'a Summary {
    let s = &summaries[0];
    let drained =
        r#"shadowgate_connections_closed_total{listener="core-banking",reason="drained"}"#;
    let crossed = r#"shadowgate_frames_total{listener="core-banking",outcome="gateway_closed"}"#;
    assert_eq!(gateway.metric(drained), 1.0, "{s:?}");
    assert_eq!(gateway.metric(crossed), 0.0, "{s:?}");
    assert_eq!(
        (s.closed_idle, s.errors.lost, s.errors.timeouts),
        (1, 0, 0),
        "{s:?}"
    );
    s
}
