//! One reconciliation from start to stored run: both sides opened, merged in key order while
//! they are in order, started over with a side sorted when it is found out of order, the tally
//! turned into a [`ReconcileRun`].

use std::cell::RefCell;
use std::rc::Rc;

use indicatif::{ProgressBar, ProgressStyle};

use super::bad::{BadRows, Screened};

use super::error::ReconcileError;
use super::merge::{merge, Ordered, Stop};
use super::sort::sort;
use super::source::{self, Rows};
use super::spec::{Side, SourceSpec, Spec};
use super::tally::Tally;
use crate::store::{Clock, ReconcileRun, SystemClock};

/// How each side is read in key order.
#[derive(Debug, Clone)]
struct Plan {
    sort: bool,
    why: String,
}

/// Runs a reconciliation; `progress` shows a bar with rows/s on stderr (when it is a terminal)
/// and notices (a side sorted after all) on stderr.
pub fn run(spec: &Spec, progress: bool) -> Result<ReconcileRun, ReconcileError> {
    let started_micros = SystemClock.now_micros();
    let bar = bar(progress);
    let plan = |s: &SourceSpec| match s.presorted {
        true => Plan {
            sort: false,
            why: "in order (checked)".into(),
        },
        false => Plan {
            sort: true,
            why: "sorted (declared unsorted)".into(),
        },
    };
    let mut plans = [plan(&spec.legacy), plan(&spec.new)];
    loop {
        bar.set_position(0);
        // A pass started over reads every row again: its bad rows are found again too.
        let bad = BadRows::shared(spec.max_bad_rows);
        let mut legacy = ordered(spec, &spec.legacy, &plans[0], &bar, &bad)?;
        let mut new = ordered(spec, &spec.new, &plans[1], &bar, &bad)?;
        bar.set_message("merging");
        let mut tally = Tally::new(spec.masks.clone(), spec.examples_per_group);
        match merge(&mut legacy, &mut new, &spec.rules, &mut tally, |rows| {
            bar.set_position(rows)
        }) {
            Ok(()) => {
                bar.finish_and_clear();
                let (mut counts, groups, suppressed) = tally.finish();
                counts.legacy_rows = legacy.read;
                counts.new_rows = new.read;
                let bad_rows = bad.borrow_mut().take();
                counts.bad_rows = bad_rows.len() as u64;
                let ordering = [Side::Legacy, Side::New]
                    .iter()
                    .zip(&plans)
                    .map(|(side, plan)| format!("{side}: {}", plan.why))
                    .collect();
                return Ok(ReconcileRun {
                    name: spec.name.clone(),
                    run_id: format!("{started_micros:016x}-{}", spec.name),
                    started_micros,
                    finished_micros: SystemClock.now_micros(),
                    legacy: spec.legacy.label(),
                    new: spec.new.label(),
                    rules: spec.rules_origin.clone(),
                    key: spec.key.fields.iter().map(|(p, _)| p.clone()).collect(),
                    ordering,
                    counts,
                    groups,
                    suppressed,
                    thresholds: Some(spec.readiness.clone()),
                    bad_rows,
                });
            }
            Err(Stop::Unsorted { side, row }) => {
                // What was merged so far is dropped: the tally starts over with the side sorted.
                let index = usize::from(side == Side::New);
                plans[index] = Plan {
                    sort: true,
                    why: format!("sorted (row {row} found out of key order)"),
                };
                let notice = format!(
                    "{side}: row {row} is out of key order; sorting {side} and starting over"
                );
                // A bar that is not drawn (stderr no terminal: a scheduled job) drops what it is
                // given to print; the notice then goes to stderr itself. `--quiet` leaves it to
                // the result's ordering line.
                match (bar.is_hidden(), progress) {
                    (false, _) => bar.println(notice),
                    (true, true) => eprintln!("{notice}"),
                    (true, false) => {}
                }
            }
            Err(Stop::Failed(error)) => {
                bar.abandon();
                return Err(error);
            }
        }
    }
}

/// One side opened and, when planned, sorted.
fn ordered<'s>(
    spec: &'s Spec,
    source: &SourceSpec,
    plan: &Plan,
    bar: &ProgressBar,
    bad: &Rc<RefCell<BadRows>>,
) -> Result<Ordered<'s>, ReconcileError> {
    let context = format!("{} source {}", source.side, source.label());
    let opened = source::open(source)?;
    let mut rows: Box<dyn Rows> = Box::new(Screened::new(source.side, opened, Rc::clone(bad)));
    if plan.sort {
        bar.set_message(format!("sorting {}", source.side));
        rows = sort(
            &context,
            rows,
            &spec.key,
            spec.sort_memory,
            &spec.temp_dir,
            || bar.inc(1),
        )?;
    }
    Ok(Ordered::new(source.side, rows, &spec.key, context))
}

/// The progress bar: rows read on both sides, rows per second.
fn bar(visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {msg}: {human_pos} rows, {per_sec}, {elapsed}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
