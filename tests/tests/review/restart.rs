//! A restart with a swapped config is linked like a reload: the first start records its config;
//! a sign-off made while the gateway is stopped links the swapped start to it, shown on the page
//! in Chromium; a restart with the same config records nothing; a swap without a sign-off, or
//! the live engine moved to another address, is recorded and logged as unsigned; a layout edited
//! while stopped is listed as a file change; a sign-off made after the swap is shown with the
//! direction of the change it approved.

use serde_json::Value;
use shadowgate::cli::{self, CutoverCommand, CutoverListArgs, SourceArgs};

use crate::cutover::{audit, run, sign_args, swap_line, SIGNED_ENGINES, SWAPPED_ENGINES};
use crate::support::{capture_logs, captured_logs, Scenario, Stopped, STRATEGY};

const READY: &str = "min_comparisons = 5\nmin_clean_days = 0\nmax_upper_bound_percent = 100";

/// Swaps live and shadow in the stopped gateway's config file; its SHA-256 before and after.
fn swap(stopped: &Stopped) -> (String, String) {
    let path = stopped.config_path();
    let before = std::fs::read_to_string(&path).unwrap();
    assert!(before.contains(SIGNED_ENGINES));
    let after = before.replacen(SIGNED_ENGINES, SWAPPED_ENGINES, 1);
    std::fs::write(&path, &after).unwrap();
    let sha = |text: &str| shadowgate::cutover::sha256_hex(text.as_bytes());
    (sha(&before), sha(&after))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_swapped_engines_is_linked_to_the_signoff_made_while_stopped() {
    let scenario = Scenario::start(false, READY).await;
    scenario.traffic(9).await;
    let first = audit(&scenario).await;
    assert_eq!(first.len(), 1, "{first:#?}");
    assert_eq!(first[0]["action"], "start");
    assert_eq!(
        first[0]["note"],
        "start: first config recorded on this store"
    );
    assert_eq!(first[0]["evidence"]["routing"][STRATEGY]["live"], "legacy");

    // Signed while stopped, against the config in force; then live and shadow swapped.
    let stopped = scenario.stop().await;
    let printed = sign_stopped(&stopped).await;
    assert!(printed.contains("audit entry #2"), "{printed}");
    let (before, after) = swap(&stopped);

    let scenario = stopped.start().await;
    let entries = audit(&scenario).await;
    assert_eq!(entries.len(), 3, "{entries:#?}");
    let start = &entries[2];
    assert_eq!(start["action"], "start");
    assert_eq!(start["by"], "shadowgate");
    assert_eq!(start["from"], before.as_str());
    assert_eq!(start["to"], after.as_str());
    assert_eq!(start["evidence"]["previous_seq"], 1);
    let change = &start["evidence"]["changes"][0];
    assert_eq!(change["strategy"], STRATEGY);
    assert_eq!(change["live_after"], "new-engine");
    assert_eq!(change["signoff"], 2, "{start:#}");
    let swap = swap_line(&first[0]["evidence"]["routing"]);
    assert_eq!(
        start["note"],
        format!("start: {STRATEGY}: {swap}, signed (#2 by choi.m)")
    );

    // The page, as a person sees it: the sign-off and the start linked to it.
    let url = format!("{}/", scenario.admin);
    let dom = tokio::task::spawn_blocking(move || crate::chromium::dump_dom(&url))
        .await
        .unwrap();
    let text = crate::chromium::visible_text(&dom);
    for expected in [
        format!("Cutover sign-offs: {STRATEGY}"),
        "choi.m CAB-2291 approved 9 9 below".to_owned(),
        format!(
            "live legacy at {} (layout {STRATEGY}), shadow new-engine at {}",
            first[0]["evidence"]["routing"][STRATEGY]["live_at"]["at"]
                .as_str()
                .unwrap(),
            first[0]["evidence"]["routing"][STRATEGY]["shadow_at"]["at"]
                .as_str()
                .unwrap()
        ),
        format!("{} ", &before[..12]),
        "Routing changes".to_owned(),
        format!("start {swap}"),
        "signed : #2 by choi.m".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected:?} not in {text}");
    }

    // The same config again: nothing to approve, nothing recorded.
    let scenario = scenario.stop().await.start().await;
    assert_eq!(audit(&scenario).await.len(), 3);
    scenario.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_swapped_engines_and_no_signoff_is_unsigned_and_logged() {
    capture_logs();
    let stopped = Scenario::start(false, READY).await.stop().await;
    swap(&stopped);
    let scenario = stopped.start().await;
    let entries = audit(&scenario).await;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    let change = &entries[1]["evidence"]["changes"][0];
    assert_eq!(change["strategy"], STRATEGY);
    assert_eq!(change["signoff"], Value::Null);
    let why = "no sign-off of this strategy for this config";
    let swap = swap_line(&entries[0]["evidence"]["routing"]);
    let line = format!("{STRATEGY}: {swap}, unsigned ({why})");
    assert_eq!(entries[1]["note"], format!("start: {line}"));
    let logs = captured_logs();
    assert!(
        logs.lines().any(|l| l.contains("WARN")
            && l.contains(&format!("unsigned routing change at start: {line}"))),
        "no unsigned warning in the logs"
    );
    let (_, _, page) = scenario.get("/").await;
    assert!(
        page.contains(&format!("<td>start</td><td>{swap}</td>"))
            && page.contains(&format!(
                "<span class=\"blocked\">unsigned</span> ({why})</td>"
            )),
        "{page}"
    );
    scenario.stop().await;
}

/// Only `[engines.legacy] address` edited while stopped: the live engine keeps its name, but
/// another process now decides. The start records it as a routing change that needs a sign-off
/// (not `no routing change`): unsigned, warned about, and shown on the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_the_live_engine_at_another_address_is_an_unsigned_routing_change() {
    capture_logs();
    let scenario = Scenario::start(false, READY).await;
    let first = audit(&scenario).await;
    let live_at = &first[0]["evidence"]["routing"][STRATEGY]["live_at"];
    let was = live_at["at"].as_str().unwrap().to_owned();
    assert_eq!(live_at["layout"], STRATEGY, "{first:#?}");
    let stopped = scenario.stop().await;

    let elsewhere = crate::support::live_engine().await;
    let now = elsewhere.addr().to_string();
    let path = stopped.config_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let address = format!("address = \"{was}\"");
    assert!(text.contains(&address), "{text}");
    std::fs::write(
        &path,
        text.replacen(&address, &format!("address = \"{now}\""), 1),
    )
    .unwrap();

    let scenario = stopped.start().await;
    let entries = audit(&scenario).await;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    let change = &entries[1]["evidence"]["changes"][0];
    assert_eq!(change["live_after"], "legacy");
    assert_eq!(change["live_moved"]["before"]["at"], was.as_str());
    assert_eq!(change["live_moved"]["after"]["at"], now.as_str());
    assert_eq!(change["signoff"], Value::Null);
    let moved = format!("live legacy now at {now} (was {was})");
    let why = "no sign-off of this strategy for this config";
    assert_eq!(
        entries[1]["note"],
        format!("start: {STRATEGY}: {moved}, unsigned ({why})")
    );
    let logs = captured_logs();
    assert!(
        logs.lines().any(|l| l.contains("WARN")
            && l.contains("unsigned routing change at start")
            && l.contains(&moved)),
        "no unsigned warning in the logs"
    );
    let (_, _, page) = scenario.get("/").await;
    assert!(
        page.contains(&format!(
            "<td>start</td><td>{moved}</td><td><code>{}</code></td><td><span \
             class=\"blocked\">unsigned</span> ({why})</td>",
            &entries[1]["to"].as_str().unwrap()[..12]
        )),
        "{page}"
    );
    scenario.stop().await;
}

