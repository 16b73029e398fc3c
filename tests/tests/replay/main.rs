//! `shadowgate replay` end to end: a real gateway records a shadow engine's segment defect with
//! the raw payloads sealed; once the gateway is stopped, replay sends the stored cases to the
//! same (fake) engine, which is fixed, still broken, or broken elsewhere, and the store's key is
//! rotated away. `noise`: noise confirmation (`confirm_mismatches = true`); `ingress`: a case
//! posted as JSON to the HTTP ingress replays with the body its shadow got.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod groups;
mod ingress;
mod noise;
mod outage;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use serde_json::Value;
use shadowgate::cli::{run_replay, NotFixed, NotReplayed, ReplayArgs};
use shadowgate::cli::{run_report, Format, ReportArgs, SourceArgs};
use shadowgate::store::{MismatchRecord, Reader};
use shadowgate_tests::fake::{FakeEngine, FakeHttp, FakeMci};
use shadowgate_tests::gateway::{
    decision, guid, http_answer, mci_deciding, request_frame, LIMIT, RRN, STRATEGY,
};
use shadowgate_tests::gateway::{get, post, GatewayBuilder, DEADLINE};
use shadowgate_tests::{EngineToml, TestGateway};

const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KEY_B: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

/// How the fake new engine answers the segment (requests whose guid ends in an even digit).
const DEFECT: u8 = 0;
const FIXED: u8 = 1;
const ELSEWHERE: u8 = 2;

/// The new engine's answer: the live decision (grade L1), except for the segment, where the
/// grade is wrong (defect), or the limit is (a different defect).
fn answer(request: &Value, mode: u8) -> Value {
    let guid = request["header"]["guid"].as_str().unwrap_or_default();
    let segment = guid.ends_with(['0', '2', '4', '6', '8']);
    let mut body = decision("L1", LIMIT);
    match (segment, mode) {
        (true, DEFECT) => body["grade"] = "X9".into(),
        (true, ELSEWHERE) => body["limit_amount"] = serde_json::from_str("25000000").unwrap(),
        _ => {}
    }
    http_answer(&body)
}

fn args(config: &Path, group: &str) -> ReplayArgs {
    ReplayArgs {
        config: config.to_owned(),
        strategy: STRATEGY.to_owned(),
        group: Some(group.to_owned()),
        ids: Vec::new(),
        since: None,
        until: None,
        kind: None,
        against: None,
        rate: 0,
        concurrency: 2,
        limit: 100,
        by: Some("tester".to_owned()),
    }
}

/// Runs the CLI on a plain thread (it starts its own runtime) while the test's runtime keeps
/// serving the fake engines: its output, and whether it succeeded. The error of a replay that
/// ran and left cases not fixed (the binary's exit status 3, not 1) starts with `NOT FIXED: `;
/// of one whose engine failed on cases (exit status 4), with `NOT REPLAYED: `.
async fn replay(args: ReplayArgs) -> (String, Result<(), String>) {
    let cli = std::thread::spawn(move || {
        let mut out = Vec::new();
        let result = run_replay(&args, &mut out).map_err(|e| {
            if e.is::<NotFixed>() {
                format!("NOT FIXED: {e:#}")
            } else if e.is::<NotReplayed>() {
                format!("NOT REPLAYED: {e:#}")
            } else {
                format!("{e:#}")
            }
        });
        (String::from_utf8(out).unwrap(), result)
    });
    tokio::task::spawn_blocking(move || cli.join().unwrap())
        .await
        .unwrap()
}

