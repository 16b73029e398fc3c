//! Whether a rule's pattern reaches a field: the check behind "an accepted difference must name
//! a rule that covers it".
//!
//! A differing field is named by its collapsed path (`body.offers[*].rate`, indices as `[*]`),
//! so an index step of the path stands for some index: a pattern `[0]` or `[*]` reaches it. A
//! pattern that reaches a parent of the field reaches the field too (the rule acts on the whole
//! value below it).

use crate::comparison::Severity;
use crate::config::{RulesConfig, SeverityConfig};
use crate::pattern::{Pattern, PatternSegment};
use crate::rules::RuleRef;

/// How a rule's pattern reaches the field at a grouped path ([`reach`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Neither the field nor any of its parents (or the pattern does not parse).
    No,
    /// The field itself: the pattern is as deep as the path.
    Field,
    /// A parent of the field, and so the field too.
    Parent,
    /// It would, but for an index at or past the maximum element count of the `[*]` of the
    /// path it meets (`offers[12]` where `offers` has at most 10 elements).
    PastMaximum {
        /// The pattern's index.
        index: usize,
        /// The group's maximum element count.
        max: usize,
    },
}

/// Whether `pattern` (as written in the rules) reaches the field at `path` (as grouped, e.g.
/// `body.offers[*].rate`) or one of its parents. A pattern or path that does not parse covers
/// nothing.
pub fn covers(pattern: &str, path: &str) -> bool {
    matches!(reach(pattern, path, &[]), Reach::Field | Reach::Parent)
}

/// How `pattern` reaches the field at `path`, as [`covers`] tells, with `maxima[k]` the most
/// elements the `k`-th `[*]` of `path` can stand for (fewer entries: the rest are unbounded), so
/// that an explicit index past a group's maximum reaches nothing.
pub fn reach(pattern: &str, path: &str, maxima: &[usize]) -> Reach {
    let (Ok(pattern), Ok(path)) = (Pattern::parse(pattern), Pattern::parse_path(path)) else {
        return Reach::No;
    };
    let (pattern, path) = (pattern.segments(), path.segments());
    if pattern.len() > path.len() || !pattern.iter().zip(path).all(|(s, f)| step_reaches(s, f)) {
        return Reach::No;
    }
    let mut maxima = maxima.iter();
    for (step, field) in pattern.iter().zip(path) {
        if *field != PatternSegment::AnyIndex {
            continue;
        }
        let max = maxima.next();
        if let (PatternSegment::Index(index), Some(&max)) = (step, max) {
            if *index >= max {
                return Reach::PastMaximum { index: *index, max };
            }
        }
    }
    match pattern.len() == path.len() {
        true => Reach::Field,
        false => Reach::Parent,
    }
}

/// One pattern step against one step of a field's path.
fn step_reaches(step: &PatternSegment, field: &PatternSegment) -> bool {
    use PatternSegment::{AnyIndex, AnyKey, Glob, Index, Key, ShadowIndex};
    match (step, field) {
        (Key(want), Key(key)) => want == key,
        (AnyKey, Key(_)) => true,
        (Glob(glob), Key(key)) => glob.matches(key),
        (Index(_) | AnyIndex, AnyIndex) | (AnyIndex, Index(_) | ShadowIndex(_)) => true,
        (Index(want), Index(index)) => want == index,
        _ => false,
    }
}

impl RuleRef {
    /// Whether this rule reaches the field at `path` ([`covers`]).
    pub fn covers(&self, path: &str) -> bool {
        covers(&self.pattern, path)
    }
}

impl SeverityConfig {
    /// The severity a difference at `path` (as grouped, `body.offers[*].rate`) is given: that of
    /// the deepest pattern reaching it ([`covers`]), the higher one at equal depth, `major` when
    /// none does. So a group's fields can be judged by the rules of today without a comparison.
    pub fn of(&self, path: &str) -> Severity {
        let levels = [
            (Severity::Critical, &self.critical),
            (Severity::Major, &self.major),
            (Severity::Minor, &self.minor),
        ];
        levels
            .into_iter()
            .flat_map(|(severity, patterns)| patterns.iter().map(move |p| (severity, p)))
            .filter(|(_, pattern)| covers(pattern, path))
            .filter_map(|(severity, pattern)| {
                let depth = Pattern::parse(pattern).ok()?.segments().len();
                Some((depth, severity))
            })
            .max()
            .map_or(Severity::Major, |(_, severity)| severity)
    }
}

