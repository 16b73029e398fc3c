//! Gateway configuration: TOML → validated runtime settings that cannot be invalid.
//!
//! [`load`] reads the file, loads every layout and TLS file, validates every section and reports
//! **all** problems at once, each with its key path. Nothing binds before this succeeds; a reload
//! that fails keeps the old config.
//!
//! - `raw`: the serde structs people write; `read` reads the file into them, reporting every
//!   unknown key (through `serde_ignored`) and every value of the wrong type, each with its key
//!   path; `load` then builds.
//! - `build`: checks and conversion into the types below; `engine_build` and `strategy_build`
//!   for engines and strategies, `codes` for response codes against layouts, `address` for
//!   engine `host:port`, `rule_paths` for rule patterns that reach no field of the layout (an
//!   index past a group's maximum, an `unordered` key no element has), also run on a
//!   reconciliation's inline rules; `suggest` for "did you mean"; `wrong_type` for a value of
//!   the wrong type in the README's words (`expected a whole number of days …`), not serde's,
//!   with the range `ranges` gives a key whose range checks narrow its type's;
//!   `stand_in` for a value of the right type in place of a wrong one, so the file is read
//!   again for the next one; `position` for the line of a key whose problem is found after
//!   reading (a comparison rule's), or while reading without one (an unknown key's).
//! - `log_filter`: `[logging] level` as `run` installs it, a bare word that is neither a level
//!   nor a target anything logs under refused (`EnvFilter` would read `warning` as a target and
//!   log nothing).
//! - `tls_reason`: why a TLS file does not do, in words (rustls says some reasons as debug
//!   values).
//! - `problem`: the one shape of a problem ([`Problem`]) every caller prints the same way.
//! - `allowed_hosts`: the host names the admin listener answers to, checked and normalized.
//! - `secret`: the admin token from an environment variable or a file, read or skipped
//!   ([`Secrets`]), and the store's encryption key file, each quoted as declared in problems.
//! - `environment`: what only the machine can tell (binding, the store directory, DNS), checked
//!   by `check-config` ([`check`]) on the file as declared, so it runs when the file has errors.
//! - `store_probe`: with the secrets read, `check-config` opens one session with the fleet
//!   store's PostgreSQL database: a refused login or a missing database is an error, no answer
//!   a warning.

mod address;
mod allowed_hosts;
mod build;
mod codes;
mod engine_build;
mod environment;
pub mod governance;
mod link_build;
mod load;
mod log_filter;
mod position;
mod problem;
pub(crate) mod ranges;
pub mod raw;
mod read;
mod rule_paths;
mod secret;
mod stand_in;
mod store_probe;
mod strategy_build;
mod suggest;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_one_run;
#[cfg(test)]
mod tests_wording;
mod tls_reason;
mod wrong_type;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use protocol_mci::Layout;

