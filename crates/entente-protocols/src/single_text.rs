//! Mediated single negotiating text as a sans-IO state machine.
//!
//! The mediator holds one text (an outcome); the parties never make offers,
//! they only vote on the mediator's proposed changes (Fisher's single
//! negotiating text, as at Camp David; in computational form, Klein, Faratin,
//! Sayama and Bar-Yam 2003). One *step* is:
//!
//! 1. **Propose.** The mediator role proposes a modified text (typically the
//!    current text with one issue changed): [`SingleText::propose`].
//! 2. **Vote.** Every party votes accept or reject, in any order, once each:
//!    [`SingleText::vote`].
//! 3. **Resolve.** If every party accepted, the proposal replaces the text
//!    ([`EventKind::Accepted`], decided by the rule itself). If some rejected,
//!    under [`ProposalRule::Veto`] the text stays ([`EventKind::Rejected`], by the
//!    rule); under [`ProposalRule::MediatorMayOverride`] the mediator role decides
//!    with [`SingleText::decide`]: replace the text anyway
//!    ([`EventKind::Kept`]: the mediator keeps a proposal some rejected) or
//!    discard the proposal ([`EventKind::Rejected`], by the mediator).
//!
//! After `n_steps` steps (or when the mediator role ends the talks between
//! steps with [`SingleText::end`]) the machine ends with the final text
//! ([`EventKind::Ended`]). Whether that text is an *agreement* (every party
//! and every veto bloc prefers it to its reversion point) is the driver's
//! judgement, which needs utilities the machine never sees (see
//! [`crate::single_text_agents::run_single_text`]).
//!
//! **Co-mediators.** The mediator role is held by one or more co-mediator
//! actors `0..n_mediators` sharing the one text the machine holds. With
//! [`CoMediation::TakeTurns`], co-mediator `step % n_mediators` proposes in
//! step `step`, makes that step's decision if one is needed, and may end the
//! talks before proposing; the others' actions are refused. With
//! [`CoMediation::Any`], any co-mediator may propose, decide or end, and the
//! first valid action is the role's act.
//!
//! The machine holds no clock, thread, random generator or strategy: the
//! *probability* with which an annealing mediator keeps a rejected proposal
//! is the mediator strategy's business; the machine records the decision.
//! Refused actions return an error and change nothing (and emit nothing).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::machine::Machine;

/// What happens to a proposal some party rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalRule {
    /// Veto single text: the text is replaced iff every party accepted.
    Veto,
    /// The text is replaced when every party accepted; when some rejected, the
    /// mediator role decides whether to replace it anyway (an annealing
    /// mediator does so with a probability falling over time).
    MediatorMayOverride,
}

/// How several co-mediators share the mediator role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoMediation {
    /// Co-mediator `step % n_mediators` acts for the role in step `step`.
    TakeTurns,
    /// Any co-mediator may act for the role at any time.
    Any,
}

/// Settings of one single-text negotiation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SingleTextConfig {
    /// Number of steps (proposals) before the talks end.
    pub n_steps: u32,
    pub rule: ProposalRule,
    pub co_mediation: CoMediation,
}

/// Who acted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// Co-mediator `k` (acting for the mediator role).
    Mediator(usize),
    /// Party `k`.
    Party(usize),
    /// The protocol's rule itself (a resolution that left no choice, the end at the step limit).
    Rule,
}

/// Why the talks ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// `n_steps` steps were taken.
    StepLimit,
    /// The mediator role ended the talks between steps.
    ByMediator,
}

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EventKind<O> {
    /// The mediator role proposed `text` to replace `current`.
    Proposed { text: O, current: O },
    /// A party voted on the proposal `text`.
    Voted { text: O, accept: bool },
    /// Every party accepted: `text` is the new text.
    Accepted { text: O },
    /// The mediator role kept the proposal `text` although `rejections`
    /// parties rejected it: `text` is the new text.
    Kept { text: O, rejections: u32 },
    /// The proposal `text`, rejected by `rejections` parties, was discarded:
    /// the text is unchanged.
    Rejected { text: O, rejections: u32 },
    /// The talks ended with `text` as the final text after `steps` steps.
    Ended { text: O, steps: u32, reason: EndReason },
}

/// One entry of the log: in step `step` (from 0), `actor` did `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event<O> {
    pub step: u32,
    pub actor: Actor,
    #[serde(flatten)]
    pub kind: EventKind<O>,
}

