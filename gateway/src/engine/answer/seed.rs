//! What the borrowed-tree parses share (engine answers and HTTP ingress requests in
//! [`super::read`]; serde_json's parse in `tree`, the tests' reference): an object's members with
//! `Value`'s handling of a repeated key, when a duplicate key is looked for by a scan, and how its
//! path is written.

use std::borrow::Cow;
use std::collections::HashSet;

use protocol_mci::json::JsonTree;

/// Members up to which a duplicate is looked for by a scan; larger objects use a set.
const SCAN_MEMBERS: usize = 16;

/// Members an object's list has room for before its first key: a decision's header or body
/// (8–12 members in the demo's and the tests' layouts) grows once at most.
const MEMBERS_ROOM: usize = 8;

/// An object's members as a parse meets them, with what `Value`'s own parse does with a key
/// given twice: the last value, in the first key's place.
pub(crate) struct ObjectMembers<'a> {
    members: Vec<(Cow<'a, str>, JsonTree<'a>)>,
    /// Past [`SCAN_MEMBERS`], the keys so far, for a duplicate check that stays linear.
    seen: Option<HashSet<Cow<'a, str>>>,
}

impl<'a> ObjectMembers<'a> {
    pub(crate) fn new() -> ObjectMembers<'a> {
        ObjectMembers {
            // Room for a usual header or body: growing from empty reallocated three times.
            members: Vec::with_capacity(MEMBERS_ROOM),
            seen: None,
        }
    }

    /// Whether `key` was met before in this object (noted as met when it was not).
    // A `Cow`, not a `&str`: past SCAN_MEMBERS the key is cloned into the set as it is, so a
    // key borrowed from the bytes stays borrowed there.
    #[allow(clippy::ptr_arg)]
    pub(crate) fn repeats(&mut self, key: &Cow<'a, str>) -> bool {
        match &mut self.seen {
            Some(seen) => !seen.insert(key.clone()),
            None => self.members.iter().any(|(k, _)| k == key),
        }
    }

    /// Adds a member; a `repeated` key (as [`Self::repeats`] said) replaces its first value.
    pub(crate) fn put(&mut self, key: Cow<'a, str>, value: JsonTree<'a>, repeated: bool) {
        if repeated {
            if let Some(slot) = self.members.iter_mut().find(|(k, _)| *k == key) {
                slot.1 = value;
            }
            return;
        }
        self.members.push((key, value));
        if self.seen.is_none() && self.members.len() == SCAN_MEMBERS {
            self.seen = Some(self.members.iter().map(|(k, _)| k.clone()).collect());
        }
    }

    /// The members in document order.
    pub(crate) fn into_vec(self) -> Vec<(Cow<'a, str>, JsonTree<'a>)> {
        self.members
    }
}

/// One step of a duplicate's path, innermost first while the parse unwinds.
pub(crate) enum PathStep {
    /// A member's key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// Steps a rendered path shows at most: the outermost and innermost ones, with how many are left
/// out between them. A path is logged and stored; nesting can be 127 levels deep.
const MAX_RENDERED_STEPS: usize = 16;

/// The steps as `a.b[1].c`; a deeper path as its first and last steps around how many are left
/// out (`body.x[0][0]…(111 more levels)…[0][0]`).
pub(crate) fn render(mut steps: Vec<PathStep>) -> String {
    steps.reverse();
    let mut path = String::new();
    let left_out = steps.len().saturating_sub(MAX_RENDERED_STEPS);
    let outer = MAX_RENDERED_STEPS / 2;
    for (at, step) in steps.into_iter().enumerate() {
        if left_out > 0 && (outer..outer + left_out).contains(&at) {
            if at == outer {
                path.push_str(&format!("…({left_out} more levels)…"));
            }
            continue;
        }
        match step {
            PathStep::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&key);
            }
            PathStep::Index(index) => path.push_str(&format!("[{index}]")),
        }
    }
    path
}
