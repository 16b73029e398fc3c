//! Date/time patterns.

use super::Problems;
use crate::layout::config::{DateNull, FieldConfig, NullFill};
use crate::layout::field::{DateSpec, DateToken, Kind};

/// Date/time patterns with `yyyy MM dd HH mm ss SSS` and literal ASCII separators.
pub(super) fn date(config: &FieldConfig, path: &str, problems: &mut Problems) -> Kind {
    let pattern = config.pattern.as_deref().unwrap_or("");
    let mut tokens = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        let token = [
            ("yyyy", DateToken::Year),
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
    let has = |t: DateToken| tokens.contains(&t);
    let date = [DateToken::Year, DateToken::Month, DateToken::Day].map(has);
    let time = [DateToken::Hour, DateToken::Minute, DateToken::Second].map(has);
    let complete = |parts: [bool; 3]| parts.iter().all(|p| *p) || !parts.iter().any(|p| *p);
    if !complete(date) || !complete(time) || (!date[0] && !time[0]) {
        problems.add(
            path,
            format!("pattern {pattern:?} needs yyyy+MM+dd, HH+mm+ss, or both (SSS optional)"),
        );
    }
    if has(DateToken::Millis) && !time[0] {
        problems.add(
            path,
            format!("pattern {pattern:?}: SSS needs HH, mm and ss"),
        );
    }
    let len = tokens.iter().map(|t| t.width()).sum();
    if config.length.is_some_and(|declared| declared != len) {
        problems.add(
            path,
            format!("`length` differs from the {len}-byte pattern"),
        );
    }
    let (null_blank, null_zeros, null_zero) = null_rule(config, date[0], path, problems);
    Kind::Date(DateSpec {
        len,
        tokens,
        null_blank,
        null_zeros,
        null_zero,
    })
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
