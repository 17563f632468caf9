//! `entente mediate`: the mediated single negotiating text
//! (`entente_protocols::single_text_agents`) run on a scenario over many
//! seeds, each set-up summarised, and two set-ups compared on the same seeds
//! (paired).
//!
//! - [`MediateDomain`]: a scenario's parties tabulated once (utility tables,
//!   the veto blocs of its delegations, the Pareto frontier, the best joint
//!   welfare and Nash product), shared by every run and thread;
//! - [`MediateSetup`]: a mediator (veto, annealing), voters (hill-climbing,
//!   annealing) and a number of steps;
//! - [`run_setup`]: one run per seed on a caller-given rayon pool, in seed
//!   order whatever the thread count;
//! - [`MediateDoc`]: the document `entente.mediate/1` (summaries, the paired
//!   comparison, every run), and [`MediateDoc::text`].
//!
//! Per run: the **joint welfare** of the final text (Σ u_i), its **Nash
//! product** `Π_i max(0, u_i − d_i)` (`d_i` the party's disagreement point:
//! its reservation value when finite and at least its worst utility, else its
//! worst utility, as NegMAS), whether it is **Pareto-optimal** (no outcome of
//! the space is at least as good for every party and better for one: it lies
//! on the frontier, GENIUS's reading with ties), and whether it is an
//! **agreement** (in the zone of possible agreement and accepted by every veto
//! bloc, `single_text_agents::objections`).

use std::collections::HashSet;

use entente_core::analysis::{disagreement, pareto};
use entente_core::blocs::BlocSets;
use entente_core::{ModelError, UtilityTable};
use entente_model::Scenario;
use entente_protocols::single_text::{CoMediation, ProposalRule, SingleTextConfig};
use entente_protocols::single_text_agents::{
    AnnealingMediator, AnnealingVoter, Measure, MediatorSpec, SingleTextRun, SingleTextRunError, VetoBloc, VoterSpec,
    run_single_text,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::stats::{Interval, bootstrap_mean, mean, paired_t, sign_test, wilcoxon, wilson};

/// The schema of [`MediateDoc`].
pub const MEDIATE_SCHEMA: &str = "entente.mediate/1";

/// Resamples of the bootstrap intervals.
pub const RESAMPLES: usize = 2000;

/// Points of each run's welfare trajectory kept (the step 0 included).
pub const CHECKPOINTS: u32 = 20;

/// Why mediation could not run.
#[derive(Debug, Error)]
pub enum MediateError {
    #[error("single-text mediation needs at least 2 parties; the scenario has {0}")]
    TooFewParties(usize),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Run(#[from] SingleTextRunError),
    #[error("no seeds to run")]
    NoSeeds,
    #[error("set-up {text:?}: {why}")]
    Setup { text: String, why: String },
    #[error("the two set-ups were run on different seeds; a paired comparison needs the same ones")]
    Unpaired,
}

/// A mediator as `entente mediate` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediatorKind {
    /// The text changes only when every party accepts (the veto single text).
    Veto,
    /// Keeps a proposal some rejected with a probability falling over the run.
    Annealing,
}

/// Voters as `entente mediate` names them (every party votes alike).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VoterKind {
    /// Accept iff the proposal is strictly better (the truthful voter).
    HillClimbing,
    /// Also accept a worse proposal with probability `exp(−Δu/T)`.
    Annealing,
}

/// One set-up of the single text.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MediateSetup {
    pub mediator: MediatorKind,
    /// The annealing mediator's initial temperature.
    pub mediator_t0: f64,
    /// What the annealing mediator weighs.
    pub measure: Measure,
    pub voters: VoterKind,
    /// The annealing voters' initial temperature.
    pub voter_t0: f64,
    /// Steps (proposals) of a run.
    pub n_steps: u32,
}

impl Default for MediateSetup {
    fn default() -> Self {
        MediateSetup {
            mediator: MediatorKind::Annealing,
            mediator_t0: AnnealingMediator::DEFAULT_T0,
            measure: Measure::Rejections,
            voters: VoterKind::HillClimbing,
            voter_t0: AnnealingVoter::DEFAULT_T0,
            n_steps: 500,
        }
    }
}

