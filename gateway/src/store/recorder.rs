//! The callers' side of the writer channel.
//!
//! Callers are the gateway's async tasks: they must never wait for the store, so sending is a
//! `try_send` and a full channel is a counted drop.

use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;

use super::event::Event;
use super::stats::{DropReason, StoreStats};

/// What travels on the writer channel.
pub(crate) enum Message {
    /// One comparison outcome.
    Event(Event),
    /// Flush what is pending and stop.
    Close,
}

/// Why an event was not accepted; it has already been counted in [`StoreStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Dropped {
    /// The writer's channel is full (counted as `channel_full`).
    #[error("store event dropped: the writer channel is full")]
    ChannelFull,
    /// The writer has stopped (counted as `write_error`).
    #[error("store event dropped: the writer has stopped")]
    Closed,
}

/// A cheap, cloneable handle that sends events to the writer without ever blocking.
#[derive(Clone)]
pub struct Recorder {
    tx: SyncSender<Message>,
    stats: Arc<StoreStats>,
}

impl Recorder {
    pub(crate) fn new(tx: SyncSender<Message>, stats: Arc<StoreStats>) -> Self {
        Self { tx, stats }
    }

    /// Hands `event` to the writer, or counts it as dropped and says why.
    pub fn record(&self, event: Event) -> Result<(), Dropped> {
        match self.tx.try_send(Message::Event(event)) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                self.stats.add_dropped(DropReason::ChannelFull, 1);
                Err(Dropped::ChannelFull)
            }
            Err(TrySendError::Disconnected(_)) => {
                self.stats.add_dropped(DropReason::WriteError, 1);
                Err(Dropped::Closed)
            }
        }
    }

    pub(crate) fn sender(&self) -> &SyncSender<Message> {
        &self.tx
    }

    /// The store's statistics.
    pub fn stats(&self) -> &Arc<StoreStats> {
        &self.stats
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").finish_non_exhaustive()
    }
}
