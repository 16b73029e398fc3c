//! The store on PostgreSQL (fleet mode), against a real throwaway cluster
//! ([`shadowgate_tests::postgres::TestPostgres`]).
//!
//! - `crash`: writers SIGKILLed and restarted: every flushed record kept, nothing counted twice.
//! - `retry`: the writer over [`shadowgate::store::postgres::PostgresBackend`]; a batch whose
//!   acknowledgement is lost is written again and counted once.
//! - `gateways`: real gateways with `backend = "postgres"`: known traffic gives exact totals,
//!   groups and records per instance and for the fleet, across a restart.
//! - `spool`: a group first seen while the database is down is spooled and forwarded.
//! - `tls`: `sslmode = "verify-full"` against a cluster with TLS on; another CA's certificate is
//!   a `check-config` error.
//! - `notices`: a server error shown with its message; the server's notices logged at DEBUG.
//! - `haproxy`: three gateway processes behind HAProxy (the fleet recipe): exact fleet totals
//!   and groups, then one SIGKILLed and restarted: every answered frame counted once or lost in
//!   the killed one's unflushed window. `haproxy::fallback`: with no gateway ready (their live
//!   engine down), the recipe's backups spread connections over every gateway, and HAProxy cuts
//!   them once a gateway is ready again.
//! - `linkage`: a reload or a start while PostgreSQL is down is recorded, and checked against the
//!   sign-offs, once it answers, without another reload.
//! - `login`: a refused login (28P01) and a missing database (3D000): `check-config` errors,
//!   and a gateway that serves, spools and says "postgres refused the login".
//! - `outage`: PostgreSQL stopped under traffic: the local spool, then exact totals.
//! - `start_down`: a gateway started while PostgreSQL is down spools from its first comparison;
//!   the totals counted from zero are added to the instance's once it answers.
//! - `start_silent`: a database that accepts connections and never answers does not hold a
//!   gateway's start: connects give up at `connect_timeout_ms`.
//! - `start_held`: the same writer finding its instance name held when the database answers:
//!   it keeps spooling, then forwards once the name is free.
//! - `runs`: an instance's run mark: a store dropped without `close` is found unclean by the
//!   next open of that instance name, a closed one clean, one closed while spooling clean too.
//! - `stop_down`: a gateway SIGTERMed while PostgreSQL is down is not said unclean at its
//!   restart; one SIGKILLed then still is.
//! - `support`: a gateway on the test cluster; the cluster and engines of the outage tests
//!   (`Rig`); waiting for a gateway's comparisons to be counted; its metrics and admin API.
//! - `review`: two gateways, one review: the report CLI and either admin API show the fleet's
//!   totals, groups and records, with the per-instance breakdown.
//! - `replays`: replay runs are the fleet's, in its database: a group replayed through one
//!   gateway shows its verdict on the other and in the CLI's report; two runs started in the
//!   same microsecond are both kept; the database away, a run's results are still printed and
//!   its save fails naming the database.
//! - `triage`: triage, the audit trail and sign-offs are the fleet's, one hash chain in its
//!   database: set or signed on one gateway, seen by the other and by the CLI beside them; two
//!   sessions appending at once never fork the chain nor store a change over a newer one.

// Tests: a panic is a failed test with a location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crash;
mod gateways;
mod haproxy;
mod linkage;
mod login;
mod notices;
mod outage;
mod replays;
mod retry;
mod review;
mod runs;
mod spool;
mod start_down;
mod start_held;
mod start_silent;
mod stop_down;
mod support;
mod tls;
mod triage;
