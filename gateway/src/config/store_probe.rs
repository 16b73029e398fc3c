//! `check-config` tries the fleet store: one session with the PostgreSQL database of
//! `[store.postgres]`, within its `connect_timeout_ms`, opened and ended at once (no instance
//! lock, no migration: a check changes nothing there).
//!
//! A server that answers and refuses is a configuration to fix before deploying, so it is an
//! error: a refused login (SQLSTATE class 28: a wrong password, an unknown role, no
//! `pg_hba.conf` line for this host) or a database of that name missing (3D000). One that does
//! not answer is a warning: the database may be down only while this runs, and a gateway that
//! starts then serves and spools until it answers.

use super::problem::{Found, Problem};
use super::Config;
use crate::store::postgres::{try_session, BackendKind, Outage};

/// The problem with the fleet store's database, when the store is PostgreSQL's and one session
/// cannot be opened; `None` when it can, or when the store is sled's. Blocking, for at most the
/// connect timeout (per address the host name resolves to).
pub(super) fn check_fleet_store(config: &Config) -> Option<Problem> {
    let store = &config.store;
    if store.backend != BackendKind::Postgres {
        return None;
    }
    let error = try_session(&store.postgres).err()?;
    let outage = Outage::of_backend(&error);
    // The server's words (`FATAL: password authentication failed … (SQLSTATE 28P01)`), or the
    // connection's; the URL holds no password (validation refuses one).
    let found = Found::because(
        &store.postgres.url,
        format!("{}: {}", outage.phrase(), error.source),
    );
    let key = "store.postgres";
    Some(match outage {
        Outage::LoginRefused => Problem::error(
            key,
            "a login the database accepts (the url's user, the password in password_env)",
            found,
        ),
        Outage::NoDatabase => Problem::error(
            key,
            "a url naming a database that exists on the server",
            found,
        ),
        Outage::Unreachable | Outage::InstanceInUse | Outage::Failed => Problem::warning(
            key,
            format!(
                "a database that answers within connect_timeout_ms ({} ms); a gateway started \
                 without it serves and spools until it answers",
                store.postgres.connect_timeout_ms
            ),
            found,
        ),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use crate::config::tests::config;
    use crate::config::{check, check_with, Secrets};

    /// The test config with its store on PostgreSQL at `url`, with a short connect timeout.
    fn fleet_config(dir: &std::path::Path, url: &str) -> std::path::PathBuf {
        let store = format!(
            "path = \"store\"\nbackend = \"postgres\"\n\n[store.postgres]\nurl = {url:?}\n\
             instance = \"gw-a\"\nsslmode = \"disable\"\nconnect_timeout_ms = 2000\n"
        );
        config(dir, &[("path = \"store\"\n", &store)], "")
    }

    /// Nothing listens: the database may be down only now, so it is a warning that names the
    /// key, the URL and the connection's words, and the config is valid.
    #[test]
    fn a_database_that_does_not_answer_is_a_warning() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let url = format!("postgres://gw@127.0.0.1:{port}/shadowgate");
        let dir = tempfile::tempdir().unwrap();
        let checked = check(&fleet_config(dir.path(), &url));
        assert!(checked.config.is_some(), "{:?}", checked.problems);
        let tried: Vec<_> = checked
            .problems
            .iter()
            .filter(|p| p.key == "store.postgres")
            .collect();
        let [problem] = tried[..] else {
            panic!(
                "expected one problem at store.postgres: {:?}",
                checked.problems
            )
        };
        assert!(!problem.is_error(), "{problem}");
        let text = problem.to_string();
        assert!(
            text.contains(&format!("{url:?} (postgres unreachable: ")) && text.contains("refused"),
            "{text}"
        );
        assert!(text.contains("connect_timeout_ms (2000 ms)"), "{text}");
    }

    /// `--no-secrets` (CI, no password there) does not try the database.
    #[test]
    fn without_secrets_the_database_is_not_tried() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let url = format!("postgres://gw@127.0.0.1:{port}/shadowgate");
        let dir = tempfile::tempdir().unwrap();
        let checked = check_with(&fleet_config(dir.path(), &url), Secrets::Skip);
        assert!(checked.config.is_some(), "{:?}", checked.problems);
        assert!(
            checked.problems.iter().all(|p| p.key != "store.postgres"),
            "{:?}",
            checked.problems
        );
    }
}
