//! [`EngineHealth`]: whether one engine is reachable, from real call outcomes and connect probes.
//!
//! The rules (README, "Operating it"), chosen so a dead live engine is reported within one probe
//! interval plus its connect timeout (3 s with the defaults), and so one slow request does not
//! flip an engine:
//! - **down** after a failed connect probe (the TCP connect or the TLS handshake failed or timed
//!   out), or after [`CALL_FAILURES_DOWN`] calls in a row failed to connect or timed out;
//! - **up** after any answer from the engine (an HTTP 500 or an answer that does not fit the
//!   contract shows it is reachable), or after a successful probe — but see the hold below;
//! - neither: calls refused by our own in-flight bound (`overloaded`) and connections that broke
//!   mid-exchange (`io`: a stale pooled connection says nothing about the engine).
//!
//! A hung engine accepts connections but never answers: its calls time out and take it down,
//! and a connect probe, which sends no request, passes. A passing probe therefore does not end a
//! run of timeouts either (it ends a run of connect failures): called once a second with a 3 s
//! timeout, a hung engine would otherwise never reach three in a row between two probes and stay
//! up while every call times out. Were the probe enough to bring it up,
//! `/readyz` would flap at every probe interval (and a load balancer that takes the gateway out
//! on a 503 would put it back at once, into the same timeouts). So an engine that is down while
//! its calls time out is **held** down for [`TIMED_OUT_HOLD`] after its last timeout: what brings
//! it up meanwhile is what exercises what timed out, an answer to a call; a probe that fails
//! ends the hold (the engine is restarting: its next successful probe is news); once the hold
//! has passed without a timeout a successful probe brings it up again, so a gateway that no
//! longer gets traffic (taken out of rotation, no calls to answer) does not stay unready for
//! ever. The timeouts stay visible in `last_error` and `upstream_requests_total{outcome="timeout"}`.
//! Round trips the probe task does not see (down by timeouts and up by an answer between two
//! looks, say) are counted ([`Unreported::flaps`]) and reported at most once per
//! [`FLAPS_REPORTED_EVERY`], never per call.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use prometheus::IntGauge;

use super::probe::ProbeError;
use super::Outcome;

/// Consecutive connect failures or timeouts of real calls that flip an engine down.
pub const CALL_FAILURES_DOWN: u32 = 3;

/// How long an engine its calls' timeouts keep down stays down whatever its connect probes say,
/// counted from its last timeout (see the module docs): longer than a few probe intervals and
/// a load balancer's rise checks, so a hung engine is retried by real traffic a couple of times a
/// minute at most, not at every probe.
pub const TIMED_OUT_HOLD: Duration = Duration::from_secs(30);

/// How often at most an engine's unseen round trips are reported ([`Unreported::flaps`]); the
/// first after a calm spell is reported at once.
pub const FLAPS_REPORTED_EVERY: Duration = Duration::from_secs(60);

/// Why an engine was last seen failing: a closed set, shown on the report and `/readyz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Failure {
    /// The engine's host name does not resolve (or the address is not `host:port`).
    Resolve,
    /// The TCP connect failed (refused, unreachable) or timed out.
    Connect,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// A call got no answer within its deadline.
    Timeout,
}

impl Failure {
    /// The name shown on the report and in `/readyz`.
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Resolve => "resolve",
            Failure::Connect => "connect",
            Failure::Tls => "tls",
            Failure::Timeout => "timeout",
        }
    }
}

/// One engine's state at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthSnapshot {
    /// Reachable as far as the gateway knows.
    pub up: bool,
    /// Whether a probe or a call has told anything yet (before that, `up` is assumed).
    pub checked: bool,
    /// Unix microseconds of the last change of `up` (or of the first check).
    pub since_micros: u64,
    /// The last failure seen, and when, whatever the state now.
    pub last_error: Option<(Failure, u64)>,
}

