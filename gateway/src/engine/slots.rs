//! The in-flight bound shared by both engine kinds: a caller waits for a free slot, but only
//! until its request deadline.

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::{timeout_at, Instant};

use super::error::EngineErrorKind;

/// `max` slots; a permit is one request in flight (HTTP) or one connection in use (MCI).
#[derive(Debug)]
pub(crate) struct Slots {
    semaphore: Semaphore,
    max: usize,
}

impl Slots {
    pub(crate) fn new(max: usize) -> Slots {
        Slots {
            semaphore: Semaphore::new(max),
            max,
        }
    }

    /// A slot, or `Overloaded` when none frees up before `deadline`. Waiting is fair (FIFO), so a
    /// burst is served in arrival order rather than starving early callers.
    pub(crate) async fn acquire(
        &self,
        started: Instant,
        deadline: Instant,
    ) -> Result<SemaphorePermit<'_>, EngineErrorKind> {
        match timeout_at(deadline, self.semaphore.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; a closed one means no slot either.
            Ok(Err(_)) | Err(_) => Err(EngineErrorKind::Overloaded {
                max_in_flight: self.max,
                waited: started.elapsed(),
            }),
        }
    }

    /// Slots in all.
    pub(crate) fn capacity(&self) -> usize {
        self.max
    }

    /// A slot if one is free now (background work that must not wait or crowd out callers).
    pub(crate) fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.semaphore.try_acquire().ok()
    }

    /// The semaphore, so unit tests can occupy every slot without a network peer.
    #[cfg(test)]
    pub(crate) fn semaphore(&self) -> &Semaphore {
        &self.semaphore
    }
}
