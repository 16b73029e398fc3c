//! A PostgreSQL client error shown with its cause: what the server said, or the OS error.
//!
//! The client shows an error the server sent as `db error`, and one of the socket as `error
//! connecting to server`, and keeps the useful part (`password authentication failed for user
//! "gw"`, `Connection refused`) in its `source()`. Log lines, the readiness detail and the CLI's
//! errors are built from `Display`, which alone loses it: [`PostgresError`] shows both.
//!
//! [`Outage`] says which kind of failure it is, in the words an operator acts on: a database
//! that does not answer is waited for, one that refuses the login is a configuration to fix.

use std::error::Error;
use std::fmt;

use rustls::CertificateError;

use super::connect::InstanceInUse;
use crate::store::{BackendError, SpoolingReason};

/// A client error, displayed with the server's message (severity, message, SQLSTATE, detail and
/// hint, on one line) or the underlying error.
#[derive(Debug)]
pub(crate) struct PostgresError(pub(crate) postgres::Error);

impl From<postgres::Error> for PostgresError {
    fn from(error: postgres::Error) -> Self {
        Self(error)
    }
}

impl PostgresError {
    /// `error` as a [`PostgresError`] displays it, without taking it (a reconcile source's
    /// error keeps the client's).
    pub(crate) fn shown(error: &postgres::Error) -> String {
        Shown(error).to_string()
    }
}

impl fmt::Display for PostgresError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Shown(&self.0).fmt(f)
    }
}

/// The display of a borrowed client error.
struct Shown<'e>(&'e postgres::Error);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(db) = self.0.as_db_error() else {
            write!(f, "{}", self.0)?;
            // The chain is the whole explanation here: shown, not returned by `source()`.
            let mut cause = self.0.source();
            while let Some(error) = cause {
                write!(f, ": {error}")?;
                cause = error.source();
            }
            return Ok(());
        };
        write!(
            f,
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        )?;
        // One line: a log line or a readiness detail must stay one.
        if let Some(detail) = db.detail() {
            write!(f, "; detail: {}", detail.replace('\n', " "))?;
        }
        if let Some(hint) = db.hint() {
            write!(f, "; hint: {}", hint.replace('\n', " "))?;
        }
        Ok(())
    }
}

/// Its cause is part of its `Display`, so it has no `source()`: a chain printed in full
/// (`{:#}`) would say it twice.
impl Error for PostgresError {}

/// Why PostgreSQL did not take a session or a write, as the spooling reason, the writer's log
/// lines and `check-config` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outage {
    /// No answer from a server: connection refused, timed out, a host name that does not
    /// resolve, a TLS handshake that failed for another reason than the certificate, a session
    /// that broke, or a server going away or not yet back (SQLSTATE class 08; 57P01-57P03:
    /// shutting down, crashed, starting up; 57P05: an idle session ended). A stop is first seen
    /// as one of these, then as a refused connection: one kind for both.
    Unreachable,
    /// The server answered with a certificate that `store.postgres.ca_file` does not verify
    /// (another issuer, a name that is not the URL's host, expired): rustls refused it. A
    /// configuration to fix (the CA file or the URL's host name), like a refused login.
    TlsRefused,
    /// The server answered and refused the login (SQLSTATE class 28: a wrong password, an
    /// unknown role, no `pg_hba.conf` line for this host).
    LoginRefused,
    /// The server has no database of the URL's name (SQLSTATE 3D000).
    NoDatabase,
    /// Another running gateway holds this gateway's instance name ([`InstanceInUse`]).
    InstanceInUse,
    /// The server answered with another error, or the attempt failed before reaching it.
    Failed,
}

