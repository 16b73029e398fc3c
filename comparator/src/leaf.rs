//! How two scalars compare under a rule: tolerance, normalisation, value maps.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::decimal::{plain_within, DecimalText};

/// A `Decimal`'s mantissa bound: values below it (at a scale up to 28) it holds exactly.
const DECIMAL_BOUND: u128 = 1 << 96;
/// A `Decimal`'s largest scale.
const DECIMAL_SCALE: u32 = 28;

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

impl Tolerance {
    /// [`Tolerance::within`] for two exact decimals `mantissa × 10^-scale`, on integers alone
    /// (no text written or parsed). `None` when the answer could differ from `within`'s on their
    /// texts: a value, a difference or a relative limit that `Decimal` would not hold exactly
    /// (it would round), or an overflow; the caller then asks `within`.
    pub(crate) fn within_scaled(&self, live: (i128, i32), shadow: (i128, i32)) -> Option<bool> {
        let (live, shadow) = (exact(live)?, exact(shadow)?);
        let scale = live.1.max(shadow.1);
        let (l, s) = (align(live, scale)?, align(shadow, scale)?);
        let distance = l.checked_sub(s)?.checked_abs()?;
        if distance.unsigned_abs() >= DECIMAL_BOUND {
            return None;
        }
        let (limit, limit_scale) = match *self {
            Tolerance::Absolute(limit) => (limit.mantissa(), limit.scale()),
            Tolerance::Relative(ratio) => {
                // `ratio × max(|live|, |shadow|)`, exactly as `Decimal` computes it when it fits.
                let larger = if l.unsigned_abs() >= s.unsigned_abs() {
                    live
                } else {
                    shadow
                };
                let product = ratio.mantissa().checked_mul(larger.0.checked_abs()?)?;
                let product_scale = ratio.scale().checked_add(larger.1)?;
                if product.unsigned_abs() >= DECIMAL_BOUND || product_scale > DECIMAL_SCALE {
                    return None;
                }
                (product, product_scale)
            }
        };
        let common = scale.max(limit_scale);
        Some(align((distance, scale), common)? <= align((limit, limit_scale), common)?)
    }
}

/// A decimal as `Decimal` holds it: trailing zeros dropped, scale in 0..=28, mantissa below
/// 2^96; `None` when it cannot.
fn exact((mut mantissa, scale): (i128, i32)) -> Option<(i128, u32)> {
    let mut scale = i64::from(scale);
    if scale < 0 {
        let shift = u32::try_from(-scale).ok()?;
        mantissa = mantissa.checked_mul(10i128.checked_pow(shift)?)?;
        scale = 0;
    }
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    let scale = u32::try_from(scale).ok()?;
    (scale <= DECIMAL_SCALE && mantissa.unsigned_abs() < DECIMAL_BOUND).then_some((mantissa, scale))
}

/// `mantissa × 10^-from` as a mantissa at the scale `to` (at least `from`).
fn align((mantissa, from): (i128, u32), to: u32) -> Option<i128> {
    mantissa.checked_mul(10i128.checked_pow(to.checked_sub(from)?)?)
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

    /// `within_scaled` answers exactly as `within` on the texts, or not at all.
    #[test]
    fn integers_answer_as_the_texts_do() {
        let cases: &[(i128, i32, &str)] = &[
            (525, 2, "5.25"),
            (5260, 3, "5.260"),
            (52601, 4, "5.2601"),
            (-5, 3, "-0.005"),
            (501, 5, "0.00501"),
            (10000, 2, "100.00"),
            (9999, 2, "99.99"),
            (3, -2, "300"),
            (1000, 0, "1000"),
            (1001, 0, "1001"),
            (9989, 1, "998.9"),
            (0, 2, "0.00"),
            (1, 28, "0.0000000000000000000000000001"),
            (
                10_000_000_000_000_000_000_000_000_001,
                28,
                "1.0000000000000000000000000001",
            ),
            (i128::MAX / 10, 0, "17014118346046923173168730371588410572"),
            (1, 40, "0.0000000000000000000000000000000000000001"),
        ];
        let tolerances = [
            Tolerance::Absolute(dec("0.01")),
            Tolerance::Absolute(dec("0.0005")),
            Tolerance::Absolute(dec("0.0000000000000000000000000001")),
            Tolerance::Absolute(dec("2")),
            Tolerance::Relative(dec("0.001")),
            Tolerance::Relative(dec("0.5")),
        ];
        let mut answered = 0;
        for tolerance in tolerances {
            for &(lm, ls, lt) in cases {
                for &(sm, ss, st) in cases {
                    if let Some(within) = tolerance.within_scaled((lm, ls), (sm, ss)) {
                        answered += 1;
                        assert_eq!(
                            Some(within),
                            tolerance.within(lt, st),
                            "{tolerance:?} {lt} {st}"
                        );
                    }
                }
            }
        }
        assert!(
            answered > 400,
            "the integers answer most cases ({answered})"
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
