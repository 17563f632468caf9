//! Divided delegations under uncertainty, and on spaces too large to
//! enumerate: seeded Monte Carlo estimates over a [`Scenario`].
//!
//! **Probability of ratification** ([`ratification_probability`]). A bloc
//! declared with `uncertainty = { values = v, reversion = r }` has, in every
//! draw, its reversion utility moved by `U(−r, +r)` and its utilities moved:
//!
//! - a linear additive bloc gets `U(−v, +v)` added to *every value utility of
//!   every issue, before weighting* (`v_k(j) + ε_kj`, then `w_k ·` as usual),
//!   so it stays linear additive: its mandate, tables and the exact check of
//!   large spaces still apply. An outcome's utility then moves by `Σ_k w_k ε_k`
//!   (standard deviation `v · sqrt(Σ_k w_k² / 3)`, less than `v` when the
//!   weights sum to 1); a reversion given as an outcome moves with it, and by
//!   `U(−r, +r)` more;
//! - any other utility function gets `U(−v, +v)` added to each outcome's
//!   utility, independently (a hash of the draw's key and the outcome index,
//!   so the noise of an outcome is the same wherever it is evaluated in the
//!   draw, without tabulating the space).
//!
//! Red lines, weights, vetoes and the rule are certain. In each draw the
//! acceptable sets and the win-set are recomputed from the perturbed blocs,
//! with the mandate recomputed from them ([`Delegation::mandate`]), under the
//! instructions in force at time `at`; the draw records whether each
//! delegation ratifies the package, which blocs accept it, whether every party
//! ratifies it (it lies in the bloc-level zone), and whether the bloc-level
//! zone is non-empty: by enumeration on spaces up to
//! [`MonteCarloOptions::enumerate_up_to`] outcomes, else by the exact check
//! when every utility is linear additive
//! ([`entente_core::analysis::zones_sampled`]), else not at all. Before
//! either, each draw tests a few outcomes (the package, up to 32 outcomes of
//! the unperturbed bloc-level zone) and, for linear additive utilities, runs a
//! short depth-first search: exact shortcuts that spare most enumerations
//! ([`MonteCarloOptions::shortcuts`]; the tests check they change nothing).
//!
//! Every draw has its own `ChaCha8Rng`, keyed by the seed, on the stream of its
//! index: draws run in parallel on the caller's rayon pool (never the global
//! one) and the result does not depend on the number of threads. Same seed, same result.
//!
//! **Large spaces** ([`large_zones`]): the exact check and the sampling
//! estimate of `zones_sampled` for a scenario at time `at`, the samples drawn
//! uniformly by seeded `ChaCha8Rng`s (one stream per chunk of
//! [`SAMPLE_CHUNK`] samples).

use std::sync::Arc;

use entente_core::analysis::zones::prefers_to_no_agreement;
use entente_core::analysis::zones_sampled::{
    ExactError, ExactOptions, ExactZones, PointDelegation, PointParty, Proportion, SampleCounts, SampledZones,
    bloc_zone_witness, sample_zones,
};
use entente_core::blocs::{
    Bloc, BlocSets, BlocSpec, Delegation, Instructions, OutcomeSet, Reversion, Rule, crosses, reversion_utility,
    win_set,
};
use entente_core::{
    LinearAdditive, ModelError, OutcomeIndex, OutcomeSpace, Preferences, UtilityFunction, UtilityTable, ValueFunction,
};
use entente_model::timeline::{DelegationState, InForce};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use crate::scenario::{Scenario, mix};

/// Samples per random stream of [`large_zones`].
pub const SAMPLE_CHUNK: u64 = 4096;

/// Issues with more values than this are not perturbed value by value.
pub const MAX_PERTURBED_VALUES: u32 = 1 << 20;

/// Keeps the streams of the sampling apart from those of the draws.
const SAMPLING_KEY: u64 = 0x5A3D_1E5A_4D50_4C45;

