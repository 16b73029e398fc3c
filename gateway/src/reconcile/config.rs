//! The reconcile file as written (`shadowgate reconcile --config RECONCILE.toml`), before
//! validation: two sources, a mapping per source, the key and the rules.
//!
//! [`super::load`] turns it into a [`super::Spec`] that cannot be invalid.

use std::path::PathBuf;

use protocol_mci::MaskKind;
use serde::Deserialize;

/// A whole reconcile file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconcileConfig {
    /// What this reconciliation is called in the store and the report (e.g. `borrower-review`).
    pub name: String,
    /// Target field paths that identify a row on both sides (one or more).
    pub key: Vec<String>,
    /// A strategy of `gateway_config` whose comparison rules and readiness thresholds apply.
    #[serde(default)]
    pub strategy: Option<String>,
    /// The gateway config holding `strategy` (relative to this file).
    #[serde(default)]
    pub gateway_config: Option<PathBuf>,
    /// Rules written here instead of a strategy's.
    #[serde(default)]
    pub rules: Option<comparator::RulesConfig>,
    /// Examples kept per group (masked). Default 3.
    #[serde(default = "default_examples")]
    pub examples_per_group: usize,
    /// Memory the external sort may hold before it spills a run to a temp file, in MiB.
    /// Default 64.
    #[serde(default = "default_sort_memory")]
    pub sort_memory_mib: usize,
    /// Where sorted runs are spilled (default: the system's temp directory).
    #[serde(default)]
    pub temp_dir: Option<PathBuf>,
    /// The legacy system's output.
    pub legacy: SourceConfig,
    /// The new system's output.
    pub new: SourceConfig,
}

/// One side's rows: where they come from and how they map to the shared JSON shape.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// `fixed`, `csv`, `jsonl` or `postgres`.
    pub kind: SourceKind,
    /// The file (fixed, csv, jsonl), relative to the reconcile file.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Layout file of a fixed-length record file.
    #[serde(default)]
    pub layout: Option<PathBuf>,
    /// The layout's message (`[messages.NAME]`) every record is decoded as.
    #[serde(default)]
    pub message: Option<String>,
    /// Which body of the message the records hold: `response` (default) or `request`.
    #[serde(default)]
    pub direction: Option<DirectionConfig>,
    /// How fixed-length records follow each other: `newline` (default) or `back_to_back`.
    #[serde(default)]
    pub records: Option<RecordsConfig>,
    /// CSV field delimiter, one ASCII character (default `,`).
    #[serde(default)]
    pub delimiter: Option<String>,
    /// The charset of a `csv` or `jsonl` file: `utf-8` (default), `cp949` or `euc-kr`.
    #[serde(default)]
    pub charset: Option<String>,
    /// `postgres://user@host:port/db`.
    #[serde(default)]
    pub url: Option<String>,
    /// The SQL query of a `postgres` source; add `ORDER BY` the key (`COLLATE "C"` on text) to
    /// avoid the external sort.
    #[serde(default)]
    pub query: Option<String>,
    /// Deadline of each wait on the database (connect, next rows), in milliseconds. Default 30000.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// `check` (default): merged while in key order, sorted when found out of order;
    /// `unsorted`: sorted in temp files first.
    #[serde(default)]
    pub order: Option<OrderConfig>,
    /// Column → target field, one entry per field.
    pub fields: Vec<FieldConfig>,
}

/// Where one target field comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldConfig {
    /// Target path in the shared shape (`decision`, `offer.rate`).
    pub path: String,
    /// The source's column: a CSV header, a JSON Lines path, a SQL column, or a path in the
    /// decoded record (`body.cust_no`). Default: `path`.
    #[serde(default)]
    pub column: Option<String>,
    /// `text` (default), `decimal`, `integer` or `date`.
    #[serde(default, rename = "type")]
    pub kind: Option<FieldType>,
    /// A `jiff` strptime format of a `date` (default: `YYYY-MM-DD` or `YYYYMMDD`).
    #[serde(default)]
    pub format: Option<String>,
    /// How the value is masked in examples (`rrn`, `account`, `name`, `full`); fixed-length
    /// fields marked in the layout are masked without it.
    #[serde(default)]
    pub mask: Option<MaskKind>,
}

/// Kinds of source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Fixed-length records read with a layout.
    Fixed,
    /// CSV with a header line.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// A PostgreSQL query.
    Postgres,
}

/// Types of a target field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// A string as found.
    #[default]
    Text,
    /// An exact decimal number (never `f64`).
    Decimal,
    /// A whole number.
    Integer,
    /// A calendar date, compared as `YYYY-MM-DD`.
    Date,
}

/// `direction` of a fixed-length source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectionConfig {
    /// Request bodies.
    Request,
    /// Response bodies.
    Response,
}

/// `records` of a fixed-length source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordsConfig {
    /// Each record ends with `\n` (or `\r\n`), as host batch files transferred as text.
    Newline,
    /// Records of the layout's fixed size, one after the other.
    BackToBack,
}

/// `order` of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderConfig {
    /// Checked while reading.
    Check,
    /// Declared unsorted: sorted first.
    Unsorted,
}

fn default_examples() -> usize {
    3
}

fn default_sort_memory() -> usize {
    64
}
