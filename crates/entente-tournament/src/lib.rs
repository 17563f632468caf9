//! Tournaments of negotiation strategies.
//!
//! A [`TournamentSpec`] (strategies, scenarios, repetitions, self-play,
//! rotation of preferences, seed) becomes a [`Tournament`]: a deterministic
//! plan of negotiations, each with a stable id and its own seed derived from
//! `(tournament seed, scenario, assignment, rotation, repetition)`, so that a
//! record does not depend on the thread count, the shard split or the order
//! in which negotiations complete.
//!
//! Each party's preferences are tabulated once per scenario ([`Prepared`])
//! and shared by every negotiation and thread; each scenario is analysed once
//! (Pareto frontier, Nash and Kalai–Smorodinsky points) for the records'
//! distances.
//!
//! No I/O and no clock: [`Tournament::run`] hands records, in id order, to a
//! caller-given sink, and takes the ids to run (a shard, minus those already
//! done) from the caller. The command line does the files.

use std::sync::atomic::{AtomicBool, Ordering};

use entente_core::analysis::{DomainAnalysis, agreement_measures, analyze};
use entente_core::{ModelError, UtilityTable};
use entente_model::{SaoConfig, Scenario, StrategySpec};
use entente_protocols::scenario::party_seed;
use entente_protocols::{BuildNegotiator, Clock, EndReason, Negotiator, Prepared, RunError, run_sao};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

mod generate;
pub mod mediate;
pub mod stats;
mod summary;
pub mod sweep;

pub use generate::random_scenario;
pub use summary::{Comparison, Rating, Stat, StrategyScore, Summary, SummaryOptions, TTest, WilcoxonTest, summarize};

/// Format tag of records and manifests.
pub const FORMAT: &str = "entente.tournament/1";

/// A tournament that cannot be set up or run.
#[derive(Debug, Error)]
pub enum TournamentError {
    #[error("strategies: a tournament needs at least one strategy")]
    NoStrategies,
    #[error("scenarios: a tournament needs at least one scenario")]
    NoScenarios,
    #[error("repetitions: must be at least 1")]
    NoRepetitions,
    #[error("strategies: two strategies have the label {0:?}; give each a distinct `label`")]
    DuplicateLabel(String),
    #[error("scenarios[{index}] ({name}): {reason}")]
    Scenario { index: usize, name: String, reason: String },
    #[error(
        "scenarios[{index}] ({name}): {parties} parties need {parties} distinct strategies without self-play, \
         but there are only {strategies}"
    )]
    TooFewStrategies { index: usize, name: String, parties: usize, strategies: usize },
    #[error("scenarios[{index}]: {source}")]
    Model {
        index: usize,
        #[source]
        source: ModelError,
    },
    #[error("negotiation {id}: {source}")]
    Run {
        id: u64,
        #[source]
        source: RunError,
    },
    #[error("shard: {0}")]
    Shard(String),
}

/// A strategy entered in the tournament, under a label (unique).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub label: String,
    pub spec: StrategySpec,
}

/// A scenario of the tournament with its number of rounds.
#[derive(Clone, Debug)]
pub struct ScenarioEntry {
    pub scenario: Scenario,
    pub n_steps: u32,
}

/// What a tournament plays.
#[derive(Clone, Debug)]
pub struct TournamentSpec {
    pub strategies: Vec<Entry>,
    pub scenarios: Vec<ScenarioEntry>,
    /// Each negotiation is played this many times (with different seeds).
    pub repetitions: u32,
    /// Whether a strategy may meet itself.
    pub self_play: bool,
    /// Rotate the preferences over the roles as ANL does: with `n` parties,
    /// rotation `r` gives role `k` the preferences of party `(k + r) mod n`.
    pub rotate_preferences: bool,
    pub seed: u64,
}

/// One negotiation of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiation {
    pub id: u64,
    pub scenario: usize,
    /// Index of the assignment among the scenario's.
    pub assignment: usize,
    /// Strategy index per role.
    pub strategies: Vec<usize>,
    pub rotation: u32,
    pub repetition: u32,
    pub seed: u64,
}

