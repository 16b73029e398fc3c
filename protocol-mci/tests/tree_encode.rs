//! Encoding from a borrowed `JsonTree` gives byte-identical frames, or the identical error, to
//! encoding the equal `serde_json::Value`, for generated bodies of a layout with text, zoned,
//! packed, binary and date fields, groups (counted, nested, fixed) and a redefines area: valid
//! values, wrong types, overflows, missing fields, odd counts and views. The encoder looks
//! members up in place first (objects usually hold them in layout order), so the same bodies are
//! also encoded with their members reordered, extra keys added and, in the tree, names repeated
//! after their first member: every one encodes as the body does (the first member of a name is
//! the one read).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::LazyLock;

use common::with_body;
use proptest::prelude::*;
use std::borrow::Cow;

use protocol_mci::json::{JsonTree, NumberText};
use protocol_mci::{Direction, Layout, Message};
use serde_json::{Map, Value};

static LAYOUT: LazyLock<Layout> = LazyLock::new(|| {
    with_body(
        r#"
    { name = "name", type = "text", length = 8, blank = "null" },
    { name = "code", type = "text", length = 5, align = "right", pad = "0" },
    { name = "amount", type = "number", length = 9, scale = 2, sign = "leading" },
    { name = "pk", type = "packed", length = 4, scale = 1 },
    { name = "b2", type = "binary", length = 2, signed = true },
    { name = "d", type = "date", pattern = "yyyyMMdd" },
    { name = "item_cnt", type = "number", length = 1 },
    { name = "items", type = "group", count = "item_cnt", max = 3, fields = [
        { name = "sku", type = "text", length = 4 },
        { name = "qty", type = "packed", length = 2, signed = false },
        { name = "subs", type = "group", occurs = 2, fields = [
            { name = "tag", type = "text", length = 2 },
        ] },
    ] },
    { name = "kind", type = "text", length = 1 },
    { name = "detail", type = "redefines", selector = "kind", length = 12, pad = " ", alternatives = [
        { name = "card", when = ["C"], fields = [ { name = "card_no", type = "text", length = 12 } ] },
        { name = "loan", when = ["L"], fields = [
            { name = "months", type = "number", length = 3 },
            { name = "rate", type = "number", length = 6, scale = 3 },
        ] },
    ] }"#,
    )
});

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// One of some JSON texts.
fn one_of(texts: &'static [&'static str]) -> BoxedStrategy<Value> {
    proptest::sample::select(texts).prop_map(json).boxed()
}

/// Values no field takes as they are, or only some do.
fn odd() -> BoxedStrategy<Value> {
    one_of(&[
        "null",
        "true",
        "\"x\"",
        "\"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijk\"",
        "\"quo\\\"te\\u00e9\"",
        "1e400",
        "-0",
        "\"-0\"",
        "99999999999",
        "\"1.2.3\"",
        "[1]",
        "{\"a\": 1}",
        "[]",
        "{}",
        "12.345",
    ])
}

/// A field's value: mostly valid, sometimes odd, sometimes missing.
fn field(valid: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        40 => valid.prop_map(Some),
        1 => odd().prop_map(Some),
        2 => Just(None),
    ]
    .boxed()
}

fn object(members: Vec<(&'static str, Option<Value>)>) -> Value {
    let map: Map<String, Value> = members
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_owned(), v?)))
        .collect();
    Value::Object(map)
}

fn item() -> BoxedStrategy<Value> {
    let sub =
        field(one_of(&["\"ab\"", "\"x\"", "null"])).prop_map(|tag| object(vec![("tag", tag)]));
    let subs = prop_oneof![
        4 => proptest::collection::vec(sub, 0..4).prop_map(Value::Array),
        1 => odd(),
    ];
    (
        field(one_of(&["\"SK1\"", "\"SKU9\""])),
        field(one_of(&["0", "7", "123", "\"45\""])),
        field(subs.boxed()),
    )
        .prop_map(|(sku, qty, subs)| object(vec![("sku", sku), ("qty", qty), ("subs", subs)]))
        .boxed()
}