impl Outage {
    /// The kind of `error`, a [`BackendError`]'s source or a client error: the first error of
    /// its chain that says one (a client error inside a schema step's error, which a session cut
    /// by a stopping server gives at connect, is the client error's kind); else `Failed`.
    pub(crate) fn of(error: &(dyn Error + 'static)) -> Self {
        let mut at = Some(error);
        while let Some(error) = at {
            if let Some(kind) = Self::of_one(error) {
                return kind;
            }
            at = error.source();
        }
        Self::Failed
    }

    /// The kind `error` itself says, if it is one of ours or a client's.
    fn of_one(error: &(dyn Error + 'static)) -> Option<Self> {
        if error.downcast_ref::<InstanceInUse>().is_some() {
            return Some(Self::InstanceInUse);
        }
        if refused_certificate(error).is_some() {
            return Some(Self::TlsRefused);
        }
        let client = match (
            error.downcast_ref::<PostgresError>(),
            error.downcast_ref::<postgres::Error>(),
        ) {
            (Some(explained), _) => &explained.0,
            (None, Some(client)) => client,
            (None, None) => return None,
        };
        Some(Self::of_client(client))
    }

    /// The kind of a client error: what the server said, or unreachable when it said nothing.
    fn of_client(client: &postgres::Error) -> Self {
        let Some(db) = client.as_db_error() else {
            return Self::Unreachable;
        };
        let code = db.code().code();
        if code.starts_with("28") {
            Self::LoginRefused
        } else if code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "57P05") {
            Self::Unreachable
        } else if code == "3D000" {
            Self::NoDatabase
        } else {
            Self::Failed
        }
    }

    /// The kind of a backend error (of its source).
    pub(crate) fn of_backend(error: &BackendError) -> Self {
        Self::of(error.source.as_ref())
    }

    /// What happened, as a phrase: `postgres refused the login`.
    pub(crate) fn phrase(self) -> &'static str {
        match self {
            Self::Unreachable => "postgres unreachable",
            Self::TlsRefused => "postgres certificate refused",
            Self::LoginRefused => "postgres refused the login",
            Self::NoDatabase => "postgres has no database of that name",
            Self::InstanceInUse => "postgres instance name held by another running gateway",
            Self::Failed => "postgres failed",
        }
    }

    /// The kind alone, as the unauthenticated `/readyz` says it after `store spooling: `: no
    /// server's words, user, host or URL (those are in [`Self::reason`]).
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Self::Unreachable => "unreachable",
            Self::TlsRefused => "tls refused",
            Self::LoginRefused => "login refused",
            Self::NoDatabase => "no database",
            Self::InstanceInUse => "instance name in use",
            Self::Failed => "failed",
        }
    }

    /// The spooling reason of `error`, its kind and in full ([`Self::reason`]).
    pub(crate) fn spooling_reason(error: &BackendError) -> SpoolingReason {
        SpoolingReason {
            kind: Self::of_backend(error).kind(),
            detail: Self::reason(error),
        }
    }

    /// The spooling reason of `error`: its phrase, then the error itself (with what the server
    /// said): `postgres refused the login (store backend failed to connect to postgres: FATAL:
    /// password authentication failed for user "gw" (SQLSTATE 28P01))`.
    pub(crate) fn reason(error: &BackendError) -> String {
        format!("{} ({error})", Self::of_backend(error).phrase())
    }
}

/// The fault rustls found in the server's certificate, when that is why `error` (a client error
/// or an error holding one) happened. The client's TLS error holds rustls' error inside an I/O
/// error, whose `source()` skips it: the I/O error's own inner error is looked at.
pub(crate) fn refused_certificate<'e>(
    error: &'e (dyn Error + 'static),
) -> Option<&'e CertificateError> {
    if let Some(rustls::Error::InvalidCertificate(fault)) = error.downcast_ref::<rustls::Error>() {
        return Some(fault);
    }
    let next: Option<&(dyn Error + 'static)> =
        if let Some(explained) = error.downcast_ref::<PostgresError>() {
            // Its cause is shown, not returned by `source()`.
            Some(&explained.0)
        } else if let Some(io) = error.downcast_ref::<std::io::Error>() {
            match io.get_ref() {
                Some(inner) => Some(inner),
                None => io.source(),
            }
        } else {
            error.source()
        };
    next.and_then(refused_certificate)
}

