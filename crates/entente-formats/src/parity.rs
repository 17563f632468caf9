//! NegMAS parity cases: negotiations run by NegMAS with their full offer
//! traces, and their replay through our engine.
//!
//! The format is described in `../shared/parity/README.md`. A case carries the
//! issues, each party's weights and value tables exactly as NegMAS used them,
//! the negotiator classes and `n_steps`, and the trace NegMAS produced.

use std::path::{Path, PathBuf};

use entente_core::{Issue, LinearAdditive, OutcomeId, OutcomeSpace, TieOrder, UtilityTable, ValueFunction};
use entente_protocols::negotiators::{Prepared, StrategyOptions, StrategySpec};
use entente_protocols::{NoClock, RunOutcome, SaoConfig, TraceEntry, run_sao_traced};
use serde::Deserialize;

use crate::error::FormatError;

/// A parity case as stored.
#[derive(Clone, Debug, Deserialize)]
pub struct ParityCase {
    pub id: String,
    pub scenario: CaseScenario,
    pub negotiators: Vec<String>,
    pub n_steps: u32,
    pub trace: Vec<(u32, usize, Vec<u32>)>,
    pub agreement: Option<Vec<u32>>,
    pub rounds: u32,
    #[serde(default)]
    pub ties_in_utilities: bool,
    #[serde(default)]
    pub tie_order_sensitive: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CaseScenario {
    pub name: String,
    pub issues: Vec<CaseIssue>,
    pub parties: Vec<CaseParty>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CaseIssue {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CaseParty {
    pub name: String,
    pub weights: Vec<f64>,
    pub tables: Vec<Vec<f64>>,
    #[serde(default)]
    pub bias: f64,
    /// `null` means no reservation value (`-inf`).
    pub reserved_value: Option<f64>,
}

/// A case made ready to replay.
pub struct LoadedCase {
    pub path: PathBuf,
    pub case: ParityCase,
    pub space: OutcomeSpace,
    pub parties: Vec<Prepared>,
    pub strategies: Vec<StrategySpec>,
}

/// Reads and checks one case file, ordering tied utilities as numpy's AVX2
/// argsort does (the dispatch the shared corpus was made with).
pub fn load_case(path: &Path) -> Result<LoadedCase, FormatError> {
    load_case_with(path, TieOrder::NumpyAvx2)
}

/// Reads and checks one case file, ordering tied utilities as `tie_order` says.
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
pub fn load_case_with(path: &Path, tie_order: TieOrder) -> Result<LoadedCase, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|e| FormatError::io(path, e))?;
    let case: ParityCase = serde_json::from_str(&text).map_err(|e| FormatError::json(path, &e))?;
    let at = |field: String, message: String| FormatError::Field { file: path.to_path_buf(), field, message };
    let issues: Vec<Issue> =
        case.scenario.issues.iter().map(|i| Issue::discrete(i.name.clone(), i.values.clone())).collect();
    let space = OutcomeSpace::new(issues).map_err(|e| at("scenario.issues".into(), e.to_string()))?;
    if case.scenario.parties.len() != case.negotiators.len() {
        return Err(at(
            "negotiators".into(),
            format!("{} negotiators for {} parties", case.negotiators.len(), case.scenario.parties.len()),
        ));
    }
    let mut parties = Vec::with_capacity(case.scenario.parties.len());
    for (k, p) in case.scenario.parties.iter().enumerate() {
        let field = format!("scenario.parties[{k}]");
        let functions = p.tables.iter().cloned().map(ValueFunction::Table).collect();
        let ufun = LinearAdditive::new(
            &space,
            p.weights.clone(),
            functions,
            p.bias,
            p.reserved_value.unwrap_or(f64::NEG_INFINITY),
            None,
        )
        .map_err(|e| at(field.clone(), e.to_string()))?;
        let table = UtilityTable::new(&space, &ufun).map_err(|e| at(field, e.to_string()))?;
        parties.push(Prepared::with_tie_order(table, tie_order));
    }
    let mut strategies = Vec::with_capacity(case.negotiators.len());
    for (k, name) in case.negotiators.iter().enumerate() {
        strategies.push(
            StrategySpec::from_name(name, &StrategyOptions::default())
                .map_err(|e| at(format!("negotiators[{k}]"), e.to_string()))?,
        );
    }
    if case.n_steps == 0 {
        return Err(at("n_steps".into(), "must be at least 1".into()));
    }
    for (k, (_, who, o)) in case.trace.iter().enumerate() {
        if *who >= parties.len() {
            return Err(at(format!("trace[{k}]"), format!("party {who} does not exist")));
        }
        space.index_of(o).map_err(|e| at(format!("trace[{k}]"), e.to_string()))?;
    }
    if let Some(a) = &case.agreement {
        space.index_of(a).map_err(|e| at("agreement".into(), e.to_string()))?;
    }
    Ok(LoadedCase { path: path.to_path_buf(), case, space, parties, strategies })
}

/// The verdict on one replayed case.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Identical trace, agreement and rounds.
    Exact,
    /// Diverged first at an offer with the same round, proposer and proposer
    /// utility as NegMAS's (a tie broken the other way), in a case flagged
    /// `tie_order_sensitive`. `same_ending`: it still ended with the same
    /// rounds and the same agreed-or-not.
    TieEquivalent { round: u32, same_ending: bool },
    /// Anything else.
    Failed { round: Option<u32>, reason: String },
}

