//! Errors of a reconciliation: where (which side, which file or query, which row) and what.

use std::fmt;

use protocol_mci::charset::Charset;

/// A reconciliation that could not run to the end.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {kind}")]
pub struct ReconcileError {
    /// Where: `legacy source legacy.dat row 12`, `reconcile file r.toml key legacy.fields[2]`.
    pub context: String,
    /// What went wrong.
    pub kind: ReconcileErrorKind,
    /// The row's place in its source when the error is one row's: its line (CSV, JSON Lines,
    /// newline-separated fixed-length), record (back-to-back fixed-length) or row (PostgreSQL).
    pub row: Option<u64>,
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileErrorKind {
    /// Reading or writing a file.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A CSV file that does not parse.
    #[error("{0}")]
    Csv(#[from] csv::Error),
    /// A JSON line (or a spilled row) that does not parse.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// A JSON line that is not JSON: the parser's reason and where (boxed: rare, and large).
    #[error("{0}")]
    JsonSyntax(Box<crate::engine::JsonSyntax>),
    /// A JSON line whose object holds a key twice (its path), which a parser would resolve
    /// silently by keeping one of the values.
    #[error("expected each key once, found `{0}` twice")]
    DuplicateKey(String),
    /// A JSON line that is not one object: what it is instead.
    #[error("expected one JSON object, found {0}")]
    NotObject(String),
    /// Bytes that are not text in the source's charset.
    #[error("{}", undecodable(.column.as_deref(), *.charset, *.at))]
    Undecodable {
        /// The column (a CSV cell); `None` for a whole line.
        column: Option<String>,
        /// The source's charset.
        charset: Charset,
        /// The offset of the first invalid byte in the cell or line.
        at: usize,
    },
    /// A fixed-length record whose fields do not decode (boxed: large, and the error stays small
    /// enough to return by value).
    #[error("{0}")]
    Decode(Box<protocol_mci::DecodeError>),
    /// The database failed: shown with what the server said (or the connection's OS error),
    /// not the client's bare `db error`.
    #[error("{}", crate::store::postgres::error::PostgresError::shown(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// The database did not answer within the deadline.
    #[error("no answer within {0} ms (timeout_ms)")]
    Timeout(u64),
    /// A value that is not of its field's type.
    #[error("column {column}: expected {expected}, found {found}")]
    Value {
        /// The source column.
        column: String,
        /// The type wanted.
        expected: &'static str,
        /// What was there.
        found: String,
    },
    /// A fixed-length record the file ends in.
    #[error("expected {expected} bytes, found {found} (the file ends)")]
    ShortRecord {
        /// The layout's record size.
        expected: usize,
        /// The bytes left in the file.
        found: usize,
    },
    /// A record of a newline-separated fixed-length file whose line ends before the record does.
    #[error("expected {expected} bytes, found {found} (a short record: line {line} ends after {found} bytes)")]
    ShortLine {
        /// The layout's record size.
        expected: usize,
        /// The bytes before the line break.
        found: usize,
        /// The line (in a newline-separated file, the record's number).
        line: u64,
    },
    /// A fixed-length record that does not decode, with what the bytes suggest is wrong in
    /// the source's settings.
    #[error("{error} ({hint})")]
    Misframed {
        /// Why it does not decode (boxed: rare, and large).
        error: Box<protocol_mci::DecodeError>,
        /// The likely cause.
        hint: &'static str,
    },
    /// A CSV row with more or fewer cells than the header has columns.
    #[error("expected {expected} columns (as the header has), found {found}")]
    Columns {
        /// The header's columns.
        expected: usize,
        /// The row's cells.
        found: usize,
    },
    /// A column the mapping names but the source lacks.
    #[error("no column {0} (columns: {1})")]
    MissingColumn(String, String),
    /// A row without a value of the key field at this target path.
    #[error("key field {0} is {1}")]
    NoKey(String, KeyGap),
    /// The reconcile file is invalid (every problem, one per line).
    #[error("{0}")]
    Config(String),
    /// The store could not be written or read.
    #[error("{0}")]
    Store(String),
}

/// Why a row has no key value; each names the source column, which need not be the target path
/// (a fixed-length record's `body.cust_no` mapped to `cust_no`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyGap {
    /// The row has no such column or member (named).
    Absent(String),
    /// SQL `NULL` or JSON `null` in this column.
    Null(String),
    /// An empty cell or string in this column, or one of whitespace only.
    Empty(String),
}

impl fmt::Display for KeyGap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyGap::Absent(column) => write!(f, "absent (the row has no {column})"),
            KeyGap::Null(column) => write!(f, "null (column {column})"),
            KeyGap::Empty(column) => write!(f, "empty (column {column})"),
        }
    }
}

impl From<protocol_mci::DecodeError> for ReconcileErrorKind {
    fn from(error: protocol_mci::DecodeError) -> Self {
        ReconcileErrorKind::Decode(Box::new(error))
    }
}

impl From<crate::engine::JsonSyntax> for ReconcileErrorKind {
    fn from(syntax: crate::engine::JsonSyntax) -> Self {
        ReconcileErrorKind::JsonSyntax(Box::new(syntax))
    }
}

impl ReconcileError {
    /// An error at `context`.
    pub fn new(context: impl fmt::Display, kind: impl Into<ReconcileErrorKind>) -> Self {
        Self {
            context: context.to_string(),
            kind: kind.into(),
            row: None,
        }
    }

    /// The error of row `row` (its line, record or row number in the source).
    pub fn at_row(mut self, row: u64) -> Self {
        self.row = Some(row);
        self
    }

    /// The error is one row's and reading can go on after it (`--max-bad-rows` sets such a row
    /// aside): a value, a key, a short row or record, a line that is not one JSON object.
    /// Framing, I/O, the database and the config stop the run whatever the bound.
    pub fn is_bad_row(&self) -> bool {
        use ReconcileErrorKind as K;
        self.row.is_some()
            && matches!(
                self.kind,
                K::Value { .. }
                    | K::NoKey(..)
                    | K::Undecodable { .. }
                    | K::Decode(_)
                    | K::ShortRecord { .. }
                    | K::ShortLine { .. }
                    | K::Columns { .. }
                    | K::JsonSyntax(_)
                    | K::DuplicateKey(_)
                    | K::NotObject(_)
            )
    }

    /// The source column the error names, if it names one.
    pub fn column(&self) -> Option<&str> {
        match &self.kind {
            ReconcileErrorKind::Value { column, .. } => Some(column),
            ReconcileErrorKind::Undecodable { column, .. } => column.as_deref(),
            ReconcileErrorKind::NoKey(_, gap) => Some(match gap {
                KeyGap::Absent(c) | KeyGap::Null(c) | KeyGap::Empty(c) => c,
            }),
            _ => None,
        }
    }
}

/// `column NAME: expected utf-8 text, found an invalid byte at 3 (…)`, with the other way to
/// read the file.
fn undecodable(column: Option<&str>, charset: Charset, at: usize) -> String {
    let hint = match charset {
        Charset::Utf8 => "the file must be UTF-8, or say charset = \"cp949\" for a CP949 file",
        Charset::Cp949 | Charset::EucKr => "a UTF-8 file needs no charset",
    };
    let column = column.map(|c| format!("column {c}: ")).unwrap_or_default();
    format!(
        "{column}expected {} text, found an invalid byte at {at} ({hint})",
        charset.name()
    )
}