#[derive(Debug, Error)]
pub enum MonteCarloError {
    #[error("the scenario has no divided delegation")]
    NoDelegation,
    #[error("outcome {0} is not in the space of {1} outcomes")]
    NoSuchOutcome(OutcomeIndex, u128),
    #[error("bloc {bloc:?}: issue {issue:?} has {values} values, too many to perturb value by value (at most {max})")]
    TooManyValues { bloc: String, issue: String, values: u32, max: u32 },
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// How a Monte Carlo estimate is made.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MonteCarloOptions {
    pub draws: u64,
    pub seed: u64,
    /// Spaces up to this many outcomes have their bloc-level zone enumerated
    /// in every draw; larger ones use the exact check for linear additive utilities.
    pub enumerate_up_to: usize,
    /// How the exact check searches (spaces beyond `enumerate_up_to`).
    pub exact: ExactOptions,
    /// Before deciding the zone of a draw by its method, test a few outcomes
    /// (the package, some of the unperturbed zone) and, for linear additive
    /// utilities, a short depth-first search: exact shortcuts (off: every draw
    /// by the method alone, for checks).
    pub shortcuts: bool,
}

impl MonteCarloOptions {
    pub fn new(draws: u64, seed: u64) -> Self {
        MonteCarloOptions { draws, seed, enumerate_up_to: 1 << 20, exact: ExactOptions::default(), shortcuts: true }
    }
}

/// How the bloc-level zone was decided in each draw.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum ZoneMethod {
    Enumerated,
    ExactAdditive,
    NotComputed { reason: ZoneNotComputed },
}

/// Why the bloc-level zone was not computed.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ZoneNotComputed {
    #[error("the space is too large to enumerate and some utility is not linear additive")]
    TooLargeNotAdditive,
    /// The exact check could not answer.
    #[error(transparent)]
    Exact(#[from] ExactError),
}

/// Serialised as its message (the JSON reports carry the reason as text).
impl Serialize for ZoneNotComputed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One bloc's part of the estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BlocEstimate {
    pub bloc: String,
    /// Its declared uncertainty (`values`, `reversion`), if any.
    pub uncertainty: Option<(f64, f64)>,
    /// How often it accepts the package (better than its reversion, off its red lines).
    pub accepts: Option<Proportion>,
    /// Whether the package crosses one of its red lines (then it never accepts it).
    pub red_line: Option<bool>,
}

/// One delegation's part of the estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DelegationEstimate {
    pub party: String,
    /// How often its rule ratifies the package.
    pub ratified: Option<Proportion>,
    pub blocs: Vec<BlocEstimate>,
}

/// The probability of ratification of a package under uncertainty.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RatificationEstimate {
    pub at: f64,
    pub draws: u64,
    pub seed: u64,
    pub package: Option<OutcomeIndex>,
    pub delegations: Vec<DelegationEstimate>,
    /// How often every party ratifies the package (it lies in the bloc-level zone).
    pub everyone_ratifies: Option<Proportion>,
    /// How often the bloc-level zone is not empty.
    pub zone_nonempty: Option<Proportion>,
    pub zone_method: ZoneMethod,
}

/// Every party's own utility and instructions at one time.
pub struct AtTime {
    /// Per party: its utility (a delegation's mandate under the instructions).
    pub own: Vec<Preferences>,
    pub reservations: Vec<f64>,
    pub instructions: Vec<Option<Instructions>>,
}

impl AtTime {
    /// The parties of `scenario` under the instructions `at` gives (see
    /// [`InForce`]: a relative time, or a minute of a round of talks).
    pub fn new(scenario: &Scenario, at: &InForce) -> Result<Self, ModelError> {
        let mut t = AtTime { own: vec![], reservations: vec![], instructions: vec![] };
        for (k, p) in scenario.parties.iter().enumerate() {
            match (&p.delegation, at.instructions.get(k).cloned().flatten()) {
                (Some(d), Some(i)) => {
                    let mandate = d.mandate(&scenario.space, &i.blocs)?;
                    t.reservations.push(mandate.reservation());
                    t.own.push(mandate);
                    t.instructions.push(Some(i));
                }
                _ => {
                    t.reservations.push(p.utility.reservation());
                    t.own.push(p.utility.clone());
                    t.instructions.push(None);
                }
            }
        }
        Ok(t)
    }

