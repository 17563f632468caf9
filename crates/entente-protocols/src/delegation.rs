//! A divided delegation at the table: any strategy, held to what the
//! delegation's blocs would ratify.
//!
//! The delegation's strategy negotiates with the mandate's utility (the
//! weighted sum of its blocs' utilities under the instructions in force). It
//! may accept only outcomes of its win-set and offers only outcomes of its
//! win-set: an offer of the strategy outside the win-set is replaced by the
//! ratifiable outcome of least mandate utility at or above it (else the best
//! ratifiable one). When its instructions change during the talks (a bloc gains
//! weight after a break, loses its veto, draws a red line), the mandate, the
//! win-set and the strategy follow from that time on.
//!
//! With `defection` allowed, the delegation accepts whatever its strategy
//! accepts: an agreement outside its win-set then fails ratification
//! (involuntary defection), and the run reports it. A delegation whose win-set
//! is empty cannot make a ratifiable offer: it keeps offering its best outcome.

use entente_core::blocs::{Delegation, Instructions, OutcomeSet};
use entente_core::{ModelError, OutcomeId, OutcomeSpace};
use entente_model::timeline::{DelegationState, Timeline};
use serde::Serialize;

use crate::negotiators::{BuildNegotiator, Negotiator, Prepared, Response, StrategySpec, TurnInfo};
use crate::sao::SaoConfig;

/// One period of unchanged instructions, prepared for negotiating.
#[derive(Debug)]
pub struct Epoch {
    pub instructions: Instructions,
    /// The mandate's utilities in this period.
    pub mandate: Prepared,
    /// The mandate's reversion utility.
    pub reservation: f64,
    pub win_set: OutcomeSet,
    /// The win-set's outcomes by ascending mandate utility (stable).
    ratifiable: Vec<(f64, OutcomeId)>,
    /// Per bloc: the outcomes it accepts in this period.
    pub acceptable: Vec<OutcomeSet>,
}

/// A delegation's periods, prepared once per scenario.
#[derive(Debug)]
pub struct PreparedDelegation {
    pub epochs: Vec<Epoch>,
    pub bloc_names: Vec<String>,
    pub defection: bool,
}

impl PreparedDelegation {
    /// Tabulates the blocs' utilities and every period's mandate and win-set.
    pub fn new(space: &OutcomeSpace, delegation: &Delegation) -> Result<Self, ModelError> {
        let tables = DelegationState::bloc_tables(space, delegation)?;
        let mut epochs = Vec::new();
        for instructions in Timeline::new(delegation).epochs() {
            let state = DelegationState::new(space, delegation, &tables, &instructions)?;
            let mut ratifiable: Vec<(f64, OutcomeId)> =
                state.win_set.iter().map(|o| (state.table.utility(o), o)).collect();
            ratifiable.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            epochs.push(Epoch {
                acceptable: state.acceptable,
                instructions,
                mandate: Prepared::new(state.table),
                reservation: state.reservation,
                win_set: state.win_set,
                ratifiable,
            });
        }
        Ok(PreparedDelegation {
            epochs,
            bloc_names: delegation.blocs.iter().map(|b| b.bloc.name.clone()).collect(),
            defection: delegation.defection,
        })
    }

    /// The period in force at relative time `t`.
    pub fn epoch_at(&self, t: f64) -> usize {
        Timeline::epoch_at(self.epochs.iter().map(|e| e.instructions.from), t)
    }

    /// Whether the delegation's blocs ratify `outcome` at time `t`, and which
    /// blocs accept and reject it.
    pub fn ratify(&self, outcome: OutcomeId, t: f64) -> Ratification {
        let e = &self.epochs[self.epoch_at(t)];
        let (mut accepting, mut rejecting) = (Vec::new(), Vec::new());
        for (name, a) in self.bloc_names.iter().zip(&e.acceptable) {
            if a.contains(outcome) { accepting.push(name.clone()) } else { rejecting.push(name.clone()) }
        }
        Ratification {
            ratified: e.win_set.contains(outcome),
            accepting,
            rejecting,
            instructions_from: e.instructions.from,
        }
    }

    /// A negotiator playing `strategy` for this delegation.
    pub fn negotiator<'a>(
        &'a self,
        strategy: &StrategySpec,
        seed: u64,
        config: &SaoConfig,
    ) -> Box<dyn Negotiator + Send + 'a> {
        let inner = self.epochs.iter().map(|e| strategy.build_for(&e.mandate, seed, config)).collect();
        Box::new(DelegationNegotiator { delegation: self, inner })
    }
}

/// What the delegation's blocs say of an agreement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ratification {
    pub ratified: bool,
    pub accepting: Vec<String>,
    pub rejecting: Vec<String>,
    /// The instructions applied were in force from this relative time.
    pub instructions_from: f64,
}

struct DelegationNegotiator<'a> {
    delegation: &'a PreparedDelegation,
    inner: Vec<Box<dyn Negotiator + Send + 'a>>,
}

impl Negotiator for DelegationNegotiator<'_> {
    fn propose(&mut self, turn: &TurnInfo) -> Option<OutcomeId> {
        let k = self.delegation.epoch_at(turn.t);
        let proposal = self.inner[k].propose(turn)?;
        let e = &self.delegation.epochs[k];
        if self.delegation.defection || e.win_set.contains(proposal) {
            return Some(proposal);
        }
        if e.ratifiable.is_empty() {
            return Some(e.mandate.table().best());
        }
        let u = e.mandate.table().utility(proposal);
        let i = e.ratifiable.partition_point(|&(v, _)| v < u);
        Some(e.ratifiable.get(i).unwrap_or(&e.ratifiable[e.ratifiable.len() - 1]).1)
    }

    fn respond(&mut self, turn: &TurnInfo, offer: OutcomeId) -> Response {
        let k = self.delegation.epoch_at(turn.t);
        let r = self.inner[k].respond(turn, offer);
        if r == Response::Accept && !self.delegation.defection && !self.delegation.epochs[k].win_set.contains(offer) {
            return Response::Reject;
        }
        r
    }
}
