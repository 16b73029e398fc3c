//! Checks and conversion of the raw config into runtime settings; every problem is collected.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use protocol_mci::{Layout, LayoutError};

use super::link_build;
use super::problem::{reason, Found, Problem, Problems};
use super::ranges;
use super::raw::ConfigFile;
use super::secret::{admin_token, postgres_password, Secrets};
use super::{codes, engine_build::engine, strategy_build::strategies};
use super::{AdminListener, Config, EngineSpec, HttpListener, MciListener, ServerLimits};
use crate::review::ReviewView;

/// Layouts that loaded, and the names of those declared but broken: a reference to a broken
/// layout is not a second problem (its file already reported its own).
pub(super) struct Layouts {
    /// Loaded layouts by name.
    pub loaded: BTreeMap<String, Arc<Layout>>,
    /// SHA-256 (hex) of each loaded layout's text, by name.
    pub sha256: BTreeMap<String, String>,
    /// Declared in `[layouts]` but failed to load.
    pub broken: BTreeSet<String>,
}

impl Layouts {
    /// Checks a reference to a layout at `key`: known, or broken (already reported), or a problem.
    pub fn check(&self, key: &str, name: &str, problems: &mut Problems) -> bool {
        if self.loaded.contains_key(name) {
            return true;
        }
        if !self.broken.contains(name) {
            let declared = self.loaded.keys().chain(&self.broken).map(String::as_str);
            let declared: std::collections::BTreeSet<&str> = declared.collect();
            let (expected, found) =
                super::suggest::undeclared("a layout", "[layouts]", name, declared);
            problems.error(key, expected, found);
        }
        false
    }
}

