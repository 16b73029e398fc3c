//! What only the machine can tell about a valid config, checked by `check-config` so that when
//! it passes `run` can bind and write: every listener address binds, the connection caps fit the
//! open-file limit, the store directory exists or can be created and is writable, and every
//! engine host name resolves (a warning: DNS may
//! differ between the machine that checks and the one that runs).

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use super::problem::{Found, Problem, Problems};
use super::{address, Config, EngineSpec};

/// Bound on one host name lookup; the system resolver has no deadline of its own.
const RESOLVE_DEADLINE: Duration = Duration::from_secs(3);

/// Binds each listener, probes the store directory, resolves engine hosts. Blocking: for the
/// command line, not for a running gateway.
pub fn check_environment(config: &Config) -> Vec<Problem> {
    let mut problems = Problems::new();
    let mut listeners: Vec<(String, SocketAddr)> = config
        .mci_listeners
        .iter()
        .enumerate()
        .map(|(i, l)| (format!("listeners.mci[{i}].address"), l.address))
        .collect();
    if let Some(h) = &config.http_listener {
        listeners.push(("listeners.http.address".to_owned(), h.address));
    }
    if let Some(a) = &config.admin_listener {
        listeners.push(("listeners.admin.address".to_owned(), a.address));
    }
    for (key, address) in listeners {
        check_bind(&key, address, &mut problems);
    }
    check_store_dir(&config.store.path, &mut problems);
    // The same check `run` makes before it binds (it raises the soft limit to the hard one).
    if let Err(e) = crate::listener::fd_budget::check(config) {
        problems.error(
            "listeners",
            format!(
                "connection caps within the open-file limit of {} descriptors (ulimit -Hn)",
                e.limit
            ),
            Found::value(format!("caps needing {}: {}", e.needed, e.items)),
        );
    }
    for (name, engine) in &config.engines {
        let (key, host, port) = match engine {
            EngineSpec::Mci { settings, .. } => match address::split(&settings.address) {
                Some((host, port)) => (format!("engines.{name}.address"), host.to_owned(), port),
                None => continue,
            },
            EngineSpec::Http(settings) => {
                let Some(host) = settings.url.host() else {
                    continue;
                };
                let port = settings.url.port_u16().unwrap_or(match settings.tls {
                    Some(_) => 443,
                    None => 80,
                });
                let host = host.trim_start_matches('[').trim_end_matches(']');
                (format!("engines.{name}.url"), host.to_owned(), port)
            }
        };
        if host.parse::<std::net::IpAddr>().is_err() {
            if let Err(why) = resolve(&host, port) {
                problems.warning(
                    key,
                    "a host name that resolves",
                    Found::value(format!("{host:?} ({why})")),
                );
            }
        }
    }
    problems.into_vec()
}

/// Binds and drops at once. An address in use is a warning: the running gateway holds it.
fn check_bind(key: &str, address: SocketAddr, problems: &mut Problems) {
    match TcpListener::bind(address) {
        Ok(listener) => drop(listener),
        Err(e) if e.kind() == ErrorKind::AddrInUse => problems.warning(
            key,
            "an address this machine can bind",
            Found::value(format!("{address}, in use now (by a running gateway?)")),
        ),
        Err(e) => problems.error(
            key,
            "an address this machine can bind",
            Found::value(format!("{address} ({e})")),
        ),
    }
}

/// The directory exists and takes a file, or the nearest existing parent takes a directory.
fn check_store_dir(path: &Path, problems: &mut Problems) {
    let expected = "a directory the gateway can create and write";
    let mut existing = path;
    while !existing.exists() {
        match existing.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => existing = parent,
            _ => {
                existing = Path::new(".");
                break;
            }
        }
    }
    if !existing.is_dir() {
        let why = format!(
            "{} ({} is not a directory)",
            path.display(),
            existing.display()
        );
        problems.error("store.path", expected, Found::value(why));
        return;
    }
    // A probe file, created and removed: permissions alone do not say (root, read-only mounts).
    let probe = existing.join(format!(".shadowgate-check-{}", std::process::id()));
    let written = std::fs::write(&probe, b"probe");
    let _ = std::fs::remove_file(&probe);
    if let Err(e) = written {
        let why = format!(
            "{} (cannot write in {}: {e})",
            path.display(),
            existing.display()
        );
        problems.error("store.path", expected, Found::value(why));
    }
}

/// Resolves `host` under [`RESOLVE_DEADLINE`]. The lookup runs on its own thread because
/// `getaddrinfo` cannot be cancelled; a lookup past the deadline is left to finish on it (the
/// command exits right after).
fn resolve(host: &str, port: u16) -> Result<(), String> {
    let (tx, rx) = mpsc::sync_channel(1);
    let target = (host.to_owned(), port);
    std::thread::spawn(move || {
        let found = target.to_socket_addrs().map(|mut a| a.next().is_some());
        let _ = tx.send(found);
    });
    match rx.recv_timeout(RESOLVE_DEADLINE) {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => Err("no address".to_owned()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} s", RESOLVE_DEADLINE.as_secs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_path_under_a_regular_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let mut problems = Problems::new();
        check_store_dir(&file.join("sub"), &mut problems);
        let problems = problems.into_vec();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].key, "store.path");
        assert!(problems[0].is_error());

        let mut fine = Problems::new();
        check_store_dir(&dir.path().join("new/store"), &mut fine);
        assert_eq!(fine.into_vec(), []);
        assert!(!dir.path().join("new").exists(), "checking creates nothing");
    }

    #[test]
    fn an_address_in_use_is_a_warning() {
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut problems = Problems::new();
        check_bind(
            "listeners.http.address",
            held.local_addr().unwrap(),
            &mut problems,
        );
        let problems = problems.into_vec();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].severity, super::super::Severity::Warning);
    }
}
