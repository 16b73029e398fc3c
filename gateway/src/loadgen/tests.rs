//! The load generator against the demo's legacy engine on a real socket.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::verdict::wrong_listener_hint;
use super::*;

async fn engine(delay_ms: u64) -> (SocketAddr, CancellationToken) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let layout = Arc::new(crate::demo::layout().unwrap());
    let shutdown = CancellationToken::new();
    let serve = crate::demo::legacy::serve(
        listener,
        layout,
        Duration::from_millis(delay_ms),
        TaskTracker::new(),
        shutdown.clone(),
    );
    tokio::spawn(serve);
    (address, shutdown)
}

fn args(addresses: Vec<SocketAddr>) -> LoadgenArgs {
    LoadgenArgs {
        addresses,
        connections: 2,
        requests: None,
        duration: None,
        rate: None,
        pipeline: None,
        rounds: 1,
        warmup: 0.0,
        timeout_ms: 5_000,
        layout: None,
        seed: 1,
        json: false,
        max_failed_ratio: 0.01,
        max_error_ratio: 1.0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_loop_answers_every_frame_of_every_target() {
    let ((a, _a), (b, _b)) = (engine(0).await, engine(0).await);
    let summaries = measure(&LoadgenArgs {
        requests: Some(101),
        pipeline: Some(4),
        rounds: 2,
        ..args(vec![a, b])
    })
    .await
    .unwrap();
    assert_eq!(summaries.len(), 2);
    for s in &summaries {
        assert_eq!((s.sent, s.ok, s.latency_us.count), (202, 202, 202));
        assert_eq!(s.errors.timeouts + s.errors.connection_errors, 0);
        assert!(s.latency_us.p50 <= s.latency_us.max);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_loop_latency_counts_from_the_intended_send_time() {
    // The engine answers one frame at a time per connection in 40 ms; at 100 frames/s on one
    // connection a queue builds. A closed loop would report 40 ms per frame; the open loop keeps
    // sending on time and reports the queue (the last frame waits about a second).
    let (address, _stop) = engine(40).await;
    let s = &measure(&LoadgenArgs {
        connections: 1,
        rate: Some(100.0),
        duration: Some(0.3),
        ..args(vec![address])
    })
    .await
    .unwrap()[0];
    assert_eq!((s.sent, s.ok), (30, 30));
    assert!(s.latency_us.max > 600_000, "{:?}", s.latency_us);
    assert!(s.latency_us.max >= s.service_us.max, "{s:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_and_unreachable_targets_are_counted() {
    let (slow, _stop) = engine(500).await;
    let s = &measure(&LoadgenArgs {
        connections: 1,
        requests: Some(2),
        timeout_ms: 100,
        ..args(vec![slow])
    })
    .await
    .unwrap()[0];
    assert_eq!((s.ok, s.errors.timeouts), (0, 2));
    let silent = verdict(std::slice::from_ref(s), 0.01, 1.0)
        .unwrap_err()
        .to_string();
    // The answers come after --timeout-ms: said first, with the listener question after it.
    assert_eq!(
        silent,
        format!(
            "{slow}: 2 of 2 requests got no answer, not one frame was answered within \
             --timeout-ms (2 timed out): raise --timeout-ms if {slow} answers more slowly; if it \
             should answer at once, is it an MCI listener (`[[listeners.mci]]`), not the admin \
             or HTTP listener? (more than --max-failed-ratio 0.01)"
        )
    );

    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_address = dead.local_addr().unwrap();
    drop(dead);
    let s = &measure(&LoadgenArgs {
        connections: 1,
        requests: Some(5),
        ..args(vec![dead_address])
    })
    .await
    .unwrap()[0];
    assert_eq!(
        (s.sent, s.errors.connection_errors, s.errors.not_sent),
        (0, 3, 5)
    );
    assert_eq!(s.errors.refused, 3);
    let refused = verdict(std::slice::from_ref(s), 0.01, 1.0)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains(&format!("{dead_address}: 5 of 5 requests got no answer"))
            && refused.contains(&format!("nothing listens at {dead_address}")),
        "{refused}"
    );
    // A duration round that never connected sent nothing and was meant to send something.
    let s = &measure(&LoadgenArgs {
        connections: 1,
        duration: Some(0.2),
        ..args(vec![dead_address])
    })
    .await
    .unwrap()[0];
    assert_eq!(s.failures(), (1, 1));
    assert!(
        verdict(std::slice::from_ref(s), 1.0, 1.0).is_ok(),
        "within a ratio of 1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_run_passes_the_failure_threshold() {
    let (a, _a) = engine(0).await;
    let summaries = measure(&LoadgenArgs {
        requests: Some(20),
        ..args(vec![a])
    })
    .await
    .unwrap();
    assert_eq!(summaries[0].failures(), (0, 20));
    verdict(&summaries, 0.0, 1.0).unwrap();
}

/// What loadgen meets at an HTTP listener given by mistake: an HTTP status line where a frame
/// was expected, named in the verdict; a frame that is answered is never flagged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_listener_given_as_the_address_is_named_in_the_verdict() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 1024];
                let _ = stream.read(&mut buffer).await;
                let answer = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
                let _ = stream.write_all(answer).await;
            });
        }
    });
    let s = &measure(&LoadgenArgs {
        connections: 1,
        requests: Some(3),
        timeout_ms: 2_000,
        ..args(vec![address])
    })
    .await
    .unwrap()[0];
    assert!(s.errors.http_answers >= 1, "{s:?}");
    assert_eq!(s.ok, 0);
    let refused = verdict(std::slice::from_ref(s), 0.01, 1.0)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains(&format!("answered in HTTP: {address} is an HTTP listener")),
        "{refused}"
    );

    let (engine, _stop) = engine(0).await;
    let s = &measure(&LoadgenArgs {
        requests: Some(4),
        ..args(vec![engine])
    })
    .await
    .unwrap()[0];
    assert_eq!((s.ok, s.errors.http_answers), (4, 0));
    assert_eq!(wrong_listener_hint(s), "");
}

