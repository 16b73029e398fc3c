//! `shadowgate replay`: sends stored failing cases to an engine again and tells, per case, whether
//! the fix worked, against the stored live answer and the strategy's current rules.
//!
//! Runs on a stopped gateway's store (sled locks its directory), with the gateway's config: its
//! engines, layouts, rules, store path and key file. The run is stored (`replays` tree) so the
//! report shows each group's "N of M cases fixed by replay at T". Exits non-zero when any case is
//! not fixed, for deploy pipelines.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::table::{self, Align};
use crate::config::{self, List};
use crate::metrics::Metrics;
use crate::pipeline::replay::CaseResult;
use crate::replay::{run_cases, Pace, Selection, Syntax};
use crate::review::{check_window, parse_kind, parse_time, plural, ReviewView};
use crate::runtime::Runtime;
use crate::store::replays::latest_per_group;
use crate::store::replays::GroupRun;
use crate::store::MismatchRecord;
use crate::store::{Clock, StoreConfig};
use crate::store::{GroupReplay, KeyRing, Reader, RecordId, ReplayCase, ReplayRun, SystemClock};

/// `shadowgate replay`.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// The gateway's config: engines, layouts, rules, store and `[store] encryption_key_file`.
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
    // What the command line gets wrong is said first, before the store and the key file.
    configured(&config, &args.strategy)?;
    let selection = selection(args)?;
    let view = config.review.clone();
    let keys = keys(&config.store)?;
    // A fleet's cases and payloads are read from its database; the run is stored locally.
    let locked = |e| {
        let remedy = "stop it first, or start the run on it with POST /api/v1/replays";
        super::source::store_error(e, remedy)
    };
    let reader = Reader::open_config(&config.store)
        .map_err(locked)?
        .with_admin_address(super::source::admin_address(&config));
    drop(reader.db().map_err(locked)?);
    let records = selection
        .select(&reader)
        .map_err(|e| anyhow::anyhow!("--{e}"))?;
    if records.is_empty() {
        bail!(selection.nothing_matches(Syntax::Flags));
    }
    let engine_name = target(&mut config, args, &records)?;
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
        cases,
    };
    reader.save_replay(&run)?;
    print(out, &run, &view)?;
    let totals = run.totals();
    let not_fixed = run.cases.len() - totals.get("fixed").copied().unwrap_or(0);
    if not_fixed > 0 {
        return Err(NotFixed {
            not_fixed,
            total: run.cases.len(),
        }
        .into());
    }
    Ok(())
}

/// A replay that ran and found cases not fixed: exit status
/// [`super::EXIT_NOT_MATCHING`] (3), apart from 1, a replay that could not run (unknown group,
/// locked store, no key), so a deploy pipeline can tell the two apart.
#[derive(Debug, thiserror::Error)]
#[error("{}", not_fixed_sentence(*.not_fixed, *.total))]
pub struct NotFixed {
    /// Cases still differing, differing differently, failed or unreadable.
    pub not_fixed: usize,
    /// Cases replayed.
    pub total: usize,
}

/// `1 of 3 replayed cases is not fixed`, `2 of 2 replayed cases are not fixed`.
fn not_fixed_sentence(not_fixed: usize, total: usize) -> String {
    let verb = if not_fixed == 1 { "is" } else { "are" };
    format!(
        "{not_fixed} of {} {verb} not fixed",
        plural(total as u64, "replayed case")
    )
}

/// Refuses a strategy the config does not name, naming the ones it does, as the replay API
/// does: a misspelt `--strategy` must not read as a strategy with no stored case.
fn configured(config: &config::Config, strategy: &str) -> anyhow::Result<()> {
    if config.strategies.contains_key(strategy) {
        return Ok(());
    }
    let known: Vec<&str> = config.strategies.keys().map(String::as_str).collect();
    bail!(
        "--strategy: expected a strategy of the config ({}), found {strategy:?}",
        known.join(", ")
    )
}

/// The key ring, or why replay cannot run without one.
fn keys(store: &StoreConfig) -> anyhow::Result<KeyRing> {
    let Some(path) = &store.encryption_key_file else {
        bail!(
            "replay needs the stored raw requests, and none are stored: [store] \
             encryption_key_file is not set (set it; cases recorded from then on can be replayed)"
        );
    };
    Ok(KeyRing::load(path)?)
}

