//! Failures the gateway answers itself: a dead or late live engine, and malformed frames of each
//! kind. A bad frame never costs anyone else their answer.

use std::time::{Duration, Instant};

use shadowgate_tests::gateway::{decode_answer, guid, request_frame, MciClient, TX_CODE};
use shadowgate_tests::{EngineToml, TestGateway};

use crate::support::{assert_legacy_answer, legacy_live, live_slow, refused_address};

/// Bytes 8..40 of a frame hold the guid, 43..51 the transaction code.
const TX_CODE_BYTES: std::ops::Range<usize> = 43..51;
/// `annual_income` (15 digits) starts after the 100-byte header and 47 bytes of body.
const ANNUAL_INCOME: std::ops::Range<usize> = 147..162;

/// Asserts an error answer: echoed guid, response flag, `code`, and the error body's message.
fn assert_error_answer(frame: &[u8], id: &str, code: &str, message: &str) {
    let answer = decode_answer(frame);
    assert_eq!(answer.header["guid"], id);
    assert_eq!(answer.header["rr_flag"], "R");
    assert_eq!(answer.header["resp_code"], code);
    assert_eq!(answer.header["tx_code"], TX_CODE);
    assert_eq!(answer.body["error_message"], message, "{answer:?}");
}

#[tokio::test]
async fn a_dead_live_engine_gets_the_live_error_code() {
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(refused_address()))
        .start()
        .await;
    let id = guid(1);
    let answer = gateway.mci_client().await.call(&request_frame(&id)).await;
    assert_error_answer(&answer, &id, "E502", "decision engine failed");
}

#[tokio::test]
async fn a_late_live_engine_gets_the_timeout_code_before_it_answers() {
    let engine_delay = Duration::from_secs(3);
    let (legacy, gateway) = live_slow("legacy", engine_delay).await;
    let id = guid(2);
    let started = Instant::now();
    let answer = gateway.mci_client().await.call(&request_frame(&id)).await;
    assert!(started.elapsed() < engine_delay, "{:?}", started.elapsed());
    assert_error_answer(&answer, &id, "E504", "decision engine timed out");
    assert_eq!(
        legacy.requests(),
        1,
        "a live request is sent once, never retried"
    );
}

#[tokio::test]
async fn a_body_that_does_not_decode_gets_an_error_frame_and_the_connection_serves_on() {
    let (legacy, gateway) = legacy_live(None).await;
    let mut client = gateway.mci_client().await;
    let id = guid(3);
    let mut bad = request_frame(&id);
    bad[ANNUAL_INCOME].copy_from_slice(b"58000000ABCDEFG");
    let answer = client.call(&bad).await;
    assert_error_answer(
        &answer,
        &id,
        "E400",
        "request frame does not match the layout",
    );
    assert_eq!(legacy.requests(), 0);

    assert_legacy_answer(&mut client, &guid(4)).await;
}

#[tokio::test]
async fn an_unknown_transaction_gets_a_header_only_error_frame() {
    let (legacy, gateway) = legacy_live(None).await;
    let mut client = gateway.mci_client().await;
    let id = guid(5);
    let mut unknown = request_frame(&id);
    unknown[TX_CODE_BYTES].copy_from_slice(b"XXX9999 ");
    let answer = client.call(&unknown).await;
    // 100-byte header and the `@@` trailer, no body: there is no layout for one.
    assert_eq!(answer.len(), 102, "{answer:?}");
    assert_eq!(&answer[..8], b"00000102");
    assert_eq!(&answer[8..40], id.as_bytes());
    assert_eq!(&answer[TX_CODE_BYTES], b"XXX9999 ");
    assert_eq!(&answer[51..56], b"RE404");
    assert_eq!(legacy.requests(), 0);

    assert_legacy_answer(&mut client, &guid(6)).await;
}

#[tokio::test]
async fn lost_framing_closes_that_connection_only() {
    let (_legacy, gateway) = legacy_live(None).await;
    // A health check: connects, sends nothing, and is not in anyone's way.
    let _idle = MciClient::connect(gateway.mci_address()).await;
    let mut other = gateway.mci_client().await;
    assert_legacy_answer(&mut other, &guid(7)).await;

    let mut wrong_trailer = request_frame(&guid(8));
    let end = wrong_trailer.len();
    wrong_trailer[end - 2..].copy_from_slice(b"##");
    let broken: [(&str, Vec<u8>); 3] = [
        (
            "prefix not digits",
            b"GET / HTTP/1.1\r\nhost: x\r\n\r\n".to_vec(),
        ),
        ("beyond max_frame", b"99999999".to_vec()),
        ("wrong trailer", wrong_trailer),
    ];
    for (n, (what, bytes)) in (10..).zip(broken) {
        let mut client = MciClient::connect(gateway.mci_address()).await;
        client.send(&bytes).await;
        assert!(client.is_closed().await, "{what}");
        assert_legacy_answer(&mut other, &guid(n)).await;
    }
    assert_legacy_answer(&mut gateway.mci_client().await, &guid(20)).await;
}

#[tokio::test]
async fn a_bad_live_http_answer_is_a_live_error_and_its_connection_is_not_reused() {
    // `body` twice: checked where it is received, in the parse that builds its tree.
    let legacy = shadowgate_tests::FakeEngine::http()
        .raw_body(r#"{"body": {"decision": "A"}, "body": {"decision": "R"}}"#)
        .start()
        .await;
    // At most one connect probe (at the start) beside the calls' connections.
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::http(&legacy.url()))
        .probe_interval(Duration::from_secs(3600))
        .start()
        .await;
    let metrics = gateway.running().metrics.clone();
    let mut client = gateway.mci_client().await;
    for n in 0..3 {
        let id = guid(60 + n);
        let answer = client.call(&request_frame(&id)).await;
        assert_error_answer(&answer, &id, "E502", "decision engine failed");
    }
    assert_eq!(legacy.requests(), 3);
    // Reused, the three calls would have shared one connection (two with the probe's).
    assert!(
        legacy.connections_accepted() >= 3,
        "a connection that brought a bad answer is closed, not reused: {} connections",
        legacy.connections_accepted()
    );
    let text = metrics.render();
    let invalid = text
        .lines()
        .find(|l| {
            l.starts_with("shadowgate_upstream_requests_total{")
                && l.contains(r#"role="live""#)
                && l.contains(r#"outcome="invalid""#)
        })
        .and_then(|line| line.rsplit(' ').next());
    assert_eq!(invalid, Some("3"), "{text}");
}
