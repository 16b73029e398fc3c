//! Validation of one `[engines.<name>]` entry: protocol-specific keys, address, URL, TLS files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::address::host_port;
use super::build::{positive, resolve, Layouts};
use super::link_build;
use super::problem::{Found, Problems};
use super::raw::{EngineConfig, LinkMode, Protocol, TlsConfig};
use super::tls_reason::tls_reason;
use super::EngineSpec;
use crate::engine::{
    ConnectionLifecycle, EnginePoll, HttpEngineSettings, MciEngineSettings, TlsError, TlsFile,
    TlsSettings,
};
use protocol_mci::Layout;

/// The poll of an mci engine with `poll_interval_ms`: its layout must declare one, and polls
/// must come before the idle timeout closes the connection they keep alive.
fn poll(
    key: &str,
    e: &EngineConfig,
    layout: &Layout,
    problems: &mut Problems,
) -> Option<EnginePoll> {
    if e.poll_interval_ms == 0 {
        return None;
    }
    let at = format!("{key}.poll_interval_ms");
    if e.poll_interval_ms >= e.idle_timeout_ms {
        problems.error(
            &at,
            format!("less than idle_timeout_ms ({})", e.idle_timeout_ms),
            Found::value(e.poll_interval_ms),
        );
    }
    let Some((frame, answer)) = layout.poll() else {
        problems.error(
            &at,
            "a layout that declares a `poll` control frame",
            Found::text(&layout.name),
        );
        return None;
    };
    Some(EnginePoll {
        interval: Duration::from_millis(e.poll_interval_ms),
        frame: frame.into(),
        answer: answer.into(),
    })
}

