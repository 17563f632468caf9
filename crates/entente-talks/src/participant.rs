//! Participants: the one interface through which every actor of the talks
//! acts — mediators, delegations, capitals, guarantors — whoever is behind
//! it: the simulated behaviours ([`crate::simulated`]), a test's script
//! ([`ScriptedParticipant`]), a person behind a browser, a program.
//!
//! The round ([`crate::Round`]) prompts an actor at each point where it
//! decides ([`Prompt`]), shows it what its role may see ([`View`]: the log
//! filtered by its role, the package's public state, the mediators' text, and
//! its own private position) and takes its answers ([`Answer`]: package
//! actions with typed reasons, or the mediators' putting of an option to the
//! parties). Every answer goes through the package machine: a refused one
//! stops the round with [`crate::sim::TalksError::Refused`] naming the actor,
//! the action and the package's reason (it is never dropped). Answering
//! nothing lets the moment pass.
//!
//! Who sits in each seat is the [`Seats`] table: every actor of the talks
//! has the simulated behaviour unless a participant replaces it.

use std::collections::{BTreeMap, VecDeque};

use entente_core::blocs::{BlocSets, Instructions, OutcomeSet, RedLine, Reversion, Rule};
use entente_core::{OutcomeId, OutcomeSpace, UtilityTable};
use entente_protocols::package::{Action, ClauseId, ClauseSpec, Objection, OptionId, Package, Reason, Timestamp};
use serde::{Deserialize, Serialize};

use crate::actors::ActorRef;
use crate::log::{Log, LogEntry, Role};
use crate::model::Talks;

/// The point at which an actor decides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "prompt")]
pub enum Prompt {
    /// Mediator: your turn to move the text (the `turn`-th mediation turn of
    /// the round). Answer with a package action (restart a reopened clause,
    /// bracket the options of an open one, table an item, end the talks) or
    /// put a bracketed clause's option to the parties ([`Answer::put`]).
    MediatorTurn { turn: usize },
    /// Party: the mediators put `option` of `clause` to the parties. Agree ad
    /// referendum ([`Action::AgreeAdRef`] on that option) or let it pass.
    Proposal { clause: ClauseId, option: OptionId },
    /// Capital: your delegation agreed to `clause` ad referendum. Confirm or decline.
    CapitalCall { clause: ClauseId },
    /// Party: bloc `bloc` re-instructed your delegation (the instruction is
    /// in the log, and your position is updated); `table` is the item it
    /// orders you to table, if any. Table it, reopen clauses, or do nothing.
    Instructed { bloc: String, table: Option<ClauseSpec> },
    /// Party or mediator: the scenario has you table `item` now, on your own
    /// initiative (`[[talks.tabling]]`; `text` says why, if it says). Table it
    /// ([`Action::Table`]) or do nothing.
    TableDue { item: ClauseSpec, text: Option<String> },
    /// Guarantor: `clause` needs your consent to guarantee it.
    ConsentRequested { clause: ClauseId },
    /// Party: incident `index` at `place` bears on `issues`; the scenario says
    /// you reopen the provisional clauses on them.
    Incident { index: usize, place: String, issues: Vec<usize> },
    /// Mediator: every clause is provisional; call the final vote?
    VoteDue,
    /// Party: the final vote is open. Vote.
    Vote,
    /// Nobody asked: the actor moved of its own accord (a person's or an
    /// external agent's move, [`crate::Round::submit`]).
    Initiative,
}

/// A move of a participant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "answer")]
pub enum Answer {
    /// A package action, with its reason for the log.
    Act { action: Action, reason: Option<Reason> },
    /// Mediators: put `option` of the bracketed `clause` to the parties.
    Put { clause: ClauseId, option: OptionId },
}

impl Answer {
    pub fn act(action: Action) -> Answer {
        Answer::Act { action, reason: None }
    }

    pub fn put(clause: ClauseId, option: OptionId) -> Answer {
        Answer::Put { clause, option }
    }

    /// The same answer with a reason (for a package action).
    pub fn because(self, why: Reason) -> Answer {
        match self {
            Answer::Act { action, .. } => Answer::Act { action, reason: Some(why) },
            put => put,
        }
    }
}

