//! A seeded random negotiator (a baseline and a fuzzing partner).

use entente_core::OutcomeId;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use entente_model::strategy::RandomParams;

use super::{Negotiator, Prepared, Response, TurnInfo};

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
