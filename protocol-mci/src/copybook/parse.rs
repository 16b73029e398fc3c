//! Data description entries from tokens: `level [name|FILLER] clause… .`
//!
//! Clauses that change the bytes are kept (`PIC`, `USAGE`, `SIGN`, `OCCURS`, `REDEFINES`,
//! `JUSTIFIED`); those that do not are read and dropped (`VALUE`, `BLANK WHEN ZERO`, `GLOBAL`,
//! `INDEXED BY`, `ASCENDING KEY`). 88-level condition names are skipped whole.

use super::error::{CopybookError, ErrorKind};
use super::lexer::{Token, TokenKind};
use super::picture::Picture;
use super::source::Source;

/// One data description entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Level number (01–49, or 77).
    pub level: u8,
    /// The data name; `None` for `FILLER` or no name.
    pub name: Option<String>,
    /// Where the entry starts.
    pub line: usize,
    /// Column of the level number.
    pub column: usize,
    /// `REDEFINES name`.
    pub redefines: Option<NameRef>,
    /// The picture and its text as written.
    pub picture: Option<(Picture, String)>,
    /// `USAGE`.
    pub usage: Option<Usage>,
    /// `SIGN LEADING|TRAILING [SEPARATE]`.
    pub sign: Option<SignClause>,
    /// `OCCURS`.
    pub occurs: Option<Occurs>,
    /// `JUSTIFIED RIGHT`.
    pub justified: bool,
    /// `SYNCHRONIZED`: the compiler may insert slack bytes before the item; the import does not.
    pub sync: bool,
}

/// A data name used by a clause, and where.
#[derive(Debug, Clone)]
pub(crate) struct NameRef {
    /// The name, upper-cased.
    pub name: String,
    /// Line of the name.
    pub line: usize,
    /// Column of the name.
    pub column: usize,
}

/// `USAGE` clauses with a layout meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Usage {
    /// Zoned (and text).
    Display,
    /// `COMP`, `COMP-4`, `BINARY`: binary bounded by the picture's digits.
    Binary,
    /// `COMP-5`: native binary, the whole width.
    Native,
    /// `COMP-3`, `PACKED-DECIMAL`.
    Packed,
    /// Usages without a layout type (`COMP-1`, `COMP-2`, `INDEX`, `POINTER`).
    Unsupported(&'static str),
}

/// `SIGN IS LEADING|TRAILING [SEPARATE CHARACTER]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignClause {
    /// Sign on the first digit (or before it).
    pub leading: bool,
    /// A separate `+`/`-` byte.
    pub separate: bool,
}

/// `OCCURS [min TO] max [TIMES] [DEPENDING ON name]`.
#[derive(Debug, Clone)]
pub(crate) struct Occurs {
    /// The minimum count of a table of variable size (the fixed count otherwise).
    pub min: usize,
    /// The maximum (or fixed) count.
    pub max: usize,
    /// The count field of a table of variable size.
    pub depending: Option<NameRef>,
}

/// Words that start a clause, so they are not taken as names.
pub(super) const CLAUSE_WORDS: &[&str] = &[
    "PIC",
    "PICTURE",
    "USAGE",
    "REDEFINES",
    "OCCURS",
    "VALUE",
    "VALUES",
    "SIGN",
    "LEADING",
    "TRAILING",
    "JUSTIFIED",
    "JUST",
    "BLANK",
    "SYNC",
    "SYNCHRONIZED",
    "GLOBAL",
    "EXTERNAL",
    "RENAMES",
    "DISPLAY",
    "COMP",
    "COMPUTATIONAL",
    "COMP-1",
    "COMP-2",
    "COMP-3",
    "COMP-4",
    "COMP-5",
    "COMPUTATIONAL-1",
    "COMPUTATIONAL-2",
    "COMPUTATIONAL-3",
    "COMPUTATIONAL-4",
    "COMPUTATIONAL-5",
    "BINARY",
    "PACKED-DECIMAL",
    "INDEX",
    "POINTER",
    "NATIONAL",
    "DISPLAY-1",
    "IS",
    "INDEXED",
    "ASCENDING",
    "DESCENDING",
];

/// Compiler listing directives that may stand between entries.
const LISTING: &[&str] = &["EJECT", "SKIP1", "SKIP2", "SKIP3"];

/// Reads entries from tokens.
pub(crate) struct Parser<'a> {
    pub(super) source: &'a Source,
    pub(super) tokens: &'a [Token],
    pub(super) at: usize,
}

