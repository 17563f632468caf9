//! Divided delegations in `analyze`: win-sets, zones, veto players and the
//! diagnosis, as text and JSON.

use std::fmt::Write as _;

use anyhow::Context;
use entente_core::analysis::zones::{DelegationInput, Diagnosis, Package, PartyInput, ZoneReport, analyze_zones};
use entente_core::blocs::{BlocSets, Instructions, Rule};
use entente_core::{UtilityFunction, UtilityTable};
use entente_model::Scenario;
use entente_model::timeline::{DelegationState, InForce};

use crate::ratification::ZONE_ENUMERATION_LIMIT;
use serde_json::json;

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
                    let tables = DelegationState::bloc_tables(space, d)?;
                    let state = DelegationState::new(space, d, &tables, &i).context("a delegation's state")?;
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
    scenario.space.enumerable(ZONE_ENUMERATION_LIMIT).context(what)?;
    let inputs = ZoneInputs::new(scenario, at)?;
    let report = inputs.analyze(scenario);
    Ok((inputs, report))
}

fn rule_name(rule: &Rule, i: &Instructions) -> String {
    match *rule {
        Rule::Unanimity => "unanimity of its veto blocs".into(),
        Rule::Quota { quota } => format!("weighted quota {quota}"),
        Rule::Dominant { bloc } => {
            format!("dominant bloc {}", i.blocs.get(bloc).map_or("?", |b| b.name.as_str()))
        }
        Rule::WeightedSum => "weighted-sum mandate".into(),
    }
}

pub fn package_text(scenario: &Scenario, p: &Package) -> String {
    crate::analyze::package_line(scenario, p.outcome as u128, &p.utilities)
}

/// `bloc (party), …`.
pub fn pairs(v: &[(String, String)]) -> String {
    v.iter().map(|(p, b)| format!("{b} ({p})")).collect::<Vec<_>>().join(", ")
}

/// The human-readable zone analysis.
pub fn zone_text(scenario: &Scenario, inputs: &ZoneInputs, r: &ZoneReport, at: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\nDivided delegations (instructions in force at t = {at}):");
    let mut dk = 0;
    for (k, p) in scenario.parties.iter().enumerate() {
        let (Some(i), Some(sets)) = (&inputs.instructions[k], &inputs.sets[k]) else { continue };
        let d = &r.delegations[dk];
        dk += 1;
        let _ = writeln!(
            out,
            "  {} ratifies by {}: win-set {} of {} outcomes{}",
            p.name,
            rule_name(&i.rule, i),
            d.win_set,
            r.outcomes,
            if d.status_quo_stable { " (the status quo is stable: nothing can be ratified)" } else { "" }
        );
        for (f, b) in i.blocs.iter().enumerate() {
            let veto = d.vetoes.iter().find(|v| v.bloc == b.name);
            let role = match veto {
                Some(v) if v.absorbed => "veto, absorbed (the others already exclude what it objects to)".to_string(),
                Some(v) if v.binds_zone => format!("veto, binding (without it the zone would hold {})", v.zone_without),
                Some(v) => format!("veto, binds the win-set (without it: {}) but not the zone", v.win_set_without),
                None => "no veto".to_string(),
            };
            let red =
                if b.red_lines.is_empty() { String::new() } else { format!(", {} red line(s)", b.red_lines.len()) };
            let _ = writeln!(
                out,
                "    bloc {:<12} weight {:<6} accepts {:>6} outcomes; {role}{red}",
                b.name,
                b.weight,
                sets[f].acceptable().count()
            );
        }
    }
    let _ = writeln!(out, "\nZones of possible agreement:");
    let _ = writeln!(
        out,
        "  unitary (every party as one actor, its own utility):  {} outcomes{}",
        r.unitary_zone,
        r.unitary_nash.as_ref().map_or(String::new(), |p| format!("; Nash package {}", package_text(scenario, p)))
    );
    let _ = writeln!(
        out,
        "  bloc level (the delegations' win-sets):               {} outcomes{}",
        r.bloc_zone,
        r.bloc_nash.as_ref().map_or(String::new(), |p| format!("; Nash package {}", package_text(scenario, p)))
    );
    let _ = write!(out, "\nDiagnosis: ");
    match &r.diagnosis {
        Diagnosis::NoAgreementInSubstance => {
            let _ =
                writeln!(out, "no agreement is possible in substance: no outcome beats no agreement for every party.");
        }
        Diagnosis::BlockedInternally { responsible, red_lines, binding, substance_package } => {
            let _ = writeln!(
                out,
                "possible in substance but blocked internally: {} outcomes would suit every party as a unitary actor, \
                 but the delegations cannot ratify any of them.",
                r.unitary_zone
            );
            if !responsible.is_empty() {
                let _ =
                    writeln!(out, "  Blocking: {} (each one's yielding alone would open a zone).", pairs(responsible));
            } else {
                let _ = writeln!(out, "  No single bloc's yielding opens a zone: the blockage is joint.");
            }
            if !red_lines.is_empty() {
                let _ = writeln!(out, "  Red lines that close the zone: {}.", pairs(red_lines));
            }
            if !binding.is_empty() {
                let _ = writeln!(out, "  Binding vetoes: {}.", pairs(binding));
            }
            let _ = writeln!(out, "  What would pass in substance: {}.", package_text(scenario, substance_package));
        }
        Diagnosis::Possible { package } => {
            let _ = writeln!(
                out,
                "agreement is possible; the suggested package (Nash): {}.",
                package_text(scenario, package)
            );
        }
    }
    out
}

/// The zone analysis as JSON (packages with their outcomes).
pub fn zone_json(scenario: &Scenario, r: &ZoneReport, at: f64) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or(serde_json::Value::Null);
    let label = |o: u64| crate::analyze::outcome_json(scenario, o as u128);
    for key in ["unitary_nash", "bloc_nash"] {
        if let Some(o) = v[key]["outcome"].as_u64() {
            v[key]["outcome_values"] = label(o);
        }
    }
    for key in ["package", "substance_package"] {
        if let Some(o) = v["diagnosis"][key]["outcome"].as_u64() {
            v["diagnosis"][key]["outcome_values"] = label(o);
        }
    }
    json!({ "at": at, "report": v })
}
