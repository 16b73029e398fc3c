//! Triage states and the triage of one group.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Where a mismatch group stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriageState {
    /// Nobody has looked at it yet (or it reopened).
    #[default]
    New,
    /// Someone is finding the cause.
    Investigating,
    /// A fix of the new engine is deployed; the group must stop growing.
    FixDeployed,
    /// The fix is confirmed; new mismatches of the group reopen it.
    Verified,
    /// A known, accepted difference, covered by a comparison rule that the change names.
    AcceptedDifference,
    /// Not a defect of the new engine.
    NotADefect,
}

impl TriageState {
    /// Every state, in workflow order.
    pub const ALL: [TriageState; 6] = [
        Self::New,
        Self::Investigating,
        Self::FixDeployed,
        Self::Verified,
        Self::AcceptedDifference,
        Self::NotADefect,
    ];

    /// The name used in the CLI, the API and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Investigating => "investigating",
            Self::FixDeployed => "fix_deployed",
            Self::Verified => "verified",
            Self::AcceptedDifference => "accepted_difference",
            Self::NotADefect => "not_a_defect",
        }
    }

    /// Every state's name, in workflow order, comma-separated (`new, investigating, …`).
    pub fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }

    /// Whether the group still needs work before cutover.
    pub fn is_open(self) -> bool {
        matches!(self, Self::New | Self::Investigating | Self::FixDeployed)
    }
}

impl fmt::Display for TriageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no triage state (blank included).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("expected one of {}, found {}", TriageState::names(), shown(.found))]
pub struct UnknownState {
    /// The text as given.
    pub found: String,
}

/// `found` as an error message shows it: quoted, or `nothing` when blank.
fn shown(found: &str) -> String {
    if found.trim().is_empty() {
        "nothing".to_owned()
    } else {
        format!("{found:?}")
    }
}

impl FromStr for TriageState {
    type Err = UnknownState;

    /// A state by name, as the CLI, the API and the page's form spell it: `fix_deployed`,
    /// `fix-deployed` or `fix deployed`, surrounding spaces ignored.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().replace([' ', '-'], "_");
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == wanted)
            .ok_or_else(|| UnknownState {
                found: text.to_owned(),
            })
    }
}

/// The triage of one group, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    /// Strategy name.
    pub strategy: String,
    /// Grouping signature.
    pub signature: String,
    /// Current state.
    pub state: TriageState,
    /// Who works on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// The latest note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A link to the ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The rule that covers an accepted difference (`ignore body.note`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The group's count when it was verified: more than this reopens it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_count: Option<u64>,
    /// The group's count when it was accepted as a difference: more than this (its rule expired
    /// or was edited, so the difference is compared again) reopens it. Absent in values stored
    /// before accepted differences reopened: those never reopen by themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_count: Option<u64>,
    /// Set when the group reopened by itself after `verified` or `accepted_difference`.
    #[serde(default)]
    pub reopened: bool,
    /// The state the group reopened from (absent in values stored before accepted differences
    /// reopened, when only `verified` did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopened_from: Option<TriageState>,
    /// Who made the last change.
    pub updated_by: String,
    /// When, microseconds since the epoch.
    pub updated_micros: u64,
}

impl Triage {
    /// The group's count when it was settled (`verified`, or `accepted_difference` under a
    /// rule), if it is: a group that grows past it reopens.
    pub fn settled_count(&self) -> Option<u64> {
        match self.state {
            TriageState::Verified => self.verified_count,
            TriageState::AcceptedDifference => self.accepted_count,
            _ => None,
        }
    }

    /// The state the group reopened by itself from, if it did (`verified` for values stored
    /// before accepted differences reopened).
    pub fn reopened_after(&self) -> Option<TriageState> {
        self.reopened
            .then(|| self.reopened_from.unwrap_or(TriageState::Verified))
    }
}

/// A change someone asks for; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Strategy name.
    pub strategy: String,
    /// Grouping signature.
    pub signature: String,
    /// Who asks (a name; token holders are trusted operators).
    pub by: String,
    /// The new state.
    #[serde(default)]
    pub state: Option<TriageState>,
    /// The new assignee.
    #[serde(default)]
    pub assignee: Option<String>,
    /// A note, kept in the audit trail.
    #[serde(default)]
    pub note: Option<String>,
    /// A link to the ticket.
    #[serde(default)]
    pub link: Option<String>,
    /// For `accepted_difference`: the rule that covers the difference (`ignore body.note`).
    #[serde(default)]
    pub rule: Option<String>,
    /// The group's [`Triage::updated_micros`] as whoever asks last read it (the page's form
    /// always sends it): a triage changed since is refused
    /// ([`super::TriageErrorKind::ChangedSinceRead`]) rather than overwritten from a stale view.
    /// `None`: not checked (the CLI, scripts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_updated_micros: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_stored_before_accepted_differences_reopened_still_reads() {
        let stored = r#"{"strategy":"loan","signature":"00000000000000aa","state":"new",
            "reopened":true,"updated_by":"shadowgate","updated_micros":7}"#;
        let triage: Triage = serde_json::from_str(stored).unwrap();
        assert_eq!(triage.accepted_count, None);
        assert_eq!(triage.reopened_after(), Some(TriageState::Verified));
        let accepted = r#"{"strategy":"loan","signature":"00000000000000aa",
            "state":"accepted_difference","rule":"ignore body.note","updated_by":"kim",
            "updated_micros":7}"#;
        let triage: Triage = serde_json::from_str(accepted).unwrap();
        assert_eq!(
            triage.settled_count(),
            None,
            "no count at acceptance: never reopens"
        );
    }

    #[test]
    fn states_parse_by_name_with_spaces_or_dashes() {
        for state in TriageState::ALL {
            assert_eq!(state.as_str().parse::<TriageState>(), Ok(state));
        }
        assert_eq!("fix deployed".parse(), Ok(TriageState::FixDeployed));
        assert_eq!(
            " accepted-difference ".parse(),
            Ok(TriageState::AcceptedDifference)
        );
        assert_eq!(
            "done".parse::<TriageState>().unwrap_err().to_string(),
            "expected one of new, investigating, fix_deployed, verified, accepted_difference, \
             not_a_defect, found \"done\""
        );
        assert_eq!(
            " ".parse::<TriageState>().unwrap_err().to_string(),
            format!("expected one of {}, found nothing", TriageState::names())
        );
    }
}
