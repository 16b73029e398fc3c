//! `shadowgate replay`: sends stored failing cases to an engine again and tells, per case, whether
//! the fix worked, against the stored live answer and the strategy's current rules.
//!
//! Runs on a stopped gateway's store (sled locks its directory) or a fleet's database (beside
//! its running gateways), with the gateway's config: its engines, layouts, rules, store path and
//! key file. The run is stored (`replays` tree; a fleet's in its database, so every gateway
//! shows it) so the report shows each group's "N of M cases fixed by replay at T". Exits non-zero when any case is not fixed (3), or not replayed
//! because the engine failed on it or it cannot be read (4), for deploy pipelines; a run that
//! cannot be stored prints its results and exits 1.

mod inputs;
#[cfg(test)]
mod tests;
mod text;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use self::inputs::{configured, keys, runner, selection, target};
use self::text::print;
pub(crate) use self::text::write_group_replays;
use crate::config::{self, List};
use crate::metrics::Metrics;
use crate::replay::{run_cases, Pace, SelectError, Syntax};
use crate::review::plural;
use crate::runtime::Runtime;
use crate::store::replays::{not_replayed_why, FIXED, NOT_REPLAYED, UNREADABLE};
use crate::store::{Clock, ReplayRun, SystemClock};

/// `shadowgate replay`.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// The gateway's config: engines, layouts, rules, store and `[store] encryption_key_file`
    /// (a stopped gateway's: a running one holds its store and runs a replay itself, `POST
    /// /api/v1/replays` on its admin listener; with store.backend = "postgres" any fleet
    /// gateway's, running or not: cases and runs are in the fleet's database).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The strategy whose cases to replay.
    #[arg(long)]
    pub strategy: String,
    /// Only the cases of this group (its signature, as the report shows it).
    #[arg(long, value_name = "SIGNATURE")]
    pub group: Option<String>,
    /// Only these record ids (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub ids: Vec<String>,
    /// Cases recorded at or after this time (RFC 3339, a date, or microseconds).
    #[arg(long)]
    pub since: Option<String>,
    /// Cases recorded before this time.
    #[arg(long)]
    pub until: Option<String>,
    /// Only this kind: mismatch, shadow_error or unencodable.
    #[arg(long)]
    pub kind: Option<String>,
    /// The engine to send them to (a name from `[engines]`); default: the engine that was the
    /// cases' shadow when they were recorded (after a cutover, not the strategy's shadow then).
    /// When the cases were shadowed by several engines (both sides of a cutover), naming one
    /// takes only the cases it shadowed, and the run is the verdict of its part of each group.
    #[arg(long, value_name = "ENGINE")]
    pub against: Option<String>,
    /// Cases sent per second at most (0: no rate limit, only --concurrency).
    #[arg(long, default_value_t = 50)]
    pub rate: u32,
    /// Cases in flight at most.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// At most this many cases (oldest first).
    #[arg(long, default_value_t = 10_000)]
    pub limit: usize,
    /// Who runs the replay, stored with it (default: $USER, then $LOGNAME; refused when neither
    /// is set).
    #[arg(long)]
    pub by: Option<String>,
}

/// Runs `shadowgate replay`, writing the results to `out`; an error when any case is not fixed.
pub fn run_replay(args: &ReplayArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    // Before anything is sent or stored: a run by nobody in particular is worthless evidence.
    let by = runner(args.by.as_deref(), |name| std::env::var(name).ok())?;
    let mut config = config::load_without_secrets(&args.config)?;
    let admin = super::source::admin_address(&config);
    // What the command line gets wrong is said first, before the store and the key file; the
    // strategy found here is the one pointed at the replay's engine below (no second lookup).
    let spec = configured(&mut config.strategies, &args.strategy)?;
    let selection = selection(args)?;
    let view = config.review.clone();
    let keys = keys(&config.store)?;
    // A fleet's cases, payloads and runs are in its database: its gateway's directory is not
    // needed, so a running gateway is no obstacle. Otherwise the directory is opened here or
    // refused: replay has no `--from`.
    let remedy = super::source::Remedy::replay(admin);
    let (reader, _) = super::source::open_triage(&config.store, admin, None, &remedy)?;
    let records = selection.select(&reader).map_err(|e| match e {
        // The store's own error names the store or database, no flag.
        SelectError::Store(e) => anyhow::Error::from(e),
        e => anyhow::anyhow!("--{e}"),
    })?;
    if records.is_empty() {
        bail!(selection.nothing_matches(Syntax::Flags));
    }
    // After a cutover, `--against` one of the engines takes the group's cases it shadowed.
    let (records, shadowed_by) = selection.shadowed_by(args.against.as_deref(), records);
    let engine_name = target(spec, &config.engines, args.against.as_deref(), &records)?;
    let started = SystemClock.now_micros();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the replay's runtime")?;
    let metrics = Metrics::new(crate::version::VERSION);
    let runtime = Runtime::build(Arc::new(config), &metrics)
        .map_err(|problems| anyhow::anyhow!("{}: {}", args.config.display(), List(&problems)))?;
    let Some(strategy) = runtime.strategy(&args.strategy).cloned() else {
        bail!(
            "--strategy {:?}: no such strategy in the config",
            args.strategy
        );
    };
    let Some(engine) = strategy.shadow.clone() else {
        bail!(
            "--against: strategy {:?} has no engine to replay against",
            args.strategy
        );
    };
    let bar = ProgressBar::new(records.len() as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} cases, {per_sec}, eta {eta}")
    {
        bar.set_style(style);
    }
    let pace = Pace {
        rate: args.rate,
        concurrency: usize::from(args.concurrency),
    };
    let cases = tokio.block_on(run_cases(
        &strategy, &engine, &reader, &keys, records, pace, &bar,
    ));
    bar.finish_and_clear();
    let run = ReplayRun {
        started_micros: started,
        finished_micros: SystemClock.now_micros(),
        by,
        strategy: args.strategy.clone(),
        engine: engine_name,
        selection: selection.describe(cases.len(), Syntax::Flags),
        group_selections: selection.describe_groups(&cases, Syntax::Flags),
        shadowed_by,
        cases,
    };
    let saved = reader.save_replay(&run);
    // The cases were sent whether or not the run can be stored (a fleet's database away): their
    // results are printed either way, then a run not stored fails the command, before its
    // verdict, as no evidence of the fix was kept.
    print(out, &run, &view)?;
    saved.context("the replay ran (its results above) but was not stored")?;
    verdict(&run)
}

