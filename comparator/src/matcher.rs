//! All rule patterns of a strategy merged into one trie, walked alongside the decision.
//!
//! The walker keeps the set of trie nodes the current path has reached. Stepping to a child
//! consults only those nodes, so the cost per field does not grow with the number of rules, and
//! a subtree no pattern reaches is walked with an empty set.

use crate::comparison::Severity;
use crate::path::Step;
use crate::pattern::{Glob, Pattern, PatternSegment};
use crate::text::same_text;

/// Index of a rule in [`Rules`](crate::Rules); also indexes the suppression counters.
pub(crate) type RuleIndex = u32;

/// What applies at a node whose pattern ends there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Actions {
    pub(crate) ignore: Option<RuleIndex>,
    pub(crate) severity: Option<Severity>,
    pub(crate) tolerance: Option<RuleIndex>,
    pub(crate) normalise: Option<RuleIndex>,
    pub(crate) value_map: Option<RuleIndex>,
    pub(crate) unordered: Option<RuleIndex>,
}

impl Actions {
    /// Merges the actions of two patterns that match the same path (`body.*` and `body.limit`):
    /// the earlier rule wins, and the more severe severity, so a conflict never lowers severity.
    pub(crate) fn merge(&mut self, other: &Actions) {
        fn first(a: Option<RuleIndex>, b: Option<RuleIndex>) -> Option<RuleIndex> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                _ => a.or(b),
            }
        }
        self.ignore = first(self.ignore, other.ignore);
        self.severity = self.severity.max(other.severity);
        self.tolerance = first(self.tolerance, other.tolerance);
        self.normalise = first(self.normalise, other.normalise);
        self.value_map = first(self.value_map, other.value_map);
        self.unordered = first(self.unordered, other.unordered);
    }
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// Keys are unique.
    literal: Vec<(Box<str>, u32)>,
    any_key: Option<u32>,
    globs: Vec<(Glob, u32)>,
    index: Vec<(usize, u32)>,
    any_index: Option<u32>,
    actions: Actions,
}

/// The trie; node 0 is the root (the whole decision).
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    nodes: Vec<Node>,
}

impl Default for Matcher {
    fn default() -> Self {
        Self {
            nodes: vec![Node::default()],
        }
    }
}

impl Matcher {
    pub(crate) const ROOT: u32 = 0;

    /// Adds a pattern and returns the actions of its final node for the caller to fill in.
    pub(crate) fn insert(&mut self, pattern: &Pattern) -> &mut Actions {
        let mut node = Self::ROOT;
        for segment in pattern.segments() {
            node = self.child(node, segment);
        }
        &mut self.nodes[node as usize].actions
    }

    fn child(&mut self, node: u32, segment: &PatternSegment) -> u32 {
        let next = self.nodes.len() as u32;
        let parent = &mut self.nodes[node as usize];
        let existing = match segment {
            PatternSegment::Key(key) => find_or_push(
                &mut parent.literal,
                |k| **k == **key,
                || key.as_str().into(),
                next,
            ),
            PatternSegment::Glob(glob) => {
                find_or_push(&mut parent.globs, |g| g == glob, || glob.clone(), next)
            }
            // `Pattern::parse` refuses a shadow index; were one inserted, it would act as an index.
            PatternSegment::Index(index) | PatternSegment::ShadowIndex(index) => {
                find_or_push(&mut parent.index, |i| i == index, || *index, next)
            }
            PatternSegment::AnyKey => *parent.any_key.get_or_insert(next),
            PatternSegment::AnyIndex => *parent.any_index.get_or_insert(next),
        };
        if existing == next {
            self.nodes.push(Node::default());
        }
        existing
    }

    /// Pushes every node reached from `node` by `step` onto `out`.
    #[inline]
    pub(crate) fn step(&self, node: u32, step: Step<'_>, out: &mut Vec<u32>) {
        let node = &self.nodes[node as usize];
        match step {
            Step::Key(key) => {
                // A linear scan that compares lengths first beats a binary search here: nodes
                // have few literal children and most keys differ in length.
                for (k, child) in &node.literal {
                    if same_text(k.as_bytes(), key.as_bytes()) {
                        out.push(*child);
                        break;
                    }
                }
                out.extend(node.any_key);
                for (glob, child) in &node.globs {
                    if glob.matches(key) {
                        out.push(*child);
                    }
                }
            }
            Step::Index(index) | Step::ShadowIndex(index) => {
                for (i, child) in &node.index {
                    if *i == index {
                        out.push(*child);
                    }
                }
                out.extend(node.any_index);
            }
        }
    }

    pub(crate) fn actions(&self, node: u32) -> &Actions {
        &self.nodes[node as usize].actions
    }
}

fn find_or_push<T>(
    children: &mut Vec<(T, u32)>,
    same: impl Fn(&T) -> bool,
    make: impl FnOnce() -> T,
    next: u32,
) -> u32 {
    match children.iter().find(|(item, _)| same(item)) {
        Some((_, child)) => *child,
        None => {
            children.push((make(), next));
            next
        }
    }
}
