//! Searching outcomes by utility, with NegMAS's exact rules.
//!
//! NegMAS's `PresortingInverseUtilityFunction` keeps the rational outcomes
//! sorted by utility and, when built with `rational_only`, appends the
//! irrational ones unsorted in enumeration order. Its `worst_in(lo, hi)` takes
//! the first sorted rational outcome with `u >= lo` (clamped to the last
//! rational), then replaces it by the element of the *whole* array (irrational
//! tail included) that is strictly closer to `lo`, among those in
//! `[lo - 1e-6, hi + 2e-6]`; the first such element wins ties. A replacement
//! farther than `2e-6` from `lo` means "no result".
//!
//! NegMAS does this with a linear scan per call; here it is a few binary
//! searches over a [`SortedOutcomes`], exact to the last bit, ties included
//! (given a stable order among equal utilities: see the parity README on ties).

use entente_core::{OutcomeId, SortedOutcomes};

/// NegMAS's `EPS` for inverse utility functions.
pub const INVERSE_EPS: f64 = 1e-6;

/// A view of sorted outcomes as NegMAS's presorted inverse sees them: the
/// rational outcomes in ascending order of utility, and the irrational
/// "tail" (which NegMAS appends unsorted, in enumeration order; here it is
/// given in ascending order of utility, and its enumeration order is
/// recovered from the ids when it matters).
#[derive(Clone, Copy, Debug)]
pub struct Inverse<'a> {
    utils: &'a [f64],
    ids: &'a [OutcomeId],
    tail_utils: &'a [f64],
    tail_ids: &'a [OutcomeId],
}

/// The nearest in-band element found on one side of a sorted slice.
#[derive(Clone, Copy)]
struct Candidate {
    distance: f64,
    /// Position in the whole array (rational part first, then the tail).
    position: usize,
}

impl<'a> Inverse<'a> {
    /// All outcomes sorted (`rational_only = false`).
    pub fn all(sorted: &'a SortedOutcomes) -> Self {
        Inverse { utils: sorted.utilities(), ids: sorted.ids(), tail_utils: &[], tail_ids: &[] }
    }

    /// Rational outcomes sorted, and the irrational tail sorted by utility.
    pub fn with_tail(rational: &'a SortedOutcomes, tail: &'a SortedOutcomes) -> Self {
        Self::from_slices(rational.utilities(), rational.ids(), tail.utilities(), tail.ids())
    }

    /// From sorted slices: rational utilities and ids, then the tail's.
    pub fn from_slices(
        utils: &'a [f64],
        ids: &'a [OutcomeId],
        tail_utils: &'a [f64],
        tail_ids: &'a [OutcomeId],
    ) -> Self {
        Inverse { utils, ids, tail_utils, tail_ids }
    }

    /// Number of rational outcomes.
    pub fn n_rational(&self) -> usize {
        self.utils.len()
    }

