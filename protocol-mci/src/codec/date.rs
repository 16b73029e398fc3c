//! Date/time fields: a pattern on the wire, ISO 8601 text in JSON (`2026-11-21`, `14:03:05`,
//! `2026-11-21T14:03:05.123`) with exactly the pattern's components: `2026-11` (`yyyyMM`),
//! `21:58` (`HHmm`), and without a year the ISO 8601:2000 month-day `--11-29` (`MMdd`,
//! `--11-29T21:58:00` for `MMddHHmmss`), which `java.time.MonthDay.parse` reads. A two-digit
//! year is written out in full through the field's pivot year (`yyMMdd` → `2026-11-29`). Which wire values are null is the field's `null` rule: blank,
//! all-zero digits, either, or never; anything else is a value (`000000` in `HHmmss` is midnight).

use std::fmt::Write;

use serde_json::Value;

use crate::error::{DecodeErrorKind, EncodeErrorKind};
use crate::layout::field::{DateSpec, DateToken};

/// Decodes a date field; `start` is its offset in the frame.
pub(crate) fn decode(
    spec: &DateSpec,
    bytes: &[u8],
    start: usize,
) -> Result<Value, DecodeErrorKind> {
    if spec.null_blank && bytes.iter().all(|&b| b == b' ') {
        return Ok(Value::Null);
    }
    let mut parts = Parts::default();
    let mut at = 0;
    let mut all_zero = true;
    for token in &spec.tokens {
        let width = token.width();
        let field = &bytes[at..at + width];
        if let DateToken::Literal(c) = token {
            if field[0] != *c {
                let found = field[0];
                return Err(DecodeErrorKind::UnexpectedByte {
                    expected: "date separator",
                    found,
                    offset: start + at,
                });
            }
        } else {
            let mut value = 0u32;
            for (i, &b) in field.iter().enumerate() {
                if !b.is_ascii_digit() {
                    let offset = start + at + i;
                    return Err(DecodeErrorKind::UnexpectedByte {
                        expected: "digits",
                        found: b,
                        offset,
                    });
                }
                value = value * 10 + u32::from(b - b'0');
            }
            all_zero &= value == 0;
            let value = match (token, spec.pivot) {
                (DateToken::ShortYear, Some(pivot)) => window(pivot, value),
                _ => value,
            };
            parts.set(*token, value);
        }
        at += width;
    }
    if all_zero && spec.null_zeros {
        return Ok(Value::Null);
    }
    parts.check(spec).map_err(DecodeErrorKind::OutOfRange)?;
    Ok(Value::String(parts.iso(spec)))
}

/// Encodes a date field from ISO text; null writes spaces or zeros as configured. A value that
/// would be written as this field's null is refused rather than silently turned into null.
pub(crate) fn encode(
    spec: &DateSpec,
    value: &Value,
    out: &mut Vec<u8>,
) -> Result<(), EncodeErrorKind> {
    let text = match value {
        Value::Null if !spec.null_blank && !spec.null_zeros => {
            return Err(EncodeErrorKind::WrongType {
                expected: "a date/time (this field has null = \"never\")",
                found: "null".to_owned(),
            })
        }
        Value::Null => {
            for token in &spec.tokens {
                match (token, spec.null_zero) {
                    (DateToken::Literal(c), true) => out.push(*c),
                    (_, true) => out.resize(out.len() + token.width(), b'0'),
                    (_, false) => out.resize(out.len() + token.width(), b' '),
                }
            }
            return Ok(());
        }
        Value::String(s) => s.as_str(),
        other => {
            return Err(EncodeErrorKind::WrongType {
                expected: "an ISO date/time string",
                found: super::describe(other),
            })
        }
    };
    let parts = Parts::parse_iso(text, spec).ok_or_else(|| {
        EncodeErrorKind::Invalid(format!("expected {}, found {text:?}", example(spec)))
    })?;
    parts.check(spec).map_err(EncodeErrorKind::Invalid)?;
    if let Some(pivot) = spec.pivot.filter(|&p| !(p..p + 100).contains(&parts.year)) {
        return Err(EncodeErrorKind::Invalid(format!(
            "expected a year from {pivot} to {} (yy with pivot {pivot}), found {}",
            pivot + 99,
            parts.year
        )));
    }
    if spec.null_zeros && parts.is_zero() {
        return Err(EncodeErrorKind::Invalid(format!(
            "expected a value other than {text}: it is written as zeros, which this field reads \
             as null (null = \"zeros\")"
        )));
    }
    for token in &spec.tokens {
        match token {
            DateToken::Literal(c) => out.push(*c),
            other => {
                let width = other.width();
                let digits = format!("{:0width$}", parts.get(*other) % 10u32.pow(width as u32));
                out.extend_from_slice(digits.as_bytes());
            }
        }
    }
    Ok(())
}

/// Date/time components.
#[derive(Debug, Default, Clone, Copy)]
struct Parts {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
}

impl Parts {
    fn set(&mut self, token: DateToken, value: u32) {
        match token {
            DateToken::Year | DateToken::ShortYear => self.year = value,
            DateToken::Month => self.month = value,
            DateToken::Day => self.day = value,
            DateToken::Hour => self.hour = value,
            DateToken::Minute => self.minute = value,
            DateToken::Second => self.second = value,
            DateToken::Millis => self.millis = value,
            DateToken::Literal(_) => {}
        }
    }

