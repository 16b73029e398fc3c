//! Positional-first member lookup: the encoder asks an object for its members in layout order,
//! and the objects it is given almost always hold them in that order (the decoder writes them
//! so, engines echo it). So the member after the last one found is tried first, with one key
//! comparison, and a lookup by name ([`JsonObject::get`], SipHash for a `Map`, a scan for a
//! member list) is only the fallback. The answer is always the one `get` gives.

use std::ptr;

use super::JsonObject;

/// How many members past the cursor a member found by name is looked for, so the walk goes on
/// in place after a few extra keys.
const LOOKAHEAD: usize = 4;

/// A walk over one object's members in the order they are asked for.
///
/// Each name is asked ([`Cursor::get`], [`Cursor::pass`]) at most once per cursor: layout
/// validation makes field and view names unique at a level ([`Cursor::peek`] does not count: it
/// moves nothing). That is why a member found in place is the first of its name, even in a
/// member list where names may repeat: every member before it was found under another name, or
/// passed over after checking that its name does not come again.
pub(crate) struct Cursor<'o, O: JsonObject + ?Sized + 'o> {
    object: &'o O,
    /// The members after the last one found in place; `None` once the walk is given up (names
    /// that repeat in a member list, see [`Cursor::pass_to`]).
    rest: Option<O::Entries<'o>>,
}

impl<'o, O: JsonObject + ?Sized> Cursor<'o, O> {
    /// A walk from the object's first member.
    pub fn new(object: &'o O) -> Cursor<'o, O> {
        Cursor {
            object,
            rest: Some(object.entries()),
        }
    }

    /// The object walked, for lookups that are not part of the walk (which views of a redefines
    /// area are present, its selector).
    pub fn object(&self) -> &'o O {
        self.object
    }

    /// The member named `key`: the one [`JsonObject::get`] gives.
    pub fn get(&mut self, key: &str) -> Option<&'o O::Node> {
        if let Some(rest) = &mut self.rest {
            let mut ahead = rest.clone();
            if let Some((name, value)) = ahead.next() {
                if name == key {
                    *rest = ahead;
                    return Some(value);
                }
            }
        }
        let found = self.object.get(key)?;
        self.pass_to(found);
        Some(found)
    }

    /// The member named `key`, as [`Cursor::get`] finds it, without moving the walk: a group's
    /// member read for its count field (the group comes after its count, so it is the next
    /// member, and it is asked for again in its turn).
    pub fn peek(&self, key: &str) -> Option<&'o O::Node> {
        if let Some((name, value)) = self.rest.clone().and_then(|mut rest| rest.next()) {
            if name == key {
                return Some(value);
            }
        }
        self.object.get(key)
    }

    /// Passes the member at the cursor if it is named `key`: a field whose value is not read
    /// (a filler or a constant) still keeps the walk in place when the object holds it.
    pub fn pass(&mut self, key: &str) {
        if let Some(rest) = &mut self.rest {
            let mut ahead = rest.clone();
            if ahead.next().is_some_and(|(name, _)| name == key) {
                *rest = ahead;
            }
        }
    }

    /// Moves the walk past `found` when it is a few members ahead (extra keys in between). In a
    /// member list the members passed over must not have their names again later, where the
    /// walk would find such a later member in place instead of the first one; else the walk is
    /// given up and every lookup goes by name.
    fn pass_to(&mut self, found: &O::Node) {
        let Some(rest) = &mut self.rest else {
            return;
        };
        // The member at the cursor has another name: start after it.
        let mut ahead = rest.clone();
        for passed in 1..=LOOKAHEAD {
            ahead.next();
            let mut at = ahead.clone();
            match at.next() {
                Some((_, value)) if ptr::eq(value, found) => {
                    let after = at.clone();
                    let safe = O::UNIQUE_KEYS
                        || rest
                            .clone()
                            .take(passed)
                            .all(|(name, _)| after.clone().all(|(later, _)| later != name));
                    if safe {
                        *rest = at;
                    } else {
                        self.rest = None;
                    }
                    return;
                }
                Some(_) => {}
                None => return,
            }
        }
    }
}

#[cfg(test)]
mod tests;
