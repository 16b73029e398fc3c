//! A decoded frame compares exactly as its JSON: generated decisions (text, decimals of various
//! scales, dates, nulls, groups, sections), a shadow edited from the live one, generated rules;
//! the walk over the views and the walk over their `serde_json::Value`s must agree on every
//! difference (path, kind, values, severity), every suppression and the signature.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use comparator::{Comparison, Rules, RulesConfig};
use proptest::prelude::*;
use protocol_mci::view::{DateParts, Entry, FieldValue, Object, ScaledDecimal};
use protocol_mci::{BesideView, Direction, Layout, MessageView};
use serde_json::Value;

use super::DecisionNode;

/// A generated value; the view borrows its names and text.
#[derive(Debug, Clone)]
enum Gen {
    Null,
    Text(String),
    Decimal(i128, i32),
    Date(usize),
    Group(Vec<Fields>),
    Object(Fields),
}

type Fields = Vec<(String, Gen)>;

const KEYS: &[&str] = &["a", "b", "code", "rate", "items", "note"];
const TEXTS: &[&str] = &[
    "A",
    "a",
    " A",
    "X1",
    "Y1",
    "승인",
    "",
    "long text of forty characters or so.....",
];
const DATES: &[&[u8; 12]] = &[b"202501010900", b"202501010901", b"202412312359"];

/// Dates as the codec decodes them (their parts cannot be built otherwise).
fn dates() -> Vec<DateParts> {
    let layout = Layout::from_toml(
        r#"
name = "dates"
[framing]
prefix = "none"
size = 12
max_frame = 12
[messages.D]
default = true
request = [{ name = "unused", type = "filler", length = 12 }]
response = [{ name = "at", type = "date", pattern = "yyyyMMddHHmm" }]
"#,
        "dates",
        "dates",
    )
    .unwrap();
    DATES
        .iter()
        .map(|frame| {
            let view = layout.decode_view(Direction::Response, &frame[..]).unwrap();
            match view.body.get("at") {
                Some(FieldValue::Date(parts)) => *parts,
                other => panic!("expected a date, found {other:?}"),
            }
        })
        .collect()
}

fn leaf() -> impl Strategy<Value = Gen> {
    prop_oneof![
        Just(Gen::Null),
        prop::sample::select(TEXTS).prop_map(|t| Gen::Text(t.to_owned())),
        (-30i128..30, 0i32..3).prop_map(|(m, s)| Gen::Decimal(m, s)),
        (-700i128..700, -1i32..4).prop_map(|(m, s)| Gen::Decimal(m, s)),
        (0..DATES.len()).prop_map(Gen::Date),
    ]
}

fn fields(inner: impl Strategy<Value = Gen>) -> impl Strategy<Value = Fields> {
    prop::collection::btree_map(prop::sample::select(KEYS), inner, 0..5).prop_map(
        |map: BTreeMap<&str, Gen>| map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    )
}

fn value() -> impl Strategy<Value = Gen> {
    leaf().prop_recursive(3, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(fields(inner.clone()), 0..4).prop_map(Gen::Group),
            fields(inner).prop_map(Gen::Object),
        ]
    })
}

/// An edit of the shadow: applied to the node numbered `at` in walk order.
#[derive(Debug, Clone)]
enum Edit {
    Replace(Gen),
    /// The same number at one more decimal place (`5.25` → `5.250`).
    Rescale,
    /// The next number at the same scale (`5.25` → `5.26`).
    Nudge,
    /// Upper case and padding, for normalise rules.
    Shout,
    Drop,
    Insert(String, Gen),
    Reverse,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        leaf().prop_map(Edit::Replace),
        Just(Edit::Rescale),
        Just(Edit::Nudge),
        Just(Edit::Nudge),
        Just(Edit::Shout),
        Just(Edit::Drop),
        (prop::sample::select(KEYS), leaf()).prop_map(|(k, v)| Edit::Insert(k.to_owned(), v)),
        Just(Edit::Reverse),
    ]
}

/// Applies `edit` to node `at` (counted down as the walk goes); returns whether it was applied.
fn apply(gen: &mut Gen, at: &mut usize, edit: &Edit) -> bool {
    if *at == 0 {
        match (edit, &mut *gen) {
            (Edit::Replace(new), _) => *gen = new.clone(),
            (Edit::Rescale, Gen::Decimal(m, s)) => (*m, *s) = (*m * 10, *s + 1),
            (Edit::Nudge, Gen::Decimal(m, _)) => *m += 1,
            (Edit::Shout, Gen::Text(t)) => *t = format!(" {} ", t.to_uppercase()),
            (Edit::Drop, Gen::Object(f)) => drop(f.pop()),
            (Edit::Drop, Gen::Group(e)) => drop(e.pop()),
            (Edit::Insert(k, v), Gen::Object(f)) if f.iter().all(|(n, _)| n != k) => {
                f.push((k.clone(), v.clone()));
            }
            (Edit::Reverse, Gen::Object(f)) => f.reverse(),
            (Edit::Reverse, Gen::Group(e)) => e.reverse(),
            _ => return false,
        }
        return true;
    }
    *at -= 1;
    match gen {
        Gen::Object(f) => f.iter_mut().any(|(_, v)| apply(v, at, edit)),
        Gen::Group(e) => e
            .iter_mut()
            .any(|f| f.iter_mut().any(|(_, v)| apply(v, at, edit))),
        _ => false,
    }
}

