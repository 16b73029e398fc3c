//! Serde input of the gateway config file, as written by people. Validated by [`super::load`].
//!
//! Durations are integers with their unit in the key (`request_timeout_ms`), like the store
//! section, so there is one way to write them.
//!
//! No struct here denies unknown fields: [`super::load`] reads them through `serde_ignored`,
//! which reports every unknown key with its path, where `deny_unknown_fields` would stop at the
//! first one.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::review::ReadinessConfig;
use crate::store::StoreConfig;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
pub struct ConfigFile {
    /// Where the gateway listens.
    pub listeners: ListenersConfig,
    /// Layout files by name; relative paths are relative to the config file.
    pub layouts: BTreeMap<String, PathBuf>,
    /// Engines by name.
    pub engines: BTreeMap<String, EngineConfig>,
    /// Strategies by name.
    pub strategies: BTreeMap<String, StrategyConfig>,
    /// Result codes of the error frames the gateway itself answers with.
    #[serde(default)]
    pub response_codes: ResponseCodesConfig,
    /// The mismatch store.
    #[serde(default)]
    pub store: StoreConfig,
    /// Logs.
    #[serde(default)]
    pub logging: LoggingConfig,
    /// Engine health probes.
    #[serde(default)]
    pub health: HealthConfig,
    /// How the review (page, API, report) shows times and daily charts.
    #[serde(default)]
    pub review: ReviewSectionConfig,
    /// The shadow workers (read at start; a reload keeps the running ones).
    #[serde(default)]
    pub shadow: ShadowSectionConfig,
    /// The async runtime that carries the listeners and engine calls (read at start).
    #[serde(default)]
    pub runtime: RuntimeSectionConfig,
}

/// `[runtime]`: the tokio runtime of `shadowgate run`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RuntimeSectionConfig {
    /// Worker threads for listeners and engine calls (0: one per core, tokio's default; at most
    /// 256).
    pub worker_threads: usize,
}

/// `[shadow]` as written. Each setting stays `None` when not declared, so a config whose
/// strategies have no shadow can be warned about each one declared for nothing;
/// [`ShadowSectionConfig::resolve`] fills in the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ShadowSectionConfig {
    /// [`ShadowSection::workers`].
    pub workers: Option<usize>,
    /// [`ShadowSection::queue_capacity`].
    pub queue_capacity: Option<usize>,
    /// [`ShadowSection::nice`].
    pub nice: Option<i32>,
    /// [`ShadowSection::scheduling`].
    pub scheduling: Option<ShadowScheduling>,
    /// [`ShadowSection::gather_ms`].
    pub gather_ms: Option<u64>,
}

impl ShadowSectionConfig {
    /// The settings, each declared one as written and the others by default.
    pub fn resolve(&self) -> ShadowSection {
        let default = ShadowSection::default();
        ShadowSection {
            workers: self.workers.unwrap_or(default.workers),
            queue_capacity: self.queue_capacity.unwrap_or(default.queue_capacity),
            nice: self.nice.unwrap_or(default.nice),
            scheduling: self.scheduling.unwrap_or(default.scheduling),
            gather_ms: self.gather_ms.unwrap_or(default.gather_ms),
        }
    }

    /// Every declared setting with its value as written, in the order of the README's table.
    pub fn declared(&self) -> Vec<(&'static str, String)> {
        let declared = [
            ("workers", self.workers.map(|v| v.to_string())),
            ("queue_capacity", self.queue_capacity.map(|v| v.to_string())),
            ("nice", self.nice.map(|v| v.to_string())),
            (
                "scheduling",
                self.scheduling.map(|v| format!("{:?}", v.as_str())),
            ),
            ("gather_ms", self.gather_ms.map(|v| v.to_string())),
        ];
        declared
            .into_iter()
            .filter_map(|(key, value)| Some((key, value?)))
            .collect()
    }
}

