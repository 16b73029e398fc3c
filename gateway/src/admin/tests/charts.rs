//! The page's daily chart: days in the configured zone.

use super::health::engine;
use super::*;

/// A store written over three days of Seoul time (the writer's clock seam set to each day),
/// read back by the page: one pair of bars per chart day, a group strip, times with the offset.
#[test]
fn the_page_draws_a_daily_chart_over_days_in_the_configured_zone() {
    use crate::store::{hour_of, Clock, ManualClock, SystemClock, MICROS_PER_HOUR};
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        path: dir.path().join("store"),
        ..StoreConfig::default()
    };
    let now = SystemClock.now_micros();
    // Noon in Seoul today, and the two days before: each its own local day whatever the hour.
    let seoul = jiff::tz::TimeZone::get("Asia/Seoul").unwrap();
    let noon_today = jiff::Timestamp::from_microsecond(now as i64)
        .unwrap()
        .to_zoned(seoul.clone())
        .date()
        .at(12, 0, 0, 0)
        .to_zoned(seoul.clone())
        .unwrap()
        .timestamp()
        .as_microsecond() as u64;
    let noon_today = noon_today.min(now);
    let clock = Arc::new(ManualClock::at(noon_today - 2 * 24 * MICROS_PER_HOUR));
    let (tx, rx) = std::sync::mpsc::channel();
    let options = WriterOptions {
        clock: clock.clone(),
        on_flush: Some(Arc::new(move |ids: &[crate::store::RecordId]| {
            let _ = tx.send(ids.len());
        })),
    };
    let store = Store::open(&config, options).unwrap();
    let recorder = store.recorder();
    // Day 1: 3 failures; day 2: none; day 3: 1. Counted events take the writer's time at their
    // commit, so each day waits until its events are committed before the clock moves on.
    let mut events = 0u64;
    for failures in [3usize, 0, 1] {
        events += failures as u64 + 5;
        for _ in 0..failures {
            recorder.record(mismatch("loan", "홍*")).unwrap();
        }
        for _ in 0..5 {
            recorder
                .record(Event::Counted {
                    strategy: Arc::from("loan"),
                    outcome: crate::outcome::ShadowOutcome::Match,
                })
                .unwrap();
        }
        let mut flushed = 0;
        while flushed < failures {
            flushed += rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while store
            .stats()
            .events_committed
            .load(std::sync::atomic::Ordering::Relaxed)
            < events
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the day's events were not committed"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        clock.advance(24 * MICROS_PER_HOUR);
    }
    let reader = store.close();
    let view = crate::review::ReviewView {
        zone: seoul,
        chart_days: 7,
    };
    let review = Review::new(reader.clone(), Policies::new()).with_view(view.clone());
    let daily = review.daily(now).unwrap();
    let loan = daily.strategy("loan").unwrap();
    assert_eq!(loan.len(), 7);
    let tail: Vec<(u64, u64)> = loan[4..]
        .iter()
        .map(|d| (d.comparisons, d.failures))
        .collect();
    assert_eq!(tail, [(8, 3), (5, 0), (6, 1)]);
    assert!(hour_of(now) >= hour_of(noon_today));

    let state = AdminState {
        reader,
        stats: Arc::new(crate::store::StoreStats::default()),
        policies: Arc::new(Policies::new),
        view: Arc::new(move || view.clone()),
        token: Arc::new(|| None),
        allowed_hosts: Arc::new(Vec::new),
        metrics: Arc::new(String::new),
        reload: None,
        engines: Some(Arc::new(|| vec![engine("legacy", true, &["loan"])])),
        replay: None,
        cutover: None,
        draining: Default::default(),
    };
    let (status, _, page) = call(&state, "GET", "/", None);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.matches("class=\"bar failures\"").count(), 7, "{page}");
    assert_eq!(page.matches("class=\"bar comparisons\"").count(), 7);
    assert_eq!(page.matches("class=\"bar group\"").count(), 7);
    assert!(page.contains("Daily, last 7 days (Asia/Seoul)"), "{page}");
    assert!(
        page.contains("</span> · times in Asia/Seoul"),
        "named once at the top: {page}"
    );
    assert!(
        page.contains(" +09:00</"),
        "times carry the zone's offset: {page}"
    );
    // The engines' "since" too (10:00 UTC), not the API's RFC 3339 text.
    assert!(
        page.contains("<td>2026-11-29 19:00:00 +09:00</td>"),
        "{page}"
    );
    assert!(page.contains("href=\"mismatches?strategy=loan&amp;signature=sig-grade\""));

    // The group's records, two to a page, then the next page by cursor.
    let (status, _, first) = call(
        &state,
        "GET",
        "/mismatches?strategy=loan&signature=sig-grade&limit=2",
        None,
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first.matches("<td class=\"t\">").count(), 2, "{first}");
    let next = first
        .split("rel=\"next\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a next-page link")
        .replace("&amp;", "&");
    let (_, _, second) = call(&state, "GET", &format!("/{next}"), None);
    assert_eq!(second.matches("<td class=\"t\">").count(), 2, "{second}");
    let (_, _, api) = call(&state, "GET", "/api/v1/daily", None);
    let api = json(&api);
    assert_eq!(api["time_zone"], "Asia/Seoul");
    // A group's day carries its records and its strategy's comparisons that day (the share's
    // denominator), never "0 comparisons" beside failures; the page's strip says the same.
    let day = |d: &serde_json::Value| (d["comparisons"].clone(), d["failures"].clone());
    let group: Vec<_> = api["groups"]["loan"]["sig-grade"]
        .as_array()
        .unwrap()
        .iter()
        .map(day)
        .collect();
    let strategy: Vec<_> = api["strategies"]["loan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["comparisons"].clone())
        .collect();
    assert_eq!(
        group.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(),
        strategy
    );
    assert_eq!(
        group[4..],
        [
            (8.into(), 3.into()),
            (5.into(), 0.into()),
            (6.into(), 1.into())
        ]
    );
    assert!(page.contains(": 3 of 8 comparisons</title>"), "{page}");
}
