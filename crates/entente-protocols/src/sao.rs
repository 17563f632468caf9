//! Stacked alternating offers (SAO) as a sans-IO state machine.
//!
//! The machine holds no clock, thread or strategy. Whoever drives it (the
//! simulator with strategies, a server with people) asks [`Sao::turn`] who must
//! act, submits that party's [`Action`] with [`Sao::act`], and receives the
//! resulting [`Event`]s through a sink. Time limits in seconds are the driver's
//! business: it reports elapsed time with [`Sao::expire`].
//!
//! Semantics are NegMAS 0.16's (`../shared/reference/negotiation-semantics.md`):
//! at most `n_steps` rounds; in each round every party acts once in joining
//! order; a party facing an offer accepts it or rejects it with a counter-offer
//! in the same turn; the proposer counts as accepting its own offer and a new
//! offer resets the count; agreement when every party has accepted.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::machine::Machine;

/// How a negotiation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EndReason {
    /// Every party accepted the standing offer.
    Agreement,
    /// `n_steps` rounds passed without agreement.
    Timeout,
    /// The wall-clock limit passed without agreement.
    TimeLimit,
    /// A party ended the negotiation (or had no counter-offer to make).
    BrokenOff { by: usize },
}

/// What the acting party does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action<O> {
    /// Accept the standing offer.
    Accept,
    /// Put an offer on the table. If another offer is standing, this rejects it.
    Offer(O),
    /// Leave the negotiation: it ends without agreement.
    End,
}

/// What happened, in order. A driver stores these as the negotiation's log.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum Event<O> {
    /// `party` put `outcome` on the table in `round`.
    Offer { round: u32, party: usize, outcome: O },
    /// `party` accepted the standing `outcome`.
    Accept { round: u32, party: usize, outcome: O },
    /// `party` rejected the standing `outcome` (a counter-offer follows, unless it ended).
    Reject { round: u32, party: usize, outcome: O },
    /// The negotiation ended; `rounds` is NegMAS's count (`k + 1` for an
    /// agreement in round `k`, `n_steps` on time-out).
    End { rounds: u32, reason: EndReason, agreement: Option<O> },
}

/// A move of the SAO machine: a party's action, or the driver's report that
/// the wall-clock limit has passed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "move")]
pub enum SaoMove<O> {
    Act {
        party: usize,
        action: Action<O>,
    },
    /// The time limit has passed (only with a time limit).
    TimeUp,
}

/// A refused action. The machine's state is unchanged.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ProtocolError {
    #[error("the negotiation has ended")]
    Ended,
    #[error("it is party {expected}'s turn, not party {got}'s")]
    NotYourTurn { expected: usize, got: usize },
    #[error("there is no offer on the table to accept")]
    NothingToAccept,
    #[error("a negotiation needs at least 2 parties, not {0}")]
    TooFewParties(usize),
    #[error("n_steps must be at least 1")]
    NoSteps,
    #[error("time limit must be a positive number of seconds, not {0}")]
    BadTimeLimit(f64),
    #[error("the negotiation has no time limit to pass")]
    NoTimeLimit,
}

pub use entente_model::SaoConfig;

/// Relative time by rounds: `(round + 1) / (n_steps + 1)` during round
/// `round` of a negotiation of `n_steps` rounds (NegMAS's step time).
#[inline]
pub fn step_time(round: u32, n_steps: u32) -> f64 {
    (round as f64 + 1.0) / (n_steps as f64 + 1.0)
}

/// Whose turn it is and what they face.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Turn<O> {
    pub party: usize,
    pub round: u32,
    /// The standing offer, if any (only the very first turn has none).
    pub offer: Option<O>,
}

/// The SAO state machine for outcomes of type `O`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sao<O> {
    n_parties: usize,
    config: SaoConfig,
    round: u32,
    party: usize,
    offer: Option<O>,
    accepted: usize,
    ended: Option<(EndReason, u32, Option<O>)>,
}

impl<O: Copy + PartialEq> Sao<O> {
    pub fn new(n_parties: usize, config: SaoConfig) -> Result<Self, ProtocolError> {
        if n_parties < 2 {
            return Err(ProtocolError::TooFewParties(n_parties));
        }
        if config.n_steps == 0 {
            return Err(ProtocolError::NoSteps);
        }
        if let Some(limit) = config.time_limit
            && (limit.is_nan() || limit <= 0.0)
        {
            return Err(ProtocolError::BadTimeLimit(limit));
        }
        Ok(Sao { n_parties, config, round: 0, party: 0, offer: None, accepted: 0, ended: None })
    }

    pub fn config(&self) -> &SaoConfig {
        &self.config
    }

    pub fn n_parties(&self) -> usize {
        self.n_parties
    }

    /// The party to act next, or `None` once ended.
    pub fn turn(&self) -> Option<Turn<O>> {
        if self.ended.is_some() {
            return None;
        }
        Some(Turn { party: self.party, round: self.round, offer: self.offer })
    }

