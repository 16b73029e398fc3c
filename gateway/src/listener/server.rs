//! A small HTTP/1.1 + HTTP/2 server loop shared by the HTTP ingress and the admin listener:
//! tracked connection tasks, graceful shutdown, bounded request bodies, and bounded connections:
//! a cap (further connections are closed at once and counted as `rejected`), a header-read
//! timeout and an idle timeout (see the `listener::activity` module).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn, Instrument};

use super::activity::Activity;
use crate::log_limit::LogLimit;
use crate::metrics::{CloseReason, FrameOutcome, ListenerMetrics};

/// A boxed response future.
pub type ResponseFuture = Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>>;

/// Handles one request whose body has been read (at most the configured size).
pub type Handler = Arc<dyn Fn(http::request::Parts, Bytes) -> ResponseFuture + Send + Sync>;

/// Told of a request refused before its handler ran (body too large or cut off: 413; body too
/// slow: 408), with the status and the text the client got: a listener counts and logs it.
pub type Refused = Arc<dyn Fn(&http::request::Parts, StatusCode, &str) + Send + Sync>;

/// How long a connection may take to finish its requests once shutdown starts.
const GRACE: Duration = Duration::from_secs(10);

/// At most one "connection limit reached" warning per listener this often; the rest are counted
/// in `frames_total{outcome="rejected"}` only, so a connection storm cannot flood the logs.
const REFUSAL_LOG_INTERVAL: Duration = Duration::from_secs(1);

