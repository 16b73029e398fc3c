//! [`TriageBook`]: triage and the audit trail in the store, joined with the mismatch groups.

use serde::{Deserialize, Serialize};

use super::audit::AuditEntry;
use super::error::{TriageError, TriageErrorKind};
use super::ledger::{Beside, Entry, TriageLedger};
use super::state::{Change, Triage, TriageState};
use crate::review::unknown_strategy;
use crate::store::{format_micros, Group, Reader, StoreError};

/// Tree of triage values, keyed like groups ([`Group::key`]).
const TRIAGE_TREE: &str = "triage";
/// Who the automatic reopening is attributed to.
pub const AUTOMATIC: &str = "shadowgate";
/// How many times a group's reopening reads its triage again when a change was stored
/// meanwhile (by a person, or by another gateway reopening it too).
const REOPEN_ATTEMPTS: usize = 3;

/// A group with its triage (state `new` when nobody has triaged it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupTriage {
    /// The mismatch group.
    pub group: Group,
    /// Its triage.
    pub triage: Triage,
}

/// Reads and changes triage in a store.
#[derive(Debug, Clone)]
pub struct TriageBook {
    reader: Reader,
    /// The configured strategies when a misspelt strategy name is to be refused
    /// ([`TriageBook::refusing_unknown`]); `None`: not checked.
    configured: Option<Vec<String>>,
}

type Result<T> = std::result::Result<T, TriageError>;

impl TriageBook {
    /// The triage of the store `reader` reads.
    pub fn new(reader: Reader) -> Self {
        Self {
            reader,
            configured: None,
        }
    }

