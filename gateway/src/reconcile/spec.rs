//! The reconcile file validated: sources opened enough to know they can be read (layouts
//! loaded, key types agreeing on both sides), rules built, every problem reported at once.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use protocol_mci::charset::Charset;
use protocol_mci::{Direction, Layout, MaskKind};

use super::config::ReconcileConfig;
use super::error::{ReconcileError, ReconcileErrorKind};
use super::key::KeySpec;
use super::mapping::Mapping;
use super::validate;
use crate::review::ReadinessConfig;

/// Which system a row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The legacy system (live until cutover).
    Legacy,
    /// The new system.
    New,
}

impl Side {
    /// `legacy` or `new`, as in the reconcile file.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Legacy => "legacy",
            Side::New => "new",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where one side's rows come from.
#[derive(Debug, Clone)]
pub enum Input {
    /// Fixed-length records decoded with a layout.
    Fixed {
        /// The file.
        path: PathBuf,
        /// The layout (`prefix = "none"`: every record has its fixed size).
        layout: Arc<Layout>,
        /// The message every record is.
        message: String,
        /// Request or response bodies.
        direction: Direction,
        /// Whether a newline follows each record.
        newline: bool,
    },
    /// CSV with a header line.
    Csv {
        /// The file.
        path: PathBuf,
        /// The field delimiter.
        delimiter: u8,
        /// The file's charset.
        charset: Charset,
    },
    /// JSON Lines.
    Jsonl {
        /// The file.
        path: PathBuf,
        /// The file's charset.
        charset: Charset,
    },
    /// A PostgreSQL query.
    Postgres {
        /// Connection URL.
        url: String,
        /// The query.
        query: String,
        /// Deadline of each wait.
        timeout: Duration,
    },
}

/// One validated side.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    /// Which side.
    pub side: Side,
    /// Where from.
    pub input: Input,
    /// How its columns map to the shared shape.
    pub mapping: Mapping,
    /// Declared unsorted (sort first) or checked while reading.
    pub presorted: bool,
}

/// A validated reconciliation.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Its name in the store and the report.
    pub name: String,
    /// The key fields.
    pub key: KeySpec,
    /// The comparison rules.
    pub rules: Arc<comparator::Rules>,
    /// Where the rules come from: `strategy NAME` or `inline`.
    pub rules_origin: String,
    /// Readiness thresholds (the strategy's, or the defaults).
    pub readiness: ReadinessConfig,
    /// Masks of target paths, for examples.
    pub masks: BTreeMap<String, MaskKind>,
    /// Examples kept per group.
    pub examples_per_group: usize,
    /// Bytes the external sort holds before spilling a run.
    pub sort_memory: usize,
    /// Where runs are spilled.
    pub temp_dir: PathBuf,
    /// The legacy side.
    pub legacy: SourceSpec,
    /// The new side.
    pub new: SourceSpec,
    /// Warnings about the inline rules (a pattern that reaches no mapped field), printed on
    /// stderr before the run; the run goes on.
    pub warnings: Vec<crate::config::Problem>,
    /// Bad rows (a value not of its type, a blank key, a short row) set aside before one more
    /// stops the run: `--max-bad-rows`, 0 (every bad row stops it) unless the CLI says more.
    pub max_bad_rows: u64,
}

impl SourceSpec {
    /// What the report calls this source: `csv new.csv`, `postgres SELECT …`.
    pub fn label(&self) -> String {
        match &self.input {
            Input::Fixed { path, message, .. } => format!("fixed {} ({message})", path.display()),
            Input::Csv { path, .. } => format!("csv {}", path.display()),
            Input::Jsonl { path, .. } => format!("jsonl {}", path.display()),
            // The query, not the URL: a URL may carry a password.
            Input::Postgres { query, .. } => format!("postgres {query}"),
        }
    }
}

