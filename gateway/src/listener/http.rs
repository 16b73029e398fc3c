//! The HTTP ingress: `POST /v1/strategies/{name}` with `{"header", "body"}` JSON answers the live
//! decision as JSON (as core banking would receive it); `POST /v1/frames` with a raw frame
//! (`application/octet-stream`) answers the raw answer frame. While a planned stop drains
//! ([`crate::draining`]), every HTTP/1 answer carries `Connection: close`.

use std::sync::Arc;

use bytes::Bytes;
use http::{Method, StatusCode};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::drain_summary::DrainStart;
use super::server::{self, Handler, Refused, ServerSettings};

/// The response type of the HTTP ingress.
type Response = http::Response<http_body_util::Full<Bytes>>;
use crate::config::HttpListener;
use crate::metrics::{FrameOutcome, ListenerMetrics};
use crate::pipeline::{events, FrameReply, Gateway};

/// What every request of the HTTP ingress needs.
struct Ingress {
    gateway: Arc<Gateway>,
    /// The layout of `POST /v1/frames`, when configured.
    frames_layout: Option<String>,
    metrics: ListenerMetrics,
}

/// Serves the HTTP ingress until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    settings: HttpListener,
    gateway: Arc<Gateway>,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) {
    let metrics = gateway
        .metrics()
        .listener("http", crate::metrics::ListenerKind::Http);
    // A body refused before it was read (413, 408) is a bad request of the ingress, counted
    // and logged as the handler's are.
    let refused_metrics = metrics.clone();
    let refused: Refused = Arc::new(move |parts, status, message| {
        refused_metrics.frame(FrameOutcome::BadRequest);
        rejected_log(parts, status, message);
    });
    let (draining, drain_metrics) = (gateway.draining().clone(), metrics.clone());
    let address = listener.local_addr().unwrap_or(settings.address);
    let server_settings = ServerSettings {
        name: "http",
        max_body_bytes: settings.max_body_bytes,
        limits: settings.limits,
        metrics: metrics.clone(),
        refused: Some(refused),
    };
    // One shared value: a request costs one reference count, not one per field (the metrics
    // are a handle per outcome).
    let ingress = Arc::new(Ingress {
        gateway,
        frames_layout: settings.frames_layout,
        metrics,
    });
    let handler: Handler = Arc::new(move |parts, body| {
        let ingress = ingress.clone();
        Box::pin(async move {
            let frames_layout = ingress.frames_layout.as_deref();
            let unanswered = Unanswered(Some((&ingress.metrics, parts.uri.clone())));
            let version = parts.version;
            let (mut response, outcome) = route(&ingress.gateway, frames_layout, parts, body).await;
            unanswered.answered();
            ingress.metrics.frame(outcome);
            // A planned stop's drain: an HTTP/1 connection ends after this answer, announced in
            // it (the client sends its next request on a new connection, to another gateway),
            // instead of being closed between requests when the listener stops.
            if ingress.gateway.draining().is_draining() && version < http::Version::HTTP_2 {
                let close = http::HeaderValue::from_static("close");
                response
                    .headers_mut()
                    .insert(http::header::CONNECTION, close);
            }
            response
        })
    });
    let stopped = shutdown.clone();
    let serving = server::serve(listener, server_settings, handler, tasks, shutdown);
    let began = DrainStart::when_begun(&draining, &drain_metrics, stopped.cancelled());
    let (connections, drain) = tokio::join!(serving, began);
    if let Some(drain) = drain {
        connections.wait().await;
        drain.http_finished(&drain_metrics, "http", address);
    }
}

/// A request not answered yet: hyper drops its future when the client closes the connection
/// first (or when shutdown's grace runs out), and the request is counted as `client_closed`
/// and logged at debug with its path (the `Uri` is a reference-counted copy, not a new string).
struct Unanswered<'a>(Option<(&'a ListenerMetrics, http::Uri)>);

impl Unanswered<'_> {
    /// The request was answered: counted by its own outcome, not here.
    fn answered(mut self) {
        self.0 = None;
    }
}

