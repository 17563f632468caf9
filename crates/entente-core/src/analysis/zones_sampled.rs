//! Zones of agreement with divided delegations on outcome spaces too large to
//! enumerate: an exact check for linear additive utilities, and a sampling
//! estimate of the zones' sizes for any utilities.
//!
//! [`super::zones`] works on enumerated spaces (bit sets over every outcome).
//! Beyond a few tens of millions of outcomes that is impossible, and two
//! methods take over (`docs/delegations-analysis.md` explains both):
//!
//! - **Exact, for linear additive utilities** ([`exact_zones`]): whether the
//!   unitary zone and the bloc-level zone are empty, a witness outcome of each,
//!   their Nash packages, and the diagnosis with the blocs whose yielding (or
//!   whose red lines) decide it. Not the zones' sizes: counting is as hard as
//!   enumerating. [`unitary_zone_2`] is the two-party unitary check on the
//!   exact additive Pareto frontier itself.
//! - **Estimated, for any utilities** ([`sample_zones`]): uniform random
//!   outcomes, each tested exactly; the share of the space each win-set and
//!   zone covers, with a 95% Wilson interval, and a witness when a sample falls
//!   in a zone. When none does, the zone is empty or smaller than `3/N` of the
//!   space with 95% confidence (the rule of three). Core has no random number
//!   generator: the caller passes the sampler (`entente_protocols::montecarlo`
//!   passes seeded `ChaCha8Rng`s).
//!
//! # The exact check
//!
//! **Zones as feasibility problems.** Every question is "is there an outcome
//! `x` of a box `B` (a set of allowed values per issue) with `f_i(x) > t_i`
//! for every `i`?", for linear additive `f_i`:
//!
//! - the unitary zone: every party's own utility beats its reservation value;
//! - a delegation's win-set under unanimity (of its veto blocs): every veto
//!   bloc's utility beats its reversion, off their red lines; under a dominant
//!   bloc, the same with the dominant bloc added; under a weighted quota
//!   (non-negative weights), the union over the minimal coalitions `S` holding
//!   every veto with `Σ_S w ≥ quota` of the sets where every bloc of `S`
//!   accepts (a larger accepting set only adds weight, and rounded addition of
//!   non-negative terms is monotone); under the weighted-sum mandate, the
//!   mandate beats its reversion, the veto blocs accept, and no bloc's red line
//!   is crossed;
//! - the bloc-level zone: the union, over one choice of coalition per
//!   delegation, of the problems joined (a unitary party contributes its own
//!   utility against its reservation).
//!
//! A red line on an issue's value removes that value from the box. A red line
//! on a single outcome `e` is handled by splitting: when the outcome a search
//! offers is excluded, the box minus that outcome is the disjoint union of at
//! most `m` boxes (`x_1 = e_1, …, x_{j−1} = e_{j−1}, x_j ≠ e_j`, the rest free),
//! each searched again; every split removes one excluded outcome, so at most
//! `1 + m·|E|` boxes are searched.
//!
//! **The merge.** The issues are taken one at a time, in issue order, as in
//! [`additive_frontier`]: each kept partial outcome
//! (its partial sums, one per function) is extended by every allowed value of
//! the next issue. Two prunings keep the sets small:
//!
//! 1. *bounds*: a partial outcome whose sums, plus the most the remaining
//!    issues can add, plus a margin covering every rounding error
//!    (`8 (m + 2) ε` times the function's largest possible magnitude), cannot
//!    beat some threshold is dropped; on complete outcomes the test is the
//!    exact comparison `f_i(x) > t_i`;
//! 2. *weak dominance*: a partial outcome whose sums are nowhere above those of
//!    another kept one is dropped (of identical ones, the lowest index stays).
//!
//! The partial sums are computed exactly as
//! [`LinearAdditive::utility`](crate::LinearAdditive) computes a utility:
//! `((bias + w_0 v_0) + w_1 v_1) + …`, the same products in the same order.
//! So they *are* the prefixes of the final floating-point sums, and rounded
//! addition is monotone (`a ≥ b ⇒ fl(a + c) ≥ fl(b + c)`): whatever completes
//! a dominated partial outcome completes the one dominating it at least as
//! well, bit for bit. **Claim:** if some `x ∈ B` beats every threshold, a
//! complete outcome survives the merge that is at least `f(x)` everywhere.
//! *Proof.* By induction on the issues, some kept partial outcome `q_k` has a
//! completion by `x`'s remaining values that is at least `f(x)` everywhere: at
//! the start, the empty prefix; at step `k + 1`, `q_k` extended by `x_{k+1}` is
//! such a candidate; its bound is at least its completion's true value, so
//! the bound pruning keeps it; if weak dominance drops it, the candidate that
//! dominates it is kept, and by monotonicity its completion by the same values
//! is at least as good everywhere. ∎ Conversely every survivor is an outcome
//! of `B` beating every threshold. The answer is exact, not approximate: the
//! comparisons with the thresholds are the ones the enumerated analysis makes.
//!
//! The same argument with the Pareto frontier (strict dominance, ties kept) is
//! the two-party check of [`unitary_zone_2`]: some frontier point beats both
//! reservations iff the zone is non-empty.
//!
//! **Depth first, first.** Before the merge, a depth-first search of the box
//! (most promising value first, pruned by the same bounds) looks for a
//! feasible outcome within [`ExactOptions::dfs_budget`] nodes: it finds a
//! witness of a non-empty zone at once, or proves a zone empty when the bounds
//! cut the whole tree; only when it runs out of budget does the merge decide.
//!
//! **Nash packages.** `Π_i (u_i − d_i)` (party order, `d_i` the reservation,
//! or the party's lowest utility when it has none) is increasing in each `u_i`
//! where every factor is non-negative. So its maximum over the zone's outcomes
//! *where every party gains* (`u_i ≥ d_i`) survives the merge of the zone's
//! constraints together with the parties' utilities (the claim's argument: a
//! survivor at least as good everywhere has a product at least as large). A
//! local ascent from the depth-first witness gives an incumbent product, and
//! partial outcomes whose upper bound of the product (each factor at its bound,
//! with a rounding margin) is below it are pruned too. The enumerated analysis
//! maximises over the whole zone; the two agree whenever its maximiser has
//! every gain non-negative (the usual case). Among outcomes of equal product
//! the search may choose another than enumeration's first.
//!
//! **Cost.** The merge's sets depend on how much the functions conflict, not
//! on the size of the space: milliseconds for a few functions over 10^12
//! outcomes, seconds for five conflicting ones over 10^10. A step beyond
//! [`MergeLimits::max_candidates`] is refused with an error (then only the
//! sampling estimate is available).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{AnalysisError, MergeLimits, additive_frontier};
use crate::blocs::{Bloc, RedLine, Rule, quota_weight};
pub use crate::blocs::{crosses, reversion_utility};
use crate::error::ModelError;
use crate::space::{OutcomeIndex, OutcomeSpace};
use crate::utility::{LinearAdditive, Preferences, UtilityFunction};

