//! Why a triage change or an audit read failed.

use thiserror::Error;

use super::state::{TriageState, UnknownState};
use crate::store::StoreError;

/// A triage change that was refused or could not be stored, with the group it was about (a
/// read of a strategy's groups or of the audit trail says so instead).
#[derive(Debug, Error)]
#[error("{}: {kind}", subject(.strategy, .signature))]
pub struct TriageError {
    /// Strategy name (`*`: the audit trail, not a strategy's).
    pub strategy: String,
    /// Grouping signature (`*`: every group of the strategy).
    pub signature: String,
    /// What went wrong (boxed: store errors are large, and this travels in every `Result`).
    pub kind: Box<TriageErrorKind>,
}

/// What an error is about, for people: `group loan/3cc4d5940b0b32de`, `groups of loan` (a read
/// of a strategy's groups), `audit trail` (a read of the whole trail).
fn subject(strategy: &str, signature: &str) -> String {
    match (strategy, signature) {
        ("*", "*") => "audit trail".to_owned(),
        (strategy, "*") => format!("groups of {strategy}"),
        (strategy, signature) => format!("group {strategy}/{signature}"),
    }
}

/// ` (set by lee at 2026-12-03T10:00:00.000000Z)`: who made the change a state was set by, and
/// when (RFC 3339 UTC); nothing for a group never triaged.
fn set_by(last: &Option<(String, String)>) -> String {
    match last {
        Some((by, at)) => format!(" (set by {by} at {at})"),
        None => String::new(),
    }
}

/// `, assignee "kim.j", link "…"` for the fields a change sent that change nothing.
fn also(sent: &[String]) -> String {
    sent.iter().map(|field| format!(", {field}")).collect()
}

/// What went wrong with a triage change.
#[derive(Debug, Error)]
pub enum TriageErrorKind {
    /// The strategy is neither counted by the store nor configured (a misspelt name).
    #[error("{0}")]
    UnknownStrategy(crate::review::UnknownStrategy),
    /// No mismatch group has this strategy and signature.
    #[error("expected a mismatch group of the store, found none")]
    NoSuchGroup,
    /// The change sets nothing the group does not have already (no state, assignee, note, link
    /// or rule, or only the ones it has): nothing to audit. Names the group's state and every
    /// other field the change sent, each as the group has it already.
    #[error(
        "expected something to change (state, assignee, note, link or rule), found nothing the \
         group does not have already (state {state}{})",
        also(.sent)
    )]
    NoChange {
        /// The group's state, unchanged.
        state: TriageState,
        /// The other fields the change sent, unchanged: `assignee "kim.j"`, `link "…"`.
        sent: Vec<String>,
    },
    /// The change does not say who makes it.
    #[error("by: expected the name of who makes the change, found nothing")]
    NoName,
    /// The change names two people: `by` and a different `who` (`by`'s deprecated name).
    #[error(
        "by and who: expected one name (who is the deprecated name of by), found by {by:?} and who {who:?}"
    )]
    TwoNames {
        /// The name given as `by`.
        by: String,
        /// The name given as `who`.
        who: String,
    },
    /// The state asked for is none of [`TriageState::ALL`] (blank included): nothing is applied.
    #[error("state: {0}")]
    UnknownState(#[from] UnknownState),
    /// `accepted_difference` without a rule.
    #[error("rule: expected the rule that covers an accepted difference, found nothing")]
    RuleRequired,
    /// `accepted_difference` naming a rule the strategy does not have.
    #[error("expected a rule of the strategy ({known}), found {found:?}")]
    UnknownRule {
        /// The rule as given.
        found: String,
        /// The strategy's rules, comma-separated.
        known: String,
    },
    /// `accepted_difference` naming a rule that reaches none of the group's differing fields.
    #[error("expected a rule that covers one of the group's differing fields ({fields}), found {rule:?}, which covers none")]
    RuleDoesNotCover {
        /// The rule as given.
        rule: String,
        /// The group's differing fields, comma-separated.
        fields: String,
    },
    /// `verified` before a fix was deployed. Names who set the current state and when: a
    /// state someone else changed a moment ago otherwise reads as a mistake of one's own.
    #[error("expected state fix_deployed before verified, found {from}{}", set_by(.last))]
    NotDeployed {
        /// The current state.
        from: TriageState,
        /// Who made the last change and when (RFC 3339 UTC); `None` for a group never triaged.
        last: Option<(String, String)>,
    },
    /// The value a change was computed from is no longer the stored one: another change (a
    /// person on another gateway, or the group reopening by itself) was stored meanwhile.
    #[error("changed meanwhile by {by} at {at}; read it again")]
    ChangedMeanwhile {
        /// Who stored the newer value.
        by: String,
        /// When, RFC 3339 UTC.
        at: String,
    },
    /// The change says it was made from a triage (a non-zero
    /// [`super::Change::seen_updated_micros`]) of a group never triaged: no client read one.
    #[error(
        "seen_updated_micros: expected 0 (the group was never triaged), found {seen}; read it \
         again"
    )]
    NeverTriaged {
        /// The value the change sent.
        seen: u64,
    },
    /// The change says which triage it was made from ([`super::Change::seen_updated_micros`])
    /// and the stored one changed since: applying it would undo that change unseen.
    #[error("changed since you read it: by {by} at {at}, now {state}; read it again")]
    ChangedSinceRead {
        /// Who made the stored change.
        by: String,
        /// When, RFC 3339 UTC.
        at: String,
        /// The state it is in now.
        state: TriageState,
    },
    /// The store could not be read or written.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A fleet's database, where its triage and audit trail are kept, could not be written.
    #[error(
        "cannot write to the fleet store at {url}, which keeps the fleet's triage and audit \
         trail: {operation}: {source}; nothing was changed, try again when it is back"
    )]
    FleetWrite {
        /// `store.postgres.url` (it never holds a password).
        url: String,
        /// What was being written.
        operation: String,
        /// The client's or the server's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// sled failed.
    #[error("store tree {tree}: {source}")]
    Sled {
        /// Which tree.
        tree: &'static str,
        /// sled's error.
        source: sled::Error,
    },
    /// A stored value does not decode.
    #[error("store tree {tree}: value does not decode: {source}")]
    Decode {
        /// Which tree.
        tree: &'static str,
        /// serde's error.
        source: serde_json::Error,
    },
}

