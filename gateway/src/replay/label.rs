//! A run's selection as stored with it, in the words it was asked in: `shadowgate replay`'s
//! flags (`--group aa --limit 5`) or `POST /api/v1/replays`'s JSON fields (`{"group": "aa",
//! "limit": 5}`). A run selected by ids also stores, per group it touched, the selection of that
//! group's own ids: "(part of the group: …)" then names that group's cases, not every group's.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Selection;
use crate::store::{format_micros, RecordId, ReplayCase};

/// How a run's selection was asked for, and so how its label is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `shadowgate replay`'s flags: `--group aa --ids 1a,2b`.
    Flags,
    /// `POST /api/v1/replays`'s JSON fields: `{"group": "aa", "ids": ["1a", "2b"]}`.
    Json,
}

impl Selection {
    /// The selection as stored with the run, in `syntax`; the limit is named when it bounded
    /// the run (`selected` cases, the limit reached: the selection may hold more). `all` when
    /// nothing narrows it.
    pub fn describe(&self, selected: usize, syntax: Syntax) -> String {
        self.label(&self.ids, selected, syntax)
    }

    /// The refusal of a selection no stored case matches, naming it in `syntax` (group, time
    /// window, kind, ids), so a mistyped signature or window is seen in the message.
    pub fn nothing_matches(&self, syntax: Syntax) -> String {
        format!(
            "no stored case of strategy {:?} matches the selection {}",
            self.strategy,
            self.describe(0, syntax)
        )
    }

    /// Per group of `cases`, the selection of that group's own ids, when ids selected the run;
    /// empty otherwise (every group's cases were then selected by the same filters).
    pub fn describe_groups(
        &self,
        cases: &[ReplayCase],
        syntax: Syntax,
    ) -> BTreeMap<String, String> {
        if self.ids.is_empty() {
            return BTreeMap::new();
        }
        let mut ids: BTreeMap<&str, Vec<RecordId>> = BTreeMap::new();
        for case in cases {
            ids.entry(&case.signature).or_default().push(case.id);
        }
        ids.into_iter()
            .map(|(group, ids)| (group.to_owned(), self.label(&ids, cases.len(), syntax)))
            .collect()
    }

    /// The label naming `ids` for the selection's ids.
    fn label(&self, ids: &[RecordId], selected: usize, syntax: Syntax) -> String {
        let mut fields: Vec<(&str, Value)> = Vec::new();
        if let Some(group) = &self.group {
            fields.push(("group", group.as_str().into()));
        }
        if !ids.is_empty() {
            let ids = ids.iter().map(|id| Value::from(id.to_string())).collect();
            fields.push(("ids", Value::Array(ids)));
        }
        for (field, micros) in [("since", self.from_micros), ("until", self.until_micros)] {
            if let Some(micros) = micros {
                fields.push((field, format_micros(micros).into()));
            }
        }
        if let Some(kind) = self.kind {
            fields.push(("kind", kind.as_str().into()));
        }
        if self.ids.is_empty() && self.limit > 0 && selected >= self.limit {
            fields.push(("limit", self.limit.into()));
        }
        if fields.is_empty() {
            return "all".to_owned();
        }
        let written: Vec<String> = match syntax {
            Syntax::Flags => fields
                .iter()
                .map(|(field, value)| format!("--{field} {}", flag(value)))
                .collect(),
            Syntax::Json => fields
                .iter()
                .map(|(field, value)| format!("\"{field}\": {}", json(value)))
                .collect(),
        };
        match syntax {
            Syntax::Flags => written.join(" "),
            Syntax::Json => format!("{{{}}}", written.join(", ")),
        }
    }
}

/// A field's value as its flag takes it: text bare, a list comma-separated.
fn flag(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(flag).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// A field's value as JSON, a list spaced as the fields are.
fn json(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(json).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RecordKind;

    #[test]
    fn a_selection_nothing_matches_is_named_in_its_refusal() {
        let mut window = selection(Some("3f2a9c0d1e4b5a67"), &[]);
        window.from_micros = Some(1_796_169_600_000_000);
        assert_eq!(
            window.nothing_matches(Syntax::Flags),
            "no stored case of strategy \"loan\" matches the selection --group 3f2a9c0d1e4b5a67 \
             --since 2026-12-02T00:00:00.000000Z"
        );
        assert_eq!(
            window.nothing_matches(Syntax::Json),
            "no stored case of strategy \"loan\" matches the selection {\"group\": \
             \"3f2a9c0d1e4b5a67\", \"since\": \"2026-12-02T00:00:00.000000Z\"}"
        );
        assert_eq!(
            selection(None, &[]).nothing_matches(Syntax::Flags),
            "no stored case of strategy \"loan\" matches the selection all"
        );
    }

    fn selection(group: Option<&str>, ids: &[RecordId]) -> Selection {
        Selection {
            strategy: "loan".into(),
            group: group.map(str::to_owned),
            ids: ids.to_vec(),
            limit: 5,
            ..Selection::default()
        }
    }

    #[test]
    fn a_selection_the_limit_bounded_says_so_in_the_words_it_was_asked_in() {
        let group = selection(Some("aa"), &[]);
        assert_eq!(group.describe(5, Syntax::Flags), "--group aa --limit 5");
        assert_eq!(
            group.describe(5, Syntax::Json),
            r#"{"group": "aa", "limit": 5}"#
        );
        // Fewer cases than the limit: the whole selection was replayed.
        assert_eq!(group.describe(3, Syntax::Flags), "--group aa");
        assert_eq!(group.describe(3, Syntax::Json), r#"{"group": "aa"}"#);
        assert_eq!(selection(None, &[]).describe(3, Syntax::Json), "all");

        let narrowed = Selection {
            from_micros: Some(0),
            kind: Some(RecordKind::ShadowError),
            ..selection(None, &[])
        };
        assert_eq!(
            narrowed.describe(1, Syntax::Flags),
            "--since 1970-01-01T00:00:00.000000Z --kind shadow_error"
        );
        assert_eq!(
            narrowed.describe(1, Syntax::Json),
            r#"{"since": "1970-01-01T00:00:00.000000Z", "kind": "shadow_error"}"#
        );
    }

    #[test]
    fn each_group_of_an_ids_run_names_only_its_own_ids() {
        let id = |seq| RecordId { micros: 1, seq };
        let case = |seq, signature: &str| ReplayCase {
            id: id(seq),
            signature: signature.to_owned(),
            result: "fixed".to_owned(),
            new_signature: None,
            detail: None,
        };
        let cases = [case(1, "aa"), case(2, "bb"), case(3, "aa")];
        let run = selection(None, &[id(1), id(2), id(3)]);
        let (one, two, three) = (id(1), id(2), id(3));
        assert_eq!(
            run.describe(3, Syntax::Flags),
            format!("--ids {one},{two},{three}")
        );
        let groups = run.describe_groups(&cases, Syntax::Flags);
        assert_eq!(groups["aa"], format!("--ids {one},{three}"));
        assert_eq!(groups["bb"], format!("--ids {two}"));
        let groups = run.describe_groups(&cases, Syntax::Json);
        assert_eq!(groups["aa"], format!(r#"{{"ids": ["{one}", "{three}"]}}"#));
        assert_eq!(groups["bb"], format!(r#"{{"ids": ["{two}"]}}"#));
        assert!(selection(Some("aa"), &[])
            .describe_groups(&cases, Syntax::Flags)
            .is_empty());
    }
}
