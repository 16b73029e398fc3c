//! `shadowgate reconcile --config RECONCILE.toml`: runs a batch reconciliation, prints it, stores
//! it with `--store DIR` (or `--store-config GATEWAY.toml`: that gateway's store, the fleet's
//! database for `backend = "postgres"`), and tells by its exit status whether every key matched.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::batch::run_section;
use super::review::Format;
use crate::config::Problem;
use crate::review::assess_batch;
use crate::store::postgres::BackendKind;

/// Exit status of a run that finished with at least one key not matching (1 is an error).
pub const EXIT_NOT_MATCHING: u8 = 3;
/// Exit status of a run that finished with rows set aside as bad (`--max-bad-rows`), whatever
/// its keys: its result leaves those rows out, which a pipeline must see.
pub const EXIT_BAD_ROWS: u8 = 4;

/// How a run that finished ended, for its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Every key matched and every row was read: 0.
    Clean,
    /// Some key did not match: [`EXIT_NOT_MATCHING`].
    NotMatching,
    /// Rows were set aside as bad: [`EXIT_BAD_ROWS`].
    BadRows,
}

impl Finished {
    /// The process exit status.
    pub fn exit_status(self) -> u8 {
        match self {
            Finished::Clean => 0,
            Finished::NotMatching => EXIT_NOT_MATCHING,
            Finished::BadRows => EXIT_BAD_ROWS,
        }
    }
}

/// `shadowgate reconcile`.
#[derive(Debug, Clone, Args)]
pub struct ReconcileArgs {
    /// The reconcile file (sources, mappings, key, rules).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Store the run in this store directory (a stopped gateway's, or one of its own: sled lets
    /// one process open a store, so not a running gateway's).
    #[arg(long, value_name = "DIR", conflicts_with = "store_config")]
    pub store: Option<PathBuf>,
    /// Store the run in the store a gateway config names: its directory (sled; the gateway
    /// stopped), or with `backend = "postgres"` the fleet's database, where every gateway's
    /// review shows it.
    #[arg(long, value_name = "FILE")]
    pub store_config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// For scheduled runs: no progress bar on stderr, and the reconcile file's warnings counted
    /// in one line instead of listed (the result and the exit status are the same).
    #[arg(long)]
    pub quiet: bool,
    /// Rows that do not read (a value not of its type, a blank key, a short row or record) set
    /// aside, over both sides, before one more stops the run; each is listed and counted, and
    /// the run exits with status 4. 0: the first bad row stops the run.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub max_bad_rows: u64,
}

/// Runs `shadowgate reconcile`, writing to `out`; how it finished.
pub fn run_reconcile(args: &ReconcileArgs, out: &mut dyn Write) -> anyhow::Result<Finished> {
    let mut spec = crate::reconcile::load(&args.config)?;
    spec.max_bad_rows = args.max_bad_rows;
    // A stderr that cannot be written to must not stop the run: the warnings do not.
    let _ = write_warnings(
        &mut std::io::stderr().lock(),
        &args.config,
        &spec.warnings,
        args.quiet,
    );
    if let Some(dir) = &args.store {
        writable(dir).with_context(|| format!("--store {}", dir.display()))?;
    }
    // The gateway config is read before the work, so a wrong one fails at once, and so does a
    // sled store its running gateway holds.
    let gateway = match &args.store_config {
        None => None,
        Some(file) => {
            let config = crate::config::load_without_secrets(file)?;
            if config.store.backend == BackendKind::Sled {
                writable(&config.store.path)
                    .with_context(|| format!("--store-config {}", file.display()))?;
            }
            Some((file, config))
        }
    };
    let run = crate::reconcile::run(&spec, !args.quiet)?;
    if let Some(dir) = &args.store {
        save(dir, &run).with_context(|| format!("storing the run in {}", dir.display()))?;
    }
    if let Some((file, config)) = &gateway {
        let store = &config.store;
        let at = || format!("--store-config {}: storing the run", file.display());
        match store.backend {
            BackendKind::Sled => save(&store.path, &run).with_context(at)?,
            BackendKind::Postgres => {
                crate::store::save_reconcile_to_fleet(&store.postgres, &run).with_context(at)?
            }
        }
    }
    let batch = assess_batch(run, &spec.readiness);
    let finished = match (batch.run.counts.bad_rows, batch.run.counts.failures()) {
        (0, 0) => Finished::Clean,
        (0, _) => Finished::NotMatching,
        _ => Finished::BadRows,
    };
    match args.format {
        Format::Text => {
            // The gateway's review zone when its config is given, else UTC (said with the time).
            let view = gateway.map(|(_, config)| config.review).unwrap_or_default();
            run_section(out, &batch, &view)?
        }
        Format::Json => writeln!(out, "{:#}", serde_json::to_value(&batch)?)?,
    }
    Ok(finished)
}

