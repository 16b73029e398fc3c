//! ISO 8601 text of date/time components: what a date field decodes to and encodes from,
//! with exactly the components of its pattern (`2026-11-29`, `2026-11`, `--11-29`, `21:58`,
//! `--11-29T21:58:00`, `2026-11-21T09:30:15.123`), and the calendar and clock checks.

use super::decimal::{write_padded, AsciiWrite};
use crate::layout::field::{DateSpec, DateToken};

/// The components of a decoded date/time field, exactly those its pattern has; the others are 0.
/// Its ISO text ([`DateParts::iso`], also its `Display`) is what the JSON form holds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateParts {
    /// The full year (a `yy` already read through its pivot).
    pub(crate) year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
    /// Which components the pattern has: what the ISO text shows.
    shape: Shape,
}

impl DateParts {
    /// No components set yet, for a field of `spec`'s pattern.
    pub(crate) fn new(spec: &DateSpec) -> DateParts {
        DateParts {
            shape: Shape::of(spec),
            ..DateParts::default()
        }
    }

    /// The year (0 when the pattern has none).
    pub fn year(&self) -> u32 {
        self.year
    }

    /// The month, 1 to 12 (0 when the pattern has none).
    pub fn month(&self) -> u32 {
        self.month
    }

    /// The day of the month (0 when the pattern has none).
    pub fn day(&self) -> u32 {
        self.day
    }

    /// Hours, minutes, seconds and milliseconds (0 where the pattern has none).
    pub fn time(&self) -> (u32, u32, u32, u32) {
        (self.hour, self.minute, self.second, self.millis)
    }

