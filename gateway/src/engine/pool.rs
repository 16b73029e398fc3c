//! The idle side of both connection pools, and the one retry a stale connection may cost.
//!
//! Each engine client keeps its idle connections in a [`Pool`]: newest first, every one checked
//! against its [`Ages`] and for a close by the engine before it is handed out. A request that
//! fails on a reused connection before its answer started goes through [`Pool::retry_stale`],
//! which re-sends it once on a fresh connection when [`StalePhase::retry_allowed`] says so.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::error::EngineErrorKind;
use super::lifecycle::{Ages, ConnectionLifecycle};
use super::stale::{ConnectionEvents, NoEvents, StaleAction, StalePhase};
use super::tracked::{Mark, Traffic};
use super::Role;

/// A connection a [`Pool`] can hold.
pub(crate) trait Pooled {
    /// Its clock.
    fn ages(&self) -> &Ages;
    /// Its clock, to rest it when it goes back to the pool.
    fn ages_mut(&mut self) -> &mut Ages;
    /// Whether the engine closed it (or sent something unasked) while it was idle. May read from
    /// the connection (hence `&mut`): nobody polls an idle connection.
    fn is_closed(&mut self) -> bool;
}

/// Idle connections of one engine, with its lifecycle rules and its event sink.
pub(crate) struct Pool<C> {
    engine: Arc<str>,
    /// Locked only briefly, never across an await.
    idle: Mutex<Vec<C>>,
    lifecycle: ConnectionLifecycle,
    events: Arc<dyn ConnectionEvents>,
}

/// A failed attempt, and how far it got when it failed on a reused connection.
#[derive(Debug)]
pub(crate) struct Failure {
    /// What failed.
    pub(crate) kind: EngineErrorKind,
    /// Set when the connection was reused and no answer byte had arrived.
    pub(crate) stale: Option<StalePhase>,
}

impl Failure {
    /// An exchange that failed with `kind` on a connection with `ages` and `traffic`: stale when
    /// the connection was reused and no answer byte arrived since `mark` (taken before the write).
    pub(crate) fn of_exchange(
        kind: EngineErrorKind,
        ages: &Ages,
        traffic: &Traffic,
        mark: Mark,
    ) -> Failure {
        Failure {
            kind,
            stale: ages.reused().then(|| traffic.stale_phase(mark)).flatten(),
        }
    }
}

impl<C: Pooled> Pool<C> {
    /// An empty pool for the engine called `engine`.
    pub(crate) fn new(engine: Arc<str>, lifecycle: ConnectionLifecycle) -> Pool<C> {
        Pool {
            engine,
            idle: Mutex::new(Vec::new()),
            lifecycle,
            events: Arc::new(NoEvents),
        }
    }

    /// Sends stale-connection events to `events` from now on.
    pub(crate) fn set_events(&mut self, events: Arc<dyn ConnectionEvents>) {
        self.events = events;
    }

    /// The most recently used connection that may still be reused. Every expired idle connection
    /// is dropped (closed) on the way and counted; the one picked is checked for a close by the
    /// engine (one `recv` or one poll of its connection each), and one found closed is dropped and
    /// counted and the next picked.
    /// Checking every idle connection cost a syscall per idle connection per call; one closed by
    /// the engine and not picked stays until it is picked or expires (the idle timeout).
    pub(crate) fn take(&self, role: Role) -> Option<C> {
        self.take_from(role, Vec::pop)
    }

    /// Like [`Self::take`], but the least recently used connection (the next one a poll round
    /// visits: polled connections go back as the newest).
    pub(crate) fn take_oldest(&self, role: Role) -> Option<C> {
        self.take_from(role, |idle| (!idle.is_empty()).then(|| idle.remove(0)))
    }

