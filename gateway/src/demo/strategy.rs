//! The demo's loan-screening strategy, as both engines implement it.
//!
//! Score bands give a grade; the grade gives an income multiple for the limit, a base rate and the
//! products offered; the debt-to-income ratio rejects over-indebted applicants and adds to the
//! rate. Money is whole won (`u64`) and rates are integers of 0.001 % (`u32`, "milli-percent"),
//! so nothing passes through `f64`.
//!
//! The new engine re-implements it with the differences a real migration finds, as a [`Policy`]:
//! it ignores `existing_debt` in the limit of self-employed applicants (cust_type `02`), it
//! truncates the rate where the legacy engine rounds half up, and it lists offers by limit instead
//! of by product code.

use serde_json::{Map, Number, Value};

/// How an engine implements the strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Customer type whose limit leaves `existing_debt` out (the new engine's bug).
    pub debt_ignored_for: Option<&'static str>,
    /// How the exact rate becomes 0.001 %.
    pub rounding: Rounding,
    /// Order of the offers in the answer.
    pub offer_order: OfferOrder,
}

/// Rate rounding to 0.001 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Half up (legacy).
    HalfUp,
    /// Towards zero (new engine).
    Truncate,
}

/// Offer order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferOrder {
    /// By product code (legacy).
    ProductCode,
    /// Largest limit first (new engine).
    LimitDescending,
}

/// The legacy engine.
pub const LEGACY: Policy = Policy {
    debt_ignored_for: None,
    rounding: Rounding::HalfUp,
    offer_order: OfferOrder::ProductCode,
};

/// The new engine.
pub const MODERN: Policy = Policy {
    debt_ignored_for: Some(SELF_EMPLOYED),
    rounding: Rounding::Truncate,
    offer_order: OfferOrder::LimitDescending,
};

/// Customer type of self-employed applicants: the divergent segment.
pub const SELF_EMPLOYED: &str = "02";

/// The inputs of a decision, read from a request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// `01` employee, `02` self-employed, `03` other.
    pub cust_type: String,
    /// KRW a year.
    pub annual_income: u64,
    /// KRW owed elsewhere.
    pub existing_debt: u64,
    /// Credit score.
    pub credit_score: u64,
    /// KRW requested.
    pub req_amount: u64,
    /// Months.
    pub req_term: u64,
}

/// One offered product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Product code.
    pub product_code: &'static str,
    /// KRW.
    pub limit: u64,
    /// 0.001 %.
    pub rate: u32,
    /// Months.
    pub term: u64,
}

/// A decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `A` approve, `R` reject, `M` manual review.
    pub decision: &'static str,
    /// Why.
    pub reason_code: &'static str,
    /// Grade from the score band.
    pub grade: &'static str,
    /// KRW.
    pub limit_amount: u64,
    /// 0.001 %.
    pub rate: u32,
    /// Products offered (approvals only).
    pub offers: Vec<Offer>,
    /// Text for the branch.
    pub message: &'static str,
}

/// (lowest score, grade, limit as percent of income, base rate in 0.001 %).
const BANDS: [(u64, &str, u64, u32); 7] = [
    (900, "A1", 300, 4_200),
    (850, "A2", 250, 4_900),
    (800, "B1", 200, 5_800),
    (750, "B2", 160, 6_900),
    (700, "C1", 120, 8_400),
    (650, "C2", 100, 10_500),
    (600, "D1", 70, 13_900),
];
/// (product, share of the limit in percent, rate spread in 0.001 %, fixed term in months or 0 for
/// the requested term).
const PRODUCTS: [(&str, u64, u32, u64); 3] = [
    ("PL-PRIME", 100, 0, 0),
    ("PL-STD", 70, 800, 0),
    ("CL-LINE", 40, 1_500, 12),
];
const LIMIT_CAP: u64 = 300_000_000;
const LIMIT_UNIT: u64 = 1_000_000;
/// Debt above this share of income (per mille) is rejected.
const MAX_DTI_PERMILLE: u64 = 600;
/// Requests above this from customer type `03` go to an underwriter.
const MANUAL_ABOVE: u64 = 100_000_000;

