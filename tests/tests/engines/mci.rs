//! `MciEngine` against `FakeEngine::mci(..)`: frames through unchanged, connections pooled and
//! bounded, a timed-out connection never reused.

use std::sync::Arc;
use std::time::{Duration, Instant};

use protocol_mci::Layout;
use shadowgate::engine::{MciEngine, MciEngineSettings, Role};
use shadowgate_tests::fake::{frame, payload, AsciiLengthCodec, FakeMci};
use shadowgate_tests::FakeEngine;

/// Answers `0007req-001` with `0010ans:req-001`: each caller can recognise its own answer.
fn answering() -> shadowgate_tests::fake::FakeMciBuilder<AsciiLengthCodec> {
    FakeEngine::mci(|| AsciiLengthCodec).reply(|request| {
        let mut answer = b"ans:".to_vec();
        answer.extend_from_slice(payload(request));
        frame(&answer)
    })
}

fn settings(engine: &FakeMci, max_connections: usize) -> MciEngineSettings {
    let mut settings = MciEngineSettings::new("legacy", engine.addr().to_string());
    settings.max_connections = max_connections;
    settings
}

fn pool(engine: &FakeMci, max_connections: usize) -> MciEngine<AsciiLengthCodec> {
    MciEngine::new(settings(engine, max_connections), || AsciiLengthCodec).unwrap()
}

#[tokio::test]
async fn sequential_requests_reuse_one_connection() {
    let engine = answering().start().await;
    let client = pool(&engine, 4);
    for n in 0..3 {
        let answer = client
            .call(&frame(format!("req-{n}").as_bytes()), Role::Live)
            .await
            .unwrap();
        assert_eq!(&answer[..], &frame(format!("ans:req-{n}").as_bytes())[..]);
    }
    assert_eq!(engine.connections_accepted(), 1);
    assert_eq!(engine.requests(), 3);
}

#[tokio::test]
async fn connections_never_exceed_the_pool_bound() {
    let engine = answering().delay(Duration::from_millis(100)).start().await;
    let client = Arc::new(pool(&engine, 2));
    let calls: Vec<_> = (0..6)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move {
                let answer = client
                    .call(&frame(format!("req-{n}").as_bytes()), Role::Live)
                    .await
                    .unwrap();
                assert_eq!(&answer[..], &frame(format!("ans:req-{n}").as_bytes())[..]);
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap();
    }
    assert_eq!(engine.requests(), 6);
    assert_eq!(engine.connections_accepted(), 2);
    assert_eq!(engine.peak_connections(), 2);
}

#[tokio::test]
async fn a_late_answer_never_reaches_the_next_caller() {
    let late = Duration::from_secs(3);
    let engine = answering()
        .delay_by(move |n| if n == 0 { late } else { Duration::ZERO })
        .start()
        .await;
    let mut settings = settings(&engine, 1);
    settings.request_timeout = late / 10;
    let client = MciEngine::new(settings, || AsciiLengthCodec).unwrap();

    let started = Instant::now();
    let error = client.call(&frame(b"first"), Role::Live).await.unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(started.elapsed() < late / 2, "took {:?}", started.elapsed());

    let answer = client.call(&frame(b"second"), Role::Live).await.unwrap();
    assert_eq!(&answer[..], &frame(b"ans:second")[..]);
    assert_eq!(engine.connections_accepted(), 2);
}

#[tokio::test]
async fn a_connection_the_engine_closed_while_idle_is_not_used() {
    let engine = answering().close_after(1).start().await;
    let client = pool(&engine, 1);
    client.call(&frame(b"one"), Role::Live).await.unwrap();
    // Wait (bounded) until the engine has closed its side, so the pool's check sees the close.
    tokio::time::timeout(Duration::from_secs(5), async {
        while engine.open_connections() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
    let answer = client.call(&frame(b"two"), Role::Live).await.unwrap();
    assert_eq!(&answer[..], &frame(b"ans:two")[..]);
    assert_eq!(engine.connections_accepted(), 2);
}

#[tokio::test]
async fn the_layout_framer_of_protocol_mci_plugs_in() {
    let layout = Layout::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../config/layouts/loan-screening.toml"
    ))
    .unwrap();
    // 8 ascii digits counting the whole frame, prefix and `@@` trailer included.
    let payload = b"LNS0001 request";
    let request = format!("{:08}{}@@", 8 + payload.len() + 2, "LNS0001 request");
    let framer = layout.framer();
    let engine = FakeEngine::mci(move || framer.clone()).start().await;
    let framer = layout.framer();
    let client = MciEngine::new(settings(&engine, 1), move || framer.clone()).unwrap();
    let answer = client.call(request.as_bytes(), Role::Live).await.unwrap();
    assert_eq!(&answer[..], request.as_bytes());
}