impl MediateSetup {
    /// The baseline of `--compare`: the veto mediator with hill-climbing
    /// voters (Klein et al.'s), with this set-up's number of steps.
    pub fn baseline(n_steps: u32) -> Self {
        MediateSetup { mediator: MediatorKind::Veto, voters: VoterKind::HillClimbing, n_steps, ..Self::default() }
    }

    /// Reads `mediator=annealing,voters=annealing,steps=500,mediator-t0=1,
    /// voter-t0=0.2,measure=losses` (any subset, in any order) over `self`.
    pub fn parse_over(&self, text: &str) -> Result<MediateSetup, MediateError> {
        let bad = |why: String| MediateError::Setup { text: text.to_string(), why };
        let mut s = *self;
        let mut t0_given = false;
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| bad(format!("{part:?} is not KEY=VALUE")))?;
            let (key, value) = (key.trim(), value.trim());
            let number = |min: f64| -> Result<f64, MediateError> {
                match value.parse::<f64>() {
                    Ok(x) if x.is_finite() && x > min => Ok(x),
                    _ => Err(bad(format!("{key} must be a number above {min}, not {value:?}"))),
                }
            };
            match key {
                "mediator" => {
                    s.mediator = match value {
                        "veto" => MediatorKind::Veto,
                        "annealing" => MediatorKind::Annealing,
                        _ => return Err(bad(format!("mediator is veto or annealing, not {value:?}"))),
                    }
                }
                "voters" => {
                    s.voters = match value {
                        "hill-climbing" | "truthful" => VoterKind::HillClimbing,
                        "annealing" => VoterKind::Annealing,
                        _ => return Err(bad(format!("voters are hill-climbing or annealing, not {value:?}"))),
                    }
                }
                "measure" => {
                    s.measure = match value {
                        "rejections" => Measure::Rejections,
                        "losses" => Measure::SummedLosses,
                        _ => return Err(bad(format!("measure is rejections or losses, not {value:?}"))),
                    };
                    if !t0_given && s.measure == Measure::SummedLosses {
                        s.mediator_t0 = AnnealingMediator::DEFAULT_T0_LOSSES;
                    }
                }
                "mediator-t0" => {
                    s.mediator_t0 = number(0.0)?;
                    t0_given = true;
                }
                "voter-t0" => s.voter_t0 = number(0.0)?,
                "steps" => {
                    s.n_steps = match value.parse::<u32>() {
                        Ok(n) if n >= 1 => n,
                        _ => return Err(bad(format!("steps must be a whole number from 1 up, not {value:?}"))),
                    }
                }
                _ => {
                    return Err(bad(format!(
                        "unknown key {key:?} (mediator, voters, measure, mediator-t0, voter-t0, steps)"
                    )));
                }
            }
        }
        Ok(s)
    }

    /// `annealing mediator (rejections, t0 1) + hill-climbing voters, 500 steps`.
    pub fn label(&self) -> String {
        let mediator = match self.mediator {
            MediatorKind::Veto => "veto mediator".to_string(),
            MediatorKind::Annealing => format!(
                "annealing mediator ({}, t0 {})",
                match self.measure {
                    Measure::Rejections => "rejections",
                    Measure::SummedLosses => "losses",
                },
                self.mediator_t0
            ),
        };
        let voters = match self.voters {
            VoterKind::HillClimbing => "hill-climbing voters".to_string(),
            VoterKind::Annealing => format!("annealing voters (t0 {})", self.voter_t0),
        };
        format!("{mediator} + {voters}, {} steps", self.n_steps)
    }

    /// `anneal. / hill-climb.` (mediator / voters), short enough for a legend.
    pub fn short_label(&self) -> String {
        let m = match self.mediator {
            MediatorKind::Veto => "veto",
            MediatorKind::Annealing => "anneal.",
        };
        let v = match self.voters {
            VoterKind::HillClimbing => "hill-climb.",
            VoterKind::Annealing => "anneal.",
        };
        format!("{m} / {v}")
    }

    fn run_config(&self, radices: &[u32]) -> (SingleTextRun, MediatorSpec, VoterSpec) {
        let rule = match self.mediator {
            MediatorKind::Veto => ProposalRule::Veto,
            MediatorKind::Annealing => ProposalRule::MediatorMayOverride,
        };
        let protocol = SingleTextConfig { n_steps: self.n_steps, rule, co_mediation: CoMediation::TakeTurns };
        let mediator = match self.mediator {
            MediatorKind::Veto => MediatorSpec::Veto,
            MediatorKind::Annealing => MediatorSpec::Annealing { t0: self.mediator_t0, measure: self.measure },
        };
        let voter = match self.voters {
            VoterKind::HillClimbing => VoterSpec::HillClimbing,
            VoterKind::Annealing => VoterSpec::Annealing { t0: self.voter_t0 },
        };
        (SingleTextRun { protocol, radices: radices.to_vec(), initial: None }, mediator, voter)
    }
}

