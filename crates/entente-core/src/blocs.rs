//! Divided delegations: blocs (principals), ratification rules and win-sets.
//!
//! A delegation answers to several blocs at home. Each bloc has its own
//! utility over the outcome space, a reversion point (what it gets if the talks
//! fail) and, optionally, red lines. An outcome is *acceptable* to a bloc when
//! the bloc strictly prefers it to its reversion point and it crosses none of
//! its red lines (Putnam's ratifiers). The delegation's *win-set* is the set of
//! outcomes its ratification rule accepts:
//!
//! - every bloc holding a **veto** must find the outcome acceptable, whatever
//!   the rule (Tsebelis's veto players);
//! - [`Rule::Unanimity`]: nothing more (unanimity of the veto blocs);
//! - [`Rule::Quota`]: the weights of the blocs that find it acceptable sum to
//!   at least the quota;
//! - [`Rule::Dominant`]: the dominant bloc finds it acceptable;
//! - [`Rule::WeightedSum`]: the mandate `Σ w_f u_f` prefers it to the mandate's
//!   reversion `Σ w_f r_f`, and it crosses no bloc's red line.
//!
//! Everything here works on enumerated spaces through flat utility tables and
//! bit sets; it knows nothing of files or protocols.

use serde::Serialize;

use crate::error::ModelError;
use crate::space::{OutcomeIndex, OutcomeSpace};
use crate::table::{OutcomeId, UtilityTable};
use crate::utility::{LinearAdditive, Preferences, UtilityFunction, ValueFunction};

/// A set of outcomes of an enumerated space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeSet {
    words: Vec<u64>,
    len: usize,
}

impl OutcomeSet {
    /// The empty set over `len` outcomes.
    pub fn empty(len: usize) -> Self {
        OutcomeSet { words: vec![0; len.div_ceil(64)], len }
    }

    /// Every outcome of a space of `len` outcomes.
    pub fn full(len: usize) -> Self {
        let mut s = OutcomeSet { words: vec![u64::MAX; len.div_ceil(64)], len };
        s.trim();
        s
    }

    /// The outcomes for which `f` holds.
    pub fn from_fn(len: usize, mut f: impl FnMut(OutcomeId) -> bool) -> Self {
        let mut s = Self::empty(len);
        for i in 0..len {
            if f(i as OutcomeId) {
                s.words[i / 64] |= 1 << (i % 64);
            }
        }
        s
    }

    fn trim(&mut self) {
        let extra = self.words.len() * 64 - self.len;
        if extra > 0
            && let Some(last) = self.words.last_mut()
        {
            *last &= u64::MAX >> extra;
        }
    }

    /// Size of the space the set lives in.
    pub fn universe(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn contains(&self, o: OutcomeId) -> bool {
        let i = o as usize;
        i < self.len && self.words[i / 64] >> (i % 64) & 1 == 1
    }

    pub fn insert(&mut self, o: OutcomeId) {
        let i = o as usize;
        if i < self.len {
            self.words[i / 64] |= 1 << (i % 64);
        }
    }

    pub fn remove(&mut self, o: OutcomeId) {
        let i = o as usize;
        if i < self.len {
            self.words[i / 64] &= !(1 << (i % 64));
        }
    }

    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    /// `self ∩ other`.
    pub fn and(&self, other: &OutcomeSet) -> OutcomeSet {
        OutcomeSet { words: self.words.iter().zip(&other.words).map(|(a, b)| a & b).collect(), len: self.len }
    }

    /// `self ∪ other`.
    pub fn or(&self, other: &OutcomeSet) -> OutcomeSet {
        OutcomeSet { words: self.words.iter().zip(&other.words).map(|(a, b)| a | b).collect(), len: self.len }
    }

    /// `self \ other`.
    pub fn and_not(&self, other: &OutcomeSet) -> OutcomeSet {
        OutcomeSet { words: self.words.iter().zip(&other.words).map(|(a, b)| a & !b).collect(), len: self.len }
    }

    /// `self ⊆ other`.
    pub fn is_subset(&self, other: &OutcomeSet) -> bool {
        self.words.iter().zip(&other.words).all(|(a, b)| a & !b == 0)
    }

    /// The outcomes in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = OutcomeId> + '_ {
        self.words.iter().enumerate().flat_map(|(k, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros();
                w &= w - 1;
                Some((k * 64) as OutcomeId + b as OutcomeId)
            })
        })
    }
}