/// Points the strategy's shadow at the engine `records` are replayed against
/// ([`crate::replay::target`]: `--against`, else the engine that was their shadow; the runtime
/// then builds and checks it); returns the engine's name.
fn target(
    config: &mut config::Config,
    args: &ReplayArgs,
    records: &[MismatchRecord],
) -> anyhow::Result<String> {
    let Some(spec) = config.strategies.get_mut(&args.strategy) else {
        bail!(
            "--strategy {:?}: no such strategy in the config",
            args.strategy
        );
    };
    let known = |engines: &std::collections::BTreeMap<String, _>| {
        engines
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(against) = &args.against {
        if !config.engines.contains_key(against) {
            bail!(
                "--against {against:?}: expected an engine of the config ({}), found none",
                known(&config.engines)
            );
        }
    }
    let name = crate::replay::target(args.against.as_deref(), spec.shadow.as_deref(), records)?;
    if !config.engines.contains_key(&name) {
        bail!(
            "the selected cases were shadowed by engine {name:?}, which is not in the config ({}): \
             name the engine to replay against with --against",
            known(&config.engines)
        );
    }
    spec.shadow = Some(name.clone());
    Ok(name)
}

/// The selection the flags give.
fn selection(args: &ReplayArgs) -> anyhow::Result<Selection> {
    let time = |flag: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(parse_time)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--{flag} {e}"))
    };
    let kind = args.kind.as_deref().map(parse_kind).transpose();
    let ids = args
        .ids
        .iter()
        .map(|id| id.parse::<RecordId>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("--ids {e}"))?;
    let (from_micros, until_micros) = (time("since", &args.since)?, time("until", &args.until)?);
    check_window(from_micros, until_micros, ["--since", "--until"]).map_err(anyhow::Error::msg)?;
    Ok(Selection {
        strategy: args.strategy.clone(),
        group: args.group.clone(),
        ids,
        from_micros,
        until_micros,
        kind: kind.map_err(|e| anyhow::anyhow!("--{e}"))?,
        limit: args.limit,
    })
}

/// The run for people: one line per case, one per group (times in `view`'s zone, named once),
/// the totals.
fn print(out: &mut dyn Write, run: &ReplayRun, view: &ReviewView) -> std::io::Result<()> {
    writeln!(
        out,
        "replay of {} of strategy {} against engine {} by {} ({})",
        plural(run.cases.len() as u64, "case"),
        run.strategy,
        run.engine,
        run.by,
        run.selection
    )?;
    super::text::zone_line(out, view)?;
    cases_table(out, &run.cases)?;
    // This run's own result per group, "(part of the group: …)" when partial.
    for group in latest_per_group(std::slice::from_ref(run)) {
        if let Some(result) = group.whole.or(group.latest_partial) {
            writeln!(
                out,
                "group {}: {}",
                group.signature,
                result.line(|micros| view.time(micros))
            )?;
        }
    }
    let totals = run.totals();
    let shown: Vec<String> = CaseResult::LABELS
        .iter()
        .map(|label| format!("{label} {}", totals.get(label).copied().unwrap_or(0)))
        .collect();
    writeln!(out, "totals: {}", shown.join(", "))
}