/// A veto bloc of a delegation, tabulated.
struct BlocTable {
    name: String,
    table: UtilityTable,
    reversion: f64,
    red: Option<entente_core::blocs::OutcomeSet>,
}

/// What every run of a scenario shares: its parties' tables, its delegations'
/// veto blocs, its Pareto frontier and the best joint welfare and Nash product.
pub struct MediateDomain {
    radices: Vec<u32>,
    tables: Vec<UtilityTable>,
    blocs: Vec<BlocTable>,
    /// The frontier's utility vectors, as bit patterns.
    frontier: HashSet<Vec<u64>>,
    pub facts: DomainFacts,
}

/// The facts of a domain every run is measured against.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainFacts {
    pub scenario: String,
    pub outcomes: u64,
    pub parties: Vec<String>,
    /// Per party: its reservation value (`None` when it has none).
    pub reservations: Vec<Option<f64>>,
    /// Per party: the disagreement point `d_i` of the Nash product.
    pub disagreement: Vec<f64>,
    /// The veto blocs that judge the final text (`party.bloc`).
    pub veto_blocs: Vec<String>,
    /// Distinct utility vectors on the Pareto frontier.
    pub frontier_points: usize,
    /// The best joint welfare and Nash product of any outcome.
    pub max_welfare: f64,
    pub max_nash: f64,
}

fn bits(u: impl Iterator<Item = f64>) -> Vec<u64> {
    u.map(|x| (x + 0.0).to_bits()).collect()
}

fn nash_product(u: impl Iterator<Item = f64>, d: &[f64]) -> f64 {
    u.zip(d).fold(1.0, |p, (x, d)| p * (x - d).max(0.0))
}

impl MediateDomain {
    /// Tabulates `scenario` (at most [`entente_core::table::MAX_TABLE_OUTCOMES`]
    /// outcomes; the caller checks the memory first).
    pub fn new(scenario: &Scenario) -> Result<Self, MediateError> {
        let space = &scenario.space;
        if scenario.parties.len() < 2 {
            return Err(MediateError::TooFewParties(scenario.parties.len()));
        }
        let tables: Vec<UtilityTable> =
            scenario.parties.iter().map(|p| UtilityTable::new(space, &p.utility)).collect::<Result<_, _>>()?;
        let n_issues = space.issues().len();
        let values_of = |o: u32, buf: &mut [u32]| {
            let _ = space.values_into(o as u128, buf);
        };
        let mut blocs = Vec::new();
        for p in &scenario.parties {
            let Some(d) = &p.delegation else { continue };
            for spec in d.blocs.iter().filter(|b| b.bloc.veto) {
                let table = UtilityTable::new(space, &spec.utility)?;
                let sets = BlocSets::new(&spec.bloc, &table, n_issues, &values_of);
                let reversion = spec.bloc.reversion_utility(&table);
                let red = (!spec.bloc.red_lines.is_empty()).then_some(sets.red);
                blocs.push(BlocTable { name: format!("{}.{}", p.name, spec.bloc.name), table, reversion, red });
            }
        }
        let utils: Vec<&[f64]> = tables.iter().map(|t| t.utilities()).collect();
        let frontier = if utils.len() == 2 { pareto::pareto_2(utils[0], utils[1]) } else { pareto::pareto_n(&utils) };
        let d: Vec<f64> = tables.iter().map(|t| disagreement(t.reservation(), t.min())).collect();
        let welfare = |u: &[f64]| u.iter().fold(0.0, |s, x| s + x);
        let max_welfare = frontier.points.iter().map(|p| welfare(&p.utilities)).fold(f64::NEG_INFINITY, f64::max);
        let max_nash =
            frontier.points.iter().map(|p| nash_product(p.utilities.iter().copied(), &d)).fold(0.0, f64::max);
        let facts = DomainFacts {
            scenario: scenario.name.clone(),
            outcomes: space.cardinality() as u64,
            parties: scenario.parties.iter().map(|p| p.name.clone()).collect(),
            reservations: tables.iter().map(|t| t.reservation()).map(|r| r.is_finite().then_some(r)).collect(),
            disagreement: d,
            veto_blocs: blocs.iter().map(|b| b.name.clone()).collect(),
            frontier_points: frontier.points.len(),
            max_welfare,
            max_nash,
        };
        let frontier = frontier.points.iter().map(|p| bits(p.utilities.iter().copied())).collect();
        Ok(MediateDomain { radices: space.radices().to_vec(), tables, blocs, frontier, facts })
    }