/// A move of the single-text machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "move")]
pub enum SingleTextMove<O> {
    /// [`SingleText::propose`].
    Propose { mediator: usize, text: O },
    /// [`SingleText::vote`].
    Vote { party: usize, accept: bool },
    /// [`SingleText::decide`].
    Decide { mediator: usize, keep: bool },
    /// [`SingleText::end`].
    End { mediator: usize },
}

/// A refused action or an impossible configuration. A refused action changes
/// nothing.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SingleTextError {
    #[error("the talks have ended")]
    Ended,
    #[error("there is no co-mediator {got} (the role has {n_mediators})")]
    NoSuchMediator { got: usize, n_mediators: usize },
    #[error("there is no party {got} (the talks have {n_parties})")]
    NoSuchParty { got: usize, n_parties: usize },
    #[error("it is co-mediator {expected}'s turn, not co-mediator {got}'s")]
    NotYourTurn { expected: usize, got: usize },
    #[error("votes on the proposal are pending")]
    VotesPending,
    #[error("the mediator role has a decision to make on the proposal")]
    DecisionPending,
    #[error("there is no proposal to vote on")]
    NoProposal,
    #[error("party {0} has already voted on this proposal")]
    AlreadyVoted(usize),
    #[error("there is no decision to make")]
    NothingToDecide,
    #[error("single-text talks need at least 2 parties, not {0}")]
    TooFewParties(usize),
    #[error("the mediator role needs at least one co-mediator")]
    NoMediators,
    #[error("n_steps must be at least 1")]
    NoSteps,
}

/// What the machine waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase<O> {
    /// A proposal (or the end) from `mediator`, or from any co-mediator when `None`.
    Propose {
        mediator: Option<usize>,
    },
    /// Votes on `proposal`; [`SingleText::votes`] says who has voted.
    Vote {
        proposal: O,
    },
    /// The mediator role's decision on `proposal`, which `rejections` parties
    /// rejected: from `mediator`, or from any co-mediator when `None`.
    Decide {
        proposal: O,
        rejections: u32,
        mediator: Option<usize>,
    },
    Ended,
}

#[derive(Clone, Debug, PartialEq)]
struct Pending<O> {
    proposal: O,
    votes: Vec<Option<bool>>,
    n_votes: usize,
}

/// The single-text state machine for texts of type `O`.
#[derive(Clone, Debug, PartialEq)]
pub struct SingleText<O> {
    n_parties: usize,
    n_mediators: usize,
    config: SingleTextConfig,
    step: u32,
    text: O,
    pending: Option<Pending<O>>,
    ended: Option<(EndReason, u32)>,
}

impl<O: Copy + PartialEq> SingleText<O> {
    /// Talks between `n_parties` parties (at least 2) and a mediator role of
    /// `n_mediators` co-mediators (at least 1), starting from the text `initial`.
    pub fn new(
        n_parties: usize,
        n_mediators: usize,
        initial: O,
        config: SingleTextConfig,
    ) -> Result<Self, SingleTextError> {
        if n_parties < 2 {
            return Err(SingleTextError::TooFewParties(n_parties));
        }
        if n_mediators == 0 {
            return Err(SingleTextError::NoMediators);
        }
        if config.n_steps == 0 {
            return Err(SingleTextError::NoSteps);
        }
        Ok(SingleText { n_parties, n_mediators, config, step: 0, text: initial, pending: None, ended: None })
    }

    pub fn config(&self) -> &SingleTextConfig {
        &self.config
    }

    pub fn n_parties(&self) -> usize {
        self.n_parties
    }

    pub fn n_mediators(&self) -> usize {
        self.n_mediators
    }

    /// The current text (the final text once ended).
    pub fn text(&self) -> O {
        self.text
    }

    /// The current step, from 0 (the number of steps taken once ended).
    pub fn step(&self) -> u32 {
        self.step
    }

    /// The co-mediator who must act for the role now, or `None` when any may.
    fn role_holder(&self) -> Option<usize> {
        match self.config.co_mediation {
            CoMediation::TakeTurns => Some(self.step as usize % self.n_mediators),
            CoMediation::Any => None,
        }
    }

    /// What the machine waits for.
    pub fn phase(&self) -> Phase<O> {
        if self.ended.is_some() {
            return Phase::Ended;
        }
        match &self.pending {
            None => Phase::Propose { mediator: self.role_holder() },
            Some(p) if p.n_votes < self.n_parties => Phase::Vote { proposal: p.proposal },
            Some(p) => {
                Phase::Decide { proposal: p.proposal, rejections: rejections(&p.votes), mediator: self.role_holder() }
            }
        }
    }