/// One line per case (id, group, result, detail) in columns as wide as their widest cell: a
/// shadow error's group (`shadow_error/connect`) is longer than a signature.
fn cases_table(out: &mut dyn Write, cases: &[ReplayCase]) -> std::io::Result<()> {
    let header = ["id", "group", "result", "detail"].map(str::to_owned);
    let rows = cases.iter().map(|case| {
        let detail = match (&case.new_signature, &case.detail) {
            (Some(signature), Some(fields)) => format!("{signature} ({fields})"),
            (_, Some(detail)) => detail.clone(),
            _ => String::new(),
        };
        [
            case.id.to_string(),
            case.signature.clone(),
            case.result.clone(),
            detail,
        ]
    });
    let rows: Vec<[String; 4]> = std::iter::once(header).chain(rows).collect();
    for line in table::lines(&rows, [Align::Left; 4]) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The report's replay section: per group, the newest whole-group run's "N of M cases fixed by
/// replay at T" and a newer partial run ([`GroupReplay::line`]), times in `view`'s zone; nothing
/// when no run is stored.
pub(crate) fn write_group_replays(
    out: &mut dyn Write,
    groups: &[GroupReplay],
    only: &Option<String>,
    view: &ReviewView,
) -> std::io::Result<()> {
    let shown: Vec<&GroupReplay> = groups
        .iter()
        .filter(|g| only.as_ref().is_none_or(|s| *s == g.strategy))
        .collect();
    if shown.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nreplays (latest whole-group run per group)")?;
    // Each run says who ran it against which engine: a newer partial run is often someone
    // else's, and the whole-group run's name beside it would credit them with it.
    let said = |run: &GroupRun| {
        format!(
            "{} (against {}, by {})",
            run.line(|micros| view.time(micros)),
            run.engine,
            run.by
        )
    };
    for g in shown {
        let result = match (&g.whole, &g.latest_partial) {
            (Some(whole), None) => said(whole),
            (Some(whole), Some(part)) => format!("{}; since then {}", said(whole), said(part)),
            (None, Some(part)) => format!("no replay of the whole group; {}", said(part)),
            (None, None) => continue,
        };
        writeln!(out, "  {} · group {}: {result}", g.strategy, g.signature)?;
    }
    Ok(())
}

/// Who runs the replay: `--by`, else `$USER`, else `$LOGNAME` (`env` reads a variable); blank
/// names count as none, and none is refused rather than stored as a placeholder.
fn runner(by: Option<&str>, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<String> {
    let named = |name: Option<String>| name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    named(by.map(str::to_owned))
        .or_else(|| named(env("USER")))
        .or_else(|| named(env("LOGNAME")))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--by: expected the name of who runs this replay, found nothing (no $USER or \
                 $LOGNAME in the environment); set --by NAME"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::table::assert_column;

    #[test]
    fn the_cases_not_fixed_are_counted_in_the_right_number() {
        let said = |not_fixed, total| NotFixed { not_fixed, total }.to_string();
        assert_eq!(said(1, 1), "1 of 1 replayed case is not fixed");
        assert_eq!(said(1, 3), "1 of 3 replayed cases is not fixed");
        assert_eq!(said(3, 3), "3 of 3 replayed cases are not fixed");
    }

    #[test]
    fn each_run_of_a_group_is_credited_to_whoever_ran_it() {
        let run = |total: usize, by: &str, partial: bool| GroupRun {
            fixed: 0,
            total,
            at_micros: 1_764_460_800_000_000,
            engine: "next".into(),
            by: by.into(),
            selection: "--group sig --limit 2".into(),
            partial,
        };
        let group = GroupReplay {
            strategy: "loan".into(),
            signature: "sig".into(),
            whole: Some(run(200, "kim", false)),
            latest_partial: Some(run(2, "lee", true)),
            summary: String::new(),
        };
        let mut out = Vec::new();
        write_group_replays(&mut out, &[group], &None, &ReviewView::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("0 of 200 cases fixed by replay at 2025-11-30 00:00:00 +00:00 (against next, by kim); since then 0 of 2 cases")
                && text.contains("(part of the group: --group sig --limit 2) (against next, by lee)"),
            "{text}"
        );
    }

    #[test]
    fn cases_stay_aligned_with_a_long_group_and_a_hangul_one() {
        let case = |id: &str, signature: &str, result: &str| ReplayCase {
            id: id.parse().unwrap(),
            signature: signature.into(),
            result: result.into(),
            new_signature: None,
            detail: Some("refused".into()),
        };
        let cases = [
            case("0000000000000001a0000001", "3cc4d5940b0b32de", "fixed"),
            case(
                "0000000000000002a0000002",
                "shadow_error/connect",
                "unreadable",
            ),
            case("0000000000000003a0000003", "고객번호", "still_differing"),
        ];
        let mut out = Vec::new();
        cases_table(&mut out, &cases).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert_column(
            &text,
            &lines,
            &["group", "3cc4", "shadow_error", "고객번호"],
        );
        assert_column(
            &text,
            &lines,
            &["result", "fixed", "unreadable", "still_differing"],
        );
        assert_column(&text, &lines, &["detail", "refused", "refused", "refused"]);
    }

    /// A run of one case says so in the singular, from its first line to its verdict.
    #[test]
    fn a_run_of_one_case_is_said_in_the_singular() {
        let run = ReplayRun {
            started_micros: 1_764_460_800_000_000,
            finished_micros: 1_764_460_801_000_000,
            by: "kim".into(),
            strategy: "loan".into(),
            engine: "next".into(),
            selection: "all".into(),
            group_selections: Default::default(),
            cases: vec![ReplayCase {
                id: "0000000000000001a0000001".parse().unwrap(),
                signature: "3cc4d5940b0b32de".into(),
                result: "still_differing".into(),
                new_signature: None,
                detail: None,
            }],
        };
        let mut out = Vec::new();
        print(&mut out, &run, &ReviewView::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with(
                "replay of 1 case of strategy loan against engine next by kim (all)\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("group 3cc4d5940b0b32de: 0 of 1 case fixed by replay at "),
            "{text}"
        );
        let not_fixed = |not_fixed, total| NotFixed { not_fixed, total }.to_string();
        assert_eq!(not_fixed(1, 1), "1 of 1 replayed case is not fixed");
        assert_eq!(not_fixed(1, 3), "1 of 3 replayed cases is not fixed");
        assert_eq!(not_fixed(2, 3), "2 of 3 replayed cases are not fixed");
    }

    #[test]
    fn who_runs_a_replay_is_named_or_the_replay_is_refused() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let both = env(&[("USER", "kim.j"), ("LOGNAME", "kim")]);
        assert_eq!(runner(Some("choi.m"), both).unwrap(), "choi.m");
        assert_eq!(runner(None, both).unwrap(), "kim.j");
        assert_eq!(
            runner(None, env(&[("USER", " "), ("LOGNAME", "lee")])).unwrap(),
            "lee"
        );
        let error = runner(None, env(&[])).unwrap_err().to_string();
        assert_eq!(
            error,
            "--by: expected the name of who runs this replay, found nothing (no $USER or $LOGNAME \
             in the environment); set --by NAME"
        );
        assert!(
            runner(Some(""), env(&[])).is_err(),
            "a blank --by names nobody"
        );
    }
}
