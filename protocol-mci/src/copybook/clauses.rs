//! The clauses of a data description entry: `REDEFINES`, `PIC`, `USAGE`, `SIGN`, `OCCURS`,
//! `VALUE` (skipped), `JUSTIFIED`, and those read only to be ignored.

use super::error::{CopybookError, ErrorKind};
use super::lexer::TokenKind;
use super::parse::{Entry, NameRef, Occurs, Parser, SignClause, Usage, CLAUSE_WORDS};
use super::picture::{self, Picture};

impl Parser<'_> {
    pub(super) fn clause(&mut self, entry: &mut Entry) -> Result<(), CopybookError> {
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
                entry.sync = true;
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
