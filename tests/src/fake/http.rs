//! A fake HTTP engine: answers the engine HTTP contract with a closure, after an optional delay,
//! with an optional status, over plain TCP or TLS.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rustls::ServerConfig;
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_util::task::AbortOnDropHandle;

use super::Gauge;

type Reply = Arc<dyn Fn(Value) -> Value + Send + Sync>;

/// Configures a fake HTTP engine; see [`super::FakeEngine::http`].
pub struct FakeHttpBuilder {
    reply: Reply,
    delay: Duration,
    status: StatusCode,
    raw_body: Option<Bytes>,
    tls: Option<Arc<ServerConfig>>,
}

/// A running fake HTTP engine. Dropping it stops the server and its connections.
pub struct FakeHttp {
    addr: SocketAddr,
    scheme: &'static str,
    state: Arc<State>,
    _server: AbortOnDropHandle<()>,
}

#[derive(Default)]
struct State {
    requests: Gauge,
    last_headers: Mutex<Option<HeaderMap>>,
    last_path: Mutex<Option<String>>,
    last_request: Mutex<Option<Value>>,
}

struct Answer {
    reply: Reply,
    delay: Duration,
    status: StatusCode,
    raw_body: Option<Bytes>,
}

impl FakeHttpBuilder {
    pub(super) fn new() -> Self {
        FakeHttpBuilder {
            reply: Arc::new(|request| json!({"header": {}, "body": request["body"].clone()})),
            delay: Duration::ZERO,
            status: StatusCode::OK,
            raw_body: None,
            tls: None,
        }
    }

    /// Answers each request JSON with `reply(request)`.
    pub fn reply(mut self, reply: impl Fn(Value) -> Value + Send + Sync + 'static) -> Self {
        self.reply = Arc::new(reply);
        self
    }

    /// Waits this long before answering each request.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Answers with this status (the body is still the reply).
    pub fn status(mut self, status: u16) -> Self {
        self.status = StatusCode::from_u16(status).unwrap();
        self
    }

    /// Answers these bytes instead of the reply's JSON (e.g. invalid JSON).
    pub fn raw_body(mut self, body: impl Into<Bytes>) -> Self {
        self.raw_body = Some(body.into());
        self
    }

    /// Serves HTTPS with this config (see [`crate::TestPki::server_config`]).
    pub fn tls(mut self, config: Arc<ServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Binds `127.0.0.1:0` and starts serving.
    pub async fn start(self) -> FakeHttp {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State::default());
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let tls = self.tls.map(TlsAcceptor::from);
        let answer = Arc::new(Answer {
            reply: self.reply,
            delay: self.delay,
            status: self.status,
            raw_body: self.raw_body,
        });
        let server_state = state.clone();
        let server = tokio::spawn(async move {
            // Connections live in the accept task's set: aborting the task drops (aborts) them.
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let (state, answer, tls) = (server_state.clone(), answer.clone(), tls.clone());
                connections.spawn(async move {
                    let Some(tls) = tls else {
                        return serve(stream, state, answer).await;
                    };
                    // A failed handshake (no client certificate, unknown CA) just ends here.
                    if let Ok(stream) = tls.accept(stream).await {
                        serve(stream, state, answer).await;
                    }
                });
                while connections.try_join_next().is_some() {}
            }
        });
        FakeHttp {
            addr,
            scheme,
            state,
            _server: AbortOnDropHandle::new(server),
        }
    }
}

impl FakeHttp {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` or `https://…`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// Requests received so far (counted when they arrive, before any delay).
    pub fn requests(&self) -> usize {
        self.state.requests.total()
    }

    /// The most requests that were in progress at once.
    pub fn peak_in_flight(&self) -> usize {
        self.state.requests.peak()
    }

    /// The headers of the last request received.
    pub fn last_headers(&self) -> Option<HeaderMap> {
        self.state.last_headers.lock().unwrap().clone()
    }

    /// The path of the last request received.
    pub fn last_path(&self) -> Option<String> {
        self.state.last_path.lock().unwrap().clone()
    }

    /// The JSON body of the last request received.
    pub fn last_request(&self) -> Option<Value> {
        self.state.last_request.lock().unwrap().clone()
    }
}

async fn serve<S>(stream: S, state: Arc<State>, answer: Arc<Answer>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| handle(request, state.clone(), answer.clone()));
    // Errors are the client going away (e.g. after its timeout): nothing to report.
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn handle(
    request: Request<Incoming>,
    state: Arc<State>,
    answer: Arc<Answer>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let _in_flight = state.requests.enter();
    *state.last_headers.lock().unwrap() = Some(request.headers().clone());
    *state.last_path.lock().unwrap() = Some(request.uri().path().to_owned());
    let body = request.into_body().collect().await?.to_bytes();
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        let mut bad = Response::new(Full::new(Bytes::from_static(b"request is not json")));
        *bad.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(bad);
    };
    *state.last_request.lock().unwrap() = Some(json.clone());
    tokio::time::sleep(answer.delay).await;
    let body = match &answer.raw_body {
        Some(raw) => raw.clone(),
        None => Bytes::from(serde_json::to_vec(&(answer.reply)(json)).unwrap()),
    };
    let response = Response::builder()
        .status(answer.status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(body))
        .unwrap();
    Ok(response)
}
