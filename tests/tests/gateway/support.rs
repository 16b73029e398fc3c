//! What many tests start with: the legacy engine live, optionally a shadow, addresses nothing
//! listens on, a shadow outage, and the gateway's log captured as text.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use shadowgate_tests::fake::{FakeEngine, FakeHttp, FakeMci};
use shadowgate_tests::gateway::{answer_frame, decision, mci_deciding, MciClient, LIMIT};
use shadowgate_tests::gateway::{guid, http_answer, request_frame, GatewayBuilder, DEADLINE};
use shadowgate_tests::{EngineToml, TestGateway};
use tokio::time::Instant;
use tracing::subscriber::DefaultGuard;

/// The WARN of a shadow outage: the strategy's breaker opened.
pub const SHADOW_DOWN: &str = "shadow engine unreachable";
/// The INFO of its end: a probe reached the engine.
pub const SHADOW_UP: &str = "shadow engine reachable again";

/// A gateway with the legacy engine (mci, grade `L1`) live and `shadow` as the shadow engine
/// `new-engine`, when given.
pub async fn legacy_live(shadow: Option<EngineToml>) -> (FakeMci, TestGateway) {
    let legacy = mci_deciding("L1").start().await;
    let mut builder = TestGateway::new().live("legacy", EngineToml::mci(legacy.addr()));
    if let Some(shadow) = shadow {
        builder = builder.shadow("new-engine", shadow);
    }
    (legacy, builder.start().await)
}

/// A gateway whose live engine `legacy-down` (mci) refuses every connection.
pub async fn live_refusing() -> TestGateway {
    TestGateway::new()
        .live("legacy-down", EngineToml::mci(refused_address()))
        .start()
        .await
}

/// A gateway whose live engine `name` (mci, grade `L1`) answers after `delay`, ten times its
/// request timeout: every live call times out.
pub async fn live_slow(name: &str, delay: std::time::Duration) -> (FakeMci, TestGateway) {
    let legacy = mci_deciding("L1").delay(delay).start().await;
    let gateway = TestGateway::new()
        .live(
            name,
            EngineToml::mci(legacy.addr()).request_timeout(delay / 10),
        )
        .start()
        .await;
    (legacy, gateway)
}

/// The legacy engine live and `shadow` as shadow, with extra strategy keys.
pub async fn legacy_live_with(shadow: EngineToml, keys: &[(&str, &str)]) -> (FakeMci, TestGateway) {
    legacy_live_configured(shadow, keys, GatewayBuilder::strategy_key).await
}

/// The legacy engine live and `shadow` as shadow, with `[shadow]` section keys.
pub async fn legacy_live_shadow_keys(
    shadow: EngineToml,
    keys: &[(&str, &str)],
) -> (FakeMci, TestGateway) {
    legacy_live_configured(shadow, keys, GatewayBuilder::shadow_key).await
}

/// The legacy engine live and `shadow` as shadow, each of `keys` set by `set`.
async fn legacy_live_configured(
    shadow: EngineToml,
    keys: &[(&str, &str)],
    set: fn(GatewayBuilder, &str, String) -> GatewayBuilder,
) -> (FakeMci, TestGateway) {
    let legacy = mci_deciding("L1").start().await;
    let mut builder = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .shadow("new-engine", shadow);
    for (key, value) in keys {
        builder = set(builder, key, (*value).to_owned());
    }
    (legacy, builder.start().await)
}

/// Sends a request with correlation id `id` and asserts the legacy engine's answer came back
/// byte for byte.
pub async fn assert_legacy_answer(client: &mut MciClient, id: &str) {
    let request = request_frame(id);
    let answer = client.call(&request).await;
    let expected = answer_frame(&request, &decision("L1", LIMIT));
    assert_eq!(answer[..], expected[..]);
}

