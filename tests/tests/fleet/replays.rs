//! Replay runs in a fleet: a run is the fleet's, kept in its database beside the triage values,
//! so a group replayed through gw-a shows its "N of M cases fixed" on gw-b's API and page and in
//! the CLI's report beside both; two runs started in the same microsecond are both kept; with
//! the database away a run's results are still printed and its save fails naming the database.
//! A trial found gw-b showing no replay of a group gw-a had replayed: each gateway kept its runs
//! in its own directory.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use shadowgate::cli::{self, Format, ReplayArgs, ReportArgs};
use shadowgate::store::{Reader, ReplayRun};
use shadowgate_tests::fake::FakeEngine;
use shadowgate_tests::gateway::{
    decision, get, http_answer, mci_deciding, DEADLINE, LIMIT, STRATEGY,
};
use shadowgate_tests::postgres::TestPostgres;
use shadowgate_tests::TestGateway;

use crate::support::{fleet_gateway, send};
use crate::triage::{api, api_post, first_group, run, source, wait_mismatches};

/// The key the gateways seal raw payloads with, and replay opens them with.
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The fleet gateway `instance` on `url`, its directory under `dir`, sealing raw payloads with
/// the key file `keys`, with an admin listener.
async fn gateway(
    url: &str,
    dir: &Path,
    instance: &str,
    live: SocketAddr,
    shadow: &str,
) -> TestGateway {
    let keys = dir.join("keys").to_str().unwrap().to_owned();
    fleet_gateway(url, instance, live, shadow)
        .store_key("encryption_key_file", format!("{keys:?}"))
        .store_path(&dir.join(instance))
        .admin()
        .start()
        .await
}

