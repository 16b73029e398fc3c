//! What rules are checked against ([`Answers`]): the fields a compared decision can hold, which
//! message's answers hold each array's elements as they are, and the REDEFINES areas that hold
//! no field of their own.

use protocol_mci::{AnswerArea, AnswerField, Layout};

/// The fields a compared decision can hold, for [`super::check_rules`]: a strategy's answers
/// ([`Answers::of_layout`]) or a reconciliation's mapped rows ([`Answers::rows`]).
#[derive(Debug, Clone)]
pub(crate) struct Answers {
    /// Whose fields they are, for the warnings: `the answers of layout "loan" (LNS0001)`.
    pub(super) whose: String,
    /// Every field, sorted by path, without repeats.
    pub(super) fields: Vec<AnswerField>,
    /// Every array's element (`body.offers[*]`) with the messages whose answers have it with
    /// those keys: one per distinct element where messages share the array's path with
    /// different fields. Sorted by path.
    pub(super) elements: Vec<Element>,
    /// The REDEFINES areas, which a pattern may name but which hold no field (their views do).
    pub(super) areas: Vec<AnswerArea>,
}

/// One array's element as some messages' answers have it.
#[derive(Debug, Clone)]
pub(super) struct Element {
    /// The element (`body.offers[*]`) with its keys.
    pub(super) field: AnswerField,
    /// The messages (transaction codes, as the layout names its messages) whose answers have
    /// it; empty for fields of no message.
    pub(super) messages: Vec<String>,
}

impl Answers {
    /// The answers to the messages `tx_codes` of `layout`: the header's and the response and
    /// error bodies' fields ([`Layout::answer_fields`]), or `None` when no code is a message of
    /// the layout (already an error of `tx_codes`).
    pub(crate) fn of_layout(layout: &Layout, tx_codes: &[String]) -> Option<Answers> {
        let push_key = comparator::Path::push_key;
        let mut fields: Vec<AnswerField> = Vec::new();
        let mut elements: Vec<Element> = Vec::new();
        let mut areas: Vec<AnswerArea> = Vec::new();
        for code in tx_codes {
            let answer = layout.answer_fields(code, push_key);
            for element in answer.iter().filter(|field| array_of(field).is_some()) {
                // Two messages' elements alike but for their group's maximum are one element
                // here: only the keys matter to an `unordered` rule's `key`.
                let alike = |known: &&mut Element| {
                    known.field.path == element.path
                        && known.field.element_keys == element.element_keys
                };
                match elements.iter_mut().find(alike) {
                    Some(known) => known.messages.push(code.clone()),
                    None => elements.push(Element {
                        field: element.clone(),
                        messages: vec![code.clone()],
                    }),
                }
            }
            fields.extend(answer);
            areas.extend(layout.answer_areas(code, push_key));
        }
        if fields.is_empty() {
            return None;
        }
        fields.sort();
        fields.dedup();
        elements.sort_by(|a, b| a.field.cmp(&b.field));
        areas.sort();
        areas.dedup();
        let whose = format!(
            "the answers of layout {:?} ({})",
            layout.name,
            tx_codes.join(", ")
        );
        Some(Answers {
            whose,
            fields,
            elements,
            areas,
        })
    }

    /// Fields of no message (a reconciliation's mapped rows), `whose` saying whose they are.
    pub(crate) fn rows(mut fields: Vec<AnswerField>, whose: &str) -> Answers {
        fields.sort();
        fields.dedup();
        let elements = fields
            .iter()
            .filter(|field| array_of(field).is_some())
            .map(|field| Element {
                field: field.clone(),
                messages: Vec::new(),
            })
            .collect();
        Answers {
            whose: whose.to_owned(),
            fields,
            elements,
            areas: Vec::new(),
        }
    }
}

/// The array (`body.offers`) whose element `field` is (`body.offers[*]`), if it is one.
pub(super) fn array_of(field: &AnswerField) -> Option<&str> {
    field.path.strip_suffix("[*]")
}