#[tokio::test]
async fn lost_framing_is_reported_and_the_connection_dropped() {
    let engine = FakeEngine::mci(|| AsciiLengthCodec)
        .reply(|_| bytes::Bytes::from_static(b"12ab garbage"))
        .start()
        .await;
    let client = pool(&engine, 1);
    let error = client.call(&frame(b"x"), Role::Live).await.unwrap_err();
    assert!(error.is_framing(), "{error}");
    assert!(error.to_string().contains("not 4 ascii digits"), "{error}");
    let _ = client.call(&frame(b"y"), Role::Live).await;
    assert_eq!(engine.connections_accepted(), 2);
}

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    drop(listener);
    let client = MciEngine::new(MciEngineSettings::new("legacy", address), || {
        AsciiLengthCodec
    })
    .unwrap();
    let error = client.call(&frame(b"x"), Role::Live).await.unwrap_err();
    assert!(error.is_connect(), "{error}");
}

#[tokio::test]
async fn answers_larger_than_the_read_room_come_whole_and_the_connection_is_reused() {
    // 6,000-byte answers: more than the 4 KiB the client keeps free for a read, so some reads
    // fill the buffer and the check before reuse has to ask the socket.
    let big = FakeEngine::mci(|| AsciiLengthCodec).reply(|request| {
        let mut answer = payload(request).to_vec();
        answer.resize(6_000, b'x');
        frame(&answer)
    });
    let engine = big.start().await;
    let client = pool(&engine, 1);
    for n in 0..3 {
        let text = format!("req-{n}");
        let answer = client
            .call(&frame(text.as_bytes()), Role::Live)
            .await
            .unwrap();
        assert_eq!(answer.len(), 4 + 6_000);
        assert!(payload(&answer).starts_with(text.as_bytes()));
    }
    assert_eq!(engine.connections_accepted(), 1);
}

#[tokio::test]
async fn an_idle_connection_with_bytes_nobody_asked_for_is_not_reused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A raw engine: on its first connection, a stray frame follows the answer a moment later
    // (the connection stays open: the stray bytes, not a close, must keep it out of reuse).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stray_sent, stray_seen) = tokio::sync::oneshot::channel::<()>();
    let engine = tokio::spawn(async move {
        let mut stray_sent = Some(stray_sent);
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut stray = stray_sent.take();
            tokio::spawn(async move {
                let mut request = [0u8; 7];
                while socket.read_exact(&mut request).await.is_ok() {
                    let mut answer = b"ans:".to_vec();
                    answer.extend_from_slice(payload(&request));
                    socket.write_all(&frame(&answer)).await.unwrap();
                    if let Some(sent) = stray.take() {
                        // After the client has read its answer: the bytes arrive while idle.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        socket.write_all(&frame(b"stray")).await.unwrap();
                        let _ = sent.send(());
                    }
                }
            });
        }
    });
    let mut settings = MciEngineSettings::new("legacy", address.to_string());
    settings.max_connections = 1;
    let client = MciEngine::new(settings, || AsciiLengthCodec).unwrap();
    let answer = client.call(&frame(b"one"), Role::Live).await.unwrap();
    assert_eq!(&answer[..], &frame(b"ans:one")[..]);
    tokio::time::timeout(Duration::from_secs(5), stray_seen)
        .await
        .unwrap()
        .unwrap();
    // A turn of the reactor, which learns of the stray bytes (the check before reuse reads the
    // socket's readiness first).
    tokio::time::sleep(Duration::from_millis(50)).await;
    let answer = client.call(&frame(b"two"), Role::Live).await.unwrap();
    assert_eq!(
        &answer[..],
        &frame(b"ans:two")[..],
        "the stray frame was taken as the answer"
    );
    engine.abort();
}
