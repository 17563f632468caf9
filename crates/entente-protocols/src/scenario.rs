//! A negotiation scenario in memory, whatever file it came from, and the
//! report of running it.

use entente_core::{ModelError, OutcomeId, UtilityFunction, UtilityTable};
pub use entente_model::{Party, Scenario};
use serde::Serialize;
use thiserror::Error;

use crate::delegation::{PreparedDelegation, Ratification};
use crate::negotiators::{BuildNegotiator, Negotiator, Prepared};
use crate::run::{Clock, NoClock, RunError, TraceEntry, run_sao_traced};
use crate::sao::{EndReason, step_time};

#[derive(Debug, Error)]
pub enum ScenarioError {
    #[error("party {0:?} has no negotiator: give one in the scenario or on the command line")]
    NoStrategy(String),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("a negotiation needs at least 2 parties, not {0}")]
    TooFewParties(usize),
}

/// One offer of a run, with everyone's utility of it.
#[derive(Clone, Debug, Serialize)]
pub struct OfferRecord {
    pub round: u32,
    pub party: usize,
    /// Relative time of the offer.
    pub t: f64,
    pub outcome: OutcomeId,
    pub utilities: Vec<f64>,
}

/// Everything a run produced.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub seed: u64,
    pub offers: Vec<OfferRecord>,
    pub agreement: Option<OutcomeId>,
    /// Each party's (undiscounted) utility of the agreement, or its
    /// reservation value without agreement (for a delegation: under its
    /// mandate at the end).
    pub utilities: Vec<f64>,
    /// The same, with each party's discount applied at the end time.
    pub discounted_utilities: Vec<f64>,
    pub rounds: u32,
    pub reason: EndReason,
    /// Relative time at the end.
    pub t: f64,
    /// Per party: for a delegation that reached an agreement, whether its
    /// blocs ratify it (under the instructions in force at the end).
    pub ratification: Vec<Option<Ratification>>,
}

/// Derives the seed of party `k` from the run seed (SplitMix64), so that
/// parties draw independent streams and the result does not depend on
/// threads or on the order in which negotiations are run.
pub fn party_seed(seed: u64, k: usize) -> u64 {
    mix(seed.wrapping_add(0x9E37_79B9_7F4A_7C15u64.wrapping_mul(k as u64 + 1)))
}

/// SplitMix64's finaliser.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Running a [`Scenario`] through the SAO machine with its declared strategies.
pub trait RunScenario {
    /// Tabulates every party's utilities (the per-party setup of a run).
    fn prepare(&self) -> Result<Vec<Prepared>, ScenarioError>;
    /// Runs the scenario once with `seed` (or the scenario's seed).
    fn run(&self, seed: Option<u64>) -> Result<RunReport, ScenarioError>;
    /// Runs with parties prepared beforehand (as a tournament does).
    fn run_prepared(&self, prepared: &[Prepared], seed: Option<u64>) -> Result<RunReport, ScenarioError>;
    /// Runs once; a time limit is measured by `clock` (asked only when the scenario has one).
    fn run_with_clock(&self, seed: Option<u64>, clock: &mut dyn Clock) -> Result<RunReport, ScenarioError>;
    /// Runs with parties prepared beforehand; a time limit is measured by `clock`.
    fn run_prepared_with_clock(
        &self,
        prepared: &[Prepared],
        seed: Option<u64>,
        clock: &mut dyn Clock,
    ) -> Result<RunReport, ScenarioError>;
    /// Runs with parties prepared beforehand, `seat(k)` giving the negotiator
    /// that sits for party `k` instead of its declared strategy, or `None`.
    // The seated negotiators borrow from `prepared`: the lifetime says so.
    #[allow(clippy::needless_lifetimes)]
    fn run_seated<'a>(
        &self,
        prepared: &'a [Prepared],
        seed: Option<u64>,
        clock: &mut dyn Clock,
        seat: &mut dyn FnMut(usize) -> Option<Box<dyn Negotiator + Send + 'a>>,
    ) -> Result<RunReport, ScenarioError>;
}

impl RunScenario for Scenario {
    /// Tabulates every party's utilities (the per-party setup of a run).
    fn prepare(&self) -> Result<Vec<Prepared>, ScenarioError> {
        self.parties.iter().map(|p| Ok(Prepared::new(UtilityTable::new(&self.space, &p.utility)?))).collect()
    }

    /// Runs the scenario once with `seed` (or the scenario's seed), without a
    /// clock ([`NoClock`]): a time limit never expires and the relative time
    /// is the step time. [`RunScenario::run_with_clock`] measures a time limit.
    fn run(&self, seed: Option<u64>) -> Result<RunReport, ScenarioError> {
        self.run_with_clock(seed, &mut NoClock)
    }