impl RulesConfig {
    /// Every rule's pattern as written, with its key in the rules table (`ignore[2]`,
    /// `tolerance[0].path`, `severity.minor[1]`), in config order, so a pattern can be checked
    /// against the fields a decision can have ([`covers`]).
    pub fn patterns(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        let ignore = self.ignore.iter().map(|r| r.path.as_str());
        out.extend(
            ignore
                .enumerate()
                .map(|(at, p)| (format!("ignore[{at}]"), p)),
        );
        let paths: [(&str, Vec<&str>); 4] = [
            (
                "tolerance",
                self.tolerance.iter().map(|r| r.path.as_str()).collect(),
            ),
            (
                "unordered",
                self.unordered.iter().map(|r| r.path.as_str()).collect(),
            ),
            (
                "normalise",
                self.normalise.iter().map(|r| r.path.as_str()).collect(),
            ),
            (
                "value_map",
                self.value_map.iter().map(|r| r.path.as_str()).collect(),
            ),
        ];
        for (kind, patterns) in paths {
            for (at, pattern) in patterns.into_iter().enumerate() {
                out.push((format!("{kind}[{at}].path"), pattern));
            }
        }
        let severity = &self.severity;
        for (name, patterns) in [
            ("critical", &severity.critical),
            ("major", &severity.major),
            ("minor", &severity.minor),
        ] {
            for (at, pattern) in patterns.iter().enumerate() {
                out.push((format!("severity.{name}[{at}]"), pattern.as_str()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{covers, reach, Reach};
    use crate::comparison::Severity;
    use crate::config::{RulesConfig, SeverityConfig, ToleranceConfig};

    #[test]
    fn patterns_are_listed_with_their_keys() {
        let mut rules = RulesConfig {
            ignore: vec!["header.sent_at".into(), "body.note".into()],
            tolerance: vec![ToleranceConfig {
                path: "body.rate".into(),
                ..ToleranceConfig::default()
            }],
            ..RulesConfig::default()
        };
        rules.severity.minor.push("body.message".into());
        assert_eq!(
            rules.patterns(),
            [
                ("ignore[0]".to_owned(), "header.sent_at"),
                ("ignore[1]".to_owned(), "body.note"),
                ("tolerance[0].path".to_owned(), "body.rate"),
                ("severity.minor[0]".to_owned(), "body.message"),
            ]
        );
    }

    /// As a comparison gives it (checked against `compare` below): the deepest pattern wins, the
    /// higher severity at equal depth, `major` by default.
    #[test]
    fn a_fields_severity_is_the_deepest_patterns() {
        let severity = SeverityConfig {
            critical: vec!["body.detail.code".into(), "body.offers[*].rate".into()],
            major: vec![],
            minor: vec!["body.detail".into(), "body.offers[0].rate".into()],
        };
        for (path, expected) in [
            ("body.detail.code", Severity::Critical),
            ("body.detail.note", Severity::Minor),
            ("body.offers[*].rate", Severity::Critical),
            ("body.grade", Severity::Major),
        ] {
            assert_eq!(severity.of(path), expected, "{path}");
        }
        let rules = RulesConfig {
            severity: severity.clone(),
            ..RulesConfig::default()
        };
        let rules = rules.validate().unwrap();
        let live = serde_json::json!({"body": {"detail": {"code": "A", "note": "x"}}});
        let shadow = serde_json::json!({"body": {"detail": {"code": "B", "note": "y"}}});
        let comparison = crate::compare(&live, &shadow, &rules);
        for difference in &comparison.differences {
            let path = difference.field();
            assert_eq!(severity.of(&path), difference.severity, "{path}");
        }
        assert_eq!(comparison.differences.len(), 2);
    }

    #[test]
    fn an_index_past_a_groups_maximum_reaches_nothing() {
        let path = "body.loans[*].offers[*].rate";
        let maxima = [5, 10];
        assert_eq!(
            reach("body.loans[4].offers[9].rate", path, &maxima),
            Reach::Field
        );
        assert_eq!(
            reach("body.loans[*].offers[10].rate", path, &maxima),
            Reach::PastMaximum { index: 10, max: 10 }
        );
        assert_eq!(
            reach("body.loans[7]", path, &maxima),
            Reach::PastMaximum { index: 7, max: 5 }
        );
        assert_eq!(reach("body.loans[*].offers", path, &maxima), Reach::Parent);
        // Without a maximum for a `[*]`, any index reaches it.
        assert_eq!(reach("body.loans[1].offers[99]", path, &[5]), Reach::Parent);
        assert_eq!(reach("body.loans[9].rate", path, &maxima), Reach::No);
    }

    #[test]
    fn patterns_reach_their_fields_and_what_is_below_them() {
        assert!(covers("body.note", "body.note"));
        assert!(covers("header.*_at", "header.sent_at"));
        assert!(covers("body.offers[*].rate", "body.offers[*].rate"));
        assert!(covers("body.offers[0].rate", "body.offers[*].rate"));
        assert!(covers("body.offers", "body.offers[*].rate"));
        assert!(covers("*.grade", "body.grade"));
        assert!(covers("body.offers[*]", "body.offers[shadow:1].rate"));
        assert!(!covers("body.offers[1]", "body.offers[shadow:1]"));
        assert!(!covers("body.note", "body.grade"));
        assert!(!covers("header.*_at", "header.sent_by"));
        assert!(!covers("body.offers[*].rate", "body.offers"));
        assert!(!covers("body.offers[*]", "body.offers.rate"));
        assert!(
            !covers("body..x", "body.x"),
            "a pattern that does not parse"
        );
    }
}
