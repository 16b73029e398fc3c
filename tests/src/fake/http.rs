//! A fake HTTP engine: answers the engine HTTP contract with a closure, after an optional delay,
//! with an optional status, over plain TCP or TLS; optionally closing idle kept-alive connections
//! (Node's `keepAliveTimeout`) or dropping a chosen request unanswered.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
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
use tokio::time::Instant;
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
    idle_close: Option<Duration>,
    keep_alive_header: Option<&'static str>,
    drop_requests: Vec<usize>,
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
    connections: Gauge,
    /// Requests read so far, numbering them for `drop_requests`.
    numbered: AtomicUsize,
    last_headers: Mutex<Option<HeaderMap>>,
    last_path: Mutex<Option<String>>,
    last_request: Mutex<Option<Value>>,
}

struct Answer {
    reply: Reply,
    delay: Duration,
    status: StatusCode,
    raw_body: Option<Bytes>,
    idle_close: Option<Duration>,
    keep_alive_header: Option<&'static str>,
    drop_requests: Vec<usize>,
}

/// When a connection last finished an answer, and how many requests it is serving now.
struct Activity {
    last: Mutex<Instant>,
    busy: AtomicUsize,
}

/// The engine's failure for a dropped request: hyper closes the connection without an answer.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("request dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

impl FakeHttpBuilder {
    pub(super) fn new() -> Self {
        FakeHttpBuilder {
            reply: Arc::new(|request| json!({"header": {}, "body": request["body"].clone()})),
            delay: Duration::ZERO,
            status: StatusCode::OK,
            raw_body: None,
            tls: None,
            idle_close: None,
            keep_alive_header: None,
            drop_requests: Vec::new(),
        }
    }

    /// Closes a kept-alive connection that has been idle (no request in progress) this long
    /// since its last answer, like Node's `keepAliveTimeout`.
    pub fn idle_close(mut self, idle: Duration) -> Self {
        self.idle_close = Some(idle);
        self
    }

    /// Sends `Keep-Alive: <value>` with every answer (e.g. `timeout=1`).
    pub fn keep_alive_header(mut self, value: &'static str) -> Self {
        self.keep_alive_header = Some(value);
        self
    }

    /// Reads the `n`-th request (from 0, over all connections) and closes its connection without
    /// answering, like an engine that closed a kept-alive connection just as the request came.
    pub fn drop_request(mut self, n: usize) -> Self {
        self.drop_requests.push(n);
        self
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
        self.start_at("127.0.0.1:0".parse().unwrap()).await
    }

    /// Binds `addr` (e.g. where nothing listened before: an engine coming back) and starts
    /// serving.
    pub async fn start_at(self, addr: SocketAddr) -> FakeHttp {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State::default());
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let tls = self.tls.map(TlsAcceptor::from);
        let answer = Arc::new(Answer {
            reply: self.reply,
            delay: self.delay,
            status: self.status,
            raw_body: self.raw_body,
            idle_close: self.idle_close,
            keep_alive_header: self.keep_alive_header,
            drop_requests: self.drop_requests,
        });
        let server_state = state.clone();
        let server = tokio::spawn(async move {
            // Connections live in the accept task's set: aborting the task drops (aborts) them.
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let (state, answer, tls) = (server_state.clone(), answer.clone(), tls.clone());
                let open = state.connections.enter();
                connections.spawn(async move {
                    let _open = open;
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

    /// Connections accepted so far.
    pub fn connections_accepted(&self) -> usize {
        self.state.connections.total()
    }

    /// Connections open now (a connection counts until the fake closes it or sees it close).
    pub fn open_connections(&self) -> usize {
        self.state.connections.current()
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
    let activity = Arc::new(Activity {
        last: Mutex::new(Instant::now()),
        busy: AtomicUsize::new(0),
    });
    let idle_close = answer.idle_close;
    let watched = activity.clone();
    let service =
        service_fn(move |request| handle(request, state.clone(), answer.clone(), watched.clone()));
    // Errors are the client going away (e.g. after its timeout): nothing to report.
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    match idle_close {
        None => {
            let _ = connection.await;
        }
        // Dropping the connection closes the socket, whatever hyper was doing.
        Some(idle) => tokio::select! {
            _ = connection => {}
            () = idle_out(&activity, idle) => {}
        },
    }
}

/// Returns once the connection has served nothing for `idle` since its last answer.
async fn idle_out(activity: &Activity, idle: Duration) {
    loop {
        let last = *activity.last.lock().unwrap();
        if activity.busy.load(Ordering::SeqCst) == 0 && last.elapsed() >= idle {
            return;
        }
        let wake = (last + idle).max(Instant::now() + Duration::from_millis(1));
        tokio::time::sleep_until(wake).await;
    }
}

async fn handle(
    request: Request<Incoming>,
    state: Arc<State>,
    answer: Arc<Answer>,
    activity: Arc<Activity>,
) -> Result<Response<Full<Bytes>>, Box<dyn std::error::Error + Send + Sync>> {
    activity.busy.fetch_add(1, Ordering::SeqCst);
    let answered = answer_one(request, &state, &answer).await;
    *activity.last.lock().unwrap() = Instant::now();
    activity.busy.fetch_sub(1, Ordering::SeqCst);
    answered
}

async fn answer_one(
    request: Request<Incoming>,
    state: &State,
    answer: &Answer,
) -> Result<Response<Full<Bytes>>, Box<dyn std::error::Error + Send + Sync>> {
    let _in_flight = state.requests.enter();
    *state.last_headers.lock().unwrap() = Some(request.headers().clone());
    *state.last_path.lock().unwrap() = Some(request.uri().path().to_owned());
    let body = request.into_body().collect().await?.to_bytes();
    let n = state.numbered.fetch_add(1, Ordering::SeqCst);
    if answer.drop_requests.contains(&n) {
        return Err(Box::new(Dropped));
    }
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
    let mut response = Response::builder()
        .status(answer.status)
        .header(http::header::CONTENT_TYPE, "application/json");
    if let Some(keep_alive) = answer.keep_alive_header {
        response = response.header("keep-alive", keep_alive);
    }
    Ok(response.body(Full::new(body)).unwrap())
}
