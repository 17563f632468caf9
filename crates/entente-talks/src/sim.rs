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
//! - **Tabling.** A delegation tables an item on a bloc's instructions; a
//!   party or a mediator may table one on its own initiative
//!   (`[[talks.tabling]]`).
//! - **Guarantors.** A clause that names a guarantor (a tabled item, or an
//!   agenda clause in `guarantees`, asked at the opening) needs its consent;
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

//!
//! # Driving a round
//!
//! A [`Round`] is a deterministic machine with no clock of its own: the
//! caller asks when something is next due ([`Round::next_due`]) and advances
//! it to a time ([`Round::advance_to`]), so that a server can hold a round
//! open for days, advancing it as its clock runs, while a simulation runs it
//! through at once ([`simulate`]). At each point where an actor decides, the
//! round prompts the participant in that actor's seat ([`Seats`]; the
//! simulated behaviours, e.g. [`crate::SimulatedParty`], by default) and applies its
//! answers through the package machine. Every prompt and its answers are
//! kept as [`Turn`]s: replaying an actor's turns ([`ScriptedParticipant`])
//! reproduces the round.

use std::sync::Arc;

use entente_core::blocs::Instructions;
use entente_core::{OutcomeSpace, UtilityFunction, UtilityTable};
use entente_model::timeline::DelegationState;
use entente_protocols::package::{
    self, Action, ActorId, ClauseId, ClauseSpec, ClauseState, Commitment, Deadline, Move, Package, Reason, Status,
    Timestamp,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::actors::{ActorRef, Actors};
use crate::log::{Entry, IncidentEffect, Log, Visibility};
use crate::model::{Effect, Talks, clock};
use crate::participant::{Answer, DelegationPosition, Position, Prompt, Seats, View};

#[cfg(doc)]
use crate::participant::ScriptedParticipant;

mod post;
mod submit;
pub use post::{MAX_DOCUMENT_CHARS, MAX_MESSAGE_CHARS, MAX_TITLE_CHARS, Post, PostError};
pub use submit::seat_persons;

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
    /// A participant's move that the package machine refused.
    #[error("{actor} may not {action} at {when}: {why}")]
    Refused { actor: String, action: &'static str, when: String, why: package::PackageError },
    /// A message or a document the round refuses (nothing was written).
    #[error("{actor} may not post this: {error}")]
    Post { actor: String, error: post::PostError },
    /// A participant put an option to the parties out of turn or outside the brackets.
    #[error("{actor} cannot put option {option} of clause {clause} to the parties at {when}: {why}")]
    BadPut { actor: String, clause: u32, option: u32, when: String, why: &'static str },
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

impl Ending {
    /// The minute the round ended.
    pub fn at(&self) -> Timestamp {
        match self {
            Ending::Adopted { at, .. } | Ending::NotAdopted { at, .. } | Ending::BrokeDown { at, .. } => *at,
        }
    }
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
    /// Per mediator: its drafting rule, the options it put to the parties and
    /// how many every party agreed to.
    #[serde(default)]
    pub drafts: Vec<DraftTally>,
}

/// A mediator's drafts: the options it put to the parties, and those every
/// party agreed to (ad referendum).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftTally {
    pub mediator: String,
    /// Its drafting rule (`margin` by default; see [`crate::model::Drafting`]).
    pub rule: String,
    pub put: usize,
    pub accepted: usize,
}

impl TalksRun {
    /// The name of the actor `a` ("actor N" if the run does not name it).
    pub fn actor_name(&self, a: ActorId) -> String {
        self.actor_names.iter().find(|(id, _)| *id == a).map_or(format!("actor {}", a.0), |(_, n)| n.clone())
    }

    /// The package protocol's events, in the log's order, with their `seq`.
    pub fn package_events(&self) -> impl Iterator<Item = (u64, &entente_protocols::package::Event)> + '_ {
        self.log.entries().iter().filter_map(|e| match &e.entry {
            Entry::Package { event } => Some((e.seq, event)),
            _ => None,
        })
    }
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

/// One prompt of the round and the answers it got: the round's input from
/// its participants. An actor's turns, replayed, reproduce its part.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub time: Timestamp,
    pub actor: ActorRef,
    pub prompt: Prompt,
    pub answers: Vec<Answer>,
}

/// Where the round stands in its schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "phase")]
pub enum Phase {
    /// Before the opening: the first text is still to be logged.
    Opening,
    /// Session `session` is about to start.
    SessionStart { session: usize },
    /// The mediation step of session `session` at minute `at`.
    Step { session: usize, at: Timestamp },
    /// Session `session` is about to close.
    SessionClose { session: usize },
    /// After the last session: the last vote, or the end without adoption.
    Closing,
    /// The talks are over ([`Round::finish`] gives the run).
    Closed,
}

/// A round of talks, advanced step by step (see the module's doc).
pub struct Round {
    talks: Arc<Talks>,
    actors: Actors,
    pkg: Package,
    log: Log,
    texts: Vec<TextSnapshot>,
    text: Vec<u32>,
    /// The mediators' single text: every issue's drafted option (agreed ones
    /// included).
    draft: Vec<u32>,
    /// Per party: its private position.
    positions: Vec<Position>,
    /// Per delegation party: its blocs' utility tables (fixed).
    bloc_tables: Vec<Option<Vec<UtilityTable>>>,
    /// Capital answers due: (time, party, clause).
    pending: Vec<(Timestamp, usize, ClauseId)>,
    breakdown_risk: f64,
    rng: ChaCha8Rng,
    /// Mediation turns taken so far (the simulated mediators' round robin over the clauses).
    turns: usize,
    /// Mediation steps so far (the co-mediators take them in turn).
    mediator_turn: usize,
    ending: Option<Ending>,
    phase: Phase,
    /// Instructions and incidents in time order, and how many have happened.
    instruction_order: Vec<usize>,
    next_instruction: usize,
    incident_order: Vec<usize>,
    next_incident: usize,
    /// Items tabled on a party's or a mediator's own initiative, in time order, and how many have been.
    tabling_order: Vec<usize>,
    next_tabling: usize,
    /// Per mediator: (options put, options every party agreed to).
    drafts: Vec<(usize, usize)>,
    journal: Vec<Turn>,
}

/// Runs a round of talks with every actor simulated.
pub fn simulate(talks: &Talks) -> Result<TalksRun, TalksError> {
    simulate_with(talks, &mut Seats::simulated())
}

/// Runs a round of talks through, with the participants of `seats` in
/// their seats (the others simulated).
pub fn simulate_with(talks: &Talks, seats: &mut Seats) -> Result<TalksRun, TalksError> {
    let mut round = Round::new(Arc::new(talks.clone()))?;
    round.advance_to(Timestamp::MAX, seats)?;
    round.finish(seats)
}

fn clause_spec(space: &OutcomeSpace, issue: usize, guarantor: Option<ActorId>) -> Result<ClauseSpec, TalksError> {
    let mut spec = ClauseSpec::for_issue(space, issue)?;
    let deadline = Deadline::from_issue(&space.issues()[issue]);
    if deadline.is_some() || guarantor.is_some() {
        spec = spec.with_commitment(Commitment { obligor: None, deadline, guarantor });
    }
    Ok(spec)
}

impl Round {
    /// A round of `talks`, before its opening.
    pub fn new(talks: Arc<Talks>) -> Result<Round, TalksError> {
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

        let actors = Actors::of(&talks);
        // An agenda clause may need a guarantor's consent (`guarantees`).
        let guarantor_of = |i: usize| {
            let g = talks.guarantees.iter().find(|(x, _)| *x == i)?.1;
            actors.id(ActorRef::Guarantor(g))
        };
        let agenda: Vec<ClauseSpec> =
            talks.agenda.iter().map(|&i| clause_spec(space, i, guarantor_of(i))).collect::<Result<_, _>>()?;
        let pkg = Package::new(actors.package_actors(), agenda)?;

        let mut text = talks.defaults.clone();
        if let Some(b) = &talks.baseline {
            for &(issue, value) in &b.clauses {
                if let Some(v) = text.get_mut(issue) {
                    *v = value;
                }
            }
        }
        let mut positions = Vec::with_capacity(n);
        let mut bloc_tables = Vec::with_capacity(n);
        for (k, p) in scenario.parties.iter().enumerate() {
            let exponent = talks.conduct.get(k).map_or(1.0, |c| c.exponent);
            match &p.delegation {
                Some(d) => {
                    // The instructions it starts with: its timeline before any instruction of the talks.
                    let instructions = talks.timeline(k).map_or_else(|| d.declared(), |tl| tl.after(0));
                    let tables = DelegationState::bloc_tables(space, d)?;
                    positions.push(delegation_position(space, d, &tables, instructions, exponent)?);
                    bloc_tables.push(Some(tables));
                }
                None => {
                    positions.push(Position {
                        table: UtilityTable::new(space, &p.utility)?,
                        reservation: p.utility.reservation(),
                        exponent,
                        delegation: None,
                    });
                    bloc_tables.push(None);
                }
            }
        }
        let mut instruction_order: Vec<usize> = (0..talks.instructions.len()).collect();
        instruction_order.sort_by_key(|&i| talks.instructions[i].at);
        let mut incident_order: Vec<usize> = (0..talks.incidents.len()).collect();
        incident_order.sort_by_key(|&i| talks.incidents[i].at);
        let mut tabling_order: Vec<usize> = (0..talks.tabling.len()).collect();
        tabling_order.sort_by_key(|&i| talks.tabling[i].at);
        let rng = ChaCha8Rng::seed_from_u64(talks.seed);
        let mut round = Round {
            actors,
            pkg,
            log: Log::default(),
            texts: Vec::new(),
            draft: text.clone(),
            text,
            positions,
            bloc_tables,
            pending: Vec::new(),
            breakdown_risk: 0.0,
            rng,
            turns: 0,
            mediator_turn: 0,
            ending: None,
            phase: Phase::Opening,
            instruction_order,
            next_instruction: 0,
            incident_order,
            next_incident: 0,
            tabling_order,
            next_tabling: 0,
            drafts: vec![(0, 0); talks.mediators.len()],
            journal: Vec::new(),
            talks,
        };
        round.draft = round.initial_draft();
        round.rebuild_text();
        Ok(round)
    }

    /// Where the round stands.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The log so far.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The package machine's state.
    pub fn package(&self) -> &Package {
        &self.pkg
    }

    /// The mediators' text as it stands.
    pub fn text(&self) -> &[u32] {
        &self.text
    }

    /// Every prompt of the round so far, with its answers.
    pub fn turns(&self) -> &[Turn] {
        &self.journal
    }

    /// How the round ended, once it has.
    pub fn ending(&self) -> Option<&Ending> {
        self.ending.as_ref()
    }

    /// The minute at which something next happens (a happening — an
    /// instruction, an incident, a capital's answer — or the schedule's next
    /// point), or `None` once the talks are over.
    pub fn next_due(&self) -> Option<Timestamp> {
        if self.phase == Phase::Closed {
            return None;
        }
        Some(self.due_happening().map_or_else(|| self.phase_time(), |(at, _)| at))
    }

    /// Advances the round through everything due at or before `until`.
    pub fn advance_to(&mut self, until: Timestamp, seats: &mut Seats) -> Result<(), TalksError> {
        while let Some(due) = self.next_due() {
            if due > until {
                break;
            }
            self.step(seats)?;
        }
        Ok(())
    }

    /// Takes the next thing due: one happening, or the schedule's next point.
    pub fn step(&mut self, seats: &mut Seats) -> Result<(), TalksError> {
        if let Some((at, h)) = self.due_happening() {
            match h {
                Happening::Capitals => self.capital_answers(at, seats)?,
                Happening::Instruction(idx) => {
                    self.next_instruction += 1;
                    self.instruction(idx, at, seats)?;
                }
                Happening::Incident(idx) => {
                    self.next_incident += 1;
                    self.incident(idx, at, seats)?;
                }
                Happening::Tabling(idx) => {
                    self.next_tabling += 1;
                    self.tabling(idx, at, seats)?;
                }
            }
            self.rebuild_text();
            // The vote is called at once when the happening completed the package.
            let chair = self.on_duty(self.mediator_turn);
            self.try_vote(at, chair, seats)?;
            return self.snapshot(at);
        }
        let talks = Arc::clone(&self.talks);
        match self.phase {
            Phase::Opening => {
                self.agenda_consents(talks.start(), seats)?;
                self.snapshot(talks.start())?;
                self.phase = Phase::SessionStart { session: 0 };
            }
            Phase::SessionStart { session } => {
                let Some(s) = talks.sessions.get(session) else {
                    self.phase = Phase::Closing;
                    return Ok(());
                };
                if self.ending.is_some() {
                    self.phase = Phase::Closing;
                    return Ok(());
                }
                let started = Entry::SessionStarted { day: s.day, label: s.label.clone(), minutes: s.minutes };
                self.log.push(s.start, Visibility::Public, started)?;
                self.phase = if s.start < s.end() {
                    Phase::Step { session, at: s.start }
                } else {
                    Phase::SessionClose { session }
                };
            }
            Phase::Step { session, at } => {
                self.mediation_step(at, seats)?;
                // The mediator of this step calls the vote when it is due.
                let chair = self.on_duty(self.mediator_turn.wrapping_sub(1));
                self.try_vote(at, chair, seats)?;
                self.snapshot(at)?;
                let next = at + talks.step_minutes.max(1);
                let end = talks.sessions.get(session).map_or(0, |s| s.end());
                self.phase = if next < end && self.ending.is_none() {
                    Phase::Step { session, at: next }
                } else {
                    Phase::SessionClose { session }
                };
            }
            Phase::SessionClose { session } => {
                if self.ending.is_none()
                    && let Some(s) = talks.sessions.get(session)
                {
                    self.log.push(
                        s.end(),
                        Visibility::Public,
                        Entry::SessionEnded { day: s.day, label: s.label.clone() },
                    )?;
                }
                self.phase = if self.ending.is_none() && session + 1 < talks.sessions.len() {
                    Phase::SessionStart { session: session + 1 }
                } else {
                    Phase::Closing
                };
            }
            Phase::Closing => {
                let end = talks.end();
                if self.ending.is_none() {
                    let chair = self.on_duty(self.mediator_turn);
                    self.try_vote(end, chair, seats)?;
                }
                if self.ending.is_none() {
                    let end = end.max(self.pkg.time());
                    let why: Vec<String> = self.pkg.blockers().iter().map(|b| self.describe_blocker(b)).collect();
                    let reason = Reason::NoAdoptionByEnd { blockers: why.clone() };
                    if let Some(m) = self.actors.id(ActorRef::Mediator(0)) {
                        self.act(Move::new(m, end, Action::End).because(reason))?;
                    }
                    self.ending = Some(Ending::NotAdopted { at: end, why });
                }
                self.phase = Phase::Closed;
            }
            Phase::Closed => {}
        }
        Ok(())
    }

    /// The minute of the schedule's next point.
    fn phase_time(&self) -> Timestamp {
        let talks = &self.talks;
        match self.phase {
            Phase::Opening => talks.start(),
            Phase::SessionStart { session } => talks.sessions.get(session).map_or(talks.end(), |s| s.start),
            Phase::Step { at, .. } => at,
            Phase::SessionClose { session } => talks.sessions.get(session).map_or(talks.end(), |s| s.end()),
            Phase::Closing | Phase::Closed => talks.end(),
        }
    }

    /// The happening due before the schedule's next point, with the minute
    /// it is logged at (never before what is already in the log). Nothing
    /// happens once the talks have ended (the aftermath comes with
    /// [`Round::finish`]).
    fn due_happening(&self) -> Option<(Timestamp, Happening)> {
        if self.ending.is_some() {
            return None;
        }
        let threshold = match self.phase {
            // What happens before the round opens comes first.
            Phase::Opening => self.talks.start().checked_sub(1)?,
            Phase::Closed => return None,
            _ => self.phase_time(),
        };
        let talks = &self.talks;
        let instruction = self
            .instruction_order
            .get(self.next_instruction)
            .map(|&i| (talks.instructions[i].at, i))
            .filter(|&(a, _)| a <= threshold);
        let incident = self
            .incident_order
            .get(self.next_incident)
            .map(|&i| (talks.incidents[i].at, i))
            .filter(|&(a, _)| a <= threshold);
        let capital = self.pending.iter().map(|p| p.0).filter(|&a| a <= threshold).min();
        let tabling = self
            .tabling_order
            .get(self.next_tabling)
            .map(|&i| (talks.tabling[i].at, i))
            .filter(|&(a, _)| a <= threshold);
        // The earliest; at the same minute: capitals, instructions, items tabled, incidents.
        let (at, _, h) = [
            capital.map(|c| (c, 0, Happening::Capitals)),
            instruction.map(|(a, i)| (a, 1, Happening::Instruction(i))),
            tabling.map(|(a, i)| (a, 2, Happening::Tabling(i))),
            incident.map(|(a, n)| (a, 3, Happening::Incident(n))),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|&(at, rank, _)| (at, rank))?;
        let at = at.max(self.pkg.time()).max(self.log.entries().last().map_or(0, |e| e.time));
        Some((at, h))
    }

    /// Ends the round's record: the incidents of the aftermath (after the
    /// end of the talks), the mediators' assessment, the comparison with
    /// the baseline. Runs the round through first if it is not over.
    pub fn finish(mut self, seats: &mut Seats) -> Result<TalksRun, TalksError> {
        self.advance_to(Timestamp::MAX, seats)?;
        let talks = Arc::clone(&self.talks);
        // Incidents after the round (the aftermath) are logged too, after the
        // mediators' assessment at the end (the log is append-only, in time
        // order); their effects count in the assessment.
        let end = self.pkg.time().max(talks.end());
        // Incidents after the talks ended (an adoption, a breakdown) but
        // within their schedule still happen; nobody reopens anything.
        let remaining: Vec<usize> = self.incident_order[self.next_incident..].to_vec();
        let (within, aftermath): (Vec<usize>, Vec<usize>) =
            remaining.into_iter().partition(|&i| talks.incidents[i].at <= end);
        for inc in within {
            let at = talks.incidents[inc].at.max(self.log.entries().last().map_or(0, |e| e.time));
            self.incident(inc, at, seats)?;
        }
        let main = std::mem::take(&mut self.log);
        for inc in aftermath {
            let at = talks.incidents[inc].at;
            self.incident(inc, at, seats)?;
        }
        let after = std::mem::replace(&mut self.log, main);
        let mut run = self.into_run();
        let assessment = crate::assessment::assess(&talks, &run)?;
        run.log.push(end, Visibility::Mediators, Entry::Assessment { text: assessment.text.clone() })?;
        for e in after.entries() {
            run.log.push(e.time, e.visibility.clone(), e.entry.clone())?;
        }
        run.assessment = Some(assessment);
        run.baseline = crate::assessment::baseline_report(&talks, &run);
        Ok(run)
    }
}

/// What falls due between the schedule's points.
#[derive(Clone, Copy, Debug)]
enum Happening {
    /// Capitals' answers.
    Capitals,
    Instruction(usize),
    Incident(usize),
    /// An item tabled on a party's or a mediator's own initiative.
    Tabling(usize),
}

/// A delegation's position under `instructions`.
fn delegation_position(
    space: &OutcomeSpace,
    d: &entente_core::blocs::Delegation,
    tables: &[UtilityTable],
    instructions: Instructions,
    exponent: f64,
) -> Result<Position, TalksError> {
    let state = DelegationState::new(space, d, tables, &instructions)?;
    Ok(Position {
        table: state.table,
        reservation: state.reservation,
        exponent,
        delegation: Some(DelegationPosition {
            instructions,
            bloc_tables: tables.to_vec(),
            sets: state.sets,
            win_set: state.win_set,
            defection: d.defection,
        }),
    })
}

impl Round {
    fn space(&self) -> &OutcomeSpace {
        &self.talks.scenario.space
    }

    fn utility(&self, party: usize, text: &[u32]) -> f64 {
        self.positions[party].utility(self.space(), text)
    }

    /// Recomputes a delegation's position (mandate, reservation, win-set)
    /// from `instructions`.
    fn instruct(&mut self, k: usize, instructions: Instructions) -> Result<(), TalksError> {
        let talks = Arc::clone(&self.talks);
        let (Some(d), Some(tables)) = (&talks.scenario.parties[k].delegation, &self.bloc_tables[k]) else {
            return Ok(());
        };
        let exponent = self.positions[k].exponent;
        self.positions[k] = delegation_position(&talks.scenario.space, d, tables, instructions, exponent)?;
        Ok(())
    }

    /// The package id of an actor of the round (an unknown one gets an id
    /// the package refuses, so the move fails loudly).
    fn id_of(&self, r: ActorRef) -> ActorId {
        self.actors.id(r).unwrap_or(ActorId(u32::MAX))
    }

    /// The channel of what derives from party `k`'s private preferences.
    fn private(&self, k: usize) -> Visibility {
        private_channel(&self.talks, k)
    }

    /// Applies a move of the round itself (the end of the talks).
    fn act(&mut self, mv: Move) -> Result<(), TalksError> {
        let mut events = Vec::new();
        self.pkg.act(&mv, &mut |e| events.push(e))?;
        let actors = &self.actors;
        let talks = &self.talks;
        for e in events {
            self.log.package(e, &|a| actors.capital_of(a), &|a| actors.party_of(a), &|k| private_channel(talks, k))?;
        }
        Ok(())
    }

    /// Prompts the participant in `actor`'s seat and keeps the turn.
    fn prompt(&mut self, actor: ActorRef, prompt: Prompt, at: Timestamp, seats: &mut Seats) -> Vec<Answer> {
        let view = View {
            now: at,
            tau: self.talks.relative(at),
            actor,
            space: &self.talks.scenario.space,
            package: &self.pkg,
            text: &self.text,
            log: &self.log,
            positions: &self.positions,
            talks: &self.talks,
        };
        let answers = match seats.get(actor) {
            Some(p) => p.respond(&prompt, &view),
            None => crate::simulated::respond(actor, &prompt, &view),
        };
        self.journal.push(Turn { time: at, actor, prompt, answers: answers.clone() });
        answers
    }

    /// Applies a participant's package action. A refused one is an error
    /// naming the actor, the action and the reason (never dropped).
    fn apply(
        &mut self,
        actor: ActorRef,
        at: Timestamp,
        action: Action,
        reason: Option<Reason>,
    ) -> Result<(), TalksError> {
        let mv = Move { actor: self.id_of(actor), time: at, action, reason };
        if let Err(why) = self.pkg.check(&mv) {
            return Err(TalksError::Refused {
                actor: self.actor_name(mv.actor),
                action: mv.action.name(),
                when: clock(at),
                why,
            });
        }
        self.act(mv)
    }

    /// Applies the package actions among `answers` (a put is refused: only a
    /// mediator's turn may put an option).
    fn apply_all(&mut self, actor: ActorRef, at: Timestamp, answers: Vec<Answer>) -> Result<(), TalksError> {
        for a in answers {
            match a {
                Answer::Act { action, reason } => self.apply(actor, at, action, reason)?,
                Answer::Put { clause, option } => {
                    return Err(self.bad_put(
                        actor,
                        at,
                        clause,
                        option,
                        "only a mediator, at its turn, puts an option",
                    ));
                }
            }
        }
        Ok(())
    }

    fn bad_put(&self, actor: ActorRef, at: Timestamp, clause: ClauseId, option: u32, why: &'static str) -> TalksError {
        TalksError::BadPut { actor: self.actor_name(self.id_of(actor)), clause: clause.0, option, when: clock(at), why }
    }

    fn snapshot(&mut self, time: Timestamp) -> Result<(), TalksError> {
        let utilities: Vec<f64> = (0..self.positions.len()).map(|k| self.utility(k, &self.text)).collect();
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
    /// the gains over their reservation values (their worst utility when they
    /// have none) of the parties that confide their preferences to the
    /// mediators; when no text beats every such reservation value, the one
    /// whose worst margin is largest. Without any party's confidence, the
    /// draft is the defaults.
    fn initial_draft(&self) -> Vec<u32> {
        let base = self.text.clone();
        let space = self.space();
        let known: Vec<&Position> =
            (0..self.positions.len()).filter(|&k| self.talks.confides(k)).map(|k| &self.positions[k]).collect();
        if known.is_empty() {
            return base;
        }
        let radices: Vec<u32> = self.talks.agenda.iter().map(|&i| space.radices()[i]).collect();
        let mut best: Option<(bool, f64, Vec<u32>)> = None;
        let mut idx = vec![0u32; radices.len()];
        loop {
            let mut text = base.clone();
            for (&i, &v) in self.talks.agenda.iter().zip(&idx) {
                text[i] = v;
            }
            let margins: Vec<f64> =
                known.iter().map(|p| p.utility(space, &text) - p.reservation.max(p.table.min())).collect();
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

    /// Capitals answer the calls that are due.
    fn capital_answers(&mut self, at: Timestamp, seats: &mut Seats) -> Result<(), TalksError> {
        let due: Vec<(Timestamp, usize, ClauseId)> = self.pending.iter().copied().filter(|p| p.0 <= at).collect();
        self.pending.retain(|p| p.0 > at);
        for (_, k, clause) in due {
            if self.pkg.is_closed() {
                // Once the talks have ended, capitals no longer answer.
                return Ok(());
            }
            if self.pkg.clause(clause).is_none_or(|c| c.state != ClauseState::AdRef) {
                continue;
            }
            self.rebuild_text();
            let answers = self.prompt(ActorRef::Capital(k), Prompt::CapitalCall { clause }, at, seats);
            self.apply_all(ActorRef::Capital(k), at, answers)?;
        }
        Ok(())
    }

    fn instruction(&mut self, idx: usize, at: Timestamp, seats: &mut Seats) -> Result<(), TalksError> {
        let talks = Arc::clone(&self.talks);
        let ins = &talks.instructions[idx];
        let k = ins.party;
        let Some(current) = self.positions.get(k).and_then(|p| p.delegation.as_ref()).map(|d| &d.instructions) else {
            return Ok(());
        };
        let Some(bloc) = current.blocs.get(ins.bloc).map(|b| b.name.clone()) else { return Ok(()) };
        // The delegation's timeline, this instruction applied (its position
        // recomputed from it, as the instructions now in force say).
        let next = talks.instructions_after(idx).unwrap_or_else(|| current.clone());
        self.instruct(k, next)?;
        self.log.push(
            at,
            Visibility::Party { party: k },
            Entry::Instruction { party: k, bloc: bloc.clone(), text: ins.text.clone() },
        )?;
        if let Some(s) = &ins.statement {
            let actor = talks.scenario.parties[k].name.clone();
            self.log.push(at, Visibility::Public, Entry::Statement { actor, text: s.clone() })?;
        }
        let table = match &ins.table {
            Some(item) => {
                let guarantor = item.guarantor.map(|g| self.id_of(ActorRef::Guarantor(g)));
                Some(clause_spec(&talks.scenario.space, item.issue, guarantor)?)
            }
            None => None,
        };
        self.rebuild_text();
        let party = ActorRef::Party(k);
        let answers = self.prompt(party, Prompt::Instructed { bloc, table }, at, seats);
        for a in answers {
            let Answer::Act { action, reason } = a else {
                return Err(self.bad_put(party, at, ClauseId(0), 0, "only a mediator, at its turn, puts an option"));
            };
            let guarantor = match &action {
                Action::Table { item } => item.commitment.as_ref().and_then(|c| c.guarantor).or(item.requires_consent),
                _ => None,
            };
            self.apply(party, at, action, reason)?;
            // A guarantor named for an item tabled is asked at once.
            if let Some(g) = guarantor.and_then(|g| self.actors.actor(g)) {
                let clause = ClauseId(self.pkg.clauses().len() as u32 - 1);
                let answers = self.prompt(g, Prompt::ConsentRequested { clause }, at, seats);
                self.apply_all(g, at, answers)?;
            }
        }
        Ok(())
    }

    /// An incident: logged first, then its effects (a party's reservation
    /// value moves, the breakdown risk rises, a party reopens clauses).
    fn incident(&mut self, idx: usize, at: Timestamp, seats: &mut Seats) -> Result<(), TalksError> {
        let talks = Arc::clone(&self.talks);
        let inc = &talks.incidents[idx];
        let space = &talks.scenario.space;
        // What everybody learns of it.
        let mut risk = self.breakdown_risk;
        let mut effects = Vec::new();
        for e in &inc.effects {
            match e {
                Effect::LowerReservation { .. } => {}
                Effect::BreakdownRisk { add } => {
                    risk = (risk + add).clamp(0.0, 1.0);
                    effects.push(IncidentEffect::BreakdownRisk { risk });
                }
                Effect::Reopen { party, issues } => effects.push(IncidentEffect::Reopens {
                    party: talks.scenario.parties[*party].name.clone(),
                    issues: issues.iter().filter_map(|&i| space.issues().get(i).map(|x| x.name.clone())).collect(),
                }),
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
        for (n, e) in inc.effects.iter().enumerate() {
            match e {
                Effect::LowerReservation { party, by } => {
                    if let Some(p) = self.positions.get_mut(*party) {
                        p.reservation -= by;
                        let moved = Entry::ReservationMoved { party: *party, incident: idx, effect: n, by: -by };
                        self.log.push(at, self.private(*party), moved)?;
                    }
                }
                Effect::BreakdownRisk { add } => self.breakdown_risk = (self.breakdown_risk + add).clamp(0.0, 1.0),
                Effect::Reopen { party, issues } => {
                    if self.pkg.is_closed() {
                        // After the end (the aftermath) nobody is asked: nothing is reopened.
                        continue;
                    }
                    self.rebuild_text();
                    let prompt = Prompt::Incident { index: idx, place: inc.place.clone(), issues: issues.clone() };
                    let answers = self.prompt(ActorRef::Party(*party), prompt, at, seats);
                    self.apply_all(ActorRef::Party(*party), at, answers)?;
                }
            }
        }
        Ok(())
    }

    /// One mediation step at minute `t` by the mediator on duty.
    fn mediation_step(&mut self, t: Timestamp, seats: &mut Seats) -> Result<(), TalksError> {
        // Talks without mediators have no mediation steps.
        let n_mediators = self.talks.mediators.len();
        if n_mediators == 0 {
            return Ok(());
        }
        let mediator = ActorRef::Mediator(self.mediator_turn % n_mediators);
        self.mediator_turn += 1;
        let unsettled = self
            .pkg
            .states()
            .iter()
            .any(|(_, s)| matches!(s, ClauseState::Open | ClauseState::Bracketed | ClauseState::Reopened));
        if !unsettled {
            return Ok(());
        }
        let turn = self.turns;
        self.turns += 1;
        self.rebuild_text();
        let answers = self.prompt(mediator, Prompt::MediatorTurn { turn }, t, seats);
        let mut put = None;
        for a in answers {
            match a {
                Answer::Act { action, reason } => self.apply(mediator, t, action, reason)?,
                Answer::Put { clause, option } => {
                    if put.is_some() {
                        return Err(self.bad_put(mediator, t, clause, option, "one option per turn"));
                    }
                    put = Some((clause, option));
                }
            }
        }
        match put {
            Some((clause, option)) => self.put(mediator, t, clause, option, seats),
            None => Ok(()),
        }
    }

    /// The mediators put `option` of `clause` to the parties: each agrees ad
    /// referendum or not; when all agree, the delegations call their
    /// capitals; when one does not, the talks may break down (the breakdown
    /// risk incidents raised).
    fn put(
        &mut self,
        mediator: ActorRef,
        t: Timestamp,
        clause: ClauseId,
        option: u32,
        seats: &mut Seats,
    ) -> Result<(), TalksError> {
        let Some(c) = self.pkg.clause(clause).cloned() else {
            return Err(self.bad_put(mediator, t, clause, option, "there is no such clause"));
        };
        if c.state != ClauseState::Bracketed || !c.brackets.contains(&option) {
            return Err(self.bad_put(mediator, t, clause, option, "the option is not in the clause's brackets"));
        }
        let Some(issue) = c.issue.map(|i| i as usize) else {
            return Err(self.bad_put(mediator, t, clause, option, "the clause is not over an issue of the text"));
        };
        let mut text = self.text.clone();
        text[issue] = option;
        let n = self.positions.len();
        let mut all_agree = true;
        let mut awaited = false;
        for k in 0..n {
            let party = ActorRef::Party(k);
            let answers = self.prompt(party, Prompt::Proposal { clause, option }, t, seats);
            let by = self.id_of(party);
            let standing = c.agreements.get(&by) == Some(&option);
            let mut agreed = false;
            for a in answers {
                match a {
                    Answer::Act { action: Action::AgreeAdRef { clause: cl, option: o }, .. }
                        if cl == clause && o == option && standing =>
                    {
                        // Its standing agreement to this option still holds.
                        agreed = true;
                    }
                    Answer::Act { action, reason } => {
                        agreed |= matches!(action, Action::AgreeAdRef { clause: cl, option: o } if cl == clause && o == option);
                        self.apply(party, t, action, reason)?;
                    }
                    Answer::Put { clause, option } => {
                        return Err(self.bad_put(
                            party,
                            t,
                            clause,
                            option,
                            "only a mediator, at its turn, puts an option",
                        ));
                    }
                }
            }
            all_agree &= agreed;
            // A person's answer comes later: the step has not failed yet.
            awaited |= !agreed && seats.answers_later(party);
        }
        // Every party agrees — in its answer, or by an agreement that stands
        // (a person's, made before the option was put): the package says so.
        let adopted_clause = self.pkg.clause(clause).is_some_and(|c| {
            matches!(c.state, ClauseState::AdRef | ClauseState::Provisional) && c.agreed == Some(option)
        });
        if let ActorRef::Mediator(m) = mediator
            && let Some(d) = self.drafts.get_mut(m)
        {
            d.0 += 1;
            d.1 += usize::from(all_agree || adopted_clause);
        }
        if all_agree || adopted_clause {
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
        } else if !awaited && self.breakdown_risk > 0.0 && self.rng.random::<f64>() < self.breakdown_risk {
            let walker = (0..n)
                .min_by(|&a, &b| {
                    let sa = self.utility(a, &text) - self.positions[a].reservation;
                    let sb = self.utility(b, &text) - self.positions[b].reservation;
                    sa.total_cmp(&sb)
                })
                .unwrap_or(0);
            let name = self.talks.scenario.parties[walker].name.clone();
            let reason = Reason::WalkedOut { party: name.clone() };
            self.act(Move::new(self.id_of(mediator), t, Action::End).because(reason))?;
            self.ending = Some(Ending::BrokeDown { at: t, by: name });
        }
        Ok(())
    }

    /// The mediator on duty at mediation step `turn` (co-mediators take the steps in turn).
    fn on_duty(&self, turn: usize) -> ActorRef {
        ActorRef::Mediator(turn % self.talks.mediators.len().max(1))
    }

    /// Calls the vote when the package is complete (every clause
    /// provisional), by `chair`, and ends the round on adoption.
    fn try_vote(&mut self, t: Timestamp, chair: ActorRef, seats: &mut Seats) -> Result<(), TalksError> {
        if self.ending.is_some() || !matches!(self.pkg.status(), Status::Negotiating) {
            return Ok(());
        }
        let Some(mediator) = self.actors.id(chair) else { return Ok(()) };
        if self.pkg.check(&Move::new(mediator, t, Action::CallVote)).is_err() {
            return Ok(());
        }
        let answers = self.prompt(chair, Prompt::VoteDue, t, seats);
        self.apply_all(chair, t, answers)?;
        if !matches!(self.pkg.status(), Status::Voting { .. }) {
            return Ok(());
        }
        self.rebuild_text();
        for k in 0..self.positions.len() {
            let party = ActorRef::Party(k);
            let answers = self.prompt(party, Prompt::Vote, t, seats);
            let no = answers.iter().any(|a| matches!(a, Answer::Act { action: Action::Vote { yes: false }, .. }));
            self.apply_all(party, t, answers)?;
            if no {
                break;
            }
        }
        if let Status::Adopted { at, .. } = self.pkg.status() {
            let at = *at;
            self.ending = Some(Ending::Adopted { at, text: self.text.clone() });
            self.ratification(at)?;
        }
        Ok(())
    }

    /// After an adoption, every delegation's blocs ratify the package, or
    /// reject it when it lies outside the win-set (its head signed on its own
    /// authority: involuntary defection).
    fn ratification(&mut self, at: Timestamp) -> Result<(), TalksError> {
        for k in 0..self.positions.len() {
            let p = &self.positions[k];
            if p.delegation.is_none() {
                continue;
            }
            let ratified = p.ratifies(self.space(), &self.text);
            let rejected_by = p.objections(self.space(), &self.text).into_iter().map(|o| o.bloc).collect();
            let entry = Entry::Ratification { party: k, ratified, rejected_by };
            self.log.push(at, Visibility::Public, entry)?;
        }
        Ok(())
    }

    /// The clauses as they stand (their state, who tabled them and when).
    pub fn clause_summaries(&self) -> Vec<ClauseSummary> {
        self.pkg
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
            .collect()
    }

    /// The text over time: every text the mediators put, with each party's utility of it (private: a party's
    /// own, or the mediators' when confided).
    pub fn texts(&self) -> &[TextSnapshot] {
        &self.texts
    }

    /// The parties as they stand now and what the talks negotiate (the input
    /// of the zone analysis, as the assessment builds it at the end): the
    /// instructions in force, the reservation values, the clauses' issues,
    /// the issues off the table at their value in the text.
    pub fn standing(&self) -> crate::assessment::Standing {
        let (negotiated, fixed) =
            crate::assessment::Standing::fixed_of(&self.talks, &self.log, &self.clause_summaries(), &self.text);
        crate::assessment::Standing {
            instructions: self
                .positions
                .iter()
                .map(|p| p.delegation.as_ref().map(|d| d.instructions.clone()))
                .collect(),
            reservations: self.positions.iter().map(|p| p.reservation).collect(),
            negotiated,
            fixed,
        }
    }

    /// The actors' package ids and names.
    pub fn actor_names(&self) -> Vec<(ActorId, String)> {
        self.actors.names()
    }

    fn into_run(mut self) -> TalksRun {
        self.rebuild_text();
        let clauses = self.clause_summaries();
        let actor_names = self.actor_names();
        let drafts = self
            .drafts
            .iter()
            .enumerate()
            .map(|(m, &(put, accepted))| DraftTally {
                mediator: self.talks.mediators.get(m).cloned().unwrap_or_default(),
                rule: self.talks.drafting_of(m).to_string(),
                put,
                accepted,
            })
            .collect();
        let reservations = self.positions.iter().map(|p| p.reservation).collect();
        let instructions =
            self.positions.iter().map(|p| p.delegation.as_ref().map(|d| d.instructions.clone())).collect();
        TalksRun {
            log: self.log,
            texts: self.texts,
            ending: self.ending.unwrap_or(Ending::NotAdopted { at: 0, why: vec![] }),
            text: self.text,
            reservations,
            instructions,
            clauses,
            actor_names,
            assessment: None,
            baseline: None,
            drafts,
        }
    }
}

impl Round {
    /// At the opening, the guarantors named for agenda clauses (`guarantees`) are asked for their consent.
    fn agenda_consents(&mut self, at: Timestamp, seats: &mut Seats) -> Result<(), TalksError> {
        let asks: Vec<(ClauseId, ActorRef)> = self
            .pkg
            .clauses()
            .iter()
            .filter(|c| matches!(c.origin, package::Origin::Agenda { .. }))
            .filter_map(|c| {
                let g = c.consent.filter(|g| g.consent == package::Consent::Pending)?;
                Some((c.id, self.actors.actor(g.guarantor)?))
            })
            .collect();
        for (clause, g) in asks {
            let answers = self.prompt(g, Prompt::ConsentRequested { clause }, at, seats);
            self.apply_all(g, at, answers)?;
        }
        Ok(())
    }

    /// An item a party or a mediator tables on its own initiative
    /// (`[[talks.tabling]]`); a guarantor it names is asked at once.
    fn tabling(&mut self, idx: usize, at: Timestamp, seats: &mut Seats) -> Result<(), TalksError> {
        let talks = Arc::clone(&self.talks);
        let tb = &talks.tabling[idx];
        let guarantor = tb.item.guarantor.map(|g| self.id_of(ActorRef::Guarantor(g)));
        let item = clause_spec(&talks.scenario.space, tb.item.issue, guarantor)?;
        let actor = match tb.by {
            crate::model::Tabler::Party(k) => ActorRef::Party(k),
            crate::model::Tabler::Mediator(m) => ActorRef::Mediator(m),
        };
        self.rebuild_text();
        let answers = self.prompt(actor, Prompt::TableDue { item, text: tb.text.clone() }, at, seats);
        for a in answers {
            let Answer::Act { action, reason } = a else {
                return Err(self.bad_put(actor, at, ClauseId(0), 0, "only a mediator, at its turn, puts an option"));
            };
            let guarantor = match &action {
                Action::Table { item } => item.guarantor(),
                _ => None,
            };
            self.apply(actor, at, action, reason)?;
            if let Some(g) = guarantor.and_then(|g| self.actors.actor(g)) {
                let clause = ClauseId(self.pkg.clauses().len() as u32 - 1);
                let answers = self.prompt(g, Prompt::ConsentRequested { clause }, at, seats);
                self.apply_all(g, at, answers)?;
            }
        }
        Ok(())
    }
}

/// The channel of what derives from party `k`'s private preferences: that
/// party, and the mediators if it confides its preferences to them.
pub fn private_channel(talks: &Talks, k: usize) -> Visibility {
    if talks.confides(k) { Visibility::Confided { party: k } } else { Visibility::Party { party: k } }
}

/// A minute of the talks as `day D, HH:MM`.
pub fn when(t: Timestamp) -> String {
    clock(t)
}
