//! The line a listener's drain ends with. A planned stop's drain closes connections and answers
//! frames in the process's last seconds, and Prometheus (a scrape every 15 s) rarely sees those
//! counts; the log keeps them. Each number is a difference of the listener's own metrics between
//! the drain's start and its end, read from the counters `/metrics` shows, so the line and the
//! metrics cannot disagree.
//!
//! One line per listener, not one for the process: listeners end their drains apart (an MCI
//! listener when its last connection has closed, the HTTP ingress at the stop), and a frame left
//! unanswered is looked for on the listener it came in on.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;
use tracing::info;

use crate::draining::Draining;
use crate::metrics::{CloseReason, FrameOutcome, ListenerMetrics};

/// A listener's counts when its drain began.
#[derive(Debug, Clone)]
pub(super) struct DrainStart {
    began: Instant,
    open: u64,
    frames: [u64; FrameOutcome::ALL.len()],
    closed: [u64; CloseReason::ALL.len()],
}

/// What a listener counted during its drain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Drained {
    /// Connections open when it began.
    open: u64,
    /// Closed by the gateway between frames (`connections_closed_total{reason="drained"}`).
    quiet: u64,
    /// Open when the gateway stopped, cut then (`reason="stopped"`).
    stopped: u64,
    /// Frames (HTTP: requests) answered.
    answered: u64,
    /// Frames closed unanswered with their connection (`gateway_closed`): they crossed a quiet
    /// close, arrived after the stop, or came behind one that could not be answered.
    unanswered: u64,
    /// Frames whose answer the client closed its connection before (`client_closed`).
    undelivered: u64,
    /// Since the drain began.
    took: Duration,
}

impl DrainStart {
    /// The counts of `metrics` now, as the drain begins.
    pub(super) fn now(metrics: &ListenerMetrics) -> DrainStart {
        DrainStart {
            began: Instant::now(),
            open: u64::try_from(metrics.connections.get()).unwrap_or(0),
            frames: FrameOutcome::ALL.map(|outcome| metrics.frames_counted(outcome)),
            closed: CloseReason::ALL.map(|reason| metrics.closed_counted(reason)),
        }
    }

    /// Waits for a drain to begin; its start, or `None` when `stopped` resolves first (a stop
    /// without a drain).
    pub(super) async fn when_begun(
        draining: &Draining,
        metrics: &ListenerMetrics,
        stopped: impl std::future::Future<Output = ()>,
    ) -> Option<DrainStart> {
        tokio::select! {
            // A drain begun before the stop is said, however late this is polled.
            biased;
            () = draining.started() => Some(DrainStart::now(metrics)),
            () = stopped => None,
        }
    }

    /// Logs an MCI listener's line, once its last connection has ended.
    pub(super) fn mci_finished(&self, metrics: &ListenerMetrics, listener: &str, at: SocketAddr) {
        let message = self.since(metrics).mci_message();
        info!(listener, address = %at, "{message}");
    }

    /// Logs the HTTP ingress's line, once the connections the stop found have ended.
    pub(super) fn http_finished(&self, metrics: &ListenerMetrics, listener: &str, at: SocketAddr) {
        let message = self.since(metrics).http_message();
        info!(listener, address = %at, "{message}");
    }

    /// The counts of `metrics` since the drain began.
    fn since(&self, metrics: &ListenerMetrics) -> Drained {
        let frames = |outcome: FrameOutcome| {
            let then = self.frames[outcome as usize];
            metrics.frames_counted(outcome).saturating_sub(then)
        };
        let closed = |reason: CloseReason| {
            let then = self.closed[reason as usize];
            metrics.closed_counted(reason).saturating_sub(then)
        };
        let answered = (FrameOutcome::ALL.into_iter())
            .filter(|outcome| outcome.is_answered())
            .map(frames)
            .sum();
        Drained {
            open: self.open,
            quiet: closed(CloseReason::Drained),
            stopped: closed(CloseReason::Stopped),
            answered,
            unanswered: frames(FrameOutcome::GatewayClosed),
            undelivered: frames(FrameOutcome::ClientClosed),
            took: self.began.elapsed(),
        }
    }
}

impl Drained {
    /// `drain finished in 2.4 s: connections: 14 open at its start, 12 closed between frames, …`.
    /// Connections that ended otherwise were closed by their client, at their idle timeout or on
    /// an error (lost framing): no new one was accepted during the drain.
    fn mci_message(&self) -> String {
        let otherwise = (self.open).saturating_sub(self.quiet + self.stopped);
        format!(
            "drain finished in {:.1} s: connections: {} open at its start, {} closed between \
             frames, {otherwise} ended otherwise (closed by the client, idle or on an error), {} \
             cut at the stop; frames: {} answered, {} closed unanswered (gateway_closed), {} not \
             delivered (client_closed)",
            self.took.as_secs_f64(),
            self.open,
            self.quiet,
            self.stopped,
            self.answered,
            self.unanswered,
            self.undelivered,
        )
    }

    /// The HTTP ingress keeps accepting while it drains (each HTTP/1 answer announces its
    /// connection's close), so only the connections the stop found are said.
    fn http_message(&self) -> String {
        format!(
            "drain finished in {:.1} s: requests: {} answered (HTTP/1 ones with Connection: \
             close), {} not answered (client_closed); connections: {} open at the stop",
            self.took.as_secs_f64(),
            self.answered,
            self.undelivered,
            self.stopped,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{ListenerKind, Metrics};

    #[tokio::test(start_paused = true)]
    async fn the_line_says_what_the_metrics_counted_since_the_drain_began() {
        let metrics = Metrics::new("test").listener("core-banking", ListenerKind::Mci);
        // Before the drain: not in its line.
        metrics.frames(FrameOutcome::Ok, 100);
        metrics.closed(CloseReason::IdleTimeout);
        let open: Vec<_> = (0..4).map(|_| metrics.open_connection()).collect();
        let start = DrainStart::now(&metrics);
        tokio::time::advance(Duration::from_millis(2_400)).await;
        metrics.frames(FrameOutcome::Ok, 7);
        metrics.frame(FrameOutcome::LiveError);
        metrics.frame(FrameOutcome::Control);
        metrics.frame(FrameOutcome::GatewayClosed);
        metrics.closed(CloseReason::Drained);
        metrics.closed(CloseReason::Drained);
        metrics.closed(CloseReason::Stopped);
        drop(open);
        assert_eq!(
            start.since(&metrics).mci_message(),
            "drain finished in 2.4 s: connections: 4 open at its start, 2 closed between frames, \
             1 ended otherwise (closed by the client, idle or on an error), 1 cut at the stop; \
             frames: 9 answered, 1 closed unanswered (gateway_closed), 0 not delivered \
             (client_closed)"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_http_line_says_the_requests_answered_and_the_connections_the_stop_found() {
        let metrics = Metrics::new("test").listener("http", ListenerKind::Http);
        let start = DrainStart::now(&metrics);
        tokio::time::advance(Duration::from_secs(6)).await;
        metrics.frames(FrameOutcome::Ok, 40);
        metrics.frame(FrameOutcome::BadRequest);
        metrics.frame(FrameOutcome::ClientClosed);
        metrics.closed(CloseReason::Stopped);
        assert_eq!(
            start.since(&metrics).http_message(),
            "drain finished in 6.0 s: requests: 41 answered (HTTP/1 ones with Connection: \
             close), 1 not answered (client_closed); connections: 1 open at the stop"
        );
    }
}