    /// The parties as the point-wise tests see them.
    pub fn parties<'a>(&'a self, scenario: &'a Scenario) -> Result<Vec<PointParty<'a>>, ModelError> {
        scenario
            .parties
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let delegation = match (&p.delegation, &self.instructions[k]) {
                    (Some(d), Some(i)) => Some(PointDelegation::new(
                        &scenario.space,
                        &i.blocs,
                        i.rule,
                        d.blocs.iter().map(|b| &b.utility).collect(),
                    )?),
                    _ => None,
                };
                Ok(PointParty { name: &p.name, own: &self.own[k], reservation: self.reservations[k], delegation })
            })
            .collect()
    }
}

/// The generator of draw `index` (or of sampling chunk `index`).
fn stream(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// `U(−spread, +spread)`.
fn uniform(rng: &mut ChaCha8Rng, spread: f64) -> f64 {
    spread * (2.0 * rng.random::<f64>() - 1.0)
}

/// Per-outcome noise of a non-additive bloc in one draw: `U(−spread, +spread)`
/// from a hash of the draw's key and the outcome's index.
#[derive(Debug)]
struct Noisy {
    base: Preferences,
    spread: f64,
    key: u64,
    strides: Vec<u128>,
}

impl Noisy {
    fn new(space: &OutcomeSpace, base: Preferences, spread: f64, key: u64) -> Self {
        let mut strides = vec![1u128; space.radices().len()];
        for k in (0..strides.len().saturating_sub(1)).rev() {
            strides[k] = strides[k + 1] * space.radices()[k + 1] as u128;
        }
        Noisy { base, spread, key, strides }
    }
}

impl UtilityFunction for Noisy {
    fn utility(&self, values: &[u32]) -> f64 {
        let index: u128 = values.iter().zip(&self.strides).map(|(&v, &s)| v as u128 * s).sum();
        let h = mix(mix(self.key ^ index as u64).wrapping_add((index >> 64) as u64));
        let unit = (h >> 11) as f64 / (1u64 << 53) as f64;
        self.base.utility(values) + self.spread * (2.0 * unit - 1.0)
    }
    fn reservation(&self) -> f64 {
        self.base.reservation()
    }
}

/// A linear additive function with `U(−spread, +spread)` added to each value
/// utility of each issue, before weighting.
fn perturb_additive(
    space: &OutcomeSpace,
    u: &LinearAdditive,
    spread: f64,
    rng: &mut ChaCha8Rng,
    bloc: &str,
) -> Result<LinearAdditive, MonteCarloError> {
    let mut functions = Vec::with_capacity(space.radices().len());
    for (k, &r) in space.radices().iter().enumerate() {
        if r > MAX_PERTURBED_VALUES {
            return Err(MonteCarloError::TooManyValues {
                bloc: bloc.to_string(),
                issue: space.issues()[k].name.clone(),
                values: r,
                max: MAX_PERTURBED_VALUES,
            });
        }
        functions
            .push(ValueFunction::Table((0..r).map(|j| u.value_utility(space, k, j) + uniform(rng, spread)).collect()));
    }
    Ok(LinearAdditive::new(space, u.weights().to_vec(), functions, u.bias(), u.reservation(), u.discount())?)
}

/// One delegation as the draws need it.
struct DelegationModel<'s> {
    party: usize,
    delegation: &'s Delegation,
    instructions: Instructions,
    any_uncertain: bool,
    /// Enumerated: each bloc's table when its utilities are certain.
    tables: Vec<Option<UtilityTable>>,
    /// Enumerated: each bloc's red lines as a set.
    red: Vec<OutcomeSet>,
    /// Enumerated: the win-set when nothing is uncertain.
    fixed_win: Option<OutcomeSet>,
}

/// What one draw says.
struct Draw {
    ratified: Vec<bool>,
    accepts: Vec<Vec<bool>>,
    everyone: bool,
    zone: Result<bool, ZoneNotComputed>,
}