/// `[shadow]` with its defaults filled in: the threads that canonicalise, compare and record
/// shadow answers, off the live path's workers, and their bounded queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShadowSection {
    /// Worker threads (0 to 64). 0: no thread; the comparisons run as a task on the runtime, in
    /// turns with the live path's tasks (for a gateway on one core).
    pub workers: usize,
    /// Comparisons waiting for a worker at most; beyond it they are skipped (`queue_full`).
    pub queue_capacity: usize,
    /// Nice value of the worker threads and the store writer on Linux (0 to 19; the live path's
    /// threads keep 0). Above 0 the kernel runs the live path first when the CPU is short, and
    /// comparisons that cannot keep up are skipped (`queue_full`) instead of slowing live answers.
    pub nice: i32,
    /// Scheduling class of the worker threads and the store writer on Linux: `normal` shares
    /// the CPU with the live path by `nice`; `batch` (the default) shares it the same way but
    /// a waking shadow thread never preempts a running live one; `idle` runs them only on CPU time
    /// nothing else wants, and any live-path thread that wakes preempts them at once (for a
    /// core the gateway has to itself: see `runtime::scheduling`).
    pub scheduling: ShadowScheduling,
    /// Milliseconds a worker that ran out of comparisons sleeps before it waits on the queue,
    /// taking what came meanwhile in one wake-up (0 to 100; 0: woken for each comparison).
    pub gather_ms: u64,
}

impl Default for ShadowSection {
    fn default() -> Self {
        Self {
            workers: 1,
            queue_capacity: 1024,
            nice: 0,
            scheduling: ShadowScheduling::Batch,
            gather_ms: 0,
        }
    }
}

/// `[shadow] scheduling`: how the shadow's threads are scheduled against the live path's (see
/// `runtime::scheduling`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShadowScheduling {
    /// `SCHED_OTHER` at `nice`: a fair share of the CPU, as the live path.
    Normal,
    /// `SCHED_IDLE`: only CPU time nothing else wants; live-path threads preempt at once.
    Idle,
    /// `SCHED_BATCH` at `nice`: a fair share as `normal`, but a woken shadow thread never
    /// preempts the running (live-path) thread: it waits for that thread to sleep or its slice
    /// to end. The default.
    #[default]
    Batch,
}

impl ShadowScheduling {
    /// Its name in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            ShadowScheduling::Normal => "normal",
            ShadowScheduling::Idle => "idle",
            ShadowScheduling::Batch => "batch",
        }
    }
}

