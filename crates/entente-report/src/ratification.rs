//! Divided delegations beyond the enumerated zone analysis: the probability
//! of ratification under uncertainty (the `ratification` part of
//! `entente.analysis/2`) and the zones of a space too large to enumerate (its
//! `delegations` part with `"method": "large_space"`), as documents and text.
//! Methods: docs/delegations-analysis.md.

use std::fmt::Write as _;

use entente_core::analysis::zones_sampled::{
    ExactZones, LargeDiagnosis, LargePackage, Proportion, SampledSet, SampledZones, ZoneFound,
};
use entente_protocols::montecarlo::{LargeZoneReport, RatificationEstimate, ZoneMethod};
use entente_protocols::scenario::Scenario;
use serde::{Deserialize, Serialize};

use crate::outcome::{Outcome, decimal, package_line, pairs};

/// An estimated probability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProportionDoc {
    pub probability: f64,
    pub hits: u64,
    pub draws: u64,
    pub std_error: f64,
    /// The 95% Wilson score interval.
    pub wilson95: [f64; 2],
}

impl From<&Proportion> for ProportionDoc {
    fn from(p: &Proportion) -> Self {
        ProportionDoc {
            probability: p.estimate,
            hits: p.hits,
            draws: p.samples,
            std_error: p.std_error,
            wilson95: [p.low, p.high],
        }
    }
}

/// The package whose ratification is estimated, with each party's own utility.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EstimatedPackage {
    #[serde(with = "decimal")]
    pub outcome_index: u128,
    pub outcome: Outcome,
    pub utilities: Vec<f64>,
}

/// A bloc's declared uncertainty.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Uncertainty {
    pub values: f64,
    pub reversion: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlocEstimateDoc {
    pub bloc: String,
    pub uncertainty: Option<Uncertainty>,
    pub accepts: Option<ProportionDoc>,
    pub crosses_red_line: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DelegationEstimateDoc {
    pub party: String,
    pub ratified: Option<ProportionDoc>,
    pub blocs: Vec<BlocEstimateDoc>,
}

/// How the bloc-level zone was decided in each draw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum ZoneMethodDoc {
    Enumerated,
    ExactAdditive,
    NotComputed { reason: String },
}

/// The probability of ratification under uncertainty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RatificationDoc {
    pub at: f64,
    pub draws: u64,
    pub seed: u64,
    pub package: Option<EstimatedPackage>,
    pub delegations: Vec<DelegationEstimateDoc>,
    pub everyone_ratifies: Option<ProportionDoc>,
    pub zone_nonempty: Option<ProportionDoc>,
    pub zone_method: ZoneMethodDoc,
}

impl RatificationDoc {
    /// `own`: each party's own utility of the package.
    pub fn new(scenario: &Scenario, e: &RatificationEstimate, own: &[f64]) -> Self {
        let opt = |p: &Option<Proportion>| p.as_ref().map(ProportionDoc::from);
        RatificationDoc {
            at: e.at,
            draws: e.draws,
            seed: e.seed,
            package: e.package.map(|p| EstimatedPackage {
                outcome_index: p,
                outcome: Outcome::of(scenario, p),
                utilities: own.to_vec(),
            }),
            delegations: e
                .delegations
                .iter()
                .map(|d| DelegationEstimateDoc {
                    party: d.party.clone(),
                    ratified: opt(&d.ratified),
                    blocs: d
                        .blocs
                        .iter()
                        .map(|b| BlocEstimateDoc {
                            bloc: b.bloc.clone(),
                            uncertainty: b.uncertainty.map(|(values, reversion)| Uncertainty { values, reversion }),
                            accepts: opt(&b.accepts),
                            crosses_red_line: b.red_line,
                        })
                        .collect(),
                })
                .collect(),
            everyone_ratifies: opt(&e.everyone_ratifies),
            zone_nonempty: opt(&e.zone_nonempty),
            zone_method: match &e.zone_method {
                ZoneMethod::Enumerated => ZoneMethodDoc::Enumerated,
                ZoneMethod::ExactAdditive => ZoneMethodDoc::ExactAdditive,
                ZoneMethod::NotComputed { reason } => ZoneMethodDoc::NotComputed { reason: reason.to_string() },
            },
        }
    }
}