struct Model<'s> {
    scenario: &'s Scenario,
    at: AtTime,
    delegations: Vec<DelegationModel<'s>>,
    package: Option<(OutcomeIndex, Vec<u32>)>,
    /// Enumerated zones: the outcomes every unitary party accepts.
    others: Option<OutcomeSet>,
    method: ZoneMethod,
    options: MonteCarloOptions,
    /// Outcomes tested first in every draw (the package, some outcomes of the
    /// unperturbed bloc-level zone): one in the zone proves it non-empty.
    candidates: Vec<(OutcomeIndex, Vec<u32>)>,
    /// Every bloc and party linear additive: a depth-first search may decide
    /// the zone before enumeration.
    all_additive: bool,
}

/// Outcomes of the unperturbed bloc-level zone tested first in every draw.
const ZONE_CANDIDATES: usize = 32;

/// Depth-first nodes tried in a draw before enumerating the zone.
const DRAW_DFS_BUDGET: usize = 20_000;

impl<'s> Model<'s> {
    fn new(
        scenario: &'s Scenario,
        at: &InForce,
        package: Option<OutcomeIndex>,
        options: MonteCarloOptions,
    ) -> Result<Self, MonteCarloError> {
        let space = &scenario.space;
        let times = AtTime::new(scenario, at)?;
        let package = match package {
            Some(p) if p >= space.cardinality() => return Err(MonteCarloError::NoSuchOutcome(p, space.cardinality())),
            Some(p) => Some((p, space.values_of(p)?)),
            None => None,
        };
        let enumerated = space.cardinality() <= options.enumerate_up_to as u128;
        let all_additive = scenario.parties.iter().all(|p| match &p.delegation {
            Some(d) => d.blocs.iter().all(|b| b.utility.as_additive().is_some()),
            None => p.utility.as_additive().is_some(),
        });
        let method = if enumerated {
            ZoneMethod::Enumerated
        } else if all_additive {
            ZoneMethod::ExactAdditive
        } else {
            ZoneMethod::NotComputed { reason: ZoneNotComputed::TooLargeNotAdditive }
        };
        let n = if enumerated { space.cardinality() as usize } else { 0 };
        let mut delegations = Vec::new();
        let mut others = enumerated.then(|| OutcomeSet::full(n));
        let mut base_zone = enumerated.then(|| OutcomeSet::full(n));
        for (k, p) in scenario.parties.iter().enumerate() {
            let Some(d) = &p.delegation else {
                if let Some(o) = &mut others {
                    let t = UtilityTable::new(space, &times.own[k])?;
                    let r = times.reservations[k];
                    *o = o.and(&OutcomeSet::from_fn(n, |x| prefers_to_no_agreement(t.utility(x), r)));
                }
                continue;
            };
            let Some(instructions) = times.instructions[k].clone() else { continue };
            let any_uncertain = d.blocs.iter().any(uncertain);
            let (mut tables, mut red, mut fixed_win) = (Vec::new(), Vec::new(), None);
            if enumerated {
                let tables_all = DelegationState::bloc_tables(space, d)?;
                let state = DelegationState::new(space, d, &tables_all, &instructions)?;
                for ((s, spec), table) in state.sets.iter().zip(&d.blocs).zip(tables_all) {
                    red.push(s.red.clone());
                    let certain = spec.uncertainty.is_none_or(|u| u.values == 0.0);
                    tables.push(certain.then_some(table));
                }
                base_zone = base_zone.map(|z| z.and(&state.win_set));
                if !any_uncertain {
                    fixed_win = Some(state.win_set);
                }
            }
            delegations.push(DelegationModel {
                party: k,
                delegation: d,
                instructions,
                any_uncertain,
                tables,
                red,
                fixed_win,
            });
        }
        if delegations.is_empty() {
            return Err(MonteCarloError::NoDelegation);
        }
        let mut candidates: Vec<(OutcomeIndex, Vec<u32>)> = package.iter().cloned().collect();
        if let (Some(z), Some(o)) = (&base_zone, &others) {
            let zone = z.and(o);
            let step = zone.count().div_ceil(ZONE_CANDIDATES).max(1);
            for x in zone.iter().step_by(step) {
                candidates.push((x as OutcomeIndex, space.values_of(x as OutcomeIndex)?));
            }
        }
        Ok(Model { scenario, at: times, delegations, package, others, method, options, candidates, all_additive })
    }