/// The run's exit: an error when any case replayed is not fixed ([`NotFixed`]), or when every
/// case replayed is fixed but some were not replayed, the engine failed on them or they cannot
/// be read ([`NotReplayed`]).
fn verdict(run: &ReplayRun) -> anyhow::Result<()> {
    let totals = run.totals();
    let count = |label| totals.get(label).copied().unwrap_or(0);
    let skipped = Skipped {
        engine_errors: count(NOT_REPLAYED),
        unreadable: count(UNREADABLE),
    };
    let selected = run.cases.len();
    let replayed = selected - skipped.count();
    let not_fixed = replayed - count(FIXED);
    if not_fixed > 0 {
        return Err(NotFixed {
            not_fixed,
            total: replayed,
            skipped,
        }
        .into());
    }
    if skipped.count() > 0 {
        return Err(NotReplayed {
            skipped,
            total: selected,
        }
        .into());
    }
    Ok(())
}

/// The cases of a run that were not replayed, by why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Cases the engine failed on (no connection, no answer in time, an error status).
    pub engine_errors: usize,
    /// Cases that cannot be read: no payload stored, its key removed, or frames the layout no
    /// longer decodes.
    pub unreadable: usize,
}

impl Skipped {
    /// Cases not replayed.
    pub fn count(&self) -> usize {
        self.engine_errors + self.unreadable
    }

    /// `engine errors`, `unreadable`, or both counted.
    fn why(&self) -> String {
        not_replayed_why(self.engine_errors, self.unreadable).unwrap_or_default()
    }
}

/// A replay that ran and found cases not fixed: exit status
/// [`super::EXIT_NOT_MATCHING`] (3), apart from 1, a replay that could not run (unknown group,
/// locked store, no key), and [`EXIT_NOT_REPLAYED`] (4), cases not replayed, so a deploy
/// pipeline can tell them apart. Said even when others were not replayed: the cases the engine
/// answered already show the fix does not hold.
#[derive(Debug, thiserror::Error)]
#[error("{}", not_fixed_sentence(*.not_fixed, *.total, *.skipped))]
pub struct NotFixed {
    /// Cases still differing or differing differently.
    pub not_fixed: usize,
    /// Cases replayed (those not replayed excluded).
    pub total: usize,
    /// Cases not replayed: the engine failed on them, or they cannot be read.
    pub skipped: Skipped,
}

/// Exit status of a replay whose other cases are all fixed but some were not replayed: the
/// engine failed on them (no connection, no answer in time, an error status), or they cannot be
/// read. Nothing says the fix failed, and after an outage the same replay may pass once the
/// engine answers (3 is a fix that did not hold, 1 a replay that could not run).
pub const EXIT_NOT_REPLAYED: u8 = 4;

/// A replay some of whose cases were not replayed, every other one fixed: exit status
/// [`EXIT_NOT_REPLAYED`].
#[derive(Debug, thiserror::Error)]
#[error(
    "{} not replayed ({}: see the cases' detail){}",
    selected_cases(.skipped.count(), *.total),
    .skipped.why(),
    if .skipped.engine_errors > 0 { "; replay again when the engine answers" } else { "" }
)]
pub struct NotReplayed {
    /// Cases not replayed, by why.
    pub skipped: Skipped,
    /// Cases selected.
    pub total: usize,
}

/// `1 of 3 replayed cases is not fixed`, `2 of 2 replayed cases are not fixed`, and the cases
/// not replayed when there are any: `…, and 1 more case was not replayed (engine errors)`.
fn not_fixed_sentence(not_fixed: usize, total: usize, skipped: Skipped) -> String {
    let verb = if not_fixed == 1 { "is" } else { "are" };
    let more = match skipped.count() {
        0 => String::new(),
        n => {
            let verb = if n == 1 { "was" } else { "were" };
            format!(
                ", and {} {verb} not replayed ({})",
                plural(n as u64, "more case"),
                skipped.why()
            )
        }
    };
    format!(
        "{not_fixed} of {} {verb} not fixed{more}",
        plural(total as u64, "replayed case")
    )
}

/// `1 of 3 selected cases was`, `3 of 3 selected cases were`.
fn selected_cases(count: usize, total: usize) -> String {
    let verb = if count == 1 { "was" } else { "were" };
    format!(
        "{count} of {} {verb}",
        plural(total as u64, "selected case")
    )
}
