//! The readings of one file so far: after each value of the wrong type or missing key, what
//! stands in for it and the problem it was.

use super::join;
use super::once::{missing_field, Failure};
use crate::config::problem::Problem;
use crate::config::{position, stand_in};

/// The readings of one file so far: its text with the values of the wrong type replaced, the
/// stand-ins added, and the problems found.
pub(super) struct Reading {
    /// The text read again after each value of the wrong type, with a stand-in for it.
    pub(super) text: String,
    /// The stand-ins added for missing keys.
    pub(super) added: Vec<Added>,
    /// The key paths of both: a key missing under one of them is not the file's.
    pub(super) replaced: Vec<String>,
    /// The tables holding a variant stood in for (an enum's value): what the rest of such a
    /// table means depends on it (an engine's `protocol` decides which keys it needs), so the
    /// checks after reading say nothing of it.
    pub(super) variant_tables: Vec<String>,
    /// The unknown keys a section refuses itself (the comparator's rules), left out of the next
    /// reading: `(table, name)`.
    pub(super) removed: Vec<(String, String)>,
    /// Each value of the wrong type and missing key, with where it is in the file.
    refused: Vec<(Option<(usize, usize)>, Problem)>,
}

impl Reading {
    /// The first reading of `text`.
    pub(super) fn new(text: String) -> Reading {
        Reading {
            text,
            added: Vec::new(),
            replaced: Vec::new(),
            variant_tables: Vec::new(),
            removed: Vec::new(),
            refused: Vec::new(),
        }
    }

    /// The unknown keys `unknown`, each at its line in `text` (the file as read: `serde_ignored`
    /// names a key by its path alone), with the values of the wrong type and missing keys, all in
    /// the file's order.
    pub(super) fn problems(mut self, text: &str, unknown: Vec<Problem>) -> Vec<Problem> {
        let located = unknown.into_iter().map(|problem| {
            let at = position::name_line_column_of(text, &problem.key);
            let key = match at {
                Some(at) => position::at_position(&problem.key, at),
                None => problem.key.clone(),
            };
            (at, Problem { key, ..problem })
        });
        self.refused.extend(located);
        self.refused.sort_by_key(|(at, _)| *at);
        self.refused
            .into_iter()
            .map(|(_, problem)| problem)
            .collect()
    }

    /// Notes `failure` and stands in for its value or key, or says (`false`) that the reading
    /// stops here.
    pub(super) fn stand_in(&mut self, failure: Failure) -> bool {
        // A stand-in added for a missing key, of the wrong type itself: once more, of the type
        // serde said.
        let retype = missing_field(&failure.message).is_none();
        if let Some(added) = (self.added.iter_mut()).find(|a| retype && a.key() == failure.key) {
            let Some(value) = stand_in::stand_in(&failure.message) else {
                return false;
            };
            if added.retyped {
                return false;
            }
            if is_variant(&failure.message) {
                self.variant_tables.push(added.table.clone());
            }
            added.value = value;
            added.retyped = true;
            return true;
        }
        let ours = self.replaced.iter().any(|key| failure.is_under(key));
        if let Some(field) = missing_field(&failure.message) {
            let field = field.to_owned();
            return self.add(failure, field, ours);
        }
        // Ours, not the file's: a replaced key again, or the syntax of a rewritten line.
        if ours || (failure.syntax && !self.replaced.is_empty()) {
            return false;
        }
        if let Some((table, name)) = failure.refused.clone() {
            if self.removed.contains(&(table.clone(), name.clone())) {
                return false;
            }
            self.refused.push((failure.at, failure.problem));
            self.removed.push((table, name));
            return true;
        }
        if let Some((key, _)) = failure
            .value
            .as_ref()
            .filter(|_| is_variant(&failure.message))
        {
            let table = key.rsplit_once('.').map_or("", |(table, _)| table);
            self.variant_tables.push(table.to_owned());
        }
        let stand_in = stand_in::stand_in(&failure.message);
        let next = failure.value.as_ref().and_then(|(key, span)| {
            let last = key.rsplit('.').next().unwrap_or(key);
            stand_in::replace_value(&self.text, span.clone(), last, stand_in.as_deref())
        });
        self.refused.push((failure.at, failure.problem));
        match (next, failure.value, stand_in) {
            (Some(next), Some((key, _)), _) => {
                self.replaced.push(key);
                self.text = next;
                true
            }
            // A key of an inline table (a rule's `{ path = …, absolute = 0.01 }`): its line
            // holds others, so the stand-in goes into the parsed document, like a missing key's.
            (None, Some((key, span)), Some(value)) => match key.rsplit_once('.') {
                Some((table, name)) if !name.contains('[') => {
                    self.added.push(Added {
                        table: table.to_owned(),
                        name: name.to_owned(),
                        value,
                        span,
                        retyped: true,
                    });
                    self.replaced.push(key);
                    true
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// A required key `field` missing from the table `failure` is at: the file's unless under
    /// a stand-in (`ours`); either way a stand-in is added for it so the reading goes on, and a
    /// key once added and missing again stops it.
    fn add(&mut self, failure: Failure, field: String, ours: bool) -> bool {
        let key = join(&failure.key, &field);
        if self.added.iter().any(|a| a.key() == key) {
            return false;
        }
        if !ours {
            self.refused.push((failure.at, failure.problem));
        }
        self.added.push(Added {
            table: failure.key,
            name: field,
            value: "\"\"".to_owned(),
            span: failure.span.unwrap_or_default(),
            retyped: false,
        });
        self.replaced.push(key);
        true
    }
}

/// A stand-in added to the parsed document: for a missing required key, or for a value of the
/// wrong type in an inline table.
pub(super) struct Added {
    /// The key path of its table (`strategies.loan`, `listeners.mci[0]`; empty for the root).
    pub(super) table: String,
    /// The missing key's name.
    pub(super) name: String,
    /// The stand-in, as TOML (`""` first; a value of serde's type if that is not it).
    pub(super) value: String,
    /// Where its table is in the file: any error about the stand-in is at its table.
    pub(super) span: std::ops::Range<usize>,
    /// Whether `value` was replaced by serde's type once already.
    retyped: bool,
}

impl Added {
    /// Its full key path.
    fn key(&self) -> String {
        join(&self.table, &self.name)
    }
}

/// Whether serde's `message` is about a variant (an enum's value, `unknown variant `x`, …`).
fn is_variant(message: &str) -> bool {
    message.starts_with("unknown variant `")
}
