//! The clap arguments of `groups list|show|set` and `audit list|verify`.

use clap::{Args, Subcommand};

use crate::cli::review::SourceArgs;
use crate::triage::TriageState;

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
