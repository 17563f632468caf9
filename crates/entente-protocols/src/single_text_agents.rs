//! Strategies for single-text talks, and the simulator's driver.
//!
//! **Voters** answer "do you accept the proposal `c'` in place of the current
//! text `c`?":
//! - [`HillClimbingVoter`] accepts iff `u(c') > u(c)` (strictly; ties are
//!   rejected). This is also the *truthful* voter ([`TruthfulVoter`]): it says
//!   whether it prefers the proposal.
//! - [`AnnealingVoter`] accepts whenever `u(c') > u(c)`, and otherwise with
//!   probability `exp(−(u(c) − u(c'))/T)`, where `T` follows the linear cooling
//!   schedule [`Cooling`] from `t0` at step 0 towards 0 at the step limit.
//!
//! **Mediators** propose [`SingleIssueMutation`]s of the current text (one
//! issue, chosen uniformly among the issues with two or more values, set to
//! another of its values, chosen uniformly) and, under
//! [`ProposalRule::MediatorMayOverride`](crate::single_text::ProposalRule::MediatorMayOverride), decide on proposals some party rejected:
//! - [`VetoMediator`] never keeps a rejected proposal (the veto single text);
//! - [`AnnealingMediator`] keeps it with probability `exp(−m/T)`, `T` on the
//!   same linear schedule, `m` the number of rejections ([`Measure::Rejections`],
//!   the default: the mediator sees only the votes) or the rejecting parties'
//!   summed utility losses ([`Measure::SummedLosses`]: the parties report their
//!   losses, truthfully; the driver computes them from their tables).
//!
//! Every random choice comes from a `ChaCha8Rng` seeded by the caller; the
//! driver [`run_single_text`] derives each actor's seed from the run seed, so
//! a run depends only on its inputs and seed, never on threads.

use entente_core::analysis::zones::prefers_to_no_agreement;
use entente_core::blocs::{Bloc, OutcomeSet};
use entente_core::table::MAX_TABLE_OUTCOMES;
use entente_core::{OutcomeId, UtilityTable};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::scenario::party_seed;
use crate::single_text::{EndReason, Event, EventKind, Phase, SingleText, SingleTextConfig, SingleTextError};

/// What a strategy knows about the moment it acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepInfo {
    /// The current step, from 0.
    pub step: u32,
    /// The step limit.
    pub n_steps: u32,
}

impl StepInfo {
    /// Relative time `step / n_steps`, in `[0, 1)`.
    pub fn t(&self) -> f64 {
        self.step as f64 / self.n_steps as f64
    }
}

/// Linear cooling: the temperature at step `k` of `n_steps` is
/// `T(k) = t0 · (1 − k / n_steps)`, from `t0` at the first step to
/// `t0 / n_steps` at the last, reaching 0 at the step limit (Klein et al.
/// let the "virtual temperature" fall linearly to 0 over the run).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cooling {
    pub t0: f64,
}

impl Cooling {
    pub fn new(t0: f64) -> Result<Self, SingleTextRunError> {
        if !(t0.is_finite() && t0 >= 0.0) {
            return Err(SingleTextRunError::BadParameter(format!(
                "an initial temperature must be finite and at least 0, not {t0}"
            )));
        }
        Ok(Cooling { t0 })
    }

    pub fn temperature(&self, info: &StepInfo) -> f64 {
        (self.t0 * (1.0 - info.t())).max(0.0)
    }
}

/// `exp(−loss / T)`, 0 when `T` is 0 (a frozen annealer takes no loss).
fn boltzmann(loss: f64, temperature: f64) -> f64 {
    if temperature > 0.0 { (-loss / temperature).exp() } else { 0.0 }
}

/// A party's voting strategy.
pub trait Voter {
    /// Whether to accept `proposal` in place of the text `current`.
    fn vote(&mut self, info: &StepInfo, current: OutcomeId, proposal: OutcomeId) -> bool;
}

/// Accepts iff the proposal is strictly better for it: `u(c') > u(c)`.
#[derive(Clone, Copy, Debug)]
pub struct HillClimbingVoter<'a> {
    table: &'a UtilityTable,
}

/// The truthful voter says whether it prefers the proposal: a hill-climber.
pub type TruthfulVoter<'a> = HillClimbingVoter<'a>;

impl<'a> HillClimbingVoter<'a> {
    pub fn new(table: &'a UtilityTable) -> Self {
        HillClimbingVoter { table }
    }
}

impl Voter for HillClimbingVoter<'_> {
    fn vote(&mut self, _info: &StepInfo, current: OutcomeId, proposal: OutcomeId) -> bool {
        self.table.utility(proposal) > self.table.utility(current)
    }
}

