//! Exact numbers in exponent form (`3E+7`, `1.25e-1`, `0E-8`), as engines that print Java
//! `BigDecimal` without `toPlainString` send them. A decimal with an exponent is still exact:
//! it is shifted into plain integer and fraction digits, bounded so that a huge exponent
//! cannot allocate more than a field could ever hold.

use std::borrow::Cow;

use super::decimal::Decimal;

/// Most digits on either side of the point an exponent may produce: no field holds more
/// than 38 (layout validation), so anything longer is refused before it is built.
const MAX_DIGITS: usize = 40;

/// Shifts a plain decimal by the exponent text after `e`/`E` (`+7`, `-8`, `3`); `text` is
/// the whole number, for messages.
pub(crate) fn shift<'a>(
    plain: Decimal<'a>,
    exponent: &str,
    text: &str,
) -> Result<Decimal<'a>, String> {
    let unsigned = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "expected a decimal number with digits after the exponent, found {text:?}"
        ));
    }
    if plain.int.is_empty() && plain.frac.is_empty() {
        // Zero times any power of ten is zero (`0E-8`).
        return Ok(plain);
    }
    let too_big = || format!("expected at most {MAX_DIGITS} digits written out, found {text}");
    // Beyond this an exponent cannot give a number any field holds.
    let magnitude: i64 = unsigned
        .trim_start_matches('0')
        .parse::<i64>()
        .ok()
        .filter(|&e| e <= 10_000)
        .or(unsigned.bytes().all(|b| b == b'0').then_some(0))
        .ok_or_else(too_big)?;
    let exponent = if exponent.starts_with('-') {
        -magnitude
    } else {
        magnitude
    };
    // All significant digits with the point after `point` of them.
    let all = format!("{}{}", plain.int, plain.frac);
    let leading = all.len() - all.trim_start_matches('0').len();
    let all = &all[leading..];
    let point = plain.int.len() as i64 - leading as i64 + exponent;
    let (int, frac) = if point >= all.len() as i64 {
        let zeros = (point - all.len() as i64) as usize;
        if all.len() + zeros > MAX_DIGITS {
            return Err(too_big());
        }
        (format!("{all}{}", "0".repeat(zeros)), String::new())
    } else if point <= 0 {
        let zeros = point.unsigned_abs() as usize;
        if zeros + all.len() > MAX_DIGITS {
            return Err(too_big());
        }
        (String::new(), format!("{}{all}", "0".repeat(zeros)))
    } else {
        let (int, frac) = all.split_at(point as usize);
        (int.to_owned(), frac.to_owned())
    };
    let frac = frac.trim_end_matches('0').to_owned();
    Ok(Decimal {
        negative: plain.negative,
        minus_zero: false,
        int: Cow::Owned(int),
        frac: Cow::Owned(frac),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> (bool, String, String) {
        let d = Decimal::parse(text).unwrap_or_else(|e| panic!("{e}"));
        (d.negative, d.int.into_owned(), d.frac.into_owned())
    }

    #[test]
    fn exponents_shift_the_point_exactly() {
        let n = |neg, int: &str, frac: &str| (neg, int.to_owned(), frac.to_owned());
        assert_eq!(plain("3E+7"), n(false, "30000000", ""));
        assert_eq!(plain("1E+6"), n(false, "1000000", ""));
        assert_eq!(plain("0E-8"), n(false, "", ""));
        assert_eq!(plain("-0E+5"), n(false, "", ""));
        assert_eq!(plain("1.25e-1"), n(false, "", "125"));
        assert_eq!(plain("-12.5E1"), n(true, "125", ""));
        assert_eq!(plain("0.0012e2"), n(false, "", "12"));
        assert_eq!(plain("12.340E-2"), n(false, "", "1234"));
        assert_eq!(plain("5e0"), n(false, "5", ""));
        assert_eq!(plain("5e-000"), n(false, "5", ""));
    }

    #[test]
    fn huge_or_malformed_exponents_are_refused() {
        assert!(Decimal::parse("1e41").is_err());
        assert!(Decimal::parse("1e-40").is_ok());
        assert!(Decimal::parse("1e-41").is_err());
        assert!(Decimal::parse("1e99999999999999999999").is_err());
        assert!(Decimal::parse("1e").is_err());
        assert!(Decimal::parse("1e+").is_err());
        assert!(Decimal::parse("e5").is_err());
        assert!(Decimal::parse("1e5.0").is_err());
        assert!(Decimal::parse("0e99999999999999999999").is_ok());
    }
}
