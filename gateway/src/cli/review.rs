//! `shadowgate report` and `shadowgate mismatches list|show`: the migration team's review from
//! the command line, reading a stopped gateway's store, a config's store, or a running gateway.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::json::rfc3339_times;
use super::source::Source;
use super::{daily, list, text};
use crate::review::{check_window, parse_time};
use crate::store::{ListQuery, RecordId, MAX_LIMIT};

/// Where to read: exactly one of `--store`, `--config` (optionally with `--store` to override its
/// path) or `--from`.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// A stopped gateway's store directory (a running gateway locks it: use --from).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// A config file: its store path and each strategy's readiness thresholds and rules
    /// (without it, default thresholds apply; a stored batch run keeps those it ran with). With
    /// store.backend = "postgres" (and no --store), records, counters, groups, triage states,
    /// the audit trail, sign-offs and replay runs are the whole fleet's, from its database.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A running gateway's admin listener, e.g. http://127.0.0.1:9190.
    #[arg(long, value_name = "URL")]
    pub from: Option<String>,
    /// Environment variable holding the admin bearer token (with --from).
    #[arg(long, value_name = "VAR", requires = "from")]
    pub token_env: Option<String>,
}

/// Output formats of `report` and `mismatches show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// The admin API's model as JSON, times in RFC 3339.
    Json,
}

/// Output formats of `mismatches list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// For people.
    Text,
    /// The admin API's model as JSON, times in RFC 3339.
    Json,
    /// RFC 4180 CSV, one row per record.
    Csv,
}

/// `shadowgate report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Where to read.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Only this strategy.
    #[arg(long)]
    pub strategy: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Add comparisons and failures per day (`[review] time_zone` days, `chart_days` of them),
    /// per strategy and per group.
    #[arg(long)]
    pub daily: bool,
}

/// `shadowgate mismatches …`.
#[derive(Debug, Clone, Subcommand)]
pub enum MismatchesCommand {
    /// List records, newest first.
    List(ListArgs),
    /// Show one record: the differences, both decisions side by side and as a unified diff, and
    /// the masked request.
    Show(ShowArgs),
}

/// `shadowgate mismatches list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Where to read.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Only this strategy.
    #[arg(long)]
    pub strategy: Option<String>,
    /// Only this kind: mismatch, shadow_error or unencodable.
    #[arg(long)]
    pub kind: Option<String>,
    /// Only this grouping signature.
    #[arg(long)]
    pub signature: Option<String>,
    /// Records at or after this time (RFC 3339, a date, or microseconds since the epoch).
    #[arg(long)]
    pub since: Option<String>,
    /// Records before this time.
    #[arg(long)]
    pub until: Option<String>,
    /// At most this many records (at least 1).
    #[arg(long, default_value_t = 100, value_parser = parse_limit)]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// `shadowgate mismatches show ID`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// The record id (24 hex digits, as listed).
    pub id: String,
    /// Where to read.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `--limit`: a count of records; 0 would list nothing and look like an empty store.
fn parse_limit(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("0 lists nothing; give at least 1".to_owned()),
        Ok(limit) => Ok(limit),
        Err(_) => Err(format!("expected a count of records, found {text:?}")),
    }
}

/// Prints `value` as pretty JSON with every time in RFC 3339.
fn print_json(out: &mut dyn Write, mut value: serde_json::Value) -> anyhow::Result<()> {
    rfc3339_times(&mut value);
    writeln!(out, "{value:#}")?;
    Ok(())
}