    /// Sets the component a token stands for.
    pub(crate) fn set(&mut self, token: DateToken, value: u32) {
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

    /// The component a token stands for.
    pub(crate) fn get(&self, token: DateToken) -> u32 {
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
    pub(crate) fn is_zero(&self) -> bool {
        let all = [self.year, self.month, self.day, self.hour];
        all.iter()
            .chain(&[self.minute, self.second, self.millis])
            .all(|v| *v == 0)
    }

    /// Calendar and clock ranges of the components the pattern has; without a year, 29
    /// February is a valid month-day.
    pub(crate) fn check(&self) -> Result<(), String> {
        let shape = self.shape;
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
    pub fn iso(&self) -> String {
        let mut out = String::with_capacity(23);
        // Writing to a String cannot fail.
        let _ = self.write_iso(&mut out);
        out
    }

    /// Writes [`Self::iso`]'s text without allocating (the comparator reads dates this way) and
    /// without a formatter: `{:02}` through `fmt::write` cost more than the digits on the JSON
    /// writer's hot path.
    pub(crate) fn write_iso(&self, out: &mut impl AsciiWrite) -> std::fmt::Result {
        let shape = self.shape;
        if shape.year {
            write_padded(out, self.year, 4)?;
            out.write_char('-')?;
        } else if shape.day {
            out.write_str("--")?;
        }
        if shape.year || shape.day {
            write_padded(out, self.month, 2)?;
        }
        if shape.day {
            out.write_char('-')?;
            write_padded(out, self.day, 2)?;
        }
        if shape.month && shape.hour {
            out.write_char('T')?;
        }
        if shape.hour {
            write_padded(out, self.hour, 2)?;
            out.write_char(':')?;
            write_padded(out, self.minute, 2)?;
        }
        if shape.second {
            out.write_char(':')?;
            write_padded(out, self.second, 2)?;
        }
        if shape.millis {
            out.write_char('.')?;
            write_padded(out, self.millis, 3)?;
        }
        Ok(())
    }

    /// A number that is equal for two dates exactly when their [`Self::iso`] texts are: what
    /// the text shows (which parts, and their values), packed without writing it, so a
    /// comparison of two dates needs no formatting. `None` when a part is beyond what a pattern
    /// can hold (then compare the texts).
    pub fn iso_key(&self) -> Option<u128> {
        let shape = self.shape;
        let mut key: u128 = 0;
        // Each part in a fixed width: `bits` of `value`, or 0 when the text does not show it.
        let mut put = |shown: bool, value: u32, bits: u32| -> Option<()> {
            let value = if shown { value } else { 0 };
            if u64::from(value) >> bits != 0 {
                return None;
            }
            key = (key << bits) | u128::from(value);
            Some(())
        };
        let dated = shape.year || shape.day;
        put(true, u32::from(shape.year), 1)?;
        put(true, u32::from(shape.day), 1)?;
        put(true, u32::from(shape.month && shape.hour), 1)?;
        put(true, u32::from(shape.hour), 1)?;
        put(true, u32::from(shape.second), 1)?;
        put(true, u32::from(shape.millis), 1)?;
        put(shape.year, self.year, 20)?;
        put(dated, self.month, 8)?;
        put(shape.day, self.day, 8)?;
        put(shape.hour, self.hour, 8)?;
        put(shape.hour, self.minute, 8)?;
        put(shape.second, self.second, 8)?;
        put(shape.millis, self.millis, 16)?;
        Some(key)
    }

    /// Parses the ISO text [`Self::iso`] writes for this pattern.
    pub(crate) fn parse_iso(text: &str, spec: &DateSpec) -> Option<DateParts> {
        let mut parts = DateParts::new(spec);
        let shape = parts.shape;
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

impl std::fmt::Display for DateParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write_iso(f)
    }
}

/// The year `yy` selects in the century window that starts at `pivot`.
pub(crate) fn window(pivot: u32, yy: u32) -> u32 {
    let year = pivot - pivot % 100 + yy;
    if year < pivot {
        year + 100
    } else {
        year
    }
}

/// Which components a pattern has (validation allows only the shapes [`DateParts::iso`] writes).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
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
        // One pass over the pattern: every decoded date starts here.
        let mut shape = Shape::default();
        for token in &spec.tokens {
            match token {
                DateToken::Year | DateToken::ShortYear => shape.year = true,
                DateToken::Month => shape.month = true,
                DateToken::Day => shape.day = true,
                DateToken::Hour => shape.hour = true,
                DateToken::Second => shape.second = true,
                DateToken::Millis => shape.millis = true,
                DateToken::Minute | DateToken::Literal(_) => {}
            }
        }
        shape
    }
}

/// The ISO form a pattern expects, for error messages.
pub(crate) fn example(spec: &DateSpec) -> String {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn spec(tokens: &[DateToken]) -> DateSpec {
        DateSpec {
            len: 0,
            tokens: tokens.to_vec(),
            null_blank: false,
            null_zeros: false,
            null_zero: false,
            pivot: None,
        }
    }

    #[test]
    fn keys_are_equal_exactly_when_the_iso_texts_are() {
        use DateToken::*;
        let patterns = [
            spec(&[Year, Month, Day]),
            spec(&[Year, Month]),
            spec(&[Month, Day]),
            spec(&[Year, Month, Day, Hour, Minute, Second, Millis]),
            spec(&[Year, Month, Day, Hour, Minute, Second]),
            spec(&[Hour, Minute, Second]),
            spec(&[Hour, Minute]),
            // Month without year or day: the same text as a pattern with neither (time only).
            spec(&[Month, Hour, Minute]),
        ];
        let values = [
            (2025, 1, 1, 9, 0, 0, 0),
            (2025, 1, 2, 9, 0, 0, 0),
            (2025, 12, 31, 23, 59, 59, 999),
            (2024, 2, 29, 0, 0, 1, 0),
            (1999, 1, 1, 9, 0, 0, 1),
        ];
        let mut dates = Vec::new();
        for pattern in &patterns {
            for &(year, month, day, hour, minute, second, millis) in &values {
                let mut parts = DateParts::new(pattern);
                for token in &pattern.tokens {
                    let value = match token {
                        Year | ShortYear => year,
                        Month => month,
                        Day => day,
                        Hour => hour,
                        Minute => minute,
                        Second => second,
                        Millis => millis,
                        Literal(_) => 0,
                    };
                    parts.set(*token, value);
                }
                dates.push(parts);
            }
        }
        let mut equal_pairs = 0;
        for a in &dates {
            for b in &dates {
                let same_text = a.iso() == b.iso();
                assert_eq!(
                    a.iso_key().unwrap() == b.iso_key().unwrap(),
                    same_text,
                    "{} against {}",
                    a.iso(),
                    b.iso()
                );
                equal_pairs += usize::from(same_text);
            }
        }
        assert!(
            equal_pairs > dates.len(),
            "some texts of different parts are equal"
        );
        let mut huge = DateParts::new(&patterns[0]);
        huge.set(Year, 1 << 21);
        assert_eq!(
            huge.iso_key(),
            None,
            "beyond a pattern's width: compare texts"
        );
    }
}