/// `z` of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// An estimated proportion: `hits` of `samples`, with its standard error and
/// 95% Wilson score interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    pub hits: u64,
    pub samples: u64,
    pub estimate: f64,
    /// `sqrt(p (1 − p) / n)`.
    pub std_error: f64,
    /// 95% Wilson score interval.
    pub low: f64,
    pub high: f64,
}

impl Proportion {
    pub fn new(hits: u64, samples: u64) -> Self {
        let (low, high) = wilson(hits, samples);
        if samples == 0 {
            return Proportion { hits, samples, estimate: 0.0, std_error: 0.0, low, high };
        }
        let p = hits as f64 / samples as f64;
        Proportion { hits, samples, estimate: p, std_error: (p * (1.0 - p) / samples as f64).sqrt(), low, high }
    }
}

/// The 95% Wilson score interval of `hits` successes in `n` trials (`[0, 1]`
/// when `n = 0`). Its bounds are exactly 0 with no hits and 1 with all.
pub fn wilson(hits: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let nf = n as f64;
    let p = hits as f64 / nf;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / nf;
    let center = (p + z2 / (2.0 * nf)) / denom;
    let half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    let low = if hits == 0 { 0.0 } else { (center - half).max(0.0) };
    let high = if hits >= n { 1.0 } else { (center + half).min(1.0) };
    (low, high)
}

/// The rule of three: with no hit in `n` uniform samples, the proportion is
/// below `3/n` with 95% confidence (`(1 − 3/n)^n ≤ e^−3 < 0.05`).
pub fn rule_of_three(n: u64) -> f64 {
    if n == 0 { 1.0 } else { (3.0 / n as f64).min(1.0) }
}

// ---------------------------------------------------------------------------
// The rules, one outcome at a time.

/// Whether a delegation's rule ratifies an outcome, given which blocs accept
/// it, whether the mandate prefers it to its reversion, and whether it crosses
/// any bloc's red line: the rule of [`crate::blocs::rule_set`], for one outcome.
pub fn rule_accepts(blocs: &[Bloc], rule: Rule, accepts: &[bool], mandate: impl FnOnce() -> bool, red: bool) -> bool {
    if blocs.iter().zip(accepts).any(|(b, &a)| b.veto && !a) {
        return false;
    }
    match rule {
        Rule::Unanimity => true,
        Rule::Dominant { bloc } => accepts.get(bloc).copied().unwrap_or(false),
        Rule::Quota { quota } => quota_weight(blocs, accepts.iter().copied()) >= quota,
        Rule::WeightedSum => mandate() && !red,
    }
}

/// A delegation's instructions with its blocs' utility functions, for tests
/// one outcome at a time.
#[derive(Clone, Debug)]
pub struct PointDelegation<'a> {
    pub blocs: &'a [Bloc],
    pub rule: Rule,
    /// Per bloc, its utility function.
    pub utilities: Vec<&'a Preferences>,
    /// Per bloc, its reversion utility.
    pub reversions: Vec<f64>,
}

impl<'a> PointDelegation<'a> {
    pub fn new(
        space: &OutcomeSpace,
        blocs: &'a [Bloc],
        rule: Rule,
        utilities: Vec<&'a Preferences>,
    ) -> Result<Self, ModelError> {
        if utilities.len() != blocs.len() {
            return Err(ModelError::Utility(format!(
                "{} blocs but {} utility functions",
                blocs.len(),
                utilities.len()
            )));
        }
        let reversions = blocs
            .iter()
            .zip(&utilities)
            .map(|(b, u)| reversion_utility(space, b, *u))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PointDelegation { blocs, rule, utilities, reversions })
    }

    /// Whether bloc `f` accepts the outcome: strictly better than its
    /// reversion, on none of its red lines.
    pub fn accepts(&self, f: usize, index: OutcomeIndex, values: &[u32]) -> bool {
        super::zones::prefers_to_no_agreement(self.utilities[f].utility(values), self.reversions[f])
            && !crosses(&self.blocs[f].red_lines, index, values)
    }
}

/// A party as the point-wise tests see it.
#[derive(Clone, Debug)]
pub struct PointParty<'a> {
    pub name: &'a str,
    /// The party's own utility (a delegation's mandate).
    pub own: &'a Preferences,
    /// Its utility of no agreement as a unitary actor.
    pub reservation: f64,
    pub delegation: Option<PointDelegation<'a>>,
}

impl PointParty<'_> {
    /// Whether the party, as a unitary actor, strictly prefers the outcome to
    /// no agreement.
    pub fn unitary(&self, values: &[u32]) -> bool {
        super::zones::prefers_to_no_agreement(self.own.utility(values), self.reservation)
    }

    /// Whether the party ratifies the outcome (a delegation: its rule; else
    /// its unitary test). `accepts` is scratch space.
    pub fn ratifies(&self, index: OutcomeIndex, values: &[u32], accepts: &mut Vec<bool>) -> bool {
        let Some(d) = &self.delegation else { return self.unitary(values) };
        accepts.clear();
        accepts.extend((0..d.blocs.len()).map(|f| d.accepts(f, index, values)));
        let red = d.blocs.iter().any(|b| crosses(&b.red_lines, index, values));
        rule_accepts(d.blocs, d.rule, accepts, || self.unitary(values), red)
    }
}

// ---------------------------------------------------------------------------
// Sampling.

/// Tallies of uniform samples (mergeable, to split the work).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SampleCounts {
    pub samples: u64,
    /// Per party: samples in its unitary set.
    pub unitary: Vec<u64>,
    /// Per party: samples it ratifies (a delegation's win-set).
    pub ratifiable: Vec<u64>,
    pub unitary_zone: u64,
    pub bloc_zone: u64,
    /// The first sample found in each zone.
    pub unitary_witness: Option<OutcomeIndex>,
    pub bloc_witness: Option<OutcomeIndex>,
}

impl SampleCounts {
    /// Adds `other`'s tallies; witnesses already found are kept (merge in a
    /// fixed order for results that do not depend on threads).
    pub fn merge(&mut self, other: &SampleCounts) {
        self.samples += other.samples;
        if self.unitary.len() < other.unitary.len() {
            self.unitary.resize(other.unitary.len(), 0);
            self.ratifiable.resize(other.ratifiable.len(), 0);
        }
        for (a, b) in self.unitary.iter_mut().zip(&other.unitary) {
            *a += b;
        }
        for (a, b) in self.ratifiable.iter_mut().zip(&other.ratifiable) {
            *a += b;
        }
        self.unitary_zone += other.unitary_zone;
        self.bloc_zone += other.bloc_zone;
        self.unitary_witness = self.unitary_witness.or(other.unitary_witness);
        self.bloc_witness = self.bloc_witness.or(other.bloc_witness);
    }
}