    /// Whether `outcome` lies on the Pareto frontier.
    pub fn on_frontier(&self, outcome: u32) -> bool {
        self.frontier.contains(&bits(self.tables.iter().map(|t| t.utility(outcome))))
    }

    /// One run of `setup` with `seed`.
    pub fn run(&self, setup: &MediateSetup, seed: u64) -> Result<MediateRun, MediateError> {
        let (config, mediator, voter) = setup.run_config(&self.radices);
        let voters = vec![voter; self.tables.len()];
        let vetoes: Vec<VetoBloc<'_>> = self
            .blocs
            .iter()
            .map(|b| VetoBloc { name: &b.name, table: &b.table, reversion: b.reversion, red: b.red.as_ref() })
            .collect();
        let r = run_single_text(&config, &[mediator], &voters, &self.tables, &vetoes, seed)?;
        let welfare = r.final_welfare();
        let checkpoints = CHECKPOINTS.min(setup.n_steps);
        let welfare_at = (0..=checkpoints)
            .map(|j| {
                let k = (j as u64 * setup.n_steps as u64 / checkpoints as u64) as usize;
                r.welfare.get(k).or(r.welfare.last()).copied().unwrap_or(welfare)
            })
            .collect();
        Ok(MediateRun {
            seed,
            initial_text: r.texts.first().copied().unwrap_or(r.final_text),
            final_text: r.final_text,
            utilities: r.utilities.clone(),
            welfare,
            nash: nash_product(r.utilities.iter().copied(), &self.facts.disagreement),
            pareto: self.on_frontier(r.final_text),
            agreement: r.agreement,
            steps: r.steps,
            accepted: r.accepted,
            kept: r.kept,
            rejected: r.rejected,
            welfare_at,
        })
    }
}

/// One run's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MediateRun {
    pub seed: u64,
    pub initial_text: u32,
    pub final_text: u32,
    /// Every party's utility of the final text.
    pub utilities: Vec<f64>,
    pub welfare: f64,
    pub nash: f64,
    /// The final text is Pareto-optimal.
    pub pareto: bool,
    /// The final text is an agreement (every party above its reservation
    /// value, every veto bloc accepting).
    pub agreement: bool,
    pub steps: u32,
    pub accepted: u32,
    pub kept: u32,
    pub rejected: u32,
    /// The joint welfare of the text at [`CHECKPOINTS`] + 1 evenly spaced
    /// steps, from 0 to the last.
    pub welfare_at: Vec<f64>,
}