/// What to do about a store another process holds, for a run to be stored.
const LOCKED_REMEDY: &str = "stop that gateway first, or keep the run in a store directory of \
                             its own with --store DIR (report --store DIR reads it)";

/// Checks that the sled store `dir` can be written by opening and closing it (created if
/// missing): a store a running gateway holds fails here, before the work, not after it.
fn writable(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let reader = crate::store::Reader::open(dir)
        .map_err(|error| super::source::store_error(error, LOCKED_REMEDY))?;
    drop(reader);
    Ok(())
}

/// Stores `run` in the sled store `dir`; a lock taken since [`writable`] said as it says it.
fn save(dir: &Path, run: &crate::store::ReconcileRun) -> anyhow::Result<()> {
    match crate::store::save_reconcile(dir, run) {
        Err(crate::store::SaveError::Open(error)) => {
            Err(super::source::store_error(error, LOCKED_REMEDY))
        }
        saved => Ok(saved?),
    }
}

/// Writes the warnings of the reconcile file `config` on `err`, before the run, which goes on:
/// listed as `check-config` lists a config's, or under `quiet` counted in one line that says how
/// to list them. A nightly job's log then stays one line a night, yet still shows that the file
/// has a rule that never applies.
fn write_warnings(
    err: &mut dyn Write,
    config: &Path,
    warnings: &[Problem],
    quiet: bool,
) -> std::io::Result<()> {
    let subject = format!("reconcile file {}", config.display());
    match (warnings.len(), quiet) {
        (0, _) => Ok(()),
        (1, true) => writeln!(err, "{subject}: 1 warning (run without --quiet to list it)"),
        (n, true) => writeln!(
            err,
            "{subject}: {n} warnings (run without --quiet to list them)"
        ),
        (_, false) => crate::config::write_list(err, &subject, "warning", warnings),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Found;

    fn warning(key: &str) -> Problem {
        Problem::warning(key, "a pattern that reaches a field", Found::text("x"))
    }

    fn written(warnings: &[Problem], quiet: bool) -> String {
        let mut err = Vec::new();
        write_warnings(&mut err, Path::new("r.toml"), warnings, quiet).unwrap();
        String::from_utf8(err).unwrap()
    }

    #[test]
    fn quiet_counts_the_warnings_in_one_line_and_loud_lists_them() {
        let two = [warning("rules.ignore[0]"), warning("rules.ignore[1]")];
        assert_eq!(
            written(&two, true),
            "reconcile file r.toml: 2 warnings (run without --quiet to list them)\n"
        );
        assert_eq!(
            written(&two[..1], true),
            "reconcile file r.toml: 1 warning (run without --quiet to list it)\n"
        );
        let listed = written(&two, false);
        assert!(
            listed.starts_with("reconcile file r.toml: 2 warnings\n  - rules.ignore[0]: "),
            "{listed}"
        );
        assert_eq!(listed.lines().count(), 3, "{listed}");
        assert_eq!(written(&[], true), "");
        assert_eq!(written(&[], false), "");
    }
}