fn build<'g>(gen: &'g Gen, dates: &[DateParts]) -> FieldValue<'g> {
    match gen {
        Gen::Null => FieldValue::Null,
        Gen::Text(text) => FieldValue::Text(text.as_str().into()),
        Gen::Decimal(m, s) => FieldValue::Decimal(ScaledDecimal::new(*m, *s)),
        Gen::Date(at) => FieldValue::Date(dates[*at]),
        Gen::Group(elements) => {
            FieldValue::Group(elements.iter().map(|f| object(f, dates)).collect())
        }
        Gen::Object(f) => FieldValue::Object(object(f, dates)),
    }
}

fn object<'g>(fields: &'g Fields, dates: &[DateParts]) -> Object<'g> {
    Object {
        entries: fields
            .iter()
            .map(|(name, gen)| Entry {
                name,
                mask: None,
                value: build(gen, dates),
            })
            .collect(),
    }
}

/// A generated header and body as a decoded frame.
fn view<'g>((header, body): &'g (Gen, Gen), dates: &[DateParts]) -> MessageView<'g> {
    let as_object = |gen| match build(gen, dates) {
        FieldValue::Object(object) => object,
        _ => Object::default(),
    };
    MessageView {
        header: as_object(header),
        body: as_object(body),
    }
}

/// The decision as the layout's JSON, built as the gateway builds it for records.
fn json(view: &MessageView<'_>, sections: Option<&str>) -> Value {
    let message = view.to_message();
    match sections {
        None => message.to_value(),
        Some(body) => {
            let mut object = message.header;
            object.insert(body.to_owned(), Value::Object(message.body));
            Value::Object(object)
        }
    }
}

/// Rules drawn from a pool touching every kind, on the generated keys.
fn rules(pick: &[bool], keyed: bool) -> Rules {
    let on = |at: usize| pick.get(at).copied().unwrap_or(false);
    let mut config = serde_json::json!({});
    let mut add = |at: usize, kind: &str, rule: Value| {
        if on(at) {
            let list = config[kind].as_array().cloned().unwrap_or_default();
            config[kind] = Value::Array([list, vec![rule]].concat());
        }
    };
    add(0, "ignore", serde_json::json!("header.a"));
    add(1, "ignore", serde_json::json!("body.items[*].b"));
    add(
        2,
        "tolerance",
        serde_json::json!({"path": "body.rate", "absolute": "0.05"}),
    );
    add(
        3,
        "tolerance",
        serde_json::json!({"path": "body.items[*].rate", "relative": "0.1"}),
    );
    add(
        4,
        "normalise",
        serde_json::json!({"path": "body.code", "trim": true, "ignore_case": true}),
    );
    add(
        5,
        "normalise",
        serde_json::json!({"path": "*.items[*].code", "trim": true}),
    );
    add(
        6,
        "value_map",
        serde_json::json!({"path": "body.code", "map": {"X1": "Y1", "1": "2"}}),
    );
    let unordered = match keyed {
        true => serde_json::json!({"path": "body.items", "key": ["code"]}),
        false => serde_json::json!({"path": "body.items"}),
    };
    add(7, "unordered", unordered);
    add(8, "unordered", serde_json::json!({"path": "header.items"}));
    if on(9) {
        config["severity"] = serde_json::json!({"critical": ["body.rate"], "minor": ["body.note"]});
    }
    let config: RulesConfig = serde_json::from_value(config).unwrap();
    config.validate().unwrap()
}

/// The root of `view` with the body under `sections` (beside named sections) or `body`.
fn root<'a>(view: &'a MessageView<'a>, sections: Option<&'a str>) -> DecisionNode<'a> {
    DecisionNode::Root {
        header: &view.header,
        body: &view.body,
        sections,
    }
}

