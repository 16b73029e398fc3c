//! `GET /mismatches/{id}`: one record: what differs, both (masked) decisions side by side with
//! the differing fields highlighted and the fields a rule hid greyed with the rule, the unified
//! diff, and the masked request.

use super::html::{document, error, escape, sentence_case, store_error_page, Report};
use crate::review::{value_text, Review, ReviewView, RowState, SideRow};
use crate::store::{MismatchRecord, RecordId};
use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;

/// Renders the drill-down page of record `id`.
pub(super) fn page(review: &Review, id: &str) -> http::Response<Full<Bytes>> {
    let id: RecordId = match id.parse() {
        Ok(id) => id,
        Err(e) => {
            let message = e.to_string();
            return error(
                StatusCode::BAD_REQUEST,
                "not a record id",
                &message,
                Report::Above,
            );
        }
    };
    let detail = match review.detail(id) {
        Ok(Some(detail)) => detail,
        Ok(None) => {
            let message = format!("no record {id} (unknown, or removed by retention)");
            return error(
                StatusCode::NOT_FOUND,
                "record not found",
                &message,
                Report::Above,
            );
        }
        Err(e) => return store_error_page("record could not be read", &e, Report::Above),
    };
    let record = &detail.record;
    // The heading and the title name the same thing: `Shadow error 0000… in loan` under
    // `shadowgate: shadow error 0000… in loan`, so a tab says which kind of record it holds.
    let name = format!(
        "{} {} in {}",
        record.mismatch.kind.as_str().replace('_', " "),
        record.id,
        record.mismatch.strategy
    );
    let mut body = String::from("<p><a href=\"../\">← back to the report</a></p>\n");
    body.push_str(&format!("<h1>{}</h1>\n", escape(&sentence_case(&name))));
    body.push_str(&facts(record, review.view()));
    body.push_str(&differences(record));
    body.push_str(&sides(&detail.rows));
    if !detail.unified_diff.is_empty() {
        body.push_str(&format!(
            "<h3>Unified diff (ignored fields shown as &lt;ignored&gt;, fields a rule made equal noted)</h3><pre class=\"unified\">{}</pre>\n",
            escape(&detail.unified_diff)
        ));
    }
    body.push_str(&format!(
        "<h3>Request (masked)</h3><pre>{}</pre>\n",
        escape(&format!("{:#}", record.mismatch.request.to_value()))
    ));
    document(StatusCode::OK, &format!("shadowgate: {name}"), &body)
}

fn facts(record: &MismatchRecord, view: &ReviewView) -> String {
    let m = &record.mismatch;
    let mut rows = vec![
        ("time", view.time(record.time_micros)),
        ("strategy", m.strategy.to_string()),
        ("kind", m.kind.as_str().to_owned()),
        ("transaction", m.tx_code.clone()),
        ("correlation id", m.correlation_id.clone()),
        (
            "live engine",
            format!("{} ({} µs)", m.live_engine, m.live_latency_us),
        ),
        (
            "shadow engine",
            format!("{} ({} µs)", m.shadow_engine, m.shadow_latency_us),
        ),
        ("signature", m.signature.clone()),
    ];
    if let Some(reason) = &m.reason {
        rows.push(("reason", reason.clone()));
    }
    let mut out = String::from("<table class=\"facts\">\n");
    for (name, value) in rows {
        out.push_str(&format!(
            "<tr><th>{name}</th><td>{}</td></tr>\n",
            escape(&value)
        ));
    }
    // The legend of highlighted and greyed rows belongs to the side-by-side table alone.
    out.push_str("</table>\n");
    out
}

fn differences(record: &MismatchRecord) -> String {
    let differences = &record.mismatch.differences;
    if differences.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h3>Differences</h3><table class=\"differences\"><tr><th>field</th><th>kind</th><th>live</th><th>shadow</th><th>severity</th></tr>\n");
    for d in differences {
        out.push_str(&format!(
            "<tr class=\"diff\"><td class=\"path\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&d.path),
            escape(&d.kind.replace('_', " ")),
            escape(&cell(d.live.as_ref())),
            escape(&cell(d.shadow.as_ref())),
            escape(&format!(
                "{}{}",
                d.severity,
                crate::cli::text::expired_mark(d.expired_rule.as_deref())
            )),
        ));
    }
    // The legend of highlighted and greyed rows belongs to the side-by-side table alone.
    out.push_str("</table>\n");
    out
}

