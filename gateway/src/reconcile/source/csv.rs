//! CSV with a header line: columns by header name.

use std::fs::File;
use std::path::Path;

use serde_json::Value;

use super::{Rows, READ_BUFFER};
use crate::reconcile::error::{ReconcileError, ReconcileErrorKind};
use crate::reconcile::mapping::{Cell, Mapping};

/// Rows of a CSV file.
pub(super) struct CsvRows {
    context: String,
    reader: csv::Reader<File>,
    record: csv::StringRecord,
    /// The column index of each mapped field.
    columns: Vec<usize>,
    mapping: Mapping,
}

impl CsvRows {
    /// Opens the file and finds every mapped column in its header.
    pub(super) fn open(
        context: String,
        path: &Path,
        delimiter: u8,
        mapping: Mapping,
    ) -> Result<Self, ReconcileError> {
        let file = File::open(path).map_err(|e| ReconcileError::new(&context, e))?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .buffer_capacity(READ_BUFFER)
            .from_reader(file);
        let headers = reader
            .headers()
            .map_err(|e| ReconcileError::new(&context, e))?
            .clone();
        let mut columns = Vec::with_capacity(mapping.fields.len());
        for field in &mapping.fields {
            match headers.iter().position(|h| h == field.column) {
                Some(i) => columns.push(i),
                None => {
                    let all: Vec<&str> = headers.iter().collect();
                    let kind =
                        ReconcileErrorKind::MissingColumn(field.column.clone(), all.join(", "));
                    return Err(ReconcileError::new(context, kind));
                }
            }
        }
        Ok(Self {
            context,
            reader,
            record: csv::StringRecord::new(),
            columns,
            mapping,
        })
    }
}

impl Rows for CsvRows {
    fn next_row(&mut self) -> Result<Option<Value>, ReconcileError> {
        let more = self
            .reader
            .read_record(&mut self.record)
            .map_err(|e| ReconcileError::new(&self.context, e))?;
        if !more {
            return Ok(None);
        }
        let (record, columns) = (&self.record, &self.columns);
        self.mapping
            .row(|i, _| record.get(columns[i]).map_or(Cell::Null, Cell::Text))
            .map(Some)
            .map_err(|kind| {
                let line = record.position().map_or(0, |p| p.line());
                ReconcileError::new(format!("{} line {line}", self.context), kind)
            })
    }
}
