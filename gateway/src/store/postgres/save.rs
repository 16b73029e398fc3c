//! One-off writes to the fleet's database from a command, not a gateway: `shadowgate reconcile
//! --store-config FLEET.toml` stores its run in `shadowgate_reconciles`, where every gateway's
//! review reads batch runs.

use super::config::PostgresConfig;
use super::connect::Connector;
use super::rows::Rows;
use super::schema;
use crate::store::backend::{BackendError, Write};

/// Upserts `writes` under the config's instance name in one transaction. It takes no instance
/// lock (the instance's gateway may be running; the rows written here are keys it never writes)
/// and migrates the schema first, as a gateway's start would.
pub fn save_to_fleet(config: &PostgresConfig, writes: Vec<Write>) -> Result<(), BackendError> {
    let connector = Connector::new(config)?;
    let mut client = connector.session()?;
    schema::migrate(&mut client).map_err(|e| BackendError::new("migrate the schema", e))?;
    let count = writes.len();
    let rows = Rows::of(writes)?;
    let failed = |e| BackendError::new(format!("commit {count} writes"), e);
    let mut tx = client.transaction().map_err(failed)?;
    rows.upsert(&mut tx, connector.instance())?;
    tx.commit().map_err(failed)
}
