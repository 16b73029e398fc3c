//! The real gateway (`Running::start`) on loopback port 0 between a test client and fake engines,
//! over real sockets.
//!
//! # Layout
//! - `bounds`: a full shadow budget skips and counts, never queues.
//! - `answers`: byte-exact passthrough from an mci live engine; JSON → frame from an http one.
//! - `shadow`: a slow or dead shadow never touches the live answer; unencodable shadow answers
//!   and masked mismatch records.
//! - `errors`: live engine down or late, malformed frames of each kind.
//! - `drain`: a planned stop's drain: `/readyz` 404, quiet MCI connections closed after their
//!   answers (a frame crossing the close counted), HTTP/1 `Connection: close`, the load
//!   generator reopening without a loss.
//! - `health`: a dead live engine on `/readyz` and `shadowgate_engine_up`, and its recovery.
//! - `pipelining`: pipelined frames answered in request order.
//! - `control`: polls and keep-alives answered by the gateway, in order, never forwarded.
//! - `sections`: a bank link with named header sections, selection by a two-field key, polls
//!   between pipelined business frames.
//! - `links`: link modes: one-shot (a half-closing client, a connection per engine call) and
//!   dual-socket (engine answers out of order and late; listener ACK/NAK and answer socket).
//! - `reload`: swapping live and shadow under traffic, no failed request.
//! - `tls`: https engines with a private CA and with mTLS.
//! - `config`: a config with several mistakes reports them all with their key paths.
//! - `http_ingress`: JSON and raw-frame ingress over HTTP.
//! - `listeners`: header-read and idle timeouts and the cap of the HTTP ingress; eviction of the
//!   longest-idle connection at the MCI listener's cap.
//! - `store_faults`: a real full disk (a tmpfs; needs root) never touches live traffic.
//! - `keepalive`: engines that close idle connections at the request pace (proxy-02), http and
//!   mci; a 5 s engine keep-alive with no setting at all.
//! - `ttl`: the header TTL as the calls' deadline: expired on arrival, cut at the TTL, flag off.
//! - `logs`: debug lines per comparison and a periodic INFO summary; peer and correlation id on
//!   frame warnings; reloads logged with source and result.
//! - `outages`: a reload in a shadow outage keeps it one outage (one WARN, one INFO); a reload
//!   moving a down engine gives it a fresh health at once; a hung
//!   engine flapping between two probes is reported, once.
//! - `secrets`: a rotated admin `token_file` takes effect on reload.
//! - `admin_host`: the loopback admin listener refuses a rebinding `Host`, answers one listed in
//!   `allowed_hosts` from the next reload.
//! - `unclean`: a gateway process SIGKILLed and restarted says the previous run did not stop
//!   cleanly (one WARN, `/api/v1/health`, the gauge); after a SIGTERM it says `clean`.
//! - `support`: the legacy engine live with an optional shadow; refused addresses; a shadow
//!   outage (a shadow at a refused address, requests until its WARN, its return); the log
//!   captured as text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin_host;
mod answers;
mod bounds;
mod config;
mod control;
mod drain;
mod errors;
mod health;
mod http_ingress;
mod keepalive;
mod links;
mod listeners;
mod logs;
mod outages;
mod pipelining;
mod reload;
mod secrets;
mod sections;
mod shadow;
mod store_faults;
mod support;
mod tls;
mod ttl;
mod unclean;
