//! `shadowgate cutover sign --strategy S --by NAME [--note …] [--out DIR]`: the sign-off,
//! refused (exit status 1, the blocking reasons printed) unless the strategy is ready; when it
//! is, its evidence is appended to the audit trail and the report written as HTML and JSON.
//!
//! As `groups set`: a stopped gateway's store is signed in this process with `--config FILE`
//! (the evidence names the config's hash and rules, so a bare `--store` is not enough); a
//! running gateway holds the store, so with `--from` the sign-off goes through its admin API
//! (`POST /api/v1/cutover/sign`, token included) and is judged by the config it runs.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand};
use http::Method;
use jiff::tz::TimeZone;

use super::groups::Api;
use super::review::SourceArgs;
use crate::config;
use crate::cutover::{sign, write_report, Evidence, SignOff, SignRequest};
use crate::review::{plural, ReviewView};
use crate::store::{parse_rfc3339, Clock, Reader, SystemClock};

/// `shadowgate cutover …`.
#[derive(Debug, Clone, Subcommand)]
pub enum CutoverCommand {
    /// Sign a strategy's cutover: refused unless ready; records the evidence in the audit trail
    /// and writes the report (HTML and JSON).
    Sign(SignArgs),
}

/// `shadowgate cutover sign`.
#[derive(Debug, Clone, Args)]
pub struct SignArgs {
    /// Where: a running gateway (--from) or a stopped one's config (--config).
    #[command(flatten)]
    pub source: SourceArgs,
    /// The strategy to cut over.
    #[arg(long)]
    pub strategy: String,
    /// Who signs (recorded in the audit trail and the report).
    #[arg(long = "by", value_name = "NAME")]
    pub by: String,
    /// A note kept with the sign-off.
    #[arg(long)]
    pub note: Option<String>,
    /// Folder for the report files (default: the current folder).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
}

/// Runs `cutover sign`, writing what it did to `out`.
pub fn run_cutover(command: &CutoverCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    let CutoverCommand::Sign(args) = command;
    let request = SignRequest {
        strategy: args.strategy.clone(),
        by: args.by.clone(),
        note: args.note.clone(),
    };
    let (signoff, view) = match (&args.source.from, &args.source.config) {
        (Some(url), _) => remote(url, &args.source, &request)?,
        (None, Some(file)) => {
            let config = config::load_without_secrets(file)?;
            let path = args
                .source
                .store
                .clone()
                .unwrap_or_else(|| config.store.path.clone());
            let remedy = super::source::from(super::source::admin_address(&config));
            let reader = Reader::open(&path).map_err(|e| super::source::store_error(e, &remedy))?;
            // A blocker's times (`since the last failure at …`) as the rest of the text shows
            // times: in the review's zone.
            let signoff = sign(&reader, &config, &request, SystemClock.now_micros())
                .map_err(|e| anyhow!(config.review.in_zone(&e.to_string())))?;
            (signoff, config.review.clone())
        }
        (None, None) => bail!(
            "say where: --config FILE (a stopped gateway) or --from URL (a running one); the \
             evidence names the config's hash and rules, so --store alone is not enough"
        ),
    };
    let files = write_report(&signoff, &args.out, &view)
        .with_context(|| format!("writing the report to {}", args.out.display()))?;
    let e = &signoff.evidence;
    writeln!(
        out,
        "cutover of {} signed by {} at {}: audit entry #{} (sha256 {})",
        e.strategy,
        e.signed_by,
        parse_rfc3339(&e.signed_at).map_or_else(|| e.signed_at.clone(), |t| view.time(t)),
        signoff.seq,
        signoff.hash
    )?;
    writeln!(out, "  cutover: {}", e.cutover())?;
    writeln!(out, "  {}", evidence_line(e))?;
    writeln!(out, "  report: {}", files.html.display())?;
    writeln!(out, "  report: {}", files.json.display())?;
    Ok(())
}

/// The evidence's rate, open groups and config: `2 of 12,400 comparisons failed (…); 1 open
/// group; config sha256 …`.
fn evidence_line(e: &Evidence) -> String {
    format!(
        "{}; {}; config sha256 {}",
        e.rate_sentence,
        plural(e.open_groups as u64, "open group"),
        e.config_sha256
    )
}

/// Signs through the admin API; the answer names the gateway's review zone, the report's.
fn remote(
    url: &str,
    source: &SourceArgs,
    request: &SignRequest,
) -> anyhow::Result<(SignOff, ReviewView)> {
    let token = match &source.token_env {
        None => None,
        Some(var) => Some(
            std::env::var(var)
                .with_context(|| format!("--token-env: environment variable {var} is not set"))?,
        ),
    };
    let api = Api::new(url, token)?;
    let body = serde_json::to_vec(request)?;
    let answer = match api.call(Method::POST, "/api/v1/cutover/sign", Some(body)) {
        Ok(answer) => answer,
        // The refusal keeps the API's UTC times; the text shows them in the gateway's zone.
        Err(refused) => bail!(api.view().in_zone(&format!("{refused:#}"))),
    };
    let signoff = serde_json::from_value(answer["signoff"].clone())?;
    // A gateway older than `time_zone` in this answer: its times stay UTC, and the report says so.
    let mut view = ReviewView::default();
    if let Some(name) = answer["time_zone"].as_str() {
        view.zone = TimeZone::get(name).with_context(|| {
            format!("{url}: time_zone: expected an IANA time zone name, found {name:?}")
        })?;
    }
    Ok((signoff, view))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_groups_are_counted_in_the_right_number() {
        let mut e = Evidence::sample("CAB-1");
        e.config_sha256 = "ab".into();
        let line = |open: usize| {
            let mut e = e.clone();
            e.open_groups = open;
            evidence_line(&e)
        };
        let rate = &e.rate_sentence;
        assert_eq!(line(1), format!("{rate}; 1 open group; config sha256 ab"));
        assert_eq!(line(0), format!("{rate}; 0 open groups; config sha256 ab"));
        assert_eq!(line(3), format!("{rate}; 3 open groups; config sha256 ab"));
    }
}
