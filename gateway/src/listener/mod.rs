//! Listeners: where frames and requests come in. Each takes an already-bound socket and a
//! shutdown token, so tests bind port 0 and shutdown is one cancellation.
//!
//! - `mci`: frames over persistent TCP connections, pipelined, answered in order; or one-shot
//!   connections.
//! - `dual`: the dual-socket MCI link: requests on one socket, answers on another.
//! - `http`: `POST /v1/strategies/{name}` (JSON) and `POST /v1/frames` (raw frame).
//! - `server`: the hyper server loop shared with the admin listener: connection cap, timeouts.
//! - `activity`: the watchdog that closes an HTTP connection when it idles or stalls.
//! - `admission`: the MCI listener's connection table; at its cap the longest-idle connection
//!   makes room for a new one.
//! - `bind`: listening sockets with an accept queue sized for the listener's connections.
//! - `fd_budget`: the listeners' and engines' connection caps against the open-file limit.
//! - `undelivered`: MCI answers the client closed its connection before: counted and logged.
//! - `drain_summary`: the line a listener's drain ends with, from its metrics.

mod activity;
pub mod admission;
pub mod bind;
mod drain_summary;
mod dual;
pub mod fd_budget;
pub mod http;
pub mod mci;
pub mod server;
mod undelivered;