/// Validates everything; `text` is the file's (where a problem found here has its line),
/// `base` resolves relative paths.
pub(super) fn build(
    file: ConfigFile,
    text: &str,
    source: &Path,
    base: &Path,
    secrets: Secrets,
) -> Result<Config, Vec<Problem>> {
    let mut problems = Problems::new();
    let layouts = layouts(&file, base, &mut problems);

    let mut mci_listeners = Vec::new();
    for (i, l) in file.listeners.mci.iter().enumerate() {
        let key = format!("listeners.mci[{i}]");
        layouts.check(&format!("{key}.layout"), &l.layout, &mut problems);
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
        let address = socket(&l.address, &format!("{key}.address"), &mut problems);
        let link = link_build::listener_link(
            &key,
            l.link,
            l.answer_address.as_deref(),
            address,
            layouts.loaded.get(&l.layout).map(|l| l.as_ref()),
            &mut problems,
        );
        if let (Some(address), Some(link)) = (address, link) {
            mci_listeners.push(MciListener {
                name: l.name.clone(),
                address,
                layout: l.layout.clone(),
                max_connections: l.max_connections,
                max_pipelined: l.max_pipelined,
                idle_timeout: Duration::from_millis(l.idle_timeout_ms),
                link,
            });
        }
    }
    let http_listener = file.listeners.http.as_ref().and_then(|h| {
        if let Some(layout) = &h.frames_layout {
            layouts.check("listeners.http.frames_layout", layout, &mut problems);
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
        problems.error(
            "listeners",
            "at least one [[listeners.mci]] or [listeners.http]",
            Found::nothing(),
        );
    }
    let admin_listener = file.listeners.admin.as_ref().and_then(|a| {
        let (token, token_source) = admin_token(a, base, secrets, &mut problems);
        let limits = server_limits(
            "listeners.admin",
            a.max_connections,
            a.header_read_timeout_ms,
            a.idle_timeout_ms,
            &mut problems,
        );
        let allowed_hosts = super::allowed_hosts::allowed_hosts(&a.allowed_hosts, &mut problems);
        let address = socket(&a.address, "listeners.admin.address", &mut problems)?;
        Some(AdminListener {
            address,
            token,
            token_source,
            allowed_hosts,
            limits,
        })
    });

    let engines: BTreeMap<String, EngineSpec> = file
        .engines
        .iter()
        .filter_map(|(name, e)| {
            Some((
                name.clone(),
                engine(name, e, base, &layouts, &mut problems)?,
            ))
        })
        .collect();
    let strategies = strategies(
        &file.strategies,
        text,
        &layouts,
        &file.engines,
        &mut problems,
    );
    problems.extend(file.store.problems());
    postgres_ca(&file.store, base, &mut problems);
    postgres_password(&file.store, secrets, &mut problems);
    let key_file =
        file.store.encryption_key_file.as_deref().map(|declared| {
            super::secret::encryption_key_file(declared, base, secrets, &mut problems)
        });
    super::log_filter::check(&file.logging.level, &mut problems);
    positive(
        file.logging.summary_interval_ms,
        "logging.summary_interval_ms",
        &mut problems,
    );
    positive(
        file.health.probe_interval_ms,
        "health.probe_interval_ms",
        &mut problems,
    );
    codes::check(&file, &layouts, &mut problems);
    let review = review_view(&file.review, &mut problems);
    super::governance::warnings(
        &strategies,
        super::governance::today(&review.zone),
        &mut problems,
    );
    let shadow = file.shadow.resolve();
    shadow_section(&shadow, &mut problems);
    if file.strategies.values().all(|s| s.shadow.is_none()) {
        shadow_section_without_shadow(&file.shadow, &mut problems);
    }
    if !ranges::RUNTIME_WORKER_THREADS.holds(file.runtime.worker_threads) {
        let expected = format!(
            "0 (one per core) or a number of worker threads up to {}",
            ranges::RUNTIME_WORKER_THREADS.high
        );
        let found = Found::value(file.runtime.worker_threads);
        problems.error("runtime.worker_threads", expected, found);
    }
    // Every problem at its key's line, as the reading's are.
    let problems = super::position::locate(text, problems.into_vec());
    if problems.iter().any(Problem::is_error) {
        return Err(problems);
    }
    let mut store = file.store;
    store.path = resolve(base, &store.path);
    store.postgres.ca_file = store.postgres.ca_file.map(|ca| resolve(base, &ca));
    store.encryption_key_file = key_file;
    Ok(Config {
        source: source.to_owned(),
        mci_listeners,
        http_listener,
        admin_listener,
        layouts: layouts.loaded,
        layout_sha256: layouts.sha256,
        engines,
        strategies,
        response_codes: file.response_codes,
        store,
        logging: file.logging,
        probe_interval: Duration::from_millis(file.health.probe_interval_ms),
        review,
        shadow,
        runtime: file.runtime,
        warnings: problems,
        sha256: String::new(),
        secrets,
    })
}

/// `[review]`: the zone must be a known IANA name; charts show 1 to 366 days.
fn review_view(raw: &super::raw::ReviewSectionConfig, problems: &mut Problems) -> ReviewView {
    let mut view = ReviewView::default();
    match jiff::tz::TimeZone::get(&raw.time_zone) {
        Ok(zone) => view.zone = zone,
        Err(e) => problems.error(
            "review.time_zone",
            "an IANA time zone name such as \"Asia/Seoul\" or \"UTC\"",
            Found::because(&raw.time_zone, e),
        ),
    }
    let days = ranges::REVIEW_CHART_DAYS;
    if days.holds(raw.chart_days) {
        view.chart_days = raw.chart_days;
    } else {
        problems.error(
            "review.chart_days",
            format!("a number of days from {}", days.says()),
            Found::value(raw.chart_days),
        );
    }
    view
}

/// `[shadow]`: 0 to 64 workers (each a thread; 0: the comparisons run on the runtime), a queue
/// of at least one comparison, a nice value the kernel accepts without privileges.
fn shadow_section(raw: &super::raw::ShadowSection, problems: &mut Problems) {
    let workers = ranges::SHADOW_WORKERS;
    if !workers.holds(raw.workers) {
        let expected = format!(
            "a number of worker threads from {} (none: the comparisons run as a task on the \
             runtime) to {}",
            workers.low, workers.high
        );
        problems.error("shadow.workers", expected, Found::value(raw.workers));
    }
    positive(raw.queue_capacity as u64, "shadow.queue_capacity", problems);
    let nice = ranges::SHADOW_NICE;
    if !nice.holds(raw.nice) {
        let expected = format!(
            "a nice value from {} (as the live path) to {} (lowest priority)",
            nice.low, nice.high
        );
        problems.error("shadow.nice", expected, Found::value(raw.nice));
    }
    let gather = ranges::SHADOW_GATHER_MS;
    if !gather.holds(raw.gather_ms) {
        let expected = format!("a gather time from {} milliseconds", gather.says());
        problems.error("shadow.gather_ms", expected, Found::value(raw.gather_ms));
    }
    if raw.workers == 0 && raw.gather_ms > 0 {
        let expected = "gather_ms 0 with workers = 0 (no worker thread to gather: the comparisons run as a task on the runtime)";
        problems.warning("shadow.gather_ms", expected, Found::value(raw.gather_ms));
    }
    if (1..=19).contains(&raw.nice) && raw.scheduling == super::raw::ShadowScheduling::Idle {
        let expected = "nice 0 with scheduling \"idle\" (the kernel ignores nice there; use \"batch\" or \"normal\" to share the CPU by nice)";
        problems.warning("shadow.nice", expected, Found::value(raw.nice));
    }
}

/// A warning for each `[shadow]` setting declared in a config where no strategy has a shadow
/// engine: there is no comparison for the workers, their queue or their gathering to act on (as
/// for a strategy's own shadow settings without `shadow`). `nice` and `scheduling` also apply to
/// the store writer thread (`server::Running::start`), which then has no comparison outcome to
/// write, only the store's upkeep (expired records, a spool to forward). Read at start, they
/// would act once a reload gives a strategy a shadow.
fn shadow_section_without_shadow(raw: &super::raw::ShadowSectionConfig, problems: &mut Problems) {
    for (setting, value) in raw.declared() {
        problems.warning(
            format!("shadow.{setting}"),
            shadow_setting_without_shadow(setting),
            Found::value(value),
        );
    }
}

/// What the warning for `[shadow] setting` without any shadow engine expects, saying what the
/// setting acts on.
fn shadow_setting_without_shadow(setting: &str) -> String {
    const COMPARISONS: &str = "comparisons, which need a strategy with `shadow = \"<engine>\"`";
    let acts = match setting {
        "nice" | "scheduling" => format!(
            "applies to the threads that run {COMPARISONS}, and to the store writer thread, \
             which then has no comparison outcome to write, only the store's upkeep"
        ),
        _ => format!("acts only on {COMPARISONS}"),
    };
    format!(
        "no [shadow] setting in a config where no strategy has a shadow engine (`{setting}` \
         {acts})"
    )
}

/// Loads every layout; a layout's own problems are reported under `layouts.<name>`.
fn layouts(file: &ConfigFile, base: &Path, problems: &mut Problems) -> Layouts {
    let mut out = Layouts {
        loaded: BTreeMap::new(),
        sha256: BTreeMap::new(),
        broken: BTreeSet::new(),
    };
    for (name, path) in &file.layouts {
        match layout_file(&resolve(base, path)) {
            Ok((layout, sha256)) => {
                // What loads but may not decode as meant (a base view shorter than another).
                for p in layout.warnings() {
                    problems.warning(
                        format!("layouts.{name}"),
                        "a layout that reads every byte it describes",
                        Found::because(path, format!("at {}: {}", p.path, p.message)),
                    );
                }
                out.loaded.insert(name.clone(), Arc::new(layout));
                out.sha256.insert(name.clone(), sha256);
            }
            Err(e) => {
                out.broken.insert(name.clone());
                // The declared path, quoted; the layout's own key path goes in the reason.
                for p in &e.problems {
                    let why = if p.path.is_empty() {
                        reason(&p.message)
                    } else {
                        format!("at {}: {}", p.path, reason(&p.message))
                    };
                    problems.error(
                        format!("layouts.{name}"),
                        "a valid layout file",
                        Found::because(path, why),
                    );
                }
            }
        }
    }
    out
}

/// The layout in the file at `path`, and the SHA-256 of the text it was read from.
fn layout_file(path: &Path) -> Result<(Layout, String), LayoutError> {
    let (layout, text) = Layout::from_file_with_text(path)?;
    Ok((layout, crate::cutover::sha256_hex(text.as_bytes())))
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
            super::address::wrong_address(key, "ip:port", 0, text, problems);
            None
        }
    }
}