use crate::engine::{EngineLink, HttpEngineSettings, MciEngineSettings};
pub use crate::listener::server::ServerLimits;
use crate::review::ReadinessConfig;
use crate::store::StoreConfig;
pub use environment::{check_environment, check_fd_budget};
pub use load::{check, check_with, load, load_without_secrets, Checked, ConfigError};
pub(crate) use position::{locate, located};
pub use problem::{write_list, Found, List, Problem, Problems, Severity};
pub use raw::{LogFormat, LoggingConfig, ResponseCodesConfig};
pub(crate) use read::wrong_type_text;
pub(crate) use rule_paths::{check_rules, Answers};
pub use secret::{Secrets, TokenSource};

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub source: PathBuf,
    /// MCI listeners.
    pub mci_listeners: Vec<MciListener>,
    /// HTTP ingress, if configured.
    pub http_listener: Option<HttpListener>,
    /// Admin listener, if configured.
    pub admin_listener: Option<AdminListener>,
    /// Loaded layouts by name.
    pub layouts: BTreeMap<String, Arc<Layout>>,
    /// SHA-256 (hex) of each loaded layout file's bytes, by layout name: start and reload entries
    /// record each strategy's, so a layout edited while the gateway was stopped is seen.
    pub layout_sha256: BTreeMap<String, String>,
    /// Engines by name.
    pub engines: BTreeMap<String, EngineSpec>,
    /// Strategies by name.
    pub strategies: BTreeMap<String, StrategySpec>,
    /// Result codes of the gateway's own error frames.
    pub response_codes: ResponseCodesConfig,
    /// Mismatch store.
    pub store: StoreConfig,
    /// Logs.
    pub logging: LoggingConfig,
    /// How often every engine is probed (`[health] probe_interval_ms`).
    pub probe_interval: Duration,
    /// How the review shows times and daily charts (`[review]`).
    pub review: crate::review::ReviewView,
    /// The shadow workers and their queue (`[shadow]`; read at start).
    pub shadow: raw::ShadowSection,
    /// The async runtime's worker threads (`[runtime]`; read at start).
    pub runtime: raw::RuntimeSectionConfig,
    /// Problems that do not stop the config from being used, to print or log.
    pub warnings: Vec<Problem>,
    /// SHA-256 (hex) of the config file's bytes as loaded: cutover sign-offs and reloads name
    /// the config by it in the audit trail. Empty for a config not read from a file.
    pub sha256: String,
    /// Whether its secrets (admin token, PostgreSQL password, encryption key file) were read:
    /// with [`Secrets::Skip`] they are declared but unchecked, which the summary says.
    pub secrets: Secrets,
}

/// One MCI listener.
#[derive(Debug, Clone)]
pub struct MciListener {
    /// Name in logs and metrics.
    pub name: String,
    /// Bind address.
    pub address: SocketAddr,
    /// Layout name.
    pub layout: String,
    /// Connections at most.
    pub max_connections: usize,
    /// Pipelined frames in flight per connection at most.
    pub max_pipelined: usize,
    /// Idle connections are closed after this.
    pub idle_timeout: Duration,
    /// How core banking uses its connections.
    pub link: ListenerLink,
}

/// How core banking uses its connections to an MCI listener (`link`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerLink {
    /// Long-lived connections; pipelined frames answered in order on the same connection.
    Persistent,
    /// One frame per connection: answered, then the connection is closed.
    OneShot,
    /// Core banking connects a request socket to `address` and an answer socket to
    /// `answer_address`; answers go out on the answer socket as they are ready.
    DualSocket {
        /// Where the answer socket connects.
        answer_address: SocketAddr,
    },
}

/// The HTTP ingress.
#[derive(Debug, Clone)]
pub struct HttpListener {
    /// Bind address.
    pub address: SocketAddr,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Layout of raw frames posted to `/v1/frames`.
    pub frames_layout: Option<String>,
    /// Connection cap and timeouts.
    pub limits: ServerLimits,
}

/// The admin listener.
#[derive(Clone)]
pub struct AdminListener {
    /// Bind address.
    pub address: SocketAddr,
    /// Bearer token, when required (`None` also when secrets were skipped: see `token_source`).
    pub token: Option<String>,
    /// Where the token comes from, when one is configured.
    pub token_source: Option<TokenSource>,
    /// Host names requests may be addressed to besides IP literals and `localhost` (lower case,
    /// no final dot); on a non-loopback address an empty list lets any name through.
    pub allowed_hosts: Vec<String>,
    /// Connection cap and timeouts.
    pub limits: ServerLimits,
}

impl fmt::Debug for AdminListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token is a secret: never in logs.
        f.debug_struct("AdminListener")
            .field("address", &self.address)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("token_source", &self.token_source)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("limits", &self.limits)
            .finish()
    }
}

