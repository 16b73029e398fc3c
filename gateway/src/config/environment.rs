//! What only the machine can tell about a config, checked by `check-config` so that when it
//! passes `run` can bind and write: every listener address binds, the store directory exists or
//! can be created and is writable, and every engine host name resolves (a warning: DNS may
//! differ between the machine that checks and the one that runs).
//!
//! The checks read the file as declared ([`raw::ConfigFile`]), not the validated [`Config`], so
//! they also run when the file has other errors: one run shows every problem. Values that do not
//! parse are skipped here (the file checks report them). The open-file budget needs the
//! validated listener caps and is checked on a valid config only.

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use super::build::resolve as resolve_path;
use super::problem::{Found, Problem, Problems};
use super::raw::{self, Protocol};
use super::{address, Config};

/// Bound on one host name lookup; the system resolver has no deadline of its own.
const RESOLVE_DEADLINE: Duration = Duration::from_secs(3);

/// Binds each listener, probes the store directory (relative to `base`, the config's folder),
/// resolves engine hosts. Blocking: for the command line, not for a running gateway.
pub fn check_environment(file: &raw::ConfigFile, base: &Path) -> Vec<Problem> {
    let mut problems = Problems::new();
    let listeners = &file.listeners;
    let mut declared: Vec<(String, &str)> = listeners
        .mci
        .iter()
        .enumerate()
        .flat_map(|(i, l)| {
            let answers = l.answer_address.as_deref();
            let answers = answers.map(|a| (format!("listeners.mci[{i}].answer_address"), a));
            std::iter::once((format!("listeners.mci[{i}].address"), l.address.as_str()))
                .chain(answers)
        })
        .collect();
    if let Some(h) = &listeners.http {
        declared.push(("listeners.http.address".to_owned(), &h.address));
    }
    if let Some(a) = &listeners.admin {
        declared.push(("listeners.admin.address".to_owned(), &a.address));
    }
    for (key, text) in declared {
        if let Ok(address) = text.parse::<SocketAddr>() {
            check_bind(&key, text, address, &mut problems);
        }
    }
    check_store_dir(&file.store.path, base, &mut problems);
    for (name, engine) in &file.engines {
        let Some((key, declared, host, port)) = engine_host(name, engine) else {
            continue;
        };
        if host.parse::<std::net::IpAddr>().is_err() {
            if let Err(why) = resolve(&host, port) {
                problems.warning(
                    key,
                    "a host name that resolves",
                    Found::because(declared, why),
                );
            }
        }
    }
    problems.into_vec()
}

/// The same open-file check `run` makes before it binds (it raises the soft limit to the hard
/// one), as a problem.
pub fn check_fd_budget(config: &Config) -> Option<Problem> {
    let e = crate::listener::fd_budget::check(config).err()?;
    Some(Problem::error(
        "listeners",
        format!(
            "connection caps within the open-file limit of {} descriptors (ulimit -Hn)",
            e.limit
        ),
        Found::value(format!("caps needing {}: {}", e.needed, e.items)),
    ))
}

/// Key, declared value, host and port of an engine whose address or URL is well formed.
fn engine_host<'a>(
    name: &str,
    engine: &'a raw::EngineConfig,
) -> Option<(String, &'a str, String, u16)> {
    match engine.protocol {
        Protocol::Mci => {
            let declared = engine.address.as_deref()?;
            let (host, port) = address::split(declared)?;
            Some((
                format!("engines.{name}.address"),
                declared,
                host.to_owned(),
                port,
            ))
        }
        Protocol::Http | Protocol::Https => {
            let declared = engine.url.as_deref()?;
            let url: hyper::Uri = declared.parse().ok()?;
            let default_port = match engine.protocol {
                Protocol::Https => 443,
                _ => 80,
            };
            let port = url.port_u16().unwrap_or(default_port);
            let host = url.host()?.trim_start_matches('[').trim_end_matches(']');
            Some((
                format!("engines.{name}.url"),
                declared,
                host.to_owned(),
                port,
            ))
        }
    }
}