impl Drop for Unanswered<'_> {
    fn drop(&mut self) {
        if let Some((metrics, uri)) = self.0.take() {
            metrics.frame(FrameOutcome::ClientClosed);
            let path = uri.path();
            events::dropped_unanswered(strategy_of(path), path);
        }
    }
}

/// The answer and its `frames_total` outcome: the one the pipeline computed, so a live timeout
/// answered inside a frame (HTTP 200) still counts as `live_timeout`.
async fn route(
    gateway: &Gateway,
    frames_layout: Option<&str>,
    parts: http::request::Parts,
    body: Bytes,
) -> (Response, FrameOutcome) {
    let rejected = |status, message: &str| {
        rejected_log(&parts, status, message);
        (
            server::json_error(status, message),
            FrameOutcome::BadRequest,
        )
    };
    let path = parts.uri.path();
    if parts.method != Method::POST {
        let message = "use POST";
        rejected_log(&parts, StatusCode::METHOD_NOT_ALLOWED, message);
        let response = server::method_not_allowed("POST", message);
        return (response, FrameOutcome::BadRequest);
    }
    if let Some(name) = path.strip_prefix("/v1/strategies/") {
        return match gateway.handle_message(name, &body).await {
            Ok(answer) => (
                server::bytes(StatusCode::OK, "application/json", Bytes::from(answer)),
                FrameOutcome::Ok,
            ),
            Err(error) => {
                let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_GATEWAY);
                (server::json_error(status, &error.message), error.outcome)
            }
        };
    }
    if path == "/v1/frames" {
        let Some(layout) = frames_layout else {
            let message = "listeners.http.frames_layout is not configured";
            return rejected(StatusCode::NOT_FOUND, message);
        };
        // A JSON request posted here is refused at its length prefix; the client is told where
        // JSON goes.
        let json = body.trim_ascii_start().first() == Some(&b'{');
        return match gateway.handle_frame(layout, body).await {
            FrameReply::Answer(answer, outcome) => (
                server::bytes(StatusCode::OK, "application/octet-stream", answer),
                outcome,
            ),
            FrameReply::Close(outcome, why) => {
                let hint = match json {
                    true => {
                        " (the body looks like JSON: JSON requests go to POST \
                             /v1/strategies/{name})"
                    }
                    false => "",
                };
                let message = format!(
                    "frame cannot be answered ({}): {why}{hint}",
                    outcome.as_str()
                );
                (
                    server::json_error(StatusCode::BAD_REQUEST, &message),
                    outcome,
                )
            }
        };
    }
    rejected(StatusCode::NOT_FOUND, "no such route")
}

/// The WARN line of a request refused before it reached a strategy (wrong method or route, a
/// body too large or too slow), as a refused JSON request's (`request rejected`): the strategy
/// when the path names one, the status and what the client was told, and a correlation id made
/// for it (the body, if any, is not read for one).
fn rejected_log(parts: &http::request::Parts, status: StatusCode, message: &str) {
    let strategy = strategy_of(parts.uri.path());
    let error = format!("{} {}: {message}", status.as_u16(), parts.uri.path());
    events::bad_request(strategy, FrameOutcome::BadRequest, "", &error);
}

/// The strategy a `POST /v1/strategies/{name}` path names; `None` for `/v1/frames` (the frame's
/// header names it) and any other path.
fn strategy_of(path: &str) -> Option<&str> {
    path.strip_prefix("/v1/strategies/")
        .filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_method_is_logged_with_its_strategy_and_a_correlation_id() {
        let (parts, ()) = http::Request::get("/v1/strategies/loan")
            .body(())
            .unwrap()
            .into_parts();
        let ((), log) = crate::test_log::logged(tracing::Level::WARN, || {
            rejected_log(&parts, StatusCode::METHOD_NOT_ALLOWED, "use POST");
        });
        assert!(log.contains("request rejected"), "{log}");
        assert!(log.contains("strategy=loan "), "{log}");
        assert!(log.contains("405 /v1/strategies/loan: use POST"), "{log}");
        assert!(log.contains("correlation_id=sg-"), "{log}");
    }
}
