//! Date/time patterns.

use super::Problems;
use crate::layout::config::{FieldConfig, NullFill};
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
    let null_zero = config.null_fill == Some(NullFill::Zero);
    Kind::Date(DateSpec {
        len,
        tokens,
        null_zero,
    })
}
