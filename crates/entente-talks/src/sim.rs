//! The simulation of a round of talks: the mediators' single negotiating text,
//! taken clause by clause through the package protocol, with delegations that
//! call their capitals, blocs that re-instruct them during breaks, items
//! tabled off the agenda, and incidents.
//!
//! # The model
//!
//! Time runs in minutes. Within sessions the co-mediators take turns, one step
//! every `step_minutes`; between sessions nothing is negotiated, but blocs send
//! instructions and incidents happen.
//!
//! - **The text.** The mediators hold one text: a complete outcome. A clause
//!   agreed (AD_REF or PROVISIONAL) fixes its issue; the others hold their
//!   default (the status quo) until agreed. Every judgement is of the whole text
//!   ("nothing is agreed until everything is agreed").
//! - **A mediation step.** The mediator on duty takes the next unsettled clause
//!   in agenda order (round robin): it restarts a REOPENED clause, puts the
//!   options of an OPEN clause in brackets, or, on a BRACKETED clause, proposes
//!   the option that leaves the parties the largest margin over their current
//!   aspirations (ties: the largest Nash product). Each party agrees ad
//!   referendum iff the text with that option is worth at least its aspiration
//!   now: `r + (max − r)(1 − τ^e)` of its own utility (for a delegation, its
//!   mandate), `r` its reservation value, τ the relative time of the round, `e`
//!   its concession exponent. When all agree the clause is AD_REF.
//! - **Capitals.** A party without blocs has full powers: AD_REF goes on to
//!   PROVISIONAL at once. A delegation calls its capital, which answers after a
//!   delay: it confirms iff the text is in the delegation's win-set under the
//!   instructions in force (its blocs' rule, vetoes and red lines), else it
//!   declines (back to BRACKETED).
//! - **Instructions.** At the times the scenario gives, a bloc re-instructs its
//!   delegation (weight, veto, reversion, new red lines) and may order it to
//!   table a new item. The delegation then reviews the provisional text: when
//!   the text has left its win-set, it reopens every provisional clause for
//!   which another option would reduce its objecting blocs' shortfall.
//! - **Guarantors.** A tabled item that names a guarantor needs its consent;
//!   an absent guarantor never answers, and the clause can never become
//!   provisional.
//! - **Incidents** are logged with the issues they bear on, and may lower a
//!   party's reservation value, raise the risk that a failed step ends the
//!   talks, or make a party reopen clauses.
//! - **The end.** As soon as every clause is provisional the mediators call
//!   the final vote; a party votes yes iff the text beats its reservation value
//!   (a delegation: iff its blocs ratify it). Without adoption by the end of
//!   the last session, the mediators end the talks.
//!
//! Every random draw (only the breakdown risk draws) comes from the round's
//! seed: the same talks and seed give the same log.