impl TriageErrorKind {
    /// Whether this is a store that cannot be read or written now.
    pub fn is_unavailable(&self) -> bool {
        match self {
            TriageErrorKind::Store(error) => error.is_unavailable(),
            TriageErrorKind::FleetWrite { .. } => true,
            _ => false,
        }
    }

    /// The failure of a write to a fleet's database as such ([`TriageErrorKind::FleetWrite`]);
    /// anything else as it is.
    pub(crate) fn written(error: StoreError) -> Self {
        match error {
            StoreError::Fleet {
                url,
                operation,
                source,
            } => TriageErrorKind::FleetWrite {
                url,
                operation,
                source,
            },
            error => TriageErrorKind::Store(error),
        }
    }
}

impl TriageError {
    /// An error about the group of `strategy` and `signature`.
    pub fn new(strategy: &str, signature: &str, kind: TriageErrorKind) -> Self {
        Self {
            strategy: strategy.to_owned(),
            signature: signature.to_owned(),
            kind: Box::new(kind),
        }
    }

    /// Whether the strategy named is unknown ([`TriageErrorKind::UnknownStrategy`]).
    pub fn is_unknown_strategy(&self) -> bool {
        matches!(*self.kind, TriageErrorKind::UnknownStrategy(_))
    }

    /// The error of a read of a strategy's groups ([`super::TriageBook::list`]) for people: an
    /// unknown strategy said alone, as the other reads filtered by strategy say it (no group
    /// was named), anything else with its group.
    pub fn list_text(&self) -> String {
        match self.is_unknown_strategy() {
            true => self.kind.to_string(),
            false => self.to_string(),
        }
    }

    /// Whether the store cannot be read or written now ([`StoreError::is_unavailable`]): a
    /// temporary state, not a fault.
    pub fn is_unavailable(&self) -> bool {
        self.kind.is_unavailable()
    }

    /// Whether the change was refused (a client's mistake, or a value changed meanwhile)
    /// rather than failed in the store.
    pub fn is_refused(&self) -> bool {
        !matches!(
            *self.kind,
            TriageErrorKind::Store(_)
                | TriageErrorKind::FleetWrite { .. }
                | TriageErrorKind::Sled { .. }
                | TriageErrorKind::Decode { .. }
        )
    }

    /// Whether the change was computed from a value another change replaced meanwhile
    /// ([`TriageErrorKind::ChangedMeanwhile`]) or since the one it says it was made from
    /// ([`TriageErrorKind::ChangedSinceRead`]): read it again.
    pub fn is_conflict(&self) -> bool {
        matches!(
            *self.kind,
            TriageErrorKind::ChangedMeanwhile { .. } | TriageErrorKind::ChangedSinceRead { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_names_its_group_or_the_strategys_groups_or_the_audit_trail() {
        let kind = || TriageErrorKind::NoSuchGroup;
        let said = |strategy, signature| TriageError::new(strategy, signature, kind()).to_string();
        assert_eq!(
            said("loan-screening", "3cc4d5940b0b32de"),
            "group loan-screening/3cc4d5940b0b32de: expected a mismatch group of the store, \
             found none"
        );
        assert!(said("loan-screening", "*").starts_with("groups of loan-screening: expected"));
        assert!(said("*", "*").starts_with("audit trail: expected"));
    }

    #[test]
    fn verified_before_deployed_names_who_set_the_state_and_when() {
        let refused = |last| TriageErrorKind::NotDeployed {
            from: TriageState::Investigating,
            last,
        };
        let by_choi = Some((
            "choi.m".to_owned(),
            "2026-12-03T10:00:00.000000Z".to_owned(),
        ));
        assert_eq!(
            refused(by_choi).to_string(),
            "expected state fix_deployed before verified, found investigating (set by choi.m at \
             2026-12-03T10:00:00.000000Z)"
        );
        assert_eq!(
            refused(None).to_string(),
            "expected state fix_deployed before verified, found investigating"
        );
    }
}
