//! Validation of one `[engines.<name>]` entry: protocol-specific keys, URL, TLS files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::build::{positive, resolve, Problems};
use super::raw::{EngineConfig, Protocol};
use super::EngineSpec;
use crate::engine::{ConnectionLifecycle, HttpEngineSettings, MciEngineSettings, TlsSettings};

/// Validates one engine.
pub(super) fn engine(
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
    positive(
        e.idle_timeout_ms,
        &format!("{key}.idle_timeout_ms"),
        problems,
    );
    let connect_timeout = Duration::from_millis(e.connect_timeout_ms);
    let request_timeout = Duration::from_millis(e.request_timeout_ms);
    let lifecycle = ConnectionLifecycle {
        idle_timeout: Duration::from_millis(e.idle_timeout_ms),
        max_age: (e.max_connection_age_ms > 0)
            .then(|| Duration::from_millis(e.max_connection_age_ms)),
        retry_stale_live: e.retry_stale_connection,
    };
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
            settings.lifecycle = lifecycle;
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
            settings.lifecycle = lifecycle;
            Some(EngineSpec::Http(settings))
        }
    }
}
