//! JSON Lines: one object per line; a column is a dotted path in it. Blank lines are skipped.
//!
//! Each line is read by the parse the HTTP ingress and the engine contract use
//! ([`crate::engine::json_read`]), so a key an object holds twice is refused here as it is there
//! (serde_json alone keeps the last value silently). The file is UTF-8 unless the source says
//! `charset`.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use protocol_mci::charset::Charset;
use protocol_mci::json::JsonTree;
use serde_json::Value;

use super::{Row, Rows, READ_BUFFER};
use crate::engine::json_read::{self, First};
use crate::reconcile::error::{ReconcileError, ReconcileErrorKind};
use crate::reconcile::mapping::{lookup, Cell, Mapping};

/// Rows of a JSON Lines file.
pub(super) struct JsonlRows {
    context: String,
    reader: BufReader<File>,
    charset: Charset,
    line: Vec<u8>,
    number: u64,
    mapping: Mapping,
}

impl JsonlRows {
    /// Opens the file.
    pub(super) fn open(
        context: String,
        path: &Path,
        charset: Charset,
        mapping: Mapping,
    ) -> Result<Self, ReconcileError> {
        let file = File::open(path).map_err(|e| ReconcileError::new(&context, e))?;
        Ok(Self {
            context,
            reader: BufReader::with_capacity(READ_BUFFER, file),
            charset,
            line: Vec::new(),
            number: 0,
            mapping,
        })
    }
}

impl Rows for JsonlRows {
    fn next_row(&mut self) -> Result<Option<Row>, ReconcileError> {
        loop {
            self.line.clear();
            self.number += 1;
            let read = self
                .reader
                .read_until(b'\n', &mut self.line)
                .map_err(|e| ReconcileError::new(&self.context, e))?;
            if read == 0 {
                return Ok(None);
            }
            if self.line.iter().all(|b| json_read::is_whitespace(*b)) {
                continue;
            }
            let object = object(&self.line, self.charset).map_err(|kind| {
                ReconcileError::new(format!("{} line {}", self.context, self.number), kind)
                    .at_row(self.number)
            })?;
            return self
                .mapping
                .row(|_, field| lookup(&object, &field.column).map_or(Cell::Absent, Cell::Json))
                .map(|value| {
                    Some(Row {
                        line: self.number,
                        value,
                    })
                })
                .map_err(|kind| {
                    ReconcileError::new(format!("{} line {}", self.context, self.number), kind)
                        .at_row(self.number)
                });
        }
    }
}

/// The one JSON object of a line: text in `charset`, each key once, nothing after it.
fn object(line: &[u8], charset: Charset) -> Result<Value, ReconcileErrorKind> {
    let text =
        charset
            .decode_borrowed(line)
            .map_err(|invalid| ReconcileErrorKind::Undecodable {
                column: None,
                charset,
                at: invalid.0,
            })?;
    let bytes = text.as_bytes();
    let First {
        tree,
        duplicate,
        end,
    } = json_read::first_document(bytes)?;
    if let Some(path) = duplicate {
        return Err(ReconcileErrorKind::DuplicateKey(path));
    }
    if let Some(at) = bytes[end..]
        .iter()
        .position(|b| !json_read::is_whitespace(*b))
    {
        let at = end + at;
        let found = format!("more after it at byte {at}");
        return Err(ReconcileErrorKind::NotObject(found));
    }
    match tree {
        JsonTree::Object(_) => Ok(tree.to_value()),
        other => Err(ReconcileErrorKind::NotObject(other.type_name().to_owned())),
    }
}