/// A layout edited while the gateway is stopped leaves the config's SHA-256 as it was: the next
/// start lists it as a file change (warned about, no sign-off needed) and the page shows it; the
/// start after, with nothing changed, records nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_the_layout_edited_while_stopped_lists_the_file_change() {
    capture_logs();
    let scenario = Scenario::start(false, READY).await;
    let first = audit(&scenario).await;
    let files = &first[0]["evidence"]["routing"][STRATEGY]["files"];
    let before = files["layout_sha256"].as_str().unwrap().to_owned();
    let stopped = scenario.stop().await;
    let layout = stopped.dir.path().join("layout.toml");
    let mut text = std::fs::read_to_string(&layout).unwrap();
    assert_eq!(shadowgate::cutover::sha256_hex(text.as_bytes()), before);
    text.push_str("\n# reviewed under CHG-1\n");
    std::fs::write(&layout, &text).unwrap();
    let after = shadowgate::cutover::sha256_hex(text.as_bytes());

    let scenario = stopped.start().await;
    let entries = audit(&scenario).await;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    assert_eq!(entries[1]["from"], entries[1]["to"], "the config's bytes");
    let change = &entries[1]["evidence"]["file_changes"][0];
    assert_eq!(
        (&change["role"], &change["after"]),
        (&"layout".into(), &after.clone().into())
    );
    let sentence = format!(
        "layout of {STRATEGY} changed: {} → {}",
        &before[..12],
        &after[..12]
    );
    assert_eq!(
        entries[1]["note"],
        format!("start: no routing change; {sentence}")
    );
    let logs = captured_logs();
    assert!(
        logs.lines().any(|l| l.contains("WARN")
            && l.contains("file changed at start, recorded (no sign-off needed)")
            && l.contains(&sentence)),
        "no warning in the logs"
    );
    let (_, _, page) = scenario.get("/").await;
    assert!(
        page.contains(&format!(
            "<td>start</td><td>{sentence}</td><td><code>{}</code></td><td>no sign-off needed</td>",
            &entries[1]["to"].as_str().unwrap()[..12]
        )),
        "{page}"
    );

    let scenario = scenario.stop().await.start().await;
    assert_eq!(audit(&scenario).await.len(), 2, "nothing changed");
    scenario.stop().await;
}

