//! The dual-socket side of the MCI listener: core banking connects a request socket to the
//! listener's `address` and an answer socket to its `answer_address`; answers go out on the
//! answer socket as soon as each is ready, in any order (core banking matches them by
//! correlation id).
//!
//! On a request socket, a business frame is acknowledged on that socket when the layout declares
//! an `ack` (before its answer); one whose correlation id cannot be read gets the layout's `nak`
//! and is not processed (its answer could never be matched). Control frames (polls) are answered
//! on the socket they came on. Answers of every request socket funnel into one bounded queue
//! toward the newest answer socket; a full queue or an answer no answer socket takes in time is
//! counted (`shadowgate_link_answers_dropped_total`) and dropped.

use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{FuturesUnordered, StreamExt};
use protocol_mci::{Layout, TransportRole};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::{sleep_until, timeout, Instant};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::admission::Member;
use crate::config::MciListener;
use crate::link::LinkFrames;
use crate::metrics::{
    AnswerDrop, CloseReason, FrameOutcome, LinkDirection, LinkMetrics, ListenerMetrics,
};
use crate::pipeline::{FrameReply, Gateway};

/// Answers queued toward the answer socket at most, per pipelined frame a connection may have.
pub(super) const QUEUE_PER_PIPELINED: usize = 4;

/// What every request connection of one listener shares.
pub(super) struct Shared {
    /// Toward the answer socket.
    pub(super) answers: mpsc::Sender<Bytes>,
    /// Acknowledgements and dropped answers.
    pub(super) link: LinkMetrics,
}

/// Writes queued answers to the newest answer socket until every request connection is gone
/// (all senders dropped) or, with no answer socket open, shutdown. Acknowledgements core banking
/// sends on the answer socket are counted.
pub(super) async fn answer_loop(
    listener: TcpListener,
    mut queue: mpsc::Receiver<Bytes>,
    settings: Arc<MciListener>,
    layout: Arc<Layout>,
    link: LinkMetrics,
    shutdown: CancellationToken,
) {
    let mut socket: Option<(FramedRead<_, _>, OwnedWriteHalf)> = None;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else {
                    // Out of file descriptors and the like: answers wait in the bounded queue.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                if socket.is_some() {
                    debug!(listener = %settings.name, %peer, "a new answer socket replaces the previous one");
                }
                let (read, write) = stream.into_split();
                socket = Some((FramedRead::new(read, layout.framer()), write));
            }
            answer = queue.recv(), if socket.is_some() => {
                let Some(answer) = answer else { break };
                let Some((_, write)) = socket.as_mut() else { continue };
                let written = timeout(settings.idle_timeout, write.write_all(&answer)).await;
                if !matches!(written, Ok(Ok(()))) {
                    warn!(listener = %settings.name, "answer socket did not take an answer in time; closing it");
                    link.answer_dropped(AnswerDrop::NotWritten);
                    socket = None;
                }
            }
            frame = async { socket.as_mut()?.0.next().await }, if socket.is_some() => {
                match frame {
                    Some(Ok(frame)) => match layout.acknowledgement(&frame) {
                        Some(role) => link.ack(role, LinkDirection::Received),
                        None => debug!(listener = %settings.name, "frame on the answer socket ignored"),
                    },
                    // Closed or framing lost: wait for core banking to connect a new one.
                    Some(Err(_)) | None => socket = None,
                }
            }
            () = shutdown.cancelled(), if socket.is_none() => break,
        }
    }
    // Answers still queued found no answer socket.
    queue.close();
    while queue.recv().await.is_some() {
        link.answer_dropped(AnswerDrop::NotWritten);
    }
}

