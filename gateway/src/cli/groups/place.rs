//! Where the triage is read and changed: a stopped gateway's store, or a running gateway.
//!
//! Triage states and the audit trail are each gateway's own, in its directory; with a fleet's
//! config (`backend = "postgres"`) the groups they triage are the fleet's, as `report` shows them.

use std::path::PathBuf;

use anyhow::bail;

use crate::cli::remote::Remote;
use crate::cli::review::SourceArgs;
use crate::cli::source;
use crate::config;
use crate::review::{policies, Policies, ReviewView};
use crate::store::Reader;
use crate::triage::TriageBook;

/// Where the triage is: a store in this process (with how its config shows times), or a running
/// gateway.
pub(super) enum Where {
    /// The store, its policies and zone, and the store's directory.
    Local(TriageBook, Policies, ReviewView, PathBuf),
    Remote(Box<Remote>),
}

impl Where {
    /// Where the audit trail is, for people: the store's directory or the gateway's route.
    pub(super) fn place(&self) -> String {
        match self {
            Self::Local(_, _, _, path) => format!("store {}", path.display()),
            Self::Remote(remote) => format!("{}/api/v1/audit", remote.label()),
        }
    }

    /// How times are shown, as the review commands show them ([`crate::cli::source::Source::view`]):
    /// the config's `[review] time_zone`, the zone a running gateway reports (`time_zone` of
    /// `/api/v1/daily`; UTC from a gateway that does not say), or UTC for a bare store.
    pub(super) fn view(&self) -> ReviewView {
        match self {
            Self::Local(_, _, view, _) => view.clone(),
            Self::Remote(remote) => remote.view_or_utc(),
        }
    }

    pub(super) fn open(args: &SourceArgs) -> anyhow::Result<Self> {
        if let Some(url) = &args.from {
            let remote = Remote::with_token_env(url, args.token_env.as_deref())?;
            return Ok(Self::Remote(Box::new(remote)));
        }
        let (reader, path, policies, view) = match (&args.store, &args.config) {
            (store, Some(file)) => {
                let config = config::load_without_secrets(file)?;
                let admin = source::admin_address(&config);
                let remedy = source::Remedy::from(admin);
                let (reader, path) =
                    source::open_own(&config.store, admin, store.as_deref(), &remedy)?;
                (reader, path, policies(&config), config.review.clone())
            }
            (Some(store), None) => {
                let reader =
                    Reader::open(store).map_err(|e| source::store_error(e, &source::from(None)))?;
                let view = ReviewView::default();
                (reader, store.clone(), Policies::new(), view)
            }
            (None, None) => bail!("say where: --store DIR, --config FILE or --from URL"),
        };
        let book = TriageBook::new(reader).refusing_unknown(policies.keys().map(String::as_str));
        Ok(Self::Local(book, policies, view, path))
    }
}
