//! Polls on idle connections of an `mci` engine: the layout's poll frame, sent at an interval,
//! keeps a link alive whose peer drops silent connections, and finds dead connections before a
//! request does.
//!
//! A round takes each idle connection in turn (oldest first, holding a connection slot so the
//! `max_connections` bound still holds), sends the poll and expects the layout's answer byte for
//! byte within the engine's request timeout. An answered connection goes back to the pool and
//! rests again (the engine saw traffic). One that is not answered in time, answers anything else,
//! or fails, is closed and replaced by a fresh connection. The pool's lifecycle rules still apply:
//! an expired connection is discarded when taken, never polled.

use std::fmt::Display;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::time::{timeout_at, Instant};
use tokio_util::codec::Decoder;

use super::{Connection, MciEngine};
use crate::engine::deadline::CallDeadline;
use crate::engine::Role;

/// The poll an engine's idle connections are kept alive with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnginePoll {
    /// Between two rounds.
    pub interval: Duration,
    /// The frame sent (the layout's `poll` control frame).
    pub frame: Bytes,
    /// The answer expected, byte for byte.
    pub answer: Bytes,
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollRound {
    /// Connections whose poll was answered.
    pub answered: usize,
    /// Connections closed because their poll was not answered in time (or wrongly), and replaced.
    pub replaced: usize,
}

/// When the next round is due; rounds are claimed under the lock, so two pollers never overlap.
#[derive(Debug)]
pub(super) struct PollState {
    pub(super) poll: EnginePoll,
    next: Mutex<Instant>,
}

impl PollState {
    pub(super) fn new(poll: EnginePoll) -> PollState {
        let next = Mutex::new(Instant::now() + poll.interval);
        PollState { poll, next }
    }

    /// Claims the round due at `now`, if any.
    fn claim(&self, now: Instant) -> bool {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        if now < *next {
            return false;
        }
        *next = now + self.poll.interval;
        true
    }
}

impl<D> MciEngine<D>
where
    D: Decoder<Item = BytesMut> + Send + 'static,
    D::Error: Display,
{
    /// The interval between poll rounds, when the engine has a poll.
    pub fn poll_interval(&self) -> Option<Duration> {
        self.poll.as_ref().map(|state| state.poll.interval)
    }

    /// Polls every idle connection once when a round is due; `None` when the engine has no poll
    /// or the round is not due yet. Bounded: each poll by the request timeout, each replacement
    /// by the connect timeout.
    pub async fn poll_idle(&self) -> Option<PollRound> {
        let state = self.poll.as_ref()?;
        if !state.claim(Instant::now()) {
            return None;
        }
        let mut round = PollRound::default();
        for _ in 0..self.pool.idle_count() {
            // A connection out of the pool still counts against `max_connections`.
            let Some(_slot) = self.slots.try_acquire() else {
                break;
            };
            let Some(connection) = self.pool.take_oldest(Role::Live) else {
                break;
            };
            let answered = self.poll_one(connection, &state.poll).await;
            self.pool.note_poll(answered);
            if answered {
                round.answered += 1;
                continue;
            }
            round.replaced += 1;
            tracing::warn!(engine = %self.name, "poll not answered in time; connection replaced");
            let deadline = CallDeadline::new(Instant::now(), self.request_timeout, None);
            if let Ok(fresh) = self.connect(deadline).await {
                self.pool.put(fresh, None);
            }
        }
        Some(round)
    }

    /// Sends the poll on `connection`; puts it back when the expected answer came in time.
    async fn poll_one(&self, mut connection: Connection<D>, poll: &EnginePoll) -> bool {
        let deadline = Instant::now() + self.request_timeout;
        let exchange = connection.exchange(&poll.frame, self.max_answer_bytes);
        match timeout_at(deadline, exchange).await {
            Ok(Ok(answer)) if answer == poll.answer && connection.buffer.is_empty() => {
                self.pool.put(connection, None);
                true
            }
            // Dropped: closed, so a late answer can never reach a request.
            _ => false,
        }
    }
}
