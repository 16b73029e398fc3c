//! `mismatches list` for people and spreadsheets: a text table whose columns fit their widest
//! cell, times in the review's zone, or RFC 4180 CSV (times in UTC, a machine format).

use std::io::{self, Write};

use super::table::{self, Align};
use crate::review::{noun_for, thousands, ReviewView};
use crate::store::{format_micros, MismatchRecord};

/// One line per record, in a table whose columns are as wide as their widest cell (a
/// long strategy name, a Hangul one), times in `view`'s zone, named above the table.
pub(super) fn list(
    out: &mut dyn Write,
    records: &[MismatchRecord],
    view: &ReviewView,
) -> io::Result<()> {
    if records.is_empty() {
        return writeln!(out, "no records match");
    }
    super::text::zone_line(out, view)?;
    let header = ["id", "time", "strategy", "kind", "fields"].map(str::to_owned);
    let rows = records.iter().map(|r| {
        let m = &r.mismatch;
        let fields = if m.differing_paths.is_empty() {
            m.reason.clone().unwrap_or_default()
        } else {
            m.differing_paths.join(", ")
        };
        [
            r.id.to_string(),
            view.time(r.time_micros),
            m.strategy.to_string(),
            m.kind.as_str().to_owned(),
            fields,
        ]
    });
    let rows: Vec<[String; 5]> = std::iter::once(header).chain(rows).collect();
    for line in table::lines(&rows, [Align::Left; 5]) {
        writeln!(out, "{line}")?;
    }
    let count = records.len() as u64;
    writeln!(out, "{} {}", thousands(count), noun_for(count, "record"))
}

/// RFC 4180 CSV, one row per record.
pub(super) fn csv(out: &mut dyn Write, records: &[MismatchRecord]) -> io::Result<()> {
    writeln!(
        out,
        "id,time,strategy,kind,tx_code,correlation_id,signature,differing_fields,reason"
    )?;
    for r in records {
        let m = &r.mismatch;
        let cells = [
            r.id.to_string(),
            format_micros(r.time_micros),
            m.strategy.to_string(),
            m.kind.as_str().to_owned(),
            m.tx_code.clone(),
            m.correlation_id.clone(),
            m.signature.clone(),
            m.differing_paths.join(" "),
            m.reason.clone().unwrap_or_default(),
        ];
        let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::table::assert_column;
    use crate::store::RecordKind;

    fn record(seq: u32, strategy: &str, kind: RecordKind) -> MismatchRecord {
        let mut record = MismatchRecord::for_test(seq, strategy, kind);
        record.mismatch.differing_paths = vec!["body.grade".into()];
        record
    }

    #[test]
    fn columns_stay_aligned_with_a_long_strategy_and_a_hangul_one() {
        let records = [
            record(1, "loan", RecordKind::Mismatch),
            record(2, "loan-screening-corporate-v2", RecordKind::ShadowError),
            record(3, "대출심사-개인사업자", RecordKind::Unencodable),
        ];
        let mut out = Vec::new();
        list(&mut out, &records, &ReviewView::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().skip(1).take(4).collect();
        assert_column(
            &text,
            &lines,
            &["kind", "mismatch", "shadow_error", "unencodable"],
        );
        assert_column(
            &text,
            &lines,
            &["fields", "body.grade", "body.grade", "body.grade"],
        );
    }

    #[test]
    fn times_are_in_the_review_zone_which_is_named_and_csv_stays_utc() {
        let mut late = record(1, "loan", RecordKind::Mismatch);
        // 2026-12-01T07:00:49Z: 16:00:49 in Seoul.
        late.time_micros = 1_796_108_449_000_000;
        let seoul = ReviewView::named("Asia/Seoul").unwrap();
        let mut out = Vec::new();
        list(&mut out, std::slice::from_ref(&late), &seoul).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("Times in Asia/Seoul\n"), "{text}");
        assert!(
            text.contains("  2026-12-01 16:00:49 +09:00  loan"),
            "{text}"
        );
        let mut out = Vec::new();
        csv(&mut out, &[late]).unwrap();
        let csv = String::from_utf8(out).unwrap();
        assert!(csv.contains(",2026-12-01T07:00:49.000000Z,"), "{csv}");
    }
}
