//! A reload keeps a strategy's shadow breaker while its shadow stays the same engine, and gives
//! it a closed one when the engine is another; it keeps the strategy's shadow budget whatever
//! the engine, with the new maximum; an engine moved to another address gets a fresh health: the
//! demo's config, engines never called, the breaker and the health driven through their clock
//! seams.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::config::EngineSpec;
use crate::demo::STRATEGY;
use crate::engine::{Failure, Outcome, Role};
use crate::pipeline::breaker::{Pass, THRESHOLD};

const SECOND: u64 = 1_000_000;

/// The demo's config with the shadow engine (`new-engine`, http) at `shadow`.
fn config(shadow: &str) -> Arc<Config> {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::demo::setup::write_for_test(dir.path(), "127.0.0.1:9", shadow);
    Arc::new(crate::config::load(&path).unwrap())
}

/// The demo strategy's shadow breaker, opened at `now` by THRESHOLD refused connects.
fn open_breaker(runtime: &Runtime, now: u64) -> Arc<Breaker> {
    let breaker = runtime.strategy(STRATEGY).unwrap().shadow_breaker.clone();
    let openings = (0..THRESHOLD)
        .filter(|_| breaker.connect_failed_at(Pass::Closed, now))
        .count();
    assert_eq!(openings, 1, "one WARN");
    assert_eq!(breaker.pass_at(now), None);
    breaker
}

#[test]
fn what_rules_hide_is_counted_on_the_review_zones_days() {
    let mut seoul = (*config("127.0.0.1:9")).clone();
    seoul.review.zone = jiff::tz::TimeZone::get("Asia/Seoul").unwrap();
    for (config, zone) in [
        (config("127.0.0.1:9"), "UTC"),
        (Arc::new(seoul), "Asia/Seoul"),
    ] {
        let runtime = Runtime::build(config, &Metrics::new("test")).unwrap();
        let strategy = runtime.strategy(STRATEGY).unwrap();
        assert_eq!(strategy.suppressed.zone().iana_name(), Some(zone));
        assert_eq!(strategy.days.iana_name(), Some(zone));
    }
}

#[test]
fn a_reload_keeps_an_open_breaker_of_the_same_shadow_engine() {
    let metrics = Metrics::new("test");
    let before = Runtime::build(config("127.0.0.1"), &metrics).unwrap();
    let opened = open_breaker(&before, SECOND);
    // Its default port written out, then not: the same engine through two reloads.
    let after = Runtime::rebuild(config("127.0.0.1:80"), &metrics, &before).unwrap();
    let after = Runtime::rebuild(config("127.0.0.1"), &metrics, &after).unwrap();
    let breaker = &after.strategy(STRATEGY).unwrap().shadow_breaker;
    assert_eq!(
        breaker.pass_at(SECOND + 1),
        None,
        "still open: calls skipped"
    );
    // Calls failing on the new runtime open nothing again: no second WARN.
    assert!(!(0..THRESHOLD).any(|_| breaker.connect_failed_at(Pass::Closed, SECOND + 2)));
    // One probe per cool-down; its answer closes the breaker the first runtime opened: the INFO.
    let after_cool_down = 3 * SECOND;
    let probes: Vec<_> = (0..5)
        .filter_map(|_| breaker.pass_at(after_cool_down))
        .collect();
    assert_eq!(probes, [Pass::Probe]);
    assert!(breaker.reached(Pass::Probe), "the outage's INFO");
    assert_eq!(
        opened.pass_at(after_cool_down),
        Some(Pass::Closed),
        "one breaker"
    );
}

#[test]
fn another_address_or_another_shadow_gets_a_closed_breaker() {
    let metrics = Metrics::new("test");
    let before = Runtime::build(config("127.0.0.1:9"), &metrics).unwrap();
    open_breaker(&before, SECOND);
    let moved = Runtime::rebuild(config("127.0.0.1:10"), &metrics, &before).unwrap();
    let breaker = &moved.strategy(STRATEGY).unwrap().shadow_breaker;
    assert_eq!(
        breaker.pass_at(SECOND + 1),
        Some(Pass::Closed),
        "another engine"
    );

    // A cutover: the former live engine is the shadow now, whatever the old shadow's state.
    open_breaker(&moved, SECOND);
    let mut swapped = (*config("127.0.0.1:10")).clone();
    let spec = swapped.strategies.get_mut(STRATEGY).unwrap();
    let live = spec.live.clone();
    spec.live = spec.shadow.replace(live).unwrap();
    let swapped = Runtime::rebuild(Arc::new(swapped), &metrics, &moved).unwrap();
    let breaker = &swapped.strategy(STRATEGY).unwrap().shadow_breaker;
    assert_eq!(
        breaker.pass_at(SECOND + 1),
        Some(Pass::Closed),
        "another engine"
    );
}