/// Reads and validates a reconcile file.
pub fn load(path: &Path) -> Result<Spec, ReconcileError> {
    let context = format!("reconcile file {}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| ReconcileError::new(&context, e))?;
    let config = parse(&text)
        .map_err(|message| ReconcileError::new(&context, ReconcileErrorKind::Config(message)))?;
    let base = path.parent().unwrap_or(Path::new("."));
    build(config, &text, base).map_err(|problems| {
        ReconcileError::new(context, ReconcileErrorKind::Config(problems.join("\n")))
    })
}

/// The file's TOML as a [`ReconcileConfig`]; a value of the wrong type or an unknown variant is
/// said by its key in words, as `check-config` says it for the gateway's config (never serde's
/// `expected usize` or `unknown variant`), any other error as TOML says it.
fn parse(text: &str) -> Result<ReconcileConfig, String> {
    let document = toml::Deserializer::parse(text).map_err(|e| e.to_string())?;
    serde_path_to_error::deserialize(document).map_err(|e| {
        let key = e.path().to_string();
        crate::config::wrong_type_text(text, &key, e.inner(), crate::config::ranges::RECONCILE)
            .unwrap_or_else(|| e.inner().to_string())
    })
}

/// Validates a parsed file (`text` as read, to say where a rule is); paths are relative to
/// `base`. Every problem, each with its key.
pub fn build(config: ReconcileConfig, text: &str, base: &Path) -> Result<Spec, Vec<String>> {
    let mut problems = Vec::new();
    let legacy = validate::source(Side::Legacy, &config.legacy, base, &mut problems);
    let new = validate::source(Side::New, &config.new, base, &mut problems);
    let (rules, rules_origin, readiness) = validate::rules(&config, text, base, &mut problems);
    let key = validate::key(&config.key, legacy.as_ref(), new.as_ref(), &mut problems);
    let examples = crate::config::ranges::RECONCILE_EXAMPLES_PER_GROUP;
    if !examples.holds(config.examples_per_group) {
        problems.push(format!(
            "examples_per_group: expected {}, found {}",
            examples.says(),
            config.examples_per_group
        ));
    }
    let (Some(mut legacy), Some(mut new), Some(rules), Some(key), true) =
        (legacy, new, rules, key, problems.is_empty())
    else {
        return Err(problems);
    };
    legacy.mapping.mark_key(&config.key);
    new.mapping.mark_key(&config.key);
    let mut warnings = validate::layout_warnings(&config, text, &legacy, &new);
    warnings.extend(validate::rule_warnings(&config, text, &legacy, &new));
    let mut masks = BTreeMap::new();
    for field in legacy.mapping.fields.iter().chain(&new.mapping.fields) {
        if let Some(mask) = field.mask {
            masks.insert(field.path.clone(), mask);
        }
    }
    Ok(Spec {
        name: config.name,
        key,
        rules: Arc::new(rules),
        rules_origin,
        readiness,
        masks,
        examples_per_group: config.examples_per_group,
        sort_memory: config.sort_memory_mib.max(1) * 1024 * 1024,
        temp_dir: config
            .temp_dir
            .map(|d| base.join(d))
            .unwrap_or_else(std::env::temp_dir),
        legacy,
        new,
        warnings,
        max_bad_rows: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_of_the_wrong_type_states_the_range_the_build_checks() {
        assert_eq!(
            parse("examples_per_group = \"3\"\n").err().as_deref(),
            Some(
                "examples_per_group (line 1, column 22): expected a whole number (0 to 100), \
                 found the string \"3\""
            )
        );
    }

    #[test]
    fn an_unknown_variant_is_said_as_the_config_check_says_it() {
        let text = "name = \"r\"\nkey = [\"id\"]\n\n[legacy]\nkind = \"cvs\"\n\n\
                    [new]\nkind = \"csv\"\n";
        assert_eq!(
            parse(text).err().as_deref(),
            Some(
                "legacy.kind (line 5, column 8): expected one of `fixed`, `csv`, `jsonl`, \
                 `postgres`, found `cvs`"
            )
        );
    }
}
