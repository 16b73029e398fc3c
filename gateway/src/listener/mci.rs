//! The MCI ingress: frames over persistent TCP connections from core banking.
//!
//! A client may send its next frame before the previous answer; answers go back in request
//! order (at most `max_pipelined` in flight per connection: beyond it reading pauses, so memory
//! stays bounded). Connections that open and send nothing are normal (L4 health checks) and are
//! closed after the idle timeout. Control frames of the layout (polls, keep-alives) are answered
//! by the pipeline itself, in order with the business answers, and count as activity: a link
//! whose keep-alives come more often than the idle timeout is exactly a link that wants to stay
//! up. Lost framing closes that connection only. At `max_connections`
//! the longest-idle connection is closed to admit a new one ([`super::admission`]); only when
//! every connection has a frame in flight is the new one refused. A frame is counted by its
//! outcome once its answer is written; one whose answer did not reach the client (it closed its
//! connection first) is `client_closed` (`listener::undelivered`).
//!
//! The listener's `link` says how core banking uses connections: `persistent` (above),
//! `one_shot` (one frame per connection: after it nothing more is read, its answer is written and
//! the connection closed; a client that half-closes right after sending still gets its answer),
//! or `dual_socket` (the `listener::dual` module). Transport acknowledgements the layout
//! declares are counted and never reach the pipeline.
//!
//! A planned stop's drain ([`crate::draining`]) closes each persistent connection at its first
//! quiet moment; when the listeners stop, a connection still open stops reading at once (counted
//! as closed `stopped`; frames that arrived after the stop are counted as `gateway_closed`, never
//! sent to the live engine). Once its last connection has ended, the listener says what its
//! drain counted in one line (`listener::drain_summary`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{FuturesOrdered, StreamExt};
use futures::FutureExt;
use protocol_mci::{FrameCodec, FramingError, Layout};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep_until, timeout, Instant};
use tokio_util::codec::{Decoder, FramedRead};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn, Instrument};

use super::admission::{Admission, Admitted, Member};
use super::drain_summary::DrainStart;
use super::dual::{self, Shared, QUEUE_PER_PIPELINED};
use super::server::RefusalLog;
use super::undelivered::{Failure, Undelivered};
use crate::config::{ListenerLink, MciListener};
use crate::draining;
use crate::link::LinkFrames;
use crate::metrics::{
    CloseReason, LinkDirection, LinkMetrics, LinkShape, LinkSide, ListenerMetrics,
};
use crate::pipeline::{FrameOutcome, FrameReply, Gateway};

