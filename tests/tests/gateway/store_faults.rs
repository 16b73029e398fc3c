//! A real full disk under the store: live traffic is never touched, the store goes degraded at
//! once, recovers in-process when space returns, a restart on the full disk still serves, and no
//! comparison of the degraded periods is lost.
//!
//! The disk is a small tmpfs this test mounts, so it needs root. It does not skip without it: it
//! fails saying so (CI runs as root, so it always runs there).

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use shadowgate_tests::gateway::{
    answer_frame, decision, guid, http_deciding, mci_deciding, request_frame, MciClient, LIMIT,
};
use shadowgate_tests::prometheus::http_get;
use shadowgate_tests::{EngineToml, TestGateway};
use tempfile::TempDir;

/// How often the degraded store reopens its database in this test.
const RETRY: Duration = Duration::from_millis(1_000);
/// What "at once" and "within one retry interval" allow on top: the writer's idle wake (200 ms)
/// and a scrape, on a shared machine.
const SLACK: Duration = Duration::from_millis(500);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_never_touches_live_traffic_and_the_store_recovers_without_a_restart() {
    full_disk(None).await;
}

/// The same with `compress_records = false`: one JSON record per key, the format before chunks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_under_one_json_record_per_key_recovers_too() {
    full_disk(Some("false")).await;
}

/// The scenario, with the store's default record format or `compress_records` set.
async fn full_disk(compress_records: Option<&str>) {
    let disk = Tmpfs::mount("16m");
    let legacy = mci_deciding("L1").start().await;
    // Every comparison is a mismatch, so every one writes a record.
    let new_engine = http_deciding("N9").start().await;
    let builder = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .shadow("new-engine", EngineToml::http(&new_engine.url()))
        .admin()
        .store_path(&disk.path().join("store"))
        .store_key("retry_interval_ms", RETRY.as_millis().to_string());
    let builder = match compress_records {
        Some(value) => builder.store_key("compress_records", value),
        None => builder,
    };
    let gateway = builder.clone().start().await;
    let mut traffic = Traffic::new(&gateway).await;
    traffic.send(50).await;
    gateway.summary(|c| c.comparisons() == traffic.sent).await;
    assert_eq!(degraded(gateway.admin_address()).await, 0.0);

    let fill = disk.fill();
    let filled = Instant::now();
    while degraded(gateway.admin_address()).await != 1.0 {
        assert!(
            filled.elapsed() < Duration::from_secs(1) + SLACK,
            "never degraded"
        );
        traffic.send(5).await;
    }
    assert!(filled.elapsed() <= Duration::from_secs(1) + SLACK);
    // Still ready: a load balancer must not cut core banking's connections for the review side.
    let admin = gateway.admin_address();
    let (status, ready) = tokio::task::spawn_blocking(move || http_get(admin, "/readyz"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        status, 200,
        "a degraded store keeps the gateway ready: {ready}"
    );
    assert!(
        ready.contains("store degraded: records are being dropped"),
        "{ready}"
    );
    traffic.send(200).await;

    std::fs::remove_file(&fill).unwrap();
    let freed = Instant::now();
    while degraded(gateway.admin_address()).await != 0.0 {
        assert!(freed.elapsed() < RETRY + SLACK, "still degraded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    traffic.send(50).await;
    let counters = gateway.summary(|c| c.comparisons() == traffic.sent).await;
    assert_eq!(
        counters.mismatches, traffic.sent,
        "the degraded period is counted"
    );

    // Shut down on a full disk, then start again on it: the gateway serves, degraded.
    let fill = disk.fill();
    gateway.shutdown().await;
    let gateway = builder.start().await;
    let mut traffic = Traffic::new(&gateway).await.after(traffic.sent);
    traffic.send(100).await;
    let started = Instant::now();
    while degraded(gateway.admin_address()).await != 1.0 {
        assert!(
            started.elapsed() < Duration::from_secs(1) + SLACK,
            "a full disk, not degraded"
        );
        traffic.send(5).await;
    }
    std::fs::remove_file(&fill).unwrap();
    let counters = gateway.summary(|c| c.comparisons() == traffic.sent).await;
    assert_eq!(
        counters.mismatches, traffic.sent,
        "nothing of the restart is lost"
    );
    // The writer clears the gauge just after the commit the summary read: a bounded wait, not
    // an instant check (it raced on a loaded machine).
    let read = Instant::now();
    while degraded(gateway.admin_address()).await != 0.0 {
        assert!(read.elapsed() < SLACK, "recovered, yet still degraded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    gateway.shutdown().await;
}

/// Live requests on one connection, each answer checked byte for byte.
struct Traffic {
    client: MciClient,
    sent: u64,
}

impl Traffic {
    async fn new(gateway: &TestGateway) -> Traffic {
        let client = gateway.mci_client().await;
        Traffic { client, sent: 0 }
    }

    /// Counts on from `sent` requests already compared by an earlier gateway on this store.
    fn after(mut self, sent: u64) -> Traffic {
        self.sent = sent;
        self
    }

    async fn send(&mut self, n: u64) {
        for _ in 0..n {
            self.sent += 1;
            let request = request_frame(&guid(self.sent));
            let answer = self.client.call(&request).await;
            let expected = answer_frame(&request, &decision("L1", LIMIT));
            assert_eq!(answer[..], expected[..], "live answer {}", self.sent);
        }
    }
}

/// `shadowgate_store_degraded` as scraped from `/metrics`.
async fn degraded(admin: SocketAddr) -> f64 {
    let (status, body) = tokio::task::spawn_blocking(move || http_get(admin, "/metrics"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
    body.lines()
        .find_map(|line| line.strip_prefix("shadowgate_store_degraded "))
        .expect("the store's gauge is exported")
        .parse()
        .unwrap()
}

/// A tmpfs of a given size mounted on a temporary folder, unmounted when dropped (a failing test
/// included).
struct Tmpfs {
    dir: TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        assert!(
            is_root(),
            "this test mounts a tmpfs to fill a real disk and must run as root (CI does); \
             run it as root, e.g. `sudo -E cargo test -p shadowgate-tests --test gateway store_faults`"
        );
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "mount -t tmpfs failed: {status}");
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the disk is full; returns its path.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("fill");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        loop {
            match file.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(error) if error.raw_os_error() == Some(28) => break, // ENOSPC
                Err(error) => panic!("filling the disk: {error}"),
            }
        }
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: the gateway's files may still be open if the test failed midway.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Effective user id 0, from `/proc/self/status`.
fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        == Some("0")
}
