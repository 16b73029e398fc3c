use std::borrow::Cow;

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::*;
use crate::json::{JsonTree, MemberList, NumberText};

/// Names a layout level may ask for.
const NAMES: &[&str] = &["a", "b", "c", "d", "e", "f", "g", "h"];
/// Names plus keys no layout asks for.
const KEYS: &[&str] = &["a", "b", "c", "d", "e", "f", "g", "h", "x", "yy", ""];

/// What happens to one asked member on its way into the object.
#[derive(Debug, Clone, Copy)]
enum Edit {
    Keep,
    Drop,
    /// Kept, then followed by another key (an extra one or a repeated name).
    Extra(&'static str),
    /// Kept after the member that follows it.
    SwapWithNext,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        12 => Just(Edit::Keep),
        2 => Just(Edit::Drop),
        2 => proptest::sample::select(KEYS).prop_map(Edit::Extra),
        1 => Just(Edit::SwapWithNext),
    ]
}

/// Distinct names in some order: what one walk asks.
fn asks() -> impl Strategy<Value = Vec<&'static str>> {
    (Just(NAMES.to_vec()).prop_shuffle(), 0..=NAMES.len())
        .prop_map(|(names, n)| names[..n].to_vec())
}

/// An object's keys and the walk's names: mostly the walk's names in order, edited; sometimes
/// any keys at all.
fn case() -> impl Strategy<Value = (Vec<&'static str>, Vec<&'static str>)> {
    let edited = asks().prop_flat_map(|asks| {
        let edits = proptest::collection::vec(edit(), asks.len());
        (Just(asks), edits).prop_map(|(asks, edits)| {
            let mut keys = Vec::new();
            for (name, edit) in asks.iter().zip(edits) {
                match edit {
                    Edit::Keep => keys.push(*name),
                    Edit::Drop => {}
                    Edit::Extra(extra) => keys.extend([*name, extra]),
                    Edit::SwapWithNext => {
                        keys.push(*name);
                        let at = keys.len();
                        if at >= 2 {
                            keys.swap(at - 1, at - 2);
                        }
                    }
                }
            }
            (keys, asks)
        })
    });
    let random = (
        proptest::collection::vec(proptest::sample::select(KEYS), 0..12),
        asks(),
    );
    prop_oneof![4 => edited, 1 => random]
}

/// A member list with those keys, each value its index (so members of one name differ).
fn members(keys: &[&'static str]) -> MemberList<'static> {
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            (
                Cow::Borrowed(*k),
                JsonTree::Number(NumberText::of_u64(i as u64)),
            )
        })
        .collect()
}

/// Asks `names` in order of a cursor and of `get`: the same member each time (by address).
/// Each name is peeked first (a group's, for its count field); every third name is passed
/// instead (a filler's), and not compared.
fn walk_agrees<O: JsonObject + ?Sized>(object: &O, names: &[&str]) -> Result<(), String> {
    let mut cursor = Cursor::new(object);
    for (i, name) in names.iter().enumerate() {
        if i % 3 == 2 {
            cursor.pass(name);
            continue;
        }
        let by_name = object.get(name).map(|v| v as *const O::Node);
        let peeked = cursor.peek(name).map(|v| v as *const O::Node);
        if peeked != by_name {
            return Err(format!("{name:?}: peeked {peeked:?}, by name {by_name:?}"));
        }
        let walked = cursor.get(name).map(|v| v as *const O::Node);
        if walked != by_name {
            return Err(format!("{name:?}: walked {walked:?}, by name {by_name:?}"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn a_walk_finds_what_get_finds_in_a_member_list((keys, names) in case()) {
        let list = members(&keys);
        prop_assert_eq!(walk_agrees(list.as_slice(), &names), Ok(()));
    }

    #[test]
    fn a_walk_finds_what_get_finds_in_a_map((keys, names) in case()) {
        let map: Map<String, Value> = members(&keys)
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_value()))
            .collect();
        prop_assert_eq!(walk_agrees(&map, &names), Ok(()));
    }
}

#[test]
fn a_repeated_name_passed_over_gives_the_walk_up() {
    // "b" is found by name past the extra "x"; passing over "x" would later find the second
    // "x" in place, so the walk stops and "x" is the first one, as `get` says.
    let list = members(&["a", "x", "b", "x"]);
    let mut cursor = Cursor::new(list.as_slice());
    assert!(cursor.get("a").is_some());
    assert!(cursor.get("b").is_some());
    assert!(cursor.rest.is_none());
    let first_x = JsonObject::get(list.as_slice(), "x").map(|v| v as *const JsonTree);
    assert_eq!(cursor.get("x").map(|v| v as *const JsonTree), first_x);
    assert_eq!(first_x, Some(&list[1].1 as *const JsonTree));
}

#[test]
fn the_walk_goes_on_in_place_past_an_extra_key_and_a_missing_one() {
    let list = members(&["a", "x", "b", "d"]);
    let mut cursor = Cursor::new(list.as_slice());
    assert!(cursor.get("a").is_some());
    assert!(cursor.get("b").is_some());
    assert!(cursor.get("c").is_none());
    // In place: the member after "b".
    assert_eq!(
        cursor.rest.clone().and_then(|mut r| r.next()).map(|e| e.0),
        Some("d")
    );
    assert_eq!(cursor.get("d"), Some(&list[3].1));
}
