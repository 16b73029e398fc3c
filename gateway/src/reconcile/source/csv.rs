//! CSV with a header line: columns by header name. The file is UTF-8 unless the source says
//! `charset` (`cp949`: every delimiter, quote and line break is ASCII, which no CP949 byte pair
//! holds, so the file is split as bytes and each mapped cell decoded).

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;

use protocol_mci::charset::Charset;

use super::{Row, Rows, READ_BUFFER};
use crate::reconcile::error::{ReconcileError, ReconcileErrorKind};
use crate::reconcile::mapping::{Cell, Mapping};

/// Rows of a CSV file.
pub(super) struct CsvRows {
    context: String,
    reader: csv::Reader<File>,
    charset: Charset,
    record: csv::ByteRecord,
    /// The column index of each mapped field.
    columns: Vec<usize>,
    /// The header's columns: every row has as many.
    width: usize,
    mapping: Mapping,
}

impl CsvRows {
    /// Opens the file and finds every mapped column in its header.
    pub(super) fn open(
        context: String,
        path: &Path,
        delimiter: u8,
        charset: Charset,
        mapping: Mapping,
    ) -> Result<Self, ReconcileError> {
        let file = File::open(path).map_err(|e| ReconcileError::new(&context, e))?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .buffer_capacity(READ_BUFFER)
            // A short or long row is one bad row, said by its columns, not a stop of the reader.
            .flexible(true)
            .from_reader(file);
        let headers = header(&mut reader, charset)
            .map_err(|kind| ReconcileError::new(format!("{context} line 1 (the header)"), kind))?;
        let mut columns = Vec::with_capacity(mapping.fields.len());
        for field in &mapping.fields {
            match headers.iter().position(|h| *h == field.column) {
                Some(i) => columns.push(i),
                None => {
                    let kind =
                        ReconcileErrorKind::MissingColumn(field.column.clone(), headers.join(", "));
                    return Err(ReconcileError::new(context, kind));
                }
            }
        }
        Ok(Self {
            context,
            reader,
            charset,
            record: csv::ByteRecord::new(),
            columns,
            width: headers.len(),
            mapping,
        })
    }
}

impl Rows for CsvRows {
    fn next_row(&mut self) -> Result<Option<Row>, ReconcileError> {
        let more = self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| ReconcileError::new(&self.context, e))?;
        if !more {
            return Ok(None);
        }
        let line = self.record.position().map_or(0, |p| p.line());
        let at =
            |kind| ReconcileError::new(format!("{} line {line}", self.context), kind).at_row(line);
        if self.record.len() != self.width {
            return Err(at(ReconcileErrorKind::Columns {
                expected: self.width,
                found: self.record.len(),
            }));
        }
        let cells = cells(&self.record, &self.columns, &self.mapping, self.charset).map_err(at)?;
        self.mapping
            .row(|i, _| cells.get(i).map_or(Cell::Absent, |c| Cell::Text(c)))
            .map(|value| Some(Row { line, value }))
            .map_err(at)
    }
}

/// The mapped cells of `record` decoded (borrowed where they are already UTF-8); a cell that is
/// not text in the charset is named by its header.
fn cells<'r>(
    record: &'r csv::ByteRecord,
    columns: &[usize],
    mapping: &Mapping,
    charset: Charset,
) -> Result<Vec<Cow<'r, str>>, ReconcileErrorKind> {
    let mut cells = Vec::with_capacity(columns.len());
    for (field, &i) in mapping.fields.iter().zip(columns) {
        let bytes = record.get(i).unwrap_or_default();
        let text =
            charset
                .decode_borrowed(bytes)
                .map_err(|invalid| ReconcileErrorKind::Undecodable {
                    column: Some(field.column.clone()),
                    charset,
                    at: invalid.0,
                })?;
        cells.push(text);
    }
    Ok(cells)
}

/// The header line's names, decoded.
fn header(
    reader: &mut csv::Reader<File>,
    charset: Charset,
) -> Result<Vec<String>, ReconcileErrorKind> {
    let names = reader.byte_headers()?;
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            charset
                .decode(name)
                .map_err(|invalid| ReconcileErrorKind::Undecodable {
                    column: Some(format!("{}", i + 1)),
                    charset,
                    at: invalid.0,
                })
        })
        .collect()
}
