//! Errors of opening and reading the store.
//!
//! Writing never returns errors to callers: the writer counts drops and degrades instead.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;

use super::codec::CodecError;

/// Opening or reading the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store configuration is invalid; every problem is listed.
    #[error("invalid store config: {}", crate::config::List(problems))]
    Config {
        /// Every problem, each at its config key.
        problems: Vec<crate::config::Problem>,
    },
    /// sled could not open the directory.
    #[error("cannot open store {}: {source} ({hint})", path.display())]
    Open {
        /// The store directory.
        path: PathBuf,
        /// What to do about it.
        hint: &'static str,
        /// sled's error.
        #[source]
        source: sled::Error,
    },
    /// Another process (a running gateway?) holds the directory's lock: sled lets one process
    /// open a store. What to do about it depends on the command, so it is not said here.
    #[error("store {path:?} is locked: another process (a running gateway?) holds it")]
    Locked {
        /// The store directory.
        path: PathBuf,
    },
    /// A reader was pointed at a directory that holds no store.
    #[error("no store at {}: the directory does not exist", path.display())]
    Missing {
        /// The path given.
        path: PathBuf,
    },
    /// Reading a tree failed.
    #[error("cannot read store tree {tree}: {source}")]
    Read {
        /// The tree being read.
        tree: String,
        /// sled's error.
        #[source]
        source: sled::Error,
    },
    /// A stored value does not decode.
    #[error("cannot decode {key} in store tree {tree}: {source}")]
    Decode {
        /// The tree being read.
        tree: String,
        /// The record id, strategy or group key, printable.
        key: String,
        /// What is wrong with the bytes.
        #[source]
        source: CodecError,
    },
    /// The writer thread could not be started.
    #[error("cannot start the store writer thread: {0}")]
    Spawn(#[source] std::io::Error),
    /// The key file of `[store] encryption_key_file` cannot be used.
    #[error(transparent)]
    Keys(super::keyring::KeyFileError),
    /// The gateway's store is not open now (degraded: its disk failed); the writer keeps trying.
    #[error(
        "store {} is unavailable: expected an open database, found none (degraded; retrying)",
        path.display()
    )]
    Unavailable {
        /// The store directory.
        path: PathBuf,
    },
    /// The configured backend could not be set up (e.g. PostgreSQL's CA file does not read).
    #[error("cannot set up the store backend: {0}")]
    Backend(#[source] super::backend::BackendError),
    /// The fleet's PostgreSQL database could not be read (unreachable, refused, no tables yet, a
    /// statement failed): the review says so instead of showing an empty fleet.
    #[error("cannot read the fleet store at {url}: {operation}: {source}")]
    Fleet {
        /// `store.postgres.url` (it never holds a password).
        url: String,
        /// What was being read, e.g. `read shadowgate_counters`.
        operation: String,
        /// The client's or the server's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The fleet's PostgreSQL database could not be written (unreachable, refused, a statement
    /// failed): nothing was stored there; `keeps` says what it keeps, so the user knows what
    /// is missing.
    #[error(
        "cannot write to the fleet store at {url}, which keeps {keeps}: {operation}: {source}"
    )]
    FleetWrite {
        /// `store.postgres.url` (it never holds a password).
        url: String,
        /// What the database keeps that was not written, e.g. `the fleet's replay runs`.
        keeps: &'static str,
        /// What was being written.
        operation: String,
        /// The client's or the server's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A record id names records of more than one gateway of the fleet (ids are per gateway:
    /// the same microsecond and sequence on two of them).
    #[error(
        "record id {id} is ambiguous: expected the record of one gateway, found one of each of \
         {}; list the records with filters to tell them apart",
        instances.join(", ")
    )]
    Ambiguous {
        /// The id asked for.
        id: String,
        /// The instances holding a record with that id.
        instances: Vec<String>,
    },
    /// Data each gateway of a fleet keeps in its own directory (triage states, replay runs) was
    /// asked of a directory that is not open here.
    #[error(
        "{what} are kept in each gateway's own store directory; expected {} open here, found it \
         held by a running gateway or missing: read them with --from {admin}",
        path.display()
    )]
    LocalOnly {
        /// What was asked for, e.g. `triage states`.
        what: &'static str,
        /// The local store directory of the config.
        path: PathBuf,
        /// The running gateway's admin API, where they can be read.
        admin: AdminUrl,
    },
}

/// The URL of a gateway's admin API, for `--from` in remedies: built from the config's admin
/// listener address when one is known, else a placeholder the user fills in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AdminUrl(pub Option<SocketAddr>);

impl fmt::Display for AdminUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(mut address) = self.0 else {
            return f.write_str("http://ADMIN_ADDRESS");
        };
        // A listener bound to every interface is reached on this host through loopback.
        match address.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => address.set_ip(Ipv4Addr::LOCALHOST.into()),
            IpAddr::V6(ip) if ip.is_unspecified() => address.set_ip(Ipv6Addr::LOCALHOST.into()),
            _ => {}
        }
        write!(f, "http://{address}")
    }
}

impl StoreError {
    /// Another handle (a running gateway) holds the store directory's lock.
    pub fn is_locked(&self) -> bool {
        matches!(self, Self::Locked { .. })
    }

    /// Local-only data (triage, replay runs) was asked of a fleet's report that cannot open the
    /// gateway's own directory.
    pub fn is_local_only(&self) -> bool {
        matches!(self, Self::LocalOnly { .. })
    }

    /// The store is degraded and not open now (a fleet's database away); reading or writing
    /// again later may work.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Self::Unavailable { .. } | Self::Fleet { .. } | Self::FleetWrite { .. }
        )
    }

    /// The failure of a write to a fleet's database as such ([`StoreError::FleetWrite`], saying
    /// the database keeps `keeps`); any other error as it is.
    pub(crate) fn written(self, keeps: &'static str) -> Self {
        match self {
            Self::Fleet {
                url,
                operation,
                source,
            } => Self::FleetWrite {
                url,
                keeps,
                operation,
                source,
            },
            error => error,
        }
    }

    /// The disk failed (full, read-only, gone) rather than the configuration or the data: worth
    /// retrying in-process instead of refusing to start.
    pub fn is_io(&self) -> bool {
        matches!(
            self,
            Self::Open {
                source: sled::Error::Io(_),
                ..
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local_only(admin: Option<&str>) -> String {
        StoreError::LocalOnly {
            what: "triage states and replay runs",
            path: PathBuf::from("store"),
            admin: AdminUrl(admin.and_then(|a| a.parse().ok())),
        }
        .to_string()
    }

    #[test]
    fn local_only_data_is_sent_to_the_admin_address_when_it_is_known() {
        assert!(local_only(Some("127.0.0.1:9190")).ends_with("--from http://127.0.0.1:9190"));
        // Bound to every interface: reached through loopback on this host.
        assert!(local_only(Some("0.0.0.0:9190")).ends_with("--from http://127.0.0.1:9190"));
        assert!(local_only(Some("[::]:9190")).ends_with("--from http://[::1]:9190"));
        assert!(local_only(None).ends_with("--from http://ADMIN_ADDRESS"));
    }
}
