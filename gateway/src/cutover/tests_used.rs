//! A sign-off is shown with the routing change it approved, in that change's own direction: a
//! sign-off made after the file was edited (or for a rollback) reads as the reverse of the change
//! it approved, and says so.

use super::tests::{config, request, store, ENGINES};
use super::*;

const SWAPPED: &str = "live = \"next\"\nshadow = \"legacy\"";
const LEGACY: &str = "legacy at 127.0.0.1:7001 (layout loan)";
const NEXT: &str = "next at http://127.0.0.1:7002/v1/loan";

#[test]
fn a_signoff_made_after_the_swap_shows_it_approved_the_reverse_of_its_cutover() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    link_start(&reader, &a, 10).unwrap();
    // Edited while stopped, signed after the edit (its live engine is the one the swap makes
    // live), started: the swap legacy → next rests on a sign-off that reads next → legacy.
    let b = config(dir.path(), SWAPPED, 3);
    let signed = sign(&reader, &b, &request("choi"), 20).unwrap();
    assert_eq!(signed.used_by, None);
    let start = link_start(&reader, &b, 30).unwrap().unwrap();
    assert_eq!(start.changes[0].signoff, Some(signed.seq));

    let all = signoffs(&reader).unwrap();
    let used = all[0].used_by.as_ref().unwrap();
    assert_eq!((used.seq, used.action.as_str()), (3, "start"));
    assert_eq!(used.direction, Direction::Reverse);
    assert_eq!(
        all[0].sentence(),
        format!(
            "signed for live {NEXT} → {LEGACY}; used by audit entry #3 (start): live {LEGACY} → \
             {NEXT}, shadow {NEXT} → {LEGACY} (the reverse of the cutover signed)"
        )
    );
    // The API's JSON and the page's history hold the same.
    let json = serde_json::to_value(&all).unwrap();
    assert_eq!(json[0]["used_by"]["direction"], "reverse");
    assert_eq!(json[0]["used_by"]["seq"], 3);
    assert_eq!(json[0]["used_by"]["change"]["live_before"], "legacy");
    assert_eq!(json[0]["used_by"]["change"]["live_after"], "next");
    assert_eq!(history(&reader, "loan").unwrap().signoffs, all);
}

#[test]
fn a_signoff_made_before_the_swap_shows_the_cutover_as_signed() {
    let dir = tempfile::tempdir().unwrap();
    let reader = store(dir.path());
    let a = config(dir.path(), ENGINES, 3);
    let signed = sign(&reader, &a, &request("choi"), 10).unwrap();
    let b = config(dir.path(), SWAPPED, 3);
    link_reload(&reader, &a, &b, "api", 20).unwrap();
    let all = signoffs(&reader).unwrap();
    assert_eq!(all[0].seq, signed.seq);
    assert_eq!(
        all[0].usage(),
        format!(
            "used by audit entry #2 (reload): live {LEGACY} → {NEXT}, shadow {NEXT} → {LEGACY} \
             (the cutover as signed)"
        )
    );
    // The report written when it was signed has no `used_by`: it was used by nothing then.
    assert!(serde_json::to_value(&signed)
        .unwrap()
        .get("used_by")
        .is_none());
}
