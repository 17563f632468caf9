//! The model of entente: what is negotiated and by whom, as data.
//!
//! - [`Scenario`]: issues, parties (preferences, divided delegations, the
//!   strategy each declares) and protocol settings, whatever file they came from;
//! - [`strategy`]: strategies by name and checked parameters (declarations:
//!   the protocols crate builds the negotiators);
//! - [`talks`]: a round of mediated talks as declared (sessions, agenda,
//!   instructions, incidents, baseline);
//! - [`timeline`]: one timeline of a delegation's instructions, in a
//!   caller-given time unit, and the one place that builds a delegation's
//!   state (mandate, bloc sets, win-set) at a time.
//!
//! No I/O, no clock, no randomness: every type here is plain data that the
//! formats read and write and the protocols and the talks run.

mod scenario;
pub mod strategy;
pub mod talks;
pub mod timeline;
pub mod whatif;

pub use scenario::{Party, SaoConfig, Scenario};
pub use strategy::{StrategyError, StrategyOptions, StrategySpec};
