//! Tokens of a copybook's logical text: character strings (words, numbers, pictures), quoted
//! literals, and the separator period.
//!
//! COBOL is context-free enough at this level: a period is a separator only when a space or the
//! end follows it (`PIC 9(3).99.` is the picture `9(3).99` and a period), commas and semicolons
//! followed by a space are blanks, and everything else up to a blank is one character string.

use std::ops::Range;

use winnow::combinator::{alt, delimited, eof, repeat};
use winnow::stream::Location;
use winnow::token::{any, one_of, take_till, take_while};
use winnow::{LocatingSlice, Parser};

use super::error::{CopybookError, ErrorKind};
use super::source::Source;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A character string: a word, a number, a picture (upper-cased).
    Word,
    /// A quoted literal (`'A'`, `X'00'`); its text is kept as written.
    Literal,
    /// The separator period ending an entry.
    Period,
}

/// One token and where it is in the logical text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// Its kind.
    pub kind: TokenKind,
    /// Its text (words upper-cased).
    pub text: String,
    /// Byte range in the logical text.
    pub span: Range<usize>,
}

type Input<'a> = LocatingSlice<&'a str>;

/// Splits the logical text into tokens.
pub(crate) fn tokens(source: &Source) -> Result<Vec<Token>, CopybookError> {
    let mut input = LocatingSlice::new(source.text.as_str());
    let mut out = Vec::new();
    loop {
        // Zero or more blanks: this cannot fail.
        let _: winnow::Result<()> = blanks.parse_next(&mut input);
        if input.is_empty() {
            return Ok(out);
        }
        let start = input.current_token_start();
        match token.parse_next(&mut input) {
            Ok(token) => out.push(token),
            Err(_) => {
                return Err(CopybookError::at(
                    source,
                    start,
                    ErrorKind::Expected {
                        expected: "a closing quote on the literal".into(),
                        found: "end of file".into(),
                    },
                ))
            }
        }
    }
}

/// Spaces, line ends, and commas or semicolons used as separators.
fn blanks(input: &mut Input<'_>) -> winnow::Result<()> {
    repeat(
        0..,
        alt((
            take_while(1.., char::is_whitespace).void(),
            (
                one_of([',', ';']),
                alt((one_of(char::is_whitespace).void(), eof.void())),
            )
                .void(),
        )),
    )
    .parse_next(input)
}

fn token(input: &mut Input<'_>) -> winnow::Result<Token> {
    alt((literal, period, word)).parse_next(input)
}

/// `'…'` or `"…"` (a doubled quote stands for itself), optionally after `X`, `N`, `G` or `Z`.
fn literal(input: &mut Input<'_>) -> winnow::Result<Token> {
    let quoted = |q: char| {
        delimited(
            q,
            repeat::<_, _, (), _, _>(0.., alt(((q, q).void(), take_till(1.., q).void()))),
            q,
        )
    };
    let prefix = take_while(0..=1, ['X', 'x', 'N', 'n', 'G', 'g', 'Z', 'z']);
    let (text, span) = (prefix, alt((quoted('\''), quoted('"'))))
        .take()
        .with_span()
        .parse_next(input)?;
    Ok(Token {
        kind: TokenKind::Literal,
        text: text.to_owned(),
        span,
    })
}

/// A period followed by a blank or the end.
fn period(input: &mut Input<'_>) -> winnow::Result<Token> {
    let span = '.'.span().parse_next(input)?;
    let next = input.chars().next();
    if next.is_some_and(|c| !c.is_whitespace()) {
        return Err(winnow::error::ContextError::new());
    }
    Ok(Token {
        kind: TokenKind::Period,
        text: ".".into(),
        span,
    })
}

/// Everything up to a blank or a quote, without a final separator period.
fn word(input: &mut Input<'_>) -> winnow::Result<Token> {
    let start = input.current_token_start();
    let mut text = String::new();
    loop {
        let rest: &str = input;
        let mut chars = rest.chars();
        match chars.next() {
            None => break,
            Some(c) if c.is_whitespace() || c == '\'' || c == '"' => break,
            Some('.' | ',' | ';') if chars.next().is_none_or(char::is_whitespace) => break,
            Some(_) => text.push(any.parse_next(input)?),
        }
    }
    if text.is_empty() {
        return Err(winnow::error::ContextError::new());
    }
    Ok(Token {
        kind: TokenKind::Word,
        text: text.to_ascii_uppercase(),
        span: start..input.current_token_start(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charset::Charset;
    use crate::copybook::source::SourceFormat;

    fn kinds(text: &str) -> Vec<(TokenKind, String)> {
        let source = Source::new(text, SourceFormat::Free, Charset::Utf8);
        let tokens = tokens(&source).unwrap_or_default();
        tokens.into_iter().map(|t| (t.kind, t.text)).collect()
    }

    #[test]
    fn pictures_keep_inner_periods_and_lose_the_separator() {
        let words = kinds("05 A PIC ZZ9.99. 05 B PIC 9(3), VALUE 'it''s'.");
        let texts: Vec<&str> = words.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts[..5], ["05", "A", "PIC", "ZZ9.99", "."]);
        assert_eq!(texts[8], "9(3)");
        assert_eq!(words[10].0, TokenKind::Literal);
        assert_eq!(words[11].0, TokenKind::Period);
    }

    #[test]
    fn a_comma_at_the_end_is_a_separator() {
        assert_eq!(kinds("05 A PIC X,").len(), 4);
    }

    #[test]
    fn an_unterminated_literal_is_an_error() {
        let source = Source::new("05 A PIC X VALUE 'abc.", SourceFormat::Free, Charset::Utf8);
        assert!(tokens(&source).is_err());
    }
}
