//! A client may send its next frames before the previous answers; answers come back in request
//! order even when the engine finishes later requests first. A frame counts as answered only
//! once its answer reached the client.

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

use crate::support::Log;
use shadowgate_tests::gateway::{decode_answer, guid, mci_deciding, request_frame};
use shadowgate_tests::{EngineToml, TestGateway};

#[tokio::test]
async fn pipelined_frames_are_answered_in_request_order() {
    const FRAMES: usize = 20;
    let step = Duration::from_millis(10);
    // The n-th request to arrive waits longest when it is first: later ones finish first.
    let delay = move |n: usize| step * u32::try_from(FRAMES.saturating_sub(n)).unwrap();
    let legacy = mci_deciding("L1").delay_by(delay).start().await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .start()
        .await;
    let mut client = gateway.mci_client().await;
    let ids: Vec<String> = (0..FRAMES as u64).map(guid).collect();
    let all: Vec<u8> = ids.iter().flat_map(|id| request_frame(id)).collect();

    let started = Instant::now();
    client.send(&all).await;
    let mut answered = Vec::new();
    for _ in 0..FRAMES {
        let answer = decode_answer(&client.recv().await);
        assert_eq!(answer.header["resp_code"], "0000");
        answered.push(answer.header["guid"].as_str().unwrap().to_owned());
    }
    let elapsed = started.elapsed();
    assert_eq!(answered, ids);
    assert_eq!(legacy.requests(), FRAMES);
    // Served concurrently: well under the engine's delays one after the other.
    let serial: Duration = (0..FRAMES).map(delay).sum();
    assert!(
        elapsed < serial / 2,
        "{elapsed:?} for {serial:?} of engine delays"
    );
}

#[tokio::test]
async fn frames_behind_one_that_cannot_be_answered_are_dropped_and_counted() {
    // A frame whose header does not decode gets no answer (there is no header to answer with);
    // the connection closes after the answers ahead of it. The frames behind it are not
    // answered (a client that matches answers by order would take the next one for the
    // unanswered frame's), so they are not sent to the live engine either (core banking sends
    // them again after it reconnects: they must not have run once already); counted
    // `gateway_closed`, whether they were read or still buffered.
    let legacy = mci_deciding("L1")
        .delay(Duration::from_millis(300))
        .start()
        .await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .start()
        .await;
    let mut client = gateway.mci_client().await;
    let first = request_frame(&guid(1));
    // `sent_at` (yyyyMMddHHmmssSSS) made letters: the header does not decode.
    let mut broken = request_frame(&guid(2));
    let clock = b"20261121093015123";
    let at = broken
        .windows(clock.len())
        .position(|w| w == clock)
        .expect("the request's sent_at");
    broken[at..at + clock.len()].fill(b'X');
    let behind: Vec<u8> = [request_frame(&guid(3)), request_frame(&guid(4))].concat();
    client.send(&[first, broken, behind].concat()).await;

    let answer = decode_answer(&client.recv().await);
    assert_eq!(answer.header["guid"], guid(1).as_str());
    assert!(client.is_closed().await);
    let frames = |outcome: &str| {
        gateway.metric(&format!(
            "shadowgate_frames_total{{listener=\"core-banking\",outcome=\"{outcome}\"}}"
        ))
    };
    assert_eq!(frames("ok"), 1.0);
    assert_eq!(frames("bad_request"), 1.0);
    assert_eq!(frames("gateway_closed"), 2.0);
    // Only the first frame reached the live engine.
    assert_eq!(legacy.requests(), 1);
}

#[tokio::test]
async fn frames_that_arrive_after_the_stop_are_counted_not_dropped_silently() {
    // A graceful stop stops reading at once and answers what is in flight; frames core banking
    // sent meanwhile are not answered (and not sent to the live engine): the connection closes
    // after the answers in flight, and they are counted `gateway_closed`, the first one named.
    let (log, _guard) = Log::capture();
    let legacy = mci_deciding("L1")
        .delay(Duration::from_millis(400))
        .start()
        .await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .start()
        .await;
    let metrics = gateway.running().metrics.clone();
    let mut client = gateway.mci_client().await;
    client.send(&request_frame(&guid(1))).await;
    // The first frame is read and its live call under way before the stop.
    reached(&legacy).await;
    let stopping = tokio::spawn(gateway.shutdown());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let behind: Vec<u8> = [request_frame(&guid(2)), request_frame(&guid(3))].concat();
    client.send(&behind).await;

    let answer = decode_answer(&client.recv().await);
    assert_eq!(answer.header["guid"], guid(1).as_str());
    assert!(client.is_closed().await);
    stopping.await.unwrap();
    let frames = |outcome: &str| {
        let series =
            format!("shadowgate_frames_total{{listener=\"core-banking\",outcome=\"{outcome}\"}} ");
        let text = metrics.render();
        text.lines()
            .find_map(|line| line.strip_prefix(series.as_str()))
            .map_or(0.0, |value| value.parse::<f64>().unwrap())
    };
    assert_eq!(frames("ok"), 1.0);
    assert_eq!(frames("gateway_closed"), 2.0);
    assert_eq!(legacy.requests(), 1);
    let warned = log.lines_with("WARN", "frames arrived after the stop");
    assert_eq!(warned.len(), 1, "{}", log.text());
    assert!(warned[0].contains("dropped=2"), "{}", warned[0]);
    assert!(warned[0].contains(&guid(2)), "{}", warned[0]);
}

