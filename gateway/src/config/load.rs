//! Reading the file: TOML syntax and types, every unknown key with its path, then
//! [`super::build`]; all problems of all stages in one [`ConfigError`]. [`check`] adds what only
//! the machine can tell, for `check-config`.

use std::path::{Path, PathBuf};

use super::problem::{Found, List, Problem};
use super::{build, environment, raw, store_probe, suggest, wrong_type, Config, Secrets};

/// A config that cannot be used, with every problem (warnings included).
#[derive(Debug, Clone, thiserror::Error)]
#[error("config {}: {}", file.display(), List(problems))]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// Every problem, each at its key path.
    pub problems: Vec<Problem>,
}

/// Reads and validates a config file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let fail = |problems: Vec<Problem>| ConfigError {
        file: path.to_owned(),
        problems,
    };
    let (file, mut problems, sha256) = read(path).map_err(fail)?;
    match build::build(file, path, base(path), Secrets::Read) {
        Ok(config) if problems.is_empty() => Ok(Config { sha256, ..config }),
        Ok(config) => {
            problems.extend(config.warnings);
            Err(fail(problems))
        }
        Err(more) => {
            problems.extend(more);
            Err(fail(problems))
        }
    }
}

/// Reads and validates a file like [`load`] without reading secrets (the admin listener's
/// token): for the offline tools (`report`, `mismatches`, `groups`, `cutover sign`, `replay`,
/// `reconcile` with `--config`), which never serve the admin listener; the token is the running
/// gateway's, and whoever reads its store need not hold it.
pub fn load_without_secrets(path: &Path) -> Result<Config, ConfigError> {
    let fail = |problems: Vec<Problem>| ConfigError {
        file: path.to_owned(),
        problems,
    };
    let (file, problems, sha256) = read(path).map_err(fail)?;
    match build::build(file, path, base(path), Secrets::Skip) {
        Ok(config) if problems.is_empty() => Ok(Config { sha256, ..config }),
        Ok(_) => Err(fail(problems)),
        Err(mut more) => {
            more.extend(problems);
            Err(fail(more))
        }
    }
}

/// What `check-config` tells about a file: the config when it has no error, and every problem
/// of the file and of this machine, found in one run.
#[derive(Debug)]
pub struct Checked {
    /// The config, when no problem is an error.
    pub config: Option<Config>,
    /// Every problem: the file's, then the machine's (binding, store directory, DNS).
    pub problems: Vec<Problem>,
}

/// Reads and validates a file like [`load`], and runs the machine checks on whatever parts of
/// it parse, so a typo does not hide an unwritable store directory until it is fixed. When TOML
/// syntax or types fail there is nothing to check beyond them.
pub fn check(path: &Path) -> Checked {
    check_with(path, Secrets::Read)
}

/// [`check`], reading secrets or not: [`Secrets::Skip`] validates the structure without them
/// (CI, where the admin token is not available).
pub fn check_with(path: &Path, secrets: Secrets) -> Checked {
    let (file, mut problems, sha256) = match read(path) {
        Ok(read) => read,
        Err(problems) => {
            return Checked {
                config: None,
                problems,
            }
        }
    };
    let machine = environment::check_environment(&file, base(path));
    let config = match build::build(file, path, base(path), secrets) {
        Ok(config) => {
            problems.extend(config.warnings.iter().cloned());
            problems.extend(environment::check_fd_budget(&config));
            // Only with the secrets: without the password, a login refused says nothing.
            if secrets == Secrets::Read {
                problems.extend(store_probe::check_fleet_store(&config));
            }
            Some(Config { sha256, ..config })
        }
        Err(more) => {
            problems.extend(more);
            None
        }
    };
    problems.extend(machine);
    let config = config.filter(|_| !problems.iter().any(Problem::is_error));
    Checked { config, problems }
}

