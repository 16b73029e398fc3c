//! The real gateway ([`Running::start`]) on loopback port 0, configured by a small builder that
//! writes a config TOML into a temporary folder, and a client for its MCI and HTTP ingress.
//!
//! ```ignore
//! let gateway = TestGateway::new()
//!     .live("legacy", EngineToml::mci(legacy.addr()))
//!     .shadow("new-engine", EngineToml::http(&new_engine.url()))
//!     .start()
//!     .await;
//! let answer = gateway.mci_client().await.call(&request_frame(&guid(1))).await;
//! ```
//!
//! - `client`: [`MciClient`] (framed TCP with deadlines) and [`post`] for the HTTP ingress.
//! - `engines`: fake engines that answer with a decision of a given grade.
//! - `frames`: loan-screening requests, decisions and answer frames.

mod client;
mod engines;
mod frames;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use shadowgate::config;
use shadowgate::server::Running;
use shadowgate::store::{ListQuery, MismatchRecord, StrategyCounters};
use tempfile::TempDir;
use tokio::time::timeout;

pub use self::client::{get, post, MciClient};
pub use self::engines::{http_deciding, mci_deciding, LIMIT};
pub use self::frames::{
    answer_frame, decision, decode_answer, guid, http_answer, layout, layout_path, open_loop,
    request, request_frame, RRN, TX_CODE,
};
use crate::TestPki;

/// Bound on every network wait of the test client, and on polling the store.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The strategy every test gateway serves.
pub const STRATEGY: &str = "loan-screening";

/// Builds a gateway config; [`GatewayBuilder::start`] runs it. Cloneable, so a test can change a
/// running gateway's config and reload it ([`TestGateway::reload_with`]).
#[derive(Clone, Debug, Default)]
pub struct GatewayBuilder {
    engines: Vec<(String, EngineToml)>,
    live: Option<String>,
    shadow: Option<String>,
    strategy_keys: Vec<String>,
    rules: Vec<String>,
    admin: bool,
    /// `(section, line)`: extra keys of `[[listeners.mci]]`, `[listeners.http]`, `[listeners.admin]`.
    listener_keys: Vec<(Listener, String)>,
    probe_interval: Option<Duration>,
    store_keys: Vec<String>,
    logging_keys: Vec<String>,
    /// Lines of `[shadow]` (the shadow workers).
    shadow_keys: Vec<String>,
    store_path: Option<PathBuf>,
    /// The strategy's layout file, when not the example layout.
    layout_file: Option<PathBuf>,
    /// Fixed listener addresses instead of `127.0.0.1:0` ([`GatewayBuilder::address`]).
    addresses: Vec<(Listener, SocketAddr)>,
}

/// A listener section of the test config, for [`GatewayBuilder::listener_key`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listener {
    /// `[[listeners.mci]]` (core banking).
    Mci,
    /// `[listeners.http]`.
    Http,
    /// `[listeners.admin]` (only written when [`GatewayBuilder::admin`] is on).
    Admin,
}

/// One `[engines.<name>]` section.
#[derive(Clone, Debug)]
pub struct EngineToml {
    lines: Vec<String>,
    tls: Vec<String>,
}

/// A running gateway with its config folder and store; see [`TestGateway::new`].
pub struct TestGateway {
    running: Running,
    builder: GatewayBuilder,
    config_path: PathBuf,
    _dir: TempDir,
}

impl EngineToml {
    /// An `http` engine at `url`.
    pub fn http(url: &str) -> EngineToml {
        EngineToml::new(&[("protocol", quote("http")), ("url", quote(url))])
    }

    /// An `https` engine at `url` trusting `pki`'s CA; with `client_cert`, it presents the PKI's
    /// client certificate (mTLS).
    pub fn https(url: &str, pki: &TestPki, client_cert: bool) -> EngineToml {
        let mut engine = EngineToml::new(&[("protocol", quote("https")), ("url", quote(url))]);
        engine.tls.push(key("ca_file", quote_path(&pki.ca_file())));
        if client_cert {
            let cert = quote_path(&pki.client_cert_file());
            engine.tls.push(key("client_cert_file", cert));
            let private = quote_path(&pki.client_key_file());
            engine.tls.push(key("client_key_file", private));
        }
        engine
    }

    /// An `mci` engine at `address` speaking the loan-screening layout.
    pub fn mci(address: SocketAddr) -> EngineToml {
        EngineToml::new(&[
            ("protocol", quote("mci")),
            ("address", quote(&address.to_string())),
            ("layout", quote(STRATEGY)),
        ])
    }

