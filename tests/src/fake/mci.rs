//! A fake MCI engine: persistent TCP connections, one frame read and answered at a time, with a
//! delay chosen per request so tests can make one answer late.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::codec::Decoder;
use tokio_util::task::AbortOnDropHandle;

use super::Gauge;

type Reply = Arc<dyn Fn(&[u8]) -> Bytes + Send + Sync>;
type Delay = Arc<dyn Fn(usize) -> Duration + Send + Sync>;

/// Configures a fake MCI engine; see [`super::FakeEngine::mci`].
pub struct FakeMciBuilder<D> {
    new_framer: Arc<dyn Fn() -> D + Send + Sync>,
    reply: Reply,
    delay: Delay,
    close_after: Option<usize>,
    idle_close: Option<Duration>,
    drop_requests: Vec<usize>,
}

/// A running fake MCI engine. Dropping it stops the server and closes its connections.
pub struct FakeMci {
    addr: SocketAddr,
    connections: Gauge,
    requests: Arc<AtomicUsize>,
    _server: AbortOnDropHandle<()>,
}

struct Behaviour {
    reply: Reply,
    delay: Delay,
    close_after: Option<usize>,
    idle_close: Option<Duration>,
    drop_requests: Vec<usize>,
    requests: Arc<AtomicUsize>,
}

impl<D> FakeMciBuilder<D>
where
    D: Decoder<Item = BytesMut> + Send + 'static,
{
    pub(super) fn new(new_framer: impl Fn() -> D + Send + Sync + 'static) -> Self {
        FakeMciBuilder {
            new_framer: Arc::new(new_framer),
            reply: Arc::new(Bytes::copy_from_slice),
            delay: Arc::new(|_| Duration::ZERO),
            close_after: None,
            idle_close: None,
            drop_requests: Vec::new(),
        }
    }

    /// Closes a connection on which no byte arrived for `idle` while it waited for a frame, like
    /// a legacy engine that drops idle connections.
    pub fn idle_close(mut self, idle: Duration) -> Self {
        self.idle_close = Some(idle);
        self
    }

    /// Reads the `n`-th frame (from 0, over all connections) and closes its connection without
    /// answering.
    pub fn drop_request(mut self, n: usize) -> Self {
        self.drop_requests.push(n);
        self
    }

    /// Answers each frame (framing included) with `reply(frame)` (framing included).
    pub fn reply(mut self, reply: impl Fn(&[u8]) -> Bytes + Send + Sync + 'static) -> Self {
        self.reply = Arc::new(reply);
        self
    }

    /// Waits this long before answering each frame.
    pub fn delay(self, delay: Duration) -> Self {
        self.delay_by(move |_| delay)
    }

    /// Waits `delay(n)` before answering the `n`-th frame received (from 0, over all connections).
    pub fn delay_by(mut self, delay: impl Fn(usize) -> Duration + Send + Sync + 'static) -> Self {
        self.delay = Arc::new(delay);
        self
    }

    /// Closes each connection after answering `answers` frames on it, like an engine with an
    /// idle or per-connection limit.
    pub fn close_after(mut self, answers: usize) -> Self {
        self.close_after = Some(answers);
        self
    }

    /// Binds `127.0.0.1:0` and starts serving.
    pub async fn start(self) -> FakeMci {
        self.start_at("127.0.0.1:0".parse().unwrap()).await
    }

    /// Binds `address` (an engine coming up where the gateway expects it) and starts serving.
    pub async fn start_at(self, address: SocketAddr) -> FakeMci {
        let listener = TcpListener::bind(address).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Gauge::default();
        let requests = Arc::new(AtomicUsize::new(0));
        let behaviour = Arc::new(Behaviour {
            reply: self.reply,
            delay: self.delay,
            close_after: self.close_after,
            idle_close: self.idle_close,
            drop_requests: self.drop_requests,
            requests: requests.clone(),
        });
        let new_framer = self.new_framer;
        let gauge = connections.clone();
        let server = tokio::spawn(async move {
            // Connections live in the accept task's set: aborting the task drops (closes) them.
            let mut tasks = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let open = gauge.enter();
                let (behaviour, framer) = (behaviour.clone(), new_framer());
                tasks.spawn(async move {
                    serve(stream, framer, &behaviour).await;
                    drop(open);
                });
                while tasks.try_join_next().is_some() {}
            }
        });
        FakeMci {
            addr,
            connections,
            requests,
            _server: AbortOnDropHandle::new(server),
        }
    }
}

impl FakeMci {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far.
    pub fn connections_accepted(&self) -> usize {
        self.connections.total()
    }

    /// The most connections open at once (a connection counts until the fake sees it close).
    pub fn peak_connections(&self) -> usize {
        self.connections.peak()
    }

    /// Connections open now (a connection counts until the fake sees it close).
    pub fn open_connections(&self) -> usize {
        self.connections.current()
    }

    /// Frames received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Reads frames one at a time and answers each; ends when the peer closes, framing is lost,
/// `close_after` answers were given, the connection idled for `idle_close` or a frame is dropped.
async fn serve<D>(mut stream: TcpStream, mut framer: D, behaviour: &Behaviour)
where
    D: Decoder<Item = BytesMut>,
{
    let mut buffer = BytesMut::new();
    let mut answered = 0;
    while behaviour.close_after != Some(answered) {
        // The decode result is settled before any await: framer errors need not be `Send`.
        let frame = match framer.decode(&mut buffer) {
            Ok(frame) => frame,
            Err(_) => return,
        };
        let Some(frame) = frame else {
            let read = stream.read_buf(&mut buffer);
            let read = match behaviour.idle_close {
                Some(idle) => match tokio::time::timeout(idle, read).await {
                    Ok(read) => read,
                    Err(_idle) => return,
                },
                None => read.await,
            };
            match read {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        };
        let n = behaviour.requests.fetch_add(1, Ordering::SeqCst);
        if behaviour.drop_requests.contains(&n) {
            return;
        }
        tokio::time::sleep((behaviour.delay)(n)).await;
        if stream.write_all(&(behaviour.reply)(&frame)).await.is_err() {
            return;
        }
        answered += 1;
    }
}
