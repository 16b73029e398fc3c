//! Triage and sign-off in a fleet: triage states, the audit trail and cutover sign-offs are the
//! fleet's, kept in its database as one hash chain. A trial found a sign-off on gw-a leaving gw-b
//! warning "unsigned routing change", and a group verified on gw-a `new` on gw-b: each gateway
//! kept them in its own directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use shadowgate::cli::{self, AuditCommand, GroupsListArgs, SourceArgs};
use shadowgate::store::Reader;
use shadowgate::triage::{verify, Change, TriageBook};
use shadowgate_tests::gateway::{get, http_deciding, mci_deciding, post, DEADLINE, STRATEGY};
use shadowgate_tests::postgres::TestPostgres;
use shadowgate_tests::TestGateway;

use crate::support::{fleet_gateway, send};

pub(crate) fn source(config: &Path) -> SourceArgs {
    SourceArgs {
        store: None,
        config: Some(config.to_owned()),
        from: None,
        token_env: None,
    }
}

/// Runs a CLI function off the async workers; its output, or its error as text.
pub(crate) async fn run(
    command: impl FnOnce(&mut Vec<u8>) -> anyhow::Result<()> + Send + 'static,
) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        command(&mut out).map_err(|e| format!("{e:#}"))?;
        Ok(String::from_utf8(out).unwrap())
    })
    .await
    .unwrap()
}

