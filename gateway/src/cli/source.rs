//! Where the review commands read from: a stopped gateway's store directory (`--store`), the
//! store and thresholds of a config file (`--config`), or a running gateway's admin API
//! (`--from`). All three answer with the admin API's model.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};

use super::remote::Remote;
use super::review::SourceArgs;
use crate::config::{self, Config};
use crate::review::{policies, BatchSummary, Daily, Detail, Policies, Review, ReviewView, Summary};
use crate::store::postgres::{BackendKind, FleetReader};
use crate::store::{
    AdminUrl, Clock, Group, ListQuery, Page, Reader, RecordId, StoreConfig, StoreError, SystemClock,
};

/// Whose rules and readiness thresholds a report's strategies are judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JudgedBy {
    /// A config's: `--config`, or a running gateway's own (`--from`).
    Config,
    /// No config was given (`--store` alone): the default readiness thresholds, and no rule or
    /// strategy known to be configured.
    Defaults,
}

/// A review source.
#[derive(Debug)]
pub enum Source {
    /// A store directory read in this process (the gateway must be stopped: sled locks it).
    Local {
        /// The store and the policies it is judged by.
        review: Review,
        /// What to call it in reports.
        label: String,
        /// Whether the policies are a config's or, without one, the defaults.
        judged_by: JudgedBy,
    },
    /// A running gateway's admin API.
    Remote(Box<Remote>),
}

impl Source {
    /// Opens the source the arguments name.
    pub fn open(args: &SourceArgs) -> anyhow::Result<Self> {
        if let Some(url) = &args.from {
            if args.store.is_some() || args.config.is_some() {
                bail!("--from reads a running gateway; it cannot be combined with --store or --config");
            }
            let remote = Remote::with_token_env(url, args.token_env.as_deref())?;
            return Ok(Self::Remote(Box::new(remote)));
        }
        let (path, policies, view, admin) = match (&args.store, &args.config) {
            (store, Some(file)) => {
                let config = config::load_without_secrets(file)?;
                if store.is_none() && config.store.backend == BackendKind::Postgres {
                    return super::fleet::open(&config);
                }
                let path = store.clone().unwrap_or_else(|| config.store.path.clone());
                let admin = admin_address(&config);
                (path, Some(policies(&config)), config.review.clone(), admin)
            }
            (Some(store), None) => (store.clone(), None, ReviewView::default(), None),
            (None, None) => bail!("say where to read: --store DIR, --config FILE or --from URL"),
        };
        let reader = Reader::open(&path).map_err(|e| store_error(e, &from(admin)))?;
        let judged_by = match policies {
            Some(_) => JudgedBy::Config,
            None => JudgedBy::Defaults,
        };
        Ok(Self::Local {
            review: Review::new(reader, policies.unwrap_or_else(Policies::new)).with_view(view),
            label: path.display().to_string(),
            judged_by,
        })
    }

    /// Whose rules and readiness thresholds the source's strategies are judged by: a running
    /// gateway's and a config's are the config's; a store directory read alone, the defaults.
    pub fn judged_by(&self) -> JudgedBy {
        match self {
            Self::Local { judged_by, .. } => *judged_by,
            Self::Remote(_) => JudgedBy::Config,
        }
    }

    /// Where the data comes from, for report headers.
    pub fn label(&self) -> &str {
        match self {
            Self::Local { label, .. } => label,
            Self::Remote(remote) => remote.label(),
        }
    }

    /// How times are shown: `[review] time_zone` of the config, the zone a running gateway
    /// reports, or UTC for a store directory read without a config.
    pub fn view(&self) -> anyhow::Result<ReviewView> {
        match self {
            Self::Local { review, .. } => Ok(review.view().clone()),
            Self::Remote(remote) => remote.view(),
        }
    }

    /// How times are shown ([`Self::view`]), and the daily series ([`Self::daily`]) when `daily`:
    /// from a running gateway, both from one `GET /api/v1/daily`.
    pub fn view_and_daily(&self, daily: bool) -> anyhow::Result<(ReviewView, Option<Daily>)> {
        match (self, daily) {
            (_, false) => Ok((self.view()?, None)),
            (Self::Local { review, .. }, true) => {
                let series = review.daily(SystemClock.now_micros())?;
                Ok((review.view().clone(), Some(series)))
            }
            (Self::Remote(remote), true) => {
                let series = remote.daily()?;
                Ok((Remote::view_of(Some(&series)), Some(series)))
            }
        }
    }

    /// Counters, rates, readiness and suppressions of every strategy.
    pub fn summary(&self) -> anyhow::Result<Summary> {
        match self {
            Self::Local { review, .. } => Ok(review.summary(None, SystemClock.now_micros())?),
            Self::Remote(remote) => remote.summary(),
        }
    }

    /// Batch reconciliation runs with their verdicts.
    pub fn batches(&self) -> anyhow::Result<Vec<BatchSummary>> {
        match self {
            Self::Local { review, .. } => Ok(review.batches()?),
            Self::Remote(remote) => remote.batches(),
        }
    }

