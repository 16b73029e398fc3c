//! [`LinkMetrics`]: the link layer of one MCI listener or `mci` engine: transport
//! acknowledgements sent and received, answers of a dual-socket engine link that matched no
//! waiter, and answers a dual-socket listener could not hand to core banking.

use prometheus::IntCounter;
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

/// Handles for one link, made once by [`super::Metrics::link`]; every series exists from the
/// start at 0.
#[derive(Debug, Clone)]
pub struct LinkMetrics {
    /// `shadowgate_link_acks_total{side, link, frame, direction}` by frame, then direction.
    acks: [[IntCounter; 2]; 2],
    /// `shadowgate_link_unmatched_answers_total{engine}`: engines only.
    unmatched: Option<IntCounter>,
    /// `shadowgate_link_answers_dropped_total{listener, reason}`: listeners only.
    dropped: Option<[IntCounter; 2]>,
}

impl LinkMetrics {
    pub(super) fn new(families: &Families, side: LinkSide, name: &str) -> Self {
        LinkMetrics {
            acks: TransportRole::ALL.map(|role| {
                Direction::ALL.map(|direction| {
                    families.link_acks.with_label_values(&[
                        side.as_str(),
                        name,
                        role.as_str(),
                        direction.as_str(),
                    ])
                })
            }),
            unmatched: (side == LinkSide::Engine)
                .then(|| families.link_unmatched.with_label_values(&[name])),
            dropped: (side == LinkSide::Listener).then(|| {
                AnswerDrop::ALL.map(|reason| {
                    families
                        .link_dropped
                        .with_label_values(&[name, reason.as_str()])
                })
            }),
        }
    }

    /// Counts one acknowledgement.
    pub fn ack(&self, role: TransportRole, direction: Direction) {
        let role = match role {
            TransportRole::Ack => 0,
            TransportRole::Nak => 1,
        };
        self.acks[role][direction as usize].inc();
    }

    /// Counts one answer that matched no waiting request (late, or never asked for) and was
    /// dropped; a no-op for a listener.
    pub fn unmatched_answer(&self) {
        if let Some(counter) = &self.unmatched {
            counter.inc();
        }
    }

    /// Counts one answer a dual-socket listener dropped; a no-op for an engine.
    pub fn answer_dropped(&self, reason: AnswerDrop) {
        if let Some(counters) = &self.dropped {
            counters[reason as usize].inc();
        }
    }
}
