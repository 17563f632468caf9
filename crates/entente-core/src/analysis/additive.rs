//! The exact Pareto frontier of linear additive utilities, without
//! enumerating the outcome space.
//!
//! `u_p(x) = bias_p + Σ_k t_pk(x_k)` is a sum of independent issues, and the
//! frontier of a sum lies within the sum of the frontiers of its parts. So the
//! issues are merged one at a time, in issue order: the partial outcomes over
//! issues `0..k` (each a vector of partial sums, one per party) are extended
//! by every value of issue `k`, and the extensions that cannot reach the
//! frontier are pruned before the next issue.
//!
//! **Exactness.** The partial sums are computed exactly as
//! [`LinearAdditive::utility`](crate::LinearAdditive) computes utilities:
//! `((bias + t_0) + t_1) + …`, from the bias, in issue order, with the same
//! products `w_k · v_k(x_k)`. So the partial sums *are* the prefixes of the
//! final floating-point sums, and every reported utility is bit-identical to
//! `utility()`.
//!
//! **Pruning that rounding cannot fool.** Rounded addition is monotone
//! (`a >= b` implies `fl(a + c) >= fl(b + c)`), so a partial outcome whose
//! sums are at least another's everywhere stays at least as good after any
//! completion. But a *strict* advantage can vanish: two partial sums that
//! differ by less than an ulp of the final sum can round to the same final
//! utility, and the outcome that looked dominated becomes a tie of the one
//! that dominated it. Such an outcome belongs to GENIUS's Pareto set (ties
//! kept), so it must not be dropped. Hence partial outcomes are pruned only
//! under *robust* dominance: `q >= p` for every party and `q_p − p_p > δ_p`
//! for some party `p`, where `δ_p = (r + 1) · U_p` with `r` the additions
//! still to come and `U_p = 2^-51 · (|bias_p| + Σ_k max_j |t_pk(j)|)` a bound
//! on the rounding error of one addition (half an ulp of a sum of at most
//! twice that bound, counted for both sums). Each later addition shrinks the
//! gap by at most `U_p`, so it stays positive to the end. The last issue is
//! pruned exactly (`δ = 0`, strict dominance on the final utilities). The
//! same rule prunes the values of each issue before the merge.
//!
//! Partial outcomes with identical partial sums have identical completions,
//! so they are kept as one entry with a count of outcomes and a link to each
//! of its origins (a DAG over the issues): every frontier point comes with its
//! exact number of tied outcomes, its lowest outcome index, and all its
//! outcomes on demand ([`AdditiveFrontier::outcomes_of`]).
//!
//! **Cost and limits.** Step `k` examines `F_k × V_k` candidates (the
//! entries kept after issue `k − 1` times the values of issue `k` that
//! survive their own pruning) and sorts them: two parties use a sweep,
//! `O(C log C)`; more parties a sort-filter skyline, `O(C log C + C·F·n)`.
//! The frontier sizes `F_k` decide the cost, not the size of the space.
//! A step above [`MergeLimits::max_candidates`] is refused with an error
//! rather than exhausting memory. Measured figures: `docs/analysis-benchmarks.md`.

use serde::{Deserialize, Serialize};

use super::AnalysisError;
use super::pareto::{Frontier, FrontierPoint, genius_cmp};
use super::skyline::{Cand, skyline_n, sweep_2};
use crate::space::{OutcomeIndex, OutcomeSpace};
use crate::utility::LinearAdditive;

/// Bounds on the work of [`additive_frontier`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergeLimits {
    /// Most candidates (kept partial outcomes × values of the next issue) one
    /// step may examine; at most `u32::MAX`. Two parties need about 24 bytes
    /// a candidate, `n` parties about `8·n + 16`.
    pub max_candidates: usize,
}

impl Default for MergeLimits {
    fn default() -> Self {
        MergeLimits { max_candidates: 1 << 24 }
    }
}

/// What the merge did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MergeStats {
    /// Candidates examined over all steps.
    pub candidates: u64,
    /// Candidates of the largest step.
    pub largest_step: u64,
    /// Entries kept after each issue.
    pub kept: Vec<usize>,
    /// Values of each issue that survived their own pruning (distinct
    /// utility vectors).
    pub values_kept: Vec<usize>,
}