/// Accepts connections until `shutdown` is cancelled; connection tasks are tracked by `tasks`,
/// which the caller awaits (bounded) to finish answers in flight. A `dual_socket` listener also
/// takes the bound `answers` listener (its `answer_address`); other links ignore it.
pub async fn serve(
    listener: TcpListener,
    answers: Option<TcpListener>,
    settings: MciListener,
    gateway: Arc<Gateway>,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) {
    let settings = Arc::new(settings);
    let admission = Admission::new(settings.max_connections);
    let metrics = gateway
        .metrics()
        .listener(&settings.name, crate::metrics::ListenerKind::Mci);
    let mut refusals = RefusalLog::default();
    let undelivered = Arc::new(Undelivered::default());
    // The series its layout and link can count (a reload that changes the layout keeps them:
    // one not made here is made when first counted).
    let shape = match gateway.runtime().layout(&settings.layout) {
        Some(layout) => LinkShape::of(
            layout,
            matches!(settings.link, ListenerLink::DualSocket { .. }),
        ),
        None => LinkShape::default(),
    };
    let link = gateway
        .metrics()
        .link(LinkSide::Listener, &settings.name, shape);
    let dual = dual_socket(answers, &settings, &gateway, &link, &tasks, &shutdown);
    // The bound address (port 0 resolved), which tests and operators read from this line.
    let address = listener.local_addr().unwrap_or(settings.address);
    info!(listener = %settings.name, %address, max_connections = settings.max_connections, "mci listener ready");
    // A planned stop's drain closes the listening socket (a dual-socket link's stays until the
    // stop): a connect is refused, and a load balancer retries it on another gateway at once
    // (HAProxy's `retries` with `option redispatch`), instead of a connection opened here only to
    // be closed when quiet, again and again, each close a chance for a frame to cross it.
    let draining = gateway.draining().clone();
    // This listener's connection tasks (also tracked by `tasks`): a drain's line is said once
    // they have all ended.
    let connections = TaskTracker::new();
    let drain = loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break None,
            () = draining.started(), if dual.is_none() => {
                info!(listener = %settings.name, %address, "draining: no longer accepting connections");
                break Some(DrainStart::now(&metrics));
            }
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: keep serving the connections we have.
                warn!(listener = %settings.name, %error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let member = match admission.admit() {
            Admitted::Free(member) => member,
            Admitted::Evicting(member) => {
                metrics.closed(CloseReason::Evicted);
                debug!(listener = %settings.name, %peer, "at the connection limit: closing the longest-idle connection");
                member
            }
            Admitted::Refused => {
                metrics.frame(FrameOutcome::Rejected);
                refusals.refused(&settings.name, settings.max_connections, Instant::now());
                drop(stream);
                continue;
            }
        };
        let (metrics, link, dual) = (metrics.clone(), link.clone(), dual.clone());
        let undelivered = undelivered.clone();
        let (gateway, settings, shutdown) = (gateway.clone(), settings.clone(), shutdown.clone());
        // Every warning about this connection's frames (bad_request, framing_error, …) names
        // the listener and the peer through this span.
        let span = tracing::info_span!("connection", listener = %settings.name, %peer);
        // Counted before the task first runs: a drain that begins meanwhile counts it open.
        let open = metrics.open_connection();
        let connection_task = connections.track_future(
            async move {
                let _open = open;
                debug!("connection opened");
                match &dual {
                    Some(shared) => {
                        dual::connection(
                            stream, &settings, &gateway, &metrics, &member, shared, &shutdown,
                        )
                        .await
                    }
                    None => {
                        let ends = Ends {
                            metrics: &metrics,
                            link: &link,
                            member: &member,
                            undelivered: &undelivered,
                        };
                        connection(stream, &settings, &gateway, ends, &shutdown).await
                    }
                }
                debug!("connection closed");
            }
            .instrument(span),
        );
        tasks.spawn(connection_task);
    };
    // Closed now, not when the last connection has ended: a connect is refused at once.
    drop(listener);
    if let Some(drain) = drain {
        connections.close();
        connections.wait().await;
        drain.mci_finished(&metrics, &settings.name, address);
    }
}

/// What a persistent or one-shot connection reports to.
struct Ends<'a> {
    metrics: &'a ListenerMetrics,
    link: &'a LinkMetrics,
    member: &'a Member,
    undelivered: &'a Undelivered,
}

/// For a dual-socket listener: starts the task that writes answers to the answer socket, and
/// gives what its request connections share. The task ends when they all have.
fn dual_socket(
    answers: Option<TcpListener>,
    settings: &Arc<MciListener>,
    gateway: &Arc<Gateway>,
    link: &LinkMetrics,
    tasks: &TaskTracker,
    shutdown: &CancellationToken,
) -> Option<Arc<Shared>> {
    let ListenerLink::DualSocket { .. } = settings.link else {
        return None;
    };
    let (Some(answers), Some(layout)) =
        (answers, gateway.runtime().layout(&settings.layout).cloned())
    else {
        warn!(listener = %settings.name, "dual-socket listener without its answer socket or layout");
        return None;
    };
    let capacity = settings
        .max_pipelined
        .saturating_mul(QUEUE_PER_PIPELINED)
        .max(1);
    let (sender, queue) = tokio::sync::mpsc::channel(capacity);
    tasks.spawn(dual::answer_loop(
        answers,
        queue,
        settings.clone(),
        layout,
        link.clone(),
        shutdown.clone(),
    ));
    Some(Arc::new(Shared {
        answers: sender,
        link: link.clone(),
    }))
}

