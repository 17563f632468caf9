//! Negotiation protocols and strategies.
//!
//! - [`Sao`]: stacked alternating offers as a sans-IO state machine.
//! - [`Machine`], [`replay`]: the one contract of every machine (apply a move,
//!   refuse with no side effect, replay a record); [`Record`] the envelope of
//!   their events (actor, time, typed [`Reason`]).
//! - [`package`]: the clause-by-clause package protocol ("nothing is agreed
//!   until everything is agreed") as a sans-IO state machine.
//! - [`negotiators`]: the classic strategies (time-based, tit-for-tat, tough,
//!   random), NegMAS-exact.
//! - [`run_sao`], [`run_sao_traced`]: the simulator's driver, which runs a
//!   machine with strategies (the clock is given, [`NoClock`] for none).
//! - [`single_text`]: the mediated single negotiating text as a sans-IO state
//!   machine; [`single_text_agents`]: its voters and mediators, and its driver.
//! - [`montecarlo`]: seeded estimates for divided delegations (probability of
//!   ratification under uncertainty; zones of spaces too large to enumerate).

pub mod delegation;
mod machine;
pub mod montecarlo;
pub mod negotiators;
pub mod package;
mod record;
mod run;
mod sao;
pub mod scenario;
pub mod single_text;
pub mod single_text_agents;

pub use machine::{Machine, ReplayError, replay};
pub use negotiators::{BuildNegotiator, Negotiator, Prepared, Response, StrategySpec, TurnInfo};
pub use record::{ActorId, Objection, Reason, Record, Timestamp};
pub use run::{Clock, NoClock, RunError, RunOutcome, TraceEntry, run_sao, run_sao_traced};
pub use sao::{Action, EndReason, Event, ProtocolError, Sao, SaoConfig, SaoMove, Turn, step_time};
pub use scenario::RunScenario;
