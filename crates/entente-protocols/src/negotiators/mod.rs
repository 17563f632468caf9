//! Negotiating strategies for SAO.
//!
//! A [`Negotiator`] answers two questions: what to offer, and whether to accept
//! an offer. Strategies read a party's [`Prepared`] preferences (a utility
//! table and, lazily, the outcomes sorted by utility), which a tournament
//! builds once per party and shares across negotiations and threads.
//!
//! The classic strategies follow NegMAS 0.16 exactly (see
//! `../shared/reference/negotiation-semantics.md` and `../shared/parity/README.md`).

use std::sync::OnceLock;

use entente_core::{OutcomeId, SortedOutcomes, TieOrder, UtilityTable};

mod build;
pub mod inverse;
mod random;
mod tft;
mod timebased;
mod tough;

pub use build::BuildNegotiator;
pub use entente_model::strategy::{
    RandomParams, StrategyError, StrategyOptions, StrategySpec, TimeBasedName, TimeBasedParams, TitForTatParams,
};
pub use inverse::Inverse;
pub use random::RandomNegotiator;
pub use tft::NaiveTitForTat;
pub use timebased::TimeBased;
pub use tough::Tough;

/// What a negotiator knows about the moment it acts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TurnInfo {
    /// Round index, from 0.
    pub round: u32,
    /// Relative time in `[0, 1]`.
    pub t: f64,
}

/// Answer to a standing offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Response {
    Accept,
    /// Reject; the negotiator is then asked for a counter-offer.
    Reject,
    /// Leave the negotiation.
    End,
}

/// A negotiating strategy for one party in one negotiation.
pub trait Negotiator {
    /// The offer to make, or `None` to break off.
    fn propose(&mut self, turn: &TurnInfo) -> Option<OutcomeId>;
    /// The answer to the standing `offer`.
    fn respond(&mut self, turn: &TurnInfo, offer: OutcomeId) -> Response;
}

/// One party's preferences, prepared for strategies: the utility table and,
/// built on first use, the outcomes sorted by utility.
///
/// A tournament prepares each party once and shares it (it is `Sync`) across
/// all its negotiations and threads.
#[derive(Debug)]
pub struct Prepared {
    table: UtilityTable,
    tie_order: TieOrder,
    sorted: OnceLock<SortedOutcomes>,
    /// Rational outcomes sorted, and the irrational ones (for `rational_only` strategies).
    rational: OnceLock<(SortedOutcomes, SortedOutcomes)>,
}

impl Prepared {
    /// Prepared preferences with ties in enumeration order.
    pub fn new(table: UtilityTable) -> Self {
        Self::with_tie_order(table, TieOrder::Stable)
    }

    /// Prepared preferences ordering ties as `tie_order` says.
    pub fn with_tie_order(table: UtilityTable, tie_order: TieOrder) -> Self {
        Prepared { table, tie_order, sorted: OnceLock::new(), rational: OnceLock::new() }
    }

    pub fn table(&self) -> &UtilityTable {
        &self.table
    }

    pub fn tie_order(&self) -> TieOrder {
        self.tie_order
    }

    /// All outcomes sorted by utility. Sorted once, on first use.
    pub fn sorted(&self) -> &SortedOutcomes {
        self.sorted.get_or_init(|| match self.tie_order {
            TieOrder::Stable => self.table.sorted(),
            TieOrder::NumpyAvx2 => {
                let all: Vec<OutcomeId> = (0..self.table.len() as OutcomeId).collect();
                SortedOutcomes::of_subset(self.table.utilities(), &all, TieOrder::NumpyAvx2)
            }
        })
    }

    /// Whether the outcomes have been sorted already.
    pub fn is_sorted(&self) -> bool {
        self.sorted.get().is_some()
    }

    /// NegMAS's `rational_only` inverse: the rational outcomes (`u >=
    /// reservation`) sorted by themselves, then the irrational ones.
    pub fn rational_inverse(&self) -> Inverse<'_> {
        let rv = self.table.reservation();
        if self.tie_order == TieOrder::Stable || rv <= self.table.min() {
            // With a stable order, or when every outcome is rational, the
            // rational outcomes sorted alone are a suffix of all of them sorted.
            let sorted = self.sorted();
            let fr = sorted.first_at_least(rv);
            let (u, ids) = (sorted.utilities(), sorted.ids());
            return Inverse::from_slices(&u[fr..], &ids[fr..], &u[..fr], &ids[..fr]);
        }
        let (rational, tail) = self.rational.get_or_init(|| {
            let u = self.table.utilities();
            let (r, t): (Vec<OutcomeId>, Vec<OutcomeId>) =
                (0..self.table.len() as OutcomeId).partition(|&i| u[i as usize] >= rv);
            (SortedOutcomes::of_subset(u, &r, self.tie_order), SortedOutcomes::of_subset(u, &t, TieOrder::Stable))
        });
        Inverse::with_tail(rational, tail)
    }

    /// Sorts now rather than on first use (for timing setup separately).
    pub fn presort(&self) -> &Self {
        let _ = self.sorted();
        self
    }
}

/// NegMAS swaps an inverted utility range `(lo, hi)` only when `lo − hi` is
/// at most this; beyond it the range is empty.
pub(crate) const INVERTED_RANGE_TOLERANCE: f64 = 0.1;

/// Python's `max(a, b)`: `a` unless `b` is strictly greater.
#[inline]
pub(crate) fn py_max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// Python's `min(a, b)`: `a` unless `b` is strictly smaller.
#[inline]
pub(crate) fn py_min(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}
