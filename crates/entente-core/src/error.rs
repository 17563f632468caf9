//! Errors of the core model.

use thiserror::Error;

/// An outcome space, outcome or utility function that does not hold together.
///
/// Every variant says which issue or field is wrong and what was expected, so
/// that file readers can attach a file name and location and pass it on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ModelError {
    #[error("an outcome space needs at least one issue")]
    EmptySpace,
    #[error("issue {issue:?}: {reason}")]
    Issue { issue: String, reason: String },
    #[error("the outcome space has more than 2^128 outcomes")]
    TooLarge,
    #[error("the outcome space has {outcomes} outcomes, more than the {limit} that can be enumerated in memory")]
    NotEnumerable { outcomes: u128, limit: usize },
    #[error("{0}")]
    Outcome(String),
    #[error("utility function: {0}")]
    Utility(String),
}
