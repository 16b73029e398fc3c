//! [`Activity`]: the watchdog of one HTTP connection, closing it when it idles or stalls.
//!
//! hyper's own `http1::Builder::header_read_timeout` cannot serve both knobs: its timer starts
//! each time hyper begins reading a request head, which on a kept-alive connection is right after
//! the previous answer (hyper 1.x `proto/h1/conn.rs`, `poll_read_head`), so it also closes
//! kept-alive connections at the header timeout, and it does nothing for HTTP/2. This watchdog
//! works for both protocols from what the service sees:
//!
//! - before the first request: the connection must deliver a request head within
//!   `header_read_timeout` of opening (silent connections and slow headers are closed);
//! - with a request in flight: no deadline here (the body read and the engines have their own);
//! - after a request: the next one must start within `idle_timeout` of the last answer.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::time::{sleep_until, Instant};

use super::server::ServerLimits;
use crate::metrics::CloseReason;

/// Requests in flight and the time of the last answer on one connection; shared between the
/// service (through [`RequestGuard`]s) and the watchdog ([`Activity::expired`]).
///
/// Nothing wakes the watchdog: a request's start and end only update the state under its lock,
/// and the watchdog reads the state when its timer fires, sleeping again when the deadline has
/// moved. Waking it at every request's start and end (as this did first) cost the connection's
/// task two extra polls and a timer per request at the ceiling; its timer now fires at most once
/// per deadline.
#[derive(Debug)]
pub struct Activity {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    in_flight: usize,
    /// When the connection opened, or when its last request finished.
    since: Instant,
    /// Whether a request has finished on this connection (the idle deadline applies, not the
    /// header one).
    served: bool,
}

impl State {
    /// When the connection expires if nothing changes, and why; `None` while a request is in
    /// flight.
    fn deadline(&self, limits: &ServerLimits) -> Option<(Instant, CloseReason)> {
        match (self.in_flight, self.served) {
            (0, false) => Some((
                self.since + limits.header_read_timeout,
                CloseReason::HeaderReadTimeout,
            )),
            (0, true) => Some((self.since + limits.idle_timeout, CloseReason::IdleTimeout)),
            _ => None,
        }
    }
}

/// A request in flight; dropping it (answer produced, or request abandoned) restarts the idle
/// clock.
#[derive(Debug)]
#[must_use = "the request counts as in flight only while the guard lives"]
pub struct RequestGuard {
    activity: Arc<Activity>,
}

impl Activity {
    /// A connection that has just opened.
    pub fn new() -> Arc<Activity> {
        Arc::new(Activity {
            state: Mutex::new(State {
                in_flight: 0,
                since: Instant::now(),
                served: false,
            }),
        })
    }

    /// Marks a request as in flight until the guard is dropped.
    pub fn begin(self: &Arc<Self>) -> RequestGuard {
        self.lock().in_flight += 1;
        RequestGuard {
            activity: self.clone(),
        }
    }

    /// Resolves when the connection has had no request in flight for its deadline, with the
    /// reason to close it; pending forever while requests keep coming.
    pub async fn expired(&self, limits: &ServerLimits) -> CloseReason {
        // While a request is in flight the state is read again this often: its end starts the
        // idle clock, which cannot run out sooner than one idle timeout after that read.
        let recheck = limits.idle_timeout.min(limits.header_read_timeout);
        let first = self.lock().deadline(limits);
        let sleep = sleep_until(first.map_or_else(|| Instant::now() + recheck, |(at, _)| at));
        tokio::pin!(sleep);
        loop {
            sleep.as_mut().await;
            let now = Instant::now();
            match self.lock().deadline(limits) {
                Some((at, reason)) if at <= now => return reason,
                Some((at, _)) => sleep.as_mut().reset(at),
                None => sleep.as_mut().reset(now + recheck),
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent whatever panicked while holding it: plain counters.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let mut state = self.activity.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        state.since = Instant::now();
        state.served = true;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limits() -> ServerLimits {
        ServerLimits {
            max_connections: 1,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_connection_expires_at_the_header_timeout() {
        let activity = Activity::new();
        let start = Instant::now();
        assert_eq!(
            activity.expired(&limits()).await,
            CloseReason::HeaderReadTimeout
        );
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_request_the_idle_timeout_counts_from_its_answer() {
        let activity = Activity::new();
        let request = activity.begin();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(request);
        let answered = Instant::now();
        assert_eq!(activity.expired(&limits()).await, CloseReason::IdleTimeout);
        assert_eq!(answered.elapsed(), Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_flight_never_expires() {
        let activity = Activity::new();
        let _request = activity.begin();
        let waited =
            tokio::time::timeout(Duration::from_secs(3_600), activity.expired(&limits())).await;
        assert!(waited.is_err(), "expired with a request in flight");
    }

    #[tokio::test(start_paused = true)]
    async fn a_running_watchdog_follows_requests_it_is_not_told_about() {
        // The watchdog waits from the start; a request comes before the header deadline, ends
        // long after it, and the idle deadline counts from its end: nothing wakes the watchdog,
        // it reads the state when its timer fires.
        let activity = Activity::new();
        let start = Instant::now();
        let watchdog = {
            let activity = activity.clone();
            tokio::spawn(async move { activity.expired(&limits()).await })
        };
        tokio::time::sleep(Duration::from_secs(5)).await;
        let request = activity.begin();
        tokio::time::sleep(Duration::from_secs(45)).await;
        drop(request);
        assert!(!watchdog.is_finished(), "closed with a request in flight");
        assert_eq!(watchdog.await.unwrap(), CloseReason::IdleTimeout);
        assert_eq!(start.elapsed(), Duration::from_secs(50 + 60));
    }
}