    fn get(&self, token: DateToken) -> u32 {
        match token {
            DateToken::Year | DateToken::ShortYear => self.year,
            DateToken::Month => self.month,
            DateToken::Day => self.day,
            DateToken::Hour => self.hour,
            DateToken::Minute => self.minute,
            DateToken::Second => self.second,
            DateToken::Millis => self.millis,
            DateToken::Literal(_) => 0,
        }
    }

    /// Whether every component is zero (only a time can be: months and days start at 1).
    fn is_zero(&self) -> bool {
        let all = [self.year, self.month, self.day, self.hour];
        all.iter()
            .chain(&[self.minute, self.second, self.millis])
            .all(|v| *v == 0)
    }

    /// Calendar and clock ranges of the components the pattern has; without a year, 29
    /// February is a valid month-day.
    fn check(&self, spec: &DateSpec) -> Result<(), String> {
        let shape = Shape::of(spec);
        if shape.month {
            let year = self.year;
            let leap = !shape.year || (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0));
            let days = match self.month {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 if leap => 29,
                2 => 28,
                month => return Err(format!("expected a month in 1..12, found {month}")),
            };
            if shape.day && (self.day == 0 || self.day > days) {
                return Err(format!("expected a day in 1..{days}, found {}", self.day));
            }
        }
        if self.hour > 23 || self.minute > 59 || self.second > 59 {
            let (h, m, s) = (self.hour, self.minute, self.second);
            return Err(format!("expected a clock time, found {h:02}:{m:02}:{s:02}"));
        }
        Ok(())
    }

    /// ISO text with exactly the components of the pattern.
    fn iso(&self, spec: &DateSpec) -> String {
        let shape = Shape::of(spec);
        let mut out = String::with_capacity(23);
        // Writing to a String cannot fail.
        match (shape.year, shape.day) {
            (true, true) => {
                let _ = write!(out, "{:04}-{:02}-{:02}", self.year, self.month, self.day);
            }
            (true, false) => {
                let _ = write!(out, "{:04}-{:02}", self.year, self.month);
            }
            (false, true) => {
                let _ = write!(out, "--{:02}-{:02}", self.month, self.day);
            }
            (false, false) => {}
        }
        if shape.month && shape.hour {
            out.push('T');
        }
        if shape.hour {
            let _ = write!(out, "{:02}:{:02}", self.hour, self.minute);
        }
        if shape.second {
            let _ = write!(out, ":{:02}", self.second);
        }
        if shape.millis {
            let _ = write!(out, ".{:03}", self.millis);
        }
        out
    }

    /// Parses the ISO text [`Self::iso`] writes for this pattern.
    fn parse_iso(text: &str, spec: &DateSpec) -> Option<Parts> {
        let shape = Shape::of(spec);
        let mut parts = Parts::default();
        let mut rest = text.as_bytes();
        let number = |rest: &mut &[u8], width: usize, after: Option<u8>| -> Option<u32> {
            let (digits, tail) = rest.split_at_checked(width)?;
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            *rest = match after {
                Some(c) => tail.strip_prefix(&[c])?,
                None => tail,
            };
            Some(
                digits
                    .iter()
                    .fold(0, |acc, d| acc * 10 + u32::from(d - b'0')),
            )
        };
        let time_sep = shape.hour.then_some(b'T');
        if shape.year {
            parts.year = number(&mut rest, 4, Some(b'-'))?;
        } else if shape.month {
            rest = rest.strip_prefix(b"--")?;
        }
        if shape.month {
            let after = if shape.day { Some(b'-') } else { time_sep };
            parts.month = number(&mut rest, 2, after)?;
        }
        if shape.day {
            parts.day = number(&mut rest, 2, time_sep)?;
        }
        if shape.hour {
            parts.hour = number(&mut rest, 2, Some(b':'))?;
            parts.minute = number(&mut rest, 2, shape.second.then_some(b':'))?;
        }
        if shape.second {
            parts.second = number(&mut rest, 2, shape.millis.then_some(b'.'))?;
        }
        if shape.millis {
            parts.millis = number(&mut rest, 3, None)?;
        }
        rest.is_empty().then_some(parts)
    }
}

/// The year `yy` selects in the century window that starts at `pivot`.
fn window(pivot: u32, yy: u32) -> u32 {
    let year = pivot - pivot % 100 + yy;
    if year < pivot {
        year + 100
    } else {
        year
    }
}

/// Which components a pattern has (validation allows only the shapes [`Parts::iso`] writes).
#[derive(Debug, Clone, Copy)]
struct Shape {
    year: bool,
    month: bool,
    day: bool,
    hour: bool,
    second: bool,
    millis: bool,
}

impl Shape {
    fn of(spec: &DateSpec) -> Shape {
        let has = |t| spec.tokens.contains(&t);
        Shape {
            year: has(DateToken::Year) || has(DateToken::ShortYear),
            month: has(DateToken::Month),
            day: has(DateToken::Day),
            hour: has(DateToken::Hour),
            second: has(DateToken::Second),
            millis: has(DateToken::Millis),
        }
    }
}

/// The ISO form a pattern expects, for error messages.
fn example(spec: &DateSpec) -> String {
    let shape = Shape::of(spec);
    let mut out = String::new();
    match (shape.year, shape.day) {
        (true, true) => out.push_str("yyyy-MM-dd"),
        (true, false) => out.push_str("yyyy-MM"),
        (false, true) => out.push_str("--MM-dd"),
        (false, false) => {}
    }
    if shape.month && shape.hour {
        out.push('T');
    }
    if shape.hour {
        out.push_str("HH:mm");
    }
    if shape.second {
        out.push_str(":ss");
    }
    if shape.millis {
        out.push_str(".SSS");
    }
    out
}