/// Serves one connection until the peer closes it, framing breaks, it idles out or shutdown.
async fn connection(
    stream: TcpStream,
    settings: &MciListener,
    gateway: &Arc<Gateway>,
    ends: Ends<'_>,
    shutdown: &CancellationToken,
) {
    let Ends {
        metrics,
        link,
        member,
        undelivered,
    } = ends;
    let one_shot = settings.link == ListenerLink::OneShot;
    let _ = stream.set_nodelay(true);
    let Some(layout) = gateway.runtime().layout(&settings.layout).cloned() else {
        return;
    };
    let (read, mut write) = stream.into_split();
    let mut frames = FramedRead::new(read, layout.framer());
    // Shared with every frame's future: cloning an `Arc` instead of allocating a name per frame.
    let layout_name: Arc<str> = Arc::from(settings.layout.as_str());
    // Set by a frame that cannot be answered as soon as it is handled: the frames behind it are
    // then not sent to the live engine (their answers would never be written, and core banking
    // sends them again after it reconnects), and no more are read. Borrowed by the frames'
    // futures (they live in `in_flight`, declared after it): no count to touch per frame.
    let closing = AtomicBool::new(false);
    let mut in_flight = FuturesOrdered::new();
    let mut reading = true;
    let mut idle_deadline = Instant::now() + settings.idle_timeout;
    // Armed once per connection, not per loop turn: a future made inside `select!` would
    // register with the timer wheel or the token's waiter list and leave it again on every frame.
    // Activity only moves `idle_deadline`; the timer, firing early, is re-armed to it.
    let idle = sleep_until(idle_deadline);
    let stopping = shutdown.cancelled();
    let evicted = member.evicted().cancelled();
    // A planned stop's drain: once it begins, the connection is closed at its first quiet moment
    // (nothing in flight, nothing received for half its mean gap between frames, no byte of a
    // frame pending: `draining::Pace`), before the listeners stop and cut it. `quiet_at` is set
    // when it begins and moved by every frame received and every answer written; the timer,
    // firing early, is re-armed to it. The pace is measured from the first frame (one clock
    // read a frame), so a drain knows it from its start.
    let draining = gateway.draining().clone();
    let drain_begins = draining.started();
    let mut quiet_at: Option<Instant> = None;
    let mut pace = draining::Pace::default();
    let quiet = sleep_until(idle_deadline);
    // Closed by the gateway with nothing in flight (idle, evicted, drained): read until the
    // client closes too, so a frame that crossed the close is counted, not reset ([`linger`]).
    let mut closed_by_us = false;
    tokio::pin!(idle, stopping, evicted, drain_begins, quiet);
    // Reused for every batch of answers, each with the outcome it is counted as once written.
    let mut answers: Vec<(Bytes, FrameOutcome)> = Vec::new();
    let mut stopped = false;
    loop {
        if !reading && in_flight.is_empty() {
            break;
        }
        tokio::select! {
            frame = frames.next(), if reading && !closing.load(Ordering::Relaxed) && in_flight.len() < settings.max_pipelined => {
                match frame {
                    Some(Ok(frame)) => {
                        // One frame per one-shot connection: whatever follows is not read.
                        reading = !one_shot;
                        let now = Instant::now();
                        pace.frame(now);
                        if let Some(at) = quiet_at.as_mut() {
                            *at = pace.close_at(now);
                        }
                        if let Some(role) = layout.transport_role(&frame) {
                            link.ack(role, LinkDirection::Received);
                            continue;
                        }
                        let (gateway, layout_name) = (gateway.clone(), layout_name.clone());
                        let closing = &closing;
                        let frame: Bytes = frame.freeze();
                        in_flight.push_back(async move {
                            // Behind a frame that cannot be answered: never sent (counted when
                            // the connection closes).
                            if closing.load(Ordering::Relaxed) {
                                return None;
                            }
                            let reply = gateway.handle_frame(&layout_name, frame).await;
                            if matches!(reply, FrameReply::Close(..)) {
                                closing.store(true, Ordering::Relaxed);
                            }
                            Some(reply)
                        });
                        member.active(in_flight.len());
                    }
                    // The connection failed (reset by the client, a keep-alive timeout): not the
                    // framing. Answers in flight are still tried (a failed write counts them
                    // `client_closed`); a frame it was sending, cut short, is counted so too.
                    Some(Err(FramingError::Io(error))) => {
                        let partial = !frames.read_buffer().is_empty();
                        if partial {
                            metrics.frame(FrameOutcome::ClientClosed);
                        }
                        debug!(listener = %settings.name, %error, partial, "the connection failed while reading");
                        reading = false;
                    }
                    Some(Err(error)) => {
                        metrics.frame(FrameOutcome::FramingError);
                        warn!(listener = %settings.name, outcome = FrameOutcome::FramingError.as_str(), %error, "framing lost; closing the connection after pending answers");
                        reading = false;
                    }
                    None => reading = false,
                }
            }
            reply = in_flight.next(), if !in_flight.is_empty() => {
                let Some(reply) = reply else { continue };
                // Only behind a close, which ends the connection first; counted all the same.
                let Some(reply) = reply else {
                    metrics.frame(FrameOutcome::GatewayClosed);
                    continue;
                };
                idle_deadline = Instant::now() + settings.idle_timeout;
                // Answers released together (a pipelined frame finished before the one ahead of
                // it) go out in one write: one syscall and one loopback delivery instead of one
                // per answer. Polling with `now_or_never` is safe: the task only sleeps after a
                // `select!` round that polled `in_flight` with the real waker.
                let mut close = None;
                let mut next = Some(reply);
                while let Some(reply) = next.take() {
                    match reply {
                        FrameReply::Answer(answer, outcome) => {
                            answers.push((answer, outcome));
                            next = in_flight.next().now_or_never().flatten().flatten();
                        }
                        FrameReply::Close(outcome, _) => {
                            metrics.frame(outcome);
                            close = Some(outcome);
                        }
                    }
                }
                let mut written = write_answers(&mut write, &answers, settings.idle_timeout).await;
                // No more is read (the client ended its side, or a one-shot frame was read): a
                // client that closed its connection answers the write with a reset, which on
                // the same host is here before the write returns.
                if written.is_ok() && !reading && !answers.is_empty() {
                    written = reset(&write);
                }
                if let Err(failure) = written {
                    // The frames still in flight are dropped with the connection, their live
                    // calls with them: counted, as their shadow comparisons are.
                    let dropped = in_flight.len() + buffered(&mut frames);
                    undelivered.answers(metrics, &layout, &answers, dropped, &failure);
                    return;
                }
                for (_, outcome) in answers.drain(..) {
                    metrics.frame(outcome);
                }
                member.active(in_flight.len());
                if let Some(at) = quiet_at.as_mut() {
                    *at = pace.close_at(Instant::now());
                }
                if let Some(outcome) = close {
                    // The frames behind it are not answered: a client that matches answers by
                    // their order would take the next one for the unanswered frame's. They were
                    // not sent to the live engine (see `closing`); dropped, and counted with
                    // those received but not read yet.
                    let dropped = in_flight.len() + buffered(&mut frames);
                    metrics.frames(FrameOutcome::GatewayClosed, dropped);
                    warn!(listener = %settings.name, outcome = outcome.as_str(), dropped, "frame cannot be answered; closing the connection");
                    return;
                }
            }
            () = &mut idle, if reading && in_flight.is_empty() => {
                if Instant::now() < idle_deadline {
                    idle.as_mut().reset(idle_deadline);
                    continue;
                }
                // A frame waiting in the socket since the reader last looked: not idle.
                if has_bytes(frames.get_mut()) {
                    idle_deadline = Instant::now() + settings.idle_timeout;
                    idle.as_mut().reset(idle_deadline);
                    continue;
                }
                metrics.closed(CloseReason::IdleTimeout);
                debug!(listener = %settings.name, "idle connection closed");
                reading = false;
                closed_by_us = true;
            }
            // Counted at admission. A frame that arrived meanwhile is answered first.
            () = &mut evicted, if reading && in_flight.is_empty() => {
                debug!(listener = %settings.name, "evicted to admit a new connection");
                reading = false;
                closed_by_us = true;
            }
            () = &mut drain_begins, if reading && quiet_at.is_none() => {
                let at = pace.close_at(Instant::now());
                quiet_at = Some(at);
                quiet.as_mut().reset(at);
            }
            () = &mut quiet, if reading && in_flight.is_empty() && quiet_at.is_some() => {
                let now = Instant::now();
                let at = quiet_at.unwrap_or(now);
                if now < at {
                    quiet.as_mut().reset(at);
                    continue;
                }
                // Late (this thread was busy) and near the next frame due: the next gap's middle.
                if !pace.may_close(now) {
                    let at = pace.close_at(now);
                    quiet_at = Some(at);
                    quiet.as_mut().reset(at);
                    continue;
                }
                // Bytes already read (part of a frame), or waiting in the socket since the
                // reader last looked: not quiet (the reader takes them next; their answer moves
                // `quiet_at` again). Peeking narrows the window in which a frame can cross the
                // close to the moment between this look and the FIN.
                if !frames.read_buffer().is_empty() || has_bytes(frames.get_mut()) {
                    quiet_at = Some(now + pace.quiet());
                    quiet.as_mut().reset(now + pace.quiet());
                    continue;
                }
                metrics.closed(CloseReason::Drained);
                debug!(listener = %settings.name, "closed at a quiet moment for the drain");
                reading = false;
                closed_by_us = true;
            }
            () = &mut stopping, if reading => {
                // Stop reading; answers already in flight are still written.
                metrics.closed(CloseReason::Stopped);
                reading = false;
                stopped = true;
            }
        }
    }
    if stopped {
        // Frames that arrived after the stop, whole, are closed with the connection unanswered
        // and never sent to the live engine (core banking sends them again after reconnecting):
        // counted, not dropped silently.
        let (dropped, correlation_id) = arrived(&mut frames, &layout);
        if dropped > 0 {
            metrics.frames(FrameOutcome::GatewayClosed, dropped);
            warn!(listener = %settings.name, outcome = FrameOutcome::GatewayClosed.as_str(), dropped, correlation_id, "frames arrived after the stop; closing the connection without answering them");
        }
    }
    let _ = timeout(settings.idle_timeout, write.shutdown()).await;
    if closed_by_us {
        linger(&mut frames, &layout, settings, metrics).await;
    }
}