    /// Idle connections right now (some may turn out expired when taken).
    pub(crate) fn idle_count(&self) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Drops expired connections, then takes the first one `pick` chooses that the engine has
    /// not closed.
    fn take_from(&self, role: Role, pick: impl Fn(&mut Vec<C>) -> Option<C>) -> Option<C> {
        let now = Instant::now();
        let mut dropped = Vec::new();
        let taken = {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            idle.retain(|connection| {
                let reusable = connection.ages().reusable(now, &self.lifecycle);
                if !reusable {
                    dropped.push(StalePhase::Expired);
                }
                reusable
            });
            loop {
                match pick(&mut idle) {
                    Some(mut connection) => {
                        if !connection.is_closed() {
                            break Some(connection);
                        }
                        dropped.push(StalePhase::IdleClosed);
                    }
                    None => break None,
                }
            }
        };
        for phase in dropped {
            self.note(role, phase, StaleAction::Discarded);
        }
        taken
    }

    /// Returns a connection after a clean exchange (or a fresh one): it may be reused for the idle
    /// timeout, or until the engine's `hint` (already shortened) if that is earlier.
    pub(crate) fn put(&self, mut connection: C, hint: Option<Duration>) {
        connection
            .ages_mut()
            .rest(Instant::now(), &self.lifecycle, hint);
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(connection);
    }

    /// Runs `attempt(false)` (a pooled connection, or a new one) and, when it failed stale and
    /// re-sending is allowed for `role`, `attempt(true)` once on a fresh connection. The caller
    /// bounds the whole thing with the call's deadline.
    pub(crate) async fn retry_stale<T, F, Fut>(
        &self,
        role: Role,
        attempt: F,
    ) -> Result<T, EngineErrorKind>
    where
        F: Fn(bool) -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let failure = match attempt(false).await {
            Ok(answer) => return Ok(answer),
            Err(failure) => failure,
        };
        let Some(phase) = failure.stale else {
            return Err(failure.kind);
        };
        if !phase.retry_allowed(role, self.lifecycle.retry_stale_live) {
            self.note(role, phase, StaleAction::Failed);
            return Err(failure.kind);
        }
        self.note(role, phase, StaleAction::Retried);
        attempt(true).await.map_err(|failure| failure.kind)
    }

    /// Where this pool's events go (shared with a dual-socket link of the same engine).
    pub(crate) fn events(&self) -> Arc<dyn ConnectionEvents> {
        self.events.clone()
    }

    /// Counts one poll of an idle connection.
    pub(crate) fn note_poll(&self, answered: bool) {
        self.events.polled(answered);
    }

    /// Logs and counts one stale-connection event.
    pub(crate) fn note(&self, role: Role, phase: StalePhase, action: StaleAction) {
        tracing::debug!(engine = %self.engine, %role, %phase, %action, "stale engine connection");
        self.events.stale(role, phase, action);
    }
}

impl<C> std::fmt::Debug for Pool<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("lifecycle", &self.lifecycle)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A connection that counts the probes made on it (each is a `recv` on a real socket).
    struct Fake {
        ages: Ages,
        closed: bool,
        probes: Arc<AtomicUsize>,
    }

    impl Pooled for Fake {
        fn ages(&self) -> &Ages {
            &self.ages
        }
        fn ages_mut(&mut self) -> &mut Ages {
            &mut self.ages
        }
        fn is_closed(&mut self) -> bool {
            self.probes.fetch_add(1, Ordering::Relaxed);
            self.closed
        }
    }

    #[test]
    fn taking_probes_only_what_it_hands_out_and_skips_what_the_engine_closed() {
        let pool = Pool::new("engine".into(), ConnectionLifecycle::default());
        let probes = Arc::new(AtomicUsize::new(0));
        for closed in [false, false, false, true] {
            let ages = Ages::new(Instant::now());
            let probes = probes.clone();
            pool.put(
                Fake {
                    ages,
                    closed,
                    probes,
                },
                None,
            );
        }
        // The newest was closed by the engine: dropped, and the next newest handed out.
        let taken = pool.take(Role::Live).map(|c| c.closed);
        assert_eq!(taken, Some(false));
        assert_eq!(probes.load(Ordering::Relaxed), 2, "two probes, not four");
        assert_eq!(pool.idle_count(), 2);
    }
}