/// A start that cannot bind (its admin port taken) is no start: it fails with the bind error and
/// appends nothing, so the start that serves next is compared with the last one that served and
/// shows the swap with its sign-off (not "no routing change" after a failed start's entry).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_that_cannot_bind_records_nothing_and_the_next_start_is_linked() {
    let scenario = Scenario::start(false, READY).await;
    scenario.traffic(9).await;
    let stopped = scenario.stop().await;
    sign_stopped(&stopped).await;
    swap(&stopped);

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let path = stopped.config_path();
    let serving = std::fs::read_to_string(&path).unwrap();
    let any = "[listeners.admin]\naddress = \"127.0.0.1:0\"";
    assert!(serving.contains(any), "{serving}");
    let busy = format!(
        "[listeners.admin]\naddress = \"{}\"",
        taken.local_addr().unwrap()
    );
    std::fs::write(&path, serving.replacen(any, &busy, 1)).unwrap();
    let config = shadowgate::config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let Err(error) = shadowgate::server::Running::start(config).await else {
        panic!("started on a taken admin port");
    };
    assert!(
        error
            .to_string()
            .starts_with("listeners.admin.address: cannot bind"),
        "{error}"
    );
    let trail = entries(&stopped.dir.path().join("store"));
    assert_eq!(
        trail.len(),
        2,
        "the first start and the sign-off: {trail:#?}"
    );

    std::fs::write(&path, &serving).unwrap();
    let scenario = stopped.start().await;
    let entries = audit(&scenario).await;
    assert_eq!(entries.len(), 3, "{entries:#?}");
    assert_eq!(entries[2]["evidence"]["previous_seq"], 1, "{entries:#?}");
    let swap = swap_line(&entries[0]["evidence"]["routing"]);
    assert_eq!(
        entries[2]["note"],
        format!("start: {STRATEGY}: {swap}, signed (#2 by choi.m)")
    );
    scenario.stop().await;
}

/// Signed after the file was swapped (so the sign-off reads new-engine → legacy), started: the
/// swap legacy → new-engine rests on it, and the CLI, the JSON API and the page each show the
/// sign-off with that change's own direction, the reverse of the cutover it reads as.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signoff_made_after_the_swap_is_shown_with_the_direction_of_the_change_it_approved() {
    let scenario = Scenario::start(false, READY).await;
    scenario.traffic(9).await;
    let first = audit(&scenario).await;
    let stopped = scenario.stop().await;
    swap(&stopped);
    sign_stopped(&stopped).await;
    let scenario = stopped.start().await;
    let entries = audit(&scenario).await;
    assert_eq!(entries.len(), 3, "{entries:#?}");
    assert_eq!(entries[2]["evidence"]["changes"][0]["signoff"], 2);

    let route = &first[0]["evidence"]["routing"][STRATEGY];
    let legacy = format!(
        "legacy at {} (layout {STRATEGY})",
        route["live_at"]["at"].as_str().unwrap()
    );
    let new_engine = format!(
        "new-engine at {}",
        route["shadow_at"]["at"].as_str().unwrap()
    );
    let swap = swap_line(&first[0]["evidence"]["routing"]);
    let approved =
        format!("used by audit entry #3 (start): {swap} (the reverse of the cutover signed)");

    let (status, _, body) = scenario.get("/api/v1/cutover/signoffs").await;
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    let used = &json["signoffs"][0]["used_by"];
    assert_eq!(
        (&used["seq"], &used["action"]),
        (&3.into(), &"start".into())
    );
    assert_eq!(used["direction"], "reverse", "{body}");
    assert_eq!(used["change"]["live_after"], "new-engine", "{body}");

    let list = CutoverCommand::List(CutoverListArgs {
        source: SourceArgs {
            store: None,
            config: None,
            from: Some(scenario.admin.clone()),
            token_env: None,
        },
        strategy: Some(STRATEGY.to_owned()),
    });
    let printed = run(move |out| cli::run_cutover(&list, out))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert!(
        printed.contains(&format!(
            "\n    signed for live {new_engine} → {legacy}; {approved}\n"
        )),
        "{printed}"
    );

    let (_, _, page) = scenario.get("/").await;
    assert!(page.contains(&format!("<td>{approved}</td>")), "{page}");
    scenario.stop().await;
}

/// Signs the strategy's cutover with the CLI against the stopped gateway's config and store (as
/// a team does during a maintenance window); returns what the CLI printed.
async fn sign_stopped(stopped: &Stopped) -> String {
    let local = SourceArgs {
        store: None,
        config: Some(stopped.config_path()),
        from: None,
        token_env: None,
    };
    let reports = tempfile::tempdir().unwrap();
    let signing = sign_args(local, reports.path());
    run(move |out| cli::run_cutover(&signing, out))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
}

/// The audit trail of a stopped gateway's store, read from its files.
fn entries(store: &std::path::Path) -> Vec<shadowgate::triage::AuditEntry> {
    let reader = shadowgate::store::Reader::open(store).unwrap();
    shadowgate::triage::TriageBook::new(reader).audit().unwrap()
}