/// At most one "no request head" warning per listener this often; the rest are counted in
/// `connections_closed_total{reason="header_read_timeout"}` only.
const STALL_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The connection cap and timeouts of an HTTP listener (`[listeners.http]`, `[listeners.admin]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Connections at most; further ones are closed at once.
    pub max_connections: usize,
    /// A new connection must deliver a request head within this long, and a request's body
    /// must arrive within this long of its head.
    pub header_read_timeout: Duration,
    /// A connection with no request in flight for this long after its last answer is closed.
    pub idle_timeout: Duration,
}

/// What [`serve`] needs besides the socket and the handler.
#[derive(Clone)]
pub struct ServerSettings {
    /// Listener name in logs and metrics (`http`, `admin`).
    pub name: &'static str,
    /// Bodies above this get 413.
    pub max_body_bytes: usize,
    /// Cap and timeouts.
    pub limits: ServerLimits,
    /// The listener's metrics.
    pub metrics: ListenerMetrics,
    /// Told of requests refused before the handler (413, 408), when the listener counts them.
    pub refused: Option<Refused>,
}

/// Serves `handler` on `listener` until `shutdown`; returns the listener's connection tasks
/// (also tracked by `tasks`, closed to new ones), which end once the stop has closed them.
pub async fn serve(
    listener: TcpListener,
    settings: ServerSettings,
    handler: Handler,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) -> TaskTracker {
    let name = settings.name;
    if let Ok(address) = listener.local_addr() {
        info!(listener = name, %address, max_connections = settings.limits.max_connections, "http listener ready");
    }
    let settings = Arc::new(settings);
    let slots = Arc::new(Semaphore::new(settings.limits.max_connections));
    let mut refusals = RefusalLog::default();
    let stalls = Arc::new(StallLog::default());
    let connections = TaskTracker::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    warn!(listener = name, %error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            settings.metrics.frame(FrameOutcome::Rejected);
            refusals.refused(name, settings.limits.max_connections, Instant::now());
            drop(stream);
            continue;
        };
        let (handler, shutdown, settings) = (handler.clone(), shutdown.clone(), settings.clone());
        let watch = Watch {
            settings,
            stalls: stalls.clone(),
        };
        // Every warning about this connection's requests names the listener and the peer.
        let span = tracing::info_span!("connection", listener = name, %peer);
        let served = connection(stream, slot, watch, handler, shutdown).instrument(span);
        tasks.spawn(connections.track_future(served));
    }
    connections.close();
    connections
}

/// A connection's settings and its listener's stall log.
struct Watch {
    settings: Arc<ServerSettings>,
    stalls: Arc<StallLog>,
}

/// Serves one connection until the client closes it, it idles or stalls, or shutdown.
async fn connection(
    stream: TcpStream,
    _slot: OwnedSemaphorePermit,
    watch: Watch,
    handler: Handler,
    shutdown: CancellationToken,
) {
    let Watch { settings, stalls } = watch;
    let _open = settings.metrics.open_connection();
    let activity = Activity::new();
    let (max_body_bytes, body_timeout) =
        (settings.max_body_bytes, settings.limits.header_read_timeout);
    let requests = activity.clone();
    let refused = settings.refused.clone();
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let (handler, refused, guard) = (handler.clone(), refused.clone(), requests.begin());
        async move {
            let refused = refused.as_ref();
            let response = respond(request, max_body_bytes, body_timeout, &handler, refused).await;
            drop(guard);
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        // The connection first: a request head already received reaches the service (and counts
        // as in flight) before the watchdog decides the connection is idle.
        biased;
        _ = connection.as_mut() => {}
        reason = activity.expired(&settings.limits) => {
            // Nothing in flight: closing loses no answer.
            settings.metrics.closed(reason);
            debug!(listener = settings.name, reason = reason.as_str(), "connection closed");
            // A client that connects and never sends a whole request head is stuck or not an
            // HTTP client: worth a line (an idle kept-alive connection is not).
            if reason == CloseReason::HeaderReadTimeout {
                stalls.closed(settings.limits.header_read_timeout, Instant::now());
            }
        }
        () = shutdown.cancelled() => {
            settings.metrics.closed(CloseReason::Stopped);
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(GRACE, connection).await;
        }
    }
}

/// The "connection limit reached" warning of one listener, at most one per
/// [`REFUSAL_LOG_INTERVAL`].
#[derive(Debug)]
pub(super) struct RefusalLog {
    limit: LogLimit,
}

impl Default for RefusalLog {
    fn default() -> Self {
        Self {
            limit: LogLimit::new(REFUSAL_LOG_INTERVAL),
        }
    }
}

impl RefusalLog {
    /// Notes one connection refused at `now`; warns when a line is due, with how many were
    /// refused since the last one.
    pub(super) fn refused(&mut self, listener: &str, max_connections: usize, now: Instant) {
        if let Some(refused) = self.limit.note(now.into_std()) {
            warn!(
                listener,
                max_connections, refused, "connection limit reached; closing new connections"
            );
        }
    }
}

/// The "no request head" warning of one listener, at most one per [`STALL_LOG_INTERVAL`]: its
/// connections' tasks share it.
#[derive(Debug)]
struct StallLog {
    limit: Mutex<LogLimit>,
}

impl Default for StallLog {
    fn default() -> Self {
        Self {
            limit: Mutex::new(LogLimit::new(STALL_LOG_INTERVAL)),
        }
    }
}

impl StallLog {
    /// Notes one connection closed at `now` for want of a request head; warns when a line is
    /// due, with how many were closed since the last one. Written in the connection's span,
    /// which names the listener and the peer.
    fn closed(&self, timeout: Duration, now: Instant) {
        let due = self
            .limit
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .note(now.into_std());
        if let Some(closed) = due {
            warn!(
                header_read_timeout_ms = timeout.as_millis(),
                closed,
                "connection closed: no request head within the header read timeout (more such \
                 closes are counted in connections_closed_total, one line per 10 s)"
            );
        }
    }
}

async fn respond(
    request: Request<Incoming>,
    max_body_bytes: usize,
    body_timeout: Duration,
    handler: &Handler,
    refused: Option<&Refused>,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let collected =
        tokio::time::timeout(body_timeout, Limited::new(body, max_body_bytes).collect());
    let (status, message) = match collected.await {
        Ok(Ok(body)) => return handler(parts, body.to_bytes()).await,
        Ok(Err(_)) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body exceeds {max_body_bytes} bytes or was cut off"),
        ),
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "request body did not arrive within {} ms",
                body_timeout.as_millis()
            ),
        ),
    };
    if let Some(refused) = refused {
        refused(&parts, status, &message);
    }
    json_error(status, &message)
}

/// A JSON response.
pub fn json(status: StatusCode, value: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(value.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// `{"error": message}` with a status.
pub fn json_error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json(status, &serde_json::json!({ "error": message }))
}

/// A 405 naming the methods the route answers (`Allow`, RFC 9110 §15.5.6), with the JSON error.
pub fn method_not_allowed(allow: &'static str, message: &str) -> Response<Full<Bytes>> {
    let mut response = json_error(StatusCode::METHOD_NOT_ALLOWED, message);
    response
        .headers_mut()
        .insert(http::header::ALLOW, http::HeaderValue::from_static(allow));
    response
}

/// A response with a body and a content type.
pub fn bytes(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of `log` that contain `says`.
    fn lines<'a>(log: &'a str, says: &str) -> Vec<&'a str> {
        log.lines().filter(|line| line.contains(says)).collect()
    }

    /// A connection storm: one line a second, carrying the refusals since the last.
    #[test]
    fn refusals_are_said_once_a_second_with_the_count_since_the_last_line() {
        let start = Instant::now();
        let at = |millis: u64| start + Duration::from_millis(millis);
        let mut refusals = RefusalLog::default();
        let ((), log) = crate::test_log::logged(tracing::Level::WARN, || {
            for millis in [0, 100, 500, 999, 1_000, 1_500, 3_000] {
                refusals.refused("mci", 64, at(millis));
            }
        });
        let said = lines(&log, "connection limit reached; closing new connections");
        assert_eq!(said.len(), 3, "{log}");
        assert!(said.iter().all(|l| l.contains("listener=\"mci\"")), "{log}");
        assert!(
            said.iter().all(|l| l.contains("max_connections=64")),
            "{log}"
        );
        assert!(said[0].contains("refused=1"), "{}", said[0]);
        // 100, 500 and 999 ms counted, said at 1 s with it.
        assert!(said[1].contains("refused=4"), "{}", said[1]);
        // 1.5 s counted, said at 3 s with it.
        assert!(said[2].contains("refused=2"), "{}", said[2]);
    }

    /// Clients that connect and send nothing: one line per 10 s, carrying the closes since the
    /// last.
    #[test]
    fn stalls_are_said_once_per_ten_seconds_with_the_count_since_the_last_line() {
        let start = Instant::now();
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        let stalls = StallLog::default();
        let timeout = Duration::from_secs(5);
        let ((), log) = crate::test_log::logged(tracing::Level::WARN, || {
            for seconds in [0, 1, 9, 10, 19, 30] {
                stalls.closed(timeout, at(seconds));
            }
        });
        let said = lines(&log, "no request head within the header read timeout");
        assert_eq!(said.len(), 3, "{log}");
        assert!(
            said.iter()
                .all(|l| l.contains("header_read_timeout_ms=5000")),
            "{log}"
        );
        assert!(said[0].contains("closed=1"), "{}", said[0]);
        assert!(said[1].contains("closed=3"), "{}", said[1]);
        assert!(said[2].contains("closed=2"), "{}", said[2]);
    }
}
