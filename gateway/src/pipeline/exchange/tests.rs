//! Exchange unit tests: TTLs, sampling, the view held for the header echo and records, the HTTP
//! ingress's JSON body against an MCI frame's, and the JSON body written from a view against the
//! one serialised from JSON, byte for byte.

use super::*;
use protocol_mci::Direction;

#[test]
fn a_ttl_counts_from_reception_and_none_is_no_deadline() {
    let received = Instant::now();
    let ttl = Ttl::of(TtlValue::Within(Duration::from_secs(2)), received).unwrap();
    assert_eq!(ttl.deadline, received + Duration::from_secs(2));
    assert_eq!(Ttl::of(TtlValue::None, received), None);
    let huge = TtlValue::Within(Duration::from_secs(u64::MAX));
    assert_eq!(Ttl::of(huge, received), None);
}

#[test]
fn sampling_hash_is_stable() {
    assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
}

/// The demo's runtime with its live engine speaking `live` ("mci" as shipped, or "http"),
/// engines never called.
fn demo_runtime(live: &str) -> crate::runtime::Runtime {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::demo::setup::write_for_test(dir.path(), "127.0.0.1:9", "127.0.0.1:9");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = match live {
        "http" => text.replace(
            "protocol = \"mci\"\naddress = \"127.0.0.1:9\"\nlayout = \"loan-screening\"",
            "protocol = \"http\"\nurl = \"http://127.0.0.1:9\"",
        ),
        _ => text,
    };
    std::fs::write(&path, text).unwrap();
    let config = crate::config::load(&path).unwrap();
    let metrics = crate::metrics::Metrics::new("test");
    let runtime = crate::runtime::Runtime::build(Arc::new(config), &metrics).unwrap();
    let strategy = runtime.strategy(crate::demo::STRATEGY).unwrap();
    assert_eq!(
        strategy.live.is_mci(),
        live == "mci",
        "the config edit took"
    );
    runtime
}

/// The demo's strategy of [`demo_runtime`].
fn demo_strategy(live: &str) -> Arc<Strategy> {
    let runtime = demo_runtime(live);
    runtime.strategy(crate::demo::STRATEGY).cloned().unwrap()
}

#[test]
fn an_mci_requests_view_is_held_and_its_header_and_view_are_the_frame_decoded_again() {
    use crate::demo::traffic::Traffic;
    for live in ["http", "mci"] {
        let strategy = demo_strategy(live);
        let layout = strategy.layout.clone();
        let mut traffic = Traffic::new(7, "bch");
        for _ in 0..20 {
            let request = traffic.next_request();
            let frame = Bytes::from(layout.encode(Direction::Request, &request).unwrap());
            let decoded = DecodedRequest::decode(layout.clone(), frame.clone()).unwrap();
            let exchange = Exchange::from_view(strategy.clone(), decoded, Instant::now());
            let again = layout.decode_header_view(&frame).unwrap().into_tree();
            assert_eq!(exchange.request_header_tree(), again, "{live}");
            // Each echo gets its own copy to edit.
            assert_eq!(exchange.request_header_tree(), again, "{live}");
            let selected = layout.message(&exchange.tx_code).unwrap();
            let view_again = layout
                .decode_view_as(Direction::Request, selected, &frame)
                .unwrap();
            assert_eq!(*exchange.request_view(), view_again, "{live}");
        }
    }
}

/// A request with numbers given as strings, a name longer than its 20-byte field (`truncate`)
/// and no loan count, as the HTTP ingress gets it (JSON text), and the same request as core
/// banking would send it (the frame's own values).
const LOOSE: &str = r#"{
    "header": {"guid": "20261121CBS000000000000000000007", "sys_code": "CBS",
        "tx_code": "LNS0001", "rr_flag": "S", "resp_code": "", "sent_at": "2026-11-21T09:30:15.123",
        "channel": "01", "branch": "0012"},
    "body": {"cust_no": "000123456789", "cust_name": "ABCDEFGHIJKLMNOPQRSTUVWXYZ1234",
        "rrn": "9001011234567", "cust_type": "01", "annual_income": "20000000",
        "existing_debt": 0, "credit_score": "726.0", "req_amount": 30000000, "req_term": 36,
        "loans": [{"lender": "CARD CO", "balance": "4000000", "rate": "12.9"}]}
}"#;