    /// The votes cast on the pending proposal, per party (`None`: not yet);
    /// empty when no proposal is pending.
    pub fn votes(&self) -> &[Option<bool>] {
        self.pending.as_ref().map_or(&[], |p| &p.votes)
    }

    pub fn is_ended(&self) -> bool {
        self.ended.is_some()
    }

    /// Once ended: why, after how many steps, and the final text.
    pub fn outcome(&self) -> Option<(EndReason, u32, O)> {
        self.ended.map(|(reason, steps)| (reason, steps, self.text))
    }

    fn check_mediator(&self, mediator: usize) -> Result<(), SingleTextError> {
        if self.ended.is_some() {
            return Err(SingleTextError::Ended);
        }
        if mediator >= self.n_mediators {
            return Err(SingleTextError::NoSuchMediator { got: mediator, n_mediators: self.n_mediators });
        }
        Ok(())
    }

    fn check_turn(&self, mediator: usize) -> Result<(), SingleTextError> {
        match self.role_holder() {
            Some(expected) if expected != mediator => Err(SingleTextError::NotYourTurn { expected, got: mediator }),
            _ => Ok(()),
        }
    }

    /// The mediator role, through co-mediator `mediator`, proposes `text` to
    /// replace the current text. Refused while a proposal is pending. A
    /// proposal equal to the current text is allowed (it cannot change it).
    pub fn propose(
        &mut self,
        mediator: usize,
        text: O,
        sink: &mut impl FnMut(Event<O>),
    ) -> Result<(), SingleTextError> {
        self.check_mediator(mediator)?;
        self.check_idle()?;
        self.check_turn(mediator)?;
        sink(Event {
            step: self.step,
            actor: Actor::Mediator(mediator),
            kind: EventKind::Proposed { text, current: self.text },
        });
        self.pending = Some(Pending { proposal: text, votes: vec![None; self.n_parties], n_votes: 0 });
        Ok(())
    }

    fn check_idle(&self) -> Result<(), SingleTextError> {
        match &self.pending {
            Some(p) if p.n_votes < self.n_parties => Err(SingleTextError::VotesPending),
            Some(_) => Err(SingleTextError::DecisionPending),
            None => Ok(()),
        }
    }

    /// Party `party` votes on the pending proposal. The last vote resolves the
    /// step unless the mediator role has a decision to make.
    pub fn vote(&mut self, party: usize, accept: bool, sink: &mut impl FnMut(Event<O>)) -> Result<(), SingleTextError> {
        if self.ended.is_some() {
            return Err(SingleTextError::Ended);
        }
        if party >= self.n_parties {
            return Err(SingleTextError::NoSuchParty { got: party, n_parties: self.n_parties });
        }
        let step = self.step;
        let n_parties = self.n_parties;
        let Some(p) = self.pending.as_mut() else {
            return Err(SingleTextError::NoProposal);
        };
        if p.votes[party].is_some() {
            return Err(SingleTextError::AlreadyVoted(party));
        }
        p.votes[party] = Some(accept);
        p.n_votes += 1;
        let proposal = p.proposal;
        sink(Event { step, actor: Actor::Party(party), kind: EventKind::Voted { text: proposal, accept } });
        if p.n_votes < n_parties {
            return Ok(());
        }
        let rejected = rejections(&p.votes);
        if rejected == 0 {
            self.text = proposal;
            sink(Event { step, actor: Actor::Rule, kind: EventKind::Accepted { text: proposal } });
            self.next_step(sink);
        } else if self.config.rule == ProposalRule::Veto {
            sink(Event {
                step,
                actor: Actor::Rule,
                kind: EventKind::Rejected { text: proposal, rejections: rejected },
            });
            self.next_step(sink);
        }
        // Otherwise the mediator role decides.
        Ok(())
    }

    /// The mediator role, through co-mediator `mediator`, decides on a
    /// proposal some party rejected (only under [`ProposalRule::MediatorMayOverride`]):
    /// `keep` replaces the text with it anyway, otherwise it is discarded.
    pub fn decide(
        &mut self,
        mediator: usize,
        keep: bool,
        sink: &mut impl FnMut(Event<O>),
    ) -> Result<(), SingleTextError> {
        self.check_mediator(mediator)?;
        let Some(p) = &self.pending else {
            return Err(SingleTextError::NothingToDecide);
        };
        if p.n_votes < self.n_parties {
            return Err(SingleTextError::VotesPending);
        }
        // With turns, the co-mediator who proposed decides (turns change only between steps).
        self.check_turn(mediator)?;
        let (text, rejections) = (p.proposal, rejections(&p.votes));
        let step = self.step;
        let kind = if keep {
            self.text = text;
            EventKind::Kept { text, rejections }
        } else {
            EventKind::Rejected { text, rejections }
        };
        sink(Event { step, actor: Actor::Mediator(mediator), kind });
        self.next_step(sink);
        Ok(())
    }