/// Whether the socket holds bytes not read yet, looked at without waiting (`false` at the end of
/// the stream or on an error: nothing to answer).
fn has_bytes(read: &mut OwnedReadHalf) -> bool {
    let mut byte = [0u8; 1];
    matches!(read.peek(&mut byte).now_or_never(), Some(Ok(n)) if n > 0)
}

/// Reads a connection the gateway closed with nothing in flight (idle, evicted, drained) until
/// the client closes it too (at most `draining::LINGER`): a frame that crossed the close is
/// counted as `gateway_closed`, never answered, and never reset by the kernel (which a close
/// with unread data would send, possibly before the client read its last answers).
async fn linger(
    frames: &mut FramedRead<OwnedReadHalf, FrameCodec>,
    layout: &Layout,
    settings: &MciListener,
    metrics: &ListenerMetrics,
) {
    let mut crossed = 0;
    // The first one's correlation id, so the transaction left unanswered can be traced (the
    // peer may be a load balancer's address).
    let mut correlation_id = None;
    let reading = async {
        while let Some(Ok(frame)) = frames.next().await {
            if layout.transport_role(&frame).is_none() {
                crossed += 1;
                if crossed == 1 {
                    correlation_id = layout.correlation(&frame);
                }
            }
        }
    };
    let _ = timeout(draining::LINGER, reading).await;
    if crossed > 0 {
        metrics.frames(FrameOutcome::GatewayClosed, crossed);
        warn!(listener = %settings.name, outcome = FrameOutcome::GatewayClosed.as_str(), dropped = crossed, correlation_id, "frames crossed the gateway's close of a quiet connection; not answered (the client sees its connection closed with them outstanding)");
    }
}

