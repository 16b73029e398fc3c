//! Synthetic loan applications: a deterministic, seeded generator with no real personal data.
//!
//! Names are a common surname and two given-name syllables; resident registration numbers have
//! the real shape (`YYMMDD` + seven digits) but a back half starting `0000`, which no issued
//! number has (the first back digit 0 means born in the 1800s, against a birth year after 1960);
//! customer numbers start with `99`. Types, scores, incomes and debts are mixed so that every
//! branch of the strategy is taken.

use serde_json::{Map, Value};

use crate::store::format_micros;
use protocol_mci::Message;

/// The demo's transaction code.
pub const TX_CODE: &str = "LNS0001";

const SURNAMES: [&str; 12] = [
    "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오",
];
const SYLLABLES: [&str; 20] = [
    "민", "서", "준", "지", "현", "우", "예", "도", "하", "윤", "수", "연", "영", "진", "호", "성",
    "은", "아", "재", "혜",
];
const LENDERS: [&str; 6] = [
    "국민은행",
    "신한은행",
    "우리카드",
    "현대캐피탈",
    "OK저축은행",
    "KB CARD",
];

/// A seeded generator of request messages.
#[derive(Debug, Clone)]
pub struct Traffic {
    rng: SplitMix64,
    source: String,
    sequence: u64,
}

impl Traffic {
    /// A generator; the same `seed` gives the same customers. `source` (3 characters) goes into
    /// the correlation ids so that several generators never share one.
    pub fn new(seed: u64, source: &str) -> Traffic {
        Traffic {
            rng: SplitMix64(seed),
            source: format!("{source:<3.3}"),
            sequence: 0,
        }
    }

    /// The same generator with its correlation ids numbered from `last + 1` (from 1 by default).
    pub fn numbered_after(mut self, last: u64) -> Traffic {
        self.sequence = last;
        self
    }

    /// The next request.
    pub fn next_request(&mut self) -> Message {
        self.sequence += 1;
        let now = now_micros();
        let header = self.header(now);
        let body = self.body();
        Message { header, body }
    }

    /// A 32-character correlation id: UTC date, source, sequence.
    pub fn guid(&self, micros: u64, sequence: u64) -> String {
        let date: String = format_micros(micros)[..10].replace('-', "");
        format!("{date}{}{sequence:021}", self.source)
    }

    fn header(&mut self, now: u64) -> Map<String, Value> {
        let channel = ["01", "02", "03"][self.rng.below(3) as usize];
        let branch = format!("{:04}", 1 + self.rng.below(120));
        let mut header = Map::new();
        header.insert("guid".into(), self.guid(now, self.sequence).into());
        header.insert("sys_code".into(), "CBS".into());
        header.insert("tx_code".into(), TX_CODE.into());
        header.insert("rr_flag".into(), "S".into());
        header.insert("resp_code".into(), "".into());
        header.insert("sent_at".into(), timestamp(now, KST_OFFSET_MICROS).into());
        header.insert("channel".into(), channel.into());
        header.insert("branch".into(), branch.into());
        header
    }

    fn body(&mut self) -> Map<String, Value> {
        let rng = &mut self.rng;
        let cust_type = match rng.below(100) {
            0..60 => "01",
            60..85 => "02",
            _ => "03",
        };
        // Roughly bell-shaped between 450 and 980, centred near 715.
        let score = 450 + (rng.below(531) + rng.below(531) + rng.below(531)) / 3;
        let income = 18_000_000 + rng.below(1_320).pow(2) / 1_320 * 100_000;
        let debt = if rng.below(10) < 3 {
            0
        } else {
            income * rng.below(90) / 100 / 10_000 * 10_000
        };
        let loans = split_debt(rng, debt);
        let name = format!(
            "{}{}{}",
            SURNAMES[rng.below(12) as usize],
            SYLLABLES[rng.below(20) as usize],
            SYLLABLES[rng.below(20) as usize]
        );
        let (year, month, day) = (60 + rng.below(44), 1 + rng.below(12), 1 + rng.below(28));
        let rrn = format!(
            "{:02}{month:02}{day:02}0000{:03}",
            year % 100,
            rng.below(1000)
        );
        let mut body = Map::new();
        body.insert(
            "cust_no".into(),
            format!("99{:010}", rng.below(10_000_000_000)).into(),
        );
        body.insert("cust_name".into(), name.into());
        body.insert("rrn".into(), rrn.into());
        body.insert("cust_type".into(), cust_type.into());
        body.insert("annual_income".into(), income.into());
        body.insert("existing_debt".into(), debt.into());
        body.insert("credit_score".into(), score.into());
        body.insert(
            "req_amount".into(),
            ((5 + rng.below(196)) * 1_000_000).into(),
        );
        body.insert(
            "req_term".into(),
            [12u64, 24, 36, 48, 60][rng.below(5) as usize].into(),
        );
        body.insert("loans".into(), Value::Array(loans));
        body
    }
}

/// Spreads `debt` over one to three loans (none when there is no debt); balances add up to it.
fn split_debt(rng: &mut SplitMix64, debt: u64) -> Vec<Value> {
    if debt == 0 {
        return Vec::new();
    }
    let count = 1 + rng.below(3);
    let mut left = debt;
    (0..count)
        .map(|i| {
            let balance = if i + 1 == count {
                left
            } else {
                left * (30 + rng.below(40)) / 100 / 10_000 * 10_000
            };
            left -= balance;
            let rate = 3_500 + rng.below(16_000);
            let mut loan = Map::new();
            loan.insert(
                "lender".into(),
                LENDERS[rng.below(LENDERS.len() as u64) as usize].into(),
            );
            loan.insert("balance".into(), balance.into());
            let rate = format!("{}.{:03}", rate / 1_000, rate % 1_000);
            loan.insert(
                "rate".into(),
                rate.parse::<serde_json::Number>()
                    .map_or(Value::Null, Value::Number),
            );
            Value::Object(loan)
        })
        .collect()
}

/// Korea Standard Time, UTC+9, where the legacy engine and core banking keep their clocks.
pub const KST_OFFSET_MICROS: u64 = 9 * 3_600 * 1_000_000;

/// Microseconds since the epoch.
pub fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// `micros` shifted by `offset` as the layout's date JSON: `2026-11-21T09:30:15.123`.
pub fn timestamp(micros: u64, offset: u64) -> String {
    let mut text = format_micros(micros + offset);
    text.truncate(23);
    text
}

/// SplitMix64: small, fast, and the same sequence on every platform.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is irrelevant for test traffic).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol_mci::{Direction, Layout};

    #[test]
    fn requests_are_deterministic_synthetic_and_fit_the_layout() {
        let layout = Layout::from_toml(super::super::LAYOUT, "embedded", "loan-screening").unwrap();
        let (mut a, mut b) = (Traffic::new(7, "SGD"), Traffic::new(7, "SGD"));
        let mut types = std::collections::BTreeSet::new();
        for _ in 0..500 {
            let (x, y) = (a.next_request(), b.next_request());
            assert_eq!(x.body, y.body);
            let rrn = x.body["rrn"].as_str().unwrap();
            assert_eq!((rrn.len(), &rrn[6..10]), (13, "0000"));
            assert_eq!(x.header["guid"].as_str().unwrap().len(), 32);
            types.insert(x.body["cust_type"].as_str().unwrap().to_owned());
            let frame = layout.encode(Direction::Request, &x).unwrap();
            let decoded = layout.decode(Direction::Request, &frame).unwrap();
            assert_eq!(decoded.body["cust_name"], x.body["cust_name"]);
        }
        assert_eq!(types.len(), 3);
    }
}