/// Tests `samples` outcomes drawn by `draw` (which writes one outcome's value
/// indices, one per issue; for an unbiased estimate, each uniform in
/// `0..radix` and independent) against every party's unitary set and win-set.
pub fn sample_zones(
    space: &OutcomeSpace,
    parties: &[PointParty],
    samples: u64,
    draw: &mut dyn FnMut(&mut [u32]),
) -> Result<SampleCounts, ModelError> {
    let mut c =
        SampleCounts { unitary: vec![0; parties.len()], ratifiable: vec![0; parties.len()], ..SampleCounts::default() };
    let mut values = vec![0u32; space.issues().len()];
    let mut accepts = Vec::new();
    for _ in 0..samples {
        draw(&mut values);
        let index = space.index_of(&values)?;
        let (mut all_unitary, mut all_ratify) = (true, true);
        for (k, p) in parties.iter().enumerate() {
            let u = p.unitary(&values);
            let r = p.ratifies(index, &values, &mut accepts);
            c.unitary[k] += u as u64;
            c.ratifiable[k] += r as u64;
            all_unitary &= u;
            all_ratify &= r;
        }
        c.samples += 1;
        if all_unitary {
            c.unitary_zone += 1;
            c.unitary_witness.get_or_insert(index);
        }
        if all_ratify {
            c.bloc_zone += 1;
            c.bloc_witness.get_or_insert(index);
        }
    }
    Ok(c)
}

/// What the samples say of one set of outcomes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampledSet {
    /// The share of the space in the set.
    pub fraction: Proportion,
    /// `fraction × outcomes`, and the interval's bounds in outcomes.
    pub outcomes: f64,
    pub outcomes_low: f64,
    pub outcomes_high: f64,
    /// A sampled outcome of the set (it proves the set non-empty).
    pub witness: Option<OutcomeIndex>,
    /// When no sample fell in the set: it is empty, or smaller than this
    /// share of the space with 95% confidence (`3/N`).
    pub empty_or_below: Option<f64>,
}

impl SampledSet {
    fn new(hits: u64, samples: u64, outcomes: u128, witness: Option<OutcomeIndex>) -> Self {
        let fraction = Proportion::new(hits, samples);
        let n = outcomes as f64;
        SampledSet {
            fraction,
            outcomes: fraction.estimate * n,
            outcomes_low: fraction.low * n,
            outcomes_high: fraction.high * n,
            witness,
            empty_or_below: (hits == 0).then(|| rule_of_three(samples)),
        }
    }
}

/// The sampling estimate of the zones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampledZones {
    pub outcomes: u128,
    pub samples: u64,
    /// Per party: its unitary set.
    pub unitary_sets: Vec<(String, SampledSet)>,
    /// Per party: what it ratifies (a delegation's win-set; else its unitary set).
    pub win_sets: Vec<(String, SampledSet)>,
    pub unitary_zone: SampledSet,
    pub bloc_zone: SampledSet,
}

impl SampleCounts {
    /// The estimates, for a space of `outcomes` outcomes and parties `names`.
    pub fn report(&self, outcomes: u128, names: &[&str]) -> SampledZones {
        let n = self.samples;
        let set = |hits: u64| SampledSet::new(hits, n, outcomes, None);
        SampledZones {
            outcomes,
            samples: n,
            unitary_sets: names.iter().zip(&self.unitary).map(|(p, &h)| (p.to_string(), set(h))).collect(),
            win_sets: names.iter().zip(&self.ratifiable).map(|(p, &h)| (p.to_string(), set(h))).collect(),
            unitary_zone: SampledSet::new(self.unitary_zone, n, outcomes, self.unitary_witness),
            bloc_zone: SampledSet::new(self.bloc_zone, n, outcomes, self.bloc_witness),
        }
    }
}

// ---------------------------------------------------------------------------
// The exact check for linear additive utilities.

/// Why the exact check cannot answer.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ExactError {
    #[error("{0} is not linear additive (the exact check needs linear additive utilities)")]
    NotAdditive(String),
    #[error("delegation {0:?}: a quota rule with a negative or non-finite bloc weight")]
    NegativeWeight(String),
    #[error("delegation {0:?}: {1} blocs under a quota rule are too many to enumerate coalitions (at most 20)")]
    TooManyBlocs(String, usize),
    #[error("the search would need more than {0} dominance comparisons (ExactOptions::max_comparisons)")]
    WorkLimit(u64),
    #[error("the depth-first search ran out of its budget (and the merge was not asked for)")]
    OutOfBudget,
    #[error("issue {0:?} has {1} values, too many for the exact check (at most 2^24)")]
    IssueTooLarge(String, u32),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// An outcome with every party's own utility.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LargePackage {
    pub outcome: OutcomeIndex,
    pub utilities: Vec<f64>,
}

/// What the exact check found of one zone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZoneFound {
    pub nonempty: bool,
    /// An outcome of the zone (the Nash package when there is one).
    pub witness: Option<LargePackage>,
    /// The Nash package among the zone's outcomes where every party gains
    /// (`None` when the zone has no such outcome, or its search was refused:
    /// see [`ExactZones::notes`]).
    pub nash: Option<LargePackage>,
}

/// The diagnosis, as [`super::zones::Diagnosis`] without the veto sizes
/// (which need counts).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "case", rename_all = "snake_case")]
pub enum LargeDiagnosis {
    NoAgreementInSubstance,
    /// `responsible`: `(party, bloc)` whose yielding alone opens a zone;
    /// `red_lines`: `(party, bloc)` whose red lines alone close it.
    BlockedInternally {
        responsible: Vec<(String, String)>,
        red_lines: Vec<(String, String)>,
        substance_package: LargePackage,
    },
    Possible {
        package: LargePackage,
    },
}

/// The exact zone analysis of a large additive space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExactZones {
    pub unitary_zone: ZoneFound,
    pub bloc_zone: ZoneFound,
    pub diagnosis: LargeDiagnosis,
    /// Merges run (boxes the depth-first search did not decide).
    pub merges: usize,
    /// What could not be computed (a Nash search refused by the merge limits).
    pub notes: Vec<String>,
}

/// A relaxation of one bloc's instructions, for the diagnosis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Relax {
    None,
    /// Bloc `.1` of party `.0` accepts everything.
    Yield(usize, usize),
    /// Bloc `.1` of party `.0` drops its red lines.
    NoRedLines(usize, usize),
}

