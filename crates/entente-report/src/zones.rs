//! Divided delegations on an enumerated space: win-sets, zones, veto players
//! and the diagnosis (the `delegations` part of `entente.analysis/2` and the
//! `zones` part of `entente.whatif/1`), as document and as text.

use std::fmt::Write as _;

use entente_core::OutcomeIndex;
use entente_core::analysis::zones::{DelegationReport, Diagnosis, ZonePoint, ZoneReport};
use entente_core::blocs::{BlocSets, Instructions, Rule};
use entente_protocols::scenario::Scenario;
use serde::{Deserialize, Serialize};

use crate::outcome::{Outcome, package_line, pairs};

/// A bloc as the renderers show it, under the instructions in force.
#[derive(Clone, Debug, PartialEq)]
pub struct BlocState {
    pub name: String,
    pub weight: f64,
    pub veto: bool,
    /// How many red lines it draws.
    pub red_lines: usize,
    /// How many outcomes it accepts (better than its reversion, off its red lines).
    pub accepts: usize,
}

/// A delegation as the renderers show it: its rule and blocs in force.
#[derive(Clone, Debug, PartialEq)]
pub struct DelegationState {
    /// The party's index.
    pub party: usize,
    pub rule: Rule,
    pub blocs: Vec<BlocState>,
}

impl DelegationState {
    /// The state of party `party`'s delegation under `instructions`, with
    /// each bloc's `sets`.
    pub fn new(party: usize, instructions: &Instructions, sets: &[BlocSets]) -> Self {
        let blocs = instructions
            .blocs
            .iter()
            .zip(sets)
            .map(|(b, s)| BlocState {
                name: b.name.clone(),
                weight: b.weight,
                veto: b.veto,
                red_lines: b.red_lines.len(),
                accepts: s.acceptable().count(),
            })
            .collect();
        DelegationState { party, rule: instructions.rule, blocs }
    }

    /// [`DelegationState::new`], each bloc accepting `accepts[b]` outcomes
    /// (those of a part of the space, e.g. what the talks negotiate).
    pub fn counted(party: usize, instructions: &Instructions, sets: &[BlocSets], accepts: &[usize]) -> Self {
        let mut s = DelegationState::new(party, instructions, sets);
        for (b, &n) in s.blocs.iter_mut().zip(accepts) {
            b.accepts = n;
        }
        s
    }

    /// The rule in words (`unanimity of its veto blocs`, `weighted quota 0.6`, …).
    pub fn rule_name(&self) -> String {
        match self.rule {
            Rule::Unanimity => "unanimity of its veto blocs".into(),
            Rule::Quota { quota } => format!("weighted quota {quota}"),
            Rule::Dominant { bloc } => {
                format!("dominant bloc {}", self.blocs.get(bloc).map_or("?", |b| b.name.as_str()))
            }
            Rule::WeightedSum => "weighted-sum mandate".into(),
        }
    }
}

/// A package of the zone analysis, with its outcome's values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZonePackage {
    pub outcome: u32,
    pub utilities: Vec<f64>,
    pub outcome_values: Outcome,
}

impl ZonePackage {
    fn new(scenario: &Scenario, p: &ZonePoint) -> Self {
        ZonePackage {
            outcome: p.outcome,
            utilities: p.utilities.clone(),
            outcome_values: Outcome::of(scenario, p.outcome as OutcomeIndex),
        }
    }
}

/// [`Diagnosis`] with its packages' values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "case", rename_all = "snake_case")]
pub enum ZoneDiagnosis {
    NoAgreementInSubstance,
    BlockedInternally {
        responsible: Vec<(String, String)>,
        red_lines: Vec<(String, String)>,
        binding: Vec<(String, String)>,
        substance_package: ZonePackage,
    },
    Possible {
        package: ZonePackage,
    },
}

/// [`ZoneReport`] with its packages' values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZoneReportDoc {
    pub outcomes: usize,
    pub unitary_sets: Vec<(String, usize)>,
    pub win_sets: Vec<(String, usize)>,
    pub unitary_zone: usize,
    pub bloc_zone: usize,
    pub unitary_nash: Option<ZonePackage>,
    pub bloc_nash: Option<ZonePackage>,
    pub delegations: Vec<DelegationReport>,
    pub diagnosis: ZoneDiagnosis,
}

/// The zone analysis at relative time `at`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZonesDoc {
    pub at: f64,
    pub report: ZoneReportDoc,
}

impl ZonesDoc {
    pub fn new(scenario: &Scenario, r: &ZoneReport, at: f64) -> Self {
        let package = |p: &ZonePoint| ZonePackage::new(scenario, p);
        let diagnosis = match &r.diagnosis {
            Diagnosis::NoAgreementInSubstance => ZoneDiagnosis::NoAgreementInSubstance,
            Diagnosis::BlockedInternally { responsible, red_lines, binding, substance_package } => {
                ZoneDiagnosis::BlockedInternally {
                    responsible: responsible.clone(),
                    red_lines: red_lines.clone(),
                    binding: binding.clone(),
                    substance_package: package(substance_package),
                }
            }
            Diagnosis::Possible { package: p } => ZoneDiagnosis::Possible { package: package(p) },
        };
        ZonesDoc {
            at,
            report: ZoneReportDoc {
                outcomes: r.outcomes,
                unitary_sets: r.unitary_sets.clone(),
                win_sets: r.win_sets.clone(),
                unitary_zone: r.unitary_zone,
                bloc_zone: r.bloc_zone,
                unitary_nash: r.unitary_nash.as_ref().map(package),
                bloc_nash: r.bloc_nash.as_ref().map(package),
                delegations: r.delegations.clone(),
                diagnosis,
            },
        }
    }
}

/// A zone package as `(u1, u2, …) issue=value, …`.
pub fn package_text(scenario: &Scenario, p: &ZonePoint) -> String {
    package_line(scenario, p.outcome as OutcomeIndex, &p.utilities)
}

/// The human-readable zone analysis; `delegations`: the state of every
/// delegation, in party order (as [`ZoneReport::delegations`]).
pub fn zone_text(scenario: &Scenario, delegations: &[DelegationState], r: &ZoneReport, at: f64) -> String {
    let mut out = String::new();
    if !delegations.is_empty() {
        let _ = writeln!(out, "\nDivided delegations (instructions in force at t = {at}):");
    }
    for (state, d) in delegations.iter().zip(&r.delegations) {
        let p = &scenario.parties[state.party];
        let _ = writeln!(
            out,
            "  {} ratifies by {}: win-set {} of {} outcomes{}",
            p.name,
            state.rule_name(),
            d.win_set,
            r.outcomes,
            if d.status_quo_stable { " (the status quo is stable: nothing can be ratified)" } else { "" }
        );
        for b in &state.blocs {
            let veto = d.vetoes.iter().find(|v| v.bloc == b.name);
            let role = match veto {
                Some(v) if v.absorbed => "veto, absorbed (the others already exclude what it objects to)".to_string(),
                Some(v) if v.binds_zone => format!("veto, binding (without it the zone would hold {})", v.zone_without),
                Some(v) => format!("veto, binds the win-set (without it: {}) but not the zone", v.win_set_without),
                None => "no veto".to_string(),
            };
            let red = if b.red_lines == 0 { String::new() } else { format!(", {} red line(s)", b.red_lines) };
            let _ = writeln!(
                out,
                "    bloc {:<12} weight {:<6} accepts {:>6} outcomes; {role}{red}",
                b.name, b.weight, b.accepts
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
