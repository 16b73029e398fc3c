//! One review for the fleet: two gateways with distinct instances on one database, known traffic
//! to each, then `shadowgate report --config … --format json` (the CLI, reading PostgreSQL) and
//! the admin API of either gateway show the same fleet totals and groups, with the per-instance
//! breakdown; a listed record can be shown; a database that cannot be reached fails the report
//! with its URL instead of printing an empty one.

use std::path::PathBuf;

use serde_json::Value;
use shadowgate::cli::{self, Format, ListArgs, ListFormat, ReportArgs, ShowArgs, SourceArgs};
use shadowgate_tests::fake::{FakeHttp, FakeMci};
use shadowgate_tests::gateway::{
    answer_frame, decision, get, guid, http_deciding, mci_deciding, request_frame, DEADLINE, LIMIT,
    STRATEGY,
};
use shadowgate_tests::postgres::TestPostgres;

use crate::support::{fleet_gateway, wait_comparisons};
use shadowgate_tests::TestGateway;

/// A running gateway of the fleet and the engines it calls.
struct Member {
    gateway: TestGateway,
    _engines: (FakeMci, FakeHttp),
}

/// Starts gateway `instance` on `db` with its admin listener; its shadow engine decides
/// `shadow_grade` (the live engine `L1`: the same grade matches, another mismatches).
async fn start(db: &TestPostgres, instance: &str, shadow_grade: &str) -> Member {
    let legacy = mci_deciding("L1").start().await;
    let next = http_deciding(shadow_grade).start().await;
    let gateway = fleet_gateway(&db.url(), instance, legacy.addr(), &next.url())
        .admin()
        .start()
        .await;
    Member {
        gateway,
        _engines: (legacy, next),
    }
}

/// Sends requests `first..first + n` and checks every live answer.
async fn traffic(member: &Member, first: u64, n: u64) {
    let mut client = member.gateway.mci_client().await;
    for i in first..first + n {
        let request = request_frame(&guid(i));
        let answer = client.call(&request).await;
        assert_eq!(
            answer[..],
            answer_frame(&request, &decision("L1", LIMIT))[..]
        );
    }
}

/// Waits until the member's gateway has counted `n` comparisons.
async fn settle(member: &Member, n: u64) {
    wait_comparisons(&member.gateway, n).await;
}

/// `GET` of the member's admin API as JSON.
async fn api(member: &Member, path: &str) -> (u16, Value) {
    let (status, body) = get(&format!("http://{}{path}", member.gateway.admin_address())).await;
    let value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (status, value)
}

