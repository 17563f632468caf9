//! Naive tit-for-tat (NegMAS `NaiveTitForTatNegotiator`).
//!
//! It mirrors the partner's concession measured in its own utility: a partner
//! offer worth `n` (normalised) is read as a concession of `n`, answered by
//! accepting anything worth at least `1 − n` and by offering the worst outcome
//! worth at least that. Rounds 1 and 2 make the smallest possible concession,
//! read off a cursor that walks down the sorted outcomes two at a time per call.

use entente_core::OutcomeId;

use entente_model::strategy::TitForTatParams;

use super::{INVERTED_RANGE_TOLERANCE, Inverse, Negotiator, Prepared, Response, TurnInfo};

/// Rounds up to this one concede nothing (NegMAS `no_concession_step`).
const NO_CONCESSION_ROUND: u32 = 0;
/// From this round on the concession mirrors the partner (`kindness_start_step`).
const MIRROR_FROM_ROUND: u32 = 3;
/// Slack added to the minimal concession (`min_concession_eps`).
const MIN_CONCESSION_EPS: f64 = 1e-12;

#[derive(Debug)]
pub struct NaiveTitForTat<'a> {
    prepared: &'a Prepared,
    inverse: Inverse<'a>,
    params: TitForTatParams,
    /// NegMAS's `next_worse` cursor (`None`: not started).
    cursor: Option<usize>,
    partner_offer: Option<OutcomeId>,
}

impl<'a> NaiveTitForTat<'a> {
    pub fn new(prepared: &'a Prepared, params: TitForTatParams) -> Self {
        let inverse = Inverse::all(prepared.sorted());
        NaiveTitForTat { prepared, inverse, params, cursor: None, partner_offer: None }
    }

    /// `ufun.eval_normalized(offer, above_reserve=True)`.
    fn normalized(&self, offer: Option<OutcomeId>) -> f64 {
        let table = self.prepared.table();
        let r = table.reservation();
        let u = match offer {
            Some(o) => table.utility(o),
            None => r,
        };
        let (mut mn, mut mx) = (table.min(), table.max());
        if mx < r {
            mx = f64::NEG_INFINITY;
            mn = f64::NEG_INFINITY;
        } else if mn < r {
            mn = r;
        }
        let d = mx - mn;
        if d < 1e-5 {
            return if mx.is_finite() { 1.0 } else { 0.0 };
        }
        (u - mn) * (1.0 / d)
    }

    /// The partner's concession as NegMAS's zero-sum model computes it.
    fn partner_concession(&self, offer: Option<OutcomeId>) -> f64 {
        let partner_u = match offer {
            // NegMAS: `x * -1 + 1.0`; negation is exact, so this is bit-identical.
            Some(_) => -self.normalized(offer) + 1.0,
            None => 1.0,
        };
        1.0 - partner_u
    }

    /// `inverse.next_worse()`: the best outcome, then one step down per call.
    fn next_worse(&mut self) -> Option<OutcomeId> {
        let n = self.inverse.n_rational();
        match self.cursor {
            None => {
                self.cursor = Some(n - 1);
                Some(self.inverse.at(n - 1).1)
            }
            Some(0) => None,
            Some(c) => {
                self.cursor = Some(c - 1);
                Some(self.inverse.at(c - 1).1)
            }
        }
    }

    /// `KindConcessionRecommender.__call__`, with NegMAS's sanity checks.
    fn concession(&mut self, partner_concession: f64, round: u32) -> f64 {
        let c = self.recommend(partner_concession, round);
        if !c.is_finite() || !(-1e-6..=1.0000001).contains(&c) { 0.0 } else { c }
    }

    #[allow(clippy::absurd_extreme_comparisons)] // NO_CONCESSION_ROUND is a NegMAS parameter that happens to be 0
    fn recommend(&mut self, pc: f64, round: u32) -> f64 {
        let concession = if pc < 0.0 && !self.params.punish { 0.0 } else { pc };
        if round <= NO_CONCESSION_ROUND {
            return 0.0;
        }
        if round >= MIRROR_FROM_ROUND {
            return concession + self.params.kindness;
        }
        // The smallest concession possible: the utility gap between the next
        // two outcomes of the cursor.
        let table = self.prepared.table();
        let r = table.reservation();
        let best = self.next_worse();
        let next = self.next_worse();
        let u = |o: Option<OutcomeId>| o.map_or(r, |o| table.utility(o));
        let n = self.inverse.n_rational();
        let d = self.inverse.at(n - 1).0 - self.inverse.at(0).0;
        (u(best) - u(next) + MIN_CONCESSION_EPS) / d
    }

    /// `worst_in((target, 1.0), normalized=True)`.
    fn worst_at_or_above(&self, target: f64) -> Option<OutcomeId> {
        let table = self.prepared.table();
        let (mut lo, mut hi) = (target, 1.0);
        if lo > hi {
            if lo - hi > INVERTED_RANGE_TOLERANCE {
                return None;
            }
            std::mem::swap(&mut lo, &mut hi);
        }
        let (umin, umax) = (table.min(), table.max());
        let d = umax - umin;
        if d < super::inverse::INVERSE_EPS {
            lo = 0.0;
            hi = 0.0;
        } else {
            lo = lo * d + umin;
            hi = hi * d + umin;
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
        }
        self.inverse.worst_in(lo, hi)
    }
}

impl Negotiator for NaiveTitForTat<'_> {
    fn propose(&mut self, turn: &TurnInfo) -> Option<OutcomeId> {
        let pc = self.partner_concession(self.partner_offer);
        let c = self.concession(pc, turn.round);
        self.worst_at_or_above(1.0 - c)
    }

    fn respond(&mut self, turn: &TurnInfo, offer: OutcomeId) -> Response {
        self.partner_offer = Some(offer);
        let pc = self.partner_concession(Some(offer));
        let c = self.concession(pc, turn.round);
        // Never below the reservation value (NegMAS's normalisation alone lets an offer a hair below it through).
        let table = self.prepared.table();
        if self.normalized(Some(offer)) >= 1.0 - c && table.utility(offer) >= table.reservation() {
            Response::Accept
        } else {
            Response::Reject
        }
    }
}
