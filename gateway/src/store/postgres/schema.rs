//! Schema migrations: numbered SQL files applied in order when a gateway connects, all in one
//! transaction with the rows that record them (`shadowgate_schema`).
//!
//! Gateways of a fleet start together: a transaction-scoped advisory lock makes the second one
//! wait for the first one's migration and then find nothing left to do. A database migrated by a
//! newer build is refused rather than written with an older idea of the tables.

use postgres::Client;

use super::error::PostgresError;

/// The migrations, in order: version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_fleet_tables",
        include_str!("migrations/0001_fleet_tables.sql"),
    ),
    (
        "0002_spool_forwarded",
        include_str!("migrations/0002_spool_forwarded.sql"),
    ),
    (
        "0003_payloads_and_reconciles",
        include_str!("migrations/0003_payloads_and_reconciles.sql"),
    ),
    (
        "0004_counters_written_at",
        include_str!("migrations/0004_counters_written_at.sql"),
    ),
    ("0005_runs", include_str!("migrations/0005_runs.sql")),
    ("0006_audit", include_str!("migrations/0006_audit.sql")),
];

/// Key of the advisory lock that serialises migrations (any constant no other tool uses).
pub(super) const MIGRATION_LOCK: i64 = 0x5348_4144_4f57_4701;

/// The schema version this build writes.
pub(crate) fn latest() -> i32 {
    i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX)
}

/// The schema could not be brought to this build's version.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SchemaError {
    /// A statement failed.
    #[error("schema migration {step}: {source}")]
    Sql {
        /// The migration or bookkeeping step.
        step: String,
        /// The server's error, shown with what the server said.
        #[source]
        source: PostgresError,
    },
    /// The database is ahead of this build.
    #[error(
        "schema version: expected at most {latest} (this build), found {found}; upgrade the \
         gateway"
    )]
    Newer {
        /// The version found in `shadowgate_schema`.
        found: i32,
        /// This build's version.
        latest: i32,
    },
}

/// Applies the migrations the database lacks; returns the version it is at now.
pub(crate) fn migrate(client: &mut Client) -> Result<i32, SchemaError> {
    let sql = |step: &str| {
        let step = step.to_owned();
        move |source: postgres::Error| SchemaError::Sql {
            step,
            source: source.into(),
        }
    };
    let mut tx = client.transaction().map_err(sql("begin"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(sql("lock"))?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS shadowgate_schema (
             version    integer     PRIMARY KEY,
             name       text        NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .map_err(sql("create shadowgate_schema"))?;
    let row = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM shadowgate_schema",
            &[],
        )
        .map_err(sql("read the version"))?;
    let found: i32 = row.try_get(0).map_err(sql("read the version"))?;
    if found > latest() {
        return Err(SchemaError::Newer {
            found,
            latest: latest(),
        });
    }
    for (version, (name, text)) in (1..)
        .zip(MIGRATIONS)
        .skip(usize::try_from(found).unwrap_or(0))
    {
        tx.batch_execute(text).map_err(sql(name))?;
        tx.execute(
            "INSERT INTO shadowgate_schema (version, name) VALUES ($1, $2)",
            &[&version, name],
        )
        .map_err(sql(name))?;
        tracing::info!(version, name, "store schema migrated");
    }
    tx.commit().map_err(sql("commit"))?;
    Ok(latest())
}