/// A count or duration that must be at least 1.
pub(super) fn positive(value: u64, key: &str, problems: &mut Problems) {
    // The table is what a value of the wrong type at `key` states: a key checked here and
    // missing there would be said to take `0 or more`.
    debug_assert_eq!(
        ranges::of(ranges::GATEWAY, key),
        Some(ranges::AT_LEAST_ONE),
        "{key} is not in config::ranges::GATEWAY"
    );
    if !ranges::AT_LEAST_ONE.holds(value) {
        problems.error(key, ranges::AT_LEAST_ONE.says(), Found::value(value));
    }
}

pub(super) fn resolve(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        base.join(path)
    }
}

/// Loads `[store.postgres] ca_file` now, as an engine's CA is: a file `run` could not read
/// would otherwise pass `check-config` and fail the gateway's start.
fn postgres_ca(store: &crate::store::StoreConfig, base: &Path, problems: &mut Problems) {
    use crate::store::postgres::{BackendKind, SslMode};
    let postgres = &store.postgres;
    if store.backend != BackendKind::Postgres || postgres.sslmode != SslMode::VerifyFull {
        return;
    }
    let Some(ca) = &postgres.ca_file else {
        return; // reported by the store's own checks
    };
    if let Err(errors) = crate::engine::TlsSettings::load(&resolve(base, ca), None, None, None) {
        for e in errors.errors() {
            problems.error(
                "store.postgres.ca_file",
                "a readable PEM file of CA certificates",
                Found::because(ca, super::tls_reason::tls_reason(e)),
            );
        }
    }
}
