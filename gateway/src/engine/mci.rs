//! The `mci` engine client: a bounded pool of persistent TCP connections, one request in flight
//! on each, frames passed through unchanged.
//!
//! A connection goes back to the pool only after a clean exchange. One whose request timed out,
//! failed, or was abandoned by its caller is dropped (closed), so a late answer can never be read
//! by the next caller. An idle connection lives for the engine's [`super::ConnectionLifecycle`];
//! a frame that fails on a reused connection before any answer byte is re-sent once on a fresh
//! connection when that is safe (see [`super::stale`]); otherwise frames are never re-sent: a frame
//! may have reached the engine. With a poll ([`EnginePoll`]), idle connections are polled at an
//! interval and replaced when a poll goes unanswered ([`poll`]).
//!
//! The link mode ([`EngineLink`]) says how connections are used: the pool above
//! (`persistent`), a fresh connection per request closed after its answer (`one_shot`), or a
//! request socket and an answer socket with answers matched by correlation id ([`dual`]).

mod dual;
mod poll;

use std::fmt::Display;
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};
use tokio_util::codec::Decoder;

use super::deadline::CallDeadline;
use super::error::EngineErrorKind;
use super::lifecycle::Ages;
use super::pool::{Failure, Pool, Pooled};
use super::slots::Slots;
use super::stale::ConnectionEvents;
use super::tracked::{Tracked, Traffic};
use super::{EngineBuildError, EngineError, EngineLink, MciEngineSettings, Role};
use crate::link::LinkFrames;
pub use poll::{EnginePoll, PollRound};

/// Free room kept in a connection's read buffer before each read. An answer smaller than it
/// arrives in a read that does not fill the buffer, which tells tokio the socket is drained (it
/// clears the socket's readiness), so the check before reuse ([`Pooled::is_closed`]) needs no
/// syscall. Answers split off the buffer share its allocation: one per several answers.
const READ_ROOM: usize = 4096;

/// A client for one MCI engine, generic over the framer `D` of its layout.
pub struct MciEngine<D> {
    name: Arc<str>,
    address: String,
    new_framer: Box<dyn Fn() -> D + Send + Sync>,
    /// Connections whose last exchange was clean.
    pool: Pool<Connection<D>>,
    /// One permit per connection: idle + busy connections never exceed `max_connections`, because
    /// a connection is opened only by a permit holder who found no idle one.
    slots: Slots,
    connect_timeout: Duration,
    request_timeout: Duration,
    max_answer_bytes: usize,
    /// The poll idle connections are kept alive with, if any.
    poll: Option<poll::PollState>,
    /// How connections are used.
    link: EngineLink,
    /// The dual-socket link, once [`MciEngine::with_link_frames`] gave it its frames.
    dual: Option<dual::DualLink>,
}

struct Connection<D> {
    stream: Tracked<TcpStream>,
    traffic: Arc<Traffic>,
    ages: Ages,
    framer: D,
    buffer: BytesMut,
}