/// What a bloc gets if the talks fail.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reversion {
    /// A utility level.
    Utility(f64),
    /// The status quo as an outcome of the space: its utility to the bloc.
    Outcome(OutcomeId),
}

/// An instruction never to accept some outcomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedLine {
    /// This exact outcome.
    Outcome(OutcomeId),
    /// Any outcome where issue `issue` takes value `value`.
    Value { issue: usize, value: u32 },
}

/// One bloc of a delegation, as the computations need it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bloc {
    pub name: String,
    pub weight: f64,
    pub veto: bool,
    pub reversion: Reversion,
    pub red_lines: Vec<RedLine>,
}

/// How a delegation ratifies an outcome (vetoes apply under every rule).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Rule {
    /// Every veto bloc must accept.
    Unanimity,
    /// The accepting blocs' weights sum to at least `quota`.
    Quota { quota: f64 },
    /// The bloc at this index must accept.
    Dominant { bloc: usize },
    /// The weighted mandate must prefer the outcome to its reversion.
    WeightedSum,
}

impl Bloc {
    /// The bloc's reversion utility under `table` (its utilities).
    pub fn reversion_utility(&self, table: &UtilityTable) -> f64 {
        match self.reversion {
            Reversion::Utility(u) => u,
            Reversion::Outcome(o) => table.utility(o),
        }
    }
}

/// A bloc's reversion utility under `utility`, on a space of any size (see
/// [`Bloc::reversion_utility`] for a tabulated one).
pub fn reversion_utility(space: &OutcomeSpace, bloc: &Bloc, utility: &dyn UtilityFunction) -> Result<f64, ModelError> {
    match bloc.reversion {
        Reversion::Utility(u) => Ok(u),
        Reversion::Outcome(o) => Ok(utility.utility(&space.values_of(o as OutcomeIndex)?)),
    }
}

/// Whether an outcome (index and value indices) crosses any of `red_lines`.
pub fn crosses(red_lines: &[RedLine], index: OutcomeIndex, values: &[u32]) -> bool {
    red_lines.iter().any(|r| match *r {
        RedLine::Outcome(x) => x as OutcomeIndex == index,
        RedLine::Value { issue, value } => values.get(issue) == Some(&value),
    })
}

/// What a bloc thinks of every outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlocSets {
    /// Outcomes the bloc strictly prefers to its reversion point.
    pub better: OutcomeSet,
    /// Outcomes on one of its red lines.
    pub red: OutcomeSet,
}

impl BlocSets {
    /// Computes both sets. `values_of(o, buf)` writes outcome `o`'s value
    /// indices (one per issue) into `buf`.
    pub fn new(bloc: &Bloc, table: &UtilityTable, n_issues: usize, values_of: &dyn Fn(OutcomeId, &mut [u32])) -> Self {
        let r = bloc.reversion_utility(table);
        let better =
            OutcomeSet::from_fn(table.len(), |o| crate::analysis::zones::prefers_to_no_agreement(table.utility(o), r));
        let red = if bloc.red_lines.is_empty() {
            OutcomeSet::empty(table.len())
        } else {
            let mut values = vec![0u32; n_issues];
            OutcomeSet::from_fn(table.len(), |o| {
                values_of(o, &mut values);
                crosses(&bloc.red_lines, o as OutcomeIndex, &values)
            })
        };
        BlocSets { better, red }
    }

    /// The outcomes the bloc accepts: better than its reversion, on no red line.
    pub fn acceptable(&self) -> OutcomeSet {
        self.better.and_not(&self.red)
    }
}

/// The win-set of a delegation: the outcomes its rule ratifies.
///
/// `sets[f]` is what bloc `f` thinks of every outcome. `mandate` is the
/// delegation's own utility table and its reversion utility, used by the
/// weighted-sum rule (see [`Delegation::mandate`]).
pub fn win_set(blocs: &[Bloc], rule: Rule, sets: &[BlocSets], mandate: Option<(&UtilityTable, f64)>) -> OutcomeSet {
    let n = sets.first().map_or(0, |s| s.better.universe());
    let acceptable: Vec<OutcomeSet> = sets.iter().map(BlocSets::acceptable).collect();
    rule_set(blocs, rule, sets, &acceptable, mandate, n)
}

