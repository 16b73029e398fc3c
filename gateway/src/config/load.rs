//! Loading a config: reading the file ([`super::read`]: TOML syntax, every value of the wrong
//! type and every unknown key with its path), then [`super::build`]; all problems of all stages
//! in one [`ConfigError`]. [`check`] adds what only the machine can tell, for `check-config`.

use std::path::{Path, PathBuf};

use super::problem::{List, Problem};
use super::read::{read, ReadFile};
use super::{build, environment, position, store_probe, Config, Secrets};

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
        problems: position::in_file_order(problems),
    };
    let ReadFile {
        file,
        unknown: mut problems,
        stood_in,
        sha256,
        text,
    } = read(path).map_err(fail)?;
    match build::build(file, &text, path, base(path), Secrets::Read) {
        Ok(config) if problems.is_empty() => Ok(Config {
            sha256,
            warnings: position::in_file_order(config.warnings),
            ..config
        }),
        Ok(config) => {
            problems.extend(ReadFile::of_the_file(&stood_in, config.warnings));
            Err(fail(problems))
        }
        Err(more) => {
            problems.extend(ReadFile::of_the_file(&stood_in, more));
            Err(fail(problems))
        }
    }
}

/// Reads and validates a file like [`load`] without reading secrets (the admin listener's
/// token, the PostgreSQL password variable, the store's encryption key file): for the offline
/// tools (`report`, `mismatches`, `groups`, `cutover sign`, `replay`, `reconcile` with
/// `--config`), which never serve the admin listener; the token is the running gateway's, and
/// whoever reads its store need not hold it. `replay` reads the key file itself when it decrypts.
pub fn load_without_secrets(path: &Path) -> Result<Config, ConfigError> {
    let fail = |problems: Vec<Problem>| ConfigError {
        file: path.to_owned(),
        problems: position::in_file_order(problems),
    };
    let ReadFile {
        file,
        unknown: problems,
        stood_in,
        sha256,
        text,
    } = read(path).map_err(fail)?;
    match build::build(file, &text, path, base(path), Secrets::Skip) {
        Ok(config) if problems.is_empty() => Ok(Config { sha256, ..config }),
        Ok(_) => Err(fail(problems)),
        Err(more) => {
            let mut more = ReadFile::of_the_file(&stood_in, more);
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
    let ReadFile {
        file,
        unknown: mut problems,
        stood_in,
        sha256,
        text,
    } = match read(path) {
        Ok(read) => read,
        Err(problems) => {
            return Checked {
                config: None,
                problems: position::in_file_order(problems),
            }
        }
    };
    let machine = environment::check_environment(&file, base(path));
    // What the checks after reading find, without what they find at a stand-in.
    let of_the_file = |found| ReadFile::of_the_file(&stood_in, found);
    let config = match build::build(file, &text, path, base(path), secrets) {
        Ok(config) => {
            problems.extend(of_the_file(config.warnings.clone()));
            let mut more: Vec<Problem> =
                environment::check_fd_budget(&config).into_iter().collect();
            // Only with the secrets: without the password, a login refused says nothing.
            if secrets == Secrets::Read {
                more.extend(store_probe::check_fleet_store(&config));
            }
            problems.extend(of_the_file(position::locate(&text, more)));
            Some(Config { sha256, ..config })
        }
        Err(more) => {
            problems.extend(of_the_file(more));
            None
        }
    };
    problems.extend(of_the_file(position::locate(&text, machine)));
    let config = config.filter(|_| !problems.iter().any(Problem::is_error));
    let problems = position::in_file_order(problems);
    Checked { config, problems }
}

/// The folder relative paths in the file are relative to.
fn base(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}
