//! Replay runs: who replayed which stored cases against which engine, when, and how each ended.
//!
//! Runs are workflow state, append-only, in their own tree (`replays`, keyed by the run's start,
//! big-endian microseconds), written beside the writer's trees by `shadowgate replay` on a
//! stopped gateway's store and by a running gateway (`POST /api/v1/replays`). A fleet's
//! (`store.backend = "postgres"`) are in its database instead, keyed and encoded the same
//! (`super::postgres::replays`): a run made on one gateway is every gateway's. They are never
//! pruned with the records: a run stays the evidence that a fix was checked. The review shows,
//! per group, the newest whole-group run's "N of M cases fixed" as its verdict, and a newer run
//! over part of the group beside it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::codec;
use super::error::StoreError;
use super::id::RecordId;
use super::reader::Reader;

/// Tree holding replay runs.
pub(crate) const REPLAYS_TREE: &str = "replays";

/// Result label of a case whose engine answer now equals the stored live answer.
pub const FIXED: &str = "fixed";

/// Result label of a case the engine failed on (no answer within the deadline, no connection,
/// an error status): it was not replayed, so it says nothing about the fix.
pub const NOT_REPLAYED: &str = "error";

/// Result label of a case that cannot be read (no payload stored, its key removed, or its frames
/// no longer decode with the layout): not replayed either, but no engine is at fault, and
/// replaying again reads it no better.
pub const UNREADABLE: &str = "unreadable";

/// One stored replay run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayRun {
    /// When it started, microseconds since the epoch (its key).
    pub started_micros: u64,
    /// When it ended.
    pub finished_micros: u64,
    /// Who ran it (`--by`, or `$USER`).
    pub by: String,
    /// The strategy replayed.
    pub strategy: String,
    /// The engine the cases were sent to.
    pub engine: String,
    /// The selection, in the words it was asked in: the CLI's flags (`--group … --kind …`) or
    /// the API's JSON fields (`{"group": …, "kind": …}`); `all` when nothing narrowed it.
    pub selection: String,
    /// Per group, the selection of that group's own ids, when ids selected the run (`selection`
    /// names every group's); empty otherwise, and in runs stored before it existed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub group_selections: BTreeMap<String, String>,
    /// Set when the run took only the selected cases this engine shadowed, leaving out those
    /// another engine shadowed (a group's cases from both sides of a cutover): the run is the
    /// verdict of that engine's part of each group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadowed_by: Option<String>,
    /// Every case, in record order.
    pub cases: Vec<ReplayCase>,
}

/// One case of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayCase {
    /// The stored record.
    pub id: RecordId,
    /// Its group's signature when it was recorded.
    pub signature: String,
    /// `fixed`, `still_differing`, `new_signature`, `error` or `unreadable`.
    pub result: String,
    /// The new signature, for `new_signature`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_signature: Option<String>,
    /// What happened, for errors and unreadable payloads (never a request value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One group's replay results: its verdict from the newest run over all of its cases, and a newer
/// run over part of them beside it, never in its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupReplay {
    /// Strategy name.
    pub strategy: String,
    /// The group's signature.
    pub signature: String,
    /// The group's verdict ("fixed" when every case is): the newest run that replayed all of
    /// its cases (or all of those one engine shadowed, [`GroupRun::shadowed_by`]), none of them
    /// left unreplayed by an engine error; `None` when every run took only part of them.
    #[serde(default)]
    pub whole: Option<GroupRun>,
    /// The newest run that replayed only part of the group's cases (selected by id, time, kind
    /// or a limit reached, or some not replayed: the engine failed on them), when newer than
    /// `whole`: shown beside the verdict, never as it.
    #[serde(default)]
    pub latest_partial: Option<GroupRun>,
    /// The line every view shows (T in UTC): "N of M cases fixed by replay at T", then "; since
    /// then n of m cases fixed by replay at T (part of the group: …)" for a newer partial run;
    /// "no replay of the whole group; n of m …" when there is no whole-group run. A run whose
    /// engine failed on some cases says how many: "0 of 3 cases fixed by replay at T, 3 not
    /// replayed (engine errors)"; one with cases it cannot read, "…, 3 not replayed
    /// (unreadable)".
    #[serde(default)]
    pub summary: String,
}

