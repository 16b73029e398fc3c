//! The one client for a running gateway's admin API (`--from URL`: review, triage, cutover),
//! with hyper-util's client on a one-thread runtime: the CLI is synchronous, and every call has
//! a deadline.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use bytes::Bytes;
use http::{Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::admin::encode_param;
use crate::review::{BatchSummary, Daily, Detail, ReviewView, Summary};
use crate::store::{Group, ListQuery, Page, RecordId};

/// How long one admin API call may take.
const DEADLINE: Duration = Duration::from_secs(30);

/// What to check when `--from` does not answer like the admin API: the usual cause is the MCI
/// or HTTP ingress port given instead of the admin one.
const ADMIN_HINT: &str = "; is --from the admin listener ([listeners.admin] address, e.g. \
                          http://127.0.0.1:9190), not the MCI or HTTP ingress port?";

/// The innermost cause of a client error (hyper's outer errors say only "client error").
fn cause(error: &anyhow::Error) -> String {
    error
        .chain()
        .last()
        .map_or_else(|| error.to_string(), ToString::to_string)
}

/// What a 404 of the admin API means to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotFound {
    /// The thing asked for is not there (a record removed by retention): `None`.
    Absent,
    /// A filter was refused (a strategy the gateway does not know): an error with its message.
    Refused,
}

