//! Flat utility tables over an enumerated outcome space.
//!
//! Hot paths (strategies, analysis) never call a utility function per step:
//! they read a [`UtilityTable`] (one `f64` per outcome, indexed by the outcome's
//! mixed-radix index) and, for strategies that search by utility, a
//! [`SortedOutcomes`] (the outcomes ordered by utility: NegMAS's "presorted
//! inverse utility function").

use crate::error::ModelError;
use crate::space::OutcomeSpace;
use crate::utility::UtilityFunction;

/// Index of an outcome in an enumerated space (its mixed-radix index).
pub type OutcomeId = u32;

/// Largest space that is tabulated in memory (one `f64` per outcome).
pub const MAX_TABLE_OUTCOMES: usize = 1 << 30;

/// One party's utilities of every outcome of an enumerable space.
#[derive(Clone, Debug, PartialEq)]
pub struct UtilityTable {
    utils: Vec<f64>,
    best: OutcomeId,
    worst: OutcomeId,
    reservation: f64,
}

impl UtilityTable {
    /// Evaluates `ufun` on every outcome of `space`.
    pub fn new(space: &OutcomeSpace, ufun: &dyn UtilityFunction) -> Result<Self, ModelError> {
        let n = space.enumerable(MAX_TABLE_OUTCOMES)?;
        let mut utils = vec![0.0; n];
        ufun.fill(space, &mut utils);
        if let Some(bad) = utils.iter().position(|u| !u.is_finite()) {
            return Err(ModelError::Utility(format!(
                "utility of outcome {bad} is {} (utilities must be finite)",
                utils[bad]
            )));
        }
        // The function's own rule, else the scan `UtilityFunction::extremes`
        // would make, on the utilities at hand (`fill` writes exactly what
        // `utility` gives, in enumeration order) instead of evaluating every
        // outcome again.
        let (worst, best) = match ufun.own_extremes(space) {
            Some((worst, best)) => (space.index_of(&worst)? as OutcomeId, space.index_of(&best)? as OutcomeId),
            None => first_extremes(&utils),
        };
        Ok(UtilityTable { utils, best, worst, reservation: ufun.reservation() })
    }

    /// A table from raw utilities; `best` and `worst` are the first maximum and
    /// first minimum.
    pub fn from_utilities(utils: Vec<f64>, reservation: f64) -> Result<Self, ModelError> {
        if utils.is_empty() || utils.len() > MAX_TABLE_OUTCOMES {
            return Err(ModelError::Utility(format!("a utility table needs 1 to {MAX_TABLE_OUTCOMES} outcomes")));
        }
        if let Some(bad) = utils.iter().position(|u| !u.is_finite()) {
            return Err(ModelError::Utility(format!("utility of outcome {bad} is {}", utils[bad])));
        }
        if reservation.is_nan() || reservation == f64::INFINITY {
            return Err(ModelError::Utility(format!("reservation value {reservation} is not usable")));
        }
        let (worst, best) = first_extremes(&utils);
        Ok(UtilityTable { utils, best, worst, reservation })
    }

    #[inline]
    pub fn utility(&self, outcome: OutcomeId) -> f64 {
        self.utils[outcome as usize]
    }

    pub fn utilities(&self) -> &[f64] {
        &self.utils
    }

    pub fn len(&self) -> usize {
        self.utils.len()
    }

    pub fn is_empty(&self) -> bool {
        self.utils.is_empty()
    }

    /// The best outcome (by the utility function's extreme-outcome rule).
    pub fn best(&self) -> OutcomeId {
        self.best
    }

    /// The worst outcome (by the utility function's extreme-outcome rule).
    pub fn worst(&self) -> OutcomeId {
        self.worst
    }

    /// Utility of the best outcome.
    pub fn max(&self) -> f64 {
        self.utility(self.best)
    }

    /// Utility of the worst outcome.
    pub fn min(&self) -> f64 {
        self.utility(self.worst)
    }

    /// Reservation value (`-inf` when none).
    pub fn reservation(&self) -> f64 {
        self.reservation
    }

    /// The outcomes ordered by utility (see [`SortedOutcomes`]).
    pub fn sorted(&self) -> SortedOutcomes {
        SortedOutcomes::new(&self.utils)
    }
}

/// The (first minimum, first maximum) of non-empty, finite `utils`: strict
/// comparisons, so the lowest index among equals, as the default
/// [`UtilityFunction::extremes`] scan finds them.
fn first_extremes(utils: &[f64]) -> (OutcomeId, OutcomeId) {
    let (mut best, mut worst) = (0usize, 0usize);
    for (i, &u) in utils.iter().enumerate() {
        if u > utils[best] {
            best = i;
        }
        if u < utils[worst] {
            worst = i;
        }
    }
    (worst as OutcomeId, best as OutcomeId)
}