/// Accepts a better proposal; accepts a worse one (or an equal one) with
/// probability `exp(−(u(c) − u(c'))/T)`, `T` on the linear [`Cooling`] schedule.
#[derive(Clone, Debug)]
pub struct AnnealingVoter<'a> {
    table: &'a UtilityTable,
    cooling: Cooling,
    rng: ChaCha8Rng,
}

impl<'a> AnnealingVoter<'a> {
    /// A good initial temperature for utilities in `[0, 1]` and single-issue
    /// changes (the replication's value; see docs/single-text.md).
    pub const DEFAULT_T0: f64 = 0.2;

    pub fn new(table: &'a UtilityTable, cooling: Cooling, seed: u64) -> Self {
        AnnealingVoter { table, cooling, rng: ChaCha8Rng::seed_from_u64(seed) }
    }
}

impl Voter for AnnealingVoter<'_> {
    fn vote(&mut self, info: &StepInfo, current: OutcomeId, proposal: OutcomeId) -> bool {
        let gain = self.table.utility(proposal) - self.table.utility(current);
        if gain > 0.0 {
            return true;
        }
        let p = boltzmann(-gain, self.cooling.temperature(info));
        p > 0.0 && self.rng.random::<f64>() < p
    }
}

/// The votes on a proposal some party rejected, as the mediator sees them.
#[derive(Clone, Copy, Debug)]
pub struct Ballot<'b> {
    /// Per party: accepted?
    pub votes: &'b [bool],
    /// Per party: its utility loss `max(0, u(c) − u(c'))` if it rejected, else
    /// 0, as reported (truthfully) by the party. Only [`Measure::SummedLosses`] reads it.
    pub losses: &'b [f64],
}

impl Ballot<'_> {
    pub fn rejections(&self) -> usize {
        self.votes.iter().filter(|v| !**v).count()
    }
}

/// A mediator's strategy: what to propose, and whether to keep a proposal
/// some party rejected.
pub trait Mediator {
    /// The next proposal given the current text, or `None` to end the talks.
    fn propose(&mut self, info: &StepInfo, current: OutcomeId) -> Option<OutcomeId>;
    /// Whether to replace `current` with `proposal` although some rejected it
    /// (asked only under [`ProposalRule::MediatorMayOverride`](crate::single_text::ProposalRule::MediatorMayOverride)).
    fn decide(&mut self, info: &StepInfo, current: OutcomeId, proposal: OutcomeId, ballot: &Ballot<'_>) -> bool;
}

/// Random single-issue mutations of a text over an enumerated space (mixed
/// radix, the last issue varying fastest, as [`entente_core::OutcomeSpace`]
/// enumerates): one issue chosen uniformly among those with at least two
/// values, set to one of its other values chosen uniformly.
#[derive(Clone, Debug)]
pub struct SingleIssueMutation {
    radices: Vec<u32>,
    strides: Vec<u32>,
    /// The issues with at least two values.
    mutable: Vec<usize>,
    n_outcomes: u32,
    rng: ChaCha8Rng,
}

/// The number of outcomes of a space with these radices, checked.
pub fn outcome_count(radices: &[u32]) -> Result<u32, SingleTextRunError> {
    if radices.is_empty() {
        return Err(SingleTextRunError::Space("a space needs at least one issue".into()));
    }
    let mut n: u64 = 1;
    for (k, &r) in radices.iter().enumerate() {
        if r == 0 {
            return Err(SingleTextRunError::Space(format!("issue {k} has no value")));
        }
        n = n.saturating_mul(r as u64);
        if n > MAX_TABLE_OUTCOMES as u64 {
            return Err(SingleTextRunError::Space(format!(
                "the space has more than {MAX_TABLE_OUTCOMES} outcomes; single-text talks need an enumerated space"
            )));
        }
    }
    Ok(n as u32)
}

impl SingleIssueMutation {
    pub fn new(radices: &[u32], seed: u64) -> Result<Self, SingleTextRunError> {
        let n_outcomes = outcome_count(radices)?;
        let mut strides = vec![1u32; radices.len()];
        for k in (0..radices.len().saturating_sub(1)).rev() {
            strides[k] = strides[k + 1] * radices[k + 1];
        }
        let mutable = (0..radices.len()).filter(|&k| radices[k] >= 2).collect();
        Ok(SingleIssueMutation {
            radices: radices.to_vec(),
            strides,
            mutable,
            n_outcomes,
            rng: ChaCha8Rng::seed_from_u64(seed),
        })
    }

