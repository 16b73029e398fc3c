//! Link modes (`link = "one_shot" | "dual_socket"`) of the MCI listener and of `mci` engines,
//! with fake peers on port 0: a one-shot client that half-closes after sending; a dual-socket
//! engine answering out of order and late; a dual-socket listener answering on core banking's
//! answer socket, with transport ACKs. Polls on persistent engine links are in `control`.

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use shadowgate_tests::fake::FakeDualMci;
use shadowgate_tests::gateway::{
    answer_frame, decision, decode_answer, guid, layout, layout_path, mci_deciding, request_frame,
    Listener, MciClient, LIMIT,
};
use shadowgate_tests::{EngineToml, TestGateway};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

const DEADLINE: Duration = Duration::from_secs(10);

/// The legacy engine's answer to `request`.
fn legacy_answer(request: &[u8]) -> Vec<u8> {
    answer_frame(request, &decision("L1", LIMIT))
}

/// The example layout plus transport ACK and NAK entries that copy the 32-byte guid, written
/// to a temporary folder the caller keeps.
fn layout_with_acks() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(layout_path()).unwrap();
    text.push_str(
        r#"
[[control]]
name = "ack"
role = "ack"
starts_with = "ACK"
at = 8
copy.guid = { offset = 8, length = 32 }
reply = "00000045ACK{guid}@@"

[[control]]
name = "nak"
role = "nak"
starts_with = "NAK"
at = 8
copy.guid = { offset = 8, length = 32 }
reply = "00000045NAK{guid}@@"
"#,
    );
    let path = dir.path().join("loan-screening.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn ack_of(request: &[u8]) -> Vec<u8> {
    [b"00000045ACK".as_slice(), &request[8..40], b"@@"].concat()
}

#[tokio::test]
async fn a_one_shot_client_that_half_closes_after_sending_gets_its_answer_then_the_close() {
    let legacy = mci_deciding("L1").start().await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .listener_key(Listener::Mci, "link", "\"one_shot\"")
        .start()
        .await;
    let request = request_frame(&guid(1));
    let mut stream = TcpStream::connect(gateway.mci_address()).await.unwrap();
    stream.write_all(&request).await.unwrap();
    // Half-close: nothing more from us, but the answer must still come.
    stream.shutdown().await.unwrap();
    let mut received = Vec::new();
    timeout(DEADLINE, stream.read_to_end(&mut received))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        received,
        legacy_answer(&request),
        "one answer, then the close"
    );

    // A second frame on a one-shot connection is never read: one answer, then the close.
    let mut stream = TcpStream::connect(gateway.mci_address()).await.unwrap();
    let second = request_frame(&guid(3));
    stream
        .write_all(&[request_frame(&guid(2)), second].concat())
        .await
        .unwrap();
    let mut received = Vec::new();
    timeout(DEADLINE, stream.read_to_end(&mut received))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(received, legacy_answer(&request_frame(&guid(2))));
    assert_eq!(
        legacy.requests(),
        2,
        "the unread frame never reached the engine"
    );
}

