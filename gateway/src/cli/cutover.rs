//! `shadowgate cutover sign --strategy S --by NAME [--note …] [--out DIR]`: the sign-off,
//! refused (exit status 1, the blocking reasons printed) unless the strategy is ready; when it
//! is, its evidence is appended to the audit trail and the report written as HTML and JSON.
//! `shadowgate cutover list [--strategy S]`: every sign-off with the cutover it was signed for
//! and the routing change it approved, in that change's own direction (either engine of a
//! sign-off may be left live, so a rollback reads the reverse), as `GET /api/v1/cutover/signoffs`
//! and the page say it.
//!
//! As `groups set`: a stopped gateway's store is signed in this process with `--config FILE`
//! (the evidence names the config's hash and rules, so a bare `--store` is not enough); a
//! running gateway holds the store, so with `--from` the sign-off goes through its admin API
//! (`POST /api/v1/cutover/sign`, token included) and is judged by the config it runs. With a
//! fleet's config (`backend = "postgres"`) readiness is judged on the fleet's counters and groups,
//! as the report and the running gateway judge it; the sign-off stays in this gateway's trail.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand};
use http::Method;
use jiff::tz::TimeZone;

use super::remote::Remote;
use super::review::SourceArgs;
use super::source;
use crate::config;
use crate::cutover::{sign, signoffs, write_report, Evidence, SignOff, SignRequest};
use crate::review::{plural, ReviewView};
use crate::store::{parse_rfc3339, Clock, Reader, SystemClock};

/// `shadowgate cutover …`.
#[derive(Debug, Clone, Subcommand)]
pub enum CutoverCommand {
    /// Sign a strategy's cutover: refused unless ready and no group on a critical field is
    /// open; records the evidence in the audit trail and writes the report (HTML and JSON).
    Sign(SignArgs),
    /// List the sign-offs: the cutover each was signed for and the routing change it approved,
    /// in that change's own direction.
    List(CutoverListArgs),
}

/// `shadowgate cutover list`.
#[derive(Debug, Clone, Args)]
pub struct CutoverListArgs {
    /// Where: a running gateway (--from), a stopped one's config (--config) or store (--store).
    #[command(flatten)]
    pub source: SourceArgs,
    /// Only this strategy's sign-offs.
    #[arg(long)]
    pub strategy: Option<String>,
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

/// Runs `cutover sign` or `cutover list`, writing what it did or found to `out`.
pub fn run_cutover(command: &CutoverCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        CutoverCommand::Sign(args) => run_sign(args, out),
        CutoverCommand::List(args) => run_list(args, out),
    }
}

