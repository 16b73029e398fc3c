//! The one sled database a gateway's writer and readers share, swapped when the writer reopens it.
//!
//! sled keeps the first I/O error it meets (a full disk, a device gone read-only) and fails every
//! later flush with it until the database is opened again. Reopening needs the directory lock,
//! which sled releases only when the last handle of the old database is gone, readers' handles
//! included. So nobody keeps a handle: the writer and every [`super::Reader`] take the current
//! database from this slot per operation, and the writer empties the slot before it reopens.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;

use super::config::StoreConfig;
use super::error::StoreError;
use super::snapshot_debris;

/// How often a reopen retries while a reader still holds the old database's lock, and how long
/// it waits between tries: a reader's query ends within milliseconds, but on a loaded machine
/// the last handle's drop (sled flushes it) can take a few hundred (200 ms was once too short in
/// CI), and the writer must not block for long: up to a second, while it is degraded anyway.
const LOCK_RETRIES: u32 = 100;
const LOCK_RETRY_WAIT: Duration = Duration::from_millis(10);

/// The sled settings the gateway opens its store with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SledSettings {
    /// sled's page cache, in bytes.
    pub(crate) cache_bytes: u64,
}

impl Default for SledSettings {
    /// What the CLI reads a stopped gateway's store with: the `[store]` default cache.
    fn default() -> Self {
        Self {
            cache_bytes: StoreConfig::default().cache_bytes(),
        }
    }
}

/// The current database of one store directory, or none while it cannot be opened.
#[derive(Debug)]
pub(crate) struct SharedDb {
    path: PathBuf,
    settings: SledSettings,
    current: ArcSwapOption<sled::Db>,
}

impl SharedDb {
    /// A slot for `path`, empty until [`SharedDb::reopen`] succeeds.
    pub(crate) fn empty(path: &Path, settings: SledSettings) -> Self {
        Self {
            path: path.to_path_buf(),
            settings,
            current: ArcSwapOption::empty(),
        }
    }

    /// The store directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The database as it is now; `None` while the store is not open.
    pub(crate) fn current(&self) -> Option<sled::Db> {
        self.current.load_full().map(|db| sled::Db::clone(&db))
    }

    /// The current database, or [`StoreError::Unavailable`].
    pub(crate) fn require(&self) -> Result<sled::Db, StoreError> {
        self.current().ok_or_else(|| StoreError::Unavailable {
            path: self.path.clone(),
        })
    }

    /// Drops this slot's handle: once every reader's query ends, sled releases the lock.
    pub(crate) fn clear(&self) {
        self.current.store(None);
    }

    /// Opens the database (again) and publishes it. The caller has dropped its own handles.
    pub(crate) fn reopen(&self) -> Result<sled::Db, StoreError> {
        self.clear();
        let mut tries = 0;
        let db = loop {
            match open_db(&self.path, self.settings) {
                Ok(db) => break db,
                // Our own old handle, still held by a reader finishing its query.
                Err(error) if error.is_locked() && tries < LOCK_RETRIES => {
                    tries += 1;
                    std::thread::sleep(LOCK_RETRY_WAIT);
                }
                Err(error) => return Err(error),
            }
        };
        self.current.store(Some(Arc::new(db.clone())));
        Ok(db)
    }
}

/// Opens the sled database at `path`, saying clearly when another process holds it.
///
/// sled's own flusher thread is off (`flush_every_ms(None)`): the writer flushes every group
/// commit itself, and a background flush would only add a thread that holds the database open.
///
/// sled 0.34 reads a snapshot a full disk left half-written as corruption; such snapshots are
/// removed and the open tried once more ([`super::snapshot_debris`]).
pub(crate) fn open_db(path: &Path, settings: SledSettings) -> Result<sled::Db, StoreError> {
    let open = || {
        sled::Config::new()
            .path(path)
            .cache_capacity(settings.cache_bytes)
            .flush_every_ms(None)
            .open()
    };
    let opened = match open() {
        Err(sled::Error::Corruption { .. })
            if snapshot_debris::remove_unfinished(path).is_ok_and(|removed| removed > 0) =>
        {
            open()
        }
        opened => opened,
    };
    opened.map_err(|source| {
        // sled has no read-only mode: it locks the directory, so a second process cannot
        // open it. Its error then is an `Os { code: 11, kind: WouldBlock, .. }` dump: said
        // plainly instead, each caller adding what to do about it.
        if source.to_string().contains("could not acquire lock") {
            return StoreError::Locked {
                path: path.to_path_buf(),
            };
        }
        StoreError::Open {
            path: path.to_path_buf(),
            hint: "check the path, permissions and free space",
            source,
        }
    })
}
