//! Reloads against a real store: two at once are recorded one after the other, each from the
//! config the one before it swapped in.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::time::Duration;

use super::*;
use crate::demo::setup::write_for_test;
use crate::store::StoreConfig;

/// A seam in [`reload`] between reading the runtime in force and swapping in the new one.
pub(super) mod hook {
    use std::cell::RefCell;

    type Hook = Box<dyn FnOnce()>;

    thread_local! {
        static BETWEEN: RefCell<Option<Hook>> = const { RefCell::new(None) };
    }

    /// Runs what this thread's last [`set`] gave, once.
    pub(in crate::server) fn between_reading_and_swapping() {
        if let Some(hook) = BETWEEN.with(|h| h.borrow_mut().take()) {
            hook();
        }
    }

    /// Runs `hook` in this thread's next reload, once it has read the runtime in force.
    pub(super) fn set(hook: impl FnOnce() + 'static) {
        BETWEEN.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
    }
}

/// The demo's config written to `dir/name` with its shadow engine at `shadow`.
fn config_file(dir: &Path, name: &str, shadow: &str) -> std::path::PathBuf {
    let dir = dir.join(name);
    std::fs::create_dir(&dir).unwrap();
    write_for_test(&dir, "127.0.0.1:9", shadow)
}

#[test]
fn two_reloads_at_once_are_recorded_one_after_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let start = config::load(&config_file(dir.path(), "start", "127.0.0.1:10")).unwrap();
    let (a, b) = (
        config_file(dir.path(), "a", "127.0.0.1:11"),
        config_file(dir.path(), "b", "127.0.0.1:12"),
    );
    let metrics = Metrics::new("test");
    let runtime = Runtime::build(Arc::new(start), &metrics).unwrap();
    let gateway = Gateway::new(runtime, None, metrics);
    let store_config = StoreConfig {
        path: dir.path().join("store"),
        ..StoreConfig::default()
    };
    let store = Store::open(&store_config, WriterOptions::default()).unwrap();
    let (recorder, reader) = (store.recorder(), store.reader().clone());
    let trail = super::Trail::new(reader.clone());

    // Reload `a` stops once it has read the config in force and lets reload `b` run, waiting for
    // it at most half a second: without one reload at a time, `b` runs to its end in between.
    let (read, was_read) = mpsc::channel();
    let (done, was_done) = mpsc::channel();
    std::thread::scope(|s| {
        let (gateway, recorder, trail) = (&gateway, &recorder, &trail);
        s.spawn(move || {
            hook::set(move || {
                read.send(()).unwrap();
                let _ = was_done.recv_timeout(Duration::from_millis(500));
            });
            reload(gateway, (recorder, trail), &a, ReloadSource::Signal).unwrap();
        });
        s.spawn(move || {
            was_read.recv().unwrap();
            reload(gateway, (recorder, trail), &b, ReloadSource::Api).unwrap();
            let _ = done.send(());
        });
    });

    let trail = reader.ledger().unwrap().entries().unwrap();
    let reloads: Vec<_> = trail.iter().filter(|e| e.action == "reload").collect();
    assert_eq!(reloads.len(), 2, "{trail:#?}");
    assert_eq!(
        reloads[1].from, reloads[0].to,
        "the second reload starts from the first one's config"
    );
    assert_eq!(
        reloads[1].to.as_deref(),
        Some(gateway.runtime().config.sha256.as_str()),
        "the last recorded config is the one in force"
    );
    drop(store.close());
}

/// SIGHUP's reload waits for a reload in progress (here one a thread holds the turn of for a
/// second) on a blocking thread: the async runtime's only thread, which carries the live path,
/// goes on meanwhile. Run inline, the reload would hold that thread until the turn is free and
/// be done before the timer.
#[test]
fn a_signal_reload_waits_for_its_turn_off_the_live_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = config_file(dir.path(), "start", "127.0.0.1:10");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let running = Running::start(config::load(&path).unwrap()).await.unwrap();
        let (held, was_held) = mpsc::channel();
        let gateway = running.gateway.clone();
        let other = std::thread::spawn(move || {
            let _turn = gateway.reload_turn();
            held.send(()).unwrap();
            std::thread::sleep(Duration::from_secs(1));
        });
        was_held.recv().unwrap();
        {
            let reloading = running.reload_off_the_live_path(&path, ReloadSource::Signal);
            tokio::pin!(reloading);
            tokio::select! {
                biased;
                _ = &mut reloading => panic!("the reload held the runtime's thread until its turn"),
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
            reloading.await.unwrap();
        }
        other.join().unwrap();
        running.shutdown(Duration::from_secs(1)).await;
    });
}

/// A store the readiness review cannot read: WARN once a minute while it lasts, and only DEBUG
/// while the store spools (the writer's own line says why) or for a first failure (a database
/// that just went away, before the writer's next write starts spooling: a fleet trial saw WARN
/// there while the README promised DEBUG).
#[test]
fn an_unread_review_warns_once_a_minute_and_not_while_the_store_spools() {
    let error = std::io::Error::other("sled is closed");
    let start = tokio::time::Instant::now();
    let at = |seconds: u64| start + Duration::from_secs(seconds);
    let mut reported = LogLimit::new(UNREAD_REPORT_INTERVAL);
    let ((), log) = crate::test_log::logged(tracing::Level::DEBUG, || {
        // The first of a run: DEBUG, and it does not count towards the minute.
        review_unread(false, &error, &mut reported, 0, at(0));
        for (streak, (seconds, spooling)) in
            [(0, false), (5, false), (59, false), (60, false), (61, true)]
                .into_iter()
                .enumerate()
        {
            review_unread(
                spooling,
                &error,
                &mut reported,
                streak as u32 + 1,
                at(seconds),
            );
        }
        // Spooling said nothing at WARN and did not count: 119 s is within the window of 60 s.
        review_unread(false, &error, &mut reported, 7, at(119));
        review_unread(false, &error, &mut reported, 8, at(120));
    });
    let warned: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains("WARN") && l.contains("cannot read counters for the readiness review")
        })
        .collect();
    assert_eq!(warned.len(), 3, "{log}");
    assert!(warned.iter().all(|l| l.contains("sled is closed")), "{log}");
    let spooled = log
        .lines()
        .filter(|l| l.contains("DEBUG") && l.contains("cannot read counters"))
        .count();
    assert_eq!(spooled, 2, "the spooling one and the first: {log}");
}

/// A reload the audit trail cannot read warns about each routing change that needs a sign-off
/// (the live engine reached elsewhere here), saying it is recorded when the database answers.
#[test]
fn a_reload_the_trail_cannot_take_warns_about_its_unchecked_routing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str, live: &str| {
        let dir = dir.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        config::load(&write_for_test(&dir, live, "127.0.0.1:10")).unwrap()
    };
    let (old, new) = (at("old", "127.0.0.1:9"), at("new", "127.0.0.1:8"));
    let error = crate::cutover::CutoverError::new("*", crate::cutover::CutoverErrorKind::NoName);
    let (_, logs) = crate::test_log::logged(tracing::Level::WARN, || {
        trail::warn_unchecked(&error, &old, &new)
    });
    let warnings: Vec<&str> = logs.lines().filter(|l| l.contains("WARN")).collect();
    assert!(!warnings.is_empty(), "{logs}");
    for warning in warnings {
        assert!(
            warning.contains(
                "routing change at reload not checked against sign-offs, the audit trail cannot \
                 be read: "
            ) && warning.contains(
                "now at 127.0.0.1:8 (was 127.0.0.1:9); recorded when the database answers"
            ),
            "{logs}"
        );
    }
}