impl<D> MciEngine<D>
where
    D: Decoder<Item = BytesMut> + Send + 'static,
    D::Error: Display,
{
    /// Builds the pool; connections are opened on demand. `new_framer` makes the framer of one
    /// connection (framers keep per-stream state).
    pub fn new(
        settings: MciEngineSettings,
        new_framer: impl Fn() -> D + Send + Sync + 'static,
    ) -> Result<MciEngine<D>, EngineBuildError> {
        for (value, what) in [
            (settings.max_connections, "max_connections"),
            (settings.max_answer_bytes, "max_answer_bytes"),
        ] {
            if value == 0 {
                return Err(EngineBuildError::ZeroLimit {
                    engine: settings.name,
                    what,
                });
            }
        }
        let name: Arc<str> = settings.name.as_str().into();
        Ok(MciEngine {
            pool: Pool::new(name.clone(), settings.lifecycle),
            name,
            address: settings.address,
            new_framer: Box::new(new_framer),
            slots: Slots::new(settings.max_connections),
            connect_timeout: settings.connect_timeout,
            request_timeout: settings.request_timeout,
            max_answer_bytes: settings.max_answer_bytes,
            poll: settings.poll.map(poll::PollState::new),
            link: settings.link,
            dual: None,
        })
    }

    /// Gives a dual-socket link what it reads from frames (correlation ids, acknowledgements);
    /// without it a dual-socket engine refuses every call. Other links ignore it.
    pub fn with_link_frames(mut self, frames: Arc<dyn LinkFrames>) -> Self {
        if let EngineLink::DualSocket { answer_address } = &self.link {
            self.dual = Some(dual::DualLink::new(
                answer_address.clone(),
                frames,
                self.request_timeout,
                self.slots.capacity(),
            ));
        }
        self
    }

    /// Sends stale-connection events (see [`super::StalePhase`]) to `events`, e.g. the metrics.
    pub fn with_events(mut self, events: Arc<dyn ConnectionEvents>) -> Self {
        self.pool.set_events(events);
        self
    }

    /// The engine's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Writes `frame` unchanged and returns the engine's answer frame, framing included.
    ///
    /// Re-sent at most once, on a fresh connection, and only when the first try failed on a
    /// reused connection before any answer byte: for `role` shadow always, for live only when
    /// the engine allows it (`retry_stale_connection`) or when no byte of it was written.
    pub async fn call(&self, frame: &[u8], role: Role) -> Result<Bytes, EngineError> {
        self.call_until(frame, role, None).await
    }

    /// [`Self::call`], ended at `until` when that comes before the request timeout (the
    /// caller's own deadline, e.g. a request's header TTL).
    pub async fn call_until(
        &self,
        frame: &[u8],
        role: Role,
        until: Option<Instant>,
    ) -> Result<Bytes, EngineError> {
        let started = Instant::now();
        let deadline = CallDeadline::new(started, self.request_timeout, until);
        let _slot = self
            .slots
            .acquire(started, deadline.at)
            .await
            .map_err(|k| self.error(k))?;
        if let EngineLink::DualSocket { .. } = self.link {
            let Some(dual) = &self.dual else {
                return Err(self.error(EngineErrorKind::InvalidRequest {
                    detail: "a dual-socket link without a layout to match answers".into(),
                }));
            };
            // Boxed: only dual-socket engines take this branch; inline, its state would be
            // carried (and moved) by every call's future.
            let call = Box::pin(self.call_dual(dual, frame, deadline));
            return match timeout_at(deadline.at, call).await {
                Ok(answer) => answer.map_err(|k| self.error(k)),
                Err(_elapsed) => Err(self.error(deadline.timeout())),
            };
        }
        let attempts = self
            .pool
            .retry_stale(role, |fresh| self.attempt(frame, role, fresh, deadline));
        match timeout_at(deadline.at, attempts).await {
            Ok(answer) => answer.map_err(|k| self.error(k)),
            Err(_elapsed) => Err(self.error(deadline.timeout())),
        }
    }

    /// One try: on a pooled connection unless `fresh`, else on a new one.
    async fn attempt(
        &self,
        frame: &[u8],
        role: Role,
        fresh: bool,
        deadline: CallDeadline,
    ) -> Result<Bytes, Failure> {
        let one_shot = self.link == EngineLink::OneShot;
        let pooled = if fresh || one_shot {
            None
        } else {
            self.pool.take(role)
        };
        let mut connection = match pooled {
            Some(connection) => connection,
            // Boxed: connecting is the rare case (connections are pooled); inline, its state
            // would be carried (and moved) by every call's future.
            None => Box::pin(self.connect(deadline))
                .await
                .map_err(|kind| Failure { kind, stale: None })?,
        };
        let mark = connection.traffic.mark();
        match connection.exchange(frame, self.max_answer_bytes).await {
            Ok(answer) => {
                // Bytes beyond the answer were never asked for: such a connection is not trusted.
                // A one-shot connection is dropped (closed) here, after its one answer.
                if connection.buffer.is_empty() && !one_shot {
                    self.pool.put(connection, None);
                }
                Ok(answer)
            }
            Err(kind) => Err(Failure::of_exchange(
                kind,
                &connection.ages,
                &connection.traffic,
                mark,
            )),
        }
    }

    async fn connect(&self, deadline: CallDeadline) -> Result<Connection<D>, EngineErrorKind> {
        let stream = self.connect_to(&self.address, deadline).await?;
        let (stream, traffic) = Tracked::new(stream);
        Ok(Connection {
            stream,
            traffic,
            ages: Ages::new(Instant::now()),
            framer: (self.new_framer)(),
            buffer: BytesMut::new(),
        })
    }

    /// A TCP connection to `address` within the connect timeout and `deadline`.
    async fn connect_to(
        &self,
        address: &str,
        deadline: CallDeadline,
    ) -> Result<TcpStream, EngineErrorKind> {
        let connect_deadline = deadline.at.min(Instant::now() + self.connect_timeout);
        let stream = match timeout_at(connect_deadline, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                return Err(EngineErrorKind::Connect {
                    detail: format!("{address}: {e}"),
                })
            }
            Err(_elapsed) if connect_deadline < deadline.at => {
                return Err(EngineErrorKind::Connect {
                    detail: format!(
                        "{address}: no connection after {}ms",
                        self.connect_timeout.as_millis()
                    ),
                })
            }
            Err(_elapsed) => return Err(deadline.timeout()),
        };
        // Frames are small and answered one at a time: Nagle would only add latency.
        stream
            .set_nodelay(true)
            .map_err(|e| EngineErrorKind::Connect {
                detail: e.to_string(),
            })?;
        Ok(stream)
    }

    fn error(&self, kind: EngineErrorKind) -> EngineError {
        EngineError::new(self.name.clone(), kind)
    }

    #[cfg(test)]
    pub(super) fn slots(&self) -> &Slots {
        &self.slots
    }
}

