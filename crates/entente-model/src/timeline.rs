//! One timeline of a delegation's instructions, and the one place that builds
//! a delegation's state at a time.
//!
//! A [`Timeline`] is a delegation's instructions as they start (its blocs as
//! declared, its rule) and the [`Change`]s that follow, each at a time in the
//! unit the caller chose:
//!
//! - a scenario's `[[parties.changes]]` are in **relative time** of the
//!   negotiation, in [0, 1], from origin 0 ([`Timeline::new`]);
//! - in a round of talks the unit is the **minute** since day 1, 00:00
//!   ([`Talks::timeline`]), from the start of the first session. A relative
//!   time τ of `[[parties.changes]]` maps to the minute
//!   `start + ⌈τ · (end − start)⌉` ([`Talks::minute`]; the first minute whose
//!   [`Talks::relative`] is at least τ), and a bloc's instruction of the talks
//!   is an entry at its minute ([`Instruction::change`]). A talks file's
//!   changes at τ > 0 become instructions of the talks when it is read
//!   ([`Talks::adopt_changes`]); those at τ = 0 are the instructions the
//!   delegation starts with.
//!
//! Every change takes effect through [`Change::apply`] (weight, veto,
//! reversion, red lines replaced then added, quota), in time order; changes at
//! the same time apply in the order they were given. The instructions in force
//! at `t` are those after every change at or before `t` ([`Timeline::at`]);
//! changes at or before the origin are part of the first period.
//!
//! [`DelegationState`] is a delegation's mandate, bloc sets and win-set under
//! some instructions, on an enumerated space: the negotiator of a delegation,
//! the Monte Carlo estimates, the talks and the zone analysis all build it
//! here. [`InForce`] is every party's instructions at one time, from either
//! kind of time.

use entente_core::blocs::{BlocSets, Change, Delegation, Instructions, OutcomeSet, rule_set};
use entente_core::{ModelError, OutcomeId, OutcomeSpace, Preferences, UtilityFunction, UtilityTable};
use thiserror::Error;

use crate::Scenario;
use crate::talks::{Instruction, Talks, Timestamp, parse_clock};

/// Why a change cannot be placed on a timeline.
#[derive(Debug, Error, PartialEq)]
pub enum TimelineError {
    #[error(
        "party {party:?}: the change at relative time {at} changes no bloc (a quota alone); in a round of talks \
         every change of instructions comes from a bloc: give it `bloc = \"...\"`"
    )]
    NoBloc { party: String, at: f64 },
}

/// A delegation's instructions over time (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    start: Instructions,
    /// In time order (stable: changes at the same time keep their order).
    entries: Vec<Change>,
}

impl Timeline {
    /// The delegation's `[[parties.changes]]`, in relative time from origin 0.
    pub fn new(delegation: &Delegation) -> Self {
        Self::from_start(delegation.declared(), 0.0, delegation.changes.iter().cloned())
    }

    /// Instructions `start` in force from `origin`, then `changes` (their
    /// `at` in the same unit as `origin`).
    pub fn from_start(start: Instructions, origin: f64, changes: impl IntoIterator<Item = Change>) -> Self {
        let mut entries: Vec<Change> = changes.into_iter().collect();
        entries.sort_by(|a, b| a.at.total_cmp(&b.at));
        Timeline { start: Instructions { from: origin, ..start }, entries }
    }

    /// Where the timeline starts.
    pub fn origin(&self) -> f64 {
        self.start.from
    }

    /// The changes, in the order they apply.
    pub fn entries(&self) -> &[Change] {
        &self.entries
    }

    /// The instructions after the first `n` changes (in the order they
    /// apply), whatever their times.
    pub fn after(&self, n: usize) -> Instructions {
        let mut i = self.start.clone();
        for c in self.entries.iter().take(n) {
            c.apply(&mut i.blocs, &mut i.rule);
            i.from = i.from.max(c.at);
        }
        i
    }

