//! One HTTP/1.1 connection to an engine, how it is opened (TCP, then TLS for `https`, then
//! hyper's client handshake), and how it is driven: by the call that holds it, in its own task.
//!
//! hyper's `Connection` future, which does the socket work, is not spawned: the call holding the
//! connection drives it (see [`Driver`]).
//!
//! The client keeps its own connections instead of hyper-util's pooled client because that pool
//! can neither tell whether a failed request went over a reused connection, nor expire one
//! connection early (an engine's `Keep-Alive` hint), nor cap a connection's age. `https` engines
//! are spoken to in HTTP/1.1 (ALPN `http/1.1`): one request per connection at a time, bounded by
//! the engine's `max_in_flight`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, CONNECTION};
use http::Response;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use tokio_util::either::Either;

use super::deadline::CallDeadline;
use super::error::{chain, EngineErrorKind};
use super::http_drive::Driver;
use super::lifecycle::{keep_alive_hint, Ages};
use super::pool::Pooled;
use super::tracked::{Tracked, Traffic};
use super::TlsSettings;

/// Not one of `http`'s named headers: named once rather than parsed from text per answer.
const KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");

/// The stream under an engine connection: TCP for `http://`, TLS on TCP for `https://` (boxed:
/// rustls' state is a kilobyte or more, which a plain TCP connection should not carry). A named
/// type, not a `dyn` stream: the call holding the connection polls it ([`Driver`]), and every
/// read and write goes through it.
pub(crate) type EngineStream = Either<TcpStream, Box<TlsStream<TcpStream>>>;

/// Opens connections to one engine.
pub(crate) struct Connector {
    /// `host:port`, the port defaulted from the scheme.
    address: String,
    connect_timeout: Duration,
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

/// An open connection: hyper's sender, the driver of its socket, its traffic and its clock.
pub(crate) struct HttpConnection {
    pub(crate) sender: SendRequest<Full<Bytes>>,
    /// Dropping the connection drops its driver, which closes the socket at once: a connection
    /// abandoned mid-exchange (timeout, cancelled caller) never answers anyone else.
    pub(crate) driver: Driver,
    pub(crate) traffic: Arc<Traffic>,
    pub(crate) ages: Ages,
}

impl Connector {
    /// A connector to `address`; with `tls`, the engine's certificate is checked against
    /// `server_name` (or `host`, when the settings name none).
    pub(crate) fn new(
        address: String,
        host: &str,
        connect_timeout: Duration,
        tls: Option<&TlsSettings>,
    ) -> Result<Connector, &'static str> {
        let tls = match tls {
            None => None,
            Some(tls) => {
                let name = match &tls.server_name {
                    Some(name) => name.clone(),
                    None => ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
                        .map_err(|_| "the url host is not a valid tls server name")?,
                };
                // One request at a time per connection: offer HTTP/1.1 only.
                let mut config = (*tls.config).clone();
                config.alpn_protocols = vec![b"http/1.1".to_vec()];
                Some((TlsConnector::from(Arc::new(config)), name))
            }
        };
        Ok(Connector {
            address,
            connect_timeout,
            tls,
        })
    }

    /// Opens a connection. The connect timeout bounds TCP, TLS and the HTTP handshake together;
    /// `deadline` (the call's) bounds it too, and wins when it comes first.
    pub(crate) async fn open(
        &self,
        deadline: CallDeadline,
    ) -> Result<HttpConnection, EngineErrorKind> {
        let connect_deadline = deadline.at.min(Instant::now() + self.connect_timeout);
        match timeout_at(connect_deadline, self.establish()).await {
            Ok(opened) => opened,
            Err(_elapsed) if connect_deadline < deadline.at => Err(EngineErrorKind::Connect {
                detail: format!(
                    "{}: no connection after {}ms",
                    self.address,
                    self.connect_timeout.as_millis()
                ),
            }),
            Err(_elapsed) => Err(deadline.timeout()),
        }
    }

    async fn establish(&self) -> Result<HttpConnection, EngineErrorKind> {
        let connect = |detail: String| EngineErrorKind::Connect {
            detail: format!("{}: {detail}", self.address),
        };
        let tcp = TcpStream::connect(&self.address)
            .await
            .map_err(|e| connect(e.to_string()))?;
        // Requests are small and answered one at a time: Nagle would only add latency.
        tcp.set_nodelay(true).map_err(|e| connect(e.to_string()))?;
        let stream = match &self.tls {
            None => Either::Left(tcp),
            Some((connector, name)) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|e| connect(format!("tls handshake: {}", chain(&e))))?;
                Either::Right(Box::new(tls))
            }
        };
        handshake(stream).await.map_err(|e| connect(chain(&e)))
    }
}

/// hyper's HTTP/1.1 handshake over `stream`; the connection keeps its driver, not spawned.
async fn handshake(stream: EngineStream) -> Result<HttpConnection, hyper::Error> {
    let (tracked, traffic) = Tracked::new(stream);
    let (sender, connection) = http1::handshake(TokioIo::new(tracked)).await?;
    Ok(HttpConnection {
        sender,
        driver: Driver::new(connection),
        traffic,
        ages: Ages::new(Instant::now()),
    })
}

/// Whether the engine lets the connection be reused after `response` (no `Connection: close`),
/// and the idle time its `Keep-Alive` header allows.
pub(crate) fn reuse_after(response: &Response<Incoming>) -> (bool, Option<Duration>) {
    let headers = response.headers();
    let close = headers
        .get_all(CONNECTION)
        .iter()
        .any(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
    let hint = headers
        .get(KEEP_ALIVE)
        .and_then(|v| keep_alive_hint(v.as_bytes()));
    (!close, hint)
}

impl Pooled for HttpConnection {
    fn ages(&self) -> &Ages {
        &self.ages
    }

    fn ages_mut(&mut self) -> &mut Ages {
        &mut self.ages
    }

    /// Polls the idle connection once (nobody else does, see [`Driver::probe`]): a close by the
    /// engine (or unasked bytes, which fail the connection) is seen before anything is written.
    fn is_closed(&mut self) -> bool {
        self.driver.probe() || self.sender.is_closed()
    }
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("address", &self.address)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}