/// The frontier of linear additive utilities found by the merge.
#[derive(Clone, Debug, PartialEq)]
pub struct AdditiveFrontier {
    /// GENIUS's Pareto set (distinct vectors, exact tie counts, lowest outcome
    /// index), GENIUS order. NegMAS's frontier is [`Frontier::negmas`].
    pub frontier: Frontier,
    pub stats: MergeStats,
    radices: Vec<u32>,
    /// Per issue, per surviving value group, its value indices (ascending).
    groups: Vec<Vec<Vec<u32>>>,
    /// Per issue, the origins of each kept entry: `(entry before, group)`.
    levels: Vec<Level>,
    /// The entry of the last level behind each frontier point.
    final_entry: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq)]
struct Level {
    start: Vec<u32>,
    preds: Vec<(u32, u32)>,
}

/// Bound on the rounding error of one addition for partial sums bounded by `b`.
fn unit(b: f64) -> f64 {
    b * (2.0 * f64::EPSILON) + f64::from_bits(2)
}

/// `δ` when `r` additions are still to come.
fn delta(units: &[f64], r: usize) -> Vec<f64> {
    units.iter().map(|u| if r == 0 { 0.0 } else { (r as f64 + 1.0) * u }).collect()
}

/// The exact Pareto frontier of `ufuns` (linear additive, all over `space`).
pub fn additive_frontier(
    space: &OutcomeSpace,
    ufuns: &[&LinearAdditive],
    limits: MergeLimits,
) -> Result<AdditiveFrontier, AnalysisError> {
    let np = ufuns.len();
    if np == 0 {
        return Err(AnalysisError::NoParties);
    }
    let issues = space.issues();
    let m = issues.len();
    let radices = space.radices().to_vec();
    for u in ufuns {
        if u.weights().len() != m {
            return Err(crate::ModelError::Utility(format!(
                "a utility function over {} issues for a space of {m}",
                u.weights().len()
            ))
            .into());
        }
    }
    // Weighted value utilities, exactly the products utility() adds.
    let mut bound: Vec<f64> = ufuns.iter().map(|u| u.bias().abs()).collect();
    let mut terms: Vec<Vec<f64>> = Vec::with_capacity(m);
    for (k, &radix) in radices.iter().enumerate() {
        let r = radix as usize;
        let mut t = vec![0.0; r * np];
        for (p, u) in ufuns.iter().enumerate() {
            let w = u.weights()[k];
            let mut big = 0.0f64;
            for j in 0..r {
                let x = w * u.value_utility(space, k, j as u32);
                t[j * np + p] = x;
                big = big.max(x.abs());
            }
            bound[p] += big;
        }
        terms.push(t);
    }
    if let Some(p) = bound.iter().position(|b| !b.is_finite()) {
        return Err(crate::ModelError::Utility(format!("utilities of party {p} may overflow")).into());
    }
    let units: Vec<f64> = bound.iter().map(|&b| unit(b)).collect();

    let mut stats = MergeStats::default();
    let mut groups = Vec::with_capacity(m);
    let mut levels = Vec::with_capacity(m);
    // Entries: partial sums (np each), outcome count, lowest partial index.
    let mut vals: Vec<f64> = ufuns.iter().map(|u| u.bias()).collect();
    let mut count: Vec<u128> = vec![1];
    let mut rep: Vec<OutcomeIndex> = vec![0];

    for k in 0..m {
        // 1. The values of issue k: identical vectors grouped, robustly
        //    dominated ones dropped (m − k additions to come, this one included).
        let t = &terms[k];
        let r = radices[k] as usize;
        let dv = delta(&units, m - k);
        let mut gterms: Vec<f64> = Vec::new();
        let mut gvalues: Vec<Vec<u32>> = Vec::new();
        let mut keep_group = |ids: &mut dyn Iterator<Item = u32>| {
            let ids: Vec<u32> = ids.collect();
            gterms.extend_from_slice(&t[ids[0] as usize * np..ids[0] as usize * np + np]);
            gvalues.push(ids);
        };
        if np == 2 {
            let mut cand: Vec<Cand> = (0..r).map(|j| Cand::new(t[2 * j], t[2 * j + 1], j as u32)).collect();
            sweep_2(&mut cand, dv[0], dv[1], |run| keep_group(&mut run.iter().map(|c| c.id)));
        } else {
            skyline_n(r, np, |j, p| t[j as usize * np + p], &dv, |run| keep_group(&mut run.iter().copied()));
        }
        stats.values_kept.push(gvalues.len());

        // 2. Every kept entry extended by every kept value group.
        let (ne, ng) = (count.len(), gvalues.len());
        let c = ne as u128 * ng as u128;
        let limit = limits.max_candidates.min(u32::MAX as usize);
        if c > limit as u128 {
            return Err(AnalysisError::TooManyCandidates { issue: issues[k].name.clone(), candidates: c, limit });
        }
        stats.candidates += c as u64;
        stats.largest_step = stats.largest_step.max(c as u64);
        let ds = delta(&units, m - 1 - k);
        let gsize: Vec<u128> = gvalues.iter().map(|g| g.len() as u128).collect();
        let gmin: Vec<u128> = gvalues.iter().map(|g| g[0] as u128).collect();
        let radix = r as u128;
        let mut nvals: Vec<f64> = Vec::new();
        let mut ncount: Vec<u128> = Vec::new();
        let mut nrep: Vec<OutcomeIndex> = Vec::new();
        let mut level = Level { start: vec![0], preds: Vec::new() };
        let mut add_entry = |ids: &mut dyn Iterator<Item = u32>, nvals: &mut Vec<f64>| {
            let (mut cnt, mut low) = (0u128, OutcomeIndex::MAX);
            let mut first = true;
            for id in ids {
                let (e, g) = ((id as usize) / ng, (id as usize) % ng);
                if first {
                    for p in 0..np {
                        nvals.push(vals[e * np + p] + gterms[g * np + p]);
                    }
                    first = false;
                }
                cnt += count[e] * gsize[g];
                low = low.min(rep[e] * radix + gmin[g]);
                level.preds.push((e as u32, g as u32));
            }
            ncount.push(cnt);
            nrep.push(low);
            level.start.push(level.preds.len() as u32);
        };
        if np == 2 {
            let mut cand = Vec::with_capacity(c as usize);
            for e in 0..ne {
                let (a, b) = (vals[2 * e], vals[2 * e + 1]);
                for g in 0..ng {
                    cand.push(Cand::new(a + gterms[2 * g], b + gterms[2 * g + 1], (e * ng + g) as u32));
                }
            }
            sweep_2(&mut cand, ds[0], ds[1], |run| add_entry(&mut run.iter().map(|c| c.id), &mut nvals));
        } else {
            let mut cv = Vec::with_capacity(c as usize * np);
            for e in 0..ne {
                for g in 0..ng {
                    for p in 0..np {
                        cv.push(vals[e * np + p] + gterms[g * np + p]);
                    }
                }
            }
            skyline_n(
                c as usize,
                np,
                |i, p| cv[i as usize * np + p],
                &ds,
                |run| add_entry(&mut run.iter().copied(), &mut nvals),
            );
        }
        stats.kept.push(ncount.len());
        vals = nvals;
        count = ncount;
        rep = nrep;
        groups.push(gvalues);
        levels.push(level);
    }

    let mut keyed: Vec<(FrontierPoint, u32)> = (0..count.len())
        .map(|e| {
            let p = FrontierPoint { utilities: vals[e * np..e * np + np].to_vec(), outcome: rep[e], ties: count[e] };
            (p, e as u32)
        })
        .collect();
    keyed.sort_by(|a, b| genius_cmp(&a.0, &b.0));
    let (points, final_entry): (Vec<_>, Vec<_>) = keyed.into_iter().unzip();
    Ok(AdditiveFrontier { frontier: Frontier { points }, stats, radices, groups, levels, final_entry })
}

