//! The simulator's driver: runs an SAO machine with strategies.
//!
//! This is the only place where negotiators meet the protocol. It asks the
//! machine whose turn it is, asks that party's [`Negotiator`], and submits the
//! answer; the machine's events go to a caller-supplied sink. A wall-clock
//! limit, when set, is checked here against the elapsed time that the caller's
//! [`Clock`] reports (neither the machine nor this driver reads the clock).

use entente_core::OutcomeId;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::negotiators::{Negotiator, Response, TurnInfo};
use crate::sao::{Action, EndReason, Event, ProtocolError, Sao, SaoConfig};

/// How a simulated negotiation ended.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    pub agreement: Option<OutcomeId>,
    /// NegMAS's round count: `k + 1` for an agreement in round `k`, `n_steps` on time-out.
    pub rounds: u32,
    pub reason: EndReason,
    /// Relative time of the last action.
    pub t: f64,
}

/// An offer in the trace: `(round, party, outcome)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEntry {
    pub round: u32,
    pub party: usize,
    pub outcome: OutcomeId,
}

/// A simulation that cannot run or went wrong.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum RunError {
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    #[error("party {party} offered outcome {outcome}, but the space has only {n_outcomes} outcomes")]
    InvalidOffer { party: usize, outcome: OutcomeId, n_outcomes: usize },
}

/// The time source of a negotiation under a wall-clock limit: the seconds
/// elapsed since the negotiation started. The caller supplies it (a program
/// passes a real clock, a test or a replay a scripted one); the library never
/// reads the clock itself.
///
/// Any `FnMut() -> f64` is a clock.
pub trait Clock {
    /// Seconds elapsed since the start of the negotiation (never decreasing).
    fn elapsed(&mut self) -> f64;
}

impl<F: FnMut() -> f64> Clock for F {
    fn elapsed(&mut self) -> f64 {
        self()
    }
}

/// A clock that never advances: no time passes, so a time limit never
/// expires and the relative time is the step time. For runs without a time
/// limit (the clock is then never asked) and for reproducible runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoClock;

impl Clock for NoClock {
    fn elapsed(&mut self) -> f64 {
        0.0
    }
}

/// Runs one SAO negotiation between `negotiators` (in joining order) over a
/// space of `n_outcomes` outcomes, sending every event to `sink`.
///
/// `clock` is asked for the elapsed seconds before every turn when
/// `config.time_limit` is set, and never otherwise.
pub fn run_sao<'a>(
    negotiators: &mut [Box<dyn Negotiator + Send + 'a>],
    config: SaoConfig,
    n_outcomes: usize,
    clock: &mut dyn Clock,
    mut sink: impl FnMut(Event<OutcomeId>),
) -> Result<RunOutcome, RunError> {
    let mut sao = Sao::new(negotiators.len(), config)?;
    let timed = config.time_limit.is_some();
    let mut t = 0.0;
    while let Some(turn) = sao.turn() {
        let now = if timed { clock.elapsed() } else { 0.0 };
        if sao.expire(now, &mut sink) {
            break;
        }
        t = sao.relative_time(now);
        let info = TurnInfo { round: turn.round, t };
        let negotiator = &mut negotiators[turn.party];
        let action = match turn.offer {
            None => negotiator.propose(&info).map_or(Action::End, Action::Offer),
            Some(offer) => match negotiator.respond(&info, offer) {
                Response::Accept => Action::Accept,
                Response::End => Action::End,
                Response::Reject => negotiator.propose(&info).map_or(Action::End, Action::Offer),
            },
        };
        if let Action::Offer(o) = action
            && o as usize >= n_outcomes
        {
            return Err(RunError::InvalidOffer { party: turn.party, outcome: o, n_outcomes });
        }
        sao.act(turn.party, action, &mut sink)?;
    }
    let (reason, rounds, agreement) = sao.outcome().expect("the loop ends only when the machine has ended");
    Ok(RunOutcome { agreement, rounds, reason, t })
}

/// Runs one negotiation and appends its offers to `trace` (cleared first).
pub fn run_sao_traced<'a>(
    negotiators: &mut [Box<dyn Negotiator + Send + 'a>],
    config: SaoConfig,
    n_outcomes: usize,
    clock: &mut dyn Clock,
    trace: &mut Vec<TraceEntry>,
) -> Result<RunOutcome, RunError> {
    trace.clear();
    run_sao(negotiators, config, n_outcomes, clock, |e| {
        if let Event::Offer { round, party, outcome } = e {
            trace.push(TraceEntry { round, party, outcome });
        }
    })
}
