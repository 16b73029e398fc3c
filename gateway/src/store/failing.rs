//! A backend that fails on demand, for testing degraded mode without filling a disk.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::backend::{Backend, BackendError, Space, Write};
use super::chunk;
use super::time::Day;

/// Committed values per space, in key order.
type Spaces = HashMap<Space, BTreeMap<Vec<u8>, Vec<u8>>>;

/// An in-memory backend whose commits and recoveries fail while its switch is on.
#[derive(Debug, Clone, Default)]
pub struct FailingBackend {
    /// While true, `commit` and `recover` fail as a full disk would.
    pub failing: Arc<AtomicBool>,
    /// Recoveries attempted.
    pub recoveries: Arc<AtomicU64>,
    data: Arc<Mutex<Spaces>>,
    /// The spaces of each commit's writes, in the order they were written.
    commits: Arc<Mutex<Vec<Vec<Space>>>>,
}

impl FailingBackend {
    /// The committed values of `space`, in key order.
    pub fn values(&self, space: Space) -> Vec<(Vec<u8>, Vec<u8>)> {
        let data = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        data.get(&space)
            .map(|values| values.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// The spaces each successful commit wrote to, in write order (one entry a write).
    pub fn commits(&self) -> Vec<Vec<Space>> {
        self.commits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn check(&self, operation: &str) -> Result<(), BackendError> {
        if self.failing.load(Ordering::SeqCst) {
            let full =
                std::io::Error::new(std::io::ErrorKind::StorageFull, "no space left on device");
            return Err(BackendError::new(operation, full));
        }
        Ok(())
    }
}

impl Backend for FailingBackend {
    fn load(&mut self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        let data = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(data.get(&space).and_then(|values| values.get(key)).cloned())
    }

    fn commit(&mut self, writes: Vec<Write>) -> Result<(), BackendError> {
        self.check("commit")?;
        let spaces = writes.iter().map(|write| write.space).collect();
        self.commits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(spaces);
        let mut data = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        for write in writes {
            data.entry(write.space)
                .or_default()
                .insert(write.key, write.value);
        }
        Ok(())
    }

    fn segments(&mut self) -> Result<Vec<Day>, BackendError> {
        let data = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(data
            .keys()
            .filter_map(|space| match space {
                Space::Records(day) => Some(*day),
                _ => None,
            })
            .collect())
    }

    fn last_record_key(&mut self) -> Result<Option<Vec<u8>>, BackendError> {
        let data = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        let mut newest = None;
        let last = data
            .iter()
            .filter(|(space, _)| matches!(space, Space::Records(_)))
            .filter_map(|(_, values)| values.iter().next_back());
        for (key, value) in last {
            let span = chunk::span("record", key, value)
                .map_err(|e| BackendError::new("read the last record", e))?;
            newest = newest.max(Some(span.last_key.to_vec()));
        }
        Ok(newest)
    }

    fn drop_segment(&mut self, day: Day) -> Result<u64, BackendError> {
        self.check("drop segment")?;
        let mut data = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        let removed = data.remove(&Space::Records(day)).unwrap_or_default();
        Ok(removed
            .iter()
            .map(|(key, value)| chunk::span("record", key, value).map_or(1, |span| span.count))
            .sum())
    }

    fn prune(&mut self, space: Space, before: &[u8]) -> Result<u64, BackendError> {
        self.check("prune")?;
        let mut data = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(values) = data.get_mut(&space) else {
            return Ok(0);
        };
        let kept = values.split_off(before);
        let removed = values.len() as u64;
        *values = kept;
        Ok(removed)
    }

    fn recover(&mut self) -> Result<(), BackendError> {
        self.recoveries.fetch_add(1, Ordering::SeqCst);
        self.check("recover")
    }
}