/// What the logs have not said about an engine yet ([`EngineHealth::unreported`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreported {
    /// Whether the engine is up now.
    pub up: bool,
    /// `Some(up)` when that is not the state the logs last gave.
    pub change: Option<bool>,
    /// Round trips that `change` does not show: times the engine went down and came back (or
    /// came back and went down) since the logs last said; 0 while there were none or while
    /// [`FLAPS_REPORTED_EVERY`] has not passed since they were last reported (they wait).
    pub flaps: u64,
    /// Up because its hold ran out ([`TIMED_OUT_HOLD`] without a timeout) and a probe connected,
    /// with no call answered since its timeouts: it connects, whether it answers is not known.
    pub unanswered: bool,
}

/// The health of one engine, shared by every runtime generation that has the engine (a reload
/// keeps it) and by the probe task. `shadowgate_engine_up{engine}` follows it.
#[derive(Debug)]
pub struct EngineHealth {
    state: Mutex<State>,
    /// Up, checked, no failure counted and not [`Unreported::unanswered`]: an answer then changes
    /// nothing, so the call path skips the lock (every engine call reports here).
    clean_up: AtomicBool,
}

#[derive(Debug)]
struct State {
    snapshot: HealthSnapshot,
    /// Its `engine_up{engine}` series; `None` while the config has no such engine (a reload
    /// removed it: [`EngineHealth::unexport`]), so a removed engine is not exported for ever.
    gauge: Option<IntGauge>,
    /// Calls in a row that failed to connect or timed out.
    failures: u32,
    /// The last of those `failures` timed out: a connect probe does not exercise what timed out,
    /// so it does not end the run (only an answer does), or a hung engine called less often than
    /// three times a probe interval would never be found down.
    timing_out: bool,
    /// Brought up by a probe once its hold ran out, no call answered since ([`Unreported`]).
    unanswered: bool,
    /// Times the engine went from up to down.
    downs: u64,
    /// What the logs last said ([`EngineHealth::unreported`]).
    reported: Reported,
    /// Replaced by a fresh health for the engine's new address ([`EngineHealth::retire`]): calls
    /// still in flight to the old address end here, and no longer move the gauge.
    retired: bool,
    /// Unix microseconds until which a successful probe does not bring the engine up: it is down
    /// while its calls time out ([`TIMED_OUT_HOLD`]).
    held_until: Option<u64>,
    /// The endpoint (`EngineSpec::endpoint`) this state is about, once a runtime placed the engine
    /// there ([`EngineHealth::place`]): a probe of another is not about this engine's state.
    endpoint: Option<String>,
    /// The probe's words when `snapshot.last_error` came from a probe (`127.0.0.1:9: Connection
    /// refused (os error 111)`); `None` when it came from a call, whose words are derived from
    /// its kind and `endpoint` when asked ([`EngineHealth::last_error_detail`]), so a failing
    /// call formats nothing. Kept beside the snapshot, which is `Copy` and read on every call.
    probe_error: Option<String>,
}

#[derive(Debug)]
struct Reported {
    /// The state they gave.
    up: bool,
    /// `State::downs` they accounted for, as a change or as flaps.
    downs: u64,
    /// Unix microseconds of the last report of flaps.
    flaps_at: Option<u64>,
}

impl EngineHealth {
    /// A new engine, assumed up until a probe or a call says otherwise; sets `gauge` to 1.
    pub fn new(gauge: IntGauge, now_micros: u64) -> Self {
        gauge.set(1);
        EngineHealth {
            clean_up: AtomicBool::new(false),
            state: Mutex::new(State {
                gauge: Some(gauge),
                snapshot: HealthSnapshot {
                    up: true,
                    checked: false,
                    since_micros: now_micros,
                    last_error: None,
                },
                failures: 0,
                downs: 0,
                reported: Reported {
                    up: true,
                    downs: 0,
                    flaps_at: None,
                },
                retired: false,
                timing_out: false,
                unanswered: false,
                held_until: None,
                endpoint: None,
                probe_error: None,
            }),
        }
    }

    /// Stops this health moving the `engine_up` gauge: the engine's address changed and a fresh
    /// health follows the new one (calls in flight to the old address still end here).
    pub fn retire(&self) {
        self.lock().retired = true;
    }

