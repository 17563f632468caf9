//! Mediated talks: a round of talks run as a simulation anyone can inspect,
//! change and replay.
//!
//! - [`model`]: the talks as declared (sessions, agenda, instructions, incidents, baseline);
//! - [`sim`]: the simulation, driving the package protocol of `entente-protocols`;
//! - [`log`]: the event log with its channels and per-role exports;
//! - [`figure`]: the figure of a round as plain data for `entente-plot`, by role.

pub mod actors;
pub mod assessment;
mod document;
mod export;
pub mod figure;
pub mod log;
pub mod measures;
mod participant;
pub mod sim;
mod simulated;
pub mod transcript;

pub use actors::ActorRef;
pub use document::{COMPARE_SCHEMA, ChangeNote, CompareDocument, CounterfactualNote, RunMeasures, TalksDocument};
pub use entente_model::talks as model;
pub use export::{ActorName, EXPORT_SCHEMA, Export};
pub use model::Talks;
pub use participant::{
    Answer, DelegationPosition, Participant, Person, Position, Prompt, ScriptedParticipant, Seats, View, role_of,
};
pub use sim::{Phase, Round, TalksRun, Turn, simulate, simulate_with};
pub use simulated::{
    DraftingMediator, NotATalksStrategy, SimulatedCapital, SimulatedGuarantor, SimulatedMediator, SimulatedParty,
    StrategyParty,
};

/// The schema of the talks document (`entente talks --json`): `{schema, talks,
/// run, measures}`, `run` a [`TalksRun`] that reads back from JSON.
pub const SCHEMA: &str = "entente.talks/2";