/// A running gateway's admin API.
pub struct Remote {
    base: String,
    token: Option<String>,
    runtime: tokio::runtime::Runtime,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

#[derive(serde::Deserialize)]
struct Groups {
    groups: Vec<Group>,
}

impl Remote {
    /// A client for the admin API at `url` (`http://127.0.0.1:9190`).
    pub fn new(url: &str, token: Option<String>) -> anyhow::Result<Self> {
        let base = url.trim_end_matches('/').to_owned();
        let uri: Uri = base
            .parse()
            .with_context(|| format!("--from {url:?}: not a URL"))?;
        if uri.scheme_str() != Some("http") || uri.authority().is_none() {
            bail!("--from {url:?}: expected http://HOST:PORT (the admin listener)");
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let client = Client::builder(TokioExecutor::new()).build_http();
        Ok(Self {
            base,
            token,
            runtime,
            client,
        })
    }

    /// A client for the admin API at `url`, with the token in the environment variable
    /// `token_env` names (`--token-env`), if any.
    pub fn with_token_env(url: &str, token_env: Option<&str>) -> anyhow::Result<Self> {
        let token =
            match token_env {
                None => None,
                Some(var) => Some(std::env::var(var).with_context(|| {
                    format!("--token-env: environment variable {var} is not set")
                })?),
            };
        Self::new(url, token)
    }

    /// The base URL.
    pub fn label(&self) -> &str {
        &self.base
    }

    /// Calls `path` with `method` and, for a POST, a JSON body: the JSON answer, or the server's
    /// message as an error (a 404 included).
    pub fn call(&self, method: Method, path: &str, body: Option<Vec<u8>>) -> anyhow::Result<Value> {
        self.send(method, path, body, NotFound::Refused)?
            .ok_or_else(|| anyhow!("{}{path}: not found{ADMIN_HINT}", self.base))
    }

    /// The gateway's review zone as [`Self::view`] reads it, UTC when the gateway cannot say
    /// (where the zone only shapes how times are written).
    pub fn view_or_utc(&self) -> ReviewView {
        self.view().unwrap_or_default()
    }

    /// `GET /api/v1/summary`.
    pub fn summary(&self) -> anyhow::Result<Summary> {
        self.get_json("/api/v1/summary")?
            .ok_or_else(|| anyhow!("{}: /api/v1/summary not found{ADMIN_HINT}", self.base))
    }

    /// `GET /api/v1/daily`.
    pub fn daily(&self) -> anyhow::Result<Daily> {
        self.get_json("/api/v1/daily")?
            .ok_or_else(|| anyhow!("{}: /api/v1/daily not found", self.base))
    }

    /// The gateway's review zone, as `GET /api/v1/daily` reports it (`time_zone`); UTC from a
    /// gateway without that endpoint, or with a zone this build's tz database does not know
    /// (the text then says UTC, which is what it shows).
    pub fn view(&self) -> anyhow::Result<ReviewView> {
        let daily: Option<Daily> = self.get_json("/api/v1/daily")?;
        Ok(Self::view_of(daily.as_ref()))
    }

    /// The review zone of a `GET /api/v1/daily` answer, as [`Self::view`] reads it.
    pub fn view_of(daily: Option<&Daily>) -> ReviewView {
        daily
            .and_then(|daily| ReviewView::named(&daily.time_zone))
            .unwrap_or_default()
    }

    /// `GET /api/v1/groups?strategy=`.
    pub fn groups(&self, strategy: &str) -> anyhow::Result<Vec<Group>> {
        let path = format!("/api/v1/groups?strategy={}", encode_param(strategy));
        let groups: Option<Groups> = self.get(&path, NotFound::Refused)?;
        Ok(groups.map(|g| g.groups).unwrap_or_default())
    }

    /// `GET /api/v1/replays`: per group, the latest replay run.
    pub fn group_replays(&self) -> anyhow::Result<Vec<crate::store::GroupReplay>> {
        let replays: Option<Value> = self.get_json("/api/v1/replays")?;
        let groups = replays.and_then(|mut r| r.get_mut("groups").map(Value::take));
        Ok(groups
            .map(serde_json::from_value)
            .transpose()?
            .unwrap_or_default())
    }

    /// `GET /api/v1/mismatches?…`.
    pub fn list(&self, query: &ListQuery) -> anyhow::Result<Page> {
        let mut params = Vec::new();
        let mut add = |key: &str, value: &str| {
            params.push(format!("{key}={}", encode_param(value)));
        };
        if let Some(s) = &query.strategy {
            add("strategy", s);
        }
        if let Some(k) = query.kind {
            add("kind", k.as_str());
        }
        if let Some(s) = &query.signature {
            add("signature", s);
        }
        if let Some(t) = query.from_micros {
            add("from", &t.to_string());
        }
        if let Some(t) = query.until_micros {
            add("until", &t.to_string());
        }
        if let Some(c) = query.cursor {
            add("cursor", &c.to_string());
        }
        add("limit", &query.page_size().to_string());
        add(
            "order",
            if query.newest_first {
                "newest"
            } else {
                "oldest"
            },
        );
        let path = format!("/api/v1/mismatches?{}", params.join("&"));
        self.get(&path, NotFound::Refused)?
            .ok_or_else(|| anyhow!("{}: /api/v1/mismatches not found{ADMIN_HINT}", self.base))
    }

    /// `GET /api/v1/mismatches/{id}`; `None` on 404.
    pub fn detail(&self, id: RecordId) -> anyhow::Result<Option<Detail>> {
        self.get_json(&format!("/api/v1/mismatches/{id}"))
    }

    /// `GET /api/v1/batches`: stored batch reconciliation runs; none from a gateway without it.
    pub fn batches(&self) -> anyhow::Result<Vec<BatchSummary>> {
        #[derive(serde::Deserialize)]
        struct Batches {
            batches: Vec<BatchSummary>,
        }
        let answer: Option<Batches> = self.get_json("/api/v1/batches")?;
        Ok(answer.map(|a| a.batches).unwrap_or_default())
    }

    /// GETs `path` and decodes the JSON answer; `None` on 404; other statuses are errors with
    /// the server's message.
    fn get_json<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<Option<T>> {
        self.get(path, NotFound::Absent)
    }

    /// GETs `path` and decodes the JSON answer; a 404 is `None` or an error with the server's
    /// message, as `not_found` says; other statuses are errors with the server's message.
    fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        not_found: NotFound,
    ) -> anyhow::Result<Option<T>> {
        self.send(Method::GET, path, None, not_found)
    }

