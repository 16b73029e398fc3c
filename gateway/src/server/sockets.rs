//! The listening sockets of a start, all bound before any of them serves.
//!
//! Binding is the last step that can fail a start; only once every listener is bound is the
//! start recorded in the audit trail ([`crate::cutover::link_start`]) and are the sockets handed
//! to the listeners. A start that cannot bind (a port in use) therefore leaves no `start` entry:
//! such an entry would become the config the next start that serves is compared with.

use std::net::SocketAddr;

use tokio::net::TcpListener;

use super::StartError;
use crate::config::{Config, ListenerLink};
use crate::listener;

/// A bound socket and its address (port 0 resolved).
pub(super) struct Bound {
    /// The listening socket.
    pub(super) socket: TcpListener,
    /// Its local address.
    pub(super) address: SocketAddr,
}

/// One MCI listener's sockets.
pub(super) struct MciSockets {
    /// The socket requests arrive on.
    pub(super) requests: Bound,
    /// The answer socket of a dual-socket listener.
    pub(super) answers: Option<Bound>,
}

/// Every listener of a config, bound.
pub(super) struct Sockets {
    /// The MCI listeners, in config order.
    pub(super) mci: Vec<MciSockets>,
    /// The HTTP ingress.
    pub(super) http: Option<Bound>,
    /// The admin listener.
    pub(super) admin: Option<Bound>,
}

impl Sockets {
    /// Binds every listener of `config`, in config order: MCI, HTTP, admin. The first that
    /// cannot bind fails the start, naming its key; the ones bound before it are closed.
    pub(super) fn bind(config: &Config) -> Result<Sockets, StartError> {
        let mut mci = Vec::with_capacity(config.mci_listeners.len());
        for (i, settings) in config.mci_listeners.iter().enumerate() {
            let key = format!("listeners.mci[{i}].address");
            let requests = bind(&key, settings.address, settings.max_connections)?;
            let answers = match settings.link {
                ListenerLink::DualSocket { answer_address } => {
                    let key = format!("listeners.mci[{i}].answer_address");
                    Some(bind(&key, answer_address, settings.max_connections)?)
                }
                _ => None,
            };
            mci.push(MciSockets { requests, answers });
        }
        let http = match &config.http_listener {
            Some(settings) => Some(bind(
                "listeners.http.address",
                settings.address,
                settings.limits.max_connections,
            )?),
            None => None,
        };
        let admin = match &config.admin_listener {
            Some(settings) => Some(bind(
                "listeners.admin.address",
                settings.address,
                settings.limits.max_connections,
            )?),
            None => None,
        };
        Ok(Sockets { mci, http, admin })
    }
}

/// Binds a listener with an accept queue of `backlog` connections (its `max_connections`; see
/// [`listener::bind`]). Must be called within a tokio runtime.
fn bind(key: &str, address: SocketAddr, backlog: usize) -> Result<Bound, StartError> {
    let socket = listener::bind::listen(address, backlog).map_err(|source| StartError::Bind {
        key: key.to_owned(),
        address,
        source,
    })?;
    // A bound socket has a local address; the configured one is right but for port 0.
    let address = socket.local_addr().unwrap_or(address);
    Ok(Bound { socket, address })
}