/// Decides an application under `policy`.
pub fn decide(policy: &Policy, app: &Application) -> Decision {
    let band = BANDS.iter().find(|(min, ..)| app.credit_score >= *min);
    let Some(&(_, grade, multiple, base_rate)) = band else {
        return reject("E", "R001", "거절: 신용점수 기준 미달");
    };
    let income = app.annual_income.max(1);
    if app.existing_debt.saturating_mul(1_000) / income > MAX_DTI_PERMILLE {
        return reject(grade, "R002", "거절: 부채비율 초과");
    }
    let counted_debt = match policy.debt_ignored_for {
        Some(segment) if segment == app.cust_type => 0,
        _ => app.existing_debt,
    };
    let gross = income.saturating_mul(multiple) / 100;
    let limit = gross.saturating_sub(counted_debt).min(LIMIT_CAP) / LIMIT_UNIT * LIMIT_UNIT;
    let rate = rate(policy, base_rate, app);
    if app.cust_type == "03" && app.req_amount > MANUAL_ABOVE {
        return Decision {
            decision: "M",
            reason_code: "M001",
            grade,
            limit_amount: limit,
            rate,
            offers: Vec::new(),
            message: "심사역 검토 필요",
        };
    }
    let products = match grade.as_bytes().first() {
        Some(b'A') => &PRODUCTS[..],
        Some(b'B') => &PRODUCTS[1..],
        _ => &PRODUCTS[2..],
    };
    let mut offers: Vec<Offer> = products
        .iter()
        .map(|&(product_code, share, spread, term)| Offer {
            product_code,
            // Limits are whole millions, so every share is exact and a different limit always
            // gives different offer limits.
            limit: limit * share / 100,
            rate: rate + spread,
            term: if term == 0 { app.req_term } else { term },
        })
        .collect();
    match policy.offer_order {
        OfferOrder::ProductCode => offers.sort_by_key(|o| o.product_code),
        OfferOrder::LimitDescending => offers.sort_by_key(|o| std::cmp::Reverse(o.limit)),
    }
    Decision {
        decision: "A",
        reason_code: "A000",
        grade,
        limit_amount: limit,
        rate,
        offers,
        message: "승인",
    }
}

/// Base rate + 3.5 % × debt-to-income + 0.3 % for terms above three years, computed in 10⁻⁶ %
/// and brought to 0.001 % by the policy's rounding.
fn rate(policy: &Policy, base_rate: u32, app: &Application) -> u32 {
    let income = u128::from(app.annual_income.max(1));
    let dti_spread = 3_500_000 * u128::from(app.existing_debt) / income;
    let term_spread = if app.req_term > 36 { 300_000 } else { 0 };
    let micro = u128::from(base_rate) * 1_000 + dti_spread + term_spread;
    let milli = match policy.rounding {
        Rounding::HalfUp => (micro + 500) / 1_000,
        Rounding::Truncate => micro / 1_000,
    };
    u32::try_from(milli).unwrap_or(u32::MAX)
}

fn reject(grade: &'static str, reason_code: &'static str, message: &'static str) -> Decision {
    Decision {
        decision: "R",
        reason_code,
        grade,
        limit_amount: 0,
        rate: 0,
        offers: Vec::new(),
        message,
    }
}

impl Application {
    /// Reads the inputs from a decoded request body; names the field that is missing or wrong.
    pub fn from_body(body: &Map<String, Value>) -> Result<Application, String> {
        let number = |name: &str| {
            body.get(name)
                .and_then(Value::as_u64)
                .ok_or_else(|| format!("body.{name}: expected an unsigned integer"))
        };
        let cust_type = body
            .get("cust_type")
            .and_then(Value::as_str)
            .ok_or("body.cust_type: expected text")?
            .to_owned();
        Ok(Application {
            cust_type,
            annual_income: number("annual_income")?,
            existing_debt: number("existing_debt")?,
            credit_score: number("credit_score")?,
            req_amount: number("req_amount")?,
            req_term: number("req_term")?,
        })
    }
}

