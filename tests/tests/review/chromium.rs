//! The HTML report as a person sees it: headless Chromium (Debian's `chromium`) renders the page
//! and the drill-down, and the test reads the rendered DOM. Chromium missing is a failure: the
//! test command installs it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Scenario, STRATEGY};

const CHROMIUM: &str = "/usr/bin/chromium";
/// Bound on one page render.
const RENDER_DEADLINE: Duration = Duration::from_secs(90);

/// The DOM of `url` after rendering; the browser is killed after [`RENDER_DEADLINE`].
fn dump_dom(url: &str) -> String {
    assert!(
        std::path::Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install Debian's chromium package (tests/run.sh does)"
    );
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut dom = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut dom).map(|_| dom)
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium failed on {url}: {status}");
            break;
        }
        if started.elapsed() > RENDER_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not render {url} within {RENDER_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap().unwrap()
}

/// The text a person reads: the DOM without tags and with entities decoded (the ones we emit).
fn visible_text(dom: &str) -> String {
    let mut text = String::with_capacity(dom.len());
    let mut in_tag = false;
    for c in dom.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_sees_strategies_counts_groups_and_both_decisions() {
    let scenario = Scenario::start(false, "min_comparisons = 5").await;
    scenario.traffic(6).await;
    let base = format!("{}/", scenario.admin);

    let dom = tokio::task::spawn_blocking({
        let base = base.clone();
        move || dump_dom(&base)
    })
    .await
    .unwrap();
    let text = visible_text(&dom);
    assert!(text.contains(STRATEGY), "{text}");
    assert!(
        text.contains(
            "comparisons matches mismatches shadow errors unencodable skipped 6 0 4 0 2 0"
        ),
        "the counts, under their headings: {text}"
    );
    assert!(
        text.contains("6 of 6 comparisons failed (100%); at 95% confidence the rate is below"),
        "{text}"
    );
    assert!(text.contains("Cutover readiness: blocked"), "{text}");
    assert!(
        text.contains("min_clean_days:"),
        "the blocking criterion is named: {text}"
    );
    assert!(text.contains("Mismatch groups"), "{text}");
    assert!(
        text.contains("body.grade, body.payout_acct 4"),
        "the group with its count: {text}"
    );
    assert!(text.contains("ignore body.message"), "{text}");

    let href = dom
        .split("href=\"mismatches/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no link to a record: {dom}"))
        .to_owned();
    let detail_url = format!("{base}mismatches/{href}");
    let detail = tokio::task::spawn_blocking(move || dump_dom(&detail_url))
        .await
        .unwrap();
    let text = visible_text(&detail);
    assert!(
        text.contains("Decisions side by side field live shadow"),
        "{text}"
    );
    assert!(
        text.contains("body.grade L1 N2") || text.contains("body.grade L1 TOO-LONG"),
        "both decisions' grades side by side: {text}"
    );
    assert!(
        detail.contains("<tr class=\"diff\"><td class=\"path\">body.grade</td>"),
        "highlighted: {detail}"
    );
    assert!(
        detail.contains("<tr class=\"hidden-by-rule\"><td class=\"path\">body.message</td>"),
        "greyed, never highlighted, where `ignore body.message` hid the difference: {detail}"
    );
    assert!(!detail.contains("<tr class=\"diff\"><td class=\"path\">body.message</td>"));
    assert!(
        text.contains("approved by the new engine ignore body.message"),
        "the rule shown in the row: {text}"
    );
    assert!(text.contains("back to the report"));
}
