//! Starts and reloads as the audit trail records them ([`crate::cutover::link_start`],
//! [`crate::cutover::link_reload`]), and those the trail could not take, retried.
//!
//! A fleet's trail is in PostgreSQL: while the database is down a start or a reload still puts
//! its config in force (the trail is no reason to keep the old routing), but its entry, and the
//! check of its routing changes against the sign-offs, must wait. So each start or reload the
//! trail did not take is kept in order with the configs and the time it took effect
//! ([`Unrecorded`], at most [`KEPT`]), and retried every [`RETRY_INTERVAL`] off the live path
//! until the trail takes them: each its own entry, in order, saying when it took effect, so a
//! swap and its rollback within one outage are both recorded (and warned about when unsigned),
//! not netted out to "no routing change". A reload while some are kept records them first.
//! Beyond [`KEPT`] a reload is not kept (counted in a WARN); the next recorded entry still lists
//! everything changed since the trail's last entry of this gateway. A gateway stopped before
//! the database answers leaves the changes to its next start, which compares with the trail's
//! last entry too.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::ReloadSource;
use crate::config::Config;
use crate::cutover::{self, CutoverError};
use crate::pipeline::Gateway;
use crate::runtime::Runtime;
use crate::store::{format_micros, Clock, Reader, SystemClock};

/// How often a start or reload the audit trail did not take is tried again.
pub(crate) const RETRY_INTERVAL: Duration = Duration::from_secs(5);

/// Starts and reloads kept for the trail at most (one outage's worth of reloads by people).
pub(crate) const KEPT: usize = 64;

/// The audit trail's record of this gateway's starts and reloads.
#[derive(Clone)]
pub(crate) struct Trail {
    reader: Reader,
    unrecorded: Arc<Mutex<VecDeque<Unrecorded>>>,
}

/// A start or reload whose config took effect at `at_micros` and the audit trail has not
/// recorded.
#[derive(Clone)]
struct Unrecorded {
    what: Change,
    at_micros: u64,
}

/// What took effect.
#[derive(Clone)]
enum Change {
    /// A start with `config`.
    Start { config: Arc<Config> },
    /// A reload asked by `source` from the config `before` to `after` (the config before
    /// counts only when the trail records no routing of this gateway yet). Configs, not
    /// runtimes: a kept runtime would keep its engines' connection pools open.
    Reload {
        source: ReloadSource,
        before: Arc<Config>,
        after: Arc<Config>,
    },
}

impl Trail {
    /// The trail of `reader`'s store, nothing unrecorded.
    pub(crate) fn new(reader: Reader) -> Self {
        Self {
            reader,
            unrecorded: Arc::default(),
        }
    }

    /// Appends the reload from `before` to the config `gateway` runs now, after any start or
    /// reload kept before it; when the trail cannot take it, warns about each routing change it
    /// could not check against sign-offs and keeps it to retry. Called with the reload turn held.
    pub(super) fn record_reload(
        &self,
        gateway: &Gateway,
        before: &Arc<Runtime>,
        source: ReloadSource,
    ) {
        let after = gateway.runtime();
        let reload = Unrecorded {
            what: Change::Reload {
                source,
                before: before.config.clone(),
                after: after.config.clone(),
            },
            at_micros: SystemClock.now_micros(),
        };
        let error = match self.flush().and_then(|()| self.record(&reload, false)) {
            Ok(()) => return,
            Err(error) => error,
        };
        let (old, new) = (&before.config, &after.config);
        warn_unchecked(&error, old, new);
        tracing::error!(
            %error,
            "config reload not recorded in the audit trail; tried again every {}s until it \
             answers",
            RETRY_INTERVAL.as_secs()
        );
        self.keep(reload);
    }

