//! Bounded listeners: the HTTP ingress closes silent and idle connections and refuses beyond its
//! cap; the MCI listener at its cap closes its longest-idle connection to admit a new one.

use std::net::SocketAddr;

use shadowgate_tests::fake::FakeMci;
use shadowgate_tests::gateway::{guid, mci_deciding, Listener, MciClient, DEADLINE};
use shadowgate_tests::{EngineToml, TestGateway};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::support::assert_legacy_answer;

/// The value of the sample `series` (`name{labels}` exactly as exposed) in `gateway`'s metrics.
fn metric(gateway: &TestGateway, series: &str) -> f64 {
    let text = gateway.running().metrics.render();
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{series} not in:\n{text}"))
        .parse()
        .unwrap()
}

/// A gateway with the legacy engine live and `keys` in `[listeners.http]`.
async fn http_gateway(keys: &[(&str, &str)]) -> (FakeMci, TestGateway) {
    let legacy = mci_deciding("L1").start().await;
    let mut builder = TestGateway::new().live("legacy", EngineToml::mci(legacy.addr()));
    for (name, value) in keys {
        builder = builder.listener_key(Listener::Http, name, *value);
    }
    (legacy, builder.start().await)
}

fn http_address(gateway: &TestGateway) -> SocketAddr {
    gateway.running().http_address.unwrap()
}

/// Reads until the gateway closes the connection (end of stream or reset); returns what was
/// read. Panics after [`DEADLINE`].
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut read = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = timeout(DEADLINE, stream.read(&mut buffer))
            .await
            .expect("the gateway did not close the connection within the deadline");
        match n {
            Ok(0) | Err(_) => return read,
            Ok(n) => read.extend_from_slice(&buffer[..n]),
        }
    }
}

/// One `GET /` on a kept-alive HTTP/1.1 connection; returns the head of the answer.
async fn get(stream: &mut TcpStream) -> String {
    let request = b"GET / HTTP/1.1\r\nhost: gateway\r\n\r\n";
    stream.write_all(request).await.unwrap();
    let mut buffer = vec![0u8; 4096];
    let n = timeout(DEADLINE, stream.read(&mut buffer))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&buffer[..n]).into_owned()
}

#[tokio::test]
async fn a_connection_that_never_completes_its_request_head_is_closed() {
    // The idle timeout is far beyond the test's deadline: only the header timeout can close it.
    let keys = [
        ("header_read_timeout_ms", "200"),
        ("idle_timeout_ms", "600000"),
    ];
    let (_legacy, gateway) = http_gateway(&keys).await;
    let mut stream = TcpStream::connect(http_address(&gateway)).await.unwrap();
    stream
        .write_all(b"POST /v1/frames HTTP/1.1\r\n")
        .await
        .unwrap();
    let read = read_until_closed(&mut stream).await;
    assert!(read.is_empty(), "{}", String::from_utf8_lossy(&read));
    let closed =
        r#"shadowgate_connections_closed_total{listener="http",reason="header_read_timeout"}"#;
    assert_eq!(metric(&gateway, closed), 1.0);
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_kept_alive_connection_with_no_request_is_closed_after_the_idle_timeout() {
    let keys = [
        ("header_read_timeout_ms", "600000"),
        ("idle_timeout_ms", "200"),
    ];
    let (_legacy, gateway) = http_gateway(&keys).await;
    let mut stream = TcpStream::connect(http_address(&gateway)).await.unwrap();
    let answer = get(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    // A 405 names what the route answers (RFC 9110 §15.5.6).
    assert!(answer.contains("\r\nallow: POST\r\n"), "{answer}");
    let read = read_until_closed(&mut stream).await;
    assert!(read.is_empty(), "{}", String::from_utf8_lossy(&read));
    let idle = r#"shadowgate_connections_closed_total{listener="http",reason="idle_timeout"}"#;
    assert_eq!(metric(&gateway, idle), 1.0);
    let header =
        r#"shadowgate_connections_closed_total{listener="http",reason="header_read_timeout"}"#;
    assert_eq!(metric(&gateway, header), 0.0);
    gateway.shutdown().await;
}

#[tokio::test]
async fn http_connections_beyond_the_cap_are_closed_at_once_and_counted() {
    let (_legacy, gateway) = http_gateway(&[("max_connections", "2")]).await;
    let address = http_address(&gateway);
    let mut admitted = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(address).await.unwrap();
        // Answered: the gateway has accepted and admitted it.
        assert!(get(&mut stream).await.starts_with("HTTP/1.1 405"));
        admitted.push(stream);
    }
    let mut third = TcpStream::connect(address).await.unwrap();
    let read = read_until_closed(&mut third).await;
    assert!(read.is_empty(), "{}", String::from_utf8_lossy(&read));
    let rejected = r#"shadowgate_frames_total{listener="http",outcome="rejected"}"#;
    assert_eq!(metric(&gateway, rejected), 1.0);
    assert_eq!(
        metric(&gateway, r#"shadowgate_connections{listener="http"}"#),
        2.0
    );
    // The admitted connections are still served.
    for stream in &mut admitted {
        assert!(get(stream).await.starts_with("HTTP/1.1 405"));
    }
    gateway.shutdown().await;
}

#[tokio::test]
async fn at_its_cap_the_mci_listener_closes_the_longest_idle_connection_for_a_new_one() {
    let legacy = mci_deciding("L1").start().await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .listener_key(Listener::Mci, "max_connections", "2")
        .start()
        .await;
    let mut oldest = gateway.mci_client().await;
    assert_legacy_answer(&mut oldest, &guid(1)).await;
    let mut recent = gateway.mci_client().await;
    assert_legacy_answer(&mut recent, &guid(2)).await;
    // The cap is full; a new client is admitted and served, and the longest idle one is closed.
    let mut newcomer = MciClient::connect(gateway.mci_address()).await;
    assert_legacy_answer(&mut newcomer, &guid(3)).await;
    assert!(oldest.is_closed().await);
    assert_legacy_answer(&mut recent, &guid(4)).await;
    let evicted =
        r#"shadowgate_connections_closed_total{listener="core-banking",reason="evicted"}"#;
    assert_eq!(metric(&gateway, evicted), 1.0);
    let rejected = r#"shadowgate_frames_total{listener="core-banking",outcome="rejected"}"#;
    assert_eq!(metric(&gateway, rejected), 0.0);
    gateway.shutdown().await;
}