/// One way an outcome can be in a party's ratifiable set: utilities that
/// must beat thresholds, banned values and banned outcomes.
#[derive(Clone, Default)]
struct Part<'a> {
    constraints: Vec<(&'a LinearAdditive, f64)>,
    banned_values: Vec<(usize, u32)>,
    banned_outcomes: Vec<OutcomeIndex>,
}

impl<'a> Part<'a> {
    fn red_lines(&mut self, red_lines: &[RedLine]) {
        for r in red_lines {
            match *r {
                RedLine::Value { issue, value } => self.banned_values.push((issue, value)),
                RedLine::Outcome(o) => self.banned_outcomes.push(o as OutcomeIndex),
            }
        }
    }

    fn join(&self, other: &Part<'a>) -> Part<'a> {
        let mut p = self.clone();
        p.constraints.extend_from_slice(&other.constraints);
        p.banned_values.extend_from_slice(&other.banned_values);
        p.banned_outcomes.extend_from_slice(&other.banned_outcomes);
        p
    }
}

/// The parties' additive functions, checked once.
struct Additive<'a> {
    own: Vec<&'a LinearAdditive>,
    blocs: Vec<Vec<&'a LinearAdditive>>,
    /// Nash's `d_i` per party.
    d: Vec<f64>,
}

fn additive<'a>(space: &OutcomeSpace, parties: &[PointParty<'a>]) -> Result<Additive<'a>, ExactError> {
    let mut own = Vec::new();
    let mut blocs = Vec::new();
    let mut d = Vec::new();
    for p in parties {
        let u = p.own.as_additive().ok_or_else(|| ExactError::NotAdditive(format!("party {:?}", p.name)))?;
        own.push(u);
        d.push(if p.reservation.is_finite() {
            p.reservation
        } else {
            let (worst, _) = u.extremes(space);
            u.utility(&worst)
        });
        let mut bs = Vec::new();
        if let Some(del) = &p.delegation {
            for (b, u) in del.blocs.iter().zip(&del.utilities) {
                bs.push(
                    u.as_additive()
                        .ok_or_else(|| ExactError::NotAdditive(format!("bloc {:?} of party {:?}", b.name, p.name)))?,
                );
            }
        }
        blocs.push(bs);
    }
    Ok(Additive { own, blocs, d })
}

/// The winning coalitions of a rule (bloc indices), minimal ones only for a
/// quota; empty when nothing can be ratified.
fn coalitions(name: &str, blocs: &[Bloc], rule: Rule) -> Result<Vec<Vec<usize>>, ExactError> {
    let vetoes: Vec<usize> = (0..blocs.len()).filter(|&f| blocs[f].veto).collect();
    match rule {
        Rule::Unanimity | Rule::WeightedSum => Ok(vec![vetoes]),
        Rule::Dominant { bloc } => {
            if bloc >= blocs.len() {
                return Ok(vec![]);
            }
            let mut s = vetoes;
            if !s.contains(&bloc) {
                s.push(bloc);
                s.sort_unstable();
            }
            Ok(vec![s])
        }
        Rule::Quota { quota } => {
            let n = blocs.len();
            if n > 20 {
                return Err(ExactError::TooManyBlocs(name.to_string(), n));
            }
            if blocs.iter().any(|b| b.weight < 0.0 || !b.weight.is_finite()) {
                return Err(ExactError::NegativeWeight(name.to_string()));
            }
            let veto_mask: u32 = vetoes.iter().fold(0, |m, &f| m | 1 << f);
            // The sum `rule_accepts` makes (`quota_weight`), over the coalition's blocs in order.
            let wins = |mask: u32| quota_weight(blocs, (0..n).map(|f| mask >> f & 1 == 1)) >= quota;
            let mut out = Vec::new();
            for mask in 0..(1u32 << n) {
                if mask & veto_mask != veto_mask || !wins(mask) {
                    continue;
                }
                // Minimal: dropping any non-veto member loses.
                let minimal = (0..n).all(|f| mask >> f & 1 == 0 || veto_mask >> f & 1 == 1 || !wins(mask & !(1 << f)));
                if minimal {
                    out.push((0..n).filter(|&f| mask >> f & 1 == 1).collect());
                }
            }
            Ok(out)
        }
    }
}

/// The ways each party can ratify (one list per party; the zone is the union
/// over one choice per party of the joined parts).
fn bloc_parts<'a>(
    parties: &[PointParty<'a>],
    add: &Additive<'a>,
    relax: Relax,
) -> Result<Vec<Vec<Part<'a>>>, ExactError> {
    let mut out = Vec::new();
    for (k, p) in parties.iter().enumerate() {
        let Some(d) = &p.delegation else {
            out.push(vec![Part { constraints: vec![(add.own[k], p.reservation)], ..Part::default() }]);
            continue;
        };
        let yields = |f: usize| relax == Relax::Yield(k, f);
        let keeps_red = |f: usize| !yields(f) && relax != Relax::NoRedLines(k, f);
        let mut parts = Vec::new();
        for s in coalitions(p.name, d.blocs, d.rule)? {
            let mut part = Part::default();
            for &f in &s {
                if yields(f) {
                    continue;
                }
                part.constraints.push((add.blocs[k][f], d.reversions[f]));
                if keeps_red(f) {
                    part.red_lines(&d.blocs[f].red_lines);
                }
            }
            if d.rule == Rule::WeightedSum {
                part.constraints.push((add.own[k], p.reservation));
                for (f, b) in d.blocs.iter().enumerate() {
                    if keeps_red(f) && !s.contains(&f) {
                        part.red_lines(&b.red_lines);
                    }
                }
            }
            parts.push(part);
        }
        out.push(parts);
    }
    Ok(out)
}

/// A feasibility problem over boxes of the space.
struct Search<'a> {
    space: &'a OutcomeSpace,
    funcs: Vec<&'a LinearAdditive>,
    /// Strict thresholds (`−∞`: none).
    thresholds: Vec<f64>,
    /// Nash's `d` for the parties' own functions (the first ones, in party
    /// order); `None` for constraints only.
    gains: Vec<Option<f64>>,
    nash: bool,
    excluded: Vec<Vec<u32>>,
    options: ExactOptions,
    merges: usize,
    /// Dominance comparisons made by this search's merges.
    work: u64,
}

#[derive(Clone, Debug)]
struct Found {
    index: OutcomeIndex,
    values: Vec<u32>,
    product: f64,
}

/// `a` better than `b` for the Nash search: larger product, then lower index.
fn better(a: &Found, b: &Found) -> bool {
    a.product > b.product || (a.product == b.product && a.index < b.index)
}

