//! The `http`/`https` engine client: a pool of HTTP/1.1 connections per engine, a concurrency
//! limit and one deadline per call.
//!
//! A connection goes back to the pool only after a clean 2xx exchange whose body was read to the
//! end (and, when the caller has it checked there, found to be one decision), with the engine's
//! `Keep-Alive` hint noted. A request that fails on a reused connection
//! before any answer byte arrived is re-sent once on a fresh connection when that is safe (see
//! [`super::stale`]); otherwise requests are never retried.

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::HeaderValue;
use http::uri::Scheme;
use http::Request;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use tokio::time::{timeout_at, Instant};

use super::deadline::CallDeadline;
use super::error::{chain, EngineErrorKind};
use super::http_conn::{reuse_after, Connector, HttpConnection};
use super::http_drive::Driver;
use super::http_head::{Head, Heads};
use super::pool::{Failure, Pool};
use protocol_mci::json::JsonTree;

use super::request::{check_answer, decode_answer, JsonAnswer};
use super::slots::Slots;
use super::stale::ConnectionEvents;
use super::{EngineBuildError, EngineError, EngineRequest, HttpEngineSettings, Role};

/// A client for one HTTP engine.
#[derive(Debug)]
pub struct HttpEngine {
    name: Arc<str>,
    /// Request heads: `Host`, the base path and what each strategy's requests share.
    heads: Heads,
    connector: Connector,
    /// Idle connections. Busy + idle never exceed `max_in_flight`: a connection is opened only by
    /// a slot holder who found no idle one.
    pool: Pool<HttpConnection>,
    slots: Slots,
    request_timeout: Duration,
    max_response_bytes: usize,
}

impl HttpEngine {
    /// Builds the engine's client. Connects lazily: an engine that is down fails calls, not this.
    pub fn new(settings: HttpEngineSettings) -> Result<HttpEngine, EngineBuildError> {
        let url_error = |reason| EngineBuildError::Url {
            engine: settings.name.clone(),
            url: settings.url.to_string(),
            reason,
        };
        let scheme = settings
            .url
            .scheme()
            .filter(|s| *s == &Scheme::HTTP || *s == &Scheme::HTTPS)
            .cloned()
            .ok_or_else(|| url_error("must start with http:// or https://"))?;
        let authority = settings
            .url
            .authority()
            .cloned()
            .ok_or_else(|| url_error("has no host"))?;
        if settings.url.query().is_some() {
            return Err(url_error("must not have a query"));
        }
        for (value, what) in [
            (settings.max_in_flight, "max_in_flight"),
            (settings.max_response_bytes, "max_response_bytes"),
        ] {
            if value == 0 {
                return Err(EngineBuildError::ZeroLimit {
                    engine: settings.name.clone(),
                    what,
                });
            }
        }
        let tls_error = |reason| EngineBuildError::Tls {
            engine: settings.name.clone(),
            reason,
        };
        match (&settings.tls, scheme == Scheme::HTTPS) {
            (None, true) => return Err(tls_error("an https url needs tls settings (a ca file)")),
            (Some(_), false) => return Err(tls_error("tls settings given for an http:// url")),
            _ => {}
        }
        let default_port = if scheme == Scheme::HTTPS { 443 } else { 80 };
        let address = format!(
            "{}:{}",
            authority.host(),
            authority.port_u16().unwrap_or(default_port)
        );
        let connector = Connector::new(
            address,
            authority.host(),
            settings.connect_timeout,
            settings.tls.as_ref(),
        )
        .map_err(tls_error)?;
        let name: Arc<str> = settings.name.as_str().into();
        let host = HeaderValue::from_str(authority.as_str())
            .map_err(|_| url_error("has a host that is not a valid header value"))?;
        Ok(HttpEngine {
            heads: Heads::new(host, settings.url.path()),
            pool: Pool::new(name.clone(), settings.lifecycle),
            name,
            connector,
            slots: Slots::new(settings.max_in_flight),
            request_timeout: settings.request_timeout,
            max_response_bytes: settings.max_response_bytes,
        })
    }

    /// Sends stale-connection events (see [`super::StalePhase`]) to `events`, e.g. the metrics.
    pub fn with_events(mut self, events: Arc<dyn ConnectionEvents>) -> Self {
        self.pool.set_events(events);
        self
    }

    /// The engine's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Posts the request and returns the engine's answer `{"header"?: {..}, "body": {..}}`,
    /// checked (for tools and tests: the pipeline reads the tree the check builds, see
    /// [`Self::call_decoded_until`] and [`Self::receive_until`]).
    ///
    /// Re-sent at most once, on a fresh connection, and only when the first try failed on a
    /// reused connection before any answer byte: a shadow request always, a live one only when
    /// the engine allows it (`retry_stale_connection`) or when it was never written.
    pub async fn call(&self, request: &EngineRequest<'_>) -> Result<JsonAnswer, EngineError> {
        self.call_reading(request, None, &check_answer).await
    }

