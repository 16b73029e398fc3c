//! A small client for a running gateway's admin API (`--from`), and the answers triage reads.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde_json::Value;

use crate::review::ReviewView;
use crate::triage::{AuditEntry, GroupTriage};

/// How long one admin API call may take.
const DEADLINE: Duration = Duration::from_secs(30);

/// `GET /api/v1/triage?strategy=…`'s answer.
#[derive(Deserialize)]
pub(super) struct Listed {
    pub(super) groups: Vec<GroupTriage>,
}

/// `GET /api/v1/audit`'s answer.
#[derive(Deserialize)]
pub(super) struct Trail {
    pub(super) entries: Vec<AuditEntry>,
}

/// The admin API of a running gateway, for triage calls (GET and POST with a JSON body).
pub(in crate::cli) struct Api {
    pub(super) base: String,
    token: Option<String>,
    runtime: tokio::runtime::Runtime,
}

impl Api {
    pub(in crate::cli) fn new(url: &str, token: Option<String>) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        Ok(Self {
            base: url.trim_end_matches('/').to_owned(),
            token,
            runtime,
        })
    }

    /// The review zone the gateway reports (`time_zone` of `/api/v1/daily`); UTC from a gateway
    /// that does not say.
    pub(in crate::cli) fn view(&self) -> ReviewView {
        self.call(Method::GET, "/api/v1/daily", None)
            .ok()
            .and_then(|daily| ReviewView::named(daily["time_zone"].as_str()?))
            .unwrap_or_default()
    }

    /// Calls `path`; the JSON answer, or the server's error message as an error.
    pub(in crate::cli) fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> anyhow::Result<Value> {
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
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let call = async {
            let response = client.request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, anyhow::Error>((status, body))
        };
        let (status, body) = self
            .runtime
            .block_on(async { tokio::time::timeout(DEADLINE, call).await })
            .map_err(|_| anyhow!("{url}: no answer within {}s", DEADLINE.as_secs()))?
            .with_context(|| format!("{url}: request failed"))?;
        let value: Value = serde_json::from_slice(&body)
            .map_err(|_| anyhow!("{url}: {status}: the answer is not the admin API's JSON"))?;
        if !status.is_success() {
            let message = value["error"].as_str().unwrap_or("no message");
            bail!("{url}: {status}: {message}");
        }
        Ok(value)
    }
}
