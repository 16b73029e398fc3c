//! The store as the gateway uses it: a sled directory, its writer thread and a reader.

use std::sync::Arc;

use super::commit::WriterOptions;
use super::config::StoreConfig;
use super::error::StoreError;
use super::reader::Reader;
use super::recorder::Recorder;
use super::sled_backend::{open_db, SledBackend};
use super::stats::StoreStats;
use super::writer::Writer;

/// An open store: send events through [`Store::recorder`], read through [`Store::reader`].
#[derive(Debug)]
pub struct Store {
    writer: Writer,
    reader: Reader,
}

impl Store {
    /// Opens (or creates) the store at `config.path` and starts its writer thread.
    pub fn open(config: &StoreConfig, options: WriterOptions) -> Result<Self, StoreError> {
        let problems = config.problems();
        if !problems.is_empty() {
            return Err(StoreError::Config { problems });
        }
        let db = open_db(&config.path)?;
        let reader = Reader::new(db.clone());
        let writer = Writer::spawn(Box::new(SledBackend::new(db)), config, options)?;
        Ok(Self { writer, reader })
    }

    /// A non-blocking handle for the gateway's tasks.
    pub fn recorder(&self) -> Recorder {
        self.writer.recorder()
    }

    /// Reads the same database the writer writes.
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// Drop, write and flush counts.
    pub fn stats(&self) -> &Arc<StoreStats> {
        self.writer.stats()
    }

    /// Flushes pending events and stops the writer; the returned reader stays usable.
    pub fn close(self) -> Reader {
        self.writer.close();
        self.reader
    }
}
