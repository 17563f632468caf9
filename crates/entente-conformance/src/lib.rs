//! The conformance check of the engine: NegMAS parity cases (negotiations run
//! by NegMAS 0.16 with their full offer traces, read by `entente-formats`)
//! replayed through our SAO machine and strategies, offer by offer.
//!
//! The replay is exact: the same offers in the same rounds, the same agreement
//! and the same number of rounds. With [`TieOrder::NumpyAvx2`] ties among
//! outcomes of equal utility are broken as numpy's AVX2 argsort breaks them
//! (the dispatch the shared corpus was made with); with [`TieOrder::Stable`] a
//! case flagged `tie_order_sensitive` may diverge at an offer of exactly equal
//! utility ([`Verdict::TieEquivalent`]).

use std::path::{Path, PathBuf};

use entente_core::{OutcomeId, TieOrder};
use entente_formats::FormatError;
use entente_formats::parity::{LoadedCase, load_case_with};
use entente_protocols::negotiators::{BuildNegotiator, Prepared};
use entente_protocols::{NoClock, RunError, RunOutcome, SaoConfig, TraceEntry, run_sao_traced};
use thiserror::Error;

pub use entente_formats::parity::{case_files, load_case};

/// A case that could not be replayed.
#[derive(Debug, Error)]
pub enum ConformanceError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("{}: negotiators: {source}", file.display())]
    Run { file: PathBuf, source: RunError },
}

/// A loaded case with each party's preferences prepared for its strategy.
pub struct Replay {
    pub case: LoadedCase,
    pub parties: Vec<Prepared>,
}

impl Replay {
    pub fn new(case: LoadedCase) -> Self {
        let parties = case.tables.iter().map(|t| Prepared::with_tie_order(t.clone(), case.tie_order)).collect();
        Replay { case, parties }
    }
    /// Runs the case through our engine.
    pub fn replay(&self) -> Result<(RunOutcome, Vec<TraceEntry>), ConformanceError> {
        let mut negotiators: Vec<_> =
            self.case.strategies.iter().zip(&self.parties).map(|(s, p)| s.build(p, 0)).collect();
        let mut trace = Vec::new();
        let config = SaoConfig { n_steps: self.case.case.n_steps, time_limit: None };
        let n = self.parties[0].table().len();
        let outcome = run_sao_traced(&mut negotiators, config, n, &mut NoClock, &mut trace)
            .map_err(|source| ConformanceError::Run { file: self.case.path.clone(), source })?;
        Ok((outcome, trace))
    }

    fn id(&self, values: &[u32]) -> OutcomeId {
        // Checked at load time.
        self.case.space.index_of(values).unwrap_or(0) as OutcomeId
    }

    /// Replays the case and compares with NegMAS's run.
    pub fn check(&self) -> Result<Verdict, ConformanceError> {
        let (outcome, trace) = self.replay()?;
        let expected: Vec<TraceEntry> = self
            .case
            .case
            .trace
            .iter()
            .map(|(r, p, o)| TraceEntry { round: *r, party: *p, outcome: self.id(o) })
            .collect();
        let expected_agreement = self.case.case.agreement.as_ref().map(|a| self.id(a));
        let first_diff = trace.iter().zip(&expected).position(|(a, b)| a != b);
        let label = |o: OutcomeId| format!("{:?}", self.case.space.values_of(o as u128).unwrap_or_default());
        match first_diff {
            None if trace.len() == expected.len() => {
                if outcome.agreement == expected_agreement && outcome.rounds == self.case.case.rounds {
                    return Ok(Verdict::Exact);
                }
                Ok(Verdict::Failed {
                    round: Some(outcome.rounds.saturating_sub(1)),
                    reason: format!(
                        "same offers, but ended with agreement {:?} after {} rounds; NegMAS: {:?} after {}",
                        outcome.agreement.map(label),
                        outcome.rounds,
                        expected_agreement.map(label),
                        self.case.case.rounds
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
                if tie && self.case.case.tie_order_sensitive {
                    let same_ending = outcome.rounds == self.case.case.rounds
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

/// Checks one case file; unreadable or malformed files count as failures.
pub fn check_file(path: &Path) -> Verdict {
    check_file_with(path, TieOrder::NumpyAvx2)
}

/// [`check_file`] with another order among tied utilities.
pub fn check_file_with(path: &Path, tie_order: TieOrder) -> Verdict {
    match load_case_with(path, tie_order).map_err(ConformanceError::from).and_then(|c| Replay::new(c).check()) {
        Ok(v) => v,
        Err(e) => Verdict::Failed { round: None, reason: e.to_string() },
    }
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