    /// The instructions in force from the origin, then after each change
    /// time, in order. Changes at the same time apply together; changes at or
    /// before the origin belong to the first period.
    pub fn epochs(&self) -> Vec<Instructions> {
        let mut current = self.start.clone();
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.entries.len() {
            let at = self.entries[i].at;
            if at > current.from {
                out.push(current.clone());
                current.from = at;
            }
            while i < self.entries.len() && self.entries[i].at == at {
                self.entries[i].apply(&mut current.blocs, &mut current.rule);
                i += 1;
            }
        }
        out.push(current);
        out
    }

    /// Of periods of instructions beginning at `froms` (in time order, as
    /// [`Timeline::epochs`] gives them), the index of the one in force at
    /// time `t`: the last that has begun by `t`, else the first.
    pub fn epoch_at<I>(froms: I, t: f64) -> usize
    where
        I: IntoIterator<Item = f64>,
        I::IntoIter: DoubleEndedIterator + ExactSizeIterator,
    {
        froms.into_iter().rposition(|from| from <= t).unwrap_or(0)
    }

    /// The instructions in force at time `t`: every change at or before `t`
    /// applied (before the origin: those of the first period).
    pub fn at(&self, t: f64) -> Instructions {
        let mut epochs = self.epochs();
        let k = Self::epoch_at(epochs.iter().map(|e| e.from), t);
        epochs.swap_remove(k)
    }

    /// The instructions of the first period (any change at or before the
    /// origin applied).
    pub fn start(&self) -> Instructions {
        self.epochs().swap_remove(0)
    }
}

/// The instructions a delegation starts with (its changes at relative time 0
/// applied), and its mandate under them.
pub fn start_mandate(space: &OutcomeSpace, delegation: &Delegation) -> Result<Preferences, ModelError> {
    delegation.mandate(space, &Timeline::new(delegation).start().blocs)
}

/// A delegation under some instructions, on an enumerated space: its mandate
/// (see [`Delegation::mandate`]), what each bloc thinks of every outcome and
/// the win-set.
#[derive(Clone, Debug)]
pub struct DelegationState {
    pub mandate: Preferences,
    /// The mandate's utility of every outcome.
    pub table: UtilityTable,
    /// The mandate's reversion utility.
    pub reservation: f64,
    /// Per bloc.
    pub sets: Vec<BlocSets>,
    /// Per bloc: the outcomes it accepts.
    pub acceptable: Vec<OutcomeSet>,
    pub win_set: OutcomeSet,
}

impl DelegationState {
    /// Each bloc's utility table (they do not change with the instructions).
    pub fn bloc_tables(space: &OutcomeSpace, delegation: &Delegation) -> Result<Vec<UtilityTable>, ModelError> {
        delegation.blocs.iter().map(|b| UtilityTable::new(space, &b.utility)).collect()
    }

    /// The state under `instructions`; `tables` from [`DelegationState::bloc_tables`].
    pub fn new(
        space: &OutcomeSpace,
        delegation: &Delegation,
        tables: &[UtilityTable],
        instructions: &Instructions,
    ) -> Result<Self, ModelError> {
        let mandate = delegation.mandate(space, &instructions.blocs)?;
        let reservation = mandate.reservation();
        let table = UtilityTable::new(space, &mandate)?;
        let n_issues = space.issues().len();
        let values_of = |o: OutcomeId, buf: &mut [u32]| {
            let _ = space.values_into(o as u128, buf);
        };
        let sets: Vec<BlocSets> =
            instructions.blocs.iter().zip(tables).map(|(b, t)| BlocSets::new(b, t, n_issues, &values_of)).collect();
        // `win_set`, with the blocs' acceptable sets computed once for it and the state.
        let acceptable: Vec<OutcomeSet> = sets.iter().map(BlocSets::acceptable).collect();
        let n = sets.first().map_or(0, |s| s.better.universe());
        let win_set =
            rule_set(&instructions.blocs, instructions.rule, &sets, &acceptable, Some((&table, reservation)), n);
        Ok(DelegationState { mandate, table, reservation, sets, acceptable, win_set })
    }
}