impl<'a> Parser<'a> {
    /// A parser over `tokens` of `source`.
    pub(crate) fn new(source: &'a Source, tokens: &'a [Token]) -> Parser<'a> {
        Parser {
            source,
            tokens,
            at: 0,
        }
    }

    /// Every entry, 88-levels left out.
    pub(crate) fn entries(mut self) -> Result<Vec<Entry>, CopybookError> {
        let mut out = Vec::new();
        while self.peek().is_some() {
            // Listing directives between entries change no data.
            if self.peek_word().is_some_and(|w| LISTING.contains(&w)) {
                self.next();
                if self.next_kind() == Some(TokenKind::Period) {
                    self.next();
                }
                continue;
            }
            if let Some(entry) = self.entry()? {
                out.push(entry);
            }
        }
        Ok(out)
    }

    fn entry(&mut self) -> Result<Option<Entry>, CopybookError> {
        let start = self.at;
        let level = self.level()?;
        let token = &self.tokens[start];
        let pos = self.source.pos(token.span.start);
        if level == 88 {
            // Condition names describe values, not bytes.
            while self.next_kind() != Some(TokenKind::Period) {
                if self.next().is_none() {
                    return Err(self.error_here("`.` ending the 88-level entry"));
                }
            }
            self.next();
            return Ok(None);
        }
        if level == 66 {
            return Err(self.error_at(start, ErrorKind::Unsupported("a 66-level RENAMES".into())));
        }
        let mut entry = Entry {
            level,
            name: None,
            line: pos.line,
            column: pos.column,
            redefines: None,
            picture: None,
            usage: None,
            sign: None,
            occurs: None,
            justified: false,
            sync: false,
        };
        if let Some(word) = self.peek_word() {
            if !CLAUSE_WORDS.contains(&word) {
                self.next();
                entry.name = (word != "FILLER").then(|| word.to_owned());
            }
        }
        while self.next_kind() != Some(TokenKind::Period) {
            self.clause(&mut entry)?;
        }
        self.next();
        Ok(Some(entry))
    }

    fn level(&mut self) -> Result<u8, CopybookError> {
        let level = self
            .peek_word()
            .filter(|w| w.len() <= 2 && w.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|w| w.parse::<u8>().ok())
            .filter(|l| matches!(l, 1..=49 | 66 | 77 | 88));
        match level {
            Some(level) => {
                self.next();
                Ok(level)
            }
            None => Err(self.error_here("a level number (01-49, 66, 77 or 88)")),
        }
    }

    pub(super) fn integer(&mut self, what: &str) -> Result<usize, CopybookError> {
        let value = self.peek_word().and_then(|w| w.parse::<usize>().ok());
        match value {
            Some(n) => {
                self.next();
                Ok(n)
            }
            None => Err(self.error_here(what)),
        }
    }

    pub(super) fn expect_one(
        &mut self,
        words: &[&'static str],
        what: &str,
    ) -> Result<&'static str, CopybookError> {
        let found = words
            .iter()
            .find(|w| self.peek_word() == Some(**w))
            .copied();
        match found {
            Some(word) => {
                self.next();
                Ok(word)
            }
            None => Err(self.error_here(what)),
        }
    }

    /// Consumes `word` if it is next.
    pub(super) fn optional(&mut self, word: &str) -> bool {
        let here = self.peek_word() == Some(word);
        if here {
            self.next();
        }
        here
    }

    pub(super) fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.at)
    }

    pub(super) fn peek_word(&self) -> Option<&'a str> {
        self.peek()
            .filter(|t| t.kind == TokenKind::Word)
            .map(|t| t.text.as_str())
    }

    pub(super) fn next_kind(&self) -> Option<TokenKind> {
        self.peek().map(|t| t.kind)
    }

    pub(super) fn next(&mut self) -> Option<&'a Token> {
        let token = self.tokens.get(self.at);
        self.at += 1;
        token
    }

    pub(super) fn found(&self, at: usize) -> String {
        match self.tokens.get(at) {
            Some(t) if t.kind == TokenKind::Period => "`.`".into(),
            Some(t) => format!("`{}`", t.text),
            None => "end of file".into(),
        }
    }

    pub(super) fn error_here(&self, expected: &str) -> CopybookError {
        self.error_at(self.at, ErrorKind::expected(expected, self.found(self.at)))
    }

    pub(super) fn error_at(&self, at: usize, kind: ErrorKind) -> CopybookError {
        let offset = self
            .tokens
            .get(at)
            .map_or(self.source.text.len(), |t| t.span.start);
        CopybookError::at(self.source, offset, kind)
    }
}
