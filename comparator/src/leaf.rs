//! How two scalars compare under a rule: tolerance, normalisation, value maps.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::decimal::{plain_within, DecimalText};

/// Numbers within this distance are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tolerance {
    /// `|a - b| <= d`.
    Absolute(Decimal),
    /// `|a - b| <= d * max(|a|, |b|)`.
    Relative(Decimal),
}

impl Tolerance {
    /// Whether two number texts are within tolerance; `None` when either does not fit a
    /// `Decimal` or the arithmetic overflows, so the caller reports the difference.
    pub(crate) fn within(&self, live: &str, shadow: &str) -> Option<bool> {
        if let Tolerance::Absolute(limit) = *self {
            if let Some(within) = plain_within(live, shadow, limit) {
                return Some(within);
            }
        }
        let live = DecimalText::parse(live)?.to_decimal()?;
        let shadow = DecimalText::parse(shadow)?.to_decimal()?;
        let distance = live.checked_sub(shadow)?.abs();
        let limit = match *self {
            Tolerance::Absolute(limit) => limit,
            Tolerance::Relative(ratio) => ratio.checked_mul(live.abs().max(shadow.abs()))?,
        };
        Some(distance <= limit)
    }
}

/// String normalisation applied to both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Normalise {
    pub(crate) trim: bool,
    pub(crate) ignore_case: bool,
}

impl Normalise {
    /// Whether the strings are equal once normalised; compares lazily, without allocating.
    pub(crate) fn equal(&self, live: &str, shadow: &str) -> bool {
        let (live, shadow) = if self.trim {
            (live.trim(), shadow.trim())
        } else {
            (live, shadow)
        };
        if self.ignore_case {
            live.chars()
                .flat_map(char::to_lowercase)
                .eq(shadow.chars().flat_map(char::to_lowercase))
        } else {
            live == shadow
        }
    }
}

/// Legacy code → new code; equal in either direction so the rule survives the cutover swap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueMap {
    pub(crate) map: BTreeMap<String, String>,
}

impl ValueMap {
    pub(crate) fn equal(&self, live: &str, shadow: &str) -> bool {
        self.map.get(live).is_some_and(|new| new == shadow)
            || self.map.get(shadow).is_some_and(|new| new == live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        crate::decimal::parse_decimal(text).unwrap()
    }

    #[test]
    fn tolerance_is_exact_at_the_boundary() {
        let abs = Tolerance::Absolute(dec("0.01"));
        assert_eq!(abs.within("5.25", "5.26"), Some(true));
        assert_eq!(abs.within("5.25", "5.2601"), Some(false));
        let rel = Tolerance::Relative(dec("0.001"));
        assert_eq!(rel.within("1000", "1001"), Some(true));
        assert_eq!(rel.within("1000", "998.9"), Some(false));
        assert_eq!(abs.within("1e40", "1e40"), None);
        assert_eq!(abs.within("-0.005", "0.005"), Some(true));
        assert_eq!(abs.within("-0.005", "0.00501"), Some(false));
        assert_eq!(abs.within("100.00", "99.99"), Some(true));
        assert_eq!(abs.within("5.2", "5.2e0"), Some(true));
        let fine = Tolerance::Absolute(dec("0.0000000000000000000000000001"));
        assert_eq!(
            fine.within("1.0000000000000000000000000001", "1"),
            Some(true)
        );
        assert_eq!(fine.within("10.0000000000000000000000000001", "10"), None);
        assert_eq!(
            fine.within(
                "0.0000000000000000000000000002",
                "0.0000000000000000000000000001"
            ),
            Some(true)
        );
        assert_eq!(
            fine.within(
                "0.0000000000000000000000000003",
                "0.0000000000000000000000000001"
            ),
            Some(false)
        );
    }

    #[test]
    fn normalises_korean_and_latin() {
        let both = Normalise {
            trim: true,
            ignore_case: true,
        };
        assert!(both.equal("\u{3000}승인 OK ", "승인 ok"));
        assert!(!Normalise {
            trim: false,
            ignore_case: true
        }
        .equal(" a", "a"));
    }

    #[test]
    fn value_map_works_both_ways() {
        let map = ValueMap {
            map: [("R01".to_owned(), "LOW_SCORE".to_owned())].into(),
        };
        assert!(map.equal("R01", "LOW_SCORE"));
        assert!(map.equal("LOW_SCORE", "R01"));
        assert!(!map.equal("R02", "LOW_SCORE"));
    }
}
