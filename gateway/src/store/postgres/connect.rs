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
                    holder: self.holder(client),
                },
            ));
        }
        Ok(())
    }

    /// The session holding this instance's lock, as the server shows it; `None` if it cannot
    /// be read (it ended meanwhile, or the server hides other roles' sessions).
    fn holder(&self, client: &mut Client) -> Option<Holder> {
        let row = client
            .query_opt(&holder_sql(), &[&self.instance])
            .inspect_err(
                |error| tracing::debug!(%error, "store: who holds the instance name was not read"),
            )
            .ok()??;
        Some(Holder {
            pid: row.try_get(0).ok()?,
            name: row.try_get(1).ok().flatten(),
            address: row.try_get(2).ok().flatten(),
            since: row.try_get(3).ok().flatten(),
        })
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
const INSTANCE_LOCK: &str = "hashtextextended('shadowgate instance ' || $1, 0)";

/// The session holding the advisory lock of [`INSTANCE_LOCK`] (`$1` the instance name), in
/// this database: `pg_locks` shows a `bigint` key as its high and low 32 bits (`classid`,
/// `objid`) with `objsubid` 1.
fn holder_sql() -> String {
    format!(
        r#"WITH k AS (SELECT {INSTANCE_LOCK} AS key)
        SELECT a.pid, a.application_name, host(a.client_addr),
            to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"')
        FROM k, pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.classid = ((k.key >> 32) & 4294967295)::oid
            AND l.objid = (k.key & 4294967295)::oid
        LIMIT 1"#
    )
}

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

/// Another running gateway holds this instance's lock: a configuration error, not an outage, so
/// a gateway refuses to start with it ([`super::PostgresBackend::check_at_start`]).
#[derive(Debug)]
pub(crate) struct InstanceInUse {
    /// The instance name configured.
    pub(crate) instance: String,
    /// The session holding it, when the server shows it.
    pub(crate) holder: Option<Holder>,
}

/// The session holding an instance's lock, as `pg_stat_activity` shows it (a field the server
/// hides from another role is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Holder {
    /// The server process of the session.
    pub(crate) pid: i32,
    /// Its `application_name`: `shadowgate pid 4242 on host1` for a gateway's.
    pub(crate) name: Option<String>,
    /// The client's address.
    pub(crate) address: Option<String>,
    /// When the session started (it takes the lock at once), in UTC.
    pub(crate) since: Option<String>,
}

impl std::fmt::Display for InstanceInUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "store.postgres.instance: expected a name no running gateway uses, found {:?} in use",
            self.instance
        )?;
        let Some(holder) = &self.holder else {
            return Ok(());
        };
        match &holder.name {
            Some(name) if !name.is_empty() => write!(f, " by {name:?}")?,
            _ => write!(f, " by a session")?,
        }
        write!(f, " (server pid {}", holder.pid)?;
        if let Some(address) = &holder.address {
            write!(f, ", from {address}")?;
        }
        if let Some(since) = &holder.since {
            write!(f, ", since {since}")?;
        }
        write!(f, ")")
    }
}

impl std::error::Error for InstanceInUse {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// A refused instance name says who holds it, with what the server shows of that session;
    /// without it, no more than the name.
    #[test]
    fn a_name_in_use_says_who_holds_it() {
        let held = |holder| InstanceInUse {
            instance: "gw1".into(),
            holder,
        };
        let holder = Holder {
            pid: 4242,
            name: Some("shadowgate pid 3131 on host-a".into()),
            address: Some("10.0.0.5".into()),
            since: Some("2026-12-03 13:40:01 UTC".into()),
        };
        assert_eq!(
            held(Some(holder.clone())).to_string(),
            "store.postgres.instance: expected a name no running gateway uses, found \"gw1\" in \
             use by \"shadowgate pid 3131 on host-a\" (server pid 4242, from 10.0.0.5, since \
             2026-12-03 13:40:01 UTC)"
        );
        // Another role's session, its details hidden by the server.
        let hidden = Holder {
            name: None,
            address: None,
            since: None,
            ..holder
        };
        assert_eq!(
            held(Some(hidden)).to_string(),
            "store.postgres.instance: expected a name no running gateway uses, found \"gw1\" in \
             use by a session (server pid 4242)"
        );
        assert_eq!(
            held(None).to_string(),
            "store.postgres.instance: expected a name no running gateway uses, found \"gw1\" in use"
        );
    }

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
