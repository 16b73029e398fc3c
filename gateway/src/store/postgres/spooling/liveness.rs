//! An idle writer's check that the database still answers.
//!
//! The store learns of an outage at a write: without traffic, a database gone away would go
//! unnoticed (`/readyz` ready without a detail, the health API not spooling) while the admin
//! pages, which read it, answer 503. So a writer that has not reached the database for
//! [`IDLE_CHECK`] runs `SELECT 1` on its own session (never another, never on the live path),
//! at most once per [`IDLE_CHECK`]; a failure starts spooling as a refused write does (same
//! reason, same WARN), and the retries that follow forward the spool and end it when the
//! database is back.

use std::time::Instant;

use super::{SpoolingBackend, IDLE_CHECK};

impl SpoolingBackend {
    /// Checks the database if it has not answered for [`IDLE_CHECK`]; spools from now on if it
    /// does not answer.
    pub(super) fn check_idle(&mut self) {
        if self.last_contact.elapsed() < IDLE_CHECK {
            return;
        }
        self.last_contact = Instant::now();
        if let Err(error) = self.db.ping() {
            self.spooling = true;
            self.spooling_since.get_or_insert_with(Instant::now);
            self.next_try = Some(Instant::now() + self.retry);
            self.refused(&error);
            self.set_spooled();
        }
    }
}
