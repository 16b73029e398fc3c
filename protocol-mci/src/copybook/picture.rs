//! `PIC` character strings: `X(10)`, `S9(5)V99`, `S999PP`, `SVPPP999`, `ZZ,ZZ9.99-`.
//!
//! A picture is a run of symbols, each optionally followed by a repeat count in parentheses. The
//! symbols are then classified: alphanumeric (`X`, `A`, mixed with `9`), national (`N`, `G`: two
//! bytes per character), numeric (`9`, `S`, `V`, `P`) or edited (anything with editing symbols,
//! imported as text of its printed width).

use winnow::ascii::dec_uint;
use winnow::combinator::{alt, delimited, opt};
use winnow::stream::Location;
use winnow::token::one_of;
use winnow::{LocatingSlice, Parser};

use super::error::ErrorKind;

/// A classified picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Picture {
    /// `X`, `A`, or a mix with `9`: text of `len` bytes.
    Alphanumeric {
        /// Bytes.
        len: usize,
    },
    /// `N` or `G`: double-byte characters.
    National {
        /// Characters (two bytes each).
        chars: usize,
    },
    /// `9`, `S`, `V`, `P`.
    Numeric {
        /// `S` present.
        signed: bool,
        /// Count of `9`s.
        digits: usize,
        /// Decimal places: `V99` → 2, `999PP` → -2, `VPPP999` → 6.
        scale: i32,
    },
    /// A numeric-edited or alphanumeric-edited picture: printed characters.
    Edited {
        /// Bytes.
        len: usize,
    },
}

/// One symbol and how often it repeats.
type Symbol = (char, usize);

/// Parses a picture; on failure, the byte offset inside `text` and what was wrong.
pub(crate) fn parse(text: &str) -> Result<Picture, (usize, ErrorKind)> {
    let mut input = LocatingSlice::new(text);
    let mut symbols: Vec<Symbol> = Vec::new();
    while !input.is_empty() {
        let at = input.current_token_start();
        match symbol.parse_next(&mut input) {
            Ok((_, 0)) => return Err((at, ErrorKind::expected("a repeat count above 0", "(0)"))),
            Ok(s) => symbols.push(s),
            Err(_) => {
                let found = text[at..].chars().next().unwrap_or(' ');
                return Err((
                    at,
                    ErrorKind::expected(
                        "a picture symbol (X A N G 9 S V P Z B 0 / , . + - * $ CR DB) \
                         or a repeat count like (5)",
                        format!("`{found}`"),
                    ),
                ));
            }
        }
    }
    classify(&symbols).map_err(|kind| (0, kind))
}

fn symbol(input: &mut LocatingSlice<&str>) -> winnow::Result<Symbol> {
    let letter = alt((
        "CR".value('C'),
        "DB".value('D'),
        one_of([
            'X', 'A', 'N', 'G', '9', 'S', 'V', 'P', 'Z', 'B', '0', '/', ',', '.', '+', '-', '*',
            '$', 'E',
        ]),
    ));
    let count = opt(delimited('(', dec_uint::<_, u32, _>, ')'));
    let (c, n) = (letter, count).parse_next(input)?;
    // Editing symbols CR and DB print two characters each.
    let width = if matches!(c, 'C' | 'D') { 2 } else { 1 };
    Ok((c, n.map_or(width, |n| n as usize * width)))
}

