//! Reading the store: records by id or page, counters and groups.
//!
//! Works beside the writer in the gateway's process (reading the database the writer reopens
//! after a disk failure, through [`SharedDb`]) and on a stopped gateway's directory. Every query
//! takes the current database and lets go of it when it ends, so a reopen is never blocked for
//! long. The reader never creates trees: it only opens those that exist.
//!
//! With `store.backend = "postgres"` records and totals are read from the fleet's database
//! instead ([`super::postgres::FleetReader`]: every instance's rows, merged), and so are triage
//! states, the audit trail ([`Reader::ledger`]) and replay runs ([`Reader::replays`]); the local
//! directory then holds only what each gateway keeps for itself (its spool).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use super::backend::Space;
use super::chunk;
use super::codec;
use super::config::StoreConfig;
use super::counters::StrategyCounters;
use super::error::{AdminUrl, StoreError};
use super::group::Group;
use super::id::RecordId;
use super::postgres::{BackendKind, FleetReader, FleetView};
use super::query::{ListQuery, Page};
use super::record::MismatchRecord;
use super::series::{hour_start, parse_key, HourCounts, SeriesPoint};
use super::shared::{SharedDb, SledSettings};
use super::sled_backend::{
    segment_day, tree_name, COUNTERS_TREE, GROUPS_TREE, PAYLOADS_TREE, SERIES_TREE, SUPPRESSED_TREE,
};
use super::suppressed::SuppressionCounters;
use super::time::Day;

/// Read access to a store.
#[derive(Debug, Clone)]
pub struct Reader {
    shared: Arc<SharedDb>,
    /// The fleet's database, when `store.backend = "postgres"`: records and totals come from it.
    fleet: Option<Arc<FleetReader>>,
    /// Whether the local directory may be closed (a report beside a running gateway): local-only
    /// data is then refused as such rather than as a degraded store.
    local_optional: bool,
    /// Where the running gateway's admin API is, for errors that send the user there.
    admin: AdminUrl,
}

