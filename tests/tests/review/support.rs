//! A gateway with an admin listener between an mci live engine and an http shadow engine that
//! disagrees, on a layout whose request and decision carry masked fields.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use protocol_mci::{Direction, Layout, Message};
use serde_json::Value;
use shadowgate::server::Running;
use shadowgate_tests::fake::{FakeHttp, FakeMci};
use shadowgate_tests::gateway::MciClient;
use shadowgate_tests::logs::LogBuffer;
use shadowgate_tests::FakeEngine;
use tempfile::TempDir;

/// Bound on every wait.
pub const DEADLINE: Duration = Duration::from_secs(10);
/// The strategy.
pub const STRATEGY: &str = "loan-screening";
/// The admin token, read by the gateway from this variable.
pub const TOKEN_ENV: &str = "SHADOWGATE_REVIEW_TEST_TOKEN";
/// Its value.
pub const TOKEN: &str = "review-test-token-7f3a";

/// The customer's name, resident registration number and accounts, in clear.
pub const NAME: &str = "김철수";
/// Resident registration number.
pub const RRN: &str = "8507142876531";
/// The account in the request and the live decision.
pub const ACCOUNT: &str = "30291847560218";
/// The account the shadow engine pays out to instead.
pub const SHADOW_ACCOUNT: &str = "30291847569999";

/// What must never appear in clear: the values, and the parts the masks hide.
pub const SECRETS: [&str; 7] = [
    NAME,
    "철수",
    RRN,
    "2876531",
    ACCOUNT,
    SHADOW_ACCOUNT,
    "3029184756",
];

/// The example layout plus masked fields: `acct_no` in the request; the account holder's name,
/// resident registration number and payout account in the decision.
pub fn layout_text() -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../config/layouts/loan-screening.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let replace = |text: String, from: &str, to: &str| {
        assert!(text.contains(from), "example layout changed: {from}");
        text.replacen(from, to, 1)
    };
    let text = replace(text, "request_length = 306", "request_length = 320");
    let text = replace(text, "response_length = 212", "response_length = 259");
    let text = replace(
        text,
        "  { name = \"cust_type\"",
        "  { name = \"acct_no\", type = \"text\", length = 14, mask = \"account\" },\n  { name = \"cust_type\"",
    );
    replace(
        text,
        "  { name = \"message\"",
        "  { name = \"holder_name\", type = \"text\", length = 20, mask = \"name\", truncate = true },\n  { name = \"holder_rrn\", type = \"text\", length = 13, mask = \"rrn\" },\n  { name = \"payout_acct\", type = \"text\", length = 14, mask = \"account\" },\n  { name = \"message\"",
    )
}

/// The test layout, parsed.
pub fn layout() -> Arc<Layout> {
    static LAYOUT: OnceLock<Arc<Layout>> = OnceLock::new();
    LAYOUT
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("layout.toml");
            std::fs::write(&path, layout_text()).unwrap();
            Arc::new(Layout::from_file(&path).unwrap_or_else(|e| panic!("{e}")))
        })
        .clone()
}

/// The request frame with correlation id number `n`.
pub fn request_frame(n: u64) -> Vec<u8> {
    let text = r#"{
        "header": {"guid": "GUID", "sys_code": "CBS", "tx_code": "LNS0001", "rr_flag": "S",
            "resp_code": "", "sent_at": "2026-11-21T09:30:15.123", "channel": "01", "branch": "0012"},
        "body": {"cust_no": "000123456789", "cust_name": "NAME", "rrn": "RRN", "acct_no": "ACCOUNT",
            "cust_type": "01", "annual_income": 58000000, "existing_debt": 12000000,
            "credit_score": 812, "req_amount": 30000000, "req_term": 36, "loan_cnt": 0, "loans": []}
    }"#;
    let text = text
        .replace("GUID", &format!("20261121CBS{n:021}"))
        .replace("NAME", NAME)
        .replace("RRN", RRN)
        .replace("ACCOUNT", ACCOUNT);
    let request: Message = serde_json::from_str(&text).unwrap();
    layout().encode(Direction::Request, &request).unwrap()
}