impl<'a> Search<'a> {
    fn new(space: &'a OutcomeSpace, add: &Additive<'a>, part: &Part<'a>, nash: bool, options: ExactOptions) -> Self {
        let mut funcs: Vec<&LinearAdditive> = add.own.clone();
        let mut thresholds = vec![f64::NEG_INFINITY; funcs.len()];
        let mut gains: Vec<Option<f64>> = add.d.iter().map(|&d| Some(d)).collect();
        for &(u, t) in &part.constraints {
            match funcs.iter().position(|g| std::ptr::eq(*g, u)) {
                Some(i) => thresholds[i] = thresholds[i].max(t),
                None => {
                    funcs.push(u);
                    thresholds.push(t);
                    gains.push(None);
                }
            }
        }
        let m = space.issues().len();
        let excluded =
            part.banned_outcomes.iter().filter_map(|&o| space.values_of(o).ok()).filter(|v| v.len() == m).collect();
        Search { space, funcs, thresholds, gains, nash, excluded, options, merges: 0, work: 0 }
    }

    fn full_box(&self, banned: &[(usize, u32)]) -> Vec<Vec<u32>> {
        self.space
            .radices()
            .iter()
            .enumerate()
            .map(|(k, &r)| (0..r).filter(|&j| !banned.contains(&(k, j))).collect())
            .collect()
    }

    /// Drops the values that cannot reach some threshold whatever the other
    /// issues are; `None` when the box cannot hold a feasible outcome.
    fn presolve(&self, mut allowed: Vec<Vec<u32>>) -> Option<Vec<Vec<u32>>> {
        if allowed.iter().any(Vec::is_empty) {
            return None;
        }
        let m = allowed.len() as f64;
        loop {
            let mut changed = false;
            for (u, &t) in self.funcs.iter().zip(&self.thresholds) {
                if t == f64::NEG_INFINITY {
                    continue;
                }
                let terms: Vec<Vec<f64>> = allowed
                    .iter()
                    .enumerate()
                    .map(|(k, a)| a.iter().map(|&j| u.weights()[k] * u.value_utility(self.space, k, j)).collect())
                    .collect();
                let maxes: Vec<f64> =
                    terms.iter().map(|t| t.iter().copied().fold(f64::NEG_INFINITY, f64::max)).collect();
                let bound =
                    u.bias().abs() + terms.iter().map(|t| t.iter().fold(0.0f64, |a, x| a.max(x.abs()))).sum::<f64>();
                // Every rounding error of the bound and of the utilities, and more.
                let slack = 8.0 * (m + 2.0) * f64::EPSILON * bound + f64::MIN_POSITIVE;
                let total = maxes.iter().fold(u.bias(), |a, x| a + x);
                if total + slack <= t {
                    return None;
                }
                for (k, a) in allowed.iter_mut().enumerate() {
                    let others = total - maxes[k];
                    let before = a.len();
                    let mut i = 0;
                    a.retain(|_| {
                        let keep = others + terms[k][i] + slack > t;
                        i += 1;
                        keep
                    });
                    if a.is_empty() {
                        return None;
                    }
                    changed |= a.len() < before;
                }
            }
            if !changed {
                return Some(allowed);
            }
        }
    }

    /// The best feasible outcome of the box (any one, without Nash).
    fn search(&mut self, allowed: Vec<Vec<u32>>) -> Result<Option<Found>, ExactError> {
        let Some(allowed) = self.presolve(allowed) else { return Ok(None) };
        let in_box = |v: &[u32]| v.iter().zip(&allowed).all(|(j, a)| a.binary_search(j).is_ok());
        let excluded: Vec<Vec<u32>> = self.excluded.iter().filter(|v| in_box(v)).cloned().collect();
        let active: Vec<usize> = (0..self.funcs.len())
            .filter(|&i| self.thresholds[i] > f64::NEG_INFINITY || (self.nash && self.gains[i].is_some()))
            .collect();
        let space = self.space;
        let found = |values: Vec<u32>, product: f64| -> Result<Found, ExactError> {
            Ok(Found { index: space.index_of(&values)?, values, product })
        };
        if active.is_empty() {
            // Every outcome of the box qualifies: the first one not excluded.
            for values in first_outcomes(&allowed, excluded.len() + 1) {
                if !excluded.contains(&values) {
                    return Ok(Some(found(values, 1.0)?));
                }
            }
            return Ok(None);
        }
        let bd = BoxData::new(self, &allowed, active);
        // Depth first, for a witness (or a proof of emptiness) within a budget.
        let mut incumbent = None;
        let mut budget = self.options.dfs_budget;
        match bd.dfs(&excluded, &mut budget) {
            Dfs::Empty => return Ok(None),
            Dfs::Found(x) if !self.nash => return Ok(Some(found(x, 1.0)?)),
            Dfs::Found(x) => incumbent = Some(bd.ascend(self, &excluded, x)),
            Dfs::OutOfBudget if !self.options.merge => return Err(ExactError::OutOfBudget),
            Dfs::OutOfBudget => {}
        }
        self.merges += 1;
        let mut work = self.work;
        let kept = bd.merge(self, incumbent, &mut work);
        self.work = work;
        let kept = kept?;
        let mut cands: Vec<(f64, OutcomeIndex)> = kept.iter().map(|(u, o)| (bd.product(u), *o)).collect();
        if cands.is_empty() {
            return Ok(None);
        }
        if self.nash {
            cands.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        } else {
            cands.sort_by_key(|c| c.1);
        }
        let top = cands[0].0;
        for &(product, o) in &cands {
            if self.nash && product != top {
                break;
            }
            let values = space.values_of(o)?;
            if !excluded.contains(&values) {
                return Ok(Some(found(values, product)?));
            }
        }
        // The best outcomes are all excluded: search the box without the first
        // (at most `m` boxes, each one excluded outcome fewer).
        let w = space.values_of(cands[0].1)?;
        let mut best: Option<Found> = None;
        for k in 0..allowed.len() {
            let mut b: Vec<Vec<u32>> = allowed.clone();
            for (i, bi) in b.iter_mut().enumerate().take(k) {
                *bi = vec![w[i]];
            }
            b[k].retain(|&j| j != w[k]);
            if b[k].is_empty() {
                continue;
            }
            if let Some(f) = self.search(b)? {
                if !self.nash {
                    return Ok(Some(f));
                }
                if best.as_ref().is_none_or(|x| better(&f, x)) {
                    best = Some(f);
                }
            }
        }
        Ok(best)
    }
}

/// How the exact check searches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExactOptions {
    /// Limits of each merge (a merge beyond them is refused with an error).
    pub limits: MergeLimits,
    /// Nodes the depth-first search of a box may visit before the merge
    /// takes over (0: merge only). It finds witnesses of non-empty zones fast;
    /// the merge proves what it could not.
    pub dfs_budget: usize,
    /// Whether to merge when the depth-first search is undecided (else
    /// [`ExactError::OutOfBudget`]).
    pub merge: bool,
    /// Most dominance comparisons the merges of one feasibility problem (one
    /// choice of coalitions, its splits included) may make, about a
    /// nanosecond each, before it is refused with [`ExactError::WorkLimit`].
    pub max_comparisons: u64,
}

