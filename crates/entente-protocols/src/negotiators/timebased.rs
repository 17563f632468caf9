//! Time-based concession: Boulware, Linear, Conceder and Aspiration.
//!
//! The offer at time `t` is NegMAS's `worst_in(lo(t), hi)` over the outcomes
//! sorted by utility. When the negotiation's times are known in advance (a
//! round limit, no wall-clock limit), every round's `lo` is known at the start,
//! and a single pass over the utility table answers all of them at once
//! ([`Schedule`]) without sorting the outcome space: `O(n log n_steps)`
//! instead of `O(n log n)`, with exactly the same offers. Otherwise, or when
//! the party's outcomes are already sorted (a tournament reusing its setup),
//! each offer is a few binary searches over the sorted outcomes.

use entente_core::{OutcomeId, TieOrder};
use entente_model::strategy::TimeBasedParams;

use super::inverse::INVERSE_EPS;
use super::{Inverse, Negotiator, Prepared, Response, TurnInfo, py_max, py_min};
use crate::sao::step_time;

/// Longest round limit for which offers are scheduled in advance.
const MAX_SCHEDULED_ROUNDS: u32 = 1 << 20;

/// Smallest outcome space for which scheduling beats sorting (measured: on
/// 1,000 outcomes sorting takes about half the time of a schedule of 100
/// rounds; on 100,000 outcomes the schedule takes half the time of sorting).
const MIN_SCHEDULED_OUTCOMES: usize = 8192;

/// A negotiator that concedes with time only.
#[derive(Debug)]
pub struct TimeBased<'a> {
    prepared: &'a Prepared,
    params: TimeBasedParams,
    /// `max(umin, reservation)`.
    lower: f64,
    upper: f64,
    /// Built on the first offer that the schedule does not answer.
    inverse: Option<Inverse<'a>>,
    schedule: Option<Schedule>,
    /// The last band computed, and its time: a turn's answer and counter-offer
    /// share one time.
    last_band: (u64, (f64, f64)),
}

/// The answer of `worst_in` for a round.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Pick {
    Outcome(OutcomeId),
    /// No outcome in the band: offer the best outcome.
    Best,
    /// Not decided in advance: search the sorted outcomes.
    Search,
}

/// Offers of every round, decided in advance.
#[derive(Debug)]
struct Schedule {
    n_steps: u32,
    picks: Vec<Pick>,
}

/// The smallest and largest utility (with the id to use) among outcomes
/// between two consecutive thresholds.
#[derive(Clone, Copy, Debug)]
struct Extremes {
    /// Smallest utility, smallest id among equals.
    min: (f64, OutcomeId),
    /// Largest utility, smallest id among equals.
    max: (f64, OutcomeId),
}

const NONE_MIN: (f64, OutcomeId) = (f64::INFINITY, OutcomeId::MAX);
const NONE_MAX: (f64, OutcomeId) = (f64::NEG_INFINITY, OutcomeId::MAX);

/// `a` before `b` in a stable ascending order.
#[inline]
fn lex_less(a: (f64, OutcomeId), b: (f64, OutcomeId)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
}

impl<'a> TimeBased<'a> {
    /// A negotiator that searches the sorted outcomes at every offer.
    pub fn new(prepared: &'a Prepared, params: TimeBasedParams) -> Self {
        let table = prepared.table();
        let upper = table.max();
        let mut lower = table.min();
        if lower < table.reservation() {
            lower = table.reservation();
        }
        TimeBased { prepared, params, lower, upper, inverse: None, schedule: None, last_band: (u64::MAX, (0.0, 0.0)) }
    }

    /// A negotiator for a negotiation of at most `n_steps` rounds. Without a
    /// wall-clock limit its offers are scheduled in one pass over the utility
    /// table, unless the outcomes are sorted already (then searching is cheaper).
    pub fn for_negotiation(prepared: &'a Prepared, params: TimeBasedParams, n_steps: u32, time_limit: bool) -> Self {
        let mut me = Self::new(prepared, params);
        if !time_limit
            && prepared.table().len() >= MIN_SCHEDULED_OUTCOMES
            && !prepared.is_sorted()
            && prepared.tie_order() == TieOrder::Stable
            && (1..=MAX_SCHEDULED_ROUNDS).contains(&n_steps)
        {
            me.schedule = Some(me.build_schedule(n_steps));
        }
        me
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

    /// [`TimeBased::band`], remembering the last time asked.
    #[inline]
    fn band_at(&mut self, t: f64) -> (f64, f64) {
        let bits = t.to_bits();
        if self.last_band.0 != bits {
            self.last_band = (bits, self.band(t));
        }
        self.last_band.1
    }

    fn inverse(&mut self) -> Inverse<'a> {
        let prepared = self.prepared;
        let rational_only = self.params.rational_only;
        *self.inverse.get_or_insert_with(|| {
            if rational_only { prepared.rational_inverse() } else { Inverse::all(prepared.sorted()) }
        })
    }

