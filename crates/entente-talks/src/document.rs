//! The documents `entente talks --json` prints: a round with its measures
//! ([`TalksDocument`], `entente.talks/2`) and a base round beside a changed
//! one ([`CompareDocument`], `entente.talks-compare/1`). Both read back from
//! their JSON into the same value.

use serde::{Deserialize, Serialize};

use crate::measures::Measures;
use crate::model::{Counterfactual, Talks};
use crate::sim::TalksRun;

/// The schema of [`CompareDocument`].
pub const COMPARE_SCHEMA: &str = "entente.talks-compare/1";

/// A named counterfactual, as the documents name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterfactualNote {
    pub name: String,
    pub description: String,
}

impl From<Counterfactual> for CounterfactualNote {
    fn from(c: Counterfactual) -> Self {
        CounterfactualNote { name: c.name().to_string(), description: c.describe().to_string() }
    }
}

/// A change applied to the talks (as written) and what it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeNote {
    pub change: String,
    pub note: String,
}

/// A round of talks and its measures (`entente talks --json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TalksDocument {
    /// [`crate::SCHEMA`].
    pub schema: String,
    /// The talks' name.
    pub talks: String,
    /// The named counterfactual run, if any.
    pub counterfactual: Option<CounterfactualNote>,
    /// The live room's record the round was read from (`entente talks --record`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    pub run: TalksRun,
    pub measures: Measures,
    /// The changes of one's own applied (`--change`, `--changes`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<ChangeNote>>,
}

impl TalksDocument {
    pub fn new(talks: &Talks, run: TalksRun, measures: Measures) -> TalksDocument {
        TalksDocument {
            schema: crate::SCHEMA.to_string(),
            talks: talks.scenario.name.clone(),
            counterfactual: None,
            record: None,
            run,
            measures,
            changes: None,
        }
    }
}

/// A round and its measures, one side of a comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunMeasures {
    pub run: TalksRun,
    pub measures: Measures,
}

/// The base round beside the changed one (`entente talks --compare --json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareDocument {
    /// [`COMPARE_SCHEMA`].
    pub schema: String,
    pub talks: String,
    pub seed: u64,
    pub counterfactual: Option<CounterfactualNote>,
    pub changes: Vec<ChangeNote>,
    pub base: RunMeasures,
    pub changed: RunMeasures,
}
