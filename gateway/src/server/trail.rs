//! Starts and reloads as the audit trail records them ([`crate::cutover::link_start`],
//! [`crate::cutover::link_reload`]), and the one the trail could not take, retried.
//!
//! A fleet's trail is in PostgreSQL: while the database is down a start or a reload still puts
//! its config in force (the trail is no reason to keep the old routing), but its entry, and the
//! check of its routing changes against the sign-offs, must wait. So a record that fails is kept
//! ([`Unrecorded`], one slot: the first one missed, as the baseline of what changed since) and
//! retried every [`RETRY_INTERVAL`] off the live path until the trail takes it; the record
//! compares the config in force then with what the trail last recorded for this gateway, so it
//! lists, links and warns about every change the trail missed, in one entry. A reload that is
//! recorded meanwhile does the same, and empties the slot. A gateway stopped before the database
//! answers leaves the changes to its next start, which compares with the trail's last entry too.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::ReloadSource;
use crate::config::Config;
use crate::cutover::{self, CutoverError};
use crate::pipeline::Gateway;
use crate::runtime::Runtime;
use crate::store::{Clock, Reader, SystemClock};

/// How often a start or reload the audit trail did not take is tried again.
pub(crate) const RETRY_INTERVAL: Duration = Duration::from_secs(5);

/// The audit trail's record of this gateway's starts and reloads.
#[derive(Clone)]
pub(crate) struct Trail {
    reader: Reader,
    unrecorded: Arc<Mutex<Option<Unrecorded>>>,
}

/// A start or reload whose config is in force and the audit trail has not recorded.
#[derive(Clone)]
enum Unrecorded {
    /// The start: its config is compared with the trail's last entry, as at any start.
    Start,
    /// A reload asked by `source` from the runtime `before` (its config counts only when the
    /// trail records no routing of this gateway yet).
    Reload {
        source: ReloadSource,
        before: Arc<Runtime>,
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

    /// Appends the reload from `before` to the config `gateway` runs now; when the trail cannot
    /// take it, warns about each routing change it could not check against sign-offs and keeps
    /// it to retry. Called with the reload turn held.
    pub(super) fn record_reload(
        &self,
        gateway: &Gateway,
        before: &Arc<Runtime>,
        source: ReloadSource,
    ) {
        let after = gateway.runtime();
        let now = SystemClock.now_micros();
        let (old, new) = (&before.config, &after.config);
        match cutover::link_reload(&self.reader, old, new, source.as_str(), now) {
            // It lists what a missed start or reload changed too.
            Ok(_) => drop(self.slot().take()),
            Err(error) => {
                warn_unchecked(&error, old, new);
                tracing::error!(
                    %error,
                    "config reload not recorded in the audit trail; tried again every {}s until \
                     it answers",
                    RETRY_INTERVAL.as_secs()
                );
                let before = before.clone();
                self.slot()
                    .get_or_insert(Unrecorded::Reload { source, before });
            }
        }
    }

    /// Appends the start with `config` when it is not the config the trail recorded last; when
    /// the trail cannot take it, keeps it to retry.
    pub(super) async fn record_start(&self, config: &Config) {
        let (reader, config) = (self.reader.clone(), config.clone());
        // A sled read and a flushed append, or PostgreSQL's: off the async workers.
        let linked = tokio::task::spawn_blocking(move || {
            cutover::link_start(&reader, &config, SystemClock.now_micros())
        })
        .await;
        let error = match linked {
            Ok(Ok(_)) => return,
            Ok(Err(error)) => error.to_string(),
            Err(error) => error.to_string(),
        };
        tracing::error!(
            %error,
            "start not recorded in the audit trail, its routing changes not checked against \
             sign-offs; tried again every {}s until it answers",
            RETRY_INTERVAL.as_secs()
        );
        self.slot().get_or_insert(Unrecorded::Start);
    }

    /// Tries the unrecorded start or reload every [`RETRY_INTERVAL`] until the trail takes it,
    /// until `shutdown`.
    pub(super) async fn retry_loop(self, gateway: Arc<Gateway>, shutdown: CancellationToken) {
        let mut ticks = tokio::time::interval(RETRY_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            if self.slot().is_none() {
                continue;
            }
            let (trail, gateway) = (self.clone(), gateway.clone());
            // Reads and appends block for up to the store's timeouts: off the async workers.
            let _ = tokio::task::spawn_blocking(move || trail.retry(&gateway)).await;
        }
    }

    /// Records the unrecorded start or reload against the config in force now, with the reload
    /// turn held (a reload waits for at most one try, bounded by the store's timeouts).
    fn retry(&self, gateway: &Gateway) {
        let _turn = gateway.reload_turn();
        let Some(unrecorded) = self.slot().clone() else {
            return;
        };
        let now = (gateway.runtime(), SystemClock.now_micros());
        let recorded = match &unrecorded {
            Unrecorded::Start => cutover::link_start(&self.reader, &now.0.config, now.1).map(drop),
            Unrecorded::Reload { source, before } => {
                let (old, new) = (&before.config, &now.0.config);
                cutover::link_reload(&self.reader, old, new, source.as_str(), now.1).map(drop)
            }
        };
        // Still down: said once, at the failure; the next tick tries again.
        if recorded.is_ok() {
            let what = match unrecorded {
                Unrecorded::Start => "start",
                Unrecorded::Reload { .. } => "config reload",
            };
            tracing::info!("{what} recorded in the audit trail now that it answers");
            drop(self.slot().take());
        }
    }

    /// The unrecorded start or reload; a panic while it was held left a valid `Option`.
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Unrecorded>> {
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
