//! `shadowgate groups list|show|set` (triage of mismatch groups) and `shadowgate audit
//! list|verify` (the hash-chained audit trail).
//!
//! A stopped gateway's store is read and changed in this process (`--store`, `--config`); a
//! running gateway holds the store (sled locks it), so with `--from` every call goes through its
//! admin API, token included (`--token-env`). Triage and the audit trail are each gateway's own;
//! with a fleet's config (`backend = "postgres"`) the groups they triage are the fleet's.

mod api;
mod args;
mod place;
#[cfg(test)]
mod tests;
mod text;

use std::io::Write;

use anyhow::{anyhow, Context};
use http::Method;

use self::api::{Listed, Trail};
pub use self::args::{AuditCommand, GroupArgs, GroupsCommand, GroupsListArgs, GroupsSetArgs};
use self::place::Where;
use self::text::{print_entries, write_list};
use crate::admin::encode_param;
use crate::review::{plural, Policies};
use crate::store::{Clock, SystemClock};
use crate::triage::{verify, Change};

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
    crate::cli::text::zone_line(out, &view)?;
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
        // The CLI changes what the gateway has now, as a script does: not checked.
        seen_updated_micros: None,
    };
    // A refusal's times (who changed the group meanwhile, and when) in the review's zone, as
    // the CLI's text writes every time; a running gateway's zone is asked for only then.
    let triage = match Where::open(&args.group.source)? {
        Where::Local(book, policies, view, _) => {
            let rules = rule_names(&policies, &change.strategy);
            book.set(&change, rules.as_deref(), now())
                .map_err(|e| anyhow!(view.in_zone(&e.to_string())))?
        }
        Where::Remote(api) => {
            let body = serde_json::to_vec(&change)?;
            let answer = api
                .call(Method::POST, "/api/v1/triage", Some(body))
                .map_err(|e| anyhow!(api.view_or_utc().in_zone(&format!("{e:#}"))))?;
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
            crate::cli::text::zone_line(out, &view)?;
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
