//! Errors of the copybook importer: where in the copybook (line and column) and what was expected
//! and found.

use super::source::Source;

/// A copybook that cannot be read or has no layout equivalent, or import options that do not fit
/// the copybook.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Something in a copybook file.
    #[error("{origin}: {error}{}", .hint.map_or(String::new(), |hint| format!(" ({hint})")))]
    Copybook {
        /// The copybook file (as given on the command line).
        origin: String,
        /// What and where.
        error: CopybookError,
        /// The likely cause, when the text suggests one (a free-format copybook read as fixed).
        hint: Option<&'static str>,
    },
    /// Options that do not fit the copybooks (an unknown record name, a missing discriminator).
    #[error("{0}")]
    Options(String),
}

/// A problem at one place of a copybook.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {kind}")]
pub struct CopybookError {
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column in the line.
    pub column: usize,
    /// What went wrong.
    pub kind: ErrorKind,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// The text does not follow the grammar.
    #[error("expected {expected}, found {found}")]
    Expected {
        /// What may stand here.
        expected: String,
        /// What stands here.
        found: String,
    },
    /// Valid COBOL that a layout cannot describe.
    #[error("{0} has no layout equivalent")]
    Unsupported(String),
    /// Valid grammar, inconsistent meaning (a REDEFINES of an item that is not the previous one).
    #[error("{0}")]
    Invalid(String),
}

impl CopybookError {
    /// An error at logical byte `offset` of `source`.
    pub(crate) fn at(source: &Source, offset: usize, kind: ErrorKind) -> CopybookError {
        let pos = source.pos(offset);
        CopybookError {
            line: pos.line,
            column: pos.column,
            kind,
        }
    }

    /// An error at a known line and column.
    pub(crate) fn at_pos(line: usize, column: usize, kind: ErrorKind) -> CopybookError {
        CopybookError { line, column, kind }
    }
}

impl ErrorKind {
    /// `expected …, found …` with both texts given.
    pub(crate) fn expected(expected: impl Into<String>, found: impl Into<String>) -> ErrorKind {
        ErrorKind::Expected {
            expected: expected.into(),
            found: found.into(),
        }
    }
}
