//! Binding a listening socket with an accept queue sized for its connections.
//!
//! `tokio::net::TcpListener::bind` asks the kernel for an accept queue of 128, as `std` does.
//! When more clients connect at once than the process accepts in that moment (a core-banking
//! host reconnecting every channel after a failover, a burst of shadow calls each opening a
//! connection to an engine), the kernel drops the SYNs beyond the queue (counted in `nstat`'s
//! `TcpExtListenOverflows`) and each client waits for its retransmission, 1 s later, or gives up
//! (a 1 s `connect_timeout_ms` gives up exactly then). HAProxy sizes its `backlog` as its
//! `maxconn`, nginx asks for 511; here it is the listener's connection cap.

use std::io;
use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpSocket};

/// The accept queue asked for at least: what `std` asks for.
pub const MIN_BACKLOG: usize = 128;

/// Binds `address` and listens with an accept queue of `backlog` connections (at least
/// [`MIN_BACKLOG`]; the kernel caps it at `net.core.somaxconn`, 4096 by default since Linux
/// 5.4). Must be called within a tokio runtime.
pub fn listen(address: SocketAddr, backlog: usize) -> io::Result<TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => TcpSocket::new_v4(),
        SocketAddr::V6(_) => TcpSocket::new_v6(),
    }?;
    // As `TcpListener::bind` does on Unix: a restarted process rebinds its port while the old
    // one's connections are in TIME-WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(u32::try_from(backlog.max(MIN_BACKLOG)).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::net::TcpStream;
    use tokio::time::timeout;

    use super::*;

    /// Opens `count` connections to `address` that nobody accepts; how many completed within
    /// 300 ms each (a SYN dropped for a full accept queue is retried only after 1 s).
    async fn connect_unaccepted(address: SocketAddr, count: usize) -> (usize, Vec<TcpStream>) {
        let mut open = Vec::new();
        for _ in 0..count {
            match timeout(Duration::from_millis(300), TcpStream::connect(address)).await {
                Ok(Ok(stream)) => open.push(stream),
                _ => break,
            }
        }
        (open.len(), open)
    }

    #[tokio::test]
    async fn the_accept_queue_holds_the_backlog_asked_for() {
        let listener = listen("127.0.0.1:0".parse().unwrap(), 400).unwrap();
        let address = listener.local_addr().unwrap();
        // 300 clients at once, none accepted yet: every one is queued, none dropped (unless the
        // machine caps every queue lower).
        let cap = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
            .ok()
            .and_then(|text| text.trim().parse::<usize>().ok())
            .unwrap_or(4096);
        let (connected, _open) = connect_unaccepted(address, 300).await;
        assert_eq!(connected, 300.min(cap + 1));
    }

    #[tokio::test]
    async fn a_small_backlog_is_raised_to_the_minimum_and_std_s_queue_overflows() {
        // The fault this module exists for, shown on the default queue: connections beyond
        // `MIN_BACKLOG` (+1, the kernel's off-by-one) are not completed while none is accepted.
        let listener = listen("127.0.0.1:0".parse().unwrap(), 1).unwrap();
        let address = listener.local_addr().unwrap();
        let (connected, _open) = connect_unaccepted(address, MIN_BACKLOG + 10).await;
        assert!(
            (MIN_BACKLOG..MIN_BACKLOG + 10).contains(&connected),
            "{connected} connections completed with an accept queue of {MIN_BACKLOG}"
        );
    }
}
