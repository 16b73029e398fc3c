//! The sorted merge of both sides: keys walked in order together, each key given one outcome.
//! Order is checked, not assumed: a key smaller than the one before stops the merge with
//! [`Stop::Unsorted`], and the run starts over with that side sorted ([`super::run`]).

use std::cmp::Ordering;

use serde_json::Value;

use super::error::ReconcileError;
use super::key::{Key, KeySpec};
use super::outcome::KeyOutcome;
use super::source::{Row, Rows};
use super::spec::Side;
use super::tally::{Taken, Tally};
use crate::store::DUPLICATE_ROWS_SHOWN;

/// Why a merge stopped before the end.
#[derive(Debug)]
pub enum Stop {
    /// The side is not in key order: at row `row`, a key below the one before.
    Unsorted {
        /// Which side.
        side: Side,
        /// The row (1-based) found out of order.
        row: u64,
    },
    /// Reading failed.
    Failed(ReconcileError),
}

impl From<ReconcileError> for Stop {
    fn from(error: ReconcileError) -> Self {
        Stop::Failed(error)
    }
}

/// One side read in key order, one key at a time with how often it occurs.
pub struct Ordered<'k> {
    side: Side,
    rows: Box<dyn Rows>,
    keys: &'k KeySpec,
    peeked: Option<(Key, Row)>,
    /// The rows ended: sources are not asked again after their end.
    ended: bool,
    /// Rows read so far.
    pub read: u64,
    context: String,
}

/// The rows of one key on one side: the first few (all but a key held very often) and how many
/// there are.
struct Run {
    key: Key,
    rows: Vec<Row>,
    count: u64,
}

impl Run {
    /// The first row's value.
    fn first(&self) -> Option<&Value> {
        self.rows.first().map(|row| &row.value)
    }

    /// The rows kept and how many there are.
    fn taken(&self) -> Taken<'_> {
        Taken {
            rows: &self.rows,
            count: self.count,
        }
    }
}

impl<'k> Ordered<'k> {
    /// Wraps a side's rows.
    pub fn new(side: Side, rows: Box<dyn Rows>, keys: &'k KeySpec, context: String) -> Self {
        Self {
            side,
            rows,
            keys,
            peeked: None,
            ended: false,
            read: 0,
            context,
        }
    }

    /// The next row with its key.
    fn next(&mut self) -> Result<Option<(Key, Row)>, Stop> {
        if let Some(peeked) = self.peeked.take() {
            return Ok(Some(peeked));
        }
        if self.ended {
            return Ok(None);
        }
        let Some(row) = self.rows.next_row()? else {
            self.ended = true;
            return Ok(None);
        };
        self.read += 1;
        let key = self.keys.key_of(&row.value).map_err(|kind| {
            ReconcileError::new(format!("{} row {}", self.context, self.read), kind)
        })?;
        Ok(Some((key, row)))
    }

    /// The next key's rows; a key below the previous one stops the merge.
    fn next_run(&mut self) -> Result<Option<Run>, Stop> {
        let Some((key, first)) = self.next()? else {
            return Ok(None);
        };
        let mut rows = vec![first];
        let mut count = 1;
        while let Some((next, row)) = self.next()? {
            match next.cmp(&key) {
                Ordering::Equal => {
                    count += 1;
                    if rows.len() < DUPLICATE_ROWS_SHOWN {
                        rows.push(row);
                    }
                }
                Ordering::Greater => {
                    self.peeked = Some((next, row));
                    break;
                }
                Ordering::Less => {
                    return Err(Stop::Unsorted {
                        side: self.side,
                        row: self.read,
                    })
                }
            }
        }
        Ok(Some(Run { key, rows, count }))
    }
}

/// Merges both sides into the tally; `tick` runs after each key with the rows read so far.
pub fn merge(
    legacy: &mut Ordered<'_>,
    new: &mut Ordered<'_>,
    rules: &comparator::Rules,
    tally: &mut Tally,
    mut tick: impl FnMut(u64),
) -> Result<(), Stop> {
    let keys = legacy.keys;
    let mut left = legacy.next_run()?;
    let mut right = new.next_run()?;
    loop {
        let order = match (&left, &right) {
            (None, None) => return Ok(()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(l), Some(r)) => l.key.cmp(&r.key),
        };
        let (l, r) = match order {
            Ordering::Less => (left.take(), None),
            Ordering::Greater => (None, right.take()),
            Ordering::Equal => (left.take(), right.take()),
        };
        judge(l.as_ref(), r.as_ref(), keys, rules, tally);
        if left.is_none() {
            left = legacy.next_run()?;
        }
        if right.is_none() {
            right = new.next_run()?;
        }
        tick(legacy.read + new.read);
    }
}

/// One key's outcome, recorded.
fn judge(
    legacy: Option<&Run>,
    new: Option<&Run>,
    keys: &KeySpec,
    rules: &comparator::Rules,
    tally: &mut Tally,
) {
    let count = |run: Option<&Run>| run.map_or(0, |r| r.count);
    let (l, n) = (legacy.and_then(Run::first), new.and_then(Run::first));
    match KeyOutcome::of_counts(count(legacy), count(new)) {
        Some(outcome @ (KeyOutcome::OnlyInLegacy | KeyOutcome::OnlyInNew)) => {
            tally.record(outcome, keys, l, n, &[]);
            return;
        }
        // Every row of a duplicated key is shown where it is: none is compared.
        Some(outcome) => {
            let (l, n) = (legacy.map(Run::taken), new.map(Run::taken));
            tally.record_duplicate(outcome, keys, l.unwrap_or_default(), n.unwrap_or_default());
            return;
        }
        None => {}
    }
    let (Some(l), Some(n)) = (l, n) else { return };
    let comparison = comparator::compare(l, n, rules);
    tally.suppressed(&comparison.suppressed);
    if comparison.differences.is_empty() {
        tally.record(KeyOutcome::Match, keys, Some(l), Some(n), &[]);
    } else {
        let signature = comparator::Signature::of(&comparison.differences);
        let outcome = KeyOutcome::Mismatch(signature);
        tally.record(outcome, keys, Some(l), Some(n), &comparison.differences);
    }
}
