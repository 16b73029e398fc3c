//! JSON Lines: one object per line; a column is a dotted path in it. Blank lines are skipped.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde_json::Value;

use super::{Rows, READ_BUFFER};
use crate::reconcile::error::ReconcileError;
use crate::reconcile::mapping::{lookup, Cell, Mapping};

/// Rows of a JSON Lines file.
pub(super) struct JsonlRows {
    context: String,
    reader: BufReader<File>,
    line: String,
    number: u64,
    mapping: Mapping,
}

impl JsonlRows {
    /// Opens the file.
    pub(super) fn open(
        context: String,
        path: &Path,
        mapping: Mapping,
    ) -> Result<Self, ReconcileError> {
        let file = File::open(path).map_err(|e| ReconcileError::new(&context, e))?;
        Ok(Self {
            context,
            reader: BufReader::with_capacity(READ_BUFFER, file),
            line: String::new(),
            number: 0,
            mapping,
        })
    }
}

impl Rows for JsonlRows {
    fn next_row(&mut self) -> Result<Option<Value>, ReconcileError> {
        loop {
            self.line.clear();
            self.number += 1;
            let read = self
                .reader
                .read_line(&mut self.line)
                .map_err(|e| ReconcileError::new(&self.context, e))?;
            if read == 0 {
                return Ok(None);
            }
            if self.line.trim().is_empty() {
                continue;
            }
            let at = || format!("{} line {}", self.context, self.number);
            let object: Value =
                serde_json::from_str(&self.line).map_err(|e| ReconcileError::new(at(), e))?;
            return self
                .mapping
                .row(|_, field| lookup(&object, &field.column).map_or(Cell::Null, Cell::Json))
                .map(Some)
                .map_err(|kind| ReconcileError::new(at(), kind));
        }
    }
}