impl Verdict {
    pub fn passed(&self) -> bool {
        !matches!(self, Verdict::Failed { .. })
    }
}

impl LoadedCase {
    /// Runs the case through our engine.
    pub fn replay(&self) -> Result<(RunOutcome, Vec<TraceEntry>), FormatError> {
        let mut negotiators: Vec<_> = self.strategies.iter().zip(&self.parties).map(|(s, p)| s.build(p, 0)).collect();
        let mut trace = Vec::new();
        let config = SaoConfig { n_steps: self.case.n_steps, time_limit: None };
        let n = self.parties[0].table().len();
        let outcome = run_sao_traced(&mut negotiators, config, n, &mut NoClock, &mut trace).map_err(|e| {
            FormatError::Field { file: self.path.clone(), field: "negotiators".into(), message: e.to_string() }
        })?;
        Ok((outcome, trace))
    }

    fn id(&self, values: &[u32]) -> OutcomeId {
        // Checked at load time.
        self.space.index_of(values).unwrap_or(0) as OutcomeId
    }

    /// Replays the case and compares with NegMAS's run.
    pub fn check(&self) -> Result<Verdict, FormatError> {
        let (outcome, trace) = self.replay()?;
        let expected: Vec<TraceEntry> =
            self.case.trace.iter().map(|(r, p, o)| TraceEntry { round: *r, party: *p, outcome: self.id(o) }).collect();
        let expected_agreement = self.case.agreement.as_ref().map(|a| self.id(a));
        let first_diff = trace.iter().zip(&expected).position(|(a, b)| a != b);
        let label = |o: OutcomeId| format!("{:?}", self.space.values_of(o as u128).unwrap_or_default());
        match first_diff {
            None if trace.len() == expected.len() => {
                if outcome.agreement == expected_agreement && outcome.rounds == self.case.rounds {
                    return Ok(Verdict::Exact);
                }
                Ok(Verdict::Failed {
                    round: Some(outcome.rounds.saturating_sub(1)),
                    reason: format!(
                        "same offers, but ended with agreement {:?} after {} rounds; NegMAS: {:?} after {}",
                        outcome.agreement.map(label),
                        outcome.rounds,
                        expected_agreement.map(label),
                        self.case.rounds
                    ),
                })
            }
            None => {
                let k = trace.len().min(expected.len());
                let round = trace.get(k).or(expected.get(k)).map(|e| e.round);
                Ok(Verdict::Failed {
                    round,
                    reason: format!("{} offers made; NegMAS made {}", trace.len(), expected.len()),
                })
            }
            Some(k) => {
                let (ours, theirs) = (trace[k], expected[k]);
                let same_turn = ours.round == theirs.round && ours.party == theirs.party;
                let table = self.parties[theirs.party].table();
                let tie = same_turn && table.utility(ours.outcome) == table.utility(theirs.outcome);
                if tie && self.case.tie_order_sensitive {
                    let same_ending = outcome.rounds == self.case.rounds
                        && outcome.agreement.is_some() == expected_agreement.is_some();
                    return Ok(Verdict::TieEquivalent { round: theirs.round, same_ending });
                }
                Ok(Verdict::Failed {
                    round: Some(theirs.round),
                    reason: format!(
                        "offer {k}: party {} offered {} (utility {}); NegMAS: party {} offered {} (utility {}){}",
                        ours.party,
                        label(ours.outcome),
                        self.parties[ours.party].table().utility(ours.outcome),
                        theirs.party,
                        label(theirs.outcome),
                        table.utility(theirs.outcome),
                        if tie {
                            " (a tie, but the case is not flagged tie_order_sensitive or ended differently)"
                        } else {
                            ""
                        }
                    ),
                })
            }
        }
    }
}

/// The result of checking a directory of cases.
#[derive(Debug, Default)]
pub struct ConformanceReport {
    pub exact: usize,
    /// `(case file, round of divergence, ended the same)`.
    pub tie_equivalent: Vec<(String, u32, bool)>,
    /// `(case file, round of divergence, reason)`.
    pub failed: Vec<(PathBuf, Option<u32>, String)>,
}

impl ConformanceReport {
    pub fn passed(&self) -> usize {
        self.exact + self.tie_equivalent.len()
    }
}

/// Lists the case files (`*.json`, except `index.json`) of a directory, or of
/// its `cases/` subdirectory when it has one, sorted by name.
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
pub fn case_files(dir: &Path) -> Result<Vec<PathBuf>, FormatError> {
    let dir = if dir.join("cases").is_dir() { dir.join("cases") } else { dir.to_path_buf() };
    let entries = std::fs::read_dir(&dir).map_err(|e| FormatError::io(&dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| FormatError::io(&dir, e))?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") && path.file_name().is_some_and(|n| n != "index.json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Checks one case file; unreadable or malformed files count as failures.
pub fn check_file(path: &Path) -> Verdict {
    check_file_with(path, TieOrder::NumpyAvx2)
}

/// [`check_file`] with another order among tied utilities.
pub fn check_file_with(path: &Path, tie_order: TieOrder) -> Verdict {
    match load_case_with(path, tie_order).and_then(|c| c.check()) {
        Ok(v) => v,
        Err(e) => Verdict::Failed { round: None, reason: e.to_string() },
    }
}
