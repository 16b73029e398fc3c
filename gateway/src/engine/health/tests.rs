//! [`EngineHealth`]'s rules driven through its clock arguments: changes reported once, a hung
//! engine's flaps, the call streak that takes an engine down.

use super::*;

fn health() -> EngineHealth {
    let gauge = IntGauge::new("engine_up", "test").unwrap();
    EngineHealth::new(gauge, 10)
}

const MINUTE: u64 = 60_000_000;

/// The value of `h`'s `engine_up` series.
fn gauge(h: &EngineHealth) -> i64 {
    h.lock().gauge.as_ref().expect("exported").get()
}

/// Takes `h` down by CALL_FAILURES_DOWN timeouts of its calls, at `at`.
fn time_out(h: &EngineHealth, at: u64) {
    for _ in 0..CALL_FAILURES_DOWN {
        h.call_ended(Outcome::Timeout, at);
    }
    assert!(!h.is_up());
}

#[test]
fn a_change_is_reported_once_whoever_made_it() {
    let h = health();
    let change = |at| h.unreported(at).change;
    assert_eq!(change(11), None, "assumed up, as reported");
    for at in 20..20 + u64::from(CALL_FAILURES_DOWN) {
        h.call_ended(Outcome::Connect, at);
    }
    assert_eq!(change(25), Some(false), "down by its calls");
    h.probed(Some(Failure::Connect), 30);
    assert_eq!(change(31), None, "still down: said already");
    h.probed(None, 40);
    assert_eq!(change(41), Some(true));
    assert_eq!(change(42), None);
}

#[test]
fn an_engine_flapping_between_two_looks_is_reported_once_per_interval() {
    // Its calls time out and take it down, a later call is answered and brings it up: each
    // look after a probe finds it up, as the logs last said. The round trip is not lost.
    let h = health();
    time_out(&h, 20);
    h.call_ended(Outcome::Ok, 30);
    let first = h.unreported(31);
    assert_eq!((first.up, first.change, first.flaps), (true, None, 1));
    assert_eq!(h.unreported(32).flaps, 0, "reported once");
    // It keeps flapping: held for the interval, then given together.
    for at in [40, 50, 60] {
        time_out(&h, at);
        h.call_ended(Outcome::Ok, at + 5);
        assert_eq!(h.unreported(at + 6).flaps, 0, "within the interval");
    }
    assert_eq!(h.unreported(31 + MINUTE).flaps, 3);
    assert_eq!(h.unreported(32 + 2 * MINUTE).flaps, 0, "calm");
    // After a calm spell the next flap is reported at once.
    time_out(&h, 3 * MINUTE);
    h.call_ended(Outcome::Ok, 3 * MINUTE + 5);
    assert_eq!(h.unreported(3 * MINUTE + 6).flaps, 1);
}

#[test]
fn round_trips_a_change_does_not_show_are_flaps() {
    let h = health();
    // Down, up, down between two looks: a change to down and one round trip.
    time_out(&h, 20);
    h.call_ended(Outcome::Ok, 21);
    time_out(&h, 22);
    let seen = h.unreported(23);
    assert_eq!((seen.up, seen.change, seen.flaps), (false, Some(false), 1));
    // Up, down, up: a change to up and one round trip (held: the last report was just now).
    h.call_ended(Outcome::Ok, 30);
    time_out(&h, 31);
    h.call_ended(Outcome::Ok, 32);
    let seen = h.unreported(33);
    assert_eq!((seen.up, seen.change, seen.flaps), (true, Some(true), 0));
    assert_eq!(h.unreported(23 + MINUTE).flaps, 1, "given when due");
    // A plain outage and its end: changes only.
    h.probed(Some(Failure::Connect), 2 * MINUTE);
    assert_eq!(h.unreported(2 * MINUTE + 1).flaps, 0);
    h.probed(None, 3 * MINUTE);
    let seen = h.unreported(3 * MINUTE + 1);
    assert_eq!((seen.change, seen.flaps), (Some(true), 0));
}

#[test]
fn starts_up_unchecked_with_the_gauge_at_one() {
    let h = health();
    let s = h.snapshot();
    assert!(s.up && !s.checked);
    assert_eq!((s.since_micros, s.last_error), (10, None));
    assert_eq!(gauge(&h), 1);
}

