//! Who answers for a rule, why, and until when: the governance every hiding rule carries.
//!
//! A rule written for a week-one difference would otherwise hide that field forever. Its
//! `expires` date ends that: judged on or after it ([`compare_on`](crate::compare_on)), the rule
//! hides nothing and its differences come back marked with it.

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::rules::{RuleRef, Rules};

/// A rule's owner, reason, ticket and expiry, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Governance {
    /// Who answers for the rule; `None` is warned about by `check-config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Why the difference is acceptable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The ticket that tracks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// From this day on, the rule hides nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
}

/// One hiding rule with its governance, for `check-config` and reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovernedRule {
    /// The rule, e.g. `ignore header.*_at`.
    pub rule: RuleRef,
    /// Its key in the rules table (`ignore[1]`, `tolerance[0]`).
    pub key: String,
    /// Its owner, reason, ticket and expiry.
    #[serde(flatten)]
    pub governance: Governance,
}

impl Governance {
    /// Whether the rule has expired when judged on `today`.
    pub fn expired_on(&self, today: Date) -> bool {
        self.expires.is_some_and(|expires| expires <= today)
    }
}

impl Rules {
    /// Every hiding rule with its governance, in config order.
    pub fn governed(&self) -> impl Iterator<Item = GovernedRule> + '_ {
        self.rules.iter().map(|rule| GovernedRule {
            rule: rule.id.clone(),
            key: rule.key.clone(),
            governance: rule.governance.clone(),
        })
    }

    /// The earliest expiry of any rule; `None` when no rule expires, so a caller can skip asking
    /// for the date at all.
    pub fn earliest_expiry(&self) -> Option<Date> {
        self.rules
            .iter()
            .filter_map(|rule| rule.governance.expires)
            .min()
    }

    /// The rules that have expired when judged on `today`.
    pub fn expired_on(&self, today: Date) -> impl Iterator<Item = &RuleRef> + '_ {
        self.rules
            .iter()
            .filter(move |rule| rule.governance.expired_on(today))
            .map(|rule| &rule.id)
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::value;
    use crate::{compare, compare_on, Date, RulesConfig};

    fn rules(text: &str) -> crate::Rules {
        toml::from_str::<RulesConfig>(text)
            .unwrap()
            .validate()
            .unwrap()
    }

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    const RULES: &str = r#"
        ignore = [
            "header.sent_at",
            { path = "body.note", owner = "kim", reason = "free text", expires = "2026-12-01" },
        ]
        tolerance = [{ path = "body.rate", absolute = "0.01", owner = "lee", expires = "2026-12-01" }]
    "#;

    #[test]
    fn an_expired_rule_hides_nothing_and_marks_what_it_no_longer_hides() {
        let rules = rules(RULES);
        let live = value(r#"{"header": {"sent_at": "1"}, "body": {"note": "a", "rate": 5.25}}"#);
        let shadow = value(r#"{"header": {"sent_at": "2"}, "body": {"note": "b", "rate": 5.26}}"#);

        for judged in [
            compare(&live, &shadow, &rules),
            compare_on(&live, &shadow, &rules, day("2026-11-30")),
        ] {
            assert!(judged.is_match(), "{:?}", judged.differences);
            assert_eq!(judged.suppressed.len(), 3);
        }

        let expired = compare_on(&live, &shadow, &rules, day("2026-12-01"));
        let marks: Vec<(String, String)> = expired
            .differences
            .iter()
            .map(|d| {
                (
                    d.path.to_string(),
                    d.expired_rule.as_ref().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            marks,
            [
                ("body.note".to_owned(), "ignore body.note".to_owned()),
                ("body.rate".to_owned(), "tolerance body.rate".to_owned()),
            ]
        );
        assert!(expired.differences[0]
            .to_string()
            .ends_with("not hidden by expired rule ignore body.note"));
        assert_eq!(
            expired.suppressed.len(),
            1,
            "the unexpired ignore still hides"
        );
        assert_eq!(rules.earliest_expiry(), Some(day("2026-12-01")));
        let governed: Vec<_> = rules.governed().collect();
        assert_eq!(governed[0].governance.owner, None);
        assert_eq!(governed[1].governance.owner.as_deref(), Some("kim"));
        assert_eq!(governed[2].key, "tolerance[0]");
        assert_eq!(rules.expired_on(day("2027-01-01")).count(), 2);
    }

    #[test]
    fn a_bad_expiry_or_an_unknown_key_is_reported_with_its_key() {
        let config: RulesConfig =
            toml::from_str(r#"ignore = [{ path = "body.note", expires = "2026-02-30" }]"#).unwrap();
        let error = config.validate().unwrap_err().to_string();
        assert_eq!(
            error,
            "1 invalid rule: ignore[0].expires: expected a date such as \"2026-12-31\", found \"2026-02-30\""
        );
        let unknown = toml::from_str::<RulesConfig>(r#"ignore = [{ path = "a", owners = "x" }]"#);
        assert!(unknown
            .unwrap_err()
            .to_string()
            .contains("unknown field `owners`"));
    }
}
