//! Korean text on the HTML report renders as glyphs, not as empty boxes ("tofu"): headless
//! Chromium screenshots Korean text styled by the page's own stylesheet (the `<head>` the admin
//! listener serves) and compares the pictures.
//!
//! Without a font that covers Hangul, every Korean character is drawn as the same missing-glyph
//! box, so two different Korean phrases of the same shape give the same picture, identical to the
//! one for characters no font has (the private use area). With a font (`tests/run.sh` installs
//! `fonts-nanum`, as a server showing the page needs one) the two phrases differ from each other
//! and from the boxes. PNG encoding is deterministic, so equal pictures are equal files.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::Scenario;

const CHROMIUM: &str = "/usr/bin/chromium";
/// Bound on one screenshot.
const RENDER_DEADLINE: Duration = Duration::from_secs(90);

/// Two Korean phrases with the same shape (character and space positions) as [`NO_FONT`].
const KOREAN: [&str; 2] = ["홍길동 대출 심사 결과", "김철수 신용 평가 승인"];
/// Private-use characters, in the same positions: no font has them, so they are always boxes.
const NO_FONT: &str = "\u{e000}\u{e001}\u{e002} \u{e003}\u{e004} \u{e005}\u{e006} \u{e007}\u{e008}";

/// The served page's `<head>` (its stylesheet) with `text` as the whole body, large.
fn page_with(head: &str, text: &str) -> String {
    format!(
        "<!doctype html><html lang=\"ko\">{head}<body>\
         <p style=\"font-size:48px;margin:0;line-height:1.2\">{text}</p></body></html>"
    )
}

/// The PNG bytes of `html` rendered in a 800×160 window; the browser is killed after
/// [`RENDER_DEADLINE`].
fn screenshot(dir: &Path, name: &str, html: &str) -> Vec<u8> {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install Debian's chromium package (tests/run.sh does)"
    );
    let page = dir.join(format!("{name}.html"));
    let png = dir.join(format!("{name}.png"));
    std::fs::write(&page, html).unwrap();
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
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--window-size=800,160",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(
                status.success(),
                "chromium failed on {}: {status}",
                page.display()
            );
            break;
        }
        if started.elapsed() > RENDER_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not render {} within {RENDER_DEADLINE:?}",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
    assert!(
        bytes.starts_with(b"\x89PNG"),
        "{} is not a PNG",
        png.display()
    );
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn korean_text_renders_with_glyphs_not_boxes() {
    let scenario = Scenario::start(false, "min_comparisons = 5").await;
    let (status, _, page) = scenario.get("/").await;
    assert_eq!(status, 200, "{page}");
    let head = page
        .find("<head>")
        .zip(page.find("</head>"))
        .map(|(start, end)| page[start..end + "</head>".len()].to_owned())
        .unwrap_or_else(|| panic!("no <head> in the page: {page}"));
    assert!(
        head.contains("font-family"),
        "the page styles its text: {head}"
    );

    let dir = tempfile::tempdir().unwrap();
    let pictures = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || {
            let shot = |name: &str, text: &str| screenshot(&dir, name, &page_with(&head, text));
            let korean = [shot("korean-0", KOREAN[0]), shot("korean-1", KOREAN[1])];
            let boxes = shot("no-font", NO_FONT);
            (korean, boxes)
        }
    })
    .await
    .unwrap();
    let (korean, boxes) = pictures;
    let kept = dir.keep();
    let hint = format!(
        "pictures in {}; install a Korean font (Debian: fonts-nanum, tests/run.sh does)",
        kept.display()
    );
    // `assert!`, not `assert_ne!`: the pictures are in the folder, their bytes would say nothing.
    assert!(
        korean[0] != korean[1],
        "two different Korean phrases render the same: every character is a box; {hint}"
    );
    assert!(
        korean.iter().all(|picture| picture != &boxes),
        "Korean renders as missing-glyph boxes; {hint}"
    );
    std::fs::remove_dir_all(&kept).unwrap();
}