/// The folder relative paths in the file are relative to.
fn base(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// The file's sections as declared, every unknown key (an error each), and the SHA-256 of the
/// bytes read; or the problem that stops reading (unreadable file, TOML syntax or types), after
/// the unknown keys found so far.
fn read(path: &Path) -> Result<(raw::ConfigFile, Vec<Problem>, String), Vec<Problem>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Problem::error(
            "config file",
            "a readable file",
            Found::because(path, e),
        )]
    })?;
    // Hashed from the very bytes parsed, so a file changed meanwhile cannot be named instead.
    let sha256 = crate::cutover::sha256_hex(text.as_bytes());
    let document = toml::Deserializer::parse(&text).map_err(|e| vec![toml_problem(&text, &e)])?;
    // serde's deny_unknown_fields stops at the first unknown key; this reports every one.
    let mut unknown = Vec::new();
    let mut on_unknown = |at: serde_ignored::Path<'_>| {
        let name = match &at {
            serde_ignored::Path::Map { key, .. } => key.as_str(),
            _ => "",
        };
        unknown.push(Problem::error(
            key_path(&at),
            unknown_key_expected(name),
            Found::text(name),
        ));
    };
    let ignored = serde_ignored::Deserializer::new(document, &mut on_unknown);
    // A value of the wrong type or variant is named by its key path, not only its line.
    let parsed: Result<raw::ConfigFile, _> = serde_path_to_error::deserialize(ignored);
    match parsed {
        Ok(file) => Ok((file, unknown, sha256)),
        Err(e) => {
            let key = e.path().to_string();
            let mut problem = toml_problem(&text, e.inner());
            // A section that refuses unknown keys itself (the comparator's rules): the same
            // problem as any unknown key, with its line (it still stops the reading).
            if let Some(name) = refused_key(e.inner().message()) {
                let at = format!("{key} ({})", problem.key);
                unknown.push(Problem::error(
                    at,
                    unknown_key_expected(name),
                    Found::text(name),
                ));
                return Err(unknown);
            }
            if !key.is_empty() && key != "." {
                let message = e.inner().message().trim_end();
                let (expected, found) =
                    wrong_type::wrong_type(&key, message).unwrap_or_else(|| {
                        let expected = "a value of the type and form this key takes (see the \
                                    configuration table in the README)";
                        (expected.to_owned(), message.to_owned())
                    });
                let at = format!("{key} ({})", problem.key);
                problem = Problem::error(at, expected, Found::value(found));
            }
            unknown.push(problem);
            Err(unknown)
        }
    }
}

/// What an unknown key was expected to be, with the known key nearest to it, or the sections
/// that take it when it is a key of another section (`[shadow] confirm_mismatches`).
fn unknown_key_expected(name: &str) -> String {
    const README: &str = "see the configuration table in the README";
    if let Some(key) = suggest::did_you_mean(name) {
        return format!("a key this section knows (did you mean `{key}`? {README})");
    }
    match suggest::sections_of(name).as_slice() {
        [] => format!("a key this section knows ({README})"),
        sections => format!(
            "a key this section knows (`{name}` is a key of {}; {README})",
            sections.join(", ")
        ),
    }
}

/// The key of serde's `deny_unknown_fields` error (``unknown field `x`, expected …``).
fn refused_key(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split_once('`').map(|(name, _)| name)
}

/// A value of the wrong type at `key` of a TOML file other than the gateway's (a reconcile file),
/// as the config check says it: `key (line L, column C): expected a whole number (0 or more),
/// found the string "5"`; `None` for any other error, which is shown as TOML says it.
pub(crate) fn wrong_type_text(text: &str, key: &str, error: &toml::de::Error) -> Option<String> {
    let (expected, found) = wrong_type::wrong_type(key, error.message().trim_end())?;
    let at = toml_problem(text, error).key;
    Some(format!("{key} ({at}): expected {expected}, found {found}"))
}

/// A syntax or type error of the file: one problem at its line and column.
fn toml_problem(text: &str, error: &toml::de::Error) -> Problem {
    let at = error.span().map_or_else(
        || "config file".to_owned(),
        |span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}")
        },
    );
    Problem::error(
        at,
        "valid TOML for this config",
        Found::value(error.message().trim_end()),
    )
}

/// `listeners.mci[0].adress` for the path `serde_ignored` reports.
fn key_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", key_path(parent)),
        Path::Map { parent, key } => match key_path(parent) {
            parent if parent.is_empty() => key.clone(),
            parent => format!("{parent}.{key}"),
        },
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => key_path(parent),
    }
}