/// [`win_set`] with the acceptable sets given (they may be altered, to ask
/// what if a bloc accepted everything).
pub fn rule_set(
    blocs: &[Bloc],
    rule: Rule,
    sets: &[BlocSets],
    acceptable: &[OutcomeSet],
    mandate: Option<(&UtilityTable, f64)>,
    n: usize,
) -> OutcomeSet {
    let mut set = OutcomeSet::full(n);
    for (b, a) in blocs.iter().zip(acceptable) {
        if b.veto {
            set = set.and(a);
        }
    }
    match rule {
        Rule::Unanimity => set,
        Rule::Dominant { bloc } => match acceptable.get(bloc) {
            Some(a) => set.and(a),
            None => OutcomeSet::empty(n),
        },
        Rule::Quota { quota } => {
            let rule_set =
                OutcomeSet::from_fn(n, |o| quota_weight(blocs, acceptable.iter().map(|a| a.contains(o))) >= quota);
            set.and(&rule_set)
        }
        Rule::WeightedSum => {
            let Some((table, reversion)) = mandate else {
                return OutcomeSet::empty(n);
            };
            let rule_set = OutcomeSet::from_fn(n, |o| {
                crate::analysis::zones::prefers_to_no_agreement(table.utility(o), reversion)
            });
            let red = sets.iter().fold(OutcomeSet::empty(n), |acc, s| acc.or(&s.red));
            set.and(&rule_set).and_not(&red)
        }
    }
}

/// The summed weight of the blocs that accept (`accepts[f]` for bloc `f`),
/// added in bloc order: the one sum every quota test makes, so that they agree
/// bit for bit.
pub(crate) fn quota_weight(blocs: &[Bloc], accepts: impl IntoIterator<Item = bool>) -> f64 {
    blocs.iter().zip(accepts).filter(|(_, a)| *a).map(|(b, _)| b.weight).sum()
}

/// A bloc as declared: its place in the rule and its preferences.
#[derive(Clone, Debug)]
pub struct BlocSpec {
    pub bloc: Bloc,
    pub utility: Preferences,
    /// How uncertain its utilities are (for the probability of ratification).
    pub uncertainty: Option<Uncertainty>,
}

/// Uniform noise on a bloc's utilities, for Monte Carlo estimates: every draw
/// adds `U(−values, +values)` to each value utility of a linear additive bloc
/// (before weighting; to each outcome's utility for other utility functions)
/// and `U(−reversion, +reversion)` to its reversion point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Uncertainty {
    pub values: f64,
    pub reversion: f64,
}

/// A change of a delegation's instructions at time `at` (a bloc gains
/// influence after a break, loses its veto, draws a new red line, or the quota
/// moves): one entry of a delegation's timeline (`entente_model::timeline`),
/// whose unit the timeline gives (`[[parties.changes]]`: relative time in
/// [0, 1]; the talks: minutes). Absent fields stay as they were.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub at: f64,
    /// The bloc changed (`None` for a change of the rule only).
    pub bloc: Option<usize>,
    pub weight: Option<f64>,
    pub veto: Option<bool>,
    pub reversion: Option<Reversion>,
    /// Replaces the bloc's red lines.
    pub red_lines: Option<Vec<RedLine>>,
    /// Added to the bloc's red lines (after any replacement).
    pub add_red_lines: Vec<RedLine>,
    pub quota: Option<f64>,
}

impl Change {
    /// Applies the change to instructions in force: the one place where a
    /// change of instructions takes effect. A bloc index out of range changes
    /// no bloc; a quota changes only a quota rule.
    pub fn apply(&self, blocs: &mut [Bloc], rule: &mut Rule) {
        if let Some(k) = self.bloc
            && let Some(b) = blocs.get_mut(k)
        {
            if let Some(w) = self.weight {
                b.weight = w;
            }
            if let Some(v) = self.veto {
                b.veto = v;
            }
            if let Some(r) = self.reversion {
                b.reversion = r;
            }
            if let Some(r) = &self.red_lines {
                b.red_lines = r.clone();
            }
            b.red_lines.extend(self.add_red_lines.iter().copied());
        }
        if let (Some(q), Rule::Quota { quota }) = (self.quota, rule) {
            *quota = q;
        }
    }
}

/// A party that answers to several blocs.
#[derive(Clone, Debug)]
pub struct Delegation {
    pub blocs: Vec<BlocSpec>,
    pub rule: Rule,
    /// The delegation may accept outcomes outside its win-set (involuntary
    /// defection); such an agreement then fails ratification.
    pub defection: bool,
    /// Changes of instructions, at relative times in [0, 1] (their timeline:
    /// `entente_model::timeline::Timeline::new`).
    pub changes: Vec<Change>,
}