impl Reader {
    /// Opens the store directory of a stopped gateway. Fails with a clear error when a running
    /// gateway holds it: sled has no read-only mode and locks its directory.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if !path.is_dir() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        let shared = SharedDb::empty(path, SledSettings::default());
        shared.reopen()?;
        Ok(Self::new(Arc::new(shared)))
    }

    pub(crate) fn new(shared: Arc<SharedDb>) -> Self {
        Self {
            shared,
            fleet: None,
            local_optional: false,
            admin: AdminUrl::default(),
        }
    }

    /// Errors that send the user to the running gateway name its admin listener `address`
    /// (the config's, when it has one).
    pub fn with_admin_address(mut self, address: Option<SocketAddr>) -> Self {
        self.admin = AdminUrl(address);
        self
    }

    /// This gateway's reader, reading records and totals from the fleet's database.
    pub(crate) fn with_fleet(mut self, fleet: FleetReader) -> Self {
        self.fleet = Some(Arc::new(fleet));
        self
    }

    /// Opens the store of `config` for review: the directory `config.path` (as [`Reader::open`])
    /// or, with `backend = "postgres"`, the fleet's database, beside the local directory when it
    /// can be opened (a running gateway holds it: local-only data is then not shown). Connects
    /// at the first read.
    pub fn open_config(config: &StoreConfig) -> Result<Self, StoreError> {
        if config.backend == BackendKind::Sled {
            return Self::open(&config.path);
        }
        let shared = SharedDb::empty(&config.path, SledSettings::default());
        if config.path.is_dir() {
            if let Err(error) = shared.reopen() {
                tracing::debug!(%error, "local store not open: local-only data not shown");
            }
        }
        let mut reader =
            Self::new(Arc::new(shared)).with_fleet(FleetReader::new(&config.postgres)?);
        reader.local_optional = true;
        Ok(reader)
    }

    /// The fleet's database and each instance's share of the totals; `None` for a sled store.
    pub fn fleet(&self) -> Result<Option<FleetView>, StoreError> {
        self.fleet.as_ref().map(|fleet| fleet.view()).transpose()
    }

    /// The fleet's database this reader reads, if it reads one.
    pub(crate) fn fleet_reader(&self) -> Option<Arc<FleetReader>> {
        self.fleet.clone()
    }

    /// Where triage values and the audit trail are kept: the fleet's database when this reader
    /// reads one, else the directory ([`crate::triage::TriageLedger`]).
    pub(crate) fn ledger(&self) -> Result<crate::triage::TriageLedger, StoreError> {
        crate::triage::TriageLedger::of(self)
    }

    /// The open database, for the workflow state kept beside the writer's trees by a gateway
    /// without a fleet (triage, replay runs): a fleet's is in its database.
    pub(crate) fn db(&self) -> Result<sled::Db, StoreError> {
        match self.shared.current() {
            Some(db) => Ok(db),
            None if self.local_optional => Err(StoreError::LocalOnly {
                what: "replay runs",
                path: self.shared.path().to_path_buf(),
                admin: self.admin,
            }),
            None => self.shared.require(),
        }
    }

    /// The record `id`, if it exists (and has not expired): it is in the chunk with the greatest
    /// key at or before `id` in its day.
    pub fn get(&self, id: RecordId) -> Result<Option<MismatchRecord>, StoreError> {
        if let Some(fleet) = &self.fleet {
            return fleet.get(id);
        }
        let name = tree_name(Space::Records(id.day()));
        let db = self.shared.require()?;
        let Some(tree) = existing(&db, &name)? else {
            return Ok(None);
        };
        let read = |source| StoreError::Read {
            tree: name.clone(),
            source,
        };
        let Some((key, value)) = tree
            .range(..=id.to_key())
            .next_back()
            .transpose()
            .map_err(read)?
        else {
            return Ok(None);
        };
        let first = RecordId::from_key(&key);
        let span = chunk::span("record", &key, &value)
            .map_err(|source| decode_error(&name, first, id, source))?;
        if span.last_key < id.to_key() {
            return Ok(None);
        }
        let records = decode_chunk(&name, first, id, &value)?;
        Ok(records.into_iter().find(|record| record.id == id))
    }

    /// The sealed raw payload of record `id` ([`super::payload`]), if one was stored.
    pub fn sealed_payload(&self, id: RecordId) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(fleet) = &self.fleet {
            return fleet.sealed_payload(id);
        }
        let db = self.shared.require()?;
        let Some(tree) = existing(&db, PAYLOADS_TREE)? else {
            return Ok(None);
        };
        let value = tree.get(id.to_key()).map_err(|source| StoreError::Read {
            tree: PAYLOADS_TREE.to_owned(),
            source,
        })?;
        Ok(value.map(|v| v.to_vec()))
    }

    /// One page of records matching `query`. The first chunk read may start before the page's
    /// lower bound and the last may end after its upper one: records are bounded one by one.
    pub fn list(&self, query: &ListQuery) -> Result<Page, StoreError> {
        if let Some(fleet) = &self.fleet {
            return fleet.list(query);
        }
        let size = query.page_size();
        let (lower, upper) = query.key_bounds();
        let db = self.shared.require()?;
        let names = db.tree_names();
        let mut days: Vec<Day> = names.iter().filter_map(|n| segment_day(n)).collect();
        days.retain(|day| *day >= lower.day() && upper.is_none_or(|u| *day <= u.day()));
        days.sort_unstable();
        if query.newest_first {
            days.reverse();
        }
        let within = |id: RecordId| id >= lower && upper.is_none_or(|u| id < u);
        let mut records = Vec::new();
        for day in days {
            let name = tree_name(Space::Records(day));
            let Some(tree) = existing_in(&db, &names, &name)? else {
                continue;
            };
            let read = |source| StoreError::Read {
                tree: name.clone(),
                source,
            };
            // The chunk holding `lower` starts at or before it.
            let start = match tree.range(..=lower.to_key()).next_back() {
                Some(entry) => entry.map_err(read)?.0,
                None => sled::IVec::from(&lower.to_key()),
            };
            let range = match upper {
                Some(upper) => tree.range(start..sled::IVec::from(&upper.to_key())),
                None => tree.range(start..),
            };
            let entries: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> =
                if query.newest_first {
                    Box::new(range.rev())
                } else {
                    Box::new(range)
                };
            for entry in entries {
                let (key, value) = entry.map_err(read)?;
                let Some(first) = RecordId::from_key(&key) else {
                    continue;
                };
                let mut chunk = decode_chunk(&name, Some(first), first, &value)?;
                if query.newest_first {
                    chunk.reverse();
                }
                for record in chunk {
                    if !within(record.id) || !query.matches(&record) {
                        continue;
                    }
                    let id = record.id;
                    records.push(record);
                    if records.len() == size {
                        return Ok(Page {
                            records,
                            next: Some(id),
                        });
                    }
                }
            }
        }
        Ok(Page {
            records,
            next: None,
        })
    }

    /// Counters of every strategy, by name.
    pub fn summary(&self) -> Result<Vec<StrategyCounters>, StoreError> {
        if let Some(fleet) = &self.fleet {
            return fleet.summary();
        }
        self.scan(COUNTERS_TREE, b"")
    }

    /// What each rule hid, per strategy, by name.
    pub fn suppressed(&self) -> Result<Vec<SuppressionCounters>, StoreError> {
        if let Some(fleet) = &self.fleet {
            return fleet.suppressed();
        }
        self.scan(SUPPRESSED_TREE, b"")
    }

    /// Groups of `strategy`, most frequent first.
    pub fn groups(&self, strategy: &str) -> Result<Vec<Group>, StoreError> {
        if let Some(fleet) = &self.fleet {
            return fleet.groups(strategy);
        }
        let mut groups: Vec<Group> = self.scan(GROUPS_TREE, &Group::prefix(strategy))?;
        groups.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.signature.cmp(&b.signature))
        });
        Ok(groups)
    }

    /// Every strategy's and group's hourly counts from hour `from` (inclusive) to `until`
    /// (exclusive), oldest first.
    pub fn series(&self, from: u32, until: u32) -> Result<Vec<SeriesPoint>, StoreError> {
        if let Some(fleet) = &self.fleet {
            return fleet.series(from, until);
        }
        let db = self.shared.require()?;
        let Some(tree) = existing(&db, SERIES_TREE)? else {
            return Ok(Vec::new());
        };
        let read = |source| StoreError::Read {
            tree: SERIES_TREE.to_owned(),
            source,
        };
        let mut points = Vec::new();
        for entry in tree.range(hour_start(from)..hour_start(until)) {
            let (key, value) = entry.map_err(read)?;
            let rendered = || String::from_utf8_lossy(&key).replace('\0', " / ");
            let Some((hour, strategy, signature)) = parse_key(&key) else {
                tracing::warn!(key = %rendered(), "store series key not understood; skipped");
                continue;
            };
            let counts = codec::decode::<HourCounts>("series", &value).map_err(|source| {
                StoreError::Decode {
                    tree: SERIES_TREE.to_owned(),
                    key: rendered(),
                    source,
                }
            })?;
            points.push(SeriesPoint {
                hour,
                strategy,
                signature,
                counts,
            });
        }
        Ok(points)
    }

    pub(super) fn scan<T: serde::de::DeserializeOwned>(
        &self,
        tree_name: &str,
        prefix: &[u8],
    ) -> Result<Vec<T>, StoreError> {
        if let (Some(fleet), super::sled_backend::RECONCILES_TREE) = (&self.fleet, tree_name) {
            return self.fleet_runs(fleet, tree_name);
        }
        self.scan_local(tree_name, prefix)
    }

    /// Reconcile runs of a fleet: those in its database, then those of the local directory (where
    /// `shadowgate reconcile` writes them) when it is open here.
    fn fleet_runs<T: serde::de::DeserializeOwned>(
        &self,
        fleet: &FleetReader,
        tree_name: &str,
    ) -> Result<Vec<T>, StoreError> {
        let mut runs = Vec::new();
        let mut keys = std::collections::BTreeSet::new();
        for (key, value) in fleet.values("shadowgate_reconciles")? {
            runs.push(codec::decode("reconcile run", &value).map_err(|source| {
                StoreError::Decode {
                    tree: "shadowgate_reconciles".to_owned(),
                    key: String::from_utf8_lossy(&key).into_owned(),
                    source,
                }
            })?);
            keys.insert(key);
        }
        if let Some(db) = self.shared.current() {
            if let Some(tree) = existing(&db, tree_name)? {
                for entry in tree.iter() {
                    let (key, value) = entry.map_err(|source| StoreError::Read {
                        tree: tree_name.to_owned(),
                        source,
                    })?;
                    if keys.contains(key.as_ref()) {
                        continue;
                    }
                    runs.push(codec::decode("reconcile run", &value).map_err(|source| {
                        StoreError::Decode {
                            tree: tree_name.to_owned(),
                            key: String::from_utf8_lossy(&key).into_owned(),
                            source,
                        }
                    })?);
                }
            }
        }
        Ok(runs)
    }

    fn scan_local<T: serde::de::DeserializeOwned>(
        &self,
        tree_name: &str,
        prefix: &[u8],
    ) -> Result<Vec<T>, StoreError> {
        let db = self.shared.require()?;
        let Some(tree) = existing(&db, tree_name)? else {
            return Ok(Vec::new());
        };
        let what = match tree_name {
            COUNTERS_TREE => "counters",
            SUPPRESSED_TREE => "suppressed",
            super::sled_backend::RECONCILES_TREE => "reconcile run",
            _ => "group",
        };
        let read = |source| StoreError::Read {
            tree: tree_name.to_owned(),
            source,
        };
        tree.scan_prefix(prefix)
            .map(|entry| {
                let (key, value) = entry.map_err(read)?;
                codec::decode(what, &value).map_err(|source| StoreError::Decode {
                    tree: tree_name.to_owned(),
                    key: String::from_utf8_lossy(&key).replace('\0', " / "),
                    source,
                })
            })
            .collect()
    }
}

