//! Moves that arrive from outside a prompt: a person's click, an external
//! agent's message. The round prompts the seat of a person ([`Person`])
//! like any other (the prompt is journaled, so a server can show it as
//! "your turn"), the person answers nothing then, and its move arrives later
//! through [`Round::submit`], at the time it is made.
//!
//! A submitted move goes through the package machine like a prompted answer:
//! a refused one is an error naming the actor, the action and the package's
//! reason, and changes nothing. An accepted one is journaled as a [`Turn`]
//! with the prompt [`Prompt::Initiative`] and has the consequences the same
//! answer would have had at a prompt: a clause all parties agreed goes to the
//! capitals, an option put to the parties prompts them, a vote called polls
//! them, the last vote adopts the package.

use entente_protocols::package::{Action, ClauseState, Status, Timestamp};

use super::{Ending, Round, TalksError, Turn};
use crate::actors::ActorRef;
use crate::log::{Entry, Visibility};
use crate::participant::{Answer, Person, Prompt, Seats};

#[cfg(doc)]
use crate::participant::Participant;

impl Round {
    /// Applies `actor`'s move `answer`, made at minute `at` of the talks
    /// outside any prompt. The round is first advanced through everything
    /// due before minute `at` (what is due at that very minute comes after
    /// the move, as an answer at a prompt comes before the round moves on);
    /// a move made before the last
    /// entry of the log is logged at that entry's minute (the log is in time
    /// order). A move the package refuses (or an option put by someone other
    /// than a mediator, or outside the brackets) is an error and changes
    /// nothing beyond that advance.
    pub fn submit(
        &mut self,
        actor: ActorRef,
        answer: Answer,
        at: Timestamp,
        seats: &mut Seats,
    ) -> Result<(), TalksError> {
        self.advance_to(at.saturating_sub(1), seats)?;
        let at = at.max(self.pkg.time()).max(self.log.entries().last().map_or(0, |e| e.time));
        match answer {
            Answer::Put { clause, option } => {
                if !matches!(actor, ActorRef::Mediator(_)) {
                    return Err(self.bad_put(actor, at, clause, option, "only a mediator puts an option"));
                }
                if self.pkg.is_closed() {
                    return Err(self.bad_put(actor, at, clause, option, "the talks are over"));
                }
                if !matches!(self.pkg.status(), Status::Negotiating) {
                    return Err(self.bad_put(actor, at, clause, option, "a vote is in progress"));
                }
                let Some(c) = self.pkg.clause(clause) else {
                    return Err(self.bad_put(actor, at, clause, option, "there is no such clause"));
                };
                if c.state != ClauseState::Bracketed || !c.brackets.contains(&option) {
                    return Err(self.bad_put(actor, at, clause, option, "the option is not in the clause's brackets"));
                }
                if c.issue.is_none() {
                    return Err(self.bad_put(actor, at, clause, option, "the clause is not over an issue of the text"));
                }
                self.journal_initiative(actor, at, Answer::Put { clause, option });
                self.put(actor, at, clause, option, seats)?;
            }
            Answer::Act { action, reason } => {
                let mv = entente_protocols::package::Move { actor: self.id_of(actor), time: at, action, reason };
                if let Err(why) = self.pkg.check(&mv) {
                    return Err(TalksError::Refused {
                        actor: self.actor_name(mv.actor),
                        action: mv.action.name(),
                        when: super::when(at),
                        why,
                    });
                }
                self.journal_initiative(
                    actor,
                    at,
                    Answer::Act { action: mv.action.clone(), reason: mv.reason.clone() },
                );
                let before = match &mv.action {
                    Action::AgreeAdRef { clause, .. } => self.pkg.clause(*clause).map(|c| c.state),
                    _ => None,
                };
                let action = mv.action.clone();
                self.act(mv)?;
                self.consequences(at, &action, before, seats)?;
            }
        }
        self.rebuild_text();
        if self.ending.is_none() {
            let chair = match actor {
                ActorRef::Mediator(_) => actor,
                _ => self.on_duty(self.mediator_turn.saturating_sub(1)),
            };
            self.try_vote(at, chair, seats)?;
        }
        // The text is recorded once the moment is over: not while a person
        // asked at this minute has still to answer (as a prompted answer
        // comes before the text is recorded).
        let asked_now = self.journal.iter().rev().take_while(|t| t.time == at).any(|t| {
            t.answers.is_empty() && seats.answers_later(t.actor) && self.awaiting(t.actor).iter().any(|w| w.time == at)
        });
        if asked_now { Ok(()) } else { self.snapshot(at) }
    }

    fn journal_initiative(&mut self, actor: ActorRef, at: Timestamp, answer: Answer) {
        self.journal.push(Turn { time: at, actor, prompt: Prompt::Initiative, answers: vec![answer] });
    }

