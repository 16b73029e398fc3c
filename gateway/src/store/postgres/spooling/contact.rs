//! The first contact with the database in a run: what a start with the database checks, made
//! when it first answers.
//!
//! Connecting takes the instance lock and migrates the schema ([`super::super::connect`]); then
//! this run is marked started if the start check could not ([`super::super::runs`]), a
//! spool forwarded just before a crash is recognised by its epoch and dropped, this instance's
//! totals are loaded, and every total counted from zero (by this run, started without the
//! database, or by an earlier one that stopped before it answered) is added to the instance's
//! (the cold entries become ordinary spool entries in one batch).

use std::collections::HashMap;
use std::time::Instant;

use super::SpoolingBackend;
use crate::store::backend::{Backend, BackendError, Space, Write};
use crate::store::postgres::cold::{is_tally, merge, Key};
use crate::store::postgres::error::Outage;
use crate::store::series::hour_of;
use crate::store::time::{Clock, SystemClock};

impl SpoolingBackend {
    /// Once per run, before any total is read from the spool: a spool whose epoch the database
    /// already holds was forwarded just before a crash and never removed; the database is newer.
    pub(super) fn settle(&mut self) -> Result<(), BackendError> {
        if self.checked {
            return Ok(());
        }
        self.mark_run()?;
        if self.spooling && self.db.forwarded_epoch()? == Some(self.spool.epoch()?) {
            let stale: Vec<Vec<u8>> = self.spool.totals()?.into_iter().map(|(k, _)| k).collect();
            self.spool.remove(&stale)?;
            self.spool.next_epoch()?;
            self.spooling = !self.spool.is_empty()?;
            tracing::info!("store: dropped the totals of a spool forwarded before a restart");
        }
        // While cold, `known` holds deltas: the database's totals start a new map.
        let mut known = if self.cold {
            HashMap::new()
        } else {
            self.known.clone()
        };
        self.preload(&mut known)?;
        // Not only while cold: a run started without the database may have stopped before it
        // answered, and its deltas wait in the spool for whichever run reaches it first. A run
        // that reached it at its start would otherwise load totals without them, write those
        // over them, and never forward them (they are not totals of the spool).
        let folded = self.fold_cold(&mut known)?;
        if self.cold {
            self.cold = false;
            tracing::info!("store: postgres answered; totals counted since the start are added to this instance's");
        } else if folded > 0 {
            tracing::info!(entries = folded, "store: totals counted from zero by an earlier run that never reached postgres are added to this instance's");
        }
        self.known = known;
        self.checked = true;
        Ok(())
    }

    /// Marks this run started if the start check could not ([`super::super::runs`]), and sets
    /// how the previous run ended (announced then, if it did not stop cleanly): the run's clean
    /// stop is then marked against it, and the next start finds it clean. What the spool kept
    /// of earlier runs the database could not be told of is used, then forgotten with this run's
    /// own entry.
    fn mark_run(&mut self) -> Result<(), BackendError> {
        let Some(run) = self.unmarked else {
            return Ok(());
        };
        let kept = self.spool.kept_runs(run)?;
        let previous = self.db.mark_started(run, &kept)?;
        self.unmarked = None;
        self.spool.forget_kept(&kept, run);
        if let Some(stats) = &self.stats {
            stats.set_previous_run(previous);
        }
        Ok(())
    }

    /// Loads this instance's totals (series: from the previous hour on) into `known`, and the
    /// spool's over them (newer): a total first counted during an outage (a new group) is then
    /// known to be new, instead of needing the database to say so.
    fn preload(&mut self, known: &mut HashMap<Key, Vec<u8>>) -> Result<(), BackendError> {
        let now = SystemClock.now_micros();
        self.series_from = hour_of(now).saturating_sub(1).to_be_bytes();
        for space in [
            Space::Counters,
            Space::Groups,
            Space::Suppressed,
            Space::Series,
        ] {
            let from: &[u8] = if space == Space::Series {
                &self.series_from
            } else {
                &[]
            };
            for (key, value) in self.db.totals(space, from)? {
                known.entry((space, key)).or_insert(value);
            }
        }
        for (_, write) in self.spool.totals()? {
            known.insert((write.space, write.key), write.value);
        }
        Ok(())
    }

