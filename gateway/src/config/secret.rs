//! The secrets of a config: the admin bearer token, from an environment variable (`token_env`)
//! or a file (`token_file`); the fleet store's PostgreSQL password, from an environment variable
//! (`password_env`); and the store's encryption keys (`encryption_key_file`).
//!
//! A file is re-read with the rest of the config at every reload, so a token rotates without a
//! restart. An environment variable is checked here too, though the password's is read again at
//! each connect: a running process cannot gain a variable it was started without, so a gateway
//! that started without it would stay unconnected for good. `check-config --no-secrets` ([`Secrets::Skip`]) validates the structure without
//! reading any of them, for CI where the secrets are not available; otherwise each must be present
//! and readable, and none is ever printed.

use std::fmt;
use std::path::{Path, PathBuf};

use super::build::resolve;
use super::problem::{reason, Found, Problems};
use super::raw::AdminListenerConfig;
use crate::store::keyring::KeyFileErrorKind;
use crate::store::postgres::BackendKind;
use crate::store::KeyRing;
use crate::store::StoreConfig;

/// Whether building a config reads its secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Secrets {
    /// Read them; a missing or unreadable secret is an error (serving, reloading, check-config).
    #[default]
    Read,
    /// Leave them unread: the structure alone is checked (`check-config --no-secrets`, and the
    /// offline tools, which read the key file themselves when they need it).
    Skip,
}

/// Where the admin token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// The environment variable of that name.
    Env(String),
    /// That file (resolved against the config's folder).
    File(PathBuf),
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(var) => write!(f, "environment variable {var}"),
            Self::File(path) => write!(f, "file {}", path.display()),
        }
    }
}

/// The token of `[listeners.admin]` and where it comes from; `None` token when there is none or
/// when secrets are skipped. Problems go under `listeners.admin.token_env` / `.token_file`.
pub(super) fn admin_token(
    admin: &AdminListenerConfig,
    base: &Path,
    secrets: Secrets,
    problems: &mut Problems,
) -> (Option<String>, Option<TokenSource>) {
    let source = match (&admin.token_env, &admin.token_file) {
        (None, None) => return (None, None),
        (Some(_), Some(_)) => {
            problems.error(
                "listeners.admin",
                "one of token_env or token_file",
                Found::value("both"),
            );
            return (None, None);
        }
        (Some(var), None) => TokenSource::Env(var.clone()),
        (None, Some(file)) => TokenSource::File(resolve(base, Path::new(file))),
    };
    if secrets == Secrets::Skip {
        return (None, Some(source));
    }
    let token = match &source {
        TokenSource::Env(var) => env_token(var, problems),
        TokenSource::File(path) => file_token(admin.token_file.as_deref(), path, problems),
    };
    (token, Some(source))
}

fn env_token(var: &str, problems: &mut Problems) -> Option<String> {
    match std::env::var(var) {
        Ok(token) if !token.trim().is_empty() => Some(token.trim().to_owned()),
        _ => {
            problems.error(
                "listeners.admin.token_env",
                "the name of a set, non-empty environment variable",
                Found::value(format!("{var:?}, which is not set")),
            );
            None
        }
    }
}

/// Checks that `[store.postgres] password_env`, when the store is PostgreSQL's and secrets are
/// read, names a set, non-empty variable (the password is read from it at each connect). The
/// value is not kept: it is never part of the config.
pub(super) fn postgres_password(store: &StoreConfig, secrets: Secrets, problems: &mut Problems) {
    let Some(var) = &store.postgres.password_env else {
        return;
    };
    if store.backend != BackendKind::Postgres || secrets == Secrets::Skip {
        return;
    }
    let why = match std::env::var_os(var) {
        None => "which is not set",
        Some(value) if value.is_empty() => "which is empty",
        Some(value) if value.to_str().is_none() => "which is not valid UTF-8",
        Some(_) => return,
    };
    problems.error(
        "store.postgres.password_env",
        "the name of a set, non-empty environment variable",
        Found::value(format!("{var:?}, {why}")),
    );
}

