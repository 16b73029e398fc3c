//! Holding every worker busy (test support), so that a test fills the queue without racing them.

use std::sync::mpsc;

use super::pool::{Job, ShadowWorkers};

/// Every worker held busy until this is dropped (see
/// [`Gateway::hold_shadow_workers`](crate::pipeline::Gateway::hold_shadow_workers)).
#[derive(Debug)]
pub struct ShadowHold {
    _release: Vec<mpsc::Sender<()>>,
}

impl ShadowWorkers {
    /// Occupies every worker with a job that waits for the returned guard to drop, and returns
    /// once each has started: later jobs wait in the queue, so a test can fill it without
    /// racing the workers. `None` when a worker did not start its job within `within`.
    pub fn hold(&self, within: std::time::Duration) -> Option<ShadowHold> {
        let (started_tx, started) = mpsc::channel();
        let mut release = Vec::new();
        for _ in 0..self.workers {
            let (release_tx, released) = mpsc::channel::<()>();
            let started_tx = started_tx.clone();
            let job: Job = Box::new(move || {
                let _ = started_tx.send(());
                let _ = released.recv();
            });
            self.submit(job).ok()?;
            release.push(release_tx);
        }
        for _ in 0..self.workers {
            started.recv_timeout(within).ok()?;
        }
        Some(ShadowHold { _release: release })
    }
}