    /// Refuses, in [`TriageBook::list`], [`TriageBook::show`] and [`TriageBook::set`], a
    /// strategy the store has never counted that is not one of `configured` either (a misspelt
    /// name, which would otherwise read as a strategy without groups); `configured` is empty
    /// when no config is known.
    pub fn refusing_unknown<'a>(mut self, configured: impl IntoIterator<Item = &'a str>) -> Self {
        self.configured = Some(configured.into_iter().map(str::to_owned).collect());
        self
    }

    /// Refused with [`TriageErrorKind::UnknownStrategy`] when `strategy` is not known and the
    /// book refuses unknown strategies.
    fn check_strategy(&self, strategy: &str, signature: &str) -> Result<()> {
        let Some(configured) = &self.configured else {
            return Ok(());
        };
        let fail = |kind| TriageError::new(strategy, signature, kind);
        match unknown_strategy(
            &self.reader,
            configured.iter().map(String::as_str),
            strategy,
        ) {
            Ok(None) => Ok(()),
            Ok(Some(unknown)) => Err(fail(TriageErrorKind::UnknownStrategy(unknown))),
            Err(error) => Err(fail(TriageErrorKind::Store(error))),
        }
    }

    /// The groups of `strategy` with their triage, most frequent first. A verified or accepted
    /// group that grew since is reopened first (and the reopening audited).
    pub fn list(&self, strategy: &str, now_micros: u64) -> Result<Vec<GroupTriage>> {
        self.check_strategy(strategy, "*")?;
        let fail = |kind| TriageError::new(strategy, "*", kind);
        let groups = self
            .reader
            .groups(strategy)
            .map_err(|e| fail(TriageErrorKind::Store(e)))?;
        groups
            .into_iter()
            .map(|group| {
                let (triage, _) = self.current(&group, now_micros)?;
                Ok(GroupTriage { group, triage })
            })
            .collect()
    }

    /// One group with its triage and its audit entries, oldest first.
    pub fn show(
        &self,
        strategy: &str,
        signature: &str,
        now_micros: u64,
    ) -> Result<Option<(GroupTriage, Vec<AuditEntry>)>> {
        self.check_strategy(strategy, signature)?;
        let Some(group) = self.group(strategy, signature)? else {
            return Ok(None);
        };
        let (triage, _) = self.current(&group, now_micros)?;
        let subject = subject(strategy, signature);
        let entries = self
            .audit()?
            .into_iter()
            .filter(|e| e.subject == subject)
            .collect();
        Ok(Some((GroupTriage { group, triage }, entries)))
    }

    /// Applies `change`; `rules` are the strategy's rules (`ignore body.note`) when known, which
    /// an `accepted_difference` must name one of. A fleet's database that cannot be read or
    /// written fails the change as a write ([`TriageErrorKind::FleetWrite`]): the change is not
    /// made, and the error says the fleet's triage is kept there. A change that says which
    /// triage it was made from ([`Change::seen_updated_micros`]) is refused when the stored one
    /// changed since ([`TriageErrorKind::ChangedSinceRead`]).
    pub fn set(
        &self,
        change: &Change,
        rules: Option<&[String]>,
        now_micros: u64,
    ) -> Result<Triage> {
        self.apply(change, rules, now_micros)
            .map_err(|error| match *error.kind {
                TriageErrorKind::Store(store @ StoreError::Fleet { .. }) => TriageError {
                    kind: Box::new(TriageErrorKind::written(store)),
                    ..error
                },
                _ => error,
            })
    }

    /// [`TriageBook::set`], its errors as they come.
    fn apply(&self, change: &Change, rules: Option<&[String]>, now_micros: u64) -> Result<Triage> {
        let fail = |kind| TriageError::new(&change.strategy, &change.signature, kind);
        let by = change.by.trim();
        if by.is_empty() {
            return Err(fail(TriageErrorKind::NoName));
        }
        self.check_strategy(&change.strategy, &change.signature)?;
        let Some(group) = self.group(&change.strategy, &change.signature)? else {
            return Err(fail(TriageErrorKind::NoSuchGroup));
        };
        let (current, read) = self.current(&group, now_micros)?;
        if let Some(stale) = changed_since_read(change, &current) {
            return Err(fail(stale));
        }
        let to = change.state.unwrap_or(current.state);
        let rule = text(&change.rule).or_else(|| current.rule.clone());
        if to == TriageState::AcceptedDifference {
            let Some(rule) = &rule else {
                return Err(fail(TriageErrorKind::RuleRequired));
            };
            if let Some(rules) = rules.filter(|rules| !rules.contains(rule)) {
                return Err(fail(TriageErrorKind::UnknownRule {
                    found: rule.clone(),
                    known: rules.join(", "),
                }));
            }
            if !covers_some(rule, &group.differing_paths) {
                return Err(fail(TriageErrorKind::RuleDoesNotCover {
                    rule: rule.clone(),
                    fields: group.differing_paths.join(", "),
                }));
            }
        }
        if to == TriageState::Verified
            && !matches!(
                current.state,
                TriageState::FixDeployed | TriageState::Verified
            )
        {
            return Err(fail(TriageErrorKind::NotDeployed {
                from: current.state,
                last: last_change(&current),
            }));
        }
        let next = Triage {
            state: to,
            assignee: text(&change.assignee).or(current.assignee.clone()),
            note: text(&change.note).or(current.note.clone()),
            link: text(&change.link).or(current.link.clone()),
            rule: rule.filter(|_| to == TriageState::AcceptedDifference),
            verified_count: (to == TriageState::Verified).then_some(group.count),
            accepted_count: (to == TriageState::AcceptedDifference).then_some(group.count),
            reopened: current.reopened && to == current.state,
            reopened_from: current.reopened_from.filter(|_| to == current.state),
            updated_by: by.to_owned(),
            updated_micros: now_micros,
            ..current.clone()
        };
        if unchanged(&current, &next) && text(&change.note).is_none() {
            return Err(fail(TriageErrorKind::NoChange {
                state: current.state,
                sent: sent_unchanged(change),
            }));
        }
        let note = describe(change);
        let (triage, _) = self.record((&current, read), next, by, note, now_micros)?;
        Ok(triage)
    }

    /// The store's database (tests edit it behind the book's back).
    #[cfg(test)]
    pub(super) fn db(&self) -> std::result::Result<sled::Db, crate::store::StoreError> {
        self.reader.db()
    }

    /// The whole audit trail, oldest first.
    pub fn audit(&self) -> Result<Vec<AuditEntry>> {
        let fail = |kind| TriageError::new("*", "*", kind);
        let ledger = TriageLedger::of(&self.reader).map_err(|e| fail(e.into()))?;
        ledger.entries().map_err(fail)
    }

    /// The group of `strategy` with `signature`, if it has records.
    pub(super) fn group(&self, strategy: &str, signature: &str) -> Result<Option<Group>> {
        let groups = self
            .reader
            .groups(strategy)
            .map_err(|e| TriageError::new(strategy, signature, e.into()))?;
        Ok(groups.into_iter().find(|g| g.signature == signature))
    }

    /// The stored triage of `group` (`new` when none) with the stored value it was read from,
    /// reopened when it grew after `verified` or `accepted_difference`.
    pub(super) fn current(
        &self,
        group: &Group,
        now_micros: u64,
    ) -> Result<(Triage, Option<Vec<u8>>)> {
        let mut attempt = 1;
        loop {
            match self.reopened(group, now_micros) {
                Err(error) if error.is_conflict() && attempt < REOPEN_ATTEMPTS => attempt += 1,
                done => return done,
            }
        }
    }

    /// One read of [`TriageBook::current`]: a change stored meanwhile fails its reopening.
    fn reopened(&self, group: &Group, now_micros: u64) -> Result<(Triage, Option<Vec<u8>>)> {
        let fail = |kind| TriageError::new(&group.strategy, &group.signature, kind);
        let ledger = TriageLedger::of(&self.reader).map_err(|e| fail(e.into()))?;
        let key = Group::key(&group.strategy, &group.signature);
        let read = ledger.value(TRIAGE_TREE, &key).map_err(fail)?;
        let triage = match &read {
            Some(value) => serde_json::from_slice::<Triage>(value).map_err(|source| {
                fail(TriageErrorKind::Decode {
                    tree: TRIAGE_TREE,
                    source,
                })
            })?,
            None => Triage {
                strategy: group.strategy.clone(),
                signature: group.signature.clone(),
                ..Triage::default()
            },
        };
        match triage.settled_count() {
            Some(settled) if group.count > settled => {
                let note = reopening_note(&triage, group.count - settled);
                let next = Triage {
                    state: TriageState::New,
                    reopened: true,
                    reopened_from: Some(triage.state),
                    verified_count: None,
                    accepted_count: None,
                    // Accepting it again names a rule that applies today; the note keeps this one.
                    rule: None,
                    updated_by: AUTOMATIC.to_owned(),
                    updated_micros: now_micros,
                    ..triage.clone()
                };
                self.record((&triage, read), next, AUTOMATIC, Some(note), now_micros)
            }
            _ => Ok((triage, read)),
        }
    }

    /// Stores `next` and appends its audit entry, in one transaction, durably, unless the stored
    /// value is no longer `current`'s (read as its bytes); `next` and the value stored.
    pub(super) fn record(
        &self,
        current: (&Triage, Option<Vec<u8>>),
        next: Triage,
        by: &str,
        note: Option<String>,
        now_micros: u64,
    ) -> Result<(Triage, Option<Vec<u8>>)> {
        let fail = |kind| TriageError::new(&next.strategy, &next.signature, kind);
        let ledger = TriageLedger::of(&self.reader).map_err(|e| fail(e.into()))?;
        let (current, read) = current;
        let entry = Entry {
            by: by.to_owned(),
            action: "triage".to_owned(),
            subject: subject(&next.strategy, &next.signature),
            from: Some(current.state.to_string()),
            to: Some(next.state.to_string()),
            note,
            evidence: None,
        };
        // A plain struct of strings and numbers: serialising it cannot fail.
        let value = serde_json::to_vec(&next).unwrap_or_default();
        let beside = Beside {
            tree: TRIAGE_TREE,
            key: Group::key(&next.strategy, &next.signature),
            value: value.clone(),
            read,
        };
        ledger
            .append(entry, Some(beside), now_micros)
            .map_err(fail)?;
        Ok((next, Some(value)))
    }
}

