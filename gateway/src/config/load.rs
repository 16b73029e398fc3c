//! Reading the file: TOML syntax and types, every unknown key with its path, then
//! [`super::build`]; all problems of all stages in one [`ConfigError`].

use std::path::{Path, PathBuf};

use super::problem::{Found, List, Problem};
use super::{build, raw, Config};

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
    let text = std::fs::read_to_string(path).map_err(|e| {
        fail(vec![Problem::error(
            "config file",
            "a readable file",
            Found::value(format!("{} ({e})", path.display())),
        )])
    })?;
    let document =
        toml::Deserializer::parse(&text).map_err(|e| fail(vec![toml_problem(&text, &e)]))?;
    // serde's deny_unknown_fields stops at the first unknown key; this reports every one.
    let mut unknown = Vec::new();
    let parsed: Result<raw::ConfigFile, _> = serde_ignored::deserialize(document, |at| {
        let name = match &at {
            serde_ignored::Path::Map { key, .. } => key.as_str(),
            _ => "",
        };
        unknown.push(Problem::error(
            key_path(&at),
            "a key this section knows (see the configuration table in the README)",
            Found::text(name),
        ));
    });
    let file = match parsed {
        Ok(file) => file,
        Err(e) => {
            unknown.push(toml_problem(&text, &e));
            return Err(fail(unknown));
        }
    };
    let base = path.parent().unwrap_or(Path::new("."));
    match build::build(file, path, base) {
        Ok(config) if unknown.is_empty() => Ok(config),
        Ok(config) => {
            unknown.extend(config.warnings);
            Err(fail(unknown))
        }
        Err(problems) => {
            unknown.extend(problems);
            Err(fail(unknown))
        }
    }
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
