//! `[logging] level`: a `tracing` filter, checked as `run` will install it.
//!
//! `tracing-subscriber`'s `EnvFilter` reads a bare word that is not a level as a target name:
//! `level = "warning"` is "every level, for events of the target `warning`", and since nothing
//! logs under that target, the gateway logs nothing at all, errors included. So a bare word must
//! be a level or a target this program logs under ([`TARGETS`]); `target=level` directives are
//! taken as `EnvFilter` takes them.

use std::str::FromStr;

use tracing_subscriber::filter::LevelFilter;

use super::problem::{Found, Problems};

/// What the key takes, as every problem with it says.
const EXPECTED: &str =
    "a tracing filter (a level: trace, debug, info, warn, error, off; or target=level)";

/// The levels, as `EnvFilter` spells them (it also takes them in any case, and 0 to 5).
const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];

/// The crates whose events reach the log, by their target's first part: the gateway's own
/// (`shadowgate`, `shadowgate::engine::mci`, …), and the dependencies that log through `tracing`
/// (h2, hyper-util) or through `log`, which the subscriber forwards (rustls, the PostgreSQL
/// client, sled, jiff, thread-priority). protocol-mci and comparator log nothing themselves.
const TARGETS: [&str; 9] = [
    "shadowgate",
    "h2",
    "hyper_util",
    "rustls",
    "tokio_postgres",
    "postgres",
    "sled",
    "jiff",
    "thread_priority",
];

/// Checks `level` as a filter: what `EnvFilter` refuses, and every bare word that is neither a
/// level nor a target of [`TARGETS`], each with the level or target nearest to it.
pub(super) fn check(level: &str, problems: &mut Problems) {
    const KEY: &str = "logging.level";
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(level) {
        problems.error(KEY, EXPECTED, Found::because(level, e));
        return;
    }
    let directives: Vec<&str> = level
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    // An empty filter enables nothing: the gateway would log nothing, errors included.
    if directives.is_empty() {
        problems.error(KEY, EXPECTED, Found::text(level));
        return;
    }
    for &word in directives.iter().filter(|d| !is_meaningful(d)) {
        let mut why = Vec::new();
        if directives.len() > 1 {
            why.push(format!("in {level:?}"));
        }
        if let Some(near) = did_you_mean(word) {
            why.push(format!("did you mean {near:?}?"));
        }
        let found = match why.is_empty() {
            true => Found::text(word),
            false => Found::value(format!("{word:?} ({})", why.join("; "))),
        };
        problems.error(KEY, EXPECTED, found);
    }
}

/// Whether a directive filters something: `target=level`, a span filter (`[span]`), a level,
/// or a target some event is logged under.
fn is_meaningful(directive: &str) -> bool {
    if directive.contains(['=', '[']) || LevelFilter::from_str(directive).is_ok() {
        return true;
    }
    let krate = directive.split("::").next().unwrap_or(directive);
    TARGETS.contains(&krate)
}

/// The level or target nearest to `word`: by the config's measure of a misspelling, or a level
/// it begins with or that begins with it (`warning`: `warn`, `err`: `error`).
fn did_you_mean(word: &str) -> Option<&'static str> {
    let lower = word.to_lowercase();
    let names = LEVELS.iter().chain(TARGETS.iter()).copied();
    super::suggest::nearest(&lower, names).or_else(|| {
        LEVELS.into_iter().find(|level| {
            lower.len() >= 3 && (lower.starts_with(level) || level.starts_with(&lower))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(level: &str) -> Vec<String> {
        let mut problems = Problems::new();
        check(level, &mut problems);
        problems.into_vec().iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn a_word_that_is_no_level_is_refused_with_the_level_it_is_near() {
        assert_eq!(
            said("warning"),
            [
                "logging.level: expected a tracing filter (a level: trace, debug, info, warn, \
              error, off; or target=level), found \"warning\" (did you mean \"warn\"?)"
            ]
        );
        assert_eq!(
            said("verbose"),
            [
                "logging.level: expected a tracing filter (a level: trace, debug, info, warn, \
              error, off; or target=level), found \"verbose\""
            ]
        );
        assert_eq!(
            said("info,shadowgte=debug,eror"),
            [
                "logging.level: expected a tracing filter (a level: trace, debug, info, warn, \
              error, off; or target=level), found \"eror\" (in \"info,shadowgte=debug,eror\"; \
              did you mean \"error\"?)"
            ]
        );
        assert!(said("information")[0].ends_with("(did you mean \"info\"?)"));
        assert!(said("shadowgat")[0].ends_with("(did you mean \"shadowgate\"?)"));
        assert_eq!(said("protocol_mci").len(), 1, "it logs nothing");
    }

    /// An empty filter enables nothing: refused, as a word that filters nothing is.
    #[test]
    fn an_empty_filter_is_refused() {
        for level in ["", " ", ",,"] {
            let said = said(level);
            assert_eq!(said.len(), 1, "{level:?}: {said:?}");
            assert!(
                said[0].starts_with("logging.level: expected a tracing filter (a level: "),
                "{said:?}"
            );
        }
    }

    #[test]
    fn levels_targets_and_directives_pass() {
        for level in [
            "info",
            "WARN",
            "off",
            "3",
            "info,shadowgate=debug",
            "shadowgate",
            "shadowgate::engine",
            "warn,rustls=debug,tokio_postgres",
            "comparator=debug",
            "shadowgate[strategy]=debug",
        ] {
            assert_eq!(said(level), Vec::<String>::new(), "{level}");
        }
    }

    #[test]
    fn what_the_filter_refuses_is_said_with_its_reason() {
        let said = said("shadowgate=verbose");
        assert_eq!(said.len(), 1);
        assert!(
            said[0].starts_with(&format!(
                "logging.level: expected {EXPECTED}, found \"shadowgate=verbose\" ("
            )),
            "{said:?}"
        );
    }
}
