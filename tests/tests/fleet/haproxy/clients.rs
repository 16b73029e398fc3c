//! The MCI clients of the acceptance test: on HAProxy's address, one frame at a time, every
//! answer checked byte for byte against the live engine's.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use shadowgate_tests::gateway::{guid, request_frame, MciClient};

use super::expected_answer;

/// What the clients sent: numbers answered (the live answer checked byte for byte) and not.
#[derive(Default)]
pub(super) struct Sent {
    pub(super) answered: Mutex<Vec<u64>>,
    pub(super) unanswered: Mutex<Vec<u64>>,
}

/// Sends `numbers` on one connection; every frame must be answered.
pub(super) async fn known_client(haproxy: SocketAddr, numbers: Vec<u64>, sent: Arc<Sent>) {
    let mut client = MciClient::connect(haproxy).await;
    for n in numbers {
        let request = request_frame(&guid(n));
        let answer = client.call(&request).await;
        assert_eq!(answer[..], expected_answer(&request)[..], "live answer {n}");
        sent.answered.lock().unwrap().push(n);
    }
}

/// Sends frames numbered from `next` until `stop`, on a new connection every 10 frames (as core
/// banking's pools recycle theirs) and after a broken one.
pub(super) async fn running_client(
    haproxy: SocketAddr,
    next: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    sent: Arc<Sent>,
) {
    let mut client: Option<MciClient> = None;
    let mut on_connection = 0;
    while !stop.load(Ordering::SeqCst) {
        if client.is_none() || on_connection == 10 {
            client = MciClient::try_connect(haproxy).await;
            on_connection = 0;
            if client.is_none() {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        }
        let n = next.fetch_add(1, Ordering::SeqCst);
        let request = request_frame(&guid(n));
        let answer = client.as_mut().unwrap().try_call(&request).await;
        on_connection += 1;
        match answer {
            Some(answer) => {
                assert_eq!(answer[..], expected_answer(&request)[..], "live answer {n}");
                sent.answered.lock().unwrap().push(n);
            }
            None => {
                sent.unanswered.lock().unwrap().push(n);
                client = None;
            }
        }
    }
}