#[test]
fn one_failed_probe_flips_down_and_one_good_probe_flips_back() {
    let h = health();
    h.probed(Some(Failure::Connect), 20);
    let s = h.snapshot();
    assert!(!s.up && s.checked);
    assert_eq!(s.since_micros, 20);
    assert_eq!(s.last_error, Some((Failure::Connect, 20)));
    assert_eq!(gauge(&h), 0);
    // Still down: `since` stays at the flip.
    h.probed(Some(Failure::Tls), 30);
    assert_eq!(h.snapshot().since_micros, 20);
    h.probed(None, 40);
    let s = h.snapshot();
    assert!(s.up);
    assert_eq!(s.since_micros, 40);
    assert_eq!(s.last_error, Some((Failure::Tls, 30)), "history is kept");
    assert_eq!(gauge(&h), 1);
}

#[test]
fn calls_flip_down_after_consecutive_connect_failures_or_timeouts_only() {
    let h = health();
    h.call_ended(Outcome::Connect, 1);
    h.call_ended(Outcome::Timeout, 2);
    assert!(h.is_up(), "two failures are not enough");
    // An answer in between resets the streak, whatever its status.
    h.call_ended(Outcome::Status, 3);
    h.call_ended(Outcome::Connect, 4);
    h.call_ended(Outcome::Connect, 5);
    assert!(h.is_up());
    h.call_ended(Outcome::Timeout, 6);
    assert!(!h.is_up());
    assert_eq!(h.snapshot().since_micros, 6);
    assert_eq!(gauge(&h), 0);
    h.call_ended(Outcome::Invalid, 7);
    assert!(h.is_up(), "any answer shows it is reachable");
}

#[test]
fn an_answer_between_failures_resets_the_count_even_on_the_lock_free_path() {
    let h = health();
    h.call_ended(Outcome::Ok, 1);
    // Up, checked, clean: the next answer takes the lock-free path.
    h.call_ended(Outcome::Ok, 2);
    h.call_ended(Outcome::Connect, 3);
    // A failure was counted: this answer must reset it, not be skipped.
    h.call_ended(Outcome::Ok, 4);
    h.call_ended(Outcome::Connect, 5);
    h.call_ended(Outcome::Timeout, 6);
    assert!(
        h.is_up(),
        "two failures in a row since the last answer, not three"
    );
    h.call_ended(Outcome::Connect, 7);
    assert!(!h.is_up());
    // Down: an answer is never skipped and brings it back.
    h.call_ended(Outcome::Ok, 8);
    assert!(h.is_up());
}

#[test]
fn overload_and_broken_connections_say_nothing() {
    let h = health();
    for _ in 0..10 {
        h.call_ended(Outcome::Overloaded, 1);
        h.call_ended(Outcome::Io, 2);
    }
    let s = h.snapshot();
    assert!(s.up && !s.checked);
    h.probed(Some(Failure::Resolve), 3);
    for _ in 0..10 {
        h.call_ended(Outcome::Io, 4);
    }
    assert!(!h.is_up(), "an i/o error does not bring it up either");
}

#[test]
fn failure_names_are_stable() {
    let names = [
        Failure::Resolve,
        Failure::Connect,
        Failure::Tls,
        Failure::Timeout,
    ]
    .map(Failure::as_str);
    assert_eq!(names, ["resolve", "connect", "tls", "timeout"]);
}

