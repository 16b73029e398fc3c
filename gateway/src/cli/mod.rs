//! Command-line subcommands that are more than glue: the review commands `report` and
//! `mismatches list|show`, and `layout import`. `main.rs` parses with clap and calls the `run`
//! functions here.
//!
//! # Layout
//! - `layout`: `layout import`, a layout file from COBOL copybooks.
//! - `review`: the clap arguments and run functions of `report` and `mismatches`.
//! - `source`: where the review reads from: a store directory, a config, or a running gateway.
//! - `remote`: a small client for a running gateway's admin API.
//! - `text`: the report as text; `list`: `mismatches list` as a table or CSV; `show`: one
//!   record as text (`mismatches show`).
//! - `table`: fixed-width tables whose columns fit their widest cell, in terminal columns.
//! - `daily`: the `report --daily` tables.
//! - `frame`: `decode` and `encode` of one frame (control frames, `--message`).
//! - `json`: JSON rendering with one time format (RFC 3339).
//! - `groups`: `groups list|show|set` (triage) and `audit list|verify`.
//! - `reconcile`: `reconcile --config FILE`, a batch reconciliation; `batch`: its text.
//! - `noise`: the report's noise groups and their suggested `ignore` rules.
//! - `replay`: `replay`, stored cases sent to an engine again and judged.
//! - `suppressed`: the report's per-day suppression by rule.
//! - `cutover`: `cutover sign`, the sign-off with its evidence and report; `cutover list`.
//! - `fleet`: the review of a fleet's PostgreSQL database, with its per-instance breakdown.

mod batch;
mod cutover;
mod daily;
mod fleet;
pub mod frame;
mod groups;
mod json;
pub(crate) mod layout;
mod list;
mod noise;
mod reconcile;
mod remote;
mod replay;
mod review;
mod show;
mod source;
mod suppressed;
pub mod table;
pub(crate) mod text;

pub use self::cutover::{run_cutover, CutoverCommand, CutoverListArgs, SignArgs};
pub use self::groups::{
    run_audit, run_groups_list, run_groups_set, run_groups_show, AuditCommand, GroupArgs,
    GroupsCommand, GroupsListArgs, GroupsSetArgs,
};
pub use self::layout::{run_import, ImportArgs, LayoutCommand};
pub use self::reconcile::{
    run_reconcile, Finished, ReconcileArgs, EXIT_BAD_ROWS, EXIT_NOT_MATCHING,
};
pub use self::replay::{run_replay, NotFixed, NotReplayed, ReplayArgs, Skipped, EXIT_NOT_REPLAYED};
pub use self::review::{
    run_list, run_report, run_show, Format, ListArgs, ListFormat, MismatchesCommand, ReportArgs,
    ShowArgs, SourceArgs,
};
pub use self::source::{JudgedBy, Source};
