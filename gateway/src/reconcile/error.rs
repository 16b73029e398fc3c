//! Errors of a reconciliation: where (which side, which file or query, which row) and what.

use std::fmt;

/// A reconciliation that could not run to the end.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {kind}")]
pub struct ReconcileError {
    /// Where: `legacy source legacy.dat row 12`, `reconcile file r.toml key legacy.fields[2]`.
    pub context: String,
    /// What went wrong.
    pub kind: ReconcileErrorKind,
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
    /// A fixed-length record whose fields do not decode.
    #[error("{0}")]
    Decode(#[from] protocol_mci::DecodeError),
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
    /// A column the mapping names but the source lacks.
    #[error("no column {0} (columns: {1})")]
    MissingColumn(String, String),
    /// A row without a key value.
    #[error("key field {0} is empty")]
    EmptyKey(String),
    /// The reconcile file is invalid (every problem, one per line).
    #[error("{0}")]
    Config(String),
    /// The store could not be written or read.
    #[error("{0}")]
    Store(String),
}

impl ReconcileError {
    /// An error at `context`.
    pub fn new(context: impl fmt::Display, kind: impl Into<ReconcileErrorKind>) -> Self {
        Self {
            context: context.to_string(),
            kind: kind.into(),
        }
    }
}