    /// Sets `request_timeout_ms`.
    pub fn request_timeout(self, timeout: Duration) -> EngineToml {
        self.key("request_timeout_ms", timeout.as_millis().to_string())
    }

    /// Sets `name = value` (`value` is TOML, e.g. `"\"text\""` or `32`), in place of a value
    /// set before (the tests' `connect_timeout_ms`, say).
    pub fn key(mut self, name: &str, value: impl Into<String>) -> EngineToml {
        let prefix = format!("{name} = ");
        self.lines.retain(|line| !line.starts_with(&prefix));
        self.lines.push(key(name, value.into()));
        self
    }

    fn new(keys: &[(&str, String)]) -> EngineToml {
        let mut lines: Vec<String> = keys.iter().map(|(k, v)| key(k, v.clone())).collect();
        // Fast failures: a refused or silent engine must not slow the tests down.
        lines.push(key("connect_timeout_ms", "1000"));
        EngineToml {
            lines,
            tls: Vec::new(),
        }
    }
}

impl GatewayBuilder {
    /// Adds an engine without giving it a role (e.g. for a later reload).
    pub fn engine(mut self, name: &str, engine: EngineToml) -> GatewayBuilder {
        self.engines.retain(|(n, _)| n != name);
        self.engines.push((name.to_owned(), engine));
        self
    }

    /// Adds engine `name` as the strategy's live engine.
    pub fn live(self, name: &str, engine: EngineToml) -> GatewayBuilder {
        let mut builder = self.engine(name, engine);
        builder.live = Some(name.to_owned());
        builder
    }

    /// Adds engine `name` as the strategy's shadow engine.
    pub fn shadow(self, name: &str, engine: EngineToml) -> GatewayBuilder {
        let mut builder = self.engine(name, engine);
        builder.shadow = Some(name.to_owned());
        builder
    }

    /// Swaps the live and shadow engines: the cutover switch.
    pub fn swap_roles(mut self) -> GatewayBuilder {
        let live = self.live.take();
        self.live = self.shadow.take();
        self.shadow = live;
        self
    }

    /// Adds `name = value` to `[strategies.loan-screening]` (`value` is TOML).
    pub fn strategy_key(mut self, name: &str, value: impl Into<String>) -> GatewayBuilder {
        self.strategy_keys.push(key(name, value.into()));
        self
    }

    /// Adds the admin listener (`/metrics`, the API) on `127.0.0.1:0`, without a token; see
    /// [`TestGateway::admin_address`].
    pub fn admin(mut self) -> GatewayBuilder {
        self.admin = true;
        self
    }

    /// Adds `name = value` to a listener's section (`value` is TOML).
    pub fn listener_key(
        mut self,
        listener: Listener,
        name: &str,
        value: impl Into<String>,
    ) -> GatewayBuilder {
        self.listener_keys.push((listener, key(name, value.into())));
        self
    }

    /// Sets `[health] probe_interval_ms` (default 2 s).
    pub fn probe_interval(mut self, interval: Duration) -> GatewayBuilder {
        self.probe_interval = Some(interval);
        self
    }

    /// Adds `name = value` to `[store]` (`value` is TOML).
    pub fn store_key(mut self, name: &str, value: impl Into<String>) -> GatewayBuilder {
        self.store_keys.push(key(name, value.into()));
        self
    }

    /// Adds `name = value` to `[logging]` (`value` is TOML).
    pub fn logging_key(mut self, name: &str, value: impl Into<String>) -> GatewayBuilder {
        self.logging_keys.push(key(name, value.into()));
        self
    }

    /// Adds `name = value` to `[shadow]` (`value` is TOML).
    pub fn shadow_key(mut self, name: &str, value: impl Into<String>) -> GatewayBuilder {
        self.shadow_keys.push(key(name, value.into()));
        self
    }

    /// Keeps the store in `path` instead of the gateway's temporary folder (a disk the test
    /// controls; a restart on the same store).
    pub fn store_path(mut self, path: &Path) -> GatewayBuilder {
        self.store_path = Some(path.to_owned());
        self
    }

    /// Adds lines to `[strategies.loan-screening.rules]`, e.g.
    /// `tolerance = [{ path = "body.rate", absolute = "0.001" }]` (`ignore` is set already).
    pub fn rules(mut self, toml: &str) -> GatewayBuilder {
        self.rules.push(toml.to_owned());
        self
    }

