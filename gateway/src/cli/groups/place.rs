//! Where the triage is read and changed: a stopped gateway's store, or a running gateway.
//!
//! Triage states and the audit trail are a gateway's own, in its directory; with a fleet's
//! config (`backend = "postgres"`) they are the fleet's, in its database, as are the groups they
//! triage ([`source::open_triage`]).

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
    /// The store, its policies and zone, and where the store is (`store DIR`, `the fleet store
    /// at URL`).
    Local(TriageBook, Policies, ReviewView, String),
    Remote(Box<Remote>),
}

impl Where {
    /// Where the audit trail is, for people: the store or the gateway's route.
    pub(super) fn place(&self) -> String {
        match self {
            Self::Local(_, _, _, place) => place.clone(),
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
        let (reader, place, policies, view) = match (&args.store, &args.config) {
            (store, Some(file)) => {
                let config = config::load_without_secrets(file)?;
                let admin = source::admin_address(&config);
                let remedy = source::Remedy::from(admin);
                let (reader, place) =
                    source::open_triage(&config.store, admin, store.as_deref(), &remedy)?;
                (reader, place, policies(&config), config.review.clone())
            }
            (Some(store), None) => {
                let reader =
                    Reader::open(store).map_err(|e| source::store_error(e, &source::from(None)))?;
                let view = ReviewView::default();
                let place = format!("store {}", store.display());
                (reader, place, Policies::new(), view)
            }
            (None, None) => bail!("say where: --store DIR, --config FILE or --from URL"),
        };
        let book = TriageBook::new(reader).refusing_unknown(policies.keys().map(String::as_str));
        Ok(Self::Local(book, policies, view, place))
    }
}
