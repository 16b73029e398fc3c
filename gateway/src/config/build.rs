//! Checks and conversion of the raw config into runtime settings; every problem is collected.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use protocol_mci::Layout;

use super::raw::{ConfigFile, EngineConfig, Protocol, StrategyConfig};
use super::{AdminListener, Config, EngineSpec, HttpListener, MciListener, StrategySpec};
use crate::engine::{HttpEngineSettings, MciEngineSettings, TlsSettings};

/// Problems found so far.
type Problems = Vec<String>;

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
        let address = socket(&h.address, "listeners.http.address", &mut problems)?;
        Some(HttpListener {
            address,
            max_body_bytes: h.max_body_bytes,
            frames_layout: h.frames_layout.clone(),
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
        let address = socket(&a.address, "listeners.admin.address", &mut problems)?;
        Some(AdminListener { address, token })
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

/// Validates one engine.
fn engine(
    name: &str,
    e: &EngineConfig,
    base: &Path,
    known_layout: &dyn Fn(&str) -> bool,
    problems: &mut Problems,
) -> Option<EngineSpec> {
    let key = format!("engines.{name}");
    positive(
        e.connect_timeout_ms,
        &format!("{key}.connect_timeout_ms"),
        problems,
    );
    positive(
        e.request_timeout_ms,
        &format!("{key}.request_timeout_ms"),
        problems,
    );
    positive(
        e.max_in_flight as u64,
        &format!("{key}.max_in_flight"),
        problems,
    );
    let connect_timeout = Duration::from_millis(e.connect_timeout_ms);
    let request_timeout = Duration::from_millis(e.request_timeout_ms);
    match e.protocol {
        Protocol::Mci => {
            for (field, set) in [("url", e.url.is_some()), ("tls", e.tls.is_some())] {
                if set {
                    problems.push(format!(
                        "{key}.{field}: does not apply to protocol = \"mci\""
                    ));
                }
            }
            let address = e.address.clone().or_else(|| {
                problems.push(format!("{key}.address: an mci engine needs host:port"));
                None
            });
            let layout = match &e.layout {
                Some(layout) if known_layout(layout) => Some(layout.clone()),
                Some(layout) => {
                    problems.push(format!(
                        "{key}.layout: no layout named {layout:?} in [layouts]"
                    ));
                    None
                }
                None => {
                    problems.push(format!(
                        "{key}.layout: an mci engine needs the layout it speaks"
                    ));
                    None
                }
            };
            let mut settings = MciEngineSettings::new(name, address?);
            settings.connect_timeout = connect_timeout;
            settings.request_timeout = request_timeout;
            settings.max_connections = e.max_in_flight;
            Some(EngineSpec::Mci {
                settings,
                layout: layout?,
            })
        }
        Protocol::Http | Protocol::Https => {
            for (field, set) in [
                ("address", e.address.is_some()),
                ("layout", e.layout.is_some()),
            ] {
                if set {
                    problems.push(format!("{key}.{field}: does not apply to an http engine"));
                }
            }
            let scheme = if e.protocol == Protocol::Https {
                "https"
            } else {
                "http"
            };
            let url = match e.url.as_deref().map(str::parse::<http::Uri>) {
                Some(Ok(url)) if url.scheme_str() == Some(scheme) && url.host().is_some() => {
                    Some(url)
                }
                Some(Ok(_)) => {
                    problems.push(format!("{key}.url: expected a {scheme}:// URL with a host"));
                    None
                }
                Some(Err(err)) => {
                    problems.push(format!("{key}.url: {err}"));
                    None
                }
                None => {
                    problems.push(format!("{key}.url: an {scheme} engine needs a url"));
                    None
                }
            };
            let tls = match (&e.tls, e.protocol) {
                (Some(tls), Protocol::Https) => {
                    let file = |p: &Option<PathBuf>| p.as_ref().map(|p| resolve(base, p));
                    let (cert, key_file) =
                        (file(&tls.client_cert_file), file(&tls.client_key_file));
                    match TlsSettings::load(
                        &resolve(base, &tls.ca_file),
                        cert.as_deref(),
                        key_file.as_deref(),
                        tls.server_name.as_deref(),
                    ) {
                        Ok(settings) => Some(settings),
                        Err(err) => {
                            problems.push(format!("{key}.tls: {err}"));
                            None
                        }
                    }
                }
                (None, Protocol::Https) => {
                    problems.push(format!("{key}.tls: an https engine needs tls.ca_file"));
                    None
                }
                (Some(_), _) => {
                    problems.push(format!("{key}.tls: applies only to protocol = \"https\""));
                    None
                }
                (None, _) => None,
            };
            let mut settings = HttpEngineSettings::new(name, url?);
            settings.connect_timeout = connect_timeout;
            settings.request_timeout = request_timeout;
            settings.max_in_flight = e.max_in_flight;
            settings.tls = tls;
            Some(EngineSpec::Http(settings))
        }
    }
}

/// Validates strategies, including which transaction codes they claim.
fn strategies(
    configs: &BTreeMap<String, StrategyConfig>,
    layouts: &BTreeMap<String, Arc<Layout>>,
    engines: &BTreeMap<String, EngineConfig>,
    problems: &mut Problems,
) -> BTreeMap<String, StrategySpec> {
    let mut claimed: HashMap<(String, String), String> = HashMap::new();
    let mut out = BTreeMap::new();
    for (name, s) in configs {
        let key = format!("strategies.{name}");
        let layout = layouts.get(&s.layout);
        if layout.is_none() {
            problems.push(format!(
                "{key}.layout: no layout named {:?} in [layouts]",
                s.layout
            ));
        }
        if s.tx_codes.is_empty() {
            problems.push(format!(
                "{key}.tx_codes: list at least one transaction code"
            ));
        }
        for code in &s.tx_codes {
            if layout.is_some_and(|l| l.message(code).is_none()) {
                problems.push(format!(
                    "{key}.tx_codes: {code:?} is not a message of layout {:?}",
                    s.layout
                ));
            }
            if let Some(other) = claimed.insert((s.layout.clone(), code.clone()), name.clone()) {
                problems.push(format!(
                    "{key}.tx_codes: {code:?} is already routed to strategy {other:?}"
                ));
            }
        }
        let mut uses_http = false;
        for (role, engine) in [("live", Some(&s.live)), ("shadow", s.shadow.as_ref())] {
            let Some(engine) = engine else { continue };
            match engines.get(engine) {
                None => problems.push(format!("{key}.{role}: no engine named {engine:?}")),
                Some(e) if e.protocol == Protocol::Mci && e.layout.as_ref() != Some(&s.layout) => {
                    problems.push(format!(
                        "{key}.{role}: mci engine {engine:?} speaks layout {:?}, the strategy uses {:?}",
                        e.layout.as_deref().unwrap_or(""),
                        s.layout
                    ))
                }
                Some(e) => uses_http |= e.protocol != Protocol::Mci,
            }
        }
        if s.shadow.as_ref() == Some(&s.live) {
            problems.push(format!("{key}.shadow: must differ from live"));
        }
        let path = s.path.clone().unwrap_or_default();
        if uses_http && !path.starts_with('/') {
            problems.push(format!(
                "{key}.path: an http engine needs a path starting with '/'"
            ));
        }
        if !(0.0..=100.0).contains(&s.shadow_sample_percent) {
            problems.push(format!(
                "{key}.shadow_sample_percent: must be between 0 and 100"
            ));
        }
        positive(
            s.shadow_max_in_flight as u64,
            &format!("{key}.shadow_max_in_flight"),
            problems,
        );
        positive(
            s.shadow_timeout_ms,
            &format!("{key}.shadow_timeout_ms"),
            problems,
        );
        let rules = match s.rules.validate() {
            Ok(rules) => rules,
            Err(err) => {
                problems.push(format!("{key}.rules: {err}"));
                comparator::Rules::none()
            }
        };
        problems.extend(s.readiness.problems(&format!("{key}.readiness")));
        out.insert(
            name.clone(),
            StrategySpec {
                name: name.clone(),
                layout: s.layout.clone(),
                tx_codes: s.tx_codes.clone(),
                path,
                live: s.live.clone(),
                shadow: s.shadow.clone(),
                sample_ppm: (s.shadow_sample_percent.clamp(0.0, 100.0) * 10_000.0).round() as u32,
                shadow_max_in_flight: s.shadow_max_in_flight,
                shadow_timeout: Duration::from_millis(s.shadow_timeout_ms),
                rules: Arc::new(rules),
                readiness: s.readiness.clone(),
            },
        );
    }
    out
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

fn positive(value: u64, key: &str, problems: &mut Problems) {
    if value == 0 {
        problems.push(format!("{key}: must be at least 1"));
    }
}

fn resolve(base: &Path, path: &Path) -> PathBuf {
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