    /// Stops exporting this health: a reload removed the engine, and the caller removed its
    /// `engine_up` series. Kept (by name) in case a later reload adds the engine back.
    pub fn unexport(&self) {
        self.lock().gauge = None;
    }

    /// Exports this health again through `gauge` (the engine is back in the config), set to its
    /// state now; a health that is exported already keeps its gauge and `gauge` is not used.
    pub fn export(&self, gauge: impl FnOnce() -> IntGauge) {
        let mut state = self.lock();
        if state.gauge.is_none() && !state.retired {
            let gauge = gauge();
            gauge.set(i64::from(state.snapshot.up));
            state.gauge = Some(gauge);
        }
    }

    /// Whether this health has an `engine_up` series.
    pub fn is_exported(&self) -> bool {
        self.lock().gauge.is_some()
    }

    /// Places the engine at `endpoint` when this health is about no endpoint yet, or about that
    /// one; `Err` with the endpoint it is about when that is another (the engine moved: it needs a
    /// fresh health, and this one is retired).
    pub fn place(&self, endpoint: &str) -> Result<(), String> {
        let mut state = self.lock();
        match &state.endpoint {
            Some(about) if about != endpoint => Err(about.clone()),
            Some(_) => Ok(()),
            None => {
                state.endpoint = Some(endpoint.to_owned());
                Ok(())
            }
        }
    }

    /// The state now.
    pub fn snapshot(&self) -> HealthSnapshot {
        self.lock().snapshot
    }

    /// Whether the engine is up (or not yet checked).
    pub fn is_up(&self) -> bool {
        self.lock().snapshot.up
    }

    /// What the logs have not said yet at `now_micros`, taken as said. The probe task asks
    /// after each probe, so a change is logged once whoever made it: a probe, or real calls (a
    /// shadow engine under traffic goes down by its calls before any probe). Changes that
    /// cancel out between two looks (down by its calls' timeouts, up by an answer) are [`Unreported::flaps`], given at most once per [`FLAPS_REPORTED_EVERY`].
    pub fn unreported(&self, now_micros: u64) -> Unreported {
        let mut state = self.lock();
        let (up, downs) = (state.snapshot.up, state.downs);
        let unanswered = up && state.unanswered;
        let reported = &mut state.reported;
        let change = (reported.up != up).then_some(up);
        reported.up = up;
        // A change to down accounts for one of the downs; every other down is half of a round
        // trip the change does not show.
        if change == Some(false) {
            reported.downs = reported.downs.saturating_add(1);
        }
        let flaps = downs.saturating_sub(reported.downs);
        let every = u64::try_from(FLAPS_REPORTED_EVERY.as_micros()).unwrap_or(u64::MAX);
        let due = reported
            .flaps_at
            .is_none_or(|at| now_micros.saturating_sub(at) >= every);
        if flaps == 0 || !due {
            return Unreported {
                up,
                change,
                flaps: 0,
                unanswered,
            };
        }
        reported.downs = downs;
        reported.flaps_at = Some(now_micros);
        Unreported {
            up,
            change,
            flaps,
            unanswered,
        }
    }

    /// A real call ended with `outcome`: an answer brings the engine up; connect failures and
    /// timeouts count against it.
    pub fn call_ended(&self, outcome: Outcome, now_micros: u64) {
        match outcome {
            Outcome::Ok | Outcome::Status | Outcome::Invalid => {
                if !self.clean_up.load(Ordering::Acquire) {
                    self.reached(now_micros);
                }
            }
            Outcome::Connect => self.call_failed(Failure::Connect, now_micros),
            Outcome::Timeout => self.call_failed(Failure::Timeout, now_micros),
            Outcome::Io | Outcome::Overloaded => {}
        }
    }

    /// A connect probe ended: `None` when it connected (and shook hands), else why it failed.
    pub fn probed(&self, failure: Option<Failure>, now_micros: u64) {
        let mut state = self.lock();
        let failure = failure.map(|kind| (kind, format!("a probe failed: {}", kind.as_str())));
        self.take_probe(&mut state, failure, now_micros);
    }