    /// Serves the strategy with the layout file at `path` instead of the example layout (a
    /// variant of it, so the fake engines still understand the frames).
    pub fn layout_file(mut self, path: &Path) -> GatewayBuilder {
        self.layout_file = Some(path.to_owned());
        self
    }

    /// Binds `listener` to `address` instead of `127.0.0.1:0`: a gateway restarted on the same
    /// ports, or known to a load balancer before it starts.
    pub fn address(mut self, listener: Listener, address: SocketAddr) -> GatewayBuilder {
        self.addresses.retain(|(l, _)| *l != listener);
        self.addresses.push((listener, address));
        self
    }

    /// The config file's text, with the store in `store` unless [`GatewayBuilder::store_path`]
    /// chose one.
    pub fn toml(&self, store: &Path) -> String {
        let mut out = String::new();
        let mut line = |text: &str| {
            out.push_str(text);
            out.push('\n');
        };
        let address = |listener: Listener| {
            let fixed = self.addresses.iter().find(|(l, _)| *l == listener);
            let address = fixed.map_or("127.0.0.1:0".to_owned(), |(_, a)| a.to_string());
            key("address", quote(&address))
        };
        line("[[listeners.mci]]");
        line("name = \"core-banking\"");
        line(&address(Listener::Mci));
        line(&key("layout", quote(STRATEGY)));
        let keys_of = |listener: Listener| {
            let keys = self
                .listener_keys
                .iter()
                .filter(move |(l, _)| *l == listener);
            keys.map(|(_, text)| text.as_str())
        };
        keys_of(Listener::Mci).for_each(&mut line);
        line("\n[listeners.http]");
        line(&address(Listener::Http));
        line(&key("frames_layout", quote(STRATEGY)));
        keys_of(Listener::Http).for_each(&mut line);
        if self.admin {
            line("\n[listeners.admin]");
            line(&address(Listener::Admin));
            keys_of(Listener::Admin).for_each(&mut line);
        }
        line("\n[layouts]");
        let layout = self.layout_file.clone().unwrap_or_else(layout_path);
        line(&key(STRATEGY, quote_path(&layout)));
        for (name, engine) in &self.engines {
            line(&format!("\n[engines.{name}]"));
            engine.lines.iter().for_each(|l| line(l));
            if !engine.tls.is_empty() {
                line(&format!("[engines.{name}.tls]"));
                engine.tls.iter().for_each(|l| line(l));
            }
        }
        line(&format!("\n[strategies.{STRATEGY}]"));
        line(&key("layout", quote(STRATEGY)));
        line("tx_codes = [\"LNS0001\"]");
        line(&key("path", quote(&format!("/v1/strategies/{STRATEGY}"))));
        line(&key("live", quote(self.live.as_deref().unwrap_or("none"))));
        if let Some(shadow) = &self.shadow {
            line(&key("shadow", quote(shadow)));
        }
        self.strategy_keys.iter().for_each(|l| line(l));
        line(&format!("\n[strategies.{STRATEGY}.rules]"));
        // With an owner: a rule without one is a config warning, which tests listing every
        // problem would see.
        line("ignore = [{ path = \"header.sent_at\", owner = \"tests\" }]");
        self.rules.iter().for_each(|l| line(l));
        line("\n[store]");
        line(&key(
            "path",
            quote_path(self.store_path.as_deref().unwrap_or(store)),
        ));
        self.store_keys.iter().for_each(|l| line(l));
        if !self.logging_keys.is_empty() {
            line("\n[logging]");
            self.logging_keys.iter().for_each(|l| line(l));
        }
        if let Some(interval) = self.probe_interval {
            line("\n[health]");
            line(&key("probe_interval_ms", interval.as_millis().to_string()));
        }
        if !self.shadow_keys.is_empty() {
            line("\n[shadow]");
            self.shadow_keys.iter().for_each(|l| line(l));
        }
        out
    }

    /// Writes the config, loads it with [`config::load`] and starts the gateway.
    pub async fn start(self) -> TestGateway {
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("shadowgate.toml");
        std::fs::write(&config_path, self.toml(&dir.path().join("store"))).unwrap();
        let config = config::load(&config_path).unwrap_or_else(|e| panic!("{e}"));
        let running = Running::start(config)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        TestGateway {
            running,
            builder: self,
            config_path,
            _dir: dir,
        }
    }
}

