//! File formats of entente.
//!
//! - [`parity`]: NegMAS parity cases (negotiations with full offer traces) and
//!   their replay, the conformance check of the engine.

pub mod error;
pub mod parity;

pub use error::FormatError;