/// What one negotiation produced (one line of the records).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: u64,
    pub scenario: String,
    pub repetition: u32,
    pub rotation: u32,
    /// The strategy label of each role (in the order the parties move).
    pub strategies: Vec<String>,
    /// The profile (party of the scenario) each role negotiates for.
    pub profiles: Vec<String>,
    pub seed: u64,
    /// The agreed outcome's index in the scenario's outcome space.
    pub agreement: Option<u32>,
    /// Each role's utility of the agreement (its reservation value without one).
    pub utilities: Vec<f64>,
    /// Each role's utility minus its reservation value.
    pub advantages: Vec<f64>,
    pub rounds: u32,
    pub reason: EndReason,
    /// Sum of the utilities.
    pub welfare: f64,
    /// Distances of an agreement to NegMAS's Pareto frontier, the nearest
    /// Nash point and the Kalai–Smorodinsky point (none without agreement).
    pub pareto_distance: Option<f64>,
    pub nash_distance: Option<f64>,
    pub ks_distance: Option<f64>,
}

/// A scenario of a tournament as planned.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioInfo {
    pub name: String,
    pub profiles: Vec<String>,
    pub n_outcomes: u64,
    /// Its negotiations' ids.
    pub ids: std::ops::Range<u64>,
    /// Seconds, measured by the caller's clock.
    pub time_limit: Option<f64>,
}

/// A part `index` of `count` (1-based) of a tournament: a contiguous range of ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Parses `i/k` with `1 <= i <= k`.
    pub fn parse(s: &str) -> Result<Shard, TournamentError> {
        let bad = |why: &str| TournamentError::Shard(format!("{s:?}: {why}"));
        let (i, k) = s.split_once('/').ok_or_else(|| bad("expected i/k, e.g. 1/4"))?;
        let index: u64 = i.trim().parse().map_err(|_| bad("i is not a whole number"))?;
        let count: u64 = k.trim().parse().map_err(|_| bad("k is not a whole number"))?;
        if count == 0 {
            return Err(bad("k must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(bad(&format!("i must be between 1 and k = {count}")));
        }
        Ok(Shard { index, count })
    }

    /// The ids of this shard among `total`: `[⌊(i−1)·N/k⌋, ⌊i·N/k⌋)`.
    pub fn range(&self, total: u64) -> std::ops::Range<u64> {
        let at = |j: u64| ((j as u128 * total as u128) / self.count as u128) as u64;
        at(self.index - 1)..at(self.index)
    }
}

struct PreparedScenario {
    name: String,
    profiles: Vec<String>,
    prepared: Vec<Prepared>,
    analysis: Option<DomainAnalysis>,
    config: SaoConfig,
    /// Index into `Tournament::assignments` (by number of parties).
    assignments: usize,
    rotations: u32,
    /// First id of the scenario.
    offset: u64,
}

/// A tournament ready to run: the plan, the prepared parties and analyses.
pub struct Tournament {
    strategies: Vec<Entry>,
    scenarios: Vec<PreparedScenario>,
    /// Assignments per distinct number of parties: `(n, list)`.
    assignments: Vec<(usize, Vec<Vec<usize>>)>,
    repetitions: u32,
    seed: u64,
    total: u64,
    fingerprint: u64,
}

/// Every ordered choice of `n` strategies among `s` (with or without repeats),
/// in lexicographic order.
fn enumerate_assignments(s: usize, n: usize, self_play: bool) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut cur = Vec::with_capacity(n);
    fn rec(s: usize, n: usize, self_play: bool, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() == n {
            out.push(cur.clone());
            return;
        }
        for x in 0..s {
            if !self_play && cur.contains(&x) {
                continue;
            }
            cur.push(x);
            rec(s, n, self_play, cur, out);
            cur.pop();
        }
    }
    rec(s, n, self_play, &mut cur, &mut out);
    out
}