fn body() -> impl Strategy<Value = Value> {
    let card = one_of(&["{\"card_no\": \"1234\"}", "{}"]);
    let loan = one_of(&["{\"months\": 36, \"rate\": 4.250}", "{\"months\": 7}"]);
    let scalars = (
        field(one_of(&["\"Kim\"", "\"\"", "null", "\"홍길동\""])),
        field(one_of(&["\"123\"", "\"A1\"", "\"\""])),
        field(one_of(&["12.34", "\"-5.00\"", "0", "-0", "123456.7"])),
        field(one_of(&["12.5", "-3", "\"7\""])),
        field(one_of(&["100", "-100", "32767"])),
        field(one_of(&["\"2026-11-30\"", "\"1999-01-01\""])),
    );
    let items = (
        proptest::collection::vec(item(), 0..4),
        prop_oneof![8 => Just(None), 1 => Just(Some(0usize)), 1 => Just(Some(1))],
        prop_oneof![20 => Just(false), 1 => Just(true)],
    )
        .prop_map(|(items, count, odd_items)| {
            // The writer counts the group; a given count is mostly the right one.
            let count = count.map(|c| Value::from(if c == 0 { items.len() } else { c }));
            let items = match odd_items {
                true => Value::Bool(true),
                false => Value::Array(items),
            };
            (count, Some(items))
        });
    let view = prop_oneof![
        (Just(json("\"C\"")), field(card)).prop_map(|(kind, card)| (Some(kind), card, None)),
        (Just(json("\"L\"")), field(loan)).prop_map(|(kind, loan)| (Some(kind), None, loan)),
        field(one_of(&["\"C\"", "\"L\"", "\"X\""])).prop_map(|kind| (kind, None, None)),
    ];
    (scalars, items, view).prop_map(
        |((name, code, amount, pk, b2, d), (item_cnt, items), (kind, card, loan))| {
            object(vec![
                ("name", name),
                ("code", code),
                ("amount", amount),
                ("pk", pk),
                ("b2", b2),
                ("d", d),
                ("item_cnt", item_cnt),
                ("items", items),
                ("kind", kind),
                ("card", card),
                ("loan", loan),
            ])
        },
    )
}