/// The delegation's instructions as they stand at some time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Instructions {
    /// From this time on (in the unit of the timeline that gave them).
    pub from: f64,
    pub blocs: Vec<Bloc>,
    pub rule: Rule,
}

impl Delegation {
    /// The instructions as declared, before any change.
    pub fn declared(&self) -> Instructions {
        Instructions { from: 0.0, blocs: self.blocs.iter().map(|b| b.bloc.clone()).collect(), rule: self.rule }
    }

    /// The delegation's own (unitary) utility under `blocs`' weights: the
    /// weighted mean `Σ_f ŵ_f u_f` with `ŵ_f = w_f / Σ_g w_g` (so that it lies
    /// on its blocs' scale whatever scale the weights use, e.g. seats), and
    /// its reversion `Σ_f ŵ_f r_f`. When every bloc is linear additive it is
    /// itself linear additive (per-value tables `Σ_f ŵ_f · w_fi · v_fi(j)`,
    /// bias `Σ_f ŵ_f b_f`), and works on spaces of any size.
    pub fn mandate(&self, space: &OutcomeSpace, blocs: &[Bloc]) -> Result<Preferences, ModelError> {
        let total: f64 = blocs.iter().map(|b| b.weight).sum();
        if !(total > 0.0 && total.is_finite()) {
            return Err(ModelError::Utility(format!(
                "the blocs' weights sum to {total}; the mandate needs a positive total"
            )));
        }
        let blocs: Vec<Bloc> = blocs.iter().map(|b| Bloc { weight: b.weight / total, ..b.clone() }).collect();
        let reservation = blocs.iter().zip(&self.blocs).try_fold(0.0, |acc, (b, spec)| {
            Ok::<_, ModelError>(acc + b.weight * reversion_utility(space, b, &spec.utility)?)
        })?;
        let additive: Option<Vec<&LinearAdditive>> = self.blocs.iter().map(|b| b.utility.as_additive()).collect();
        if let Some(ufuns) = additive {
            let n = space.issues().len();
            let mut bias = 0.0;
            let mut tables: Vec<Vec<f64>> = space.radices().iter().map(|&r| vec![0.0; r as usize]).collect();
            for (b, u) in blocs.iter().zip(&ufuns) {
                bias += b.weight * u.bias();
                for (k, table) in tables.iter_mut().enumerate() {
                    let w = u.weights()[k];
                    for (j, t) in table.iter_mut().enumerate() {
                        *t += b.weight * (w * u.value_utility(space, k, j as u32));
                    }
                }
            }
            let functions = tables.into_iter().map(ValueFunction::Table).collect();
            return Ok(Preferences::Additive(LinearAdditive::new(
                space,
                vec![1.0; n],
                functions,
                bias,
                reservation,
                None,
            )?));
        }
        Ok(Preferences::Other(std::sync::Arc::new(WeightedSum {
            parts: blocs.iter().zip(&self.blocs).map(|(b, s)| (b.weight, s.utility.clone())).collect(),
            reservation,
        })))
    }
}

/// `Σ_f w_f u_f(x)` over any utility functions, summed in order from 0.
#[derive(Clone, Debug)]
pub struct WeightedSum {
    pub parts: Vec<(f64, Preferences)>,
    pub reservation: f64,
}