    fn rational(&self) -> &'a [f64] {
        self.utils
    }

    /// Utility and outcome at a position of the rational (sorted) part.
    pub fn at(&self, position: usize) -> (f64, OutcomeId) {
        (self.utils[position], self.ids[position])
    }

    /// `worst_in((lo, hi), normalized=False)` with NegMAS's default `eps`.
    pub fn worst_in(&self, lo: f64, hi: f64) -> Option<OutcomeId> {
        let eps = INVERSE_EPS;
        let rational = self.rational();
        let lr = rational.len();
        if lr == 0 {
            return None;
        }
        let x = lo;
        let band_lo = x - eps;
        let band_hi = hi + 2.0 * eps;
        let p = rational.partition_point(|&u| u < x);
        let idx = p.min(lr - 1);
        let idx_distance = (rational[idx] - x).abs();

        // Nearest in-band element of the sorted rational part.
        let mut best: Option<Candidate> = None;
        if p > 0 && rational[p - 1] >= band_lo {
            // Below lo: distance falls as utility rises, so the first element
            // with the smallest distance starts a run ending at p - 1.
            let d = (rational[p - 1] - x).abs();
            let below = &rational[..p];
            let q = below.partition_point(|&u| (u - x).abs() > d).max(below.partition_point(|&u| u < band_lo));
            best = Some(Candidate { distance: d, position: q });
        }
        if p < lr && rational[p] <= band_hi {
            let d = (rational[p] - x).abs();
            if best.is_none_or(|b| d < b.distance) {
                best = Some(Candidate { distance: d, position: p });
            }
        }
        // The irrational tail comes after the rational part: it wins only when
        // strictly closer.
        if !self.tail_utils.is_empty()
            && let Some((d, position)) = self.nearest_in_tail(x, band_lo, band_hi)
            && best.is_none_or(|b| d < b.distance)
        {
            best = Some(Candidate { distance: d, position: lr + position });
        }
        let chosen = match best {
            Some(c) if c.distance < idx_distance => c.position,
            _ => idx,
        };
        let chosen_utility = self.utility_at_position(chosen);
        if (chosen_utility - x).abs() > 2.0 * eps && chosen != idx {
            return None;
        }
        Some(self.id_at_position(chosen))
    }

    /// Utility at a position of the whole array (rational part, then tail in
    /// enumeration order).
    fn utility_at_position(&self, position: usize) -> f64 {
        let lr = self.n_rational();
        if position < lr { self.utils[position] } else { self.tail_by_enumeration(position - lr).0 }
    }

    fn id_at_position(&self, position: usize) -> OutcomeId {
        let lr = self.n_rational();
        if position < lr { self.ids[position] } else { self.tail_by_enumeration(position - lr).1 }
    }

    /// The `k`-th irrational outcome in enumeration order (utility, id). Used
    /// only for the rare pick from the tail, so a scan is fine.
    fn tail_by_enumeration(&self, k: usize) -> (f64, OutcomeId) {
        let (tail_utils, tail_ids) = (self.tail_utils, self.tail_ids);
        let mut order: Vec<usize> = (0..tail_ids.len()).collect();
        order.sort_unstable_by_key(|&i| tail_ids[i]);
        let i = order[k];
        (tail_utils[i], tail_ids[i])
    }

    /// Smallest distance to `x` among tail elements in `[band_lo, band_hi]`,
    /// and the enumeration rank (within the tail) of the first element at that
    /// distance.
    fn nearest_in_tail(&self, x: f64, band_lo: f64, band_hi: f64) -> Option<(f64, usize)> {
        let (tail, tail_ids) = (self.tail_utils, self.tail_ids);
        let p = tail.partition_point(|&u| u < x);
        let mut d = f64::INFINITY;
        if p < tail.len() && tail[p] <= band_hi {
            d = (tail[p] - x).abs();
        }
        if p > 0 && tail[p - 1] >= band_lo {
            d = d.min((tail[p - 1] - x).abs());
        }
        if !d.is_finite() {
            return None;
        }
        // Every in-band element at distance d lies next to p; the winner is
        // the one earliest in enumeration order.
        let mut first_id = OutcomeId::MAX;
        let mut j = p;
        while j < tail.len() && tail[j] <= band_hi && (tail[j] - x).abs() == d {
            first_id = first_id.min(tail_ids[j]);
            j += 1;
        }
        let mut j = p;
        while j > 0 && tail[j - 1] >= band_lo && (tail[j - 1] - x).abs() == d {
            first_id = first_id.min(tail_ids[j - 1]);
            j -= 1;
        }
        let rank = tail_ids.iter().filter(|&&id| id < first_id).count();
        Some((d, rank))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entente_core::TieOrder;

    /// A literal transcription of NegMAS's `worst_in` over an explicit array
    /// (sorted rational part followed by the tail in enumeration order).
    fn reference(utils: &[f64], rv: f64, rational_only: bool, lo: f64, hi: f64) -> Option<OutcomeId> {
        let eps = INVERSE_EPS;
        let mut ids: Vec<u32> = (0..utils.len() as u32).collect();
        let (mut rational, irrational): (Vec<u32>, Vec<u32>) = if rational_only {
            ids.iter().partition(|&&i| utils[i as usize] >= rv)
        } else {
            (std::mem::take(&mut ids), vec![])
        };
        rational.sort_by(|&a, &b| utils[a as usize].partial_cmp(&utils[b as usize]).unwrap());
        let lr = rational.len();
        if lr == 0 {
            return None;
        }
        let order: Vec<u32> = rational.iter().chain(irrational.iter()).copied().collect();
        let a: Vec<f64> = order.iter().map(|&i| utils[i as usize]).collect();
        let p = a[..lr].partition_point(|&u| u < lo);
        let i = p.min(lr - 1);
        let (mn, mx) = (lo - eps, hi + 2.0 * eps);
        let mut j = usize::MAX;
        let mut dj = f64::INFINITY;
        for (k, &u) in a.iter().enumerate() {
            if u >= mn && u <= mx && (u - lo).abs() < dj {
                dj = (u - lo).abs();
                j = k;
            }
        }
        let best = if dj < (a[i] - lo).abs() { j } else { i };
        if (a[best] - lo).abs() > 2.0 * eps && best != i {
            return None;
        }
        Some(order[best])
    }

    fn check(utils: &[f64], rv: f64, rational_only: bool, lo: f64, hi: f64) {
        let sorted = SortedOutcomes::new(utils);
        let all: Vec<u32> = (0..utils.len() as u32).collect();
        let (r, t): (Vec<u32>, Vec<u32>) = all.iter().partition(|&&i| !rational_only || utils[i as usize] >= rv);
        let rational = SortedOutcomes::of_subset(utils, &r, TieOrder::Stable);
        let tail = SortedOutcomes::of_subset(utils, &t, TieOrder::Stable);
        let inv = if rational_only { Inverse::with_tail(&rational, &tail) } else { Inverse::all(&sorted) };
        assert_eq!(
            inv.worst_in(lo, hi),
            reference(utils, rv, rational_only, lo, hi),
            "utils {utils:?} rv {rv} rational_only {rational_only} lo {lo} hi {hi}"
        );
    }

    #[test]
    fn matches_the_linear_scan_on_tricky_bands() {
        let utils = [0.3, 0.5, 0.5000005, 0.7, 0.2999995, 0.9, 0.1, 0.4999999];
        for &rv in &[f64::NEG_INFINITY, 0.3, 0.5, 0.95] {
            for &ro in &[true, false] {
                for &lo in &[0.0, 0.1, 0.2999999, 0.3, 0.3000001, 0.4999995, 0.5, 0.5000001, 0.6, 0.9, 0.95] {
                    check(&utils, rv, ro, lo, 0.9);
                    check(&utils, rv, ro, lo, lo);
                }
            }
        }
    }

    #[test]
    fn tail_candidates_near_the_reservation_value() {
        // lo sits on rv, and an irrational outcome lies just below it.
        let utils = [0.6, 0.4999996, 0.8, 0.4999996, 0.5000008];
        for &lo in &[0.5, 0.5000001, 0.4999999] {
            check(&utils, 0.5, true, lo, 0.8);
        }
    }

    proptest::proptest! {
        #[test]
        fn matches_the_linear_scan_on_random_arrays(
            raw in proptest::collection::vec(0u32..40, 1..30),
            rv_k in 0u32..45,
            lo_k in 0u32..45,
            jitter in -3i32..4,
            ro in proptest::bool::ANY,
        ) {
            // Values on a coarse grid with occasional 1e-7 offsets, so that
            // ties and near-ties within the 1e-6 band are frequent.
            let utils: Vec<f64> = raw.iter().enumerate().map(|(i, &k)| k as f64 / 40.0 + if i % 3 == 0 { 3e-7 } else { 0.0 }).collect();
            let rv = rv_k as f64 / 40.0;
            let lo = lo_k as f64 / 40.0 + jitter as f64 * 4e-7;
            check(&utils, rv, ro, lo, 1.0);
        }
    }
}
