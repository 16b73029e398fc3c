//! What a replay runs with, from its flags, its config and the environment: each checked, and
//! refused naming what there is, before anything is sent or stored.

use std::collections::BTreeMap;

use anyhow::bail;

use super::ReplayArgs;
use crate::config::{EngineSpec, StrategySpec};
use crate::replay::Selection;
use crate::review::{check_window, parse_kind, parse_time};
use crate::store::{KeyRing, MismatchRecord, RecordId, StoreConfig};

/// The config's strategy `strategy`; refuses one the config does not name, naming the ones it
/// does, as the replay API does: a misspelt `--strategy` must not read as a strategy with no
/// stored case.
pub(super) fn configured<'a>(
    strategies: &'a mut BTreeMap<String, StrategySpec>,
    strategy: &str,
) -> anyhow::Result<&'a mut StrategySpec> {
    // The names first: the map cannot be read while `get_mut`'s borrow may be returned.
    let known: Vec<&str> = strategies.keys().map(String::as_str).collect();
    let known = known.join(", ");
    strategies.get_mut(strategy).ok_or_else(|| {
        anyhow::anyhow!(
            "--strategy: expected a strategy of the config ({known}), found {strategy:?}"
        )
    })
}

/// The key ring, or why replay cannot run without one.
pub(super) fn keys(store: &StoreConfig) -> anyhow::Result<KeyRing> {
    let Some(path) = &store.encryption_key_file else {
        bail!(
            "replay needs the stored raw requests, and none are stored: [store] \
             encryption_key_file is not set (set it; cases recorded from then on can be replayed)"
        );
    };
    Ok(KeyRing::load(path)?)
}

/// Points the strategy's shadow (`spec`, found by [`configured`]) at the engine `records` are
/// replayed against ([`crate::replay::target`]: `against`, else the engine that was their
/// shadow; the runtime then builds and checks it); returns the engine's name.
pub(super) fn target(
    spec: &mut StrategySpec,
    engines: &BTreeMap<String, EngineSpec>,
    against: Option<&str>,
    records: &[MismatchRecord],
) -> anyhow::Result<String> {
    let known = || {
        engines
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(against) = against {
        if !engines.contains_key(against) {
            bail!(
                "--against {against:?}: expected an engine of the config ({}), found none",
                known()
            );
        }
    }
    let name = crate::replay::target(against, spec.shadow.as_deref(), records)?;
    if !engines.contains_key(&name) {
        bail!(
            "the selected cases were shadowed by engine {name:?}, which is not in the config ({}): \
             name the engine to replay against with --against",
            known()
        );
    }
    spec.shadow = Some(name.clone());
    Ok(name)
}

/// The selection the flags give.
pub(super) fn selection(args: &ReplayArgs) -> anyhow::Result<Selection> {
    let time = |flag: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(parse_time)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--{flag} {e}"))
    };
    let kind = args.kind.as_deref().map(parse_kind).transpose();
    let ids = args
        .ids
        .iter()
        .map(|id| id.parse::<RecordId>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("--ids {e}"))?;
    let (from_micros, until_micros) = (time("since", &args.since)?, time("until", &args.until)?);
    check_window(from_micros, until_micros, ["--since", "--until"]).map_err(anyhow::Error::msg)?;
    Ok(Selection {
        strategy: args.strategy.clone(),
        group: args.group.clone(),
        ids,
        from_micros,
        until_micros,
        kind: kind.map_err(|e| anyhow::anyhow!("--{e}"))?,
        limit: args.limit,
    })
}

/// Who runs the replay: `--by`, else `$USER`, else `$LOGNAME` (`env` reads a variable); blank
/// names count as none, and none is refused rather than stored as a placeholder.
pub(super) fn runner(
    by: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<String> {
    let named = |name: Option<String>| name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    named(by.map(str::to_owned))
        .or_else(|| named(env("USER")))
        .or_else(|| named(env("LOGNAME")))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--by: expected the name of who runs this replay, found nothing (no $USER or \
                 $LOGNAME in the environment); set --by NAME"
            )
        })
}