#[tokio::test]
async fn an_answer_whose_client_closed_its_connection_is_counted_client_closed_not_ok() {
    // Core banking sends a frame and closes its connection before the slow live engine answers.
    // The gateway writes the answer into a socket nobody reads (the client's kernel answers it
    // with a reset): no answer reached core banking, so the frame is `client_closed`, not `ok`,
    // with a WARN naming the peer and the frame's correlation id. Other clients are served.
    let (log, _guard) = Log::capture();
    let legacy = mci_deciding("L1")
        .delay(Duration::from_millis(300))
        .start()
        .await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .start()
        .await;
    let mut gone = gateway.mci_client().await;
    gone.send(&request_frame(&guid(1))).await;
    reached(&legacy).await;
    drop(gone);

    let closed = r#"shadowgate_frames_total{listener="core-banking",outcome="client_closed"}"#;
    let ok = r#"shadowgate_frames_total{listener="core-banking",outcome="ok"}"#;
    let deadline = Instant::now() + Duration::from_secs(5);
    while gateway.metric(closed) == 0.0 && gateway.metric(ok) == 0.0 {
        assert!(Instant::now() < deadline, "the frame was never counted");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(gateway.metric(closed), 1.0);
    assert_eq!(gateway.metric(ok), 0.0, "no answer reached the client");

    let mut client = gateway.mci_client().await;
    let answer = decode_answer(&client.call(&request_frame(&guid(2))).await);
    assert_eq!(answer.header["guid"], guid(2).as_str());
    assert_eq!(gateway.metric(ok), 1.0);
    assert_eq!(gateway.metric(closed), 1.0);
    gateway.shutdown().await;
    let warnings = log.lines_with("WARN", "answer not delivered");
    assert_eq!(warnings.len(), 1, "{}", log.text());
    let line = &warnings[0];
    assert!(
        line.contains(
            "answer not delivered: the client closed its connection before it was \
             written; counted as client_closed with the frames still in flight"
        ),
        "{line}"
    );
    assert!(line.contains(&guid(1)), "correlation id: {line}");
    assert!(line.contains("peer=127.0.0.1:"), "peer: {line}");
    assert!(
        line.contains("answer=\"ok\"") || line.contains("answer=ok"),
        "{line}"
    );
}

#[tokio::test]
async fn a_client_that_resets_mid_frame_is_client_closed_not_a_framing_error() {
    // Core banking's side resets its connection (SO_LINGER 0) with half a frame sent: the
    // connection failed, the framing did not. The frame cut short is `client_closed`, and no
    // "framing lost" line is written; the gateway serves the next client.
    let (log, _guard) = Log::capture();
    let legacy = mci_deciding("L1").start().await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .start()
        .await;
    let frame = request_frame(&guid(1));
    let mut reset = tokio::net::TcpStream::connect(gateway.mci_address())
        .await
        .unwrap();
    reset.write_all(&frame[..frame.len() / 2]).await.unwrap();
    // Until the gateway has read the half frame (it waits for the rest).
    tokio::time::sleep(Duration::from_millis(100)).await;
    reset.set_zero_linger().unwrap();
    drop(reset);

    let frames = |outcome: &str| {
        gateway.metric(&format!(
            r#"shadowgate_frames_total{{listener="core-banking",outcome="{outcome}"}}"#
        ))
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while frames("client_closed") == 0.0 && frames("framing_error") == 0.0 {
        assert!(Instant::now() < deadline, "the reset was never counted");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(frames("client_closed"), 1.0);
    assert_eq!(frames("framing_error"), 0.0);

    let mut client = gateway.mci_client().await;
    let answer = decode_answer(&client.call(&request_frame(&guid(2))).await);
    assert_eq!(answer.header["guid"], guid(2).as_str());
    gateway.shutdown().await;
    assert!(
        log.lines_with("WARN", "framing lost").is_empty(),
        "{}",
        log.text()
    );
    assert_eq!(legacy.requests(), 1, "the frame cut short never ran");
}

/// Waits (5 s at most) until `engine` has received a frame: its live call is under way.
async fn reached(engine: &shadowgate_tests::fake::FakeMci) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while engine.requests() == 0 {
        assert!(
            Instant::now() < deadline,
            "the frame never reached the engine"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