/// FNV-1a, 64 bits: a stable hash (unlike `std`'s) for fingerprints.
#[derive(Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        for &x in b {
            self.0 ^= x as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self
    }
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.u64(s.len() as u64).bytes(s.as_bytes())
    }
    pub fn u64(&mut self, x: u64) -> &mut Self {
        self.bytes(&x.to_le_bytes())
    }
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// The seed of one negotiation, from the tournament seed and its coordinates.
pub fn negotiation_seed(seed: u64, scenario: usize, assignment: usize, rotation: u32, repetition: u32) -> u64 {
    let mut x = party_seed(seed, scenario);
    x = party_seed(x, assignment);
    x = party_seed(x, rotation as usize);
    party_seed(x, repetition as usize)
}

impl Tournament {
    /// Checks the spec, tabulates and analyses every scenario, enumerates the plan.
    pub fn new(spec: TournamentSpec) -> Result<Self, TournamentError> {
        if spec.strategies.is_empty() {
            return Err(TournamentError::NoStrategies);
        }
        if spec.scenarios.is_empty() {
            return Err(TournamentError::NoScenarios);
        }
        if spec.repetitions == 0 {
            return Err(TournamentError::NoRepetitions);
        }
        for (i, e) in spec.strategies.iter().enumerate() {
            if spec.strategies[..i].iter().any(|f| f.label == e.label) {
                return Err(TournamentError::DuplicateLabel(e.label.clone()));
            }
        }
        let mut fp = Fnv::default();
        fp.str(FORMAT).u64(spec.seed).u64(spec.repetitions as u64);
        fp.u64(spec.self_play as u64).u64(spec.rotate_preferences as u64);
        for e in &spec.strategies {
            fp.str(&e.label).str(&serde_json::to_string(&e.spec).unwrap_or_default());
        }
        let mut assignments: Vec<(usize, Vec<Vec<usize>>)> = Vec::new();
        let mut scenarios = Vec::with_capacity(spec.scenarios.len());
        let mut offset = 0u64;
        for (index, entry) in spec.scenarios.iter().enumerate() {
            let sc = &entry.scenario;
            let n = sc.parties.len();
            let bad = |reason: String| TournamentError::Scenario { index, name: sc.name.clone(), reason };
            if n < 2 {
                return Err(bad(format!("a negotiation needs at least 2 parties, not {n}")));
            }
            if entry.n_steps == 0 {
                return Err(bad("n_steps must be at least 1".into()));
            }
            if let Some(limit) = sc.config.time_limit
                && !(limit.is_finite() && limit > 0.0)
            {
                return Err(bad(format!("time_limit must be a positive number of seconds, not {limit}")));
            }
            if let Some(p) = sc.parties.iter().find(|p| p.delegation.is_some()) {
                return Err(bad(format!("party {:?} is a divided delegation, which tournaments do not run", p.name)));
            }
            if !spec.self_play && spec.strategies.len() < n {
                return Err(TournamentError::TooFewStrategies {
                    index,
                    name: sc.name.clone(),
                    parties: n,
                    strategies: spec.strategies.len(),
                });
            }
            let prepared: Vec<Prepared> = sc
                .parties
                .iter()
                .map(|p| UtilityTable::new(&sc.space, &p.utility).map(Prepared::new))
                .collect::<Result<_, _>>()
                .map_err(|source| TournamentError::Model { index, source })?;
            if spec.strategies.iter().any(|e| e.spec.needs_sorting()) {
                // Sorted once here and shared: without it a time-based
                // negotiator on a large space schedules its offers in a pass
                // over the table in every negotiation (same offers either way).
                for p in &prepared {
                    p.presort();
                }
            }
            let tables: Vec<&UtilityTable> = prepared.iter().map(|p| p.table()).collect();
            let analysis = analyze(&tables).ok();
            fp.str(&sc.name).u64(entry.n_steps as u64).u64(n as u64);
            if let Some(limit) = sc.config.time_limit {
                fp.str("time_limit").u64(limit.to_bits());
            }
            for (p, t) in sc.parties.iter().zip(&tables) {
                fp.str(&p.name).u64(t.reservation().to_bits()).u64(t.len() as u64);
                for &u in t.utilities() {
                    fp.u64(u.to_bits());
                }
            }
            let a = match assignments.iter().position(|(m, _)| *m == n) {
                Some(a) => a,
                None => {
                    assignments.push((n, enumerate_assignments(spec.strategies.len(), n, spec.self_play)));
                    assignments.len() - 1
                }
            };
            let rotations = if spec.rotate_preferences { n as u32 } else { 1 };
            let count = assignments[a].1.len() as u64 * rotations as u64 * spec.repetitions as u64;
            scenarios.push(PreparedScenario {
                name: sc.name.clone(),
                profiles: sc.parties.iter().map(|p| p.name.clone()).collect(),
                prepared,
                analysis,
                config: SaoConfig { n_steps: entry.n_steps, time_limit: sc.config.time_limit },
                assignments: a,
                rotations,
                offset,
            });
            offset += count;
        }
        Ok(Tournament {
            strategies: spec.strategies,
            scenarios,
            assignments,
            repetitions: spec.repetitions,
            seed: spec.seed,
            total: offset,
            fingerprint: fp.finish(),
        })
    }

