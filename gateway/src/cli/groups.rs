//! `shadowgate groups list|show|set` (triage of mismatch groups) and `shadowgate audit
//! list|verify` (the hash-chained audit trail).
//!
//! A stopped gateway's store is read and changed in this process (`--store`, `--config`); a
//! running gateway holds the store (sled locks it), so with `--from` every call goes through its
//! admin API, token included (`--token-env`).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use super::review::SourceArgs;
use super::table::{self, Align};
use crate::admin::encode_param;
use crate::config;
use crate::review::{plural, policies, Policies, ReviewView};
use crate::store::{Clock, Reader, SystemClock};
use crate::triage::{verify, AuditEntry, Change, GroupTriage, TriageBook, TriageState};
use anyhow::{anyhow, bail, Context};
use bytes::Bytes;
use clap::{Args, Subcommand};
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde_json::Value;

/// How long one admin API call may take.
const DEADLINE: Duration = Duration::from_secs(30);

/// `shadowgate groups …`.
#[derive(Debug, Clone, Subcommand)]
pub enum GroupsCommand {
    /// A strategy's mismatch groups with their triage state, most frequent first.
    List(GroupsListArgs),
    /// One group: its triage and its audit trail.
    Show(GroupArgs),
    /// Change a group's triage (state, assignee, note, link, rule); audited with --by.
    Set(GroupsSetArgs),
}

/// `shadowgate audit …`.
#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// Every audit entry, oldest first.
    List(SourceArgs),
    /// Check the hash chain; fails naming the first altered, removed or inserted entry.
    Verify(SourceArgs),
}

/// `shadowgate groups list`.
#[derive(Debug, Clone, Args)]
pub struct GroupsListArgs {
    /// Where to read.
    #[command(flatten)]
    pub source: SourceArgs,
    /// The strategy.
    #[arg(long)]
    pub strategy: String,
}

/// `shadowgate groups show`.
#[derive(Debug, Clone, Args)]
pub struct GroupArgs {
    /// Where to read.
    #[command(flatten)]
    pub source: SourceArgs,
    /// The strategy.
    #[arg(long)]
    pub strategy: String,
    /// The group's signature (16 hex digits, as `report` shows it).
    #[arg(long)]
    pub signature: String,
}

/// `shadowgate groups set`.
#[derive(Debug, Clone, Args)]
pub struct GroupsSetArgs {
    /// The group.
    #[command(flatten)]
    pub group: GroupArgs,
    /// Who makes the change (recorded in the audit trail).
    #[arg(long, value_name = "NAME")]
    pub by: String,
    /// new, investigating, fix_deployed, verified, accepted_difference or not_a_defect.
    #[arg(long)]
    pub state: Option<TriageState>,
    /// Who works on the group.
    #[arg(long)]
    pub assignee: Option<String>,
    /// A note, kept in the audit trail.
    #[arg(long)]
    pub note: Option<String>,
    /// A link to the ticket.
    #[arg(long)]
    pub link: Option<String>,
    /// For accepted_difference: the rule that now covers it, as `report` names it
    /// (`ignore body.note`).
    #[arg(long)]
    pub rule: Option<String>,
}

#[derive(Deserialize)]
struct Listed {
    groups: Vec<GroupTriage>,
}

#[derive(Deserialize)]
struct Trail {
    entries: Vec<AuditEntry>,
}

/// `groups list`.
pub fn run_groups_list(args: &GroupsListArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let groups = match Where::open(&args.source)? {
        Where::Local(book, _, _, _) => book
            .list(&args.strategy, now())
            .map_err(|e| anyhow!(e.list_text()))?,
        Where::Remote(api) => {
            let path = format!("/api/v1/triage?strategy={}", encode_param(&args.strategy));
            serde_json::from_value::<Listed>(api.call(Method::GET, &path, None)?)?.groups
        }
    };
    write_list(out, &groups)?;
    Ok(())
}