impl std::fmt::Display for ShadowScheduling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[review]`: how times and daily charts are shown to the migration team.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ReviewSectionConfig {
    /// IANA time zone of the times and days shown (e.g. `Asia/Seoul`); stored times stay UTC.
    pub time_zone: String,
    /// Days in the daily charts, today included.
    pub chart_days: u32,
}

impl Default for ReviewSectionConfig {
    fn default() -> Self {
        Self {
            time_zone: "UTC".into(),
            chart_days: 14,
        }
    }
}

/// `[listeners]`.
#[derive(Debug, Clone, Deserialize)]
pub struct ListenersConfig {
    /// MCI (TCP frame) listeners; core banking connects here.
    #[serde(default)]
    pub mci: Vec<MciListenerConfig>,
    /// Optional HTTP ingress.
    #[serde(default)]
    pub http: Option<HttpListenerConfig>,
    /// Admin listener: metrics, health, review API and page.
    #[serde(default)]
    pub admin: Option<AdminListenerConfig>,
}

/// `[[listeners.mci]]`.
#[derive(Debug, Clone, Deserialize)]
pub struct MciListenerConfig {
    /// Name used in logs and metrics.
    pub name: String,
    /// `host:port` to bind.
    pub address: String,
    /// Layout whose framing and header the frames use.
    pub layout: String,
    /// Connections at most; further ones are closed at once and counted.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Frames one connection may have in flight (pipelined) at most; reading pauses beyond it.
    #[serde(default = "default_max_pipelined")]
    pub max_pipelined: usize,
    /// A connection with no frame for this long is closed (L4 health checks are normal).
    #[serde(default = "default_idle_timeout_ms")]
    pub idle_timeout_ms: u64,
    /// How core banking uses its connections: `persistent`, `one_shot` or `dual_socket`.
    #[serde(default)]
    pub link: LinkMode,
    /// With `link = "dual_socket"`: `ip:port` where core banking connects the socket it reads
    /// answers from (requests arrive on `address`).
    #[serde(default)]
    pub answer_address: Option<String>,
}

/// How one side of an MCI link uses its TCP connections (`link = ...`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkMode {
    /// Long-lived connections, a request and its answer on the same one (pipelined at the
    /// listener, one at a time per pooled engine connection).
    #[default]
    Persistent,
    /// A connection per request: connect, one frame, one answer, close.
    OneShot,
    /// Requests on one connection, answers on another, matched by correlation id.
    DualSocket,
}

impl LinkMode {
    /// The value as written in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkMode::Persistent => "persistent",
            LinkMode::OneShot => "one_shot",
            LinkMode::DualSocket => "dual_socket",
        }
    }
}

/// `[listeners.http]`.
#[derive(Debug, Clone, Deserialize)]
pub struct HttpListenerConfig {
    /// `host:port` to bind.
    pub address: String,
    /// Largest request body.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
    /// Layout of raw frames posted to `/v1/frames`.
    #[serde(default)]
    pub frames_layout: Option<String>,
    /// Connections at most; further ones are closed at once and counted.
    #[serde(default = "default_http_max_connections")]
    pub max_connections: usize,
    /// A request head (and body) must arrive within this long of the connection opening or the
    /// request starting.
    #[serde(default = "default_header_read_timeout_ms")]
    pub header_read_timeout_ms: u64,
    /// A kept-alive connection with no request in flight for this long is closed.
    #[serde(default = "default_http_idle_timeout_ms")]
    pub idle_timeout_ms: u64,
}

/// `[listeners.admin]`.
#[derive(Debug, Clone, Deserialize)]
pub struct AdminListenerConfig {
    /// `host:port` to bind; loopback by default.
    #[serde(default = "default_admin_address")]
    pub address: String,
    /// Environment variable holding the bearer token; no token (neither this nor `token_file`)
    /// means no authentication.
    #[serde(default)]
    pub token_env: Option<String>,
    /// File holding the bearer token (relative to the config file); re-read at every reload, so
    /// a rotated token takes effect without a restart.
    #[serde(default)]
    pub token_file: Option<String>,
    /// Host names (`Host`) the listener answers to besides IP literals and `localhost`: on a
    /// loopback address no other name is answered (DNS rebinding); elsewhere, once one is listed,
    /// only those.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Connections at most; further ones are closed at once and counted.
    #[serde(default = "default_admin_max_connections")]
    pub max_connections: usize,
    /// As for `[listeners.http]`.
    #[serde(default = "default_header_read_timeout_ms")]
    pub header_read_timeout_ms: u64,
    /// As for `[listeners.http]`.
    #[serde(default = "default_http_idle_timeout_ms")]
    pub idle_timeout_ms: u64,
}

/// `[engines.<name>]`.
#[derive(Debug, Clone, Deserialize)]
pub struct EngineConfig {
    /// `http`, `https` or `mci`.
    pub protocol: Protocol,
    /// Base URL of an http(s) engine.
    #[serde(default)]
    pub url: Option<String>,
    /// `host:port` of an mci engine.
    #[serde(default)]
    pub address: Option<String>,
    /// Layout whose framing an mci engine speaks.
    #[serde(default)]
    pub layout: Option<String>,
    /// Bound on opening a connection.
    #[serde(default = "default_connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    /// Bound on a whole call.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// Calls in flight at most (connections, for mci).
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// A pooled connection idle longer than this is closed, not reused; keep it below the
    /// engine's keep-alive. An HTTP `Keep-Alive: timeout=N` answer shortens it, never lengthens.
    #[serde(default = "default_engine_idle_timeout_ms")]
    pub idle_timeout_ms: u64,
    /// A connection opened longer ago than this is closed, not reused; 0: no cap.
    #[serde(default)]
    pub max_connection_age_ms: u64,
    /// Re-send a live request once on a fresh connection when a reused one failed after the
    /// request was written and before any answer byte (shadow requests always are).
    #[serde(default)]
    pub retry_stale_connection: bool,
    /// An mci engine: send the layout's poll on idle connections this often, and replace a
    /// connection whose poll is not answered within the request timeout; 0: no polls.
    #[serde(default)]
    pub poll_interval_ms: u64,
    /// An mci engine: how the gateway uses its connections: `persistent` (a pool), `one_shot`
    /// or `dual_socket`.
    #[serde(default)]
    pub link: LinkMode,
    /// An mci engine with `link = "dual_socket"`: `host:port` the gateway connects to read
    /// answers from (requests go to `address`).
    #[serde(default)]
    pub answer_address: Option<String>,
    /// TLS for https engines.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
}

/// Engine protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// JSON over plain HTTP.
    Http,
    /// JSON over HTTPS (rustls).
    Https,
    /// Frames over TCP.
    Mci,
}

/// `[engines.<name>.tls]`.
#[derive(Debug, Clone, Deserialize)]
pub struct TlsConfig {
    /// PEM file of the CA that signs the engine's certificate.
    pub ca_file: PathBuf,
    /// PEM client certificate chain, for mTLS.
    #[serde(default)]
    pub client_cert_file: Option<PathBuf>,
    /// PEM client key, for mTLS.
    #[serde(default)]
    pub client_key_file: Option<PathBuf>,
    /// Name to verify the certificate against when it differs from the URL host.
    #[serde(default)]
    pub server_name: Option<String>,
}

/// `[strategies.<name>]`.
#[derive(Debug, Clone, Deserialize)]
pub struct StrategyConfig {
    /// Layout of the strategy's frames.
    pub layout: String,
    /// Transaction codes routed to this strategy.
    pub tx_codes: Vec<String>,
    /// Path appended to an http engine's URL.
    #[serde(default)]
    pub path: Option<String>,
    /// Engine that answers core banking.
    pub live: String,
    /// Engine whose answers are compared, never returned.
    #[serde(default)]
    pub shadow: Option<String>,
    /// Percent of requests also sent to the shadow, chosen by correlation id (deterministic);
    /// 100 when not declared. The four shadow settings stay `None` when not declared, so a
    /// strategy without a shadow can be warned about each one declared for nothing.
    #[serde(default)]
    pub shadow_sample_percent: Option<f64>,
    /// Shadow calls in flight at most for this strategy; beyond it calls are skipped and counted
    /// (256 when not declared).
    #[serde(default)]
    pub shadow_max_in_flight: Option<usize>,
    /// Bound on a whole shadow comparison (the shadow call and waiting for the live answer; 5000
    /// when not declared).
    #[serde(default)]
    pub shadow_timeout_ms: Option<u64>,
    /// On a mismatch, ask the shadow engine a second time (within the same in-flight budget) and
    /// mark the fields that differ between its two answers as noise (`false` when not declared).
    #[serde(default)]
    pub confirm_mismatches: Option<bool>,
    /// Comparison rules.
    #[serde(default)]
    pub rules: comparator::RulesConfig,
    /// Cutover readiness thresholds.
    #[serde(default)]
    pub readiness: ReadinessConfig,
}

impl StrategyConfig {
    /// `shadow_sample_percent`, 100 when not declared.
    pub fn sample_percent(&self) -> f64 {
        self.shadow_sample_percent.unwrap_or(100.0)
    }

    /// `shadow_max_in_flight`, 256 when not declared.
    pub fn max_in_flight(&self) -> usize {
        self.shadow_max_in_flight.unwrap_or(256)
    }

    /// `shadow_timeout_ms`, 5000 when not declared.
    pub fn timeout_ms(&self) -> u64 {
        self.shadow_timeout_ms.unwrap_or(5_000)
    }

    /// The settings that act on the shadow engine only, each declared one with its value as
    /// written: a strategy without `shadow` uses none of them.
    pub fn shadow_settings(&self) -> Vec<(&'static str, String)> {
        let declared = [
            (
                "shadow_sample_percent",
                self.shadow_sample_percent.map(|v| v.to_string()),
            ),
            (
                "shadow_max_in_flight",
                self.shadow_max_in_flight.map(|v| v.to_string()),
            ),
            (
                "shadow_timeout_ms",
                self.shadow_timeout_ms.map(|v| v.to_string()),
            ),
            (
                "confirm_mismatches",
                self.confirm_mismatches.map(|v| v.to_string()),
            ),
        ];
        declared
            .into_iter()
            .filter_map(|(key, value)| Some((key, value?)))
            .collect()
    }
}

/// `[response_codes]`: result codes written into error frames the gateway answers itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ResponseCodesConfig {
    /// The frame's body does not decode.
    pub bad_request: String,
    /// No strategy for the transaction code.
    pub unknown_transaction: String,
    /// The live engine failed or its answer does not fit the layout.
    pub live_error: String,
    /// The live engine did not answer in time.
    pub live_timeout: String,
}

impl Default for ResponseCodesConfig {
    fn default() -> Self {
        ResponseCodesConfig {
            bad_request: "E400".into(),
            unknown_transaction: "E404".into(),
            live_error: "E502".into(),
            live_timeout: "E504".into(),
        }
    }
}

/// `[logging]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LoggingConfig {
    /// `text` or `json`.
    pub format: LogFormat,
    /// A `tracing` filter, e.g. `info` or `shadowgate=debug`.
    pub level: String,
    /// Each comparison is logged at debug; at info, one summary line per strategy this often
    /// (none when nothing happened).
    pub summary_interval_ms: u64,
}

