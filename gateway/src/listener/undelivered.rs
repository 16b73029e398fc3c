//! Answers an MCI connection could not deliver: the client closed its connection (or reset it,
//! or stopped reading) before its answers were written.
//!
//! A frame is counted by its outcome (`ok`, `live_error`, …) only once its answer is written. An
//! answer that cannot be written (an error, or not taken within the idle timeout), or whose write
//! the client answered with a reset (it had closed its connection: the gateway, having read its
//! end of the stream, writes into a socket nobody reads), reached no one: it is counted
//! `client_closed`, as are the frames still in flight, whose live calls are dropped with the
//! connection. Their shadow comparisons are valid and counted as usual.
//!
//! One WARN line per listener at most every [`LOG_INTERVAL`], naming the connection's peer
//! (its span) and the first undelivered answer's correlation id, never a frame's content.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use protocol_mci::Layout;
use tokio::time::Instant;
use tracing::warn;

use crate::link::LinkFrames;
use crate::log_limit::LogLimit;
use crate::metrics::ListenerMetrics;
use crate::pipeline::FrameOutcome;

/// At most one "answer not delivered" line per listener this often; every frame is counted.
const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Why answers did not reach the client.
#[derive(Debug)]
pub(super) enum Failure {
    /// The client did not take them within the listener's idle timeout.
    NotTaken(Duration),
    /// The write failed, or the client reset the connection in answer to it.
    Io(std::io::Error),
}

/// The "answer not delivered" event of one listener: counted and logged here, for every
/// connection of the listener (they share it).
#[derive(Debug)]
pub(super) struct Undelivered {
    limit: Mutex<LogLimit>,
}

impl Default for Undelivered {
    fn default() -> Self {
        Self {
            limit: Mutex::new(LogLimit::new(LOG_INTERVAL)),
        }
    }
}

impl Undelivered {
    /// Counts `answers` (with the outcome each would have had) and `dropped` frames in flight as
    /// `client_closed`; warns when a line is due. Written in the connection's span, which names
    /// the listener and the peer.
    pub(super) fn answers(
        &self,
        metrics: &ListenerMetrics,
        layout: &Layout,
        answers: &[(Bytes, FrameOutcome)],
        dropped: usize,
        failure: &Failure,
    ) {
        metrics.frames(FrameOutcome::ClientClosed, answers.len() + dropped);
        let due = self
            .limit
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .note(Instant::now().into_std());
        let Some(connections) = due else { return };
        let first = answers.first();
        // The header's correlation field, as the pipeline's lines for the frame name it (none
        // when the layout declares no such field).
        let correlation_id = first.and_then(|(answer, _)| layout.correlation(answer));
        warn!(
            correlation_id,
            answer = first.map(|(_, outcome)| outcome.as_str()),
            undelivered = answers.len(),
            dropped,
            connections,
            error = %failure,
            "answer not delivered: the client closed its connection before it was written; counted \
             as client_closed with the frames still in flight (one line per 10 s per listener)"
        );
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotTaken(within) => {
                write!(f, "not taken within {} ms", within.as_millis())
            }
            Self::Io(error) => write!(f, "{error}"),
        }
    }
}
