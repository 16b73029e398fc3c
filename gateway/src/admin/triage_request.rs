//! A triage change as `POST /api/v1/triage` receives it: the CLI's JSON or the page's form
//! fields, the state still text. Both are read with [`TriageState`]'s own parsing, so the API
//! takes the spellings the CLI takes (`fix_deployed`, `fix-deployed`, `fix deployed`), and a
//! state that is none of them refuses the whole change rather than being dropped. Who asks is
//! `by`, as in `POST /api/v1/replays`; `who`, its name before, is still taken from the JSON and
//! the form alike, and [`ChangeRequest::into_change`], which both go through, refuses a `by` and
//! a different `who`.

use serde::Deserialize;

use super::params::{first_unknown, param};
use crate::triage::{Change, TriageError, TriageErrorKind, TriageState};

/// The fields of the page's form, the JSON's keys.
const FORM_FIELDS: &[&str] = &[
    "strategy",
    "signature",
    "by",
    "who",
    "state",
    "assignee",
    "note",
    "link",
    "rule",
    "seen_updated_micros",
];

/// The JSON body (a serialised [`Change`]) or the form's fields, before the state is parsed. A
/// JSON key that is none of these is refused (400), as `POST /api/v1/replays` refuses one: a
/// misspelt `"stat"` would otherwise leave the state as it is and audit a change of nothing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChangeRequest {
    /// Strategy name.
    pub(super) strategy: String,
    /// Grouping signature.
    pub(super) signature: String,
    /// Who asks.
    #[serde(default)]
    by: Option<String>,
    /// Who asks, under `by`'s deprecated name.
    #[serde(default)]
    who: Option<String>,
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
    /// The group's `updated_micros` as the client read it: a triage changed since refuses the
    /// change (409); absent, not checked.
    #[serde(default)]
    seen_updated_micros: Option<u64>,
}

impl ChangeRequest {
    /// The JSON body; refused, with a message naming the body, when it is not a change.
    pub(super) fn from_json(body: &[u8]) -> Result<Self, String> {
        super::json_body::read(body, "a triage change")
    }

    /// The form fields `strategy`, `signature`, `by` (or `who`, as in the JSON), `state`,
    /// `assignee`, `note`, `link`, `rule` and `seen_updated_micros` (the page's hidden input,
    /// the triage's time as the page showed it). A blank text field is absent, but a blank `state` is
    /// kept: the page's select has no blank option, so a blank state is a mistake to refuse, not
    /// "leave it". A field that is none of these is refused, named with the ones the form has,
    /// as the JSON refuses a key: a misspelt `stat` must not save a change without its state.
    pub(super) fn from_form(text: &str) -> Result<Self, String> {
        if let Some(unknown) = first_unknown(text, FORM_FIELDS) {
            return Err(format!(
                "{unknown}: expected a field of the triage form ({}), found one it does not have",
                FORM_FIELDS.join(", ")
            ));
        }
        let field = |name| param(text, name).filter(|v| !v.trim().is_empty());
        let seen_updated_micros = match field("seen_updated_micros") {
            Some(seen) => Some(seen.trim().parse::<u64>().map_err(|_| {
                format!(
                    "seen_updated_micros: expected the triage's updated_micros as read \
                     (microseconds since the epoch), found {seen:?}"
                )
            })?),
            None => None,
        };
        Ok(Self {
            strategy: field("strategy").unwrap_or_default(),
            signature: field("signature").unwrap_or_default(),
            by: field("by"),
            who: field("who"),
            state: param(text, "state"),
            assignee: field("assignee"),
            note: field("note"),
            link: field("link"),
            rule: field("rule"),
            seen_updated_micros,
        })
    }

