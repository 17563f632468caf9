//! Time-based concession: Boulware, Linear, Conceder and Aspiration.

use entente_core::OutcomeId;
use serde::{Deserialize, Serialize};

use super::{Inverse, Negotiator, Prepared, Response, TurnInfo, py_max, py_min};

/// Parameters of a time-based negotiator.
///
/// The aspiration at relative time `t` is `max_aspiration · (1 − t^exponent)`
/// of the way from `umin = max(worst utility, reservation)` to the best utility.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeBasedParams {
    /// Concession exponent: 4 Boulware, 1 Linear, 0.25 Conceder.
    pub exponent: f64,
    /// Tolerance subtracted from the lower edge of the acceptable band
    /// (NegMAS: 1e-4 for the `*TB` negotiators, 1e-3 for Aspiration).
    pub tolerance: f64,
    /// Aspiration at `t = 0` (1.0: start at the best outcome).
    pub max_aspiration: f64,
    /// Search only rational outcomes when offering (the `*TB` classes);
    /// Aspiration searches all outcomes. They differ only under ties.
    pub rational_only: bool,
}

impl TimeBasedParams {
    /// NegMAS `BoulwareTBNegotiator`.
    pub const BOULWARE: Self = Self { exponent: 4.0, tolerance: 1e-4, max_aspiration: 1.0, rational_only: true };
    /// NegMAS `LinearTBNegotiator`.
    pub const LINEAR: Self = Self { exponent: 1.0, tolerance: 1e-4, max_aspiration: 1.0, rational_only: true };
    /// NegMAS `ConcederTBNegotiator`.
    pub const CONCEDER: Self = Self { exponent: 0.25, tolerance: 1e-4, max_aspiration: 1.0, rational_only: true };
    /// NegMAS `AspirationNegotiator` (defaults).
    pub const ASPIRATION: Self = Self { exponent: 4.0, tolerance: 1e-3, max_aspiration: 1.0, rational_only: false };
}

/// A negotiator that concedes with time only.
#[derive(Debug)]
pub struct TimeBased<'a> {
    prepared: &'a Prepared,
    inverse: Inverse<'a>,
    params: TimeBasedParams,
    /// `max(umin, reservation)`.
    lower: f64,
    upper: f64,
}

impl<'a> TimeBased<'a> {
    pub fn new(prepared: &'a Prepared, params: TimeBasedParams) -> Self {
        let table = prepared.table();
        let sorted = prepared.sorted();
        let inverse = if params.rational_only {
            Inverse::rational_only(sorted, table.reservation())
        } else {
            Inverse::all(sorted)
        };
        let upper = table.max();
        let mut lower = table.min();
        if lower < table.reservation() {
            lower = table.reservation();
        }
        TimeBased { prepared, inverse, params, lower, upper }
    }

    /// The acceptable utility band `[lo, hi]` at time `t`.
    #[inline]
    pub fn band(&self, t: f64) -> (f64, f64) {
        let a = self.params.max_aspiration * (1.0 - t.powf(self.params.exponent));
        let (mn, mx) = (self.lower, self.upper);
        let mut lo = (mx - mn) * a + mn;
        let mut hi = (mx - mn) * 1.0 + mn;
        lo -= self.params.tolerance;
        hi += self.params.tolerance;
        (py_max(mn, py_min(mx, lo)), py_max(mn, py_min(mx, hi)))
    }
}

impl Negotiator for TimeBased<'_> {
    #[inline]
    fn propose(&mut self, turn: &TurnInfo) -> Option<OutcomeId> {
        let (lo, hi) = self.band(turn.t);
        Some(self.inverse.worst_in(lo, hi).unwrap_or_else(|| self.prepared.table().best()))
    }

    #[inline]
    fn respond(&mut self, turn: &TurnInfo, offer: OutcomeId) -> Response {
        let (lo, hi) = self.band(turn.t);
        let u = self.prepared.table().utility(offer);
        if lo <= u && u <= hi { Response::Accept } else { Response::Reject }
    }
}
