//! A PostgreSQL client error shown with its cause: what the server said, or the OS error.
//!
//! The client shows an error the server sent as `db error`, and one of the socket as `error
//! connecting to server`, and keeps the useful part (`password authentication failed for user
//! "gw"`, `Connection refused`) in its `source()`. Log lines, the readiness detail and the CLI's
//! errors are built from `Display`, which alone loses it: [`PostgresError`] shows both.

use std::error::Error;
use std::fmt;

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

    /// A server that refuses the connection: the client says only `error connecting to server`;
    /// the explained error says why.
    #[test]
    fn a_connect_error_is_shown_with_its_os_error() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let mut config =
            postgres::Config::from_str(&format!("postgres://gw@127.0.0.1:{port}/db")).unwrap();
        config.connect_timeout(Duration::from_secs(2));
        let error = config
            .connect(postgres::NoTls)
            .err()
            .expect("nothing listens");
        let bare = error.to_string();
        let boxed: Box<dyn Error + Send + Sync> = Box::new(error);
        let shown = explained(boxed).to_string();
        assert!(shown.starts_with(&bare), "{shown}");
        assert!(shown.contains("refused"), "{bare} became {shown}");
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