/// What one run found for one group's cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRun {
    /// Cases of the group the run found fixed.
    pub fixed: usize,
    /// Cases of the group the run replayed.
    pub total: usize,
    /// When the run started, microseconds since the epoch.
    pub at_micros: u64,
    /// The engine replayed against.
    pub engine: String,
    /// Who ran it.
    pub by: String,
    /// The run's selection as asked (the CLI's flags or the API's JSON fields), its ids only
    /// those of this group's cases.
    #[serde(default)]
    pub selection: String,
    /// Whether the run replayed only part of the group's cases.
    #[serde(default)]
    pub partial: bool,
    /// Cases of the group the engine failed on (result `error`): not replayed, counted in
    /// `total`, never fixed. A run with any is not the group's verdict.
    #[serde(default)]
    pub not_replayed: usize,
    /// Cases of the group that cannot be read (result `unreadable`): not replayed either,
    /// counted in `total`, never fixed. Unlike an outage they do not keep the run from being the
    /// verdict: replaying again reads them no better.
    #[serde(default)]
    pub unreadable: usize,
    /// The engine whose shadowed cases alone the run took ([`ReplayRun::shadowed_by`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadowed_by: Option<String>,
}

impl GroupReplay {
    /// [`GroupReplay::summary`] with times written by `time`.
    pub fn line(&self, time: impl Fn(u64) -> String) -> String {
        match (&self.whole, &self.latest_partial) {
            (Some(whole), None) => whole.line(&time),
            (Some(whole), Some(part)) => {
                format!("{}; since then {}", whole.line(&time), part.line(&time))
            }
            (None, Some(part)) => format!("no replay of the whole group; {}", part.line(&time)),
            (None, None) => "no replay".to_owned(),
        }
    }
}

impl GroupRun {
    /// "N of M cases fixed by replay at T", with "(part of the group: SELECTION)" for a partial
    /// run: "1 of 1 case fixed" alone would read as the whole group's verdict.
    pub fn line(&self, time: impl Fn(u64) -> String) -> String {
        let part = match self.partial {
            true => format!(" (part of the group: {})", self.selection),
            false => String::new(),
        };
        format!("{}{part}", self.counts(time(self.at_micros)))
    }

    /// "N of M cases fixed by replay at T" with `at` as T, naming the engine when the run took
    /// only the cases it shadowed ("3 of 3 cases shadowed by next fixed …"), and the cases not
    /// replayed when there are any ("…, 3 not replayed (engine errors)", "(unreadable)"): without
    /// it, an outage or a case the layout no longer reads would read as a fix that failed.
    pub fn counts(&self, at: String) -> String {
        let cases = crate::review::noun_for(self.total as u64, "case");
        let shadowed = match &self.shadowed_by {
            Some(engine) => format!(" shadowed by {engine}"),
            None => String::new(),
        };
        let not_replayed = match not_replayed_why(self.not_replayed, self.unreadable) {
            Some(why) => format!(
                ", {} not replayed ({why})",
                self.not_replayed + self.unreadable
            ),
            None => String::new(),
        };
        format!(
            "{} of {} {cases}{shadowed} fixed by replay at {at}{not_replayed}",
            self.fixed, self.total
        )
    }

    /// Whether the run can be its group's verdict: it replayed all of the group's cases (or all
    /// those its engine shadowed), and the engine failed on none.
    fn is_verdict(&self) -> bool {
        !self.partial && self.not_replayed == 0
    }
}

/// Why cases were not replayed, as said after "N not replayed": `engine errors`, `unreadable`,
/// or both counted (`2 engine errors, 1 unreadable`); `None` when every case was.
pub fn not_replayed_why(engine_errors: usize, unreadable: usize) -> Option<String> {
    match (engine_errors, unreadable) {
        (0, 0) => None,
        (_, 0) => Some("engine errors".to_owned()),
        (0, _) => Some("unreadable".to_owned()),
        (errors, unreadable) => Some(format!(
            "{}, {unreadable} unreadable",
            crate::review::plural(errors as u64, "engine error")
        )),
    }
}

impl ReplayRun {
    /// Cases per result label.
    pub fn totals(&self) -> BTreeMap<&str, usize> {
        let mut totals = BTreeMap::new();
        for case in &self.cases {
            *totals.entry(case.result.as_str()).or_default() += 1;
        }
        totals
    }

    /// Whether every case was fixed.
    pub fn all_fixed(&self) -> bool {
        self.cases.iter().all(|c| c.result == FIXED)
    }