    /// Runs the scenario once with `seed` (or the scenario's seed); a time
    /// limit is measured by `clock` (asked only when the scenario has one).
    fn run_with_clock(&self, seed: Option<u64>, clock: &mut dyn Clock) -> Result<RunReport, ScenarioError> {
        let prepared = self.prepare()?;
        self.run_prepared_with_clock(&prepared, seed, clock)
    }

    /// Runs with parties prepared beforehand (as a tournament does), without a
    /// clock ([`NoClock`], see [`RunScenario::run`]).
    fn run_prepared(&self, prepared: &[Prepared], seed: Option<u64>) -> Result<RunReport, ScenarioError> {
        self.run_prepared_with_clock(prepared, seed, &mut NoClock)
    }

    /// Runs with parties prepared beforehand; a time limit is measured by `clock`.
    fn run_prepared_with_clock(
        &self,
        prepared: &[Prepared],
        seed: Option<u64>,
        clock: &mut dyn Clock,
    ) -> Result<RunReport, ScenarioError> {
        self.run_seated(prepared, seed, clock, &mut |_| None)
    }

    /// Runs with parties prepared beforehand, `seat(k)` giving the negotiator
    /// that sits for party `k` instead of its declared strategy (e.g. one
    /// written in Python), or `None` to build the declared one.
    // The seated negotiators borrow from `prepared`: the lifetime says so.
    #[allow(clippy::needless_lifetimes)]
    fn run_seated<'a>(
        &self,
        prepared: &'a [Prepared],
        seed: Option<u64>,
        clock: &mut dyn Clock,
        seat: &mut dyn FnMut(usize) -> Option<Box<dyn Negotiator + Send + 'a>>,
    ) -> Result<RunReport, ScenarioError> {
        if self.parties.len() < 2 {
            return Err(ScenarioError::TooFewParties(self.parties.len()));
        }
        let seed = seed.unwrap_or(self.seed);
        let delegations: Vec<Option<PreparedDelegation>> = self
            .parties
            .iter()
            .map(|p| p.delegation.as_ref().map(|d| PreparedDelegation::new(&self.space, d)).transpose())
            .collect::<Result<_, _>>()?;
        let mut negotiators = Vec::with_capacity(self.parties.len());
        for (k, (party, prep)) in self.parties.iter().zip(prepared).enumerate() {
            if let Some(negotiator) = seat(k) {
                negotiators.push(negotiator);
                continue;
            }
            let strategy = party.strategy.ok_or_else(|| ScenarioError::NoStrategy(party.name.clone()))?;
            negotiators.push(match &delegations[k] {
                Some(d) => d.negotiator(&strategy, party_seed(seed, k), &self.config),
                None => strategy.build_for(prep, party_seed(seed, k), &self.config),
            });
        }
        let mut trace: Vec<TraceEntry> = Vec::new();
        let n = prepared[0].table().len();
        let outcome = run_sao_traced(&mut negotiators, self.config, n, clock, &mut trace)?;
        // A party's utility table at time t: a delegation's mandate changes
        // with its instructions.
        let table_at = |k: usize, t: f64| match &delegations[k] {
            Some(d) => d.epochs[d.epoch_at(t)].mandate.table(),
            None => prepared[k].table(),
        };
        let offers = trace
            .iter()
            .map(|e| {
                let t = step_time(e.round, self.config.n_steps);
                OfferRecord {
                    round: e.round,
                    party: e.party,
                    t,
                    outcome: e.outcome,
                    utilities: (0..prepared.len()).map(|k| table_at(k, t).utility(e.outcome)).collect(),
                }
            })
            .collect();
        let utilities: Vec<f64> = (0..prepared.len())
            .map(|k| match outcome.agreement {
                Some(a) => table_at(k, outcome.t).utility(a),
                None => table_at(k, outcome.t).reservation(),
            })
            .collect();
        let discounted_utilities =
            utilities.iter().zip(&self.parties).map(|(&u, p)| p.utility.discounted(u, outcome.t)).collect();
        let ratification = delegations
            .iter()
            .map(|d| match (d, outcome.agreement) {
                (Some(d), Some(a)) => Some(d.ratify(a, outcome.t)),
                _ => None,
            })
            .collect();
        drop(negotiators);
        Ok(RunReport {
            ratification,
            seed,
            offers,
            agreement: outcome.agreement,
            utilities,
            discounted_utilities,
            rounds: outcome.rounds,
            reason: outcome.reason,
            t: outcome.t,
        })
    }
}
