//! Nothing is unbounded: a full shadow budget skips the shadow call and counts it, it never
//! queues, and the live answers do not notice; a full shadow-worker queue skips the comparison
//! the same way (with worker threads, or on the runtime's thread).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use shadowgate_tests::fake::FakeEngine;
use shadowgate_tests::gateway::{decision, http_answer, request_frame, DEADLINE, LIMIT};
use shadowgate_tests::EngineToml;

use crate::support::{
    assert_legacy_answer, legacy_live_shadow_keys, legacy_live_with, refused_address,
};

#[tokio::test]
async fn a_full_shadow_budget_skips_and_counts_instead_of_queueing() {
    // The shadow holds each call for longer than the test sends requests, so with a budget of 2
    // exactly the first two requests are shadowed and the other four are skipped.
    let shadow_delay = Duration::from_secs(3);
    let shadow = FakeEngine::http()
        .reply(move |_| http_answer(&decision("L1", LIMIT)))
        .delay(shadow_delay)
        .start()
        .await;
    let engine = EngineToml::http(&shadow.url()).request_timeout(shadow_delay * 2);
    let (_legacy, gateway) = legacy_live_with(
        engine,
        &[
            ("shadow_max_in_flight", "2"),
            ("shadow_timeout_ms", "10000"),
        ],
    )
    .await;
    let mut client = gateway.mci_client().await;
    for n in 0..6 {
        assert_legacy_answer(&mut client, &format!("BUDGET{n:026}")).await;
    }
    let counters = gateway.summary(|c| c.skipped >= 4).await;
    assert_eq!(
        counters.skipped, 4,
        "every request beyond the budget is skipped"
    );
    assert_eq!(
        shadow.requests(),
        2,
        "the shadow got only what the budget allows"
    );
    let metrics = gateway.running().metrics.render();
    let skipped = metrics
        .lines()
        .find(|l| l.starts_with("shadowgate_shadow_skipped_total") && l.contains("budget_full"))
        .expect("shadow_skipped_total{reason=\"budget_full\"} is exported");
    assert!(skipped.ends_with(" 4"), "{skipped}");
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_dead_shadow_opens_the_breaker_and_later_calls_are_skipped_and_counted() {
    // Connection refused: after THRESHOLD (5) consecutive connect failures the breaker skips
    // shadow calls for a second, so a dead shadow stops costing a record per request.
    let shadow = EngineToml::http(&format!("http://{}", refused_address()));
    let (_legacy, gateway) = legacy_live_with(shadow, &[]).await;
    let mut client = gateway.mci_client().await;
    let requests = 30;
    for n in 0..requests {
        assert_legacy_answer(&mut client, &format!("BREAKER{n:025}")).await;
    }
    let counters = gateway
        .summary(|c| c.shadow_errors + c.skipped == requests)
        .await;
    assert!(
        counters.shadow_errors >= 5,
        "the breaker opens only after 5 failures: {counters:?}"
    );
    assert!(
        counters.skipped >= 15,
        "later calls are skipped while it is open: {counters:?}"
    );
    // Every skip is counted by reason, in the metrics as in the store: `shadow_down` while the
    // breaker is open; under a heavy load a comparison can also end as another skip (e.g.
    // `live_failed`: the live answer later than the shadow timeout).
    let metrics = gateway.running().metrics.render();
    let metric = |reason: &str| {
        let label = format!("reason=\"{reason}\"");
        metrics
            .lines()
            .find(|l| l.starts_with("shadowgate_shadow_skipped_total{") && l.contains(&label))
            .and_then(|l| l.rsplit_once(' ')?.1.parse::<u64>().ok())
    };
    assert!(
        counters
            .skipped_by_reason
            .get("shadow_down")
            .is_some_and(|n| *n > 0),
        "{counters:?}"
    );
    for (reason, stored) in &counters.skipped_by_reason {
        assert_eq!(
            metric(reason),
            Some(*stored),
            "skipped as {reason}: {counters:?}"
        );
    }
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_dead_shadow_under_bursts_costs_one_probe_per_cool_down() {
    // Bursts of 20 pipelined frames (20 shadow calls at once) every 100 ms for about 2.5 s
    // against a shadow that refuses connections. The first burst's calls all fail (the breaker
    // was closed when they started); after that the breaker lets one call through per 1 s
    // cool-down, not the whole burst that comes when it ends.
    let shadow = EngineToml::http(&format!("http://{}", refused_address()));
    let (_legacy, gateway) = legacy_live_with(shadow, &[]).await;
    let mut client = gateway.mci_client().await;
    let started = std::time::Instant::now();
    let bursts = 25;
    let per_burst = 20;
    for burst in 0..bursts {
        let ids: Vec<String> = (0..per_burst)
            .map(|n| format!("PROBE{burst:02}{n:025}"))
            .collect();
        let frames: Vec<u8> = ids.iter().flat_map(|id| request_frame(id)).collect();
        client.send(&frames).await;
        for _ in &ids {
            client.recv().await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let total = bursts * per_burst;
    let counters = gateway
        .summary(|c| c.shadow_errors + c.skipped == total as u64)
        .await;
    // The first burst, then at most one probe a second of the run (a second more for the
    // edges); before, each cool-down's end let a whole burst through.
    let probes = started.elapsed().as_secs() + 2;
    assert!(
        counters.shadow_errors <= per_burst as u64 + probes,
        "{probes} probes at most: {counters:?}"
    );
    assert!(counters.shadow_errors >= 5, "{counters:?}");
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_full_shadow_queue_skips_and_counts_and_live_answers_do_not_wait() {
    // One shadow worker, held busy by the test, and room for two comparisons in its queue: of
    // five requests, two comparisons wait and three are skipped as `queue_full`, while every
    // live answer comes back unchanged. Nothing here depends on timing: the hold is released
    // only once every comparison was queued or skipped.
    let shadow = FakeEngine::http()
        .reply(move |_| http_answer(&decision("L1", LIMIT)))
        .start()
        .await;
    let (_legacy, gateway) = legacy_live_shadow_keys(
        EngineToml::http(&shadow.url()),
        &[("workers", "1"), ("queue_capacity", "2")],
    )
    .await;
    let hold = gateway
        .running()
        .gateway
        .hold_shadow_workers(DEADLINE)
        .expect("the shadow worker takes the test's job");
    let mut client = gateway.mci_client().await;
    for n in 0..5 {
        assert_legacy_answer(&mut client, &format!("QUEUE{n:027}")).await;
    }
    let counters = gateway
        .summary(|c| c.skipped_by_reason.get("queue_full") == Some(&3))
        .await;
    assert_eq!(
        counters.matches, 0,
        "the queued comparisons wait for the worker"
    );
    let metrics = gateway.running().metrics.render();
    assert_eq!(metric(&metrics, "shadowgate_shadow_queue_depth"), 2);
    let skipped = metrics
        .lines()
        .find(|l| l.starts_with("shadowgate_shadow_skipped_total") && l.contains("queue_full"))
        .expect("shadow_skipped_total{reason=\"queue_full\"} is exported");
    assert!(skipped.ends_with(" 3"), "{skipped}");
    drop(hold);
    let counters = gateway.summary(|c| c.matches == 2).await;
    assert_eq!((counters.matches, counters.skipped), (2, 3));
    let metrics = gateway.running().metrics.render();
    assert_eq!(metric(&metrics, "shadowgate_shadow_queue_depth"), 0);
    gateway.shutdown().await;
}

#[tokio::test]
async fn without_shadow_threads_the_runtime_compares_and_records_every_answer() {
    // `[shadow] workers = 0`: no worker thread; the test's runtime runs the comparisons in
    // turns between its tasks. Every other shadow answer differs: each is judged and counted,
    // the mismatches stored, and the live answers are the legacy engine's.
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let shadow = FakeEngine::http()
        .reply(move |_| {
            let mut body = decision("L1", LIMIT);
            if seen.fetch_add(1, Ordering::SeqCst) % 2 == 1 {
                body["limit_amount"] = serde_json::from_str("25000000").unwrap();
            }
            http_answer(&body)
        })
        .start()
        .await;
    let (_legacy, gateway) =
        legacy_live_shadow_keys(EngineToml::http(&shadow.url()), &[("workers", "0")]).await;
    let mut client = gateway.mci_client().await;
    for n in 0..6 {
        assert_legacy_answer(&mut client, &format!("INLINE{n:026}")).await;
    }
    let counters = gateway.summary(|c| c.comparisons() == 6).await;
    assert_eq!((counters.matches, counters.mismatches), (3, 3));
    assert_eq!(counters.skipped, 0);
    let records = gateway.records(3).await;
    assert!(records
        .iter()
        .all(|r| r.mismatch.differing_paths == ["body.limit_amount"]));
    let metrics = gateway.running().metrics.render();
    assert_eq!(metric(&metrics, "shadowgate_shadow_queue_depth"), 0);
    gateway.shutdown().await;
}

/// The value of an unlabelled metric in a rendered exposition.
fn metric(rendered: &str, name: &str) -> i64 {
    let line = rendered
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("{name} is exported"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}
