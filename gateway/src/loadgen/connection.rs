//! One connection's share of a round: send frames (closed loop: as soon as an answer frees a
//! slot; open loop: on a fixed timeline), read answers in order, time each from its intended send
//! time, and count what went wrong.
//!
//! In the open loop a send is never skipped and never waits for an answer: a pacer thread hands
//! each connection its intended send times on a fixed timeline; a connection that is behind
//! sends at once, and the delay counts in the latency, so a stalled system cannot hide its stall
//! by slowing the generator (no coordinated omission). The pacer is a thread with
//! `std::thread::sleep` because the async timer's millisecond ticks would add up to a millisecond
//! of the generator's own lateness to every measurement.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use protocol_mci::Layout;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, timeout, Instant};
use tokio_util::codec::Framed;

use super::frames::FramePool;
use super::summary::Tally;

/// Consecutive failed connection attempts after which a connection gives up its share.
const MAX_CONNECT_FAILURES: u32 = 3;
/// Pause between connection attempts.
const RECONNECT_PAUSE: Duration = Duration::from_millis(100);

/// What one connection does in one round.
#[derive(Debug)]
pub struct Share {
    /// Target.
    pub address: SocketAddr,
    /// First send number of this share (send numbers make correlation ids unique).
    pub first_sequence: u64,
    /// Frames to send, or `None` to send until `until`.
    pub frames: Option<u64>,
    /// When to stop sending (duration mode).
    pub until: Option<Instant>,
    /// Open loop: intended send times from the pacer; closed loop: `None`.
    pub ticks: Option<mpsc::Receiver<Instant>>,
    /// Frames in flight at most.
    pub depth: usize,
    /// Bound on an answer.
    pub timeout: Duration,
}

/// Runs one share to its end and returns its tally.
pub async fn drive(mut share: Share, layout: Arc<Layout>, pool: Arc<FramePool>) -> Tally {
    let mut tally = Tally::new();
    let mut connection: Option<Framed<TcpStream, protocol_mci::FrameCodec>> = None;
    // (intended send time, actual send time) of each frame in flight, oldest first.
    let mut in_flight: VecDeque<(Instant, Instant)> = VecDeque::new();
    let mut sent: u64 = 0;
    let mut failures = 0;
    let mut ticks_done = false;
    loop {
        let now = Instant::now();
        let more = match share.ticks {
            Some(_) => !ticks_done,
            None => {
                share.frames.is_none_or(|n| sent < n) && share.until.is_none_or(|until| now < until)
            }
        };
        if !more && in_flight.is_empty() {
            break;
        }
        let Some(framed) = connection.as_mut() else {
            if !more {
                break;
            }
            match timeout(share.timeout, TcpStream::connect(share.address)).await {
                Ok(Ok(stream)) => {
                    let _ = stream.set_nodelay(true);
                    connection = Some(Framed::new(stream, layout.framer()));
                    failures = 0;
                }
                failed => {
                    tally.connection_errors += 1;
                    if matches!(&failed, Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused)
                    {
                        tally.refused += 1;
                    }
                    failures += 1;
                    if failures >= MAX_CONNECT_FAILURES {
                        tally.not_sent += match share.ticks.as_mut() {
                            // Open loop: the intended sends handed to it and not sent; closing
                            // first makes the pacer count the ones it hands out after.
                            Some(ticks) => {
                                ticks.close();
                                let mut queued = 0;
                                while ticks.try_recv().is_ok() {
                                    queued += 1;
                                }
                                queued
                            }
                            None => share.frames.map_or(0, |n| n - sent),
                        };
                        break;
                    }
                    tokio::time::sleep(RECONNECT_PAUSE).await;
                }
            }
            continue;
        };
        let can_send = more && in_flight.len() < share.depth;
        let oldest = in_flight.front().map(|(_, actual)| *actual + share.timeout);
        tokio::select! {
            biased;
            // Nothing in flight: only the target closing the connection (a drain closes
            // connections when they are quiet) or a stray byte can arrive. A close is not an
            // error and loses nothing: the next frame goes on a new connection, as a client
            // that watches its idle connections does. Anything else breaks the connection.
            answer = framed.next() => match answer {
                None if in_flight.is_empty() => {
                    tally.closed_idle += 1;
                    connection = None;
                }
                Some(_) if in_flight.is_empty() => {
                    tally.connection_errors += 1;
                    connection = None;
                }
                Some(Ok(frame)) => {
                    let done = Instant::now();
                    if let Some((intended, actual)) = in_flight.pop_front() {
                        tally.answered(&layout, &frame, done - intended, done - actual);
                    }
                }
                broken => {
                    // An HTTP server answers an MCI frame with an HTTP status line (or not at
                    // all): say so rather than leave a framing error to guess from.
                    if matches!(broken, Some(Err(_))) && framed.read_buffer().starts_with(b"HTTP/") {
                        tally.http_answers += 1;
                    }
                    tally.connection_errors += 1;
                    tally.lost += in_flight.len() as u64;
                    in_flight.clear();
                    connection = None;
                }
            },
            () = sleep_until(oldest.unwrap_or(now)), if oldest.is_some() => {
                // The oldest answer is overdue: everything in flight on this connection is given
                // up and the connection closed, so a late answer is never taken for another.
                tally.timeouts += in_flight.len() as u64;
                in_flight.clear();
                connection = None;
            }
            intended = next_send(&mut share.ticks), if can_send => {
                let Some(intended) = intended else {
                    ticks_done = true;
                    continue;
                };
                let frame = pool.frame(share.first_sequence + sent);
                let actual = Instant::now();
                sent += 1;
                tally.sent += 1;
                match timeout(share.timeout, framed.send(frame)).await {
                    Ok(Ok(())) => in_flight.push_back((intended.min(actual), actual)),
                    _ => {
                        tally.connection_errors += 1;
                        tally.lost += in_flight.len() as u64 + 1;
                        in_flight.clear();
                        connection = None;
                    }
                }
            }
        }
    }
    tally
}

/// The next intended send time: the pacer's (open loop) or now (closed loop); `None` when the
/// pacer is done.
async fn next_send(ticks: &mut Option<mpsc::Receiver<Instant>>) -> Option<Instant> {
    match ticks {
        Some(ticks) => ticks.recv().await,
        None => Some(Instant::now()),
    }
}
