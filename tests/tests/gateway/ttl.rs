//! The header TTL ("keep time") as the calls' deadline: an expired request is answered
//! `live_timeout` without any engine call, a TTL shorter than the engine timeout cuts the live
//! call at the TTL (and a shadow call still running then is a shadow timeout), and a TTL whose
//! flag says "not applied" changes nothing.
//!
//! The layout is the example one with 4 of its 21 reserved header bytes declared as a 3-digit
//! keep time and a keep flag, so the fake engines (which read frames with the example layout)
//! still understand every frame.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use shadowgate::outcome::ShadowErrorKind;
use shadowgate_tests::fake::FakeMci;
use shadowgate_tests::gateway::{
    answer_frame, decision, decode_answer, guid, layout_path, mci_deciding, request_frame, LIMIT,
};
use shadowgate_tests::{EngineToml, TestGateway};
use tempfile::TempDir;

/// Bytes of the keep time (3 digits) and of the keep flag in a frame.
const KEEP_TIME: std::ops::Range<usize> = 79..82;
const KEEP_FLAG: usize = 82;

/// The example layout with a TTL: `keep_time` seconds, applied when `keep_flag` is `Y`. The keep
/// time may be blank: the fake engines answer with spaces there.
fn ttl_layout(dir: &TempDir) -> PathBuf {
    let example = std::fs::read_to_string(layout_path()).unwrap();
    let reserved = r#"{ name = "reserved", type = "filler", length = 21 },"#;
    assert!(example.contains(reserved), "the example layout changed");
    let text = example
        .replace(
            reserved,
            r#"{ name = "keep_time", type = "number", length = 3, blank = "null" },
  { name = "keep_flag", type = "text", length = 1 },
  { name = "reserved", type = "filler", length = 17 },"#,
        )
        .replacen(
            "[messages.",
            "[header.ttl]\nfield = \"keep_time\"\nflag_field = \"keep_flag\"\n\
             applies = [\"Y\"]\n\n[messages.",
            1,
        );
    let path = dir.path().join("loan-screening-ttl.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A request frame for `id` whose header says: TTL `seconds`, flag `flag`.
fn ttl_frame(id: &str, seconds: &str, flag: u8) -> Vec<u8> {
    let mut frame = request_frame(id);
    frame[KEEP_TIME].copy_from_slice(seconds.as_bytes());
    frame[KEEP_FLAG] = flag;
    frame
}

/// A gateway on the TTL layout with `legacy` live (request timeout `timeout`) and, when given,
/// `shadow` as the shadow engine.
async fn ttl_gateway(
    dir: &TempDir,
    legacy: &FakeMci,
    timeout: Duration,
    shadow: Option<&FakeMci>,
) -> TestGateway {
    let live = EngineToml::mci(legacy.addr()).request_timeout(timeout);
    let mut builder = TestGateway::new()
        .layout_file(&ttl_layout(dir))
        .live("legacy", live);
    if let Some(shadow) = shadow {
        builder = builder.shadow("new-engine", EngineToml::mci(shadow.addr()));
    }
    builder.start().await
}

/// The value of one metric series of the gateway.
fn metric(gateway: &TestGateway, series: &str) -> f64 {
    let text = gateway.running().metrics.render();
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{series} not in:\n{text}"))
        .parse()
        .unwrap()
}

/// Asserts the gateway's own `live_timeout` answer for `id`.
fn assert_live_timeout(frame: &[u8], id: &str) {
    let answer = decode_answer(frame);
    assert_eq!(answer.header["guid"], id);
    assert_eq!(answer.header["resp_code"], "E504", "{answer:?}");
    assert_eq!(answer.body["error_message"], "decision engine timed out");
}

#[tokio::test]
async fn an_expired_ttl_is_answered_live_timeout_without_calling_any_engine() {
    let dir = tempfile::tempdir().unwrap();
    let legacy = mci_deciding("L1").start().await;
    let shadow = mci_deciding("L1").start().await;
    let timeout = Duration::from_secs(10);
    let gateway = ttl_gateway(&dir, &legacy, timeout, Some(&shadow)).await;
    let id = guid(1);
    let answer = gateway
        .mci_client()
        .await
        .call(&ttl_frame(&id, "000", b'Y'))
        .await;
    assert_live_timeout(&answer, &id);
    assert_eq!(legacy.requests(), 0, "the live engine was called");
    let live_timeout = r#"shadowgate_frames_total{listener="core-banking",outcome="live_timeout"}"#;
    assert_eq!(metric(&gateway, live_timeout), 1.0);
    // The shadow comparison is skipped as `ttl_expired`, and the shadow engine is not called.
    let counters = gateway
        .summary(|c| c.skipped_by_reason.contains_key("ttl_expired"))
        .await;
    assert_eq!(counters.skipped_by_reason["ttl_expired"], 1);
    assert_eq!(shadow.requests(), 0, "the shadow engine was called");
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_ttl_shorter_than_the_request_timeout_cuts_the_live_call() {
    let dir = tempfile::tempdir().unwrap();
    let engine_delay = Duration::from_secs(3);
    let legacy = mci_deciding("L1").delay(engine_delay).start().await;
    let gateway = ttl_gateway(&dir, &legacy, Duration::from_secs(10), None).await;
    let id = guid(2);
    let mut client = gateway.mci_client().await;
    let started = Instant::now();
    let answer = client.call(&ttl_frame(&id, "001", b'Y')).await;
    let elapsed = started.elapsed();
    assert_live_timeout(&answer, &id);
    // Cut at the 1 s TTL, counted from the gateway's reception: not before, well before 3 s.
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(
        elapsed < engine_delay - Duration::from_millis(500),
        "{elapsed:?}"
    );
    assert_eq!(legacy.requests(), 1, "the live engine was called once");
    let live_timeout = r#"shadowgate_frames_total{listener="core-banking",outcome="live_timeout"}"#;
    assert_eq!(metric(&gateway, live_timeout), 1.0);
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_ttl_whose_flag_says_not_applied_leaves_the_request_timeout_alone() {
    let dir = tempfile::tempdir().unwrap();
    // Longer than the TTL, far shorter than the request timeout.
    let engine_delay = Duration::from_secs(2);
    let legacy = mci_deciding("L1").delay(engine_delay).start().await;
    let gateway = ttl_gateway(&dir, &legacy, Duration::from_secs(10), None).await;
    let id = guid(3);
    let request = ttl_frame(&id, "001", b'N');
    let answer = gateway.mci_client().await.call(&request).await;
    let expected = answer_frame(&request, &decision("L1", LIMIT));
    assert_eq!(
        decode_answer(&answer),
        decode_answer(&expected),
        "the live engine's answer"
    );
    assert_eq!(legacy.requests(), 1);
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_shadow_cut_by_the_ttl_is_a_shadow_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let legacy = mci_deciding("L1").start().await;
    // Slower than the 1 s TTL, faster than the 5 s shadow timeout.
    let shadow = mci_deciding("L1")
        .delay(Duration::from_secs(3))
        .start()
        .await;
    let gateway = ttl_gateway(&dir, &legacy, Duration::from_secs(10), Some(&shadow)).await;
    let id = guid(4);
    let request = ttl_frame(&id, "001", b'Y');
    let started = Instant::now();
    let answer = gateway.mci_client().await.call(&request).await;
    let expected = answer_frame(&request, &decision("L1", LIMIT));
    assert_eq!(decode_answer(&answer), decode_answer(&expected));
    let records = gateway.records(1).await;
    let failure = &records[0].mismatch;
    assert_eq!(failure.correlation_id, id);
    assert_eq!(failure.error_kind, Some(ShadowErrorKind::Timeout));
    let reason = failure.reason.as_deref().unwrap_or("");
    assert!(reason.contains("TTL of 1s"), "{reason}");
    // Recorded at the TTL, not when the shadow engine answered.
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    gateway.shutdown().await;
}
