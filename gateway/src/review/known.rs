//! Whether a strategy name is one the review knows: a misspelt `--strategy loan-screenin` must
//! not read as a clean strategy (no records, no groups), so the API answers 404, the CLI fails
//! and the page says so, each naming the strategies there are.
//!
//! A name is known when the store has counted comparisons of it, or when the config in force
//! names it: a strategy configured but not compared yet is empty, not unknown. Without a config
//! (`--store` alone) only the store's counters can tell.

use crate::store::{Reader, StoreError};

/// A strategy name the store has never counted and the config does not name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("strategy: this store has counted no strategy named {name:?} (it has counted: {})", self.known())]
pub struct UnknownStrategy {
    /// The name as given.
    pub name: String,
    /// The strategies the store has counted comparisons of, by name.
    pub counted: Vec<String>,
    /// The strategies the config names that the store has not counted yet, by name.
    pub configured: Vec<String>,
}

impl UnknownStrategy {
    /// What there is instead, for people: the counted strategies (`none yet` when there are
    /// none), then the configured ones not counted yet.
    pub fn known(&self) -> String {
        let mut known = match self.counted.is_empty() {
            true => "none yet".to_owned(),
            false => self.counted.join(", "),
        };
        if !self.configured.is_empty() {
            known.push_str(&format!(
                "; configured, not counted yet: {}",
                self.configured.join(", ")
            ));
        }
        known
    }
}

/// `Some` when `name` is neither counted in `reader`'s store nor one of `configured`.
pub fn unknown_strategy<'a>(
    reader: &Reader,
    configured: impl IntoIterator<Item = &'a str>,
    name: &str,
) -> Result<Option<UnknownStrategy>, StoreError> {
    let configured: Vec<&str> = configured.into_iter().collect();
    if configured.contains(&name) {
        return Ok(None);
    }
    let counted: Vec<String> = reader.summary()?.into_iter().map(|c| c.strategy).collect();
    if counted.iter().any(|c| c == name) {
        return Ok(None);
    }
    let configured = configured
        .into_iter()
        .filter(|c| !counted.iter().any(|counted| counted == c))
        .map(str::to_owned)
        .collect();
    Ok(Some(UnknownStrategy {
        name: name.to_owned(),
        counted,
        configured,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(counted: &[&str], configured: &[&str]) -> UnknownStrategy {
        let owned = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
        UnknownStrategy {
            name: "loan-screenin".to_owned(),
            counted: owned(counted),
            configured: owned(configured),
        }
    }

    #[test]
    fn the_refusal_names_what_was_counted_and_what_is_configured_but_empty() {
        assert_eq!(
            unknown(&["loan-screening"], &[]).to_string(),
            "strategy: this store has counted no strategy named \"loan-screenin\" (it has \
             counted: loan-screening)"
        );
        assert_eq!(
            unknown(&[], &[]).known(),
            "none yet",
            "an empty store says so"
        );
        assert_eq!(
            unknown(&["loan-screening"], &["card-limit"]).known(),
            "loan-screening; configured, not counted yet: card-limit"
        );
    }
}