/// Waits until `gateway`'s `GET /api/v1/replays` lists `n` runs; its answer.
async fn wait_runs(gateway: &TestGateway, n: usize) -> Value {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let replays = api(gateway, "/api/v1/replays").await;
        if replays["runs"].as_array().map(Vec::len) == Some(n) {
            return replays;
        }
        assert!(tokio::time::Instant::now() < deadline, "{replays}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// `shadowgate replay` on a plain thread (it starts its own runtime) while the test's runtime
/// serves the engines and gateways: its output, and its error as text.
async fn replay(args: ReplayArgs) -> (String, Result<(), String>) {
    let cli = std::thread::spawn(move || {
        let mut out = Vec::new();
        let result = cli::run_replay(&args, &mut out).map_err(|e| format!("{e:#}"));
        (String::from_utf8(out).unwrap(), result)
    });
    tokio::task::spawn_blocking(move || cli.join().unwrap())
        .await
        .unwrap()
}

/// A run with no case, by `by`, started at `started_micros`.
fn empty_run(by: &str, started_micros: u64) -> ReplayRun {
    ReplayRun {
        started_micros,
        finished_micros: started_micros + 1,
        by: by.to_owned(),
        strategy: STRATEGY.to_owned(),
        engine: "new-engine".to_owned(),
        selection: "all".to_owned(),
        group_selections: Default::default(),
        shadowed_by: None,
        cases: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_replayed_on_one_gateway_is_every_gateways_verdict() {
    let db = tokio::task::spawn_blocking(TestPostgres::start_new)
        .await
        .unwrap();
    let url = db.url();
    let db = Arc::new(Mutex::new(db));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keys"), format!("2026-11 = {KEY}\n")).unwrap();
    // The new engine: a wrong grade until fixed; once `stop` is set, it stops the database
    // before its next answer (away between a replay's selection and its save).
    let (fixed, stop) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let next = FakeEngine::http()
        .reply({
            let (fixed, stop, db) = (fixed.clone(), stop.clone(), db.clone());
            move |_| {
                if stop.swap(false, Ordering::SeqCst) {
                    db.lock().unwrap().stop();
                }
                let grade = if fixed.load(Ordering::SeqCst) {
                    "L1"
                } else {
                    "N9"
                };
                http_answer(&decision(grade, LIMIT))
            }
        })
        .start()
        .await;
    let legacy = mci_deciding("L1").start().await;
    let gw_a = gateway(&url, dir.path(), "gw-a", legacy.addr(), &next.url()).await;
    let gw_b = gateway(&url, dir.path(), "gw-b", legacy.addr(), &next.url()).await;
    let mut client = gw_a.mci_client().await;
    send(&mut client, 1..4).await;
    wait_mismatches(&gw_b, 3).await;
    let (signature, _) = first_group(&gw_b).await;

    // The fix deployed, the group replayed through gw-a's admin API: gw-b shows the run.
    fixed.store(true, Ordering::SeqCst);
    let selection = json!({"strategy": STRATEGY, "group": signature, "by": "kim"});
    let (status, body) = api_post(&gw_a, "/api/v1/replays", &selection).await;
    assert_eq!(status, 202, "{body}");
    let replays = wait_runs(&gw_b, 1).await;
    assert_eq!(replays["runs"][0]["by"], "kim", "{replays}");
    assert_eq!(
        replays["runs"][0]["totals"],
        json!({"fixed": 3}),
        "{replays}"
    );
    let group = &replays["groups"][0];
    assert_eq!(group["signature"], signature.as_str(), "{replays}");
    assert_eq!(group["whole"]["fixed"], 3, "{replays}");
    assert_eq!(group["whole"]["total"], 3, "{replays}");
    let summary = group["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("3 of 3 cases fixed by replay at "),
        "{summary}"
    );
    let (_, page) = get(&format!("http://{}/", gw_b.admin_address())).await;
    assert!(page.contains("3 of 3 cases fixed by replay at"), "{page}");

    // The report of the CLI with gw-b's config, beside both running gateways: the same line.
    let config_b = dir.path().join("gw-b.toml");
    std::fs::write(&config_b, gw_b.builder().toml(&dir.path().join("gw-b"))).unwrap();
    let args = ReportArgs {
        source: source(&config_b),
        strategy: None,
        format: Format::Text,
        daily: false,
    };
    let text = run(move |out| cli::run_report(&args, out)).await.unwrap();
    let said = format!("{STRATEGY} · group {signature}: 3 of 3 cases fixed by replay at ");
    assert!(
        text.lines()
            .any(|l| l.contains(&said) && l.ends_with(" (against new-engine, by kim)")),
        "{text}"
    );

    // Two sessions saving runs that started in the same microsecond: both kept, one of them
    // moved one microsecond on, never written over the other.
    let store = shadowgate::config::load_without_secrets(&config_b)
        .unwrap()
        .store;
    let savers: Vec<_> = ["lee", "choi"]
        .into_iter()
        .map(|by| {
            let store = store.clone();
            std::thread::spawn(move || {
                let reader = Reader::open_config(&store).unwrap();
                reader.save_replay(&empty_run(by, 1_000)).unwrap()
            })
        })
        .collect();
    let mut starts: Vec<u64> =
        tokio::task::block_in_place(|| savers.into_iter().map(|s| s.join().unwrap()).collect());
    starts.sort_unstable();
    assert_eq!(starts, [1_000, 1_001]);
    let replays = wait_runs(&gw_a, 3).await;
    let runs = replays["runs"].as_array().unwrap();
    let mut older: Vec<(u64, &str)> = runs[1..]
        .iter()
        .map(|r| {
            (
                r["started_micros"].as_u64().unwrap(),
                r["by"].as_str().unwrap(),
            )
        })
        .collect();
    older.sort_unstable();
    assert!(
        older == [(1_000, "lee"), (1_001, "choi")] || older == [(1_000, "choi"), (1_001, "lee")],
        "{replays}"
    );
    assert_eq!(replays["groups"][0]["summary"], summary, "{replays}");

    // The database away once the cases are sent: `replay` with gw-a's config beside gw-a
    // running (its directory held, not needed) prints the run's results, then fails naming
    // the database that keeps the fleet's runs; the gateways keep answering.
    let config_a = dir.path().join("gw-a.toml");
    std::fs::write(&config_a, gw_a.builder().toml(&dir.path().join("gw-a"))).unwrap();
    stop.store(true, Ordering::SeqCst);
    let (out, result) = replay(ReplayArgs {
        config: config_a,
        strategy: STRATEGY.to_owned(),
        group: Some(signature.clone()),
        ids: Vec::new(),
        since: None,
        until: None,
        kind: None,
        against: None,
        rate: 0,
        concurrency: 1,
        limit: 1,
        by: Some("park".to_owned()),
    })
    .await;
    let error = result.unwrap_err();
    let said = format!(
        "the replay ran (its results above) but was not stored: cannot write to the fleet store \
         at {url}, which keeps the fleet's replay runs: "
    );
    assert!(error.starts_with(&said), "{error}\n{out}");
    let printed = format!("group {signature}: 1 of 1 case fixed by replay at ");
    assert!(out.contains(&printed), "{out}");
    send(&mut client, 4..5).await;
    let mut client = gw_b.mci_client().await;
    send(&mut client, 5..6).await;
    // Its runs cannot be read now: said so, never shown as no replay.
    let (status, body) = get(&format!("http://{}/api/v1/replays", gw_b.admin_address())).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("cannot read the fleet store at"), "{body}");

    gw_a.shutdown().await;
    gw_b.shutdown().await;
    tokio::task::spawn_blocking(move || drop((next, legacy, db)))
        .await
        .unwrap();
}
