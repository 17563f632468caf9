//! NegMAS parity cases: negotiations run by NegMAS with their full offer
//! traces, read and checked (the `entente-conformance` crate replays them).
//!
//! The format is described in `../shared/parity/README.md`. A case carries the
//! issues, each party's weights and value tables exactly as NegMAS used them,
//! the negotiator classes and `n_steps`, and the trace NegMAS produced.

use std::path::{Path, PathBuf};

use entente_core::{Issue, LinearAdditive, OutcomeSpace, TieOrder, UtilityTable, ValueFunction};
use entente_model::strategy::{StrategyOptions, StrategySpec};
use serde::Deserialize;

use crate::error::FormatError;

/// A parity case as stored.
#[derive(Clone, Debug, Deserialize)]
pub struct ParityCase {
    pub id: String,
    pub scenario: CaseScenario,
    pub negotiators: Vec<String>,
    pub n_steps: u32,
    pub trace: Vec<(u32, usize, Vec<u32>)>,
    pub agreement: Option<Vec<u32>>,
    pub rounds: u32,
    #[serde(default)]
    pub ties_in_utilities: bool,
    #[serde(default)]
    pub tie_order_sensitive: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CaseScenario {
    pub name: String,
    pub issues: Vec<CaseIssue>,
    pub parties: Vec<CaseParty>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CaseIssue {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CaseParty {
    pub name: String,
    pub weights: Vec<f64>,
    pub tables: Vec<Vec<f64>>,
    #[serde(default)]
    pub bias: f64,
    /// `null` means no reservation value (`-inf`).
    pub reserved_value: Option<f64>,
}

/// A case made ready to replay.
pub struct LoadedCase {
    pub path: PathBuf,
    pub case: ParityCase,
    pub space: OutcomeSpace,
    /// Each party's utility table.
    pub tables: Vec<UtilityTable>,
    pub strategies: Vec<StrategySpec>,
    /// The order among tied utilities to replay with.
    pub tie_order: TieOrder,
}

/// Reads and checks one case file, ordering tied utilities as numpy's AVX2
/// argsort does (the dispatch the shared corpus was made with).
pub fn load_case(path: &Path) -> Result<LoadedCase, FormatError> {
    load_case_with(path, TieOrder::NumpyAvx2)
}

/// Reads and checks one case file, ordering tied utilities as `tie_order` says.
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
pub fn load_case_with(path: &Path, tie_order: TieOrder) -> Result<LoadedCase, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|e| FormatError::io(path, e))?;
    let case: ParityCase = serde_json::from_str(&text).map_err(|e| FormatError::json(path, &e))?;
    let at = |field: String, message: String| FormatError::Field { file: path.to_path_buf(), field, message };
    let issues: Vec<Issue> =
        case.scenario.issues.iter().map(|i| Issue::discrete(i.name.clone(), i.values.clone())).collect();
    let space = OutcomeSpace::new(issues).map_err(|e| at("scenario.issues".into(), e.to_string()))?;
    if case.scenario.parties.len() != case.negotiators.len() {
        return Err(at(
            "negotiators".into(),
            format!("{} negotiators for {} parties", case.negotiators.len(), case.scenario.parties.len()),
        ));
    }
    let mut parties = Vec::with_capacity(case.scenario.parties.len());
    for (k, p) in case.scenario.parties.iter().enumerate() {
        let field = format!("scenario.parties[{k}]");
        let functions = p.tables.iter().cloned().map(ValueFunction::Table).collect();
        let ufun = LinearAdditive::new(
            &space,
            p.weights.clone(),
            functions,
            p.bias,
            p.reserved_value.unwrap_or(f64::NEG_INFINITY),
            None,
        )
        .map_err(|e| at(field.clone(), e.to_string()))?;
        let table = UtilityTable::new(&space, &ufun).map_err(|e| at(field, e.to_string()))?;
        parties.push(table);
    }
    let mut strategies = Vec::with_capacity(case.negotiators.len());
    for (k, name) in case.negotiators.iter().enumerate() {
        strategies.push(
            StrategySpec::from_name(name, &StrategyOptions::default())
                .map_err(|e| at(format!("negotiators[{k}]"), e.to_string()))?,
        );
    }
    if case.n_steps == 0 {
        return Err(at("n_steps".into(), "must be at least 1".into()));
    }
    for (k, (_, who, o)) in case.trace.iter().enumerate() {
        if *who >= parties.len() {
            return Err(at(format!("trace[{k}]"), format!("party {who} does not exist")));
        }
        space.index_of(o).map_err(|e| at(format!("trace[{k}]"), e.to_string()))?;
    }
    if let Some(a) = &case.agreement {
        space.index_of(a).map_err(|e| at("agreement".into(), e.to_string()))?;
    }
    Ok(LoadedCase { path: path.to_path_buf(), case, space, tables: parties, strategies, tie_order })
}

/// Lists the case files (`*.json`, except `index.json`) of a directory, or of
/// its `cases/` subdirectory when it has one, sorted by name.
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
pub fn case_files(dir: &Path) -> Result<Vec<PathBuf>, FormatError> {
    let dir = if dir.join("cases").is_dir() { dir.join("cases") } else { dir.to_path_buf() };
    let entries = std::fs::read_dir(&dir).map_err(|e| FormatError::io(&dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| FormatError::io(&dir, e))?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") && path.file_name().is_some_and(|n| n != "index.json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
