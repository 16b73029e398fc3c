//! shadowgate: a shadow-deployment gateway between core banking and credit decisioning.
//!
//! Core banking sends MCI frames; the gateway answers with the live engine's decision only, sends
//! the same request to the shadow engine in a task the live path never awaits, compares both
//! decisions field by field and records every mismatch for the migration team.
//!
//! This crate will hold the config, listeners, engine clients, routing, shadow fan-out, store,
//! admin API, metrics and demo. See the top README for the request path and `docs/engine-contract.md` for the engine contracts.
//!
//! # Layout
//! - [`config`]: the config file, validated into runtime settings with every problem reported.
//! - [`runtime`]: engine clients and strategies of one config generation (what a reload swaps).
//! - [`pipeline`]: the request path: decode, route, live answer, shadow comparison, records.
//! - [`outcome`]: how one shadow comparison ended ([`outcome::ShadowOutcome`]), with every label
//!   derived from it.
//! - [`listener`]: MCI and HTTP ingress, and the shared HTTP server loop.
//! - [`link`]: what the link modes share: correlation ids and transport acknowledgements.
//! - [`server`]: a running gateway: start, reload, graceful shutdown.
//! - [`draining`]: a planned stop's drain: unready for new connections, open ones closed when quiet.
//! - [`health`]: engine health of the running gateway: start-up check, probe task, its view.
//! - [`engine`]: engine clients (HTTP/HTTPS with rustls, pooled MCI over TCP) and their errors.
//! - [`metrics`]: Prometheus metrics: one registry per gateway, handles created once, store stats
//!   exported at scrape time.
//! - [`replay`]: replay runs: which stored cases, at what pace, their results.
//! - [`review`]: cutover review arithmetic: mismatch rate upper bounds and readiness.
//! - [`store`]: the durable mismatch store (sled): records, counters, groups, retention.
//! - [`demo`]: `shadowgate demo`: two engines that diverge, synthetic traffic, the report.
//! - [`loadgen`]: `shadowgate loadgen`: closed- and open-loop MCI load, latency percentiles.
//! - `log_limit`: a recurring event's log line at most once a minute, with its count.
//! - [`admin`]: the admin listener: health, metrics, review API, HTML report.
//! - [`reconcile`]: `shadowgate reconcile`: batch results compared table against table.
//! - [`cli`]: the review subcommands `report` and `mismatches list|show`.
//! - [`version`]: the version and git commit of this build.
//! - [`triage`]: triage states of mismatch groups and the hash-chained audit trail.
//! - [`cutover`]: cutover sign-off with its evidence, and reloads linked to it in the audit trail.

pub mod admin;
pub mod cli;
pub mod config;
pub mod cutover;
pub mod demo;
pub mod draining;
pub mod engine;
pub mod health;
pub mod link;
pub mod listener;
pub mod loadgen;
mod log_limit;
pub mod metrics;
pub mod outcome;
pub mod pipeline;
pub mod reconcile;
pub mod replay;
pub mod review;
pub mod runtime;
pub mod server;
pub mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod test_log;
pub mod triage;
pub mod version;