fn files(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        match path.is_dir() {
            true => all.extend(files(&path)),
            false => all.extend(std::fs::read(&path).unwrap()),
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Records the defect: 6 requests, of which `failing` differ. Returns the config replay reads (the
/// gateway's own, written into `dir`), the stored records, and the stopped gateway's builder.
/// Records are stored uncompressed, so a scan of the files would see any clear byte.
async fn record_defect(
    dir: &Path,
    new_engine_url: &str,
    legacy: std::net::SocketAddr,
    failing: usize,
) -> (PathBuf, Vec<MismatchRecord>, GatewayBuilder) {
    let (config, builder) = recording(dir, new_engine_url, legacy);
    let gateway = builder.clone().start().await;
    let mut client = gateway.mci_client().await;
    for n in 1..=6 {
        client.call(&request_frame(&guid(n))).await;
    }
    let records = gateway.records(failing).await;
    gateway.shutdown().await;
    (config, records, builder)
}

/// A gateway with the mci engine at `legacy` live and the http engine at `new_engine_url` as its
/// shadow, storing raw cases under a key in `dir`: the config replay reads (the gateway's own,
/// written into `dir`) and the builder.
fn recording(
    dir: &Path,
    new_engine_url: &str,
    legacy: std::net::SocketAddr,
) -> (PathBuf, GatewayBuilder) {
    let keys = dir.join("keys");
    std::fs::write(&keys, format!("2026-11 = {KEY_A}\n")).unwrap();
    let store = dir.join("store");
    let builder = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy))
        .shadow("new-engine", EngineToml::http(new_engine_url))
        .store_path(&store)
        .store_key("compress_records", "false")
        .store_key(
            "encryption_key_file",
            format!("{:?}", keys.to_str().unwrap()),
        );
    let config = dir.join("shadowgate.toml");
    std::fs::write(&config, builder.toml(&store)).unwrap();
    (config, builder)
}

/// The segment defect recorded (3 failing cases of 6) by a gateway now stopped, with its engines.
struct Recorded {
    /// How the new engine answers now (DEFECT at first).
    mode: Arc<AtomicU8>,
    new_engine: FakeHttp,
    legacy: FakeMci,
    /// The gateway's config, which replay reads.
    config: PathBuf,
    records: Vec<MismatchRecord>,
    builder: GatewayBuilder,
}

async fn recorded(dir: &Path) -> Recorded {
    let mode = Arc::new(AtomicU8::new(DEFECT));
    let seen = Arc::clone(&mode);
    let new_engine = FakeEngine::http()
        .reply(move |request| answer(&request, seen.load(Ordering::SeqCst)))
        .start()
        .await;
    let legacy = mci_deciding("L1").start().await;
    let (config, records, builder) = record_defect(dir, &new_engine.url(), legacy.addr(), 3).await;
    Recorded {
        mode,
        new_engine,
        legacy,
        config,
        records,
        builder,
    }
}

#[tokio::test]
async fn replay_tells_fixed_from_still_differing_and_new_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let Recorded {
        mode,
        new_engine,
        legacy: _legacy,
        config,
        records,
        builder,
    } = recorded(dir.path()).await;
    let store = dir.path().join("store");
    assert_eq!(records.len(), 3, "one record per request of the segment");
    let group = records[0].mismatch.signature.clone();
    assert!(records.iter().all(|r| r.mismatch.signature == group));
    assert_eq!(records[0].mismatch.differing_paths, ["body.grade"]);
    let disk = files(&store);
    // The scan sees the records: a field the layout does not mask is there in clear.
    assert!(
        contains(&disk, b"000123456789"),
        "the records' customer number is not in the files: the scan sees nothing"
    );
    assert!(
        !contains(&disk, RRN.as_bytes()),
        "clear RRN in the store files"
    );
    // Amounts as the frames carry them (15 digits, zero-padded): the request's income and
    // requested amount, and the live answer's limit (the records hold them as decimal text).
    let frame = request_frame(&guid(2));
    for amount in ["000000058000000", "000000030000000"] {
        assert!(
            contains(&frame, amount.as_bytes()),
            "{amount} not in the frame"
        );
        assert!(
            !contains(&disk, amount.as_bytes()),
            "clear frame amount {amount} in the store files"
        );
    }
    assert!(
        !contains(&disk, "홍길동".as_bytes()),
        "clear name (UTF-8) in the store files"
    );
    let name_cp949 = [0xc8, 0xab, 0xb1, 0xe6, 0xb5, 0xbf];
    assert!(
        !contains(&disk, &name_cp949),
        "clear name (CP949) in the store files"
    );
    let calls_before = new_engine.requests();

    // The defect is still there: every case still differs, and the exit is an error.
    let (out, result) = replay(args(&config, &group)).await;
    assert_eq!(
        result.unwrap_err(),
        "NOT FIXED: 3 of 3 replayed cases are not fixed",
        "{out}"
    );
    assert!(out.contains("still_differing 3"), "{out}");
    assert_eq!(new_engine.requests(), calls_before + 3);
    let headers = new_engine.last_headers().unwrap();
    assert_eq!(headers["x-shadowgate-role"], "replay");

    // Fixed: every case is, and the group shows it.
    mode.store(FIXED, Ordering::SeqCst);
    let (out, result) = replay(args(&config, &group)).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert!(
        out.contains(&format!("group {group}: 3 of 3 cases fixed by replay at ")),
        "{out}"
    );
    assert!(out.contains("fixed 3, still_differing 0"), "{out}");
    let report = report(&config).await;
    let line = format!("{STRATEGY} · group {group}: 3 of 3 cases fixed by replay at ");
    assert!(report.contains(&line), "{report}");

    // Broken elsewhere: a new signature, on the limit.
    mode.store(ELSEWHERE, Ordering::SeqCst);
    let (out, result) = replay(args(&config, &group)).await;
    assert!(result.is_err(), "{out}");
    assert!(out.contains("new_signature 3"), "{out}");
    assert!(out.contains("(body.limit_amount)"), "{out}");

    // Runs are stored, newest first; the group's latest run is the last one.
    let reader = Reader::open(&store).unwrap();
    let runs = reader.replays(Some(STRATEGY)).unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[1].by, "tester");
    assert!(runs[1].all_fixed());
    let latest = reader.group_replays(Some(STRATEGY)).unwrap();
    let verdict = latest[0].whole.as_ref().unwrap();
    assert_eq!((verdict.fixed, verdict.total), (0, 3));
    drop(reader);

    // Rotation: a new key first, the old one kept, and old cases stay readable.
    mode.store(FIXED, Ordering::SeqCst);
    let keys = dir.path().join("keys");
    std::fs::write(&keys, format!("2026-12 = {KEY_B}\n2026-11 = {KEY_A}\n")).unwrap();
    let (out, result) = replay(args(&config, &group)).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));

    // Shredding: the old key removed, the cases are unreadable.
    std::fs::write(&keys, format!("2026-12 = {KEY_B}\n")).unwrap();
    let (out, result) = replay(args(&config, &group)).await;
    assert!(result.is_err(), "{out}");
    assert!(out.contains("unreadable 3"), "{out}");
    assert!(
        out.contains(r#"key "2026-11" is not in the key file"#),
        "{out}"
    );

    // A gateway on the same store shows the latest run per group on its API and page, and
    // replays from its API (the old key listed again).
    std::fs::write(&keys, format!("2026-12 = {KEY_B}\n2026-11 = {KEY_A}\n")).unwrap();
    let gateway = builder.admin().start().await;
    let admin = format!("http://{}", gateway.admin_address());
    let (status, body) = get(&format!("{admin}/api/v1/replays")).await;
    assert_eq!(status, 200, "{body}");
    let replays: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(replays["runs"].as_array().unwrap().len(), 5, "{body}");
    assert_eq!(replays["groups"][0]["signature"], group.as_str());
    assert_eq!(replays["groups"][0]["whole"]["fixed"], 0);
    assert_eq!(replays["groups"][0]["whole"]["total"], 3);
    assert!(!body.contains(RRN));
    let (_, page) = get(&format!("{admin}/")).await;
    assert!(page.contains("0 of 3 cases fixed by replay at"), "{page}");

    let url = format!("{admin}/api/v1/replays");
    let (status, body) = post(&url, "application/json", r#"{"group": "x", "by": "ci"}"#).await;
    assert_eq!(status, 400, "{body:?}");
    // Against the engine that answered the cases live, or one the gateway does not have: 422
    // (a refused value, as triage answers one), where a body without `strategy` is 400.
    for (against, says) in [
        ("legacy", "answered live by engine \\\"legacy\\\""),
        (
            "nope",
            "against: expected an engine of the running config's strategies (legacy, \
             new-engine), found \\\"nope\\\"",
        ),
    ] {
        let body = format!(
            r#"{{"strategy": "{STRATEGY}", "group": "{group}", "against": "{against}", "by": "ci"}}"#
        );
        let (status, body) = post(&url, "application/json", body).await;
        let text = String::from_utf8_lossy(&body);
        assert_eq!(status, 422, "{text}");
        assert!(text.contains(says), "{text}");
    }
    // A misspelt strategy: 422 naming the running config's.
    let misspelt = &STRATEGY[..STRATEGY.len() - 1];
    let body = format!(r#"{{"strategy": "{misspelt}", "by": "ci"}}"#);
    let (status, body) = post(&url, "application/json", body).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 422, "{text}");
    let says = format!(
        "strategy: expected a strategy of the running config ({STRATEGY}), found \\\"{misspelt}\\\""
    );
    assert!(text.contains(&says), "{text}");
    let selection = format!(r#"{{"strategy": "{STRATEGY}", "group": "{group}", "by": "ci"}}"#);
    let (status, body) = post(&url, "application/json", selection).await;
    assert_eq!(status, 202, "{body:?}");
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let replays = loop {
        let (_, body) = get(&url).await;
        let replays: Value = serde_json::from_str(&body).unwrap();
        if replays["runs"].as_array().unwrap().len() == 6 {
            break replays;
        }
        assert!(tokio::time::Instant::now() < deadline, "no 6th run: {body}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(replays["runs"][0]["by"], "ci");
    // Each run's selection in the words it was asked in: the API's fields, the CLI's flags.
    assert_eq!(
        replays["runs"][0]["selection"],
        format!(r#"{{"group": "{group}"}}"#)
    );
    assert_eq!(replays["runs"][1]["selection"], format!("--group {group}"));
    assert_eq!(replays["groups"][0]["whole"]["fixed"], 3, "{replays}");
    assert_eq!(
        new_engine.last_headers().unwrap()["x-shadowgate-role"],
        "replay"
    );

    // The key file gone from under the running gateway: its configuration, not the request, is
    // at fault: 503 naming the key and the file. What the request gets wrong is still 422, said
    // first.
    std::fs::remove_file(&keys).unwrap();
    let selection = format!(r#"{{"strategy": "{STRATEGY}", "group": "{group}", "by": "ci"}}"#);
    let (status, body) = post(&url, "application/json", selection).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 503, "{text}");
    let error: Value = serde_json::from_slice(&body).unwrap();
    let said = format!("store.encryption_key_file {}: cannot read", keys.display());
    assert!(error["error"].as_str().unwrap().contains(&said), "{text}");
    let no_such_group = format!(r#"{{"strategy": "{STRATEGY}", "group": "x", "by": "ci"}}"#);
    let (status, body) = post(&url, "application/json", no_such_group).await;
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
    gateway.shutdown().await;

    // The CLI reads the key file before any case (loading the config does not read secrets):
    // the same key and file named, the exit "cannot run" (1), not "not fixed" (3).
    let (out, result) = replay(args(&config, &group)).await;
    let error = result.unwrap_err();
    assert!(!error.starts_with("NOT FIXED"), "{error}\n{out}");
    assert!(error.contains(&said), "{error}");
    assert!(error.contains("No such file or directory"), "{error}");
}

#[tokio::test]
async fn after_a_cutover_replay_goes_to_the_engine_its_cases_were_shadowed_by() {
    // The cases were recorded with the new engine as the shadow; then the roles were swapped
    // (cutover): the strategy's shadow is the legacy engine, whose answers are the stored live
    // ones. Replay goes to the new engine, the cases' shadow, not to the legacy engine, which
    // would be compared with its own answers and called fixed whatever changed.
    let dir = tempfile::tempdir().unwrap();
    let Recorded {
        mode,
        new_engine,
        legacy: _legacy,
        records,
        builder,
        ..
    } = recorded(dir.path()).await;
    let group = records[0].mismatch.signature.clone();
    let swapped = dir.path().join("after-cutover.toml");
    std::fs::write(
        &swapped,
        builder.swap_roles().toml(&dir.path().join("store")),
    )
    .unwrap();

    let calls = new_engine.requests();
    let (out, result) = replay(args(&swapped, &group)).await;
    assert_eq!(
        result.unwrap_err(),
        "NOT FIXED: 3 of 3 replayed cases are not fixed",
        "the defect is still there: {out}"
    );
    assert_eq!(
        new_engine.requests(),
        calls + 3,
        "replayed to the new engine"
    );
    mode.store(FIXED, Ordering::SeqCst);
    let (out, result) = replay(args(&swapped, &group)).await;
    result.unwrap_or_else(|e| panic!("{e}\n{out}"));

    // Against the engine that answered them live: refused, saying why.
    let mut against_legacy = args(&swapped, &group);
    against_legacy.against = Some("legacy".to_owned());
    let (_, result) = replay(against_legacy).await;
    let error = result.unwrap_err();
    assert!(
        error.contains("3 of 3 selected cases were answered live by engine \"legacy\""),
        "{error}"
    );
}

/// `shadowgate report --config`, as text.
async fn report(config: &Path) -> String {
    run_report_text(None, Some(config.to_owned())).await
}

/// `shadowgate report --store`, as text.
async fn report_store(store: &Path) -> String {
    run_report_text(Some(store.to_owned()), None).await
}

async fn run_report_text(store: Option<PathBuf>, config: Option<PathBuf>) -> String {
    let args = ReportArgs {
        source: SourceArgs {
            store,
            config,
            from: None,
            token_env: None,
        },
        strategy: None,
        format: Format::Text,
        daily: false,
    };
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        run_report(&args, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    })
    .await
    .unwrap()
}

/// A config of the replay strategy without a key file, written to `dir`, with its live engine
/// (kept running while the handle lives) and a shadow nothing answers.
async fn keyless_config(dir: &Path) -> (FakeMci, PathBuf) {
    let legacy = mci_deciding("L1").start().await;
    let builder = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .shadow("new-engine", EngineToml::http("http://127.0.0.1:9"));
    let config = dir.join("shadowgate.toml");
    std::fs::write(&config, builder.toml(&dir.join("store"))).unwrap();
    (legacy, config)
}

/// What the command line gets wrong is refused first, naming what there is, before the store
/// or the key file is read (this config has no key file).
#[tokio::test]
async fn a_misspelt_strategy_or_a_reversed_window_is_refused_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let (_legacy, config) = keyless_config(dir.path()).await;
    let misspelt = &STRATEGY[..STRATEGY.len() - 1];
    let mut args_misspelt = args(&config, "any");
    args_misspelt.strategy = misspelt.to_owned();
    let (_, result) = replay(args_misspelt).await;
    assert_eq!(
        result.unwrap_err(),
        format!("--strategy: expected a strategy of the config ({STRATEGY}), found {misspelt:?}")
    );
    let mut reversed = args(&config, "any");
    reversed.since = Some("2026-12-04".to_owned());
    reversed.until = Some("2026-12-01".to_owned());
    let (_, result) = replay(reversed).await;
    assert_eq!(
        result.unwrap_err(),
        "--since: expected a time before --until (2026-12-01T00:00:00.000000Z), found \
         2026-12-04T00:00:00.000000Z, after it"
    );
}

#[tokio::test]
async fn without_a_key_replay_explains_why_it_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    let (_legacy, config) = keyless_config(dir.path()).await;
    let (_, result) = replay(args(&config, "any")).await;
    let error = result.unwrap_err();
    assert!(error.contains("encryption_key_file is not set"), "{error}");
    assert!(
        !error.starts_with("NOT FIXED"),
        "cannot run is not `not fixed`: {error}"
    );
}
