//! Pareto frontiers of enumerated outcome spaces.
//!
//! Both readings come out of one computation. [`Frontier`] holds every
//! distinct utility vector that no outcome *strictly* dominates (at least as
//! good for everyone, better for someone), with the number of outcomes that
//! reach exactly that vector (`ties`): that is GENIUS's Pareto set
//! ("distinct" = `points.len()`, "with ties" = the sum of `ties`). NegMAS's
//! frontier is the same vectors restricted to rational outcomes (every
//! `u_i >= rv_i`), one outcome each, ordered by welfare descending
//! ([`Frontier::negmas`]): an outcome that dominates a rational one is itself
//! rational, so the frontier of the rational outcomes is the rational part of
//! the whole frontier.
//!
//! Two parties ([`pareto_2`]): one pass finds each party-1 utility bucket's
//! best party-2 utility, a second keeps only the outcomes that beat every
//! higher bucket (the frontier is among them), and an exact sort-and-sweep
//! over these few candidates finishes. No allocation per outcome.
//!
//! More parties ([`pareto_n`]): sort-filter skyline. A streaming pass drops
//! the outcomes that a few anchor outcomes (largest welfare, largest welfare
//! plus one party's utility) dominate; the rest are sorted by welfare then
//! lexicographically (both descending, so any dominator comes first, and
//! identical vectors are adjacent) and each is compared with the frontier
//! found so far. Cost `O(N·n + M log M + M·F·n)` for the `M` outcomes the
//! anchors leave and `F` frontier points: 10^6 random outcomes of three
//! parties take about 10 ms; the limit is `M·F` (a few times 10^9 comparisons
//! a second), so frontiers of tens of thousands of points over millions of
//! outcomes take seconds. Beyond, use the additive merge ([`super::additive`]).

use serde::{Deserialize, Serialize};

use super::skyline::{Cand, skyline_n, sweep_2};
use crate::space::OutcomeIndex;

/// One distinct utility vector of a Pareto frontier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    /// One utility per party, in party order.
    pub utilities: Vec<f64>,
    /// The first outcome (lowest index) with exactly these utilities.
    pub outcome: OutcomeIndex,
    /// How many outcomes have exactly these utilities (GENIUS keeps them all).
    pub ties: u128,
}

/// The Pareto frontier: every distinct utility vector that no outcome strictly
/// dominates, in GENIUS's order (ascending in party 1's utility, then party
/// 2's, and so on; for two parties each party-1 utility occurs once).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Frontier {
    pub points: Vec<FrontierPoint>,
}

impl Frontier {
    /// Number of distinct utility vectors (GENIUS "distinct", and NegMAS's
    /// count when every outcome is rational).
    pub fn distinct(&self) -> usize {
        self.points.len()
    }

    /// Number of outcomes on the frontier, identical utility vectors all
    /// counted (GENIUS's Pareto bids).
    pub fn with_ties(&self) -> u128 {
        self.points.iter().map(|p| p.ties).sum()
    }

    /// NegMAS's reading: only rational points (every `u_i >= reservations[i]`;
    /// `-inf` for none), one outcome per vector, ordered by welfare (the sum of
    /// utilities, left to right) descending; equal welfare keeps GENIUS order.
    /// The outcome kept for a vector is its lowest index (NegMAS keeps the one
    /// its unstable presort by welfare happens to put first).
    pub fn negmas(&self, reservations: &[f64]) -> Vec<FrontierPoint> {
        let mut out: Vec<FrontierPoint> =
            self.points.iter().filter(|p| p.utilities.iter().zip(reservations).all(|(u, r)| u >= r)).cloned().collect();
        out.sort_by(|a, b| welfare(&b.utilities).total_cmp(&welfare(&a.utilities)));
        out
    }
}

/// Sum of utilities, accumulated left to right from the first party.
pub fn welfare(u: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in u {
        s += x;
    }
    s
}

/// Number of buckets of the two-party filter for `n` outcomes: few enough
/// for the table of their maxima to stay in the L2 cache (128 KiB).
fn bucket_count(n: usize) -> usize {
    (n / 64).clamp(1, 1 << 14)
}

/// Each party's (smallest, largest) utility.
pub fn ranges(utils: &[&[f64]]) -> Vec<(f64, f64)> {
    utils
        .iter()
        .map(|u| {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for &x in u.iter() {
                lo = if x < lo { x } else { lo };
                hi = if x > hi { x } else { hi };
            }
            (lo, hi)
        })
        .collect()
}

/// The Pareto frontier of two parties' utilities of the same outcomes
/// (`u1[i]`, `u2[i]` for outcome `i`). Finite utilities; at most `u32::MAX`
/// outcomes.
pub fn pareto_2(u1: &[f64], u2: &[f64]) -> Frontier {
    let (lo, hi) = ranges(&[u1])[0];
    pareto_2_within(u1, u2, lo, hi)
}

