//! The walk over both decisions: the hot path.
//!
//! Both decisions are walked together, with the path and the matcher states kept on two stacks
//! that grow and shrink with the recursion. Nothing is allocated while the values are equal;
//! a difference allocates its path and copies its two values as JSON, which is rare and is the
//! point. The walk is generic over the tree ([`Node`]): `serde_json::Value` or the gateway's
//! decoded frames compare alike.

use std::cell::OnceCell;
use std::ops::Range;

use crate::comparison::{Comparison, DiffKind, Difference, Severity};
use crate::date::Date;
use crate::explain::{Hidden, Pairing};
use crate::leaf::Tolerance;
use crate::matcher::{Actions, Matcher, RuleIndex};
use crate::node::{Leaf, Node, Shape};
use crate::path::Step;
use crate::rules::{Behaviour, Rules};
use crate::scalar::{same_number, same_string, Kind};
use crate::text::same_text;

/// Compares the live and the shadow decision field by field under the strategy's rules.
///
/// Pure and deterministic: the same inputs give the same [`Comparison`], in the same order.
/// Decisions are any [`Node`]: `&serde_json::Value`, or a typed tree that compares as its JSON.
///
/// No rule expires here: judging needs a day, which [`compare_on`] takes.
pub fn compare<'a, N: Node<'a>>(live: N, shadow: N, rules: &Rules) -> Comparison {
    Walker::new(rules).run(live, shadow).0
}

/// [`compare`] as judged on `today`: a rule whose `expires` is on or before `today` hides
/// nothing, and each difference it would have hidden is reported with
/// [`Difference::expired_rule`](crate::Difference::expired_rule) naming it.
pub fn compare_on<'a, N: Node<'a>>(live: N, shadow: N, rules: &Rules, today: Date) -> Comparison {
    Walker::new(rules).on(today).run(live, shadow).0
}

/// The rules in force at a node: inherited from ancestors, overridden by deeper patterns.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Scope {
    pub(crate) severity: Severity,
    pub(crate) ignore: Option<RuleIndex>,
    pub(crate) tolerance: Option<RuleIndex>,
    pub(crate) normalise: Option<RuleIndex>,
    pub(crate) value_map: Option<RuleIndex>,
    /// Applies to the array at exactly this node, never to arrays nested inside it.
    unordered: Option<RuleIndex>,
    /// An expired rule that would hide differences here: they are reported, marked with it.
    pub(crate) revealed: Option<RuleIndex>,
}

impl Scope {
    fn enter(self, actions: &Actions) -> Self {
        Self {
            severity: actions.severity.unwrap_or(self.severity),
            ignore: actions.ignore.or(self.ignore),
            tolerance: actions.tolerance.or(self.tolerance),
            normalise: actions.normalise.or(self.normalise),
            value_map: actions.value_map.or(self.value_map),
            unordered: actions.unordered,
            revealed: self.revealed,
        }
    }
}

pub(crate) struct Walker<'a, 'r> {
    pub(crate) rules: &'r Rules,
    pub(crate) path: Vec<Step<'a>>,
    states: Vec<u32>,
    pub(crate) differences: Vec<Difference>,
    /// Per rule; empty until the first suppression so a clean comparison does not allocate it.
    pub(crate) counts: Vec<u32>,
    /// While probing, differences are only counted in `found`, and suppressions are not counted.
    pub(crate) probing: bool,
    /// Differences a probe found so far.
    pub(crate) found: u32,
    /// A probe stops once it has found this many: one to answer "equal?", more to rank.
    pub(crate) enough: u32,
    /// Every suppression with its path, only for [`explain`](crate::explain());
    /// `None` in [`compare`].
    pub(crate) hidden: Option<Vec<Hidden>>,
    /// How each `unordered` array was paired, only when explaining (never allocated otherwise).
    pub(crate) pairings: Vec<Pairing>,
    /// The day rules are judged on; `None`: no rule expires.
    pub(crate) today: Option<Date>,
    /// A leaf rule that would have made the current values equal but has expired.
    pub(crate) revealed_leaf: Option<RuleIndex>,
}

impl<'a, 'r> Walker<'a, 'r> {
    fn new(rules: &'r Rules) -> Self {
        Self {
            rules,
            path: Vec::with_capacity(8),
            states: Vec::with_capacity(16),
            differences: Vec::new(),
            counts: Vec::new(),
            probing: false,
            found: 0,
            enough: 1,
            hidden: None,
            pairings: Vec::new(),
            today: None,
            revealed_leaf: None,
        }
    }