use entente_core::blocs::{BlocSets, Instructions, OutcomeSet, RedLine, Reversion};
use entente_core::{OutcomeId, OutcomeSpace, UtilityFunction, UtilityTable};
use entente_model::timeline::DelegationState;
use entente_protocols::package::{
    self, Action, ActorId, ClauseId, ClauseSpec, ClauseState, Commitment, Deadline, Move, Objection, Package, Reason,
    Status, Timestamp,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::actors::{ActorRef, Actors};
use crate::log::{Entry, IncidentEffect, Log, Visibility};
use crate::model::{Effect, Talks, clock};

#[derive(Debug, Error)]
pub enum TalksError {
    #[error("talks need at least two parties")]
    TooFewParties,
    #[error("talks need at least one session")]
    NoSessions,
    #[error("the outcome space is too large to simulate talks over ({0} outcomes)")]
    TooLarge(u128),
    #[error(transparent)]
    Model(#[from] entente_core::ModelError),
    #[error("package protocol: {0}")]
    Package(#[from] package::PackageError),
    #[error(transparent)]
    Log(#[from] crate::log::LogError),
}

/// The mediators' text at some time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextSnapshot {
    pub time: Timestamp,
    pub text: Vec<u32>,
    /// Every party's own utility of the text (a delegation: its mandate then).
    pub utilities: Vec<f64>,
    /// Share of live clauses PROVISIONAL.
    pub closure: f64,
    /// Share of live clauses AD_REF (waiting for a capital).
    pub waiting: f64,
}

/// How the round ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum Ending {
    Adopted {
        at: Timestamp,
        text: Vec<u32>,
    },
    /// No adoption: `why` lists the clauses that blocked it.
    NotAdopted {
        at: Timestamp,
        why: Vec<String>,
    },
    /// A party walked out after a failed step (breakdown risk).
    BrokeDown {
        at: Timestamp,
        by: String,
    },
}

/// What the simulation produced. Serialises as the `run` of the
/// `entente.talks/2` document and reads back into the same value (except
/// `instructions`, the delegations' state at the end, kept for the assessment
/// and not part of the document).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TalksRun {
    pub log: Log,
    pub texts: Vec<TextSnapshot>,
    pub ending: Ending,
    /// The text at the end.
    pub text: Vec<u32>,
    /// Per party: its reservation value at the end (incidents may move it).
    pub reservations: Vec<f64>,
    /// Per delegation party: the instructions in force at the end.
    #[serde(skip)]
    pub instructions: Vec<Option<Instructions>>,
    /// The clauses: `(clause id, issue, title, final state, tabled by)`.
    pub clauses: Vec<ClauseSummary>,
    /// Party names, actor names (for reports).
    pub actor_names: Vec<(ActorId, String)>,
    /// The mediators' assessment at the end.
    pub assessment: Option<crate::assessment::Assessment>,
    /// The round against the agreement it continued.
    pub baseline: Option<crate::assessment::BaselineReport>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClauseSummary {
    pub clause: u32,
    pub issue: usize,
    pub title: String,
    pub state: ClauseState,
    /// The party that tabled it during the talks, and when.
    pub tabled: Option<(String, Timestamp)>,
}

struct Sim<'a> {
    talks: &'a Talks,
    actors: Actors,
    space: &'a OutcomeSpace,
    pkg: Package,
    log: Log,
    texts: Vec<TextSnapshot>,
    text: Vec<u32>,
    /// The mediators' single text: every issue's drafted option (agreed ones
    /// included).
    draft: Vec<u32>,
    /// Per party: its own utility table (a delegation's mandate under its instructions).
    own: Vec<UtilityTable>,
    reservations: Vec<f64>,
    instructions: Vec<Option<Instructions>>,
    bloc_tables: Vec<Option<Vec<UtilityTable>>>,
    win_sets: Vec<Option<OutcomeSet>>,
    sets: Vec<Option<Vec<BlocSets>>>,
    /// Capital answers due: (time, party, clause).
    pending: Vec<(Timestamp, usize, ClauseId)>,
    breakdown_risk: f64,
    rng: ChaCha8Rng,
    next_clause: usize,
    mediator_turn: usize,
    ending: Option<Ending>,
}

/// Runs a round of talks.
pub fn simulate(talks: &Talks) -> Result<TalksRun, TalksError> {
    let scenario = &talks.scenario;
    let n = scenario.parties.len();
    if n < 2 {
        return Err(TalksError::TooFewParties);
    }
    if talks.sessions.is_empty() {
        return Err(TalksError::NoSessions);
    }
    let space = &scenario.space;
    space
        .enumerable(entente_core::analysis::plan::TALKS_ENUMERATION_LIMIT as usize)
        .map_err(|_| TalksError::TooLarge(space.cardinality()))?;

    let actors = Actors::of(talks);
    let agenda: Vec<ClauseSpec> =
        talks.agenda.iter().map(|&i| clause_spec(space, i, None)).collect::<Result<_, _>>()?;
    let pkg = Package::new(actors.package_actors(), agenda)?;

    let mut text = talks.defaults.clone();
    if let Some(b) = &talks.baseline {
        for &(issue, value) in &b.clauses {
            if let Some(v) = text.get_mut(issue) {
                *v = value;
            }
        }
    }
    let mut sim = Sim {
        talks,
        actors,
        space,
        pkg,
        log: Log::default(),
        texts: Vec::new(),
        draft: text.clone(),
        text,
        own: Vec::new(),
        reservations: Vec::new(),
        instructions: Vec::new(),
        bloc_tables: Vec::new(),
        win_sets: Vec::new(),
        sets: Vec::new(),
        pending: Vec::new(),
        breakdown_risk: 0.0,
        rng: ChaCha8Rng::seed_from_u64(talks.seed),
        next_clause: 0,
        mediator_turn: 0,
        ending: None,
    };
    for (k, p) in scenario.parties.iter().enumerate() {
        match &p.delegation {
            Some(d) => {
                // The instructions it starts with: its timeline before any instruction of the talks.
                let instructions = talks.timeline(k).map_or_else(|| d.declared(), |tl| tl.after(0));
                let tables = DelegationState::bloc_tables(space, d)?;
                sim.bloc_tables.push(Some(tables));
                sim.instructions.push(Some(instructions));
                sim.own.push(UtilityTable::from_utilities(vec![0.0], 0.0)?);
                sim.reservations.push(0.0);
                sim.win_sets.push(None);
                sim.sets.push(None);
                sim.refresh_delegation(k)?;
            }
            None => {
                sim.own.push(UtilityTable::new(space, &p.utility)?);
                sim.reservations.push(p.utility.reservation());
                sim.bloc_tables.push(None);
                sim.instructions.push(None);
                sim.win_sets.push(None);
                sim.sets.push(None);
            }
        }
    }
    sim.draft = sim.initial_draft();
    sim.rebuild_text();
    sim.run()?;
    // Incidents after the round (the aftermath) are logged too, after the
    // mediators' assessment at the end (the log is append-only, in time
    // order); their effects count in the assessment.
    let end = sim.pkg.time().max(talks.end());
    let main = std::mem::take(&mut sim.log);
    let mut aftermath: Vec<usize> = (0..talks.incidents.len()).filter(|&i| talks.incidents[i].at > end).collect();
    aftermath.sort_by_key(|&i| talks.incidents[i].at);
    for inc in aftermath {
        let at = talks.incidents[inc].at;
        sim.incident(inc, at)?;
    }
    let after = std::mem::replace(&mut sim.log, main);
    let mut run = sim.finish();
    let assessment = crate::assessment::assess(talks, &run)?;
    run.log.push(end, Visibility::Mediators, Entry::Assessment { text: assessment.text.clone() })?;
    for e in after.entries() {
        run.log.push(e.time, e.visibility.clone(), e.entry.clone())?;
    }
    run.assessment = Some(assessment);
    run.baseline = crate::assessment::baseline_report(talks, &run);
    Ok(run)
}

fn clause_spec(space: &OutcomeSpace, issue: usize, guarantor: Option<ActorId>) -> Result<ClauseSpec, TalksError> {
    let mut spec = ClauseSpec::for_issue(space, issue)?;
    let deadline = Deadline::from_issue(&space.issues()[issue]);
    if deadline.is_some() || guarantor.is_some() {
        spec = spec.with_commitment(Commitment { obligor: None, deadline, guarantor });
    }
    Ok(spec)
}

impl Sim<'_> {
    fn id(&self, text: &[u32]) -> OutcomeId {
        self.space.index_of(text).map_or(0, |i| i as OutcomeId)
    }

    fn utility(&self, party: usize, text: &[u32]) -> f64 {
        self.own[party].utility(self.id(text))
    }

    /// How much of its utility range party `k` is ready to give up on one
    /// clause at minute `t`: `s · τ^e`, where `s` is the share of its range
    /// above its reservation value and τ the relative time of the round. It
    /// starts at nothing and reaches, at the end, all it can give up and still
    /// beat no agreement.
    fn allowance(&self, k: usize, t: Timestamp) -> f64 {
        let table = &self.own[k];
        let range = table.max() - table.min();
        if range <= 0.0 {
            return 1.0;
        }
        let r = self.reservations[k].max(table.min());
        let share = ((table.max() - r) / range).clamp(0.0, 1.0);
        let e = self.talks.conduct.get(k).map_or(1.0, |c| c.exponent);
        share * self.talks.relative(t).powf(e)
    }

    /// What party `k` gives up with option `o` of `issue`, as a share of its
    /// utility range: the gap to its best option of that issue, the rest of the
    /// text as it stands.
    fn loss(&self, k: usize, issue: usize, o: u32) -> f64 {
        let table = &self.own[k];
        let range = table.max() - table.min();
        let mut text = self.text.clone();
        let mut best = f64::NEG_INFINITY;
        for v in 0..self.space.radices()[issue] {
            text[issue] = v;
            best = best.max(self.utility(k, &text));
        }
        text[issue] = o;
        if range <= 0.0 { 0.0 } else { (best - self.utility(k, &text)) / range }
    }

    /// Recomputes a delegation's mandate, reservation and win-set from its
    /// instructions in force.
    fn refresh_delegation(&mut self, k: usize) -> Result<(), TalksError> {
        let (Some(d), Some(i), Some(tables)) =
            (&self.talks.scenario.parties[k].delegation, &self.instructions[k], &self.bloc_tables[k])
        else {
            return Ok(());
        };
        let state = DelegationState::new(self.space, d, tables, i)?;
        self.own[k] = state.table;
        self.reservations[k] = state.reservation;
        self.win_sets[k] = Some(state.win_set);
        self.sets[k] = Some(state.sets);
        Ok(())
    }

    /// Whether party `k` would ratify `text` (a unitary party: it beats its reservation value).
    fn ratifies(&self, k: usize, text: &[u32]) -> bool {
        match &self.win_sets[k] {
            Some(w) => w.contains(self.id(text)),
            None => self.utility(k, text) > self.reservations[k],
        }
    }

    /// The package id of an actor of the round (an unknown one gets an id
    /// the package refuses, so the move fails loudly).
    fn id_of(&self, r: ActorRef) -> ActorId {
        self.actors.id(r).unwrap_or(ActorId(u32::MAX))
    }

    /// The channel of what derives from party `k`'s private preferences.
    fn private(&self, k: usize) -> Visibility {
        private_channel(self.talks, k)
    }

    /// Applies a simulated actor's move. A refused move is an error (a
    /// simulated actor that proposes something illegal is a bug), never dropped.
    fn act(&mut self, mv: Move) -> Result<(), TalksError> {
        let mut events = Vec::new();
        self.pkg.act(&mv, &mut |e| events.push(e))?;
        let actors = &self.actors;
        let talks = self.talks;
        for e in events {
            self.log.package(e, &|a| actors.capital_of(a), &|a| actors.party_of(a), &|k| private_channel(talks, k))?;
        }
        Ok(())
    }

    fn snapshot(&mut self, time: Timestamp) -> Result<(), TalksError> {
        let utilities: Vec<f64> = (0..self.own.len()).map(|k| self.utility(k, &self.text)).collect();
        let live: Vec<ClauseState> =
            self.pkg.clauses().iter().map(|c| c.state).filter(|s| *s != ClauseState::Withdrawn).collect();
        let share = |s: ClauseState| {
            if live.is_empty() { 0.0 } else { live.iter().filter(|x| **x == s).count() as f64 / live.len() as f64 }
        };
        let snap = TextSnapshot {
            time,
            text: self.text.clone(),
            utilities,
            closure: share(ClauseState::Provisional),
            waiting: share(ClauseState::AdRef),
        };
        if self
            .texts
            .last()
            .is_none_or(|l| l.text != snap.text || l.closure != snap.closure || l.waiting != snap.waiting)
        {
            self.log.push(time, Visibility::Public, Entry::TextProposed { text: snap.text.clone() })?;
            for (party, &utility) in snap.utilities.iter().enumerate() {
                self.log.push(time, self.private(party), Entry::TextScored { party, utility })?;
            }
            self.texts.push(snap);
        }
        Ok(())
    }

    /// The mediators' first draft: over the options of the agenda's issues
    /// (the others at their defaults), the text that maximises the product of
    /// the parties' gains over their reservation values (their worst utility
    /// when they have none); when no text beats every reservation value, the
    /// one whose worst margin is largest.
    fn initial_draft(&self) -> Vec<u32> {
        let base = self.text.clone();
        let radices: Vec<u32> = self.talks.agenda.iter().map(|&i| self.space.radices()[i]).collect();
        let n = self.own.len();
        let mut best: Option<(bool, f64, Vec<u32>)> = None;
        let mut idx = vec![0u32; radices.len()];
        loop {
            let mut text = base.clone();
            for (&i, &v) in self.talks.agenda.iter().zip(&idx) {
                text[i] = v;
            }
            let margins: Vec<f64> =
                (0..n).map(|k| self.utility(k, &text) - self.reservations[k].max(self.own[k].min())).collect();
            let feasible = margins.iter().all(|&m| m > 0.0);
            let score =
                if feasible { margins.iter().product() } else { margins.iter().copied().fold(f64::INFINITY, f64::min) };
            if best.as_ref().is_none_or(|(f, sc, _)| (feasible && !f) || (feasible == *f && score > *sc)) {
                best = Some((feasible, score, text));
            }
            let mut k = radices.len();
            loop {
                if k == 0 {
                    return best.map_or(base, |b| b.2);
                }
                k -= 1;
                idx[k] += 1;
                if idx[k] < radices[k] {
                    break;
                }
                idx[k] = 0;
            }
        }
    }

    /// The text: the draft, with each clause's agreed option.
    fn rebuild_text(&mut self) {
        let mut text = self.draft.clone();
        for c in self.pkg.clauses() {
            if let (Some(issue), Some(opt)) = (c.issue, c.agreed)
                && matches!(c.state, ClauseState::AdRef | ClauseState::Provisional)
                && let Some(v) = text.get_mut(issue as usize)
            {
                *v = opt;
            }
        }
        self.text = text;
    }

    fn run(&mut self) -> Result<(), TalksError> {
        let talks = self.talks;
        // Timed happenings, in order: instructions and incidents.
        let mut instructions: Vec<usize> = (0..talks.instructions.len()).collect();
        instructions.sort_by_key(|&i| talks.instructions[i].at);
        let mut incidents: Vec<usize> = (0..talks.incidents.len()).collect();
        incidents.sort_by_key(|&i| talks.incidents[i].at);
        let (mut ii, mut ni) = (0, 0);
        // What happens before the round opens comes first (the log is in time order).
        if talks.start() > 0 {
            self.happenings_until(talks.start() - 1, &instructions, &mut ii, &incidents, &mut ni)?;
        }
        self.snapshot(talks.start())?;
        for s in &talks.sessions {
            // What happens before this session starts.
            self.happenings_until(s.start, &instructions, &mut ii, &incidents, &mut ni)?;
            if self.ending.is_some() {
                break;
            }
            self.log.push(
                s.start,
                Visibility::Public,
                Entry::SessionStarted { day: s.day, label: s.label.clone(), minutes: s.minutes },
            )?;
            let mut t = s.start;
            while t < s.end() && self.ending.is_none() {
                self.happenings_until(t, &instructions, &mut ii, &incidents, &mut ni)?;
                if self.ending.is_some() {
                    break;
                }
                self.mediation_step(t)?;
                self.try_vote(t)?;
                self.snapshot(t)?;
                t += talks.step_minutes.max(1);
            }
            if self.ending.is_none() {
                // What falls due before the session closes (a capital's answer) comes first.
                self.happenings_until(s.end(), &instructions, &mut ii, &incidents, &mut ni)?;
            }
            if self.ending.is_none() {
                self.log.push(
                    s.end(),
                    Visibility::Public,
                    Entry::SessionEnded { day: s.day, label: s.label.clone() },
                )?;
            }
        }
        if self.ending.is_none() {
            let end = talks.end();
            self.happenings_until(end, &instructions, &mut ii, &incidents, &mut ni)?;
            self.try_vote(end)?;
        }
        if self.ending.is_none() {
            let end = talks.end().max(self.pkg.time());
            let why: Vec<String> = self.pkg.blockers().iter().map(|b| self.describe_blocker(b)).collect();
            let reason = Reason::NoAdoptionByEnd { blockers: why.clone() };
            if let Some(m) = self.actors.id(ActorRef::Mediator(0)) {
                self.act(Move::new(m, end, Action::End).because(reason))?;
            }
            self.ending = Some(Ending::NotAdopted { at: end, why });
        }
        Ok(())
    }

    fn describe_blocker(&self, b: &package::Blocker) -> String {
        let title = self.pkg.clause(b.clause).map_or("?".to_string(), |c| c.title.clone());
        let why = match &b.why {
            package::BlockReason::Open => "open".to_string(),
            package::BlockReason::Bracketed { .. } => "in brackets".to_string(),
            package::BlockReason::AwaitingCapitals { .. } => "waiting for a capital".to_string(),
            package::BlockReason::AwaitingConsent { guarantor, refused } => {
                let name = self.actor_name(*guarantor);
                if *refused {
                    format!("{name} refused to guarantee it")
                } else {
                    format!("waiting for {name}'s consent")
                }
            }
            package::BlockReason::Reopened { .. } => "reopened".to_string(),
        };
        format!("{title} ({why})")
    }

    fn actor_name(&self, a: ActorId) -> String {
        self.actors.name(a).map_or(format!("actor {}", a.0), str::to_string)
    }

    /// Instructions, incidents and capitals' answers due up to minute `t`.
    fn happenings_until(
        &mut self,
        t: Timestamp,
        instructions: &[usize],
        ii: &mut usize,
        incidents: &[usize],
        ni: &mut usize,
    ) -> Result<(), TalksError> {
        loop {
            // The earliest of: next instruction, next incident, next capital answer.
            let next_instruction = instructions.get(*ii).map(|&i| self.talks.instructions[i].at).filter(|&a| a <= t);
            let next_incident = incidents.get(*ni).map(|&i| self.talks.incidents[i].at).filter(|&a| a <= t);
            let next_capital = self.pending.iter().map(|p| p.0).filter(|&a| a <= t).min();
            let candidates = [next_instruction, next_incident, next_capital];
            let Some(at) = candidates.iter().flatten().min().copied() else { return Ok(()) };
            // Nothing is logged before what is already in the log.
            let at = at.max(self.pkg.time()).max(self.log.entries().last().map_or(0, |e| e.time));
            if next_capital
                .is_some_and(|c| c <= next_instruction.unwrap_or(u64::MAX).min(next_incident.unwrap_or(u64::MAX)))
            {
                self.capital_answers(at)?;
            } else if next_instruction.is_some_and(|i| i <= next_incident.unwrap_or(u64::MAX)) {
                let idx = instructions[*ii];
                *ii += 1;
                self.instruction(idx, at)?;
            } else {
                let idx = incidents[*ni];
                *ni += 1;
                self.incident(idx, at)?;
            }
            self.rebuild_text();
            self.snapshot(at)?;
            if self.ending.is_some() {
                return Ok(());
            }
        }
    }

    /// Capitals answer the calls that are due.
    fn capital_answers(&mut self, at: Timestamp) -> Result<(), TalksError> {
        let due: Vec<(Timestamp, usize, ClauseId)> = self.pending.iter().copied().filter(|p| p.0 <= at).collect();
        self.pending.retain(|p| p.0 > at);
        for (_, k, clause) in due {
            if self.pkg.is_closed() {
                // Once the talks have ended, capitals no longer answer.
                return Ok(());
            }
            let Some(c) = self.pkg.clause(clause) else { continue };
            if c.state != ClauseState::AdRef {
                continue;
            }
            self.rebuild_text();
            let text = self.text.clone();
            let ok = self.ratifies(k, &text);
            let reason =
                if ok { Reason::WithinWinSet } else { Reason::Declined { objections: self.objections(k, &text) } };
            let action = if ok { Action::Confirm { clause } } else { Action::Decline { clause } };
            self.act(Move::new(self.id_of(ActorRef::Capital(k)), at, action).because(reason))?;
        }
        Ok(())
    }

    /// The blocs of delegation `k` that do not accept `text`.
    fn objections(&self, k: usize, text: &[u32]) -> Vec<Objection> {
        let (Some(i), Some(sets)) = (&self.instructions[k], &self.sets[k]) else { return vec![] };
        let id = self.id(text);
        i.blocs
            .iter()
            .zip(sets)
            .filter(|(_, s)| !s.acceptable().contains(id))
            .map(|(b, s)| {
                if !s.red.contains(id) {
                    return Objection { bloc: b.name.clone(), red_lines: None };
                }
                let crossed: Vec<String> = b
                    .red_lines
                    .iter()
                    .filter_map(|r| match *r {
                        RedLine::Value { issue, value } if text.get(issue) == Some(&value) => {
                            let issue = &self.space.issues()[issue];
                            Some(format!(
                                "{}={}",
                                issue.name,
                                issue.value(value).map_or_else(|| value.to_string(), |v| v.to_string())
                            ))
                        }
                        RedLine::Outcome(o) if o == id => Some("this exact package".to_string()),
                        _ => None,
                    })
                    .collect();
                Objection { bloc: b.name.clone(), red_lines: Some(crossed) }
            })
            .collect()
    }

    /// The shortfall of delegation `k`'s objecting blocs on `text`: how far
    /// each is below its reversion point, plus one per red line crossed.
    fn shortfall(&self, k: usize, text: &[u32]) -> f64 {
        let (Some(i), Some(sets), Some(tables)) = (&self.instructions[k], &self.sets[k], &self.bloc_tables[k]) else {
            return 0.0;
        };
        let id = self.id(text);
        i.blocs
            .iter()
            .zip(sets)
            .zip(tables)
            .filter(|((b, _), _)| b.veto || matches!(i.rule, entente_core::blocs::Rule::Unanimity))
            .map(|((b, s), t)| {
                let r = match b.reversion {
                    Reversion::Utility(u) => u,
                    Reversion::Outcome(o) => t.utility(o),
                };
                (r - t.utility(id)).max(0.0) + if s.red.contains(id) { 1.0 } else { 0.0 }
            })
            .sum()
    }

    fn instruction(&mut self, idx: usize, at: Timestamp) -> Result<(), TalksError> {
        let ins = &self.talks.instructions[idx];
        let k = ins.party;
        let party_name = self.talks.scenario.parties[k].name.clone();
        let Some(current) = self.instructions.get_mut(k).and_then(|i| i.as_mut()) else { return Ok(()) };
        let Some(b) = current.blocs.get(ins.bloc) else { return Ok(()) };
        let bloc = b.name.clone();
        // The delegation's timeline, this instruction applied.
        if let Some(next) = self.talks.instructions_after(idx) {
            *current = next;
        }
        self.log.push(
            at,
            Visibility::Party { party: k },
            Entry::Instruction { party: k, bloc: bloc.clone(), text: ins.text.clone() },
        )?;
        self.refresh_delegation(k)?;
        if let Some(s) = &ins.statement {
            self.log.push(at, Visibility::Public, Entry::Statement { actor: party_name.clone(), text: s.clone() })?;
        }
        if let Some(item) = &ins.table {
            let already = self
                .pkg
                .clauses()
                .iter()
                .any(|c| c.issue == Some(item.issue as u32) && c.state != ClauseState::Withdrawn);
            // Once the talks have ended, nothing more is tabled.
            if !already && !self.pkg.is_closed() {
                let guarantor = item.guarantor.map(|g| self.id_of(ActorRef::Guarantor(g)));
                let spec = clause_spec(self.space, item.issue, guarantor)?;
                let reason = Reason::Tabled { party: k, bloc: bloc.clone() };
                self.act(Move::new(self.id_of(ActorRef::Party(k)), at, Action::Table { item: spec }).because(reason))?;
                // A present guarantor answers at once.
                if let Some(g) = item.guarantor
                    && let Some(gu) = self.talks.guarantors.get(g)
                    && gu.present
                {
                    let clause = ClauseId(self.pkg.clauses().len() as u32 - 1);
                    let why = Reason::GuarantorAnswer { consents: gu.consents };
                    let g = self.id_of(ActorRef::Guarantor(g));
                    self.act(Move::new(g, at, Action::Consent { clause, given: gu.consents }).because(why))?;
                }
            }
        }
        self.review(k, at, Reason::UnderReview { party: k, bloc })?;
        Ok(())
    }

    /// Delegation `k` reviews the agreed text against its win-set and reopens
    /// the provisional clauses whose change would reduce its blocs' shortfall.
    fn review(&mut self, k: usize, at: Timestamp, reason: Reason) -> Result<(), TalksError> {
        self.rebuild_text();
        let text = self.text.clone();
        // Once the talks have ended, nothing is reopened.
        if self.pkg.is_closed() || self.win_sets[k].is_none() || self.ratifies(k, &text) {
            return Ok(());
        }
        let base = self.shortfall(k, &text);
        let mut to_reopen = Vec::new();
        for c in self.pkg.clauses() {
            let (Some(issue), ClauseState::Provisional) = (c.issue, c.state) else { continue };
            let issue = issue as usize;
            let better = c.options.iter().any(|&o| {
                let mut t = text.clone();
                t[issue] = o;
                o != text[issue] && self.shortfall(k, &t) < base - 1e-12
            });
            if better {
                to_reopen.push(c.id);
            }
        }
        for clause in to_reopen {
            self.act(Move::new(self.id_of(ActorRef::Party(k)), at, Action::Reopen { clause }).because(reason.clone()))?;
        }
        Ok(())
    }

    fn incident(&mut self, idx: usize, at: Timestamp) -> Result<(), TalksError> {
        let inc = &self.talks.incidents[idx];
        let mut effects = Vec::new();
        let mut moved = Vec::new();
        for (n, e) in inc.effects.iter().enumerate() {
            match e {
                Effect::LowerReservation { party, by } => {
                    if let Some(r) = self.reservations.get_mut(*party) {
                        *r -= by;
                        moved.push(Entry::ReservationMoved { party: *party, incident: idx, effect: n, by: -by });
                    }
                }
                Effect::BreakdownRisk { add } => {
                    self.breakdown_risk = (self.breakdown_risk + add).clamp(0.0, 1.0);
                    effects.push(IncidentEffect::BreakdownRisk { risk: self.breakdown_risk });
                }
                Effect::Reopen { party, issues } => {
                    effects.push(IncidentEffect::Reopens { party: self.talks.scenario.parties[*party].name.clone() });
                    if self.pkg.is_closed() {
                        // After the end (the aftermath) nothing is reopened.
                        continue;
                    }
                    let clauses: Vec<ClauseId> = self
                        .pkg
                        .clauses()
                        .iter()
                        .filter(|c| {
                            c.state == ClauseState::Provisional
                                && c.issue.is_some_and(|i| issues.contains(&(i as usize)))
                        })
                        .map(|c| c.id)
                        .collect();
                    for clause in clauses {
                        let reason = Reason::Incident { index: idx, place: inc.place.clone() };
                        let by = self.id_of(ActorRef::Party(*party));
                        self.act(Move::new(by, at, Action::Reopen { clause }).because(reason))?;
                    }
                }
            }
        }
        self.log.push(
            at,
            Visibility::Public,
            Entry::Incident {
                index: idx,
                place: inc.place.clone(),
                casualties: inc.casualties,
                attributed_to: inc.attributed_to.clone(),
                text: inc.text.clone(),
                effects,
            },
        )?;
        for m in moved {
            let Entry::ReservationMoved { party, .. } = m else { continue };
            self.log.push(at, self.private(party), m)?;
        }
        Ok(())
    }

    /// One mediation step at minute `t` by the mediator on duty.
    fn mediation_step(&mut self, t: Timestamp) -> Result<(), TalksError> {
        // Talks without mediators have no mediation steps.
        let n_mediators = self.talks.mediators.len();
        if n_mediators == 0 {
            return Ok(());
        }
        let mediator = self.id_of(ActorRef::Mediator(self.mediator_turn % n_mediators));
        self.mediator_turn += 1;
        let clauses: Vec<(ClauseId, ClauseState)> = self.pkg.states();
        let unsettled: Vec<(ClauseId, ClauseState)> = clauses
            .iter()
            .copied()
            .filter(|(_, s)| matches!(s, ClauseState::Open | ClauseState::Bracketed | ClauseState::Reopened))
            .collect();
        if unsettled.is_empty() {
            return Ok(());
        }
        let (clause, state) = unsettled[self.next_clause % unsettled.len()];
        self.next_clause += 1;
        let Some(c) = self.pkg.clause(clause).cloned() else { return Ok(()) };
        match state {
            ClauseState::Reopened => {
                self.act(Move::new(mediator, t, Action::Restart { clause }).because(Reason::BackToTable))?;
            }
            ClauseState::Open => {
                let options = c.options.clone();
                self.act(Move::new(mediator, t, Action::Propose { clause, options }).because(Reason::MediatorsDraft))?;
            }
            ClauseState::Bracketed => {
                let Some(issue) = c.issue.map(|i| i as usize) else { return Ok(()) };
                self.rebuild_text();
                let n = self.own.len();
                let allowances: Vec<f64> = (0..n).map(|k| self.allowance(k, t)).collect();
                // The option that leaves the parties the largest margin between
                // what they are ready to give up and what it costs them (ties:
                // the largest Nash product of the text).
                let mut best: Option<(f64, f64, u32)> = None;
                for &o in &c.brackets {
                    let mut text = self.text.clone();
                    text[issue] = o;
                    let margin = (0..n).map(|k| allowances[k] - self.loss(k, issue, o)).fold(f64::INFINITY, f64::min);
                    let nash = (0..n)
                        .map(|k| (self.utility(k, &text) - self.reservations[k].max(self.own[k].min())).max(0.0))
                        .product::<f64>();
                    if best.is_none_or(|(m, p, _)| margin > m || (margin == m && nash > p)) {
                        best = Some((margin, nash, o));
                    }
                }
                let Some((_, _, option)) = best else { return Ok(()) };
                let mut text = self.text.clone();
                text[issue] = option;
                let mut all_agree = true;
                for (k, &allowance) in allowances.iter().enumerate() {
                    let loss = self.loss(k, issue, option);
                    let u = self.utility(k, &text);
                    if loss <= allowance + 1e-12 && u > self.reservations[k] {
                        let reason = Reason::Concession { loss, allowance, value: u };
                        let by = self.id_of(ActorRef::Party(k));
                        if c.agreements.get(&by) == Some(&option) {
                            // Its standing agreement to this option still holds.
                            continue;
                        }
                        self.act(Move::new(by, t, Action::AgreeAdRef { clause, option }).because(reason))?;
                    } else {
                        all_agree = false;
                    }
                }
                if all_agree {
                    self.draft[issue] = option;
                    // Delegations call their capitals.
                    for k in 0..n {
                        if self.talks.scenario.parties[k].delegation.is_some()
                            && self.pkg.clause(clause).is_some_and(|c| c.state == ClauseState::AdRef)
                        {
                            let delay = self.talks.conduct.get(k).map_or(60, |c| c.capital_delay);
                            self.pending.push((t + delay, k, clause));
                            self.log.push(
                                t,
                                Visibility::Party { party: k },
                                Entry::CapitalCalled { party: k, clause: clause.0 },
                            )?;
                        }
                    }
                    self.rebuild_text();
                } else if self.breakdown_risk > 0.0 && self.rng.random::<f64>() < self.breakdown_risk {
                    let walker = (0..n)
                        .min_by(|&a, &b| {
                            let sa = self.utility(a, &text) - self.reservations[a];
                            let sb = self.utility(b, &text) - self.reservations[b];
                            sa.total_cmp(&sb)
                        })
                        .unwrap_or(0);
                    let name = self.talks.scenario.parties[walker].name.clone();
                    let reason = Reason::WalkedOut { party: name.clone() };
                    self.act(Move::new(mediator, t, Action::End).because(reason))?;
                    self.ending = Some(Ending::BrokeDown { at: t, by: name });
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Calls the vote when the package is complete, and ends the round on adoption.
    fn try_vote(&mut self, t: Timestamp) -> Result<(), TalksError> {
        if self.ending.is_some() || !matches!(self.pkg.status(), Status::Negotiating) {
            return Ok(());
        }
        // The vote is called as soon as the package allows it (every clause provisional).
        let Some(mediator) = self.actors.id(ActorRef::Mediator(0)) else { return Ok(()) };
        let call = Move::new(mediator, t, Action::CallVote).because(Reason::AllProvisional);
        if self.pkg.check(&call).is_err() {
            return Ok(());
        }
        self.act(call)?;
        self.rebuild_text();
        let text = self.text.clone();
        for k in 0..self.own.len() {
            let yes = self.ratifies(k, &text);
            let reason = if yes { Reason::VoteFor } else { Reason::VoteAgainst };
            self.act(Move::new(self.id_of(ActorRef::Party(k)), t, Action::Vote { yes }).because(reason))?;
            if !yes {
                break;
            }
        }
        if let Status::Adopted { at, .. } = self.pkg.status() {
            self.ending = Some(Ending::Adopted { at: *at, text });
        }
        Ok(())
    }

    fn finish(mut self) -> TalksRun {
        self.rebuild_text();
        let clauses = self
            .pkg
            .clauses()
            .iter()
            .map(|c| ClauseSummary {
                clause: c.id.0,
                issue: c.issue.map_or(usize::MAX, |i| i as usize),
                title: c.title.clone(),
                state: c.state,
                tabled: match c.origin {
                    package::Origin::Tabled { by, at } => Some((self.actor_name(by), at)),
                    package::Origin::Agenda { .. } => None,
                },
            })
            .collect();
        let actor_names = self.actors.names();
        TalksRun {
            log: self.log,
            texts: self.texts,
            ending: self.ending.unwrap_or(Ending::NotAdopted { at: 0, why: vec![] }),
            text: self.text,
            reservations: self.reservations,
            instructions: self.instructions,
            clauses,
            actor_names,
            assessment: None,
            baseline: None,
        }
    }
}

/// The channel of what derives from party `k`'s private preferences: that
/// party, and the mediators if it confides its preferences to them.
pub fn private_channel(talks: &Talks, k: usize) -> Visibility {
    if talks.conduct.get(k).is_none_or(|c| c.confided_to_mediators) {
        Visibility::Confided { party: k }
    } else {
        Visibility::Party { party: k }
    }
}

/// A minute of the talks as `day D, HH:MM`.
pub fn when(t: Timestamp) -> String {
    clock(t)
}