/// [`pareto_2`] when party 1's utility range `[lo, hi]` is known. The result
/// is exact whatever `lo` and `hi` are (the buckets stay monotone: values
/// outside fall into the end buckets); the true range makes it fastest.
pub fn pareto_2_within(u1: &[f64], u2: &[f64], lo: f64, hi: f64) -> Frontier {
    assert_eq!(u1.len(), u2.len(), "one utility per outcome for each party");
    assert!(u1.len() <= u32::MAX as usize, "at most 2^32 - 1 outcomes");
    let n = u1.len();
    if n == 0 {
        return Frontier::default();
    }
    let nb = bucket_count(n);
    let width = hi - lo;
    let mut scale = if width > 0.0 { nb as f64 / width } else { 0.0 };
    let lo = if lo.is_finite() { lo } else { 0.0 };
    if !scale.is_finite() {
        scale = 0.0;
    }
    // Monotone in u (subtraction, multiplication by a positive number and
    // truncation all are): a higher bucket means a strictly higher u1.
    let bucket = |u: f64| (((u - lo) * scale) as usize).min(nb - 1);
    let mut thr = vec![f64::NEG_INFINITY; nb];
    for (&a, &b) in u1.iter().zip(u2) {
        let k = bucket(a);
        if b > thr[k] {
            thr[k] = b;
        }
    }
    // thr[k] := the best u2 of the buckets strictly above k. An outcome with
    // u2 <= thr[k] is strictly dominated (higher u1, u2 at least as good).
    let mut run = f64::NEG_INFINITY;
    for t in thr.iter_mut().rev() {
        let m = *t;
        *t = run;
        run = run.max(m);
    }
    let mut cand = Vec::new();
    for (i, (&a, &b)) in u1.iter().zip(u2).enumerate() {
        if b > thr[bucket(a)] {
            cand.push(Cand::new(a, b, i as u32));
        }
    }
    drop(thr);
    let mut points = Vec::new();
    sweep_2(&mut cand, 0.0, 0.0, |run| {
        let i = run[0].id as usize;
        points.push(FrontierPoint {
            utilities: vec![u1[i], u2[i]],
            outcome: i as OutcomeIndex,
            ties: run.len() as u128,
        });
    });
    points.reverse();
    Frontier { points }
}

/// The Pareto frontier of any number of parties' utilities of the same
/// outcomes (`utils[p][i]`: party `p`, outcome `i`). Two parties take the fast
/// path of [`pareto_2`].
pub fn pareto_n(utils: &[&[f64]]) -> Frontier {
    let np = utils.len();
    assert!(np >= 1, "at least one party");
    let n = utils[0].len();
    assert!(utils.iter().all(|u| u.len() == n), "one utility per outcome for each party");
    assert!(n <= u32::MAX as usize, "at most 2^32 - 1 outcomes");
    if np == 2 {
        return pareto_2(utils[0], utils[1]);
    }
    let mut points = Vec::new();
    let zero = vec![0.0; np];
    skyline_n(
        n,
        np,
        |i, p| utils[p][i as usize],
        &zero,
        |run| {
            let i = run[0] as usize;
            points.push(FrontierPoint {
                utilities: utils.iter().map(|u| u[i]).collect(),
                outcome: i as OutcomeIndex,
                ties: run.len() as u128,
            });
        },
    );
    sort_genius(&mut points);
    Frontier { points }
}

/// GENIUS order: lexicographically ascending utility vectors, then outcome.
pub(crate) fn genius_cmp(a: &FrontierPoint, b: &FrontierPoint) -> std::cmp::Ordering {
    for (x, y) in a.utilities.iter().zip(&b.utilities) {
        let c = x.total_cmp(y);
        if c.is_ne() {
            return c;
        }
    }
    a.outcome.cmp(&b.outcome)
}

pub(crate) fn sort_genius(points: &mut [FrontierPoint]) {
    points.sort_by(genius_cmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_parties_keep_ties_and_drop_dominated() {
        // outcome: 0 (1,0) 1 (0.5,0.5) 2 (0.5,0.5) 3 (0.4,0.5) 4 (0,1) 5 (0.2,0.2) 6 (1,0)
        let u1 = [1.0, 0.5, 0.5, 0.4, 0.0, 0.2, 1.0];
        let u2 = [0.0, 0.5, 0.5, 0.5, 1.0, 0.2, 0.0];
        let f = pareto_2(&u1, &u2);
        let got: Vec<(Vec<f64>, u128, u128)> =
            f.points.iter().map(|p| (p.utilities.clone(), p.outcome, p.ties)).collect();
        assert_eq!(got, vec![(vec![0.0, 1.0], 4, 1), (vec![0.5, 0.5], 1, 2), (vec![1.0, 0.0], 0, 2)]);
        assert_eq!((f.distinct(), f.with_ties()), (3, 5));
        let three = pareto_n(&[&u1, &u2, &[0.0; 7]]);
        assert_eq!(
            three.points.iter().map(|p| (p.utilities[..2].to_vec(), p.outcome, p.ties)).collect::<Vec<_>>(),
            got
        );
        let neg = f.negmas(&[0.3, f64::NEG_INFINITY]);
        assert_eq!(neg.len(), 2);
        assert_eq!(neg[0].utilities, vec![0.5, 0.5]);
    }

    #[test]
    fn negative_zero_equals_zero() {
        let f = pareto_2(&[0.0, -0.0], &[1.0, 1.0]);
        assert_eq!((f.distinct(), f.with_ties()), (1, 2));
    }
}
