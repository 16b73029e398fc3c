//! [`ListenerMetrics`]: frames by outcome, open connections and connections the gateway closed,
//! of one listener.

use prometheus::{IntCounter, IntGauge};

use super::labels::{CloseReason, FrameOutcome};
use super::registry::Families;

/// Handles for one listener, made once by [`super::Metrics::listener`].
#[derive(Debug, Clone)]
pub struct ListenerMetrics {
    /// `shadowgate_frames_total{listener, outcome}`, indexed like [`FrameOutcome::ALL`].
    frames: [IntCounter; FrameOutcome::ALL.len()],
    /// `shadowgate_connections_closed_total{listener, reason}`, indexed like [`CloseReason::ALL`].
    closed: [IntCounter; CloseReason::ALL.len()],
    /// `shadowgate_connections{listener}`: open client connections. Prefer
    /// [`ListenerMetrics::open_connection`], which cannot forget the decrement.
    pub connections: IntGauge,
}

/// An open connection, counted in `shadowgate_connections` until dropped.
#[derive(Debug)]
#[must_use = "the connection is counted only while the guard lives"]
pub struct ConnectionGuard {
    gauge: IntGauge,
}

impl ListenerMetrics {
    pub(super) fn new(families: &Families, name: &str) -> Self {
        Self {
            frames: FrameOutcome::ALL
                .map(|outcome| families.frames.with_label_values(&[name, outcome.as_str()])),
            closed: CloseReason::ALL.map(|reason| {
                families
                    .connections_closed
                    .with_label_values(&[name, reason.as_str()])
            }),
            connections: families.connections.with_label_values(&[name]),
        }
    }

    /// Counts one frame (or, for [`FrameOutcome::Rejected`], one refused connection).
    pub fn frame(&self, outcome: FrameOutcome) {
        self.frames[outcome as usize].inc();
    }

    /// Counts `count` frames with one outcome (the frames in flight a closed connection drops).
    pub fn frames(&self, outcome: FrameOutcome, count: usize) {
        self.frames[outcome as usize].inc_by(count as u64);
    }

    /// Counts one connection the gateway closed for `reason`.
    pub fn closed(&self, reason: CloseReason) {
        self.closed[reason as usize].inc();
    }

    /// Counts a connection as open until the returned guard is dropped.
    pub fn open_connection(&self) -> ConnectionGuard {
        self.connections.inc();
        ConnectionGuard {
            gauge: self.connections.clone(),
        }
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}
