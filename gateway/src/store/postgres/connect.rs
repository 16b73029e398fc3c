//! Opening the writer's session: deadlines, TLS, the instance lock and the schema.
//!
//! Every wait has a deadline: `connect_timeout_ms` for connecting, `statement_timeout_ms` both as
//! the server's `statement_timeout` and as the socket's `TCP_USER_TIMEOUT`, so a database that
//! vanishes mid-commit fails the commit (and degrades the store) instead of hanging the writer.
//!
//! The client's own `connect_timeout` bounds only the TCP connect: a server that accepts the
//! connection and never answers its startup (a hung server, a proxy in front of one with no
//! server behind it) held the connect, and with it a gateway's start, forever. So a connect runs
//! on a thread of its own and is waited for `connect_timeout_ms` in all (TCP, TLS, startup and
//! login); one left waiting is abandoned, and until it ends (the server answers or closes) the
//! next connect of the same connector is refused at once rather than leaving a second thread.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
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
    /// The deadline of a whole connect (`connect_timeout_ms`).
    connect_timeout: Duration,
    /// Set while a connect's thread runs, abandoned or not.
    connecting: Arc<AtomicBool>,
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
            connect_timeout: Duration::from_millis(settings.connect_timeout_ms),
            connecting: Arc::new(AtomicBool::new(false)),
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
        let fail = |e: String| BackendError::new("connect to postgres", e);
        let ms = self.connect_timeout.as_millis();
        if self.connecting.swap(true, Ordering::AcqRel) {
            return Err(fail(format!(
                "the previous connection is still waiting for the server's answer, abandoned \
                 after store.postgres.connect_timeout_ms ({ms} ms)"
            )));
        }
        let (done, connected) = mpsc::sync_channel(1);
        let (tls, connecting) = (self.tls.clone(), Arc::clone(&self.connecting));
        let attempt = move || {
            let result = match tls {
                Some(tls) => config.connect(tls),
                None => config.connect(NoTls),
            };
            connecting.store(false, Ordering::Release);
            // Nobody waits for an abandoned connect: its client is dropped here, on this thread.
            let _ = done.send(result);
        };
        if let Err(e) = std::thread::Builder::new()
            .name("shadowgate-pg-connect".into())
            .spawn(attempt)
        {
            self.connecting.store(false, Ordering::Release);
            return Err(fail(format!("cannot start the connecting thread: {e}")));
        }
        match connected.recv_timeout(self.connect_timeout) {
            Ok(result) => result.map_err(|e| BackendError::new("connect to postgres", e)),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(fail(format!(
                "no answer from the server within store.postgres.connect_timeout_ms ({ms} ms): \
                 it accepted the connection but did not complete its startup and login"
            ))),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err(fail("the connection attempt panicked".into()))
            }
        }
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

    /// A server that accepts connections and never says a word: the connect gives up after
    /// `connect_timeout_ms` (the client alone waited forever), a second connect while the first
    /// one's thread still waits is refused at once, and once the server closes, connects are
    /// tried again.
    #[test]
    fn a_server_that_never_answers_the_startup_fails_the_connect_at_its_deadline() {
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let settings = PostgresConfig {
            url: format!("postgres://gw@{}/shadowgate", server.local_addr().unwrap()),
            instance: Some("gw-a".into()),
            sslmode: SslMode::Disable,
            connect_timeout_ms: 300,
            ..PostgresConfig::default()
        };
        let connector = Connector::new(&settings).unwrap();
        let error = connector.session().map(drop).unwrap_err().to_string();
        assert!(
            error.contains(
                "no answer from the server within store.postgres.connect_timeout_ms (300 ms): it \
                 accepted the connection but did not complete its startup and login"
            ),
            "{error}"
        );
        let error = connector.session().map(drop).unwrap_err().to_string();
        assert!(
            error.contains(
                "the previous connection is still waiting for the server's answer, abandoned \
                 after store.postgres.connect_timeout_ms (300 ms)"
            ),
            "{error}"
        );
        // The server closes the abandoned connection: its thread ends, the next connect is tried
        // (and refused by the closed port).
        let (held, _) = server.accept().unwrap();
        drop(held);
        drop(server);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let error = connector.session().map(drop).unwrap_err().to_string();
            if !error.contains("still waiting") {
                assert!(!error.contains("no answer from the server"), "{error}");
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{error}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