/// A decision body with `grade`, paying out to `account`.
pub fn decision(grade: &str, account: &str) -> Value {
    let text = r#"{"decision": "A", "reason_code": "A001", "grade": "GRADE", "limit_amount": 30000000,
        "rate": 5.250, "offer_cnt": 0, "offers": [], "holder_name": "NAME", "holder_rrn": "RRN",
        "payout_acct": "ACCOUNT", "message": "approved"}"#;
    let text = text
        .replace("GRADE", grade)
        .replace("NAME", NAME)
        .replace("RRN", RRN)
        .replace("ACCOUNT", account);
    serde_json::from_str(&text).unwrap()
}

/// The live engine: mci, grade `L1`, the customer's own account.
pub async fn live_engine() -> FakeMci {
    FakeEngine::mci(|| layout().framer())
        .reply(|request| {
            let layout = layout();
            let mut header = layout.decode_header(request).unwrap();
            header.insert("rr_flag".into(), "R".into());
            header.insert("resp_code".into(), "0000".into());
            let body = decision("L1", ACCOUNT).as_object().unwrap().clone();
            Bytes::from(
                layout
                    .encode(Direction::Response, &Message { header, body })
                    .unwrap(),
            )
        })
        .start()
        .await
}

/// The shadow engine: http; grade `N2` and another payout account, and on every third call a
/// grade too long for the layout (an unencodable answer).
pub async fn shadow_engine() -> FakeHttp {
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    FakeEngine::http()
        .reply(move |_| {
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let grade = if n % 3 == 2 { "TOO-LONG" } else { "N2" };
            let mut answer: Value =
                serde_json::from_str(r#"{"header": {"resp_code": "0000"}}"#).unwrap();
            answer["body"] = decision(grade, SHADOW_ACCOUNT);
            // Differs from the live message, hidden by `ignore body.message`.
            answer["body"]["message"] = "approved by the new engine".into();
            answer
        })
        .start()
        .await
}

/// A running gateway with its admin listener and fake engines.
pub struct Scenario {
    /// The gateway.
    pub running: Running,
    /// Its folder: config, layout, store.
    pub dir: TempDir,
    /// `http://127.0.0.1:PORT` of the admin listener.
    pub admin: String,
    /// The bearer token, when configured.
    pub token: Option<&'static str>,
    _live: FakeMci,
    _shadow: FakeHttp,
}

impl Scenario {
    /// Starts engines and a gateway (`readiness` lines go to the strategy's readiness section);
    /// with `token`, the admin listener requires it.
    pub async fn start(token: bool, readiness: &str) -> Scenario {
        Self::start_with(token, readiness, "", |_| {}).await
    }

    /// [`Scenario::start`] with `extra` config appended, after `seed` has written to the store
    /// directory (e.g. a store written by the library with a moved clock).
    pub async fn start_with(
        token: bool,
        readiness: &str,
        extra: &str,
        seed: impl FnOnce(&std::path::Path),
    ) -> Scenario {
        let (live, shadow) = (live_engine().await, shadow_engine().await);
        let dir = tempfile::tempdir().unwrap();
        seed(&dir.path().join("store"));
        std::fs::write(dir.path().join("layout.toml"), layout_text()).unwrap();
        let token_line = if token {
            // Every test sets the same value, so parallel tests do not disturb each other.
            std::env::set_var(TOKEN_ENV, TOKEN);
            format!("token_env = \"{TOKEN_ENV}\"")
        } else {
            String::new()
        };
        let config = format!(
            r#"
[[listeners.mci]]
name = "core-banking"
address = "127.0.0.1:0"
layout = "{STRATEGY}"

[listeners.admin]
address = "127.0.0.1:0"
{token_line}

[layouts]
{STRATEGY} = "layout.toml"

[engines.legacy]
protocol = "mci"
address = "{live}"
layout = "{STRATEGY}"

[engines.new-engine]
protocol = "http"
url = "{shadow}"

[strategies.{STRATEGY}]
layout = "{STRATEGY}"
tx_codes = ["LNS0001"]
path = "/v1/strategies/{STRATEGY}"
live = "legacy"
shadow = "new-engine"

[strategies.{STRATEGY}.rules]
ignore = ["header.sent_at", "body.message"]

[strategies.{STRATEGY}.readiness]
{readiness}

[store]
path = "store"

{extra}
"#,
            live = live.addr(),
            shadow = shadow.url(),
        );
        let path = dir.path().join("shadowgate.toml");
        std::fs::write(&path, config).unwrap();
        let config = shadowgate::config::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let running = Running::start(config)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let admin = format!("http://{}", running.admin_address.unwrap());
        Scenario {
            running,
            dir,
            admin,
            token: token.then_some(TOKEN),
            _live: live,
            _shadow: shadow,
        }
    }

    /// Sends `n` requests over one MCI connection and waits until all are counted.
    pub async fn traffic(&self, n: u64) {
        let mut client = MciClient::connect(self.running.mci_addresses[0]).await;
        for i in 0..n {
            client.call(&request_frame(i)).await;
        }
        let reader = self.running.store.reader();
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let counted = reader
                .summary()
                .unwrap()
                .iter()
                .find(|c| c.strategy == STRATEGY)
                .map_or(0, |c| c.comparisons() + c.skipped);
            if counted >= n {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {counted} of {n} counted"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// GET on the admin listener with the scenario's token.
    pub async fn get(&self, path: &str) -> (u16, http::HeaderMap, String) {
        get(&format!("{}{path}", self.admin), self.token).await
    }

    /// The store directory.
    pub fn store_dir(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// Stops the gateway (answers in flight finished, store closed); the engines keep running.
    pub async fn stop(self) -> Stopped {
        self.running.shutdown(Duration::from_secs(5)).await;
        Stopped {
            dir: self.dir,
            token: self.token,
            live: self._live,
            shadow: self._shadow,
        }
    }
}

/// A scenario whose gateway was stopped: its folder and engines, for a restart.
pub struct Stopped {
    /// Its folder: config, layout, store.
    pub dir: TempDir,
    token: Option<&'static str>,
    live: FakeMci,
    shadow: FakeHttp,
}

impl Stopped {
    /// The config file.
    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("shadowgate.toml")
    }

    /// Starts a gateway again from the config file as it is now, with the same engines.
    pub async fn start(self) -> Scenario {
        let config =
            shadowgate::config::load(&self.config_path()).unwrap_or_else(|e| panic!("{e}"));
        let running = Running::start(config)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let admin = format!("http://{}", running.admin_address.unwrap());
        Scenario {
            running,
            dir: self.dir,
            admin,
            token: self.token,
            _live: self.live,
            _shadow: self.shadow,
        }
    }
}

/// A GET with an optional bearer token: status, headers, body.
pub async fn get(url: &str, token: Option<&str>) -> (u16, http::HeaderMap, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let mut request = http::Request::get(url);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = tokio::time::timeout(
        DEADLINE,
        client.request(request.body(Empty::new()).unwrap()),
    )
    .await
    .unwrap()
    .unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (
        parts.status.as_u16(),
        parts.headers,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

/// Log lines written through the test's tracing subscriber.
pub fn captured_logs() -> String {
    logs().text()
}

/// Installs (once per test binary) a subscriber that writes every shadowgate event and span field
/// at every level to a buffer.
pub fn capture_logs() {
    let _ = logs();
}

fn logs() -> &'static LogBuffer {
    static BUFFER: OnceLock<LogBuffer> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer = LogBuffer::default();
        tracing::subscriber::set_global_default(buffer.subscriber()).unwrap();
        buffer
    })
}

/// A mismatch of the scenario's strategy as the library's writer takes it (for seeding a store).
pub fn recorded_mismatch(n: u64) -> shadowgate::store::Event {
    use shadowgate::store::{Difference, Event, Mismatch, RecordKind};
    Event::Record(Box::new(Mismatch {
        strategy: Arc::from(STRATEGY),
        kind: RecordKind::Mismatch,
        error_kind: None,
        tx_code: "LNS0001".into(),
        correlation_id: format!("seed-{n}"),
        live_engine: "legacy".into(),
        shadow_engine: "new-engine".into(),
        differences: vec![Difference {
            path: "body.grade".into(),
            kind: "value_changed".into(),
            live: Some(Value::String("L1".into())),
            shadow: Some(Value::String("N2".into())),
            severity: "major".into(),
            expired_rule: None,
        }],
        signature: "body.grade".into(),
        differing_paths: vec!["body.grade".into()],
        reason: None,
        request: serde_json::json!({"body": {"cust_name": "홍**"}}).into(),
        live_decision: Some(serde_json::json!({"body": {"grade": "L1"}}).into()),
        shadow_decision: Some(serde_json::json!({"body": {"grade": "N2"}}).into()),
        live_latency_us: 10,
        shadow_latency_us: 20,
        payload: None,
        confirmation: None,
    }))
}