/// Opens `name` only if it exists: `open_tree` would create it.
fn existing(db: &sled::Db, name: &str) -> Result<Option<sled::Tree>, StoreError> {
    existing_in(db, &db.tree_names(), name)
}

/// [`existing`] against tree names already listed (one listing per query, not per day).
fn existing_in(
    db: &sled::Db,
    names: &[sled::IVec],
    name: &str,
) -> Result<Option<sled::Tree>, StoreError> {
    if !names.iter().any(|n| n == name.as_bytes()) {
        return Ok(None);
    }
    let tree = db.open_tree(name).map_err(|source| StoreError::Read {
        tree: name.to_owned(),
        source,
    })?;
    Ok(Some(tree))
}

/// The records of the value under `first` (a chunk, or one record of an older format), read
/// while looking for `id`.
fn decode_chunk(
    tree: &str,
    first: Option<RecordId>,
    id: RecordId,
    bytes: &[u8],
) -> Result<Vec<MismatchRecord>, StoreError> {
    chunk::decode_all("record", bytes).map_err(|source| decode_error(tree, first, id, source))
}

/// A value that could not be read, named by its key (the chunk's first id) or the id sought.
fn decode_error(
    tree: &str,
    first: Option<RecordId>,
    id: RecordId,
    source: codec::CodecError,
) -> StoreError {
    StoreError::Decode {
        tree: tree.to_owned(),
        key: first.unwrap_or(id).to_string(),
        source,
    }
}