    /// A random neighbour of `current`, or `None` if no issue can change (or
    /// `current` is not an outcome of the space).
    pub fn mutate(&mut self, current: OutcomeId) -> Option<OutcomeId> {
        if self.mutable.is_empty() || current >= self.n_outcomes {
            return None;
        }
        let k = self.mutable[self.rng.random_range(0..self.mutable.len())];
        let (r, s) = (self.radices[k], self.strides[k]);
        let v = current / s % r;
        let mut w = self.rng.random_range(0..r - 1);
        if w >= v {
            w += 1;
        }
        Some(current - v * s + w * s)
    }
}

/// Proposes random single-issue mutations; never keeps a rejected proposal:
/// the text changes only when every party accepts (veto single text).
#[derive(Clone, Debug)]
pub struct VetoMediator {
    mutation: SingleIssueMutation,
}

impl VetoMediator {
    pub fn new(radices: &[u32], seed: u64) -> Result<Self, SingleTextRunError> {
        Ok(VetoMediator { mutation: SingleIssueMutation::new(radices, seed)? })
    }
}

impl Mediator for VetoMediator {
    fn propose(&mut self, _info: &StepInfo, current: OutcomeId) -> Option<OutcomeId> {
        self.mutation.mutate(current)
    }

    fn decide(&mut self, _: &StepInfo, _: OutcomeId, _: OutcomeId, _: &Ballot<'_>) -> bool {
        false
    }
}

/// What an annealing mediator weighs against keeping a rejected proposal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The number of parties that rejected it (all the mediator sees of votes).
    #[default]
    Rejections,
    /// The rejecting parties' summed utility losses, as they report them.
    SummedLosses,
}

/// Proposes random single-issue mutations; keeps a proposal some rejected
/// with probability `exp(−m/T)` (`m` per [`Measure`], `T` on the linear
/// [`Cooling`] schedule), so that it explores early and hill-climbs at the end.
/// Its proposals and its decisions draw from separate streams, so the same
/// seed gives the same proposals as a [`VetoMediator`] while the texts agree.
#[derive(Clone, Debug)]
pub struct AnnealingMediator {
    mutation: SingleIssueMutation,
    cooling: Cooling,
    measure: Measure,
    rng: ChaCha8Rng,
}

impl AnnealingMediator {
    /// A good initial temperature for [`Measure::Rejections`] (a count of parties).
    pub const DEFAULT_T0: f64 = 1.0;
    /// A good initial temperature for [`Measure::SummedLosses`] with utilities in `[0, 1]`.
    pub const DEFAULT_T0_LOSSES: f64 = 0.2;

    pub fn new(radices: &[u32], cooling: Cooling, measure: Measure, seed: u64) -> Result<Self, SingleTextRunError> {
        Ok(AnnealingMediator {
            mutation: SingleIssueMutation::new(radices, seed)?,
            cooling,
            measure,
            rng: ChaCha8Rng::seed_from_u64(party_seed(seed, 1)),
        })
    }
}

impl Mediator for AnnealingMediator {
    fn propose(&mut self, _info: &StepInfo, current: OutcomeId) -> Option<OutcomeId> {
        self.mutation.mutate(current)
    }

    fn decide(&mut self, info: &StepInfo, _: OutcomeId, _: OutcomeId, ballot: &Ballot<'_>) -> bool {
        let m = match self.measure {
            Measure::Rejections => ballot.rejections() as f64,
            Measure::SummedLosses => ballot.losses.iter().sum(),
        };
        let p = boltzmann(m, self.cooling.temperature(info));
        p > 0.0 && self.rng.random::<f64>() < p
    }
}

/// A voting strategy by name, with its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "strategy")]
pub enum VoterSpec {
    /// [`HillClimbingVoter`] (= the truthful voter).
    HillClimbing,
    /// [`AnnealingVoter`] with initial temperature `t0`.
    Annealing { t0: f64 },
}

impl VoterSpec {
    /// The truthful voter.
    pub const TRUTHFUL: VoterSpec = VoterSpec::HillClimbing;

    pub fn build<'a>(
        &self,
        table: &'a UtilityTable,
        seed: u64,
    ) -> Result<Box<dyn Voter + Send + 'a>, SingleTextRunError> {
        Ok(match *self {
            VoterSpec::HillClimbing => Box::new(HillClimbingVoter::new(table)),
            VoterSpec::Annealing { t0 } => Box::new(AnnealingVoter::new(table, Cooling::new(t0)?, seed)),
        })
    }
}

/// A mediator strategy by name, with its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "strategy")]
pub enum MediatorSpec {
    /// [`VetoMediator`].
    Veto,
    /// [`AnnealingMediator`] with initial temperature `t0`.
    Annealing { t0: f64, measure: Measure },
}

impl MediatorSpec {
    pub fn build(&self, radices: &[u32], seed: u64) -> Result<Box<dyn Mediator + Send>, SingleTextRunError> {
        Ok(match *self {
            MediatorSpec::Veto => Box::new(VetoMediator::new(radices, seed)?),
            MediatorSpec::Annealing { t0, measure } => {
                Box::new(AnnealingMediator::new(radices, Cooling::new(t0)?, measure, seed)?)
            }
        })
    }
}