    /// Answers `worst_in(lo_k, hi)` for every round `k` in one pass over the
    /// utilities, exactly as the sorted search would with a stable order.
    fn build_schedule(&self, n_steps: u32) -> Schedule {
        let table = self.prepared.table();
        let utils = table.utilities();
        let rv = table.reservation();
        let times = (0..n_steps).map(|k| step_time(k, n_steps));
        let los: Vec<f64> = times.map(|t| self.band(t).0).collect();
        let hi = self.band(0.5).1;
        let mut thresholds = los.clone();
        thresholds.sort_by(f64::total_cmp);
        thresholds.dedup();

        // One pass: per gap between thresholds, the smallest and largest utility;
        // overall, the largest utility with the *largest* id (the last position of
        // a stable sort) and the best irrational outcome.
        let mut gaps = vec![Extremes { min: NONE_MIN, max: NONE_MAX }; thresholds.len() + 1];
        let mut top = NONE_MAX;
        let mut tail = NONE_MAX;
        let mut n_rational = 0usize;
        let grid = Grid::new(&thresholds);
        for (i, &u) in utils.iter().enumerate() {
            let id = i as OutcomeId;
            if self.params.rational_only && u < rv {
                if u > tail.0 {
                    tail = (u, id);
                }
                continue;
            }
            n_rational += 1;
            if u >= top.0 {
                top = (u, id);
            }
            let g = &mut gaps[grid.gap(&thresholds, u)];
            if u < g.min.0 {
                g.min = (u, id);
            }
            if u > g.max.0 {
                g.max = (u, id);
            }
        }
        // successor[j]: smallest utility in gaps j..; predecessor[j]: largest in gaps ..=j.
        let mut successor = vec![NONE_MIN; gaps.len() + 1];
        for j in (0..gaps.len()).rev() {
            successor[j] = if lex_less(gaps[j].min, successor[j + 1]) { gaps[j].min } else { successor[j + 1] };
        }
        let mut predecessor = vec![NONE_MAX; gaps.len()];
        let mut best = NONE_MAX;
        for (j, g) in gaps.iter().enumerate() {
            if g.max.0 > best.0 {
                best = g.max;
            }
            predecessor[j] = best;
        }

        let picks = los
            .iter()
            .map(|&lo| {
                if n_rational == 0 {
                    return Pick::Best;
                }
                // Below 2e-6, differences of in-band utilities may round, and
                // ties between distances would need the full order: search.
                if lo.is_nan() || lo < 2.0 * INVERSE_EPS {
                    return Pick::Search;
                }
                let i = thresholds.partition_point(|&t| t < lo);
                let succ = successor[i + 1];
                let pred = predecessor[i];
                decide(lo, hi, succ, pred, top, tail)
            })
            .collect();
        Schedule { n_steps, picks }
    }

    fn scheduled(&self, turn: &TurnInfo) -> Pick {
        match &self.schedule {
            Some(s) if turn.round < s.n_steps && turn.t.to_bits() == step_time(turn.round, s.n_steps).to_bits() => {
                s.picks[turn.round as usize]
            }
            _ => Pick::Search,
        }
    }
}

/// Finds, for a utility `u`, the number of thresholds `<= u` (its gap)
/// without a binary search: a uniform grid over the thresholds' range gives
/// the first candidate, and a short walk finishes.
struct Grid {
    base: f64,
    scale: f64,
    /// `first[c]`: number of thresholds below the start of cell `c`.
    first: Vec<u32>,
}

impl Grid {
    fn new(thresholds: &[f64]) -> Self {
        let (lo, hi) = match (thresholds.first(), thresholds.last()) {
            (Some(&lo), Some(&hi)) => (lo, hi),
            _ => return Grid { base: 0.0, scale: 0.0, first: vec![0] },
        };
        let cells = 4 * thresholds.len();
        let width = hi - lo;
        let scale = if width > 0.0 && width.is_finite() { cells as f64 / width } else { 0.0 };
        // first[c] = (number of thresholds t with cell(t) < c), minus one for
        // rounding: a lower bound of the gap of any u in cell c, since cell()
        // is monotone. One merge pass over cells and thresholds.
        let mut first = vec![0u32; cells + 1];
        if scale > 0.0 {
            let mut j = 0usize;
            for (c, f) in first.iter_mut().enumerate() {
                while j < thresholds.len() && (((thresholds[j] - lo) * scale).max(0.0) as usize) < c {
                    j += 1;
                }
                *f = j.saturating_sub(1) as u32;
            }
        }
        Grid { base: lo, scale, first }
    }

    #[inline]
    fn gap(&self, thresholds: &[f64], u: f64) -> usize {
        let c = ((u - self.base) * self.scale).max(0.0) as usize;
        let mut j = self.first[c.min(self.first.len() - 1)] as usize;
        // The grid's start is a lower bound; walk up to the exact gap.
        while j < thresholds.len() && thresholds[j] <= u {
            j += 1;
        }
        // And down, should rounding have put the start too high.
        while j > 0 && thresholds[j - 1] > u {
            j -= 1;
        }
        j
    }
}