    /// Sends `method` to `path` with an optional JSON body and decodes the JSON answer of any
    /// 2xx status; a 404 is `None` or an error as `not_found` says; other statuses are errors
    /// with the server's message.
    fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        not_found: NotFound,
    ) -> anyhow::Result<Option<T>> {
        let url = format!("{}{path}", self.base);
        let mut request = Request::builder().method(method).uri(url.as_str());
        if let Some(token) = &self.token {
            request = request.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header(http::header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .with_context(|| format!("{url}: invalid request"))?;
        let call = async {
            let response = self.client.request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, anyhow::Error>((status, body))
        };
        let (status, body) = self
            .runtime
            .block_on(async { tokio::time::timeout(DEADLINE, call).await })
            .map_err(|_| {
                anyhow!(
                    "{url}: no answer within {}s{ADMIN_HINT}",
                    DEADLINE.as_secs()
                )
            })?
            .map_err(|e| anyhow!("{url}: request failed ({}){ADMIN_HINT}", cause(&e)))?;
        match status {
            status if status.is_success() => serde_json::from_slice(&body)
                .map(Some)
                .map_err(|_| anyhow!("{url}: the answer is not the admin API's JSON{ADMIN_HINT}")),
            StatusCode::NOT_FOUND if not_found == NotFound::Absent => Ok(None),
            StatusCode::UNAUTHORIZED => {
                bail!("{url}: 401 unauthorized: give the admin token with --token-env VAR")
            }
            status => {
                let message = serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
                    .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
                // The admin API answers every GET it has; a 405 is the HTTP ingress (POST only).
                let hint = match status {
                    StatusCode::METHOD_NOT_ALLOWED => ADMIN_HINT,
                    _ => "",
                };
                bail!("{url}: {status}: {}{hint}", message.trim_end())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::{Read, Write};

    use super::*;

    /// A server on a thread that answers each of `connections` requests with `answer`.
    fn answering(answer: &'static str, connections: usize) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(connections) {
                let mut stream = stream.unwrap();
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer);
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        format!("http://{address}")
    }

    #[test]
    fn a_post_carries_its_json_body_and_token_and_a_refusal_its_message() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let (seen, heard) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let answers = [
                ("200 OK", r#"{"status":"ok"}"#),
                ("409 Conflict", r#"{"error":"group is open"}"#),
            ];
            for (status, body) in answers {
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let (mut stream, _) = listener.accept().unwrap();
                // Until the request's JSON body is whole (it ends with `}`).
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                while request.last() != Some(&b'}') {
                    let read = stream.read(&mut buffer).unwrap();
                    assert!(read > 0, "the client closed mid-request");
                    request.extend_from_slice(&buffer[..read]);
                }
                seen.send(String::from_utf8(request).unwrap()).unwrap();
                stream.write_all(answer.as_bytes()).unwrap();
            }
        });
        let remote = Remote::new(&format!("http://{address}/"), Some("s3cret".into())).unwrap();
        let answer = remote
            .call(Method::POST, "/api/v1/triage", Some(b"{\"a\":1}".to_vec()))
            .unwrap();
        assert_eq!(answer["status"], "ok");
        let request = heard.recv().unwrap().to_ascii_lowercase();
        assert!(
            request.starts_with("post /api/v1/triage http/1.1"),
            "{request}"
        );
        assert!(
            request.contains("authorization: bearer s3cret"),
            "{request}"
        );
        assert!(
            request.contains("content-type: application/json"),
            "{request}"
        );
        assert!(request.ends_with("{\"a\":1}"), "{request}");
        let refused = remote
            .call(Method::POST, "/api/v1/cutover/sign", Some(b"{}".to_vec()))
            .unwrap_err()
            .to_string();
        assert_eq!(
            refused,
            format!("http://{address}/api/v1/cutover/sign: 409 Conflict: group is open")
        );
    }

    #[test]
    fn the_http_ingress_given_as_from_is_named_by_its_405() {
        let ingress = answering(
            "HTTP/1.1 405 Method Not Allowed\r\nallow: POST\r\ncontent-length: 9\r\n\r\nuse POST\n",
            1,
        );
        let error = Remote::new(&ingress, None)
            .unwrap()
            .summary()
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("405 Method Not Allowed: use POST; is --from the admin listener"),
            "{error}"
        );
        // Another refusal is reported as it is, without the hint.
        let busy = answering(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 20\r\n\r\n{\"error\":\"starting\"}",
            1,
        );
        let error = Remote::new(&busy, None)
            .unwrap()
            .summary()
            .unwrap_err()
            .to_string();
        assert!(
            error.ends_with("503 Service Unavailable: starting"),
            "{error}"
        );
    }
}