/// `cutover sign`.
fn run_sign(args: &SignArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let request = SignRequest {
        strategy: args.strategy.clone(),
        by: args.by.clone(),
        note: args.note.clone(),
    };
    let (signoff, view) = match (&args.source.from, &args.source.config) {
        (Some(url), _) => remote(url, &args.source, &request)?,
        (None, Some(file)) => {
            let config = config::load_without_secrets(file)?;
            let admin = source::admin_address(&config);
            let remedy = source::Remedy::from(admin);
            let store = args.source.store.as_deref();
            let (reader, _) = source::open_triage(&config.store, admin, store, &remedy)?;
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

/// `cutover list`: the sign-offs of a running gateway (`GET /api/v1/cutover/signoffs`) or of a
/// stopped one's store, times in the review zone.
fn run_list(args: &CutoverListArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let given = &args.source;
    let (all, view, place): (Vec<SignOff>, _, _) = match (&given.from, &given.config) {
        (Some(url), _) => {
            let api = api(url, given)?;
            let path = "/api/v1/cutover/signoffs";
            let answer = api.call(Method::GET, path, None)?;
            let all = serde_json::from_value(answer["signoffs"].clone())?;
            (
                all,
                api.view_or_utc(),
                format!("{}{path}", url.trim_end_matches('/')),
            )
        }
        (None, config) => {
            let (reader, place, view) = match (&given.store, config) {
                (store, Some(file)) => {
                    let config = config::load_without_secrets(file)?;
                    let admin = source::admin_address(&config);
                    let remedy = source::Remedy::from(admin);
                    let (reader, place) =
                        source::open_triage(&config.store, admin, store.as_deref(), &remedy)?;
                    (reader, place, config.review.clone())
                }
                (Some(store), None) => {
                    let reader = Reader::open(store)
                        .map_err(|e| source::store_error(e, &source::from(None)))?;
                    let place = format!("store {}", store.display());
                    (reader, place, ReviewView::default())
                }
                (None, None) => bail!("say where: --store DIR, --config FILE or --from URL"),
            };
            let all = signoffs(&reader).map_err(|e| anyhow!(e.to_string()))?;
            (all, view, place)
        }
    };
    let strategy = args.strategy.as_deref();
    let shown: Vec<&SignOff> = all
        .iter()
        .filter(|s| strategy.is_none_or(|name| s.evidence.strategy == name))
        .collect();
    write_list(out, &shown, &view, &place, strategy)?;
    Ok(())
}

/// Each sign-off in two lines: its entry, strategy, who and when; then the cutover it was signed
/// for and what it approved ([`SignOff::sentence`]). None: says so and where it looked.
fn write_list(
    out: &mut dyn Write,
    shown: &[&SignOff],
    view: &ReviewView,
    place: &str,
    strategy: Option<&str>,
) -> std::io::Result<()> {
    if shown.is_empty() {
        let of = strategy.map(|s| format!(" of {s}")).unwrap_or_default();
        return writeln!(out, "no cutover sign-off{of} recorded in {place}");
    }
    super::text::zone_line(out, view)?;
    for s in shown {
        writeln!(
            out,
            "  #{} {} {}, signed by {} at {}",
            s.seq,
            s.hash.get(..12).unwrap_or(&s.hash),
            s.evidence.strategy,
            s.evidence.signed_by,
            view.time(s.time_micros)
        )?;
        writeln!(out, "    {}", s.sentence())?;
    }
    Ok(())
}

/// The admin API at `url`, with the token `source` names.
fn api(url: &str, source: &SourceArgs) -> anyhow::Result<Remote> {
    Remote::with_token_env(url, source.token_env.as_deref())
}

/// Signs through the admin API; the answer names the gateway's review zone, the report's.
fn remote(
    url: &str,
    source: &SourceArgs,
    request: &SignRequest,
) -> anyhow::Result<(SignOff, ReviewView)> {
    let api = api(url, source)?;
    let body = serde_json::to_vec(request)?;
    let answer = match api.call(Method::POST, "/api/v1/cutover/sign", Some(body)) {
        Ok(answer) => answer,
        // The refusal keeps the API's UTC times; the text shows them in the gateway's zone.
        Err(refused) => bail!(api.view_or_utc().in_zone(&format!("{refused:#}"))),
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

    /// A sign-off signed for legacy → next that approved the change back: the list says the
    /// cutover it reads as and the direction of the change it approved; one not used yet says so.
    #[test]
    fn a_signoff_is_listed_with_the_direction_of_the_change_it_approved() {
        use crate::cutover::{Direction, RoutingChange, SignOffUse};
        let back = RoutingChange {
            strategy: "loan".into(),
            live_before: "next".into(),
            live_after: "legacy".into(),
            shadow_before: Some("legacy".into()),
            shadow_after: Some("next".into()),
            signoff: Some(3),
            signed_by: Some("choi".into()),
            unsigned_because: None,
            live_moved: None,
            shadow_moved: None,
            live_before_at: None,
            live_after_at: None,
            shadow_before_at: None,
            shadow_after_at: None,
        };
        let used = SignOff {
            seq: 3,
            hash: "ab".repeat(32),
            prev_hash: "cd".repeat(32),
            time_micros: 1_795_996_800_000_000,
            evidence: Evidence::sample("CAB-1"),
            used_by: Some(SignOffUse {
                seq: 7,
                action: "reload".into(),
                instance: None,
                change: back,
                direction: Direction::Reverse,
            }),
            uses: Vec::new(),
        };
        let unused = SignOff {
            seq: 9,
            used_by: None,
            ..used.clone()
        };
        let view = ReviewView {
            zone: TimeZone::get("Asia/Seoul").unwrap(),
            chart_days: 14,
        };
        let mut out = Vec::new();
        write_list(&mut out, &[&used, &unused], &view, "store s", None).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Times in Asia/Seoul\n  \
             #3 abababababab loan, signed by choi<b> at 2026-11-30 09:00:00 +09:00\n    \
             signed for live legacy → next; used by audit entry #7 (reload): live next → legacy, \
             shadow legacy → next (the reverse of the cutover signed)\n  \
             #9 abababababab loan, signed by choi<b> at 2026-11-30 09:00:00 +09:00\n    \
             signed for live legacy → next; not used by a routing change yet\n"
        );
        let mut out = Vec::new();
        write_list(&mut out, &[], &view, "store s", Some("card")).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "no cutover sign-off of card recorded in store s\n"
        );
    }
}
