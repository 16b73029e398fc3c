//! Date/time patterns.

use super::Problems;
use crate::layout::config::{DateNull, FieldConfig, NullFill};
use crate::layout::field::{DateSpec, DateToken, Kind};

/// Date/time patterns with `yyyy yy MM dd HH mm ss SSS` and literal ASCII separators, in
/// the shapes bank headers use: a date (`yyyyMMdd`, `yyMMdd`, `MMdd`, `yyyyMM`, `yyMM`), a
/// time (`HHmmss`, `HHmm`, `SSS` after `ss`), or a date with a day and a time (`MMddHHmmss`).
pub(super) fn date(config: &FieldConfig, path: &str, problems: &mut Problems) -> Kind {
    let pattern = config.pattern.as_deref().unwrap_or("");
    let mut tokens = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        let token = [
            ("yyyy", DateToken::Year),
            ("yy", DateToken::ShortYear),
            ("MM", DateToken::Month),
            ("dd", DateToken::Day),
            ("HH", DateToken::Hour),
            ("mm", DateToken::Minute),
            ("ss", DateToken::Second),
            ("SSS", DateToken::Millis),
        ]
        .into_iter()
        .find(|(text, _)| rest.starts_with(text));
        match token {
            Some((text, token)) => {
                tokens.push(token);
                rest = &rest[text.len()..];
            }
            None => {
                let c = rest.as_bytes()[0];
                if !c.is_ascii() || c.is_ascii_alphanumeric() {
                    problems.add(
                        path,
                        format!("pattern {pattern:?}: unknown token at {rest:?}"),
                    );
                    break;
                }
                tokens.push(DateToken::Literal(c));
                rest = &rest[1..];
            }
        }
    }
    check_shape(&tokens, pattern, path, problems);
    let pivot = pivot(config, &tokens, pattern, path, problems);
    let has_date = tokens
        .iter()
        .any(|t| matches!(t, DateToken::Year | DateToken::ShortYear | DateToken::Month));
    let len = tokens.iter().map(|t| t.width()).sum();
    if config.length.is_some_and(|declared| declared != len) {
        problems.add(
            path,
            format!("`length` differs from the {len}-byte pattern"),
        );
    }
    let (null_blank, null_zeros, null_zero) = null_rule(config, has_date, path, problems);
    Kind::Date(DateSpec {
        len,
        tokens,
        null_blank,
        null_zeros,
        null_zero,
        pivot,
    })
}

/// Each token at most once, in one of the shapes the codec reads (see [`date`]).
fn check_shape(tokens: &[DateToken], pattern: &str, path: &str, problems: &mut Problems) {
    let parts = tokens
        .iter()
        .filter(|t| !matches!(t, DateToken::Literal(_)));
    let mut seen: Vec<DateToken> = Vec::new();
    let year = |t: &DateToken| matches!(t, DateToken::Year | DateToken::ShortYear);
    for token in parts {
        if seen.contains(token) || (year(token) && seen.iter().any(year)) {
            problems.add(path, format!("pattern {pattern:?} repeats a component"));
            return;
        }
        seen.push(*token);
    }
    let has = |t: DateToken| seen.contains(&t);
    let date = (
        seen.iter().any(year),
        has(DateToken::Month),
        has(DateToken::Day),
    );
    let time = (
        has(DateToken::Hour),
        has(DateToken::Minute),
        has(DateToken::Second),
    );
    let date_ok = matches!(
        date,
        (_, true, true) | (true, true, false) | (false, false, false)
    );
    let time_ok = matches!(time, (true, true, _) | (false, false, false));
    // A time joins only a date with a day; a pattern has a date or a time.
    let joined = date.2 || !(time.0 && date.1);
    let any = date.1 || time.0;
    let millis = !has(DateToken::Millis) || time.2;
    if !(date_ok && time_ok && joined && any && millis) {
        problems.add(
            path,
            format!(
                "pattern {pattern:?}: expected a date (yyyyMMdd, yyMMdd, MMdd, yyyyMM or yyMM), \
                 a time (HHmmss or HHmm, SSS after ss), or a date with a day and a time"
            ),
        );
    }
}

/// The pivot year of a `yy` pattern: required there, refused elsewhere.
fn pivot(
    config: &FieldConfig,
    tokens: &[DateToken],
    pattern: &str,
    path: &str,
    problems: &mut Problems,
) -> Option<u32> {
    match (config.pivot, tokens.contains(&DateToken::ShortYear)) {
        (Some(p), true) if p <= 9900 => Some(p),
        (Some(p), true) => {
            problems.add(
                path,
                format!("expected a `pivot` year from 0 to 9900, found {p}"),
            );
            None
        }
        (None, true) => {
            problems.add(
                path,
                format!(
                    "pattern {pattern:?} has a two-digit year: declare its century window with \
                     `pivot` (pivot = 1950 reads 00-49 as 20yy, 50-99 as 19yy)"
                ),
            );
            None
        }
        (Some(_), false) => {
            problems.add(path, "`pivot` applies only to a pattern with `yy`");
            None
        }
        (None, false) => None,
    }
}

/// Which wire values are null, and whether null is written as zeros. Without `null`, a pattern
/// with a date keeps reading blank and all-zero as null (an all-zero date has month 00, so no
/// value is lost); a time-only pattern reads only blank as null, because `000000` is midnight.
fn null_rule(
    config: &FieldConfig,
    has_date: bool,
    path: &str,
    problems: &mut Problems,
) -> (bool, bool, bool) {
    let fill = config.null_fill;
    let rule = match config.null {
        Some(rule) => rule,
        None if has_date => DateNull::BlankOrZeros,
        None if fill == Some(NullFill::Zero) => {
            problems.add(
                path,
                "null_fill = \"zero\" writes null as zeros, which a time-only pattern reads as \
                 midnight: declare null = \"zeros\" (midnight then cannot be sent) or drop null_fill",
            );
            DateNull::Blank
        }
        None => DateNull::Blank,
    };
    let blank = matches!(rule, DateNull::Blank | DateNull::BlankOrZeros);
    let zeros = matches!(rule, DateNull::Zeros | DateNull::BlankOrZeros);
    let mismatch = match fill {
        Some(NullFill::Zero) if !zeros => Some("zero"),
        Some(NullFill::Space) if !blank => Some("space"),
        _ => None,
    };
    if let Some(fill) = mismatch {
        let rule = format!("{rule:?}").to_lowercase();
        problems.add(
            path,
            format!("null_fill = {fill:?} writes a null that null = {rule:?} does not read back"),
        );
    }
    let write_zeros = fill == Some(NullFill::Zero) || rule == DateNull::Zeros;
    (blank, zeros, write_zeros)
}