#[test]
fn an_http_ingress_request_gets_the_json_body_of_its_frame_decoded() {
    for live in ["http", "mci"] {
        let runtime = demo_runtime(live);
        let strategy = runtime.strategy(crate::demo::STRATEGY).cloned().unwrap();
        let exchange = super::super::decode_json(
            &runtime,
            crate::demo::STRATEGY,
            LOOSE.as_bytes(),
            Instant::now(),
        )
        .unwrap();
        let canonical = LOOSE
            .replace("\"20000000\"", "20000000")
            .replace("\"726.0\"", "726")
            .replace("UVWXYZ1234", "")
            .replace("\"4000000\"", "4000000")
            .replace("\"12.9\"", "12.900")
            .replace("\"req_term\": 36,", "\"req_term\": 36, \"loan_cnt\": 1,");
        let message: protocol_mci::Message = serde_json::from_str(&canonical).unwrap();
        let layout = strategy.layout.clone();
        let frame = Bytes::from(layout.encode(Direction::Request, &message).unwrap());
        assert_eq!(exchange.frame, frame, "{live}");
        let decoded = DecodedRequest::decode(layout, frame).unwrap();
        let mci = Exchange::from_view(strategy, decoded, Instant::now());
        assert_eq!(exchange.json, mci.json, "{live}");
        let json: Value = serde_json::from_slice(&exchange.json).unwrap();
        assert_eq!(json["body"]["annual_income"].to_string(), "20000000");
        assert_eq!(json["body"]["credit_score"].to_string(), "726");
        assert_eq!(json["body"]["cust_name"], "ABCDEFGHIJKLMNOPQRST");
        assert_eq!(json["body"]["loan_cnt"].to_string(), "1");
        assert_eq!(json["body"]["loans"][0]["rate"].to_string(), "12.900");
        assert_eq!(exchange.correlation_id, "20261121CBS000000000000000000007");
    }
}

mod json_body {
    //! The JSON body an http engine gets, written from the typed view, equals the one serialised
    //! from the `Value` decode (`encode_request_body`, the engine contract) byte for byte, for
    //! generated requests of a layout with groups, decimals, dates and CP949 text; correlation
    //! id and TTL read from the view equal those read from JSON.

    use std::str::FromStr;
    use std::sync::LazyLock;

    use proptest::prelude::*;
    use protocol_mci::{Direction, Layout, Message};
    use serde_json::{json, Map, Number, Value};

    use super::super::correlation_id;
    use crate::engine::{encode_request_body, write_request_body};

    const LAYOUT: &str = r#"
name = "typed-body"
charset = "cp949"

[framing]
prefix = "ascii"
prefix_length = 6
counts = "frame"
trailer = "@@"
trailer_counted = true
max_frame = 2048

[header]
discriminator = "tx_code"
correlation_field = "guid"
fields = [
  { name = "tx_code", type = "text", length = 4, offset = 6 },
  { name = "guid", type = "text", length = 12 },
  { name = "keep_secs", type = "number", length = 3 },
  { name = "keep_flag", type = "text", length = 1 },
  { name = "sent_at", type = "date", pattern = "yyyyMMddHHmmss" },
]

[header.ttl]
field = "keep_secs"
flag_field = "keep_flag"
applies = ["Y"]

[messages.TX01]
request = [
  { name = "cust_name", type = "text", length = 20, mask = "name" },
  { name = "memo", type = "text", length = 10, blank = "null" },
  { name = "amount", type = "number", length = 15, scale = 2, sign = "leading" },
  { name = "rate", type = "number", length = 6, scale = 3 },
  { name = "fee", type = "packed", length = 5, scale = 2 },
  { name = "due", type = "date", pattern = "yyyyMMdd" },
  { name = "item_cnt", type = "number", length = 1 },
  { name = "items", type = "group", count = "item_cnt", max = 3, fields = [
    { name = "code", type = "text", length = 4 },
    { name = "balance", type = "number", length = 9, scale = 2, sign = "trailing" },
    { name = "at", type = "date", pattern = "HHmmss" },
  ] },
]
response = [{ name = "ok", type = "text", length = 1 }]
"#;

    static TYPED: LazyLock<Layout> =
        LazyLock::new(|| Layout::from_toml(LAYOUT, "typed-body.toml", "typed-body").unwrap());