#[test]
fn a_probe_is_taken_only_while_the_health_is_about_its_endpoint() {
    let h = health();
    assert_eq!(h.place("127.0.0.1:9"), Ok(()));
    assert_eq!(h.place("127.0.0.1:9"), Ok(()));
    assert_eq!(h.place("127.0.0.1:10"), Err("127.0.0.1:9".to_owned()));
    let refused = |address: &str| ProbeError {
        kind: Failure::Connect,
        detail: format!("{address}: Connection refused (os error 111)"),
    };
    // A probe of another address says nothing of this engine.
    assert!(!h.probed_at("127.0.0.1:10", Some(&refused("127.0.0.1:10")), 20));
    assert!(!h.snapshot().checked);
    assert_eq!(h.last_error_detail(), None);
    assert!(h.probed_at("127.0.0.1:9", Some(&refused("127.0.0.1:9")), 30));
    assert!(!h.is_up());
    // The probe's words, with its address, beside the kind.
    assert_eq!(
        h.last_error_detail().as_deref(),
        Some("127.0.0.1:9: Connection refused (os error 111)")
    );
    // A call that then times out says so, with the engine's endpoint.
    h.call_ended(Outcome::Timeout, 35);
    assert_eq!(
        h.last_error_detail().as_deref(),
        Some("a call to 127.0.0.1:9: no answer within the call's timeout")
    );
    // Retired (the engine moved): nothing more is taken, whatever the address.
    h.retire();
    assert!(!h.probed_at("127.0.0.1:9", None, 40));
    assert!(!h.is_up());
}

#[test]
fn a_hung_engine_is_held_down_until_an_answer_or_the_hold_has_passed() {
    let hold = u64::try_from(TIMED_OUT_HOLD.as_micros()).unwrap();
    let h = health();
    time_out(&h, 20);
    // It accepts connections: its probes pass, and connecting is not what timed out.
    h.probed(None, 30);
    assert!(!h.is_up(), "held: no flap at every probe");
    // A call still in flight times out later: the hold runs from it.
    h.call_ended(Outcome::Timeout, 40);
    h.probed(None, 20 + hold);
    assert!(!h.is_up(), "held from the last timeout");
    // No timeout for the hold (no traffic, say): a probe brings it up again.
    h.probed(None, 40 + hold);
    assert!(h.is_up());
    // An answer brings it up at once.
    time_out(&h, 100 + hold);
    h.call_ended(Outcome::Ok, 101 + hold);
    assert!(h.is_up());
    // A failed probe (the engine restarting) ends the hold: its next good probe is news.
    time_out(&h, 200 + hold);
    h.probed(Some(Failure::Connect), 210 + hold);
    h.probed(None, 220 + hold);
    assert!(h.is_up());
}

/// A hung engine called less often than three times a probe interval: each passing connect probe
/// used to start the count of three again, so it stayed up while every call timed out.
#[test]
fn timeouts_spread_over_passing_probes_still_take_a_hung_engine_down() {
    let h = health();
    for second in 0..2 {
        h.call_ended(Outcome::Timeout, second * 2_000_000);
        h.probed(None, second * 2_000_000 + 1_000_000);
        assert!(h.is_up(), "two timeouts so far");
    }
    h.call_ended(Outcome::Timeout, 4_000_000);
    assert!(!h.is_up(), "the third in a row, probes between them");
    // A run of connect failures is still ended by a probe that connects.
    let h = health();
    for second in 0..3 {
        h.call_ended(Outcome::Connect, second * 2_000_000);
        h.probed(None, second * 2_000_000 + 1_000_000);
    }
    assert!(h.is_up());
}

/// Up again because its hold ran out and a probe connected is not "reachable again": whether it
/// answers is not known until a call is answered.
#[test]
fn up_by_an_expired_hold_is_told_apart_from_an_answer() {
    let hold = u64::try_from(TIMED_OUT_HOLD.as_micros()).unwrap();
    let h = health();
    time_out(&h, 20);
    h.unreported(21);
    h.probed(None, 20 + hold);
    let unreported = h.unreported(21 + hold);
    assert_eq!(unreported.change, Some(true));
    assert!(unreported.unanswered);
    h.call_ended(Outcome::Ok, 22 + hold);
    assert!(
        !h.unreported(23 + hold).unanswered,
        "an answer: known to answer"
    );
    // Up by an answer, or by a probe after connect failures: not this case.
    time_out(&h, 30 + hold);
    h.unreported(31 + hold);
    h.call_ended(Outcome::Ok, 32 + hold);
    assert!(!h.unreported(33 + hold).unanswered);
    h.probed(Some(Failure::Connect), 40 + hold);
    h.unreported(41 + hold);
    h.probed(None, 42 + hold);
    let unreported = h.unreported(43 + hold);
    assert_eq!(unreported.change, Some(true));
    assert!(!unreported.unanswered);
}
