//! Fixed-form (and free-form) source text → one logical text with the line and column of every
//! byte, so the lexer sees continued words and literals whole and errors still point at the file.
//!
//! Fixed form: columns 1–6 are the sequence area, column 7 the indicator (`*` and `/` comment
//! lines, `D` debugging lines, `-` continuation), 8–72 the code, 73–80 ignored. A continued
//! literal runs to column 72 and resumes after the quote that opens the continuation line's code;
//! a continued word resumes at the continuation line's first non-blank character.

use crate::charset::Charset;

/// Where a byte of the logical text came from: 1-based line and column of the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    /// Line in the file.
    pub line: usize,
    /// Column in the line (characters).
    pub column: usize,
}

/// Source format of a copybook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SourceFormat {
    /// Columns 1–6 sequence, 7 indicator, 8–72 code, 73–80 ignored (the COBOL reference format).
    #[default]
    Fixed,
    /// The whole line is code; `*>` starts a comment; no continuation lines.
    Free,
}

/// The logical text of a copybook and the file position of each of its bytes.
#[derive(Debug, Default)]
pub(crate) struct Source {
    /// Code with comments, sequence areas and continuations resolved; lines joined by `\n`.
    pub text: String,
    /// `positions[i]` is where `text`'s byte `i` came from.
    positions: Vec<Pos>,
    /// Position just after the last code (for "found end of file").
    end: Pos,
}

impl Source {
    /// Reads a copybook in the given format. Columns count bytes of the file's `charset` (a
    /// Hangul character in a CP949 file takes two columns), as compilers count them.
    pub(crate) fn new(file: &str, format: SourceFormat, charset: Charset) -> Source {
        let mut source = Source::default();
        let mut quote: Option<char> = None;
        let mut last_line = 0;
        for (index, line) in file.lines().enumerate() {
            let number = index + 1;
            last_line = number;
            let cells = columns(line, charset);
            let (indicator, code, first_column) = match format {
                SourceFormat::Fixed => {
                    let indicator = cells.iter().find(|(c, _)| *c == 7).map(|&(_, ch)| ch);
                    let code: Vec<Cell> = cells
                        .into_iter()
                        .filter(|(c, _)| (8..=72).contains(c))
                        .collect();
                    (indicator, code, 8)
                }
                SourceFormat::Free => (None, cells, 1),
            };
            match indicator {
                Some('*' | '/' | 'D' | 'd') => continue,
                Some('-') => source.continue_line(&code, number, quote),
                _ => source.new_line(&code, number, first_column),
            }
            quote = source.open_quote_after(quote, number);
        }
        // "Found end of file" points just after the last code, not at a line that is not there.
        let last_code = source.text.trim_end().len().checked_sub(1);
        source.end = match last_code.and_then(|i| source.positions.get(i)) {
            Some(p) => Pos {
                line: p.line,
                column: p.column + 1,
            },
            None => Pos {
                line: last_line.max(1),
                column: 1,
            },
        };
        source
    }

    /// The file position of logical byte `offset` (the end of the file past the last byte).
    pub(crate) fn pos(&self, offset: usize) -> Pos {
        self.positions.get(offset).copied().unwrap_or(self.end)
    }

    fn new_line(&mut self, code: &[Cell], number: usize, first_column: usize) {
        self.push('\n', number, first_column);
        for &(column, c) in code {
            self.push(c, number, column);
        }
    }

    /// Appends a continuation line's code to the logical line it continues.
    fn continue_line(&mut self, code: &[Cell], number: usize, quote: Option<char>) {
        let Some(mut first) = code.iter().position(|&(_, c)| c != ' ') else {
            return;
        };
        if let Some(q) = quote {
            if code[first].1 == q {
                first += 1;
            }
        } else {
            // A continued word: the previous line's trailing blanks are not part of it.
            while self.text.ends_with(' ') {
                self.text.pop();
                self.positions.pop();
            }
        }
        for &(column, c) in &code[first..] {
            self.push(c, number, column);
        }
    }

