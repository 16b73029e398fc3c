//! Data description entries from tokens: `level [name|FILLER] clause… .`
//!
//! Clauses that change the bytes are kept (`PIC`, `USAGE`, `SIGN`, `OCCURS`, `REDEFINES`,
//! `JUSTIFIED`); those that do not are read and dropped (`VALUE`, `BLANK WHEN ZERO`, `GLOBAL`,
//! `INDEXED BY`, `ASCENDING KEY`). 88-level condition names are skipped whole.

use super::error::{CopybookError, ErrorKind};
use super::lexer::{Token, TokenKind};
use super::picture::{self, Picture};
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
const CLAUSE_WORDS: &[&str] = &[
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

/// Reads entries from tokens.
pub(crate) struct Parser<'a> {
    source: &'a Source,
    tokens: &'a [Token],
    at: usize,
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

    fn clause(&mut self, entry: &mut Entry) -> Result<(), CopybookError> {
        let at = self.at;
        let Some(word) = self.peek_word().map(str::to_owned) else {
            return Err(
                self.error_here("a clause (PIC, USAGE, OCCURS, REDEFINES, VALUE, SIGN) or `.`")
            );
        };
        self.next();
        match word.as_str() {
            "REDEFINES" => entry.redefines = Some(self.name_ref("the name of the redefined item")?),
            "PIC" | "PICTURE" => entry.picture = Some(self.picture()?),
            "USAGE" => {
                self.optional("IS");
                let at = self.at;
                let word = self.peek_word().map(str::to_owned).unwrap_or_default();
                self.next();
                entry.usage = Some(usage(&word).ok_or_else(|| {
                    self.error_at(
                        at,
                        ErrorKind::expected(
                            "a usage (DISPLAY, COMP, COMP-3, COMP-5, BINARY, PACKED-DECIMAL)",
                            self.found(at),
                        ),
                    )
                })?);
            }
            "SIGN" => {
                self.optional("IS");
                entry.sign = Some(self.sign()?);
            }
            "LEADING" | "TRAILING" => {
                self.at = at;
                entry.sign = Some(self.sign()?);
            }
            "OCCURS" => entry.occurs = Some(self.occurs()?),
            "VALUE" | "VALUES" => self.value()?,
            "JUSTIFIED" | "JUST" => {
                self.optional("RIGHT");
                entry.justified = true;
            }
            "BLANK" => {
                self.optional("WHEN");
                self.expect_one(&["ZERO", "ZEROS", "ZEROES"], "ZERO after BLANK WHEN")?;
            }
            "SYNC" | "SYNCHRONIZED" => {
                if !self.optional("LEFT") {
                    self.optional("RIGHT");
                }
            }
            "GLOBAL" | "EXTERNAL" => {}
            other => match usage(other) {
                Some(u) => entry.usage = Some(u),
                None => {
                    return Err(self.error_at(
                        at,
                        ErrorKind::expected(
                            "a clause (PIC, USAGE, OCCURS, REDEFINES, VALUE, SIGN) or `.`",
                            self.found(at),
                        ),
                    ))
                }
            },
        }
        Ok(())
    }

    fn picture(&mut self) -> Result<(Picture, String), CopybookError> {
        self.optional("IS");
        let at = self.at;
        let Some(text) = self.peek_word().map(str::to_owned) else {
            return Err(self.error_here("a picture string after PIC"));
        };
        self.next();
        picture::parse(&text)
            .map(|p| (p, text))
            .map_err(|(offset, kind)| {
                let start = self.tokens[at].span.start;
                CopybookError::at(self.source, start + offset, kind)
            })
    }

    fn sign(&mut self) -> Result<SignClause, CopybookError> {
        let leading =
            self.expect_one(&["LEADING", "TRAILING"], "LEADING or TRAILING")? == "LEADING";
        let separate = self.optional("SEPARATE");
        if separate {
            self.optional("CHARACTER");
        }
        Ok(SignClause { leading, separate })
    }

    fn occurs(&mut self) -> Result<Occurs, CopybookError> {
        let min = self.integer("the number of occurrences")?;
        let mut max = min;
        if self.optional("TO") {
            max = self.integer("the maximum number of occurrences after TO")?;
        }
        self.optional("TIMES");
        let mut depending = None;
        if self.optional("DEPENDING") {
            self.optional("ON");
            depending = Some(self.name_ref("the name of the count field after DEPENDING ON")?);
        }
        loop {
            if self.optional("ASCENDING") || self.optional("DESCENDING") {
                self.optional("KEY");
                self.optional("IS");
            } else if self.optional("INDEXED") {
                self.optional("BY");
            } else {
                break;
            }
            self.name_ref("a name")?;
            while self.peek_word().is_some_and(|w| !CLAUSE_WORDS.contains(&w)) {
                self.next();
            }
        }
        Ok(Occurs {
            min,
            max,
            depending,
        })
    }

    /// `VALUE [IS] [ALL] literal`: skipped, the layout does not use initial values.
    fn value(&mut self) -> Result<(), CopybookError> {
        if !self.optional("IS") {
            self.optional("ARE");
        }
        self.optional("ALL");
        if self.next_kind().is_none_or(|k| k == TokenKind::Period) {
            return Err(self.error_here("a value after VALUE"));
        }
        self.next();
        Ok(())
    }

    /// A data name, skipping `OF`/`IN` qualifiers.
    fn name_ref(&mut self, what: &str) -> Result<NameRef, CopybookError> {
        let at = self.at;
        let name = self
            .peek_word()
            .filter(|w| !CLAUSE_WORDS.contains(w))
            .map(str::to_owned)
            .ok_or_else(|| self.error_here(what))?;
        self.next();
        while self.optional("OF") || self.optional("IN") {
            self.next();
        }
        let pos = self.source.pos(self.tokens[at].span.start);
        Ok(NameRef {
            name,
            line: pos.line,
            column: pos.column,
        })
    }

    fn integer(&mut self, what: &str) -> Result<usize, CopybookError> {
        let value = self.peek_word().and_then(|w| w.parse::<usize>().ok());
        match value {
            Some(n) => {
                self.next();
                Ok(n)
            }
            None => Err(self.error_here(what)),
        }
    }

    fn expect_one(
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
    fn optional(&mut self, word: &str) -> bool {
        let here = self.peek_word() == Some(word);
        if here {
            self.next();
        }
        here
    }

    fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.at)
    }

    fn peek_word(&self) -> Option<&'a str> {
        self.peek()
            .filter(|t| t.kind == TokenKind::Word)
            .map(|t| t.text.as_str())
    }

    fn next_kind(&self) -> Option<TokenKind> {
        self.peek().map(|t| t.kind)
    }

    fn next(&mut self) -> Option<&'a Token> {
        let token = self.tokens.get(self.at);
        self.at += 1;
        token
    }

    fn found(&self, at: usize) -> String {
        match self.tokens.get(at) {
            Some(t) if t.kind == TokenKind::Period => "`.`".into(),
            Some(t) => format!("`{}`", t.text),
            None => "end of file".into(),
        }
    }

    fn error_here(&self, expected: &str) -> CopybookError {
        self.error_at(self.at, ErrorKind::expected(expected, self.found(self.at)))
    }

    fn error_at(&self, at: usize, kind: ErrorKind) -> CopybookError {
        let offset = self
            .tokens
            .get(at)
            .map_or(self.source.text.len(), |t| t.span.start);
        CopybookError::at(self.source, offset, kind)
    }
}

fn usage(word: &str) -> Option<Usage> {
    Some(match word {
        "DISPLAY" => Usage::Display,
        "COMP" | "COMPUTATIONAL" | "COMP-4" | "COMPUTATIONAL-4" | "BINARY" => Usage::Binary,
        "COMP-5" | "COMPUTATIONAL-5" => Usage::Native,
        "COMP-3" | "COMPUTATIONAL-3" | "PACKED-DECIMAL" => Usage::Packed,
        "COMP-1" | "COMPUTATIONAL-1" => Usage::Unsupported("COMP-1 (floating point)"),
        "COMP-2" | "COMPUTATIONAL-2" => Usage::Unsupported("COMP-2 (floating point)"),
        "INDEX" => Usage::Unsupported("USAGE INDEX"),
        "POINTER" => Usage::Unsupported("USAGE POINTER"),
        "NATIONAL" | "DISPLAY-1" => Usage::Display,
        _ => return None,
    })
}
