//! Clients of the gateway's ingress: an MCI connection speaking the layout's framing, with a
//! deadline on every wait, and a one-shot HTTP POST.

use std::net::SocketAddr;

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use protocol_mci::FrameCodec;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::FramedRead;

use super::frames::layout;
use super::DEADLINE;

/// A connection to the MCI listener speaking the layout's framing.
pub struct MciClient {
    frames: FramedRead<OwnedReadHalf, FrameCodec>,
    write: OwnedWriteHalf,
}

impl MciClient {
    /// Connects to an MCI listener.
    pub async fn connect(address: SocketAddr) -> MciClient {
        MciClient::connect_with(address, layout().framer()).await
    }

    /// Connects to an MCI listener whose layout is not the example one.
    pub async fn connect_with(address: SocketAddr, framer: FrameCodec) -> MciClient {
        let stream = timeout(DEADLINE, TcpStream::connect(address))
            .await
            .unwrap()
            .unwrap();
        stream.set_nodelay(true).unwrap();
        let (read, write) = stream.into_split();
        MciClient {
            frames: FramedRead::new(read, framer),
            write,
        }
    }

    /// Connects, or `None` when the connection is refused or not made within [`DEADLINE`] (a
    /// client of a load balancer whose backends come and go).
    pub async fn try_connect(address: SocketAddr) -> Option<MciClient> {
        let stream = timeout(DEADLINE, TcpStream::connect(address))
            .await
            .ok()?
            .ok()?;
        stream.set_nodelay(true).ok()?;
        let (read, write) = stream.into_split();
        Some(MciClient {
            frames: FramedRead::new(read, layout().framer()),
            write,
        })
    }

    /// Sends one frame and reads its answer; `None` when the connection breaks or no answer
    /// comes within [`DEADLINE`] (the gateway behind it was killed).
    pub async fn try_call(&mut self, frame: &[u8]) -> Option<Bytes> {
        timeout(DEADLINE, self.write.write_all(frame))
            .await
            .ok()?
            .ok()?;
        match timeout(DEADLINE, self.frames.next()).await.ok()? {
            Some(Ok(frame)) => Some(frame.freeze()),
            Some(Err(_)) | None => None,
        }
    }

    /// Writes bytes as they are (a frame, several frames, or garbage).
    pub async fn send(&mut self, bytes: &[u8]) {
        timeout(DEADLINE, self.write.write_all(bytes))
            .await
            .unwrap()
            .unwrap();
    }

    /// Reads one answer frame; panics on a closed connection or after [`DEADLINE`].
    pub async fn recv(&mut self) -> Bytes {
        match self.next().await {
            Some(frame) => frame,
            None => panic!("the gateway closed the connection instead of answering"),
        }
    }

    /// Sends one frame and reads its answer.
    pub async fn call(&mut self, frame: &[u8]) -> Bytes {
        self.send(frame).await;
        self.recv().await
    }

    /// Whether the gateway closed the connection (end of stream or reset) within [`DEADLINE`]
    /// without sending anything more; panics if it answered instead.
    pub async fn is_closed(&mut self) -> bool {
        match self.next().await {
            None => true,
            Some(frame) => panic!("expected a closed connection, got an answer of {frame:?}"),
        }
    }

    /// The next frame, or `None` when the stream ended or broke.
    async fn next(&mut self) -> Option<Bytes> {
        let next = timeout(DEADLINE, self.frames.next())
            .await
            .expect("no answer within the deadline");
        match next {
            Some(Ok(frame)) => Some(frame.freeze()),
            Some(Err(_)) | None => None,
        }
    }
}

/// `POST {url}` with a body and content type; returns status and body.
pub async fn post(url: &str, content_type: &str, body: impl Into<Bytes>) -> (u16, Bytes) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = http::Request::post(url)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(Full::new(body.into()))
        .unwrap();
    let response = timeout(DEADLINE, client.request(request))
        .await
        .unwrap()
        .unwrap();
    let status = response.status().as_u16();
    let body = timeout(DEADLINE, response.into_body().collect())
        .await
        .unwrap()
        .unwrap()
        .to_bytes();
    (status, body)
}

/// `GET {url}`; returns status and body as text.
pub async fn get(url: &str) -> (u16, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = timeout(DEADLINE, client.get(url.parse().unwrap()))
        .await
        .unwrap()
        .unwrap();
    let status = response.status().as_u16();
    let body = timeout(DEADLINE, response.into_body().collect())
        .await
        .unwrap()
        .unwrap()
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}
