//! File formats of entente.
//!
//! - [`scenario`]: entente's own scenario format (TOML): issues, parties,
//!   their utilities and negotiators, protocol settings.
//! - [`parity`]: NegMAS parity cases (negotiations with full offer traces) and
//!   their replay, the conformance check of the engine.

pub mod error;
pub mod parity;
pub mod scenario;

pub use error::FormatError;
pub use scenario::{parse_scenario, read_scenario, write_scenario};
