//! A client may send its next frames before the previous answers; answers come back in request
//! order even when the engine finishes later requests first.

use std::time::{Duration, Instant};

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