    /// Whether a literal is still open at the end of the text read so far (from line `number`).
    fn open_quote_after(&mut self, before: Option<char>, number: usize) -> Option<char> {
        let line_start = self
            .positions
            .iter()
            .rposition(|p| p.line != number)
            .map_or(0, |i| i + 1);
        let mut quote = before;
        let mut cut = None;
        let tail = &self.text[line_start..];
        let mut chars = tail.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '\'' || c == '"' => quote = Some(c),
                None if c == '*' && chars.peek().is_some_and(|&(_, n)| n == '>') => {
                    cut = Some(line_start + i);
                    break;
                }
                None => {}
            }
        }
        if let Some(cut) = cut {
            // A floating `*>` comment runs to the end of the line.
            self.text.truncate(cut);
            self.positions.truncate(cut);
        }
        quote
    }

    fn push(&mut self, c: char, line: usize, column: usize) {
        self.text.push(c);
        for _ in 0..c.len_utf8() {
            self.positions.push(Pos { line, column });
        }
    }
}

/// Whether a copybook looks written in the free format: a line whose level number (one or two
/// digits, then a blank) or `*>` comment lies in columns 1-6, the fixed format's sequence area
/// (where a sequence number is six digits or blank).
pub(crate) fn looks_free(file: &str) -> bool {
    file.lines().any(|line| {
        let code = line.trim_start_matches([' ', '\t']);
        let start = line.len() - code.len();
        let word = code.split_whitespace().next().unwrap_or("");
        let level = (1..=2).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_digit());
        start + word.len() <= 6 && (level || word.starts_with("*>"))
    })
}

/// The lines of a fixed-format copybook with text in columns 73 and on (ignored: the
/// identification area), with that text; comment lines aside.
pub(crate) fn past_column_72(file: &str, charset: Charset) -> Vec<(usize, String)> {
    file.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let cells = columns(line, charset);
            let indicator = cells.iter().find(|(c, _)| *c == 7).map(|&(_, ch)| ch);
            if matches!(indicator, Some('*' | '/')) {
                return None;
            }
            let text: String = cells
                .iter()
                .filter(|(c, _)| *c > 72)
                .map(|&(_, ch)| ch)
                .collect();
            let text = text.trim();
            (!text.is_empty()).then(|| (index + 1, text.to_owned()))
        })
        .collect()
}

/// A character and the (1-based) column it starts at.
type Cell = (usize, char);

/// The characters of a line with their columns, counted in bytes of the file's charset.
fn columns(line: &str, charset: Charset) -> Vec<Cell> {
    let mut column = 1;
    line.chars()
        .map(|c| {
            let cell = (column, c);
            column += match charset {
                Charset::Utf8 => c.len_utf8(),
                Charset::Cp949 | Charset::EucKr if c.is_ascii() => 1,
                Charset::Cp949 | Charset::EucKr => 2,
            };
            cell
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_area_comments_and_identification_area_are_dropped() {
        let file =
            "000100 01  REC.                                                         SEQ00001\n\
                    000200*    A COMMENT\n\
                    000300     05  A PIC X(3).";
        let source = Source::new(file, SourceFormat::Fixed, Charset::Utf8);
        let words: Vec<&str> = source.text.split_whitespace().collect();
        assert_eq!(words, ["01", "REC.", "05", "A", "PIC", "X(3)."]);
        let a = source.text.find("A PIC").unwrap_or(0);
        assert_eq!(
            source.pos(a),
            Pos {
                line: 3,
                column: 16
            }
        );
    }

    #[test]
    fn continued_words_and_literals_are_joined() {
        let file =
            "       01 R.\n           05 A PIC 9(\n      -       5) VALUE 'AB\n      -    'CD'.";
        let source = Source::new(file, SourceFormat::Fixed, Charset::Utf8);
        let text = source.text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.starts_with("01 R. 05 A PIC 9(5) VALUE 'AB"), "{text}");
        assert!(text.ends_with("CD'."), "{text}");
    }
}