    /// Judges on `today`: rules that expired by then hide nothing.
    pub(crate) fn on(self, today: Date) -> Self {
        Self {
            // Without any expiry in the rules, skip the check on every node.
            today: self.rules.earliest_expiry().map(|_| today),
            ..self
        }
    }

    /// Whether the rule has expired on the day judged on.
    pub(crate) fn expired(&self, rule: RuleIndex) -> bool {
        self.today
            .is_some_and(|today| self.rules.rule(rule).governance.expired_on(today))
    }

    /// Moves expired `ignore` and `unordered` rules of `scope` to `revealed`.
    fn unexpired(&self, mut scope: Scope) -> Scope {
        if self.today.is_none() {
            return scope;
        }
        if let Some(rule) = scope.ignore.filter(|&rule| self.expired(rule)) {
            scope.ignore = None;
            scope.revealed = Some(rule);
        }
        if let Some(rule) = scope.unordered.filter(|&rule| self.expired(rule)) {
            scope.unordered = None;
            scope.revealed = Some(rule);
        }
        scope
    }

    /// A walker that also lists where each suppression happened, for [`explain`](crate::explain()).
    pub(crate) fn explaining(rules: &'r Rules) -> Self {
        Self {
            hidden: Some(Vec::new()),
            ..Self::new(rules)
        }
    }

