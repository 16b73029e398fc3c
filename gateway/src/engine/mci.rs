//! The `mci` engine client: a bounded pool of persistent TCP connections, one request in flight
//! on each, frames passed through unchanged.
//!
//! A connection goes back to the pool only after a clean exchange. One whose request timed out,
//! failed, or was abandoned by its caller is dropped (closed), so a late answer can never be read
//! by the next caller. Requests are never retried: a frame may have reached the engine.

use std::fmt::Display;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};
use tokio_util::codec::Decoder;

use super::error::EngineErrorKind;
use super::slots::Slots;
use super::{EngineBuildError, EngineError, MciEngineSettings};

/// A client for one MCI engine, generic over the framer `D` of its layout.
pub struct MciEngine<D> {
    name: Arc<str>,
    address: String,
    new_framer: Box<dyn Fn() -> D + Send + Sync>,
    /// Connections whose last exchange was clean. Locked only briefly, never across an await.
    idle: Mutex<Vec<Connection<D>>>,
    /// One permit per connection: idle + busy connections never exceed `max_connections`, because
    /// a connection is opened only by a permit holder who found no idle one.
    slots: Slots,
    connect_timeout: Duration,
    request_timeout: Duration,
    max_answer_bytes: usize,
}

struct Connection<D> {
    stream: TcpStream,
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
        Ok(MciEngine {
            name: settings.name.as_str().into(),
            address: settings.address,
            new_framer: Box::new(new_framer),
            idle: Mutex::new(Vec::new()),
            slots: Slots::new(settings.max_connections),
            connect_timeout: settings.connect_timeout,
            request_timeout: settings.request_timeout,
            max_answer_bytes: settings.max_answer_bytes,
        })
    }

    /// The engine's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Writes `frame` unchanged and returns the engine's answer frame, framing included.
    pub async fn call(&self, frame: &[u8]) -> Result<Bytes, EngineError> {
        let started = Instant::now();
        let deadline = started + self.request_timeout;
        let _slot = self
            .slots
            .acquire(started, deadline)
            .await
            .map_err(|k| self.error(k))?;
        let mut connection = match self.take_idle() {
            Some(connection) => connection,
            None => self.connect(deadline).await?,
        };
        match timeout_at(deadline, connection.exchange(frame, self.max_answer_bytes)).await {
            Ok(Ok(answer)) => {
                // Bytes beyond the answer were never asked for: such a connection is not trusted.
                if connection.buffer.is_empty() {
                    self.put_idle(connection);
                }
                Ok(answer)
            }
            Ok(Err(kind)) => Err(self.error(kind)),
            Err(_elapsed) => Err(self.error(EngineErrorKind::Timeout {
                after: self.request_timeout,
            })),
        }
    }

    fn take_idle(&self) -> Option<Connection<D>> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        // Most recently used first; connections the engine closed while idle are dropped here,
        // before a frame is written to them, so a stale connection never costs a request.
        while let Some(connection) = idle.pop() {
            if connection.is_open() {
                return Some(connection);
            }
        }
        None
    }

    fn put_idle(&self, connection: Connection<D>) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(connection);
    }

    async fn connect(&self, deadline: Instant) -> Result<Connection<D>, EngineError> {
        let connect_deadline = deadline.min(Instant::now() + self.connect_timeout);
        let stream = match timeout_at(connect_deadline, TcpStream::connect(&self.address)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                return Err(self.error(EngineErrorKind::Connect {
                    detail: format!("{}: {e}", self.address),
                }))
            }
            Err(_elapsed) if connect_deadline < deadline => {
                return Err(self.error(EngineErrorKind::Connect {
                    detail: format!(
                        "{}: no connection after {}ms",
                        self.address,
                        self.connect_timeout.as_millis()
                    ),
                }))
            }
            Err(_elapsed) => {
                return Err(self.error(EngineErrorKind::Timeout {
                    after: self.request_timeout,
                }))
            }
        };
        // Frames are small and answered one at a time: Nagle would only add latency.
        stream.set_nodelay(true).map_err(|e| {
            self.error(EngineErrorKind::Connect {
                detail: e.to_string(),
            })
        })?;
        Ok(Connection {
            stream,
            framer: (self.new_framer)(),
            buffer: BytesMut::new(),
        })
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
            if self.stream.read_buf(&mut self.buffer).await.map_err(io)? == 0 {
                return Err(EngineErrorKind::ClosedByPeer);
            }
        }
    }

    /// An idle connection is usable when reading would block: not closed, no unsolicited bytes.
    fn is_open(&self) -> bool {
        let mut probe = [0u8; 1];
        matches!(self.stream.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
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
