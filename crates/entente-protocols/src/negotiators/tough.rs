//! The hardliner: always its best outcome.

use entente_core::OutcomeId;

use super::{Negotiator, Prepared, Response, TurnInfo};

/// Offers its best outcome every time; accepts only offers worth as much
/// (within 1e-10), as NegMAS's `ToughNegotiator`, and never one below its
/// reservation value.
#[derive(Debug)]
pub struct Tough<'a> {
    prepared: &'a Prepared,
}

impl<'a> Tough<'a> {
    pub fn new(prepared: &'a Prepared) -> Self {
        Tough { prepared }
    }
}

impl Negotiator for Tough<'_> {
    fn propose(&mut self, _turn: &TurnInfo) -> Option<OutcomeId> {
        Some(self.prepared.table().best())
    }

    fn respond(&mut self, _turn: &TurnInfo, offer: OutcomeId) -> Response {
        let table = self.prepared.table();
        let u = table.utility(offer);
        // Never below the reservation value (when even the best outcome is below it, nothing is accepted).
        if u >= table.max() - 1e-10 && u >= table.reservation() { Response::Accept } else { Response::Reject }
    }
}
