//! A fake dual-socket MCI engine: requests arrive on one port, answers leave on another (the
//! gateway connects to both). After each request a script says which answer frames to write on
//! the answer socket now, so a test can answer out of order, late, or not at all.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::codec::Decoder;
use tokio_util::task::AbortOnDropHandle;

/// Given every request received so far (the newest last), the frames to write now.
type Script = Arc<dyn Fn(&[Bytes]) -> Vec<Bytes> + Send + Sync>;

/// A running fake dual-socket engine. Dropping it stops it and closes its sockets.
pub struct FakeDualMci {
    requests: SocketAddr,
    answers: SocketAddr,
    /// Frames the gateway wrote on the answer socket (its acknowledgements).
    acknowledgements: Arc<Mutex<Vec<Bytes>>>,
    _server: AbortOnDropHandle<()>,
}

impl FakeDualMci {
    /// Binds two ports on `127.0.0.1` and serves one request socket and one answer socket at a
    /// time, framed by `new_framer`, answering as `script` says.
    pub async fn start<D>(
        new_framer: impl Fn() -> D + Send + Sync + 'static,
        script: impl Fn(&[Bytes]) -> Vec<Bytes> + Send + Sync + 'static,
    ) -> FakeDualMci
    where
        D: Decoder<Item = BytesMut> + Send + 'static,
    {
        let request_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let answer_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let requests = request_listener.local_addr().unwrap();
        let answers = answer_listener.local_addr().unwrap();
        let acknowledgements = Arc::new(Mutex::new(Vec::new()));
        let script: Script = Arc::new(script);
        let acks = acknowledgements.clone();
        let server = tokio::spawn(async move {
            let (to_answer, mut outgoing) = mpsc::channel::<Bytes>(64);
            let (answer_socket, _) = answer_listener.accept().await.unwrap();
            let (mut answer_read, mut answer_write) = answer_socket.into_split();
            let mut ack_framer = new_framer();
            let reader = tokio::spawn(async move {
                let mut buffer = BytesMut::new();
                while matches!(answer_read.read_buf(&mut buffer).await, Ok(n) if n > 0) {
                    while let Some(frame) = ack_framer.decode(&mut buffer).ok().flatten() {
                        acks.lock().unwrap().push(frame.freeze());
                    }
                }
            });
            let _reader = AbortOnDropHandle::new(reader);
            let writer = tokio::spawn(async move {
                while let Some(frame) = outgoing.recv().await {
                    if answer_write.write_all(&frame).await.is_err() {
                        return;
                    }
                }
            });
            let _writer = AbortOnDropHandle::new(writer);
            let mut seen: Vec<Bytes> = Vec::new();
            // One request socket at a time; health probes connect and close in between.
            while let Ok((mut request_socket, _)) = request_listener.accept().await {
                let mut framer = new_framer();
                let mut buffer = BytesMut::new();
                while matches!(request_socket.read_buf(&mut buffer).await, Ok(n) if n > 0) {
                    // Settled before any await: framer errors need not be `Send`.
                    while let Some(frame) = framer.decode(&mut buffer).ok().flatten() {
                        seen.push(frame.freeze());
                        for answer in script(&seen) {
                            to_answer.send(answer).await.unwrap();
                        }
                    }
                }
            }
        });
        FakeDualMci {
            requests,
            answers,
            acknowledgements,
            _server: AbortOnDropHandle::new(server),
        }
    }

    /// Where requests are sent (the engine's `address`).
    pub fn requests_addr(&self) -> SocketAddr {
        self.requests
    }

    /// Where answers are read from (the engine's `answer_address`).
    pub fn answers_addr(&self) -> SocketAddr {
        self.answers
    }

    /// Frames the gateway wrote on the answer socket so far.
    pub fn acknowledgements(&self) -> Vec<Bytes> {
        self.acknowledgements.lock().unwrap().clone()
    }
}
