//! The callers' side of the writer channel.
//!
//! Callers are the gateway's async tasks: they must never wait for the store, so sending is a
//! `try_send` and a full channel is a counted drop: in `store_dropped_total`, and in its
//! strategy's totals through [`Refused`], which the writer takes into its next commit.
//!
//! The [`Backlog`] counts the events waiting on the channel, so that a writer gathering a batch
//! can sleep for the whole flush interval and still be woken as soon as a full batch waits: one
//! wake per batch instead of one per event or per polling slice.
//!
//! An idle writer does not block on the channel either: a receiver blocked there registers in
//! the channel's wake-up list, which every send then locks to wake it, and the writer runs in the
//! shadow's scheduling class (`SCHED_IDLE` with `scheduling = "idle"`), where a preemption inside
//! that lock would stall the live path's sends (skips are recorded from the live path). Instead it
//! raises [`Backlog`]'s idle flag and parks; the send that finds the flag raised lowers it and
//! unparks the writer (an atomic swap and a futex wake, no lock).

use std::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, OnceLock};
use std::thread::Thread;

use super::event::Event;
use super::refused::Refused;
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
    backlog: Arc<Backlog>,
    refused: Arc<Refused>,
}

/// Events sent and not yet taken by the writer, and the writer to wake when they make a batch.
#[derive(Debug)]
pub(crate) struct Backlog {
    queued: AtomicUsize,
    batch: usize,
    writer: OnceLock<Thread>,
    /// Raised by the writer before it parks with nothing to take; lowered by the send that
    /// wakes it.
    idle: AtomicBool,
}

impl Backlog {
    /// A backlog that wakes the writer (once [`Backlog::wake`] knows it) when `batch` events wait.
    pub(crate) fn new(batch: usize) -> Self {
        Self {
            queued: AtomicUsize::new(0),
            batch: batch.max(1),
            writer: OnceLock::new(),
            idle: AtomicBool::new(false),
        }
    }

    /// The thread to unpark when a batch is waiting.
    pub(crate) fn wake(&self, writer: Thread) {
        let _ = self.writer.set(writer);
    }

    /// One event is about to be sent; wakes the writer when it completes a batch.
    fn sending(&self) {
        // Exactly one sender sees each count, so a batch wakes the writer once.
        if self.queued.fetch_add(1, Ordering::Relaxed) + 1 == self.batch {
            if let Some(writer) = self.writer.get() {
                writer.unpark();
            }
        }
    }

    /// An event was sent: wakes the writer if it parked idle.
    fn sent(&self) {
        // Pairs with the fence in `idle`: either this sees the raised flag, or the writer sees
        // the event.
        fence(Ordering::SeqCst);
        if self.idle.load(Ordering::Relaxed) && self.idle.swap(false, Ordering::SeqCst) {
            if let Some(writer) = self.writer.get() {
                writer.unpark();
            }
        }
    }

    /// The writer is about to look at the channel a last time and park until a send.
    pub(crate) fn idle(&self) {
        self.idle.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }

    /// The writer is awake again (woken, timed out, or it found an event after all).
    pub(crate) fn busy(&self) {
        self.idle.store(false, Ordering::Relaxed);
    }

    /// An event counted by [`Backlog::sending`] was not sent after all, or was taken.
    pub(crate) fn taken(&self) {
        self.queued.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Recorder {
    /// A recorder over a channel with no writer to wake (tests read the channel themselves).
    #[cfg(test)]
    pub(crate) fn new(tx: SyncSender<Message>, stats: Arc<StoreStats>) -> Self {
        let refused = Arc::new(Refused::new(Arc::new(super::time::SystemClock)));
        Self::with_backlog(tx, stats, Arc::new(Backlog::new(usize::MAX)), refused)
    }

    /// A recorder whose sends are counted in `backlog` and whose refused events are tallied in
    /// `refused` (both shared with the writer).
    pub(crate) fn with_backlog(
        tx: SyncSender<Message>,
        stats: Arc<StoreStats>,
        backlog: Arc<Backlog>,
        refused: Arc<Refused>,
    ) -> Self {
        Self {
            tx,
            stats,
            backlog,
            refused,
        }
    }

    /// Hands `event` to the writer, or counts it as dropped and says why.
    pub fn record(&self, event: Event) -> Result<(), Dropped> {
        // Counted before the send: the writer may take the event (and count it off) first.
        self.backlog.sending();
        let sent = self.tx.try_send(Message::Event(event));
        if sent.is_err() {
            self.backlog.taken();
        }
        match sent {
            Ok(()) => {
                self.stats.events_accepted.fetch_add(1, Ordering::SeqCst);
                self.backlog.sent();
                Ok(())
            }
            Err(TrySendError::Full(message)) => {
                self.stats.add_dropped(DropReason::ChannelFull, 1);
                if let Message::Event(event) = &message {
                    self.refused.note(event);
                }
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