    /// Whether the run selected only part of its groups' cases (by id, time, kind, or a limit
    /// it reached), as its stored selection says, in flags or JSON fields: its counts are no
    /// group's verdict.
    pub fn is_partial(&self) -> bool {
        const NARROWING: [&str; 5] = ["ids", "since", "until", "kind", "limit"];
        match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&self.selection) {
            Ok(fields) => NARROWING.iter().any(|field| fields.contains_key(*field)),
            Err(_) => NARROWING
                .iter()
                .any(|field| self.selection.contains(&format!("--{field}"))),
        }
    }

    /// The selection of `group`'s cases in this run: its own ids when ids selected them.
    pub fn selection_of(&self, group: &str) -> &str {
        self.group_selections
            .get(group)
            .map_or(self.selection.as_str(), String::as_str)
    }
}

impl Reader {
    /// Stores a run (and flushes it), in the fleet's database when this reader reads one;
    /// returns its key's microseconds, moved past any run that started in the same microsecond.
    pub fn save_replay(&self, run: &ReplayRun) -> Result<u64, StoreError> {
        if let Some(fleet) = self.fleet_reader() {
            return super::postgres::replays::save(&fleet, run);
        }
        let db = self.db()?;
        let failed = |source| StoreError::Read {
            tree: REPLAYS_TREE.to_owned(),
            source,
        };
        let tree = db.open_tree(REPLAYS_TREE).map_err(failed)?;
        let mut at = run.started_micros;
        while tree.contains_key(at.to_be_bytes()).map_err(failed)? {
            at += 1;
        }
        let run = ReplayRun {
            started_micros: at,
            ..run.clone()
        };
        let value = codec::encode("replay run", &run).map_err(|source| StoreError::Decode {
            tree: REPLAYS_TREE.to_owned(),
            key: at.to_string(),
            source,
        })?;
        tree.insert(at.to_be_bytes(), value).map_err(failed)?;
        db.flush().map_err(failed)?;
        Ok(at)
    }

    /// Every stored run of `strategy` (all strategies when `None`), newest first.
    pub fn replays(&self, strategy: Option<&str>) -> Result<Vec<ReplayRun>, StoreError> {
        if let Some(fleet) = self.fleet_reader() {
            let mut runs = super::postgres::replays::runs(&fleet)?;
            runs.retain(|run| strategy.is_none_or(|s| s == run.strategy));
            return Ok(runs);
        }
        let db = self.db()?;
        if !db.tree_names().iter().any(|n| n == REPLAYS_TREE.as_bytes()) {
            return Ok(Vec::new());
        }
        let failed = |source| StoreError::Read {
            tree: REPLAYS_TREE.to_owned(),
            source,
        };
        let tree = db.open_tree(REPLAYS_TREE).map_err(failed)?;
        let mut runs = Vec::new();
        for entry in tree.iter().rev() {
            let (key, value) = entry.map_err(failed)?;
            let run: ReplayRun =
                codec::decode("replay run", &value).map_err(|source| StoreError::Decode {
                    tree: REPLAYS_TREE.to_owned(),
                    key: format!("{key:?}"),
                    source,
                })?;
            if strategy.is_none_or(|s| s == run.strategy) {
                runs.push(run);
            }
        }
        Ok(runs)
    }

    /// Per group, the latest run that replayed any of its cases.
    pub fn group_replays(&self, strategy: Option<&str>) -> Result<Vec<GroupReplay>, StoreError> {
        Ok(latest_per_group(&self.replays(strategy)?))
    }
}