impl AdditiveFrontier {
    /// The outcomes (mixed-radix indices, ascending) with exactly the
    /// utilities of frontier point `point`: all of them when there are at most
    /// `limit`, else `limit` of them.
    pub fn outcomes_of(&self, point: usize, limit: usize) -> Vec<OutcomeIndex> {
        let m = self.levels.len();
        let mut out = self.expand(m - 1, self.final_entry[point], limit);
        out.sort_unstable();
        out.truncate(limit);
        out
    }

    /// Partial indices (over issues `0..=k`) of entry `e` after issue `k`, at
    /// most about `limit` (each partial outcome completes to at least one
    /// outcome, so a cap on partial outcomes is a cap on outcomes).
    fn expand(&self, k: usize, e: u32, limit: usize) -> Vec<OutcomeIndex> {
        let level = &self.levels[k];
        let radix = self.radices[k] as OutcomeIndex;
        let mut out = Vec::new();
        for &(parent, g) in &level.preds[level.start[e as usize] as usize..level.start[e as usize + 1] as usize] {
            let prefixes = if k == 0 { vec![0] } else { self.expand(k - 1, parent, limit) };
            for x in prefixes {
                for &j in &self.groups[k][g as usize] {
                    if out.len() >= limit {
                        return out;
                    }
                    out.push(x * radix + j as OutcomeIndex);
                }
            }
        }
        out
    }
}