impl Decision {
    /// The response body, numbers as exact decimals.
    pub fn to_body(&self) -> Map<String, Value> {
        let offers = self
            .offers
            .iter()
            .map(|o| {
                let mut offer = Map::new();
                offer.insert("product_code".into(), o.product_code.into());
                offer.insert("limit".into(), o.limit.into());
                offer.insert("rate".into(), percent(o.rate));
                offer.insert("term".into(), o.term.into());
                Value::Object(offer)
            })
            .collect();
        let mut body = Map::new();
        body.insert("decision".into(), self.decision.into());
        body.insert("reason_code".into(), self.reason_code.into());
        body.insert("grade".into(), self.grade.into());
        body.insert("limit_amount".into(), self.limit_amount.into());
        body.insert("rate".into(), percent(self.rate));
        body.insert("offers".into(), Value::Array(offers));
        body.insert("message".into(), self.message.into());
        body
    }
}

/// 0.001 % units as an exact decimal number: 5125 → `5.125`.
fn percent(milli: u32) -> Value {
    let text = format!("{}.{:03}", milli / 1_000, milli % 1_000);
    // Digits, a point and digits always parse; the fallback keeps this total without a panic.
    text.parse::<Number>()
        .map_or_else(|_| Value::from(milli), Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(cust_type: &str, income: u64, debt: u64, score: u64) -> Application {
        Application {
            cust_type: cust_type.into(),
            annual_income: income,
            existing_debt: debt,
            credit_score: score,
            req_amount: 30_000_000,
            req_term: 36,
        }
    }

    #[test]
    fn engines_differ_only_where_the_policy_says() {
        let employee = app("01", 60_000_000, 12_000_000, 812);
        let (l, m) = (decide(&LEGACY, &employee), decide(&MODERN, &employee));
        assert_eq!(l.limit_amount, 108_000_000);
        assert_eq!(l.limit_amount, m.limit_amount);
        // 5.800 + 3.5 × 0.2 = 6.500: exact, so rounding agrees.
        assert_eq!((l.rate, m.rate), (6_500, 6_500));
        let self_employed = app("02", 60_000_000, 12_000_000, 812);
        let (l, m) = (
            decide(&LEGACY, &self_employed),
            decide(&MODERN, &self_employed),
        );
        assert_eq!((l.limit_amount, m.limit_amount), (108_000_000, 120_000_000));
        assert_eq!(l.decision, m.decision);
    }

    #[test]
    fn rounding_differs_by_at_most_one_thousandth() {
        for debt in (0..36_000_000).step_by(1_370_000) {
            let a = app("01", 60_000_000, debt, 812);
            let (l, m) = (decide(&LEGACY, &a), decide(&MODERN, &a));
            assert!(l.rate - m.rate <= 1, "{} vs {}", l.rate, m.rate);
        }
        // 5.800 + 3.5 × 2/60 = 5.916666…: half up 5.917, truncated 5.916.
        let a = app("01", 60_000_000, 2_000_000, 812);
        assert_eq!(
            (decide(&LEGACY, &a).rate, decide(&MODERN, &a).rate),
            (5_917, 5_916)
        );
    }

    #[test]
    fn rejections_and_offers() {
        assert_eq!(
            decide(&LEGACY, &app("01", 60_000_000, 0, 540)).decision,
            "R"
        );
        let indebted = app("01", 60_000_000, 40_000_000, 900);
        assert_eq!(decide(&MODERN, &indebted).reason_code, "R002");
        let prime = decide(&LEGACY, &app("01", 60_000_000, 0, 930));
        let codes: Vec<_> = prime.offers.iter().map(|o| o.product_code).collect();
        assert_eq!(codes, ["CL-LINE", "PL-PRIME", "PL-STD"]);
        let prime = decide(&MODERN, &app("01", 60_000_000, 0, 930));
        let codes: Vec<_> = prime.offers.iter().map(|o| o.product_code).collect();
        assert_eq!(codes, ["PL-PRIME", "PL-STD", "CL-LINE"]);
        assert_eq!(percent(6_208).to_string(), "6.208");
        assert_eq!(percent(12_050).to_string(), "12.050");
    }
}