    /// The change asked for, from the JSON or the form alike; refused, with nothing applied,
    /// when it names two people (`by` and a different `who`, blank ones being absent) or the
    /// state names none.
    pub(super) fn into_change(self) -> Result<Change, TriageError> {
        let refuse = |kind| Err(TriageError::new(&self.strategy, &self.signature, kind));
        let name = |name: Option<String>| name.filter(|n| !n.trim().is_empty());
        let by = match (name(self.by.clone()), name(self.who.clone())) {
            (Some(by), Some(who)) if by.trim() != who.trim() => {
                return refuse(TriageErrorKind::TwoNames { by, who })
            }
            (by, who) => by.or(who).unwrap_or_default(),
        };
        let state = match self.state.as_deref().map(str::parse::<TriageState>) {
            Some(Err(unknown)) => return refuse(TriageErrorKind::UnknownState(unknown)),
            Some(Ok(state)) => Some(state),
            None => None,
        };
        Ok(Change {
            strategy: self.strategy,
            signature: self.signature,
            by,
            state,
            assignee: self.assignee,
            note: self.note,
            link: self.link,
            rule: self.rule,
            seen_updated_micros: self.seen_updated_micros,
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
                r#"{{"strategy": "loan", "signature": "s", "by": "kim", "state": {state}}}"#
            );
            ChangeRequest::from_json(body.as_bytes())
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
        let blank =
            ChangeRequest::from_form("strategy=loan&signature=s&by=kim&state=&note=n").unwrap();
        assert_eq!(
            blank.into_change().unwrap_err().to_string(),
            format!(
                "group loan/s: state: expected one of {}, found nothing",
                TriageState::names()
            )
        );
        let absent = ChangeRequest::from_form("strategy=loan&signature=s&by=kim&note=n").unwrap();
        assert_eq!(absent.into_change().unwrap().state, None);
    }

    #[test]
    fn who_asks_is_by_and_the_deprecated_who_is_still_taken() {
        let by = |body: &str| {
            ChangeRequest::from_json(body.as_bytes())
                .unwrap()
                .into_change()
        };
        let named = |body: &str| by(body).unwrap().by;
        assert_eq!(
            named(r#"{"strategy": "l", "signature": "s", "by": "kim"}"#),
            "kim"
        );
        assert_eq!(
            named(r#"{"strategy": "l", "signature": "s", "who": "kim"}"#),
            "kim"
        );
        let both = r#"{"strategy": "l", "signature": "s", "by": "kim", "who": "kim"}"#;
        assert_eq!(named(both), "kim");
        // Nobody: refused by the book as a change without a name, at `by`.
        assert_eq!(named(r#"{"strategy": "l", "signature": "s"}"#), "");
        // A blank name is an absent one, as a blank form field is.
        assert_eq!(
            named(r#"{"strategy": "l", "signature": "s", "by": " ", "who": "kim"}"#),
            "kim"
        );
        let two = r#"{"strategy": "l", "signature": "s", "by": "kim", "who": "lee"}"#;
        let refused = by(two).unwrap_err();
        assert!(refused.is_refused());
        assert_eq!(
            refused.to_string(),
            "group l/s: by and who: expected one name (who is the deprecated name of by), found \
             by \"kim\" and who \"lee\""
        );
    }

    #[test]
    fn a_form_field_that_is_none_of_the_forms_is_refused_by_name() {
        assert_eq!(
            ChangeRequest::from_form("strategy=l&signature=s&by=kim&stat=verified&note=n")
                .unwrap_err(),
            "stat: expected a field of the triage form (strategy, signature, by, who, state, \
             assignee, note, link, rule, seen_updated_micros), found one it does not have"
        );
        let every =
            "strategy=l&signature=s&by=kim&who=kim&state=new&assignee=a&note=n&link=k&rule=r\
             &seen_updated_micros=7";
        assert!(ChangeRequest::from_form(every).is_ok());
    }

    #[test]
    fn the_triage_a_change_was_made_from_is_taken_from_the_form_and_the_json() {
        let form = |fields: &str| ChangeRequest::from_form(fields).map(|r| r.seen_updated_micros);
        assert_eq!(
            form("strategy=l&signature=s&seen_updated_micros=7"),
            Ok(Some(7))
        );
        assert_eq!(
            form("strategy=l&signature=s&seen_updated_micros="),
            Ok(None)
        );
        assert_eq!(form("strategy=l&signature=s"), Ok(None));
        assert_eq!(
            form("strategy=l&signature=s&seen_updated_micros=yesterday"),
            Err(
                "seen_updated_micros: expected the triage's updated_micros as read \
                 (microseconds since the epoch), found \"yesterday\""
                    .to_owned()
            )
        );
        let json = br#"{"strategy": "l", "signature": "s", "by": "kim", "seen_updated_micros": 7}"#;
        let change = ChangeRequest::from_json(json)
            .unwrap()
            .into_change()
            .unwrap();
        assert_eq!(change.seen_updated_micros, Some(7));
        let absent = br#"{"strategy": "l", "signature": "s", "by": "kim"}"#;
        let change = ChangeRequest::from_json(absent)
            .unwrap()
            .into_change()
            .unwrap();
        assert_eq!(change.seen_updated_micros, None, "not checked");
    }

    #[test]
    fn the_form_takes_who_by_the_jsons_rule() {
        let form = |fields: &str| ChangeRequest::from_form(fields).unwrap().into_change();
        assert_eq!(form("strategy=l&signature=s&who=kim").unwrap().by, "kim");
        assert_eq!(
            form("strategy=l&signature=s&by=kim&who=kim").unwrap().by,
            "kim"
        );
        assert_eq!(
            form("strategy=l&signature=s&by=&who=kim").unwrap().by,
            "kim"
        );
        assert_eq!(
            form("strategy=l&signature=s&by=kim&who=").unwrap().by,
            "kim"
        );
        assert_eq!(
            form("strategy=l&signature=s&by=kim&who=lee")
                .unwrap_err()
                .to_string(),
            "group l/s: by and who: expected one name (who is the deprecated name of by), found \
             by \"kim\" and who \"lee\""
        );
    }
}