/// Both decisions field by field in one table (live left, shadow right): differing rows
/// highlighted, rows a rule hid greyed with the rule that hid them, never highlighted.
/// A value for a cell: JSON numbers grouped in thousands; strings (identifiers such as account
/// numbers are strings) as they are.
pub(super) fn cell(value: Option<&serde_json::Value>) -> String {
    match value {
        Some(serde_json::Value::Number(n)) => grouped(n.to_string()),
        other => value_text(other),
    }
}

/// A decimal number with thousands separators for people (`30000000` → `30,000,000`,
/// `-1234.50` → `-1,234.50`); any other text as it is. Identifiers are text in the layouts,
/// so only amounts and counts are grouped.
fn grouped(text: String) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) || int.len() < 4 {
        return text;
    }
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    out
}

fn sides(rows: &[SideRow]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h3>Decisions side by side</h3><table class=\"sides\"><tr><th>field</th><th>live</th><th>shadow</th><th>hidden by</th></tr>\n");
    for row in rows {
        let (class, rule) = match &row.state {
            RowState::Equal => ("", ""),
            RowState::Differs => (" class=\"diff\"", ""),
            RowState::Hidden(rule) => (" class=\"hidden-by-rule\"", rule.as_str()),
            RowState::Uncompared => (" class=\"uncompared\"", ""),
        };
        out.push_str(&format!(
            "<tr{class}><td class=\"path\">{}</td><td>{}</td><td>{}</td><td class=\"rule\">{}</td></tr>\n",
            escape(&row.path),
            escape(&cell(row.live.as_ref())),
            escape(&cell(row.shadow.as_ref())),
            escape(rule),
        ));
    }
    let note = match rows.iter().any(|row| row.state == RowState::Uncompared) {
        true => "Nothing was compared: one engine gave no decision (the reason is above).",
        false => "Highlighted: differs. Greyed: differs, but the comparison rule named in the row hid it.",
    };
    out.push_str(&format!("</table><p class=\"muted\">{note}</p>\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::{cell, differences, grouped};
    use crate::store::{Difference, MismatchRecord, RecordKind};

    #[test]
    fn the_differences_table_groups_amounts_as_the_side_by_side_does() {
        let mut record = MismatchRecord::for_test(1, "loan", RecordKind::Mismatch);
        let amount = |text: &str| Some(serde_json::from_str(text).unwrap());
        record.mismatch.differences = vec![Difference {
            path: "body.limit".into(),
            kind: "changed".into(),
            live: amount("54000000"),
            shadow: amount("50000000"),
            severity: "error".into(),
            expired_rule: None,
        }];
        let table = differences(&record);
        assert!(
            table.contains("<td>54,000,000</td><td>50,000,000</td>"),
            "{table}"
        );
        // Its rows are all differences: the side-by-side's legend is not repeated here.
        assert!(!table.contains("Highlighted"), "{table}");
    }

    #[test]
    fn amounts_get_thousands_separators_and_other_text_does_not() {
        assert_eq!(grouped("30000000".into()), "30,000,000");
        assert_eq!(grouped("-1234.50".into()), "-1,234.50");
        assert_eq!(grouped("812".into()), "812");
        assert_eq!(grouped("B2".into()), "B2");
        assert_eq!(grouped("1e6".into()), "1e6");
        assert_eq!(grouped("(missing)".into()), "(missing)");
        let account = serde_json::json!("000123456789");
        assert_eq!(cell(Some(&account)), "000123456789");
        let amount: serde_json::Value = serde_json::from_str("30000000").unwrap();
        assert_eq!(cell(Some(&amount)), "30,000,000");
    }
}