/// `strategy/signature`, the audit subject of a group.
fn subject(strategy: &str, signature: &str) -> String {
    format!("{strategy}/{signature}")
}

/// Whether `rule` as reports name it (`ignore body.note`: kind, space, pattern) reaches one of
/// `fields` (a group of a shadow error has none: nothing to cover, nothing to refuse).
fn covers_some(rule: &str, fields: &[String]) -> bool {
    let pattern = rule.split_once(' ').map_or(rule, |(_, pattern)| pattern);
    fields.is_empty()
        || fields
            .iter()
            .any(|field| comparator::covers(pattern, field))
}

/// The audit note of a group that reopened by itself after `grown` new mismatches.
fn reopening_note(settled: &Triage, grown: u64) -> String {
    let noun = if grown == 1 { "mismatch" } else { "mismatches" };
    let since = match (settled.state, &settled.rule) {
        (TriageState::AcceptedDifference, Some(rule)) => format!("accepted under rule `{rule}`"),
        (TriageState::AcceptedDifference, None) => "accepted".to_owned(),
        _ => "verified".to_owned(),
    };
    format!("reopened by itself: {grown} new {noun} since {since}")
}

/// The refusal of a change made from another triage than `current` (the one stored now, after
/// any reopening), when it says which one it was made from: applied, it would undo the changes
/// since unseen. Only refused here, before anything is computed; one stored after this read is
/// refused by the ledger ([`TriageErrorKind::ChangedMeanwhile`]).
fn changed_since_read(change: &Change, current: &Triage) -> Option<TriageErrorKind> {
    let seen = change.seen_updated_micros?;
    if seen == current.updated_micros {
        return None;
    }
    // A group never triaged has no change to name: only a client's invented value gets here.
    let Some((by, at)) = last_change(current) else {
        return Some(TriageErrorKind::NeverTriaged { seen });
    };
    Some(TriageErrorKind::ChangedSinceRead {
        by,
        at,
        state: current.state,
    })
}