#[test]
fn engines_are_the_same_by_protocol_and_endpoints() {
    let (nine, eighty) = (config("127.0.0.1:9"), config("127.0.0.1:80"));
    let engine = |config: &Config, name: &str| config.engines.get(name).unwrap().clone();
    assert!(engine(&nine, "new-engine").is_same_engine(&engine(&nine, "new-engine")));
    assert!(!engine(&nine, "new-engine").is_same_engine(&engine(&eighty, "new-engine")));
    assert!(
        engine(&config("127.0.0.1"), "new-engine").is_same_engine(&engine(&eighty, "new-engine"))
    );
    assert_eq!(
        engine(&config("127.0.0.1"), "new-engine").endpoint(),
        "http://127.0.0.1:80"
    );
    assert_eq!(engine(&nine, "legacy").endpoint(), "127.0.0.1:9");
    // The same address in another protocol is another engine.
    assert!(!engine(&nine, "legacy").is_same_engine(&engine(&nine, "new-engine")));
    let mut slower = engine(&nine, "legacy");
    if let EngineSpec::Mci { settings, .. } = &mut slower {
        settings.request_timeout *= 2;
        settings.max_connections += 1;
    }
    assert!(
        engine(&nine, "legacy").is_same_engine(&slower),
        "settings of one engine"
    );
}

/// The demo's config with the demo strategy's `shadow_max_in_flight` at `max`.
fn config_with_budget(shadow: &str, max: usize) -> Arc<Config> {
    let mut config = (*config(shadow)).clone();
    let spec = config.strategies.get_mut(STRATEGY).unwrap();
    spec.shadow_max_in_flight = max;
    Arc::new(config)
}

#[test]
fn permits_held_on_the_replaced_runtime_count_against_the_new_one() {
    let metrics = Metrics::new("test");
    let before = Runtime::build(config_with_budget("127.0.0.1:9", 4), &metrics).unwrap();
    let old = before.strategy(STRATEGY).unwrap().shadow_budget.clone();
    // Calls in flight on the old runtime when the reload swaps it.
    let in_flight: Vec<_> = (0..3).filter_map(|_| old.try_acquire()).collect();
    assert_eq!(in_flight.len(), 3);
    // Another shadow address too: the budget bounds the strategy's calls, whatever the engine.
    let after = Runtime::rebuild(config_with_budget("127.0.0.1:10", 4), &metrics, &before).unwrap();
    let budget = &after.strategy(STRATEGY).unwrap().shadow_budget;
    assert_eq!(budget.in_use(), 3);
    let fourth = budget.try_acquire();
    assert!(fourth.is_some());
    assert!(
        budget.try_acquire().is_none(),
        "4 in flight over both runtimes"
    );

    // A lowered maximum applies at once, to the old runtime's calls as to the new one's.
    let lowered =
        Runtime::rebuild(config_with_budget("127.0.0.1:10", 2), &metrics, &after).unwrap();
    let budget = &lowered.strategy(STRATEGY).unwrap().shadow_budget;
    drop(fourth);
    assert!(budget.try_acquire().is_none(), "3 in flight, 2 allowed");
    assert!(old.try_acquire().is_none(), "one counter");
    drop(in_flight);
    let taken: Vec<_> = (0..3).filter_map(|_| budget.try_acquire()).collect();
    assert_eq!(taken.len(), 2);
}

/// What `f` logs at INFO, as text.
fn logged<T>(f: impl FnOnce() -> T) -> (T, String) {
    crate::test_log::logged(tracing::Level::INFO, f)
}

#[test]
fn an_engine_moved_to_another_address_gets_a_fresh_health() {
    let metrics = Metrics::new("test");
    let gauge_up = r#"shadowgate_engine_up{engine="new-engine"} 1"#;
    let before = Runtime::build(config("127.0.0.1:9"), &metrics).unwrap();
    metrics
        .engine_health("new-engine")
        .probed(Some(Failure::Connect), 5);
    assert!(!metrics.render().contains(gauge_up));
    // The same address: the health is kept, down.
    let (same, log) =
        logged(|| Runtime::rebuild(config("127.0.0.1:9"), &metrics, &before).unwrap());
    assert!(!metrics.engine_health("new-engine").is_up());
    assert!(!log.contains("engine health reset"), "{log}");

    // Another address: up, not yet checked, no error of the old address.
    let (moved, log) =
        logged(|| Runtime::rebuild(config("127.0.0.1:10"), &metrics, &same).unwrap());
    let fresh = metrics.engine_health("new-engine");
    let snapshot = fresh.snapshot();
    assert!(snapshot.up && !snapshot.checked, "{snapshot:?}");
    assert_eq!(snapshot.last_error, None);
    assert!(metrics.render().contains(gauge_up));
    let strategy = moved.strategy(STRATEGY).unwrap();
    let handles = strategy.shadow_metrics.as_ref().unwrap();
    assert!(
        Arc::ptr_eq(handles.health(), &fresh),
        "the new runtime's calls feed it"
    );
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(" INFO ")).collect();
    assert_eq!(lines.len(), 1, "{log}");
    for field in [
        "engine health reset: its address changed; ",
        "engine=new-engine",
        "old_address=http://127.0.0.1:9",
        "new_address=http://127.0.0.1:10",
    ] {
        assert!(lines[0].contains(field), "{field}: {}", lines[0]);
    }

    // Calls in flight on the old runtime, to the old address, end on the old health: they take
    // neither the new one nor the gauge down.
    let old = same
        .strategy(STRATEGY)
        .unwrap()
        .shadow_metrics
        .clone()
        .unwrap();
    for _ in 0..crate::engine::CALL_FAILURES_DOWN {
        old.call(Role::Shadow, Outcome::Connect, 0.001);
    }
    assert!(fresh.is_up());
    assert!(metrics.render().contains(gauge_up));
    // The live engine stayed where it was: its health is the same one.
    let live = strategy.live_metrics.health();
    assert!(Arc::ptr_eq(
        live,
        before.strategy(STRATEGY).unwrap().live_metrics.health()
    ));
}

