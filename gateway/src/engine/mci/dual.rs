//! The dual-socket link of an `mci` engine: the gateway connects a request socket to the
//! engine's `address` and an answer socket to its `answer_address`; answers come back on the
//! answer socket in any order and are matched to their requests by correlation id.
//!
//! A request registers its id before it is written and waits for that id within its deadline.
//! A waiter that gives up (timeout, caller gone) once its frame started out leaves its id
//! reserved as *late* for [`LATE_WINDOW_FACTOR`] request timeouts: an answer for a late id is
//! counted as unmatched and dropped, and a new request with that id is refused meanwhile, so a
//! late answer can never reach a later request with the same id, nor (being matched by id) one
//! with another. An answer whose id nobody waits for is counted and dropped the same way.
//!
//! The readers of both sockets are tasks owned by the session: dropping the session (a broken
//! socket, the engine's client dropped by a reload that changed its settings) aborts them.
//! Transport acknowledgements the layout declares are counted when received, and an `ack` is
//! sent back for every answer read.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{timeout_at, Instant};
use tokio_util::codec::Decoder;

mod reader;

use self::reader::Reader;
use super::MciEngine;
use crate::engine::deadline::CallDeadline;
use crate::engine::error::EngineErrorKind;
use crate::link::LinkFrames;

/// A timed-out id stays reserved this many request timeouts.
pub(super) const LATE_WINDOW_FACTOR: u32 = 4;

/// Reserved late ids at most, per waiting slot; beyond it (after dropping expired ones) a
/// timed-out id is not reserved: its answer is still unmatched (nobody waits for that id), only
/// a new request reusing the id at once is no longer refused.
const LATE_PER_SLOT: usize = 16;

/// The dual-socket link of one engine.
pub(super) struct DualLink {
    answer_address: String,
    frames: Arc<dyn LinkFrames>,
    /// Requests waiting for their answer, and ids whose waiter gave up.
    waiters: Arc<Mutex<Waiters>>,
    /// The sockets; locked to connect and to write one whole frame, never to wait for an answer.
    session: tokio::sync::Mutex<Option<Session>>,
    late_window: Duration,
    late_cap: usize,
}

/// Requests waiting for their answer by correlation id, and ids whose waiter gave up (until
/// when they stay reserved).
#[derive(Default)]
pub(super) struct Waiters {
    waiting: HashMap<String, oneshot::Sender<Bytes>>,
    late: HashMap<String, Instant>,
}

struct Session {
    writer: OwnedWriteHalf,
    /// Set by a reader whose socket ended, or when a write was cut off mid-frame.
    broken: Arc<AtomicBool>,
    readers: [JoinHandle<()>; 2],
}

/// A registered request; when dropped unanswered its id becomes late.
struct Waiting {
    id: String,
    waiters: Arc<Mutex<Waiters>>,
    late_window: Duration,
    late_cap: usize,
    /// Until the write starts: dropped then (no connection, a timeout waiting for the socket),
    /// the id is simply released, since no answer can come.
    unsent: bool,
}

impl DualLink {
    pub(super) fn new(
        answer_address: String,
        frames: Arc<dyn LinkFrames>,
        request_timeout: Duration,
        max_in_flight: usize,
    ) -> DualLink {
        DualLink {
            answer_address,
            frames,
            waiters: Arc::default(),
            session: tokio::sync::Mutex::new(None),
            late_window: request_timeout * LATE_WINDOW_FACTOR,
            late_cap: max_in_flight.saturating_mul(LATE_PER_SLOT),
        }
    }

    /// Reserves `id` for one request.
    fn register(&self, id: String) -> Result<(oneshot::Receiver<Bytes>, Waiting), EngineErrorKind> {
        let now = Instant::now();
        let mut waiters = self.waiters.lock().unwrap_or_else(PoisonError::into_inner);
        waiters.late.retain(|_, until| *until > now);
        if waiters.waiting.contains_key(&id) || waiters.late.contains_key(&id) {
            return Err(EngineErrorKind::InvalidRequest {
                detail: format!(
                    "correlation id {id:?} is still in flight or awaits a late answer; \
                     a dual-socket link cannot tell two requests with one id apart"
                ),
            });
        }
        let (sender, receiver) = oneshot::channel();
        waiters.waiting.insert(id.clone(), sender);
        let waiting = Waiting {
            id,
            waiters: self.waiters.clone(),
            late_window: self.late_window,
            late_cap: self.late_cap,
            unsent: true,
        };
        Ok((receiver, waiting))
    }
}