    /// What an accepted move sets off, as the same answer at a prompt would.
    fn consequences(
        &mut self,
        at: Timestamp,
        action: &Action,
        before: Option<ClauseState>,
        seats: &mut Seats,
    ) -> Result<(), TalksError> {
        match *action {
            // The last agreement to a bracketed option: the option enters the
            // mediators' text, and the delegations call their capitals.
            Action::AgreeAdRef { clause, option } if before == Some(ClauseState::Bracketed) => {
                let Some(c) = self.pkg.clause(clause) else { return Ok(()) };
                if !matches!(c.state, ClauseState::AdRef | ClauseState::Provisional) {
                    return Ok(());
                }
                if let Some(slot) = c.issue.and_then(|i| self.draft.get_mut(i as usize)) {
                    *slot = option;
                }
                for k in 0..self.positions.len() {
                    if self.talks.scenario.parties[k].delegation.is_some()
                        && self.pkg.clause(clause).is_some_and(|c| c.state == ClauseState::AdRef)
                    {
                        let delay = self.talks.conduct.get(k).map_or(60, |c| c.capital_delay);
                        self.pending.push((at + delay, k, clause));
                        let called = Entry::CapitalCalled { party: k, clause: clause.0 };
                        self.log.push(at, Visibility::Party { party: k }, called)?;
                    }
                }
            }
            // A vote called: the parties vote, in order, until one says no.
            Action::CallVote if matches!(self.pkg.status(), Status::Voting { .. }) => {
                self.rebuild_text();
                for k in 0..self.positions.len() {
                    let party = ActorRef::Party(k);
                    let answers = self.prompt(party, Prompt::Vote, at, seats);
                    let no =
                        answers.iter().any(|a| matches!(a, Answer::Act { action: Action::Vote { yes: false }, .. }));
                    self.apply_all(party, at, answers)?;
                    if no || !matches!(self.pkg.status(), Status::Voting { .. }) {
                        break;
                    }
                }
                self.adopted()?;
            }
            Action::Vote { .. } => self.adopted()?,
            // The mediators ended the talks without adoption.
            Action::End if self.ending.is_none() => {
                let why: Vec<String> = self.pkg.blockers().iter().map(|b| self.describe_blocker(b)).collect();
                self.ending = Some(Ending::NotAdopted { at, why });
            }
            _ => {}
        }
        Ok(())
    }

    /// On adoption: the ending, and the delegations' ratification.
    fn adopted(&mut self) -> Result<(), TalksError> {
        if self.ending.is_none()
            && let Status::Adopted { at, .. } = self.pkg.status()
        {
            let at = *at;
            self.rebuild_text();
            self.ending = Some(Ending::Adopted { at, text: self.text.clone() });
            self.ratification(at)?;
        }
        Ok(())
    }

    /// The prompts addressed to `actor` since its last move, that it has
    /// not answered: what a person in that seat is asked to do now (a
    /// server shows them as "your turn"). Prompts of a past vote, or about a
    /// clause that has moved on, are left out.
    pub fn awaiting(&self, actor: ActorRef) -> Vec<&Turn> {
        let since = self.journal.iter().rposition(|t| t.actor == actor && !t.answers.is_empty()).map_or(0, |i| i + 1);
        self.journal[since..]
            .iter()
            .filter(|t| t.actor == actor && t.answers.is_empty())
            .filter(|t| match &t.prompt {
                // Not when its agreement to that option already stands.
                Prompt::Proposal { clause, option } => self.pkg.clause(*clause).is_some_and(|c| {
                    c.state == ClauseState::Bracketed
                        && c.brackets.contains(option)
                        && c.agreements.get(&self.id_of(actor)) != Some(option)
                }),
                Prompt::CapitalCall { clause } => {
                    self.pkg.clause(*clause).is_some_and(|c| c.state == ClauseState::AdRef)
                }
                Prompt::Vote => matches!(self.pkg.status(), Status::Voting { .. }),
                Prompt::VoteDue => matches!(self.pkg.status(), Status::Negotiating),
                _ => !self.pkg.is_closed(),
            })
            .collect()
    }
}

impl Round {
    /// Party `k`'s private position as `viewer` may know it (what its
    /// [`crate::View`] would show it): a party's delegation and its capital
    /// their own party's; the mediators that of a party that confides its
    /// preferences to them; nobody else's. For a server's pages.
    pub fn position_for(&self, viewer: ActorRef, k: usize) -> Option<&crate::participant::Position> {
        match viewer {
            ActorRef::Party(p) | ActorRef::Capital(p) if p == k => self.positions.get(k),
            ActorRef::Mediator(_) if self.talks.confides(k) => self.positions.get(k),
            _ => None,
        }
    }
}

/// Seats every actor of `persons` as a [`Person`] (the others keep their seats).
pub fn seat_persons(mut seats: Seats, persons: impl IntoIterator<Item = ActorRef>) -> Seats {
    for a in persons {
        seats = seats.seat(a, Person);
    }
    seats
}