/// A time at which to read instructions: a relative time of the negotiation
/// (of the round, for talks), or a minute of a round of talks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum When {
    Relative(f64),
    Minute(Timestamp),
}

/// Why a time could not be read.
#[derive(Debug, Error, PartialEq)]
pub enum WhenError {
    #[error(
        "expected a relative time in [0, 1] (such as 0.8) or a time of the talks (such as \"day 3 17:30\"), not {0:?}"
    )]
    Unreadable(String),
    #[error("a relative time must be in [0, 1], not {0}")]
    OutOfRange(f64),
    #[error(
        "{0:?} is a time of the talks, and this scenario declares no talks ([talks]): give a relative time in [0, 1]"
    )]
    NoTalks(String),
}

impl When {
    /// `0.8` (a relative time in [0, 1]), or `day 3 17:30` / `day 3, 17:30`.
    pub fn parse(s: &str) -> Result<When, WhenError> {
        if let Ok(t) = s.trim().parse::<f64>() {
            return if (0.0..=1.0).contains(&t) { Ok(When::Relative(t)) } else { Err(WhenError::OutOfRange(t)) };
        }
        parse_clock(s).map(When::Minute).ok_or_else(|| WhenError::Unreadable(s.to_string()))
    }

    /// The minute of the round this time stands for.
    pub fn minute(self, talks: &Talks) -> Timestamp {
        match self {
            When::Relative(t) => talks.minute(t),
            When::Minute(m) => m,
        }
    }

    /// Every party's instructions in force at this time: on the talks' timeline
    /// when there are talks, else on the scenario's (relative times only).
    pub fn in_force(self, scenario: &Scenario, talks: Option<&Talks>) -> Result<InForce, WhenError> {
        match (talks, self) {
            (Some(t), w) => Ok(InForce::talks(t, w.minute(t))),
            (None, When::Relative(t)) => Ok(InForce::relative(scenario, t)),
            (None, When::Minute(m)) => Err(WhenError::NoTalks(crate::talks::clock(m))),
        }
    }
}

/// Every party's instructions in force at one time.
#[derive(Clone, Debug, PartialEq)]
pub struct InForce {
    /// The time as a relative time of the negotiation (of the round, for talks).
    pub at: f64,
    /// Per party: the instructions in force (`None` for a unitary party).
    pub instructions: Vec<Option<Instructions>>,
}

impl InForce {
    /// At relative time `t` of a negotiation (the `[[parties.changes]]`).
    pub fn relative(scenario: &Scenario, t: f64) -> Self {
        let instructions =
            scenario.parties.iter().map(|p| p.delegation.as_ref().map(|d| Timeline::new(d).at(t))).collect();
        InForce { at: t, instructions }
    }

    /// At minute `t` of a round of talks: every change of instructions, from
    /// the file's `[[parties.changes]]` or from the talks' instructions, at or
    /// before `t`.
    pub fn talks(talks: &Talks, t: Timestamp) -> Self {
        let instructions =
            (0..talks.scenario.parties.len()).map(|k| talks.timeline(k).map(|tl| tl.at(t as f64))).collect();
        InForce { at: talks.relative(t), instructions }
    }
}

impl Instruction {
    /// The instruction as an entry of its delegation's timeline (minutes).
    pub fn change(&self) -> Change {
        Change {
            at: self.at as f64,
            bloc: Some(self.bloc),
            weight: self.weight,
            veto: self.veto,
            reversion: self.reversion,
            red_lines: self.red_lines.clone(),
            add_red_lines: self.add_red_lines.clone(),
            quota: self.quota,
        }
    }
}

