//! An instance name held by another running gateway: [`InstanceInUse`], naming the holder as
//! the server shows its session (`pg_locks` joined with `pg_stat_activity`). Every gateway's
//! sessions carry `application_name` `shadowgate pid PID on HOST` ([`super::connect`]), so the
//! holder names a process and a host, not only an address.

use postgres::Client;

use super::connect::INSTANCE_LOCK;

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

/// The session holding `instance`'s lock, as the server shows it; `None` if it cannot be read
/// (it ended meanwhile, or the server hides other roles' sessions).
pub(super) fn holder(client: &mut Client, instance: &str) -> Option<Holder> {
    let row = client
        .query_opt(&holder_sql(), &[&instance])
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
}
