//! The writer thread: gathers events into batches and hands each batch to one group commit.
//!
//! A plain OS thread, not a tokio task: flushing blocks on the disk, and the gateway's runtime
//! must never wait for that.

use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::backend::Backend;
use super::commit::Committer;
use super::config::StoreConfig;
use super::error::StoreError;
use super::event::Event;
use super::keyring::KeyRing;
use super::options::WriterOptions;
use super::recorder::{Backlog, Message, Recorder};
use super::refused::Refused;
use super::stats::StoreStats;

/// How long an idle writer sleeps before it looks at retention and recovery again.
const IDLE_WAKE: Duration = Duration::from_millis(200);

/// The running writer thread; closing it flushes what is pending.
#[derive(Debug)]
pub struct Writer {
    recorder: Recorder,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts the writer thread over `backend`.
    pub fn spawn(
        backend: Box<dyn Backend>,
        config: &StoreConfig,
        options: WriterOptions,
    ) -> Result<Self, StoreError> {
        Self::spawn_with(backend, config, options, Box::new(|| {}))
    }

    /// [`Writer::spawn`], running `on_start` first on the new thread.
    pub fn spawn_with(
        backend: Box<dyn Backend>,
        config: &StoreConfig,
        options: WriterOptions,
        on_start: Box<dyn FnOnce() + Send>,
    ) -> Result<Self, StoreError> {
        let problems = config.problems();
        if !problems.is_empty() {
            return Err(StoreError::Config { problems });
        }
        let keys = match &config.encryption_key_file {
            Some(path) => Some(Arc::new(KeyRing::load(path).map_err(StoreError::Keys)?)),
            None => None,
        };
        let (tx, rx) = mpsc::sync_channel(config.channel_capacity);
        let stats = Arc::new(StoreStats::default());
        let mut backend = backend;
        backend.attach(Arc::clone(&stats));
        let refused = Arc::new(Refused::new(Arc::clone(&options.clock)));
        let committer = Committer::new(backend, config, options, Arc::clone(&stats), keys);
        let backlog = Arc::new(Backlog::new(config.batch_max_records));
        let batching = Batching {
            rx,
            max_events: config.batch_max_records,
            interval: config.flush_interval(),
            backlog: Arc::clone(&backlog),
            refused: Arc::clone(&refused),
        };
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || {
                on_start();
                batching.run(committer)
            })
            .map_err(StoreError::Spawn)?;
        backlog.wake(thread.thread().clone());
        Ok(Self {
            recorder: Recorder::with_backlog(tx, stats, backlog, refused),
            thread: Some(thread),
        })
    }

    /// A handle for sending events.
    pub fn recorder(&self) -> Recorder {
        self.recorder.clone()
    }

    /// The store's statistics.
    pub fn stats(&self) -> &Arc<StoreStats> {
        self.recorder.stats()
    }

    /// Flushes what is pending and waits for the thread to end.
    pub fn close(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(thread) = self.thread.take() {
            // A blocking send is fine here: shutdown may wait for the last batch, callers never
            // do. If it fails the thread is already gone and joining reports how it ended.
            let _ = self.recorder.sender().send(Message::Close);
            // The writer parks when idle instead of waiting on the channel (see the recorder).
            thread.thread().unpark();
            if thread.join().is_err() {
                tracing::error!("store writer thread panicked");
            }
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The receiving end: decides where one batch ends.
struct Batching {
    rx: Receiver<Message>,
    max_events: usize,
    interval: Duration,
    /// Counts what waits on `rx`; wakes this thread when a batch is full.
    backlog: Arc<Backlog>,
    /// What the recorders could not send (the channel full), taken into each commit.
    refused: Arc<Refused>,
}

impl Batching {
    fn run(self, mut committer: Committer) {
        committer.resume();
        committer.maintain();
        loop {
            let (events, closing) = self.gather();
            // Taken after the gather: a drop is tallied before the events sent after it.
            committer.refused(self.refused.take());
            committer.commit(events);
            committer.maintain();
            if closing {
                break;
            }
        }
        committer.close();
    }

    /// Waits for a first event, then collects more until the batch is full or its time is up.
    fn gather(&self) -> (Vec<Event>, bool) {
        let mut events = Vec::new();
        match self.first() {
            Ok(Message::Event(event)) => self.push(&mut events, event),
            Ok(Message::Close) | Err(TryRecvError::Disconnected) => return self.drain(events),
            Err(TryRecvError::Empty) => return (events, false),
        }
        let deadline = Instant::now() + self.interval;
        loop {
            // Take what is queued without blocking. Waiting on the channel for each event would
            // make every `record` wake this thread (a futex wake and two context switches per
            // comparison), and napping in short slices costs a wake per slice; parked, the thread
            // wakes once at the deadline, or when the recorders' backlog makes a full batch.
            while events.len() < self.max_events {
                match self.rx.try_recv() {
                    Ok(Message::Event(event)) => self.push(&mut events, event),
                    Ok(Message::Close) | Err(TryRecvError::Disconnected) => {
                        return self.drain(events)
                    }
                    Err(TryRecvError::Empty) => break,
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if events.len() >= self.max_events || left.is_zero() {
                return (events, false);
            }
            std::thread::park_timeout(left);
        }
    }

    /// The first message of a batch, parked (at most [`IDLE_WAKE`]) until a send wakes this thread
    /// when none waits. Not `recv_timeout`: a receiver blocked on the channel makes every send
    /// lock the channel's wake-up list (see the recorder's docs).
    fn first(&self) -> Result<Message, TryRecvError> {
        if let Ok(message) = self.rx.try_recv() {
            return Ok(message);
        }
        self.backlog.idle();
        let message = match self.rx.try_recv() {
            Err(TryRecvError::Empty) => {
                std::thread::park_timeout(IDLE_WAKE);
                self.rx.try_recv()
            }
            found => found,
        };
        self.backlog.busy();
        message
    }

    /// Takes one event into the batch.
    fn push(&self, events: &mut Vec<Event>, event: Event) {
        self.backlog.taken();
        events.push(event);
    }

    /// On close, takes what other recorders sent after the close message: it is counted too.
    fn drain(&self, mut events: Vec<Event>) -> (Vec<Event>, bool) {
        events.extend(self.rx.try_iter().filter_map(|message| match message {
            Message::Event(event) => Some(event),
            Message::Close => None,
        }));
        (events, true)
    }
}