    /// Comparisons and failures per day, per strategy and group.
    pub fn daily(&self) -> anyhow::Result<Daily> {
        match self {
            Self::Local { review, .. } => Ok(review.daily(SystemClock.now_micros())?),
            Self::Remote(remote) => remote.daily(),
        }
    }

    /// Per group, the latest replay run.
    pub fn group_replays(&self) -> anyhow::Result<Vec<crate::store::GroupReplay>> {
        match self {
            Self::Local { review, .. } => Ok(review.group_replays(None)?),
            Self::Remote(remote) => remote.group_replays(),
        }
    }

    /// Mismatch groups of a strategy, most frequent first; an error naming the strategies
    /// there are when it is neither counted nor configured (a misspelt name).
    pub fn groups(&self, strategy: &str) -> anyhow::Result<Vec<Group>> {
        match self {
            Self::Local { review, .. } => {
                known(review, strategy)?;
                Ok(review.groups(strategy)?)
            }
            Self::Remote(remote) => remote.groups(strategy),
        }
    }

    /// One page of records; an error naming the strategies there are when the strategy filtered
    /// on is neither counted nor configured (a misspelt name).
    pub fn list(&self, query: &ListQuery) -> anyhow::Result<Page> {
        match self {
            Self::Local { review, .. } => {
                if let Some(strategy) = &query.strategy {
                    known(review, strategy)?;
                }
                Ok(review.list(query)?)
            }
            Self::Remote(remote) => remote.list(query),
        }
    }

    /// One record with its unified diff.
    pub fn detail(&self, id: RecordId) -> anyhow::Result<Option<Detail>> {
        match self {
            Self::Local { review, .. } => Ok(review.detail(id)?),
            Self::Remote(remote) => remote.detail(id),
        }
    }
}

/// Refuses a strategy `review` does not know ([`crate::review::UnknownStrategy`]).
fn known(review: &Review, strategy: &str) -> anyhow::Result<()> {
    match review.unknown_strategy(strategy)? {
        Some(unknown) => Err(unknown.into()),
        None => Ok(()),
    }
}

/// The store `config` of a stopped gateway whose admin listener is `admin`, for the commands
/// whose data is in its directory (triage, the audit trail, sign-offs and replay runs without a
/// fleet, [`open_triage`]): its directory (`store` when given), refused while a running gateway
/// holds it, or when a fleet's gateway's directory is not on this host, with what `remedy` says
/// to do instead; with `backend = "postgres"` and no `store`, groups and counters are the
/// fleet's, read from its database as `report --config` reads them, so they are never judged on
/// an empty directory.
pub(super) fn open_own(
    config: &StoreConfig,
    admin: Option<SocketAddr>,
    store: Option<&Path>,
    remedy: &Remedy,
) -> anyhow::Result<(Reader, PathBuf)> {
    let path = store.map_or_else(|| config.path.clone(), Path::to_path_buf);
    let fleet = store.is_none() && config.backend == BackendKind::Postgres;
    let reader = Reader::open(&path)
        .map_err(|e| match e {
            // A fleet's config read on another host than its gateway's: the directory is there.
            StoreError::Missing { .. } if fleet => anyhow!("{e}; {}", remedy.missing),
            e => store_error(e, &remedy.locked),
        })?
        .with_admin_address(admin);
    if fleet {
        let fleet = FleetReader::new(&config.postgres)?;
        return Ok((reader.with_fleet(fleet), path));
    }
    Ok((reader, path))
}

/// The store of `config` for the commands on triage, the audit trail and sign-offs (and
/// `replay`), and where they are, for people (`store DIR`, `the fleet store at URL`): with
/// `backend = "postgres"` and no `store`, the fleet's database, which keeps a fleet's triage,
/// trail and replay runs for every gateway (the gateway's directory is not needed, so a running
/// gateway holding it is no obstacle); otherwise the directory, as [`open_own`] opens it.
pub(super) fn open_triage(
    config: &StoreConfig,
    admin: Option<SocketAddr>,
    store: Option<&Path>,
    remedy: &Remedy,
) -> anyhow::Result<(Reader, String)> {
    if store.is_none() && config.backend == BackendKind::Postgres {
        let reader = Reader::open_config(config)?.with_admin_address(admin);
        let place = format!("the fleet store at {}", config.postgres.url);
        return Ok((reader, place));
    }
    let (reader, path) = open_own(config, admin, store, remedy)?;
    Ok((reader, format!("store {}", path.display())))
}

/// What a command that needs a gateway's own directory can do instead of opening it.
#[derive(Debug)]
pub(super) struct Remedy {
    /// While a running gateway holds the directory.
    locked: String,
    /// When a fleet's gateway's directory (its `[store] path`) is not on this host.
    missing: String,
}