/// Runs `setup` once per seed on `pool`; the runs come back in seed order,
/// the same whatever the pool's size.
pub fn run_setup(
    domain: &MediateDomain,
    setup: &MediateSetup,
    seeds: &[u64],
    pool: &rayon::ThreadPool,
) -> Result<Vec<MediateRun>, MediateError> {
    if seeds.is_empty() {
        return Err(MediateError::NoSeeds);
    }
    // Parallel iteration inside the caller's pool (clippy.toml).
    #[allow(clippy::disallowed_methods)]
    pool.install(|| seeds.par_iter().map(|&s| domain.run(setup, s)).collect())
}

/// A mean with its confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

/// A share with its (Wilson) confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub count: u64,
    pub share: f64,
    pub low: f64,
    pub high: f64,
}

fn estimate(x: &[f64], level: f64, seed: u64) -> Estimate {
    let m = mean(x);
    let i = bootstrap_mean(x, RESAMPLES, level, seed).unwrap_or(Interval { low: m, high: m });
    Estimate { mean: m, low: i.low, high: i.high }
}

fn share(flags: impl Iterator<Item = bool>, level: f64) -> Share {
    let (mut k, mut n) = (0u64, 0u64);
    for f in flags {
        k += f as u64;
        n += 1;
    }
    let i = wilson(k, n, level).unwrap_or(Interval { low: f64::NAN, high: f64::NAN });
    Share { count: k, share: if n == 0 { f64::NAN } else { k as f64 / n as f64 }, low: i.low, high: i.high }
}

/// One set-up's summary over its runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetupSummary {
    pub runs: usize,
    pub welfare: Estimate,
    pub nash: Estimate,
    pub pareto: Share,
    pub agreement: Share,
}

/// Seeds of the bootstrap resamples (fixed: the document depends only on the runs).
const BOOT_WELFARE: u64 = 0x4d45_4449_0001;
const BOOT_NASH: u64 = 0x4d45_4449_0002;
const BOOT_PARETO: u64 = 0x4d45_4449_0003;

/// Summarises `runs` at confidence `level`.
pub fn summarize_runs(runs: &[MediateRun], level: f64) -> SetupSummary {
    let welfare: Vec<f64> = runs.iter().map(|r| r.welfare).collect();
    let nash: Vec<f64> = runs.iter().map(|r| r.nash).collect();
    SetupSummary {
        runs: runs.len(),
        welfare: estimate(&welfare, level, BOOT_WELFARE),
        nash: estimate(&nash, level, BOOT_NASH),
        pareto: share(runs.iter().map(|r| r.pareto), level),
        agreement: share(runs.iter().map(|r| r.agreement), level),
    }
}

/// A paired comparison of one measure, `a − b` seed by seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Paired {
    /// The mean difference and its bootstrap interval.
    pub difference: Estimate,
    /// Seeds where `a` did better, worse, the same.
    pub a_better: u64,
    pub b_better: u64,
    pub ties: u64,
    /// The paired t-test's p-value (two-sided; `None` with fewer than two seeds).
    pub t_test_p: Option<f64>,
    /// Wilcoxon's signed-rank p-value (`None` when every difference is 0).
    pub wilcoxon_p: Option<f64>,
    /// The exact sign test's p-value (for 0/1 measures: McNemar's exact test).
    pub sign_test_p: f64,
}

fn paired(d: &[f64], level: f64, seed: u64) -> Paired {
    let (_, _, sign_p) = sign_test(d);
    Paired {
        difference: estimate(d, level, seed),
        a_better: d.iter().filter(|&&x| x > 0.0).count() as u64,
        b_better: d.iter().filter(|&&x| x < 0.0).count() as u64,
        ties: d.iter().filter(|&&x| x == 0.0).count() as u64,
        t_test_p: paired_t(d).map(|(_, _, p)| p),
        wilcoxon_p: wilcoxon(d).map(|w| w.p_value),
        sign_test_p: sign_p,
    }
}

/// Set-up `a` against set-up `b` over the same seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    pub welfare: Paired,
    pub nash: Paired,
    /// The difference of the shares of runs ending on the Pareto frontier.
    pub pareto: Paired,
}

