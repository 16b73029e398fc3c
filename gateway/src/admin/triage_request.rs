//! A triage change as `POST /api/v1/triage` receives it: the CLI's JSON or the page's form
//! fields, the state still text. Both are read with [`TriageState`]'s own parsing, so the API
//! takes the spellings the CLI takes (`fix_deployed`, `fix-deployed`, `fix deployed`), and a
//! state that is none of them refuses the whole change rather than being dropped.

use serde::Deserialize;

use super::params::param;
use crate::triage::{Change, TriageError, TriageErrorKind, TriageState};

/// The JSON body (a serialised [`Change`]) or the form's fields, before the state is parsed.
#[derive(Debug, Deserialize)]
pub(super) struct ChangeRequest {
    /// Strategy name.
    pub(super) strategy: String,
    /// Grouping signature.
    pub(super) signature: String,
    /// Who asks.
    who: String,
    /// The new state as written; absent (or JSON `null`) leaves the state as it is.
    #[serde(default)]
    state: Option<String>,
    /// The new assignee.
    #[serde(default)]
    assignee: Option<String>,
    /// A note.
    #[serde(default)]
    note: Option<String>,
    /// A link to the ticket.
    #[serde(default)]
    link: Option<String>,
    /// The rule that covers an accepted difference.
    #[serde(default)]
    rule: Option<String>,
}

impl ChangeRequest {
    /// The form fields `strategy`, `signature`, `by`, `state`, `assignee`, `note`, `link`,
    /// `rule`. A blank text field is absent, but a blank `state` is kept: the page's select has
    /// no blank option, so a blank state is a mistake to refuse, not "leave it".
    pub(super) fn from_form(text: &str) -> Self {
        let field = |name| param(text, name).filter(|v| !v.trim().is_empty());
        Self {
            strategy: field("strategy").unwrap_or_default(),
            signature: field("signature").unwrap_or_default(),
            who: field("by").unwrap_or_default(),
            state: param(text, "state"),
            assignee: field("assignee"),
            note: field("note"),
            link: field("link"),
            rule: field("rule"),
        }
    }

    /// The change asked for; refused, with nothing applied, when the state names none.
    pub(super) fn into_change(self) -> Result<Change, TriageError> {
        let state = match self.state.as_deref().map(str::parse::<TriageState>) {
            Some(Err(unknown)) => {
                return Err(TriageError::new(
                    &self.strategy,
                    &self.signature,
                    TriageErrorKind::UnknownState(unknown),
                ))
            }
            Some(Ok(state)) => Some(state),
            None => None,
        };
        Ok(Change {
            strategy: self.strategy,
            signature: self.signature,
            who: self.who,
            state,
            assignee: self.assignee,
            note: self.note,
            link: self.link,
            rule: self.rule,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_read_as_the_cli_reads_them_and_an_unknown_one_refuses() {
        let json = |state: &str| {
            let body = format!(
                r#"{{"strategy": "loan", "signature": "s", "who": "kim", "state": {state}}}"#
            );
            serde_json::from_str::<ChangeRequest>(&body)
                .unwrap()
                .into_change()
        };
        for spelling in [r#""accepted-difference""#, r#""accepted difference""#] {
            let change = json(spelling).unwrap();
            assert_eq!(change.state, Some(TriageState::AcceptedDifference));
        }
        assert_eq!(json("null").unwrap().state, None, "null leaves it");
        assert_eq!(
            json(r#""xyz""#).unwrap_err().to_string(),
            format!(
                "group loan/s: state: expected one of {}, found \"xyz\"",
                TriageState::names()
            )
        );
        let blank = ChangeRequest::from_form("strategy=loan&signature=s&by=kim&state=&note=n");
        assert_eq!(
            blank.into_change().unwrap_err().to_string(),
            format!(
                "group loan/s: state: expected one of {}, found nothing",
                TriageState::names()
            )
        );
        let absent = ChangeRequest::from_form("strategy=loan&signature=s&by=kim&note=n");
        assert_eq!(absent.into_change().unwrap().state, None);
    }
}