/// The groups as a table whose columns are as wide as their widest cell (header included), in
/// terminal columns: signatures (`shadow_error/connect`), states and assignees (Hangul names)
/// have no fixed width.
fn write_list(out: &mut dyn Write, groups: &[GroupTriage]) -> std::io::Result<()> {
    let header = ["signature", "count", "state", "assignee", "fields"].map(str::to_owned);
    let rows = groups.iter().map(|g| {
        let reopened = if g.triage.reopened { " (reopened)" } else { "" };
        [
            g.group.signature.clone(),
            g.group.count.to_string(),
            format!("{}{reopened}", g.triage.state),
            g.triage.assignee.clone().unwrap_or_else(|| "-".to_owned()),
            g.group.differing_paths.join(", "),
        ]
    });
    let rows: Vec<[String; 5]> = std::iter::once(header).chain(rows).collect();
    let (left, right) = (Align::Left, Align::Right);
    for line in table::lines(&rows, [left, right, left, left, left]) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// `groups show`.
pub fn run_groups_show(args: &GroupArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let place = Where::open(&args.source)?;
    let view = place.view();
    let (group, entries) = match place {
        Where::Local(book, _, _, _) => book
            .show(&args.strategy, &args.signature, now())?
            .ok_or_else(|| anyhow!("no group {}/{}", args.strategy, args.signature))?,
        Where::Remote(api) => {
            let path = format!("/api/v1/triage?strategy={}", encode_param(&args.strategy));
            let listed: Listed = serde_json::from_value(api.call(Method::GET, &path, None)?)?;
            let group = listed
                .groups
                .into_iter()
                .find(|g| g.group.signature == args.signature)
                .ok_or_else(|| anyhow!("no group {}/{}", args.strategy, args.signature))?;
            let trail: Trail =
                serde_json::from_value(api.call(Method::GET, "/api/v1/audit", None)?)?;
            let subject = format!("{}/{}", args.strategy, args.signature);
            let entries = trail
                .entries
                .into_iter()
                .filter(|e| e.subject == subject)
                .collect();
            (group, entries)
        }
    };
    let t = &group.triage;
    writeln!(
        out,
        "group {}/{}: {}",
        t.strategy,
        t.signature,
        plural(group.group.count, "mismatch")
    )?;
    writeln!(out, "  fields: {}", group.group.differing_paths.join(", "))?;
    match t.reopened_after() {
        Some(from) => writeln!(
            out,
            "  state: {} (reopened by itself after {from})",
            t.state
        )?,
        None => writeln!(out, "  state: {}", t.state)?,
    }
    for (name, value) in [
        ("assignee", &t.assignee),
        ("note", &t.note),
        ("link", &t.link),
        ("rule", &t.rule),
    ] {
        if let Some(value) = value {
            writeln!(out, "  {name}: {value}")?;
        }
    }
    writeln!(out, "\naudit trail:")?;
    super::text::zone_line(out, &view)?;
    print_entries(&entries, &view, out)
}

/// `groups set`.
pub fn run_groups_set(args: &GroupsSetArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let change = Change {
        strategy: args.group.strategy.clone(),
        signature: args.group.signature.clone(),
        by: args.by.clone(),
        state: args.state,
        assignee: args.assignee.clone(),
        note: args.note.clone(),
        link: args.link.clone(),
        rule: args.rule.clone(),
    };
    let triage = match Where::open(&args.group.source)? {
        Where::Local(book, policies, _, _) => {
            let rules = rule_names(&policies, &change.strategy);
            book.set(&change, rules.as_deref(), now())?
        }
        Where::Remote(api) => {
            let body = serde_json::to_vec(&change)?;
            let answer = api.call(Method::POST, "/api/v1/triage", Some(body))?;
            serde_json::from_value(answer["triage"].clone())?
        }
    };
    writeln!(
        out,
        "group {}/{}: {} (by {})",
        triage.strategy, triage.signature, triage.state, triage.updated_by
    )?;
    Ok(())
}

/// `audit list` and `audit verify`.
pub fn run_audit(command: &AuditCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    let (AuditCommand::List(source) | AuditCommand::Verify(source)) = command;
    let place = Where::open(source)?;
    let view = place.view();
    let trail = place.place();
    let entries = match place {
        Where::Local(book, _, _, _) => book.audit()?,
        Where::Remote(api) => {
            serde_json::from_value::<Trail>(api.call(Method::GET, "/api/v1/audit", None)?)?.entries
        }
    };
    match command {
        AuditCommand::List(_) if entries.is_empty() => {
            // Said, not left as a zone line alone: an empty list reads as a command that failed.
            writeln!(
                out,
                "the audit trail in {trail} is empty: no triage change, start, reload or \
                 cutover sign-off recorded yet"
            )?;
            Ok(())
        }
        AuditCommand::List(_) => {
            super::text::zone_line(out, &view)?;
            print_entries(&entries, &view, out)
        }
        AuditCommand::Verify(_) => {
            verify(&entries).context("the audit trail does not verify")?;
            writeln!(
                out,
                "audit trail verified: {}, hash chain intact",
                plural(entries.len() as u64, "entry")
            )?;
            Ok(())
        }
    }
}

/// One line per audit entry: its number and its own hash's first 12 hex digits (as the page
/// shortens them; `audit verify` and `GET /api/v1/audit` give the whole), its time in `view`'s
/// zone, who, what, the change and the note.
fn print_entries(
    entries: &[AuditEntry],
    view: &ReviewView,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    for e in entries {
        let mut line = format!(
            "  #{} {} {} {} {}",
            e.seq,
            e.hash.get(..12).unwrap_or(&e.hash),
            view.time(e.time_micros),
            e.by,
            e.subject
        );
        if let Some(step) = step(e) {
            line.push(' ');
            line.push_str(&step);
        }
        if let Some(note) = &e.note {
            line.push_str(&format!(" ({note})"));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// What an entry changed, `from → to`: states for triage, config SHA-256s for a reload or a
/// start. The first `start` on a store has no `from` (no config was recorded before it) and reads
/// `none → SHA`, so its config's hash is printed as every later start's and reload's is; an entry
/// with only `from` (a sign-off of a strategy without a shadow) prints that.
fn step(entry: &AuditEntry) -> Option<String> {
    match (&entry.from, &entry.to) {
        (Some(from), Some(to)) => Some(format!("{from} → {to}")),
        (None, Some(to)) => Some(format!("none → {to}")),
        (Some(from), None) => Some(from.clone()),
        (None, None) => None,
    }
}

fn now() -> u64 {
    SystemClock.now_micros()
}

/// The strategy's rule names (`ignore body.note`), when the config is known.
fn rule_names(policies: &Policies, strategy: &str) -> Option<Vec<String>> {
    let policy = policies.get(strategy)?;
    Some(
        policy
            .rules
            .suppressing_rules()
            .map(ToString::to_string)
            .collect(),
    )
}

/// Where the triage is: a store in this process (with how its config shows times), or a running
/// gateway.
enum Where {
    /// The store, its policies and zone, and the store's directory.
    Local(TriageBook, Policies, ReviewView, PathBuf),
    Remote(Api),
}

impl Where {
    /// Where the audit trail is, for people: the store's directory or the gateway's route.
    fn place(&self) -> String {
        match self {
            Self::Local(_, _, _, path) => format!("store {}", path.display()),
            Self::Remote(api) => format!("{}/api/v1/audit", api.base),
        }
    }

    /// How times are shown, as the review commands show them ([`super::source::Source::view`]):
    /// the config's `[review] time_zone`, the zone a running gateway reports (`time_zone` of
    /// `/api/v1/daily`; UTC from a gateway that does not say), or UTC for a bare store.
    fn view(&self) -> ReviewView {
        match self {
            Self::Local(_, _, view, _) => view.clone(),
            Self::Remote(api) => api.view(),
        }
    }

    fn open(args: &SourceArgs) -> anyhow::Result<Self> {
        if let Some(url) = &args.from {
            let token = match &args.token_env {
                None => None,
                Some(var) => Some(std::env::var(var).with_context(|| {
                    format!("--token-env: environment variable {var} is not set")
                })?),
            };
            return Ok(Self::Remote(Api::new(url, token)?));
        }
        let (path, policies, view, admin) = match (&args.store, &args.config) {
            (store, Some(file)) => {
                let config = config::load_without_secrets(file)?;
                let path = store.clone().unwrap_or_else(|| config.store.path.clone());
                let admin = super::source::admin_address(&config);
                (path, policies(&config), config.review.clone(), admin)
            }
            (Some(store), None) => (store.clone(), Policies::new(), ReviewView::default(), None),
            (None, None) => bail!("say where: --store DIR, --config FILE or --from URL"),
        };
        let remedy = super::source::from(admin);
        let reader = Reader::open(&path).map_err(|e| super::source::store_error(e, &remedy))?;
        let book = TriageBook::new(reader).refusing_unknown(policies.keys().map(String::as_str));
        Ok(Self::Local(book, policies, view, path))
    }
}

/// The admin API of a running gateway, for triage calls (GET and POST with a JSON body).
pub(super) struct Api {
    base: String,
    token: Option<String>,
    runtime: tokio::runtime::Runtime,
}

impl Api {
    pub(super) fn new(url: &str, token: Option<String>) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        Ok(Self {
            base: url.trim_end_matches('/').to_owned(),
            token,
            runtime,
        })
    }

    /// The review zone the gateway reports (`time_zone` of `/api/v1/daily`); UTC from a gateway
    /// that does not say.
    pub(super) fn view(&self) -> ReviewView {
        self.call(Method::GET, "/api/v1/daily", None)
            .ok()
            .and_then(|daily| ReviewView::named(daily["time_zone"].as_str()?))
            .unwrap_or_default()
    }

    /// Calls `path`; the JSON answer, or the server's error message as an error.
    pub(super) fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut request = Request::builder().method(method).uri(url.as_str());
        if let Some(token) = &self.token {
            request = request.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header(http::header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .with_context(|| format!("{url}: invalid request"))?;
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let call = async {
            let response = client.request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, anyhow::Error>((status, body))
        };
        let (status, body) = self
            .runtime
            .block_on(async { tokio::time::timeout(DEADLINE, call).await })
            .map_err(|_| anyhow!("{url}: no answer within {}s", DEADLINE.as_secs()))?
            .with_context(|| format!("{url}: request failed"))?;
        let value: Value = serde_json::from_slice(&body)
            .map_err(|_| anyhow!("{url}: {status}: the answer is not the admin API's JSON"))?;
        if !status.is_success() {
            let message = value["error"].as_str().unwrap_or("no message");
            bail!("{url}: {status}: {message}");
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr;

    use super::*;
    use crate::store::Group;
    use crate::triage::Triage;

    fn group(signature: &str, count: u64, state: TriageState, assignee: &str) -> GroupTriage {
        GroupTriage {
            group: Group {
                signature: signature.into(),
                count,
                differing_paths: vec!["body.grade".into()],
                ..Group::default()
            },
            triage: Triage {
                state,
                assignee: Some(assignee.into()),
                ..Triage::default()
            },
        }
    }

    #[test]
    fn columns_stay_aligned_with_a_long_signature_and_a_hangul_assignee() {
        let groups = [
            group("3cc4d5940b0b32de", 12, TriageState::New, "kim.j"),
            group(
                "shadow_error/connect",
                1_234_567_890,
                TriageState::AcceptedDifference,
                "김지훈",
            ),
        ];
        let mut out = Vec::new();
        write_list(&mut out, &groups).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        // Each column starts at the same terminal column on every line.
        let column_of = |line: &str, cell: &str| line[..line.find(cell).unwrap()].width();
        for (header, cells) in [
            ("count", ["12", "1234567890"]),
            ("state", ["new", "accepted_difference"]),
            ("assignee", ["kim.j", "김지훈"]),
            ("fields", ["body.grade", "body.grade"]),
        ] {
            let at = column_of(lines[0], header);
            let ends: Vec<usize> = [lines[1], lines[2]]
                .iter()
                .zip(cells)
                .map(|(line, cell)| column_of(line, cell))
                .collect();
            if header == "count" {
                // Right-aligned: the numbers end where the header ends.
                let end = at + header.len();
                assert_eq!(ends, [end - 2, end - 10], "{text}");
            } else {
                assert_eq!(ends, [at, at], "{header}: {text}");
            }
        }
    }

    #[test]
    fn every_entry_prints_what_it_changed_a_first_start_from_none() {
        let entry =
            |seq, action: &str, from: Option<&str>, to: Option<&str>, note: &str| AuditEntry {
                seq,
                time_micros: 0,
                by: "shadowgate".into(),
                action: action.into(),
                subject: "config shadowgate.toml".into(),
                from: from.map(Into::into),
                to: to.map(Into::into),
                note: Some(note.into()),
                evidence: None,
                prev_hash: String::new(),
                hash: format!("{seq:x}{}", "0".repeat(63)),
            };
        let entries = [
            entry(
                1,
                "start",
                None,
                Some("aa11"),
                "start: first config recorded on this store",
            ),
            entry(
                2,
                "reload",
                Some("aa11"),
                Some("bb22"),
                "reload: no routing change",
            ),
            entry(
                3,
                "start",
                Some("bb22"),
                Some("cc33"),
                "start: no routing change",
            ),
            entry(4, "cutover_sign", Some("live legacy"), None, "CAB-1"),
        ];
        let mut out = Vec::new();
        print_entries(&entries, &ReviewView::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let at = "1970-01-01 00:00:00 +00:00 shadowgate config shadowgate.toml";
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                format!(
                    "  #1 100000000000 {at} none → aa11 (start: first config recorded on this \
                     store)"
                ),
                format!("  #2 200000000000 {at} aa11 → bb22 (reload: no routing change)"),
                format!("  #3 300000000000 {at} bb22 → cc33 (start: no routing change)"),
                format!("  #4 400000000000 {at} live legacy (CAB-1)"),
            ]
        );
    }

    #[test]
    fn audit_times_are_in_the_review_zone() {
        let entry = AuditEntry {
            seq: 1,
            // 2026-11-30T22:12:03Z: the next day in Seoul.
            time_micros: 1_796_076_723_000_000,
            by: "kim.j".into(),
            action: "triage".into(),
            subject: "loan-screening/3cc4d5940b0b32de".into(),
            from: Some("new".into()),
            to: Some("investigating".into()),
            note: None,
            evidence: None,
            prev_hash: String::new(),
            hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        };
        let seoul = ReviewView::named("Asia/Seoul").unwrap();
        let mut out = Vec::new();
        print_entries(std::slice::from_ref(&entry), &seoul, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("#1 9f86d081884c 2026-12-01 07:12:03 +09:00 kim.j"),
            "{text}"
        );
        let mut out = Vec::new();
        print_entries(&[entry], &ReviewView::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("2026-11-30 22:12:03 +00:00"), "{text}");
    }
}