    /// Draw `index`: perturb, test the package, decide the zone.
    fn draw(&self, index: u64) -> Result<Draw, MonteCarloError> {
        let space = &self.scenario.space;
        let mut rng = stream(self.options.seed, index);
        // Perturbed blocs and mandates, per delegation.
        let mut perturbed: Vec<(Vec<Bloc>, Delegation, Option<Preferences>)> = Vec::new();
        for dm in &self.delegations {
            let mut blocs = dm.instructions.blocs.clone();
            let mut specs = dm.delegation.blocs.clone();
            for (b, spec) in blocs.iter_mut().zip(specs.iter_mut()) {
                let Some(u) = spec.uncertainty else { continue };
                if u.values > 0.0 {
                    spec.utility = match spec.utility.as_additive() {
                        Some(la) => Preferences::Additive(perturb_additive(space, la, u.values, &mut rng, &b.name)?),
                        None => Preferences::Other(Arc::new(Noisy::new(
                            space,
                            spec.utility.clone(),
                            u.values,
                            rng.random::<u64>(),
                        ))),
                    };
                }
                let mut r = reversion_utility(space, b, &spec.utility)?;
                if u.reversion > 0.0 {
                    r += uniform(&mut rng, u.reversion);
                }
                b.reversion = Reversion::Utility(r);
            }
            let d = Delegation {
                blocs: specs,
                rule: dm.instructions.rule,
                defection: dm.delegation.defection,
                changes: vec![],
            };
            let needs_mandate = dm.any_uncertain
                && (dm.instructions.rule == Rule::WeightedSum || self.method == ZoneMethod::ExactAdditive);
            let mandate = if needs_mandate { Some(d.mandate(space, &blocs)?) } else { None };
            perturbed.push((blocs, d, mandate));
        }
        // The parties of this draw.
        let mut di = 0;
        let mut parties = Vec::with_capacity(self.scenario.parties.len());
        for (k, p) in self.scenario.parties.iter().enumerate() {
            let party = match self.delegations.get(di) {
                Some(dm) if dm.party == k => {
                    let (blocs, d, mandate) = &perturbed[di];
                    di += 1;
                    let own = mandate.as_ref().unwrap_or(&self.at.own[k]);
                    let reservation = mandate.as_ref().map_or(self.at.reservations[k], |m| m.reservation());
                    let del = PointDelegation::new(space, blocs, d.rule, d.blocs.iter().map(|b| &b.utility).collect())?;
                    PointParty { name: &p.name, own, reservation, delegation: Some(del) }
                }
                _ => PointParty {
                    name: &p.name,
                    own: &self.at.own[k],
                    reservation: self.at.reservations[k],
                    delegation: None,
                },
            };
            parties.push(party);
        }
        // The package.
        let (mut ratified, mut accepts, mut everyone) = (Vec::new(), Vec::new(), true);
        if let Some((index, values)) = &self.package {
            let mut buf = Vec::new();
            for p in &parties {
                let r = p.ratifies(*index, values, &mut buf);
                everyone &= r;
                if let Some(d) = &p.delegation {
                    ratified.push(r);
                    accepts.push((0..d.blocs.len()).map(|f| d.accepts(f, *index, values)).collect());
                }
            }
        }
        // The zone: a candidate in it, or a quick depth-first search, else the method's check.
        let mut buf = Vec::new();
        let in_zone = |(i, v): &(OutcomeIndex, Vec<u32>)| parties.iter().all(|p| p.ratifies(*i, v, &mut buf));
        let quick = || {
            let exact = ExactOptions { dfs_budget: DRAW_DFS_BUDGET, merge: false, ..self.options.exact };
            match bloc_zone_witness(space, &parties, exact) {
                Ok(w) => Some(w.is_some()),
                Err(_) => None,
            }
        };
        let zone = match &self.method {
            _ if self.options.shortcuts && self.candidates.iter().any(in_zone) => Ok(true),
            ZoneMethod::Enumerated => match (self.options.shortcuts && self.all_additive).then(quick).flatten() {
                Some(z) => Ok(z),
                None => Ok(self.enumerated_zone(&perturbed)?),
            },
            ZoneMethod::ExactAdditive => match bloc_zone_witness(space, &parties, self.options.exact) {
                Ok(w) => Ok(w.is_some()),
                Err(ExactError::Model(e)) => return Err(e.into()),
                Err(e) => Err(e.into()),
            },
            ZoneMethod::NotComputed { reason } => Err(reason.clone()),
        };
        Ok(Draw { ratified, accepts, everyone, zone })
    }

