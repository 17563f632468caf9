//! What entente prints: versioned JSON documents and the text renderers.
//!
//! Every document is a plain serde type that reads back from its own JSON
//! into the same value (round-trip tested), with a `schema` field naming its
//! version:
//!
//! | document | schema | printed by |
//! |---|---|---|
//! | [`run::RunDoc`] | `entente.run/1` (docs/run-json.md) | `entente run --json` |
//! | [`analysis::AnalysisDoc`] | `entente.analysis/2` | `entente analyze --json` |
//! | [`whatif::WhatIfDoc`] | `entente.whatif/1` | `entente whatif --json` |
//! | [`bench::BenchCase`], [`bench::AnalysisFigure`] | (arrays, unversioned) | `entente bench --json`, `entente bench-analysis --json` |
//!
//! The text renderers (`*_text`) turn the same results into what the CLI
//! prints. A document's field order is its printed order; changing a field
//! changes the schema's version.
//!
//! This crate neither computes analyses nor reads files or the clock: it
//! takes the libraries' results and shapes them.

pub mod analysis;
pub mod bench;
mod outcome;
pub mod ratification;
pub mod run;
pub mod whatif;
pub mod zones;

pub use analysis::{ANALYSIS_SCHEMA, AnalysisDoc};
pub use outcome::Outcome;
pub use run::{RUN_SCHEMA, RunDoc};
pub use whatif::{WHATIF_SCHEMA, WhatIfDoc};

#[cfg(test)]
mod tests;
