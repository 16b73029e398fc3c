//! Checks and conversion of the raw config into runtime settings; every problem is collected.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use protocol_mci::Layout;

use super::raw::ConfigFile;
use super::{engine_build::engine, strategy_build::strategies};
use super::{AdminListener, Config, EngineSpec, HttpListener, MciListener, ServerLimits};

/// Problems found so far.
pub(super) type Problems = Vec<String>;

/// Validates everything; `base` resolves relative paths.
pub(super) fn build(file: ConfigFile, source: &Path, base: &Path) -> Result<Config, Problems> {
    let mut problems = Problems::new();
    let layouts = layouts(&file, base, &mut problems);
    let known = |name: &str| layouts.contains_key(name);

    let mut mci_listeners = Vec::new();
    for (i, l) in file.listeners.mci.iter().enumerate() {
        let key = format!("listeners.mci[{i}]");
        if !known(&l.layout) {
            problems.push(format!(
                "{key}.layout: no layout named {:?} in [layouts]",
                l.layout
            ));
        }
        positive(
            l.max_connections as u64,
            &format!("{key}.max_connections"),
            &mut problems,
        );
        positive(
            l.max_pipelined as u64,
            &format!("{key}.max_pipelined"),
            &mut problems,
        );
        positive(
            l.idle_timeout_ms,
            &format!("{key}.idle_timeout_ms"),
            &mut problems,
        );
        if let Some(address) = socket(&l.address, &format!("{key}.address"), &mut problems) {
            mci_listeners.push(MciListener {
                name: l.name.clone(),
                address,
                layout: l.layout.clone(),
                max_connections: l.max_connections,
                max_pipelined: l.max_pipelined,
                idle_timeout: Duration::from_millis(l.idle_timeout_ms),
            });
        }
    }
    let http_listener = file.listeners.http.as_ref().and_then(|h| {
        if let Some(layout) = h.frames_layout.as_deref().filter(|l| !known(l)) {
            problems.push(format!(
                "listeners.http.frames_layout: no layout named {layout:?}"
            ));
        }
        positive(
            h.max_body_bytes as u64,
            "listeners.http.max_body_bytes",
            &mut problems,
        );
        let limits = server_limits(
            "listeners.http",
            h.max_connections,
            h.header_read_timeout_ms,
            h.idle_timeout_ms,
            &mut problems,
        );
        let address = socket(&h.address, "listeners.http.address", &mut problems)?;
        Some(HttpListener {
            address,
            max_body_bytes: h.max_body_bytes,
            frames_layout: h.frames_layout.clone(),
            limits,
        })
    });
    if file.listeners.mci.is_empty() && file.listeners.http.is_none() {
        problems
            .push("listeners: configure at least one [[listeners.mci]] or [listeners.http]".into());
    }
    let admin_listener = file.listeners.admin.as_ref().and_then(|a| {
        let token = a
            .token_env
            .as_ref()
            .and_then(|var| match std::env::var(var) {
                Ok(token) if !token.trim().is_empty() => Some(token.trim().to_owned()),
                _ => {
                    problems.push(format!(
                        "listeners.admin.token_env: environment variable {var} is not set"
                    ));
                    None
                }
            });
        let limits = server_limits(
            "listeners.admin",
            a.max_connections,
            a.header_read_timeout_ms,
            a.idle_timeout_ms,
            &mut problems,
        );
        let address = socket(&a.address, "listeners.admin.address", &mut problems)?;
        Some(AdminListener {
            address,
            token,
            limits,
        })
    });

    let engines: BTreeMap<String, EngineSpec> = file
        .engines
        .iter()
        .filter_map(|(name, e)| Some((name.clone(), engine(name, e, base, &known, &mut problems)?)))
        .collect();
    let strategies = strategies(&file.strategies, &layouts, &file.engines, &mut problems);
    problems.extend(file.store.problems());
    if let Err(e) = tracing_level_check(&file.logging.level) {
        problems.push(format!("logging.level: {e}"));
    }
    positive(
        file.health.probe_interval_ms,
        "health.probe_interval_ms",
        &mut problems,
    );
    let codes = &file.response_codes;
    for (key, code) in [
        ("bad_request", &codes.bad_request),
        ("unknown_transaction", &codes.unknown_transaction),
        ("live_error", &codes.live_error),
        ("live_timeout", &codes.live_timeout),
    ] {
        if code.trim().is_empty() {
            problems.push(format!("response_codes.{key}: must not be empty"));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut store = file.store;
    store.path = resolve(base, &store.path);
    Ok(Config {
        source: source.to_owned(),
        mci_listeners,
        http_listener,
        admin_listener,
        layouts,
        engines,
        strategies,
        response_codes: file.response_codes,
        store,
        logging: file.logging,
        probe_interval: Duration::from_millis(file.health.probe_interval_ms),
    })
}

/// Loads every layout; a layout's own problems are reported under `layouts.<name>`.
fn layouts(
    file: &ConfigFile,
    base: &Path,
    problems: &mut Problems,
) -> BTreeMap<String, Arc<Layout>> {
    let mut out = BTreeMap::new();
    for (name, path) in &file.layouts {
        match Layout::from_file(resolve(base, path)) {
            Ok(layout) => {
                out.insert(name.clone(), Arc::new(layout));
            }
            Err(e) => {
                for p in &e.problems {
                    problems.push(format!("layouts.{name} ({}): {p}", e.origin));
                }
            }
        }
    }
    out
}

/// The connection cap and timeouts of an HTTP listener (`key` is its section).
fn server_limits(
    key: &str,
    max_connections: usize,
    header_read_timeout_ms: u64,
    idle_timeout_ms: u64,
    problems: &mut Problems,
) -> ServerLimits {
    positive(
        max_connections as u64,
        &format!("{key}.max_connections"),
        problems,
    );
    positive(
        header_read_timeout_ms,
        &format!("{key}.header_read_timeout_ms"),
        problems,
    );
    positive(idle_timeout_ms, &format!("{key}.idle_timeout_ms"), problems);
    ServerLimits {
        max_connections,
        header_read_timeout: Duration::from_millis(header_read_timeout_ms),
        idle_timeout: Duration::from_millis(idle_timeout_ms),
    }
}

fn socket(text: &str, key: &str, problems: &mut Problems) -> Option<SocketAddr> {
    match text.parse() {
        Ok(address) => Some(address),
        Err(_) => {
            problems.push(format!("{key}: expected ip:port, found {text:?}"));
            None
        }
    }
}

pub(super) fn positive(value: u64, key: &str, problems: &mut Problems) {
    if value == 0 {
        problems.push(format!("{key}: must be at least 1"));
    }
}

pub(super) fn resolve(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        base.join(path)
    }
}

/// Accepts what `tracing-subscriber`'s `EnvFilter` accepts, checked without installing it.
fn tracing_level_check(level: &str) -> Result<(), String> {
    tracing_subscriber::EnvFilter::try_new(level)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