    fn enumerated_zone(
        &self,
        perturbed: &[(Vec<Bloc>, Delegation, Option<Preferences>)],
    ) -> Result<bool, MonteCarloError> {
        let space = &self.scenario.space;
        let Some(mut zone) = self.others.clone() else { return Ok(false) };
        let n = zone.universe();
        for (dm, (blocs, d, mandate)) in self.delegations.iter().zip(perturbed) {
            if zone.is_empty() {
                return Ok(false);
            }
            if let Some(w) = &dm.fixed_win {
                zone = zone.and(w);
                continue;
            }
            let mut sets = Vec::with_capacity(blocs.len());
            for (f, (b, spec)) in blocs.iter().zip(&d.blocs).enumerate() {
                let computed;
                let table = match &dm.tables[f] {
                    Some(t) => t,
                    None => {
                        computed = UtilityTable::new(space, &spec.utility)?;
                        &computed
                    }
                };
                let r = b.reversion_utility(table);
                sets.push(BlocSets {
                    better: OutcomeSet::from_fn(n, |o| prefers_to_no_agreement(table.utility(o), r)),
                    red: dm.red[f].clone(),
                });
            }
            let own_table;
            let mandate_arg = match (d.rule, mandate) {
                (Rule::WeightedSum, Some(m)) => {
                    own_table = UtilityTable::new(space, m)?;
                    Some((&own_table, m.reservation()))
                }
                _ => None,
            };
            zone = zone.and(&win_set(blocs, d.rule, &sets, mandate_arg));
        }
        Ok(!zone.is_empty())
    }
}

/// The probability that `package` is ratified, under the instructions in
/// force at `at` (see [`InForce`]), when blocs' utilities are uncertain (see the module
/// documentation). Without a package only the zone is estimated.
///
/// The draws run on `pool` (never on rayon's global pool): the caller bounds
/// the threads. The result is the same whatever the pool's size.
pub fn ratification_probability(
    scenario: &Scenario,
    at: &InForce,
    package: Option<OutcomeIndex>,
    options: MonteCarloOptions,
    pool: &rayon::ThreadPool,
) -> Result<RatificationEstimate, MonteCarloError> {
    let model = Model::new(scenario, at, package, options)?;
    // The parallel iterator runs inside the caller's pool, not rayon's global one.
    #[allow(clippy::disallowed_methods)]
    let draws: Vec<Draw> = pool.install(|| {
        (0..options.draws).into_par_iter().map(|i| model.draw(i)).collect::<Result<Vec<_>, MonteCarloError>>()
    })?;
    let n = options.draws;
    let with_package = package.is_some();
    let count = |f: &dyn Fn(&Draw) -> bool| draws.iter().filter(|d| f(d)).count() as u64;
    let delegations = model
        .delegations
        .iter()
        .enumerate()
        .map(|(i, dm)| DelegationEstimate {
            party: scenario.parties[dm.party].name.clone(),
            ratified: with_package.then(|| Proportion::new(count(&|d| d.ratified[i]), n)),
            blocs: dm
                .instructions
                .blocs
                .iter()
                .zip(&dm.delegation.blocs)
                .enumerate()
                .map(|(f, (b, spec))| BlocEstimate {
                    bloc: b.name.clone(),
                    uncertainty: spec.uncertainty.map(|u| (u.values, u.reversion)),
                    accepts: with_package.then(|| Proportion::new(count(&|d| d.accepts[i][f]), n)),
                    red_line: model.package.as_ref().map(|(o, v)| crosses(&b.red_lines, *o, v)),
                })
                .collect(),
        })
        .collect();
    let zone_error = draws.iter().find_map(|d| d.zone.as_ref().err().cloned());
    let (zone_nonempty, zone_method) = match zone_error {
        Some(reason) if n > 0 => (None, ZoneMethod::NotComputed { reason }),
        _ => (Some(Proportion::new(count(&|d| d.zone == Ok(true)), n)), model.method.clone()),
    };
    Ok(RatificationEstimate {
        at: at.at,
        draws: n,
        seed: options.seed,
        package,
        delegations,
        everyone_ratifies: with_package.then(|| Proportion::new(count(&|d| d.everyone), n)),
        zone_nonempty,
        zone_method,
    })
}

