//! The core model of entente: outcome spaces, utility functions and the flat
//! tables that hot paths read.
//!
//! Vocabulary follows NegMAS: an *issue* is one thing negotiated, an *outcome*
//! assigns a value to every issue, a *utility function* (ufun) scores outcomes
//! for one party, and the *reservation value* is what a party gets without
//! agreement.

pub mod analysis;
pub mod blocs;
mod error;
mod hyper;
mod npsort;
mod space;
pub mod synthetic;
pub mod table;
mod utility;

pub use error::ModelError;
pub use hyper::{Aggregation, Bound, HyperRectangles, Rectangle, RectangleFunction, RectangleKind};
pub use space::{Issue, IssueKind, OutcomeIndex, OutcomeSpace, Value};
pub use table::{OutcomeId, SortedOutcomes, TieOrder, UtilityTable};
pub use utility::{LinearAdditive, Preferences, UtilityFunction, ValueFunction, ValueFunctionError};