/// A party's private position at a time: what it knows of itself (and what
/// the mediators know of it when it confides its preferences to them).
#[derive(Clone, Debug)]
pub struct Position {
    /// Its own utility of every outcome (a delegation: its mandate under the
    /// instructions in force).
    pub table: UtilityTable,
    pub reservation: f64,
    /// Its concession exponent.
    pub exponent: f64,
    /// A delegation's instructions in force, its blocs' utility tables, the
    /// outcomes each bloc accepts and its win-set.
    pub delegation: Option<DelegationPosition>,
}

/// A delegation's side of its [`Position`].
#[derive(Clone, Debug)]
pub struct DelegationPosition {
    pub instructions: Instructions,
    pub bloc_tables: Vec<UtilityTable>,
    pub sets: Vec<BlocSets>,
    pub win_set: OutcomeSet,
    /// Whether its head may sign outside the win-set (involuntary defection).
    pub defection: bool,
}

/// The outcome id of a complete text (0 for a text outside the space).
pub(crate) fn outcome_of(space: &OutcomeSpace, text: &[u32]) -> OutcomeId {
    space.index_of(text).map_or(0, |i| i as OutcomeId)
}

impl Position {
    /// Its utility of a complete text.
    pub fn utility(&self, space: &OutcomeSpace, text: &[u32]) -> f64 {
        self.table.utility(outcome_of(space, text))
    }

    /// How much of its utility range it is ready to give up on one clause at
    /// relative time `tau`: `s · τ^e`, `s` the share of its range above its
    /// reservation value. It starts at nothing and reaches, at the end, all it
    /// can give up and still beat no agreement.
    pub fn allowance(&self, tau: f64) -> f64 {
        self.allowance_with(tau, self.exponent)
    }

    /// [`Position::allowance`] with another concession exponent (a strategy
    /// seated in the party's place).
    pub fn allowance_with(&self, tau: f64, exponent: f64) -> f64 {
        let range = self.table.max() - self.table.min();
        if range <= 0.0 {
            return 1.0;
        }
        let r = self.reservation.max(self.table.min());
        let share = ((self.table.max() - r) / range).clamp(0.0, 1.0);
        share * tau.powf(exponent)
    }

    /// What it gives up with option `o` of `issue`, as a share of its utility
    /// range: the gap to its best option of that issue, the rest of `text` as
    /// it stands.
    pub fn loss(&self, space: &OutcomeSpace, text: &[u32], issue: usize, o: u32) -> f64 {
        let range = self.table.max() - self.table.min();
        let mut text = text.to_vec();
        let mut best = f64::NEG_INFINITY;
        for v in 0..space.radices()[issue] {
            text[issue] = v;
            best = best.max(self.utility(space, &text));
        }
        text[issue] = o;
        if range <= 0.0 { 0.0 } else { (best - self.utility(space, &text)) / range }
    }

    /// Whether its head at the table accepts `text`: iff it would ratify it,
    /// or, for a delegation whose head may sign outside its win-set, iff its
    /// mandate beats its reservation value.
    pub fn signs(&self, space: &OutcomeSpace, text: &[u32]) -> bool {
        match &self.delegation {
            Some(d) if d.defection => self.utility(space, text) > self.reservation,
            _ => self.ratifies(space, text),
        }
    }

    /// Whether it would ratify `text`: a delegation iff the text is in its
    /// win-set, a unitary party iff the text beats its reservation value.
    pub fn ratifies(&self, space: &OutcomeSpace, text: &[u32]) -> bool {
        match &self.delegation {
            Some(d) => d.win_set.contains(outcome_of(space, text)),
            None => self.utility(space, text) > self.reservation,
        }
    }

