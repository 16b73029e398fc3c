//! [`Tracked`]: a stream that counts the bytes it reads and writes, so a failed exchange can tell
//! whether its request left and whether any answer byte arrived: the facts that decide if
//! re-sending it is safe.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::stale::StalePhase;

/// A stream whose traffic is counted in a [`Traffic`] shared with its owner.
#[derive(Debug)]
pub(crate) struct Tracked<S> {
    inner: S,
    traffic: Arc<Traffic>,
}

/// Bytes read and written on one connection since it was opened.
#[derive(Debug, Default)]
pub(crate) struct Traffic {
    read: AtomicU64,
    written: AtomicU64,
}

/// The counters at the start of an exchange, to compare with when it fails.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    read: u64,
    written: u64,
}

impl<S> Tracked<S> {
    /// Wraps `inner`; the counters are readable through the returned [`Traffic`].
    pub(crate) fn new(inner: S) -> (Tracked<S>, Arc<Traffic>) {
        let traffic = Arc::new(Traffic::default());
        let tracked = Tracked {
            inner,
            traffic: traffic.clone(),
        };
        (tracked, traffic)
    }

    /// The wrapped stream.
    pub(crate) fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl Traffic {
    /// The counters now.
    pub(crate) fn mark(&self) -> Mark {
        Mark {
            read: self.read.load(Ordering::Relaxed),
            written: self.written.load(Ordering::Relaxed),
        }
    }

    /// How an exchange started at `since` failed, if it failed before the first answer byte:
    /// `Unsent` when nothing was written, `Unanswered` when the request went out. `None` once
    /// an answer byte arrived: the engine certainly acted, and nothing is retried.
    pub(crate) fn stale_phase(&self, since: Mark) -> Option<StalePhase> {
        let now = self.mark();
        if now.read != since.read {
            None
        } else if now.written == since.written {
            Some(StalePhase::Unsent)
        } else {
            Some(StalePhase::Unanswered)
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = buf.filled().len().saturating_sub(before) as u64;
        self.traffic.read.fetch_add(read, Ordering::Relaxed);
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(written)) = polled {
            self.traffic
                .written
                .fetch_add(written as u64, Ordering::Relaxed);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(written)) = polled {
            self.traffic
                .written
                .fetch_add(written as u64, Ordering::Relaxed);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
