//! The open-file budget: every connection the gateway may hold (listener caps, engine pools) plus
//! a reserve, checked against `RLIMIT_NOFILE` at start-up.
//!
//! Past the limit `accept` fails on every listener at once, the MCI listener included, so idle
//! side-door connections would lock core banking out. The gateway first raises its soft limit to
//! the hard limit (what a process may do by itself); if the budget still does not fit it refuses
//! to start, naming the keys: a refusal at deploy time, with the fix in the message, is cheaper
//! than refused core-banking connections at the busiest hour, and a platform team sizes
//! `LimitNOFILE=` (systemd) or `ulimit -n` from it.

use crate::config::{Config, EngineSpec};

/// Descriptors kept for everything that is not a client or engine connection: the listening
/// sockets, the store's files, standard streams, the runtime's epoll and wakers, a config or
/// layout file being re-read, and a connection accepted before an evicted one has closed.
pub const RESERVE: u64 = 64;

/// Linux's default `fs.nr_open`, the most a soft limit may be when the hard one is unlimited.
const NR_OPEN_DEFAULT: u64 = 1 << 20;

/// The connections the config allows, by config key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// `(key, descriptors)` in config order, the reserve last.
    pub items: Vec<(String, u64)>,
}

/// The budget does not fit the open-file limit.
#[derive(Debug, thiserror::Error)]
#[error(
    "open-file limit: the connection caps need {needed} file descriptors, found a limit of \
     {limit} (ulimit -n, after raising the soft limit to the hard one): {items}; raise the hard \
     limit (systemd LimitNOFILE=, ulimit -Hn) or lower these keys"
)]
pub struct FdBudgetError {
    /// Descriptors the config allows for.
    pub needed: u64,
    /// The soft limit in force.
    pub limit: u64,
    /// `key = n` for every item, joined.
    pub items: String,
}

impl Budget {
    /// Every listener cap and engine pool of `config`, and [`RESERVE`].
    pub fn of(config: &Config) -> Budget {
        let mut items = Vec::new();
        for (i, mci) in config.mci_listeners.iter().enumerate() {
            let key = format!("listeners.mci[{i}].max_connections");
            items.push((key, mci.max_connections as u64));
        }
        if let Some(http) = &config.http_listener {
            let key = "listeners.http.max_connections".to_owned();
            items.push((key, http.limits.max_connections as u64));
        }
        if let Some(admin) = &config.admin_listener {
            let key = "listeners.admin.max_connections".to_owned();
            items.push((key, admin.limits.max_connections as u64));
        }
        for (name, engine) in &config.engines {
            let connections = match engine {
                EngineSpec::Http(settings) => settings.max_in_flight,
                EngineSpec::Mci { settings, .. } => settings.max_connections,
            };
            items.push((format!("engines.{name}.max_in_flight"), connections as u64));
        }
        items.push(("reserve".to_owned(), RESERVE));
        Budget { items }
    }

    /// Descriptors needed in all.
    pub fn total(&self) -> u64 {
        self.items.iter().map(|(_, n)| n).sum()
    }

    /// Checks the budget against `limit` descriptors.
    pub fn fits(&self, limit: u64) -> Result<(), FdBudgetError> {
        let needed = self.total();
        if needed <= limit {
            return Ok(());
        }
        let items = self
            .items
            .iter()
            .map(|(key, n)| format!("{key} = {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        Err(FdBudgetError {
            needed,
            limit,
            items,
        })
    }
}

/// Raises the soft open-file limit to the hard limit; the soft limit in force afterwards, or
/// `None` when it cannot be read (the check is then skipped, with a warning).
pub fn raise_soft_limit() -> Option<u64> {
    // An unlimited hard limit cannot be the soft one on Linux (`fs.nr_open` caps it, 1 Mi by
    // default): then the soft limit goes as high as that.
    let raised = rlimit::increase_nofile_limit(u64::MAX)
        .or_else(|_| rlimit::increase_nofile_limit(NR_OPEN_DEFAULT));
    match raised {
        Ok(limit) => Some(limit),
        Err(error) => {
            tracing::warn!(%error, "cannot raise the open-file limit; checking the current one");
            match rlimit::Resource::NOFILE.get() {
                Ok((soft, _)) => Some(soft),
                Err(error) => {
                    tracing::warn!(%error, "cannot read the open-file limit; not checking it");
                    None
                }
            }
        }
    }
}

/// Raises the soft limit and checks `config`'s budget against it.
pub fn check(config: &Config) -> Result<(), FdBudgetError> {
    let budget = Budget::of(config);
    match raise_soft_limit() {
        Some(limit) => {
            budget.fits(limit)?;
            tracing::info!(
                needed = budget.total(),
                limit,
                "open-file budget fits the limit"
            );
            Ok(())
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> Budget {
        Budget {
            items: vec![
                ("listeners.mci[0].max_connections".into(), 700),
                ("listeners.http.max_connections".into(), 256),
                ("engines.legacy.max_in_flight".into(), 16),
                ("reserve".into(), RESERVE),
            ],
        }
    }

    #[test]
    fn a_budget_within_the_limit_fits() {
        assert_eq!(budget().total(), 1_036);
        assert!(budget().fits(1_036).is_ok());
    }

    #[test]
    fn a_budget_over_the_limit_names_every_key_and_number() {
        let error = budget().fits(1_024).unwrap_err().to_string();
        for expected in [
            "need 1036 file descriptors, found a limit of 1024",
            "listeners.mci[0].max_connections = 700",
            "listeners.http.max_connections = 256",
            "engines.legacy.max_in_flight = 16",
            "reserve = 64",
        ] {
            assert!(error.contains(expected), "{expected:?} not in {error}");
        }
    }
}