/// How outcomes of exactly equal utility are ordered when sorting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TieOrder {
    /// Enumeration order (a stable sort): reproducible on every machine.
    #[default]
    Stable,
    /// The order of numpy 2.4's `argsort` under AVX2 dispatch, as NegMAS gets
    /// it on such machines (see `npsort.rs`). For conformance checks.
    NumpyAvx2,
}

/// Outcomes in ascending order of utility. [`SortedOutcomes::new`] keeps
/// enumeration order among equal utilities (a stable sort).
#[derive(Clone, Debug, PartialEq)]
pub struct SortedOutcomes {
    utils: Vec<f64>,
    ids: Vec<OutcomeId>,
}

/// Maps a finite `f64` to a `u64` with the same order (`-0.0` equals `0.0`).
#[inline]
pub(crate) fn order_key(x: f64) -> u64 {
    let x = if x == 0.0 { 0.0 } else { x };
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

impl SortedOutcomes {
    /// Orders `ids` (a subset of outcomes) by `utils[id]` the way `order` says.
    pub fn of_subset(utils: &[f64], ids: &[OutcomeId], order: TieOrder) -> Self {
        let sub: Vec<f64> = ids.iter().map(|&i| utils[i as usize]).collect();
        let perm: Vec<u32> = match order {
            TieOrder::Stable => SortedOutcomes::new(&sub).ids,
            TieOrder::NumpyAvx2 => crate::npsort::numpy_argsort_avx2(&sub),
        };
        let ids: Vec<OutcomeId> = perm.iter().map(|&k| ids[k as usize]).collect();
        let utils = ids.iter().map(|&i| utils[i as usize]).collect();
        SortedOutcomes { utils, ids }
    }

    /// Sorts the outcomes of a utility table (finite utilities), stably.
    ///
    /// A bucket sort: outcomes are scattered, in enumeration order, into
    /// about `n / 4` buckets by `floor((u − min) · scale)` (monotone in `u`),
    /// and each bucket is sorted by insertion (or, if large, by a stable
    /// comparison sort). Equal utilities keep enumeration order. On the smooth
    /// utility distributions of additive preferences this is several times
    /// faster than a comparison sort of the whole space.
    pub fn new(utils: &[f64]) -> Self {
        let n = utils.len();
        let (lo, hi) = utils.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &u| (a.min(u), b.max(u)));
        let n_buckets = (n / 4).max(1);
        let width = hi - lo;
        if n < 2 || !(width > 0.0 && width.is_finite()) {
            // All equal (or too few, or a range beyond f64): enumeration order,
            // or a plain stable sort when the range overflows.
            let mut ids: Vec<OutcomeId> = (0..n as OutcomeId).collect();
            if n >= 2 && !(width == 0.0) {
                ids.sort_by_key(|&i| order_key(utils[i as usize]));
            }
            let sorted_utils = ids.iter().map(|&i| utils[i as usize]).collect();
            return SortedOutcomes { utils: sorted_utils, ids };
        }
        let scale = n_buckets as f64 / width;
        let bucket = |u: f64| (((u - lo) * scale) as usize).min(n_buckets - 1);
        let mut starts = vec![0u32; n_buckets + 1];
        for &u in utils {
            starts[bucket(u) + 1] += 1;
        }
        for b in 0..n_buckets {
            starts[b + 1] += starts[b];
        }
        let mut sorted_utils = vec![0.0; n];
        let mut ids = vec![0 as OutcomeId; n];
        let mut next = starts.clone();
        for (i, &u) in utils.iter().enumerate() {
            let b = bucket(u);
            let at = next[b] as usize;
            sorted_utils[at] = u;
            ids[at] = i as OutcomeId;
            next[b] += 1;
        }
        for b in 0..n_buckets {
            let (s, e) = (starts[b] as usize, starts[b + 1] as usize);
            if e - s <= 1 {
                continue;
            }
            let (us, is) = (&mut sorted_utils[s..e], &mut ids[s..e]);
            if e - s <= 32 {
                for j in 1..us.len() {
                    let (u, id) = (us[j], is[j]);
                    let mut k = j;
                    while k > 0 && us[k - 1] > u {
                        us[k] = us[k - 1];
                        is[k] = is[k - 1];
                        k -= 1;
                    }
                    us[k] = u;
                    is[k] = id;
                }
            } else {
                let mut pairs: Vec<(u64, OutcomeId)> =
                    us.iter().zip(is.iter()).map(|(&u, &i)| (order_key(u), i)).collect();
                pairs.sort_unstable();
                for (k, &(_, i)) in pairs.iter().enumerate() {
                    is[k] = i;
                    us[k] = utils[i as usize];
                }
            }
        }
        SortedOutcomes { utils: sorted_utils, ids }
    }

    /// Utilities in ascending order.
    pub fn utilities(&self) -> &[f64] {
        &self.utils
    }

    /// Outcome ids in ascending order of utility.
    pub fn ids(&self) -> &[OutcomeId] {
        &self.ids
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Position of the first outcome with utility `>= x` (`len()` if none).
    #[inline]
    pub fn first_at_least(&self, x: f64) -> usize {
        self.utils.partition_point(|&u| u < x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_is_stable_and_ascending() {
        let utils = vec![0.5, 0.1, 0.5, -0.0, 0.0, 0.9, 0.1];
        let s = SortedOutcomes::new(&utils);
        assert_eq!(s.ids(), &[3, 4, 1, 6, 0, 2, 5]);
        assert!(s.utilities().windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(s.first_at_least(0.5), 4);
        assert_eq!(s.first_at_least(0.95), 7);
        assert_eq!(s.first_at_least(-1.0), 0);
    }

    proptest::proptest! {
        /// The radix sort equals a stable comparison sort, ties and signs included.
        #[test]
        fn radix_sort_is_a_stable_sort(raw in proptest::collection::vec((0u32..50, proptest::bool::ANY, 0u32..4), 0..300)) {
            let utils: Vec<f64> = raw
                .iter()
                .map(|&(k, neg, e)| {
                    let x = k as f64 / 7.0 * 10f64.powi(e as i32 * 3 - 4);
                    if neg { -x } else { x }
                })
                .collect();
            let s = SortedOutcomes::new(&utils);
            let mut expected: Vec<u32> = (0..utils.len() as u32).collect();
            expected.sort_by(|&a, &b| utils[a as usize].partial_cmp(&utils[b as usize]).unwrap());
            proptest::prop_assert_eq!(s.ids(), &expected[..]);
        }
    }

    #[test]
    fn order_key_preserves_order_of_finite_floats() {
        let xs = [-1e300, -2.5, -1e-300, 0.0, 1e-300, 0.25, 1.0, 7e200];
        for w in xs.windows(2) {
            assert!(order_key(w[0]) < order_key(w[1]), "{} {}", w[0], w[1]);
        }
        assert_eq!(order_key(-0.0), order_key(0.0));
    }

    #[test]
    fn table_rejects_non_finite_utilities() {
        assert!(UtilityTable::from_utilities(vec![0.0, f64::NAN], 0.0).is_err());
        assert!(UtilityTable::from_utilities(vec![], 0.0).is_err());
        let t = UtilityTable::from_utilities(vec![0.2, 0.9, 0.1, 0.9], f64::NEG_INFINITY).unwrap();
        assert_eq!((t.best(), t.worst()), (1, 2));
    }

    /// A function with no rule of its own for its extremes.
    #[derive(Debug)]
    struct Plain(Vec<f64>);

    impl UtilityFunction for Plain {
        fn utility(&self, values: &[u32]) -> f64 {
            self.0[values[0] as usize * 3 + values[1] as usize]
        }
        fn reservation(&self) -> f64 {
            f64::NEG_INFINITY
        }
    }

    #[test]
    fn table_extremes_are_the_functions() {
        use crate::space::Issue;
        use crate::utility::{LinearAdditive, ValueFunction};
        let space = OutcomeSpace::new(vec![Issue::integer("a", 0, 2), Issue::integer("b", 0, 2)]).unwrap();
        let index = |v: &[u32]| space.index_of(v).unwrap() as OutcomeId;
        // Ties at both ends: the table finds the scan's first minimum and first maximum.
        let plain = Plain(vec![0.5, 0.1, 0.9, 0.1, 0.9, 0.3, 0.9, 0.1, 0.5]);
        let t = UtilityTable::new(&space, &plain).unwrap();
        let (worst, best) = plain.extremes(&space);
        assert_eq!((t.worst(), t.best()), (index(&worst), index(&best)));
        assert_eq!((t.worst(), t.best()), (1, 2));
        // A linear additive function keeps NegMAS's rule (best: last maximal value per issue).
        let table = |t: &[f64]| ValueFunction::Table(t.to_vec());
        let la = LinearAdditive::new(
            &space,
            vec![0.5, 0.5],
            vec![table(&[0.2, 1.0, 1.0]), table(&[0.0, 0.0, 1.0])],
            0.0,
            0.0,
            None,
        )
        .unwrap();
        let t = UtilityTable::new(&space, &la).unwrap();
        let (worst, best) = la.extremes(&space);
        assert_eq!((t.worst(), t.best()), (index(&worst), index(&best)));
        assert_eq!((t.worst(), t.best()), (0, 8));
        assert_ne!(first_extremes(t.utilities()).1, t.best(), "the scan would take the first maximum");
    }
}