    /// Posts the request and checks the answer where it is received, in the one parse that
    /// builds its tree; `read` turns the tree into what the caller keeps (e.g. the live answer's
    /// frame). An answer that is not one decision fails the call and closes its connection, as
    /// any failed exchange does. Ends at `until` when that comes before the request timeout
    /// (the caller's own deadline, e.g. a request's header TTL).
    pub async fn call_decoded_until<T, F>(
        &self,
        request: &EngineRequest<'_>,
        until: Option<Instant>,
        read: &F,
    ) -> Result<T, EngineError>
    where
        F: Fn(JsonTree<'_>) -> T + Sync,
    {
        self.call_reading(request, until, &|body: Bytes| {
            decode_answer(&body).map(read)
        })
        .await
    }

    /// Posts the request and returns the answer's body as received, unchecked: the caller checks
    /// it ([`JsonAnswer::check`]) where it needs its tree, e.g. a shadow answer on a shadow
    /// worker, off the runtime. The connection goes back to the pool after a clean 2xx exchange
    /// whatever the body holds. Ends at `until` as [`Self::call_decoded_until`].
    pub async fn receive_until(
        &self,
        request: &EngineRequest<'_>,
        until: Option<Instant>,
    ) -> Result<JsonAnswer, EngineError> {
        self.call_reading(request, until, &|body| Ok(JsonAnswer::received(body)))
            .await
    }

    /// One call; `read` makes the caller's answer of a 2xx body read to the end, before the
    /// connection goes back to the pool (an error from it fails the call and closes the
    /// connection).
    async fn call_reading<T, R>(
        &self,
        request: &EngineRequest<'_>,
        until: Option<Instant>,
        read: &R,
    ) -> Result<T, EngineError>
    where
        R: Fn(Bytes) -> Result<T, EngineErrorKind> + Sync,
    {
        let started = Instant::now();
        let deadline = CallDeadline::new(started, self.request_timeout, until);
        // Checked before the slot wait, once: a request that cannot be built never takes a slot,
        // and a second attempt sends the same request.
        let head = self.heads.head(request).map_err(|k| self.error(k))?;
        let _slot = self
            .slots
            .acquire(started, deadline.at)
            .await
            .map_err(|k| self.error(k))?;
        let attempts = self.pool.retry_stale(request.role, |fresh| {
            self.attempt(request.role, &head, fresh, deadline, read)
        });
        match timeout_at(deadline.at, attempts).await {
            Ok(answer) => answer.map_err(|k| self.error(k)),
            Err(_elapsed) => Err(self.error(deadline.timeout())),
        }
    }

    /// One try: on a pooled connection unless `fresh`, else on a new one.
    async fn attempt<T, R>(
        &self,
        role: Role,
        head: &Head,
        fresh: bool,
        deadline: CallDeadline,
        read: &R,
    ) -> Result<T, Failure>
    where
        R: Fn(Bytes) -> Result<T, EngineErrorKind>,
    {
        let failed = |kind| Failure { kind, stale: None };
        let pooled = if fresh { None } else { self.pool.take(role) };
        let mut connection = match pooled {
            Some(connection) => connection,
            // Boxed: opening a connection (TCP, TLS, HTTP handshake) is the rare case and the
            // largest state of the call; inline, every call's future would carry (and every
            // spawn and `FuturesOrdered` push would move) its bytes.
            None => Box::pin(self.connector.open(deadline))
                .await
                .map_err(failed)?,
        };
        let mark = connection.traffic.mark();
        match self.exchange(&mut connection, head.request(), read).await {
            Ok((answer, reusable, hint)) => {
                if reusable {
                    self.pool.put(connection, hint);
                }
                Ok(answer)
            }
            Err(kind) => Err(Failure::of_exchange(
                kind,
                &connection.ages,
                &connection.traffic,
                mark,
            )),
        }
    }

    /// Sends the request and reads the answer, made into `T` by `read`; also says whether the
    /// connection may be reused and for how long the engine keeps it (its `Keep-Alive` hint).
    async fn exchange<T, R>(
        &self,
        connection: &mut HttpConnection,
        request: Request<Full<Bytes>>,
        read: &R,
    ) -> Result<(T, bool, Option<Duration>), EngineErrorKind>
    where
        R: Fn(Bytes) -> Result<T, EngineErrorKind>,
    {
        let io = |e: hyper::Error| EngineErrorKind::Io { detail: chain(&e) };
        let HttpConnection { sender, driver, .. } = connection;
        driver.ready(sender).await?.map_err(io)?;
        let response = driver
            .run(pin!(sender.send_request(request)))
            .await?
            .map_err(io)?;
        if !response.status().is_success() {
            // Not reused: dropping the unread body closes the connection rather than draining an
            // error page.
            return Err(EngineErrorKind::Status {
                code: response.status(),
            });
        }
        let (reusable, hint) = reuse_after(&response);
        let body = read_body(driver, response.into_body(), self.max_response_bytes).await?;
        Ok((read(body)?, reusable, hint))
    }

    fn error(&self, kind: EngineErrorKind) -> EngineError {
        EngineError::new(self.name.clone(), kind)
    }

    #[cfg(test)]
    pub(super) fn slots(&self) -> &Slots {
        &self.slots
    }
}

/// The whole body, at most `limit` bytes, read while `driver` drives its connection. A body that
/// comes in one data frame (a small JSON answer, the usual case) is kept as it came: `collect`
/// would first queue it in a `VecDeque`, one allocation per call. Trailers are ignored, as
/// `collect().to_bytes()` ignored them.
async fn read_body(
    driver: &mut Driver,
    body: Incoming,
    limit: usize,
) -> Result<Bytes, EngineErrorKind> {
    let mut body = Limited::new(body, limit);
    let mut whole = Bytes::new();
    let mut joined: Option<BytesMut> = None;
    while let Some(frame) = driver.run(pin!(body.frame())).await? {
        let frame = frame.map_err(|e| match e.is::<LengthLimitError>() {
            true => EngineErrorKind::TooLarge { limit },
            false => EngineErrorKind::Io { detail: chain(&*e) },
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        match joined.as_mut() {
            Some(joined) => joined.extend_from_slice(&data),
            None if whole.is_empty() => whole = data,
            None => {
                let mut both = BytesMut::with_capacity(whole.len() + data.len());
                both.extend_from_slice(&whole);
                both.extend_from_slice(&data);
                joined = Some(both);
            }
        }
    }
    Ok(joined.map_or(whole, BytesMut::freeze))
}
