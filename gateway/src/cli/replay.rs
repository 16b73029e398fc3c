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
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::{self, List};
use crate::metrics::Metrics;
use crate::pipeline::replay::{replay_case, CaseResult};
use crate::review::{parse_kind, parse_time};
use crate::runtime::{Engine, Runtime, Strategy};
use crate::store::replays::latest_per_group;
use crate::store::{
    format_micros, GroupReplay, KeyRing, ListQuery, MismatchRecord, RawPayload, Reader, RecordId,
    ReplayCase, ReplayRun, SystemClock, MAX_LIMIT,
};
use crate::store::{Clock, StoreConfig};

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
    /// The engine to send them to (a name from `[engines]`); default: the strategy's shadow.
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
    /// Who runs the replay, stored with it (default: $USER).
    #[arg(long)]
    pub by: Option<String>,
}

/// Runs `shadowgate replay`, writing the results to `out`; an error when any case is not fixed.
pub fn run_replay(args: &ReplayArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut config = config::load(&args.config)?;
    let keys = keys(&config.store)?;
    let engine_name = target(&mut config, args)?;
    let reader = Reader::open(&config.store.path)?;
    let records = select(&reader, args)?;
    if records.is_empty() {
        bail!(
            "no stored case of strategy {:?} matches the selection",
            args.strategy
        );
    }
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
    let cases = tokio.block_on(run_cases(args, &strategy, &engine, &reader, &keys, records));
    let run = ReplayRun {
        started_micros: started,
        finished_micros: SystemClock.now_micros(),
        by: args
            .by
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "unknown".to_owned()),
        strategy: args.strategy.clone(),
        engine: engine_name,
        selection: selection(args),
        cases,
    };
    reader.save_replay(&run)?;
    print(out, &run)?;
    let totals = run.totals();
    let not_fixed = run.cases.len() - totals.get("fixed").copied().unwrap_or(0);
    if not_fixed > 0 {
        bail!(
            "{not_fixed} of {} replayed cases are not fixed",
            run.cases.len()
        );
    }
    Ok(())
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

/// Points the strategy's shadow at `--against` (the runtime then builds and checks it); returns
/// the engine's name.
fn target(config: &mut config::Config, args: &ReplayArgs) -> anyhow::Result<String> {
    let Some(spec) = config.strategies.get_mut(&args.strategy) else {
        bail!(
            "--strategy {:?}: no such strategy in the config",
            args.strategy
        );
    };
    if let Some(against) = &args.against {
        if !config.engines.contains_key(against) {
            let known: Vec<&str> = config.engines.keys().map(String::as_str).collect();
            bail!(
                "--against {against:?}: expected an engine of the config ({}), found none",
                known.join(", ")
            );
        }
        spec.shadow = Some(against.clone());
    }
    match &spec.shadow {
        Some(name) => Ok(name.clone()),
        None => bail!(
            "strategy {:?} has no shadow engine: name one with --against",
            args.strategy
        ),
    }
}

/// The stored cases the flags select, oldest first.
fn select(reader: &Reader, args: &ReplayArgs) -> anyhow::Result<Vec<MismatchRecord>> {
    let mut records = Vec::new();
    if !args.ids.is_empty() {
        for id in &args.ids {
            let id: RecordId = id.parse()?;
            match reader.get(id)? {
                Some(r) if r.mismatch.strategy.as_ref() == args.strategy => records.push(r),
                Some(_) => bail!(
                    "--ids {id}: the record is not of strategy {:?}",
                    args.strategy
                ),
                None => bail!("--ids {id}: no such record (unknown, or removed by retention)"),
            }
        }
        return Ok(records);
    }
    let time = |flag: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(parse_time)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--{flag} {e}"))
    };
    let kind = args.kind.as_deref().map(parse_kind).transpose();
    let mut query = ListQuery {
        strategy: Some(args.strategy.clone()),
        kind: kind.map_err(|e| anyhow::anyhow!("--{e}"))?,
        signature: args.group.clone(),
        from_micros: time("since", &args.since)?,
        until_micros: time("until", &args.until)?,
        cursor: None,
        limit: 0,
        newest_first: false,
    };
    while records.len() < args.limit {
        query.limit = (args.limit - records.len()).min(MAX_LIMIT);
        let page = reader.list(&query)?;
        records.extend(page.records);
        match page.next {
            Some(next) => query.cursor = Some(next),
            None => break,
        }
    }
    Ok(records)
}