/// Compares `a` with `b`, seed by seed (the runs must be on the same seeds, in the same order).
pub fn compare(a: (&str, &[MediateRun]), b: (&str, &[MediateRun]), level: f64) -> Result<Comparison, MediateError> {
    if a.1.len() != b.1.len() || a.1.iter().zip(b.1).any(|(x, y)| x.seed != y.seed) {
        return Err(MediateError::Unpaired);
    }
    let diff = |f: &dyn Fn(&MediateRun) -> f64| -> Vec<f64> { a.1.iter().zip(b.1).map(|(x, y)| f(x) - f(y)).collect() };
    Ok(Comparison {
        a: a.0.to_string(),
        b: b.0.to_string(),
        welfare: paired(&diff(&|r| r.welfare), level, BOOT_WELFARE),
        nash: paired(&diff(&|r| r.nash), level, BOOT_NASH),
        pareto: paired(&diff(&|r| r.pareto as u8 as f64), level, BOOT_PARETO),
    })
}

/// One set-up in the document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetupDoc {
    pub label: String,
    pub setup: MediateSetup,
    pub summary: SetupSummary,
    pub runs: Vec<MediateRun>,
}

/// `entente mediate --json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MediateDoc {
    /// [`MEDIATE_SCHEMA`].
    pub schema: String,
    pub domain: DomainFacts,
    pub seeds: Vec<u64>,
    /// The confidence level of every interval.
    pub level: f64,
    pub setups: Vec<SetupDoc>,
    /// The first set-up against the second, when there are two.
    pub comparison: Option<Comparison>,
}

impl MediateDoc {
    /// Runs every set-up on `seeds` and, with two set-ups, compares them.
    pub fn build(
        domain: &MediateDomain,
        setups: &[MediateSetup],
        seeds: &[u64],
        level: f64,
        pool: &rayon::ThreadPool,
    ) -> Result<MediateDoc, MediateError> {
        let mut docs = Vec::with_capacity(setups.len());
        for s in setups {
            let runs = run_setup(domain, s, seeds, pool)?;
            docs.push(SetupDoc { label: s.label(), setup: *s, summary: summarize_runs(&runs, level), runs });
        }
        let comparison = match &docs[..] {
            [a, b] => Some(compare((&a.label, &a.runs), (&b.label, &b.runs), level)?),
            _ => None,
        };
        Ok(MediateDoc {
            schema: MEDIATE_SCHEMA.into(),
            domain: domain.facts.clone(),
            seeds: seeds.to_vec(),
            level,
            setups: docs,
            comparison,
        })
    }

    /// Per set-up: the mean joint welfare over the seeds at each checkpoint
    /// (its step, and the mean with its bootstrap interval), for a figure.
    pub fn trajectories(&self) -> Vec<Vec<(u32, Estimate)>> {
        const BOOT_TRAJECTORY: u64 = 0x4d45_4449_0004;
        self.setups
            .iter()
            .map(|s| {
                let n_steps = s.setup.n_steps;
                let points = s.runs.iter().map(|r| r.welfare_at.len()).min().unwrap_or(0);
                (0..points)
                    .map(|j| {
                        let checkpoints = (points - 1).max(1) as u64;
                        let step = (j as u64 * n_steps as u64 / checkpoints) as u32;
                        let x: Vec<f64> = s.runs.iter().map(|r| r.welfare_at[j]).collect();
                        (step, estimate(&x, self.level, BOOT_TRAJECTORY))
                    })
                    .collect()
            })
            .collect()
    }

