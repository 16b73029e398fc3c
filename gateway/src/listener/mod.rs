//! Listeners: where frames and requests come in. Each takes an already-bound socket and a
//! shutdown token, so tests bind port 0 and shutdown is one cancellation.
//!
//! - `mci`: frames over persistent TCP connections, pipelined, answered in order.
//! - `http`: `POST /v1/strategies/{name}` (JSON) and `POST /v1/frames` (raw frame).
//! - `server`: the hyper server loop shared with the admin listener.

pub mod http;
pub mod mci;
pub mod server;
