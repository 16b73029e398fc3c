//! Noise confirmation, as stored on a mismatch record: with `confirm_mismatches = true` the
//! gateway asks the shadow engine a second time and compares its two answers. Fields that differ
//! between them are non-deterministic in the new engine (noise), not a defect.
//!
//! A record whose every differing field is noisy is grouped apart, under [`NOISE_PREFIX`] and
//! its signature, so noise never hides in (or passes for) a defect group.

use serde::{Deserialize, Serialize};

/// Prefix of the signature of a mismatch that is noise only.
pub const NOISE_PREFIX: &str = "noise-";

/// How the second shadow call of a mismatch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmResult {
    /// Both shadow answers are equal: the difference is deterministic, a defect.
    Deterministic,
    /// Every differing field also differs between the two shadow answers.
    Noise,
    /// Some differing fields are noisy, others deterministic (still a defect).
    PartlyNoise,
    /// The shadow in-flight budget was full: no second call.
    Skipped,
    /// The second call failed or its answer could not be compared.
    Failed,
}

impl ConfirmResult {
    /// Every result, in label order.
    pub const ALL: [ConfirmResult; 5] = [
        Self::Deterministic,
        Self::Noise,
        Self::PartlyNoise,
        Self::Skipped,
        Self::Failed,
    ];

    /// The snake_case name used in JSON and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deterministic => "deterministic",
            Self::Noise => "noise",
            Self::PartlyNoise => "partly_noise",
            Self::Skipped => "skipped",
            Self::Failed => "failed",
        }
    }

    /// Position in [`ConfirmResult::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The noise check of one mismatch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// How it ended.
    pub result: ConfirmResult,
    /// The differing fields (collapsed layout paths) that also differ between the two shadow
    /// answers. Always written, `[]` when none is noisy: readers of the API get one shape (a
    /// client reading `noisy_fields` of a deterministic mismatch finds an empty list, not a
    /// missing key); records stored without it read as `[]`.
    #[serde(default)]
    pub noisy_fields: Vec<String>,
}

impl Confirmation {
    /// The check of a mismatch on `differing` fields, given the fields that differ between the
    /// two shadow answers.
    pub fn of(differing: &[String], between_shadows: &[String]) -> Self {
        let noisy_fields: Vec<String> = differing
            .iter()
            .filter(|f| between_shadows.contains(f))
            .cloned()
            .collect();
        let result = match noisy_fields.len() {
            0 => ConfirmResult::Deterministic,
            n if n == differing.len() => ConfirmResult::Noise,
            _ => ConfirmResult::PartlyNoise,
        };
        Self {
            result,
            noisy_fields,
        }
    }

    /// A check that could not be made.
    pub fn not_made(result: ConfirmResult) -> Self {
        Self {
            result,
            noisy_fields: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn noisy_fields_are_always_written_and_read_as_empty_when_absent() {
        let defect = Confirmation::of(&fields(&["body.grade"]), &[]);
        assert_eq!(
            serde_json::to_value(&defect).unwrap(),
            serde_json::json!({"result": "deterministic", "noisy_fields": []})
        );
        let stored: Confirmation = serde_json::from_str(r#"{"result": "skipped"}"#).unwrap();
        assert_eq!(stored, Confirmation::not_made(ConfirmResult::Skipped));
    }

    #[test]
    fn noise_is_what_also_differs_between_the_shadow_answers() {
        let differing = fields(&["body.grade", "body.stamp"]);
        let noise = Confirmation::of(&fields(&["body.stamp"]), &fields(&["body.stamp"]));
        assert_eq!(noise.result, ConfirmResult::Noise);
        let partly = Confirmation::of(&differing, &fields(&["body.stamp", "body.other"]));
        assert_eq!(partly.result, ConfirmResult::PartlyNoise);
        assert_eq!(partly.noisy_fields, ["body.stamp"]);
        let defect = Confirmation::of(&differing, &[]);
        assert_eq!(defect.result, ConfirmResult::Deterministic);
        assert!(ConfirmResult::ALL
            .iter()
            .enumerate()
            .all(|(i, r)| r.index() == i));
    }
}
