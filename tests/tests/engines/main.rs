//! Engine clients against fake engines over real loopback sockets.
//!
//! # Layout
//! - `http`: the engine HTTP contract, errors, deadline and concurrency limit.
//! - `tls`: HTTPS with a private CA, server name override, mTLS, wrong CA, bad PEM files, reuse
//!   and a close by the engine seen before reuse.
//! - `mci`: the MCI connection pool: reuse, bound, late answers never reaching another caller.
//! - `lifecycle`, `lifecycle_mci`: idle timeout, Keep-Alive hint, age cap, closes seen before
//!   reuse, the one re-send of a request lost on a stale connection, and its events.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod http;
mod lifecycle;
mod lifecycle_mci;
mod mci;
mod tls;