/// Per (strategy, signature), the verdict of the newest run that replayed all of that group's
/// cases, and the newest run that replayed part of them when it is newer; `runs` newest first. A
/// run that selected only other groups' cases leaves a group's line as it was: "N of M" always
/// speaks of that group's own cases.
pub fn latest_per_group(runs: &[ReplayRun]) -> Vec<GroupReplay> {
    let mut groups: BTreeMap<(String, String), GroupReplay> = BTreeMap::new();
    for run in runs {
        // Per group: fixed, total, not replayed (engine errors), unreadable.
        let mut counts: BTreeMap<&str, (usize, usize, usize, usize)> = BTreeMap::new();
        for case in &run.cases {
            let entry = counts.entry(case.signature.as_str()).or_default();
            entry.0 += usize::from(case.result == FIXED);
            entry.1 += 1;
            entry.2 += usize::from(case.result == NOT_REPLAYED);
            entry.3 += usize::from(case.result == UNREADABLE);
        }
        let partial = run.is_partial();
        for (signature, (fixed, total, not_replayed, unreadable)) in counts {
            let key = (run.strategy.clone(), signature.to_owned());
            let group = groups.entry(key).or_insert_with(|| GroupReplay {
                strategy: run.strategy.clone(),
                signature: signature.to_owned(),
                whole: None,
                latest_partial: None,
                summary: String::new(),
            });
            let result = GroupRun {
                fixed,
                total,
                at_micros: run.started_micros,
                engine: run.engine.clone(),
                by: run.by.clone(),
                selection: run.selection_of(signature).to_owned(),
                partial,
                not_replayed,
                unreadable,
                shadowed_by: run.shadowed_by.clone(),
            };
            // Newest first: a partial run counts only while no whole run was found, so it is
            // newer than the verdict; older partial runs are history. A run the engine failed
            // on is no verdict either: an outage must not replace a good one.
            let slot = match result.is_verdict() {
                false if group.whole.is_some() => continue,
                false => &mut group.latest_partial,
                true => &mut group.whole,
            };
            slot.get_or_insert(result);
        }
    }
    let mut groups: Vec<GroupReplay> = groups.into_values().collect();
    for group in &mut groups {
        group.summary = group.line(super::format_micros);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(seq: u32, signature: &str, result: &str) -> ReplayCase {
        ReplayCase {
            id: RecordId { micros: 1, seq },
            signature: signature.to_owned(),
            result: result.to_owned(),
            new_signature: None,
            detail: None,
        }
    }

    fn run(started_micros: u64, cases: Vec<ReplayCase>) -> ReplayRun {
        ReplayRun {
            started_micros,
            finished_micros: started_micros + 1,
            by: "tester".to_owned(),
            strategy: "loan".to_owned(),
            engine: "next".to_owned(),
            selection: "all".to_owned(),
            group_selections: BTreeMap::new(),
            shadowed_by: None,
            cases,
        }
    }

    /// (signature, fixed, total, at) of each group's verdict, in signature order.
    fn lines(runs: &[ReplayRun]) -> Vec<(String, usize, usize, u64)> {
        latest_per_group(runs)
            .into_iter()
            .map(|g| {
                let whole = g.whole.unwrap();
                (g.signature, whole.fixed, whole.total, whole.at_micros)
            })
            .collect()
    }

    #[test]
    fn a_run_of_some_of_a_groups_cases_says_so() {
        let mut some = run(1_000, vec![case(1, "a", FIXED)]);
        some.selection = "--group a --ids 1-0".to_owned();
        let group = &latest_per_group(&[some])[0];
        assert_eq!(group.whole, None);
        let line = &group.summary;
        assert!(
            line.starts_with("no replay of the whole group; 1 of 1 case fixed by replay at ")
                && line.ends_with(" (part of the group: --group a --ids 1-0)"),
            "{line}"
        );
        let mut limited = run(1_500, vec![case(1, "a", FIXED)]);
        limited.selection = "--group a --limit 1".to_owned();
        let line = &latest_per_group(&[limited])[0].summary;
        assert!(
            line.ends_with(" (part of the group: --group a --limit 1)"),
            "{line}"
        );
        let whole = run(2_000, vec![case(1, "a", FIXED)]);
        let line = &latest_per_group(&[whole])[0].summary;
        assert!(!line.contains("part of"), "{line}");
    }

    #[test]
    fn a_run_started_by_the_api_is_labelled_and_judged_in_its_json_fields() {
        for (selection, partial) in [
            (r#"{"group": "a", "limit": 1}"#, true),
            (r#"{"ids": ["1-0"]}"#, true),
            (r#"{"kind": "mismatch"}"#, true),
            (r#"{"group": "a"}"#, false),
            ("all", false),
        ] {
            let mut api = run(1_000, vec![case(1, "a", FIXED)]);
            api.selection = selection.to_owned();
            assert_eq!(api.is_partial(), partial, "{selection}");
            let group = &latest_per_group(&[api])[0];
            let line = &group.summary;
            match partial {
                true => assert!(
                    line.ends_with(&format!(" (part of the group: {selection})")),
                    "{line}"
                ),
                false => assert!(group.whole.is_some() && !line.contains("part of"), "{line}"),
            }
        }
    }

    #[test]
    fn each_group_of_an_ids_run_shows_only_its_own_ids() {
        let mut ids = run(1_000, vec![case(1, "a", FIXED), case(2, "b", FIXED)]);
        ids.selection = "--ids 1-1,1-2".to_owned();
        ids.group_selections = BTreeMap::from([
            ("a".to_owned(), "--ids 1-1".to_owned()),
            ("b".to_owned(), "--ids 1-2".to_owned()),
        ]);
        let groups = latest_per_group(&[ids.clone()]);
        let shown: Vec<&str> = groups
            .iter()
            .map(|g| g.latest_partial.as_ref().unwrap().selection.as_str())
            .collect();
        assert_eq!(shown, ["--ids 1-1", "--ids 1-2"]);
        // Stored before runs kept their groups' selections: the run's, for every group.
        ids.group_selections.clear();
        let groups = latest_per_group(&[ids]);
        assert!(groups
            .iter()
            .all(|g| g.latest_partial.as_ref().unwrap().selection == "--ids 1-1,1-2"));
    }

    #[test]
    fn a_newer_partial_run_is_shown_beside_the_whole_groups_verdict_never_as_it() {
        let whole = run(
            1_764_460_800_000_000,
            vec![case(1, "a", FIXED), case(2, "a", "still_differing")],
        );
        let mut some = run(1_764_460_860_000_000, vec![case(1, "a", FIXED)]);
        some.selection = "--group a --ids 1-1".to_owned();
        let mut older = run(1_000, vec![case(2, "a", FIXED)]);
        older.selection = "--group a --kind mismatch".to_owned();
        let groups = latest_per_group(&[some.clone(), whole.clone(), older.clone()]);
        assert_eq!(groups.len(), 1);
        let group = &groups[0];
        // The verdict is the whole run's: not fixed (1 of 2), whatever the newer subset says.
        let verdict = group.whole.as_ref().unwrap();
        assert_eq!(
            (verdict.fixed, verdict.total, verdict.partial),
            (1, 2, false)
        );
        let part = group.latest_partial.as_ref().unwrap();
        assert_eq!((part.fixed, part.total, part.partial), (1, 1, true));
        assert_eq!(part.at_micros, some.started_micros);
        assert_eq!(
            group.summary,
            "1 of 2 cases fixed by replay at 2025-11-30T00:00:00.000000Z; since then 1 of 1 \
             case fixed by replay at 2025-11-30T00:01:00.000000Z (part of the group: --group a \
             --ids 1-1)"
        );
        // A partial run older than the whole run is history: not shown.
        let groups = latest_per_group(&[whole, older]);
        assert_eq!(groups[0].latest_partial, None);
        assert!(
            !groups[0].summary.contains("part of"),
            "{}",
            groups[0].summary
        );
    }

    #[test]
    fn a_run_of_another_group_leaves_a_groups_line_as_it_was() {
        let a_all = run(
            1_000,
            vec![case(1, "a", FIXED), case(2, "a", "still_differing")],
        );
        let b_only = run(2_000, vec![case(3, "b", FIXED)]);
        // Newest first: group B's run is the latest run, but it holds no case of group A.
        let groups = lines(&[b_only.clone(), a_all.clone()]);
        assert_eq!(
            groups,
            [("a".into(), 1, 2, 1_000), ("b".into(), 1, 1, 2_000)]
        );
        // A later run of A alone changes A's line, not B's.
        let a_again = run(3_000, vec![case(1, "a", FIXED), case(2, "a", FIXED)]);
        let groups = lines(&[a_again, b_only, a_all]);
        assert_eq!(
            groups,
            [("a".into(), 2, 2, 3_000), ("b".into(), 1, 1, 2_000)]
        );
    }

    #[test]
    fn a_run_over_two_groups_counts_each_groups_own_cases() {
        let both = run(
            1_764_460_800_000_000,
            vec![
                case(1, "a", FIXED),
                case(2, "b", "new_signature"),
                case(3, "b", FIXED),
                case(4, "b", "unreadable"),
            ],
        );
        let groups = latest_per_group(&[both]);
        assert_eq!(
            groups[0].summary,
            "1 of 1 case fixed by replay at 2025-11-30T00:00:00.000000Z"
        );
        // The unreadable case is said apart: not a fix that failed; the run is still the
        // verdict (replaying again reads it no better).
        assert_eq!(
            groups[1].summary,
            "1 of 3 cases fixed by replay at 2025-11-30T00:00:00.000000Z, 1 not replayed \
             (unreadable)"
        );
        let whole = groups[1].whole.as_ref().unwrap();
        assert_eq!((whole.not_replayed, whole.unreadable), (0, 1));
    }

    #[test]
    fn a_run_the_engine_failed_on_says_so_and_never_replaces_the_verdict() {
        let good = run(
            1_764_460_800_000_000,
            vec![
                case(1, "a", FIXED),
                case(2, "a", FIXED),
                case(3, "a", FIXED),
            ],
        );
        let outage = run(
            1_764_460_860_000_000,
            vec![
                case(1, "a", NOT_REPLAYED),
                case(2, "a", NOT_REPLAYED),
                case(3, "a", NOT_REPLAYED),
            ],
        );
        let groups = latest_per_group(&[outage.clone(), good]);
        let verdict = groups[0].whole.as_ref().unwrap();
        assert_eq!((verdict.fixed, verdict.total), (3, 3));
        assert_eq!(
            groups[0].summary,
            "3 of 3 cases fixed by replay at 2025-11-30T00:00:00.000000Z; since then 0 of 3 \
             cases fixed by replay at 2025-11-30T00:01:00.000000Z, 3 not replayed (engine errors)"
        );
        // With no earlier verdict, the run is still none.
        let groups = latest_per_group(&[outage]);
        assert_eq!(groups[0].whole, None);
        assert_eq!(
            groups[0].summary,
            "no replay of the whole group; 0 of 3 cases fixed by replay at \
             2025-11-30T00:01:00.000000Z, 3 not replayed (engine errors)"
        );
    }

    #[test]
    fn a_run_of_the_cases_one_engine_shadowed_is_the_verdict_and_names_it() {
        let old = run(1_000, vec![case(1, "a", "still_differing")]);
        let mut part = run(
            1_764_460_800_000_000,
            vec![case(1, "a", FIXED), case(2, "a", FIXED)],
        );
        part.selection = "--group a".to_owned();
        part.shadowed_by = Some("next".to_owned());
        let groups = latest_per_group(&[part, old]);
        let verdict = groups[0].whole.as_ref().unwrap();
        assert_eq!((verdict.fixed, verdict.total), (2, 2));
        assert_eq!(
            groups[0].summary,
            "2 of 2 cases shadowed by next fixed by replay at 2025-11-30T00:00:00.000000Z"
        );
    }

    #[test]
    fn a_fleets_run_not_stored_names_the_database_that_keeps_them() {
        use crate::store::postgres::{FleetReader, PostgresConfig, SslMode};

        let dir = tempfile::tempdir().unwrap();
        // A port nothing listens on: the database is away.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("postgres://gw@127.0.0.1:{port}/shadowgate");
        let config = PostgresConfig {
            url: url.clone(),
            sslmode: SslMode::Disable,
            connect_timeout_ms: 2_000,
            ..PostgresConfig::default()
        };
        let reader = Reader::open(dir.path())
            .unwrap()
            .with_fleet(FleetReader::new(&config).unwrap());
        let error = reader
            .save_replay(&run(5, vec![case(1, "a", FIXED)]))
            .unwrap_err();
        assert!(error.is_unavailable(), "{error}");
        let text = error.to_string();
        let said = format!(
            "cannot write to the fleet store at {url}, which keeps the fleet's replay runs: "
        );
        assert!(text.starts_with(&said), "{text}");
        // Not stored in the gateway's directory instead, where no other gateway would see it.
        let db = reader.db().unwrap();
        assert!(!db.tree_names().iter().any(|n| n == REPLAYS_TREE.as_bytes()));
        // Reading them fails as a read, never as "no replay".
        let read = reader.replays(None).unwrap_err().to_string();
        assert!(
            read.starts_with(&format!("cannot read the fleet store at {url}: ")),
            "{read}"
        );
    }

    #[test]
    fn stored_runs_come_back_newest_first_and_per_group() {
        let dir = tempfile::tempdir().unwrap();
        let reader = Reader::open(dir.path()).unwrap();
        reader
            .save_replay(&run(5, vec![case(1, "a", FIXED)]))
            .unwrap();
        // Same start: moved one microsecond on, never overwriting the first run.
        let at = reader
            .save_replay(&run(5, vec![case(2, "b", "still_differing")]))
            .unwrap();
        assert_eq!(at, 6);
        let runs = reader.replays(Some("loan")).unwrap();
        assert_eq!(
            runs.iter().map(|r| r.started_micros).collect::<Vec<_>>(),
            [6, 5]
        );
        let groups = reader.group_replays(None).unwrap();
        let shown: Vec<_> = groups
            .iter()
            .map(|g| {
                let whole = g.whole.as_ref().unwrap();
                (g.signature.as_str(), whole.fixed, whole.at_micros)
            })
            .collect();
        assert_eq!(shown, [("a", 1, 5), ("b", 0, 6)]);
        assert!(reader.replays(Some("other")).unwrap().is_empty());
    }
}