impl TestGateway {
    /// A config builder: no engines yet, strategy `loan-screening` on the example layout.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> GatewayBuilder {
        GatewayBuilder::default()
    }

    /// The builder of the config running now.
    pub fn builder(&self) -> GatewayBuilder {
        self.builder.clone()
    }

    /// The running gateway.
    pub fn running(&self) -> &Running {
        &self.running
    }

    /// The value of one sample of the gateway's metrics, named with its labels as rendered
    /// (`shadowgate_frames_total{listener="core-banking",outcome="ok"}`); 0 when absent.
    pub fn metric(&self, series: &str) -> f64 {
        let text = self.running.metrics.render();
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map_or(0.0, |value| value.parse().unwrap())
    }

    /// The MCI listener's address.
    pub fn mci_address(&self) -> SocketAddr {
        self.running.mci_addresses[0]
    }

    /// A new connection to the MCI listener.
    pub async fn mci_client(&self) -> MciClient {
        MciClient::connect(self.mci_address()).await
    }

    /// The admin listener's address; panics unless the builder asked for it
    /// ([`GatewayBuilder::admin`]).
    pub fn admin_address(&self) -> SocketAddr {
        self.running
            .admin_address
            .expect("the admin listener is on (GatewayBuilder::admin)")
    }

    /// `http://127.0.0.1:PORT` of the HTTP ingress.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.running.http_address.unwrap())
    }

    /// Rewrites the config file from `builder` and reloads it, like SIGHUP.
    pub fn reload_with(
        &mut self,
        builder: GatewayBuilder,
    ) -> Result<(), Vec<shadowgate::config::Problem>> {
        let store_path = self.config_path.with_file_name("store");
        std::fs::write(&self.config_path, builder.toml(&store_path)).unwrap();
        self.running
            .reload(&self.config_path, shadowgate::server::ReloadSource::Signal)?;
        self.builder = builder;
        Ok(())
    }

    /// Stored records, oldest first, once there are at least `n` (polled: records are
    /// group-committed). Panics after [`DEADLINE`].
    pub async fn records(&self, n: usize) -> Vec<MismatchRecord> {
        self.records_until(|records| records.len() >= n).await
    }

    /// Stored records, oldest first, once `until` holds for them (polled). Panics after
    /// [`DEADLINE`].
    pub async fn records_until(
        &self,
        until: impl Fn(&[MismatchRecord]) -> bool,
    ) -> Vec<MismatchRecord> {
        let query = ListQuery {
            limit: 1_000,
            ..ListQuery::default()
        };
        let reader = self.running.store.reader();
        poll(|| reader.list(&query).unwrap().records, |r| until(r)).await
    }

    /// The strategy's counters once `until` holds for them (polled; a store that is not open yet
    /// is polled again too). Panics after [`DEADLINE`].
    pub async fn summary(&self, until: impl Fn(&StrategyCounters) -> bool) -> StrategyCounters {
        let reader = self.running.store.reader();
        let read = || {
            let summary = reader.summary().map_err(|e| e.to_string())?;
            let found = summary.into_iter().find(|c| c.strategy == STRATEGY);
            Ok(found.unwrap_or_else(|| StrategyCounters::new(STRATEGY)))
        };
        let counters = poll(read, |read: &Result<_, String>| {
            read.as_ref().is_ok_and(&until)
        });
        counters.await.unwrap()
    }

    /// Graceful shutdown with a short grace period (shadow calls still running are cancelled).
    ///
    /// Then checks that no differing field of the test's comparisons was counted under
    /// `field="other"`: every path the comparator reports has a declared label.
    pub async fn shutdown(self) {
        let grace = Duration::from_secs(1);
        let metrics = self.running.metrics.clone();
        timeout(DEADLINE, self.running.shutdown(grace))
            .await
            .expect("shutdown within its grace period");
        let text = metrics.render();
        let other: Vec<&str> = text
            .lines()
            .filter(|line| line.starts_with("shadowgate_field_mismatches_total{"))
            .filter(|line| line.contains(r#"field="other""#) && !line.ends_with(" 0"))
            .collect();
        assert!(other.is_empty(), "fields counted as other: {other:?}");
    }
}

/// Reads until `until` holds for what was read, every 10 ms; panics after [`DEADLINE`] showing
/// the last value read.
async fn poll<T: std::fmt::Debug>(read: impl Fn() -> T, until: impl Fn(&T) -> bool) -> T {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let value = read();
        if until(&value) {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never got there; last read: {value:#?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn key(name: &str, value: impl AsRef<str>) -> String {
    format!("{name} = {}", value.as_ref())
}

/// A TOML basic string (JSON string escapes are valid TOML).
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

fn quote_path(path: &Path) -> String {
    quote(path.to_str().expect("test paths are UTF-8"))
}