/// A bloc holding a veto over the final text: the final text is an agreement
/// only if the bloc strictly prefers it to its reversion point and it is on
/// none of the bloc's red lines.
#[derive(Clone, Copy, Debug)]
pub struct VetoBloc<'a> {
    pub name: &'a str,
    /// The bloc's utilities over the same outcomes as the parties'.
    pub table: &'a UtilityTable,
    /// Its reversion utility (what it gets if the talks fail).
    pub reversion: f64,
    /// The outcomes on its red lines, if any ([`entente_core::blocs::BlocSets::red`]).
    pub red: Option<&'a OutcomeSet>,
}

impl<'a> VetoBloc<'a> {
    /// A declared bloc with its utility table (its reversion utility under that table).
    pub fn from_bloc(bloc: &'a Bloc, table: &'a UtilityTable, red: Option<&'a OutcomeSet>) -> Self {
        VetoBloc { name: &bloc.name, table, reversion: bloc.reversion_utility(table), red }
    }
}

/// Who does not prefer the final text to its reversion point.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "who")]
pub enum Objection {
    Party { party: usize, utility: f64, reservation: f64 },
    Bloc { bloc: usize, name: String, utility: f64, reversion: f64, red_line: bool },
}

/// Who objects to `text`: every party whose utility is not above its
/// reservation value (`tables[k].reservation()`, `−∞` when none), and every
/// veto bloc that does not strictly prefer it to its reversion or finds it on a
/// red line. The text is an agreement iff the list is empty: it lies in the
/// zone of possible agreement (the one definition,
/// [`entente_core::analysis::zones::prefers_to_no_agreement`]).
pub fn objections(text: OutcomeId, tables: &[UtilityTable], veto_blocs: &[VetoBloc<'_>]) -> Vec<Objection> {
    let mut out = Vec::new();
    for (party, t) in tables.iter().enumerate() {
        let (utility, reservation) = (t.utility(text), t.reservation());
        if !prefers_to_no_agreement(utility, reservation) {
            out.push(Objection::Party { party, utility, reservation });
        }
    }
    for (bloc, b) in veto_blocs.iter().enumerate() {
        let utility = b.table.utility(text);
        let red_line = b.red.is_some_and(|r| r.contains(text));
        if !prefers_to_no_agreement(utility, b.reversion) || red_line {
            out.push(Objection::Bloc { bloc, name: b.name.to_string(), utility, reversion: b.reversion, red_line });
        }
    }
    out
}

/// A simulation that cannot run or went wrong.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum SingleTextRunError {
    #[error(transparent)]
    Protocol(#[from] SingleTextError),
    #[error("{voters} voters but {tables} utility tables")]
    Mismatch { voters: usize, tables: usize },
    #[error("{0}")]
    Space(String),
    #[error("{who}'s utility table has {len} outcomes, but the space has {n_outcomes}")]
    TableSize { who: String, len: usize, n_outcomes: u32 },
    #[error("{who} put forward text {text}, but the space has only {n_outcomes} outcomes")]
    InvalidText { who: String, text: OutcomeId, n_outcomes: u32 },
    #[error("{0}")]
    BadParameter(String),
}

/// Settings of a simulated single-text negotiation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SingleTextRun {
    pub protocol: SingleTextConfig,
    /// Values per issue ([`entente_core::OutcomeSpace::radices`]): the space the mediators mutate texts in.
    pub radices: Vec<u32>,
    /// The initial text; `None`: drawn uniformly from the run seed.
    pub initial: Option<OutcomeId>,
}

/// The result of a simulated single-text negotiation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SingleTextReport {
    /// Every event, in order.
    pub events: Vec<Event<OutcomeId>>,
    /// `texts[k]`: the text after `k` steps (`texts[0]` the initial text).
    pub texts: Vec<OutcomeId>,
    /// `welfare[k]`: the joint welfare (sum of the parties' utilities) of `texts[k]`.
    pub welfare: Vec<f64>,
    pub final_text: OutcomeId,
    /// The parties' utilities of the final text.
    pub utilities: Vec<f64>,
    pub steps: u32,
    pub reason: EndReason,
    /// Whether the final text is an agreement: every party and every veto bloc
    /// strictly prefers it to its reversion point.
    pub agreement: bool,
    /// Who does not (empty iff agreement).
    pub objections: Vec<Objection>,
    /// Proposals every party accepted.
    pub accepted: u32,
    /// Proposals some rejected that the mediator kept.
    pub kept: u32,
    /// Proposals discarded.
    pub rejected: u32,
}

