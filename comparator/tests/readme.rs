#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The TOML rule examples in README.md are what migration teams copy: each must deserialise
//! (as it sits under a strategy of the gateway config, `[strategies.loan-screening.rules]`)
//! and validate.

use comparator::RulesConfig;
use serde::Deserialize;

#[derive(Deserialize)]
struct Config {
    strategies: Strategies,
}

#[derive(Deserialize)]
struct Strategies {
    #[serde(rename = "loan-screening")]
    strategy: Strategy,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Strategy {
    rules: RulesConfig,
}

#[test]
fn readme_toml_examples_validate() {
    let readme = include_str!("../README.md");
    let blocks: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect();
    assert!(
        blocks.len() >= 7,
        "expected the rule examples, found {} blocks",
        blocks.len()
    );
    for block in blocks {
        let config: Config = toml::from_str(block).unwrap_or_else(|e| panic!("{e}\n{block}"));
        if let Err(error) = config.strategies.strategy.rules.validate() {
            panic!("{error}\n{block}");
        }
    }
}

#[test]
fn unknown_keys_are_rejected() {
    let error = toml::from_str::<Config>("[strategies.loan-screening.rules]\nignor = [\"a\"]\n")
        .err()
        .unwrap();
    assert!(
        error.to_string().contains("unknown field `ignor`"),
        "{error}"
    );
    let float = "[[strategies.loan-screening.rules.tolerance]]\npath = \"a\"\nabsolute = 0.01\n";
    assert!(
        toml::from_str::<Config>(float).is_err(),
        "a float tolerance must be refused"
    );
}