    /// Text that fits `bytes` CP949 bytes: ASCII (with characters JSON escapes) and Hangul.
    fn text(bytes: usize) -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "A", "z", "0", " ", "\"", "\\", "/", "\t", "홍", "길동", "승인", "-", "<", "'",
        ]);
        prop::collection::vec(pieces, 0..bytes).prop_map(move |pieces| {
            let mut text = String::new();
            for piece in pieces {
                let width: usize = piece
                    .chars()
                    .map(|c| if c.is_ascii() { 1 } else { 2 })
                    .sum();
                let used: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
                if used + width <= bytes {
                    text.push_str(piece);
                }
            }
            // Padding at the edges would not come back: the codec refuses it.
            text.trim().to_owned()
        })
    }

    /// An exact decimal of `scale` places whose magnitude is below `10^digits`, as JSON.
    fn decimal(digits: u32, scale: u32, signed: bool) -> impl Strategy<Value = Value> {
        let max = 10i64.pow(digits) - 1;
        let min = if signed { -max } else { 0 };
        (min..=max).prop_map(move |mantissa| {
            let magnitude = mantissa.unsigned_abs();
            let power = 10u64.pow(scale);
            let sign = if mantissa < 0 { "-" } else { "" };
            let text = match scale {
                0 => format!("{sign}{magnitude}"),
                _ => format!(
                    "{sign}{}.{:0width$}",
                    magnitude / power,
                    magnitude % power,
                    width = scale as usize
                ),
            };
            Value::Number(Number::from_str(&text).unwrap())
        })
    }

    fn date() -> impl Strategy<Value = String> {
        (1990u32..2100, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
    }

    fn time() -> impl Strategy<Value = String> {
        (0u32..24, 0u32..60, 0u32..60).prop_map(|(h, m, s)| format!("{h:02}:{m:02}:{s:02}"))
    }

    fn item() -> impl Strategy<Value = Value> {
        (text(4), decimal(8, 2, true), time())
            .prop_map(|(code, balance, at)| json!({"code": code, "balance": balance, "at": at}))
    }

    fn header() -> impl Strategy<Value = Map<String, Value>> {
        let guid = "[A-Z0-9]{0,12}";
        let flag = prop::sample::select(vec!["Y", "N", ""]);
        (guid, decimal(3, 0, false), flag, date(), time()).prop_map(
            |(guid, keep, flag, day, at)| {
                let sent_at = format!("{day}T{at}");
                let header = json!({"tx_code": "TX01", "guid": guid, "keep_secs": keep,
                    "keep_flag": flag, "sent_at": sent_at});
                header.as_object().unwrap().clone()
            },
        )
    }

    fn body() -> impl Strategy<Value = Map<String, Value>> {
        let memo = prop_oneof![Just(Value::Null), text(10).prop_map(Value::String)];
        let money = (
            decimal(13, 2, true),
            decimal(6, 3, false),
            decimal(9, 2, true),
        );
        let items = prop::collection::vec(item(), 0..=3);
        (text(20), memo, money, date(), items).prop_map(
            |(name, memo, (amount, rate, fee), due, items)| {
                let body = json!({"cust_name": name, "memo": memo, "amount": amount,
                    "rate": rate, "fee": fee, "due": due, "item_cnt": items.len(),
                    "items": items});
                body.as_object().unwrap().clone()
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_view_writes_the_json_body_of_the_value_decode(header in header(), body in body()) {
            let layout = &*TYPED;
            let frame = layout.encode(Direction::Request, &Message { header, body }).unwrap();
            // Today's path: a Value decode serialised by serde_json.
            let (selected, message) = layout.decode_selected(Direction::Request, &frame).unwrap();
            let expected =
                encode_request_body(&selected.code, &message.header, &message.body).unwrap();
            // The live path's: the typed view written directly.
            let (selected, view) = layout.decode_view_selected(Direction::Request, &frame).unwrap();
            let written = write_request_body(&selected.code, &view);
            prop_assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&expected)
            );
            prop_assert_eq!(&written, &expected);
            prop_assert_eq!(layout.ttl_view(&view.header), layout.ttl(&message.header));
            let field = layout.correlation_field().unwrap();
            let (by_view, by_value) = (field.text_view(&view.header), field.text(&message.header));
            prop_assert_eq!(by_view, by_value);
            if by_value.is_some_and(|id| !id.is_empty()) {
                prop_assert_eq!(correlation_id(by_view), correlation_id(by_value));
            }
        }
    }

    /// The demo's requests (loan screening: CP949 names, a group of loans with rates) give the
    /// same bytes both ways too.
    #[test]
    fn demo_requests_write_the_same_json_body() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../config/layouts/loan-screening.toml"
        );
        let layout = Layout::from_file(path).unwrap();
        let mut traffic = crate::demo::traffic::Traffic::new(7, "bch");
        for _ in 0..200 {
            let frame = layout
                .encode(Direction::Request, &traffic.next_request())
                .unwrap();
            let (selected, message) = layout.decode_selected(Direction::Request, &frame).unwrap();
            let expected =
                encode_request_body(&selected.code, &message.header, &message.body).unwrap();
            let (selected, view) = layout
                .decode_view_selected(Direction::Request, &frame)
                .unwrap();
            assert_eq!(write_request_body(&selected.code, &view), expected);
        }
    }
}