fn same(view: &Comparison, value: &Comparison) -> Result<(), TestCaseError> {
    prop_assert_eq!(&view.differences, &value.differences);
    prop_assert_eq!(&view.suppressed, &value.suppressed);
    prop_assert_eq!(view.signature(), value.signature());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn views_compare_as_their_json(
        header in fields(value()),
        body in fields(value()),
        edits in prop::collection::vec((1usize..30, edit()), 0..8),
        pick in prop::collection::vec(any::<bool>(), 10),
        keyed in any::<bool>(),
        sectioned in any::<bool>(),
    ) {
        let dates = dates();
        let live = (Gen::Object(header), Gen::Object(body));
        let mut shadow = live.clone();
        for (at, edit) in &edits {
            let mut at = *at;
            let _ = apply(&mut shadow.1, &mut at, edit) || apply(&mut shadow.0, &mut at, edit);
        }
        let (live_view, shadow_view) = (view(&live, &dates), view(&shadow, &dates));
        let sections = sectioned.then_some("data");
        let rules = rules(&pick, keyed);
        let by_view = comparator::compare(
            root(&live_view, sections),
            root(&shadow_view, sections),
            &rules,
        );
        let (live_json, shadow_json) = (json(&live_view, sections), json(&shadow_view, sections));
        let by_value = comparator::compare(&live_json, &shadow_json, &rules);
        same(&by_view, &by_value)?;
        // A view against itself matches, as its JSON does.
        let itself = comparator::compare(root(&live_view, sections), root(&live_view, sections), &rules);
        prop_assert!(itself.is_match());
        // The shadow's header beside the live body held once (the walk passes over the body)
        // compares as the same header beside a copy of that body (walked).
        let shared = DecisionNode::Root {
            header: &shadow_view.header,
            body: &live_view.body,
            sections,
        };
        let copied_body = live_view.body.clone();
        let copied = DecisionNode::Root {
            header: &shadow_view.header,
            body: &copied_body,
            sections,
        };
        let live_root = root(&live_view, sections);
        same(
            &comparator::compare(live_root, shared, &rules),
            &comparator::compare(live_root, copied, &rules),
        )?;
    }
}

/// The demo's layout and rules close to the demo's: its clock ignored, its rate tolerated.
fn demo_layout_and_rules() -> (Layout, Rules) {
    let layout = Layout::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../config/layouts/loan-screening.toml"
    ))
    .unwrap();
    let rules: RulesConfig = serde_json::from_value(serde_json::json!({
        "ignore": ["header.*_at"],
        "tolerance": [{"path": "body.rate", "absolute": "0.01"}],
    }))
    .unwrap();
    (layout, rules.validate().unwrap())
}

#[test]
fn a_demo_frame_compares_as_its_json() {
    let (layout, rules) = demo_layout_and_rules();
    let frames = demo_answers(&layout);
    for live in &frames {
        for shadow in &frames {
            let l = layout.decode_view(Direction::Response, live).unwrap();
            let s = layout.decode_view(Direction::Response, shadow).unwrap();
            let by_view = comparator::compare(
                DecisionNode::root(&layout, &l),
                DecisionNode::root(&layout, &s),
                &rules,
            );
            let lj = layout.into_json(layout.decode(Direction::Response, live).unwrap());
            let sj = layout.into_json(layout.decode(Direction::Response, shadow).unwrap());
            let by_value = comparator::compare(&lj, &sj, &rules);
            assert_eq!(by_view, by_value);
        }
    }
}

/// Answers of both demo engines to a few demo requests, as frames.
fn demo_answers(layout: &Layout) -> Vec<Vec<u8>> {
    let mut traffic = crate::demo::traffic::Traffic::new(7, "tst");
    let mut frames = Vec::new();
    for _ in 0..4 {
        let request = traffic.next_request();
        let legacy = crate::demo::legacy::answer(layout, &request);
        frames.push(layout.encode(Direction::Response, &legacy).unwrap());
        let json = serde_json::json!({
            "tx_code": "LNS0001", "header": request.header, "body": request.body,
        });
        let modern = crate::demo::modern::answer(&json).unwrap();
        let message = crate::pipeline::answer_message(layout, &request.header, modern);
        frames.push(layout.encode(Direction::Response, &message).unwrap());
    }
    frames
}

#[test]
fn a_demo_answer_beside_the_live_one_compares_as_decoded_whole() {
    let (layout, rules) = demo_layout_and_rules();
    let selected = layout.message("LNS0001").unwrap();
    let frames = demo_answers(&layout);
    let mut headers_only = 0;
    // Each request's legacy answer (live) and modern answer (shadow).
    for pair in frames.chunks(2) {
        let (live, shadow) = (&pair[0], &pair[1]);
        let l = layout.decode_view(Direction::Response, live).unwrap();
        let whole = layout.decode_view(Direction::Response, shadow).unwrap();
        let expected = comparator::compare(
            DecisionNode::root(&layout, &l),
            DecisionNode::root(&layout, &whole),
            &rules,
        );
        let beside = layout
            .decode_view_beside(Direction::Response, selected, shadow, live, &l.header)
            .unwrap();
        let at = layout.header_len;
        let actual = match &beside {
            BesideView::Header(header) => {
                headers_only += 1;
                let root = DecisionNode::root_of(&layout, header, &l.body);
                comparator::compare(DecisionNode::root(&layout, &l), root, &rules)
            }
            BesideView::Whole(view) => {
                assert_ne!(live[at..], shadow[at..], "the same body was decoded again");
                comparator::compare(
                    DecisionNode::root(&layout, &l),
                    DecisionNode::root(&layout, view),
                    &rules,
                )
            }
        };
        assert_eq!(actual, expected);
        assert_ne!(live[..at], shadow[..at], "the clocks differ");
    }
    // The demo's engines agree byte for byte on some bodies (others differ in a rate's last
    // digit or the offers' order, which the demo's rules hide).
    assert!(headers_only > 0);
}
