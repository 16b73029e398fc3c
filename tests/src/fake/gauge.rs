//! A current/peak counter, so tests can assert a bound was respected.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Counts things in progress and remembers the most seen at once.
#[derive(Debug, Default, Clone)]
pub struct Gauge {
    inner: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    current: AtomicUsize,
    peak: AtomicUsize,
    total: AtomicUsize,
}

/// Holds one unit of a [`Gauge`]; released on drop, also when the holder is cancelled.
#[derive(Debug)]
pub struct GaugeGuard {
    inner: Arc<Counts>,
}

impl Gauge {
    /// Counts one more in progress until the guard is dropped.
    pub fn enter(&self) -> GaugeGuard {
        let now = self.inner.current.fetch_add(1, Ordering::SeqCst) + 1;
        self.inner.peak.fetch_max(now, Ordering::SeqCst);
        self.inner.total.fetch_add(1, Ordering::SeqCst);
        GaugeGuard {
            inner: self.inner.clone(),
        }
    }

    /// In progress now.
    pub fn current(&self) -> usize {
        self.inner.current.load(Ordering::SeqCst)
    }

    /// The most in progress at once so far.
    pub fn peak(&self) -> usize {
        self.inner.peak.load(Ordering::SeqCst)
    }

    /// How many were ever entered.
    pub fn total(&self) -> usize {
        self.inner.total.load(Ordering::SeqCst)
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.inner.current.fetch_sub(1, Ordering::SeqCst);
    }
}