/// Who made the change `current` was stored by and when (RFC 3339 UTC); `None` for a group
/// never triaged.
fn last_change(current: &Triage) -> Option<(String, String)> {
    (!current.updated_by.is_empty()).then(|| {
        (
            current.updated_by.clone(),
            format_micros(current.updated_micros),
        )
    })
}

/// Whether `next` keeps every field of `current` a change can set (a note is always new: it is
/// the audit entry's own).
fn unchanged(current: &Triage, next: &Triage) -> bool {
    current.state == next.state
        && current.assignee == next.assignee
        && current.link == next.link
        && current.rule == next.rule
}

/// The fields other than the state that `change` sent, for a refusal of a change that changes
/// nothing: each is what the group has already (`assignee "kim.j"`); a blank one was not sent.
fn sent_unchanged(change: &Change) -> Vec<String> {
    [
        ("assignee", &change.assignee),
        ("link", &change.link),
        ("rule", &change.rule),
    ]
    .into_iter()
    .filter_map(|(name, value)| text(value).map(|value| format!("{name} {value:?}")))
    .collect()
}

/// A trimmed, non-empty text.
fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The audit note of a change: its note, and what else it set.
fn describe(change: &Change) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(note) = text(&change.note) {
        parts.push(note);
    }
    for (name, value) in [
        ("assignee", &change.assignee),
        ("link", &change.link),
        ("rule", &change.rule),
    ] {
        if let Some(value) = text(value) {
            parts.push(format!("{name}: {value}"));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_new_mismatch_is_singular_in_every_reopening_note() {
        let settled = |state, rule: Option<&str>| Triage {
            state,
            rule: rule.map(str::to_owned),
            ..Triage::default()
        };
        let verified = settled(TriageState::Verified, None);
        let accepted = settled(TriageState::AcceptedDifference, None);
        let ruled = settled(TriageState::AcceptedDifference, Some("ignore body.note"));
        assert_eq!(
            [&verified, &accepted, &ruled].map(|t| reopening_note(t, 1)),
            [
                "reopened by itself: 1 new mismatch since verified",
                "reopened by itself: 1 new mismatch since accepted",
                "reopened by itself: 1 new mismatch since accepted under rule `ignore body.note`",
            ]
        );
        assert_eq!(
            reopening_note(&verified, 2),
            "reopened by itself: 2 new mismatches since verified"
        );
    }
}