/// Whether some bloc of some delegation declares an uncertainty.
pub fn has_uncertainty(scenario: &Scenario) -> bool {
    scenario.parties.iter().filter_map(|p| p.delegation.as_ref()).flat_map(|d| &d.blocs).any(uncertain)
}

/// Whether a bloc declares some uncertainty (of its values or its reversion).
fn uncertain(b: &BlocSpec) -> bool {
    b.uncertainty.is_some_and(|u| u.values > 0.0 || u.reversion > 0.0)
}

/// The zone analysis of a scenario on a space of any size: the exact check
/// when every utility is linear additive, and the sampling estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LargeZoneReport {
    pub at: f64,
    pub seed: u64,
    /// The exact check, or why it could not be made.
    #[serde(serialize_with = "exact_or_reason")]
    pub exact: Result<ExactZones, ExactError>,
    pub sampled: SampledZones,
}

/// The exact check as `{"Ok": zones}` or `{"Err": "why"}`.
fn exact_or_reason<S: serde::Serializer>(exact: &Result<ExactZones, ExactError>, s: S) -> Result<S::Ok, S::Error> {
    match exact {
        Ok(z) => s.serialize_newtype_variant("Result", 0, "Ok", z),
        Err(e) => s.serialize_newtype_variant("Result", 1, "Err", &e.to_string()),
    }
}

/// [`LargeZoneReport`] of `scenario` at `at`, with `samples` uniform samples,
/// drawn on `pool` (the result is the same whatever the pool's size).
pub fn large_zones(
    scenario: &Scenario,
    at: &InForce,
    samples: u64,
    seed: u64,
    exact: ExactOptions,
    pool: &rayon::ThreadPool,
) -> Result<LargeZoneReport, MonteCarloError> {
    let space = &scenario.space;
    let times = AtTime::new(scenario, at)?;
    let parties = times.parties(scenario)?;
    let exact = match entente_core::analysis::zones_sampled::exact_zones(space, &parties, exact) {
        Ok(z) => Ok(z),
        Err(ExactError::Model(e)) => return Err(e.into()),
        Err(e) => Err(e),
    };
    let radices = space.radices();
    let chunks = samples.div_ceil(SAMPLE_CHUNK);
    // The parallel iterator runs inside the caller's pool, not rayon's global one.
    #[allow(clippy::disallowed_methods)]
    let counts: Vec<SampleCounts> = pool.install(|| {
        (0..chunks)
            .into_par_iter()
            .map(|c| {
                let mut rng = stream(seed ^ SAMPLING_KEY, c);
                let len = SAMPLE_CHUNK.min(samples - c * SAMPLE_CHUNK);
                let mut draw = |v: &mut [u32]| {
                    for (x, &r) in v.iter_mut().zip(radices) {
                        *x = rng.random_range(0..r);
                    }
                };
                sample_zones(space, &parties, len, &mut draw)
            })
            .collect::<Result<_, _>>()
    })?;
    let mut total = SampleCounts::default();
    for c in &counts {
        total.merge(c);
    }
    let names: Vec<&str> = scenario.parties.iter().map(|p| p.name.as_str()).collect();
    Ok(LargeZoneReport { at: at.at, seed, exact, sampled: total.report(space.cardinality(), &names) })
}

#[cfg(test)]
mod tests;
