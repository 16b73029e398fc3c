//! The `http`/`https` engine client: one pooled hyper client per engine, a concurrency limit and
//! one deadline per call.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::uri::{Authority, Scheme};
use http::{Request, Uri};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::{FixedServerNameResolver, HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::{Client, ResponseFuture};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde_json::Value;
use tokio::time::{timeout_at, Instant};

use super::error::{chain, EngineErrorKind};
use super::request::decode_answer;
use super::slots::Slots;
use super::{EngineBuildError, EngineError, EngineRequest, HttpEngineSettings};

/// How long an unused pooled connection is kept. Engines behind load balancers often drop idle
/// connections after about a minute; closing ours first avoids racing their close.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A client for one HTTP engine.
#[derive(Debug)]
pub struct HttpEngine {
    name: Arc<str>,
    scheme: Scheme,
    authority: Authority,
    /// The URL's path without its trailing `/`, so `{base}{strategy.path}` has one slash.
    base_path: String,
    transport: Transport,
    slots: Slots,
    request_timeout: Duration,
    max_response_bytes: usize,
}

/// Plain and TLS clients have different connector types; everything else is shared.
#[derive(Debug)]
enum Transport {
    Plain(Client<HttpConnector, Full<Bytes>>),
    Tls(Client<HttpsConnector<HttpConnector>, Full<Bytes>>),
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

        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(settings.connect_timeout));
        connector.set_nodelay(true);
        let mut builder = Client::builder(TokioExecutor::new());
        builder
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(settings.max_in_flight);
        let tls_error = |reason| EngineBuildError::Tls {
            engine: settings.name.clone(),
            reason,
        };
        let transport = match (&settings.tls, scheme == Scheme::HTTPS) {
            (None, false) => Transport::Plain(builder.build(connector)),
            (Some(tls), true) => {
                connector.enforce_http(false);
                // hyper-rustls takes the config by value and sets ALPN on it: a copy per engine.
                let mut https = HttpsConnectorBuilder::new()
                    .with_tls_config((*tls.config).clone())
                    .https_only();
                if let Some(name) = &tls.server_name {
                    https =
                        https.with_server_name_resolver(FixedServerNameResolver::new(name.clone()));
                }
                let https = https
                    .enable_http1()
                    .enable_http2()
                    .wrap_connector(connector);
                Transport::Tls(builder.build(https))
            }
            (None, true) => return Err(tls_error("an https url needs tls settings (a ca file)")),
            (Some(_), false) => return Err(tls_error("tls settings given for an http:// url")),
        };

        Ok(HttpEngine {
            name: settings.name.as_str().into(),
            scheme,
            authority,
            base_path: settings.url.path().trim_end_matches('/').to_owned(),
            transport,
            slots: Slots::new(settings.max_in_flight),
            request_timeout: settings.request_timeout,
            max_response_bytes: settings.max_response_bytes,
        })
    }

    /// The engine's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Posts the request and returns the engine's answer `{"header"?: {..}, "body": {..}}`.
    ///
    /// Never retried: the caller decides, and a live request is never sent twice.
    pub async fn call(&self, request: &EngineRequest<'_>) -> Result<Value, EngineError> {
        let started = Instant::now();
        let deadline = started + self.request_timeout;
        let http_request = self.build_request(request).map_err(|k| self.error(k))?;
        let _slot = self
            .slots
            .acquire(started, deadline)
            .await
            .map_err(|k| self.error(k))?;
        match timeout_at(deadline, self.exchange(http_request)).await {
            Ok(answer) => answer.map_err(|k| self.error(k)),
            Err(_elapsed) => Err(self.error(EngineErrorKind::Timeout {
                after: self.request_timeout,
            })),
        }
    }

    fn build_request(
        &self,
        request: &EngineRequest<'_>,
    ) -> Result<Request<Full<Bytes>>, EngineErrorKind> {
        let invalid = |detail: String| EngineErrorKind::InvalidRequest { detail };
        let slash = if request.path.starts_with('/') {
            ""
        } else {
            "/"
        };
        let uri = Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(format!("{}{slash}{}", self.base_path, request.path))
            .build()
            .map_err(|e| invalid(format!("path {:?}: {e}", request.path)))?;
        let header = |name: &str, value: &str| {
            HeaderValue::from_str(value)
                .map_err(|_| invalid(format!("{name} {value:?} is not a valid header value")))
        };
        Request::post(uri)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(
                "x-request-id",
                header("correlation id", request.correlation_id)?,
            )
            .header("x-shadowgate-role", request.role.as_str())
            .header(
                "x-shadowgate-strategy",
                header("strategy", request.strategy)?,
            )
            .body(Full::new(request.body.clone()))
            .map_err(|e| invalid(e.to_string()))
    }

    async fn exchange(&self, request: Request<Full<Bytes>>) -> Result<Value, EngineErrorKind> {
        let response = self.transport.request(request).await.map_err(|e| {
            let detail = chain(&e);
            if e.is_connect() {
                EngineErrorKind::Connect { detail }
            } else {
                EngineErrorKind::Io { detail }
            }
        })?;
        if !response.status().is_success() {
            // Dropping the unread body closes that connection rather than draining an error page.
            return Err(EngineErrorKind::Status {
                code: response.status(),
            });
        }
        let body = Limited::new(response.into_body(), self.max_response_bytes)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<LengthLimitError>() {
                    EngineErrorKind::TooLarge {
                        limit: self.max_response_bytes,
                    }
                } else {
                    EngineErrorKind::Io { detail: chain(&*e) }
                }
            })?
            .to_bytes();
        decode_answer(&body)
    }

    fn error(&self, kind: EngineErrorKind) -> EngineError {
        EngineError::new(self.name.clone(), kind)
    }

    #[cfg(test)]
    pub(super) fn slots(&self) -> &Slots {
        &self.slots
    }
}

impl Transport {
    fn request(&self, request: Request<Full<Bytes>>) -> ResponseFuture {
        match self {
            Transport::Plain(client) => client.request(request),
            Transport::Tls(client) => client.request(request),
        }
    }
}