impl Default for ExactOptions {
    fn default() -> Self {
        ExactOptions { limits: MergeLimits::default(), dfs_budget: 100_000, merge: true, max_comparisons: 1 << 33 }
    }
}

/// One box's functions, as every search of it needs them.
struct BoxData<'b> {
    allowed: &'b [Vec<u32>],
    /// The functions searched (indices into [`Search::funcs`]).
    active: Vec<usize>,
    /// Per active function: `u > t` and (Nash) `u >= d` are required.
    need: Vec<(f64, f64)>,
    /// Per active function: whether it is a factor of the Nash product, and its `d`.
    factor: Vec<Option<f64>>,
    /// `terms[k][a·f + p]`: what value `allowed[k][a]` adds to function `p`.
    terms: Vec<Vec<f64>>,
    /// `rest[k][p]`: the most issues `k..` can still add to function `p`.
    rest: Vec<Vec<f64>>,
    /// Per function: a bound on all the rounding errors of its sums and bounds.
    slack: Vec<f64>,
    bias: Vec<f64>,
}

/// What the depth-first search found.
enum Dfs {
    Found(Vec<u32>),
    /// Searched exhaustively: no feasible outcome that is not excluded.
    Empty,
    OutOfBudget,
}

impl<'b> BoxData<'b> {
    fn new(s: &Search, allowed: &'b [Vec<u32>], active: Vec<usize>) -> Self {
        let f = active.len();
        let m = allowed.len();
        let need = active
            .iter()
            .map(|&i| {
                (s.thresholds[i], if s.nash { s.gains[i].unwrap_or(f64::NEG_INFINITY) } else { f64::NEG_INFINITY })
            })
            .collect();
        let factor = active.iter().map(|&i| if s.nash { s.gains[i] } else { None }).collect();
        // The products `utility()` adds, per issue and allowed value.
        let terms: Vec<Vec<f64>> = allowed
            .iter()
            .enumerate()
            .map(|(k, a)| {
                let mut t = Vec::with_capacity(a.len() * f);
                for &j in a {
                    for &i in &active {
                        let u = s.funcs[i];
                        t.push(u.weights()[k] * u.value_utility(s.space, k, j));
                    }
                }
                t
            })
            .collect();
        let mut rest = vec![vec![0.0f64; f]; m + 1];
        let mut bound: Vec<f64> = active.iter().map(|&i| s.funcs[i].bias().abs()).collect();
        for k in (0..m).rev() {
            for p in 0..f {
                let col = terms[k].iter().skip(p).step_by(f);
                rest[k][p] = rest[k + 1][p] + col.clone().copied().fold(f64::NEG_INFINITY, f64::max);
                bound[p] += col.fold(0.0f64, |a, x| a.max(x.abs()));
            }
        }
        let slack = bound.iter().map(|b| 8.0 * (m as f64 + 2.0) * f64::EPSILON * b + f64::MIN_POSITIVE).collect();
        let bias = active.iter().map(|&i| s.funcs[i].bias()).collect();
        BoxData { allowed, active, need, factor, terms, rest, slack, bias }
    }

    fn f(&self) -> usize {
        self.active.len()
    }

    /// Whether partial sums (issues `..next` chosen) can still meet every
    /// requirement; exact on complete outcomes (`next = m`).
    fn reachable(&self, sums: &[f64], next: usize) -> bool {
        let m = self.allowed.len();
        sums.iter().enumerate().all(|(p, &s)| {
            let (t, d) = self.need[p];
            if next == m {
                s > t && s >= d
            } else {
                let hi = s + self.rest[next][p] + self.slack[p];
                hi > t && hi >= d
            }
        })
    }

    /// The Nash product of complete utilities (1 without Nash).
    fn product(&self, utilities: &[f64]) -> f64 {
        utilities.iter().zip(&self.factor).fold(1.0, |acc, (&u, d)| match d {
            Some(d) => acc * (u - d),
            None => acc,
        })
    }

    /// An upper bound of the product any completion of `sums` can reach
    /// (exact on complete outcomes).
    fn product_bound(&self, sums: &[f64], next: usize) -> f64 {
        if next == self.allowed.len() {
            return self.product(sums);
        }
        let f = self.f() as f64;
        let mut ub = 1.0;
        for (p, (&s, d)) in sums.iter().zip(&self.factor).enumerate() {
            if let Some(d) = d {
                ub *= (s + self.rest[next][p] + self.slack[p] - d).max(0.0);
            }
        }
        ub * (1.0 + 8.0 * f * f64::EPSILON) + f64::MIN_POSITIVE
    }

    /// Depth first, most promising value first, pruned by the bounds: a
    /// feasible outcome not excluded, or the proof there is none, or neither
    /// within the budget.
    fn dfs(&self, excluded: &[Vec<u32>], budget: &mut usize) -> Dfs {
        let m = self.allowed.len();
        let mut values = vec![0u32; m];
        let mut sums = self.bias.clone();
        match self.dfs_at(0, &mut sums, &mut values, excluded, budget) {
            Some(true) => Dfs::Found(values),
            Some(false) => Dfs::Empty,
            None => Dfs::OutOfBudget,
        }
    }

    /// `Some(true)`: found (in `values`); `Some(false)`: none below; `None`: out of budget.
    fn dfs_at(
        &self,
        k: usize,
        sums: &mut Vec<f64>,
        values: &mut Vec<u32>,
        excluded: &[Vec<u32>],
        budget: &mut usize,
    ) -> Option<bool> {
        let m = self.allowed.len();
        if k == m {
            return Some(self.reachable(sums, m) && !excluded.contains(values));
        }
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        let f = self.f();
        // The worst margin over the requirements, relative to the function's scale.
        let margin = |a: usize| -> f64 {
            (0..f)
                .map(|p| {
                    let (t, d) = self.need[p];
                    let need = t.max(d);
                    if need == f64::NEG_INFINITY {
                        return f64::INFINITY;
                    }
                    let hi = sums[p] + self.terms[k][a * f + p] + self.rest[k + 1][p];
                    (hi - need) / self.rest[0][p].abs().max(1e-300)
                })
                .fold(f64::INFINITY, f64::min)
        };
        let mut order: Vec<(f64, usize)> = (0..self.allowed[k].len()).map(|a| (margin(a), a)).collect();
        order.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        let saved = sums.clone();
        for (_, a) in order {
            for p in 0..f {
                sums[p] = saved[p] + self.terms[k][a * f + p];
            }
            if !self.reachable(sums, k + 1) {
                continue;
            }
            values[k] = self.allowed[k][a];
            match self.dfs_at(k + 1, sums, values, excluded, budget) {
                Some(false) => {}
                other => return other,
            }
        }
        sums.copy_from_slice(&saved);
        Some(false)
    }