/// NegMAS's `worst_in` decision (see [`Inverse::worst_in`]) from the few
/// utilities that matter: the first rational outcome at or above `lo`
/// (`succ`), the last below it (`pred`), the last of all (`top`) and the best
/// irrational outcome (`tail`). Valid when distances to `lo` are exact.
fn decide(
    lo: f64,
    hi: f64,
    succ: (f64, OutcomeId),
    pred: (f64, OutcomeId),
    top: (f64, OutcomeId),
    tail: (f64, OutcomeId),
) -> Pick {
    #[derive(Clone, Copy, PartialEq)]
    enum Which {
        Succ,
        Pred,
        Tail,
        Top,
    }
    let eps = INVERSE_EPS;
    let (band_lo, band_hi) = (lo - eps, hi + 2.0 * eps);
    let has_succ = succ.1 != OutcomeId::MAX;
    let (idx_which, idx) = if has_succ { (Which::Succ, succ) } else { (Which::Top, top) };
    let idx_distance = (idx.0 - lo).abs();
    let mut best: Option<(f64, Which, (f64, OutcomeId))> = None;
    if pred.1 != OutcomeId::MAX && pred.0 >= band_lo {
        best = Some(((pred.0 - lo).abs(), Which::Pred, pred));
    }
    if has_succ && succ.0 <= band_hi {
        let d = (succ.0 - lo).abs();
        if best.is_none_or(|b| d < b.0) {
            best = Some((d, Which::Succ, succ));
        }
    }
    if tail.1 != OutcomeId::MAX && tail.0 >= band_lo && tail.0 <= band_hi {
        let d = (tail.0 - lo).abs();
        if best.is_none_or(|b| d < b.0) {
            best = Some((d, Which::Tail, tail));
        }
    }
    let (which, chosen) = match best {
        Some((d, which, c)) if d < idx_distance => (which, c),
        _ => (idx_which, idx),
    };
    if which != idx_which && (chosen.0 - lo).abs() > 2.0 * eps {
        return Pick::Best;
    }
    Pick::Outcome(chosen.1)
}

impl Negotiator for TimeBased<'_> {
    #[inline]
    fn propose(&mut self, turn: &TurnInfo) -> Option<OutcomeId> {
        let best = self.prepared.table().best();
        match self.scheduled(turn) {
            Pick::Outcome(o) => Some(o),
            Pick::Best => Some(best),
            Pick::Search => {
                let (lo, hi) = self.band_at(turn.t);
                Some(self.inverse().worst_in(lo, hi).unwrap_or(best))
            }
        }
    }

    #[inline]
    fn respond(&mut self, turn: &TurnInfo, offer: OutcomeId) -> Response {
        let (lo, hi) = self.band_at(turn.t);
        let table = self.prepared.table();
        let u = table.utility(offer);
        // Never below the reservation value, whatever the band.
        if lo <= u && u <= hi && u >= table.reservation() { Response::Accept } else { Response::Reject }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entente_core::UtilityTable;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

        /// Scheduled offers are exactly the offers of the sorted search, round by round.
        #[test]
        fn schedule_matches_search(
            raw in prop::collection::vec(0u32..30, 1..80),
            rv in prop::option::of(0u32..32),
            scale in prop::sample::select(vec![1.0, 1e-3, 1e-6, 400.0]),
            jitter in prop::collection::vec(prop::sample::select(vec![0.0, 3e-7, -4e-7, 1e-12]), 80),
            n_steps in 1u32..60,
            which in 0usize..4,
            tolerance in prop::sample::select(vec![0.0, 1e-4, 1e-3, 0.05]),
        ) {
            let utils: Vec<f64> = raw.iter().zip(&jitter).map(|(&k, &j)| (k as f64 / 29.0 + j) * scale).collect();
            let rv = rv.map_or(f64::NEG_INFINITY, |r| r as f64 / 29.0 * scale);
            let mut params = [TimeBasedParams::BOULWARE, TimeBasedParams::LINEAR, TimeBasedParams::CONCEDER, TimeBasedParams::ASPIRATION][which];
            params.tolerance = tolerance;
            let a = Prepared::new(UtilityTable::from_utilities(utils.clone(), rv).unwrap());
            let b = Prepared::new(UtilityTable::from_utilities(utils, rv).unwrap());
            let mut scheduled = TimeBased::new(&a, params);
            scheduled.schedule = Some(scheduled.build_schedule(n_steps));
            b.presort();
            let mut searched = TimeBased::for_negotiation(&b, params, n_steps, false);
            prop_assert!(searched.schedule.is_none());
            for k in 0..n_steps {
                let turn = TurnInfo { round: k, t: (k as f64 + 1.0) / (n_steps as f64 + 1.0) };
                prop_assert_eq!(scheduled.propose(&turn), searched.propose(&turn), "round {}", k);
            }
        }
    }
}
