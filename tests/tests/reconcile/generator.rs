//! Generated batch outputs with known differences: the legacy rows of `n` borrowers, and the
//! new rows with changed fields, a missing and an extra key, and a duplicate key on each side.

use std::fmt::Write as _;
use std::path::Path;

/// One borrower's re-evaluation, as both systems write it.
#[derive(Debug, Clone)]
pub struct Row {
    pub cust_no: u64,
    pub name: String,
    pub grade: &'static str,
    pub decision: &'static str,
    pub limit: u64,
    /// Thousandths of a percent (4500 = 4.500%).
    pub rate_milli: u64,
    pub date: &'static str,
}

/// Keys of the injected differences (`n` must be above 60).
pub const DECISION_CHANGED: u64 = 7;
pub const LIMIT_AND_RATE_CHANGED: u64 = 13;
pub const LIMIT_CHANGED: u64 = 21;
pub const MISSING_IN_NEW: u64 = 30;
pub const DUPLICATE_IN_NEW: u64 = 40;
pub const DUPLICATE_IN_LEGACY: u64 = 50;

/// Both sides, sorted by key.
pub fn sides(n: u64) -> (Vec<Row>, Vec<Row>) {
    let legacy: Vec<Row> = (1..=n).map(row).collect();
    let mut new = Vec::with_capacity(legacy.len() + 2);
    for row in &legacy {
        let mut changed = row.clone();
        match row.cust_no {
            DECISION_CHANGED if row.decision == "K" => changed.decision = "R",
            DECISION_CHANGED => changed.decision = "K",
            LIMIT_AND_RATE_CHANGED => {
                changed.limit += 1_000_000;
                changed.rate_milli += 250;
            }
            LIMIT_CHANGED => changed.limit -= 10,
            MISSING_IN_NEW => continue,
            DUPLICATE_IN_NEW => new.push(changed.clone()),
            _ => {}
        }
        new.push(changed);
    }
    new.push(row(n + 1));
    let mut legacy = legacy;
    let at = legacy
        .iter()
        .position(|r| r.cust_no == DUPLICATE_IN_LEGACY)
        .unwrap_or(0);
    legacy.insert(at, legacy[at].clone());
    (legacy, new)
}

fn row(i: u64) -> Row {
    const NAMES: [&str; 4] = ["KIMMINSU", "LEEJIEUN", "PARKSEOJUN", "CHOIYUNA"];
    Row {
        cust_no: i,
        name: format!("{}{}", NAMES[(i % 4) as usize], i % 100),
        grade: ["A1", "B2", "C3"][(i % 3) as usize],
        decision: ["K", "R", "C"][(i % 3) as usize],
        limit: 1_000_000 + i * 1_000,
        rate_milli: 3_000 + (i % 50) * 10,
        date: "20261130",
    }
}

/// The customer number as both systems write it: 12 digits, leading zeros kept.
pub fn cust_no(row: &Row) -> String {
    format!("{:012}", row.cust_no)
}

/// Fixed-length records of `config/layouts/borrower-review.toml` (80 bytes each).
pub fn write_fixed(path: &Path, rows: &[Row], newline: bool) {
    let mut out = String::new();
    for r in rows {
        write!(
            out,
            "{:<12}{:<20}{:<2}{:<1}{:015}{:06}{:<8}{:16}",
            cust_no(r),
            r.name,
            r.grade,
            r.decision,
            r.limit,
            r.rate_milli,
            r.date,
            ""
        )
        .unwrap();
        if newline {
            out.push('\n');
        }
    }
    std::fs::write(path, out).unwrap();
}

/// CSV with a header; the rate without trailing zeros (`4.5`), the date as `YYYY-MM-DD`.
pub fn write_csv(path: &Path, rows: &[Row]) {
    let mut out = String::from("cust_no,cust_name,grade,decision,limit_amount,rate,review_date\n");
    for r in rows {
        let rate = format!("{}.{:03}", r.rate_milli / 1000, r.rate_milli % 1000);
        let rate = rate.trim_end_matches('0').trim_end_matches('.');
        let date = format!("{}-{}-{}", &r.date[..4], &r.date[4..6], &r.date[6..]);
        writeln!(
            out,
            "{},{},{},{},{},{rate},{date}",
            cust_no(r),
            r.name,
            r.grade,
            r.decision,
            r.limit
        )
        .unwrap();
    }
    std::fs::write(path, out).unwrap();
}

/// JSON Lines with its own shape: the key nested, the limit a JSON number, the rate a string.
pub fn write_jsonl(path: &Path, rows: &[Row]) {
    let mut out = String::new();
    for r in rows {
        let rate = format!("{}.{:03}", r.rate_milli / 1000, r.rate_milli % 1000);
        writeln!(
            out,
            r#"{{"customer": {{"no": "{}", "name": "{}"}}, "grade": "{}", "decision": "{}", "limit": {}, "rate": "{rate}", "date": "{}"}}"#,
            cust_no(r), r.name, r.grade, r.decision, r.limit, r.date
        )
        .unwrap();
    }
    std::fs::write(path, out).unwrap();
}