/// `GET` of `path` on `gateway`'s admin API, as JSON.
pub(crate) async fn api(gateway: &TestGateway, path: &str) -> Value {
    let (status, body) = get(&format!("http://{}{path}", gateway.admin_address())).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// `POST` of `body` to `path` on `gateway`'s admin API: status and JSON.
pub(crate) async fn api_post(gateway: &TestGateway, path: &str, body: &Value) -> (u16, Value) {
    let url = format!("http://{}{path}", gateway.admin_address());
    let (status, body) = post(&url, "application/json", body.to_string()).await;
    (status, serde_json::from_slice(&body).unwrap())
}

/// The fleet gateway `instance`, its directory under `dir`, with an admin listener and
/// readiness any traffic meets.
async fn gateway(
    db: &TestPostgres,
    dir: &Path,
    instance: &str,
    live: SocketAddr,
    shadow: &str,
) -> TestGateway {
    fleet_gateway(&db.url(), instance, live, shadow)
        .strategy_key(
            "readiness",
            "{ min_comparisons = 1, min_clean_days = 0, max_upper_bound_percent = 100 }",
        )
        .store_path(&dir.join(instance))
        .admin()
        .start()
        .await
}

/// Waits until `gateway` reads `n` mismatches in the fleet's totals.
pub(crate) async fn wait_mismatches(gateway: &TestGateway, n: u64) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let summary = api(gateway, "/api/v1/summary").await;
        if summary["strategies"][0]["mismatches"] == n {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{summary}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The first group of `gateway`'s triage list: signature and state.
pub(crate) async fn first_group(gateway: &TestGateway) -> (String, String) {
    let listed = api(gateway, &format!("/api/v1/triage?strategy={STRATEGY}")).await;
    let group = &listed["groups"][0];
    let signature = group["group"]["signature"].as_str();
    let state = group["triage"]["state"].as_str();
    match (signature, state) {
        (Some(signature), Some(state)) => (signature.to_owned(), state.to_owned()),
        _ => panic!("no group: {listed}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triage_and_signoffs_made_on_one_gateway_are_every_gateways_in_one_chain() {
    let db = tokio::task::spawn_blocking(TestPostgres::start_new)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let legacy = mci_deciding("L1").start().await;
    let next = http_deciding("N9").start().await;
    let mut gw_a = gateway(&db, dir.path(), "gw-a", legacy.addr(), &next.url()).await;
    let gw_b = gateway(&db, dir.path(), "gw-b", legacy.addr(), &next.url()).await;
    let mut client = gw_a.mci_client().await;
    send(&mut client, 1..4).await;
    wait_mismatches(&gw_b, 3).await;

    // Triage set through gw-a's admin API is gw-b's.
    let (signature, state) = first_group(&gw_b).await;
    assert_eq!(state, "new");
    let change = json!({
        "strategy": STRATEGY, "signature": signature, "by": "kim", "state": "investigating",
    });
    let (status, body) = api_post(&gw_a, "/api/v1/triage", &change).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        first_group(&gw_b).await,
        (signature.clone(), "investigating".into())
    );

    // So is it to the CLI with gw-b's config while gw-b runs: the directory it holds is not
    // needed, the fleet's database keeps triage.
    let config: PathBuf = dir.path().join("gw-b.toml");
    std::fs::write(&config, gw_b.builder().toml(&dir.path().join("gw-b"))).unwrap();
    let args = GroupsListArgs {
        source: source(&config),
        strategy: STRATEGY.to_owned(),
    };
    let listed = run(move |out| cli::run_groups_list(&args, out))
        .await
        .unwrap();
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(&signature) && l.contains(" investigating")),
        "{listed}"
    );

    // A sign-off on gw-a is gw-b's too, and gw-a's swap rests on it.
    let (status, signed) = api_post(
        &gw_a,
        "/api/v1/cutover/sign",
        &json!({ "strategy": STRATEGY, "by": "choi" }),
    )
    .await;
    assert_eq!(status, 200, "{signed}");
    let seq = signed["signoff"]["seq"].clone();
    let on_b = api(&gw_b, "/api/v1/cutover/signoffs").await;
    assert_eq!(on_b["signoffs"][0]["seq"], seq, "{on_b}");
    let swapped = gw_a.builder().swap_roles();
    tokio::task::block_in_place(|| gw_a.reload_with(swapped)).unwrap();
    let trail = api(&gw_b, "/api/v1/audit").await;
    let entries = trail["entries"].as_array().unwrap();
    let reload = entries.last().unwrap();
    assert_eq!(reload["action"], "reload", "{trail}");
    assert!(
        reload["subject"].as_str().unwrap().ends_with(" on gw-a"),
        "{reload}"
    );
    assert_eq!(reload["evidence"]["changes"][0]["signoff"], seq, "{reload}");

    // One chain: both gateways' starts, the triage change, the sign-off, the reload.
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        ["start", "start", "triage", "cutover_sign", "reload"]
    );
    let audit = AuditCommand::Verify(source(&config));
    let verified = run(move |out| cli::run_audit(&audit, out)).await.unwrap();
    assert_eq!(
        verified,
        "audit trail verified: 5 entries, hash chain intact\n"
    );

    // The database down: the change fails naming it, and the gateways keep answering.
    let mut db = db;
    tokio::task::block_in_place(|| db.stop());
    let change = json!({
        "strategy": STRATEGY, "signature": signature, "by": "kim", "state": "fix_deployed",
    });
    let (status, body) = api_post(&gw_b, "/api/v1/triage", &change).await;
    assert_eq!(status, 503, "{body}");
    let error = body["error"].as_str().unwrap_or_default();
    let said = format!(
        "cannot write to the fleet store at {}, which keeps the fleet's triage and audit trail: ",
        db.url()
    );
    assert!(error.contains(&said), "{body}");
    let mut client = gw_b.mci_client().await;
    send(&mut client, 4..5).await;

    gw_a.shutdown().await;
    gw_b.shutdown().await;
    drop((legacy, next));
    tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sessions_appending_at_once_never_fork_the_chain_nor_lose_a_change() {
    const EACH: usize = 15;
    let db = tokio::task::spawn_blocking(TestPostgres::start_new)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let legacy = mci_deciding("L1").start().await;
    let next = http_deciding("N9").start().await;
    let gw_a = gateway(&db, dir.path(), "gw-a", legacy.addr(), &next.url()).await;
    let mut client = gw_a.mci_client().await;
    send(&mut client, 1..4).await;
    wait_mismatches(&gw_a, 3).await;
    let (signature, _) = first_group(&gw_a).await;
    let config = dir.path().join("gw-a.toml");
    std::fs::write(&config, gw_a.builder().toml(&dir.path().join("gw-a"))).unwrap();
    let config = shadowgate::config::load_without_secrets(&config).unwrap();

    // Two sessions (a gateway's and a CLI's, say) noting the same group at once: each note is
    // stored; one computed from a value the other replaced meanwhile is refused, and sent again.
    let writers: Vec<_> = ["kim", "lee"]
        .into_iter()
        .map(|by| {
            let (store, signature) = (config.store.clone(), signature.clone());
            std::thread::spawn(move || {
                let book = TriageBook::new(Reader::open_config(&store).unwrap());
                let mut conflicts = 0;
                for i in 0..EACH {
                    let change = Change {
                        strategy: STRATEGY.into(),
                        signature: signature.clone(),
                        by: by.into(),
                        note: Some(format!("{by} {i}")),
                        ..Change::default()
                    };
                    loop {
                        let now = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .unwrap()
                            .as_micros() as u64;
                        match book.set(&change, None, now) {
                            Ok(_) => break,
                            Err(error) if error.is_conflict() => {
                                let text = error.to_string();
                                assert!(
                                    text.contains(": changed meanwhile by ")
                                        && text.ends_with("; read it again"),
                                    "{text}"
                                );
                                conflicts += 1;
                            }
                            Err(error) => panic!("{error}"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    let conflicts: usize =
        tokio::task::block_in_place(|| writers.into_iter().map(|w| w.join().unwrap()).sum());

    let store = config.store.clone();
    let trail = tokio::task::spawn_blocking(move || {
        TriageBook::new(Reader::open_config(&store).unwrap())
            .audit()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(verify(&trail), Ok(()));
    let seqs: Vec<u64> = trail.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=trail.len() as u64).collect::<Vec<_>>());
    let notes = trail.iter().filter(|e| e.action == "triage").count();
    assert_eq!(notes, 2 * EACH, "{conflicts} conflicts");
    for by in ["kim", "lee"] {
        for i in 0..EACH {
            let note = format!("{by} {i}");
            assert!(
                trail
                    .iter()
                    .any(|e| e.note.as_deref() == Some(note.as_str())),
                "{note} lost"
            );
        }
    }

    gw_a.shutdown().await;
    drop((legacy, next));
    tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
}