    /// Adds every cold delta (this run's or an earlier run's) to its total (from `known`, loaded
    /// by [`Self::preload`]) and replaces the cold entries by the sums; the keys the ledger still
    /// counts from zero get their totals before the deltas as bases. Returns the entries folded.
    fn fold_cold(&mut self, known: &mut HashMap<Key, Vec<u8>>) -> Result<usize, BackendError> {
        let loaded = self.relative.loaded_keys();
        let mut starts: HashMap<Key, Option<Vec<u8>>> = HashMap::new();
        let (mut absolute, mut cold_keys) = (Vec::new(), Vec::new());
        for (spool_key, write) in self.spool.cold()? {
            let value = if is_tally(write.space) {
                let start = self.start_of(known, write.space, &write.key)?;
                let total = merge(write.space, start.as_deref(), &write.value)?;
                starts.insert((write.space, write.key.clone()), start);
                known.insert((write.space, write.key.clone()), total.clone());
                total
            } else {
                write.value
            };
            absolute.push(Write { value, ..write });
            cold_keys.push(spool_key);
        }
        let mut bases = HashMap::new();
        for key in loaded {
            let start = match starts.remove(&key) {
                Some(start) => start,
                None => self.start_of(known, key.0, &key.1)?,
            };
            if let Some(start) = start {
                bases.insert(key, start);
            }
        }
        if !cold_keys.is_empty() {
            self.spool.fold_cold(&absolute, &cold_keys)?;
        }
        self.relative.contacted(bases);
        Ok(cold_keys.len())
    }

    /// The total of a key before this run's deltas: loaded, or (an older hour) read.
    fn start_of(
        &mut self,
        known: &HashMap<Key, Vec<u8>>,
        space: Space,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, BackendError> {
        match known.get(&(space, key.to_vec())) {
            Some(value) => Ok(Some(value.clone())),
            None => self.older_total(space, key),
        }
    }

    /// A total [`Self::preload`] did not load: only an hour older than the previous one can be
    /// (a late event), from the spool or the database; any other key is new.
    pub(super) fn older_total(
        &mut self,
        space: Space,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, BackendError> {
        if space != Space::Series || key >= &self.series_from[..] {
            return Ok(None);
        }
        match self.spool.get(space, key)? {
            Some(value) => Ok(Some(value)),
            None => self.db.load(space, key),
        }
    }

    /// The database was not reached before the first comparison: spool from it on, totals
    /// counted from zero.
    pub(super) fn go_cold(&mut self, error: &BackendError) {
        let outage = Outage::of_backend(error);
        if !self.cold && outage != Outage::InstanceInUse {
            tracing::warn!(
                reason = outage.phrase(),
                %error,
                "store: postgres not reached at start ({}); spooling to the local store from the first comparison (totals counted from zero and added to this instance's when it answers)",
                outage.phrase()
            );
            // This line says why: the next report of the same outage is a minute away.
            self.reported.logged(Instant::now());
        }
        self.cold = true;
        self.spooling = true;
        self.spooling_since.get_or_insert_with(Instant::now);
        self.refused(error);
        self.next_try = Some(Instant::now() + self.retry);
        self.set_spooled();
    }

    /// Keeps `error`'s [`Outage::spooling_reason`] for the readiness detail: before the spooling
    /// flag is published ([`Self::set_spooled`]), so `/readyz` never shows spooling without it.
    pub(super) fn keep_reason(&self, error: &BackendError) {
        if let Some(stats) = &self.stats {
            stats.set_spooling_reason(Some(Outage::spooling_reason(error)));
        }
    }

    /// Keeps `error`'s [`Outage::spooling_reason`] as the spooling reason
    /// ([`crate::store::StoreStats::spooling_why`]), and says while spooling, at most once a
    /// minute, why and how many records wait. Another running gateway holding this instance's
    /// name is an error: nothing is forwarded meanwhile, as two writers of one instance's
    /// absolute totals would overwrite each other.
    pub(super) fn refused(&mut self, error: &BackendError) {
        // Every failed attempt passes here: the readiness detail says the latest reason.
        self.keep_reason(error);
        if !self.spooling || self.reported.note(Instant::now()).is_none() {
            return;
        }
        let outage = Outage::of_backend(error);
        if outage == Outage::InstanceInUse {
            tracing::error!(%error, records_in_spool = self.spooled_records, "store: another running gateway holds this gateway's instance name in the fleet's database; spooling locally and forwarding nothing until it is released (give every gateway its own store.postgres.instance)");
            return;
        }
        // The count is the spool's now, this line's time: the first line of an outage holds its
        // first batch only, so it says so, and the next line (a minute on) the count then.
        tracing::warn!(
            reason = outage.phrase(),
            %error,
            records_in_spool = self.spooled_records,
            "store spooling: {}; records and totals kept locally until it takes them ({} records in the spool now; said again once a minute while this lasts)",
            outage.phrase(),
            self.spooled_records
        );
    }
}