    /// The mediator role, through co-mediator `mediator`, ends the talks
    /// between steps with the current text as the final text.
    pub fn end(&mut self, mediator: usize, sink: &mut impl FnMut(Event<O>)) -> Result<(), SingleTextError> {
        self.check_mediator(mediator)?;
        self.check_idle()?;
        self.check_turn(mediator)?;
        self.finish(EndReason::ByMediator, Actor::Mediator(mediator), sink);
        Ok(())
    }

    fn next_step(&mut self, sink: &mut impl FnMut(Event<O>)) {
        self.pending = None;
        self.step += 1;
        if self.step >= self.config.n_steps {
            self.finish(EndReason::StepLimit, Actor::Rule, sink);
        }
    }

    fn finish(&mut self, reason: EndReason, actor: Actor, sink: &mut impl FnMut(Event<O>)) {
        self.ended = Some((reason, self.step));
        sink(Event { step: self.step, actor, kind: EventKind::Ended { text: self.text, steps: self.step, reason } });
    }
}

impl<O: Copy + PartialEq + std::fmt::Debug> Machine for SingleText<O> {
    type Move = SingleTextMove<O>;
    type Event = Event<O>;
    type Error = SingleTextError;

    fn apply(&mut self, mv: &SingleTextMove<O>, sink: &mut dyn FnMut(Event<O>)) -> Result<(), SingleTextError> {
        let sink = &mut |e| sink(e);
        match *mv {
            SingleTextMove::Propose { mediator, text } => self.propose(mediator, text, sink),
            SingleTextMove::Vote { party, accept } => self.vote(party, accept, sink),
            SingleTextMove::Decide { mediator, keep } => self.decide(mediator, keep, sink),
            SingleTextMove::End { mediator } => self.end(mediator, sink),
        }
    }

    fn move_of(&self, events: &[Event<O>]) -> Option<SingleTextMove<O>> {
        let e = events.first()?;
        match (e.actor, e.kind) {
            (Actor::Mediator(mediator), EventKind::Proposed { text, .. }) => {
                Some(SingleTextMove::Propose { mediator, text })
            }
            (Actor::Party(party), EventKind::Voted { accept, .. }) => Some(SingleTextMove::Vote { party, accept }),
            (Actor::Mediator(mediator), EventKind::Kept { .. }) => {
                Some(SingleTextMove::Decide { mediator, keep: true })
            }
            (Actor::Mediator(mediator), EventKind::Rejected { .. }) => {
                Some(SingleTextMove::Decide { mediator, keep: false })
            }
            (Actor::Mediator(mediator), EventKind::Ended { .. }) => Some(SingleTextMove::End { mediator }),
            _ => None,
        }
    }
}