/// Serves one request connection until the peer closes it, framing breaks, it idles out or
/// shutdown; answers already in the pipeline still go to the answer queue.
pub(super) async fn connection(
    stream: TcpStream,
    settings: &MciListener,
    gateway: &Arc<Gateway>,
    metrics: &ListenerMetrics,
    member: &Member,
    shared: &Shared,
    shutdown: &CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let Some(layout) = gateway.runtime().layout(&settings.layout).cloned() else {
        return;
    };
    let (read, mut write) = stream.into_split();
    let mut frames = FramedRead::new(read, layout.framer());
    let layout_name: Arc<str> = Arc::from(settings.layout.as_str());
    let mut in_flight = FuturesUnordered::new();
    let mut reading = true;
    // False once the request socket did not take a frame in time: nothing more is read or
    // written on it, and the frames in flight still go to the answer socket.
    let mut writable = true;
    let mut idle_deadline = Instant::now() + settings.idle_timeout;
    while reading || !in_flight.is_empty() {
        tokio::select! {
            frame = frames.next(), if reading && in_flight.len() < settings.max_pipelined => {
                let frame = match frame {
                    Some(Ok(frame)) => frame.freeze(),
                    Some(Err(error)) => {
                        metrics.frame(FrameOutcome::FramingError);
                        warn!(listener = %settings.name, %error, "framing lost on a request socket; closing it");
                        reading = false;
                        continue;
                    }
                    None => {
                        reading = false;
                        continue;
                    }
                };
                idle_deadline = Instant::now() + settings.idle_timeout;
                let ack = match receive(&layout, &frame, &shared.link) {
                    Received::Consumed => continue,
                    Received::Refused(nak) => {
                        metrics.frame(FrameOutcome::BadRequest);
                        shared.link.ack(TransportRole::Nak, LinkDirection::Sent);
                        if !send(&mut write, &nak, settings).await {
                            (reading, writable) = (false, false);
                        }
                        continue;
                    }
                    Received::Process(ack) => ack,
                };
                if let Some(ack) = ack {
                    shared.link.ack(TransportRole::Ack, LinkDirection::Sent);
                    if !send(&mut write, &ack, settings).await {
                        // Core banking did not take the acknowledgement: the frame is not
                        // processed (it may send it again), and counted.
                        metrics.frame(FrameOutcome::ClientClosed);
                        (reading, writable) = (false, false);
                        continue;
                    }
                }
                let (gateway, layout_name) = (gateway.clone(), layout_name.clone());
                in_flight.push(async move { gateway.handle_frame(&layout_name, frame).await });
                member.active(in_flight.len());
            }
            reply = in_flight.next(), if !in_flight.is_empty() => {
                let Some(reply) = reply else { continue };
                idle_deadline = Instant::now() + settings.idle_timeout;
                member.active(in_flight.len());
                match reply {
                    // A poll is answered where it came from.
                    FrameReply::Answer(answer, FrameOutcome::Control) => {
                        if writable && send(&mut write, &answer, settings).await {
                            metrics.frame(FrameOutcome::Control);
                        } else {
                            metrics.frame(FrameOutcome::ClientClosed);
                            (reading, writable) = (false, false);
                        }
                    }
                    FrameReply::Answer(answer, outcome) => {
                        metrics.frame(outcome);
                        if shared.answers.try_send(answer).is_err() {
                            shared.link.answer_dropped(AnswerDrop::QueueFull);
                        }
                    }
                    FrameReply::Close(outcome, _) => {
                        metrics.frame(outcome);
                        warn!(listener = %settings.name, outcome = outcome.as_str(), "frame cannot be answered; closing the request socket");
                        reading = false;
                    }
                }
            }
            () = sleep_until(idle_deadline), if reading && in_flight.is_empty() => {
                metrics.closed(CloseReason::IdleTimeout);
                reading = false;
            }
            () = member.evicted().cancelled(), if reading && in_flight.is_empty() => reading = false,
            () = shutdown.cancelled(), if reading => {
                metrics.closed(CloseReason::Stopped);
                reading = false;
            }
        }
    }
    if writable {
        let _ = timeout(settings.idle_timeout, write.shutdown()).await;
    }
}

/// What the link layer makes of a frame read on a request socket, before the pipeline.
enum Received {
    /// An acknowledgement from core banking: counted, nothing more.
    Consumed,
    /// Refused with this NAK: its correlation id cannot be read, so no answer could be matched.
    Refused(Vec<u8>),
    /// For the pipeline, after writing this ACK (when the layout declares one).
    Process(Option<Vec<u8>>),
}

fn receive(layout: &Layout, frame: &[u8], link: &LinkMetrics) -> Received {
    if let Some(role) = layout.acknowledgement(frame) {
        link.ack(role, LinkDirection::Received);
        return Received::Consumed;
    }
    // A poll is answered by the pipeline on this socket, never acknowledged.
    if layout.control_answer(frame).is_some() {
        return Received::Process(None);
    }
    let role = match layout.correlation(frame) {
        Some(_) => TransportRole::Ack,
        None => TransportRole::Nak,
    };
    match (role, layout.acknowledge(role, frame)) {
        (TransportRole::Nak, Some(nak)) => Received::Refused(nak),
        (TransportRole::Ack, ack) => Received::Process(ack),
        // No NAK declared: the pipeline answers it as a bad frame, as on any link.
        (TransportRole::Nak, None) => Received::Process(None),
    }
}

/// Writes `bytes` on a request socket within the idle timeout; `false` when it could not.
async fn send(write: &mut OwnedWriteHalf, bytes: &[u8], settings: &MciListener) -> bool {
    let written = timeout(settings.idle_timeout, write.write_all(bytes)).await;
    if !matches!(written, Ok(Ok(()))) {
        warn!(listener = %settings.name, "request socket did not take a frame in time; closing");
        return false;
    }
    true
}