impl<D> Connection<D>
where
    D: Decoder<Item = BytesMut>,
    D::Error: Display,
{
    async fn exchange(&mut self, frame: &[u8], max: usize) -> Result<Bytes, EngineErrorKind> {
        let io = |e: std::io::Error| EngineErrorKind::Io {
            detail: e.to_string(),
        };
        self.stream.write_all(frame).await.map_err(io)?;
        loop {
            let decoded = self.framer.decode(&mut self.buffer);
            match decoded.map_err(|e| EngineErrorKind::Framing {
                detail: e.to_string(),
            })? {
                Some(answer) => return Ok(answer.freeze()),
                None if self.buffer.len() >= max => {
                    return Err(EngineErrorKind::TooLarge { limit: max })
                }
                None => {}
            }
            if self.buffer.capacity() - self.buffer.len() < READ_ROOM {
                self.buffer.reserve(READ_ROOM);
            }
            if self.stream.read_buf(&mut self.buffer).await.map_err(io)? == 0 {
                return Err(EngineErrorKind::ClosedByPeer);
            }
        }
    }
}

impl<D> Pooled for Connection<D> {
    fn ages(&self) -> &Ages {
        &self.ages
    }

    fn ages_mut(&mut self) -> &mut Ages {
        &mut self.ages
    }

    /// An idle connection is usable when reading would block: not closed, no unsolicited bytes.
    ///
    /// Known without a syscall when the socket has no readiness: its last read found it drained
    /// and the reactor has seen nothing since (data or a close would have set it again). Else
    /// one non-blocking read says, and a `WouldBlock` clears the readiness for the next check.
    /// Bytes that reached the socket after the reactor's last turn are seen only at the next
    /// check, as bytes arriving after a read probe were: a best-effort check either way. What
    /// keeps a late answer from the next caller is closing a connection whose request timed out.
    fn is_closed(&mut self) -> bool {
        let stream = self.stream.get_ref();
        // Nobody reads an idle connection: the no-op waker registered here replaces no one's.
        let mut cx = Context::from_waker(Waker::noop());
        if stream.poll_read_ready(&mut cx).is_pending() {
            return false;
        }
        let mut probe = [0u8; 1];
        !matches!(stream.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }
}

impl<D> std::fmt::Debug for MciEngine<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MciEngine")
            .field("name", &self.name)
            .field("address", &self.address)
            .field("slots", &self.slots)
            .finish_non_exhaustive()
    }
}