#[test]
fn a_reload_keeps_the_client_of_an_unchanged_engine_only() {
    let metrics = Metrics::new("test");
    let before = Runtime::build(config("127.0.0.1:9"), &metrics).unwrap();
    let same =
        |a: &Runtime, b: &Runtime, name: &str| Arc::ptr_eq(&a.engines[name], &b.engines[name]);
    // Files written again elsewhere with the same contents: the same specs, the same clients
    // (one pool, one in-flight bound over both runtimes).
    let after = Runtime::rebuild(config("127.0.0.1:9"), &metrics, &before).unwrap();
    assert!(same(&before, &after, "legacy"));
    assert!(same(&before, &after, "new-engine"));

    // A changed limit, a changed layout text, a changed timeout: a new client for that engine.
    let mut bigger = (*after.config).clone();
    if let Some(EngineSpec::Mci { settings, .. }) = bigger.engines.get_mut("legacy") {
        settings.max_connections += 1;
    }
    let bigger = Runtime::rebuild(Arc::new(bigger), &metrics, &after).unwrap();
    assert!(!same(&after, &bigger, "legacy"), "another limit");
    assert!(same(&after, &bigger, "new-engine"));

    let mut relaid = (*bigger.config).clone();
    if let Some(EngineSpec::Mci { layout_sha256, .. }) = relaid.engines.get_mut("legacy") {
        layout_sha256.replace_range(..1, "x");
    }
    let relaid = Runtime::rebuild(Arc::new(relaid), &metrics, &bigger).unwrap();
    assert!(!same(&bigger, &relaid, "legacy"), "another layout");

    let mut slower = (*relaid.config).clone();
    if let Some(EngineSpec::Http(settings)) = slower.engines.get_mut("new-engine") {
        settings.request_timeout *= 2;
    }
    let slower = Runtime::rebuild(Arc::new(slower), &metrics, &relaid).unwrap();
    assert!(!same(&relaid, &slower, "new-engine"), "another timeout");
    assert!(same(&relaid, &slower, "legacy"));
}

#[test]
fn an_engine_removed_and_added_back_elsewhere_gets_a_fresh_health() {
    let metrics = Metrics::new("test");
    let down = || {
        metrics
            .engine_health("new-engine")
            .probed(Some(Failure::Connect), 5);
    };
    let without = |runtime: &Runtime| {
        let mut config = (*runtime.config).clone();
        config.strategies.get_mut(STRATEGY).unwrap().shadow = None;
        config.engines.remove("new-engine");
        Runtime::rebuild(Arc::new(config), &metrics, runtime).unwrap()
    };
    let series = |value: u8| format!("shadowgate_engine_up{{engine=\"new-engine\"}} {value}");
    let exported = || {
        metrics
            .render()
            .contains("shadowgate_engine_up{engine=\"new-engine\"}")
    };
    let before = Runtime::build(config("127.0.0.1:9"), &metrics).unwrap();
    down();
    // Removed, then back at another address: its health is about the old one, so it is reset.
    // While removed it is not exported (an alert on its last state would fire until a restart).
    let removed = without(&before);
    assert!(!exported(), "{}", metrics.render());
    let (back, log) =
        logged(|| Runtime::rebuild(config("127.0.0.1:10"), &metrics, &removed).unwrap());
    let snapshot = metrics.engine_health("new-engine").snapshot();
    assert!(snapshot.up && !snapshot.checked, "{snapshot:?}");
    assert!(log.contains("old_address=http://127.0.0.1:9"), "{log}");
    assert!(metrics.render().contains(&series(1)));
    // Removed, then back at the same address: the same engine, its health kept, exported again
    // with its state.
    down();
    let removed = without(&back);
    assert!(!exported());
    Runtime::rebuild(config("127.0.0.1:10"), &metrics, &removed).unwrap();
    assert!(!metrics.engine_health("new-engine").is_up());
    assert!(
        metrics.render().contains(&series(0)),
        "{}",
        metrics.render()
    );
    // Calls and probes of an exported health move its series again.
    metrics.engine_health("new-engine").probed(None, 10);
    assert!(metrics.render().contains(&series(1)));
}
