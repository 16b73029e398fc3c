//! What the writer takes besides its config: a clock and an acknowledgement hook.

use std::sync::Arc;

use super::id::RecordId;
use super::time::{Clock, SystemClock};

/// Called by the writer thread with the ids of records that were just made durable.
pub type FlushHook = Arc<dyn Fn(&[RecordId]) + Send + Sync>;

/// What the writer takes besides its config: time and an acknowledgement hook.
#[derive(Clone)]
pub struct WriterOptions {
    /// Source of record times and retention decisions.
    pub clock: Arc<dyn Clock>,
    /// Told about every flushed record, in commit order.
    pub on_flush: Option<FlushHook>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            on_flush: None,
        }
    }
}

impl std::fmt::Debug for WriterOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterOptions")
            .field("on_flush", &self.on_flush.is_some())
            .finish()
    }
}