impl Remedy {
    /// For the commands that read a running gateway with `--from`, at its admin listener
    /// `admin` when the config names it, else a placeholder.
    pub(super) fn from(admin: Option<SocketAddr>) -> Remedy {
        Remedy {
            locked: from(admin),
            missing: format!(
                "{ON_ITS_HOST}, or read a running gateway with --from {}",
                AdminUrl(admin)
            ),
        }
    }

    /// For `replay`, which has no `--from`: a running gateway starts the run itself.
    pub(super) fn replay(admin: Option<SocketAddr>) -> Remedy {
        let start = format!("POST {}/api/v1/replays", AdminUrl(admin));
        Remedy {
            locked: format!("stop it first, or start the run on it with {start}"),
            missing: format!("{ON_ITS_HOST}, or start the run on a running gateway with {start}"),
        }
    }
}

/// Where a gateway's own directory is.
const ON_ITS_HOST: &str = "run it on the gateway's host (where its [store] path is)";

/// The admin listener address of `config`, if it has an admin listener.
pub(super) fn admin_address(config: &Config) -> Option<SocketAddr> {
    config.admin_listener.as_ref().map(|admin| admin.address)
}

/// What to do about a locked store, for the commands that read a running gateway with `--from`:
/// its admin listener `admin` when the config names it, else a placeholder.
pub(super) fn from(admin: Option<SocketAddr>) -> String {
    format!(
        "read a running gateway with --from {}, or stop it first",
        AdminUrl(admin)
    )
}

/// `error` of opening a store, for the CLI: a lock held by another process followed by
/// `remedy`, what this command can do instead (read through `--from`, store elsewhere); any
/// other error as it is.
pub(crate) fn store_error(error: StoreError, remedy: &str) -> anyhow::Error {
    if error.is_locked() {
        anyhow!("{error}; {remedy}")
    } else {
        anyhow::Error::new(error)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::Path;

    use super::*;

    fn args(store: Option<&Path>, config: Option<&Path>) -> SourceArgs {
        SourceArgs {
            store: store.map(Path::to_path_buf),
            config: config.map(Path::to_path_buf),
            from: None,
            token_env: None,
        }
    }

    fn refusal(args: &SourceArgs) -> String {
        match Source::open(args) {
            Ok(_) => panic!("a locked store was opened"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn a_locked_store_names_the_admin_address_of_the_config_when_it_has_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        std::fs::create_dir(&store).unwrap();
        let admin = "\n[listeners.admin]\naddress = \"127.0.0.1:9190\"\n";
        let with_admin = config::tests::config(dir.path(), &[], admin);
        // Held as a running gateway holds it.
        let _running = Reader::open(&store).unwrap();

        let error = refusal(&args(None, Some(&with_admin)));
        // The path quoted: a store directory named `store` reads as one.
        assert_eq!(
            error,
            format!(
                "store {store:?} is locked: another process (a running gateway?) holds it; read \
                 a running gateway with --from http://127.0.0.1:9190, or stop it first"
            )
        );
        // --store with the config: the config still says where its gateway listens.
        let error = refusal(&args(Some(&store), Some(&with_admin)));
        assert!(error.contains("--from http://127.0.0.1:9190,"), "{error}");

        // Unknown: no config, or one without an admin listener.
        let error = refusal(&args(Some(&store), None));
        assert!(error.contains("--from http://ADMIN_ADDRESS,"), "{error}");
        let without_admin = config::tests::config(dir.path(), &[], "");
        let error = refusal(&args(None, Some(&without_admin)));
        assert!(error.contains("--from http://ADMIN_ADDRESS,"), "{error}");
    }

    /// A fleet's config read on a host without its gateway's directory says where to run the
    /// command, or what to ask a running gateway instead.
    #[test]
    fn a_fleets_directory_missing_here_names_the_gateways_host_and_the_admin_api() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("store");
        let config = StoreConfig {
            path: missing.clone(),
            backend: BackendKind::Postgres,
            ..StoreConfig::default()
        };
        let admin = Some(SocketAddr::from(([127, 0, 0, 1], 9190)));
        let refusal = |remedy: &Remedy| match open_own(&config, admin, None, remedy) {
            Ok(_) => panic!("a missing directory was opened"),
            Err(error) => error.to_string(),
        };
        assert_eq!(
            refusal(&Remedy::from(admin)),
            format!(
                "no store at {}: the directory does not exist; run it on the gateway's host \
                 (where its [store] path is), or read a running gateway with --from \
                 http://127.0.0.1:9190",
                missing.display()
            )
        );
        assert_eq!(
            refusal(&Remedy::replay(admin)),
            format!(
                "no store at {}: the directory does not exist; run it on the gateway's host \
                 (where its [store] path is), or start the run on a running gateway with POST \
                 http://127.0.0.1:9190/api/v1/replays",
                missing.display()
            )
        );
        // --store names a directory itself: it is missing, nothing more.
        let error = match open_own(&config, admin, Some(&missing), &Remedy::from(admin)) {
            Ok(_) => panic!("a missing directory was opened"),
            Err(error) => error.to_string(),
        };
        assert!(error.ends_with("the directory does not exist"), "{error}");
    }
}
