//! [`ListenerMetrics`]: frames by outcome, open connections and connections the gateway closed,
//! of one listener.

use std::sync::Arc;

use prometheus::{IntCounter, IntCounterVec, IntGauge};

use super::labels::{CloseReason, FrameOutcome, ListenerKind};
use super::registry::Families;

/// Handles for one listener, made once by [`super::Metrics::listener`].
#[derive(Debug, Clone)]
pub struct ListenerMetrics {
    /// The listener's name (the `listener` label).
    name: Arc<str>,
    /// `shadowgate_frames_total{listener, outcome}`, indexed like [`FrameOutcome::ALL`]; `None`
    /// for an outcome the listener's kind never counts (created when first counted, should one
    /// be: nothing is dropped).
    frames: [Option<IntCounter>; FrameOutcome::ALL.len()],
    /// `shadowgate_connections_closed_total{listener, reason}`, indexed like
    /// [`CloseReason::ALL`]; `None` as for `frames`.
    closed: [Option<IntCounter>; CloseReason::ALL.len()],
    /// The two families, for a series not created at start.
    frames_family: IntCounterVec,
    closed_family: IntCounterVec,
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
    pub(super) fn new(families: &Families, name: &str, kind: ListenerKind) -> Self {
        let outcomes = kind.outcomes();
        let reasons = kind.close_reasons();
        Self {
            name: Arc::from(name),
            frames: FrameOutcome::ALL.map(|outcome| {
                outcomes
                    .contains(&outcome)
                    .then(|| families.frames.with_label_values(&[name, outcome.as_str()]))
            }),
            closed: CloseReason::ALL.map(|reason| {
                reasons.contains(&reason).then(|| {
                    families
                        .connections_closed
                        .with_label_values(&[name, reason.as_str()])
                })
            }),
            frames_family: families.frames.clone(),
            closed_family: families.connections_closed.clone(),
            connections: families.connections.with_label_values(&[name]),
        }
    }

    /// Counts one frame (or, for [`FrameOutcome::Rejected`], one refused connection).
    pub fn frame(&self, outcome: FrameOutcome) {
        self.frames(outcome, 1);
    }

    /// Counts `count` frames with one outcome (the frames in flight a closed connection drops).
    pub fn frames(&self, outcome: FrameOutcome, count: usize) {
        match &self.frames[outcome as usize] {
            Some(counter) => counter.inc_by(count as u64),
            None => self
                .frames_family
                .with_label_values(&[&self.name, outcome.as_str()])
                .inc_by(count as u64),
        }
    }

    /// Counts one connection the gateway closed for `reason`.
    pub fn closed(&self, reason: CloseReason) {
        match &self.closed[reason as usize] {
            Some(counter) => counter.inc(),
            None => self
                .closed_family
                .with_label_values(&[&self.name, reason.as_str()])
                .inc(),
        }
    }

    /// Frames counted with `outcome` so far (0 for an outcome the listener's kind never counts).
    pub fn frames_counted(&self, outcome: FrameOutcome) -> u64 {
        self.frames[outcome as usize]
            .as_ref()
            .map_or(0, IntCounter::get)
    }

    /// Connections the gateway closed for `reason` so far (0 for a reason the listener's kind
    /// never closes for).
    pub fn closed_counted(&self, reason: CloseReason) -> u64 {
        self.closed[reason as usize]
            .as_ref()
            .map_or(0, IntCounter::get)
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