    /// The blocs of a delegation that do not accept `text`.
    pub fn objections(&self, space: &OutcomeSpace, text: &[u32]) -> Vec<Objection> {
        let Some(d) = &self.delegation else { return vec![] };
        let id = outcome_of(space, text);
        d.instructions
            .blocs
            .iter()
            .zip(&d.sets)
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
                            let issue = &space.issues()[issue];
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

    /// How far `text` is from being ratified by a delegation under its rule
    /// (0 when it is in the win-set): every veto bloc's gap (how far it is
    /// below its reversion point, plus one per red line crossed), and what
    /// the rule asks besides — under a quota, the weight missing to reach it
    /// plus the weighted gaps of the blocs that do not accept; under a
    /// dominant bloc, that bloc's gap; under the weighted sum, the mandate's
    /// gap to the delegation's reservation value plus one per bloc whose red
    /// line the text crosses. A change of one clause that lowers it brings
    /// the text closer to ratification.
    pub fn shortfall(&self, space: &OutcomeSpace, text: &[u32]) -> f64 {
        let Some(d) = &self.delegation else { return 0.0 };
        let id = outcome_of(space, text);
        let blocs = &d.instructions.blocs;
        let gap = |b: usize| -> f64 {
            let (Some(bloc), Some(s), Some(t)) = (blocs.get(b), d.sets.get(b), d.bloc_tables.get(b)) else {
                return 0.0;
            };
            let r = match bloc.reversion {
                Reversion::Utility(u) => u,
                Reversion::Outcome(o) => t.utility(o),
            };
            (r - t.utility(id)).max(0.0) + if s.red.contains(id) { 1.0 } else { 0.0 }
        };
        let accepts = |b: usize| d.sets.get(b).is_some_and(|s| s.acceptable().contains(id));
        let vetoes: f64 = (0..blocs.len()).filter(|&b| blocs[b].veto && !accepts(b)).map(gap).sum();
        let rule = match d.instructions.rule {
            Rule::Unanimity => 0.0,
            Rule::Quota { quota } => {
                let accepted: f64 = (0..blocs.len()).filter(|&b| accepts(b)).map(|b| blocs[b].weight).sum();
                let missing = (quota - accepted).max(0.0);
                if missing <= 0.0 {
                    0.0
                } else {
                    missing
                        + (0..blocs.len())
                            .filter(|&b| !blocs[b].veto && !accepts(b))
                            .map(|b| blocs[b].weight * gap(b))
                            .sum::<f64>()
                }
            }
            Rule::Dominant { bloc } => {
                if blocs.get(bloc).is_some_and(|b| !b.veto) && !accepts(bloc) {
                    gap(bloc)
                } else {
                    0.0
                }
            }
            Rule::WeightedSum => {
                let red = d.sets.iter().filter(|s| s.red.contains(id)).count() as f64;
                (self.reservation - self.table.utility(id)).max(0.0) + red
            }
        };
        vetoes + rule
    }
}

/// What an actor may see when it decides.
pub struct View<'a> {
    /// The minute of the talks.
    pub now: Timestamp,
    /// The relative time of the round (0 at its opening, 1 at its end).
    pub tau: f64,
    /// Who is deciding.
    pub actor: ActorRef,
    pub space: &'a OutcomeSpace,
    /// The package's state (public: clauses, states, brackets, agreements).
    pub package: &'a Package,
    /// The mediators' single text as it stands (public).
    pub text: &'a [u32],
    pub(crate) log: &'a Log,
    pub(crate) positions: &'a [Position],
    pub(crate) talks: &'a Talks,
}

impl<'a> View<'a> {
    /// The role the actor reads the log as: a party's delegation and its
    /// capital read their party's channel; mediators the mediators'; a
    /// guarantor and an observer the public channel.
    pub fn role(&self) -> Role {
        role_of(self.actor)
    }

    /// The log entries its role may see, in order.
    pub fn entries(&self) -> impl Iterator<Item = &'a LogEntry> + 'a {
        let role = self.role();
        self.log.entries().iter().filter(move |e| role.may_see(&e.visibility))
    }

    /// The number of parties at the table.
    pub fn parties(&self) -> usize {
        self.positions.len()
    }

    /// Its own party's position (a party's delegation or its capital).
    pub fn own(&self) -> Option<&'a Position> {
        match self.actor {
            ActorRef::Party(k) | ActorRef::Capital(k) => self.positions.get(k),
            _ => None,
        }
    }

    /// Party `k`'s position, if this actor may know it: its own party's, and
    /// for the mediators the position of a party that confides its
    /// preferences to them.
    pub fn position(&self, k: usize) -> Option<&'a Position> {
        match self.actor {
            ActorRef::Party(p) | ActorRef::Capital(p) if p == k => self.positions.get(k),
            ActorRef::Mediator(_) if self.talks.confides(k) => self.positions.get(k),
            _ => None,
        }
    }
}