/// In the open loop every intended send is accounted for: a target that cannot be reached
/// leaves its whole timeline `not sent` (the queued times of each connection that gave up and
/// the ones the pacer could no longer hand out), and the verdict fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_loop_against_an_unreachable_target_counts_every_intended_send() {
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_address = dead.local_addr().unwrap();
    drop(dead);
    let s = &measure(&LoadgenArgs {
        connections: 2,
        rate: Some(100.0),
        duration: Some(1.0),
        ..args(vec![dead_address])
    })
    .await
    .unwrap()[0];
    assert_eq!((s.sent, s.errors.not_sent), (0, 100), "{s:?}");
    assert_eq!(s.failures(), (100, 100));
    let refused = verdict(std::slice::from_ref(s), 0.01, 1.0)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains(&format!(
            "{dead_address}: 100 of 100 requests got no answer"
        )),
        "{refused}"
    );
}

/// One of anything is said in the singular: `1 connection`, `1 connect refused`, `of 1 request`.
#[test]
fn counts_of_one_are_singular() {
    let shape = summary::Shape {
        address: "127.0.0.1:9".to_owned(),
        rate: None,
        connections: 1,
        pipeline: 1,
    };
    let tally = summary::Tally {
        connection_errors: 1,
        refused: 1,
        not_sent: 1,
        ..summary::Tally::new()
    };
    let s = Summary::new(&shape, &tally, Duration::from_millis(100));
    let mut printed = Vec::new();
    s.print(&mut printed).unwrap();
    let printed = String::from_utf8(printed).unwrap();
    assert!(
        printed.starts_with(
            "127.0.0.1:9: closed loop, 1 in flight per connection, 1 connection, 0.1 s\n"
        ),
        "{printed}"
    );
    let refused = verdict(std::slice::from_ref(&s), 0.01, 1.0)
        .unwrap_err()
        .to_string();
    assert!(
        refused.starts_with(
            "127.0.0.1:9: 1 of 1 request got no answer, 1 connect refused (nothing listens at \
             127.0.0.1:9)"
        ),
        "{refused}"
    );
}

/// A target whose every answer is an error frame: a run that passes by default says so on
/// stderr, and `--max-error-ratio` fails it with a line naming the codes; a run under the ratio
/// passes without a word.
#[test]
fn error_frames_fail_the_run_past_max_error_ratio_and_are_warned_of_below_it() {
    let shape = summary::Shape {
        address: "127.0.0.1:9100".to_owned(),
        rate: None,
        connections: 1,
        pipeline: 1,
    };
    let tally = |ok: u64, e502: u64| summary::Tally {
        sent: ok + e502,
        ok,
        error_frames: [("E502".to_owned(), e502)].into_iter().collect(),
        ..summary::Tally::new()
    };
    let dead = Summary::new(&shape, &tally(0, 50), Duration::from_millis(100));
    let dead = std::slice::from_ref(&dead);
    assert!(verdict(dead, 0.01, 1.0).is_ok(), "error frames are answers");
    assert_eq!(
        error_frame_notes(dead, 1.0),
        [
            "warning: 127.0.0.1:9100: every answer was an error frame (E502=50): the target was \
          reached but served no request (--max-error-ratio 0.01 fails such a run)"
        ]
    );
    assert_eq!(
        verdict(dead, 0.01, 0.01).unwrap_err().to_string(),
        "127.0.0.1:9100: 50 of 50 answers were error frames (E502=50) (more than \
         --max-error-ratio 0.01)"
    );
    assert!(
        error_frame_notes(dead, 0.01).is_empty(),
        "the verdict says it"
    );

    let some = Summary::new(&shape, &tally(90, 10), Duration::from_millis(100));
    let some = std::slice::from_ref(&some);
    assert!(
        verdict(some, 0.01, 0.1).is_ok(),
        "10 of 100 is not more than 0.1"
    );
    assert!(error_frame_notes(some, 1.0).is_empty());
    assert_eq!(
        verdict(some, 0.01, 0.05).unwrap_err().to_string(),
        "127.0.0.1:9100: 10 of 100 answers were error frames (E502=10) (more than \
         --max-error-ratio 0.05)"
    );
}
