//! A small HTTP/1.1 + HTTP/2 server loop shared by the HTTP ingress and the admin listener:
//! tracked connection tasks, graceful shutdown, bounded request bodies.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

/// A boxed response future.
pub type ResponseFuture = Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>>;

/// Handles one request whose body has been read (at most the configured size).
pub type Handler = Arc<dyn Fn(http::request::Parts, Bytes) -> ResponseFuture + Send + Sync>;

/// How long a connection may take to finish its requests once shutdown starts.
const GRACE: Duration = Duration::from_secs(10);

/// Serves `handler` on `listener` until `shutdown`; bodies above `max_body_bytes` get 413.
pub async fn serve(
    listener: TcpListener,
    name: &'static str,
    max_body_bytes: usize,
    handler: Handler,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) {
    if let Ok(address) = listener.local_addr() {
        info!(listener = name, %address, "http listener ready");
    }
    loop {
        let (stream, _) = tokio::select! {
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
        let (handler, shutdown) = (handler.clone(), shutdown.clone());
        tasks.spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let handler = handler.clone();
                async move {
                    Ok::<_, std::convert::Infallible>(
                        respond(request, max_body_bytes, handler).await,
                    )
                }
            });
            let builder = auto::Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = shutdown.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(GRACE, connection).await;
                }
            }
        });
    }
}

async fn respond(
    request: Request<Incoming>,
    max_body_bytes: usize,
    handler: Handler,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    match Limited::new(body, max_body_bytes).collect().await {
        Ok(body) => handler(parts, body.to_bytes()).await,
        Err(_) => json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("request body exceeds {max_body_bytes} bytes or was cut off"),
        ),
    }
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
