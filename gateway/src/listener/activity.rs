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

use tokio::sync::Notify;
use tokio::time::{sleep_until, Instant};

use super::server::ServerLimits;
use crate::metrics::CloseReason;

/// Requests in flight and the time of the last answer on one connection; shared between the
/// service (through [`RequestGuard`]s) and the watchdog ([`Activity::expired`]).
#[derive(Debug)]
pub struct Activity {
    state: Mutex<State>,
    changed: Notify,
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
            changed: Notify::new(),
        })
    }

    /// Marks a request as in flight until the guard is dropped.
    pub fn begin(self: &Arc<Self>) -> RequestGuard {
        self.lock().in_flight += 1;
        self.changed.notify_one();
        RequestGuard {
            activity: self.clone(),
        }
    }

    /// Resolves when the connection has had no request in flight for its deadline, with the
    /// reason to close it; pending forever while requests keep coming.
    pub async fn expired(&self, limits: &ServerLimits) -> CloseReason {
        loop {
            let deadline = {
                let state = self.lock();
                match (state.in_flight, state.served) {
                    (0, false) => Some((
                        state.since + limits.header_read_timeout,
                        CloseReason::HeaderReadTimeout,
                    )),
                    (0, true) => {
                        Some((state.since + limits.idle_timeout, CloseReason::IdleTimeout))
                    }
                    _ => None,
                }
            };
            // `notify_one` stores a permit, so a change between the read above and the wait
            // below is not missed: the wait returns at once and the deadline is recomputed.
            match deadline {
                Some((at, reason)) => tokio::select! {
                    () = sleep_until(at) => {
                        if self.lock().in_flight == 0 {
                            return reason;
                        }
                    }
                    () = self.changed.notified() => {}
                },
                None => self.changed.notified().await,
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
        {
            let mut state = self.activity.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            state.since = Instant::now();
            state.served = true;
        }
        self.activity.changed.notify_one();
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
}
