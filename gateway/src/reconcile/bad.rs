//! Bad rows set aside: a row that does not read (a value not of its type, a blank key, a short
//! row or record, a line that is not one JSON object) is set aside, up to `--max-bad-rows` over
//! both sides, so one bad row in millions does not cost the night's result. Each is kept with its
//! side, line, column and error; the one past the bound stops the run as before, saying the bound.
//! Framing, I/O and database errors stop the run whatever the bound
//! ([`ReconcileError::is_bad_row`]).

use std::cell::RefCell;
use std::rc::Rc;

use super::error::ReconcileError;
use super::source::{Row, Rows};
use super::spec::Side;
use crate::store::ReconcileBadRow;

/// The bad rows of one pass over both sides, shared by their [`Screened`] readers.
#[derive(Debug, Default)]
pub struct BadRows {
    max: u64,
    rows: Vec<ReconcileBadRow>,
}

impl BadRows {
    /// An empty set that takes at most `max` rows, for both sides to share.
    pub fn shared(max: u64) -> Rc<RefCell<BadRows>> {
        Rc::new(RefCell::new(BadRows {
            max,
            rows: Vec::new(),
        }))
    }

    /// The rows set aside, in the order they were read.
    pub fn take(&mut self) -> Vec<ReconcileBadRow> {
        std::mem::take(&mut self.rows)
    }

    /// Sets `error`'s row aside if it is a bad row within the bound; otherwise the error that
    /// stops the run (past the bound, saying so).
    fn set_aside(&mut self, side: Side, error: ReconcileError) -> Result<(), ReconcileError> {
        let Some(line) = error.row.filter(|_| error.is_bad_row()) else {
            return Err(error);
        };
        if self.rows.len() as u64 >= self.max {
            return Err(match self.max {
                0 => error,
                max => ReconcileError {
                    context: format!(
                        "{} (bad row {}: over --max-bad-rows {max})",
                        error.context,
                        max + 1
                    ),
                    ..error
                },
            });
        }
        self.rows.push(ReconcileBadRow {
            side: side.as_str().to_owned(),
            line,
            column: error.column().map(str::to_owned),
            error: error.to_string(),
        });
        Ok(())
    }
}

/// One side's rows with its bad rows set aside.
pub struct Screened {
    side: Side,
    rows: Box<dyn Rows>,
    bad: Rc<RefCell<BadRows>>,
}

impl Screened {
    /// Wraps a side's rows.
    pub fn new(side: Side, rows: Box<dyn Rows>, bad: Rc<RefCell<BadRows>>) -> Self {
        Self { side, rows, bad }
    }
}

impl Rows for Screened {
    fn next_row(&mut self) -> Result<Option<Row>, ReconcileError> {
        loop {
            match self.rows.next_row() {
                Err(error) => self.bad.borrow_mut().set_aside(self.side, error)?,
                read => return read,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::reconcile::error::ReconcileErrorKind;

    fn value_error(line: u64) -> ReconcileError {
        let kind = ReconcileErrorKind::Value {
            column: "amount".into(),
            expected: "a decimal number",
            found: "\"abc\"".into(),
        };
        ReconcileError::new(format!("new source csv new.csv line {line}"), kind).at_row(line)
    }

    #[test]
    fn bad_rows_are_kept_up_to_the_bound_and_the_next_one_says_it() {
        let mut bad = BadRows {
            max: 1,
            rows: Vec::new(),
        };
        bad.set_aside(Side::New, value_error(4)).unwrap();
        let over = bad.set_aside(Side::New, value_error(9)).unwrap_err();
        assert_eq!(
            over.to_string(),
            "new source csv new.csv line 9 (bad row 2: over --max-bad-rows 1): column amount: \
             expected a decimal number, found \"abc\""
        );
        assert_eq!(
            bad.take(),
            [ReconcileBadRow {
                side: "new".into(),
                line: 4,
                column: Some("amount".into()),
                error: "new source csv new.csv line 4: column amount: expected a decimal \
                        number, found \"abc\""
                    .into(),
            }]
        );
        // Without a bound, the first bad row stops the run as it always did.
        let mut none = BadRows::default();
        let error = none.set_aside(Side::New, value_error(4)).unwrap_err();
        assert_eq!(error.context, "new source csv new.csv line 4");
        // An error that is no row's is never set aside.
        let mut many = BadRows {
            max: 10,
            rows: Vec::new(),
        };
        let io = std::io::Error::other("disk");
        assert!(many
            .set_aside(Side::Legacy, ReconcileError::new("legacy", io))
            .is_err());
    }
}
