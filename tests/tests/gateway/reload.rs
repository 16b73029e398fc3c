//! The cutover switch: swapping live and shadow in the config and reloading while traffic flows.
//! No request fails, and from the reload on the other engine answers.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use shadowgate_tests::gateway::{
    decode_answer, guid, http_deciding, mci_deciding, request_frame, MciClient,
};
use shadowgate_tests::{EngineToml, TestGateway};

const CONNECTIONS: u64 = 3;
/// Requests per connection at most: the loops are bounded even if the test goes wrong.
const MAX_REQUESTS: u64 = 5_000;

/// Waits (bounded) until `counter` reaches `target`.
async fn reach(counter: &AtomicU64, target: u64) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while counter.load(Ordering::SeqCst) < target {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("traffic stalled below {target} requests"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapping_live_and_shadow_under_traffic_fails_no_request() {
    let legacy = mci_deciding("L1").start().await;
    let new_engine = http_deciding("N1").start().await;
    let mut gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .shadow("new-engine", EngineToml::http(&new_engine.url()))
        .start()
        .await;
    let (done, stop) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let traffic: Vec<_> = (0..CONNECTIONS)
        .map(|c| {
            let (address, done, stop) = (gateway.mci_address(), done.clone(), stop.clone());
            tokio::spawn(async move {
                let mut client = MciClient::connect(address).await;
                let mut grades = Vec::new();
                for n in 0..MAX_REQUESTS {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let id = guid(c * MAX_REQUESTS + n);
                    let answer = decode_answer(&client.call(&request_frame(&id)).await);
                    assert_eq!(answer.header["guid"], id.as_str());
                    assert_eq!(answer.header["resp_code"], "0000", "{answer:?}");
                    grades.push(answer.body["grade"].as_str().unwrap().to_owned());
                    done.fetch_add(1, Ordering::SeqCst);
                }
                grades
            })
        })
        .collect();

    reach(&done, 30).await;
    let swapped = gateway.builder().swap_roles();
    gateway.reload_with(swapped).unwrap();
    let at_reload = done.load(Ordering::SeqCst);
    reach(&done, at_reload + 30).await;
    stop.store(true, Ordering::SeqCst);

    let mut total = 0;
    for connection in traffic {
        let grades = connection.await.expect("every request answered OK");
        total += grades.len();
        // Each connection saw the legacy engine, then the new one, never back.
        let switch = grades
            .iter()
            .position(|g| g == "N1")
            .unwrap_or(grades.len());
        assert!(grades[..switch].iter().all(|g| g == "L1"), "{grades:?}");
        assert!(grades[switch..].iter().all(|g| g == "N1"), "{grades:?}");
        assert_eq!(grades.last().map(String::as_str), Some("N1"), "{grades:?}");
    }
    assert!(total >= 60, "{total} requests");
    let answer = decode_answer(
        &gateway
            .mci_client()
            .await
            .call(&request_frame(&guid(u64::MAX / 2)))
            .await,
    );
    assert_eq!(answer.body["grade"], "N1");

    // The comparison continues in the other direction: legacy is now the shadow.
    let records = gateway
        .records_until(|records| {
            records
                .iter()
                .any(|r| &*r.mismatch.live_engine == "new-engine")
        })
        .await;
    let after = records
        .iter()
        .find(|r| &*r.mismatch.live_engine == "new-engine")
        .unwrap();
    assert_eq!(after.mismatch.shadow_engine, "legacy");
    assert_eq!(after.mismatch.differing_paths, ["body.grade"]);
    assert!(records.iter().any(|r| &*r.mismatch.live_engine == "legacy"));
    gateway.shutdown().await;
}
