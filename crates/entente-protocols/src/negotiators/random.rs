//! A seeded random negotiator (a baseline and a fuzzing partner).

use entente_core::OutcomeId;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{Negotiator, Prepared, Response, TurnInfo};

/// Probabilities of each answer to an offer (NegMAS `RandomNegotiator`
/// defaults: 0.15 accept, 0.75 reject, 0.1 end). What is left up to 1 counts
/// as a rejection.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RandomParams {
    pub p_accept: f64,
    pub p_reject: f64,
    pub p_end: f64,
}

impl Default for RandomParams {
    fn default() -> Self {
        RandomParams { p_accept: 0.15, p_reject: 0.75, p_end: 0.1 }
    }
}

/// Answers at random and offers uniformly random outcomes, from its own seeded
/// generator: the same seed gives the same negotiation.
#[derive(Debug)]
pub struct RandomNegotiator {
    n_outcomes: u32,
    params: RandomParams,
    rng: ChaCha8Rng,
}

impl RandomNegotiator {
    pub fn new(prepared: &Prepared, params: RandomParams, seed: u64) -> Self {
        RandomNegotiator { n_outcomes: prepared.table().len() as u32, params, rng: ChaCha8Rng::seed_from_u64(seed) }
    }
}

impl Negotiator for RandomNegotiator {
    fn propose(&mut self, _turn: &TurnInfo) -> Option<OutcomeId> {
        Some(self.rng.random_range(0..self.n_outcomes))
    }

    fn respond(&mut self, _turn: &TurnInfo, _offer: OutcomeId) -> Response {
        let r: f64 = self.rng.random();
        let p = self.params;
        if r < p.p_accept {
            Response::Accept
        } else if r < p.p_accept + p.p_reject {
            Response::Reject
        } else if r < p.p_accept + p.p_reject + p.p_end {
            Response::End
        } else {
            Response::Reject
        }
    }
}