fn classify(symbols: &[Symbol]) -> Result<Picture, ErrorKind> {
    let has = |set: &[char]| symbols.iter().any(|(c, _)| set.contains(c));
    let count = |set: &[char]| -> usize {
        symbols
            .iter()
            .filter(|(c, _)| set.contains(c))
            .map(|(_, n)| n)
            .sum()
    };
    let all_in = |set: &[char]| symbols.iter().all(|(c, _)| set.contains(c));
    if all_in(&['N']) || all_in(&['G']) {
        return Ok(Picture::National {
            chars: count(&['N', 'G']),
        });
    }
    if all_in(&['X', 'A', '9']) && has(&['X', 'A']) {
        return Ok(Picture::Alphanumeric {
            len: count(&['X', 'A', '9']),
        });
    }
    if all_in(&['9', 'S', 'V', 'P']) && has(&['9']) {
        return numeric(symbols);
    }
    if has(&['S', 'V', 'P']) && !has(&['Z', 'B', '0', '/', ',', '.', '+', '-', '*', '$', 'C', 'D'])
    {
        return Err(ErrorKind::expected(
            "at least one `9` in a numeric picture",
            "none",
        ));
    }
    // Edited: every symbol but V, P and S prints one character (CR and DB two, counted above).
    Ok(Picture::Edited {
        len: symbols
            .iter()
            .filter(|(c, _)| !matches!(c, 'V' | 'P' | 'S'))
            .map(|(_, n)| n)
            .sum(),
    })
}

/// `S9(5)V99`, `S999PP`, `SVPPP999`, `PP99`.
fn numeric(symbols: &[Symbol]) -> Result<Picture, ErrorKind> {
    let signed = symbols.first().is_some_and(|(c, _)| *c == 'S');
    if symbols.iter().skip(1).any(|(c, _)| *c == 'S') || count_of(symbols, 'S') > 1 {
        return Err(ErrorKind::expected("`S` once, first", "another `S`"));
    }
    if count_of(symbols, 'V') > 1 {
        return Err(ErrorKind::expected("at most one `V`", "several"));
    }
    let (mut digits, mut fraction, mut p_lead, mut p_trail) = (0, 0, 0, 0);
    let mut after_v = false;
    for &(c, n) in symbols {
        match c {
            '9' if p_trail > 0 => {
                return Err(ErrorKind::expected(
                    "`P`s before or after all `9`s",
                    "`9` after `P`",
                ))
            }
            '9' => {
                digits += n;
                if after_v {
                    fraction += n;
                }
            }
            'P' if digits == 0 => p_lead += n,
            'P' => p_trail += n,
            'V' => after_v = true,
            _ => {}
        }
    }
    let scale = if p_trail > 0 {
        -(p_trail as i32)
    } else if p_lead > 0 {
        (p_lead + digits) as i32
    } else {
        fraction as i32
    };
    Ok(Picture::Numeric {
        signed,
        digits,
        scale,
    })
}

fn count_of(symbols: &[Symbol], c: char) -> usize {
    symbols.iter().filter(|(s, _)| *s == c).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(text: &str) -> (bool, usize, i32) {
        match parse(text) {
            Ok(Picture::Numeric {
                signed,
                digits,
                scale,
            }) => (signed, digits, scale),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn numeric_pictures_give_digits_and_signed_scale() {
        assert_eq!(num("S9(5)V99"), (true, 7, 2));
        assert_eq!(num("9(4)"), (false, 4, 0));
        assert_eq!(num("S999PP"), (true, 3, -2));
        assert_eq!(num("SVPPP999"), (true, 3, 6));
        assert_eq!(num("PP99"), (false, 2, 4));
        assert_eq!(num("V9(3)"), (false, 3, 3));
    }

    #[test]
    fn text_national_and_edited_pictures_give_widths() {
        assert_eq!(parse("X(10)"), Ok(Picture::Alphanumeric { len: 10 }));
        assert_eq!(parse("AAX9"), Ok(Picture::Alphanumeric { len: 4 }));
        assert_eq!(parse("N(5)"), Ok(Picture::National { chars: 5 }));
        assert_eq!(parse("ZZ,ZZ9.99CR"), Ok(Picture::Edited { len: 11 }));
        assert_eq!(parse("-(4)9"), Ok(Picture::Edited { len: 5 }));
    }

    #[test]
    fn bad_symbols_say_where() {
        let (at, kind) = parse("9(5)Q")
            .err()
            .unwrap_or((0, ErrorKind::Invalid(String::new())));
        assert_eq!(at, 4);
        assert!(kind.to_string().contains("found `Q`"), "{kind}");
        assert!(parse("9(0)").is_err());
        assert!(parse("99PP9").is_err());
    }
}
