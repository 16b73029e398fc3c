//! External sort of one side: rows sorted in memory up to a byte budget, each full buffer spilled
//! to a temp file as a sorted run of JSON lines, then the runs merged by key. Memory stays at
//! about the budget plus one row and one read buffer per run, whatever the input's size.
//!
//! The sort is stable (ties keep input order, runs merge in the order they were written), so
//! duplicate keys keep the order the source gave them. The temp directory is removed when the
//! sorted rows are dropped; an interrupted run (Ctrl-C, a kill) leaves its
//! `shadowgate-reconcile-*` directory behind, named so it is found.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use serde_json::Value;

use super::error::ReconcileError;
use super::key::{Key, KeySpec};
use super::source::{Row, Rows};

/// Bytes counted per buffered row beyond its JSON text: the key and the vector's bookkeeping.
const ROW_OVERHEAD: usize = 96;
/// Read buffer of each run while merging.
const RUN_BUFFER: usize = 64 * 1024;

/// Sorts `rows` by key in `budget` bytes, spilling to `temp_dir`; `read` counts rows read.
pub fn sort(
    context: &str,
    mut rows: Box<dyn Rows>,
    keys: &KeySpec,
    budget: usize,
    temp_dir: &Path,
    mut read: impl FnMut(),
) -> Result<Box<dyn Rows>, ReconcileError> {
    let io = |e: std::io::Error| ReconcileError::new(format!("{context} (sorting)"), e);
    let mut buffer: Vec<(Key, Vec<u8>)> = Vec::new();
    let mut held = 0usize;
    let mut spill: Option<(tempfile::TempDir, Vec<File>)> = None;
    while let Some(row) = rows.next_row()? {
        read();
        let key = keys
            .key_of(&row.value)
            .map_err(|kind| ReconcileError::new(context, kind))?;
        // Its place goes with it: a duplicate key's rows are shown where their source has them.
        let mut line = serde_json::to_vec(&(row.line, &row.value))
            .map_err(|e| ReconcileError::new(context, e))?;
        // `to_vec` grows by doubling: without this the buffer could hold twice its budget.
        line.shrink_to_fit();
        held += line.len() + ROW_OVERHEAD;
        buffer.push((key, line));
        if held >= budget {
            let (dir, runs) = match &mut spill {
                Some(spill) => spill,
                None => spill.insert((
                    tempfile::Builder::new()
                        .prefix("shadowgate-reconcile-")
                        .tempdir_in(temp_dir)
                        .map_err(io)?,
                    Vec::new(),
                )),
            };
            runs.push(write_run(dir.path(), runs.len(), &mut buffer).map_err(io)?);
            held = 0;
        }
    }
    buffer.sort_by(|a, b| a.0.cmp(&b.0));
    let Some((dir, mut files)) = spill else {
        return Ok(Box::new(Memory(buffer.into_iter())));
    };
    if !buffer.is_empty() {
        files.push(write_run(dir.path(), files.len(), &mut buffer).map_err(io)?);
    }
    Merged::new(context, dir, files, keys.clone()).map(|m| Box::new(m) as Box<dyn Rows>)
}

/// Sorts the buffer, writes it as run `index` and empties the buffer; the file is opened for
/// reading back.
fn write_run(dir: &Path, index: usize, buffer: &mut Vec<(Key, Vec<u8>)>) -> std::io::Result<File> {
    buffer.sort_by(|a, b| a.0.cmp(&b.0));
    let path = dir.join(format!("run-{index:05}.jsonl"));
    let mut out = BufWriter::with_capacity(RUN_BUFFER, File::create(&path)?);
    for (_, line) in buffer.drain(..) {
        out.write_all(&line)?;
        out.write_all(b"\n")?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_data()?;
    File::open(path)
}

/// Rows that fit the budget: sorted in memory, never written.
struct Memory(std::vec::IntoIter<(Key, Vec<u8>)>);

impl Rows for Memory {
    fn next_row(&mut self) -> Result<Option<Row>, ReconcileError> {
        self.0
            .next()
            .map(|(_, line)| serde_json::from_slice(&line).map(|(line, value)| Row { line, value }))
            .transpose()
            .map_err(|e| ReconcileError::new("sorted rows", e))
    }
}

/// The k-way merge of sorted runs.
struct Merged {
    context: String,
    /// Kept so the runs are deleted when the merge is dropped.
    _dir: tempfile::TempDir,
    runs: Vec<BufReader<File>>,
    /// The head row of each run that has one.
    heads: Vec<Option<Row>>,
    /// Smallest head first; ties by run index keep the input order.
    heap: BinaryHeap<Reverse<(Key, usize)>>,
    keys: KeySpec,
    line: String,
}

impl Merged {
    fn new(
        context: &str,
        dir: tempfile::TempDir,
        files: Vec<File>,
        keys: KeySpec,
    ) -> Result<Self, ReconcileError> {
        let runs: Vec<BufReader<File>> = files
            .into_iter()
            .map(|f| BufReader::with_capacity(RUN_BUFFER, f))
            .collect();
        let mut merged = Self {
            context: format!("{context} (sorted runs)"),
            _dir: dir,
            heads: vec![None; runs.len()],
            runs,
            heap: BinaryHeap::new(),
            keys,
            line: String::new(),
        };
        for run in 0..merged.runs.len() {
            merged.advance(run)?;
        }
        Ok(merged)
    }

    /// Reads run `run`'s next row into its head and the heap.
    fn advance(&mut self, run: usize) -> Result<(), ReconcileError> {
        self.line.clear();
        let read = self.runs[run]
            .read_line(&mut self.line)
            .map_err(|e| ReconcileError::new(&self.context, e))?;
        if read == 0 {
            return Ok(());
        }
        let (line, value): (u64, Value) =
            serde_json::from_str(&self.line).map_err(|e| ReconcileError::new(&self.context, e))?;
        let row = Row { line, value };
        let key = self
            .keys
            .key_of(&row.value)
            .map_err(|kind| ReconcileError::new(&self.context, kind))?;
        self.heads[run] = Some(row);
        self.heap.push(Reverse((key, run)));
        Ok(())
    }
}

impl Rows for Merged {
    fn next_row(&mut self) -> Result<Option<Row>, ReconcileError> {
        let Some(Reverse((_, run))) = self.heap.pop() else {
            return Ok(None);
        };
        let row = self.heads[run].take();
        self.advance(run)?;
        Ok(row)
    }
}