#[tokio::test]
async fn a_one_shot_engine_gets_a_fresh_connection_per_request() {
    let legacy = mci_deciding("L1").start().await;
    let engine = EngineToml::mci(legacy.addr()).key("link", "\"one_shot\"");
    let gateway = TestGateway::new()
        .live("legacy", engine)
        .probe_interval(Duration::from_secs(3600))
        .start()
        .await;
    let mut client = gateway.mci_client().await;
    for n in 1..=3 {
        let request = request_frame(&guid(n));
        assert_eq!(client.call(&request).await[..], legacy_answer(&request)[..]);
    }
    // The start-up probe connected once (its count may land late); a pool would have used one
    // connection for all three requests.
    assert_eq!(legacy.connections_accepted(), 1 + 3);
    // Each connection is closed after its answer: none stays open for long.
    for _ in 0..200 {
        if legacy.open_connections() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(legacy.open_connections(), 0);
}

/// The gateway with a dual-socket `legacy` engine (`engine`), answers due within 300 ms.
async fn dual_gateway(engine: &FakeDualMci, layout: &std::path::Path) -> TestGateway {
    let toml = EngineToml::mci(engine.requests_addr())
        .key("link", "\"dual_socket\"")
        .key("answer_address", format!("\"{}\"", engine.answers_addr()))
        .request_timeout(Duration::from_millis(300));
    TestGateway::new()
        .live("legacy", toml)
        .layout_file(layout)
        .start()
        .await
}

const UNMATCHED: &str = r#"shadowgate_link_unmatched_answers_total{engine="legacy"}"#;
const ENGINE_ACKS_SENT: &str =
    r#"shadowgate_link_acks_total{direction="sent",frame="ack",link="legacy",side="engine"}"#;

#[tokio::test]
async fn a_dual_socket_engine_answers_out_of_order_and_a_late_answer_reaches_nobody() {
    let (_dir, layout_file) = layout_with_acks();
    // Requests 1..3 are answered together in reverse order once the third arrives; request 4
    // is not answered in time: its answer comes only with request 5's, just before it.
    let engine = FakeDualMci::start(
        || layout().framer(),
        |seen: &[Bytes]| match seen.len() {
            3 => seen.iter().rev().map(|r| legacy_answer(r).into()).collect(),
            5 => vec![
                legacy_answer(&seen[3]).into(),
                legacy_answer(&seen[4]).into(),
            ],
            _ => Vec::new(),
        },
    )
    .await;
    let gateway = dual_gateway(&engine, &layout_file).await;
    let mut client = MciClient::connect(gateway.mci_address()).await;
    let requests: Vec<Vec<u8>> = (1..=3).map(|n| request_frame(&guid(n))).collect();
    client.send(&requests.concat()).await;
    for request in &requests {
        assert_eq!(client.recv().await[..], legacy_answer(request)[..]);
    }

    let late = request_frame(&guid(4));
    let answer = decode_answer(&client.call(&late).await);
    assert_eq!(answer.header["resp_code"], "E504", "request 4 timed out");
    // Its id stays reserved while its answer may still come: the same id again is refused,
    // never handed request 4's late answer.
    let again = decode_answer(&client.call(&late).await);
    assert_eq!(again.header["resp_code"], "E502");

    let next = request_frame(&guid(5));
    assert_eq!(client.call(&next).await[..], legacy_answer(&next)[..]);
    assert_eq!(
        gateway.metric(UNMATCHED),
        1.0,
        "the late answer was counted"
    );
    // Every answer read was acknowledged on the answer socket, the late one included.
    let expected: Vec<Bytes> = [2, 1, 0, 3, 4]
        .map(|i| Bytes::from(ack_of(&request_frame(&guid(i + 1)))))
        .to_vec();
    for _ in 0..200 {
        if engine.acknowledgements().len() >= expected.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(engine.acknowledgements(), expected);
    assert_eq!(gateway.metric(ENGINE_ACKS_SENT), 5.0);
}

#[tokio::test]
async fn a_dual_socket_listener_acknowledges_and_answers_on_the_answer_socket_in_any_order() {
    let (_dir, layout_file) = layout_with_acks();
    // The first request's answer is slow: the second one's goes out first.
    let legacy = mci_deciding("L1")
        .delay_by(|n| Duration::from_millis(if n == 0 { 300 } else { 0 }))
        .start()
        .await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .layout_file(&layout_file)
        .listener_key(Listener::Mci, "link", "\"dual_socket\"")
        .listener_key(Listener::Mci, "answer_address", "\"127.0.0.1:0\"")
        .start()
        .await;
    let answer_address = gateway.running().mci_answer_addresses[0].unwrap();
    let mut answers = MciClient::connect(answer_address).await;
    let mut requests = MciClient::connect(gateway.mci_address()).await;
    let (first, second) = (request_frame(&guid(1)), request_frame(&guid(2)));
    requests.send(&first).await;
    assert_eq!(requests.recv().await[..], ack_of(&first)[..]);
    requests.send(&second).await;
    assert_eq!(requests.recv().await[..], ack_of(&second)[..]);
    assert_eq!(answers.recv().await[..], legacy_answer(&second)[..]);
    assert_eq!(answers.recv().await[..], legacy_answer(&first)[..]);

    // A frame whose header does not decode has no id to match an answer by: NAK, no answer.
    let mut broken = request_frame(&guid(3));
    broken[43..51].copy_from_slice(b"\xff\xff\xff\xff\xff\xff\xff\xff");
    broken[8..40].copy_from_slice(&[b'\xff'; 32]);
    requests.send(&broken).await;
    let nak = requests.recv().await;
    assert!(nak.starts_with(b"00000045NAK"), "{nak:?}");
    let acks_sent = r#"shadowgate_link_acks_total{direction="sent",frame="ack",link="core-banking",side="listener"}"#;
    assert_eq!(gateway.metric(acks_sent), 2.0);
    let naks_sent = r#"shadowgate_link_acks_total{direction="sent",frame="nak",link="core-banking",side="listener"}"#;
    assert_eq!(gateway.metric(naks_sent), 1.0);
    assert_eq!(
        legacy.requests(),
        2,
        "the refused frame never reached the engine"
    );
}

#[tokio::test]
async fn a_dual_socket_listener_without_an_answer_socket_queues_a_bounded_number_of_answers() {
    let legacy = mci_deciding("L1").start().await;
    // One frame in flight per connection: the queue toward the answer socket holds 4 answers.
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .listener_key(Listener::Mci, "link", "\"dual_socket\"")
        .listener_key(Listener::Mci, "answer_address", "\"127.0.0.1:0\"")
        .listener_key(Listener::Mci, "max_pipelined", "1")
        .start()
        .await;
    let mut requests = MciClient::connect(gateway.mci_address()).await;
    let sent: Vec<Vec<u8>> = (1..=6).map(|n| request_frame(&guid(n))).collect();
    requests.send(&sent.concat()).await;
    let dropped =
        r#"shadowgate_link_answers_dropped_total{listener="core-banking",reason="queue_full"}"#;
    for _ in 0..500 {
        if gateway.metric(dropped) >= 2.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        gateway.metric(dropped),
        2.0,
        "two answers found the queue full"
    );
    // Core banking connects its answer socket late: the four queued answers come, in order.
    let answer_address = gateway.running().mci_answer_addresses[0].unwrap();
    let mut answers = MciClient::connect(answer_address).await;
    for request in &sent[..4] {
        assert_eq!(answers.recv().await[..], legacy_answer(request)[..]);
    }
    assert_eq!(legacy.requests(), 6, "every request reached the engine");
}

/// Every `shadowgate_frames_total` sample of the listener, added up.
fn frames_counted(gateway: &TestGateway) -> f64 {
    let text = gateway.running().metrics.render();
    text.lines()
        .filter(|line| line.starts_with("shadowgate_frames_total{listener=\"core-banking\""))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn a_request_socket_that_stops_taking_acks_loses_no_frame_uncounted() {
    // Core banking sends 100 frames on its request socket; the engine is slow, so the gateway
    // reads 32 (`max_pipelined`), acknowledges them and waits. Then core banking resets the
    // socket. When a slot frees, the gateway reads the next frame (still buffered) and its ACK
    // cannot be written: it stops reading. Every frame it read is counted once: the frames in
    // flight are still answered (toward the answer socket), the one whose ACK was not taken is
    // `client_closed`, not processed.
    let (_dir, layout_file) = layout_with_acks();
    // Slow enough that the reset comes before any slot frees, even on a loaded machine.
    let legacy = mci_deciding("L1")
        .delay(Duration::from_secs(2))
        .start()
        .await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .layout_file(&layout_file)
        .listener_key(Listener::Mci, "link", "\"dual_socket\"")
        .listener_key(Listener::Mci, "answer_address", "\"127.0.0.1:0\"")
        .start()
        .await;
    let mut requests = TcpStream::connect(gateway.mci_address()).await.unwrap();
    let frames: Vec<u8> = (0..100).flat_map(|n| request_frame(&guid(n))).collect();
    requests.write_all(&frames).await.unwrap();
    let acks_sent = r#"shadowgate_link_acks_total{direction="sent",frame="ack",link="core-banking",side="listener"}"#;
    for _ in 0..500 {
        if gateway.metric(acks_sent) >= 32.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(gateway.metric(acks_sent), 32.0, "the first 32 frames read");
    requests.set_zero_linger().unwrap();
    drop(requests);

    let closed = r#"shadowgate_frames_total{listener="core-banking",outcome="client_closed"}"#;
    let ok = r#"shadowgate_frames_total{listener="core-banking",outcome="ok"}"#;
    for _ in 0..1_000 {
        if gateway.metric(closed) >= 1.0 && frames_counted(&gateway) >= gateway.metric(acks_sent) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(gateway.metric(closed), 1.0);
    assert_eq!(gateway.metric(acks_sent), 33.0);
    assert_eq!(
        gateway.metric(ok),
        32.0,
        "the frames in flight were answered"
    );
    assert_eq!(frames_counted(&gateway), 33.0);
    assert_eq!(legacy.requests(), 32);
}