    /// Walks both decisions from the root: the comparison, and the suppressions listed when
    /// explaining (empty otherwise).
    pub(crate) fn run<N: Node<'a>>(mut self, live: N, shadow: N) -> (Comparison, Vec<Hidden>) {
        self.states.push(Matcher::ROOT);
        self.node(live, shadow, 0..1, Scope::default());
        self.finish()
    }

    /// Walks both decisions while explaining: the suppressions with their paths, and how each
    /// `unordered` array was paired.
    pub(crate) fn run_explained<N: Node<'a>>(
        mut self,
        live: N,
        shadow: N,
    ) -> (Vec<Hidden>, Vec<Pairing>) {
        self.states.push(Matcher::ROOT);
        self.node(live, shadow, 0..1, Scope::default());
        let pairings = std::mem::take(&mut self.pairings);
        (self.finish().1, pairings)
    }

    /// Compares one child of the node whose matcher states are `parent`.
    pub(crate) fn child<N: Node<'a>>(
        &mut self,
        step: Step<'a>,
        live: Option<N>,
        shadow: Option<N>,
        parent: Range<usize>,
        scope: Scope,
    ) {
        let matcher = &self.rules.matcher;
        self.path.push(step);
        let start = self.states.len();
        for at in parent {
            let node = self.states[at];
            matcher.step(node, step, &mut self.states);
        }
        // Usually no pattern reaches the child, or exactly one does: skip the merge then.
        let scope = match &self.states[start..] {
            [] => Scope {
                unordered: None,
                ..scope
            },
            [node] => scope.enter(matcher.actions(*node)),
            nodes => {
                let mut actions = Actions::default();
                for &node in nodes {
                    actions.merge(matcher.actions(node));
                }
                scope.enter(&actions)
            }
        };
        let scope = self.unexpired(scope);
        let here = start..self.states.len();
        match (live, shadow) {
            (Some(live), Some(shadow)) => self.node(live, shadow, here, scope),
            (Some(live), None) => self.differ(DiffKind::MissingInShadow, Some(live), None, scope),
            (None, Some(shadow)) => self.differ(DiffKind::ExtraInShadow, None, Some(shadow), scope),
            (None, None) => {}
        }
        self.states.truncate(start);
        self.path.pop();
    }

    fn node<N: Node<'a>>(&mut self, live: N, shadow: N, here: Range<usize>, scope: Scope) {
        // Explaining still walks a shared part: it lists how each array was paired.
        if self.hidden.is_none() && live.same(shadow) {
            return;
        }
        match (live.shape(), shadow.shape()) {
            (Shape::Object, Shape::Object) => self.objects(live, shadow, here, scope),
            (Shape::Array, Shape::Array) => match scope.unordered {
                Some(rule) => self.unordered(rule, live, shadow, here, scope),
                None => self.ordered(live, shadow, here, scope),
            },
            (Shape::Leaf(l), Shape::Leaf(s)) => self.scalars(live, shadow, l, s, scope),
            _ => self.differ(DiffKind::TypeChanged, Some(live), Some(shadow), scope),
        }
    }

    /// Compares two scalars: the leaves of the walk, most of its nodes.
    #[inline]
    fn scalars<N: Node<'a>>(&mut self, live: N, shadow: N, l: Leaf<'a>, s: Leaf<'a>, scope: Scope) {
        let differs = match (l.kind(), s.kind()) {
            (Kind::Number, Kind::Number) => !same_number(l, s) && !self.numbers_alike(l, s, scope),
            (Kind::String, Kind::String) => !same_string(l, s) && !self.strings_alike(l, s, scope),
            (Kind::Bool, Kind::Bool) => !matches!((l, s), (Leaf::Bool(a), Leaf::Bool(b)) if a == b),
            (Kind::Null, Kind::Null) => false,
            _ => {
                return self.differ(DiffKind::TypeChanged, Some(live), Some(shadow), scope);
            }
        };
        if differs {
            self.differ(DiffKind::ValueChanged, Some(live), Some(shadow), scope);
        }
    }

    /// Whether a tolerance or value-map rule makes two unequal numbers equal.
    #[cold]
    fn numbers_alike(&mut self, l: Leaf<'a>, s: Leaf<'a>, scope: Scope) -> bool {
        if scope.tolerance.is_none() && scope.value_map.is_none() {
            return false;
        }
        // Two decimals go by their integers; the texts are written only when a rule reads them
        // (a value map, or a tolerance the integers cannot answer exactly).
        let scaled = match (l, s) {
            (Leaf::Decimal(l), Leaf::Decimal(s)) => {
                Some(((l.mantissa, l.scale), (s.mantissa, s.scale)))
            }
            _ => None,
        };
        let texts = OnceCell::new();
        let texts = || texts.get_or_init(|| (l.spell(), s.spell()));
        let within = |tolerance: &Tolerance| {
            let exact = scaled.and_then(|(l, s)| tolerance.within_scaled(l, s));
            exact.or_else(|| {
                let (l, s) = texts();
                tolerance.within(l.as_str(), s.as_str())
            })
        };
        // A number too large for exact arithmetic (`within` is `None`) is reported.
        self.hidden_by(
            scope.tolerance,
            |rule| matches!(rule, Behaviour::Tolerance(t) if within(t) == Some(true)),
        ) || self.hidden_by(scope.value_map, |rule| match rule {
            Behaviour::ValueMap(map) => {
                let (l, s) = texts();
                map.equal(l.as_str(), s.as_str())
            }
            _ => false,
        })
    }

    /// Whether a normalise or value-map rule makes two unequal strings equal.
    #[cold]
    fn strings_alike(&mut self, l: Leaf<'a>, s: Leaf<'a>, scope: Scope) -> bool {
        if scope.normalise.is_none() && scope.value_map.is_none() {
            return false;
        }
        let (l, s) = (l.spell(), s.spell());
        let (l, s) = (l.as_str(), s.as_str());
        self.hidden_by(
            scope.normalise,
            |rule| matches!(rule, Behaviour::Normalise(n) if n.equal(l, s)),
        ) || self.hidden_by(
            scope.value_map,
            |rule| matches!(rule, Behaviour::ValueMap(map) if map.equal(l, s)),
        )
    }

    fn objects<N: Node<'a>>(&mut self, l: N, s: N, here: Range<usize>, scope: Scope) {
        // Decisions from one layout list their fields in one order, so walk both in lockstep
        // and fall back to lookups only from the first misaligned key on.
        let mut aligned = 0;
        for ((lk, lv), (sk, sv)) in l.fields().zip(s.fields()) {
            if !same_text(lk.as_bytes(), sk.as_bytes()) {
                break;
            }
            self.child(Step::Key(lk), Some(lv), Some(sv), here.clone(), scope);
            aligned += 1;
            if self.stopped() {
                return;
            }
        }
        if aligned == l.len() && aligned == s.len() {
            return;
        }
        for (lk, lv) in l.fields().skip(aligned) {
            self.child(Step::Key(lk), Some(lv), s.field(lk), here.clone(), scope);
        }
        for (sk, sv) in s.fields().skip(aligned) {
            if l.field(sk).is_none() {
                self.child(Step::Key(sk), None, Some(sv), here.clone(), scope);
            }
        }
    }

    fn ordered<N: Node<'a>>(&mut self, l: N, s: N, here: Range<usize>, scope: Scope) {
        self.lengths(l.len(), s.len(), scope);
        for index in 0..l.len().max(s.len()) {
            self.child(
                Step::Index(index),
                l.element(index),
                s.element(index),
                here.clone(),
                scope,
            );
            if self.stopped() {
                return;
            }
        }
    }
}
