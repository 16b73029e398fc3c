//! [`EngineStream`]: the byte stream under an HTTP engine connection, plain TCP or TLS.
//!
//! Named rather than boxed as `dyn AsyncRead + AsyncWrite`: each connection is polled by the call
//! that holds it (see [`super::http_conn`]), and every read and write of every call goes through
//! this type, so a `match` is cheaper than a virtual call and the connection's type stays
//! nameable.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// An engine connection's stream: `http` engines speak over TCP, `https` ones over TLS on TCP.
#[derive(Debug)]
pub(crate) enum EngineStream {
    /// An `http://` engine.
    Tcp(TcpStream),
    /// An `https://` engine. Boxed: rustls' connection state is a kilobyte or more, and a plain
    /// TCP connection should not carry its size.
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for EngineStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            EngineStream::Tcp(tcp) => Pin::new(tcp).poll_read(cx, buf),
            EngineStream::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for EngineStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            EngineStream::Tcp(tcp) => Pin::new(tcp).poll_write(cx, buf),
            EngineStream::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            EngineStream::Tcp(tcp) => Pin::new(tcp).poll_write_vectored(cx, bufs),
            EngineStream::Tls(tls) => Pin::new(tls.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            EngineStream::Tcp(tcp) => tcp.is_write_vectored(),
            EngineStream::Tls(tls) => tls.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            EngineStream::Tcp(tcp) => Pin::new(tcp).poll_flush(cx),
            EngineStream::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            EngineStream::Tcp(tcp) => Pin::new(tcp).poll_shutdown(cx),
            EngineStream::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
        }
    }
}