impl UtilityFunction for WeightedSum {
    fn utility(&self, values: &[u32]) -> f64 {
        self.parts.iter().fold(0.0, |acc, (w, u)| acc + w * u.utility(values))
    }
    fn reservation(&self) -> f64 {
        self.reservation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two issues of three values each; outcome id = 3·a + b.
    fn tables() -> Vec<UtilityTable> {
        let t = |f: fn(u32, u32) -> f64| {
            UtilityTable::from_utilities((0..9).map(|o| f(o / 3, o % 3)).collect(), f64::NEG_INFINITY).unwrap()
        };
        vec![
            t(|a, _| a as f64 / 2.0),       // kandahar wants a high
            t(|_, b| b as f64 / 2.0),       // kabul wants b high
            t(|a, _| (2 - a) as f64 / 2.0), // khost wants a low
        ]
    }

    fn blocs(veto: bool) -> Vec<Bloc> {
        let bloc = |name: &str, weight: f64, red_lines: Vec<RedLine>| Bloc {
            name: name.into(),
            weight,
            veto,
            reversion: Reversion::Utility(0.4),
            red_lines,
        };
        vec![
            bloc("kandahar", 0.5, vec![]),
            bloc("kabul", 0.3, vec![]),
            bloc("khost", 0.2, vec![RedLine::Value { issue: 1, value: 2 }]),
        ]
    }

    fn sets(blocs: &[Bloc], tables: &[UtilityTable]) -> Vec<BlocSets> {
        let values_of = |o: OutcomeId, v: &mut [u32]| {
            v[0] = o / 3;
            v[1] = o % 3;
        };
        blocs.iter().zip(tables).map(|(b, t)| BlocSets::new(b, t, 2, &values_of)).collect()
    }

    fn ids(s: &OutcomeSet) -> Vec<OutcomeId> {
        s.iter().collect()
    }

    #[test]
    fn acceptable_sets_by_hand() {
        let t = tables();
        let b = blocs(true);
        let s = sets(&b, &t);
        // kandahar: a >= 1; kabul: b >= 1; khost: a <= 1 and b != 2.
        assert_eq!(ids(&s[0].acceptable()), vec![3, 4, 5, 6, 7, 8]);
        assert_eq!(ids(&s[1].acceptable()), vec![1, 2, 4, 5, 7, 8]);
        assert_eq!(ids(&s[2].acceptable()), vec![0, 1, 3, 4]);
        assert_eq!(ids(&s[2].red), vec![2, 5, 8]);
    }

    #[test]
    fn win_sets_by_hand_for_every_rule() {
        let t = tables();
        // Unanimity of three veto blocs: a = 1 and b = 1 only.
        let vetoes = blocs(true);
        assert_eq!(ids(&win_set(&vetoes, Rule::Unanimity, &sets(&vetoes, &t), None)), vec![4]);
        let free = blocs(false);
        let s = sets(&free, &t);
        // Quota 0.6: kandahar with kabul (0.8) or with khost (0.7).
        assert_eq!(ids(&win_set(&free, Rule::Quota { quota: 0.6 }, &s, None)), vec![3, 4, 5, 7, 8]);
        // Dominant kandahar.
        assert_eq!(ids(&win_set(&free, Rule::Dominant { bloc: 0 }, &s, None)), vec![3, 4, 5, 6, 7, 8]);
        // Weighted sum: the mandate 0.5·a/2 + 0.3·b/2 + 0.2·(2 − a)/2 = 0.15a + 0.15b + 0.2 beats its
        // reversion 0.4 when a + b >= 2; off khost's red line (b = 2).
        let mandate = UtilityTable::from_utilities(
            (0..9u32)
                .map(|o| 0.5 * ((o / 3) as f64 / 2.0) + 0.3 * ((o % 3) as f64 / 2.0) + 0.2 * ((2 - o / 3) as f64 / 2.0))
                .collect(),
            0.4,
        )
        .unwrap();
        assert_eq!(ids(&win_set(&free, Rule::WeightedSum, &s, Some((&mandate, 0.4)))), vec![4, 6, 7]);
        // A veto on top of a rule: khost's veto cuts the quota set to a <= 1, b != 2.
        let mut one_veto = blocs(false);
        one_veto[2].veto = true;
        assert_eq!(ids(&win_set(&one_veto, Rule::Quota { quota: 0.6 }, &sets(&one_veto, &t), None)), vec![3, 4]);
        // Without any veto, unanimity of veto blocs ratifies everything.
        assert_eq!(win_set(&free, Rule::Unanimity, &s, None).count(), 9);
    }

    #[test]
    fn reversion_as_an_outcome() {
        let t = tables();
        let mut b = blocs(true);
        b[0].reversion = Reversion::Outcome(3); // a = 1: utility 0.5 to kandahar
        let s = sets(&b, &t);
        assert_eq!(ids(&s[0].acceptable()), vec![6, 7, 8]);
    }

    #[test]
    fn outcome_set_operations() {
        let a = OutcomeSet::from_fn(130, |o| o % 2 == 0);
        let b = OutcomeSet::from_fn(130, |o| o % 3 == 0);
        assert_eq!(a.count(), 65);
        assert_eq!(a.and(&b).count(), 22);
        assert_eq!(a.or(&b).count(), 65 + 44 - 22);
        assert_eq!(a.and_not(&b).count(), 65 - 22);
        assert!(a.and(&b).is_subset(&a));
        assert!(!a.is_subset(&b));
        assert_eq!(OutcomeSet::full(130).count(), 130);
        assert!(OutcomeSet::empty(130).is_empty());
        assert_eq!(a.iter().take(3).collect::<Vec<_>>(), vec![0, 2, 4]);
        assert!(a.contains(128) && !a.contains(129) && !a.contains(500));
    }
}
