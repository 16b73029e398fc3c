//! Where the triage is read and changed: a stopped gateway's store, or a running gateway.

use std::path::PathBuf;

use anyhow::bail;

use crate::cli::remote::Remote;
use crate::cli::review::SourceArgs;
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
        let (path, policies, view, admin) = match (&args.store, &args.config) {
            (store, Some(file)) => {
                let config = config::load_without_secrets(file)?;
                let path = store.clone().unwrap_or_else(|| config.store.path.clone());
                let admin = crate::cli::source::admin_address(&config);
                (path, policies(&config), config.review.clone(), admin)
            }
            (Some(store), None) => (store.clone(), Policies::new(), ReviewView::default(), None),
            (None, None) => bail!("say where: --store DIR, --config FILE or --from URL"),
        };
        let remedy = crate::cli::source::from(admin);
        let reader =
            Reader::open(&path).map_err(|e| crate::cli::source::store_error(e, &remedy))?;
        let book = TriageBook::new(reader).refusing_unknown(policies.keys().map(String::as_str));
        Ok(Self::Local(book, policies, view, path))
    }
}
