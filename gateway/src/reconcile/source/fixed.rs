//! Fixed-length record files, as a legacy host writes its batch output: every record is one
//! message of a layout without length prefix (`prefix = "none"`, `size` = the record length),
//! records back to back or each followed by a newline (`\n` or `\r\n`).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use protocol_mci::framing::Prefix;
use protocol_mci::{DecodeError, Direction, Layout};

use super::{Row, Rows, READ_BUFFER};
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
    /// Bytes read past a short record's newline: the start of the next record.
    carry: Vec<u8>,
    number: u64,
    /// Where the current record starts in the file.
    offset: u64,
    /// Where the next record starts: the bytes read and skipped so far.
    read: u64,
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
            carry: Vec::new(),
            number: 0,
            offset: 0,
            read: 0,
            mapping,
        })
    }

    /// Reads the next record into `self.record`; `false` at a clean end of file.
    fn read_record(&mut self) -> Result<bool, ReconcileError> {
        match self.reader.fill_buf() {
            Ok([]) if self.carry.is_empty() => return Ok(false),
            Ok(_) => {}
            Err(e) => return Err(self.error(e)),
        }
        self.number += 1;
        self.offset = self.read;
        let carried = self.carry.len();
        self.record[..carried].copy_from_slice(&self.carry);
        self.carry.clear();
        let found = carried
            + fill(&mut self.reader, &mut self.record[carried..]).map_err(|e| self.error(e))?;
        // The carried bytes were given back to `read` when they were set aside.
        self.read += found as u64;
        if self.newline {
            self.short_line(found)?;
        }
        if found < self.record.len() {
            let expected = self.record.len();
            // The line break after a short last record is not part of it.
            let found = match (self.newline, &self.record[..found]) {
                (true, [.., b'\r', b'\n']) => found - 2,
                (true, [.., b'\n']) => found - 1,
                _ => found,
            };
            return Err(self.error(ReconcileErrorKind::ShortRecord { expected, found }));
        }
        if self.newline {
            let skipped = self.skip_newline().map_err(|e| self.error(e))?;
            self.read += skipped as u64;
        }
        Ok(true)
    }

    /// A record of a newline-separated file with a line break inside its `found` bytes, not
    /// followed by one: the line is short. The bytes after the line break are the next record's,
    /// kept for it, so the short record is one bad row and reading goes on. A record whose
    /// bytes are followed by a newline keeps any `0x0A` inside it (binary fields hold them).
    fn short_line(&mut self, found: usize) -> Result<(), ReconcileError> {
        let ends = |reader: &mut BufReader<File>| -> std::io::Result<bool> {
            Ok(matches!(
                reader.fill_buf()?,
                [] | [b'\n', ..] | [b'\r', b'\n', ..]
            ))
        };
        if found == self.record.len() && ends(&mut self.reader).map_err(|e| self.error(e))? {
            return Ok(());
        }
        let Some(at) = self.record[..found].iter().position(|b| *b == b'\n') else {
            return Ok(());
        };
        // A short last line followed only by its line break is said as the file's end.
        if at + 1 == found && found < self.record.len() {
            return Ok(());
        }
        self.carry.extend_from_slice(&self.record[at + 1..found]);
        self.read -= self.carry.len() as u64;
        let length = match &self.record[..at] {
            [.., b'\r'] => at - 1,
            _ => at,
        };
        Err(self.error(ReconcileErrorKind::ShortLine {
            expected: self.record.len(),
            found: length,
            line: self.number,
        }))
    }

    /// An error at the current record.
    fn error(&self, kind: impl Into<ReconcileErrorKind>) -> ReconcileError {
        ReconcileError::new(self.at(), kind).at_row(self.number)
    }

    /// Where the current record is: its number and where it starts in the file (a decode
    /// error's byte range is within the record).
    fn at(&self) -> String {
        format!(
            "{} record {} at byte {} of the file",
            self.context, self.number, self.offset
        )
    }

    /// Skips the `\n` or `\r\n` after a record (the last record may lack it); how many bytes.
    fn skip_newline(&mut self) -> std::io::Result<usize> {
        let buffer = self.reader.fill_buf()?;
        let skip = match buffer {
            [b'\n', ..] => 1,
            [b'\r', b'\n', ..] => 2,
            [] => 0,
            [first, ..] => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "expected a newline after {} bytes, found 0x{first:02X} (records = \"back_to_back\"?)",
                        self.record.len()
                    ),
                ))
            }
        };
        self.reader.consume(skip);
        Ok(skip)
    }

    /// A decode error of the current record, with a hint when the record begins or ends with a
    /// line break: records read back to back from a file that has one after each.
    fn decode_error(&self, error: DecodeError) -> ReconcileError {
        let line_break = |b: Option<&u8>| matches!(b, Some(b'\n' | b'\r'));
        if !self.newline && (line_break(self.record.first()) || line_break(self.record.last())) {
            let hint = "a line break at the record's boundary: records = \"newline\"?";
            let error = Box::new(error);
            return self.error(ReconcileErrorKind::Misframed { error, hint });
        }
        self.error(error)
    }
}

/// Reads into all of `buffer` unless the file ends first; how many bytes were read.
fn fill(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

impl Rows for FixedRows {
    fn next_row(&mut self) -> Result<Option<Row>, ReconcileError> {
        if !self.read_record()? {
            return Ok(None);
        }
        let Some(selected) = self.layout.message(&self.message) else {
            return Ok(None);
        };
        let message = self
            .layout
            .decode_as(self.direction, selected, &self.record)
            .map_err(|e| self.decode_error(e))?;
        let decoded = self.layout.into_json(message);
        self.mapping
            .row(|_, field| lookup(&decoded, &field.column).map_or(Cell::Absent, Cell::Decoded))
            .map(|value| {
                Some(Row {
                    line: self.number,
                    value,
                })
            })
            .map_err(|kind| self.error(kind))
    }
}