impl LoggingConfig {
    /// `summary_interval_ms` as a duration (validated positive).
    pub fn summary_interval(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.summary_interval_ms.max(1))
    }
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            format: LogFormat::Text,
            level: "info".into(),
            summary_interval_ms: 60_000,
        }
    }
}

/// `[health]`: the connect probe of every engine.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HealthConfig {
    /// Every engine is probed (TCP connect, TLS handshake; no request) this often; a dead live
    /// engine shows on `/readyz` within this plus its connect timeout.
    pub probe_interval_ms: u64,
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            probe_interval_ms: 2_000,
        }
    }
}

/// Log formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line.
    Json,
}

fn default_max_connections() -> usize {
    1024
}
fn default_max_pipelined() -> usize {
    32
}
fn default_idle_timeout_ms() -> u64 {
    300_000
}
fn default_http_max_connections() -> usize {
    256
}
fn default_admin_max_connections() -> usize {
    64
}
fn default_header_read_timeout_ms() -> u64 {
    10_000
}
fn default_http_idle_timeout_ms() -> u64 {
    60_000
}
fn default_max_body_bytes() -> usize {
    1 << 20
}
fn default_admin_address() -> String {
    "127.0.0.1:9190".into()
}
fn default_connect_timeout_ms() -> u64 {
    1_000
}
fn default_request_timeout_ms() -> u64 {
    3_000
}
fn default_engine_idle_timeout_ms() -> u64 {
    // Below every common server keep-alive: gunicorn 2 s, Node 5 s.
    crate::engine::DEFAULT_IDLE_TIMEOUT.as_millis() as u64
}
fn default_max_in_flight() -> usize {
    64
}