    /// Relative time by rounds: `(k + 1) / (n_steps + 1)` during round `k`.
    pub fn step_time(&self) -> f64 {
        step_time(self.round, self.config.n_steps)
    }

    /// Relative time seen by the acting party given `elapsed` seconds:
    /// `min(1, max(step time, elapsed / time_limit))`.
    pub fn relative_time(&self, elapsed: f64) -> f64 {
        let by_steps = self.step_time();
        match self.config.time_limit {
            Some(limit) => by_steps.max(elapsed / limit).min(1.0),
            None => by_steps,
        }
    }

    /// The end state, once ended: reason, rounds, agreement.
    pub fn outcome(&self) -> Option<(EndReason, u32, Option<O>)> {
        self.ended
    }

    pub fn is_ended(&self) -> bool {
        self.ended.is_some()
    }

    /// Ends the negotiation if `elapsed` seconds reach the time limit.
    /// Returns whether it has ended.
    pub fn expire(&mut self, elapsed: f64, sink: &mut impl FnMut(Event<O>)) -> bool {
        if self.ended.is_some() {
            return true;
        }
        if let Some(limit) = self.config.time_limit
            && elapsed >= limit
        {
            self.finish(EndReason::TimeLimit, self.round, None, sink);
            return true;
        }
        false
    }

    /// Applies `party`'s action. Refused actions leave the state unchanged.
    pub fn act(
        &mut self,
        party: usize,
        action: Action<O>,
        sink: &mut impl FnMut(Event<O>),
    ) -> Result<(), ProtocolError> {
        if self.ended.is_some() {
            return Err(ProtocolError::Ended);
        }
        if party != self.party {
            return Err(ProtocolError::NotYourTurn { expected: self.party, got: party });
        }
        let round = self.round;
        match action {
            Action::Accept => {
                let Some(outcome) = self.offer else {
                    return Err(ProtocolError::NothingToAccept);
                };
                sink(Event::Accept { round, party, outcome });
                self.accepted += 1;
                if self.accepted >= self.n_parties {
                    self.finish(EndReason::Agreement, round + 1, Some(outcome), sink);
                    return Ok(());
                }
            }
            Action::Offer(outcome) => {
                if let Some(standing) = self.offer {
                    sink(Event::Reject { round, party, outcome: standing });
                }
                sink(Event::Offer { round, party, outcome });
                self.offer = Some(outcome);
                self.accepted = 1;
            }
            Action::End => {
                if let Some(standing) = self.offer {
                    sink(Event::Reject { round, party, outcome: standing });
                }
                self.finish(EndReason::BrokenOff { by: party }, round + 1, None, sink);
                return Ok(());
            }
        }
        self.party += 1;
        if self.party == self.n_parties {
            self.party = 0;
            self.round += 1;
            if self.round >= self.config.n_steps {
                self.finish(EndReason::Timeout, self.config.n_steps, None, sink);
            }
        }
        Ok(())
    }

    fn finish(&mut self, reason: EndReason, rounds: u32, agreement: Option<O>, sink: &mut impl FnMut(Event<O>)) {
        self.ended = Some((reason, rounds, agreement));
        sink(Event::End { rounds, reason, agreement });
    }
}

impl<O: Copy + PartialEq + std::fmt::Debug> Machine for Sao<O> {
    type Move = SaoMove<O>;
    type Event = Event<O>;
    type Error = ProtocolError;

    fn apply(&mut self, mv: &SaoMove<O>, sink: &mut dyn FnMut(Event<O>)) -> Result<(), ProtocolError> {
        match *mv {
            SaoMove::Act { party, action } => self.act(party, action, &mut |e| sink(e)),
            SaoMove::TimeUp => {
                if self.ended.is_some() {
                    return Err(ProtocolError::Ended);
                }
                let limit = self.config.time_limit.ok_or(ProtocolError::NoTimeLimit)?;
                self.expire(limit, &mut |e| sink(e));
                Ok(())
            }
        }
    }

