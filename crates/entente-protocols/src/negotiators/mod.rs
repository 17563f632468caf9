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

use entente_core::{OutcomeId, SortedOutcomes, UtilityTable};

pub mod inverse;
mod random;
mod spec;
mod tft;
mod timebased;
mod tough;

pub use inverse::Inverse;
pub use random::{RandomNegotiator, RandomParams};
pub use spec::{StrategyError, StrategyOptions, StrategySpec, TimeBasedName};
pub use tft::{NaiveTitForTat, TitForTatParams};
pub use timebased::{TimeBased, TimeBasedParams};
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
#[derive(Debug)]
pub struct Prepared {
    table: UtilityTable,
    sorted: OnceLock<SortedOutcomes>,
}

impl Prepared {
    pub fn new(table: UtilityTable) -> Self {
        Prepared { table, sorted: OnceLock::new() }
    }

    pub fn table(&self) -> &UtilityTable {
        &self.table
    }

    /// Outcomes sorted by utility (stable). Sorted once, on first use.
    pub fn sorted(&self) -> &SortedOutcomes {
        self.sorted.get_or_init(|| self.table.sorted())
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
