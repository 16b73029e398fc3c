//! Opening the writer's session: deadlines, TLS, the instance lock and the schema.
//!
//! Every wait has a deadline: `connect_timeout_ms` for connecting, `statement_timeout_ms` both as
//! the server's `statement_timeout` and as the socket's `TCP_USER_TIMEOUT`, so a database that
//! vanishes mid-commit fails the commit (and degrades the store) instead of hanging the writer.

use std::str::FromStr;
use std::time::Duration;

use postgres::config::SslMode as PgSslMode;
use postgres::{Client, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::config::{host_name, PostgresConfig, SslMode};
use super::held::holder;
pub(crate) use super::held::InstanceInUse;
use super::schema;
use crate::engine::TlsSettings;
use crate::store::backend::BackendError;

/// How the writer connects; built once when the store opens (the CA file is read then).
pub(crate) struct Connector {
    config: postgres::Config,
    tls: Option<MakeRustlsConnect>,
    password_env: Option<String>,
    instance: String,
}

impl Connector {
    /// Checks what can be checked before the database is reachable: URL, CA file, instance.
    pub(crate) fn new(settings: &PostgresConfig) -> Result<Self, BackendError> {
        let setup = |e: String| BackendError::new("set up the postgres connection", e);
        let mut config = postgres::Config::from_str(&settings.url)
            .map_err(|e| setup(format!("store.postgres.url: {e}")))?;
        let statement = Duration::from_millis(settings.statement_timeout_ms);
        config
            .connect_timeout(Duration::from_millis(settings.connect_timeout_ms))
            .tcp_user_timeout(statement)
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            // Who holds an instance's lock, as another gateway refused it says
            // ([`InstanceInUse`]).
            .application_name(&session_name())
            // The server's keepalives end a dead gateway's session (and its instance lock) in
            // about a minute even when no FIN arrives.
            .options(&format!(
                "-c statement_timeout={ms} -c lock_timeout={ms} -c tcp_keepalives_idle=30 \
                 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3",
                ms = settings.statement_timeout_ms
            ));
        // The client logs the server's notices at INFO under its own crate's path; `CREATE ...
        // IF NOT EXISTS` at every connect sends one (`relation "shadowgate_schema" already
        // exists, skipping`). They are the server's chatter, not the gateway's events.
        config.notice_callback(|notice| {
            tracing::debug!(
                severity = notice.severity(),
                code = notice.code().code(),
                "postgres notice: {}",
                notice.message()
            );
        });
        let tls = match settings.sslmode {
            SslMode::Disable => {
                config.ssl_mode(PgSslMode::Disable);
                None
            }
            SslMode::VerifyFull => {
                config.ssl_mode(PgSslMode::Require);
                let ca_file = settings.ca_file.as_deref().ok_or_else(|| {
                    setup("store.postgres.ca_file: expected a PEM file, found nothing".into())
                })?;
                let tls = TlsSettings::load(ca_file, None, None, None)
                    .map_err(|e| setup(format!("store.postgres.ca_file: {e}")))?;
                Some(MakeRustlsConnect::new((*tls.config).clone()))
            }
        };
        let instance = settings.instance_name().ok_or_else(|| {
            setup("store.postgres.instance: expected a name, found no host name to use".into())
        })?;
        Ok(Self {
            config,
            tls,
            password_env: settings.password_env.clone(),
            instance,
        })
    }

    /// This gateway's instance name.
    pub(crate) fn instance(&self) -> &str {
        &self.instance
    }

    /// Connects, takes this instance's lock and migrates the schema.
    pub(crate) fn connect(&self) -> Result<Client, BackendError> {
        let mut client = self.session()?;
        self.lock_instance(&mut client)?;
        schema::migrate(&mut client).map_err(|e| BackendError::new("migrate the schema", e))?;
        Ok(client)
    }

    /// Connects only: the fleet's read model ([`super::fleet`]) neither locks an instance nor
    /// migrates (a report must not change the database it reads).
    pub(crate) fn session(&self) -> Result<Client, BackendError> {
        let mut config = self.config.clone();
        if let Some(var) = &self.password_env {
            let password = std::env::var(var).map_err(|e| {
                BackendError::new(
                    "connect to postgres",
                    format!("store.postgres.password_env: cannot read {var}: {e}"),
                )
            })?;
            config.password(password);
        }
        let connected = match &self.tls {
            Some(tls) => config.connect(tls.clone()),
            None => config.connect(NoTls),
        };
        connected.map_err(|e| BackendError::new("connect to postgres", e))
    }

    /// Holds a session lock on this instance's name: a second gateway configured with the same
    /// name would overwrite the first one's absolute totals, so it is refused instead. The lock
    /// goes with the session, so a killed gateway's restart gets it back.
    fn lock_instance(&self, client: &mut Client) -> Result<(), BackendError> {
        let operation = format!("lock instance {}", self.instance);
        let row = client
            .query_one(
                &format!("SELECT pg_try_advisory_lock({INSTANCE_LOCK})"),
                &[&self.instance],
            )
            .map_err(|e| BackendError::new(operation.clone(), e))?;
        let locked: bool = row
            .try_get(0)
            .map_err(|e| BackendError::new(operation.clone(), e))?;
        if !locked {
            return Err(BackendError::new(
                operation,
                InstanceInUse {
                    instance: self.instance.clone(),
                    holder: holder(client, &self.instance),
                },
            ));
        }
        Ok(())
    }

    /// Releases this instance's lock on a session that took it ([`Self::connect`]) and is about
    /// to end. Ending the session is not enough: the server releases a session's locks when its
    /// process exits, which under load can be after this gateway's next session asked for the
    /// lock, and that one would find its own name held.
    pub(crate) fn unlock_instance(&self, client: &mut Client) -> Result<(), BackendError> {
        client
            .execute(
                &format!("SELECT pg_advisory_unlock({INSTANCE_LOCK})"),
                &[&self.instance],
            )
            .map_err(|e| BackendError::new(format!("unlock instance {}", self.instance), e))?;
        Ok(())
    }
}

/// Opens one session with `settings` and ends it, on a thread of its own (the blocking client
/// cannot run inside a tokio runtime): what `check-config` tries. No lock is taken and nothing
/// is migrated: a check must not change the database.
pub(crate) fn try_session(settings: &PostgresConfig) -> Result<(), BackendError> {
    let attempt = || Connector::new(settings)?.session().map(drop);
    std::thread::scope(|scope| scope.spawn(attempt).join()).unwrap_or_else(|_| {
        Err(BackendError::new(
            "connect to postgres",
            "the connection attempt panicked",
        ))
    })
}

/// The advisory lock key of the instance name `$1`.
pub(super) const INSTANCE_LOCK: &str = "hashtextextended('shadowgate instance ' || $1, 0)";

/// The longest `application_name` the server keeps (`NAMEDATALEN - 1`); a longer one is cut.
const SESSION_NAME_MAX: usize = 63;

/// This process's sessions' `application_name`: `shadowgate pid 4242 on host1`, so that a
/// gateway refused an instance name can say which process holds it.
fn session_name() -> String {
    let mut name = format!("shadowgate pid {}", std::process::id());
    if let Some(host) = host_name() {
        name.push_str(" on ");
        name.push_str(&host);
    }
    if name.len() > SESSION_NAME_MAX {
        let mut end = SESSION_NAME_MAX;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    name
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn the_session_name_says_the_process_and_fits_the_server() {
        let name = session_name();
        assert!(
            name.starts_with(&format!("shadowgate pid {}", std::process::id())),
            "{name}"
        );
        assert!(name.len() <= SESSION_NAME_MAX, "{name}");
    }
}