/// Validates one engine.
pub(super) fn engine(
    name: &str,
    e: &EngineConfig,
    base: &Path,
    layouts: &Layouts,
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
            let url = e.url.as_deref().map(Found::text);
            let tls = e.tls.as_ref().map(|_| Found::value("a [tls] table"));
            for (field, found) in [("url", url), ("tls", tls)] {
                if let Some(found) = found {
                    problems.error(
                        format!("{key}.{field}"),
                        "no such key with protocol = \"mci\"",
                        found,
                    );
                }
            }
            let address = match e.address.as_deref() {
                Some(address) => host_port(&format!("{key}.address"), address, problems),
                None => {
                    problems.error(format!("{key}.address"), "host:port", Found::nothing());
                    None
                }
            };
            let layout = match &e.layout {
                Some(layout) => layouts
                    .check(&format!("{key}.layout"), layout, problems)
                    .then(|| layout.clone()),
                None => {
                    problems.error(
                        format!("{key}.layout"),
                        "the name of the layout an mci engine speaks",
                        Found::nothing(),
                    );
                    None
                }
            };
            let poll = layout
                .as_ref()
                .and_then(|l| poll(&key, e, layouts.loaded.get(l)?, problems));
            let link = link_build::engine_link(
                &key,
                e.link,
                e.answer_address.as_deref(),
                e.poll_interval_ms,
                layout
                    .as_ref()
                    .and_then(|l| layouts.loaded.get(l))
                    .map(|l| l.as_ref()),
                problems,
            );
            let mut settings = MciEngineSettings::new(name, address?);
            settings.poll = poll;
            settings.link = link?;
            settings.connect_timeout = connect_timeout;
            settings.request_timeout = request_timeout;
            settings.max_connections = e.max_in_flight;
            settings.lifecycle = lifecycle;
            let layout = layout?;
            Some(EngineSpec::Mci {
                settings,
                layout_sha256: layouts.sha256.get(&layout).cloned().unwrap_or_default(),
                layout,
            })
        }
        Protocol::Http | Protocol::Https => {
            if e.poll_interval_ms > 0 {
                problems.error(
                    format!("{key}.poll_interval_ms"),
                    "no such key for an http engine",
                    Found::value(e.poll_interval_ms),
                );
            }
            if e.link != LinkMode::Persistent {
                problems.error(
                    format!("{key}.link"),
                    "no such key for an http engine",
                    Found::text(e.link.as_str()),
                );
            }
            if let Some(answer_address) = &e.answer_address {
                problems.error(
                    format!("{key}.answer_address"),
                    "no such key for an http engine",
                    Found::text(answer_address),
                );
            }
            for (field, value) in [("address", &e.address), ("layout", &e.layout)] {
                if let Some(value) = value {
                    problems.error(
                        format!("{key}.{field}"),
                        "no such key for an http engine",
                        Found::text(value),
                    );
                }
            }
            let scheme = if e.protocol == Protocol::Https {
                "https"
            } else {
                "http"
            };
            // Both schemes are read aloud with a vowel sound ("aitch"): "an http://…".
            let expected = format!("an {scheme}://host[:port]/ URL");
            let url = match e.url.as_deref() {
                Some(text) => match text.parse::<http::Uri>() {
                    Ok(url) if url.scheme_str() == Some(scheme) && url.host().is_some() => {
                        Some(url)
                    }
                    _ => {
                        problems.error(format!("{key}.url"), expected, Found::text(text));
                        None
                    }
                },
                None => {
                    problems.error(format!("{key}.url"), expected, Found::nothing());
                    None
                }
            };
            let tls = match (&e.tls, e.protocol) {
                (Some(tls), Protocol::Https) => load_tls(&key, tls, base, problems),
                (None, Protocol::Https) => {
                    problems.error(
                        format!("{key}.tls.ca_file"),
                        "the CA file an https engine is verified with",
                        Found::nothing(),
                    );
                    None
                }
                (Some(_), _) => {
                    problems.error(
                        format!("{key}.tls"),
                        "no [tls] table unless protocol = \"https\"",
                        Found::value("a [tls] table"),
                    );
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

/// Reads the TLS files; every file that cannot be read or does not parse is reported at its key
/// in one run, as is a key that is not the client certificate's.
fn load_tls(
    key: &str,
    tls: &TlsConfig,
    base: &Path,
    problems: &mut Problems,
) -> Option<TlsSettings> {
    let file = |p: &Option<PathBuf>| p.as_ref().map(|p| resolve(base, p));
    let loaded = TlsSettings::load(
        &resolve(base, &tls.ca_file),
        file(&tls.client_cert_file).as_deref(),
        file(&tls.client_key_file).as_deref(),
        tls.server_name.as_deref(),
    );
    match loaded {
        Ok(settings) => Some(settings),
        Err(errors) => {
            for error in errors.errors() {
                let (field, expected, found) = tls_problem(tls, error);
                let at = match field {
                    "" => format!("{key}.tls"),
                    field => format!("{key}.tls.{field}"),
                };
                problems.error(at, expected, found);
            }
            None
        }
    }
}

/// The key under `[….tls]`, the expectation and the finding of one TLS fault. Messages quote
/// each path as declared, not as resolved against the config's folder.
fn tls_problem(tls: &TlsConfig, error: &TlsError) -> (&'static str, String, Found) {
    let declared = |file: TlsFile| -> &Path {
        match file {
            TlsFile::Ca => &tls.ca_file,
            TlsFile::ClientCert => tls.client_cert_file.as_deref().unwrap_or(Path::new("")),
            TlsFile::ClientKey => tls.client_key_file.as_deref().unwrap_or(Path::new("")),
        }
    };
    let reason = tls_reason(error);
    match error {
        TlsError::Pem { file, .. } => (
            file.key(),
            format!("a readable PEM file holding the {}", file.holds()),
            Found::because(declared(*file), reason),
        ),
        TlsError::NoCertificate { file, .. } => (
            file.key(),
            format!("a PEM file holding the {}", file.holds()),
            Found::because(declared(*file), reason),
        ),
        TlsError::NoPrivateKey { .. } => (
            TlsFile::ClientKey.key(),
            format!("a PEM file holding the {}", TlsFile::ClientKey.holds()),
            Found::because(declared(TlsFile::ClientKey), reason),
        ),
        TlsError::InvalidCa { .. } => (
            TlsFile::Ca.key(),
            "a CA certificate rustls accepts as a trust anchor".to_owned(),
            Found::because(declared(TlsFile::Ca), reason),
        ),
        TlsError::IncompleteClientIdentity => (
            if tls.client_cert_file.is_some() {
                TlsFile::ClientKey.key()
            } else {
                TlsFile::ClientCert.key()
            },
            "client_cert_file and client_key_file given together".to_owned(),
            Found::value("only one of them"),
        ),
        TlsError::InvalidClientIdentity { .. } => (
            TlsFile::ClientKey.key(),
            format!(
                "the private key of the certificate in client_cert_file {:?}",
                declared(TlsFile::ClientCert)
            ),
            Found::because(declared(TlsFile::ClientKey), reason),
        ),
        TlsError::InvalidServerName { name, source } => (
            "server_name",
            "a DNS name or an IP address".to_owned(),
            Found::because(name, source),
        ),
        TlsError::Setup(_) => (
            "",
            "a TLS setup rustls supports".to_owned(),
            Found::value(reason),
        ),
    }
}
