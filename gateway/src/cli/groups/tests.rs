//! The groups table and the audit trail's lines.

use unicode_width::UnicodeWidthStr;

use super::text::{print_entries, write_list};
use crate::review::ReviewView;
use crate::store::Group;
use crate::triage::{AuditEntry, GroupTriage, Triage, TriageState};

fn group(signature: &str, count: u64, state: TriageState, assignee: &str) -> GroupTriage {
    GroupTriage {
        group: Group {
            signature: signature.into(),
            count,
            differing_paths: vec!["body.grade".into()],
            ..Group::default()
        },
        triage: Triage {
            state,
            assignee: Some(assignee.into()),
            ..Triage::default()
        },
    }
}

#[test]
fn columns_stay_aligned_with_a_long_signature_and_a_hangul_assignee() {
    let groups = [
        group("3cc4d5940b0b32de", 12, TriageState::New, "kim.j"),
        group(
            "shadow_error/connect",
            1_234_567_890,
            TriageState::AcceptedDifference,
            "김지훈",
        ),
    ];
    let mut out = Vec::new();
    write_list(&mut out, &groups).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    // Each column starts at the same terminal column on every line.
    let column_of = |line: &str, cell: &str| line[..line.find(cell).unwrap()].width();
    for (header, cells) in [
        ("count", ["12", "1234567890"]),
        ("state", ["new", "accepted_difference"]),
        ("assignee", ["kim.j", "김지훈"]),
        ("fields", ["body.grade", "body.grade"]),
    ] {
        let at = column_of(lines[0], header);
        let ends: Vec<usize> = [lines[1], lines[2]]
            .iter()
            .zip(cells)
            .map(|(line, cell)| column_of(line, cell))
            .collect();
        if header == "count" {
            // Right-aligned: the numbers end where the header ends.
            let end = at + header.len();
            assert_eq!(ends, [end - 2, end - 10], "{text}");
        } else {
            assert_eq!(ends, [at, at], "{header}: {text}");
        }
    }
}

#[test]
fn every_entry_prints_what_it_changed_a_first_start_from_none() {
    let entry = |seq, action: &str, from: Option<&str>, to: Option<&str>, note: &str| AuditEntry {
        seq,
        time_micros: 0,
        by: "shadowgate".into(),
        action: action.into(),
        subject: "config shadowgate.toml".into(),
        from: from.map(Into::into),
        to: to.map(Into::into),
        note: Some(note.into()),
        evidence: None,
        prev_hash: String::new(),
        hash: format!("{seq:x}{}", "0".repeat(63)),
    };
    let entries = [
        entry(
            1,
            "start",
            None,
            Some("aa11"),
            "start: first config recorded on this store",
        ),
        entry(
            2,
            "reload",
            Some("aa11"),
            Some("bb22"),
            "reload: no routing change",
        ),
        entry(
            3,
            "start",
            Some("bb22"),
            Some("cc33"),
            "start: no routing change",
        ),
        entry(4, "cutover_sign", Some("live legacy"), None, "CAB-1"),
    ];
    let mut out = Vec::new();
    print_entries(&entries, &ReviewView::default(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let at = "1970-01-01 00:00:00 +00:00 shadowgate config shadowgate.toml";
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            format!(
                "  #1 100000000000 {at} none → aa11 (start: first config recorded on this \
                 store)"
            ),
            format!("  #2 200000000000 {at} aa11 → bb22 (reload: no routing change)"),
            format!("  #3 300000000000 {at} bb22 → cc33 (start: no routing change)"),
            format!("  #4 400000000000 {at} live legacy (CAB-1)"),
        ]
    );
}

#[test]
fn audit_times_are_in_the_review_zone() {
    let entry = AuditEntry {
        seq: 1,
        // 2026-11-30T22:12:03Z: the next day in Seoul.
        time_micros: 1_796_076_723_000_000,
        by: "kim.j".into(),
        action: "triage".into(),
        subject: "loan-screening/3cc4d5940b0b32de".into(),
        from: Some("new".into()),
        to: Some("investigating".into()),
        note: None,
        evidence: None,
        prev_hash: String::new(),
        hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
    };
    let seoul = ReviewView::named("Asia/Seoul").unwrap();
    let mut out = Vec::new();
    print_entries(std::slice::from_ref(&entry), &seoul, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("#1 9f86d081884c 2026-12-01 07:12:03 +09:00 kim.j"),
        "{text}"
    );
    let mut out = Vec::new();
    print_entries(&[entry], &ReviewView::default(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("2026-11-30 22:12:03 +00:00"), "{text}");
}