    /// The utilities of a complete outcome, as `utility()` computes them.
    fn utilities(&self, s: &Search, values: &[u32]) -> Vec<f64> {
        self.active.iter().map(|&i| s.funcs[i].utility(values)).collect()
    }

    /// Local ascent of the Nash product from a feasible outcome, one issue at
    /// a time, through feasible outcomes not excluded: a good incumbent.
    fn ascend(&self, s: &Search, excluded: &[Vec<u32>], mut x: Vec<u32>) -> f64 {
        let m = self.allowed.len();
        let mut best = self.product(&self.utilities(s, &x));
        for _ in 0..100 {
            let mut improved = false;
            for k in 0..m {
                for &j in &self.allowed[k] {
                    if j == x[k] {
                        continue;
                    }
                    let old = std::mem::replace(&mut x[k], j);
                    let u = self.utilities(s, &x);
                    let p = self.product(&u);
                    if self.reachable(&u, m) && p > best && !excluded.contains(&x) {
                        best = p;
                        improved = true;
                    } else {
                        x[k] = old;
                    }
                }
            }
            if !improved {
                break;
            }
        }
        best
    }

    /// The outcomes of the box that meet every requirement and that no other
    /// such outcome weakly dominates in the active functions (one per vector:
    /// the lowest index), with their utilities; with Nash and an `incumbent`
    /// product, only those that can reach it. See the module documentation.
    fn merge(
        &self,
        s: &Search,
        incumbent: Option<f64>,
        work: &mut u64,
    ) -> Result<Vec<(Vec<f64>, OutcomeIndex)>, ExactError> {
        let f = self.f();
        let radices = s.space.radices();
        let keep = |sums: &[f64], next: usize| -> bool {
            self.reachable(sums, next) && incumbent.is_none_or(|p0| self.product_bound(sums, next) >= p0)
        };
        let limit = s.options.limits.max_candidates.min(u32::MAX as usize);
        let mut sums: Vec<f64> = self.bias.clone();
        let mut index: Vec<OutcomeIndex> = vec![0];
        for (k, &radix) in radices.iter().enumerate() {
            let (ne, nv) = (index.len(), self.allowed[k].len());
            if ne as u128 * nv as u128 > limit as u128 {
                return Err(AnalysisError::TooManyCandidates {
                    issue: s.space.issues()[k].name.clone(),
                    candidates: ne as u128 * nv as u128,
                    limit,
                }
                .into());
            }
            // Extend every kept partial outcome by every value; drop what cannot meet the requirements.
            let mut cand_sums: Vec<f64> = Vec::new();
            let mut cand_index: Vec<OutcomeIndex> = Vec::new();
            let mut v = vec![0.0; f];
            for e in 0..ne {
                for (a, &j) in self.allowed[k].iter().enumerate() {
                    for p in 0..f {
                        v[p] = sums[e * f + p] + self.terms[k][a * f + p];
                    }
                    if keep(&v, k + 1) {
                        cand_sums.extend_from_slice(&v);
                        cand_index.push(index[e] * radix as OutcomeIndex + j as OutcomeIndex);
                    }
                }
            }
            // Weak dominance: a partial outcome no better anywhere than another kept one is
            // dropped (rounded addition is monotone, so its completions are no better either).
            // Sorted so that whatever dominates comes first: by sum, then lexicographically
            // (both descending), then by index.
            let c = cand_index.len();
            let total = |i: usize| cand_sums[i * f..i * f + f].iter().fold(0.0, |a, x| a + x);
            let totals: Vec<f64> = (0..c).map(total).collect();
            let mut order: Vec<usize> = (0..c).collect();
            order.sort_by(|&x, &y| {
                totals[y]
                    .total_cmp(&totals[x])
                    .then_with(|| {
                        let (a, b) = (&cand_sums[x * f..x * f + f], &cand_sums[y * f..y * f + f]);
                        a.iter()
                            .zip(b)
                            .map(|(u, v)| v.total_cmp(u))
                            .find(|o| o.is_ne())
                            .unwrap_or(std::cmp::Ordering::Equal)
                    })
                    .then(cand_index[x].cmp(&cand_index[y]))
            });
            let (mut ks, mut ki): (Vec<f64>, Vec<OutcomeIndex>) = (Vec::new(), Vec::new());
            for &x in &order {
                *work += ki.len() as u64;
                if *work > s.options.max_comparisons {
                    return Err(ExactError::WorkLimit(s.options.max_comparisons));
                }
                let v = &cand_sums[x * f..x * f + f];
                let dominated = ks.chunks_exact(f).any(|q: &[f64]| q.iter().zip(v).all(|(a, b)| a >= b));
                if !dominated {
                    ks.extend_from_slice(v);
                    ki.push(cand_index[x]);
                }
            }
            sums = ks;
            index = ki;
            if index.is_empty() {
                break;
            }
        }
        Ok(sums.chunks_exact(f.max(1)).map(<[f64]>::to_vec).zip(index).collect())
    }
}

/// Up to `cap` outcomes of the box, in enumeration order (last issue fastest).
fn first_outcomes(allowed: &[Vec<u32>], cap: usize) -> Vec<Vec<u32>> {
    let m = allowed.len();
    let mut pos = vec![0usize; m];
    let mut out = Vec::new();
    while out.len() < cap {
        out.push(pos.iter().zip(allowed).map(|(&p, a)| a[p]).collect());
        let mut k = m;
        loop {
            if k == 0 {
                return out;
            }
            k -= 1;
            pos[k] += 1;
            if pos[k] < allowed[k].len() {
                break;
            }
            pos[k] = 0;
        }
    }
    out
}

/// The unitary zone of two linear additive parties by their exact Pareto
/// frontier ([`additive_frontier`]): an outcome both prefer strictly to their
/// reservation values (`ra`, `rb`), the one of lowest index among the
/// frontier's, with both utilities; `None` when the zone is empty.
///
/// *Why the frontier decides.* If a frontier point beats both reservations,
/// it is an outcome of the zone. Conversely let `x` beat both. If `x` is not
/// on the frontier (GENIUS's reading: not strictly dominated), some `y_1`
/// strictly dominates it (`≥` in both utilities, `>` in one); if `y_1` is not
/// on the frontier some `y_2` strictly dominates `y_1`, and so on. Strict
/// dominance is transitive and raises `u_a + u_b`, so no outcome repeats and,
/// the space being finite, the chain ends at a frontier point `y` with
/// `u_a(y) ≥ u_a(x) > ra` and `u_b(y) ≥ u_b(x) > rb`. ∎ The frontier's
/// utilities are bit-identical to `utility()`, so the comparisons are the
/// enumerated analysis's own.
pub fn unitary_zone_2(
    space: &OutcomeSpace,
    a: &LinearAdditive,
    ra: f64,
    b: &LinearAdditive,
    rb: f64,
    limits: MergeLimits,
) -> Result<Option<(OutcomeIndex, [f64; 2])>, AnalysisError> {
    let frontier = additive_frontier(space, &[a, b], limits)?;
    Ok(frontier
        .frontier
        .points
        .iter()
        .filter(|p| p.utilities[0] > ra && p.utilities[1] > rb)
        .min_by_key(|p| p.outcome)
        .map(|p| (p.outcome, [p.utilities[0], p.utilities[1]])))
}

