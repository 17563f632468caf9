//! Divided delegations in `analyze` and `whatif`: the zone analysis
//! (win-sets, zones, veto players, diagnosis) under the instructions in force
//! at a time. Documents and text: `entente_report::zones`.

use anyhow::Context;
use entente_core::analysis::ZONE_ENUMERATION_LIMIT;
use entente_core::analysis::zones::{DelegationInput, PartyInput, ZoneReport, analyze_zones};
use entente_core::blocs::{BlocSets, Instructions};
use entente_core::{UtilityFunction, UtilityTable};
use entente_model::Scenario;
use entente_model::timeline::{DelegationState as StateAt, InForce};
use entente_report::zones::DelegationState;

/// Tables and instructions of every party at one time.
pub struct ZoneInputs {
    pub own: Vec<UtilityTable>,
    pub reservations: Vec<f64>,
    pub instructions: Vec<Option<Instructions>>,
    pub sets: Vec<Option<Vec<BlocSets>>>,
}

impl ZoneInputs {
    /// Prepares the analysis of `scenario` under the instructions in force `at`.
    pub fn new(scenario: &Scenario, at: &InForce) -> anyhow::Result<Self> {
        let space = &scenario.space;
        let n = scenario.parties.len();
        let mut inputs = ZoneInputs {
            own: Vec::with_capacity(n),
            reservations: Vec::with_capacity(n),
            instructions: Vec::with_capacity(n),
            sets: Vec::with_capacity(n),
        };
        for (k, p) in scenario.parties.iter().enumerate() {
            match (&p.delegation, at.instructions.get(k).cloned().flatten()) {
                (Some(d), Some(i)) => {
                    let tables = StateAt::bloc_tables(space, d)?;
                    let state = StateAt::new(space, d, &tables, &i).context("a delegation's state")?;
                    inputs.own.push(state.table);
                    inputs.reservations.push(state.reservation);
                    inputs.sets.push(Some(state.sets));
                    inputs.instructions.push(Some(i));
                }
                _ => {
                    inputs.own.push(UtilityTable::new(space, &p.utility)?);
                    inputs.reservations.push(p.utility.reservation());
                    inputs.sets.push(None);
                    inputs.instructions.push(None);
                }
            }
        }
        Ok(inputs)
    }

    /// Every delegation's rule and blocs in force, in party order (as the
    /// renderers show them).
    pub fn states(&self) -> Vec<DelegationState> {
        self.instructions
            .iter()
            .zip(&self.sets)
            .enumerate()
            .filter_map(|(k, (i, s))| Some(DelegationState::new(k, i.as_ref()?, s.as_ref()?)))
            .collect()
    }

    /// Runs the zone analysis.
    pub fn analyze(&self, scenario: &Scenario) -> ZoneReport {
        let parties: Vec<PartyInput> = scenario
            .parties
            .iter()
            .enumerate()
            .map(|(k, p)| PartyInput {
                name: &p.name,
                own: &self.own[k],
                reservation: self.reservations[k],
                delegation: match (&self.instructions[k], &self.sets[k]) {
                    (Some(i), Some(s)) => Some(DelegationInput { blocs: &i.blocs, rule: i.rule, sets: s.clone() }),
                    _ => None,
                },
            })
            .collect();
        analyze_zones(&parties)
    }
}

/// The zone analysis of a scenario that has delegations (`None` without).
pub fn zone_report(scenario: &Scenario, at: &InForce) -> anyhow::Result<Option<(ZoneInputs, ZoneReport)>> {
    if scenario.parties.iter().all(|p| p.delegation.is_none()) {
        return Ok(None);
    }
    zone_analysis(scenario, at).map(Some)
}

/// The zone analysis of any scenario whose space can be enumerated (up to
/// [`ZONE_ENUMERATION_LIMIT`] outcomes).
pub fn zone_analysis(scenario: &Scenario, at: &InForce) -> anyhow::Result<(ZoneInputs, ZoneReport)> {
    let what = if scenario.parties.iter().any(|p| p.delegation.is_some()) {
        "the zone analysis of delegations enumerates the outcome space"
    } else {
        "the zone analysis enumerates the outcome space"
    };
    scenario.space.enumerable(ZONE_ENUMERATION_LIMIT as usize).context(what)?;
    let inputs = ZoneInputs::new(scenario, at)?;
    let report = inputs.analyze(scenario);
    Ok((inputs, report))
}