    /// The document as text.
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let d = &self.domain;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Single negotiating text on {}: {} parties ({}), {} outcomes; {} seeds ({})",
            d.scenario,
            d.parties.len(),
            d.parties.join(", "),
            d.outcomes,
            self.seeds.len(),
            seeds_text(&self.seeds)
        );
        let _ = writeln!(
            out,
            "Best joint welfare {:.4}; best Nash product {:.4e} (gains over {}); Pareto frontier: {} points{}",
            d.max_welfare,
            d.max_nash,
            d.disagreement.iter().map(|x| format!("{x:.4}")).collect::<Vec<_>>().join(", "),
            d.frontier_points,
            if d.veto_blocs.is_empty() {
                String::new()
            } else {
                format!("; veto blocs judging the final text: {}", d.veto_blocs.join(", "))
            }
        );
        let pct = (self.level * 100.0).round();
        for s in &self.setups {
            let m = &s.summary;
            let _ = writeln!(out, "\n{}:", s.label);
            let _ = writeln!(
                out,
                "  joint welfare   {:.4}  [{:.4}, {:.4}]  ({:.1}% of the best)",
                m.welfare.mean,
                m.welfare.low,
                m.welfare.high,
                100.0 * m.welfare.mean / d.max_welfare
            );
            let _ = writeln!(out, "  Nash product    {:.4e}  [{:.4e}, {:.4e}]", m.nash.mean, m.nash.low, m.nash.high);
            let _ = writeln!(
                out,
                "  Pareto-optimal  {}/{} runs  {:.2}  [{:.2}, {:.2}]",
                m.pareto.count, m.runs, m.pareto.share, m.pareto.low, m.pareto.high
            );
            let _ = writeln!(
                out,
                "  agreement       {}/{} runs  {:.2}  [{:.2}, {:.2}]",
                m.agreement.count, m.runs, m.agreement.share, m.agreement.low, m.agreement.high
            );
        }
        let _ = writeln!(out, "\n(means with {pct}% bootstrap intervals; shares with {pct}% Wilson intervals)");
        if let Some(c) = &self.comparison {
            let _ = writeln!(out, "\nPaired over the same seeds, A − B:\n  A: {}\n  B: {}", c.a, c.b);
            let p = |x: Option<f64>| {
                x.map_or("–".to_string(), |p| if p < 0.001 { format!("{p:.1e}") } else { format!("{p:.3}") })
            };
            for (name, x, e) in [
                ("joint welfare", &c.welfare, false),
                ("Nash product", &c.nash, true),
                ("Pareto share", &c.pareto, false),
            ] {
                let v = |x: f64| if e { format!("{x:+.4e}") } else { format!("{x:+.4}") };
                let _ = writeln!(
                    out,
                    "  {name:<14} {}  [{}, {}]  A better on {}, B on {}, equal on {}; p = {} (paired t), {} (Wilcoxon), {} (sign)",
                    v(x.difference.mean),
                    v(x.difference.low),
                    v(x.difference.high),
                    x.a_better,
                    x.b_better,
                    x.ties,
                    p(x.t_test_p),
                    p(x.wilcoxon_p),
                    p(Some(x.sign_test_p))
                );
            }
        }
        out
    }
}

/// `1..50` for consecutive seeds, else a list.
pub fn seeds_text(seeds: &[u64]) -> String {
    match (seeds.first(), seeds.last()) {
        (Some(&a), Some(&b)) if seeds.windows(2).all(|w| w[1] == w[0] + 1) && seeds.len() > 2 => format!("{a}..{b}"),
        _ => seeds.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
    }
}

/// Reads `1..50` (inclusive), `3`, `1,2,7` or `1..10,20..25`; at most `max` seeds.
pub fn parse_seeds(text: &str, max: usize) -> Result<Vec<u64>, String> {
    let mut seeds: Vec<u64> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let num = |s: &str| {
            s.trim().parse::<u64>().map_err(|_| format!("{s:?} is not a seed (a whole number from 0 up) in {part:?}"))
        };
        let (lo, hi) = match part.split_once("..") {
            Some((a, b)) => (num(a)?, num(b.trim_start_matches('='))?),
            None => (num(part)?, num(part)?),
        };
        if hi < lo {
            return Err(format!("{part:?}: the range ends before it starts"));
        }
        if (hi - lo) as u128 + 1 + seeds.len() as u128 > max as u128 {
            return Err(format!("more than {max} seeds"));
        }
        seeds.extend(lo..=hi);
    }
    if seeds.is_empty() {
        return Err("no seed given".into());
    }
    let mut seen = HashSet::new();
    if let Some(d) = seeds.iter().find(|s| !seen.insert(**s)) {
        return Err(format!("seed {d} is given twice"));
    }
    Ok(seeds)
}