/// A gateway whose shadow engine refuses connections: the legacy engine (mci, grade `L1`) live,
/// the shadow `shadow` (http, at `address`, where nothing listens), and an MCI client sending
/// requests at a steady pace, each within [`DEADLINE`] of the start.
pub struct ShadowOutage {
    /// The gateway.
    pub gateway: TestGateway,
    /// Where the shadow engine is expected.
    pub address: SocketAddr,
    client: MciClient,
    _legacy: FakeMci,
    deadline: Instant,
    sent: u64,
}

/// [`ShadowOutage`] with the shadow engine called `new-engine` at `http://{address}`.
pub async fn shadow_outage() -> ShadowOutage {
    shadow_outage_of("new-engine", "").await
}

/// [`ShadowOutage`] with the shadow engine called `shadow` at `http://{address}{path}`.
pub async fn shadow_outage_of(shadow: &str, path: &str) -> ShadowOutage {
    let address = refused_address();
    let legacy = mci_deciding("L1").start().await;
    let gateway = TestGateway::new()
        .live("legacy", EngineToml::mci(legacy.addr()))
        .shadow(shadow, EngineToml::http(&format!("http://{address}{path}")))
        .start()
        .await;
    let client = gateway.mci_client().await;
    ShadowOutage {
        gateway,
        address,
        client,
        _legacy: legacy,
        deadline: Instant::now() + DEADLINE,
        sent: 0,
    }
}

impl ShadowOutage {
    /// Sends one request and waits for its answer, then 10 ms; fails past the deadline.
    pub async fn request(&mut self, log: &Log) {
        assert!(Instant::now() < self.deadline, "{}", log.text());
        let frame = request_frame(&guid(300 + self.sent));
        self.client.call(&frame).await;
        self.sent += 1;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    /// Sends requests until `log` has the outage's WARN ([`SHADOW_DOWN`]).
    pub async fn until_down(&mut self, log: &Log) {
        while log.lines_with("WARN", SHADOW_DOWN).is_empty() {
            self.request(log).await;
        }
    }

    /// Sends requests for `time`.
    pub async fn during(&mut self, time: std::time::Duration, log: &Log) {
        let until = Instant::now() + time;
        while Instant::now() < until {
            self.request(log).await;
        }
    }

    /// Starts the shadow engine (grade `L1`) at its address and sends requests until `log` has
    /// the outage's INFO ([`SHADOW_UP`]); the engine runs while its handle lives.
    pub async fn until_back(&mut self, log: &Log) -> FakeHttp {
        let answer = http_answer(&decision("L1", LIMIT));
        let engine = FakeEngine::http()
            .reply(move |_| answer.clone())
            .start_at(self.address)
            .await;
        while log.lines_with("INFO", SHADOW_UP).is_empty() {
            self.request(log).await;
        }
        engine
    }
}

/// An address nothing listens on: connections are refused.
pub fn refused_address() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// The text log of this thread, without colours. The subscriber is this thread's only, so a
/// test runs the gateway on its own thread (`current_thread` runtime) and tests running in
/// parallel do not mix their lines.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    /// Captures this thread's log at debug level until the guard drops.
    pub fn capture() -> (Log, DefaultGuard) {
        Log::capture_at(tracing::Level::DEBUG)
    }

    /// Captures this thread's log at `level` until the guard drops. Callsites are anchored
    /// ([`shadowgate::test_log::anchor`]): a line a test without a subscriber reached first is
    /// still captured.
    pub fn capture_at(level: tracing::Level) -> (Log, DefaultGuard) {
        shadowgate::test_log::anchor();
        let log = Log::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        (log, tracing::subscriber::set_default(subscriber))
    }

    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The lines with `level` and `message`.
    pub fn lines_with(&self, level: &str, message: &str) -> Vec<String> {
        let text = self.text();
        let lines = text
            .lines()
            .filter(|l| l.contains(level) && l.contains(message));
        lines.map(str::to_owned).collect()
    }
}
