//! A negotiation scenario in memory, whatever file it came from: issues,
//! parties (preferences, delegation, declared strategy) and protocol settings.
//! Data only: running it is the protocols' job.

use entente_core::blocs::Delegation;
use entente_core::{OutcomeId, OutcomeSpace, Preferences, Value};
use serde::{Deserialize, Serialize};

use crate::strategy::StrategySpec;

/// Settings of one SAO negotiation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaoConfig {
    /// Maximum number of rounds.
    pub n_steps: u32,
    /// Optional wall-clock limit in seconds.
    pub time_limit: Option<f64>,
}

/// One party: its preferences and, optionally, the strategy it negotiates with.
#[derive(Clone, Debug)]
pub struct Party {
    pub name: String,
    /// The party's own utility. For a delegation: its mandate at the start
    /// (see [`Delegation::mandate`]).
    pub utility: Preferences,
    pub strategy: Option<StrategySpec>,
    /// The blocs this party answers to, if it is a divided delegation.
    pub delegation: Option<Delegation>,
}

/// Issues, parties and protocol settings.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub space: OutcomeSpace,
    pub parties: Vec<Party>,
    pub config: SaoConfig,
    /// Seed of every random choice (0 when the scenario gives none).
    pub seed: u64,
}

impl Scenario {
    /// The outcome as `(issue name, value)` pairs.
    pub fn describe(&self, outcome: OutcomeId) -> Vec<(String, Value)> {
        let labels = self.space.labels(outcome as u128).unwrap_or_default();
        self.space.issues().iter().map(|i| i.name.clone()).zip(labels).collect()
    }
}