/// A sampled outcome of a set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Witness {
    #[serde(with = "decimal")]
    pub outcome_index: u128,
    pub outcome: Outcome,
}

/// What the samples say of one set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampledSetDoc {
    pub fraction: f64,
    pub hits: u64,
    pub wilson95: [f64; 2],
    pub outcomes_estimate: f64,
    pub outcomes_wilson95: [f64; 2],
    pub witness: Option<Witness>,
    pub empty_or_below: Option<f64>,
}

impl SampledSetDoc {
    fn new(scenario: &Scenario, s: &SampledSet) -> Self {
        SampledSetDoc {
            fraction: s.fraction.estimate,
            hits: s.fraction.hits,
            wilson95: [s.fraction.low, s.fraction.high],
            outcomes_estimate: s.outcomes,
            outcomes_wilson95: [s.outcomes_low, s.outcomes_high],
            witness: s.witness.map(|w| Witness { outcome_index: w, outcome: Outcome::of(scenario, w) }),
            empty_or_below: s.empty_or_below,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartyEstimate {
    pub party: String,
    pub estimate: SampledSetDoc,
}

/// The sampling estimate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampledDoc {
    pub samples: u64,
    pub seed: u64,
    pub unitary_sets: Vec<PartyEstimate>,
    pub win_sets: Vec<PartyEstimate>,
    pub unitary_zone: SampledSetDoc,
    pub bloc_zone: SampledSetDoc,
}

/// An outcome with every party's own utility.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LargePackageDoc {
    #[serde(with = "decimal")]
    pub outcome_index: u128,
    pub outcome: Outcome,
    pub utilities: Vec<f64>,
}

impl LargePackageDoc {
    fn new(scenario: &Scenario, p: &LargePackage) -> Self {
        LargePackageDoc {
            outcome_index: p.outcome,
            outcome: Outcome::of(scenario, p.outcome),
            utilities: p.utilities.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZoneFoundDoc {
    pub nonempty: bool,
    pub witness: Option<LargePackageDoc>,
    pub nash: Option<LargePackageDoc>,
}

impl ZoneFoundDoc {
    fn new(scenario: &Scenario, z: &ZoneFound) -> Self {
        ZoneFoundDoc {
            nonempty: z.nonempty,
            witness: z.witness.as_ref().map(|p| LargePackageDoc::new(scenario, p)),
            nash: z.nash.as_ref().map(|p| LargePackageDoc::new(scenario, p)),
        }
    }
}

/// A bloc of a party.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartyBloc {
    pub party: String,
    pub bloc: String,
}

fn party_blocs(v: &[(String, String)]) -> Vec<PartyBloc> {
    v.iter().map(|(p, b)| PartyBloc { party: p.clone(), bloc: b.clone() }).collect()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "case", rename_all = "snake_case")]
pub enum LargeDiagnosisDoc {
    NoAgreementInSubstance,
    BlockedInternally { responsible: Vec<PartyBloc>, red_lines: Vec<PartyBloc>, substance_package: LargePackageDoc },
    Possible { package: LargePackageDoc },
}

/// The exact check for linear additive utilities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExactZonesDoc {
    pub unitary_zone: ZoneFoundDoc,
    pub bloc_zone: ZoneFoundDoc,
    pub diagnosis: LargeDiagnosisDoc,
    pub merges: usize,
    pub notes: Vec<String>,
}

impl ExactZonesDoc {
    fn new(scenario: &Scenario, e: &ExactZones) -> Self {
        let package = |p: &LargePackage| LargePackageDoc::new(scenario, p);
        ExactZonesDoc {
            unitary_zone: ZoneFoundDoc::new(scenario, &e.unitary_zone),
            bloc_zone: ZoneFoundDoc::new(scenario, &e.bloc_zone),
            diagnosis: match &e.diagnosis {
                LargeDiagnosis::NoAgreementInSubstance => LargeDiagnosisDoc::NoAgreementInSubstance,
                LargeDiagnosis::BlockedInternally { responsible, red_lines, substance_package } => {
                    LargeDiagnosisDoc::BlockedInternally {
                        responsible: party_blocs(responsible),
                        red_lines: party_blocs(red_lines),
                        substance_package: package(substance_package),
                    }
                }
                LargeDiagnosis::Possible { package: p } => LargeDiagnosisDoc::Possible { package: package(p) },
            },
            merges: e.merges,
            notes: e.notes.clone(),
        }
    }
}

/// The exact check, or why it could not be made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ExactOrError {
    Exact(Box<ExactZonesDoc>),
    Error { error: String },
}

