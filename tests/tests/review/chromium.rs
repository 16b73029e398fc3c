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
pub(crate) fn dump_dom(url: &str) -> String {
    render(url, &[])
}

/// The DOM after the page's own scripts and the navigations they start (a form submitted on
/// load) have run, in up to 10 s of virtual time: for test harness pages, never ours.
///
/// On a loaded machine Chromium sometimes exits successfully having dumped nothing (seen once in
/// three runs beside a CI build); an empty dump is tried again, at most [`EMPTY_DUMP_TRIES`]
/// times. The harness pages re-submit idempotent changes, so a retry changes nothing but the
/// audit trail's length.
pub(crate) fn dump_dom_after_navigation(url: &str) -> String {
    let mut dom = String::new();
    for _ in 0..EMPTY_DUMP_TRIES {
        dom = render(url, &["--virtual-time-budget=10000"]);
        if !dom.trim().is_empty() {
            break;
        }
    }
    dom
}

/// Renders of a harness page that dumped nothing before the test sees the empty DOM.
const EMPTY_DUMP_TRIES: usize = 3;

fn render(url: &str, extra: &[&str]) -> String {
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
        .args(extra)
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
pub(crate) fn visible_text(dom: &str) -> String {
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
        text.contains("6 of 6 comparisons failed (100%): no comparison has passed yet"),
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

/// A store written over three days of Seoul time (the library's writer with its clock seam
/// moved a day at a time), then served by a gateway configured for Seoul and a 7-day chart:
/// Chromium renders one pair of bars per day, and the days' numbers in their titles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_shows_a_daily_chart_of_a_store_written_over_several_days() {
    let extra = "[review]\ntime_zone = \"Asia/Seoul\"\nchart_days = 7\n";
    let scenario = Scenario::start_with(false, "min_comparisons = 5", extra, seed_three_days).await;
    let base = format!("{}/", scenario.admin);
    let dom = tokio::task::spawn_blocking(move || dump_dom(&base))
        .await
        .unwrap();
    let chart = dom
        .split("<svg class=\"daily\"")
        .nth(1)
        .and_then(|rest| rest.split("</svg>").next())
        .unwrap_or_else(|| panic!("no daily chart: {dom}"));
    assert_eq!(
        chart.matches("class=\"bar failures\"").count(),
        7,
        "{chart}"
    );
    assert_eq!(
        chart.matches("class=\"bar comparisons\"").count(),
        7,
        "{chart}"
    );
    let titles: Vec<&str> = chart
        .split("<title>")
        .skip(1)
        .filter_map(|t| t.split("</title>").next())
        .collect();
    let counts: Vec<&str> = titles
        .iter()
        .filter_map(|t| t.split_once(": ").map(|(_, c)| c))
        .collect();
    assert_eq!(
        counts[4..],
        [
            "8 comparisons, 3 failed",
            "5 comparisons, 0 failed",
            "6 comparisons, 1 failed"
        ],
        "{titles:?}"
    );
    let text = visible_text(&dom);
    assert!(text.contains("Daily, last 7 days (Asia/Seoul)"), "{text}");
    assert!(
        text.contains("+09:00"),
        "times carry Seoul's offset: {text}"
    );
}

/// Three days ending today at noon Seoul time (or now, if earlier): 3 failures and 5 matches,
/// then 5 matches, then 1 failure and 5 matches.
fn seed_three_days(store: &std::path::Path) {
    use shadowgate::outcome::ShadowOutcome;
    use shadowgate::store::{
        Clock, Event, ManualClock, Store, StoreConfig, SystemClock, WriterOptions,
    };
    use std::sync::atomic::Ordering;
    use std::sync::Arc;
    const HOUR: u64 = 3_600_000_000;
    let now = SystemClock.now_micros();
    let seoul = jiff::tz::TimeZone::get("Asia/Seoul").unwrap();
    let noon = jiff::Timestamp::from_microsecond(now as i64)
        .unwrap()
        .to_zoned(seoul.clone())
        .date()
        .at(12, 0, 0, 0)
        .to_zoned(seoul)
        .unwrap()
        .timestamp()
        .as_microsecond() as u64;
    let clock = Arc::new(ManualClock::at(noon.min(now) - 48 * HOUR));
    let config = StoreConfig {
        path: store.to_owned(),
        ..StoreConfig::default()
    };
    let options = WriterOptions {
        clock: clock.clone(),
        on_flush: None,
    };
    let store = Store::open(&config, options).unwrap();
    let recorder = store.recorder();
    let mut events = 0;
    for failures in [3u64, 0, 1] {
        for i in 0..failures {
            recorder
                .record(crate::support::recorded_mismatch(i))
                .unwrap();
        }
        for _ in 0..5 {
            let strategy = Arc::from(STRATEGY);
            let outcome = ShadowOutcome::Match;
            recorder
                .record(Event::Counted { strategy, outcome })
                .unwrap();
        }
        events += failures + 5;
        // Counted events take the writer's time at commit: wait before the day moves on.
        let deadline = Instant::now() + Duration::from_secs(10);
        while store.stats().events_committed.load(Ordering::Relaxed) < events {
            assert!(
                Instant::now() < deadline,
                "the day's events were not committed"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        clock.advance(24 * HOUR);
    }
    store.close();
}
