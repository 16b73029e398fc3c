//! [`LinkMetrics`]: the link layer of one MCI listener or `mci` engine: transport
//! acknowledgements sent and received, answers of a dual-socket engine link that matched no
//! waiter, and answers a dual-socket listener could not hand to core banking.

use std::sync::Arc;

use prometheus::{IntCounter, IntCounterVec};
use protocol_mci::TransportRole;

use super::registry::Families;

/// Which side of the gateway a link is on (the `side` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkSide {
    /// An MCI listener: core banking's link to us.
    Listener,
    /// An `mci` engine: our link to an engine.
    Engine,
}

/// Whether the gateway sent or received a frame (the `direction` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Written by the gateway.
    Sent,
    /// Read by the gateway.
    Received,
}

/// Why a dual-socket listener dropped an answer (the `reason` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerDrop {
    /// The bounded queue toward the answer connection was full.
    QueueFull,
    /// No answer connection took it in time (none open, or the write failed or stalled).
    NotWritten,
}

impl LinkSide {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkSide::Listener => "listener",
            LinkSide::Engine => "engine",
        }
    }
}

impl Direction {
    const ALL: [Direction; 2] = [Direction::Sent, Direction::Received];

    fn as_str(self) -> &'static str {
        match self {
            Direction::Sent => "sent",
            Direction::Received => "received",
        }
    }
}

impl AnswerDrop {
    const ALL: [AnswerDrop; 2] = [AnswerDrop::QueueFull, AnswerDrop::NotWritten];

    fn as_str(self) -> &'static str {
        match self {
            AnswerDrop::QueueFull => "queue_full",
            AnswerDrop::NotWritten => "not_written",
        }
    }
}

/// Which series a link can count, so only those exist from the start at 0: a dashboard should not
/// show an always-zero `nak` series for a layout that declares no `nak`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkShape {
    /// The transport acknowledgements its layout declares, indexed like `TransportRole::ALL`
    /// (`ack`, `nak`).
    pub acks: [bool; 2],
    /// A dual-socket link: a listener's answers may be dropped, an engine's may match no waiter.
    pub dual_socket: bool,
}

impl LinkShape {
    /// The shape of a link over `layout` (its transport acknowledgements), dual-socket or not.
    pub fn of(layout: &protocol_mci::Layout, dual_socket: bool) -> LinkShape {
        LinkShape {
            acks: TransportRole::ALL.map(|role| layout.has_transport(role)),
            dual_socket,
        }
    }
}

/// Handles for one link, made once by [`super::Metrics::link`]: the series its [`LinkShape`]
/// can count exist from the start at 0; one outside it, should it ever be counted, is made then
/// (nothing is dropped).
#[derive(Debug, Clone)]
pub struct LinkMetrics {
    /// `shadowgate_link_acks_total{side, link, frame, direction}` by frame, then direction.
    acks: [[Option<IntCounter>; 2]; 2],
    /// `shadowgate_link_unmatched_answers_total{engine}`: dual-socket engines.
    unmatched: Option<IntCounter>,
    /// `shadowgate_link_answers_dropped_total{listener, reason}`: dual-socket listeners.
    dropped: Option<[IntCounter; 2]>,
    /// Where a series not made at start is made: the families, the side and the name.
    lazy: Arc<Lazy>,
}

/// What [`LinkMetrics`] needs to make a series it did not make at start.
#[derive(Debug)]
struct Lazy {
    side: LinkSide,
    name: String,
    acks: IntCounterVec,
    unmatched: IntCounterVec,
    dropped: IntCounterVec,
}

impl LinkMetrics {
    pub(super) fn new(families: &Families, side: LinkSide, name: &str, shape: LinkShape) -> Self {
        LinkMetrics {
            acks: TransportRole::ALL.map(|role| {
                let declared = shape.acks[role_index(role)];
                Direction::ALL.map(|direction| {
                    declared.then(|| {
                        families.link_acks.with_label_values(&[
                            side.as_str(),
                            name,
                            role.as_str(),
                            direction.as_str(),
                        ])
                    })
                })
            }),
            unmatched: (side == LinkSide::Engine && shape.dual_socket)
                .then(|| families.link_unmatched.with_label_values(&[name])),
            dropped: (side == LinkSide::Listener && shape.dual_socket).then(|| {
                AnswerDrop::ALL.map(|reason| {
                    families
                        .link_dropped
                        .with_label_values(&[name, reason.as_str()])
                })
            }),
            lazy: Arc::new(Lazy {
                side,
                name: name.to_owned(),
                acks: families.link_acks.clone(),
                unmatched: families.link_unmatched.clone(),
                dropped: families.link_dropped.clone(),
            }),
        }
    }

    /// Counts one acknowledgement.
    pub fn ack(&self, role: TransportRole, direction: Direction) {
        match &self.acks[role_index(role)][direction as usize] {
            Some(counter) => counter.inc(),
            None => self
                .lazy
                .acks
                .with_label_values(&[
                    self.lazy.side.as_str(),
                    &self.lazy.name,
                    role.as_str(),
                    direction.as_str(),
                ])
                .inc(),
        }
    }

    /// Counts one answer that matched no waiting request (late, or never asked for) and was
    /// dropped; a no-op for a listener.
    pub fn unmatched_answer(&self) {
        match &self.unmatched {
            Some(counter) => counter.inc(),
            None if self.lazy.side == LinkSide::Engine => self
                .lazy
                .unmatched
                .with_label_values(&[&self.lazy.name])
                .inc(),
            None => {}
        }
    }

    /// Counts one answer a dual-socket listener dropped; a no-op for an engine.
    pub fn answer_dropped(&self, reason: AnswerDrop) {
        match &self.dropped {
            Some(counters) => counters[reason as usize].inc(),
            None if self.lazy.side == LinkSide::Listener => self
                .lazy
                .dropped
                .with_label_values(&[&self.lazy.name, reason.as_str()])
                .inc(),
            None => {}
        }
    }
}

/// Index of `role` in `TransportRole::ALL`.
fn role_index(role: TransportRole) -> usize {
    match role {
        TransportRole::Ack => 0,
        TransportRole::Nak => 1,
    }
}