/// The role an actor reads the log as.
pub fn role_of(actor: ActorRef) -> Role {
    match actor {
        ActorRef::Party(party) | ActorRef::Capital(party) => Role::Party { party },
        ActorRef::Mediator(_) => Role::Mediator,
        ActorRef::Guarantor(_) | ActorRef::Observer => Role::Observer,
    }
}

/// An actor of the talks: prompted where it decides, it answers with moves.
pub trait Participant: Send {
    /// Its moves at `prompt` (none: it lets the moment pass).
    fn respond(&mut self, prompt: &Prompt, view: &View<'_>) -> Vec<Answer>;

    /// Whether its moves arrive later, outside the prompt ([`Person`]).
    fn answers_later(&self) -> bool {
        false
    }
}

/// Who sits in each seat of the round: every actor has the simulated
/// behaviour unless [`Seats::seat`] gave its seat to another participant.
#[derive(Default)]
pub struct Seats {
    seated: BTreeMap<ActorRef, Box<dyn Participant>>,
}

impl Seats {
    /// Every seat simulated.
    pub fn simulated() -> Seats {
        Seats::default()
    }

    /// Gives `actor`'s seat to `participant` (in place of its simulated behaviour).
    pub fn seat(mut self, actor: ActorRef, participant: impl Participant + 'static) -> Seats {
        self.seated.insert(actor, Box::new(participant));
        self
    }

    /// [`Seats::seat`] with a participant chosen at run time.
    pub fn seat_boxed(mut self, actor: ActorRef, participant: Box<dyn Participant>) -> Seats {
        self.seated.insert(actor, participant);
        self
    }

    /// The participant in `actor`'s seat, if it is not the simulated one.
    pub(crate) fn get(&mut self, actor: ActorRef) -> Option<&mut (dyn Participant + 'static)> {
        self.seated.get_mut(&actor).map(|b| &mut **b)
    }

    /// Whether `actor`'s seat answers later, outside the prompts ([`Person`]).
    pub fn answers_later(&self, actor: ActorRef) -> bool {
        self.seated.get(&actor).is_some_and(|p| p.answers_later())
    }

    /// Takes back `actor`'s participant (e.g. to inspect a script once the round is over).
    pub fn take(&mut self, actor: ActorRef) -> Option<Box<dyn Participant>> {
        self.seated.remove(&actor)
    }
}

/// A participant that replays a script of answers, one prompt after another:
/// at each prompt it answers with the script's next turn if that turn was
/// written for this very prompt, and lets the moment pass otherwise (noting
/// the prompt in [`ScriptedParticipant::unexpected`]). A script
/// taken from a round's [`crate::sim::Turn`]s replays that actor exactly.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScriptedParticipant {
    script: VecDeque<(Prompt, Vec<Answer>)>,
    /// Prompts it met that its script did not expect.
    unexpected: Vec<Prompt>,
}

impl ScriptedParticipant {
    /// A script of `(prompt, answers)` turns, in order.
    pub fn new(script: impl IntoIterator<Item = (Prompt, Vec<Answer>)>) -> Self {
        ScriptedParticipant { script: script.into_iter().collect(), unexpected: Vec::new() }
    }

    /// The turns not yet played.
    pub fn remaining(&self) -> usize {
        self.script.len()
    }

    /// The prompts it met that did not match its script's next turn.
    pub fn unexpected(&self) -> &[Prompt] {
        &self.unexpected
    }
}

impl Participant for ScriptedParticipant {
    fn respond(&mut self, prompt: &Prompt, _view: &View<'_>) -> Vec<Answer> {
        match self.script.front() {
            Some((p, _)) if p == prompt => self.script.pop_front().map(|(_, a)| a).unwrap_or_default(),
            _ => {
                self.unexpected.push(prompt.clone());
                Vec::new()
            }
        }
    }
}

/// A seat held by a person (or an external program): prompted, it answers
/// nothing, and the prompt stays in the round's journal
/// ([`crate::Round::awaiting`]); its moves arrive when they are made, through
/// [`crate::Round::submit`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Person;

impl Participant for Person {
    fn respond(&mut self, _prompt: &Prompt, _view: &View<'_>) -> Vec<Answer> {
        Vec::new()
    }

    fn answers_later(&self) -> bool {
        true
    }
}