    /// [`Self::probed`] for a probe of `endpoint`, taken only while this health is about it: a
    /// probe round that began before a reload moved the engine probed its old address, and what
    /// it found says nothing of the new one (nor of a retired health, whose gauge is another's).
    /// Whether it was taken.
    pub fn probed_at(&self, endpoint: &str, failure: Option<&ProbeError>, now_micros: u64) -> bool {
        let mut state = self.lock();
        let elsewhere = state.endpoint.as_deref().is_some_and(|e| e != endpoint);
        if state.retired || elsewhere {
            return false;
        }
        let failure = failure.map(|e| (e.kind, e.detail.clone()));
        self.take_probe(&mut state, failure, now_micros);
        true
    }

    /// The last failure in words with the address ([`HealthSnapshot::last_error`]'s kind
    /// alone says `connect`): for `GET /api/v1/health` and the report, behind the admin token.
    pub fn last_error_detail(&self) -> Option<String> {
        let state = self.lock();
        let (failure, _) = state.snapshot.last_error?;
        if let Some(words) = &state.probe_error {
            return Some(words.clone());
        }
        let met = match failure {
            Failure::Timeout => "no answer within the call's timeout",
            Failure::Connect => "could not connect",
            Failure::Resolve => "the name does not resolve",
            Failure::Tls => "the TLS handshake failed",
        };
        Some(match &state.endpoint {
            Some(endpoint) => format!("a call to {endpoint}: {met}"),
            None => format!("a call: {met}"),
        })
    }

    /// A probe's `failure`: its kind and its words.
    fn take_probe(&self, state: &mut State, failure: Option<(Failure, String)>, now_micros: u64) {
        match failure {
            // Connecting is not what timed out: a held engine stays down.
            None if state.held_until.is_some_and(|until| now_micros < until) => {}
            // Up, its calls timing out: the run of timeouts goes on.
            None if state.timing_out && state.snapshot.up => {}
            None => {
                state.unanswered = state.timing_out && !state.snapshot.up;
                state.failures = 0;
                state.timing_out = false;
                state.held_until = None;
                self.set(state, true, now_micros);
            }
            Some((failure, detail)) => {
                state.snapshot.last_error = Some((failure, now_micros));
                state.probe_error = Some(detail);
                state.held_until = None;
                self.set(state, false, now_micros);
            }
        }
    }

    fn reached(&self, now_micros: u64) {
        let mut state = self.lock();
        state.failures = 0;
        state.timing_out = false;
        state.unanswered = false;
        state.held_until = None;
        self.set(&mut state, true, now_micros);
    }

    fn call_failed(&self, failure: Failure, now_micros: u64) {
        let mut state = self.lock();
        state.failures = state.failures.saturating_add(1);
        state.timing_out = failure == Failure::Timeout;
        self.clean_up.store(false, Ordering::Release);
        state.snapshot.last_error = Some((failure, now_micros));
        state.probe_error = None;
        if state.failures >= CALL_FAILURES_DOWN {
            self.set(&mut state, false, now_micros);
        }
        if failure == Failure::Timeout && !state.snapshot.up {
            let hold = u64::try_from(TIMED_OUT_HOLD.as_micros()).unwrap_or(u64::MAX);
            state.held_until = Some(now_micros.saturating_add(hold));
        }
    }

    fn set(&self, state: &mut State, up: bool, now_micros: u64) {
        let snapshot = &mut state.snapshot;
        if snapshot.up != up || !snapshot.checked {
            snapshot.since_micros = now_micros;
        }
        if snapshot.up && !up {
            state.downs = state.downs.saturating_add(1);
        }
        snapshot.up = up;
        snapshot.checked = true;
        if !up {
            state.failures = 0;
        }
        self.clean_up.store(
            up && state.failures == 0 && !state.unanswered,
            Ordering::Release,
        );
        if let Some(gauge) = state.gauge.as_ref().filter(|_| !state.retired) {
            gauge.set(i64::from(up));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a few plain fields written whole: a panic elsewhere cannot leave it torn.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests;
