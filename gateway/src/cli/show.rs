//! One record as text for a terminal (`shadowgate mismatches show`): its facts, differences,
//! both decisions side by side, the unified diff and the masked request; its time in the
//! review's zone, named first.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use super::table::padded;
use super::text::expired_mark;
use crate::review::{request_rows, side_by_side, value_text, Detail, ReviewView, RowState};
use crate::store::Confirmation;

/// The noise check of a mismatch (`confirm_mismatches`): its result, and the differing fields
/// the second shadow answer also changed, when there are any.
fn confirmation_line(confirmation: &Confirmation) -> String {
    let result = confirmation.result.as_str();
    match confirmation.noisy_fields.is_empty() {
        true => format!("confirmation: {result}"),
        false => format!(
            "confirmation: {result}, noisy: {}",
            confirmation.noisy_fields.join(", ")
        ),
    }
}

/// One record: facts, differences, both decisions side by side, unified diff.
pub(super) fn show(out: &mut dyn Write, detail: &Detail, view: &ReviewView) -> io::Result<()> {
    let r = &detail.record;
    let m = &r.mismatch;
    super::text::zone_line(out, view)?;
    writeln!(
        out,
        "{} {} in {} at {}",
        m.kind.as_str(),
        r.id,
        m.strategy,
        view.time(r.time_micros)
    )?;
    writeln!(
        out,
        "  transaction {}  correlation id {}",
        m.tx_code, m.correlation_id
    )?;
    writeln!(
        out,
        "  live {} ({} µs)  shadow {} ({} µs)",
        m.live_engine, m.live_latency_us, m.shadow_engine, m.shadow_latency_us
    )?;
    writeln!(out, "  signature {}", m.signature)?;
    if let Some(confirmation) = &m.confirmation {
        writeln!(out, "  {}", confirmation_line(confirmation))?;
    }
    if let Some(reason) = &m.reason {
        writeln!(out, "  reason: {reason}")?;
    }
    if !m.differences.is_empty() {
        writeln!(out, "\ndifferences:")?;
        for d in &m.differences {
            let (live, shadow) = (value_text(d.live.as_ref()), value_text(d.shadow.as_ref()));
            writeln!(
                out,
                "  {}: {}, live {live}, shadow {shadow} ({}){}",
                d.path,
                d.kind.replace('_', " "),
                d.severity,
                expired_mark(d.expired_rule.as_deref())
            )?;
            if live.chars().count().max(shadow.chars().count()) >= comparator::render::LONG_STRING {
                writeln!(
                    out,
                    "    {}",
                    comparator::render::inline_diff(&live, &shadow)
                )?;
            }
        }
    }
    // A gateway that predates the rows sends none: without its rules, nothing shows as hidden.
    let fallback;
    let rows = if detail.rows.is_empty() {
        fallback = side_by_side(r, &comparator::Rules::none());
        &fallback
    } else {
        &detail.rows
    };
    if !rows.is_empty() {
        let width = rows
            .iter()
            .map(|row| row.path.chars().count())
            .max()
            .unwrap_or(0);
        let live_width = rows
            .iter()
            .map(|row| value_text(row.live.as_ref()).width())
            .max()
            .unwrap_or(0)
            .clamp(4, 40);
        let heading = match rows.iter().any(|row| row.state == RowState::Uncompared) {
            true => "side by side (nothing compared: one engine gave no decision; see the reason)",
            false => {
                "side by side (* differs, ~ differs but hidden by the rule named after the row)"
            }
        };
        writeln!(out, "\n{heading}:")?;
        writeln!(
            out,
            "    {:<width$}  {:<live_width$}  shadow",
            "field", "live"
        )?;
        for row in rows {
            let (mark, hidden) = match &row.state {
                RowState::Equal | RowState::Uncompared => (' ', String::new()),
                RowState::Differs => ('*', String::new()),
                RowState::Hidden(rule) => ('~', format!("  (hidden by {rule})")),
            };
            writeln!(
                out,
                "  {mark} {:<width$}  {}  {}{hidden}",
                row.path,
                padded(&value_text(row.live.as_ref()), live_width),
                value_text(row.shadow.as_ref())
            )?;
        }
    }
    if !detail.unified_diff.is_empty() {
        writeln!(
            out,
            "\nunified diff (ignored fields shown as <ignored>, fields a rule made equal noted):"
        )?;
        write!(out, "{}", detail.unified_diff)?;
    }
    // The input the decisions came from: which customers a difference belongs to (a segment
    // whose new input is missing shows here, not in the decisions).
    let request = request_rows(r);
    if !request.is_empty() {
        writeln!(out, "\nrequest (masked):")?;
        let width = request
            .iter()
            .map(|(p, _)| p.chars().count())
            .max()
            .unwrap_or(0);
        for (path, value) in &request {
            writeln!(out, "    {path:<width$}  {}", value_text(Some(value)))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ConfirmResult, MismatchRecord, RecordKind};

    fn shown(confirmation: Option<Confirmation>) -> String {
        let mut record = MismatchRecord::for_test(1, "loan", RecordKind::Mismatch);
        record.mismatch.confirmation = confirmation;
        let detail = Detail {
            record,
            unified_diff: String::new(),
            rows: Vec::new(),
        };
        let mut out = Vec::new();
        show(&mut out, &detail, &ReviewView::default()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_records_noise_check_is_shown_with_its_noisy_fields() {
        let fields = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let partly = Confirmation::of(
            &fields(&["body.grade", "body.ref", "body.stamp"]),
            &fields(&["body.ref", "body.stamp"]),
        );
        let text = shown(Some(partly));
        assert!(
            text.contains("\n  confirmation: partly_noise, noisy: body.ref, body.stamp\n"),
            "{text}"
        );
        let text = shown(Some(Confirmation::of(&fields(&["body.grade"]), &[])));
        assert!(text.contains("\n  confirmation: deterministic\n"), "{text}");
        let text = shown(Some(Confirmation::not_made(ConfirmResult::Skipped)));
        assert!(text.contains("\n  confirmation: skipped\n"), "{text}");
        assert!(!shown(None).contains("confirmation"), "no check, no line");
    }
}