    /// Appends the start with `config` when it is not the config the trail recorded last; when
    /// the trail cannot take it, keeps it to retry.
    pub(super) async fn record_start(&self, config: &Config) {
        let start = Unrecorded {
            what: Change::Start {
                config: Arc::new(config.clone()),
            },
            at_micros: SystemClock.now_micros(),
        };
        let (trail, recording) = (self.clone(), start.clone());
        // A sled read and a flushed append, or PostgreSQL's: off the async workers.
        let linked = tokio::task::spawn_blocking(move || trail.record(&recording, false)).await;
        let error = match linked {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error.to_string(),
            Err(error) => error.to_string(),
        };
        tracing::error!(
            %error,
            "start not recorded in the audit trail, its routing changes not checked against \
             sign-offs; tried again every {}s until it answers",
            RETRY_INTERVAL.as_secs()
        );
        self.keep(start);
    }

    /// Tries the unrecorded starts and reloads every [`RETRY_INTERVAL`] until the trail takes
    /// them, until `shutdown`.
    pub(super) async fn retry_loop(self, gateway: Arc<Gateway>, shutdown: CancellationToken) {
        let mut ticks = tokio::time::interval(RETRY_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            if self.kept().is_empty() {
                continue;
            }
            let (trail, gateway) = (self.clone(), gateway.clone());
            // Reads and appends block for up to the store's timeouts: off the async workers.
            let _ = tokio::task::spawn_blocking(move || {
                // A reload waits for at most one try, bounded by the store's timeouts.
                let _turn = gateway.reload_turn();
                // Still down: said once, at the failure; the next tick tries again.
                let _ = trail.flush();
            })
            .await;
        }
    }

    /// Records the kept starts and reloads, oldest first, each with the time it took effect;
    /// stops at the first the trail does not take (kept, with those after it).
    fn flush(&self) -> Result<(), CutoverError> {
        loop {
            let Some(next) = self.kept().front().cloned() else {
                return Ok(());
            };
            self.record(&next, true)?;
            self.kept().pop_front();
            let what = match next.what {
                Change::Start { .. } => "start",
                Change::Reload { .. } => "config reload",
            };
            tracing::info!(
                in_force_since = %format_micros(next.at_micros),
                "{what} recorded in the audit trail now that it answers"
            );
        }
    }

    /// Appends the entry of `unrecorded`; `late`: it took effect earlier, and says when.
    fn record(&self, unrecorded: &Unrecorded, late: bool) -> Result<(), CutoverError> {
        let now = SystemClock.now_micros();
        let in_force = late.then_some(unrecorded.at_micros);
        match &unrecorded.what {
            Change::Start { config } => {
                cutover::link_start_late(&self.reader, config, in_force, now).map(drop)
            }
            Change::Reload {
                source,
                before,
                after,
            } => cutover::link_reload_late(
                &self.reader,
                before,
                after,
                source.as_str(),
                in_force,
                now,
            )
            .map(drop),
        }
    }

    /// Keeps `unrecorded` for the retry, unless [`KEPT`] are kept already.
    fn keep(&self, unrecorded: Unrecorded) {
        let mut kept = self.kept();
        if kept.len() >= KEPT {
            tracing::warn!(
                kept = kept.len(),
                "{KEPT} starts and reloads already wait for the audit trail: this one is not kept; \
                 the next recorded entry lists what it changed with the rest"
            );
            return;
        }
        kept.push_back(unrecorded);
    }

    /// The unrecorded starts and reloads; a panic while they were held left a valid queue.
    fn kept(&self) -> std::sync::MutexGuard<'_, VecDeque<Unrecorded>> {
        self.unrecorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Warns about each routing change of a reload from `old` to `new` that needs a sign-off and
/// could not be checked against them (the trail could not be read): the entry, with its sign-off
/// or `unsigned`, comes when the database answers.
pub(super) fn warn_unchecked(error: &CutoverError, old: &Config, new: &Config) {
    for change in cutover::unchecked_changes(old, new) {
        tracing::warn!(
            strategy = %change.strategy,
            %error,
            "routing change at reload not checked against sign-offs, the audit trail cannot be \
             read: {}: {}; recorded when the database answers",
            change.strategy,
            change.engines()
        );
    }
}
