//! Reading one side: every source gives mapped rows one at a time, so memory stays bounded
//! whatever the input's size.
//!
//! # Layout
//! - `fixed`: fixed-length records decoded with a layout.
//! - `csv`: CSV with a header line.
//! - `jsonl`: JSON Lines.
//! - `postgres`: a PostgreSQL query streamed in text format.
//! - `tests`: the file sources on files as users write them.

mod csv;
mod fixed;
mod jsonl;
mod postgres;
#[cfg(test)]
mod tests;

use serde_json::Value;

use super::error::ReconcileError;
use super::spec::{Input, SourceSpec};

/// One mapped row and where its source has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Its line (CSV, JSON Lines, newline-separated fixed-length), record (back-to-back
    /// fixed-length) or row (PostgreSQL), from 1.
    pub line: u64,
    /// The row in the shared shape.
    pub value: Value,
}

/// A stream of mapped rows.
pub trait Rows {
    /// The next row, `None` at the end.
    fn next_row(&mut self) -> Result<Option<Row>, ReconcileError>;
}

/// Opens one side from its beginning (a side found out of order is opened again to be sorted).
pub fn open(spec: &SourceSpec) -> Result<Box<dyn Rows>, ReconcileError> {
    let context = format!("{} source {}", spec.side, spec.label());
    let mapping = spec.mapping.clone();
    Ok(match &spec.input {
        Input::Fixed {
            path,
            layout,
            message,
            direction,
            newline,
        } => Box::new(fixed::FixedRows::open(
            context,
            path,
            layout.clone(),
            message,
            *direction,
            *newline,
            mapping,
        )?),
        Input::Csv {
            path,
            delimiter,
            charset,
        } => Box::new(csv::CsvRows::open(
            context, path, *delimiter, *charset, mapping,
        )?),
        Input::Jsonl { path, charset } => {
            Box::new(jsonl::JsonlRows::open(context, path, *charset, mapping)?)
        }
        Input::Postgres {
            url,
            query,
            timeout,
        } => Box::new(postgres::PostgresRows::open(
            context, url, query, *timeout, mapping,
        )?),
    })
}

/// Read buffer of file sources: large reads, few system calls.
const READ_BUFFER: usize = 256 * 1024;