/// Runs `shadowgate report`, writing to `out`.
pub fn run_report(args: &ReportArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let source = Source::open(&args.source)?;
    let mut summary = source.summary()?;
    // One read per resource: from a running gateway each is a request.
    let groups = match &args.strategy {
        Some(only) => {
            // Refused in the words of the other review commands, naming the strategies there
            // are: the groups' read is the check.
            let groups = source.groups(only)?;
            summary.strategies.retain(|s| &s.strategy == only);
            // A configured strategy not counted yet has no summary row, and no groups beside it.
            match summary.strategies.is_empty() {
                true => Vec::new(),
                false => vec![groups],
            }
        }
        None => summary
            .strategies
            .iter()
            .map(|strategy| source.groups(&strategy.strategy))
            .collect::<anyhow::Result<_>>()?,
    };
    let mut batches = source.batches()?;
    if let Some(only) = &args.strategy {
        batches.retain(|b| b.run.rules.strip_prefix("strategy ") == Some(only.as_str()));
    }
    match args.format {
        Format::Text => {
            let (view, daily) = source.view_and_daily(args.daily)?;
            text::report(
                out,
                source.label(),
                source.judged_by(),
                &summary,
                &groups,
                &view,
            )?;
            for batch in &batches {
                writeln!(out)?;
                super::batch::run_section(out, batch, &view)?;
            }
            let replays = source.group_replays()?;
            super::replay::write_group_replays(out, &replays, &args.strategy, &view)?;
            super::noise::write(out, &groups)?;
            super::suppressed::write(out, &summary)?;
            if let Some(daily) = daily {
                daily::write(out, &daily, &summary, &groups)?;
            }
        }
        Format::Json => {
            let by_strategy: serde_json::Map<String, serde_json::Value> = summary
                .strategies
                .iter()
                .zip(&groups)
                .map(|(s, g)| Ok((s.strategy.clone(), serde_json::to_value(g)?)))
                .collect::<Result<_, serde_json::Error>>()?;
            let mut value = json!({ "summary": summary, "groups": by_strategy });
            if !batches.is_empty() {
                value["batches"] = serde_json::to_value(&batches)?;
            }
            let mut replays = source.group_replays()?;
            replays.retain(|g| args.strategy.as_ref().is_none_or(|s| *s == g.strategy));
            value["replays"] = serde_json::to_value(replays)?;
            if args.daily {
                value["daily"] = serde_json::to_value(source.daily()?)?;
            }
            print_json(out, value)?;
        }
    }
    Ok(())
}

/// Runs `shadowgate mismatches list`, writing to `out`.
pub fn run_list(args: &ListArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let kind = args
        .kind
        .as_deref()
        .map(|k| crate::review::parse_kind(k).map_err(|e| anyhow::anyhow!("--{e}")))
        .transpose()?;
    let time = |flag: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(parse_time)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--{flag} {e}"))
    };
    let (from_micros, until_micros) = (time("since", &args.since)?, time("until", &args.until)?);
    check_window(from_micros, until_micros, ["--since", "--until"]).map_err(anyhow::Error::msg)?;
    let mut query = ListQuery {
        strategy: args.strategy.clone(),
        kind,
        signature: args.signature.clone(),
        from_micros,
        until_micros,
        cursor: None,
        limit: 0,
        newest_first: true,
    };
    let source = Source::open(&args.source)?;
    let mut records = Vec::new();
    let mut more = false;
    // Pages of at most MAX_LIMIT until the limit is reached or the store has no more.
    while records.len() < args.limit {
        query.limit = (args.limit - records.len()).min(MAX_LIMIT);
        let page = source.list(&query)?;
        records.extend(page.records);
        match page.next {
            Some(next) => {
                query.cursor = Some(next);
                more = true;
            }
            None => {
                more = false;
                break;
            }
        }
    }
    match args.format {
        ListFormat::Text => list::list(out, &records, &source.view()?)?,
        ListFormat::Csv => list::csv(out, &records)?,
        ListFormat::Json => {
            let next = if more { query.cursor } else { None };
            print_json(out, json!({ "records": records, "next": next }))?;
        }
    }
    if more && args.format == ListFormat::Text {
        writeln!(out, "(more records: raise --limit or narrow the filters)")?;
    }
    Ok(())
}

/// Runs `shadowgate mismatches show ID`, writing to `out`.
pub fn run_show(args: &ShowArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let id: RecordId = args.id.parse()?;
    let source = Source::open(&args.source)?;
    let Some(detail) = source.detail(id)? else {
        bail!(
            "no record {id} in {} (unknown, or removed by retention)",
            source.label()
        );
    };
    match args.format {
        Format::Text => super::show::show(out, &detail, &source.view()?)?,
        Format::Json => print_json(out, serde_json::to_value(&detail)?)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests;