/// The file's content, trimmed (a trailing newline is not part of the token). A file others may
/// read is used, with a warning. Problems quote the path as `declared` in the config, `path` as
/// resolved against its folder.
fn file_token(declared: Option<&str>, path: &Path, problems: &mut Problems) -> Option<String> {
    const KEY: &str = "listeners.admin.token_file";
    let declared = declared.map_or(path, Path::new);
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            problems.error(
                KEY,
                "a readable file holding the token",
                Found::because(declared, e),
            );
            return None;
        }
    };
    let token = text.trim();
    if token.is_empty() || token.contains(['\n', '\r']) {
        let why = if token.is_empty() {
            "empty"
        } else {
            "several lines"
        };
        problems.error(
            KEY,
            "a file holding the token on one line",
            Found::because(declared, why),
        );
        return None;
    }
    owner_only(KEY, declared, path, problems);
    Some(token.to_owned())
}

/// Checks `[store] encryption_key_file` (`declared`, relative to `base`) now, as the store will
/// read it, and returns the path resolved. A file that does not load is an error quoting the path
/// as declared with why after it, like every other file of the config. With [`Secrets::Skip`]
/// the file is not read (the keys are a secret CI does not hold): only an empty path is refused.
pub(super) fn encryption_key_file(
    declared: &Path,
    base: &Path,
    secrets: Secrets,
    problems: &mut Problems,
) -> PathBuf {
    const KEY: &str = "store.encryption_key_file";
    const EXPECTED: &str = "a readable file of `KEY_ID = BASE64` lines (32-byte keys)";
    if declared.as_os_str().is_empty() {
        problems.error(KEY, EXPECTED, Found::text(""));
        return declared.to_owned();
    }
    let path = resolve(base, declared);
    if secrets == Secrets::Skip {
        return path;
    }
    let why = match KeyRing::load(&path) {
        Ok(_) => {
            owner_only(KEY, declared, &path, problems);
            return path;
        }
        Err(e) => match e.kind {
            KeyFileErrorKind::Read(io) => reason(io),
            other => other.to_string(),
        },
    };
    problems.error(KEY, EXPECTED, Found::because(declared, why));
    path
}

/// Warns, under `key`, when the secret file at `path` (`declared` in the config) can be read by
/// others than its owner (the admin token; the store's encryption keys, which guard raw customer
/// frames).
pub(super) fn owner_only(key: &str, declared: &Path, path: &Path, problems: &mut Problems) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                problems.warning(
                    key,
                    "a file only its owner can read (chmod 600)",
                    Found::because(declared, format!("mode {mode:o}")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(env: Option<&str>, file: Option<&str>) -> AdminListenerConfig {
        let mut toml = String::new();
        if let Some(var) = env {
            toml.push_str(&format!("token_env = {var:?}\n"));
        }
        if let Some(file) = file {
            toml.push_str(&format!("token_file = {file:?}\n"));
        }
        toml::from_str(&toml).unwrap()
    }

    #[test]
    fn a_file_token_is_read_trimmed_and_skipped_on_request() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "s3cret\n").unwrap();
        let config = admin(None, Some("token"));
        let mut problems = Problems::new();
        let (token, source) = admin_token(&config, dir.path(), Secrets::Read, &mut problems);
        assert_eq!(token.as_deref(), Some("s3cret"));
        assert_eq!(source, Some(TokenSource::File(dir.path().join("token"))));
        let (token, source) = admin_token(&config, dir.path(), Secrets::Skip, &mut problems);
        assert_eq!((token, source.is_some()), (None, true));
        assert!(!problems.has_errors());
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_file_others_can_read_is_a_warning_naming_its_key() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        std::fs::write(&path, "k = x\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut problems = Problems::new();
        owner_only("store.encryption_key_file", &path, &path, &mut problems);
        let found = problems.into_vec();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(!found[0].is_error());
        assert_eq!(found[0].key, "store.encryption_key_file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut problems = Problems::new();
        owner_only("store.encryption_key_file", &path, &path, &mut problems);
        assert!(problems.into_vec().is_empty());
    }

    #[test]
    fn missing_empty_or_doubled_secrets_are_errors_that_never_show_a_token() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("empty"), "\n").unwrap();
        for config in [
            admin(None, Some("missing")),
            admin(None, Some("empty")),
            admin(Some("SHADOWGATE_TEST_UNSET_TOKEN_VAR"), None),
            admin(Some("X"), Some("empty")),
        ] {
            let mut problems = Problems::new();
            let (token, _) = admin_token(&config, dir.path(), Secrets::Read, &mut problems);
            assert_eq!(token, None);
            assert!(problems.has_errors(), "{config:?}");
        }
        let mut problems = Problems::new();
        admin_token(
            &admin(None, Some("missing")),
            dir.path(),
            Secrets::Skip,
            &mut problems,
        );
        assert!(!problems.has_errors(), "skipped secrets are not read");
    }
}