/// The tag of [`LargeZonesDoc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LargeSpace {
    LargeSpace,
}

/// The zone analysis of a space too large to enumerate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LargeZonesDoc {
    /// Always `"large_space"`.
    pub method: LargeSpace,
    pub at: f64,
    #[serde(with = "decimal")]
    pub outcomes: u128,
    pub exact: ExactOrError,
    pub sampled: SampledDoc,
}

impl LargeZonesDoc {
    pub fn new(scenario: &Scenario, r: &LargeZoneReport) -> Self {
        let z: &SampledZones = &r.sampled;
        let sets = |v: &[(String, SampledSet)]| -> Vec<PartyEstimate> {
            v.iter()
                .map(|(p, s)| PartyEstimate { party: p.clone(), estimate: SampledSetDoc::new(scenario, s) })
                .collect()
        };
        LargeZonesDoc {
            method: LargeSpace::LargeSpace,
            at: r.at,
            outcomes: z.outcomes,
            exact: match &r.exact {
                Ok(e) => ExactOrError::Exact(Box::new(ExactZonesDoc::new(scenario, e))),
                Err(reason) => ExactOrError::Error { error: reason.to_string() },
            },
            sampled: SampledDoc {
                samples: z.samples,
                seed: r.seed,
                unitary_sets: sets(&z.unitary_sets),
                win_sets: sets(&z.win_sets),
                unitary_zone: SampledSetDoc::new(scenario, &z.unitary_zone),
                bloc_zone: SampledSetDoc::new(scenario, &z.bloc_zone),
            },
        }
    }
}

/// A share as a percentage with enough digits for small ones.
fn pct(x: f64) -> String {
    let p = 100.0 * x;
    if p == 0.0 || p >= 0.1 { format!("{p:.1}%") } else { format!("{p:.2e}%") }
}

fn prop_text(p: &Proportion) -> String {
    format!("{} ± {} (95% Wilson interval {} to {})", pct(p.estimate), pct(p.std_error), pct(p.low), pct(p.high))
}

/// The probability of ratification as text; `own`: each party's own utility
/// of the package.
pub fn ratification_text(scenario: &Scenario, e: &RatificationEstimate, own: &[f64]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nProbability of ratification under uncertainty ({} draws, seed {}, instructions at t = {}):",
        e.draws, e.seed, e.at
    );
    match e.package {
        Some(p) => {
            let _ = writeln!(out, "  package {}", package_line(scenario, p, own));
        }
        None => {
            let _ = writeln!(out, "  no package to test (no agreement in substance; --package names one)");
        }
    }
    for d in &e.delegations {
        if let Some(p) = &d.ratified {
            let _ = writeln!(out, "  {} ratifies it: {}", d.party, prop_text(p));
        }
        for b in &d.blocs {
            let unc = match b.uncertainty {
                Some((v, r)) if v > 0.0 || r > 0.0 => {
                    format!("uncertain: ±{v} on each value utility, ±{r} on its reversion")
                }
                _ => "certain".to_string(),
            };
            let unc = if b.red_line == Some(true) { format!("{unc}; the package crosses its red line") } else { unc };
            match &b.accepts {
                Some(p) => {
                    let _ = writeln!(out, "    bloc {:<12} accepts it {}; {unc}", b.bloc, prop_text(p));
                }
                None => {
                    let _ = writeln!(out, "    bloc {:<12} {unc}", b.bloc);
                }
            }
        }
    }
    if let Some(p) = &e.everyone_ratifies {
        let _ = writeln!(out, "  every party ratifies it (it lies in the bloc-level zone): {}", prop_text(p));
    }
    match (&e.zone_nonempty, &e.zone_method) {
        (Some(p), m) => {
            let how = if *m == ZoneMethod::Enumerated { "the space enumerated" } else { "the linear additive search" };
            let _ = writeln!(
                out,
                "  the bloc-level zone is non-empty: {} (decided exactly in each draw, {how})",
                prop_text(p)
            );
        }
        (None, ZoneMethod::NotComputed { reason }) => {
            let _ = writeln!(out, "  the bloc-level zone: not computed ({reason})");
        }
        (None, _) => {}
    }
    out
}

