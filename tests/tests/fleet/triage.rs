//! Triage and sign-off of a fleet gateway from its config (`--config`, `backend = "postgres"`):
//! the groups and counters are the fleet's, read from the database as `report --config` reads
//! them, while triage states, the audit trail and sign-offs stay in the gateway's own directory.
//! A trial found `groups list --config` empty, `groups set` saying "no group" and `cutover sign`
//! judging 0 comparisons: the local directory alone holds none of them.

use std::path::{Path, PathBuf};

use serde_json::Value;
use shadowgate::cli::{
    self, AuditCommand, CutoverCommand, CutoverListArgs, GroupArgs, GroupsListArgs, GroupsSetArgs,
    SignArgs, SourceArgs,
};
use shadowgate::triage::TriageState;
use shadowgate_tests::gateway::{get, http_deciding, mci_deciding, DEADLINE, STRATEGY};
use shadowgate_tests::postgres::TestPostgres;

use crate::support::{fleet_gateway, send};

fn source(config: &Path) -> SourceArgs {
    SourceArgs {
        store: None,
        config: Some(config.to_owned()),
        from: None,
        token_env: None,
    }
}

/// Runs a CLI function off the async workers; its output, or its error as text.
async fn run(
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

fn list(config: &Path) -> GroupsListArgs {
    GroupsListArgs {
        source: source(config),
        strategy: STRATEGY.to_owned(),
    }
}

fn group(config: &Path, signature: &str) -> GroupArgs {
    GroupArgs {
        source: source(config),
        strategy: STRATEGY.to_owned(),
        signature: signature.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_audit_and_cutover_with_a_fleet_config_see_the_fleet_and_keep_triage_local() {
    let db = tokio::task::spawn_blocking(TestPostgres::start_new)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("gw-a");
    let legacy = mci_deciding("L1").start().await;
    let next = http_deciding("N9").start().await;
    let gateway = fleet_gateway(&db.url(), "gw-a", legacy.addr(), &next.url())
        .store_path(&store)
        .admin()
        .start()
        .await;
    let mut client = gateway.mci_client().await;
    send(&mut client, 1..4).await;
    // The fleet's totals, once the gateway has written them.
    let summary = format!("http://{}/api/v1/summary", gateway.admin_address());
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let (_, body) = get(&summary).await;
        let summary: Value = serde_json::from_str(&body).unwrap();
        if summary["strategies"][0]["mismatches"] == 3 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{summary}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let config: PathBuf = dir.path().join("fleet.toml");
    std::fs::write(&config, gateway.builder().toml(&store)).unwrap();

    // Beside the running gateway the directory is held: refused, sent to --from.
    let args = list(&config);
    let error = run(move |out| cli::run_groups_list(&args, out))
        .await
        .unwrap_err();
    assert!(
        error.contains("is locked") && error.contains("read a running gateway with --from http://"),
        "{error}"
    );
    gateway.shutdown().await;

    // Stopped: the fleet's group, with this gateway's triage state.
    let args = list(&config);
    let listed = run(move |out| cli::run_groups_list(&args, out))
        .await
        .unwrap();
    let row: Vec<&str> = listed
        .lines()
        .nth(1)
        .unwrap_or_else(|| panic!("no group listed: {listed:?}"))
        .split_whitespace()
        .collect();
    assert_eq!(row[1..3], ["3", "new"], "{listed}");
    let signature = row[0].to_owned();

    let set = GroupsSetArgs {
        group: group(&config, &signature),
        by: "kim".into(),
        state: Some(TriageState::Investigating),
        assignee: None,
        note: None,
        link: None,
        rule: None,
    };
    let changed = run(move |out| cli::run_groups_set(&set, out))
        .await
        .unwrap();
    assert_eq!(
        changed,
        format!("group {STRATEGY}/{signature}: investigating (by kim)\n")
    );
    let args = group(&config, &signature);
    let shown = run(move |out| cli::run_groups_show(&args, out))
        .await
        .unwrap();
    assert!(
        shown.starts_with(&format!("group {STRATEGY}/{signature}: 3 mismatches\n")),
        "{shown}"
    );
    assert!(shown.contains("  state: investigating\n"), "{shown}");
    // The change is in the gateway's own audit trail.
    let audit = AuditCommand::List(source(&config));
    let trail = run(move |out| cli::run_audit(&audit, out)).await.unwrap();
    assert!(
        trail.contains(&format!("kim {STRATEGY}/{signature} new → investigating")),
        "{trail}"
    );

    // The sign-off is judged on the fleet's counters, not an empty directory's.
    let sign = CutoverCommand::Sign(SignArgs {
        source: source(&config),
        strategy: STRATEGY.to_owned(),
        by: "choi".into(),
        note: None,
        out: dir.path().to_owned(),
    });
    let refused = run(move |out| cli::run_cutover(&sign, out))
        .await
        .unwrap_err();
    assert!(
        refused.contains("min_comparisons: 3 comparisons so far; at least 10,000 are required"),
        "{refused}"
    );
    let signoffs = CutoverCommand::List(CutoverListArgs {
        source: source(&config),
        strategy: None,
    });
    let none = run(move |out| cli::run_cutover(&signoffs, out))
        .await
        .unwrap();
    assert_eq!(
        none,
        format!(
            "no cutover sign-off recorded in store {}\n",
            store.display()
        )
    );
    drop((legacy, next));
    tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
}