/// Binds and drops at once. An address in use is a warning: the running gateway holds it.
fn check_bind(key: &str, declared: &str, address: SocketAddr, problems: &mut Problems) {
    let expected = "an address this machine can bind";
    match TcpListener::bind(address) {
        Ok(listener) => drop(listener),
        Err(e) if e.kind() == ErrorKind::AddrInUse => problems.warning(
            key,
            expected,
            Found::because(declared, "in use now, by a running gateway?"),
        ),
        Err(e) => problems.error(key, expected, Found::because(declared, e)),
    }
}

/// The directory (`declared`, relative to `base`) exists and takes a file, or the nearest
/// existing parent takes a directory. A failure names the directory that was probed and, when
/// the store's directory is missing, the first missing one beneath it, which `run` would have to
/// create there: `"/proc/nope" does not exist and cannot be created in "/proc": …`.
fn check_store_dir(declared: &Path, base: &Path, problems: &mut Problems) {
    let expected = "a directory the gateway can create and write";
    let path = resolve_path(base, declared);
    let (existing, missing) = nearest_existing(&path);
    if !existing.is_dir() {
        let why = format!("{existing:?} is not a directory");
        problems.error("store.path", expected, Found::because(declared, why));
        return;
    }
    // A probe file, created and removed: permissions alone do not say (root, read-only mounts).
    let probe = existing.join(format!(".shadowgate-check-{}", std::process::id()));
    let written = std::fs::write(&probe, b"probe");
    let _ = std::fs::remove_file(&probe);
    if let Err(e) = written {
        let reason = super::problem::reason(e);
        let why = match missing {
            Some(missing) => format!(
                "{missing:?} does not exist and cannot be created in {existing:?}: {reason}"
            ),
            None => format!("cannot write in {existing:?}: {reason}"),
        };
        problems.error("store.path", expected, Found::because(declared, why));
    }
}

/// The deepest ancestor of `path` (itself included) that exists, and the first missing one
/// beneath it (`None` when `path` exists). A relative path none of whose parts exist ends at `.`.
fn nearest_existing(path: &Path) -> (&Path, Option<&Path>) {
    let mut existing = path;
    let mut missing = None;
    while !existing.exists() {
        missing = Some(existing);
        match existing.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => existing = parent,
            _ => return (Path::new("."), missing),
        }
    }
    (existing, missing)
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
        check_store_dir(&file.join("sub"), Path::new("."), &mut problems);
        let problems = problems.into_vec();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].key, "store.path");
        assert!(problems[0].is_error());

        let mut fine = Problems::new();
        check_store_dir(Path::new("new/store"), dir.path(), &mut fine);
        assert_eq!(fine.into_vec(), []);
        assert!(!dir.path().join("new").exists(), "checking creates nothing");
    }

    #[test]
    fn a_store_path_that_cannot_be_created_names_the_first_missing_directory() {
        let (existing, missing) = nearest_existing(Path::new("/proc/nope/store"));
        assert_eq!(existing, Path::new("/proc"));
        assert_eq!(missing, Some(Path::new("/proc/nope")));
        let (existing, missing) = nearest_existing(Path::new("/"));
        assert_eq!((existing, missing), (Path::new("/"), None));
        let relative = Path::new("no-such-dir-here/store");
        assert_eq!(
            nearest_existing(relative),
            (Path::new("."), Some(Path::new("no-such-dir-here")))
        );
    }

    /// `/proc` takes no new entry on Linux: the reason names what is missing beneath it.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_store_under_proc_is_refused_naming_the_missing_directory() {
        let mut problems = Problems::new();
        check_store_dir(Path::new("/proc/nope/store"), Path::new("."), &mut problems);
        let problems = problems.into_vec();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].to_string(),
            "store.path: expected a directory the gateway can create and write, found \
             \"/proc/nope/store\" (\"/proc/nope\" does not exist and cannot be created in \
             \"/proc\": no such file or directory)"
        );
    }

    #[test]
    fn an_address_in_use_is_a_warning() {
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut problems = Problems::new();
        let address = held.local_addr().unwrap();
        check_bind(
            "listeners.http.address",
            &address.to_string(),
            address,
            &mut problems,
        );
        let problems = problems.into_vec();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].severity, super::super::Severity::Warning);
    }
}