fn rejections(votes: &[Option<bool>]) -> u32 {
    votes.iter().filter(|v| **v == Some(false)).count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(rule: ProposalRule, co_mediation: CoMediation, n_steps: u32) -> SingleTextConfig {
        SingleTextConfig { n_steps, rule, co_mediation }
    }

    /// Everything observable of a machine's state.
    type State = (Phase<u32>, u32, u32, Vec<Option<bool>>, Option<(EndReason, u32, u32)>);

    fn state(m: &SingleText<u32>) -> State {
        (m.phase(), m.text(), m.step(), m.votes().to_vec(), m.outcome())
    }

    #[test]
    fn veto_step_by_step() {
        let mut st = SingleText::new(2, 1, 10u32, config(ProposalRule::Veto, CoMediation::TakeTurns, 2)).unwrap();
        let mut log = Vec::new();
        let mut sink = |e| log.push(e);
        assert_eq!(st.phase(), Phase::Propose { mediator: Some(0) });
        st.propose(0, 11, &mut sink).unwrap();
        assert_eq!(st.phase(), Phase::Vote { proposal: 11 });
        st.vote(1, true, &mut sink).unwrap(); // any order
        assert_eq!(st.votes(), &[None, Some(true)]);
        st.vote(0, true, &mut sink).unwrap();
        assert_eq!((st.text(), st.step()), (11, 1));
        st.propose(0, 12, &mut sink).unwrap();
        st.vote(0, true, &mut sink).unwrap();
        st.vote(1, false, &mut sink).unwrap();
        assert_eq!(st.outcome(), Some((EndReason::StepLimit, 2, 11)));
        assert_eq!(st.phase(), Phase::Ended);
        let ev = |step, actor, kind| Event { step, actor, kind };
        assert_eq!(
            log,
            vec![
                ev(0, Actor::Mediator(0), EventKind::Proposed { text: 11, current: 10 }),
                ev(0, Actor::Party(1), EventKind::Voted { text: 11, accept: true }),
                ev(0, Actor::Party(0), EventKind::Voted { text: 11, accept: true }),
                ev(0, Actor::Rule, EventKind::Accepted { text: 11 }),
                ev(1, Actor::Mediator(0), EventKind::Proposed { text: 12, current: 11 }),
                ev(1, Actor::Party(0), EventKind::Voted { text: 12, accept: true }),
                ev(1, Actor::Party(1), EventKind::Voted { text: 12, accept: false }),
                ev(1, Actor::Rule, EventKind::Rejected { text: 12, rejections: 1 }),
                ev(2, Actor::Rule, EventKind::Ended { text: 11, steps: 2, reason: EndReason::StepLimit }),
            ]
        );
    }

    #[test]
    fn the_mediator_decides_on_rejected_proposals_under_override() {
        let mut st =
            SingleText::new(3, 2, 0u32, config(ProposalRule::MediatorMayOverride, CoMediation::TakeTurns, 5)).unwrap();
        let mut log = Vec::new();
        // Unanimous acceptance needs no decision.
        st.propose(0, 1, &mut |e| log.push(e)).unwrap();
        for p in 0..3 {
            st.vote(p, true, &mut |e| log.push(e)).unwrap();
        }
        assert_eq!((st.text(), st.step()), (1, 1));
        // Step 1 belongs to co-mediator 1.
        st.propose(1, 2, &mut |e| log.push(e)).unwrap();
        st.vote(0, false, &mut |e| log.push(e)).unwrap();
        st.vote(1, true, &mut |e| log.push(e)).unwrap();
        st.vote(2, false, &mut |e| log.push(e)).unwrap();
        assert_eq!(st.phase(), Phase::Decide { proposal: 2, rejections: 2, mediator: Some(1) });
        let before = state(&st);
        assert_eq!(st.decide(0, true, &mut |e| log.push(e)), Err(SingleTextError::NotYourTurn { expected: 1, got: 0 }));
        assert_eq!(state(&st), before);
        st.decide(1, true, &mut |e| log.push(e)).unwrap();
        assert_eq!((st.text(), st.step()), (2, 2));
        assert_eq!(
            log.last(),
            Some(&Event { step: 1, actor: Actor::Mediator(1), kind: EventKind::Kept { text: 2, rejections: 2 } })
        );
        // Step 2 (co-mediator 0): rejected and discarded.
        st.propose(0, 3, &mut |e| log.push(e)).unwrap();
        for p in 0..3 {
            st.vote(p, p != 2, &mut |e| log.push(e)).unwrap();
        }
        st.decide(0, false, &mut |e| log.push(e)).unwrap();
        assert_eq!((st.text(), st.step()), (2, 3));
        assert_eq!(
            log.last(),
            Some(&Event { step: 2, actor: Actor::Mediator(0), kind: EventKind::Rejected { text: 3, rejections: 1 } })
        );
        // Step 3 belongs to co-mediator 1, who ends the talks.
        assert_eq!(st.end(0, &mut |e| log.push(e)), Err(SingleTextError::NotYourTurn { expected: 1, got: 0 }));
        st.end(1, &mut |e| log.push(e)).unwrap();
        assert_eq!(st.outcome(), Some((EndReason::ByMediator, 3, 2)));
        assert_eq!(
            log.last(),
            Some(&Event {
                step: 3,
                actor: Actor::Mediator(1),
                kind: EventKind::Ended { text: 2, steps: 3, reason: EndReason::ByMediator }
            })
        );
    }

    #[test]
    fn any_co_mediator_may_act_for_the_role() {
        let mut st =
            SingleText::new(2, 3, 0u32, config(ProposalRule::MediatorMayOverride, CoMediation::Any, 4)).unwrap();
        let mut sink = |_e: Event<u32>| {};
        assert_eq!(st.phase(), Phase::Propose { mediator: None });
        st.propose(2, 5, &mut sink).unwrap();
        st.vote(0, false, &mut sink).unwrap();
        st.vote(1, true, &mut sink).unwrap();
        assert_eq!(st.phase(), Phase::Decide { proposal: 5, rejections: 1, mediator: None });
        st.decide(1, true, &mut sink).unwrap(); // another co-mediator decides
        assert_eq!(st.text(), 5);
        st.propose(1, 6, &mut sink).unwrap();
        assert_eq!(st.decide(3, true, &mut sink), Err(SingleTextError::NoSuchMediator { got: 3, n_mediators: 3 }));
    }

    #[test]
    fn refused_actions_change_nothing() {
        let mut st = SingleText::new(2, 2, 0u32, config(ProposalRule::Veto, CoMediation::TakeTurns, 3)).unwrap();
        let mut count = 0;
        let mut sink = |_e: Event<u32>| count += 1;
        let before = state(&st);
        assert_eq!(st.vote(0, true, &mut sink), Err(SingleTextError::NoProposal));
        assert_eq!(st.decide(0, true, &mut sink), Err(SingleTextError::NothingToDecide));
        assert_eq!(st.propose(1, 4, &mut sink), Err(SingleTextError::NotYourTurn { expected: 0, got: 1 }));
        assert_eq!(st.propose(2, 4, &mut sink), Err(SingleTextError::NoSuchMediator { got: 2, n_mediators: 2 }));
        assert_eq!(state(&st), before);
        st.propose(0, 4, &mut sink).unwrap();
        let before = state(&st);
        assert_eq!(st.propose(0, 5, &mut sink), Err(SingleTextError::VotesPending));
        assert_eq!(st.end(0, &mut sink), Err(SingleTextError::VotesPending));
        assert_eq!(st.decide(0, true, &mut sink), Err(SingleTextError::VotesPending));
        assert_eq!(st.vote(2, true, &mut sink), Err(SingleTextError::NoSuchParty { got: 2, n_parties: 2 }));
        assert_eq!(state(&st), before);
        st.vote(0, false, &mut sink).unwrap();
        let before = state(&st);
        assert_eq!(st.vote(0, true, &mut sink), Err(SingleTextError::AlreadyVoted(0)));
        assert_eq!(state(&st), before);
        st.vote(1, true, &mut sink).unwrap(); // veto: rejected by the rule, no decision
        assert_eq!(st.decide(0, true, &mut sink), Err(SingleTextError::NothingToDecide));
        assert_eq!((st.text(), st.step()), (0, 1));
        st.end(1, &mut sink).unwrap();
        let before = state(&st);
        assert_eq!(st.propose(0, 1, &mut sink), Err(SingleTextError::Ended));
        assert_eq!(st.vote(0, true, &mut sink), Err(SingleTextError::Ended));
        assert_eq!(st.decide(0, true, &mut sink), Err(SingleTextError::Ended));
        assert_eq!(st.end(0, &mut sink), Err(SingleTextError::Ended));
        assert_eq!(state(&st), before);
        assert_eq!(count, 5); // proposed, two votes, rejected, ended
    }

    #[test]
    fn a_pending_decision_blocks_everything_else() {
        let mut st =
            SingleText::new(2, 1, 0u32, config(ProposalRule::MediatorMayOverride, CoMediation::TakeTurns, 3)).unwrap();
        let mut sink = |_e: Event<u32>| {};
        st.propose(0, 1, &mut sink).unwrap();
        st.vote(0, false, &mut sink).unwrap();
        st.vote(1, false, &mut sink).unwrap();
        let before = state(&st);
        assert_eq!(st.propose(0, 2, &mut sink), Err(SingleTextError::DecisionPending));
        assert_eq!(st.end(0, &mut sink), Err(SingleTextError::DecisionPending));
        assert_eq!(st.vote(1, true, &mut sink), Err(SingleTextError::AlreadyVoted(1)));
        assert_eq!(state(&st), before);
    }

    #[test]
    fn impossible_configurations_are_refused() {
        let c = config(ProposalRule::Veto, CoMediation::TakeTurns, 3);
        assert_eq!(SingleText::new(1, 1, 0u32, c).err(), Some(SingleTextError::TooFewParties(1)));
        assert_eq!(SingleText::new(2, 0, 0u32, c).err(), Some(SingleTextError::NoMediators));
        assert_eq!(
            SingleText::new(2, 1, 0u32, config(ProposalRule::Veto, CoMediation::Any, 0)).err(),
            Some(SingleTextError::NoSteps)
        );
    }
}