    fn move_of(&self, events: &[Event<O>]) -> Option<SaoMove<O>> {
        let act = |party, action| Some(SaoMove::Act { party, action });
        match *events.first()? {
            // A counter-offer or a walk-out rejects the standing offer first.
            Event::Reject { party, .. } => match *events.get(1)? {
                Event::Offer { party: p, outcome, .. } if p == party => act(party, Action::Offer(outcome)),
                Event::End { reason: EndReason::BrokenOff { by }, .. } if by == party => act(party, Action::End),
                _ => None,
            },
            Event::Offer { party, outcome, .. } if self.offer.is_none() => act(party, Action::Offer(outcome)),
            Event::Accept { party, .. } => act(party, Action::Accept),
            Event::End { reason: EndReason::BrokenOff { by }, .. } if self.offer.is_none() => act(by, Action::End),
            Event::End { reason: EndReason::TimeLimit, .. } => Some(SaoMove::TimeUp),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilateral_agreement_counts_rounds_like_negmas() {
        let mut sao = Sao::<u32>::new(2, SaoConfig { n_steps: 10, time_limit: None }).unwrap();
        let mut log = Vec::new();
        let mut sink = |e| log.push(e);
        sao.act(0, Action::Offer(7), &mut sink).unwrap(); // round 0
        sao.act(1, Action::Offer(3), &mut sink).unwrap(); // round 0: reject + counter
        assert_eq!(sao.turn().unwrap().round, 1);
        sao.act(0, Action::Accept, &mut sink).unwrap(); // round 1
        assert_eq!(sao.act(1, Action::Accept, &mut sink), Err(ProtocolError::Ended));
        assert_eq!(sao.outcome(), Some((EndReason::Agreement, 2, Some(3))));
        assert_eq!(
            log,
            vec![
                Event::Offer { round: 0, party: 0, outcome: 7 },
                Event::Reject { round: 0, party: 1, outcome: 7 },
                Event::Offer { round: 0, party: 1, outcome: 3 },
                Event::Accept { round: 1, party: 0, outcome: 3 },
                Event::End { rounds: 2, reason: EndReason::Agreement, agreement: Some(3) },
            ]
        );
    }

    #[test]
    fn three_parties_need_two_consecutive_acceptances() {
        let mut sao = Sao::<u32>::new(3, SaoConfig { n_steps: 5, time_limit: None }).unwrap();
        let mut sink = |_e: Event<u32>| {};
        sao.act(0, Action::Offer(1), &mut sink).unwrap();
        sao.act(1, Action::Accept, &mut sink).unwrap();
        sao.act(2, Action::Offer(2), &mut sink).unwrap(); // resets the count
        sao.act(0, Action::Accept, &mut sink).unwrap(); // round 1
        assert!(!sao.is_ended());
        sao.act(1, Action::Accept, &mut sink).unwrap();
        assert_eq!(sao.outcome(), Some((EndReason::Agreement, 2, Some(2))));
    }

    #[test]
    fn timeout_after_n_steps_rounds() {
        let mut sao = Sao::<u32>::new(2, SaoConfig { n_steps: 3, time_limit: None }).unwrap();
        let mut sink = |_e: Event<u32>| {};
        let mut k = 0;
        while let Some(turn) = sao.turn() {
            assert_eq!(sao.step_time(), (turn.round as f64 + 1.0) / 4.0);
            sao.act(turn.party, Action::Offer(k), &mut sink).unwrap();
            k += 1;
        }
        assert_eq!(k, 6);
        assert_eq!(sao.outcome(), Some((EndReason::Timeout, 3, None)));
    }

    #[test]
    fn refused_actions_change_nothing() {
        let mut sao = Sao::<u32>::new(2, SaoConfig { n_steps: 3, time_limit: None }).unwrap();
        let mut sink = |_e: Event<u32>| {};
        assert_eq!(sao.act(0, Action::Accept, &mut sink), Err(ProtocolError::NothingToAccept));
        assert_eq!(sao.act(1, Action::Offer(1), &mut sink), Err(ProtocolError::NotYourTurn { expected: 0, got: 1 }));
        assert_eq!(sao.turn(), Some(Turn { party: 0, round: 0, offer: None }));
        assert!(Sao::<u32>::new(1, SaoConfig { n_steps: 3, time_limit: None }).is_err());
        assert!(Sao::<u32>::new(2, SaoConfig { n_steps: 0, time_limit: None }).is_err());
        assert!(Sao::<u32>::new(2, SaoConfig { n_steps: 3, time_limit: Some(f64::NAN) }).is_err());
    }

    #[test]
    fn break_off_and_time_limit() {
        let mut sao = Sao::<u32>::new(2, SaoConfig { n_steps: 3, time_limit: Some(2.0) }).unwrap();
        let mut sink = |_e: Event<u32>| {};
        assert_eq!(sao.relative_time(0.0), 0.25);
        assert_eq!(sao.relative_time(1.0), 0.5);
        assert_eq!(sao.relative_time(9.0), 1.0);
        assert!(!sao.expire(1.9, &mut sink));
        sao.act(0, Action::Offer(1), &mut sink).unwrap();
        assert!(sao.expire(2.0, &mut sink));
        assert_eq!(sao.outcome(), Some((EndReason::TimeLimit, 0, None)));

        let mut sao = Sao::<u32>::new(2, SaoConfig { n_steps: 3, time_limit: None }).unwrap();
        sao.act(0, Action::Offer(1), &mut sink).unwrap();
        sao.act(1, Action::End, &mut sink).unwrap();
        assert_eq!(sao.outcome(), Some((EndReason::BrokenOff { by: 1 }, 1, None)));
    }
}