impl Talks {
    /// The minute at which relative time `tau` of the round is reached: the
    /// first minute `m` with [`Talks::relative`]`(m) >= tau`, i.e.
    /// `start + ⌈tau · (end − start)⌉` (`tau` clamped to [0, 1]).
    pub fn minute(&self, tau: f64) -> Timestamp {
        minute_of(self.start(), self.end(), tau)
    }

    /// Party `k`'s timeline in minutes (`None` for a unitary party): the
    /// instructions it starts with from the start of the round, then the
    /// instructions of the talks addressed to it, in time order (the order of
    /// the file among instructions at the same minute).
    pub fn timeline(&self, k: usize) -> Option<Timeline> {
        let d = self.scenario.parties.get(k)?.delegation.as_ref()?;
        let mut changes = Vec::new();
        // Changes not adopted as instructions (a `Talks` built without
        // `adopt_changes`) keep their place on the timeline.
        for c in d.changes.iter().filter(|c| c.at > 0.0) {
            changes.push(Change { at: self.minute(c.at) as f64, ..c.clone() });
        }
        changes.extend(self.instructions.iter().filter(|i| i.party == k).map(Instruction::change));
        let start = Timeline::from_start(d.declared(), 0.0, d.changes.iter().filter(|c| c.at <= 0.0).cloned()).start();
        Some(Timeline::from_start(start, self.start() as f64, changes))
    }

    /// The instructions of `talks.instructions[idx]`'s delegation once it is
    /// applied: its timeline after every instruction that comes before it.
    pub fn instructions_after(&self, idx: usize) -> Option<Instructions> {
        let ins = self.instructions.get(idx)?;
        let tl = self.timeline(ins.party)?;
        let adopted = self.scenario.parties[ins.party].delegation.as_ref()?.changes.iter().filter(|c| c.at > 0.0);
        let before = adopted.filter(|c| self.minute(c.at) <= ins.at).count()
            + self.instructions[..=idx].iter().filter(|j| j.party == ins.party && j.at <= ins.at).count()
            + self.instructions[idx + 1..].iter().filter(|j| j.party == ins.party && j.at < ins.at).count();
        Some(tl.after(before))
    }

    /// Moves every delegation's changes at relative time τ > 0 into the talks'
    /// instructions, at minute [`Talks::minute`]`(τ)` (after the instructions
    /// already given for the same minute), so that the round applies them as
    /// it applies its own; those at τ = 0 stay: the delegation starts with
    /// them. A change that names no bloc (a quota alone) is refused.
    pub fn adopt_changes(&mut self) -> Result<(), TimelineError> {
        let (start, end) = (self.start(), self.end());
        for (k, p) in self.scenario.parties.iter_mut().enumerate() {
            let Some(d) = &mut p.delegation else { continue };
            let mut changes: Vec<Change> = d.changes.iter().filter(|c| c.at > 0.0).cloned().collect();
            changes.sort_by(|a, b| a.at.total_cmp(&b.at));
            for c in changes {
                let bloc = c.bloc.ok_or_else(|| TimelineError::NoBloc { party: p.name.clone(), at: c.at })?;
                self.instructions.push(Instruction {
                    at: minute_of(start, end, c.at),
                    party: k,
                    bloc,
                    text: format!("Instructions change ([[parties.changes]] at relative time {}).", c.at),
                    weight: c.weight,
                    veto: c.veto,
                    reversion: c.reversion,
                    red_lines: c.red_lines,
                    add_red_lines: c.add_red_lines,
                    quota: c.quota,
                    table: None,
                    statement: None,
                });
            }
            d.changes.retain(|c| c.at <= 0.0);
        }
        Ok(())
    }
}

/// `start + ⌈tau · (end − start)⌉`, `tau` clamped to [0, 1] (NaN: 0).
fn minute_of(start: Timestamp, end: Timestamp, tau: f64) -> Timestamp {
    let tau = if tau.is_nan() { 0.0 } else { tau.clamp(0.0, 1.0) };
    start + (tau * end.saturating_sub(start) as f64).ceil() as Timestamp
}