/// `error` with a PostgreSQL client error in it replaced by a [`PostgresError`], so that its
/// `Display` says what the server said; any other error as it is. Every error of the PostgreSQL
/// backend and the fleet reader goes through here ([`crate::store::BackendError::new`],
/// [`super::fleet::Session::error`]).
pub(crate) fn explained(error: Box<dyn Error + Send + Sync>) -> Box<dyn Error + Send + Sync> {
    match error.downcast::<postgres::Error>() {
        Ok(client) => Box::new(PostgresError(*client)),
        Err(other) => other,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::str::FromStr;
    use std::time::Duration;

    use super::*;

    /// The client's error connecting to a port nothing listens on (the connection refused).
    fn refused_connect() -> postgres::Error {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let mut config =
            postgres::Config::from_str(&format!("postgres://gw@127.0.0.1:{port}/db")).unwrap();
        config.connect_timeout(Duration::from_secs(2));
        config
            .connect(postgres::NoTls)
            .err()
            .expect("nothing listens")
    }

    /// A server that refuses the connection: the client says only `error connecting to server`;
    /// the explained error says why.
    #[test]
    fn a_connect_error_is_shown_with_its_os_error() {
        let error = refused_connect();
        let bare = error.to_string();
        let boxed: Box<dyn Error + Send + Sync> = Box::new(error);
        let shown = explained(boxed).to_string();
        assert!(shown.starts_with(&bare), "{shown}");
        assert!(shown.contains("refused"), "{bare} became {shown}");
    }

    /// Nothing answers: unreachable, in the spooling reason's words too.
    #[test]
    fn a_connection_refused_is_unreachable() {
        let error = refused_connect();
        let error = BackendError::new("connect to postgres", error);
        assert_eq!(Outage::of_backend(&error), Outage::Unreachable);
        let reason = Outage::reason(&error);
        assert!(
            reason
                .starts_with("postgres unreachable (store backend failed to connect to postgres: ")
                && reason.contains("refused"),
            "{reason}"
        );
    }

    /// A client error inside another error (a schema step's, at connect: a session a stopping
    /// server cut while the gateway migrated) is the client error's kind, not `failed`.
    #[test]
    fn a_client_error_inside_a_schema_steps_error_is_its_kind() {
        let error = refused_connect();
        let step = super::super::schema::SchemaError::Sql {
            step: "read the schema version".into(),
            source: error.into(),
        };
        let error = BackendError::new("migrate the schema", step);
        assert_eq!(Outage::of_backend(&error), Outage::Unreachable);
    }

    /// A held instance name and an error that is no client's are not taken for an outage of
    /// the network.
    #[test]
    fn a_held_instance_and_other_errors_are_told_apart() {
        let held = BackendError::new(
            "lock instance gw-a",
            InstanceInUse {
                instance: "gw-a".into(),
                holder: None,
            },
        );
        assert_eq!(Outage::of_backend(&held), Outage::InstanceInUse);
        let other = BackendError::new("spool", "expected at most 5 spooled records, found 6");
        assert_eq!(Outage::of_backend(&other), Outage::Failed);
        assert!(
            Outage::reason(&other).starts_with("postgres failed (store backend failed to spool: ")
        );
    }

    /// The client's TLS error as it holds rustls' (an I/O error around it: `source()` skips it).
    fn tls_error(fault: CertificateError) -> std::io::Error {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(fault),
        )
    }

    /// A certificate of another CA, or for another name: refused by TLS, a kind of its own (not
    /// unreachable), whose `/readyz` kind says no more than that.
    #[test]
    fn a_certificate_the_ca_file_does_not_verify_is_tls_refused() {
        let foreign = BackendError::new(
            "connect to postgres",
            tls_error(CertificateError::UnknownIssuer),
        );
        assert_eq!(Outage::of_backend(&foreign), Outage::TlsRefused);
        assert_eq!(
            refused_certificate(foreign.source.as_ref()),
            Some(&CertificateError::UnknownIssuer)
        );
        let why = Outage::spooling_reason(&foreign);
        assert_eq!(why.kind, "tls refused");
        assert!(
            why.detail
                .starts_with("postgres certificate refused (store backend failed to ")
                && why.detail.contains("UnknownIssuer"),
            "{}",
            why.detail
        );
        let name = CertificateError::NotValidForName;
        let mismatch = BackendError::new("connect to postgres", tls_error(name));
        assert_eq!(Outage::of_backend(&mismatch), Outage::TlsRefused);
        // The fault found in an error's chain, not only at its top.
        let chained = std::io::Error::other(tls_error(CertificateError::Expired));
        assert_eq!(
            refused_certificate(&chained),
            Some(&CertificateError::Expired)
        );
    }

    /// A TLS failure that is not the certificate's (no common protocol, an alert) stays what it
    /// was: not taken for a configuration error.
    #[test]
    fn other_tls_failures_are_not_tls_refused() {
        let alert = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
        );
        assert_eq!(refused_certificate(&alert), None);
        let error = BackendError::new("connect to postgres", alert);
        assert_ne!(Outage::of_backend(&error), Outage::TlsRefused);
    }

    #[test]
    fn other_errors_are_left_as_they_are() {
        let error: Box<dyn Error + Send + Sync> = "expected the tables of a fleet".into();
        assert_eq!(
            explained(error).to_string(),
            "expected the tables of a fleet"
        );
    }
}