/// Both encodings of `body` as text: the frame's bytes or the error.
fn both(body: &Value) -> (String, String) {
    let layout = &*LAYOUT;
    let mut header = Map::new();
    header.insert("tx".into(), "T001".into());
    let Value::Object(members) = body else {
        unreachable!()
    };
    let message = Message {
        header: header.clone(),
        body: members.clone(),
    };
    let from_value = layout.encode(Direction::Request, &message);
    let tree = JsonTree::from_value(body);
    let JsonTree::Object(tree_members) = &tree else {
        unreachable!()
    };
    let codec = layout.codec(Direction::Request);
    let from_tree = codec.encode_body(&header, tree_members.as_slice());
    (format!("{from_value:?}"), format!("{from_tree:?}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_tree_encodes_as_the_value_does(body in body()) {
        let (from_value, from_tree) = both(&body);
        prop_assert_eq!(from_value, from_tree);
    }
}

#[test]
fn a_valid_body_encodes_and_an_odd_one_fails_the_same_way() {
    let valid = json(
        r#"{"name": "Kim", "code": "123", "amount": "-5.00", "pk": 12.5, "b2": -100,
            "d": "2026-11-30", "item_cnt": 1,
            "items": [{"sku": "SK1", "qty": 7, "subs": [{"tag": "ab"}]}],
            "kind": "L", "loan": {"months": 36, "rate": 4.250}}"#,
    );
    let (from_value, from_tree) = both(&valid);
    assert!(from_value.starts_with("Ok("), "{from_value}");
    assert_eq!(from_value, from_tree);
    let odd = json(r#"{"name": "Kim", "code": "123", "amount": [1]}"#);
    let (from_value, from_tree) = both(&odd);
    assert!(from_value.contains("amount"), "{from_value}");
    assert_eq!(from_value, from_tree);
}

/// A small deterministic generator: the scramble's choices come from a generated seed, so a
/// failing case shrinks to its seed.
struct Choices(u64);

impl Choices {
    fn below(&mut self, n: usize) -> usize {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

/// `value` with every object's members moved about a little (a swap, a member moved to the
/// front or the end) and, now and then, an extra key no layout reads.
fn reorder(value: &Value, choices: &mut Choices) -> Value {
    match value {
        Value::Array(elements) => {
            Value::Array(elements.iter().map(|e| reorder(e, choices)).collect())
        }
        Value::Object(members) => {
            let mut list: Vec<(String, Value)> = members
                .iter()
                .map(|(k, v)| (k.clone(), reorder(v, choices)))
                .collect();
            let n = list.len();
            match choices.below(6) {
                0 if n > 1 => list.swap(choices.below(n), choices.below(n)),
                1 if n > 1 => {
                    let member = list.remove(choices.below(n));
                    list.insert(0, member);
                }
                2 if n > 1 => {
                    let member = list.remove(choices.below(n));
                    list.push(member);
                }
                3 => list.reverse(),
                _ => {}
            }
            for extra in ["zz_extra", "_"] {
                if choices.below(3) == 0 {
                    let at = choices.below(list.len() + 1);
                    list.insert(at, (extra.to_owned(), Value::from("ignored")));
                }
            }
            Value::Object(list.into_iter().collect())
        }
        other => other.clone(),
    }
}

/// `tree` with some members repeated right after themselves or at the end of their object,
/// holding another value: `get` reads the first, so nothing changes.
fn repeat_names(tree: &mut JsonTree<'_>, choices: &mut Choices) {
    match tree {
        JsonTree::Array(elements) => elements.iter_mut().for_each(|e| repeat_names(e, choices)),
        JsonTree::Object(members) => {
            members
                .iter_mut()
                .for_each(|(_, v)| repeat_names(v, choices));
            let n = members.len();
            if n > 0 && choices.below(2) == 0 {
                let from = choices.below(n);
                let at = match choices.below(2) {
                    0 => from + 1,
                    _ => n,
                };
                let name = members[from].0.clone();
                let other = JsonTree::Number(NumberText::of_u64(7));
                members.insert(at, (name, other));
            }
            if choices.below(4) == 0 {
                members.insert(0, (Cow::Borrowed("zz_extra"), JsonTree::Bool(true)));
            }
        }
        _ => {}
    }
}

/// The body's own encoding, and the encodings of it reordered (as a map) and reordered with
/// repeated names (as a tree).
fn reordered(body: &Value, seed: u64) -> (String, String, String) {
    let layout = &*LAYOUT;
    let mut header = Map::new();
    header.insert("tx".into(), "T001".into());
    let codec = layout.codec(Direction::Request);
    let encode_map = |value: &Value| {
        let Value::Object(members) = value else {
            unreachable!()
        };
        format!("{:?}", codec.encode_body(&header, members))
    };
    let mut choices = Choices(seed | 1);
    let moved = reorder(body, &mut choices);
    let mut tree = JsonTree::from_value(&moved);
    repeat_names(&mut tree, &mut choices);
    let JsonTree::Object(tree_members) = &tree else {
        unreachable!()
    };
    let from_tree = format!("{:?}", codec.encode_body(&header, tree_members.as_slice()));
    (encode_map(body), encode_map(&moved), from_tree)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn member_order_extra_keys_and_repeated_names_change_nothing(body in body(), seed in any::<u64>()) {
        let (as_is, moved, repeated) = reordered(&body, seed);
        prop_assert_eq!(&as_is, &moved);
        prop_assert_eq!(&as_is, &repeated);
    }
}
