//! A seeded random negotiator (a baseline and a fuzzing partner).

use entente_core::OutcomeId;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use entente_model::strategy::RandomParams;

use super::{Negotiator, Prepared, Response, TurnInfo};

/// Draws of a proposal before the random negotiator falls back on its best outcome.
const PROPOSAL_DRAWS: u32 = 64;

/// Answers at random and offers uniformly random outcomes, from its own seeded
/// generator: the same seed gives the same negotiation. A drawn acceptance of
/// an offer below the reservation value is a rejection (the draw is made all
/// the same), and it offers only outcomes at or above it, unless
/// [`RandomParams::accept_below_reservation`].
#[derive(Debug)]
pub struct RandomNegotiator<'a> {
    prepared: &'a Prepared,
    params: RandomParams,
    rng: ChaCha8Rng,
}

impl<'a> RandomNegotiator<'a> {
    pub fn new(prepared: &'a Prepared, params: RandomParams, seed: u64) -> Self {
        RandomNegotiator { prepared, params, rng: ChaCha8Rng::seed_from_u64(seed) }
    }
}

impl Negotiator for RandomNegotiator<'_> {
    fn propose(&mut self, _turn: &TurnInfo) -> Option<OutcomeId> {
        // Uniform over the outcomes at or above the reservation value (an offer binds its proposer): drawn
        // until one is, at most `PROPOSAL_DRAWS` times, then its best outcome.
        let table = self.prepared.table();
        let n = table.len() as u32;
        if self.params.accept_below_reservation || table.min() >= table.reservation() {
            return Some(self.rng.random_range(0..n));
        }
        for _ in 0..PROPOSAL_DRAWS {
            let o = self.rng.random_range(0..n);
            if table.utility(o) >= table.reservation() {
                return Some(o);
            }
        }
        Some(table.best())
    }

    fn respond(&mut self, _turn: &TurnInfo, offer: OutcomeId) -> Response {
        let r: f64 = self.rng.random();
        let p = self.params;
        if r < p.p_accept {
            let table = self.prepared.table();
            if p.accept_below_reservation || table.utility(offer) >= table.reservation() {
                Response::Accept
            } else {
                Response::Reject
            }
        } else if r < p.p_accept + p.p_reject {
            Response::Reject
        } else if r < p.p_accept + p.p_reject + p.p_end {
            Response::End
        } else {
            Response::Reject
        }
    }
}
