//! [`Driver`]: hyper's `Connection` of one engine connection, polled by the call that holds the
//! connection instead of by a task of its own.
//!
//! The `Connection` future does the socket work: writes the request, reads and parses the answer,
//! hands its head and body over through hyper's channels. A connection serves one call at a time,
//! so that call polls it beside what it waits for (the sender's readiness, the answer, each body
//! frame) in one [`Driver::run`]. A spawned driver cost every call task wake-ups and hand-overs
//! between the caller's task and the driver's; inline, the socket's readiness wakes the caller
//! itself. An idle connection is polled by nobody: [`Driver::probe`] polls it once when it is
//! taken from the pool, which reads a close by the engine before anything is written to it.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::{Connection, SendRequest};
use hyper_util::rt::TokioIo;

use super::error::{chain, EngineErrorKind};
use super::http_conn::EngineStream;
use super::tracked::Tracked;

/// hyper's connection state for one engine connection, in the IO type this client uses.
type HyperConnection = Connection<TokioIo<Tracked<EngineStream>>, Full<Bytes>>;

/// hyper's `Connection` of one engine connection, polled by the call holding the connection.
pub(crate) struct Driver {
    /// Boxed: hyper's state is some 700 bytes, which every call's future would otherwise carry
    /// (and every spawn and `FuturesOrdered` push move); one allocation per connection opened.
    connection: Box<HyperConnection>,
    /// Set once the connection has ended (closed by either side, or failed): it is never polled
    /// again, and never reused.
    ended: bool,
    /// Why it ended, when hyper could hand the error to no request or body.
    error: Option<hyper::Error>,
}

impl Driver {
    /// Drives `connection`, which nobody has polled yet.
    pub(crate) fn new(connection: HyperConnection) -> Driver {
        Driver {
            connection: Box::new(connection),
            ended: false,
            error: None,
        }
    }

    /// Runs `future` (the sender's readiness, the answer's head, a body frame) to its end while
    /// driving the connection, both in this task. Fails when the connection ends first, e.g. the
    /// engine closed it: hyper reports that to the request or body it was serving, which then
    /// ends too, so this failure is only for what hyper had not picked up yet.
    ///
    /// Only the driver's progress can complete `future` (hyper's channels between the two are
    /// filled by the driver), and the driver is polled, with this task's waker, whenever `future`
    /// is not ready: `future` is polled with a no-op waker, so hyper's hand-overs to it do not
    /// wake this task once more. What hyper already handed over (a body that came with its head)
    /// is taken without polling the driver.
    ///
    /// `future` comes pinned by the caller: taken by value, it would be stored twice in this
    /// call's state (as the argument and as the pinned local), and the answer's future holds the
    /// whole request until it is written.
    pub(crate) async fn run<F: Future>(
        &mut self,
        mut future: Pin<&mut F>,
    ) -> Result<F::Output, EngineErrorKind> {
        poll_fn(|cx| {
            let mut quiet = Context::from_waker(Waker::noop());
            if let Poll::Ready(output) = future.as_mut().poll(&mut quiet) {
                return Poll::Ready(Ok(output));
            }
            self.poll(cx);
            match future.as_mut().poll(&mut quiet) {
                Poll::Ready(output) => Poll::Ready(Ok(output)),
                Poll::Pending if self.ended => Poll::Ready(Err(self.end_error())),
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }

    /// Waits until hyper takes a request on the connection, which it does once it has polled its
    /// request channel empty. A pooled connection was polled when it was taken
    /// ([`Self::probe`]), so this is normally known at once: then nothing here registers
    /// this task's waker with hyper's request channel, which sending the request would wake (a
    /// second poll of the whole call for nothing). A fresh connection, never polled, is driven
    /// until it is ready.
    pub(crate) async fn ready(
        &mut self,
        sender: &mut SendRequest<Full<Bytes>>,
    ) -> Result<Result<(), hyper::Error>, EngineErrorKind> {
        let known = sender.poll_ready(&mut Context::from_waker(Waker::noop()));
        match known {
            Poll::Ready(ready) => Ok(ready),
            Poll::Pending => self.run(pin!(sender.ready())).await,
        }
    }

    /// Polls the idle connection once and says whether it has ended: what the engine sent while
    /// it was idle (a close, or unasked bytes, which fail the connection) is read now. The poll
    /// also lets hyper take the next request (see [`Self::ready`]). The no-op waker registered
    /// here replaces only the previous call's, which is done with the connection: the call that
    /// takes it registers its own at its first [`Self::run`].
    pub(crate) fn probe(&mut self) -> bool {
        self.poll(&mut Context::from_waker(Waker::noop()));
        self.ended
    }

    /// Polls the connection once, unless it has ended; notes its end.
    fn poll(&mut self, cx: &mut Context<'_>) {
        if self.ended {
            return;
        }
        if let Poll::Ready(ended) = self.connection.poll_without_shutdown(cx) {
            self.ended = true;
            self.error = ended.err();
        }
    }

    /// The failure of a call whose connection ended under it.
    fn end_error(&self) -> EngineErrorKind {
        match &self.error {
            Some(error) => EngineErrorKind::Io {
                detail: chain(error),
            },
            None => EngineErrorKind::ClosedByPeer,
        }
    }
}
