//! `[store.postgres]`: where a fleet's shared database is and how to reach it.
//!
//! The password never sits in the config file (which is read by people and printed by tools): it
//! comes from the environment variable named by `password_env`, read when the writer connects.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::config::{Found, Problem};

/// Which engine holds the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// The embedded sled database at `store.path` (one gateway).
    #[default]
    Sled,
    /// A PostgreSQL database shared by a fleet of gateways (`[store.postgres]`).
    Postgres,
}

/// Whether the connection to PostgreSQL is encrypted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// Plain TCP: only for a database on the same host or a private test network.
    Disable,
    /// TLS, with the server's certificate checked against `ca_file` and its host name.
    #[default]
    VerifyFull,
}

/// The `[store.postgres]` section.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PostgresConfig {
    /// `postgres://user@host:port/dbname`, without a password.
    pub url: String,
    /// Environment variable holding the password; none for trust or certificate authentication.
    pub password_env: Option<String>,
    /// This gateway's name in the fleet's tables; the host name when unset. Two running
    /// gateways never share one: the second is refused (an advisory lock per instance).
    pub instance: Option<String>,
    /// `disable` or `verify-full`.
    pub sslmode: SslMode,
    /// PEM file of the CAs that sign the server's certificate (`verify-full`).
    pub ca_file: Option<PathBuf>,
    /// Deadline of connecting (TCP, TLS and login), in milliseconds.
    pub connect_timeout_ms: u64,
    /// Deadline of one statement on the server, and of unacknowledged data on the socket, in
    /// milliseconds: a database that stops answering degrades the store instead of stalling it.
    pub statement_timeout_ms: u64,
    /// Records the local spool holds at most while PostgreSQL is unreachable; beyond, the store
    /// goes degraded (records dropped and counted, totals kept in memory) until it is back.
    pub spool_max_records: u64,
}

impl Default for PostgresConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            password_env: None,
            instance: None,
            sslmode: SslMode::default(),
            ca_file: None,
            connect_timeout_ms: 5_000,
            statement_timeout_ms: 10_000,
            spool_max_records: 1_000_000,
        }
    }
}

impl fmt::Debug for PostgresConfig {
    // Hand-written so that a password someone put in the URL anyway is never logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = match postgres::Config::from_str(&self.url) {
            Ok(parsed) if parsed.get_password().is_some() => "<url with a password>",
            _ => self.url.as_str(),
        };
        f.debug_struct("PostgresConfig")
            .field("url", &url)
            .field("password_env", &self.password_env)
            .field("instance", &self.instance)
            .field("sslmode", &self.sslmode)
            .field("ca_file", &self.ca_file)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("statement_timeout_ms", &self.statement_timeout_ms)
            .field("spool_max_records", &self.spool_max_records)
            .finish()
    }
}

impl PostgresConfig {
    /// Every problem with these values, each at its key under `store.postgres.`.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut error = |key: &str, expected: &str, found: Found| {
            problems.push(Problem::error(
                format!("store.postgres.{key}"),
                expected,
                found,
            ));
        };
        let url = "a URL such as postgres://shadowgate@db.example:5432/shadowgate";
        match postgres::Config::from_str(&self.url) {
            Err(e) => error("url", url, Found::because(&self.url, e)),
            Ok(parsed) if parsed.get_hosts().is_empty() => {
                error("url", url, Found::because(&self.url, "no host"))
            }
            Ok(parsed) if parsed.get_password().is_some() => error(
                "url",
                "a URL without a password (name its environment variable in password_env)",
                Found::value("a password"),
            ),
            Ok(_) => {}
        }
        if self.instance.as_deref().is_some_and(str::is_empty) {
            error("instance", "a non-empty name", Found::text(""));
        }
        if self.sslmode == SslMode::VerifyFull && self.ca_file.is_none() {
            error(
                "ca_file",
                "a PEM file of CAs when sslmode is verify-full",
                Found::nothing(),
            );
        }
        for (key, value) in [
            ("connect_timeout_ms", self.connect_timeout_ms),
            ("statement_timeout_ms", self.statement_timeout_ms),
            ("spool_max_records", self.spool_max_records),
        ] {
            let range = crate::config::ranges::AT_LEAST_ONE;
            if !range.holds(value) {
                error(key, &range.says(), Found::value(value));
            }
        }
        problems
    }

    /// This gateway's instance name: the configured one, else the host name.
    pub fn instance_name(&self) -> Option<String> {
        if let Some(name) = &self.instance {
            return Some(name.clone());
        }
        host_name()
    }
}

/// This machine's host name, if it has one.
pub(crate) fn host_name() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_name_their_keys_and_a_password_is_never_shown() {
        let config = PostgresConfig {
            url: "postgres://gw:secret@db/shadowgate".into(),
            instance: Some(String::new()),
            statement_timeout_ms: 0,
            ..PostgresConfig::default()
        };
        let shown: Vec<String> = config.problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "store.postgres.url: expected a URL without a password (name its environment \
                 variable in password_env), found a password",
                "store.postgres.instance: expected a non-empty name, found \"\"",
                "store.postgres.ca_file: expected a PEM file of CAs when sslmode is verify-full, \
                 found nothing",
                "store.postgres.statement_timeout_ms: expected at least 1, found 0",
            ]
        );
        assert!(!format!("{config:?}").contains("secret"));
        let fine = PostgresConfig {
            url: "postgres://gw@127.0.0.1:5432/shadowgate".into(),
            sslmode: SslMode::Disable,
            ..PostgresConfig::default()
        };
        assert!(fine.problems().is_empty());
        assert!(fine.instance_name().is_some_and(|name| !name.is_empty()));
    }
}