/// Replays every case at `--rate` with `--concurrency` in flight, with a progress bar.
async fn run_cases(
    args: &ReplayArgs,
    strategy: &Arc<Strategy>,
    engine: &Arc<Engine>,
    reader: &Reader,
    keys: &KeyRing,
    records: Vec<MismatchRecord>,
) -> Vec<ReplayCase> {
    let bar = ProgressBar::new(records.len() as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} cases, {per_sec}, eta {eta}")
    {
        bar.set_style(style);
    }
    let pacer = (args.rate > 0).then(|| {
        let period = Duration::from_secs(1) / args.rate;
        tokio::sync::Mutex::new(tokio::time::interval(period))
    });
    let timeout = strategy.spec.shadow_timeout;
    let mut cases: Vec<ReplayCase> = futures::stream::iter(records)
        .map(|record| {
            let (pacer, bar) = (&pacer, &bar);
            async move {
                if let Some(pacer) = pacer {
                    pacer.lock().await.tick().await;
                }
                let result = match payload(reader, keys, record.id) {
                    Ok(payload) => replay_case(strategy, engine, &record, &payload, timeout).await,
                    Err(reason) => CaseResult::Unreadable { reason },
                };
                bar.inc(1);
                case(&record, result)
            }
        })
        .buffer_unordered(usize::from(args.concurrency))
        .collect()
        .await;
    bar.finish_and_clear();
    cases.sort_by_key(|c| c.id);
    cases
}

/// The clear payload of record `id`, or why it is unreadable.
fn payload(reader: &Reader, keys: &KeyRing, id: RecordId) -> Result<RawPayload, String> {
    match reader.sealed_payload(id) {
        Ok(Some(sealed)) => RawPayload::open(&sealed, keys, id).map_err(|e| e.to_string()),
        Ok(None) => Err("unreadable: no raw payload stored (recorded without a key)".to_owned()),
        Err(e) => Err(format!("unreadable: {e}")),
    }
}

fn case(record: &MismatchRecord, result: CaseResult) -> ReplayCase {
    let label = result.label().to_owned();
    let (new_signature, detail) = match result {
        CaseResult::DifferingDifferently { signature, fields } => {
            (Some(signature), Some(fields.join(", ")))
        }
        CaseResult::Error { reason } | CaseResult::Unreadable { reason } => (None, Some(reason)),
        CaseResult::Fixed | CaseResult::StillDiffering => (None, None),
    };
    ReplayCase {
        id: record.id,
        signature: record.mismatch.signature.clone(),
        result: label,
        new_signature,
        detail,
    }
}

/// The selection flags, as stored with the run.
fn selection(args: &ReplayArgs) -> String {
    let mut parts = Vec::new();
    let flags = [
        ("group", &args.group),
        ("since", &args.since),
        ("until", &args.until),
        ("kind", &args.kind),
    ];
    for (flag, value) in flags {
        if let Some(value) = value {
            parts.push(format!("--{flag} {value}"));
        }
    }
    if !args.ids.is_empty() {
        parts.push(format!("--ids {}", args.ids.join(",")));
    }
    match parts.is_empty() {
        true => "all".to_owned(),
        false => parts.join(" "),
    }
}

/// The run for people: one line per case, one per group, the totals.
fn print(out: &mut dyn Write, run: &ReplayRun) -> std::io::Result<()> {
    writeln!(
        out,
        "replay of {} cases of strategy {} against engine {} by {} ({})",
        run.cases.len(),
        run.strategy,
        run.engine,
        run.by,
        run.selection
    )?;
    writeln!(
        out,
        "{:<24}  {:<16}  {:<16}  DETAIL",
        "ID", "GROUP", "RESULT"
    )?;
    for case in &run.cases {
        let detail = match (&case.new_signature, &case.detail) {
            (Some(signature), Some(fields)) => format!("{signature} ({fields})"),
            (_, Some(detail)) => detail.clone(),
            _ => String::new(),
        };
        writeln!(
            out,
            "{:<24}  {:<16}  {:<16}  {detail}",
            case.id.to_string(),
            case.signature,
            case.result
        )?;
    }
    for group in latest_per_group(std::slice::from_ref(run)) {
        writeln!(
            out,
            "group {}: {} of {} cases fixed by replay at {}",
            group.signature,
            group.fixed,
            group.total,
            format_micros(group.at_micros)
        )?;
    }
    let totals = run.totals();
    let shown: Vec<String> = CaseResult::LABELS
        .iter()
        .map(|label| format!("{label} {}", totals.get(label).copied().unwrap_or(0)))
        .collect();
    writeln!(out, "totals: {}", shown.join(", "))
}

/// The report's replay section: per group, the latest run's "N of M cases fixed by replay at T";
/// nothing when no run is stored.
pub(crate) fn write_group_replays(
    out: &mut dyn Write,
    groups: &[GroupReplay],
    only: &Option<String>,
) -> std::io::Result<()> {
    let shown: Vec<&GroupReplay> = groups
        .iter()
        .filter(|g| only.as_ref().is_none_or(|s| *s == g.strategy))
        .collect();
    if shown.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nreplays (latest run per group)")?;
    for g in shown {
        writeln!(
            out,
            "  {} · group {}: {} of {} cases fixed by replay at {} (against {}, by {})",
            g.strategy,
            g.signature,
            g.fixed,
            g.total,
            format_micros(g.at_micros),
            g.engine,
            g.by
        )?;
    }
    Ok(())
}
