//! End-to-end tests of shadowgate.
//!
//! Small builders for fake engines (`FakeEngine::http().reply(..).delay(..)`,
//! `FakeEngine::mci(framer)`), started on loopback port 0 and stopped when dropped, and a test PKI
//! generated per test. The tests in `tests/` drive the real gateway through real sockets.
//!
//! # Layout
//! - [`dashboards`]: the queries of the Grafana dashboards and alert rules in `dashboards/`.
//! - [`fake`]: fake HTTP/HTTPS and MCI engines, and the test framer.
//! - [`gateway`]: the real gateway on port 0 from a config builder, its clients, test frames.
//! - [`haproxy`]: a real HAProxy from the fleet recipe (`deploy/fleet/haproxy.cfg`), in front of
//!   test gateways.
//! - [`pki`]: a test CA with server and client certificates, written to PEM files.
//! - [`postgres`]: a throwaway PostgreSQL cluster on a free loopback port, run as `nobody`.
//! - [`process`]: the gateway in a process of its own (the test executable run again), for
//!   SIGKILL and fleets.
//! - [`prometheus`]: a real Prometheus on a free loopback port, scraping a target, queried by tests.

// Test support: a panic here is a failed test with a location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod dashboards;
pub mod fake;
pub mod gateway;
pub mod haproxy;
pub mod logs;
pub mod pki;
pub mod postgres;
pub mod process;
pub mod prometheus;

pub use fake::FakeEngine;
pub use gateway::{EngineToml, TestGateway};
pub use pki::TestPki;