impl<D> MciEngine<D>
where
    D: Decoder<Item = BytesMut> + Send + 'static,
    D::Error: Display,
{
    /// Registers `frame`'s id, writes the frame on the request socket (connecting both sockets
    /// first if needed) and waits for the answer with that id. The caller bounds it by
    /// `deadline`; dropping the future leaves the id late.
    pub(super) async fn call_dual(
        &self,
        dual: &DualLink,
        frame: &[u8],
        deadline: CallDeadline,
    ) -> Result<Bytes, EngineErrorKind> {
        let id = dual
            .frames
            .correlation(frame)
            .ok_or_else(|| EngineErrorKind::InvalidRequest {
                detail: "no correlation id in the frame (a dual-socket link matches by it)".into(),
            })?;
        let (answer, mut waiting) = dual.register(id)?;
        let mut session = dual.session.lock().await;
        if session
            .as_ref()
            .is_none_or(|s| s.broken.load(Ordering::Acquire))
        {
            // Dropping the old session aborts its readers. Waiters of a lost answer socket were
            // failed by its reader; others may still get their answers on the new one.
            *session = None;
            *session = Some(self.open_dual(dual, deadline).await?);
        }
        let Some(open) = session.as_mut() else {
            return Err(EngineErrorKind::ClosedByPeer);
        };
        // Until the write completes the socket may hold part of a frame: a cancelled write
        // leaves the session marked broken, so the next caller reconnects.
        open.broken.store(true, Ordering::Release);
        // From here the engine may see the frame: given up, the id stays reserved.
        waiting.unsent = false;
        let written = timeout_at(deadline.at, open.writer.write_all(frame)).await;
        match written {
            Ok(Ok(())) => open.broken.store(false, Ordering::Release),
            Ok(Err(e)) => {
                return Err(EngineErrorKind::Io {
                    detail: e.to_string(),
                })
            }
            Err(_elapsed) => return Err(deadline.timeout()),
        }
        drop(session);
        answer
            .await
            .map_err(|_closed| EngineErrorKind::ClosedByPeer)
    }

    /// Connects the answer socket, then the request socket, and starts their readers.
    async fn open_dual(
        &self,
        dual: &DualLink,
        deadline: CallDeadline,
    ) -> Result<Session, EngineErrorKind> {
        let answers = self.connect_to(&dual.answer_address, deadline).await?;
        let broken = Arc::new(AtomicBool::new(false));
        let answer_reader = tokio::spawn(self.reader(dual, &broken).answers(answers));
        let requests = match self.connect_to(&self.address, deadline).await {
            Ok(requests) => requests,
            Err(e) => {
                answer_reader.abort();
                return Err(e);
            }
        };
        let (read, writer) = requests.into_split();
        let request_reader = tokio::spawn(self.reader(dual, &broken).acknowledgements(read));
        Ok(Session {
            writer,
            broken,
            readers: [answer_reader, request_reader],
        })
    }

    fn reader(&self, dual: &DualLink, broken: &Arc<AtomicBool>) -> Reader<D> {
        Reader {
            frames: dual.frames.clone(),
            waiters: dual.waiters.clone(),
            events: self.pool.events(),
            broken: broken.clone(),
            framer: (self.new_framer)(),
            max_answer_bytes: self.max_answer_bytes,
            late_window: dual.late_window,
            request_timeout: self.request_timeout,
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut waiters = self.waiters.lock().unwrap_or_else(PoisonError::into_inner);
        // Still registered: nobody answered it. Answered or failed ones were removed already.
        if waiters.waiting.remove(&self.id).is_none() || self.unsent {
            return;
        }
        if waiters.late.len() >= self.late_cap {
            let now = Instant::now();
            waiters.late.retain(|_, until| *until > now);
        }
        if waiters.late.len() < self.late_cap {
            let until = Instant::now() + self.late_window;
            waiters.late.insert(std::mem::take(&mut self.id), until);
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        for reader in &self.readers {
            reader.abort();
        }
    }
}