struct Exact<'s, 'a> {
    space: &'s OutcomeSpace,
    parties: &'s [PointParty<'a>],
    add: Additive<'a>,
    options: ExactOptions,
    merges: usize,
}

impl<'a> Exact<'_, 'a> {
    /// The best outcome (or any) of the union of the problems.
    fn solve(&mut self, parts: &[Part<'a>], nash: bool) -> Result<Option<Found>, ExactError> {
        let mut best: Option<Found> = None;
        for part in parts {
            let mut s = Search::new(self.space, &self.add, part, nash, self.options);
            let banned = s.full_box(&part.banned_values);
            let found = s.search(banned);
            self.merges += s.merges;
            if let Some(f) = found? {
                if !nash {
                    return Ok(Some(f));
                }
                if best.as_ref().is_none_or(|b| better(&f, b)) {
                    best = Some(f);
                }
            }
        }
        Ok(best)
    }

    fn unitary_parts(&self) -> Vec<Part<'a>> {
        let constraints = self.parties.iter().zip(&self.add.own).map(|(p, u)| (*u, p.reservation)).collect();
        vec![Part { constraints, ..Part::default() }]
    }

    fn bloc_parts(&self, relax: Relax) -> Result<Vec<Part<'a>>, ExactError> {
        let per_party = bloc_parts(self.parties, &self.add, relax)?;
        let mut joined = vec![Part::default()];
        for options in &per_party {
            joined = joined.iter().flat_map(|j| options.iter().map(move |o| j.join(o))).collect();
        }
        Ok(joined)
    }

    fn package(&self, f: &Found) -> LargePackage {
        LargePackage { outcome: f.index, utilities: self.add.own.iter().map(|u| u.utility(&f.values)).collect() }
    }

    fn zone(&mut self, parts: &[Part<'a>], notes: &mut Vec<String>, label: &str) -> Result<ZoneFound, ExactError> {
        let Some(any) = self.solve(parts, false)? else {
            return Ok(ZoneFound { nonempty: false, witness: None, nash: None });
        };
        let nash = match self.solve(parts, true) {
            Ok(n) => n.map(|f| self.package(&f)),
            Err(e @ (ExactError::Analysis(AnalysisError::TooManyCandidates { .. }) | ExactError::WorkLimit(_))) => {
                notes.push(format!("the Nash package of the {label} zone was not searched: {e}"));
                None
            }
            Err(e) => return Err(e),
        };
        let witness = nash.clone().or_else(|| Some(self.package(&any)));
        Ok(ZoneFound { nonempty: true, witness, nash })
    }
}

/// The exact zone analysis of linear additive parties and blocs, on a space
/// of any size (see the module documentation).
pub fn exact_zones(
    space: &OutcomeSpace,
    parties: &[PointParty],
    options: ExactOptions,
) -> Result<ExactZones, ExactError> {
    if let Some((i, &r)) = space.radices().iter().enumerate().find(|(_, r)| **r > 1 << 24) {
        return Err(ExactError::IssueTooLarge(space.issues()[i].name.clone(), r));
    }
    let add = additive(space, parties)?;
    let mut ex = Exact { space, parties, add, options, merges: 0 };
    let mut notes = Vec::new();
    let unitary_parts = ex.unitary_parts();
    let unitary_zone = ex.zone(&unitary_parts, &mut notes, "unitary")?;
    let parts = ex.bloc_parts(Relax::None)?;
    let bloc_zone = ex.zone(&parts, &mut notes, "bloc-level")?;
    let diagnosis = match (&unitary_zone.witness, &bloc_zone.witness) {
        (None, _) => LargeDiagnosis::NoAgreementInSubstance,
        (Some(_), Some(b)) => LargeDiagnosis::Possible { package: b.clone() },
        (Some(u), None) => {
            let (mut responsible, mut red_lines) = (Vec::new(), Vec::new());
            for (k, p) in parties.iter().enumerate() {
                let Some(d) = &p.delegation else { continue };
                for (f, b) in d.blocs.iter().enumerate() {
                    let who = (p.name.to_string(), b.name.clone());
                    let parts = ex.bloc_parts(Relax::Yield(k, f))?;
                    if ex.solve(&parts, false)?.is_some() {
                        responsible.push(who.clone());
                    }
                    if !b.red_lines.is_empty() {
                        let parts = ex.bloc_parts(Relax::NoRedLines(k, f))?;
                        if ex.solve(&parts, false)?.is_some() {
                            red_lines.push(who);
                        }
                    }
                }
            }
            LargeDiagnosis::BlockedInternally { responsible, red_lines, substance_package: u.clone() }
        }
    };
    Ok(ExactZones { unitary_zone, bloc_zone, diagnosis, merges: ex.merges, notes })
}

/// An outcome of the bloc-level zone (every party ratifies it), if there is
/// one: the existence part of [`exact_zones`] alone (no Nash search, no
/// diagnosis), for repeated checks such as Monte Carlo draws.
pub fn bloc_zone_witness(
    space: &OutcomeSpace,
    parties: &[PointParty],
    options: ExactOptions,
) -> Result<Option<OutcomeIndex>, ExactError> {
    let add = additive(space, parties)?;
    let mut ex = Exact { space, parties, add, options, merges: 0 };
    let parts = ex.bloc_parts(Relax::None)?;
    Ok(ex.solve(&parts, false)?.map(|f| f.index))
}

/// An outcome of the unitary zone (every party, as one actor, prefers it to
/// no agreement), if there is one.
pub fn unitary_zone_witness(
    space: &OutcomeSpace,
    parties: &[PointParty],
    options: ExactOptions,
) -> Result<Option<OutcomeIndex>, ExactError> {
    let add = additive(space, parties)?;
    let mut ex = Exact { space, parties, add, options, merges: 0 };
    let parts = ex.unitary_parts();
    Ok(ex.solve(&parts, false)?.map(|f| f.index))
}

#[cfg(test)]
mod tests;
