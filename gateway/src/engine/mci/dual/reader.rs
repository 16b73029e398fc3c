//! The two readers of a dual-socket engine link: the answer socket's, which hands each answer
//! to the request waiting for its correlation id (or counts it as unmatched) and acknowledges
//! it; and the request socket's, which counts the engine's acknowledgements.

use std::fmt::Display;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use protocol_mci::TransportRole;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};
use tokio_util::codec::Decoder;

use super::Waiters;
use crate::engine::stale::ConnectionEvents;
use crate::link::LinkFrames;

/// What a reader needs, moved into its task.
pub(super) struct Reader<D> {
    pub(super) frames: Arc<dyn LinkFrames>,
    pub(super) waiters: Arc<Mutex<Waiters>>,
    pub(super) events: Arc<dyn ConnectionEvents>,
    pub(super) broken: Arc<AtomicBool>,
    pub(super) framer: D,
    pub(super) max_answer_bytes: usize,
    pub(super) late_window: Duration,
    pub(super) request_timeout: Duration,
}

impl<D> Reader<D>
where
    D: Decoder<Item = BytesMut> + Send + 'static,
    D::Error: Display,
{
    /// Hands every answer on the answer socket to its waiter (acknowledging it when the layout
    /// says so) until the socket ends; then fails every waiter, whose answers are lost.
    pub(super) async fn answers(mut self, stream: TcpStream) {
        let (mut read, mut write) = stream.into_split();
        let mut buffer = BytesMut::new();
        while let Some(frame) = self.next(&mut read, &mut buffer).await {
            if let Some(role) = self.frames.acknowledgement(&frame) {
                self.events.acknowledgement(role, false);
                continue;
            }
            self.deliver(frame.clone());
            if let Some(ack) = self.frames.acknowledge(TransportRole::Ack, &frame) {
                let written = timeout(self.request_timeout, write.write_all(&ack)).await;
                if !matches!(written, Ok(Ok(()))) {
                    break;
                }
                self.events.acknowledgement(TransportRole::Ack, true);
            }
        }
        self.broken.store(true, Ordering::Release);
        let mut waiters = self.waiters.lock().unwrap_or_else(PoisonError::into_inner);
        let until = Instant::now() + self.late_window;
        // Their answers may still come on a new answer socket: they must find no waiter.
        let failed: Vec<String> = waiters.waiting.drain().map(|(id, _)| id).collect();
        waiters
            .late
            .extend(failed.into_iter().map(|id| (id, until)));
    }

    /// Counts the acknowledgements the engine sends on the request socket until it ends. A NAK
    /// is counted only: its request times out (a NAK need not carry a decodable header).
    pub(super) async fn acknowledgements(mut self, mut read: tokio::net::tcp::OwnedReadHalf) {
        let mut buffer = BytesMut::new();
        while let Some(frame) = self.next(&mut read, &mut buffer).await {
            match self.frames.acknowledgement(&frame) {
                Some(role) => self.events.acknowledgement(role, false),
                None => tracing::debug!("frame on a dual-socket request connection ignored"),
            }
        }
        self.broken.store(true, Ordering::Release);
    }

    /// The next frame, or `None` when the socket ended, failed or lost framing.
    async fn next(
        &mut self,
        read: &mut (impl AsyncRead + Unpin),
        buffer: &mut BytesMut,
    ) -> Option<Bytes> {
        loop {
            match self.framer.decode(buffer) {
                Ok(Some(frame)) => return Some(frame.freeze()),
                Ok(None) if buffer.len() < self.max_answer_bytes => {}
                Ok(None) => return None,
                Err(error) => {
                    tracing::warn!(%error, "dual-socket link lost framing; reconnecting");
                    return None;
                }
            }
            if !matches!(read.read_buf(buffer).await, Ok(n) if n > 0) {
                return None;
            }
        }
    }

    /// Gives `frame` to the request waiting for its id, or counts it as unmatched.
    fn deliver(&self, frame: Bytes) {
        let id = self.frames.correlation(&frame);
        let sender = {
            let mut waiters = self.waiters.lock().unwrap_or_else(PoisonError::into_inner);
            match &id {
                Some(id) => {
                    let sender = waiters.waiting.remove(id);
                    if sender.is_none() {
                        waiters.late.remove(id);
                    }
                    sender
                }
                None => None,
            }
        };
        // A waiter that gave up between the lookup and the send drops the answer: unmatched too.
        if sender.is_none_or(|s| s.send(frame).is_err()) {
            tracing::debug!("answer on a dual-socket link matched no waiting request; dropped");
            self.events.unmatched_answer();
        }
    }
}