impl SingleTextReport {
    /// The joint welfare of the final text.
    pub fn final_welfare(&self) -> f64 {
        self.welfare.last().copied().unwrap_or(0.0)
    }
}

/// Salts of the seeds [`run_single_text`] derives from the run seed.
pub const SALT_INITIAL: u64 = 0x5354_494e_4954_0000;
pub const SALT_VOTER: u64 = 0x5354_564f_5445_0000;
pub const SALT_MEDIATOR: u64 = 0x5354_4d45_4449_0000;

/// Runs single-text talks between `voters` (one per party, with its utility
/// table in `tables`) and a mediator role held by `mediators` (co-mediators,
/// sharing the text), with every random choice derived from `seed`: voter `k`
/// is seeded with `party_seed(seed ^ SALT_VOTER, k)`, co-mediator `m` with
/// `party_seed(seed ^ SALT_MEDIATOR, m)` and the initial text (when not given)
/// drawn from `party_seed(seed ^ SALT_INITIAL, 0)`. The final text is judged
/// against the parties' reservation values and `veto_blocs`.
pub fn run_single_text(
    config: &SingleTextRun,
    mediators: &[MediatorSpec],
    voters: &[VoterSpec],
    tables: &[UtilityTable],
    veto_blocs: &[VetoBloc<'_>],
    seed: u64,
) -> Result<SingleTextReport, SingleTextRunError> {
    if voters.len() != tables.len() {
        return Err(SingleTextRunError::Mismatch { voters: voters.len(), tables: tables.len() });
    }
    let n_outcomes = outcome_count(&config.radices)?;
    let initial = match config.initial {
        Some(o) => o,
        None => ChaCha8Rng::seed_from_u64(party_seed(seed ^ SALT_INITIAL, 0)).random_range(0..n_outcomes),
    };
    let mut built_voters = voters
        .iter()
        .zip(tables)
        .enumerate()
        .map(|(k, (v, t))| v.build(t, party_seed(seed ^ SALT_VOTER, k)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut built_mediators = mediators
        .iter()
        .enumerate()
        .map(|(m, spec)| spec.build(&config.radices, party_seed(seed ^ SALT_MEDIATOR, m)))
        .collect::<Result<Vec<_>, _>>()?;
    run_single_text_with(
        config.protocol,
        &config.radices,
        initial,
        &mut built_mediators,
        &mut built_voters,
        tables,
        veto_blocs,
    )
}

/// [`run_single_text`] with strategies built by the caller (any [`Mediator`]
/// and [`Voter`]) and the initial text given.
///
/// The driver asks the co-mediator whose turn it is (under
/// [`crate::single_text::CoMediation::Any`] too, it lets them take turns:
/// co-mediator `step % n` acts), asks the parties to vote in index order, and
/// for a decision passes the mediator the votes and the rejecting parties'
/// losses computed from their tables.
pub fn run_single_text_with<'a>(
    protocol: SingleTextConfig,
    radices: &[u32],
    initial: OutcomeId,
    mediators: &mut [Box<dyn Mediator + Send + 'a>],
    voters: &mut [Box<dyn Voter + Send + 'a>],
    tables: &[UtilityTable],
    veto_blocs: &[VetoBloc<'_>],
) -> Result<SingleTextReport, SingleTextRunError> {
    if voters.len() != tables.len() {
        return Err(SingleTextRunError::Mismatch { voters: voters.len(), tables: tables.len() });
    }
    let n_outcomes = outcome_count(radices)?;
    for (k, t) in tables.iter().enumerate() {
        if t.len() != n_outcomes as usize {
            return Err(SingleTextRunError::TableSize { who: format!("party {k}"), len: t.len(), n_outcomes });
        }
    }
    for b in veto_blocs {
        if b.table.len() != n_outcomes as usize {
            return Err(SingleTextRunError::TableSize {
                who: format!("bloc {}", b.name),
                len: b.table.len(),
                n_outcomes,
            });
        }
    }
    if initial >= n_outcomes {
        return Err(SingleTextRunError::InvalidText { who: "the initial text".into(), text: initial, n_outcomes });
    }
    let mut machine = SingleText::new(voters.len(), mediators.len(), initial, protocol)?;
    let n_mediators = mediators.len();
    let mut events: Vec<Event<OutcomeId>> = Vec::with_capacity(protocol.n_steps as usize * (voters.len() + 2) + 1);
    let mut sink = |e| events.push(e);
    let mut votes = vec![false; voters.len()];
    let mut losses = vec![0.0; voters.len()];
    loop {
        let step = machine.step();
        let info = StepInfo { step, n_steps: protocol.n_steps };
        let current = machine.text();
        match machine.phase() {
            Phase::Ended => break,
            Phase::Propose { mediator } => {
                let m = mediator.unwrap_or(step as usize % n_mediators);
                match mediators[m].propose(&info, current) {
                    None => machine.end(m, &mut sink)?,
                    Some(text) if text >= n_outcomes => {
                        return Err(SingleTextRunError::InvalidText {
                            who: format!("co-mediator {m}"),
                            text,
                            n_outcomes,
                        });
                    }
                    Some(text) => machine.propose(m, text, &mut sink)?,
                }
            }
            Phase::Vote { proposal } => {
                for (k, voter) in voters.iter_mut().enumerate() {
                    if machine.votes().get(k).copied().flatten().is_none() {
                        let accept = voter.vote(&info, current, proposal);
                        machine.vote(k, accept, &mut sink)?;
                    }
                }
            }
            Phase::Decide { proposal, mediator, .. } => {
                let m = mediator.unwrap_or(step as usize % n_mediators);
                for (k, v) in machine.votes().iter().enumerate() {
                    votes[k] = v.unwrap_or(false);
                    losses[k] = if votes[k] {
                        0.0
                    } else {
                        (tables[k].utility(current) - tables[k].utility(proposal)).max(0.0)
                    };
                }
                let keep = mediators[m].decide(&info, current, proposal, &Ballot { votes: &votes, losses: &losses });
                machine.decide(m, keep, &mut sink)?;
            }
        }
    }
    let (reason, steps, final_text) = machine.outcome().expect("the loop ends only when the machine has ended");
    Ok(report(events, initial, final_text, steps, reason, tables, veto_blocs))
}

fn report(
    events: Vec<Event<OutcomeId>>,
    initial: OutcomeId,
    final_text: OutcomeId,
    steps: u32,
    reason: EndReason,
    tables: &[UtilityTable],
    veto_blocs: &[VetoBloc<'_>],
) -> SingleTextReport {
    let welfare_of = |o: OutcomeId| tables.iter().map(|t| t.utility(o)).sum::<f64>();
    let mut texts = vec![initial];
    let (mut accepted, mut kept, mut rejected) = (0, 0, 0);
    let mut text = initial;
    for e in &events {
        match e.kind {
            EventKind::Accepted { text: t } => {
                accepted += 1;
                text = t;
            }
            EventKind::Kept { text: t, .. } => {
                kept += 1;
                text = t;
            }
            EventKind::Rejected { .. } => rejected += 1,
            _ => continue,
        }
        texts.push(text);
    }
    let welfare = texts.iter().map(|&o| welfare_of(o)).collect();
    let objections = objections(final_text, tables, veto_blocs);
    SingleTextReport {
        events,
        texts,
        welfare,
        final_text,
        utilities: tables.iter().map(|t| t.utility(final_text)).collect(),
        steps,
        reason,
        agreement: objections.is_empty(),
        objections,
        accepted,
        kept,
        rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::single_text::{CoMediation, ProposalRule};

    fn table(u: Vec<f64>, reservation: f64) -> UtilityTable {
        UtilityTable::from_utilities(u, reservation).unwrap()
    }

    #[test]
    fn mutations_change_exactly_one_issue() {
        let radices = [3u32, 1, 4, 2];
        let mut m = SingleIssueMutation::new(&radices, 7).unwrap();
        let decode = |o: u32| {
            let mut v = [0u32; 4];
            let mut x = o;
            for k in (0..4).rev() {
                v[k] = x % radices[k];
                x /= radices[k];
            }
            v
        };
        let mut changed = [0usize; 4];
        for start in 0..24u32 {
            for _ in 0..50 {
                let next = m.mutate(start).unwrap();
                assert!(next < 24);
                let (a, b) = (decode(start), decode(next));
                let diff: Vec<usize> = (0..4).filter(|&k| a[k] != b[k]).collect();
                assert_eq!(diff.len(), 1, "{start} -> {next}");
                changed[diff[0]] += 1;
            }
        }
        assert_eq!(changed[1], 0); // a one-value issue never changes
        assert!(changed[0] > 0 && changed[2] > 0 && changed[3] > 0);
        assert_eq!(m.mutate(24), None);
        assert_eq!(SingleIssueMutation::new(&[1, 1], 0).unwrap().mutate(0), None);
        assert!(SingleIssueMutation::new(&[], 0).is_err());
        assert!(SingleIssueMutation::new(&[2, 0], 0).is_err());
        assert!(SingleIssueMutation::new(&[1 << 16, 1 << 16], 0).is_err());
    }

    #[test]
    fn cooling_is_linear_to_zero() {
        let c = Cooling::new(2.0).unwrap();
        let at = |step| c.temperature(&StepInfo { step, n_steps: 4 });
        assert_eq!([at(0), at(1), at(2), at(3), at(4)], [2.0, 1.5, 1.0, 0.5, 0.0]);
        assert!(Cooling::new(f64::NAN).is_err());
        assert!(Cooling::new(-1.0).is_err());
        assert!(Cooling::new(f64::INFINITY).is_err());
        assert_eq!(boltzmann(1.0, 0.0), 0.0);
        assert_eq!(boltzmann(0.0, 1.0), 1.0);
    }

    #[test]
    fn voters() {
        let t = table(vec![0.1, 0.5, 0.5, 0.2], f64::NEG_INFINITY);
        let info = StepInfo { step: 0, n_steps: 10 };
        let mut hc = HillClimbingVoter::new(&t);
        assert!(hc.vote(&info, 0, 1));
        assert!(!hc.vote(&info, 1, 2)); // ties are rejected
        assert!(!hc.vote(&info, 1, 3));
        // Frozen annealer = hill-climber.
        let mut frozen = AnnealingVoter::new(&t, Cooling::new(0.0).unwrap(), 1);
        assert!(frozen.vote(&info, 0, 1) && !frozen.vote(&info, 1, 2) && !frozen.vote(&info, 1, 3));
        // A hot annealer accepts ties always and small losses mostly.
        let mut hot = AnnealingVoter::new(&t, Cooling::new(10.0).unwrap(), 1);
        assert!((0..100).all(|_| hot.vote(&info, 1, 2)));
        let accepted = (0..1000).filter(|_| hot.vote(&info, 1, 3)).count();
        // p = exp(-0.3 / 10) ≈ 0.970
        assert!((940..=995).contains(&accepted), "{accepted}");
    }

    #[test]
    fn annealing_mediator_keeps_less_as_it_cools_and_with_more_rejections() {
        let mut m = AnnealingMediator::new(&[2, 2], Cooling::new(1.0).unwrap(), Measure::Rejections, 3).unwrap();
        let keeps = |m: &mut AnnealingMediator, step: u32, votes: &[bool]| {
            let losses = vec![0.0; votes.len()];
            let info = StepInfo { step, n_steps: 10 };
            (0..2000).filter(|_| m.decide(&info, 0, 1, &Ballot { votes, losses: &losses })).count()
        };
        let early_one = keeps(&mut m, 0, &[true, false, true]); // exp(-1) ≈ 0.37
        let early_two = keeps(&mut m, 0, &[false, false, true]); // exp(-2) ≈ 0.14
        let late_one = keeps(&mut m, 8, &[true, false, true]); // T = 0.2: exp(-5) ≈ 0.007
        assert!((650..850).contains(&early_one), "{early_one}");
        assert!((200..360).contains(&early_two), "{early_two}");
        assert!(late_one < 40, "{late_one}");
        let mut v = VetoMediator::new(&[2, 2], 3).unwrap();
        let info = StepInfo { step: 0, n_steps: 10 };
        assert!(!v.decide(&info, 0, 1, &Ballot { votes: &[true, false], losses: &[0.0, 0.1] }));
        // Losses: exp(-0.5 / 1) ≈ 0.61.
        let mut l = AnnealingMediator::new(&[2, 2], Cooling::new(1.0).unwrap(), Measure::SummedLosses, 3).unwrap();
        let kept = (0..2000)
            .filter(|_| l.decide(&info, 0, 1, &Ballot { votes: &[false, false], losses: &[0.2, 0.3] }))
            .count();
        assert!((1100..1330).contains(&kept), "{kept}");
    }

    #[test]
    fn the_same_seed_gives_the_veto_and_annealing_mediators_the_same_proposals() {
        let mut v = VetoMediator::new(&[3, 3, 3], 11).unwrap();
        let mut a = AnnealingMediator::new(&[3, 3, 3], Cooling::new(1.0).unwrap(), Measure::Rejections, 11).unwrap();
        let info = StepInfo { step: 0, n_steps: 10 };
        for c in 0..27 {
            assert_eq!(v.propose(&info, c), a.propose(&info, c));
            let _ = a.decide(&info, c, c, &Ballot { votes: &[false], losses: &[0.0] });
        }
    }

    #[test]
    fn agreement_needs_every_party_and_every_veto_bloc() {
        let parties = vec![table(vec![0.2, 0.6, 0.9], 0.5), table(vec![0.9, 0.7, 0.1], f64::NEG_INFINITY)];
        let bloc_table = table(vec![0.0, 0.3, 0.8], 0.0);
        let red = OutcomeSet::from_fn(3, |o| o == 2);
        let bloc = VetoBloc { name: "hardliners", table: &bloc_table, reversion: 0.3, red: None };
        assert!(objections(1, &parties, &[]).is_empty());
        assert_eq!(objections(0, &parties, &[]), vec![Objection::Party { party: 0, utility: 0.2, reservation: 0.5 }]);
        // The bloc does not *strictly* prefer outcome 1 to its reversion.
        assert_eq!(
            objections(1, &parties, &[bloc]),
            vec![Objection::Bloc { bloc: 0, name: "hardliners".into(), utility: 0.3, reversion: 0.3, red_line: false }]
        );
        assert!(objections(2, &parties, &[bloc]).is_empty());
        let with_red = VetoBloc { red: Some(&red), ..bloc };
        assert!(matches!(objections(2, &parties, &[with_red])[..], [Objection::Bloc { red_line: true, .. }]));
        let declared = Bloc {
            name: "b".into(),
            weight: 1.0,
            veto: true,
            reversion: entente_core::blocs::Reversion::Outcome(1),
            red_lines: vec![],
        };
        assert_eq!(VetoBloc::from_bloc(&declared, &bloc_table, None).reversion, 0.3);
    }

    #[test]
    fn the_driver_refuses_bad_input() {
        let t = vec![table(vec![0.0; 4], f64::NEG_INFINITY), table(vec![0.0; 4], f64::NEG_INFINITY)];
        let protocol = SingleTextConfig { n_steps: 5, rule: ProposalRule::Veto, co_mediation: CoMediation::TakeTurns };
        let cfg = SingleTextRun { protocol, radices: vec![2, 2], initial: None };
        let hc = [VoterSpec::HillClimbing; 2];
        let veto = [MediatorSpec::Veto];
        assert!(run_single_text(&cfg, &veto, &hc, &t, &[], 0).is_ok());
        assert_eq!(
            run_single_text(&cfg, &veto, &hc[..1], &t, &[], 0),
            Err(SingleTextRunError::Mismatch { voters: 1, tables: 2 })
        );
        assert!(matches!(run_single_text(&cfg, &[], &hc, &t, &[], 0), Err(SingleTextRunError::Protocol(_))));
        let bad = SingleTextRun { radices: vec![2, 3], ..cfg.clone() };
        assert!(matches!(run_single_text(&bad, &veto, &hc, &t, &[], 0), Err(SingleTextRunError::TableSize { .. })));
        let bad = SingleTextRun { initial: Some(4), ..cfg.clone() };
        assert!(matches!(run_single_text(&bad, &veto, &hc, &t, &[], 0), Err(SingleTextRunError::InvalidText { .. })));
        let nan = [VoterSpec::Annealing { t0: f64::NAN }; 2];
        assert!(matches!(run_single_text(&cfg, &veto, &nan, &t, &[], 0), Err(SingleTextRunError::BadParameter(_))));
        let bloc_table = table(vec![0.0; 3], 0.0);
        let bloc = VetoBloc { name: "b", table: &bloc_table, reversion: 0.0, red: None };
        assert!(matches!(run_single_text(&cfg, &veto, &hc, &t, &[bloc], 0), Err(SingleTextRunError::TableSize { .. })));

        /// A mediator that proposes outside the space.
        struct Wild;
        impl Mediator for Wild {
            fn propose(&mut self, _: &StepInfo, _: OutcomeId) -> Option<OutcomeId> {
                Some(99)
            }
            fn decide(&mut self, _: &StepInfo, _: OutcomeId, _: OutcomeId, _: &Ballot<'_>) -> bool {
                true
            }
        }
        let mut mediators: Vec<Box<dyn Mediator + Send>> = vec![Box::new(Wild)];
        let mut voters: Vec<Box<dyn Voter + Send + '_>> =
            t.iter().map(|t| Box::new(HillClimbingVoter::new(t)) as Box<dyn Voter + Send>).collect();
        assert_eq!(
            run_single_text_with(protocol, &[2, 2], 0, &mut mediators, &mut voters, &t, &[]),
            Err(SingleTextRunError::InvalidText { who: "co-mediator 0".into(), text: 99, n_outcomes: 4 })
        );
    }

    #[test]
    fn a_mediator_with_nothing_to_propose_ends_the_talks() {
        let t = vec![table(vec![0.5], 0.0), table(vec![0.5], 0.6)];
        let protocol = SingleTextConfig { n_steps: 5, rule: ProposalRule::Veto, co_mediation: CoMediation::TakeTurns };
        let cfg = SingleTextRun { protocol, radices: vec![1], initial: None };
        let r = run_single_text(&cfg, &[MediatorSpec::Veto], &[VoterSpec::HillClimbing; 2], &t, &[], 0).unwrap();
        assert_eq!((r.steps, r.reason, r.final_text), (0, EndReason::ByMediator, 0));
        assert_eq!(r.texts, vec![0]);
        assert!(!r.agreement);
        assert_eq!(r.objections, vec![Objection::Party { party: 1, utility: 0.5, reservation: 0.6 }]);
    }
}
