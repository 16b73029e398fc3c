//! Fixed-length record files, as a legacy host writes its batch output: every record is one
//! message of a layout without length prefix (`prefix = "none"`, `size` = the record length),
//! records back to back or each followed by a newline (`\n` or `\r\n`).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use protocol_mci::framing::Prefix;
use protocol_mci::{DecodeError, DecodeErrorKind, Direction, Layout};
use serde_json::Value;

use super::{Rows, READ_BUFFER};
use crate::reconcile::error::{ReconcileError, ReconcileErrorKind};
use crate::reconcile::mapping::{lookup, Cell, Mapping};

/// Rows of a fixed-length record file.
pub(super) struct FixedRows {
    context: String,
    reader: BufReader<File>,
    layout: Arc<Layout>,
    message: String,
    direction: Direction,
    newline: bool,
    record: Vec<u8>,
    number: u64,
    mapping: Mapping,
}

impl FixedRows {
    /// Opens the file; the record size is the layout's fixed frame size.
    pub(super) fn open(
        context: String,
        path: &Path,
        layout: Arc<Layout>,
        message: &str,
        direction: Direction,
        newline: bool,
        mapping: Mapping,
    ) -> Result<Self, ReconcileError> {
        let file = File::open(path).map_err(|e| ReconcileError::new(&context, e))?;
        let size = match layout.framing.prefix {
            Prefix::Fixed { size } => size,
            // Checked with the config.
            _ => 0,
        };
        Ok(Self {
            context,
            reader: BufReader::with_capacity(READ_BUFFER, file),
            layout,
            message: message.to_owned(),
            direction,
            newline,
            record: vec![0; size],
            number: 0,
            mapping,
        })
    }

    /// Reads the next record into `self.record`; `false` at a clean end of file.
    fn read_record(&mut self) -> Result<bool, ReconcileError> {
        match self.reader.fill_buf() {
            Ok([]) => return Ok(false),
            Ok(_) => {}
            Err(e) => return Err(self.error(e)),
        }
        self.number += 1;
        if let Err(e) = self.reader.read_exact(&mut self.record) {
            if e.kind() != std::io::ErrorKind::UnexpectedEof {
                return Err(self.error(e));
            }
            let truncated = DecodeError {
                path: "record".into(),
                range: 0..self.record.len(),
                kind: DecodeErrorKind::Truncated {
                    expected: self.record.len(),
                    available: 0,
                },
            };
            return Err(self.error(truncated));
        }
        if self.newline {
            self.skip_newline().map_err(|e| self.error(e))?;
        }
        Ok(true)
    }

    /// An error at the current record.
    fn error(&self, kind: impl Into<ReconcileErrorKind>) -> ReconcileError {
        ReconcileError::new(format!("{} record {}", self.context, self.number), kind)
    }

    /// Skips the `\n` or `\r\n` after a record (the last record may lack it).
    fn skip_newline(&mut self) -> std::io::Result<()> {
        let buffer = self.reader.fill_buf()?;
        let skip = match buffer {
            [b'\n', ..] => 1,
            [b'\r', b'\n', ..] => 2,
            [] => 0,
            [first, ..] => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "expected a newline after {} bytes, found 0x{first:02x} (records = \"back_to_back\"?)",
                        self.record.len()
                    ),
                ))
            }
        };
        self.reader.consume(skip);
        Ok(())
    }
}

impl Rows for FixedRows {
    fn next_row(&mut self) -> Result<Option<Value>, ReconcileError> {
        if !self.read_record()? {
            return Ok(None);
        }
        let at = || format!("{} record {}", self.context, self.number);
        let Some(selected) = self.layout.message(&self.message) else {
            return Ok(None);
        };
        let message = self
            .layout
            .decode_as(self.direction, selected, &self.record)
            .map_err(|e| ReconcileError::new(at(), e))?;
        let decoded = self.layout.into_json(message);
        self.mapping
            .row(|_, field| lookup(&decoded, &field.column).map_or(Cell::Null, Cell::Json))
            .map(Some)
            .map_err(|kind| ReconcileError::new(at(), kind))
    }
}