    /// Number of negotiations of the whole tournament.
    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// A hash of everything that determines the records (strategies, seed,
    /// scenarios' utilities, settings): the identity checked on resume and merge.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    pub fn strategy_labels(&self) -> Vec<String> {
        self.strategies.iter().map(|e| e.label.clone()).collect()
    }

    /// The negotiation with this id (`id < len()`).
    pub fn negotiation(&self, id: u64) -> Negotiation {
        let s = self.scenarios.partition_point(|sc| sc.offset <= id) - 1;
        let sc = &self.scenarios[s];
        let mut rest = id - sc.offset;
        let repetition = (rest % self.repetitions as u64) as u32;
        rest /= self.repetitions as u64;
        let rotation = (rest % sc.rotations as u64) as u32;
        let assignment = (rest / sc.rotations as u64) as usize;
        Negotiation {
            id,
            scenario: s,
            assignment,
            strategies: self.assignments[sc.assignments].1[assignment].clone(),
            rotation,
            repetition,
            seed: negotiation_seed(self.seed, s, assignment, rotation, repetition),
        }
    }

    /// Whether some scenario has a time limit (which only a caller's clock,
    /// [`Tournament::run_with_clock`], can make expire).
    pub fn has_time_limits(&self) -> bool {
        self.scenarios.iter().any(|s| s.config.time_limit.is_some())
    }

    /// Each scenario's name, profiles, number of parties and ids, in plan order.
    pub fn scenarios(&self) -> Vec<ScenarioInfo> {
        let mut out: Vec<ScenarioInfo> = Vec::with_capacity(self.scenarios.len());
        for (k, sc) in self.scenarios.iter().enumerate() {
            let end = self.scenarios.get(k + 1).map_or(self.total, |next| next.offset);
            out.push(ScenarioInfo {
                name: sc.name.clone(),
                profiles: sc.profiles.clone(),
                n_outcomes: sc.prepared[0].table().len() as u64,
                ids: sc.offset..end,
                time_limit: sc.config.time_limit,
            });
        }
        out
    }

    /// Runs one negotiation without a clock: a time limit never expires (see
    /// [`Tournament::run_one_with_clock`]).
    pub fn run_one(&self, id: u64) -> Result<Record, TournamentError> {
        self.run_one_with_clock(id, &mut entente_protocols::NoClock)
    }

    /// Runs one negotiation; a scenario's time limit is measured by `clock`
    /// (asked only when the scenario has one).
    pub fn run_one_with_clock(&self, id: u64, clock: &mut dyn Clock) -> Result<Record, TournamentError> {
        let neg = self.negotiation(id);
        let sc = &self.scenarios[neg.scenario];
        let n = sc.prepared.len();
        let party_of = |k: usize| (k + neg.rotation as usize) % n;
        let mut negotiators: Vec<Box<dyn Negotiator + Send + '_>> = neg
            .strategies
            .iter()
            .enumerate()
            .map(|(k, &s)| {
                self.strategies[s].spec.build_for(&sc.prepared[party_of(k)], party_seed(neg.seed, k), &sc.config)
            })
            .collect();
        let n_outcomes = sc.prepared[0].table().len();
        let outcome = run_sao(&mut negotiators, sc.config, n_outcomes, clock, |_| {})
            .map_err(|source| TournamentError::Run { id, source })?;
        drop(negotiators);
        let mut utilities = Vec::with_capacity(n);
        let mut advantages = Vec::with_capacity(n);
        for k in 0..n {
            let t = sc.prepared[party_of(k)].table();
            let u = match outcome.agreement {
                Some(a) => t.utility(a),
                None => t.reservation(),
            };
            utilities.push(u);
            advantages.push(u - t.reservation());
        }
        let welfare = utilities.iter().sum();
        let (mut pareto_distance, mut nash_distance, mut ks_distance) = (None, None, None);
        if let (Some(_), Some(analysis)) = (outcome.agreement, &sc.analysis) {
            // The analysis is in the scenario's party order.
            let mut by_party = vec![0.0; n];
            for (k, &u) in utilities.iter().enumerate() {
                by_party[party_of(k)] = u;
            }
            let m = agreement_measures(&by_party, analysis);
            pareto_distance = m.pareto_distance;
            nash_distance = m.nash_distance;
            ks_distance = m.ks_distance;
        }
        Ok(Record {
            id,
            scenario: sc.name.clone(),
            repetition: neg.repetition,
            rotation: neg.rotation,
            strategies: neg.strategies.iter().map(|&s| self.strategies[s].label.clone()).collect(),
            profiles: (0..n).map(|k| sc.profiles[party_of(k)].clone()).collect(),
            seed: neg.seed,
            agreement: outcome.agreement,
            utilities,
            advantages,
            rounds: outcome.rounds,
            reason: outcome.reason,
            welfare,
            pareto_distance,
            nash_distance,
            ks_distance,
        })
    }

    /// Runs the negotiations `ids` (ascending) on `pool`, in chunks of
    /// `chunk`, handing each record to `sink` in id order as its chunk
    /// completes. Stops between chunks when `stop` is set or `sink` fails.
    /// Returns how many records were handed over.
    pub fn run<E: From<TournamentError>>(
        &self,
        ids: &[u64],
        pool: &rayon::ThreadPool,
        chunk: usize,
        stop: &AtomicBool,
        sink: impl FnMut(&Record) -> Result<(), E>,
    ) -> Result<u64, E> {
        self.run_with_clock(ids, pool, chunk, stop, || entente_protocols::NoClock, sink)
    }

    /// As [`Tournament::run`], each negotiation with its own clock from
    /// `clock` (a time limit then depends on the machine's speed).
    pub fn run_with_clock<E: From<TournamentError>, C: Clock>(
        &self,
        ids: &[u64],
        pool: &rayon::ThreadPool,
        chunk: usize,
        stop: &AtomicBool,
        clock: impl Fn() -> C + Sync,
        mut sink: impl FnMut(&Record) -> Result<(), E>,
    ) -> Result<u64, E> {
        let mut done = 0u64;
        for part in ids.chunks(chunk.max(1)) {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            #[allow(clippy::disallowed_methods)] // inside the caller's pool
            let records: Vec<Result<Record, TournamentError>> =
                pool.install(|| part.par_iter().map(|&id| self.run_one_with_clock(id, &mut clock())).collect());
            for r in records {
                sink(&r?)?;
                done += 1;
            }
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests;