fn sampled_text(s: &SampledSet) -> String {
    match s.empty_or_below {
        Some(x) => format!("none sampled: empty, or smaller than {} of the space (95% confidence)", pct(x)),
        None => format!(
            "{} of the space (95% Wilson interval {} to {}), about {:.3e} outcomes",
            pct(s.fraction.estimate),
            pct(s.fraction.low),
            pct(s.fraction.high),
            s.outcomes
        ),
    }
}

fn zone_found_text(scenario: &Scenario, z: &ZoneFound) -> String {
    if !z.nonempty {
        return "empty".into();
    }
    match (&z.nash, &z.witness) {
        (Some(p), _) => format!("non-empty; Nash package {}", package_line(scenario, p.outcome, &p.utilities)),
        (None, Some(w)) => format!("non-empty; for example {}", package_line(scenario, w.outcome, &w.utilities)),
        (None, None) => "non-empty".into(),
    }
}

/// The zone analysis of a large space as text.
pub fn large_text(scenario: &Scenario, r: &LargeZoneReport) -> String {
    let mut out = String::new();
    let z = &r.sampled;
    let _ = writeln!(
        out,
        "\nDivided delegations on a space too large to enumerate ({} outcomes; instructions in force at t = {}):",
        z.outcomes, r.at
    );
    match &r.exact {
        Ok(e) => {
            let _ = writeln!(out, "  Exact (linear additive utilities; {} merges):", e.merges);
            let _ = writeln!(out, "    unitary zone:    {}", zone_found_text(scenario, &e.unitary_zone));
            let _ = writeln!(out, "    bloc-level zone: {}", zone_found_text(scenario, &e.bloc_zone));
            let _ = write!(out, "  Diagnosis: ");
            match &e.diagnosis {
                LargeDiagnosis::NoAgreementInSubstance => {
                    let _ = writeln!(
                        out,
                        "no agreement is possible in substance: no outcome beats no agreement for every party."
                    );
                }
                LargeDiagnosis::BlockedInternally { responsible, red_lines, substance_package } => {
                    let _ = writeln!(
                        out,
                        "possible in substance but blocked internally: some outcome suits every party as a \
                         unitary actor, but the delegations cannot ratify any."
                    );
                    if responsible.is_empty() {
                        let _ = writeln!(out, "    No single bloc's yielding opens a zone: the blockage is joint.");
                    } else {
                        let _ = writeln!(
                            out,
                            "    Blocking: {} (each one's yielding alone would open a zone).",
                            pairs(responsible)
                        );
                    }
                    if !red_lines.is_empty() {
                        let _ = writeln!(out, "    Red lines that close the zone: {}.", pairs(red_lines));
                    }
                    let _ = writeln!(
                        out,
                        "    What would pass in substance: {}.",
                        package_line(scenario, substance_package.outcome, &substance_package.utilities)
                    );
                }
                LargeDiagnosis::Possible { package } => {
                    let _ = writeln!(
                        out,
                        "agreement is possible; the suggested package (Nash): {}.",
                        package_line(scenario, package.outcome, &package.utilities)
                    );
                }
            }
            for n in &e.notes {
                let _ = writeln!(out, "  Note: {n}.");
            }
        }
        Err(reason) => {
            let _ = writeln!(out, "  Exact check not made: {reason}.");
        }
    }
    let _ = writeln!(out, "  Sampled ({} uniform outcomes, seed {}):", z.samples, r.seed);
    for ((p, w), (_, u)) in z.win_sets.iter().zip(&z.unitary_sets) {
        let is_delegation = scenario.parties.iter().any(|q| q.name == *p && q.delegation.is_some());
        if is_delegation {
            let _ = writeln!(out, "    win-set of {p}: {}", sampled_text(w));
        }
        let _ = writeln!(out, "    unitary set of {p}: {}", sampled_text(u));
    }
    let _ = writeln!(out, "    unitary zone:    {}", sampled_text(&z.unitary_zone));
    let _ = writeln!(out, "    bloc-level zone: {}", sampled_text(&z.bloc_zone));
    out
}