/// Frames received whole and not read: those in the reader's buffer and those the socket holds
/// now (read without waiting), taken out and counted, with the first one's correlation id.
fn arrived(
    frames: &mut FramedRead<OwnedReadHalf, FrameCodec>,
    layout: &Layout,
) -> (usize, Option<String>) {
    let (mut count, mut correlation_id) = (0, None);
    while let Some(Some(Ok(frame))) = frames.next().now_or_never() {
        if count == 0 {
            correlation_id = layout.correlation(&frame);
        }
        count += 1;
    }
    (count, correlation_id)
}

/// Frames received whole but not read yet (in the reader's buffer), taken out and counted: a
/// connection closing drops them.
fn buffered(frames: &mut FramedRead<OwnedReadHalf, FrameCodec>) -> usize {
    let mut buffer = std::mem::take(frames.read_buffer_mut());
    let mut count = 0;
    while let Ok(Some(_)) = frames.decoder_mut().decode(&mut buffer) {
        count += 1;
    }
    count
}

/// Writes the answers released together in one write (one answer as it is, several joined); an
/// error when the client did not take them within `within`, or the write failed. An answer that
/// fits the socket buffer (the usual case) goes out in one `try_write`, without arming a timer.
async fn write_answers(
    write: &mut OwnedWriteHalf,
    answers: &[(Bytes, FrameOutcome)],
    within: Duration,
) -> Result<(), Failure> {
    let several: Vec<u8>;
    let joined: &[u8] = match answers {
        [] => return Ok(()),
        [(answer, _)] => answer,
        _ => {
            let mut all = Vec::with_capacity(answers.iter().map(|(answer, _)| answer.len()).sum());
            for (answer, _) in answers {
                all.extend_from_slice(answer);
            }
            several = all;
            &several
        }
    };
    let sent = match write.try_write(joined) {
        Ok(sent) => sent,
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => 0,
        Err(error) => return Err(Failure::Io(error)),
    };
    if sent == joined.len() {
        return Ok(());
    }
    match timeout(within, write.write_all(&joined[sent..])).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(Failure::Io(error)),
        Err(_) => Err(Failure::NotTaken(within)),
    }
}

/// The reset a client that closed its connection answers a write with, if it came (a pending
/// socket error, taken).
fn reset(write: &OwnedWriteHalf) -> Result<(), Failure> {
    match write.as_ref().take_error() {
        Ok(Some(error)) | Err(error) => Err(Failure::Io(error)),
        Ok(None) => Ok(()),
    }
}