/// The strategy's fleet totals in a summary: (comparisons, matches, mismatches).
fn totals(summary: &Value) -> (u64, u64, u64) {
    let s = summary["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["strategy"] == STRATEGY)
        .cloned()
        .unwrap_or_default();
    let n = |key: &str| s[key].as_u64().unwrap_or(0);
    (n("comparisons"), n("matches"), n("mismatches"))
}

/// A config file for the CLI: the member's, with a store directory nobody holds (so the CLI
/// reads the fleet's database, as beside a running gateway).
fn cli_config(member: &Member, file: PathBuf) -> PathBuf {
    let store = file.with_file_name("store");
    std::fs::write(&file, member.gateway.builder().toml(&store)).unwrap();
    file
}

fn source(config: PathBuf) -> SourceArgs {
    SourceArgs {
        store: None,
        config: Some(config),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_and_admin_api_review_the_whole_fleet_with_each_instance() {
    let mut db = TestPostgres::start_async().await;
    // gw-b first mismatches 3 times (the same group as gw-a's), then is restarted matching.
    let early = start(&db, "gw-b", "N9").await;
    traffic(&early, 51, 3).await;
    settle(&early, 3).await;
    early.gateway.shutdown().await;
    let a = start(&db, "gw-a", "N9").await;
    let b = start(&db, "gw-b", "L1").await;
    traffic(&a, 1, 6).await;
    traffic(&b, 101, 4).await;

    // Either gateway's admin API shows the fleet's totals once both have written them.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let (status, summary) = api(&a, "/api/v1/summary").await;
        assert_eq!(status, 200, "{summary}");
        if totals(&summary) == (13, 4, 9) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "fleet totals never reached (13, 4, 9): {summary}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, from_b) = api(&b, "/api/v1/summary").await;
    assert_eq!(totals(&from_b), (13, 4, 9), "{from_b}");
    let (status, instances) = api(&b, "/api/v1/instances").await;
    assert_eq!(status, 200, "{instances}");
    let names: Vec<&str> = instances["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["instance"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["gw-a", "gw-b"]);

    // The report CLI reads the database itself.
    let dir = tempfile::tempdir().unwrap();
    let config = cli_config(&a, dir.path().join("fleet.toml"));
    let args = ReportArgs {
        source: source(config.clone()),
        strategy: None,
        format: Format::Json,
        daily: true,
    };
    let report: Value =
        serde_json::from_str(&run(move |out| cli::run_report(&args, out)).await.unwrap()).unwrap();
    assert_eq!(totals(&report["summary"]), (13, 4, 9), "{report}");
    let groups = report["groups"][STRATEGY].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(
        groups[0]["count"], 9,
        "one group, merged across the instances"
    );
    let breakdown: Vec<(String, u64, u64, u64, u64)> = report["summary"]["fleet"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let n = |key: &str| i[key].as_u64().unwrap();
            let name = i["instance"].as_str().unwrap().to_owned();
            assert!(i["last_write"].is_string(), "{i}");
            (
                name,
                n("comparisons"),
                n("failures"),
                n("skipped"),
                n("records"),
            )
        })
        .collect();
    assert_eq!(
        breakdown,
        [("gw-a".into(), 6, 6, 0, 6), ("gw-b".into(), 7, 3, 0, 3)]
    );
    assert_eq!(
        report["summary"]["fleet"]["database"].as_str(),
        Some(db.url().as_str())
    );
    // The daily series are the fleet's too.
    let days = report["daily"].to_string();
    assert!(days.contains(STRATEGY), "{days}");

    // The text report has the breakdown and says what stays local.
    let args = ReportArgs {
        source: source(config.clone()),
        strategy: None,
        format: Format::Text,
        daily: false,
    };
    let text = run(move |out| cli::run_report(&args, out)).await.unwrap();
    assert!(text.contains("fleet: 2 gateways in"), "{text}");
    assert!(text.contains("gw-a") && text.contains("gw-b"), "{text}");
    assert!(
        text.contains(
            "not in the fleet's totals: records and totals a gateway has spooled while it \
             cannot reach the database appear once it forwards them"
        ),
        "{text}"
    );

    // Records of the fleet are listed, newest first, and each listed one can be shown.
    let list = ListArgs {
        source: source(config.clone()),
        strategy: None,
        kind: None,
        signature: None,
        since: None,
        until: None,
        limit: 4,
        format: ListFormat::Json,
    };
    let listed: Value =
        serde_json::from_str(&run(move |out| cli::run_list(&list, out)).await.unwrap()).unwrap();
    let records = listed["records"].as_array().unwrap();
    assert_eq!(records.len(), 4, "{listed}");
    assert!(!listed["next"].is_null(), "9 records, 4 listed");
    let ids: Vec<String> = records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|x, y| y.cmp(x));
    assert_eq!(ids, sorted, "newest first");
    let show = ShowArgs {
        id: ids[3].clone(),
        source: source(config.clone()),
        format: Format::Json,
    };
    let shown: Value =
        serde_json::from_str(&run(move |out| cli::run_show(&show, out)).await.unwrap()).unwrap();
    assert_eq!(shown["record"]["id"].as_str(), Some(ids[3].as_str()));
    // The API pages through both instances' records by time, each once; either gateway shows
    // any of them.
    let mut paged: Vec<String> = Vec::new();
    let mut cursor = String::new();
    for _ in 0..5 {
        let (status, page) = api(
            &b,
            &format!("/api/v1/mismatches?limit=4&order=oldest{cursor}"),
        )
        .await;
        assert_eq!(status, 200, "{page}");
        for record in page["records"].as_array().unwrap() {
            paged.push(record["id"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(paged.len(), 9, "{paged:?}");
    assert!(
        paged.windows(2).all(|w| w[0] < w[1]),
        "oldest first, each once: {paged:?}"
    );
    for id in [&paged[0], &paged[8]] {
        let (status, detail) = api(&b, &format!("/api/v1/mismatches/{id}")).await;
        assert_eq!(status, 200, "{detail}");
        assert_eq!(detail["record"]["mismatch"]["strategy"], STRATEGY);
    }

    // A database that cannot be reached is an error naming it, never an empty review: from the
    // admin API (503, the gateways serve on and spool) and from the report CLI.
    tokio::task::block_in_place(|| db.stop());
    let (status, error) = api(&a, "/api/v1/summary").await;
    assert_eq!(status, 503, "{error}");
    let message = error["error"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("cannot read the fleet store at {}", db.url())),
        "{error}"
    );
    traffic(&b, 201, 2).await;
    a.gateway.shutdown().await;
    b.gateway.shutdown().await;
    let args = ReportArgs {
        source: source(config),
        strategy: None,
        format: Format::Json,
        daily: false,
    };
    let error = run(move |out| cli::run_report(&args, out))
        .await
        .unwrap_err();
    assert!(
        error.contains(&db.url()) && error.contains("connect to postgres"),
        "{error}"
    );
    tokio::task::block_in_place(|| db.start());
    db.delete_async().await;
}

/// A batch run stored with `reconcile --store-config` of a fleet gateway's config lands in the
/// fleet's database, and the fleet's report shows it (no gateway needs to run).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconcile_run_stored_in_the_fleet_shows_in_the_fleet_report() {
    let db = TestPostgres::start_async().await;
    let dir = tempfile::tempdir().unwrap();
    let gateway_config = dir.path().join("fleet.toml");
    let builder = fleet_gateway(
        &db.url(),
        "batch-host",
        "127.0.0.1:9".parse().unwrap(),
        "http://127.0.0.1:9",
    );
    std::fs::write(&gateway_config, builder.toml(&dir.path().join("store"))).unwrap();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/reconcile.toml");
    let args = cli::ReconcileArgs {
        config: example,
        store: None,
        store_config: Some(gateway_config.clone()),
        format: Format::Text,
        quiet: true,
        max_bad_rows: 0,
    };
    let stored = run(move |out| cli::run_reconcile(&args, out).map(|_| ())).await;
    assert!(stored.is_ok(), "{stored:?}");

    let args = ReportArgs {
        source: source(gateway_config),
        strategy: None,
        format: Format::Json,
        daily: false,
    };
    let report: Value =
        serde_json::from_str(&run(move |out| cli::run_report(&args, out)).await.unwrap()).unwrap();
    let batches = report["batches"]
        .as_array()
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(batches.len(), 1, "{batches:?}");
    let counts = &batches[0]["run"]["counts"];
    assert_eq!(counts["matched"], 295, "{counts}");
    assert_eq!(counts["mismatched"], 3, "{counts}");
    db.delete_async().await;
}
