//! The admin API's answers triage reads (`--from`; the client is
//! [`Remote`](crate::cli::remote::Remote)).

use serde::Deserialize;

use crate::triage::{AuditEntry, GroupTriage};

/// `GET /api/v1/triage?strategy=…`'s answer.
#[derive(Deserialize)]
pub(super) struct Listed {
    pub(super) groups: Vec<GroupTriage>,
}

/// `GET /api/v1/audit`'s answer.
#[derive(Deserialize)]
pub(super) struct Trail {
    pub(super) entries: Vec<AuditEntry>,
}