/// A validated engine. Two equal specs (`==`: every setting, TLS files and layout by content)
/// build the same client, so a reload keeps the client of an engine whose spec is equal to the
/// one it had (`runtime::carry`).
#[derive(Debug, Clone, PartialEq)]
pub enum EngineSpec {
    /// http or https.
    Http(HttpEngineSettings),
    /// Frames over TCP, with the layout whose framing it speaks.
    Mci {
        /// Client settings.
        settings: MciEngineSettings,
        /// Layout name.
        layout: String,
        /// SHA-256 (hex) of the layout file's text: the client frames by it, so another text is
        /// another client.
        layout_sha256: String,
    },
}

impl EngineSpec {
    /// `http`, `https` or `mci`.
    pub fn protocol(&self) -> &'static str {
        match self {
            EngineSpec::Http(s) if s.tls.is_some() => "https",
            EngineSpec::Http(_) => "http",
            EngineSpec::Mci { .. } => "mci",
        }
    }

    /// Where it is reached.
    pub fn target(&self) -> String {
        match self {
            EngineSpec::Http(s) => s.url.to_string(),
            EngineSpec::Mci { settings, .. } => settings.address.clone(),
        }
    }

    /// Whether `other`, an engine of the same name in another config generation, is the same
    /// engine: the same protocol (`http`, `https`, `mci`) at the same endpoints (an http(s) URL's
    /// host and port, an mci address and a dual-socket link's answer address). Timeouts, limits,
    /// certificates, the URL's path and the link mode are settings of the same engine; a reload
    /// keeps what the gateway learnt about its reachability across them (its health, its shadow
    /// breakers).
    pub fn is_same_engine(&self, other: &EngineSpec) -> bool {
        self.protocol() == other.protocol() && self.endpoints() == other.endpoints()
    }

    /// Where it is reached, for people: `http://host:port` or `https://host:port` (the scheme's
    /// default port filled in, no path), or an mci `host:port` with a dual-socket link's answer
    /// address after it. Two engines with the same endpoint are the same engine
    /// ([`Self::is_same_engine`]).
    pub fn endpoint(&self) -> String {
        let (address, answers) = self.endpoints();
        let address = match self {
            EngineSpec::Http(_) => format!("{}://{address}", self.protocol()),
            EngineSpec::Mci { .. } => address,
        };
        match answers {
            Some(answers) => format!("{address} (answers at {answers})"),
            None => address,
        }
    }

    /// The `host:port`s it connects to, the default port of its scheme filled in.
    fn endpoints(&self) -> (String, Option<&str>) {
        match self {
            EngineSpec::Http(s) => {
                let host = s.url.host().unwrap_or_default();
                let port = s
                    .url
                    .port_u16()
                    .unwrap_or(if s.tls.is_some() { 443 } else { 80 });
                (format!("{host}:{port}"), None)
            }
            EngineSpec::Mci { settings, .. } => {
                let answers = match &settings.link {
                    EngineLink::DualSocket { answer_address } => Some(answer_address.as_str()),
                    EngineLink::Persistent | EngineLink::OneShot => None,
                };
                (settings.address.clone(), answers)
            }
        }
    }
}

/// A validated strategy.
#[derive(Debug, Clone)]
pub struct StrategySpec {
    /// Name.
    pub name: String,
    /// Layout name.
    pub layout: String,
    /// Transaction codes it serves.
    pub tx_codes: Vec<String>,
    /// Path appended to http engines' URLs.
    pub path: String,
    /// Live engine name.
    pub live: String,
    /// Shadow engine name.
    pub shadow: Option<String>,
    /// Share of requests shadowed, in parts per million (deterministic by correlation id).
    pub sample_ppm: u32,
    /// Shadow calls in flight at most.
    pub shadow_max_in_flight: usize,
    /// Bound on one shadow comparison.
    pub shadow_timeout: Duration,
    /// Whether a mismatch is confirmed by a second shadow call (noise detection).
    pub confirm_mismatches: bool,
    /// Comparison rules.
    pub rules: Arc<comparator::Rules>,
    /// Readiness thresholds.
    pub readiness: ReadinessConfig,
}
